package deployment

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
)

// SecurityGroupState is the security groups' part of the record. An
// adopted CLI deployment has one group in every role: the same id may appear
// in two or three of these.
type SecurityGroupState struct {
	InstanceSecurityGroupID string
	EFSSecurityGroupID      string
	ALBSecurityGroupID      string
	// CloudFrontPrefixListID is the id of CloudFront's origin-facing prefix
	// list in the region, as the load balancer's rule names it ("" until a
	// tier-3 apply recorded it).
	CloudFrontPrefixListID string `json:",omitempty"`
}

func (g *SecurityGroupState) ids(add func(kind, id string)) {
	for _, id := range g.SecurityGroupIDs() {
		add("security group", id)
	}
}

// SecurityGroupIDs lists the deployment's security groups once each: the
// load balancer's, the file system's, then the instance's.
func (g *SecurityGroupState) SecurityGroupIDs() []string {
	var out []string
	for _, id := range []string{g.ALBSecurityGroupID, g.EFSSecurityGroupID, g.InstanceSecurityGroupID} {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// CloudFrontPrefixList is the AWS-managed list of CloudFront's origin-facing
// addresses; in tier 3 the load balancer admits only these.
const CloudFrontPrefixList = "com.amazonaws.global.cloudfront.origin-facing"

// ingressRule is one allowed TCP port from one source.
type ingressRule struct {
	port       int32
	cidr       string
	group      string
	prefixList string
	desc       string
	// other describes a rule the deployment never writes (port -1): its
	// protocol and port range.
	other string
}

func (r ingressRule) key() string {
	return fmt.Sprintf("%d|%s|%s|%s|%s", r.port, r.cidr, r.group, r.prefixList, r.other)
}

// describe says what a rule allows, for drift reports.
func (r ingressRule) describe() string {
	what := fmt.Sprintf("tcp/%d", r.port)
	if r.other != "" {
		what = r.other
	}
	switch {
	case r.cidr != "":
		return what + " from " + r.cidr
	case r.group != "":
		return what + " from " + r.group
	case r.prefixList == "*":
		return what + " from CloudFront's origin-facing prefix list"
	case r.prefixList != "":
		return what + " from prefix list " + r.prefixList
	}
	return what
}

func (r ingressRule) permission() ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(r.port), ToPort: aws.Int32(r.port)}
	switch {
	case r.cidr != "":
		p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.cidr), Description: aws.String(r.desc)}}
	case r.group != "":
		p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(r.group), Description: aws.String(r.desc)}}
	case r.prefixList != "":
		p.PrefixListIds = []ec2types.PrefixListId{{PrefixListId: aws.String(r.prefixList), Description: aws.String(r.desc)}}
	}
	return p
}

// originPort is the port CloudFront reaches the load balancer on: HTTPS when
// the load balancer has a custom domain its certificate covers, HTTP to the
// raw load balancer name otherwise (CloudFront cannot validate a
// certificate against *.elb.amazonaws.com).
func (s *Spec) originPort() int32 {
	if s.lbHTTPS() && s.lbDomainName() != "" {
		return 443
	}
	return 80
}

// restrictsOrigin says the load balancer admits only CloudFront (tier 3 with
// origin protection), through the origin-facing prefix list.
func (s *Spec) restrictsOrigin() bool { return s.HasCDN() && s.CDN.RestrictOrigin }

// ingressRules are the TCP ingress rules of each group, in the order the
// groups are converged. Each group gets the rules of every role it plays:
// one role each in the provider's layout; all of them for the one group of
// an adopted CLI deployment (the same id passed for several roles).
func (s *Spec) ingressRules(instanceSG, efsSG, albSG, prefixList string) (map[string][]ingressRule, []string) {
	rules := map[string][]ingressRule{}
	var order []string
	grant := func(group string, r ...ingressRule) {
		if _, ok := rules[group]; !ok {
			order = append(order, group)
		}
		rules[group] = append(rules[group], r...)
	}
	if s.HasLoadBalancer() {
		grant(albSG)
		if s.restrictsOrigin() {
			// One port only: the prefix list weighs 55 entries against the
			// group's rule quota of 60.
			grant(albSG, ingressRule{port: s.originPort(), prefixList: prefixList, desc: "CloudFront origin-facing"})
		} else {
			for _, c := range s.AllowedCIDRs {
				grant(albSG, ingressRule{port: 80, cidr: c, desc: "allowed network"})
				if s.lbHTTPS() {
					grant(albSG, ingressRule{port: 443, cidr: c, desc: "allowed network"})
				}
			}
		}
	}
	grant(instanceSG)
	if s.HasLoadBalancer() {
		grant(instanceSG, ingressRule{port: 80, group: albSG, desc: "load balancer"})
	} else {
		for _, c := range s.AllowedCIDRs {
			grant(instanceSG, ingressRule{port: 80, cidr: c, desc: "allowed network"})
		}
	}
	for _, c := range s.SSHCIDRs {
		grant(instanceSG, ingressRule{port: 22, cidr: c, desc: "SSH"})
	}
	grant(efsSG, ingressRule{port: 2049, group: instanceSG, desc: "NFS from the instance"})
	return rules, order
}

// ensureSecurityGroups creates the groups the tier needs and converges their
// ingress rules. Only NGINX on port 80 is ever opened on the instance; EFS
// admits only the instance.
func (o *op) ensureSecurityGroups(ctx context.Context) error {
	st := o.rec.get()
	vpcID := st.VPCID
	created := map[string]bool{} // groups made now: no rules to read back
	instanceSG, err := o.ensureSecurityGroup(ctx, vpcID, CompInstanceSG, st.InstanceSecurityGroupID, "GeuseMaker instance: NGINX from the load balancer or allowed networks", created)
	if err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.InstanceSecurityGroupID = instanceSG })
	efsSG, err := o.ensureSecurityGroup(ctx, vpcID, CompEFSSG, st.EFSSecurityGroupID, "GeuseMaker EFS mount targets: NFS from the instance only", created)
	if err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.EFSSecurityGroupID = efsSG })

	var albSG string
	if o.spec.HasLoadBalancer() {
		if albSG, err = o.ensureSecurityGroup(ctx, vpcID, CompALBSG, st.ALBSecurityGroupID, "GeuseMaker load balancer: HTTP(S) from allowed networks or CloudFront", created); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.ALBSecurityGroupID = albSG })
		if o.spec.restrictsOrigin() {
			pl, err := o.c.Catalog.PrefixList(ctx, o.c.EC2, CloudFrontPrefixList)
			if err != nil {
				return fmt.Errorf("finding the CloudFront origin-facing prefix list: %w", err)
			}
			o.rec.set(func(s *State) { s.CloudFrontPrefixListID = aws.ToString(pl.PrefixListId) })
		}
	}
	rules, order := o.wantedIngress(o.rec.get())
	for _, g := range order {
		if err := o.reconcileIngress(ctx, g, rules[g], created[g]); err != nil {
			return err
		}
	}
	return nil
}

// wantedIngress is the ingress rules each of the deployment's recorded
// groups should have (Spec.ingressRules), and the groups in the order to
// converge them; a group not made yet has none.
func (o *op) wantedIngress(st *State) (map[string][]ingressRule, []string) {
	rules, order := o.spec.ingressRules(st.InstanceSecurityGroupID, st.EFSSecurityGroupID, st.ALBSecurityGroupID, st.CloudFrontPrefixListID)
	delete(rules, "")
	order = slices.DeleteFunc(order, func(g string) bool { return g == "" })
	return rules, order
}

// ensureSecurityGroup returns the recorded group if it exists, else one an
// earlier attempt made and did not record, else a new one (noted in
// created).
func (o *op) ensureSecurityGroup(ctx context.Context, vpcID, component, id, description string, created map[string]bool) (string, error) {
	conn := o.c.EC2
	if id != "" {
		if _, err := tfec2.FindSecurityGroupByID(ctx, conn, id); err == nil {
			return id, nil
		} else if !retry.NotFound(err) {
			return "", err
		}
	}
	name := o.spec.securityGroupName(component)
	// A group created by an attempt that failed before recording it (none
	// when the deployment had no objects at all).
	if !o.fresh {
		if sg, err := tfec2.FindSecurityGroupByNameAndVPC(ctx, conn, name, vpcID); err == nil {
			return aws.ToString(sg.GroupId), nil
		} else if !retry.NotFound(err) {
			return "", err
		}
	}
	id, err := tfec2.CreateSecurityGroup(ctx, conn, vpcID, name, description, o.spec.tagsFor(component))
	if err == nil {
		created[id] = true
	}
	return id, err
}

// reconcileIngress makes a group's TCP ingress rules exactly want. A group
// just created has no ingress rules to read.
func (o *op) reconcileIngress(ctx context.Context, groupID string, want []ingressRule, created bool) error {
	conn := o.c.EC2
	var rules []ec2types.SecurityGroupRule
	if !created {
		var err error
		if rules, err = tfec2.FindSecurityGroupRulesByGroupID(ctx, conn, groupID); err != nil {
			return err
		}
	}
	have := map[string][]string{} // rule key → rule ids
	for _, r := range rules {
		if aws.ToBool(r.IsEgress) {
			continue
		}
		k := ingressRule{port: aws.ToInt32(r.FromPort), cidr: aws.ToString(r.CidrIpv4), prefixList: aws.ToString(r.PrefixListId)}
		if r.ReferencedGroupInfo != nil {
			k.group = aws.ToString(r.ReferencedGroupInfo.GroupId)
		}
		if aws.ToString(r.IpProtocol) != "tcp" || aws.ToInt32(r.FromPort) != aws.ToInt32(r.ToPort) {
			k.port = -1 // not a rule the deployment writes: it goes
		}
		have[k.key()] = append(have[k.key()], aws.ToString(r.SecurityGroupRuleId))
	}
	wanted := map[string]bool{}
	var add []ec2types.IpPermission
	for _, r := range want {
		if wanted[r.key()] {
			continue
		}
		wanted[r.key()] = true
		if len(have[r.key()]) == 0 {
			add = append(add, r.permission())
		}
	}
	var remove []string
	for k, ids := range have {
		if !wanted[k] {
			remove = append(remove, ids...)
		}
	}
	sort.Strings(remove)
	if len(remove) > 0 {
		if _, err := conn.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(groupID), SecurityGroupRuleIds: remove}); err != nil {
			return fmt.Errorf("removing rules from security group (%s): %w", groupID, err)
		}
	}
	if len(add) > 0 {
		if err := tfec2.AuthorizeIngress(ctx, conn, groupID, add); err != nil {
			return err
		}
	}
	return nil
}

// deleteALBSecurityGroup removes the load balancer's group, first dropping
// the instance group's rule that refers to it.
func (o *op) deleteALBSecurityGroup(ctx context.Context) error {
	st := o.rec.get()
	if st.ALBSecurityGroupID == "" {
		return nil
	}
	if st.ALBSecurityGroupID == st.InstanceSecurityGroupID || st.ALBSecurityGroupID == st.EFSSecurityGroupID {
		// An adopted CLI deployment's one group: it stays with the
		// instance (and goes with the other groups on destroy).
		o.rec.set(func(s *State) { s.ALBSecurityGroupID = "" })
		return nil
	}
	if st.InstanceSecurityGroupID != "" {
		if err := tfec2.RevokeRulesReferencing(ctx, o.c.EC2, []string{st.InstanceSecurityGroupID}, st.ALBSecurityGroupID); err != nil {
			return err
		}
	}
	if err := tfec2.DeleteSecurityGroup(ctx, o.c.EC2, st.ALBSecurityGroupID, o.remaining(ctx),
		o.blockerCheck("security group "+st.ALBSecurityGroupID, o.groupBlockers(st.ALBSecurityGroupID))); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.ALBSecurityGroupID = "" })
	return nil
}

// deleteSecurityGroups removes the EFS group (nothing refers to it), then the
// instance group, each once (an adopted CLI deployment uses one group in
// every role). Network interfaces that AWS releases late make deletes fail
// with DependencyViolation for a while; the deletes retry until the timeout.
func (o *op) deleteSecurityGroups(ctx context.Context) error {
	st := o.rec.get()
	seen := map[string]bool{"": true}
	for _, id := range []string{st.EFSSecurityGroupID, st.ALBSecurityGroupID, st.InstanceSecurityGroupID} {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := tfec2.DeleteSecurityGroup(ctx, o.c.EC2, id, o.remaining(ctx), o.blockerCheck("security group "+id, o.groupBlockers(id))); err != nil {
			return err
		}
		o.rec.set(func(s *State) {
			for _, g := range []*string{&s.EFSSecurityGroupID, &s.ALBSecurityGroupID, &s.InstanceSecurityGroupID} {
				if *g == id {
					*g = ""
				}
			}
		})
	}
	return nil
}

// refreshSecurityGroups reads every group of the deployment in one call,
// keeps them (rules included) for the other drift checks, forgets the ones
// deleted and compares the ingress rules of the others with those the
// deployment wants.
func (o *op) refreshSecurityGroups(ctx context.Context) error {
	st := o.rec.get()
	groups, err := tfec2.FindSecurityGroupsByIDs(ctx, o.c.EC2, st.SecurityGroupIDs())
	if err != nil && !gone(err) {
		return err
	}
	live := map[string]ec2types.SecurityGroup{}
	for _, g := range groups {
		live[aws.ToString(g.GroupId)] = g
	}
	if o.seen != nil {
		o.seen.securityGroups = live
	}
	o.rec.set(func(s *State) {
		for _, slot := range []*string{&s.InstanceSecurityGroupID, &s.EFSSecurityGroupID, &s.ALBSecurityGroupID} {
			if _, ok := live[*slot]; !ok {
				*slot = ""
			}
		}
	})
	want, order := o.wantedIngress(o.rec.get())
	for _, id := range order {
		if g, ok := live[id]; ok {
			o.ingressDrift(id, want[id], g)
		}
	}
	return nil
}

// ingressDrift notes the ingress rules of a group that differ from want.
func (o *op) ingressDrift(id string, want []ingressRule, g ec2types.SecurityGroup) {
	anyPrefixList := o.rec.get().CloudFrontPrefixListID == "" // not recorded yet: any list will do
	norm := func(r ingressRule) ingressRule {
		if anyPrefixList && r.prefixList != "" {
			r.prefixList = "*"
		}
		return r
	}
	wanted := map[string]ingressRule{}
	for _, r := range want {
		if anyPrefixList && r.group == "" && r.cidr == "" {
			r.prefixList = "*" // the CloudFront rule, its list's id not recorded
		}
		wanted[r.key()] = norm(r)
	}
	have := map[string]ingressRule{}
	for _, r := range permissionRules(g.IpPermissions) {
		r = norm(r)
		have[r.key()] = r
	}
	role := tagMap(g.Tags)[TagComponent]
	for _, k := range slices.Sorted(maps.Keys(wanted)) {
		if _, ok := have[k]; !ok {
			o.drifted(DriftSecurityGroups, "%s (%s): ingress %s is missing", id, role, wanted[k].describe())
		}
	}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if _, ok := wanted[k]; !ok {
			o.drifted(DriftSecurityGroups, "%s (%s): ingress %s was added outside Terraform", id, role, have[k].describe())
		}
	}
}

// permissionRules flattens a group's permissions into one rule per port and
// source; what the deployment never writes (other protocols, port ranges,
// IPv6) keeps a key of its own so it shows as added.
func permissionRules(perms []ec2types.IpPermission) []ingressRule {
	var out []ingressRule
	for _, p := range perms {
		port := aws.ToInt32(p.FromPort)
		proto := aws.ToString(p.IpProtocol)
		if proto != "tcp" || aws.ToInt32(p.FromPort) != aws.ToInt32(p.ToPort) {
			port = -1
		}
		other := ""
		if port == -1 {
			other = fmt.Sprintf("%s %d-%d", proto, aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort))
		}
		for _, r := range p.IpRanges {
			out = append(out, ingressRule{port: port, cidr: aws.ToString(r.CidrIp), other: other})
		}
		for _, r := range p.Ipv6Ranges {
			out = append(out, ingressRule{port: port, cidr: aws.ToString(r.CidrIpv6), other: other})
		}
		for _, r := range p.UserIdGroupPairs {
			out = append(out, ingressRule{port: port, group: aws.ToString(r.GroupId), other: other})
		}
		for _, r := range p.PrefixListIds {
			out = append(out, ingressRule{port: port, prefixList: aws.ToString(r.PrefixListId), other: other})
		}
	}
	return out
}

// discoverSecurityGroups finds the groups by their component tags.
func (d *discovery) discoverSecurityGroups(ctx context.Context) error {
	sgs, err := tfec2.FindSecurityGroups(ctx, d.c.EC2, tfec2.TagFilter(TagDeployment, d.spec.Name))
	if err != nil {
		return fmt.Errorf("finding the deployment's security groups: %w", err)
	}
	for i, g := range sgs {
		switch tagMap(g.Tags)[TagComponent] {
		case CompInstanceSG:
			d.st.InstanceSecurityGroupID, d.instanceSG = aws.ToString(g.GroupId), &sgs[i]
		case CompEFSSG:
			d.st.EFSSecurityGroupID = aws.ToString(g.GroupId)
		case CompALBSG:
			d.st.ALBSecurityGroupID, d.albSG = aws.ToString(g.GroupId), &sgs[i]
		}
	}
	return nil
}

// adoptSecurityGroups records the groups a create made but did not record.
func (o *op) adoptSecurityGroups(ctx context.Context) error {
	sgs, err := tfec2.FindSecurityGroups(ctx, o.c.EC2, tfec2.TagFilter(TagDeployment, o.spec.Name))
	if err != nil {
		return err
	}
	for _, g := range sgs {
		id := aws.ToString(g.GroupId)
		o.rec.set(func(s *State) {
			var slot *string
			switch tagMap(g.Tags)[TagComponent] {
			case CompInstanceSG:
				slot = &s.InstanceSecurityGroupID
			case CompEFSSG:
				slot = &s.EFSSecurityGroupID
			case CompALBSG:
				slot = &s.ALBSecurityGroupID
			}
			if slot != nil && *slot == "" {
				*slot = id
			}
		})
	}
	return nil
}

// retagSecurityGroups moves the groups' tags from old's to the spec's.
func (o *op) retagSecurityGroups(ctx context.Context, old *Spec, st *State) error {
	for comp, id := range map[string]string{CompInstanceSG: st.InstanceSecurityGroupID, CompEFSSG: st.EFSSecurityGroupID, CompALBSG: st.ALBSecurityGroupID} {
		if err := o.retagEC2(ctx, old, comp, id); err != nil {
			return err
		}
	}
	return nil
}

// observedCIDRs reads allowed_cidr_blocks and ssh_cidr_blocks back from the
// security groups: the load balancer's group in tier 2 (and tier 3 without
// origin protection), the instance's group in tier 1; SSH always from the
// instance's group.
func observedCIDRs(spec *Spec, instanceSG, albSG *ec2types.SecurityGroup) (allowed, ssh []string) {
	cidrs := func(g *ec2types.SecurityGroup, port int32) []string {
		if g == nil {
			return nil
		}
		var out []string
		for _, p := range g.IpPermissions {
			if aws.ToInt32(p.FromPort) != port {
				continue
			}
			for _, r := range p.IpRanges {
				out = appendUnique(out, aws.ToString(r.CidrIp))
			}
		}
		return out
	}
	switch {
	case !spec.HasLoadBalancer():
		allowed = cidrs(instanceSG, 80)
	case !spec.HasCDN() || !spec.CDN.RestrictOrigin:
		allowed = cidrs(albSG, 80)
	}
	return allowed, cidrs(instanceSG, 22)
}

// groupWeight is how much of the rules-per-group quota one group's inbound
// rules use, and of what.
type groupWeight struct {
	roles                                []string
	weight                               int
	prefixLists, allowed, ssh, groupRefs int
}

// ruleWeights weighs the inbound rules each group of the layout would hold:
// single is an adopted CLI deployment whose one group plays every role;
// prefixWeight is the maximum entries of CloudFront's prefix list, which a
// rule referencing it counts as.
func (s *Spec) ruleWeights(single bool, prefixWeight int) []groupWeight {
	ids := map[string]string{"instance": "instance", "file system": "efs", "load balancer": "alb"}
	if single {
		ids = map[string]string{"instance": "cli", "file system": "cli", "load balancer": "cli"}
	}
	rules, order := s.ingressRules(ids["instance"], ids["file system"], ids["load balancer"], "pl")
	var out []groupWeight
	for _, g := range order {
		w := groupWeight{}
		for _, role := range []string{"load balancer", "instance", "file system"} {
			if ids[role] == g && (role != "load balancer" || s.HasLoadBalancer()) {
				w.roles = append(w.roles, role)
			}
		}
		seen := map[string]bool{}
		for _, r := range rules[g] {
			if seen[r.key()] {
				continue
			}
			seen[r.key()] = true
			switch {
			case r.prefixList != "":
				w.prefixLists++
				w.weight += prefixWeight
			case r.group != "":
				w.groupRefs++
				w.weight++
			case r.port == 22:
				w.ssh++
				w.weight++
			default:
				w.allowed++
				w.weight++
			}
		}
		out = append(out, w)
	}
	return out
}
