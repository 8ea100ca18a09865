package awsemu

import (
	"net/netip"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ---------------------------------------------------------------------------
// Availability zones

func (s *ec2Service) DescribeAvailabilityZones(c *Call, in *ec2.DescribeAvailabilityZonesInput) (*ec2.DescribeAvailabilityZonesOutput, error) {
	zones := ZonesOf(s.region)
	byName := map[string]AZ{}
	byID := map[string]AZ{}
	for _, z := range zones {
		byName[z.Name], byID[z.ID] = z, z
	}
	var picked []AZ
	if len(in.ZoneNames) > 0 || len(in.ZoneIds) > 0 {
		for _, n := range in.ZoneNames {
			z, ok := byName[n]
			if !ok {
				return nil, Errorf("InvalidParameterValue", "The zone '%s' does not exist in region %s.", n, s.region)
			}
			picked = append(picked, z)
		}
		for _, n := range in.ZoneIds {
			z, ok := byID[n]
			if !ok {
				return nil, Errorf("InvalidParameterValue", "The zone ID '%s' does not exist in region %s.", n, s.region)
			}
			picked = append(picked, z)
		}
	} else {
		picked = zones
	}
	spec := filterSpec[AZ]{
		"zone-name":            func(z AZ) []string { return one(z.Name) },
		"zone-id":              func(z AZ) []string { return one(z.ID) },
		"state":                func(AZ) []string { return one("available") },
		"zone-type":            func(AZ) []string { return one("availability-zone") },
		"region-name":          func(AZ) []string { return one(s.region) },
		"group-name":           func(AZ) []string { return one(s.region) },
		"opt-in-status":        func(AZ) []string { return one("opt-in-not-required") },
		"network-border-group": func(AZ) []string { return one(s.region) },
	}
	picked, err := applyFilters(picked, in.Filters, spec, nil)
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeAvailabilityZonesOutput{}
	for _, z := range picked {
		out.AvailabilityZones = append(out.AvailabilityZones, types.AvailabilityZone{
			ZoneName: aws.String(z.Name), ZoneId: aws.String(z.ID), RegionName: aws.String(s.region),
			State: types.AvailabilityZoneStateAvailable, ZoneType: aws.String("availability-zone"),
			OptInStatus: types.AvailabilityZoneOptInStatusOptInNotRequired, GroupName: aws.String(s.region),
			NetworkBorderGroup: aws.String(s.region), Messages: []types.AvailabilityZoneMessage{},
		})
	}
	return out, nil
}

// zoneByNameOrID resolves a zone of the region.
func (s *ec2Service) zoneByNameOrID(name, id string) (AZ, bool) {
	for _, z := range ZonesOf(s.region) {
		if (name != "" && z.Name == name) || (name == "" && id != "" && z.ID == id) {
			if name != "" && id != "" && z.ID != id {
				return AZ{}, false
			}
			return z, true
		}
	}
	return AZ{}, false
}

func (s *ec2Service) zoneNames() string {
	var names []string
	for _, z := range ZonesOf(s.region) {
		names = append(names, z.Name)
	}
	return strings.Join(names, ", ")
}

// ---------------------------------------------------------------------------
// CIDR helpers

func parseCIDR(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, false
	}
	return p, true
}

func prefixContains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

func prefixSize(p netip.Prefix) int {
	return 1 << (32 - p.Bits())
}

func invalidCIDR(param, value string) *APIError {
	return Errorf("InvalidParameterValue", "Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", value, param)
}

// ---------------------------------------------------------------------------
// VPCs

type ec2VPC struct {
	id, cidr, assocID, dhcp string
	seq                     int
	created                 time.Time
	dnsSupport, dnsHostname bool
	mainRTB, defaultSG      string
	tags                    map[string]string
}

func (v *ec2VPC) order() int { return v.seq }

func (v *ec2VPC) state(s *ec2Service, now time.Time) string {
	if d := s.e.KnobDuration("ec2.vpc_pending", time.Second); d < 0 || now.Before(v.created.Add(d)) {
		return "pending"
	}
	return "available"
}

func (s *ec2Service) vpcView(v *ec2VPC, now time.Time) types.Vpc {
	return types.Vpc{
		VpcId: aws.String(v.id), CidrBlock: aws.String(v.cidr), State: types.VpcState(v.state(s, now)),
		DhcpOptionsId: aws.String(v.dhcp), InstanceTenancy: types.TenancyDefault, IsDefault: aws.Bool(false),
		OwnerId: aws.String(AccountID), Tags: ec2Tags(v.tags),
		CidrBlockAssociationSet: []types.VpcCidrBlockAssociation{{
			AssociationId: aws.String(v.assocID), CidrBlock: aws.String(v.cidr),
			CidrBlockState: &types.VpcCidrBlockState{State: types.VpcCidrBlockStateCodeAssociated},
		}},
		BlockPublicAccessStates: &types.BlockPublicAccessStates{InternetGatewayBlockMode: types.BlockPublicAccessModeOff},
	}
}

// ec2Lookup finds an object by id with EC2's checks in their order: a
// missing parameter, a malformed id, then an unknown one, each with its code
// (codeStem + ".Malformed" or ".NotFound").
func ec2Lookup[T any](items map[string]*T, id, param, prefix, codeStem, kind string) (*T, error) {
	if id == "" {
		return nil, missingParam(param)
	}
	if malformed(id, prefix) {
		return nil, malformedErr(codeStem+".Malformed", id, prefix)
	}
	v, ok := items[id]
	if !ok {
		return nil, notFoundIDs(codeStem+".NotFound", kind, []string{id})
	}
	return v, nil
}

func (s *ec2Service) vpc(id string) (*ec2VPC, error) {
	return ec2Lookup(s.vpcs, id, "vpcId", "vpc", "InvalidVpcID", "vpc")
}

func (s *ec2Service) CreateVpc(c *Call, in *ec2.CreateVpcInput) (*ec2.CreateVpcOutput, error) {
	cidr := aws.ToString(in.CidrBlock)
	if cidr == "" {
		return nil, missingParam("cidrBlock")
	}
	p, ok := parseCIDR(cidr)
	if !ok {
		return nil, invalidCIDR("cidrBlock", cidr)
	}
	if p.Bits() < 16 || p.Bits() > 28 {
		return nil, Errorf("InvalidVpc.Range", "The CIDR '%s' is invalid.", cidr)
	}
	tags, err := tagsForCreate(in.TagSpecifications, types.ResourceTypeVpc)
	if err != nil {
		return nil, err
	}
	if err := s.countLimit(quotaVPCs, len(s.vpcs), "VpcLimitExceeded", "VPCs"); err != nil {
		return nil, err
	}
	now := c.Now()
	v := &ec2VPC{
		id: c.Emu.ID("vpc"), cidr: p.String(), seq: s.nextSeq(), created: now, dnsSupport: true,
		dhcp: c.Emu.ID("dopt"), tags: tags,
	}
	v.assocID = c.Emu.ID("vpc-cidr-assoc")
	s.vpcs[v.id] = v
	// The main route table, with its main association and the local route.
	rt := &ec2RouteTable{id: c.Emu.ID("rtb"), vpcID: v.id, main: true, seq: s.nextSeq(), tags: map[string]string{}}
	rt.routes = []*ec2Route{{dest: v.cidr, gateway: "local", origin: types.RouteOriginCreateRouteTable}}
	rt.assocs = []*ec2RTAssoc{{id: c.Emu.ID("rtbassoc"), main: true}}
	s.rtbs[rt.id] = rt
	v.mainRTB = rt.id
	// The default security group: all traffic from itself, all traffic out.
	sg := &ec2SG{id: c.Emu.ID("sg"), name: "default", desc: "default VPC security group", vpcID: v.id, seq: s.nextSeq(), tags: map[string]string{}}
	sg.rules = []*sgRule{
		{id: c.Emu.ID("sgr"), proto: "-1", from: -1, to: -1, group: sg.id},
		{id: c.Emu.ID("sgr"), egress: true, proto: "-1", from: -1, to: -1, cidr: "0.0.0.0/0"},
	}
	s.sgs[sg.id] = sg
	v.defaultSG = sg.id
	view := s.vpcView(v, now)
	view.State = types.VpcStatePending
	if d := s.e.KnobDuration("ec2.vpc_pending", time.Second); d >= 0 {
		c.change("vpc", v.id, "available", now, now.Add(d), nil, "ec2.DescribeVpcs")
	}
	return &ec2.CreateVpcOutput{Vpc: &view}, nil
}

func (s *ec2Service) DescribeVpcs(c *Call, in *ec2.DescribeVpcsInput) (*ec2.DescribeVpcsOutput, error) {
	items, err := pickByIDs(s.vpcs, in.VpcIds, "vpc", "InvalidVpcID.Malformed", "InvalidVpcID.NotFound", "vpc")
	if err != nil {
		return nil, err
	}
	now := c.Now()
	spec := filterSpec[*ec2VPC]{
		"vpc-id":                                func(v *ec2VPC) []string { return one(v.id) },
		"cidr":                                  func(v *ec2VPC) []string { return one(v.cidr) },
		"cidr-block-association.cidr-block":     func(v *ec2VPC) []string { return one(v.cidr) },
		"cidr-block-association.state":          func(v *ec2VPC) []string { return one("associated") },
		"cidr-block-association.association-id": func(v *ec2VPC) []string { return one(v.assocID) },
		"state":                                 func(v *ec2VPC) []string { return one(v.state(s, now)) },
		"is-default":                            func(v *ec2VPC) []string { return boolStr(false) },
		"owner-id":                              func(v *ec2VPC) []string { return one(AccountID) },
		"dhcp-options-id":                       func(v *ec2VPC) []string { return one(v.dhcp) },
	}
	items, err = applyFilters(items, in.Filters, spec, func(v *ec2VPC) map[string]string { return v.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 1000, idsParam("vpcIds", in.VpcIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcsOutput{NextToken: next, Vpcs: []types.Vpc{}}
	for _, v := range page {
		out.Vpcs = append(out.Vpcs, s.vpcView(v, now))
	}
	return out, nil
}

func idsParam(name string, ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return name
}

func (s *ec2Service) DeleteVpc(c *Call, in *ec2.DeleteVpcInput) (*ec2.DeleteVpcOutput, error) {
	v, err := s.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	s.Tick(c.Now())
	blocked := false
	for _, sn := range s.subnets {
		blocked = blocked || sn.vpcID == v.id
	}
	for _, g := range s.igws {
		blocked = blocked || g.vpcID == v.id
	}
	for _, g := range s.sgs {
		blocked = blocked || (g.vpcID == v.id && g.id != v.defaultSG)
	}
	for _, rt := range s.rtbs {
		blocked = blocked || (rt.vpcID == v.id && rt.id != v.mainRTB)
	}
	for _, n := range s.enis {
		blocked = blocked || n.vpcID == v.id
	}
	if blocked {
		return nil, dependencyViolation("The vpc '%s' has dependencies and cannot be deleted.", v.id)
	}
	delete(s.rtbs, v.mainRTB)
	delete(s.sgs, v.defaultSG)
	delete(s.vpcs, v.id)
	return &ec2.DeleteVpcOutput{}, nil
}

func (s *ec2Service) ModifyVpcAttribute(c *Call, in *ec2.ModifyVpcAttributeInput) (*ec2.ModifyVpcAttributeOutput, error) {
	v, err := s.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	var set []string
	if in.EnableDnsSupport != nil {
		set = append(set, "enableDnsSupport")
	}
	if in.EnableDnsHostnames != nil {
		set = append(set, "enableDnsHostnames")
	}
	if in.EnableNetworkAddressUsageMetrics != nil {
		set = append(set, "enableNetworkAddressUsageMetrics")
	}
	switch len(set) {
	case 0:
		return nil, Errorf("InvalidParameterCombination", "No attributes specified.")
	case 1:
	default:
		return nil, Errorf("InvalidParameterCombination", "Fields for multiple attribute types specified: %s", strings.Join(set, ", "))
	}
	if in.EnableDnsSupport != nil {
		v.dnsSupport = aws.ToBool(in.EnableDnsSupport.Value)
	}
	if in.EnableDnsHostnames != nil {
		v.dnsHostname = aws.ToBool(in.EnableDnsHostnames.Value)
	}
	return &ec2.ModifyVpcAttributeOutput{}, nil
}

func (s *ec2Service) DescribeVpcAttribute(c *Call, in *ec2.DescribeVpcAttributeInput) (*ec2.DescribeVpcAttributeOutput, error) {
	v, err := s.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVpcAttributeOutput{VpcId: aws.String(v.id)}
	switch in.Attribute {
	case types.VpcAttributeNameEnableDnsSupport:
		out.EnableDnsSupport = &types.AttributeBooleanValue{Value: aws.Bool(v.dnsSupport)}
	case types.VpcAttributeNameEnableDnsHostnames:
		out.EnableDnsHostnames = &types.AttributeBooleanValue{Value: aws.Bool(v.dnsHostname)}
	case types.VpcAttributeNameEnableNetworkAddressUsageMetrics:
		out.EnableNetworkAddressUsageMetrics = &types.AttributeBooleanValue{Value: aws.Bool(false)}
	case "":
		return nil, missingParam("attribute")
	default:
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Unknown attribute.", in.Attribute)
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Subnets

type ec2Subnet struct {
	id, vpcID, cidr, az, azID string
	prefix                    netip.Prefix
	mapPublic                 bool
	seq                       int
	tags                      map[string]string
	used                      map[netip.Addr]bool
}

func (v *ec2Subnet) order() int { return v.seq }

// allocIP takes the next free address, skipping the four reserved at the
// start of the range and the broadcast address at its end.
func (v *ec2Subnet) allocIP(want string) (string, *APIError) {
	first := v.prefix.Addr()
	n := prefixSize(v.prefix)
	if want != "" {
		a, err := netip.ParseAddr(want)
		if err != nil || !a.Is4() {
			return "", Errorf("InvalidParameterValue", "Value (%s) for parameter privateIpAddress is invalid. Invalid IP address.", want)
		}
		idx := addrOffset(first, a)
		if !v.prefix.Contains(a) || idx < 4 || idx >= n-1 {
			return "", Errorf("InvalidParameterValue", "Address %s does not fall within the subnet's address range", want)
		}
		if v.used[a] {
			return "", Errorf("InvalidIPAddress.InUse", "Address %s is in use.", want)
		}
		v.used[a] = true
		return a.String(), nil
	}
	a := first
	for i := 0; i < n-1; i++ {
		if i >= 4 && !v.used[a] {
			v.used[a] = true
			return a.String(), nil
		}
		a = a.Next()
	}
	return "", Errorf("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", v.id)
}

func (v *ec2Subnet) freeIP(ip string) {
	if a, err := netip.ParseAddr(ip); err == nil {
		delete(v.used, a)
	}
}

func addrOffset(base, a netip.Addr) int {
	b, x := base.As4(), a.As4()
	return int(uint32(x[0])<<24|uint32(x[1])<<16|uint32(x[2])<<8|uint32(x[3])) - int(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]))
}

func (s *ec2Service) subnetView(v *ec2Subnet) types.Subnet {
	return types.Subnet{
		SubnetId: aws.String(v.id), VpcId: aws.String(v.vpcID), CidrBlock: aws.String(v.cidr),
		AvailabilityZone: aws.String(v.az), AvailabilityZoneId: aws.String(v.azID),
		AvailableIpAddressCount: aws.Int32(int32(prefixSize(v.prefix) - 5 - len(v.used))),
		MapPublicIpOnLaunch:     aws.Bool(v.mapPublic), DefaultForAz: aws.Bool(false), State: types.SubnetStateAvailable,
		OwnerId: aws.String(AccountID), SubnetArn: aws.String(ec2ARN(s.region, "subnet", v.id)), Tags: ec2Tags(v.tags),
		AssignIpv6AddressOnCreation: aws.Bool(false), MapCustomerOwnedIpOnLaunch: aws.Bool(false),
		EnableDns64: aws.Bool(false), Ipv6Native: aws.Bool(false),
		PrivateDnsNameOptionsOnLaunch: &types.PrivateDnsNameOptionsOnLaunch{HostnameType: types.HostnameTypeIpName,
			EnableResourceNameDnsARecord: aws.Bool(false), EnableResourceNameDnsAAAARecord: aws.Bool(false)},
	}
}

func (s *ec2Service) subnet(id string) (*ec2Subnet, error) {
	return ec2Lookup(s.subnets, id, "subnetId", "subnet", "InvalidSubnetID", "subnet")
}

func (s *ec2Service) CreateSubnet(c *Call, in *ec2.CreateSubnetInput) (*ec2.CreateSubnetOutput, error) {
	v, err := s.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	cidr := aws.ToString(in.CidrBlock)
	if cidr == "" {
		return nil, missingParam("cidrBlock")
	}
	p, ok := parseCIDR(cidr)
	if !ok {
		return nil, invalidCIDR("cidrBlock", cidr)
	}
	vp, _ := parseCIDR(v.cidr)
	if p.Bits() < 16 || p.Bits() > 28 || !prefixContains(vp, p) {
		return nil, Errorf("InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
	}
	inVPC := 0
	for _, o := range sortedBySeq(s.subnets) {
		if o.vpcID == v.id && o.prefix.Overlaps(p) {
			return nil, Errorf("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
		}
		if o.vpcID == v.id {
			inVPC++
		}
	}
	if err := s.countLimit(quotaSubnetsPerVPC, inVPC, "SubnetLimitExceeded", "subnets"); err != nil {
		return nil, err
	}
	zname, zid := aws.ToString(in.AvailabilityZone), aws.ToString(in.AvailabilityZoneId)
	var z AZ
	if zname == "" && zid == "" {
		z = ZonesOf(s.region)[0]
	} else if z, ok = s.zoneByNameOrID(zname, zid); !ok {
		param, val := "availabilityZone", zname
		if zname == "" {
			param, val = "availabilityZoneId", zid
		}
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter %s is invalid. Subnets can currently only be created in the following availability zones: %s.", val, param, s.zoneNames())
	}
	tags, err := tagsForCreate(in.TagSpecifications, types.ResourceTypeSubnet)
	if err != nil {
		return nil, err
	}
	sn := &ec2Subnet{id: c.Emu.ID("subnet"), vpcID: v.id, cidr: p.String(), prefix: p, az: z.Name, azID: z.ID,
		seq: s.nextSeq(), tags: tags, used: map[netip.Addr]bool{}}
	s.subnets[sn.id] = sn
	view := s.subnetView(sn)
	return &ec2.CreateSubnetOutput{Subnet: &view}, nil
}

func (s *ec2Service) DescribeSubnets(c *Call, in *ec2.DescribeSubnetsInput) (*ec2.DescribeSubnetsOutput, error) {
	items, err := pickByIDs(s.subnets, in.SubnetIds, "subnet", "InvalidSubnetID.Malformed", "InvalidSubnetID.NotFound", "subnet")
	if err != nil {
		return nil, err
	}
	cidr := func(v *ec2Subnet) []string { return one(v.cidr) }
	spec := filterSpec[*ec2Subnet]{
		"vpc-id":                  func(v *ec2Subnet) []string { return one(v.vpcID) },
		"subnet-id":               func(v *ec2Subnet) []string { return one(v.id) },
		"availability-zone":       func(v *ec2Subnet) []string { return one(v.az) },
		"availability-zone-id":    func(v *ec2Subnet) []string { return one(v.azID) },
		"cidr-block":              cidr,
		"cidr":                    cidr,
		"cidrBlock":               cidr,
		"map-public-ip-on-launch": func(v *ec2Subnet) []string { return boolStr(v.mapPublic) },
		"default-for-az":          func(v *ec2Subnet) []string { return boolStr(false) },
		"state":                   func(v *ec2Subnet) []string { return one("available") },
		"owner-id":                func(v *ec2Subnet) []string { return one(AccountID) },
		"subnet-arn":              func(v *ec2Subnet) []string { return one(ec2ARN(s.region, "subnet", v.id)) },
	}
	items, err = applyFilters(items, in.Filters, spec, func(v *ec2Subnet) map[string]string { return v.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 1000, idsParam("subnetIds", in.SubnetIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSubnetsOutput{NextToken: next, Subnets: []types.Subnet{}}
	for _, v := range page {
		out.Subnets = append(out.Subnets, s.subnetView(v))
	}
	return out, nil
}

func (s *ec2Service) ModifySubnetAttribute(c *Call, in *ec2.ModifySubnetAttributeInput) (*ec2.ModifySubnetAttributeOutput, error) {
	v, err := s.subnet(aws.ToString(in.SubnetId))
	if err != nil {
		return nil, err
	}
	if in.MapPublicIpOnLaunch != nil {
		v.mapPublic = aws.ToBool(in.MapPublicIpOnLaunch.Value)
	}
	return &ec2.ModifySubnetAttributeOutput{}, nil
}

func (s *ec2Service) DeleteSubnet(c *Call, in *ec2.DeleteSubnetInput) (*ec2.DeleteSubnetOutput, error) {
	v, err := s.subnet(aws.ToString(in.SubnetId))
	if err != nil {
		return nil, err
	}
	s.Tick(c.Now())
	for _, n := range s.enis {
		if n.subnetID == v.id {
			return nil, dependencyViolation("The subnet '%s' has dependencies and cannot be deleted.", v.id)
		}
	}
	for _, rt := range s.rtbs {
		kept := rt.assocs[:0]
		for _, a := range rt.assocs {
			if a.subnetID != v.id {
				kept = append(kept, a)
			}
		}
		rt.assocs = kept
	}
	delete(s.subnets, v.id)
	return &ec2.DeleteSubnetOutput{}, nil
}

// ---------------------------------------------------------------------------
// Internet gateways

type ec2IGW struct {
	id, vpcID string
	seq       int
	tags      map[string]string
}

func (v *ec2IGW) order() int { return v.seq }

func (s *ec2Service) igwView(v *ec2IGW) types.InternetGateway {
	out := types.InternetGateway{InternetGatewayId: aws.String(v.id), OwnerId: aws.String(AccountID), Tags: ec2Tags(v.tags),
		Attachments: []types.InternetGatewayAttachment{}}
	if v.vpcID != "" {
		out.Attachments = append(out.Attachments, types.InternetGatewayAttachment{VpcId: aws.String(v.vpcID), State: types.AttachmentStatus("available")})
	}
	return out
}

func (s *ec2Service) igw(id string) (*ec2IGW, error) {
	return ec2Lookup(s.igws, id, "internetGatewayId", "igw", "InvalidInternetGatewayID", "internetGateway")
}

func (s *ec2Service) CreateInternetGateway(c *Call, in *ec2.CreateInternetGatewayInput) (*ec2.CreateInternetGatewayOutput, error) {
	tags, err := tagsForCreate(in.TagSpecifications, types.ResourceTypeInternetGateway)
	if err != nil {
		return nil, err
	}
	if err := s.countLimit(quotaInternetGateways, len(s.igws), "InternetGatewayLimitExceeded", "internet gateways"); err != nil {
		return nil, err
	}
	g := &ec2IGW{id: c.Emu.ID("igw"), seq: s.nextSeq(), tags: tags}
	s.igws[g.id] = g
	view := s.igwView(g)
	return &ec2.CreateInternetGatewayOutput{InternetGateway: &view}, nil
}

func (s *ec2Service) AttachInternetGateway(c *Call, in *ec2.AttachInternetGatewayInput) (*ec2.AttachInternetGatewayOutput, error) {
	g, err := s.igw(aws.ToString(in.InternetGatewayId))
	if err != nil {
		return nil, err
	}
	v, err := s.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	if g.vpcID != "" {
		return nil, Errorf("Resource.AlreadyAssociated", "resource %s is already attached to network %s", g.id, g.vpcID)
	}
	for _, o := range s.igws {
		if o.vpcID == v.id {
			return nil, Errorf("Resource.AlreadyAssociated", "resource %s is already attached to network %s", o.id, v.id)
		}
	}
	g.vpcID = v.id
	return &ec2.AttachInternetGatewayOutput{}, nil
}

func (s *ec2Service) DetachInternetGateway(c *Call, in *ec2.DetachInternetGatewayInput) (*ec2.DetachInternetGatewayOutput, error) {
	g, err := s.igw(aws.ToString(in.InternetGatewayId))
	if err != nil {
		return nil, err
	}
	vpcID := aws.ToString(in.VpcId)
	if _, err := s.vpc(vpcID); err != nil {
		return nil, err
	}
	if g.vpcID != vpcID {
		return nil, Errorf("Gateway.NotAttached", "resource %s is not attached to network %s", g.id, vpcID)
	}
	now := c.Now()
	for _, inst := range sortedBySeq(s.instances) {
		if inst.vpcID == vpcID && inst.publicIPAt(now) != "" {
			return nil, dependencyViolation("Network %s has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.", vpcID)
		}
	}
	g.vpcID = ""
	return &ec2.DetachInternetGatewayOutput{}, nil
}

func (s *ec2Service) DeleteInternetGateway(c *Call, in *ec2.DeleteInternetGatewayInput) (*ec2.DeleteInternetGatewayOutput, error) {
	g, err := s.igw(aws.ToString(in.InternetGatewayId))
	if err != nil {
		return nil, err
	}
	if g.vpcID != "" {
		return nil, dependencyViolation("The internetGateway '%s' has dependencies and cannot be deleted.", g.id)
	}
	delete(s.igws, g.id)
	return &ec2.DeleteInternetGatewayOutput{}, nil
}

func (s *ec2Service) DescribeInternetGateways(c *Call, in *ec2.DescribeInternetGatewaysInput) (*ec2.DescribeInternetGatewaysOutput, error) {
	items, err := pickByIDs(s.igws, in.InternetGatewayIds, "igw", "InvalidInternetGatewayID.Malformed", "InvalidInternetGatewayID.NotFound", "internetGateway")
	if err != nil {
		return nil, err
	}
	spec := filterSpec[*ec2IGW]{
		"attachment.vpc-id":   func(v *ec2IGW) []string { return one(v.vpcID) },
		"attachment.state":    func(v *ec2IGW) []string { return one(map[bool]string{true: "available"}[v.vpcID != ""]) },
		"internet-gateway-id": func(v *ec2IGW) []string { return one(v.id) },
		"owner-id":            func(v *ec2IGW) []string { return one(AccountID) },
	}
	items, err = applyFilters(items, in.Filters, spec, func(v *ec2IGW) map[string]string { return v.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 1000, idsParam("internetGatewayIds", in.InternetGatewayIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInternetGatewaysOutput{NextToken: next, InternetGateways: []types.InternetGateway{}}
	for _, v := range page {
		out.InternetGateways = append(out.InternetGateways, s.igwView(v))
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Route tables

type ec2RouteTable struct {
	id, vpcID string
	main      bool
	seq       int
	routes    []*ec2Route
	assocs    []*ec2RTAssoc
	tags      map[string]string
}

func (v *ec2RouteTable) order() int { return v.seq }

type ec2Route struct {
	dest, gateway string
	origin        types.RouteOrigin
}

type ec2RTAssoc struct {
	id, subnetID string
	main         bool
}

func (s *ec2Service) routeTableView(v *ec2RouteTable) types.RouteTable {
	out := types.RouteTable{RouteTableId: aws.String(v.id), VpcId: aws.String(v.vpcID), OwnerId: aws.String(AccountID),
		Tags: ec2Tags(v.tags), Routes: []types.Route{}, Associations: []types.RouteTableAssociation{}, PropagatingVgws: []types.PropagatingVgw{}}
	for _, r := range v.routes {
		state := types.RouteStateActive
		if r.gateway != "local" {
			if g, ok := s.igws[r.gateway]; !ok || g.vpcID != v.vpcID {
				state = types.RouteStateBlackhole
			}
		}
		out.Routes = append(out.Routes, types.Route{DestinationCidrBlock: aws.String(r.dest), GatewayId: aws.String(r.gateway), Origin: r.origin, State: state})
	}
	for _, a := range v.assocs {
		ra := types.RouteTableAssociation{RouteTableAssociationId: aws.String(a.id), RouteTableId: aws.String(v.id), Main: aws.Bool(a.main),
			AssociationState: &types.RouteTableAssociationState{State: types.RouteTableAssociationStateCodeAssociated}}
		if a.subnetID != "" {
			ra.SubnetId = aws.String(a.subnetID)
		}
		out.Associations = append(out.Associations, ra)
	}
	return out
}

func (s *ec2Service) routeTable(id string) (*ec2RouteTable, error) {
	return ec2Lookup(s.rtbs, id, "routeTableId", "rtb", "InvalidRouteTableID", "routeTable")
}

func (s *ec2Service) CreateRouteTable(c *Call, in *ec2.CreateRouteTableInput) (*ec2.CreateRouteTableOutput, error) {
	v, err := s.vpc(aws.ToString(in.VpcId))
	if err != nil {
		return nil, err
	}
	tags, err := tagsForCreate(in.TagSpecifications, types.ResourceTypeRouteTable)
	if err != nil {
		return nil, err
	}
	inVPC := 0
	for _, o := range s.rtbs {
		if o.vpcID == v.id {
			inVPC++
		}
	}
	if err := s.countLimit(quotaRouteTablesPerVPC, inVPC, "RouteTableLimitExceeded", "route tables"); err != nil {
		return nil, err
	}
	rt := &ec2RouteTable{id: c.Emu.ID("rtb"), vpcID: v.id, seq: s.nextSeq(), tags: tags}
	rt.routes = []*ec2Route{{dest: v.cidr, gateway: "local", origin: types.RouteOriginCreateRouteTable}}
	s.rtbs[rt.id] = rt
	view := s.routeTableView(rt)
	return &ec2.CreateRouteTableOutput{RouteTable: &view}, nil
}

func (s *ec2Service) CreateRoute(c *Call, in *ec2.CreateRouteInput) (*ec2.CreateRouteOutput, error) {
	rt, err := s.routeTable(aws.ToString(in.RouteTableId))
	if err != nil {
		return nil, err
	}
	dest := aws.ToString(in.DestinationCidrBlock)
	if dest == "" {
		return nil, missingParam("destinationCidrBlock")
	}
	p, ok := parseCIDR(dest)
	if !ok {
		return nil, invalidCIDR("destinationCidrBlock", dest)
	}
	gw := aws.ToString(in.GatewayId)
	if gw == "" {
		return nil, Errorf("InvalidParameterCombination", "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId or instanceId (only gateway routes are emulated)")
	}
	if !strings.HasPrefix(gw, "igw-") {
		return nil, Errorf("InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist", gw)
	}
	g, ok := s.igws[gw]
	if !ok {
		return nil, Errorf("InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist", gw)
	}
	if g.vpcID != rt.vpcID {
		return nil, Errorf("InvalidParameterValue", "route table %s and network gateway %s belong to different networks", rt.id, g.id)
	}
	for _, r := range rt.routes {
		if r.dest == p.String() {
			return nil, Errorf("RouteAlreadyExists", "The route identified by %s already exists.", p.String())
		}
	}
	rt.routes = append(rt.routes, &ec2Route{dest: p.String(), gateway: g.id, origin: types.RouteOriginCreateRoute})
	return &ec2.CreateRouteOutput{Return: aws.Bool(true)}, nil
}

func (s *ec2Service) DeleteRoute(c *Call, in *ec2.DeleteRouteInput) (*ec2.DeleteRouteOutput, error) {
	rt, err := s.routeTable(aws.ToString(in.RouteTableId))
	if err != nil {
		return nil, err
	}
	dest := aws.ToString(in.DestinationCidrBlock)
	for i, r := range rt.routes {
		if r.dest != dest {
			continue
		}
		if r.gateway == "local" {
			return nil, Errorf("InvalidParameterValue", "cannot remove local route %s in route table %s", dest, rt.id)
		}
		rt.routes = append(rt.routes[:i], rt.routes[i+1:]...)
		return &ec2.DeleteRouteOutput{}, nil
	}
	return nil, Errorf("InvalidRoute.NotFound", "no route with destination-cidr-block %s in route table %s", dest, rt.id)
}

func (s *ec2Service) AssociateRouteTable(c *Call, in *ec2.AssociateRouteTableInput) (*ec2.AssociateRouteTableOutput, error) {
	rt, err := s.routeTable(aws.ToString(in.RouteTableId))
	if err != nil {
		return nil, err
	}
	sn, err := s.subnet(aws.ToString(in.SubnetId))
	if err != nil {
		return nil, err
	}
	if sn.vpcID != rt.vpcID {
		return nil, Errorf("InvalidParameterValue", "Route table %s and subnet %s belong to different networks", rt.id, sn.id)
	}
	for _, o := range s.rtbs {
		for _, a := range o.assocs {
			if a.subnetID == sn.id {
				return nil, Errorf("Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", rt.id)
			}
		}
	}
	a := &ec2RTAssoc{id: c.Emu.ID("rtbassoc"), subnetID: sn.id}
	rt.assocs = append(rt.assocs, a)
	return &ec2.AssociateRouteTableOutput{AssociationId: aws.String(a.id),
		AssociationState: &types.RouteTableAssociationState{State: types.RouteTableAssociationStateCodeAssociated}}, nil
}

func (s *ec2Service) DisassociateRouteTable(c *Call, in *ec2.DisassociateRouteTableInput) (*ec2.DisassociateRouteTableOutput, error) {
	id := aws.ToString(in.AssociationId)
	if id == "" {
		return nil, missingParam("associationId")
	}
	if malformed(id, "rtbassoc") {
		return nil, malformedErr("InvalidAssociationID.Malformed", id, "rtbassoc")
	}
	for _, rt := range s.rtbs {
		for i, a := range rt.assocs {
			if a.id != id {
				continue
			}
			if a.main {
				return nil, Errorf("InvalidParameterValue", "cannot disassociate the main route table association %s", id)
			}
			rt.assocs = append(rt.assocs[:i], rt.assocs[i+1:]...)
			return &ec2.DisassociateRouteTableOutput{}, nil
		}
	}
	return nil, Errorf("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
}

func (s *ec2Service) DeleteRouteTable(c *Call, in *ec2.DeleteRouteTableInput) (*ec2.DeleteRouteTableOutput, error) {
	rt, err := s.routeTable(aws.ToString(in.RouteTableId))
	if err != nil {
		return nil, err
	}
	if rt.main || len(rt.assocs) > 0 {
		return nil, dependencyViolation("The routeTable '%s' has dependencies and cannot be deleted.", rt.id)
	}
	delete(s.rtbs, rt.id)
	return &ec2.DeleteRouteTableOutput{}, nil
}

func (s *ec2Service) DescribeRouteTables(c *Call, in *ec2.DescribeRouteTablesInput) (*ec2.DescribeRouteTablesOutput, error) {
	items, err := pickByIDs(s.rtbs, in.RouteTableIds, "rtb", "InvalidRouteTableID.Malformed", "InvalidRouteTableID.NotFound", "routeTable")
	if err != nil {
		return nil, err
	}
	assocs := func(v *ec2RouteTable, f func(a *ec2RTAssoc) string) []string {
		var out []string
		for _, a := range v.assocs {
			if x := f(a); x != "" {
				out = append(out, x)
			}
		}
		return out
	}
	spec := filterSpec[*ec2RouteTable]{
		"vpc-id":         func(v *ec2RouteTable) []string { return one(v.vpcID) },
		"route-table-id": func(v *ec2RouteTable) []string { return one(v.id) },
		"owner-id":       func(v *ec2RouteTable) []string { return one(AccountID) },
		"association.subnet-id": func(v *ec2RouteTable) []string {
			return assocs(v, func(a *ec2RTAssoc) string { return a.subnetID })
		},
		"association.route-table-association-id": func(v *ec2RouteTable) []string {
			return assocs(v, func(a *ec2RTAssoc) string { return a.id })
		},
		"association.route-table-id": func(v *ec2RouteTable) []string {
			return assocs(v, func(a *ec2RTAssoc) string { return v.id })
		},
		"association.main": func(v *ec2RouteTable) []string {
			// Only tables with associations have a value for this filter.
			return assocs(v, func(a *ec2RTAssoc) string { return boolStr(a.main)[0] })
		},
		"route.gateway-id": func(v *ec2RouteTable) []string {
			var out []string
			for _, r := range v.routes {
				out = append(out, r.gateway)
			}
			return out
		},
		"route.destination-cidr-block": func(v *ec2RouteTable) []string {
			var out []string
			for _, r := range v.routes {
				out = append(out, r.dest)
			}
			return out
		},
		"route.origin": func(v *ec2RouteTable) []string {
			var out []string
			for _, r := range v.routes {
				out = append(out, string(r.origin))
			}
			return out
		},
	}
	items, err = applyFilters(items, in.Filters, spec, func(v *ec2RouteTable) map[string]string { return v.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 100, idsParam("routeTableIds", in.RouteTableIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeRouteTablesOutput{NextToken: next, RouteTables: []types.RouteTable{}}
	for _, v := range page {
		out.RouteTables = append(out.RouteTables, s.routeTableView(v))
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Managed prefix lists (AWS-owned fixtures)

func (s *ec2Service) prefixList(id string) (ManagedPrefixList, bool) {
	for _, pl := range ManagedPrefixListsOf(s.region) {
		if pl.ID == id {
			return pl, true
		}
	}
	return ManagedPrefixList{}, false
}

func (s *ec2Service) DescribeManagedPrefixLists(c *Call, in *ec2.DescribeManagedPrefixListsInput) (*ec2.DescribeManagedPrefixListsOutput, error) {
	all := ManagedPrefixListsOf(s.region)
	items := all
	if len(in.PrefixListIds) > 0 {
		items = nil
		for _, id := range in.PrefixListIds {
			pl, ok := s.prefixList(id)
			if !ok {
				if malformed(id, "pl") {
					return nil, Errorf("InvalidPrefixListId.Malformed", "The prefix list ID '%s' is malformed", id)
				}
				return nil, Errorf("InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist", id)
			}
			items = append(items, pl)
		}
	}
	spec := filterSpec[ManagedPrefixList]{
		"prefix-list-name": func(p ManagedPrefixList) []string { return one(p.Name) },
		"prefix-list-id":   func(p ManagedPrefixList) []string { return one(p.ID) },
		"owner-id":         func(p ManagedPrefixList) []string { return one("AWS") },
	}
	items, err := applyFilters(items, in.Filters, spec, nil)
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 1, 100, "")
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeManagedPrefixListsOutput{NextToken: next, PrefixLists: []types.ManagedPrefixList{}}
	for _, p := range page {
		out.PrefixLists = append(out.PrefixLists, types.ManagedPrefixList{
			PrefixListId: aws.String(p.ID), PrefixListName: aws.String(p.Name), AddressFamily: aws.String("IPv4"),
			MaxEntries: aws.Int32(p.MaxEntries), OwnerId: aws.String("AWS"), State: types.PrefixListStateCreateComplete,
			Version:       aws.Int64(1),
			PrefixListArn: aws.String("arn:aws:ec2:" + s.region + ":aws:prefix-list/" + p.ID), Tags: []types.Tag{},
		})
	}
	return out, nil
}

func (s *ec2Service) GetManagedPrefixListEntries(c *Call, in *ec2.GetManagedPrefixListEntriesInput) (*ec2.GetManagedPrefixListEntriesOutput, error) {
	id := aws.ToString(in.PrefixListId)
	if id == "" {
		return nil, missingParam("prefixListId")
	}
	pl, ok := s.prefixList(id)
	if !ok {
		return nil, Errorf("InvalidPrefixListID.NotFound", "The prefix list (%s) does not exist.", id)
	}
	page, next, err := paginateEC2(pl.CIDRs, in.NextToken, in.MaxResults, 1, 100, "")
	if err != nil {
		return nil, err
	}
	out := &ec2.GetManagedPrefixListEntriesOutput{NextToken: next, Entries: []types.PrefixListEntry{}}
	for _, cidr := range page {
		out.Entries = append(out.Entries, types.PrefixListEntry{Cidr: aws.String(cidr)})
	}
	return out, nil
}
