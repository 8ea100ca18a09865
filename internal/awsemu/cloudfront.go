package awsemu

// CloudFront (REST-XML, global): web distributions with their rollout
// lifecycle, ETag versioning and tags, plus the managed cache, origin request
// and response headers policies as read-only fixtures.
//
// Lifecycle: a distribution is InProgress after CreateDistribution and after
// every UpdateDistribution (a disable too), and Deployed once the rollout
// time has passed. DeleteDistribution needs the current ETag and a
// distribution that is disabled and Deployed.
//
// Knobs:
//
//	cloudfront.deploy_duration  time from create/update to Deployed (default 15m; "never" stays InProgress)
//	cloudfront.create_deploy_duration  overrides deploy_duration for the first rollout only: a distribution
//	                            whose creation never deploys can still be disabled and deleted
//	cloudfront.delete_duration  time a deleted distribution stays readable (default 0: gone at once)
//	cloudfront.account_verified  "false": the account is not verified for CloudFront, so creating a
//	                            distribution fails 403 AccessDenied as on a new AWS account
//	cloudfront.origin_keepalive_timeout_max  the keep-alive timeout quota (seconds, default 60), which
//	                            has no Service Quotas code
//	quota.L-24B04930            distributions per account (default 200)
//	quota.L-AECE9FA7            response (origin read) timeout per origin, seconds (default 60)
//
// Call-log notes: GetDistribution and GetDistributionConfig note "status"
// and "enabled"; UpdateDistribution
// and DeleteDistribution note "if_match" and "etag_current" ("true"/"false");
// the creates note "origin" (the first origin's domain name).
//
// CallerReference: CloudFront refuses any reuse of a caller reference with
// DistributionAlreadyExists (409), whatever the config (the documented "same
// config returns the original response" is not what the service does), and
// the message names the distribution that has it. The emulator remembers the
// references of deleted distributions too, and refuses them as well (the
// stricter reading: AWS documents no expiry).
//
// Aliases are stored and returned sorted, CloudFront's own order, not the
// request's.

import (
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

const cfCNAMEDoc = "For more details, see: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html#alternate-domain-names-requirements"

type cloudfrontService struct {
	e     *Emulator
	dists map[string]*cfDistribution
	order []string // ids in creation order
	// refs maps every caller reference ever used to its distribution.
	refs map[string]string
}

// CloudFront quota codes (Service Quotas, service code cloudfront).
const (
	quotaCFDistributions   = "L-24B04930"
	quotaCFResponseTimeout = "L-AECE9FA7"
	cfMaxAliases           = 100
)

func init() {
	RegisterQuota(QuotaDef{ServiceCode: "cloudfront", Code: quotaCFDistributions, Name: "Web distributions per AWS account", Default: 200, Adjustable: true, Global: true})
	RegisterQuota(QuotaDef{ServiceCode: "cloudfront", Code: quotaCFResponseTimeout, Name: "Response timeout per origin", Default: 60, Unit: "Seconds", Adjustable: true, Global: true})
}

type cfDistribution struct {
	id, domain, arn string
	config          *cftypes.DistributionConfig
	etag            string
	modified        time.Time
	status          Timeline // InProgress → Deployed
	tags            map[string]string
	certARN         string
	deleted         bool
	goneAt          time.Time
}

func init() {
	Register(ServiceInfo{
		Name:         "cloudfront",
		SigningName:  "cloudfront",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/cloudfront",
		Global:       true,
		XMLNamespace: "http://cloudfront.amazonaws.com/doc/2020-05-31/",
		ThrottleCode: "Throttling",
	}, func(e *Emulator, _ string) *cloudfrontService {
		return &cloudfrontService{e: e, dists: map[string]*cfDistribution{}, refs: map[string]string{}}
	})
}

// --- errors -----------------------------------------------------------------

func cfNoSuchDistribution() *APIError {
	return ErrorfStatus(http.StatusNotFound, "NoSuchDistribution", "The specified distribution does not exist.")
}

func cfInvalidArgument(format string, args ...any) *APIError {
	return Errorf("InvalidArgument", format, args...)
}

func cfInvalidIfMatch() *APIError {
	return Errorf("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
}

func cfPreconditionFailed() *APIError {
	return ErrorfStatus(http.StatusPreconditionFailed, "PreconditionFailed", "The precondition given in one or more of the request-header fields evaluated to false.")
}

// --- lookups ----------------------------------------------------------------

// usesWebACL reports whether a distribution that is not deleted names a web ACL.
func (s *cloudfrontService) usesWebACL(arn string) bool {
	for _, id := range s.order {
		if d := s.dists[id]; !d.deleted && aws.ToString(d.config.WebACLId) == arn {
			return true
		}
	}
	return false
}

// live returns a distribution that exists and is not being deleted.
func (s *cloudfrontService) live(id string) *cfDistribution {
	d := s.dists[id]
	if d == nil || d.deleted {
		return nil
	}
	return d
}

// visible returns a distribution that reads still show (deleted ones linger
// for cloudfront.delete_duration).
func (s *cloudfrontService) visible(id string, now time.Time) *cfDistribution {
	d := s.dists[id]
	if d == nil || (d.deleted && !now.Before(d.goneAt)) {
		return nil
	}
	return d
}

// Tick forgets distributions whose deletion has finished.
func (s *cloudfrontService) Tick(now time.Time) {
	kept := s.order[:0]
	for _, id := range s.order {
		d := s.dists[id]
		if d.deleted && !now.Before(d.goneAt) {
			delete(s.dists, id)
			continue
		}
		kept = append(kept, id)
	}
	s.order = kept
}

// Inventory lists every distribution, disabled ones too, until deleted.
func (s *cloudfrontService) Inventory(now time.Time) []Resource {
	var out []Resource
	for _, id := range s.order {
		d := s.dists[id]
		if d.deleted {
			continue
		}
		out = append(out, Resource{Service: "cloudfront", Region: "global", Type: "distribution", ID: d.id,
			State: d.status.State(now), Tags: copyTags(d.tags)})
	}
	return out
}

// certificates returns ACM's us-east-1 instance when an ACM service is
// registered (CloudFront only takes certificates from us-east-1).
func (s *cloudfrontService) certificates() Certificates {
	if _, ok := Services()["acm"]; !ok {
		return nil
	}
	certs, _ := s.e.instance("acm", "us-east-1").(Certificates)
	return certs
}

// --- operations: distributions ------------------------------------------------

func (s *cloudfrontService) CreateDistribution(c *Call, in *cloudfront.CreateDistributionInput) (*cloudfront.CreateDistributionOutput, error) {
	d, err := s.create(c, in.DistributionConfig, nil)
	if err != nil {
		return nil, err
	}
	return &cloudfront.CreateDistributionOutput{Distribution: s.view(d, c.Now()), ETag: aws.String(d.etag), Location: aws.String(cfLocation(d.id))}, nil
}

func (s *cloudfrontService) CreateDistributionWithTags(c *Call, in *cloudfront.CreateDistributionWithTagsInput) (*cloudfront.CreateDistributionWithTagsOutput, error) {
	if in.DistributionConfigWithTags == nil {
		return nil, Errorf("MissingBody", "This operation requires a body. Ensure that the body is present and the Content-Type header is set.")
	}
	tags, err := cfTagMap(in.DistributionConfigWithTags.Tags)
	if err != nil {
		return nil, err
	}
	d, err := s.create(c, in.DistributionConfigWithTags.DistributionConfig, tags)
	if err != nil {
		return nil, err
	}
	return &cloudfront.CreateDistributionWithTagsOutput{Distribution: s.view(d, c.Now()), ETag: aws.String(d.etag), Location: aws.String(cfLocation(d.id))}, nil
}

func cfLocation(id string) string {
	return "https://cloudfront.amazonaws.com/2020-05-31/distribution/" + id
}

func (s *cloudfrontService) create(c *Call, in *cftypes.DistributionConfig, tags map[string]string) (*cfDistribution, *APIError) {
	if in == nil {
		return nil, Errorf("MissingBody", "This operation requires a body. Ensure that the body is present and the Content-Type header is set.")
	}
	cfg := sdkClone(in)
	if cfg.Origins != nil && len(cfg.Origins.Items) > 0 {
		c.Note("origin", aws.ToString(cfg.Origins.Items[0].DomainName))
	}
	if c.Emu.Knob("cloudfront.account_verified", "true") == "false" {
		return nil, ErrorfStatus(http.StatusForbidden, "AccessDenied", "Your account must be verified before you can add new CloudFront resources. To verify your account, please contact AWS Support (https://console.aws.amazon.com/support/home#/) and include this error message.")
	}
	ref := aws.ToString(cfg.CallerReference)
	if ref == "" {
		return nil, cfInvalidArgument("The parameter CallerReference is required.")
	}
	// CloudFront refuses any reuse of a caller reference, whether or not the
	// configuration is the same, and names the distribution that has it.
	if id, used := s.refs[ref]; used {
		return nil, ErrorfStatus(http.StatusConflict, "DistributionAlreadyExists",
			"The caller reference that you are using to create a distribution is associated with another distribution. Already exists: %s", id)
	}
	certARN, err := s.validate(c, cfg, "")
	if err != nil {
		return nil, err
	}
	live := 0
	for _, id := range s.order {
		if !s.dists[id].deleted {
			live++
		}
	}
	if limit := int(c.Emu.Quota(quotaCFDistributions)); live >= limit {
		return nil, Errorf("TooManyDistributions", "Processing your request would cause you to exceed the maximum number of distributions allowed.")
	}
	now := c.Now()
	id := "E" + c.Emu.AlnumID("cloudfront-distribution", 13)
	d := &cfDistribution{
		id:       id,
		domain:   "d" + strings.ToLower(c.Emu.AlnumID("cloudfront-domain", 13)) + ".cloudfront.net",
		arn:      "arn:aws:cloudfront::" + c.Account() + ":distribution/" + id,
		config:   cfg,
		etag:     s.newETag(c),
		modified: now,
		status:   NewTimeline("InProgress", now),
		tags:     tags,
		certARN:  certARN,
	}
	d.status.Then("Deployed", c.Emu.KnobDuration("cloudfront.create_deploy_duration", c.Emu.KnobDuration("cloudfront.deploy_duration", 15*time.Minute)))
	c.timelineChange("distribution", id, &d.status, []string{d.arn}, "cloudfront.GetDistribution")
	s.dists[id] = d
	s.order = append(s.order, id)
	s.refs[ref] = id
	if certARN != "" {
		if certs := s.certificates(); certs != nil {
			certs.UseCertificate(certARN, d.arn)
		}
	}
	return d, nil
}

func (s *cloudfrontService) newETag(c *Call) string {
	return "E" + c.Emu.AlnumID("cloudfront-etag", 13)
}

func (s *cloudfrontService) GetDistribution(c *Call, in *cloudfront.GetDistributionInput) (*cloudfront.GetDistributionOutput, error) {
	d := s.visible(aws.ToString(in.Id), c.Now())
	if d == nil {
		return nil, cfNoSuchDistribution()
	}
	s.noteState(c, d)
	return &cloudfront.GetDistributionOutput{Distribution: s.view(d, c.Now()), ETag: aws.String(d.etag)}, nil
}

func (s *cloudfrontService) GetDistributionConfig(c *Call, in *cloudfront.GetDistributionConfigInput) (*cloudfront.GetDistributionConfigOutput, error) {
	d := s.visible(aws.ToString(in.Id), c.Now())
	if d == nil {
		return nil, cfNoSuchDistribution()
	}
	s.noteState(c, d)
	return &cloudfront.GetDistributionConfigOutput{DistributionConfig: sdkClone(d.config), ETag: aws.String(d.etag)}, nil
}

func (s *cloudfrontService) noteState(c *Call, d *cfDistribution) {
	c.Note("status", d.status.State(c.Now()))
	c.Note("enabled", strconv.FormatBool(aws.ToBool(d.config.Enabled)))
}

func (s *cloudfrontService) checkIfMatch(c *Call, d *cfDistribution, ifMatch *string) *APIError {
	c.Note("if_match", aws.ToString(ifMatch))
	c.Note("etag_current", strconv.FormatBool(aws.ToString(ifMatch) == d.etag))
	if aws.ToString(ifMatch) == "" {
		return cfInvalidIfMatch()
	}
	if aws.ToString(ifMatch) != d.etag {
		return cfPreconditionFailed()
	}
	return nil
}

func (s *cloudfrontService) UpdateDistribution(c *Call, in *cloudfront.UpdateDistributionInput) (*cloudfront.UpdateDistributionOutput, error) {
	d := s.live(aws.ToString(in.Id))
	if d == nil {
		return nil, cfNoSuchDistribution()
	}
	if err := s.checkIfMatch(c, d, in.IfMatch); err != nil {
		return nil, err
	}
	if in.DistributionConfig == nil {
		return nil, Errorf("MissingBody", "This operation requires a body. Ensure that the body is present and the Content-Type header is set.")
	}
	cfg := sdkClone(in.DistributionConfig)
	if aws.ToString(cfg.CallerReference) != aws.ToString(d.config.CallerReference) {
		return nil, Errorf("IllegalUpdate", "The update contains modifications that are not allowed: the CallerReference of a distribution cannot be changed.")
	}
	certARN, err := s.validate(c, cfg, d.id)
	if err != nil {
		return nil, err
	}
	now := c.Now()
	if certARN != d.certARN {
		if certs := s.certificates(); certs != nil {
			if d.certARN != "" {
				certs.ReleaseCertificate(d.certARN, d.arn)
			}
			if certARN != "" {
				certs.UseCertificate(certARN, d.arn)
			}
		}
		d.certARN = certARN
	}
	d.config = cfg
	d.etag = s.newETag(c)
	d.modified = now
	d.status.Reset("InProgress", now).Then("Deployed", c.Emu.KnobDuration("cloudfront.deploy_duration", 15*time.Minute))
	c.timelineChange("distribution", d.id, &d.status, []string{d.arn}, "cloudfront.GetDistribution")
	return &cloudfront.UpdateDistributionOutput{Distribution: s.view(d, now), ETag: aws.String(d.etag)}, nil
}

func (s *cloudfrontService) DeleteDistribution(c *Call, in *cloudfront.DeleteDistributionInput) (*cloudfront.DeleteDistributionOutput, error) {
	d := s.live(aws.ToString(in.Id))
	if d == nil {
		return nil, cfNoSuchDistribution()
	}
	if err := s.checkIfMatch(c, d, in.IfMatch); err != nil {
		return nil, err
	}
	now := c.Now()
	if aws.ToBool(d.config.Enabled) || d.status.State(now) != "Deployed" {
		return nil, ErrorfStatus(http.StatusConflict, "DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")
	}
	if d.certARN != "" {
		if certs := s.certificates(); certs != nil {
			certs.ReleaseCertificate(d.certARN, d.arn)
		}
	}
	d.deleted = true
	d.goneAt = now
	if dur := c.Emu.KnobDuration("cloudfront.delete_duration", 0); dur > 0 {
		d.goneAt = now.Add(dur)
		c.change("distribution", d.id, "deleted", now, d.goneAt, []string{d.arn}, "cloudfront.GetDistribution")
	} else if dur < 0 {
		d.goneAt = now.Add(100 * 365 * 24 * time.Hour)
	}
	s.Tick(now)
	return &cloudfront.DeleteDistributionOutput{}, nil
}

func (s *cloudfrontService) ListDistributions(c *Call, in *cloudfront.ListDistributionsInput) (*cloudfront.ListDistributionsOutput, error) {
	now := c.Now()
	var ids []string
	for _, id := range s.order {
		if s.visible(id, now) != nil {
			ids = append(ids, id)
		}
	}
	page, next, max, err := cfPage(ids, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	list := &cftypes.DistributionList{
		Marker:      aws.String(aws.ToString(in.Marker)),
		MaxItems:    aws.Int32(max),
		Quantity:    aws.Int32(int32(len(page))),
		IsTruncated: aws.Bool(next != ""),
	}
	if next != "" {
		list.NextMarker = aws.String(next)
	}
	for _, id := range page {
		list.Items = append(list.Items, s.summary(s.dists[id], now))
	}
	return &cloudfront.ListDistributionsOutput{DistributionList: list}, nil
}

// cfPage pages a list of ids with CloudFront's Marker/MaxItems: the marker is
// the id the page starts after.
func cfPage(ids []string, marker *string, maxItems *int32) (page []string, next string, max int32, err *APIError) {
	max = 100
	if maxItems != nil {
		if *maxItems < 0 || *maxItems > 1000 {
			return nil, "", 0, cfInvalidArgument("The parameter MaxItems must be between 0 and 1000.")
		}
		max = *maxItems
	}
	start := 0
	if m := aws.ToString(marker); m != "" {
		start = -1
		for i, id := range ids {
			if id == m {
				start = i + 1
			}
		}
		if start < 0 {
			return nil, "", 0, cfInvalidArgument("The parameter Marker is not valid: %s", m)
		}
	}
	end := start + int(max)
	if end >= len(ids) {
		return ids[start:], "", max, nil
	}
	page = ids[start:end]
	if len(page) == 0 {
		return page, "", max, nil
	}
	return page, page[len(page)-1], max, nil
}

func (s *cloudfrontService) view(d *cfDistribution, now time.Time) *cftypes.Distribution {
	out := &cftypes.Distribution{
		ARN:                           aws.String(d.arn),
		DistributionConfig:            sdkClone(d.config),
		DomainName:                    aws.String(d.domain),
		Id:                            aws.String(d.id),
		InProgressInvalidationBatches: aws.Int32(0),
		LastModifiedTime:              aws.Time(d.modified),
		Status:                        aws.String(d.status.State(now)),
		ActiveTrustedSigners:          &cftypes.ActiveTrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
		ActiveTrustedKeyGroups:        &cftypes.ActiveTrustedKeyGroups{Enabled: aws.Bool(false), Quantity: aws.Int32(0)},
	}
	if d.config.Aliases != nil {
		for _, a := range d.config.Aliases.Items {
			out.AliasICPRecordals = append(out.AliasICPRecordals, cftypes.AliasICPRecordal{CNAME: aws.String(a), ICPRecordalStatus: cftypes.ICPRecordalStatusApproved})
		}
	}
	return out
}

func (s *cloudfrontService) summary(d *cfDistribution, now time.Time) cftypes.DistributionSummary {
	cfg := sdkClone(d.config)
	return cftypes.DistributionSummary{
		ARN:                  aws.String(d.arn),
		Aliases:              cfg.Aliases,
		CacheBehaviors:       cfg.CacheBehaviors,
		Comment:              cfg.Comment,
		CustomErrorResponses: cfg.CustomErrorResponses,
		DefaultCacheBehavior: cfg.DefaultCacheBehavior,
		DomainName:           aws.String(d.domain),
		Enabled:              cfg.Enabled,
		HttpVersion:          cfg.HttpVersion,
		Id:                   aws.String(d.id),
		IsIPV6Enabled:        cfg.IsIPV6Enabled,
		LastModifiedTime:     aws.Time(d.modified),
		Origins:              cfg.Origins,
		OriginGroups:         cfg.OriginGroups,
		PriceClass:           cfg.PriceClass,
		Restrictions:         cfg.Restrictions,
		Staging:              cfg.Staging,
		Status:               aws.String(d.status.State(now)),
		ViewerCertificate:    cfg.ViewerCertificate,
		WebACLId:             cfg.WebACLId,
		ETag:                 aws.String(d.etag),
	}
}

// --- operations: tags -------------------------------------------------------

var cfDistributionARN = regexp.MustCompile(`^arn:aws:cloudfront::(\d{12}):distribution/([A-Z0-9]+)$`)

func (s *cloudfrontService) resource(c *Call, arn *string) (*cfDistribution, *APIError) {
	m := cfDistributionARN.FindStringSubmatch(aws.ToString(arn))
	if m == nil {
		return nil, cfInvalidArgument("An invalid resource ARN was specified: %s", aws.ToString(arn))
	}
	d := s.live(m[2])
	if d == nil || m[1] != c.Account() {
		return nil, ErrorfStatus(http.StatusNotFound, "NoSuchResource", "The specified resource does not exist.")
	}
	return d, nil
}

var cfTagKeyPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

func cfTagMap(tags *cftypes.Tags) (map[string]string, *APIError) {
	out := map[string]string{}
	if tags == nil {
		return out, nil
	}
	for _, t := range tags.Items {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		if err := cfCheckTagKey(k); err != nil {
			return nil, err
		}
		if len(v) > 256 || !cfTagKeyPattern.MatchString(v) {
			return nil, Errorf("InvalidTagging", "The tag value %q is not valid: it must be at most 256 characters of letters, digits, spaces and _.:/=+-@", v)
		}
		out[k] = v
	}
	if len(out) > 50 {
		return nil, Errorf("InvalidTagging", "A resource can have at most 50 tags.")
	}
	return out, nil
}

func cfCheckTagKey(k string) *APIError {
	if k == "" || len(k) > 128 || !cfTagKeyPattern.MatchString(k) {
		return Errorf("InvalidTagging", "The tag key %q is not valid: it must be 1 to 128 characters of letters, digits, spaces and _.:/=+-@", k)
	}
	return nil
}

func (s *cloudfrontService) TagResource(c *Call, in *cloudfront.TagResourceInput) (*cloudfront.TagResourceOutput, error) {
	d, err := s.resource(c, in.Resource)
	if err != nil {
		return nil, err
	}
	add, err := cfTagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	merged := copyTags(d.tags)
	if merged == nil {
		merged = map[string]string{}
	}
	for k, v := range add {
		merged[k] = v
	}
	if len(merged) > 50 {
		return nil, Errorf("InvalidTagging", "A resource can have at most 50 tags.")
	}
	d.tags = merged
	return &cloudfront.TagResourceOutput{}, nil
}

func (s *cloudfrontService) UntagResource(c *Call, in *cloudfront.UntagResourceInput) (*cloudfront.UntagResourceOutput, error) {
	d, err := s.resource(c, in.Resource)
	if err != nil {
		return nil, err
	}
	if in.TagKeys != nil {
		for _, k := range in.TagKeys.Items {
			if err := cfCheckTagKey(k); err != nil {
				return nil, err
			}
			delete(d.tags, k)
		}
	}
	return &cloudfront.UntagResourceOutput{}, nil
}

func (s *cloudfrontService) ListTagsForResource(c *Call, in *cloudfront.ListTagsForResourceInput) (*cloudfront.ListTagsForResourceOutput, error) {
	d, err := s.resource(c, in.Resource)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(d.tags))
	for k := range d.tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tags := &cftypes.Tags{Items: []cftypes.Tag{}}
	for _, k := range keys {
		tags.Items = append(tags.Items, cftypes.Tag{Key: aws.String(k), Value: aws.String(d.tags[k])})
	}
	return &cloudfront.ListTagsForResourceOutput{Tags: tags}, nil
}

// --- operations: managed policies ------------------------------------------

func (s *cloudfrontService) GetCachePolicy(c *Call, in *cloudfront.GetCachePolicyInput) (*cloudfront.GetCachePolicyOutput, error) {
	for _, p := range cfManagedCacheSpecs {
		if p.id == aws.ToString(in.Id) {
			return &cloudfront.GetCachePolicyOutput{CachePolicy: p.policy(), ETag: aws.String(cfManagedETag(p.id))}, nil
		}
	}
	return nil, ErrorfStatus(http.StatusNotFound, "NoSuchCachePolicy", "The cache policy does not exist.")
}

func (s *cloudfrontService) ListCachePolicies(c *Call, in *cloudfront.ListCachePoliciesInput) (*cloudfront.ListCachePoliciesOutput, error) {
	if err := cfCheckPolicyType(string(in.Type)); err != nil {
		return nil, err
	}
	var ids []string
	if in.Type != cftypes.CachePolicyTypeCustom {
		for _, p := range cfManagedCacheSpecs {
			ids = append(ids, p.id)
		}
	}
	page, next, max, err := cfPage(ids, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	list := &cftypes.CachePolicyList{MaxItems: aws.Int32(max), Quantity: aws.Int32(int32(len(page)))}
	if next != "" {
		list.NextMarker = aws.String(next)
	}
	for _, id := range page {
		for _, p := range cfManagedCacheSpecs {
			if p.id == id {
				list.Items = append(list.Items, cftypes.CachePolicySummary{Type: cftypes.CachePolicyTypeManaged, CachePolicy: p.policy()})
			}
		}
	}
	return &cloudfront.ListCachePoliciesOutput{CachePolicyList: list}, nil
}

func cfCheckPolicyType(t string) *APIError {
	switch t {
	case "", "managed", "custom":
		return nil
	}
	return cfInvalidArgument("The parameter Type has an invalid value: %s. Valid values are managed and custom.", t)
}

func (s *cloudfrontService) GetOriginRequestPolicy(c *Call, in *cloudfront.GetOriginRequestPolicyInput) (*cloudfront.GetOriginRequestPolicyOutput, error) {
	for _, p := range cfManagedOriginRequestSpecs {
		if p.id == aws.ToString(in.Id) {
			return &cloudfront.GetOriginRequestPolicyOutput{OriginRequestPolicy: p.policy(), ETag: aws.String(cfManagedETag(p.id))}, nil
		}
	}
	return nil, ErrorfStatus(http.StatusNotFound, "NoSuchOriginRequestPolicy", "The origin request policy does not exist.")
}

func (s *cloudfrontService) ListOriginRequestPolicies(c *Call, in *cloudfront.ListOriginRequestPoliciesInput) (*cloudfront.ListOriginRequestPoliciesOutput, error) {
	if err := cfCheckPolicyType(string(in.Type)); err != nil {
		return nil, err
	}
	var ids []string
	if in.Type != cftypes.OriginRequestPolicyTypeCustom {
		for _, p := range cfManagedOriginRequestSpecs {
			ids = append(ids, p.id)
		}
	}
	page, next, max, err := cfPage(ids, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	list := &cftypes.OriginRequestPolicyList{MaxItems: aws.Int32(max), Quantity: aws.Int32(int32(len(page)))}
	if next != "" {
		list.NextMarker = aws.String(next)
	}
	for _, id := range page {
		for _, p := range cfManagedOriginRequestSpecs {
			if p.id == id {
				list.Items = append(list.Items, cftypes.OriginRequestPolicySummary{Type: cftypes.OriginRequestPolicyTypeManaged, OriginRequestPolicy: p.policy()})
			}
		}
	}
	return &cloudfront.ListOriginRequestPoliciesOutput{OriginRequestPolicyList: list}, nil
}

func (s *cloudfrontService) GetResponseHeadersPolicy(c *Call, in *cloudfront.GetResponseHeadersPolicyInput) (*cloudfront.GetResponseHeadersPolicyOutput, error) {
	for _, p := range cfManagedResponseHeadersSpecs {
		if p.id == aws.ToString(in.Id) {
			return &cloudfront.GetResponseHeadersPolicyOutput{ResponseHeadersPolicy: p.policy(), ETag: aws.String(cfManagedETag(p.id))}, nil
		}
	}
	return nil, ErrorfStatus(http.StatusNotFound, "NoSuchResponseHeadersPolicy", "The response headers policy does not exist.")
}

func (s *cloudfrontService) ListResponseHeadersPolicies(c *Call, in *cloudfront.ListResponseHeadersPoliciesInput) (*cloudfront.ListResponseHeadersPoliciesOutput, error) {
	if err := cfCheckPolicyType(string(in.Type)); err != nil {
		return nil, err
	}
	var ids []string
	if in.Type != cftypes.ResponseHeadersPolicyTypeCustom {
		for _, p := range cfManagedResponseHeadersSpecs {
			ids = append(ids, p.id)
		}
	}
	page, next, max, err := cfPage(ids, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	list := &cftypes.ResponseHeadersPolicyList{MaxItems: aws.Int32(max), Quantity: aws.Int32(int32(len(page)))}
	if next != "" {
		list.NextMarker = aws.String(next)
	}
	for _, id := range page {
		for _, p := range cfManagedResponseHeadersSpecs {
			if p.id == id {
				list.Items = append(list.Items, cftypes.ResponseHeadersPolicySummary{Type: cftypes.ResponseHeadersPolicyTypeManaged, ResponseHeadersPolicy: p.policy()})
			}
		}
	}
	return &cloudfront.ListResponseHeadersPoliciesOutput{ResponseHeadersPolicyList: list}, nil
}

func cfKnownPolicy[T any](specs []T, id func(T) string, want string) bool {
	for _, p := range specs {
		if id(p) == want {
			return true
		}
	}
	return false
}

// --- validation ---------------------------------------------------------------

// validate checks a distribution config as CloudFront does, fills in the
// defaults CloudFront stores, and returns the ACM certificate it uses.
// selfID is the distribution being updated ("" on create).
func (s *cloudfrontService) validate(c *Call, cfg *cftypes.DistributionConfig, selfID string) (string, *APIError) {
	if err := cfCheckQuantities(reflect.ValueOf(cfg)); err != nil {
		return "", err
	}
	if cfg.Enabled == nil {
		return "", cfInvalidArgument("The parameter Enabled is required.")
	}
	if len(aws.ToString(cfg.Comment)) > 128 {
		return "", cfInvalidArgument("The parameter Comment is too long.")
	}
	if cfg.Aliases != nil {
		if len(cfg.Aliases.Items) > cfMaxAliases {
			return "", Errorf("TooManyDistributionCNAMEs", "Your request contains more CNAMEs than are allowed per distribution.")
		}
		for _, a := range cfg.Aliases.Items {
			if !cfAliasPattern.MatchString(a) || len(a) > 253 {
				return "", cfInvalidArgument("The parameter CNAME contains one or more characters that are not valid.")
			}
		}
	}
	if cfg.Origins == nil || len(cfg.Origins.Items) == 0 {
		return "", cfInvalidArgument("The parameter Origins is required and must contain at least one origin.")
	}
	origins := map[string]bool{}
	for i := range cfg.Origins.Items {
		o := &cfg.Origins.Items[i]
		if err := cfCheckOrigin(c.Emu, o); err != nil {
			return "", err
		}
		if origins[aws.ToString(o.Id)] {
			return "", cfInvalidArgument("The parameter Origin Id must be unique. Duplicate: %s", aws.ToString(o.Id))
		}
		origins[aws.ToString(o.Id)] = true
	}
	if cfg.OriginGroups != nil {
		for _, g := range cfg.OriginGroups.Items {
			origins[aws.ToString(g.Id)] = true
		}
	}
	if cfg.DefaultCacheBehavior == nil {
		return "", cfInvalidArgument("The parameter DefaultCacheBehavior is required.")
	}
	dcb := cfg.DefaultCacheBehavior
	if err := s.checkBehavior(origins, dcb.TargetOriginId, dcb.ViewerProtocolPolicy, dcb.ForwardedValues, dcb.CachePolicyId,
		dcb.OriginRequestPolicyId, dcb.ResponseHeadersPolicyId, dcb.AllowedMethods, &dcb.MinTTL, &dcb.DefaultTTL, &dcb.MaxTTL); err != nil {
		return "", err
	}
	cfBehaviorDefaults(&dcb.AllowedMethods, &dcb.Compress, &dcb.SmoothStreaming, &dcb.FieldLevelEncryptionId, &dcb.TrustedSigners, &dcb.TrustedKeyGroups, &dcb.LambdaFunctionAssociations, &dcb.FunctionAssociations)
	if cfg.CacheBehaviors != nil {
		seen := map[string]bool{}
		for i := range cfg.CacheBehaviors.Items {
			b := &cfg.CacheBehaviors.Items[i]
			if aws.ToString(b.PathPattern) == "" {
				return "", cfInvalidArgument("The parameter PathPattern is required.")
			}
			if seen[aws.ToString(b.PathPattern)] {
				return "", cfInvalidArgument("The parameter PathPattern must be unique within a distribution: %s", aws.ToString(b.PathPattern))
			}
			seen[aws.ToString(b.PathPattern)] = true
			if err := s.checkBehavior(origins, b.TargetOriginId, b.ViewerProtocolPolicy, b.ForwardedValues, b.CachePolicyId,
				b.OriginRequestPolicyId, b.ResponseHeadersPolicyId, b.AllowedMethods, &b.MinTTL, &b.DefaultTTL, &b.MaxTTL); err != nil {
				return "", err
			}
			cfBehaviorDefaults(&b.AllowedMethods, &b.Compress, &b.SmoothStreaming, &b.FieldLevelEncryptionId, &b.TrustedSigners, &b.TrustedKeyGroups, &b.LambdaFunctionAssociations, &b.FunctionAssociations)
		}
	}
	switch cfg.PriceClass {
	case "":
		cfg.PriceClass = cftypes.PriceClassPriceClassAll
	case cftypes.PriceClassPriceClass100, cftypes.PriceClassPriceClass200, cftypes.PriceClassPriceClassAll, cftypes.PriceClassNone:
	default:
		return "", cfInvalidArgument("The parameter PriceClass has an invalid value: %s", cfg.PriceClass)
	}
	switch cfg.HttpVersion {
	case "":
		cfg.HttpVersion = cftypes.HttpVersionHttp2
	case cftypes.HttpVersionHttp11, cftypes.HttpVersionHttp2, cftypes.HttpVersionHttp3, cftypes.HttpVersionHttp2and3:
	default:
		return "", cfInvalidArgument("The parameter HttpVersion has an invalid value: %s", cfg.HttpVersion)
	}
	if err := cfCheckWebACL(c.Emu, aws.ToString(cfg.WebACLId)); err != nil {
		return "", err
	}
	if r := cfg.Restrictions; r != nil && r.GeoRestriction != nil {
		switch r.GeoRestriction.RestrictionType {
		case cftypes.GeoRestrictionTypeNone:
			if len(r.GeoRestriction.Items) > 0 {
				return "", Errorf("InvalidGeoRestrictionParameter", "The specified geo restriction parameter is not valid: a restriction of type none takes no locations.")
			}
		case cftypes.GeoRestrictionTypeWhitelist, cftypes.GeoRestrictionTypeBlacklist:
			if len(r.GeoRestriction.Items) == 0 {
				return "", Errorf("InvalidGeoRestrictionParameter", "The specified geo restriction parameter is not valid: a whitelist or blacklist needs at least one location.")
			}
		default:
			return "", Errorf("InvalidGeoRestrictionParameter", "The specified geo restriction parameter is not valid.")
		}
	}
	certARN, err := s.checkViewerCertificate(cfg)
	if err != nil {
		return "", err
	}
	if cfg.Aliases != nil {
		// CloudFront keeps aliases in its own (sorted) order.
		sort.Strings(cfg.Aliases.Items)
		for _, a := range cfg.Aliases.Items {
			for _, id := range s.order {
				d := s.dists[id]
				if d.deleted || d.id == selfID || d.config.Aliases == nil {
					continue
				}
				for _, other := range d.config.Aliases.Items {
					if strings.EqualFold(other, a) {
						return "", ErrorfStatus(http.StatusConflict, "CNAMEAlreadyExists", "One or more of the CNAMEs you provided are already associated with a different resource.")
					}
				}
			}
		}
	}
	cfConfigDefaults(cfg)
	return certARN, nil
}

// cfCheckQuantities walks the config and checks every Quantity/Items pair.
func cfCheckQuantities(v reflect.Value) *APIError {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return cfCheckQuantities(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return nil
		}
		q, items := v.FieldByName("Quantity"), v.FieldByName("Items")
		if q.IsValid() && items.IsValid() && q.Kind() == reflect.Pointer && items.Kind() == reflect.Slice {
			n := 0
			if !q.IsNil() {
				n = int(q.Elem().Int())
			}
			if n != items.Len() {
				return Errorf("InconsistentQuantities", "The value of Quantity and the size of Items don't match.")
			}
		}
		for i := 0; i < v.NumField(); i++ {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			if err := cfCheckQuantities(v.Field(i)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if err := cfCheckQuantities(v.Index(i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Custom headers CloudFront refuses to add to origin requests (developer
// guide, "Custom headers that CloudFront can't add to origin requests").
var cfForbiddenOriginHeaders = map[string]bool{
	"cache-control": true, "connection": true, "content-length": true, "cookie": true, "host": true,
	"if-match": true, "if-modified-since": true, "if-none-match": true, "if-range": true, "if-unmodified-since": true,
	"max-forwards": true, "pragma": true, "proxy-authorization": true, "proxy-connection": true, "range": true,
	"request-range": true, "te": true, "trailer": true, "transfer-encoding": true, "upgrade": true, "via": true,
	"x-real-ip": true,
}

var cfHeaderName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$")

func cfCheckOrigin(e *Emulator, o *cftypes.Origin) *APIError {
	if aws.ToString(o.Id) == "" {
		return cfInvalidArgument("The parameter Origin Id is required.")
	}
	domain := aws.ToString(o.DomainName)
	if domain == "" || strings.ContainsAny(domain, "/: ") || len(domain) > 253 {
		return Errorf("InvalidOrigin", "The specified origin server does not exist or is not valid.")
	}
	if o.S3OriginConfig != nil && o.CustomOriginConfig != nil {
		return cfInvalidArgument("Origin %s may have either S3OriginConfig or CustomOriginConfig, not both.", aws.ToString(o.Id))
	}
	if p := aws.ToString(o.OriginPath); p != "" && (!strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/")) {
		return Errorf("InvalidRelativePath", "The relative path is too big, is not URL-encoded, or does not begin with a slash (/).")
	}
	if o.ConnectionAttempts == nil {
		o.ConnectionAttempts = aws.Int32(3)
	} else if *o.ConnectionAttempts < 1 || *o.ConnectionAttempts > 3 {
		return cfInvalidArgument("The parameter ConnectionAttempts must be between 1 and 3.")
	}
	if o.ConnectionTimeout == nil {
		o.ConnectionTimeout = aws.Int32(10)
	} else if *o.ConnectionTimeout < 1 || *o.ConnectionTimeout > 10 {
		return cfInvalidArgument("The parameter ConnectionTimeout must be between 1 and 10.")
	}
	if o.OriginPath == nil {
		o.OriginPath = aws.String("")
	}
	if o.CustomHeaders == nil {
		o.CustomHeaders = &cftypes.CustomHeaders{Quantity: aws.Int32(0)}
	}
	if len(o.CustomHeaders.Items) > 10 {
		return Errorf("TooManyOriginCustomHeaders", "Your request contains too many origin custom headers.")
	}
	seen := map[string]bool{}
	for _, h := range o.CustomHeaders.Items {
		name := aws.ToString(h.HeaderName)
		lower := strings.ToLower(name)
		if !cfHeaderName.MatchString(name) {
			return cfInvalidArgument("The parameter HeaderName : %s is not valid.", name)
		}
		if cfForbiddenOriginHeaders[lower] || strings.HasPrefix(lower, "x-amz-") || strings.HasPrefix(lower, "x-edge-") {
			return cfInvalidArgument("The parameter HeaderName : %s is not allowed.", name)
		}
		if seen[lower] {
			return cfInvalidArgument("The parameter HeaderName : %s is duplicated.", name)
		}
		seen[lower] = true
		if len(aws.ToString(h.HeaderValue)) > 1783 {
			return cfInvalidArgument("The parameter HeaderValue for %s is too long.", name)
		}
	}
	if o.OriginShield == nil {
		o.OriginShield = &cftypes.OriginShield{Enabled: aws.Bool(false)}
	}
	if co := o.CustomOriginConfig; co != nil {
		switch co.OriginProtocolPolicy {
		case cftypes.OriginProtocolPolicyHttpOnly, cftypes.OriginProtocolPolicyMatchViewer, cftypes.OriginProtocolPolicyHttpsOnly:
		default:
			return cfInvalidArgument("The parameter OriginProtocolPolicy has an invalid value: %q. Valid values are http-only, match-viewer and https-only.", co.OriginProtocolPolicy)
		}
		for name, p := range map[string]*int32{"HTTPPort": co.HTTPPort, "HTTPSPort": co.HTTPSPort} {
			if p == nil {
				return cfInvalidArgument("The parameter %s is required.", name)
			}
			if *p != 80 && *p != 443 && (*p < 1024 || *p > 65535) {
				return cfInvalidArgument("The parameter %s must be 80, 443, or between 1024 and 65535.", name)
			}
		}
		// Both timeouts are bounded by account quotas: the response timeout
		// by L-AECE9FA7, the keep-alive timeout by a quota Service Quotas
		// does not list (raised through a support case).
		if co.OriginReadTimeout == nil {
			co.OriginReadTimeout = aws.Int32(30)
		} else if *co.OriginReadTimeout < 1 || float64(*co.OriginReadTimeout) > e.Quota(quotaCFResponseTimeout) {
			return Errorf("InvalidOriginReadTimeout", "The read timeout specified for the origin is not valid.")
		}
		keepaliveMax, _ := strconv.Atoi(e.Knob("cloudfront.origin_keepalive_timeout_max", "60"))
		if co.OriginKeepaliveTimeout == nil {
			co.OriginKeepaliveTimeout = aws.Int32(5)
		} else if *co.OriginKeepaliveTimeout < 1 || int(*co.OriginKeepaliveTimeout) > keepaliveMax {
			return Errorf("InvalidOriginKeepaliveTimeout", "The keep alive timeout specified for the origin is not valid.")
		}
		if co.OriginSslProtocols == nil {
			co.OriginSslProtocols = &cftypes.OriginSslProtocols{Quantity: aws.Int32(1), Items: []cftypes.SslProtocol{cftypes.SslProtocolTLSv12}}
		}
		if len(co.OriginSslProtocols.Items) == 0 {
			return cfInvalidArgument("The parameter OriginSslProtocols must contain at least one protocol.")
		}
		for _, p := range co.OriginSslProtocols.Items {
			switch p {
			case cftypes.SslProtocolSSLv3, cftypes.SslProtocolTLSv1, cftypes.SslProtocolTLSv11, cftypes.SslProtocolTLSv12:
			default:
				return cfInvalidArgument("The parameter OriginSslProtocols has an invalid value: %s", p)
			}
		}
	}
	return nil
}

var (
	cfMethodSets = [][]string{{"GET", "HEAD"}, {"GET", "HEAD", "OPTIONS"}, {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}}
	cfCachedSets = [][]string{{"GET", "HEAD"}, {"GET", "HEAD", "OPTIONS"}}
)

func cfMethodSetOK(items []cftypes.Method, sets [][]string) bool {
	got := make([]string, len(items))
	for i, m := range items {
		got[i] = string(m)
	}
	sort.Strings(got)
	for _, s := range sets {
		if strings.Join(s, ",") == strings.Join(got, ",") {
			return true
		}
	}
	return false
}

func (s *cloudfrontService) checkBehavior(origins map[string]bool, target *string, vpp cftypes.ViewerProtocolPolicy, fv *cftypes.ForwardedValues,
	cachePolicy, originRequestPolicy, responseHeadersPolicy *string, methods *cftypes.AllowedMethods, minTTL, defTTL, maxTTL **int64) *APIError {
	if !origins[aws.ToString(target)] {
		return ErrorfStatus(http.StatusNotFound, "NoSuchOrigin", "One or more of your origins or origin groups do not exist.")
	}
	switch vpp {
	case cftypes.ViewerProtocolPolicyAllowAll, cftypes.ViewerProtocolPolicyHttpsOnly, cftypes.ViewerProtocolPolicyRedirectToHttps:
	default:
		return cfInvalidArgument("The parameter ViewerProtocolPolicy has an invalid value: %q. Valid values are allow-all, https-only and redirect-to-https.", vpp)
	}
	switch {
	case fv != nil && aws.ToString(cachePolicy) != "":
		return cfInvalidArgument("The parameter ForwardedValues cannot be used when a cache policy is associated to the cache behavior.")
	case fv == nil && aws.ToString(cachePolicy) == "":
		return cfInvalidArgument("The parameter ForwardedValues is required.")
	}
	if id := aws.ToString(cachePolicy); id != "" && !cfKnownPolicy(cfManagedCacheSpecs, func(p cfCacheSpec) string { return p.id }, id) {
		return ErrorfStatus(http.StatusNotFound, "NoSuchCachePolicy", "The cache policy does not exist.")
	}
	if id := aws.ToString(originRequestPolicy); id != "" && !cfKnownPolicy(cfManagedOriginRequestSpecs, func(p cfOriginRequestSpec) string { return p.id }, id) {
		return ErrorfStatus(http.StatusNotFound, "NoSuchOriginRequestPolicy", "The origin request policy does not exist.")
	}
	if id := aws.ToString(responseHeadersPolicy); id != "" && !cfKnownPolicy(cfManagedResponseHeadersSpecs, func(p cfResponseHeadersSpec) string { return p.id }, id) {
		return ErrorfStatus(http.StatusNotFound, "NoSuchResponseHeadersPolicy", "The response headers policy does not exist.")
	}
	if methods != nil {
		if !cfMethodSetOK(methods.Items, cfMethodSets) {
			return cfInvalidArgument("The parameter AllowedMethods must be GET,HEAD or GET,HEAD,OPTIONS or GET,HEAD,OPTIONS,PUT,PATCH,POST,DELETE.")
		}
		if methods.CachedMethods != nil && !cfMethodSetOK(methods.CachedMethods.Items, cfCachedSets) {
			return cfInvalidArgument("The parameter CachedMethods must be GET,HEAD or GET,HEAD,OPTIONS.")
		}
	}
	if fv != nil {
		if fv.QueryString == nil {
			return cfInvalidArgument("The parameter ForwardedValues QueryString is required.")
		}
		if fv.Cookies == nil {
			return cfInvalidArgument("The parameter ForwardedValues Cookies is required.")
		}
		switch fv.Cookies.Forward {
		case cftypes.ItemSelectionNone, cftypes.ItemSelectionAll, cftypes.ItemSelectionWhitelist:
		default:
			return Errorf("InvalidForwardCookies", "Your request contains forward cookies option which doesn't match with the expectation for the whitelisted list of cookie names.")
		}
		if fv.Headers == nil {
			fv.Headers = &cftypes.Headers{Quantity: aws.Int32(0)}
		}
		if fv.QueryStringCacheKeys == nil {
			fv.QueryStringCacheKeys = &cftypes.QueryStringCacheKeys{Quantity: aws.Int32(0)}
		}
		if *minTTL == nil {
			*minTTL = aws.Int64(0)
		}
		if *defTTL == nil {
			*defTTL = aws.Int64(86400)
		}
		if *maxTTL == nil {
			*maxTTL = aws.Int64(31536000)
		}
	}
	if *minTTL != nil && *defTTL != nil && *maxTTL != nil {
		if **minTTL < 0 || **minTTL > **defTTL || **defTTL > **maxTTL {
			return Errorf("InvalidTTLOrder", "The TTL order specified in CacheBehavior is not valid.")
		}
	}
	return nil
}

func cfBehaviorDefaults(methods **cftypes.AllowedMethods, compress, smooth **bool, fle **string, signers **cftypes.TrustedSigners,
	keyGroups **cftypes.TrustedKeyGroups, lambdas **cftypes.LambdaFunctionAssociations, funcs **cftypes.FunctionAssociations) {
	if *methods == nil {
		*methods = &cftypes.AllowedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"HEAD", "GET"}}
	}
	if (*methods).CachedMethods == nil {
		(*methods).CachedMethods = &cftypes.CachedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"HEAD", "GET"}}
	}
	if *compress == nil {
		*compress = aws.Bool(false)
	}
	if *smooth == nil {
		*smooth = aws.Bool(false)
	}
	if *fle == nil {
		*fle = aws.String("")
	}
	if *signers == nil {
		*signers = &cftypes.TrustedSigners{Enabled: aws.Bool(false), Quantity: aws.Int32(0)}
	}
	if *keyGroups == nil {
		*keyGroups = &cftypes.TrustedKeyGroups{Enabled: aws.Bool(false), Quantity: aws.Int32(0)}
	}
	if *lambdas == nil {
		*lambdas = &cftypes.LambdaFunctionAssociations{Quantity: aws.Int32(0)}
	}
	if *funcs == nil {
		*funcs = &cftypes.FunctionAssociations{Quantity: aws.Int32(0)}
	}
}

var (
	cfWAFv2ARN   = regexp.MustCompile(`^arn:aws:wafv2:[a-z0-9-]+:\d{12}:(global|regional)/webacl/[\w-]{1,128}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	cfWAFClassic = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// cfCheckWebACL accepts only the ARN of an existing web ACL of scope
// CLOUDFRONT (WAF Classic is not emulated, so a Classic id is never one).
func cfCheckWebACL(e *Emulator, id string) *APIError {
	switch {
	case id == "":
		return nil
	case !cfWAFv2ARN.MatchString(id) && !cfWAFClassic.MatchString(id):
		return Errorf("InvalidWebACLId", "Invalid webACL identifier provided %s", id)
	case !cloudfrontWebACL(e, id):
		return Errorf("InvalidWebACLId", "Web ACL is not accessible by the requester.")
	}
	return nil
}

// cfAliasPattern is a domain name, optionally with a leading wildcard label.
var cfAliasPattern = regexp.MustCompile(`^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

var cfACMARN = regexp.MustCompile(`^arn:aws:acm:([a-z0-9-]+):(\d{12}):certificate/[0-9a-f-]{36}$`)

var cfProtocolVersions = map[cftypes.MinimumProtocolVersion]bool{
	"SSLv3": true, "TLSv1": true, "TLSv1_2016": true, "TLSv1.1_2016": true, "TLSv1.2_2018": true,
	"TLSv1.2_2019": true, "TLSv1.2_2021": true, "TLSv1.2_2025": true, "TLSv1.3_2025": true,
}

// checkViewerCertificate validates the viewer certificate against the
// aliases and returns the ACM certificate ARN in use ("" for the default
// certificate).
func (s *cloudfrontService) checkViewerCertificate(cfg *cftypes.DistributionConfig) (string, *APIError) {
	var aliases []string
	if cfg.Aliases != nil {
		aliases = cfg.Aliases.Items
	}
	vc := cfg.ViewerCertificate
	if vc == nil {
		vc = &cftypes.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true)}
		cfg.ViewerCertificate = vc
	}
	if vc.MinimumProtocolVersion != "" && !cfProtocolVersions[vc.MinimumProtocolVersion] {
		return "", Errorf("InvalidMinimumProtocolVersion", "The minimum protocol version specified is not valid: %s", vc.MinimumProtocolVersion)
	}
	acmARN := aws.ToString(vc.ACMCertificateArn)
	if aws.ToBool(vc.CloudFrontDefaultCertificate) || (acmARN == "" && aws.ToString(vc.IAMCertificateId) == "") {
		if acmARN != "" || aws.ToString(vc.IAMCertificateId) != "" {
			return "", Errorf("InvalidViewerCertificate", "You cannot specify both the CloudFront default certificate and a custom certificate.")
		}
		if len(aliases) > 0 {
			return "", Errorf("InvalidViewerCertificate", "To add an alternate domain name (CNAME) to a CloudFront distribution, you must attach a trusted certificate that validates your authorization to use the domain name. %s", cfCNAMEDoc)
		}
		// With the *.cloudfront.net certificate CloudFront stores TLSv1
		// whatever was asked for.
		cfg.ViewerCertificate = &cftypes.ViewerCertificate{
			CloudFrontDefaultCertificate: aws.Bool(true),
			SSLSupportMethod:             cftypes.SSLSupportMethodVip,
			MinimumProtocolVersion:       cftypes.MinimumProtocolVersionTLSv1,
			CertificateSource:            cftypes.CertificateSourceCloudfront,
		}
		return "", nil
	}
	if acmARN == "" {
		return "", Errorf("InvalidViewerCertificate", "IAM server certificates are not supported by this emulator; use an ACM certificate.")
	}
	const badCert = "The specified SSL certificate doesn't exist, isn't in us-east-1 region, isn't valid, or doesn't include a valid certificate chain."
	m := cfACMARN.FindStringSubmatch(acmARN)
	if m == nil || m[1] != "us-east-1" {
		return "", Errorf("InvalidViewerCertificate", badCert)
	}
	switch vc.SSLSupportMethod {
	case cftypes.SSLSupportMethodSniOnly, cftypes.SSLSupportMethodVip, cftypes.SSLSupportMethodStaticIp:
	case "":
		return "", Errorf("InvalidViewerCertificate", "You must specify SSLSupportMethod when you use a custom certificate.")
	default:
		return "", Errorf("InvalidViewerCertificate", "The SSLSupportMethod %q is not valid.", vc.SSLSupportMethod)
	}
	if vc.MinimumProtocolVersion == "" {
		vc.MinimumProtocolVersion = cftypes.MinimumProtocolVersionTLSv1
	}
	if vc.SSLSupportMethod == cftypes.SSLSupportMethodSniOnly && vc.MinimumProtocolVersion == cftypes.MinimumProtocolVersionSSLv3 {
		return "", Errorf("InvalidProtocolSettings", "You cannot use SSLv3 with the sni-only SSL support method.")
	}
	if certs := s.certificates(); certs != nil {
		info, ok := certs.CertificateInfo(acmARN)
		if !ok || info.Status != "ISSUED" {
			return "", Errorf("InvalidViewerCertificate", badCert)
		}
		for _, a := range aliases {
			if !cfCertCovers(info, a) {
				return "", Errorf("InvalidViewerCertificate", "The certificate that is attached to your distribution doesn't cover the alternate domain name (CNAME) that you're trying to add. %s", cfCNAMEDoc)
			}
		}
	}
	vc.CloudFrontDefaultCertificate = aws.Bool(false)
	vc.Certificate = aws.String(acmARN)
	vc.CertificateSource = cftypes.CertificateSourceAcm
	return acmARN, nil
}

// cfCertCovers reports whether a certificate's names cover an alias; a
// wildcard name covers exactly one label.
func cfCertCovers(info CertificateView, alias string) bool {
	alias = strings.ToLower(strings.TrimSuffix(alias, "."))
	for _, n := range append([]string{info.Domain}, info.SANs...) {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if n == alias {
			return true
		}
		if strings.HasPrefix(n, "*.") && !strings.HasPrefix(alias, "*.") {
			if i := strings.IndexByte(alias, '.'); i > 0 && alias[i+1:] == n[2:] {
				return true
			}
		}
	}
	return false
}

// cfConfigDefaults fills in what CloudFront stores for omitted members.
func cfConfigDefaults(cfg *cftypes.DistributionConfig) {
	if cfg.Aliases == nil {
		cfg.Aliases = &cftypes.Aliases{Quantity: aws.Int32(0)}
	}
	if cfg.Comment == nil {
		cfg.Comment = aws.String("")
	}
	if cfg.DefaultRootObject == nil {
		cfg.DefaultRootObject = aws.String("")
	}
	if cfg.CacheBehaviors == nil {
		cfg.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: aws.Int32(0)}
	}
	if cfg.CustomErrorResponses == nil {
		cfg.CustomErrorResponses = &cftypes.CustomErrorResponses{Quantity: aws.Int32(0)}
	}
	if cfg.OriginGroups == nil {
		cfg.OriginGroups = &cftypes.OriginGroups{Quantity: aws.Int32(0)}
	}
	if cfg.Logging == nil {
		cfg.Logging = &cftypes.LoggingConfig{Enabled: aws.Bool(false), IncludeCookies: aws.Bool(false), Bucket: aws.String(""), Prefix: aws.String("")}
	}
	if cfg.Restrictions == nil || cfg.Restrictions.GeoRestriction == nil {
		cfg.Restrictions = &cftypes.Restrictions{GeoRestriction: &cftypes.GeoRestriction{RestrictionType: cftypes.GeoRestrictionTypeNone, Quantity: aws.Int32(0)}}
	}
	if cfg.WebACLId == nil {
		cfg.WebACLId = aws.String("")
	}
	if cfg.IsIPV6Enabled == nil {
		cfg.IsIPV6Enabled = aws.Bool(false)
	}
	if cfg.Staging == nil {
		cfg.Staging = aws.Bool(false)
	}
}
