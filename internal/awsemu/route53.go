package awsemu

// Route 53 (REST-XML, global, signed in us-east-1): public hosted zones with
// the SOA and NS records every zone starts with, ChangeResourceRecordSets
// with Route 53's validation rules (route53_records.go), change status
// PENDING → INSYNC, ListResourceRecordSets in Route 53's order, tags, and a
// resolver that answers names from the emulated zones for the data plane and
// for ACM's DNS validation (route53_resolve.go).
//
// Lifecycle: every change (a zone created or deleted, a change batch) is
// PENDING until route53.propagation has passed, then INSYNC. A record written
// by a change becomes visible to the resolver (and so to ACM) only once that
// change is INSYNC.
//
// Knobs:
//
//	route53.propagation  time from a change to INSYNC (default 60s; "never" stays PENDING)
//
// Quotas: L-4EA4796A hosted zones per account (500), L-E209CC9F records per
// hosted zone (10,000).
//
// Not emulated (refused, never silently accepted): private zones, reusable
// delegation sets, routing policies other than simple (SetIdentifier,
// Weight, Region, Failover, GeoLocation, MultiValueAnswer, health checks,
// CIDR and geoproximity routing, traffic policies) and record types other
// than A, AAAA, CNAME, TXT, MX, NS, SOA and CAA.

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

const (
	r53QuotaZones   = "L-4EA4796A"
	r53QuotaRecords = "L-E209CC9F"

	// CloudFrontHostedZoneID is the hosted zone of every CloudFront
	// distribution's domain name, the alias target zone for records that
	// point at a distribution.
	CloudFrontHostedZoneID = "Z2FDTNDATAQYW2"
)

type route53Service struct {
	e          *Emulator
	zones      map[string]*r53Zone // by id (Z...)
	order      []string            // zone ids in creation order
	callerRefs map[string]string   // every caller reference ever used → zone id
	changes    map[string]*r53Change
}

type r53Zone struct {
	id, name    string // name: decoded, lowercase, trailing dot
	callerRef   string
	comment     string
	created     time.Time
	nameServers []string // without trailing dots, as DelegationSet shows them
	records     map[r53Key]*r53Record
	tags        map[string]string
}

type r53Change struct {
	id, comment string
	submitted   time.Time
	insync      time.Time // zero: never
}

func init() {
	Register(ServiceInfo{
		Name:         "route53",
		SigningName:  "route53",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/route53",
		Global:       true,
		XMLNamespace: "https://route53.amazonaws.com/doc/2013-04-01/",
		ThrottleCode: "Throttling",
	}, func(e *Emulator, _ string) *route53Service {
		return &route53Service{e: e, zones: map[string]*r53Zone{}, callerRefs: map[string]string{}, changes: map[string]*r53Change{}}
	})
	RegisterQuota(QuotaDef{ServiceCode: "route53", Code: r53QuotaZones, Name: "Hosted zones", Default: 500, Adjustable: true, Global: true})
	RegisterQuota(QuotaDef{ServiceCode: "route53", Code: r53QuotaRecords, Name: "Records per hosted zone", Default: 10000, Adjustable: true, Global: true})
}

// --- errors -----------------------------------------------------------------

func r53NoSuchZone(id string) *APIError {
	return ErrorfStatus(http.StatusNotFound, "NoSuchHostedZone", "No hosted zone found with ID: %s", id)
}

func r53InvalidInput(format string, args ...any) *APIError {
	return Errorf("InvalidInput", format, args...)
}

// r53ChangeBatchError joins the problems of a batch the way Route 53 does:
// one InvalidChangeBatch whose message lists every problem in brackets.
func r53ChangeBatchError(problems []string) *APIError {
	return Errorf("InvalidChangeBatch", "[%s]", strings.Join(problems, ", "))
}

// --- ids and changes ----------------------------------------------------------

// zoneID strips the /hostedzone/ prefix a caller may send.
func r53ZoneID(id string) string {
	return id[strings.LastIndex(id, "/")+1:]
}

func (s *route53Service) zone(id string) (*r53Zone, *APIError) {
	id = r53ZoneID(id)
	z := s.zones[id]
	if z == nil {
		return nil, r53NoSuchZone(id)
	}
	return z, nil
}

// newChange records a change submitted now; it is INSYNC after
// route53.propagation.
func (s *route53Service) newChange(c *Call, comment string) *r53Change {
	ch := &r53Change{id: "C" + c.Emu.AlnumID("route53-change", 20), comment: comment, submitted: c.Now()}
	if d := c.Emu.KnobDuration("route53.propagation", 60*time.Second); d >= 0 {
		ch.insync = ch.submitted.Add(d)
	}
	s.changes[ch.id] = ch
	return ch
}

func (ch *r53Change) insyncAt(now time.Time) bool {
	return !ch.insync.IsZero() && !now.Before(ch.insync)
}

func (ch *r53Change) info(now time.Time) *r53types.ChangeInfo {
	st := r53types.ChangeStatusPending
	if ch.insyncAt(now) {
		st = r53types.ChangeStatusInsync
	}
	out := &r53types.ChangeInfo{Id: aws.String("/change/" + ch.id), Status: st, SubmittedAt: aws.Time(ch.submitted)}
	if ch.comment != "" {
		out.Comment = aws.String(ch.comment)
	}
	return out
}

// --- hosted zones -------------------------------------------------------------

func (s *route53Service) view(z *r53Zone) *r53types.HostedZone {
	cfg := &r53types.HostedZoneConfig{PrivateZone: false}
	if z.comment != "" {
		cfg.Comment = aws.String(z.comment)
	}
	return &r53types.HostedZone{
		Id: aws.String("/hostedzone/" + z.id), Name: aws.String(r53Present(z.name)), CallerReference: aws.String(z.callerRef),
		Config: cfg, ResourceRecordSetCount: aws.Int64(int64(len(z.records))),
	}
}

func (z *r53Zone) delegationSet() *r53types.DelegationSet {
	return &r53types.DelegationSet{NameServers: append([]string(nil), z.nameServers...)}
}

// r53NameServers picks the four name servers Route 53 assigns a zone: one
// in each of the awsdns .com (ns-0 to ns-511), .net, .org and .co.uk
// blocks, each in the awsdns-NN group its number falls in.
func r53NameServers(e *Emulator) []string {
	h := e.HexID("route53-nameservers", 12)
	var out []string
	for i, tld := range []string{"com", "net", "org", "co.uk"} {
		v := 0
		for _, ch := range h[i*3 : i*3+3] {
			v = v*16 + strings.IndexRune("0123456789abcdef", ch)
		}
		n := v%512 + 512*i
		group := (n % 512) / 8
		g := itoa(int64(group))
		if group < 10 {
			g = "0" + g
		}
		out = append(out, "ns-"+itoa(int64(n))+".awsdns-"+g+"."+tld)
	}
	return out
}

func (s *route53Service) CreateHostedZone(c *Call, in *route53.CreateHostedZoneInput) (*route53.CreateHostedZoneOutput, error) {
	ref := aws.ToString(in.CallerReference)
	if len(ref) < 1 || len(ref) > 128 {
		return nil, r53InvalidInput("1 validation error detected: Value '%s' at 'callerReference' failed to satisfy constraint: Member must have length between 1 and 128", ref)
	}
	if in.VPC != nil || (in.HostedZoneConfig != nil && in.HostedZoneConfig.PrivateZone) {
		return nil, r53InvalidInput("Private hosted zones are not emulated.")
	}
	if in.DelegationSetId != nil {
		return nil, ErrorfStatus(http.StatusBadRequest, "NoSuchDelegationSet", "Reusable delegation sets are not emulated: %s", aws.ToString(in.DelegationSetId))
	}
	raw := aws.ToString(in.Name)
	name, problem := r53ParseName(raw)
	if problem != "" {
		return nil, Errorf("InvalidDomainName", "%s is not a valid domain name: %s", raw, problem)
	}
	if strings.Count(name, ".") < 2 {
		// A zone for a top-level domain alone is refused.
		return nil, Errorf("InvalidDomainName", "%s is reserved by AWS!", strings.TrimSuffix(name, "."))
	}
	if id, used := s.callerRefs[ref]; used {
		return nil, ErrorfStatus(http.StatusConflict, "HostedZoneAlreadyExists",
			"A hosted zone has already been created with the specified caller reference (%s).", id)
	}
	if in.HostedZoneConfig != nil && len(aws.ToString(in.HostedZoneConfig.Comment)) > 256 {
		return nil, r53InvalidInput("1 validation error detected: Value at 'hostedZoneConfig.comment' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	if float64(len(s.zones)) >= c.Emu.Quota(r53QuotaZones) {
		return nil, Errorf("TooManyHostedZones", "This operation can't be completed because the current account has reached the limit on the number of hosted zones (%d).", int(c.Emu.Quota(r53QuotaZones)))
	}
	now := c.Now()
	z := &r53Zone{
		id: "Z" + c.Emu.AlnumID("route53-zone", 20), name: name, callerRef: ref, created: now,
		nameServers: r53NameServers(c.Emu), records: map[r53Key]*r53Record{},
	}
	if in.HostedZoneConfig != nil {
		z.comment = aws.ToString(in.HostedZoneConfig.Comment)
	}
	// Every zone starts with an SOA record and the NS record naming its
	// delegation set; both are visible at once.
	var ns []string
	for _, n := range z.nameServers {
		ns = append(ns, n+".")
	}
	z.records[r53Key{name, "NS"}] = &r53Record{name: name, typ: "NS", ttl: aws.Int64(172800), values: ns, visibleAt: now}
	z.records[r53Key{name, "SOA"}] = &r53Record{name: name, typ: "SOA", ttl: aws.Int64(900), visibleAt: now,
		values: []string{ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}}
	s.zones[z.id] = z
	s.order = append(s.order, z.id)
	s.callerRefs[ref] = z.id
	ch := s.newChange(c, "")
	return &route53.CreateHostedZoneOutput{
		HostedZone: s.view(z), ChangeInfo: ch.info(now), DelegationSet: z.delegationSet(),
		Location: aws.String("https://route53.amazonaws.com/2013-04-01/hostedzone/" + z.id),
	}, nil
}

func (s *route53Service) GetHostedZone(c *Call, in *route53.GetHostedZoneInput) (*route53.GetHostedZoneOutput, error) {
	z, err := s.zone(aws.ToString(in.Id))
	if err != nil {
		return nil, err
	}
	return &route53.GetHostedZoneOutput{HostedZone: s.view(z), DelegationSet: z.delegationSet()}, nil
}

func (s *route53Service) GetHostedZoneCount(c *Call, in *route53.GetHostedZoneCountInput) (*route53.GetHostedZoneCountOutput, error) {
	return &route53.GetHostedZoneCountOutput{HostedZoneCount: aws.Int64(int64(len(s.zones)))}, nil
}

func (s *route53Service) UpdateHostedZoneComment(c *Call, in *route53.UpdateHostedZoneCommentInput) (*route53.UpdateHostedZoneCommentOutput, error) {
	z, err := s.zone(aws.ToString(in.Id))
	if err != nil {
		return nil, err
	}
	if len(aws.ToString(in.Comment)) > 256 {
		return nil, r53InvalidInput("1 validation error detected: Value at 'comment' failed to satisfy constraint: Member must have length less than or equal to 256")
	}
	z.comment = aws.ToString(in.Comment)
	return &route53.UpdateHostedZoneCommentOutput{HostedZone: s.view(z)}, nil
}

// r53MaxItems reads a MaxItems parameter: default def, at most max.
func r53MaxItems(v *int32, def, max int) (int, *APIError) {
	if v == nil {
		return def, nil
	}
	if *v < 1 {
		return 0, r53InvalidInput("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", *v)
	}
	if int(*v) > max {
		return max, nil
	}
	return int(*v), nil
}

func (s *route53Service) ListHostedZones(c *Call, in *route53.ListHostedZonesInput) (*route53.ListHostedZonesOutput, error) {
	if in.DelegationSetId != nil {
		return nil, ErrorfStatus(http.StatusBadRequest, "NoSuchDelegationSet", "Reusable delegation sets are not emulated: %s", aws.ToString(in.DelegationSetId))
	}
	max, err := r53MaxItems(in.MaxItems, 100, 100)
	if err != nil {
		return nil, err
	}
	start := 0
	if m := aws.ToString(in.Marker); m != "" {
		start = -1
		for i, id := range s.order {
			if id == r53ZoneID(m) {
				start = i
			}
		}
		if start < 0 {
			return nil, r53InvalidInput("The marker %s is not valid.", m)
		}
	}
	out := &route53.ListHostedZonesOutput{HostedZones: []r53types.HostedZone{}, MaxItems: aws.Int32(int32(max)), Marker: in.Marker}
	for i := start; i < len(s.order); i++ {
		if in.HostedZoneType == r53types.HostedZoneTypePrivateHostedZone {
			break // every emulated zone is public
		}
		if len(out.HostedZones) == max {
			out.IsTruncated = true
			out.NextMarker = aws.String(s.order[i])
			break
		}
		out.HostedZones = append(out.HostedZones, *s.view(s.zones[s.order[i]]))
	}
	return out, nil
}

// sortedZones lists zones in ListHostedZonesByName order: by name with the
// labels reversed, then by id.
func (s *route53Service) sortedZones() []*r53Zone {
	out := make([]*r53Zone, 0, len(s.zones))
	for _, id := range s.order {
		out = append(out, s.zones[id])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if c := r53CompareNames(out[i].name, out[j].name); c != 0 {
			return c < 0
		}
		return out[i].id < out[j].id
	})
	return out
}

func (s *route53Service) ListHostedZonesByName(c *Call, in *route53.ListHostedZonesByNameInput) (*route53.ListHostedZonesByNameOutput, error) {
	max, err := r53MaxItems(in.MaxItems, 100, 100)
	if err != nil {
		return nil, err
	}
	if in.HostedZoneId != nil && in.DNSName == nil {
		return nil, r53InvalidInput("Invalid request: a HostedZoneId requires a DNSName.")
	}
	out := &route53.ListHostedZonesByNameOutput{HostedZones: []r53types.HostedZone{}, MaxItems: aws.Int32(int32(max)), DNSName: in.DNSName, HostedZoneId: in.HostedZoneId}
	var startName string
	if in.DNSName != nil {
		n, problem := r53ParseName(aws.ToString(in.DNSName))
		if problem != "" {
			return nil, Errorf("InvalidDomainName", "%s is not a valid domain name: %s", aws.ToString(in.DNSName), problem)
		}
		startName = n
	}
	startID := r53ZoneID(aws.ToString(in.HostedZoneId))
	for _, z := range s.sortedZones() {
		if startName != "" {
			c := r53CompareNames(z.name, startName)
			if c < 0 || (c == 0 && startID != "" && z.id < startID) {
				continue
			}
		}
		if len(out.HostedZones) == max {
			out.IsTruncated = true
			out.NextDNSName = aws.String(r53Present(z.name))
			out.NextHostedZoneId = aws.String(z.id)
			break
		}
		out.HostedZones = append(out.HostedZones, *s.view(z))
	}
	return out, nil
}

func (s *route53Service) DeleteHostedZone(c *Call, in *route53.DeleteHostedZoneInput) (*route53.DeleteHostedZoneOutput, error) {
	z, err := s.zone(aws.ToString(in.Id))
	if err != nil {
		return nil, err
	}
	for k := range z.records {
		if k.name != z.name || (k.typ != "SOA" && k.typ != "NS") {
			return nil, Errorf("HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets and so cannot be deleted.")
		}
	}
	delete(s.zones, z.id)
	for i, id := range s.order {
		if id == z.id {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	ch := s.newChange(c, "")
	return &route53.DeleteHostedZoneOutput{ChangeInfo: ch.info(c.Now())}, nil
}

func (s *route53Service) GetChange(c *Call, in *route53.GetChangeInput) (*route53.GetChangeOutput, error) {
	id := r53ZoneID(aws.ToString(in.Id))
	ch := s.changes[id]
	if ch == nil {
		return nil, ErrorfStatus(http.StatusNotFound, "NoSuchChange", "A change with the specified change ID does not exist.")
	}
	info := ch.info(c.Now())
	c.Note("status", string(info.Status))
	return &route53.GetChangeOutput{ChangeInfo: info}, nil
}

// --- limits -------------------------------------------------------------------

func (s *route53Service) GetAccountLimit(c *Call, in *route53.GetAccountLimitInput) (*route53.GetAccountLimitOutput, error) {
	var value, count int64
	switch in.Type {
	case r53types.AccountLimitTypeMaxHostedZonesByOwner:
		value, count = int64(c.Emu.Quota(r53QuotaZones)), int64(len(s.zones))
	case r53types.AccountLimitTypeMaxHealthChecksByOwner:
		value = 200
	case r53types.AccountLimitTypeMaxReusableDelegationSetsByOwner:
		value = 100
	case r53types.AccountLimitTypeMaxTrafficPoliciesByOwner:
		value = 50
	case r53types.AccountLimitTypeMaxTrafficPolicyInstancesByOwner:
		value = 5
	default:
		return nil, r53InvalidInput("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [MAX_HEALTH_CHECKS_BY_OWNER, MAX_HOSTED_ZONES_BY_OWNER, MAX_TRAFFIC_POLICY_INSTANCES_BY_OWNER, MAX_REUSABLE_DELEGATION_SETS_BY_OWNER, MAX_TRAFFIC_POLICIES_BY_OWNER]", in.Type)
	}
	return &route53.GetAccountLimitOutput{Count: count, Limit: &r53types.AccountLimit{Type: in.Type, Value: aws.Int64(value)}}, nil
}

func (s *route53Service) GetHostedZoneLimit(c *Call, in *route53.GetHostedZoneLimitInput) (*route53.GetHostedZoneLimitOutput, error) {
	z, err := s.zone(aws.ToString(in.HostedZoneId))
	if err != nil {
		return nil, err
	}
	switch in.Type {
	case r53types.HostedZoneLimitTypeMaxRrsetsByZone:
		return &route53.GetHostedZoneLimitOutput{Count: int64(len(z.records)),
			Limit: &r53types.HostedZoneLimit{Type: in.Type, Value: aws.Int64(int64(c.Emu.Quota(r53QuotaRecords)))}}, nil
	case r53types.HostedZoneLimitTypeMaxVpcsAssociatedByZone:
		return nil, Errorf("HostedZoneNotPrivate", "The specified hosted zone is a public hosted zone, not a private hosted zone.")
	}
	return nil, r53InvalidInput("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [MAX_RRSETS_BY_ZONE, MAX_VPCS_ASSOCIATED_BY_ZONE]", in.Type)
}

// --- tags ---------------------------------------------------------------------

func (s *route53Service) tagTarget(typ r53types.TagResourceType, id string) (*r53Zone, *APIError) {
	switch typ {
	case r53types.TagResourceTypeHostedzone:
		return s.zone(id)
	case r53types.TagResourceTypeHealthcheck:
		return nil, ErrorfStatus(http.StatusNotFound, "NoSuchHealthCheck", "No health check exists with the specified ID %s.", id)
	}
	return nil, r53InvalidInput("1 validation error detected: Value '%s' at 'resourceType' failed to satisfy constraint: Member must satisfy enum value set: [healthcheck, hostedzone]", typ)
}

func (s *route53Service) ChangeTagsForResource(c *Call, in *route53.ChangeTagsForResourceInput) (*route53.ChangeTagsForResourceOutput, error) {
	z, err := s.tagTarget(in.ResourceType, aws.ToString(in.ResourceId))
	if err != nil {
		return nil, err
	}
	if len(in.AddTags) > 10 || len(in.RemoveTagKeys) > 10 {
		return nil, r53InvalidInput("1 validation error detected: a request can add or remove at most 10 tags.")
	}
	next := map[string]string{}
	for k, v := range z.tags {
		next[k] = v
	}
	for _, k := range in.RemoveTagKeys {
		delete(next, k)
	}
	for _, t := range in.AddTags {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		if len(k) < 1 || len(k) > 128 || len(v) > 256 {
			return nil, r53InvalidInput("Invalid tag: a key has 1 to 128 characters and a value at most 256.")
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, r53InvalidInput("Invalid tag key %s: the aws: prefix is reserved for AWS use.", k)
		}
		next[k] = v
	}
	if len(next) > 50 {
		return nil, r53InvalidInput("A resource can have at most 50 tags.")
	}
	z.tags = next
	return &route53.ChangeTagsForResourceOutput{}, nil
}

func (s *route53Service) ListTagsForResource(c *Call, in *route53.ListTagsForResourceInput) (*route53.ListTagsForResourceOutput, error) {
	z, err := s.tagTarget(in.ResourceType, aws.ToString(in.ResourceId))
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(z.tags))
	for k := range z.tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	set := &r53types.ResourceTagSet{ResourceType: in.ResourceType, ResourceId: aws.String(z.id), Tags: []r53types.Tag{}}
	for _, k := range keys {
		set.Tags = append(set.Tags, r53types.Tag{Key: aws.String(k), Value: aws.String(z.tags[k])})
	}
	return &route53.ListTagsForResourceOutput{ResourceTagSet: set}, nil
}

// --- inventory ----------------------------------------------------------------

// Inventory lists every hosted zone and every record set a caller wrote (not
// the SOA and NS records a zone starts with).
func (s *route53Service) Inventory(now time.Time) []Resource {
	var out []Resource
	for _, id := range s.order {
		z := s.zones[id]
		var tags map[string]string
		if len(z.tags) > 0 {
			tags = z.tags
		}
		out = append(out, Resource{Service: "route53", Type: "hosted-zone", ID: z.id, State: r53Present(z.name), Tags: tags})
		for _, r := range z.sortedRecords() {
			if r.name == z.name && (r.typ == "SOA" || r.typ == "NS") {
				continue
			}
			out = append(out, Resource{Service: "route53", Type: "record", ID: z.id + "/" + r53Present(r.name) + "/" + r.typ})
		}
	}
	return out
}
