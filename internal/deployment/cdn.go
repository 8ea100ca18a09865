package deployment

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
)

// CDNState is the CloudFront distribution's part of the record.
type CDNState struct {
	DistributionID       string
	DistributionARN      string
	DistributionDomain   string
	DistributionStatus   string
	DistributionEnabled  bool
	DistributionRetained bool
	// OriginSecret is the X-Origin-Verify value CloudFront sends and the
	// load balancer's listener rule requires; it outlives a distribution.
	OriginSecret    string
	CallerReference string
}

func (c *CDNState) ids(add func(kind, id string)) {
	add("cloudfront distribution", c.DistributionID)
}

// forget drops the distribution; the origin secret stays for the next one.
func (c *CDNState) forget() {
	c.DistributionID, c.DistributionARN, c.DistributionDomain, c.DistributionStatus, c.CallerReference = "", "", "", "", ""
}

// CloudFront managed policies (ids are the same in every account).
const (
	cachePolicyCachingDisabled             = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	cachePolicyCachingOptimized            = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	originRequestPolicyAllViewer           = "216adef6-5c7f-47e4-b989-5492eafa07d3"
	originRequestPolicyAllViewerExceptHost = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	// CloudFrontHostedZoneID is the Route 53 zone of every distribution.
	CloudFrontHostedZoneID = "Z2FDTNDATAQYW2"
	originID               = "geusemaker-alb"
	typicalCloudFront      = 12 * time.Minute
)

// staticPaths are cached at the edge: the n8n editor's assets.
var staticPaths = []string{"/assets/*", "/static/*"}

// newOriginSecret returns the value CloudFront sends in X-Origin-Verify and
// the load balancer requires.
func newOriginSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// distributionConfig is the CloudFront configuration the deployment wants.
// The origin is the load balancer: HTTP to its AWS name, or HTTPS to the
// custom domain its certificate covers (CloudFront cannot validate a
// certificate against *.elb.amazonaws.com). Everything dynamic is uncached
// with every viewer header, cookie and query passed through; only static
// assets are cached.
func (o *op) distributionConfig(st *State, callerRef string) *cftypes.DistributionConfig {
	requestPolicy := originRequestPolicyAllViewer
	if o.spec.originPort() == 443 {
		// The viewer's Host would make CloudFront validate the origin
		// certificate against the viewer's name, so send the origin's.
		requestPolicy = originRequestPolicyAllViewerExceptHost
	}
	behaviors := o.staticCacheBehaviors()
	return &cftypes.DistributionConfig{
		CallerReference: aws.String(callerRef),
		Comment:         aws.String("geusemaker:" + o.spec.Name),
		Enabled:         aws.Bool(true),
		Origins: &cftypes.Origins{
			Quantity: aws.Int32(1),
			Items:    []cftypes.Origin{o.origin(st)},
		},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
			TargetOriginId:        aws.String(originID),
			ViewerProtocolPolicy:  cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId:         aws.String(cachePolicyCachingDisabled),
			OriginRequestPolicyId: aws.String(requestPolicy),
			Compress:              aws.Bool(true),
			AllowedMethods:        methods([]cftypes.Method{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}),
		},
		CacheBehaviors: &cftypes.CacheBehaviors{
			Quantity: aws.Int32(int32(len(behaviors))),
			Items:    behaviors,
		},
		PriceClass:    cftypes.PriceClass(o.spec.CDN.PriceClass),
		HttpVersion:   cftypes.HttpVersionHttp2and3,
		IsIPV6Enabled: aws.Bool(true),
		Aliases: &cftypes.Aliases{
			Quantity: aws.Int32(int32(len(o.spec.cdnAliases()))),
			Items:    append([]string{}, o.spec.cdnAliases()...),
		},
		DefaultRootObject: aws.String(""),
		WebACLId:          aws.String(o.spec.CDN.WebACLID),
		Restrictions: &cftypes.Restrictions{GeoRestriction: &cftypes.GeoRestriction{
			RestrictionType: cftypes.GeoRestrictionTypeNone,
			Quantity:        aws.Int32(0),
		}},
		ViewerCertificate: o.viewerCertificate(),
	}
}

// origin is the load balancer as CloudFront's origin, with the origin
// secret header when the origin is restricted.
func (o *op) origin(st *State) cftypes.Origin {
	domain, policy := st.ALBDNSName, cftypes.OriginProtocolPolicyHttpOnly
	if o.spec.originPort() == 443 {
		domain, policy = o.spec.lbDomainName(), cftypes.OriginProtocolPolicyHttpsOnly
	}
	headers := []cftypes.OriginCustomHeader{}
	if o.spec.CDN.RestrictOrigin {
		headers = append(headers, cftypes.OriginCustomHeader{
			HeaderName:  aws.String(OriginVerifyHeader),
			HeaderValue: aws.String(st.OriginSecret),
		})
	}
	return cftypes.Origin{
		Id:         aws.String(originID),
		DomainName: aws.String(domain),
		CustomOriginConfig: &cftypes.CustomOriginConfig{
			HTTPPort:             aws.Int32(80),
			HTTPSPort:            aws.Int32(443),
			OriginProtocolPolicy: policy,
			OriginSslProtocols: &cftypes.OriginSslProtocols{
				Quantity: aws.Int32(1),
				Items:    []cftypes.SslProtocol{cftypes.SslProtocolTLSv12},
			},
			OriginReadTimeout:      aws.Int32(o.spec.CDN.OriginReadTimeoutSeconds),
			OriginKeepaliveTimeout: aws.Int32(5),
		},
		CustomHeaders: &cftypes.CustomHeaders{
			Quantity: aws.Int32(int32(len(headers))),
			Items:    headers,
		},
		ConnectionAttempts: aws.Int32(3),
		ConnectionTimeout:  aws.Int32(10),
		OriginPath:         aws.String(""),
	}
}

// staticCacheBehaviors cache the static paths at the edge.
func (o *op) staticCacheBehaviors() []cftypes.CacheBehavior {
	var out []cftypes.CacheBehavior
	for _, p := range staticPaths {
		out = append(out, cftypes.CacheBehavior{
			PathPattern:          aws.String(p),
			TargetOriginId:       aws.String(originID),
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId:        aws.String(cachePolicyCachingOptimized),
			Compress:             aws.Bool(true),
			AllowedMethods:       methods([]cftypes.Method{"GET", "HEAD"}),
		})
	}
	return out
}

// methods allows the methods given and caches GET and HEAD.
func methods(allowed []cftypes.Method) *cftypes.AllowedMethods {
	cached := []cftypes.Method{"GET", "HEAD"}
	return &cftypes.AllowedMethods{
		Quantity:      aws.Int32(int32(len(allowed))),
		Items:         allowed,
		CachedMethods: &cftypes.CachedMethods{Quantity: aws.Int32(int32(len(cached))), Items: cached},
	}
}

// viewerCertificate is the ACM certificate for the aliases, or CloudFront's
// own for its domain.
func (o *op) viewerCertificate() *cftypes.ViewerCertificate {
	arn := o.cdnCertificateARN()
	if arn == "" {
		return &cftypes.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true)}
	}
	return &cftypes.ViewerCertificate{
		ACMCertificateArn:      aws.String(arn),
		SSLSupportMethod:       cftypes.SSLSupportMethodSniOnly,
		MinimumProtocolVersion: cftypes.MinimumProtocolVersionTLSv122021,
	}
}

// ensureDistribution keeps the CloudFront distribution in front of the load
// balancer, converging its configuration (with a fresh ETag) when it differs.
func (o *op) ensureDistribution(ctx context.Context) error {
	conn := o.c.CloudFront
	st := o.rec.get()
	if st.DistributionID != "" {
		out, err := tfcloudfront.FindDistributionConfigByID(ctx, conn, st.DistributionID)
		switch {
		case retry.NotFound(err):
			o.rec.set(func(s *State) { s.CDNState.forget() })
		case err != nil:
			return err
		default:
			want := o.distributionConfig(st, aws.ToString(out.DistributionConfig.CallerReference))
			if !managedConfigEqual(out.DistributionConfig, want) {
				info(ctx, "updating CloudFront distribution", map[string]any{"distribution_id": st.DistributionID})
				if _, err := tfcloudfront.UpdateDistribution(ctx, conn, st.DistributionID, func(c *cftypes.DistributionConfig) { applyManaged(c, want) }); err != nil {
					return err
				}
			}
			return o.recordDistribution(ctx)
		}
	}
	ref := o.rec.get().CallerReference
	if ref == "" {
		// New for every distribution the deployment creates: CloudFront
		// refuses a reference used before, also by a deleted distribution
		// (tier 3 removed and added again). Recorded before the call, so
		// retries of this create send the same one.
		ref = fmt.Sprintf("geusemaker-%s-%s-%s-%s", o.spec.Name, o.spec.Region, o.rec.get().Nonce, newNonce())
		o.rec.set(func(s *State) { s.CallerReference = ref })
	}
	start := time.Now()
	info(ctx, "creating CloudFront distribution", map[string]any{"origin": o.rec.get().ALBDNSName, "price_class": o.spec.CDN.PriceClass})
	d, err := tfcloudfront.CreateDistribution(ctx, conn, o.distributionConfig(o.rec.get(), ref), o.spec.tagsFor(CompDistribution))
	if err != nil {
		return fmt.Errorf("creating CloudFront distribution: %w", err)
	}
	o.rec.set(func(s *State) {
		s.DistributionID, s.DistributionARN, s.DistributionDomain = aws.ToString(d.Id), aws.ToString(d.ARN), aws.ToString(d.DomainName)
		s.DistributionStatus, s.DistributionEnabled = aws.ToString(d.Status), true
	})
	info(ctx, "CloudFront distribution created", map[string]any{"distribution_id": aws.ToString(d.Id), "domain": aws.ToString(d.DomainName), "elapsed_s": round1(time.Since(start).Seconds())})
	return nil
}

// recordDistribution reads the distribution's mutable facts into the record.
func (o *op) recordDistribution(ctx context.Context) error {
	out, err := tfcloudfront.FindDistributionByID(ctx, o.c.CloudFront, o.rec.get().DistributionID)
	if err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.CDNState.record(out.Distribution) })
	return nil
}

func (c *CDNState) record(d *cftypes.Distribution) {
	c.DistributionARN, c.DistributionDomain, c.DistributionStatus = aws.ToString(d.ARN), aws.ToString(d.DomainName), aws.ToString(d.Status)
	c.DistributionEnabled = d.DistributionConfig != nil && aws.ToBool(d.DistributionConfig.Enabled)
}

// waitDistributionDeployed waits for the rollout, logging progress.
func (o *op) waitDistributionDeployed(ctx context.Context) error {
	id := o.rec.get().DistributionID
	info(ctx, "waiting for CloudFront deployment", map[string]any{"distribution_id": id, "estimated_minutes": int(typicalCloudFront.Minutes())})
	_, err := tfcloudfront.WaitDistributionDeployed(ctx, o.c.CloudFront, id, o.remaining(ctx), func(status string, elapsed time.Duration) {
		info(ctx, "waiting for CloudFront deployment", map[string]any{"distribution_id": id, "status": status, "elapsed_s": int(elapsed.Seconds()), "estimated_percent": percent(elapsed, typicalCloudFront)})
	})
	if err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.DistributionStatus = "Deployed" })
	info(ctx, "CloudFront deployed", map[string]any{"distribution_id": id, "domain": o.rec.get().DistributionDomain})
	return nil
}

// managedConfigEqual compares the settings the deployment manages, by value,
// so that defaults CloudFront fills in never cause a (15-minute) update.
func managedConfigEqual(have, want *cftypes.DistributionConfig) bool {
	return reflect.DeepEqual(fingerprint(have), fingerprint(want))
}

type cdnFingerprint struct {
	Comment, PriceClass, HTTPVersion, WebACL, Certificate string
	Enabled, IPv6                                         bool
	Aliases, Origins, Behaviors                           []string
	Default                                               string
}

func fingerprint(c *cftypes.DistributionConfig) cdnFingerprint {
	f := cdnFingerprint{Comment: aws.ToString(c.Comment), PriceClass: string(c.PriceClass), HTTPVersion: string(c.HttpVersion),
		WebACL: aws.ToString(c.WebACLId), Enabled: aws.ToBool(c.Enabled), IPv6: aws.ToBool(c.IsIPV6Enabled)}
	if c.ViewerCertificate != nil {
		f.Certificate = aws.ToString(c.ViewerCertificate.ACMCertificateArn)
	}
	if c.Aliases != nil {
		// A set: CloudFront returns the aliases in its own order, not the
		// request's.
		f.Aliases = append(f.Aliases, c.Aliases.Items...)
		sort.Strings(f.Aliases)
	}
	if c.Origins != nil {
		for _, o := range c.Origins.Items {
			desc := fmt.Sprintf("%s|%s", aws.ToString(o.Id), aws.ToString(o.DomainName))
			if co := o.CustomOriginConfig; co != nil {
				desc += fmt.Sprintf("|%s|%d", co.OriginProtocolPolicy, aws.ToInt32(co.OriginReadTimeout))
			}
			if o.CustomHeaders != nil {
				for _, h := range o.CustomHeaders.Items {
					desc += "|" + aws.ToString(h.HeaderName) + "=" + aws.ToString(h.HeaderValue)
				}
			}
			f.Origins = append(f.Origins, desc)
		}
	}
	if d := c.DefaultCacheBehavior; d != nil {
		f.Default = fmt.Sprintf("%s|%s|%s|%s", aws.ToString(d.TargetOriginId), d.ViewerProtocolPolicy, aws.ToString(d.CachePolicyId), aws.ToString(d.OriginRequestPolicyId))
	}
	if c.CacheBehaviors != nil {
		for _, b := range c.CacheBehaviors.Items {
			f.Behaviors = append(f.Behaviors, fmt.Sprintf("%s|%s|%s", aws.ToString(b.PathPattern), aws.ToString(b.TargetOriginId), aws.ToString(b.CachePolicyId)))
		}
	}
	return f
}

func applyManaged(c, want *cftypes.DistributionConfig) {
	c.Comment, c.Enabled, c.Origins = want.Comment, want.Enabled, want.Origins
	c.DefaultCacheBehavior, c.CacheBehaviors = want.DefaultCacheBehavior, want.CacheBehaviors
	c.PriceClass, c.HttpVersion, c.IsIPV6Enabled = want.PriceClass, want.HttpVersion, want.IsIPV6Enabled
	c.Aliases, c.WebACLId, c.ViewerCertificate = want.Aliases, want.WebACLId, want.ViewerCertificate
}

func (o *op) deleteDistribution(ctx context.Context) error {
	id := o.rec.get().DistributionID
	if o.spec.CDN.RetainOnDelete {
		info(ctx, "disabling CloudFront distribution (retain_on_delete)", map[string]any{"distribution_id": id})
		if err := tfcloudfront.DisableDistribution(ctx, o.c.CloudFront, id, o.remaining(ctx)); err != nil && !retry.NotFound(err) {
			return err
		}
		o.retain("cloudfront distribution " + id + " (disabled)")
	} else {
		info(ctx, "deleting CloudFront distribution", map[string]any{"distribution_id": id})
		if err := tfcloudfront.DeleteDistribution(ctx, o.c.CloudFront, id, o.remaining(ctx)); err != nil {
			return err
		}
	}
	o.rec.set(func(s *State) { s.CDNState.forget() })
	return nil
}

// refreshDistribution forgets a distribution deleted outside Terraform,
// reads the facts of one that exists and compares its configuration with
// the one the deployment wants.
func (o *op) refreshDistribution(ctx context.Context) error {
	out, err := tfcloudfront.FindDistributionByID(ctx, o.c.CloudFront, o.rec.get().DistributionID)
	if gone(err) {
		o.rec.set(func(s *State) { s.CDNState.forget() })
		return nil
	} else if err != nil {
		return err
	}
	if o.seen != nil {
		o.seen.distribution = out.Distribution
	}
	o.rec.set(func(s *State) { s.CDNState.record(out.Distribution) })
	st := o.rec.get()
	if !o.spec.HasCDN() || out.Distribution.DistributionConfig == nil {
		return nil
	}
	have := fingerprint(out.Distribution.DistributionConfig)
	want := fingerprint(o.distributionConfig(st, st.CallerReference))
	if have.Enabled != want.Enabled {
		o.drifted(DriftCloudFront, "distribution %s was disabled outside Terraform", st.DistributionID)
	}
	if diff := fingerprintDiff(have, want); len(diff) > 0 {
		o.drifted(DriftCloudFront, "distribution %s settings changed outside Terraform: %s", st.DistributionID, strings.Join(diff, ", "))
	}
	return nil
}

// fingerprintDiff names the managed settings (other than Enabled) in which
// two configurations differ.
func fingerprintDiff(a, b cdnFingerprint) []string {
	var out []string
	check := func(name string, same bool) {
		if !same {
			out = append(out, name)
		}
	}
	check("comment", a.Comment == b.Comment)
	check("price class", a.PriceClass == b.PriceClass)
	check("HTTP version", a.HTTPVersion == b.HTTPVersion)
	check("web ACL", a.WebACL == b.WebACL)
	check("certificate", a.Certificate == b.Certificate)
	check("IPv6", a.IPv6 == b.IPv6)
	check("aliases", slices.Equal(a.Aliases, b.Aliases))
	check("origin", slices.Equal(a.Origins, b.Origins))
	check("default cache behavior", a.Default == b.Default)
	check("cache behaviors", slices.Equal(a.Behaviors, b.Behaviors))
	return out
}

// discoverDistribution finds the distribution by its tag (a distribution
// makes the deployment tier 3) and reads back its settings.
func (d *discovery) discoverDistribution(ctx context.Context) error {
	c, spec, st := d.c, d.spec, d.st
	all, err := tfcloudfront.FindDistributionsByTag(ctx, c.CloudFront, TagDeployment, spec.Name)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	// Not a namesake deployment's distribution in another region.
	var found []cftypes.DistributionSummary
	for _, ds := range all {
		if frontsRegion(ds, st.ALBDNSName, c.Region) {
			found = append(found, ds)
		}
	}
	if len(found) == 0 {
		spec.CDN.RestrictOrigin = true
		return nil
	}
	spec.Tier = TierGPU
	st.DistributionID = aws.ToString(found[0].Id)
	cfgOut, err := tfcloudfront.FindDistributionConfigByID(ctx, c.CloudFront, st.DistributionID)
	if err != nil {
		return err
	}
	cfg := cfgOut.DistributionConfig
	st.CallerReference = aws.ToString(cfg.CallerReference)
	spec.CDN.PriceClass = string(cfg.PriceClass)
	spec.CDN.WebACLID = aws.ToString(cfg.WebACLId)
	if cfg.Aliases != nil {
		spec.CDN.Aliases = append([]string{}, cfg.Aliases.Items...)
		// CloudFront returns the aliases in its own order. The first one
		// is the public URL, which the instance's tag recorded (and
		// discoverInstance took for the load balancer's domain): put it
		// first again. The load balancer's own domain, if any, is the
		// https-only origin's, read below.
		if i := slices.Index(spec.CDN.Aliases, spec.LoadBalancer.DomainName); i >= 0 {
			primary := spec.CDN.Aliases[i]
			spec.CDN.Aliases = append([]string{primary}, slices.Delete(spec.CDN.Aliases, i, i+1)...)
			spec.LoadBalancer.DomainName = ""
		}
	}
	if vc := cfg.ViewerCertificate; vc != nil {
		spec.CDN.CertificateARN = aws.ToString(vc.ACMCertificateArn)
	}
	spec.CDN.RestrictOrigin = false
	if cfg.Origins != nil && len(cfg.Origins.Items) > 0 {
		o := cfg.Origins.Items[0]
		if co := o.CustomOriginConfig; co != nil {
			spec.CDN.OriginReadTimeoutSeconds = aws.ToInt32(co.OriginReadTimeout)
			if co.OriginProtocolPolicy == "https-only" {
				spec.LoadBalancer.DomainName = aws.ToString(o.DomainName)
			}
		}
		if o.CustomHeaders != nil {
			for _, h := range o.CustomHeaders.Items {
				if aws.ToString(h.HeaderName) == OriginVerifyHeader {
					spec.CDN.RestrictOrigin = true
					st.OriginSecret = aws.ToString(h.HeaderValue)
				}
			}
		}
	}
	dist, err := tfcloudfront.FindDistributionByID(ctx, c.CloudFront, st.DistributionID)
	if err != nil {
		return err
	}
	st.DistributionARN, st.DistributionDomain, st.DistributionStatus = aws.ToString(dist.Distribution.ARN), aws.ToString(dist.Distribution.DomainName), aws.ToString(dist.Distribution.Status)
	st.DistributionEnabled = aws.ToBool(cfg.Enabled)
	return nil
}

// listedDistribution is what List needs of a distribution.
type listedDistribution struct {
	domain  string
	aliases []string
}

// collectDistributions finds each deployment's distribution in one listing:
// the deployment sets the comment "geusemaker:<name>", and the
// geusemaker:deployment tag confirms it (one ListTagsForResource per such
// distribution, not per distribution in the account). CloudFront is global,
// so a distribution whose origin is a load balancer of another region
// belongs to a namesake deployment there.
func (l *listing) collectDistributions(ctx context.Context, c *Clients, names []string) error {
	l.distributions = map[string]listedDistribution{}
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	all, err := tfcloudfront.FindDistributions(ctx, c.CloudFront)
	if err != nil {
		return err
	}
	candidates := map[string][]cftypes.DistributionSummary{}
	for _, d := range all {
		name, ok := strings.CutPrefix(aws.ToString(d.Comment), "geusemaker:")
		if !ok || !wanted[name] || !l.sameRegion(name, d) {
			continue
		}
		candidates[name] = append(candidates[name], d)
	}
	for name, ds := range candidates {
		// Prefer the distribution in front of this region's load balancer,
		// then an enabled one (a retained distribution is disabled).
		sort.SliceStable(ds, func(i, j int) bool { return l.distributionRank(name, ds[i]) > l.distributionRank(name, ds[j]) })
		for _, d := range ds {
			tags, err := tfcloudfront.FindTagsByARN(ctx, c.CloudFront, aws.ToString(d.ARN))
			if retry.NotFound(err) {
				continue // deleted while we listed
			}
			if err != nil {
				return err
			}
			if v, ok := tags[TagDeployment]; ok && v == name {
				ld := listedDistribution{domain: aws.ToString(d.DomainName)}
				if d.Aliases != nil {
					ld.aliases = d.Aliases.Items
				}
				l.distributions[name] = ld
				break
			}
		}
	}
	return nil
}

func originDomain(d cftypes.DistributionSummary) string {
	if d.Origins == nil || len(d.Origins.Items) == 0 {
		return ""
	}
	return aws.ToString(d.Origins.Items[0].DomainName)
}

// sameRegion rejects a distribution whose origin is a load balancer other
// than this region's <name>-alb.
func (l *listing) sameRegion(name string, d cftypes.DistributionSummary) bool {
	var albDNS string
	if lb, ok := l.lbs[(&Spec{Name: name}).loadBalancerName()]; ok {
		albDNS = lb.dnsName
	}
	return frontsRegion(d, albDNS, l.region)
}

// frontsRegion reports whether a deployment's distribution can belong to the
// deployment of that name in region, whose load balancer (if any) has the
// DNS name albDNS. CloudFront is global and the tags do not name the region,
// so the origin decides: the region's own load balancer, or any custom
// domain (the origin of a load balancer with a certificate), but not a load
// balancer of another region or another load balancer of this one.
func frontsRegion(d cftypes.DistributionSummary, albDNS, region string) bool {
	origin := originDomain(d)
	switch {
	case !strings.HasSuffix(origin, ".elb.amazonaws.com"):
		return true
	case albDNS != "":
		return origin == albDNS
	}
	return strings.Contains(origin, "."+region+".")
}

func (l *listing) distributionRank(name string, d cftypes.DistributionSummary) int {
	rank := 0
	if lb, ok := l.lbs[(&Spec{Name: name}).loadBalancerName()]; ok && originDomain(d) == lb.dnsName {
		rank += 2
	}
	if aws.ToBool(d.Enabled) {
		rank++
	}
	return rank
}

// DistributionDetails is the live configuration of a deployment's CloudFront
// distribution that inspection shows: where it sends requests and what it
// caches.
type DistributionDetails struct {
	Origin OriginDetails
	// Behaviors lists the default cache behavior first (path pattern "*"),
	// then the path-specific ones in CloudFront's order of precedence.
	Behaviors []CacheBehaviorDetails
}

// OriginDetails describes the distribution's (first) origin.
type OriginDetails struct {
	DomainName         string
	ProtocolPolicy     string // http-only | https-only | match-viewer
	ReadTimeoutSeconds int32
}

// CacheBehaviorDetails describes one cache behavior.
type CacheBehaviorDetails struct {
	PathPattern           string
	CachePolicyID         string
	OriginRequestPolicyID string
	ViewerProtocolPolicy  string
}

// DefaultBehaviorPattern is the path pattern shown for the default behavior.
const DefaultBehaviorPattern = "*"

// adoptDistribution records the distribution a create made but did not
// record, by its tag.
func (o *op) adoptDistribution(ctx context.Context) error {
	st := o.rec.get()
	if st.DistributionID != "" || st.CallerReference == "" {
		return nil
	}
	found, err := tfcloudfront.FindDistributionsByTag(ctx, o.c.CloudFront, TagDeployment, o.spec.Name)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	if len(found) > 0 {
		o.rec.set(func(s *State) { s.DistributionID = aws.ToString(found[0].Id) })
	}
	return nil
}

// retagDistribution moves the distribution's tags from old's to the spec's.
func (o *op) retagDistribution(ctx context.Context, old *Spec, st *State) error {
	if st.DistributionARN == "" {
		return nil
	}
	return tfcloudfront.UpdateTags(ctx, o.c.CloudFront, st.DistributionARN, old.tagsFor(CompDistribution), o.spec.tagsFor(CompDistribution))
}

// InspectDistribution reads a distribution's configuration (one
// GetDistributionConfig call). A deleted distribution is a
// retry.NotFoundError.
func InspectDistribution(ctx context.Context, c *Clients, id string) (*DistributionDetails, error) {
	out, err := tfcloudfront.FindDistributionConfigByID(ctx, c.CloudFront, id)
	if err != nil {
		return nil, err
	}
	cfg := out.DistributionConfig
	d := &DistributionDetails{}
	if cfg.Origins != nil && len(cfg.Origins.Items) > 0 {
		o := cfg.Origins.Items[0]
		d.Origin.DomainName = aws.ToString(o.DomainName)
		if co := o.CustomOriginConfig; co != nil {
			d.Origin.ProtocolPolicy = string(co.OriginProtocolPolicy)
			d.Origin.ReadTimeoutSeconds = aws.ToInt32(co.OriginReadTimeout)
		}
	}
	if b := cfg.DefaultCacheBehavior; b != nil {
		d.Behaviors = append(d.Behaviors, CacheBehaviorDetails{
			PathPattern: DefaultBehaviorPattern, CachePolicyID: aws.ToString(b.CachePolicyId),
			OriginRequestPolicyID: aws.ToString(b.OriginRequestPolicyId), ViewerProtocolPolicy: string(b.ViewerProtocolPolicy),
		})
	}
	if cfg.CacheBehaviors != nil {
		for _, b := range cfg.CacheBehaviors.Items {
			d.Behaviors = append(d.Behaviors, CacheBehaviorDetails{
				PathPattern: aws.ToString(b.PathPattern), CachePolicyID: aws.ToString(b.CachePolicyId),
				OriginRequestPolicyID: aws.ToString(b.OriginRequestPolicyId), ViewerProtocolPolicy: string(b.ViewerProtocolPolicy),
			})
		}
	}
	return d, nil
}
