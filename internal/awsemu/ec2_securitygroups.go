package awsemu

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

type ec2SG struct {
	id, name, desc, vpcID string
	seq                   int
	rules                 []*sgRule
	tags                  map[string]string
}

func (v *ec2SG) order() int { return v.seq }

// sgRule is one security group rule: one protocol/port range and one source
// (or destination), as AWS stores them since rules have ids.
type sgRule struct {
	id       string
	egress   bool
	proto    string // "-1", "tcp", "udp", "icmp", "icmpv6" or a protocol number
	from, to int32  // -1 when the protocol has no ports
	cidr     string
	cidr6    string
	group    string
	prefix   string
	desc     string
	tags     map[string]string
}

func (r *sgRule) sameAs(o *sgRule) bool {
	return r.egress == o.egress && r.proto == o.proto && r.from == o.from && r.to == o.to &&
		r.cidr == o.cidr && r.cidr6 == o.cidr6 && r.group == o.group && r.prefix == o.prefix
}

func (r *sgRule) peer() string {
	switch {
	case r.cidr != "":
		return r.cidr
	case r.cidr6 != "":
		return r.cidr6
	case r.group != "":
		return r.group
	}
	return r.prefix
}

// describe renders a rule the way AWS quotes it in InvalidPermission errors.
func (r *sgRule) describe() string {
	proto := strings.ToUpper(r.proto)
	if r.proto == "-1" {
		return fmt.Sprintf("peer: %s, ALL, ALLOW", r.peer())
	}
	switch r.proto {
	case "tcp", "udp":
		return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", r.peer(), proto, r.from, r.to)
	case "icmp", "icmpv6":
		return fmt.Sprintf("peer: %s, %s, type: %d, code: %d, ALLOW", r.peer(), proto, r.from, r.to)
	}
	return fmt.Sprintf("peer: %s, %s, ALLOW", r.peer(), proto)
}

func sgNotFound(id string) error {
	return Errorf("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
}

func noDefaultVPCGroupName() error {
	return Errorf("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
}

// group resolves a security group id (GroupName needs a default VPC, which
// this account does not have).
func (s *ec2Service) group(id, name string) (*ec2SG, error) {
	if id == "" {
		if name != "" {
			return nil, noDefaultVPCGroupName()
		}
		return nil, missingParam("groupId")
	}
	if malformed(id, "sg") {
		return nil, malformedErr("InvalidGroupId.Malformed", id, "sg")
	}
	g, ok := s.sgs[id]
	if !ok {
		return nil, sgNotFound(id)
	}
	return g, nil
}

func (s *ec2Service) sgARN(id string) string { return ec2ARN(s.region, "security-group", id) }

// Characters EC2 accepts in a VPC security group's name and description,
// and in a rule's description (which does not allow &).
var (
	sgTextPattern   = regexp.MustCompile(`^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$`)
	ruleDescPattern = regexp.MustCompile(`^[a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]*$`)
)

// checkGroupsPerInterface applies the quota on security groups per network
// interface.
func (s *ec2Service) checkGroupsPerInterface(groups []string) error {
	distinct := map[string]bool{}
	for _, g := range groups {
		distinct[g] = true
	}
	if float64(len(distinct)) > s.e.Quota(quotaGroupsPerInterface) {
		return Errorf("SecurityGroupsPerInterfaceLimitExceeded", "The maximum number of security groups per interface has been reached.")
	}
	return nil
}

func (s *ec2Service) CreateSecurityGroup(c *Call, in *ec2.CreateSecurityGroupInput) (*ec2.CreateSecurityGroupOutput, error) {
	name, desc := aws.ToString(in.GroupName), aws.ToString(in.Description)
	if name == "" {
		return nil, missingParam("groupName")
	}
	if desc == "" {
		return nil, missingParam("groupDescription")
	}
	if len(name) > 255 {
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter groupName is invalid. Length exceeds maximum of 255", name)
	}
	if len(desc) > 255 {
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter GroupDescription is invalid. Length exceeds maximum of 255", desc)
	}
	if strings.HasPrefix(strings.ToLower(name), "sg-") {
		return nil, Errorf("InvalidParameterValue", "Group names may not be in the format sg-*")
	}
	if !sgTextPattern.MatchString(name) {
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter GroupName is invalid. Valid characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*", name)
	}
	if !sgTextPattern.MatchString(desc) {
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter GroupDescription is invalid. Valid characters are a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*", desc)
	}
	vpcID := aws.ToString(in.VpcId)
	if vpcID == "" {
		return nil, Errorf("VPCIdNotSpecified", "No default VPC for this user")
	}
	v, err := s.vpc(vpcID)
	if err != nil {
		return nil, err
	}
	for _, g := range s.sgs {
		if g.vpcID == v.id && g.name == name {
			return nil, Errorf("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, v.id)
		}
	}
	if err := s.countLimit(quotaSecurityGroups, len(s.sgs), "SecurityGroupLimitExceeded", "security groups"); err != nil {
		return nil, err
	}
	tags, err := tagsForCreate(in.TagSpecifications, types.ResourceTypeSecurityGroup)
	if err != nil {
		return nil, err
	}
	g := &ec2SG{id: c.Emu.ID("sg"), name: name, desc: desc, vpcID: v.id, seq: s.nextSeq(), tags: tags}
	g.rules = []*sgRule{{id: c.Emu.ID("sgr"), egress: true, proto: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"}}
	s.sgs[g.id] = g
	return &ec2.CreateSecurityGroupOutput{GroupId: aws.String(g.id), SecurityGroupArn: aws.String(s.sgARN(g.id)), Tags: ec2Tags(tags)}, nil
}

func (s *ec2Service) DeleteSecurityGroup(c *Call, in *ec2.DeleteSecurityGroupInput) (*ec2.DeleteSecurityGroupOutput, error) {
	g, err := s.group(aws.ToString(in.GroupId), aws.ToString(in.GroupName))
	if err != nil {
		return nil, err
	}
	if g.name == "default" {
		return nil, Errorf("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", g.id)
	}
	s.Tick(c.Now())
	for _, n := range s.enis {
		for _, id := range n.groups {
			if id == g.id {
				return nil, dependencyViolation("resource %s has a dependent object", g.id)
			}
		}
	}
	for _, o := range s.sgs {
		if o.id == g.id {
			continue
		}
		for _, r := range o.rules {
			if r.group == g.id {
				return nil, dependencyViolation("resource %s has a dependent object", g.id)
			}
		}
	}
	delete(s.sgs, g.id)
	return &ec2.DeleteSecurityGroupOutput{GroupId: aws.String(g.id), Return: aws.Bool(true)}, nil
}

// permissions groups a direction's rules into IpPermissions the way
// DescribeSecurityGroups does: one permission per protocol and port range.
func (s *ec2Service) permissions(g *ec2SG, egress bool) []types.IpPermission {
	out := []types.IpPermission{}
	index := map[string]int{}
	for _, r := range g.rules {
		if r.egress != egress {
			continue
		}
		key := fmt.Sprintf("%s/%d/%d", r.proto, r.from, r.to)
		i, ok := index[key]
		if !ok {
			p := types.IpPermission{IpProtocol: aws.String(r.proto), IpRanges: []types.IpRange{}, Ipv6Ranges: []types.Ipv6Range{},
				PrefixListIds: []types.PrefixListId{}, UserIdGroupPairs: []types.UserIdGroupPair{}}
			if r.proto != "-1" && hasPorts(r.proto) {
				p.FromPort, p.ToPort = aws.Int32(r.from), aws.Int32(r.to)
			}
			out = append(out, p)
			i = len(out) - 1
			index[key] = i
		}
		p := &out[i]
		desc := optString(r.desc)
		switch {
		case r.cidr != "":
			p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(r.cidr), Description: desc})
		case r.cidr6 != "":
			p.Ipv6Ranges = append(p.Ipv6Ranges, types.Ipv6Range{CidrIpv6: aws.String(r.cidr6), Description: desc})
		case r.group != "":
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, types.UserIdGroupPair{GroupId: aws.String(r.group), UserId: aws.String(AccountID), Description: desc})
		case r.prefix != "":
			p.PrefixListIds = append(p.PrefixListIds, types.PrefixListId{PrefixListId: aws.String(r.prefix), Description: desc})
		}
	}
	return out
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func hasPorts(proto string) bool {
	switch proto {
	case "tcp", "udp", "icmp", "icmpv6":
		return true
	}
	return false
}

func (s *ec2Service) sgView(g *ec2SG) types.SecurityGroup {
	return types.SecurityGroup{
		GroupId: aws.String(g.id), GroupName: aws.String(g.name), Description: aws.String(g.desc), VpcId: aws.String(g.vpcID),
		OwnerId: aws.String(AccountID), SecurityGroupArn: aws.String(s.sgARN(g.id)), Tags: ec2Tags(g.tags),
		IpPermissions: s.permissions(g, false), IpPermissionsEgress: s.permissions(g, true),
	}
}

func (s *ec2Service) DescribeSecurityGroups(c *Call, in *ec2.DescribeSecurityGroupsInput) (*ec2.DescribeSecurityGroupsOutput, error) {
	if len(in.GroupNames) > 0 {
		return nil, Errorf("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
	}
	var items []*ec2SG
	if len(in.GroupIds) == 0 {
		items = sortedBySeq(s.sgs)
	} else {
		seen := map[string]bool{}
		for _, id := range in.GroupIds {
			if malformed(id, "sg") {
				return nil, malformedErr("InvalidGroupId.Malformed", id, "sg")
			}
			g, ok := s.sgs[id]
			if !ok {
				return nil, sgNotFound(id)
			}
			if !seen[id] {
				seen[id] = true
				items = append(items, g)
			}
		}
	}
	spec := filterSpec[*ec2SG]{
		"group-id":    func(g *ec2SG) []string { return one(g.id) },
		"group-name":  func(g *ec2SG) []string { return one(g.name) },
		"vpc-id":      func(g *ec2SG) []string { return one(g.vpcID) },
		"description": func(g *ec2SG) []string { return one(g.desc) },
		"owner-id":    func(g *ec2SG) []string { return one(AccountID) },
		"ip-permission.group-id": func(g *ec2SG) []string {
			var out []string
			for _, r := range g.rules {
				if !r.egress && r.group != "" {
					out = append(out, r.group)
				}
			}
			return out
		},
		"ip-permission.cidr": func(g *ec2SG) []string {
			var out []string
			for _, r := range g.rules {
				if !r.egress && r.cidr != "" {
					out = append(out, r.cidr)
				}
			}
			return out
		},
		"egress.ip-permission.group-id": func(g *ec2SG) []string {
			var out []string
			for _, r := range g.rules {
				if r.egress && r.group != "" {
					out = append(out, r.group)
				}
			}
			return out
		},
	}
	items, err := applyFilters(items, in.Filters, spec, func(g *ec2SG) map[string]string { return g.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 1000, idsParam("groupIds", in.GroupIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSecurityGroupsOutput{NextToken: next, SecurityGroups: []types.SecurityGroup{}}
	for _, g := range page {
		out.SecurityGroups = append(out.SecurityGroups, s.sgView(g))
	}
	return out, nil
}

// normalizeProtocol maps the protocol names and numbers AWS accepts to the
// form it stores.
func normalizeProtocol(p string) (string, error) {
	switch strings.ToLower(p) {
	case "":
		return "", Errorf("InvalidParameterValue", "Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly.")
	case "-1", "all":
		return "-1", nil
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case "icmpv6", "58":
		return "icmpv6", nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 255 {
		return "", Errorf("InvalidParameterValue", "Invalid value '%s' for IP protocol. Unknown protocol.", p)
	}
	return strconv.Itoa(n), nil
}

// expandPermissions turns IpPermissions (and the legacy top-level fields)
// into validated single-source rules of group g.
func (s *ec2Service) expandPermissions(g *ec2SG, egress bool, perms []types.IpPermission) ([]*sgRule, error) {
	var out []*sgRule
	for _, p := range perms {
		proto, err := normalizeProtocol(aws.ToString(p.IpProtocol))
		if err != nil {
			return nil, err
		}
		from, to := int32(-1), int32(-1)
		switch proto {
		case "tcp", "udp":
			if p.FromPort == nil || p.ToPort == nil {
				return nil, Errorf("InvalidParameterValue", "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
			}
			from, to = *p.FromPort, *p.ToPort
			if from < 0 || to > 65535 || from > to {
				return nil, Errorf("InvalidParameterValue", "Invalid TCP/UDP port range %d-%d", from, to)
			}
		case "icmp", "icmpv6":
			if p.FromPort != nil {
				from = *p.FromPort
			}
			if p.ToPort != nil {
				to = *p.ToPort
			}
			if from < -1 || from > 255 || to < -1 || to > 255 {
				return nil, Errorf("InvalidParameterValue", "Invalid ICMP type or code %d/%d", from, to)
			}
		}
		base := sgRule{egress: egress, proto: proto, from: from, to: to}
		descs := []string{}
		for _, r := range p.IpRanges {
			descs = append(descs, aws.ToString(r.Description))
		}
		for _, r := range p.Ipv6Ranges {
			descs = append(descs, aws.ToString(r.Description))
		}
		for _, r := range p.UserIdGroupPairs {
			descs = append(descs, aws.ToString(r.Description))
		}
		for _, r := range p.PrefixListIds {
			descs = append(descs, aws.ToString(r.Description))
		}
		for _, d := range descs {
			if len(d) > 255 || !ruleDescPattern.MatchString(d) {
				return nil, Errorf("InvalidParameterValue", "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=;{}!$*")
			}
		}
		n := 0
		for _, r := range p.IpRanges {
			cidr := aws.ToString(r.CidrIp)
			pfx, err := netip.ParsePrefix(cidr)
			if err != nil || !pfx.Addr().Is4() || pfx.Masked() != pfx {
				return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter cidrIp is invalid. This is not a valid CIDR block.", cidr)
			}
			rule := base
			rule.cidr, rule.desc = pfx.String(), aws.ToString(r.Description)
			out = append(out, &rule)
			n++
		}
		for _, r := range p.Ipv6Ranges {
			cidr := aws.ToString(r.CidrIpv6)
			pfx, err := netip.ParsePrefix(cidr)
			if err != nil || !pfx.Addr().Is6() || pfx.Masked() != pfx {
				return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter cidrIpv6 is invalid. This is not a valid IPv6 CIDR block.", cidr)
			}
			rule := base
			rule.cidr6, rule.desc = pfx.String(), aws.ToString(r.Description)
			out = append(out, &rule)
			n++
		}
		for _, pair := range p.UserIdGroupPairs {
			id := aws.ToString(pair.GroupId)
			if id == "" {
				if aws.ToString(pair.GroupName) == "" {
					return nil, missingParam("groupId")
				}
				for _, o := range sortedBySeq(s.sgs) {
					if o.vpcID == g.vpcID && o.name == aws.ToString(pair.GroupName) {
						id = o.id
					}
				}
				if id == "" {
					return nil, Errorf("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", aws.ToString(pair.GroupName), g.vpcID)
				}
			}
			if malformed(id, "sg") {
				return nil, malformedErr("InvalidGroupId.Malformed", id, "sg")
			}
			ref, ok := s.sgs[id]
			if !ok {
				return nil, sgNotFound(id)
			}
			if ref.vpcID != g.vpcID {
				return nil, Errorf("InvalidGroup.NotFound", "You have specified two resources that belong to different networks.")
			}
			rule := base
			rule.group, rule.desc = ref.id, aws.ToString(pair.Description)
			out = append(out, &rule)
			n++
		}
		for _, pl := range p.PrefixListIds {
			id := aws.ToString(pl.PrefixListId)
			if _, ok := s.prefixList(id); !ok {
				return nil, Errorf("InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist", id)
			}
			rule := base
			rule.prefix, rule.desc = id, aws.ToString(pl.Description)
			out = append(out, &rule)
			n++
		}
		if n == 0 {
			return nil, Errorf("InvalidParameterValue", "The request must contain at least one of IpRanges, Ipv6Ranges, UserIdGroupPairs or PrefixListIds for each IpPermission")
		}
	}
	return out, nil
}

// ruleWeights counts a direction's rules against the rules-per-group quota
// the way AWS does: separately for IPv4 and IPv6, a rule that references a
// security group once in each, and a rule that references a prefix list by
// the list's maximum number of entries (55 for CloudFront's origin-facing
// list), not by the one line it takes.
func (s *ec2Service) ruleWeights(rules []*sgRule, egress bool) (v4, v6 int) {
	for _, r := range rules {
		if r.egress != egress {
			continue
		}
		switch {
		case r.cidr != "":
			v4++
		case r.cidr6 != "":
			v6++
		case r.group != "":
			v4++
			v6++
		case r.prefix != "":
			w := 1
			if pl, ok := s.prefixList(r.prefix); ok {
				w = int(pl.MaxEntries)
			}
			v4 += w
		}
	}
	return v4, v6
}

// checkRuleQuota fails when adding rules to a direction of g would exceed
// the quota on inbound or outbound rules per security group.
func (s *ec2Service) checkRuleQuota(g *ec2SG, egress bool, added []*sgRule) error {
	v4, v6 := s.ruleWeights(append(append([]*sgRule(nil), g.rules...), added...), egress)
	if limit := s.e.Quota(quotaRulesPerGroup); float64(v4) > limit || float64(v6) > limit {
		return Errorf("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
	}
	return nil
}

// legacyPermission folds the pre-IpPermissions request fields into one.
func legacyPermission(cidr, proto *string, from, to *int32) []types.IpPermission {
	if cidr == nil && proto == nil && from == nil && to == nil {
		return nil
	}
	p := types.IpPermission{IpProtocol: proto, FromPort: from, ToPort: to}
	if cidr != nil {
		p.IpRanges = []types.IpRange{{CidrIp: cidr}}
	}
	return []types.IpPermission{p}
}

func (s *ec2Service) ruleView(g *ec2SG, r *sgRule) types.SecurityGroupRule {
	out := types.SecurityGroupRule{
		SecurityGroupRuleId: aws.String(r.id), GroupId: aws.String(g.id), GroupOwnerId: aws.String(AccountID),
		IsEgress: aws.Bool(r.egress), IpProtocol: aws.String(r.proto), FromPort: aws.Int32(r.from), ToPort: aws.Int32(r.to),
		Description:          optString(r.desc),
		SecurityGroupRuleArn: aws.String(ec2ARN(s.region, "security-group-rule", r.id)), Tags: ec2Tags(r.tags),
	}
	if !hasPorts(r.proto) {
		out.FromPort, out.ToPort = aws.Int32(-1), aws.Int32(-1)
	}
	switch {
	case r.cidr != "":
		out.CidrIpv4 = aws.String(r.cidr)
	case r.cidr6 != "":
		out.CidrIpv6 = aws.String(r.cidr6)
	case r.group != "":
		out.ReferencedGroupInfo = &types.ReferencedSecurityGroup{GroupId: aws.String(r.group), UserId: aws.String(AccountID)}
	case r.prefix != "":
		out.PrefixListId = aws.String(r.prefix)
	}
	return out
}

func (s *ec2Service) authorize(c *Call, g *ec2SG, egress bool, perms []types.IpPermission, specs []types.TagSpecification) ([]types.SecurityGroupRule, error) {
	if len(perms) == 0 {
		return nil, missingParam("ipPermissions")
	}
	tagsBy, err := tagsByType(specs, types.ResourceTypeSecurityGroupRule)
	if err != nil {
		return nil, err
	}
	rules, err := s.expandPermissions(g, egress, perms)
	if err != nil {
		return nil, err
	}
	for i, r := range rules {
		for _, o := range g.rules {
			if o.sameAs(r) {
				return nil, Errorf("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", r.describe())
			}
		}
		for _, o := range rules[:i] {
			if o.sameAs(r) {
				return nil, Errorf("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", r.describe())
			}
		}
	}
	if err := s.checkRuleQuota(g, egress, rules); err != nil {
		return nil, err
	}
	out := []types.SecurityGroupRule{}
	for _, r := range rules {
		r.id = c.Emu.ID("sgr")
		r.tags = copyTags(tagsBy[types.ResourceTypeSecurityGroupRule])
		g.rules = append(g.rules, r)
		out = append(out, s.ruleView(g, r))
	}
	return out, nil
}

func (s *ec2Service) AuthorizeSecurityGroupIngress(c *Call, in *ec2.AuthorizeSecurityGroupIngressInput) (*ec2.AuthorizeSecurityGroupIngressOutput, error) {
	g, err := s.group(aws.ToString(in.GroupId), aws.ToString(in.GroupName))
	if err != nil {
		return nil, err
	}
	if in.SourceSecurityGroupName != nil {
		return nil, noDefaultVPCGroupName()
	}
	perms := append(legacyPermission(in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort), in.IpPermissions...)
	rules, err := s.authorize(c, g, false, perms, in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	return &ec2.AuthorizeSecurityGroupIngressOutput{Return: aws.Bool(true), SecurityGroupRules: rules}, nil
}

func (s *ec2Service) AuthorizeSecurityGroupEgress(c *Call, in *ec2.AuthorizeSecurityGroupEgressInput) (*ec2.AuthorizeSecurityGroupEgressOutput, error) {
	g, err := s.group(aws.ToString(in.GroupId), "")
	if err != nil {
		return nil, err
	}
	perms := append(legacyPermission(in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort), in.IpPermissions...)
	rules, err := s.authorize(c, g, true, perms, in.TagSpecifications)
	if err != nil {
		return nil, err
	}
	return &ec2.AuthorizeSecurityGroupEgressOutput{Return: aws.Bool(true), SecurityGroupRules: rules}, nil
}

// revoke removes rules named by id or by properties. In a non-default VPC
// (every VPC here) a rule that does not match exactly fails the whole call
// with InvalidPermission.NotFound and nothing is revoked.
func (s *ec2Service) revoke(g *ec2SG, egress bool, perms []types.IpPermission, ruleIDs []string) ([]types.RevokedSecurityGroupRule, error) {
	if len(perms) > 0 && len(ruleIDs) > 0 {
		return nil, Errorf("InvalidParameterCombination", "The parameter 'SecurityGroupRuleIds' may not be used in combination with 'IpPermissions'")
	}
	if len(perms) == 0 && len(ruleIDs) == 0 {
		return nil, Errorf("MissingParameter", "Either 'ipPermissions' or 'securityGroupRuleIds' should be provided.")
	}
	var victims []*sgRule
	if len(ruleIDs) > 0 {
		for _, id := range ruleIDs {
			if malformed(id, "sgr") {
				return nil, Errorf("InvalidSecurityGroupRuleId.Malformed", "The security group rule ID '%s' is malformed", id)
			}
			var found *sgRule
			for _, r := range g.rules {
				if r.id == id && r.egress == egress {
					found = r
				}
			}
			if found == nil {
				return nil, Errorf("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
			}
			victims = append(victims, found)
		}
	} else {
		wanted, err := s.expandPermissions(g, egress, perms)
		if err != nil {
			return nil, err
		}
		for _, w := range wanted {
			var found *sgRule
			for _, r := range g.rules {
				if r.sameAs(w) {
					found = r
				}
			}
			if found == nil {
				return nil, Errorf("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
			}
			victims = append(victims, found)
		}
	}
	out := []types.RevokedSecurityGroupRule{}
	drop := map[*sgRule]bool{}
	for _, r := range victims {
		if drop[r] {
			continue
		}
		drop[r] = true
		rv := types.RevokedSecurityGroupRule{SecurityGroupRuleId: aws.String(r.id), GroupId: aws.String(g.id), IsEgress: aws.Bool(r.egress),
			IpProtocol: aws.String(r.proto), FromPort: aws.Int32(r.from), ToPort: aws.Int32(r.to), Description: optString(r.desc),
			CidrIpv4: optString(r.cidr), CidrIpv6: optString(r.cidr6), ReferencedGroupId: optString(r.group), PrefixListId: optString(r.prefix)}
		out = append(out, rv)
	}
	kept := g.rules[:0]
	for _, r := range g.rules {
		if !drop[r] {
			kept = append(kept, r)
		}
	}
	g.rules = kept
	return out, nil
}

func (s *ec2Service) RevokeSecurityGroupIngress(c *Call, in *ec2.RevokeSecurityGroupIngressInput) (*ec2.RevokeSecurityGroupIngressOutput, error) {
	g, err := s.group(aws.ToString(in.GroupId), aws.ToString(in.GroupName))
	if err != nil {
		return nil, err
	}
	perms := append(legacyPermission(in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort), in.IpPermissions...)
	revoked, err := s.revoke(g, false, perms, in.SecurityGroupRuleIds)
	if err != nil {
		return nil, err
	}
	return &ec2.RevokeSecurityGroupIngressOutput{Return: aws.Bool(true), RevokedSecurityGroupRules: revoked}, nil
}

func (s *ec2Service) RevokeSecurityGroupEgress(c *Call, in *ec2.RevokeSecurityGroupEgressInput) (*ec2.RevokeSecurityGroupEgressOutput, error) {
	g, err := s.group(aws.ToString(in.GroupId), "")
	if err != nil {
		return nil, err
	}
	perms := append(legacyPermission(in.CidrIp, in.IpProtocol, in.FromPort, in.ToPort), in.IpPermissions...)
	revoked, err := s.revoke(g, true, perms, in.SecurityGroupRuleIds)
	if err != nil {
		return nil, err
	}
	return &ec2.RevokeSecurityGroupEgressOutput{Return: aws.Bool(true), RevokedSecurityGroupRules: revoked}, nil
}

type ruleRow struct {
	g *ec2SG
	r *sgRule
}

func (s *ec2Service) DescribeSecurityGroupRules(c *Call, in *ec2.DescribeSecurityGroupRulesInput) (*ec2.DescribeSecurityGroupRulesOutput, error) {
	var rows []ruleRow
	for _, g := range sortedBySeq(s.sgs) {
		for _, r := range g.rules {
			rows = append(rows, ruleRow{g, r})
		}
	}
	if len(in.SecurityGroupRuleIds) > 0 {
		byID := map[string]ruleRow{}
		for _, row := range rows {
			byID[row.r.id] = row
		}
		rows = nil
		for _, id := range in.SecurityGroupRuleIds {
			row, ok := byID[id]
			if !ok {
				return nil, Errorf("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
			}
			rows = append(rows, row)
		}
	}
	spec := filterSpec[ruleRow]{
		"group-id":               func(r ruleRow) []string { return one(r.g.id) },
		"security-group-rule-id": func(r ruleRow) []string { return one(r.r.id) },
	}
	rows, err := applyFilters(rows, in.Filters, spec, func(r ruleRow) map[string]string { return r.r.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(rows, in.NextToken, in.MaxResults, 5, 1000, "")
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSecurityGroupRulesOutput{NextToken: next, SecurityGroupRules: []types.SecurityGroupRule{}}
	for _, row := range page {
		out.SecurityGroupRules = append(out.SecurityGroupRules, s.ruleView(row.g, row.r))
	}
	return out, nil
}
