package awsemu

// EC2 emulation (EC2 query protocol), split over several files:
//
//	ec2.go                 service state, registration, filters, ids, Tick, Inventory
//	ec2_network.go         availability zones, VPCs, subnets, internet gateways, route tables, prefix lists
//	ec2_securitygroups.go  security groups and their rules
//	ec2_eni.go             network interfaces and the crossservice Network contract
//	ec2_tags.go            CreateTags / DeleteTags / DescribeTags and tag validation
//	ec2_instancetypes.go   the DescribeInstanceTypes table
//	ec2_images.go          DescribeImages (fixtures) and key pairs
//	ec2_instances.go       RunInstances and the instance lifecycle, volumes
//	ec2_metadata.go        ModifyInstanceMetadataOptions and the metadata tag key rules
//	ec2_quotas.go          vCPU and VPC quotas (registered in the quota table)
//	ec2_spot.go            Spot prices, Spot launches and requests, interruptions, placement scores
//	ec2_console.go         GetConsoleOutput: the simulated boot of GeuseMaker user data
//
// There is no default VPC: every VPC, subnet and security group is created by
// the caller, so calls that would fall back to the default VPC fail as they do
// in an account whose default VPC was deleted.
//
// Knobs (all durations on the virtual clock; "never" keeps the earlier state):
//
//	ec2.vpc_pending            VPC pending → available               (default 1s)
//	ec2.instance_pending       pending → running                     (default 20s CPU, 45s GPU types)
//	ec2.stop_duration          stopping → stopped                    (default 30s)
//	ec2.terminate_duration     shutting-down → terminated            (default 45s)
//	ec2.terminated_retention   terminated instances stay visible     (default 1h)
//	ec2.boot_duration          boot script run time after running    (default 4m CPU, 6m GPU)
//	ec2.console_delay          no console Output before this much running time (default 20s)
//	ec2.status_checks          DescribeInstanceStatus reports initializing this long (default 2m)
//	ec2.boot_failure           "<step>": the boot script fails at that step
//	ec2.gpu_health             "failed": nvidia-smi reports an error on GPU 0
//	ec2.insufficient_capacity  <type|family|*>@<zone|*>[,...]: RunInstances and StartInstances
//	                           of on-demand instances fail there with InsufficientInstanceCapacity
//	                           (HTTP 500), persistently; a bare type applies to every zone
//	ec2.unoffered              <type|family>@<zone|region>[,...]: zones that do not offer the type
//	ec2.spot_price             <type|family|*>@<zone|*>=<usd>[,...]: the Spot price there
//	ec2.spot_capacity          none@<zone|*> or none:<type|family>@<zone|*>[,...]: no Spot capacity
//	quota.<QuotaCode>          a quota's value (ec2_quotas.go lists the EC2 and VPC ones)

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ec2Service is the state of one region.
type ec2Service struct {
	e      *Emulator
	region string
	seq    int

	vpcs      map[string]*ec2VPC
	subnets   map[string]*ec2Subnet
	igws      map[string]*ec2IGW
	rtbs      map[string]*ec2RouteTable
	sgs       map[string]*ec2SG
	enis      map[string]*ec2ENI
	keyPairs  map[string]*ec2KeyPair // by name
	instances map[string]*ec2Instance
	volumes   map[string]*ec2Volume
	tokens    map[string]*ec2RunToken // RunInstances ClientToken
	publicIPs map[string]bool

	spotRequests map[string]*ec2SpotRequest
}

func init() {
	Register(ServiceInfo{
		Name:         "ec2",
		SigningName:  "ec2",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/ec2",
		XMLNamespace: "http://ec2.amazonaws.com/doc/2016-11-15/",
		ThrottleCode: "RequestLimitExceeded",
	}, newEC2)
}

func newEC2(e *Emulator, region string) *ec2Service {
	return &ec2Service{
		e: e, region: region,
		vpcs: map[string]*ec2VPC{}, subnets: map[string]*ec2Subnet{}, igws: map[string]*ec2IGW{},
		rtbs: map[string]*ec2RouteTable{}, sgs: map[string]*ec2SG{}, enis: map[string]*ec2ENI{},
		keyPairs: map[string]*ec2KeyPair{}, instances: map[string]*ec2Instance{}, volumes: map[string]*ec2Volume{},
		tokens: map[string]*ec2RunToken{}, publicIPs: map[string]bool{}, spotRequests: map[string]*ec2SpotRequest{},
	}
}

func (s *ec2Service) nextSeq() int {
	s.seq++
	return s.seq
}

// Tick finishes what the clock has made true: terminated instances release
// their interfaces and volumes, and are purged after the retention period;
// released managed interfaces disappear.
func (s *ec2Service) Tick(now time.Time) {
	for _, id := range sortedKeys(s.instances) {
		inst := s.instances[id]
		if inst.tl.State(now) != "terminated" {
			continue
		}
		if !inst.cleaned {
			s.cleanupTerminated(inst)
		}
		if !now.Before(inst.tl.Final().At.Add(s.e.KnobDuration("ec2.terminated_retention", time.Hour))) {
			delete(s.instances, id)
		}
	}
	for _, id := range sortedKeys(s.enis) {
		n := s.enis[id]
		if !n.releaseAt.IsZero() && !now.Before(n.releaseAt) {
			s.deleteENI(n)
		}
	}
	for _, id := range sortedKeys(s.tokens) {
		if _, ok := s.instances[s.tokens[id].instanceIDs[0]]; !ok {
			delete(s.tokens, id)
		}
	}
	s.tickSpot(now)
}

// Inventory lists the live user-created resources of the region.
func (s *ec2Service) Inventory(now time.Time) []Resource {
	s.Tick(now)
	var out []Resource
	add := func(typ, id, state string, tags map[string]string) {
		out = append(out, Resource{Service: "ec2", Region: s.region, Type: typ, ID: id, State: state, Tags: copyTags(tags)})
	}
	for _, v := range sortedBySeq(s.vpcs) {
		add("vpc", v.id, v.state(s, now), v.tags)
	}
	for _, v := range sortedBySeq(s.subnets) {
		add("subnet", v.id, "available", v.tags)
	}
	for _, v := range sortedBySeq(s.igws) {
		add("internet-gateway", v.id, "", v.tags)
	}
	for _, v := range sortedBySeq(s.rtbs) {
		if !v.main {
			add("route-table", v.id, "", v.tags)
		}
	}
	for _, v := range sortedBySeq(s.sgs) {
		if v.name != "default" {
			add("security-group", v.id, "", v.tags)
		}
	}
	for _, v := range sortedBySeq(s.enis) {
		add("network-interface", v.id, string(v.status()), v.tags)
	}
	for _, v := range sortedBySeq(s.keyPairs) {
		add("key-pair", v.id, "", v.tags)
	}
	for _, v := range sortedBySeq(s.instances) {
		if st := v.tl.State(now); st != "terminated" {
			add("instance", v.id, st, v.tags)
		}
	}
	for _, v := range sortedBySeq(s.volumes) {
		add("volume", v.id, v.state(s), v.tags)
	}
	for _, v := range sortedBySeq(s.spotRequests) {
		if state, _, _ := v.view(now); state == "active" || state == "open" {
			add("spot-instance-request", v.id, state, v.tags)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// helpers shared by the EC2 files

type seqd interface{ order() int }

func sortedBySeq[T seqd](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].order() < out[j].order() })
	return out
}

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func copyTags(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// filterSpec maps a filter name to the values a resource has for it.
type filterSpec[T any] map[string]func(T) []string

// applyFilters keeps the items every filter matches (values are ORed within
// a filter, filters are ANDed), with EC2's wildcards. tag:Key, tag-key and
// tag-value are understood when tagsOf is given; other names must be in spec.
func applyFilters[T any](items []T, filters []types.Filter, spec filterSpec[T], tagsOf func(T) map[string]string) ([]T, error) {
	for _, f := range filters {
		name := aws.ToString(f.Name)
		if tagsOf != nil && (strings.HasPrefix(name, "tag:") || name == "tag-key" || name == "tag-value") {
			continue
		}
		if _, ok := spec[name]; !ok {
			return nil, Errorf("InvalidParameterValue", "The filter '%s' is invalid", name)
		}
	}
	var out []T
	for _, it := range items {
		ok := true
		for _, f := range filters {
			name := aws.ToString(f.Name)
			switch {
			case tagsOf != nil && (strings.HasPrefix(name, "tag:") || name == "tag-key"):
				ok = MatchTags(tagsOf(it), name, f.Values)
			case tagsOf != nil && name == "tag-value":
				ok = false
				for _, v := range tagsOf(it) {
					if matchAny(v, f.Values) {
						ok = true
					}
				}
			default:
				ok = false
				for _, v := range spec[name](it) {
					if matchAny(v, f.Values) {
						ok = true
						break
					}
				}
			}
			if !ok {
				break
			}
		}
		if ok {
			out = append(out, it)
		}
	}
	return out, nil
}

func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func boolStr(b bool) []string {
	if b {
		return []string{"true"}
	}
	return []string{"false"}
}

var ec2IDPattern = regexp.MustCompile(`^[a-z]+-[0-9a-f]{8}([0-9a-f]{9})?$`)

// malformed reports whether id is not shaped like an EC2 id with the prefix.
func malformed(id, prefix string) bool {
	return !strings.HasPrefix(id, prefix+"-") || !ec2IDPattern.MatchString(id)
}

func malformedErr(code, id, prefix string) *APIError {
	return Errorf(code, "Invalid id: \"%s\" (expecting \"%s-...\")", id, prefix)
}

// notFoundIDs is the error for ids that do not exist, in the singular or
// plural form AWS uses ("The vpc ID 'vpc-1' does not exist").
func notFoundIDs(code, noun string, ids []string) *APIError {
	if len(ids) == 1 {
		return Errorf(code, "The %s ID '%s' does not exist", noun, ids[0])
	}
	return Errorf(code, "The %s IDs '%s' do not exist", noun, strings.Join(ids, ", "))
}

// pickByIDs returns the resources named by ids (all of them when ids is
// empty), failing with NotFound for unknown ids.
func pickByIDs[T seqd](m map[string]T, ids []string, prefix, malformedCode, notFoundCode, noun string) ([]T, error) {
	if len(ids) == 0 {
		return sortedBySeq(m), nil
	}
	var missing []string
	var out []T
	seen := map[string]bool{}
	for _, id := range ids {
		if malformed(id, prefix) {
			return nil, malformedErr(malformedCode, id, prefix)
		}
		v, ok := m[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, v)
		}
	}
	if len(missing) > 0 {
		return nil, notFoundIDs(notFoundCode, noun, missing)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].order() < out[j].order() })
	return out, nil
}

// paginateEC2 validates MaxResults against [min, max] and pages items;
// idsParam names the id list the caller also gave ("" when none), which AWS
// refuses to combine with MaxResults.
func paginateEC2[T any](items []T, token *string, maxResults *int32, min, max int32, idsParam string) ([]T, *string, error) {
	if maxResults == nil {
		page, next, err := Paginate(items, token, 0, 0)
		if err != nil {
			return nil, nil, err
		}
		return page, next, nil
	}
	if idsParam != "" {
		return nil, nil, Errorf("InvalidParameterCombination", "The parameter %s cannot be used with the parameter maxResults", idsParam)
	}
	if *maxResults < min || *maxResults > max {
		return nil, nil, Errorf("InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", *maxResults, min, max)
	}
	page, next, err := Paginate(items, token, *maxResults, 0)
	if err != nil {
		return nil, nil, err
	}
	return page, next, nil
}

func missingParam(name string) *APIError {
	return Errorf("MissingParameter", "The request must contain the parameter %s", name)
}

func dependencyViolation(format string, args ...any) *APIError {
	return Errorf("DependencyViolation", format, args...)
}

func ec2ARN(region, kind, id string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:%s/%s", region, AccountID, kind, id)
}
