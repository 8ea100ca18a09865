package awsemu

// Elastic Load Balancing v2 (AWS query, regional): Application Load
// Balancers with their network interfaces in EC2 subnets, target groups and
// target health derived from the EC2 instances' boot state, listeners (HTTP,
// HTTPS with ACM certificates and SSL policies), rules and tags.
//
// Lifecycle: a load balancer is provisioning after CreateLoadBalancer and
// active once elbv2.provisioning_duration has passed. It puts one
// requester-managed network interface ("ELB app/<name>/<id>") in each of its
// subnets; DeleteLoadBalancer removes it and its listeners and rules at once,
// but its interfaces linger for elbv2.eni_linger before EC2 releases them.
// Target health: initial until the instance's boot is complete and
// HealthyThreshold × Interval health checks have passed, then healthy;
// unhealthy when the boot failed; unused while no load balancer uses the
// target group or the instance is not running; draining for the
// deregistration delay after DeregisterTargets.
//
// Knobs:
//
//	elbv2.provisioning_duration  provisioning → active (default 3m; "never" stays provisioning)
//	elbv2.provisioning_result    "failed": the load balancer ends in state failed with a Reason
//	elbv2.eni_linger             how long a deleted load balancer's interfaces stay (default 90s)
//	elbv2.target_health          "unhealthy": every target in use fails its health checks (Target.ResponseCodeMismatch)
//
// Call-log notes: DescribeLoadBalancers notes "state" (of the first load
// balancer returned), DeleteLoadBalancer and DeleteTargetGroup note "found",
// DescribeTargetHealth notes "health" ("i-…=healthy,…").
//
// Not emulated: Network and Gateway Load Balancers, ip/lambda/alb targets,
// authenticate-* actions, mutual TLS, trust stores, SetSubnets, and the VPC's
// default security group for an ALB created without security groups.

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

type elbv2Service struct {
	e      *Emulator
	region string

	lbs       map[string]*elbLoadBalancer
	tgs       map[string]*elbTargetGroup
	listeners map[string]*elbListener
	rules     map[string]*elbRule
	// creation order, for stable Describe output
	lbOrder, tgOrder, listenerOrder, ruleOrder []string
}

type elbLoadBalancer struct {
	arn, name, id string
	typ           elbtypes.LoadBalancerTypeEnum
	scheme        elbtypes.LoadBalancerSchemeEnum
	ipType        elbtypes.IpAddressType
	vpc           string
	subnets       []SubnetView
	enis          []InterfaceView
	sgs           []string
	dns           string
	created       time.Time
	state         Timeline // provisioning → active | failed
	failReason    string
	attrs         map[string]string
	tags          map[string]string
}

func init() {
	Register(ServiceInfo{
		Name:         "elbv2",
		SigningName:  "elasticloadbalancing",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2",
		XMLNamespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
		ThrottleCode: "Throttling",
	}, func(e *Emulator, region string) *elbv2Service {
		return &elbv2Service{e: e, region: region,
			lbs: map[string]*elbLoadBalancer{}, tgs: map[string]*elbTargetGroup{},
			listeners: map[string]*elbListener{}, rules: map[string]*elbRule{}}
	})
}

// Elastic Load Balancing quota codes (Service Quotas, service code
// elasticloadbalancing); each is a knob quota.<code>.
const (
	quotaELBALBs              = "L-53DA6B97"
	quotaELBTargetGroups      = "L-B22855CB"
	quotaELBListenersPerALB   = "L-B6DF7632"
	quotaELBRulesPerALB       = "L-7EED9B64"
	quotaELBConditionValues   = "L-EBC0C08B"
	quotaELBConditionWildcard = "L-A012D4E8"
	quotaELBTGsPerALB         = "L-822D1B1B"
	quotaELBTGsPerAction      = "L-057ECE54"
	quotaELBTargetsPerTG      = "L-A0D0B863"
)

func init() {
	for _, q := range []QuotaDef{
		{Code: quotaELBALBs, Name: "Application Load Balancers per Region", Default: 50, Adjustable: true},
		{Code: quotaELBTargetGroups, Name: "Target Groups per Region", Default: 3000, Adjustable: true},
		{Code: quotaELBListenersPerALB, Name: "Listeners per Application Load Balancer", Default: 50, Adjustable: true},
		{Code: quotaELBRulesPerALB, Name: "Rules per Application Load Balancer", Default: 100, Adjustable: true},
		{Code: quotaELBConditionValues, Name: "Condition Values per Rule", Default: 5},
		{Code: quotaELBConditionWildcard, Name: "Condition Wildcards per Rule", Default: 5},
		{Code: quotaELBTGsPerALB, Name: "Target Groups per Application Load Balancer", Default: 100},
		{Code: quotaELBTGsPerAction, Name: "Target Groups per Action per Application Load Balancer", Default: 5},
		{Code: quotaELBTargetsPerTG, Name: "Targets per Target Group per Region", Default: 1000, Adjustable: true},
	} {
		q.ServiceCode = "elasticloadbalancing"
		RegisterQuota(q)
	}
}

func (s *elbv2Service) quota(code string) int { return int(s.e.Quota(code)) }

// elbCanonicalHostedZones are the Route 53 zones of Application Load
// Balancer DNS names per region (Elastic Load Balancing endpoints table).
var elbCanonicalHostedZones = map[string]string{
	"us-east-1":      "Z35SXDOTRQ7X7K",
	"us-east-2":      "Z3AADJGX6KTTL2",
	"us-west-1":      "Z368ELLRRE2KJ0",
	"us-west-2":      "Z1H1FL5HABSF5",
	"eu-west-1":      "Z32O12XQLNTSW2",
	"eu-west-2":      "ZHURV8PSTC4K8",
	"eu-central-1":   "Z215JYRZR1TBD5",
	"ap-southeast-1": "Z1LMS91P8CMLE5",
	"ap-southeast-2": "Z1GM3OXH4ZPM65",
	"ap-northeast-1": "Z14GRHDCWA56QT",
}

// --- helpers ------------------------------------------------------------------

func (s *elbv2Service) network(c *Call) Network { return Peer[Network](c, "ec2") }

func elbValidation(format string, args ...any) *APIError {
	return Errorf("ValidationError", format, args...)
}

func (s *elbv2Service) arnPrefix(c *Call) string {
	return "arn:aws:elasticloadbalancing:" + s.region + ":" + c.Account() + ":"
}

var (
	elbLBARN       = regexp.MustCompile(`^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer/(app|net|gwy)/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`)
	elbTGARN       = regexp.MustCompile(`^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$`)
	elbListenerARN = regexp.MustCompile(`^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/(app|net|gwy)/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}$`)
	elbRuleARN     = regexp.MustCompile(`^arn:aws:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener-rule/(app|net|gwy)/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`)
)

func (s *elbv2Service) lb(arn string) (*elbLoadBalancer, *APIError) {
	if !elbLBARN.MatchString(arn) {
		return nil, elbValidation("'%s' is not a valid load balancer ARN", arn)
	}
	lb := s.lbs[arn]
	if lb == nil {
		return nil, Errorf("LoadBalancerNotFound", "Load balancer '%s' not found", arn)
	}
	return lb, nil
}

func elbTagList(m map[string]string) []elbtypes.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]elbtypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, elbtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

var elbTagPattern = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)

// elbTags validates tags of a create or AddTags request.
func elbTags(tags []elbtypes.Tag) (map[string]string, *APIError) {
	out := map[string]string{}
	for _, t := range tags {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		if k == "" || len(k) > 128 || !elbTagPattern.MatchString(k) {
			return nil, elbValidation("1 validation error detected: Value '%s' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128 and match pattern ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$", k)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, elbValidation("Tag keys starting with 'aws:' are reserved for internal use")
		}
		if len(v) > 256 || !elbTagPattern.MatchString(v) {
			return nil, elbValidation("1 validation error detected: Value '%s' at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", v)
		}
		if _, dup := out[k]; dup {
			return nil, Errorf("DuplicateTagKeys", "Tag key '%s' specified more than once", k)
		}
		out[k] = v
	}
	if len(out) > 50 {
		return nil, Errorf("TooManyTags", "The quota for the number of tags that can be assigned to a load balancer has been reached")
	}
	return out, nil
}

// elbPage pages a list with ELB's Marker/PageSize (1..400).
func elbPage[T any](items []T, marker *string, pageSize *int32) ([]T, *string, *APIError) {
	var size int32
	if pageSize != nil {
		if *pageSize < 1 || *pageSize > 400 {
			return nil, nil, elbValidation("1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", *pageSize)
		}
		size = *pageSize
	}
	page, next, err := Paginate(items, marker, size, 400)
	if err != nil {
		return nil, nil, elbValidation("The marker '%s' is not valid", aws.ToString(marker))
	}
	return page, next, nil
}

var elbNamePattern = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

func elbCheckLBName(name string) *APIError {
	switch {
	case name == "":
		return elbValidation("A load balancer name must be specified")
	case len(name) > 32:
		return elbValidation("The load balancer name '%s' cannot be longer than '32' characters", name)
	case !elbNamePattern.MatchString(name):
		return elbValidation("The load balancer name '%s' can only contain characters that are alphanumeric characters and hyphens(-)", name)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return elbValidation("The load balancer name '%s' cannot begin or end with a hyphen(-)", name)
	case strings.HasPrefix(strings.ToLower(name), "internal-"):
		return elbValidation("The load balancer name '%s' cannot begin with 'internal-'", name)
	}
	return nil
}

// --- load balancers -----------------------------------------------------------

func (s *elbv2Service) CreateLoadBalancer(c *Call, in *elbv2.CreateLoadBalancerInput) (*elbv2.CreateLoadBalancerOutput, error) {
	name := aws.ToString(in.Name)
	if err := elbCheckLBName(name); err != nil {
		return nil, err
	}
	typ := in.Type
	switch typ {
	case "":
		typ = elbtypes.LoadBalancerTypeEnumApplication
	case elbtypes.LoadBalancerTypeEnumApplication:
	case elbtypes.LoadBalancerTypeEnumNetwork, elbtypes.LoadBalancerTypeEnumGateway:
		return nil, elbValidation("Load balancer type '%s' is not supported by this emulator", typ)
	default:
		return nil, elbValidation("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [application, network, gateway]", typ)
	}
	scheme := in.Scheme
	switch scheme {
	case "":
		scheme = elbtypes.LoadBalancerSchemeEnumInternetFacing
	case elbtypes.LoadBalancerSchemeEnumInternetFacing, elbtypes.LoadBalancerSchemeEnumInternal:
	default:
		return nil, elbValidation("1 validation error detected: Value '%s' at 'scheme' failed to satisfy constraint: Member must satisfy enum value set: [internet-facing, internal]", scheme)
	}
	ipType := in.IpAddressType
	switch ipType {
	case "":
		ipType = elbtypes.IpAddressTypeIpv4
	case elbtypes.IpAddressTypeIpv4, elbtypes.IpAddressTypeDualstack, elbtypes.IpAddressTypeDualstackWithoutPublicIpv4:
	default:
		return nil, elbValidation("1 validation error detected: Value '%s' at 'ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [ipv4, dualstack, dualstack-without-public-ipv4]", ipType)
	}
	subnetIDs := in.Subnets
	if len(in.SubnetMappings) > 0 {
		if len(subnetIDs) > 0 {
			return nil, elbValidation("You can specify subnets or subnet mappings, but not both")
		}
		for _, m := range in.SubnetMappings {
			subnetIDs = append(subnetIDs, aws.ToString(m.SubnetId))
		}
	}
	net := s.network(c)
	var subnets []SubnetView
	azs := map[string]bool{}
	for _, id := range subnetIDs {
		sn, ok := net.SubnetInfo(id)
		if !ok {
			return nil, Errorf("SubnetNotFound", "The subnet ID '%s' is not valid", id)
		}
		if len(subnets) > 0 && sn.VPCID != subnets[0].VPCID {
			return nil, Errorf("InvalidConfigurationRequest", "The subnets '%s' and '%s' are in different VPCs; a load balancer's subnets must all be in the same VPC", subnets[0].ID, sn.ID)
		}
		if azs[sn.AZ] {
			return nil, Errorf("InvalidConfigurationRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
		azs[sn.AZ] = true
		subnets = append(subnets, sn)
	}
	if len(subnets) < 2 {
		return nil, elbValidation("At least two subnets in two different Availability Zones must be specified")
	}
	vpc := subnets[0].VPCID
	sgs, err := s.checkSecurityGroups(c, in.SecurityGroups, vpc)
	if err != nil {
		return nil, err
	}
	tags, err := elbTags(in.Tags)
	if err != nil {
		return nil, err
	}
	// CreateLoadBalancer is idempotent: the same name with the same settings
	// returns the existing load balancer.
	for _, arn := range s.lbOrder {
		lb := s.lbs[arn]
		if lb.name != name {
			continue
		}
		if lb.typ == typ && lb.scheme == scheme && lb.ipType == ipType && sameSet(lb.subnetIDs(), subnetIDs) && sameSet(lb.sgs, sgs) {
			return &elbv2.CreateLoadBalancerOutput{LoadBalancers: []elbtypes.LoadBalancer{s.lbView(lb, c.Now())}}, nil
		}
		return nil, Errorf("DuplicateLoadBalancerName", "A load balancer with the same name '%s' exists, but with different settings", name)
	}
	if limit := s.quota(quotaELBALBs); len(s.lbOrder) >= limit {
		return nil, Errorf("TooManyLoadBalancers", "You've reached the limit on the number of load balancers for your account")
	}

	now := c.Now()
	id := c.Emu.HexID("elbv2-loadbalancer", 16)
	lb := &elbLoadBalancer{
		arn: s.arnPrefix(c) + "loadbalancer/app/" + name + "/" + id, name: name, id: id,
		typ: typ, scheme: scheme, ipType: ipType, vpc: vpc, subnets: subnets, sgs: sgs,
		created: now, state: NewTimeline("provisioning", now), attrs: elbDefaultLBAttributes(), tags: tags,
	}
	digits := elbDigits(c.Emu.HexID("elbv2-dns", 20), 10)
	prefix := ""
	if scheme == elbtypes.LoadBalancerSchemeEnumInternal {
		prefix = "internal-"
	}
	lb.dns = prefix + name + "-" + digits + "." + s.region + ".elb.amazonaws.com"
	for _, sn := range subnets {
		eni, apiErr := net.CreateManagedInterface(c, ManagedInterface{
			SubnetID: sn.ID, SecurityGroupIDs: sgs, Description: "ELB app/" + name + "/" + id,
			RequesterID: "amazon-elb", InterfaceType: "interface",
		})
		if apiErr != nil {
			for _, made := range lb.enis {
				net.ReleaseManagedInterface(made.ID, now)
			}
			return nil, apiErr
		}
		lb.enis = append(lb.enis, eni)
	}
	dur := c.Emu.KnobDuration("elbv2.provisioning_duration", 3*time.Minute)
	if c.Emu.Knob("elbv2.provisioning_result", "") == "failed" {
		lb.state.Then("failed", dur)
		lb.failReason = "The load balancer could not be provisioned: insufficient capacity in one of its Availability Zones."
	} else {
		lb.state.Then("active", dur)
		c.timelineChange("load-balancer", lb.arn, &lb.state, []string{lb.name}, "elbv2.DescribeLoadBalancers")
	}
	s.lbs[lb.arn] = lb
	s.lbOrder = append(s.lbOrder, lb.arn)
	return &elbv2.CreateLoadBalancerOutput{LoadBalancers: []elbtypes.LoadBalancer{s.lbView(lb, now)}}, nil
}

func (lb *elbLoadBalancer) subnetIDs() []string {
	out := make([]string, len(lb.subnets))
	for i, sn := range lb.subnets {
		out[i] = sn.ID
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// elbDigits turns hex into n decimal digits (the DNS name's number).
func elbDigits(hex string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		v, _ := strconv.ParseUint(hex[2*i:2*i+2], 16, 8)
		b.WriteByte(byte('0' + v%10))
	}
	return b.String()
}

func (s *elbv2Service) checkSecurityGroups(c *Call, ids []string, vpc string) ([]string, *APIError) {
	net := s.network(c)
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		sg, ok := net.SecurityGroupInfo(id)
		if !ok {
			return nil, Errorf("InvalidSecurityGroup", "Security group '%s' does not exist", id)
		}
		if sg.VPCID != vpc {
			return nil, Errorf("InvalidSecurityGroup", "Security group '%s' does not belong to VPC '%s'", id, vpc)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) > 5 {
		return nil, Errorf("InvalidConfigurationRequest", "A load balancer can have at most 5 security groups")
	}
	return out, nil
}

func (s *elbv2Service) lbView(lb *elbLoadBalancer, now time.Time) elbtypes.LoadBalancer {
	state := lb.state.State(now)
	st := &elbtypes.LoadBalancerState{Code: elbtypes.LoadBalancerStateEnum(state)}
	if state == "failed" {
		st.Reason = aws.String(lb.failReason)
	}
	out := elbtypes.LoadBalancer{
		LoadBalancerArn:       aws.String(lb.arn),
		LoadBalancerName:      aws.String(lb.name),
		DNSName:               aws.String(lb.dns),
		CanonicalHostedZoneId: aws.String(elbCanonicalHostedZones[s.region]),
		CreatedTime:           aws.Time(lb.created),
		Scheme:                lb.scheme,
		Type:                  lb.typ,
		IpAddressType:         lb.ipType,
		VpcId:                 aws.String(lb.vpc),
		State:                 st,
		SecurityGroups:        append([]string(nil), lb.sgs...),
	}
	for _, sn := range lb.subnets {
		out.AvailabilityZones = append(out.AvailabilityZones, elbtypes.AvailabilityZone{SubnetId: aws.String(sn.ID), ZoneName: aws.String(sn.AZ), LoadBalancerAddresses: []elbtypes.LoadBalancerAddress{}})
	}
	return out
}

func (s *elbv2Service) DescribeLoadBalancers(c *Call, in *elbv2.DescribeLoadBalancersInput) (*elbv2.DescribeLoadBalancersOutput, error) {
	var list []*elbLoadBalancer
	switch {
	case len(in.LoadBalancerArns) > 0 && len(in.Names) > 0:
		return nil, elbValidation("Load balancer names and load balancer ARNs cannot be specified at the same time")
	case len(in.LoadBalancerArns) > 0:
		if len(in.LoadBalancerArns) > 20 {
			return nil, elbValidation("1 validation error detected: Value at 'loadBalancerArns' failed to satisfy constraint: Member must have length less than or equal to 20")
		}
		for _, arn := range in.LoadBalancerArns {
			if !elbLBARN.MatchString(arn) {
				return nil, elbValidation("'%s' is not a valid load balancer ARN", arn)
			}
			lb := s.lbs[arn]
			if lb == nil {
				return nil, Errorf("LoadBalancerNotFound", "One or more load balancers not found")
			}
			list = append(list, lb)
		}
	case len(in.Names) > 0:
		var missing []string
		for _, name := range in.Names {
			found := false
			for _, arn := range s.lbOrder {
				if s.lbs[arn].name == name {
					list = append(list, s.lbs[arn])
					found = true
				}
			}
			if !found {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return nil, Errorf("LoadBalancerNotFound", "Load balancers '[%s]' not found", strings.Join(missing, ", "))
		}
	default:
		for _, arn := range s.lbOrder {
			list = append(list, s.lbs[arn])
		}
	}
	page, next, err := elbPage(list, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elbv2.DescribeLoadBalancersOutput{LoadBalancers: []elbtypes.LoadBalancer{}, NextMarker: next}
	for _, lb := range page {
		out.LoadBalancers = append(out.LoadBalancers, s.lbView(lb, c.Now()))
	}
	if len(page) > 0 {
		c.Note("state", string(out.LoadBalancers[0].State.Code))
	}
	return out, nil
}

func (s *elbv2Service) DeleteLoadBalancer(c *Call, in *elbv2.DeleteLoadBalancerInput) (*elbv2.DeleteLoadBalancerOutput, error) {
	arn := aws.ToString(in.LoadBalancerArn)
	if !elbLBARN.MatchString(arn) {
		return nil, elbValidation("'%s' is not a valid load balancer ARN", arn)
	}
	lb := s.lbs[arn]
	if lb == nil {
		// AWS: "If the load balancer does not exist or has already been
		// deleted, the call succeeds."
		c.Note("found", "false")
		return &elbv2.DeleteLoadBalancerOutput{}, nil
	}
	c.Note("found", "true")
	if lb.attrs["deletion_protection.enabled"] == "true" {
		return nil, Errorf("OperationNotPermitted", "Load balancer '%s' cannot be deleted because deletion protection is enabled", arn)
	}
	now := c.Now()
	for _, larn := range append([]string(nil), s.listenerOrder...) {
		if l := s.listeners[larn]; l != nil && l.lbARN == arn {
			s.removeListener(c, l)
		}
	}
	linger := c.Emu.KnobDuration("elbv2.eni_linger", 90*time.Second)
	if linger < 0 {
		linger = 100 * 365 * 24 * time.Hour
	} else if len(lb.enis) > 0 {
		// Clients find the interfaces by their description.
		c.change("load-balancer", arn, "interfaces-released", now, now.Add(linger), []string{"ELB app/" + lb.name + "/" + lb.id}, "ec2.DescribeNetworkInterfaces")
	}
	net := s.network(c)
	for _, eni := range lb.enis {
		net.ReleaseManagedInterface(eni.ID, now.Add(linger))
	}
	delete(s.lbs, arn)
	s.lbOrder = removeString(s.lbOrder, arn)
	return &elbv2.DeleteLoadBalancerOutput{}, nil
}

func removeString(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// --- load balancer attributes ---------------------------------------------------

func elbDefaultLBAttributes() map[string]string {
	return map[string]string{
		"access_logs.s3.enabled":                                   "false",
		"access_logs.s3.bucket":                                    "",
		"access_logs.s3.prefix":                                    "",
		"connection_logs.s3.enabled":                               "false",
		"connection_logs.s3.bucket":                                "",
		"connection_logs.s3.prefix":                                "",
		"health_check_logs.s3.enabled":                             "false",
		"health_check_logs.s3.bucket":                              "",
		"health_check_logs.s3.prefix":                              "",
		"deletion_protection.enabled":                              "false",
		"idle_timeout.timeout_seconds":                             "60",
		"client_keep_alive.seconds":                                "3600",
		"load_balancing.cross_zone.enabled":                        "true",
		"routing.http.desync_mitigation_mode":                      "defensive",
		"routing.http.drop_invalid_header_fields.enabled":          "false",
		"routing.http.preserve_host_header.enabled":                "false",
		"routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
		"routing.http.xff_client_port.enabled":                     "false",
		"routing.http.xff_header_processing.mode":                  "append",
		"routing.http2.enabled":                                    "true",
		"waf.fail_open.enabled":                                    "false",
		"zonal_shift.config.enabled":                               "false",
	}
}

func elbAttrList(m map[string]string) []elbtypes.LoadBalancerAttribute {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]elbtypes.LoadBalancerAttribute, 0, len(keys))
	for _, k := range keys {
		out = append(out, elbtypes.LoadBalancerAttribute{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func elbBool(v string) bool { return v == "true" || v == "false" }

func elbIntIn(v string, lo, hi int) bool {
	n, err := strconv.Atoi(v)
	return err == nil && n >= lo && n <= hi
}

// elbCheckLBAttribute validates one load balancer attribute as ALB does.
func elbCheckLBAttribute(k, v string) *APIError {
	bad := func(rule string) *APIError {
		return elbValidation("Load balancer attribute value '%s' is not valid for key '%s': %s", v, k, rule)
	}
	switch k {
	case "idle_timeout.timeout_seconds":
		if !elbIntIn(v, 1, 4000) {
			return bad("it must be an integer between 1 and 4000")
		}
	case "client_keep_alive.seconds":
		if !elbIntIn(v, 60, 604800) {
			return bad("it must be an integer between 60 and 604800")
		}
	case "access_logs.s3.enabled", "connection_logs.s3.enabled", "health_check_logs.s3.enabled", "deletion_protection.enabled",
		"routing.http.drop_invalid_header_fields.enabled", "routing.http.preserve_host_header.enabled",
		"routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "routing.http.xff_client_port.enabled",
		"routing.http2.enabled", "waf.fail_open.enabled", "zonal_shift.config.enabled":
		if !elbBool(v) {
			return bad("it must be 'true' or 'false'")
		}
	case "load_balancing.cross_zone.enabled":
		if v != "true" {
			return bad("cross-zone load balancing is always on for Application Load Balancers")
		}
	case "routing.http.desync_mitigation_mode":
		if v != "monitor" && v != "defensive" && v != "strictest" {
			return bad("it must be one of monitor, defensive, strictest")
		}
	case "routing.http.xff_header_processing.mode":
		if v != "append" && v != "preserve" && v != "remove" {
			return bad("it must be one of append, preserve, remove")
		}
	case "access_logs.s3.bucket", "access_logs.s3.prefix", "connection_logs.s3.bucket", "connection_logs.s3.prefix",
		"health_check_logs.s3.bucket", "health_check_logs.s3.prefix":
	default:
		return elbValidation("Load balancer attribute key '%s' is not recognized", k)
	}
	return nil
}

func (s *elbv2Service) DescribeLoadBalancerAttributes(c *Call, in *elbv2.DescribeLoadBalancerAttributesInput) (*elbv2.DescribeLoadBalancerAttributesOutput, error) {
	lb, err := s.lb(aws.ToString(in.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeLoadBalancerAttributesOutput{Attributes: elbAttrList(lb.attrs)}, nil
}

func (s *elbv2Service) ModifyLoadBalancerAttributes(c *Call, in *elbv2.ModifyLoadBalancerAttributesInput) (*elbv2.ModifyLoadBalancerAttributesOutput, error) {
	lb, err := s.lb(aws.ToString(in.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	if len(in.Attributes) == 0 {
		return nil, elbValidation("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null")
	}
	if len(in.Attributes) > 20 {
		return nil, elbValidation("1 validation error detected: Value at 'attributes' failed to satisfy constraint: Member must have length less than or equal to 20")
	}
	next := map[string]string{}
	for k, v := range lb.attrs {
		next[k] = v
	}
	for _, a := range in.Attributes {
		k, v := aws.ToString(a.Key), aws.ToString(a.Value)
		if err := elbCheckLBAttribute(k, v); err != nil {
			return nil, err
		}
		next[k] = v
	}
	for _, kind := range []string{"access_logs", "connection_logs", "health_check_logs"} {
		if next[kind+".s3.enabled"] == "true" && next[kind+".s3.bucket"] == "" {
			return nil, Errorf("InvalidConfigurationRequest", "The value of '%s.s3.bucket' cannot be empty when '%s.s3.enabled' is true", kind, kind)
		}
	}
	lb.attrs = next
	return &elbv2.ModifyLoadBalancerAttributesOutput{Attributes: elbAttrList(lb.attrs)}, nil
}

func (s *elbv2Service) SetSecurityGroups(c *Call, in *elbv2.SetSecurityGroupsInput) (*elbv2.SetSecurityGroupsOutput, error) {
	lb, err := s.lb(aws.ToString(in.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	sgs, err := s.checkSecurityGroups(c, in.SecurityGroups, lb.vpc)
	if err != nil {
		return nil, err
	}
	if len(sgs) == 0 {
		return nil, elbValidation("An Application Load Balancer must have at least one security group")
	}
	net := s.network(c)
	for _, eni := range lb.enis {
		if apiErr := net.SetManagedInterfaceGroups(eni.ID, sgs); apiErr != nil {
			return nil, apiErr
		}
	}
	lb.sgs = sgs
	return &elbv2.SetSecurityGroupsOutput{SecurityGroupIds: append([]string(nil), sgs...)}, nil
}

// --- tags -----------------------------------------------------------------------

// tagsOf finds the tags of any taggable ELB resource by ARN.
func (s *elbv2Service) tagsOf(arn string) (*map[string]string, *APIError) {
	switch {
	case elbLBARN.MatchString(arn):
		if lb := s.lbs[arn]; lb != nil {
			return &lb.tags, nil
		}
		return nil, Errorf("LoadBalancerNotFound", "Load balancer '%s' not found", arn)
	case elbTGARN.MatchString(arn):
		if tg := s.tgs[arn]; tg != nil {
			return &tg.tags, nil
		}
		return nil, Errorf("TargetGroupNotFound", "Target group '%s' not found", arn)
	case elbListenerARN.MatchString(arn):
		if l := s.listeners[arn]; l != nil {
			return &l.tags, nil
		}
		return nil, Errorf("ListenerNotFound", "Listener '%s' not found", arn)
	case elbRuleARN.MatchString(arn):
		if r := s.rules[arn]; r != nil {
			return &r.tags, nil
		}
		return nil, Errorf("RuleNotFound", "Rule '%s' not found", arn)
	}
	return nil, elbValidation("'%s' is not a valid resource ARN", arn)
}

func elbCheckARNCount(arns []string) *APIError {
	if len(arns) == 0 {
		return elbValidation("1 validation error detected: Value null at 'resourceArns' failed to satisfy constraint: Member must not be null")
	}
	if len(arns) > 20 {
		return elbValidation("1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20")
	}
	return nil
}

func (s *elbv2Service) AddTags(c *Call, in *elbv2.AddTagsInput) (*elbv2.AddTagsOutput, error) {
	if err := elbCheckARNCount(in.ResourceArns); err != nil {
		return nil, err
	}
	add, err := elbTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if len(add) == 0 {
		return nil, elbValidation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	var targets []*map[string]string
	for _, arn := range in.ResourceArns {
		tags, err := s.tagsOf(arn)
		if err != nil {
			return nil, err
		}
		merged := len(*tags)
		for k := range add {
			if _, ok := (*tags)[k]; !ok {
				merged++
			}
		}
		if merged > 50 {
			return nil, Errorf("TooManyTags", "The quota for the number of tags that can be assigned to a load balancer has been reached")
		}
		targets = append(targets, tags)
	}
	for _, tags := range targets {
		if *tags == nil {
			*tags = map[string]string{}
		}
		for k, v := range add {
			(*tags)[k] = v
		}
	}
	return &elbv2.AddTagsOutput{}, nil
}

func (s *elbv2Service) RemoveTags(c *Call, in *elbv2.RemoveTagsInput) (*elbv2.RemoveTagsOutput, error) {
	if err := elbCheckARNCount(in.ResourceArns); err != nil {
		return nil, err
	}
	var targets []*map[string]string
	for _, arn := range in.ResourceArns {
		tags, err := s.tagsOf(arn)
		if err != nil {
			return nil, err
		}
		targets = append(targets, tags)
	}
	for _, tags := range targets {
		for _, k := range in.TagKeys {
			delete(*tags, k)
		}
	}
	return &elbv2.RemoveTagsOutput{}, nil
}

func (s *elbv2Service) DescribeTags(c *Call, in *elbv2.DescribeTagsInput) (*elbv2.DescribeTagsOutput, error) {
	if err := elbCheckARNCount(in.ResourceArns); err != nil {
		return nil, err
	}
	out := &elbv2.DescribeTagsOutput{TagDescriptions: []elbtypes.TagDescription{}}
	for _, arn := range in.ResourceArns {
		tags, err := s.tagsOf(arn)
		if err != nil {
			return nil, err
		}
		out.TagDescriptions = append(out.TagDescriptions, elbtypes.TagDescription{ResourceArn: aws.String(arn), Tags: elbTagList(*tags)})
	}
	return out, nil
}

// --- lifecycle --------------------------------------------------------------------

// Tick forgets targets whose deregistration delay has passed.
func (s *elbv2Service) Tick(now time.Time) {
	for _, tg := range s.tgs {
		kept := tg.targets[:0]
		for _, t := range tg.targets {
			if !t.deregistered.IsZero() && !now.Before(t.drainUntil) {
				continue
			}
			kept = append(kept, t)
		}
		tg.targets = kept
	}
}

// Inventory lists load balancers and target groups (listeners and rules die
// with their load balancer).
func (s *elbv2Service) Inventory(now time.Time) []Resource {
	var out []Resource
	for _, arn := range s.lbOrder {
		lb := s.lbs[arn]
		out = append(out, Resource{Service: "elbv2", Region: s.region, Type: "loadbalancer", ID: arn, State: lb.state.State(now), Tags: copyTags(lb.tags)})
	}
	for _, arn := range s.tgOrder {
		tg := s.tgs[arn]
		out = append(out, Resource{Service: "elbv2", Region: s.region, Type: "targetgroup", ID: arn, Tags: copyTags(tg.tags)})
	}
	return out
}
