package awsemu

// Read-only accessors the data plane uses to look at other services' state
// (CloudFront, ELBv2, EC2, SSM, ACM). They are kept in this one file so
// that a change to a service's structs is fixed in one place. Every function
// here runs with the emulator lock held and never creates a service
// instance that does not exist yet.

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

// existing returns the instances of a service that exist, by region.
func existing[T any](e *Emulator, name string) []T {
	keys := make([]string, 0, len(e.instances))
	for k := range e.instances {
		if strings.HasPrefix(k, name+"/") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var out []T
	for _, k := range keys {
		if t, ok := e.instances[k].(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// --- CloudFront -------------------------------------------------------------------

func (dp *dataPlane) cloudFront() *cloudfrontService {
	if cf := existing[*cloudfrontService](dp.e, "cloudfront"); len(cf) > 0 {
		return cf[0]
	}
	return nil
}

// cfDist is what the edge needs to know about a distribution.
type cfDist struct {
	id, domain string
	config     *cftypes.DistributionConfig
	deployed   bool // has finished at least one rollout
	certNames  []string
}

func (dp *dataPlane) cfView(d *cfDistribution, now time.Time) *cfDist {
	out := &cfDist{id: d.id, domain: d.domain, config: d.config}
	for _, p := range d.status.phases {
		if p.State == "Deployed" && !p.At.After(now) {
			out.deployed = true
		}
	}
	if d.certARN != "" {
		out.certNames, _ = dp.certificateNames("us-east-1", d.certARN)
	}
	return out
}

// cfDistributions lists the distributions that exist (not deleted).
func (dp *dataPlane) cfDistributions(now time.Time) []*cfDist {
	cf := dp.cloudFront()
	if cf == nil {
		return nil
	}
	var out []*cfDist
	for _, id := range cf.order {
		if d := cf.dists[id]; d != nil && !d.deleted {
			out = append(out, dp.cfView(d, now))
		}
	}
	return out
}

// --- ACM --------------------------------------------------------------------------

// certificateNames returns the domain names of an issued ACM certificate.
func (dp *dataPlane) certificateNames(region, arn string) ([]string, bool) {
	for _, a := range existing[*acmService](dp.e, "acm") {
		if a.region != region {
			continue
		}
		info, ok := a.CertificateInfo(arn)
		if !ok || info.Status != "ISSUED" {
			return nil, false
		}
		// ACM lists the domain among the SANs too.
		names := []string{info.Domain}
		for _, n := range info.SANs {
			if !strings.EqualFold(n, info.Domain) {
				names = append(names, n)
			}
		}
		return names, true
	}
	return nil, false
}

// --- ELBv2 ------------------------------------------------------------------------

type albView struct {
	elb *elbv2Service
	lb  *elbLoadBalancer
}

// albByDNSName finds a load balancer by its DNS name, whatever its state.
func (dp *dataPlane) albByDNSName(host string) (albView, bool) {
	for _, s := range existing[*elbv2Service](dp.e, "elbv2") {
		for _, arn := range s.lbOrder {
			if lb := s.lbs[arn]; lb != nil && strings.EqualFold(lb.dns, host) {
				return albView{elb: s, lb: lb}, true
			}
		}
	}
	return albView{}, false
}

// albsWithCertificateFor lists active load balancers with an HTTPS listener
// whose certificate covers host.
func (dp *dataPlane) albsWithCertificateFor(host string, now time.Time) []albView {
	var out []albView
	for _, s := range existing[*elbv2Service](dp.e, "elbv2") {
		for _, arn := range s.lbOrder {
			lb := s.lbs[arn]
			if lb == nil || lb.state.State(now) != "active" {
				continue
			}
			for _, la := range s.listenerOrder {
				l := s.listeners[la]
				if l == nil || l.lbARN != lb.arn || l.protocol != elbtypes.ProtocolEnumHttps {
					continue
				}
				if names, ok := dp.certificateNames(s.region, l.certARN); ok && namesCover(names, host) {
					out = append(out, albView{elb: s, lb: lb})
					break
				}
			}
		}
	}
	return out
}

func (a albView) state(now time.Time) string { return a.lb.state.State(now) }

func (a albView) listenerOn(port int) *elbListener {
	for _, arn := range a.elb.listenerOrder {
		if l := a.elb.listeners[arn]; l != nil && l.lbARN == a.lb.arn && int(l.port) == port {
			return l
		}
	}
	return nil
}

func (a albView) listenerCertNames(dp *dataPlane, l *elbListener) []string {
	names, _ := dp.certificateNames(a.elb.region, l.certARN)
	return names
}

// rules returns a listener's rules by priority, the default rule last.
func (a albView) rules(l *elbListener) []*elbRule { return a.elb.listenerRules(l.arn) }

func (a albView) idleTimeout() time.Duration {
	n := 60
	if v, ok := a.lb.attrs["idle_timeout.timeout_seconds"]; ok {
		if x, err := strconv.Atoi(v); err == nil {
			n = x
		}
	}
	return time.Duration(n) * time.Second
}

// albTarget is a registered target and whether the load balancer routes to it.
type albTarget struct {
	id      string
	port    int
	healthy bool
	state   string
}

func (a albView) targetGroup(arn string) *elbTargetGroup { return a.elb.tgs[arn] }

func (a albView) targets(tg *elbTargetGroup, now time.Time) []albTarget {
	c := &Call{Emu: a.elb.e, Service: "elbv2", Region: a.elb.region, now: now}
	var out []albTarget
	for _, t := range tg.targets {
		h := a.elb.health(c, tg, t, now)
		out = append(out, albTarget{id: t.id, port: int(t.port), healthy: h.State == elbtypes.TargetHealthStateEnumHealthy, state: string(h.State)})
	}
	return out
}

func (a albView) ec2() *ec2Service {
	for _, s := range existing[*ec2Service](a.elb.e, "ec2") {
		if s.region == a.elb.region {
			return s
		}
	}
	return nil
}

// nodes are the load balancer's network interfaces: the sources of its
// requests to targets.
func (a albView) nodes() []InterfaceView { return a.lb.enis }

// --- EC2 --------------------------------------------------------------------------

type instView struct {
	ec2  *ec2Service
	inst *ec2Instance
}

// instanceByPublicIP finds the instance a public address is mapped to.
func (dp *dataPlane) instanceByPublicIP(ip string, now time.Time) (instView, bool) {
	for _, s := range existing[*ec2Service](dp.e, "ec2") {
		for _, id := range sortedKeys(s.instances) {
			inst := s.instances[id]
			if inst.publicIPAt(now) == ip && ip != "" {
				return instView{ec2: s, inst: inst}, true
			}
		}
	}
	return instView{}, false
}

// instanceByPublicDNS finds the instance whose public DNS name is host.
func (dp *dataPlane) instanceByPublicDNS(host string, now time.Time) (instView, bool) {
	for _, s := range existing[*ec2Service](dp.e, "ec2") {
		for _, id := range sortedKeys(s.instances) {
			inst := s.instances[id]
			ip := inst.publicIPAt(now)
			if ip != "" && strings.EqualFold(s.publicDNS(inst.vpcID, ip), host) {
				return instView{ec2: s, inst: inst}, true
			}
		}
	}
	return instView{}, false
}

func (dp *dataPlane) instanceByID(s *ec2Service, id string) (instView, bool) {
	if s == nil {
		return instView{}, false
	}
	inst, ok := s.instances[id]
	return instView{ec2: s, inst: inst}, ok
}

func (v instView) info(now time.Time) InstanceView {
	info, _ := v.ec2.InstanceInfo(v.inst.id, now)
	return info
}

// manifestLine is the raw manifest comment line of the user data.
func (v instView) manifestLine() string {
	for _, line := range strings.Split(decodeScript(v.inst.userData), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), bootmarker.ManifestPrefix); ok {
			return rest
		}
	}
	return ""
}

// --- security groups and routes -----------------------------------------------------

// sgAdmits reports whether any of groups has an ingress (or egress) rule
// for TCP port that matches peer: its address, the groups of its network
// interface, or a managed prefix list containing its address.
func sgAdmits(s *ec2Service, groups []string, egress bool, peer netip.Addr, peerGroups []string, port int) bool {
	for _, id := range groups {
		g := s.sgs[id]
		if g == nil {
			continue
		}
		for _, r := range g.rules {
			if r.egress != egress {
				continue
			}
			switch r.proto {
			case "-1":
			case "tcp", "6":
				if port < int(r.from) || port > int(r.to) {
					continue
				}
			default:
				continue
			}
			switch {
			case r.cidr != "":
				if p, err := netip.ParsePrefix(r.cidr); err == nil && p.Contains(peer) {
					return true
				}
			case r.group != "":
				for _, pg := range peerGroups {
					if pg == r.group {
						return true
					}
				}
			case r.prefix != "":
				if pl, ok := s.prefixList(r.prefix); ok {
					for _, c := range pl.CIDRs {
						if p, err := netip.ParsePrefix(c); err == nil && p.Contains(peer) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

// subnetRoutesToInternet reports whether traffic between the subnet and an
// address outside the VPC is routed through an internet gateway attached to
// the VPC (the subnet's route table, or the VPC's main one).
func subnetRoutesToInternet(s *ec2Service, subnetID string, peer netip.Addr) bool {
	sn := s.subnets[subnetID]
	if sn == nil {
		return false
	}
	var table *ec2RouteTable
	for _, id := range sortedKeys(s.rtbs) {
		rt := s.rtbs[id]
		for _, a := range rt.assocs {
			if a.subnetID == subnetID {
				table = rt
			}
		}
	}
	if table == nil {
		for _, id := range sortedKeys(s.rtbs) {
			if rt := s.rtbs[id]; rt.vpcID == sn.vpcID && rt.main {
				table = rt
			}
		}
	}
	if table == nil {
		return false
	}
	for _, r := range table.routes {
		p, err := netip.ParsePrefix(r.dest)
		if err != nil || !p.Contains(peer) || !strings.HasPrefix(r.gateway, "igw-") {
			continue
		}
		if g, ok := s.igws[r.gateway]; ok && g.vpcID == sn.vpcID {
			return true
		}
	}
	return false
}

// --- SSM --------------------------------------------------------------------------

// ssmValue returns the current value of a user parameter in a region.
func (dp *dataPlane) ssmValue(region, name string) (string, bool) {
	for _, s := range existing[*ssmService](dp.e, "ssm") {
		if s.region != region {
			continue
		}
		p := s.params[name]
		if p == nil || len(p.versions) == 0 {
			return "", false
		}
		v := p.versions[len(p.versions)-1].value
		return v, v != ""
	}
	return "", false
}
