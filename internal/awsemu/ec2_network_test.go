package awsemu

import (
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

const testRegion = "us-east-1"

func ec2Client(e *Emulator) *ec2.Client {
	return ec2.NewFromConfig(sdkConfig(e, testRegion))
}

// wantCode fails unless err is an AWS error with code (and, when given, a
// message containing msg).
func wantCode(t *testing.T, err error, code string, msg ...string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	for _, m := range msg {
		if !strings.Contains(ae.ErrorMessage(), m) {
			t.Fatalf("%s message %q lacks %q", code, ae.ErrorMessage(), m)
		}
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func tagSpec(rt types.ResourceType, kv ...string) []types.TagSpecification {
	spec := types.TagSpecification{ResourceType: rt}
	for i := 0; i+1 < len(kv); i += 2 {
		spec.Tags = append(spec.Tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{spec}
}

// testNet is a VPC with two subnets, for tests that need a network.
type testNet struct {
	vpc, subnetA, subnetB string
}

func makeNet(t *testing.T, c *ec2.Client, cidr string) testNet {
	t.Helper()
	vpc := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr), TagSpecifications: tagSpec(types.ResourceTypeVpc, "Name", "test")}))
	id := aws.ToString(vpc.Vpc.VpcId)
	base := strings.TrimSuffix(cidr, ".0.0/16")
	a := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: aws.String(id), CidrBlock: aws.String(base + ".1.0/24"), AvailabilityZone: aws.String("us-east-1a")}))
	b := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: aws.String(id), CidrBlock: aws.String(base + ".2.0/24"), AvailabilityZoneId: aws.String("use1-az2")}))
	return testNet{vpc: id, subnetA: aws.ToString(a.Subnet.SubnetId), subnetB: aws.ToString(b.Subnet.SubnetId)}
}

// network returns the EC2 side of the crossservice contract and a call to
// use with it, as ELB and EFS would.
func network(e *Emulator) (Network, *Call) {
	return PeerOf[Network](e, "ec2", testRegion), &Call{Emu: e, Service: "elasticloadbalancing", Region: testRegion, now: e.Now()}
}

func TestEC2AvailabilityZones(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	out := must[*ec2.DescribeAvailabilityZonesOutput](t)(c.DescribeAvailabilityZones(ctx(t), &ec2.DescribeAvailabilityZonesInput{}))
	if len(out.AvailabilityZones) != 6 {
		t.Fatalf("zones = %d", len(out.AvailabilityZones))
	}
	z := out.AvailabilityZones[1]
	if aws.ToString(z.ZoneName) != "us-east-1b" || aws.ToString(z.ZoneId) != "use1-az2" || z.State != types.AvailabilityZoneStateAvailable ||
		aws.ToString(z.ZoneType) != "availability-zone" || aws.ToString(z.RegionName) != testRegion || z.OptInStatus != types.AvailabilityZoneOptInStatusOptInNotRequired {
		t.Fatalf("zone = %+v", z)
	}
	f := must[*ec2.DescribeAvailabilityZonesOutput](t)(c.DescribeAvailabilityZones(ctx(t), &ec2.DescribeAvailabilityZonesInput{
		Filters: []types.Filter{filter("zone-name", "us-east-1a", "us-east-1c"), filter("state", "available"), filter("zone-type", "availability-zone")}}))
	if len(f.AvailabilityZones) != 2 || aws.ToString(f.AvailabilityZones[1].ZoneId) != "use1-az3" {
		t.Fatalf("filtered = %+v", f.AvailabilityZones)
	}
	f = must[*ec2.DescribeAvailabilityZonesOutput](t)(c.DescribeAvailabilityZones(ctx(t), &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filter("zone-id", "use1-az6")}}))
	if len(f.AvailabilityZones) != 1 || aws.ToString(f.AvailabilityZones[0].ZoneName) != "us-east-1f" {
		t.Fatalf("by id = %+v", f.AvailabilityZones)
	}
	_, err := c.DescribeAvailabilityZones(ctx(t), &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filter("bogus", "x")}})
	wantCode(t, err, "InvalidParameterValue", "bogus")
}

func TestEC2VPCLifecycle(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	c := ec2Client(e)
	for _, bad := range []struct{ cidr, code string }{{"10.0.0.0/8", "InvalidVpc.Range"}, {"10.0.0.0/29", "InvalidVpc.Range"}, {"10.0.0.1/16", "InvalidParameterValue"}, {"nope", "InvalidParameterValue"}} {
		_, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String(bad.cidr)})
		wantCode(t, err, bad.code)
	}
	out := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeVpc, "Name", "demo")}))
	vpc := out.Vpc
	if vpc.State != types.VpcStatePending || aws.ToBool(vpc.IsDefault) || aws.ToString(vpc.CidrBlock) != "10.0.0.0/16" || len(vpc.Tags) != 1 || !strings.HasPrefix(aws.ToString(vpc.VpcId), "vpc-") {
		t.Fatalf("vpc = %+v", vpc)
	}
	id := aws.ToString(vpc.VpcId)
	e.Clock().Advance(2 * time.Second)
	d := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{VpcIds: []string{id}}))
	if len(d.Vpcs) != 1 || d.Vpcs[0].State != types.VpcStateAvailable || aws.ToString(d.Vpcs[0].OwnerId) != AccountID {
		t.Fatalf("described = %+v", d.Vpcs)
	}
	// Main route table and default security group come with the VPC.
	rts := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx(t), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", id), filter("association.main", "true")}}))
	if len(rts.RouteTables) != 1 || len(rts.RouteTables[0].Routes) != 1 || aws.ToString(rts.RouteTables[0].Routes[0].GatewayId) != "local" || !aws.ToBool(rts.RouteTables[0].Associations[0].Main) {
		t.Fatalf("main route table = %+v", rts.RouteTables)
	}
	sgs := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", id), filter("group-name", "default")}}))
	if len(sgs.SecurityGroups) != 1 || len(sgs.SecurityGroups[0].IpPermissions) != 1 || len(sgs.SecurityGroups[0].IpPermissions[0].UserIdGroupPairs) != 1 {
		t.Fatalf("default sg = %+v", sgs.SecurityGroups)
	}
	for _, f := range []types.Filter{filter("cidr", "10.0.0.0/16"), filter("state", "available"), filter("is-default", "false"), filter("tag:Name", "de*"), filter("tag-key", "Name")} {
		got := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{Filters: []types.Filter{f}}))
		if len(got.Vpcs) != 1 {
			t.Fatalf("filter %s: %d vpcs", aws.ToString(f.Name), len(got.Vpcs))
		}
	}
	if got := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:Name", "other")}})); len(got.Vpcs) != 0 {
		t.Fatal("tag filter matched the wrong value")
	}
	_, err := c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-0123456789abcdef0"}})
	wantCode(t, err, "InvalidVpcID.NotFound", "vpc-0123456789abcdef0")
	_, err = c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-zz"}})
	wantCode(t, err, "InvalidVpcID.Malformed")

	// DNS attributes.
	attr := must[*ec2.DescribeVpcAttributeOutput](t)(c.DescribeVpcAttribute(ctx(t), &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: types.VpcAttributeNameEnableDnsHostnames}))
	if aws.ToBool(attr.EnableDnsHostnames.Value) {
		t.Fatal("DNS hostnames on by default in a non-default VPC")
	}
	must[*ec2.ModifyVpcAttributeOutput](t)(c.ModifyVpcAttribute(ctx(t), &ec2.ModifyVpcAttributeInput{VpcId: aws.String(id), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	attr = must[*ec2.DescribeVpcAttributeOutput](t)(c.DescribeVpcAttribute(ctx(t), &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: types.VpcAttributeNameEnableDnsHostnames}))
	if !aws.ToBool(attr.EnableDnsHostnames.Value) {
		t.Fatal("EnableDnsHostnames not applied")
	}
	attr = must[*ec2.DescribeVpcAttributeOutput](t)(c.DescribeVpcAttribute(ctx(t), &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: types.VpcAttributeNameEnableDnsSupport}))
	if !aws.ToBool(attr.EnableDnsSupport.Value) {
		t.Fatal("DNS support off by default")
	}
	_, err = c.ModifyVpcAttribute(ctx(t), &ec2.ModifyVpcAttributeInput{VpcId: aws.String(id),
		EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}, EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	wantCode(t, err, "InvalidParameterCombination")

	// Dependencies block the delete: a subnet, an attached gateway, a group, a route table.
	sn := must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: aws.String(id), CidrBlock: aws.String("10.0.1.0/24")}))
	_, err = c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: aws.String(id)})
	wantCode(t, err, "DependencyViolation", "has dependencies")
	must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx(t), &ec2.DeleteSubnetInput{SubnetId: sn.Subnet.SubnetId}))
	sg := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(id), GroupName: aws.String("app"), Description: aws.String("app")}))
	_, err = c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: aws.String(id)})
	wantCode(t, err, "DependencyViolation")
	must[*ec2.DeleteSecurityGroupOutput](t)(c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId}))
	rt := must[*ec2.CreateRouteTableOutput](t)(c.CreateRouteTable(ctx(t), &ec2.CreateRouteTableInput{VpcId: aws.String(id)}))
	_, err = c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: aws.String(id)})
	wantCode(t, err, "DependencyViolation")
	must[*ec2.DeleteRouteTableOutput](t)(c.DeleteRouteTable(ctx(t), &ec2.DeleteRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId}))
	igw := must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx(t), &ec2.CreateInternetGatewayInput{}))
	must[*ec2.AttachInternetGatewayOutput](t)(c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: aws.String(id)}))
	_, err = c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: aws.String(id)})
	wantCode(t, err, "DependencyViolation")
	must[*ec2.DetachInternetGatewayOutput](t)(c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: aws.String(id)}))
	must[*ec2.DeleteInternetGatewayOutput](t)(c.DeleteInternetGateway(ctx(t), &ec2.DeleteInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId}))
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: aws.String(id)}))
	// The main route table and default group went with it.
	all := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx(t), &ec2.DescribeRouteTablesInput{}))
	groups := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{}))
	if len(all.RouteTables) != 0 || len(groups.SecurityGroups) != 0 {
		t.Fatalf("left behind: %d route tables, %d groups", len(all.RouteTables), len(groups.SecurityGroups))
	}
	_, err = c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: aws.String(id)})
	wantCode(t, err, "InvalidVpcID.NotFound")
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory = %+v", inv)
	}
}

func TestEC2DescribeVpcsPagination(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"quota.L-F678F1CE": "7"}})
	c := ec2Client(e)
	for i := 0; i < 7; i++ {
		must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))
	}
	var ids []string
	p := ec2.NewDescribeVpcsPaginator(c, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
	pages := 0
	for p.HasMorePages() {
		out := must[*ec2.DescribeVpcsOutput](t)(p.NextPage(ctx(t)))
		pages++
		for _, v := range out.Vpcs {
			ids = append(ids, aws.ToString(v.VpcId))
		}
	}
	if pages != 2 || len(ids) != 7 {
		t.Fatalf("pages=%d ids=%d", pages, len(ids))
	}
	_, err := c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{MaxResults: aws.Int32(4)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5), VpcIds: ids[:1]})
	wantCode(t, err, "InvalidParameterCombination")
}

func TestEC2Subnets(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	n := makeNet(t, c, "10.1.0.0/16")
	for _, bad := range []struct {
		in   ec2.CreateSubnetInput
		code string
	}{
		{ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.2.0.0/24")}, "InvalidSubnet.Range"},
		{ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.1.0.0/29")}, "InvalidSubnet.Range"},
		{ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.1.1.128/25")}, "InvalidSubnet.Conflict"},
		{ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.1.3.0/24"), AvailabilityZone: aws.String("us-east-1z")}, "InvalidParameterValue"},
		{ec2.CreateSubnetInput{VpcId: aws.String("vpc-0123456789abcdef0"), CidrBlock: aws.String("10.1.3.0/24")}, "InvalidVpcID.NotFound"},
	} {
		_, err := c.CreateSubnet(ctx(t), &bad.in)
		wantCode(t, err, bad.code)
	}
	out := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{SubnetIds: []string{n.subnetB}}))
	sn := out.Subnets[0]
	if aws.ToString(sn.AvailabilityZone) != "us-east-1b" || aws.ToString(sn.AvailabilityZoneId) != "use1-az2" || aws.ToInt32(sn.AvailableIpAddressCount) != 251 ||
		aws.ToBool(sn.MapPublicIpOnLaunch) || aws.ToString(sn.VpcId) != n.vpc || sn.State != types.SubnetStateAvailable {
		t.Fatalf("subnet = %+v", sn)
	}
	must[*ec2.ModifySubnetAttributeOutput](t)(c.ModifySubnetAttribute(ctx(t), &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(n.subnetA), MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	for _, tc := range []struct {
		f    types.Filter
		want []string
	}{
		{filter("vpc-id", n.vpc), []string{n.subnetA, n.subnetB}},
		{filter("map-public-ip-on-launch", "true"), []string{n.subnetA}},
		{filter("availability-zone", "us-east-1b"), []string{n.subnetB}},
		{filter("cidr-block", "10.1.1.0/24"), []string{n.subnetA}},
		{filter("subnet-id", n.subnetB), []string{n.subnetB}},
	} {
		got := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{Filters: []types.Filter{tc.f}}))
		var ids []string
		for _, s := range got.Subnets {
			ids = append(ids, aws.ToString(s.SubnetId))
		}
		if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
			t.Fatalf("filter %s = %v, want %v", aws.ToString(tc.f.Name), ids, tc.want)
		}
	}
	_, err := c.DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0123456789abcdef0"}})
	wantCode(t, err, "InvalidSubnetID.NotFound")

	// A managed interface (an ALB node) blocks the subnet until released.
	var eni InterfaceView
	e.WithLock(func() {
		netw, call := network(e)
		var apiErr *APIError
		eni, apiErr = netw.CreateManagedInterface(call, ManagedInterface{SubnetID: n.subnetA, Description: "ELB app/demo/0123456789abcdef", RequesterID: "amazon-elb"})
		if apiErr != nil {
			t.Fatal(apiErr)
		}
	})
	if eni.PrivateIP != "10.1.1.4" || eni.VPCID != n.vpc || eni.AZ != "us-east-1a" {
		t.Fatalf("eni = %+v", eni)
	}
	got := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{SubnetIds: []string{n.subnetA}}))
	if aws.ToInt32(got.Subnets[0].AvailableIpAddressCount) != 250 {
		t.Fatalf("available ips = %d", aws.ToInt32(got.Subnets[0].AvailableIpAddressCount))
	}
	_, err = c.DeleteSubnet(ctx(t), &ec2.DeleteSubnetInput{SubnetId: aws.String(n.subnetA)})
	wantCode(t, err, "DependencyViolation", n.subnetA)
	e.WithLock(func() {
		netw, _ := network(e)
		netw.ReleaseManagedInterface(eni.ID, e.Now().Add(10*time.Minute))
	})
	_, err = c.DeleteSubnet(ctx(t), &ec2.DeleteSubnetInput{SubnetId: aws.String(n.subnetA)})
	wantCode(t, err, "DependencyViolation")
	e.Clock().Advance(11 * time.Minute)
	must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx(t), &ec2.DeleteSubnetInput{SubnetId: aws.String(n.subnetA)}))
	_, err = c.DeleteSubnet(ctx(t), &ec2.DeleteSubnetInput{SubnetId: aws.String(n.subnetA)})
	wantCode(t, err, "InvalidSubnetID.NotFound")
}

func TestEC2InternetGatewaysAndRoutes(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	n := makeNet(t, c, "10.0.0.0/16")
	other := makeNet(t, c, "10.9.0.0/16")
	igw := aws.ToString(must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx(t), &ec2.CreateInternetGatewayInput{
		TagSpecifications: tagSpec(types.ResourceTypeInternetGateway, "Name", "gw")})).InternetGateway.InternetGatewayId)
	_, err := c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String("vpc-0123456789abcdef0")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String("igw-0123456789abcdef0"), VpcId: aws.String(n.vpc)})
	wantCode(t, err, "InvalidInternetGatewayID.NotFound")
	rt := aws.ToString(must[*ec2.CreateRouteTableOutput](t)(c.CreateRouteTable(ctx(t), &ec2.CreateRouteTableInput{VpcId: aws.String(n.vpc)})).RouteTable.RouteTableId)
	// The gateway must be attached to the table's VPC.
	_, err = c.CreateRoute(ctx(t), &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)})
	wantCode(t, err, "InvalidParameterValue", "different networks")
	_, err = c.CreateRoute(ctx(t), &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String("igw-0123456789abcdef0")})
	wantCode(t, err, "InvalidGatewayID.NotFound")
	must[*ec2.AttachInternetGatewayOutput](t)(c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(n.vpc)}))
	_, err = c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(other.vpc)})
	wantCode(t, err, "Resource.AlreadyAssociated")
	gws := must[*ec2.DescribeInternetGatewaysOutput](t)(c.DescribeInternetGateways(ctx(t), &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", n.vpc)}}))
	if len(gws.InternetGateways) != 1 || aws.ToString(gws.InternetGateways[0].Attachments[0].VpcId) != n.vpc || gws.InternetGateways[0].Attachments[0].State != "available" {
		t.Fatalf("igws = %+v", gws.InternetGateways)
	}
	must[*ec2.CreateRouteOutput](t)(c.CreateRoute(ctx(t), &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)}))
	_, err = c.CreateRoute(ctx(t), &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)})
	wantCode(t, err, "RouteAlreadyExists")
	assoc := must[*ec2.AssociateRouteTableOutput](t)(c.AssociateRouteTable(ctx(t), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rt), SubnetId: aws.String(n.subnetA)}))
	if !strings.HasPrefix(aws.ToString(assoc.AssociationId), "rtbassoc-") || assoc.AssociationState.State != types.RouteTableAssociationStateCodeAssociated {
		t.Fatalf("assoc = %+v", assoc)
	}
	must[*ec2.AssociateRouteTableOutput](t)(c.AssociateRouteTable(ctx(t), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rt), SubnetId: aws.String(n.subnetB)}))
	_, err = c.AssociateRouteTable(ctx(t), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rt), SubnetId: aws.String(n.subnetA)})
	wantCode(t, err, "Resource.AlreadyAssociated")
	_, err = c.AssociateRouteTable(ctx(t), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rt), SubnetId: aws.String(other.subnetA)})
	wantCode(t, err, "InvalidParameterValue")
	desc := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx(t), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.subnet-id", n.subnetA)}}))
	if len(desc.RouteTables) != 1 || aws.ToString(desc.RouteTables[0].RouteTableId) != rt || len(desc.RouteTables[0].Routes) != 2 || desc.RouteTables[0].Routes[1].State != types.RouteStateActive {
		t.Fatalf("route tables = %+v", desc.RouteTables)
	}
	// Detaching the gateway turns its route into a blackhole; deleting it is refused while attached.
	_, err = c.DeleteInternetGateway(ctx(t), &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igw)})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(other.vpc)})
	wantCode(t, err, "Gateway.NotAttached")
	must[*ec2.DetachInternetGatewayOutput](t)(c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(n.vpc)}))
	desc = must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx(t), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rt}}))
	if desc.RouteTables[0].Routes[1].State != types.RouteStateBlackhole {
		t.Fatalf("route state after detach = %s", desc.RouteTables[0].Routes[1].State)
	}
	_, err = c.DeleteRouteTable(ctx(t), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rt)})
	wantCode(t, err, "DependencyViolation")
	mainRT := must[*ec2.DescribeRouteTablesOutput](t)(c.DescribeRouteTables(ctx(t), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", n.vpc), filter("association.main", "true")}}))
	mainID := aws.ToString(mainRT.RouteTables[0].RouteTableId)
	_, err = c.DeleteRouteTable(ctx(t), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(mainID)})
	wantCode(t, err, "DependencyViolation")
	_, err = c.DisassociateRouteTable(ctx(t), &ec2.DisassociateRouteTableInput{AssociationId: mainRT.RouteTables[0].Associations[0].RouteTableAssociationId})
	wantCode(t, err, "InvalidParameterValue")
	for _, a := range desc.RouteTables[0].Associations {
		must[*ec2.DisassociateRouteTableOutput](t)(c.DisassociateRouteTable(ctx(t), &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId}))
	}
	_, err = c.DisassociateRouteTable(ctx(t), &ec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	must[*ec2.DeleteRouteOutput](t)(c.DeleteRoute(ctx(t), &ec2.DeleteRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0")}))
	_, err = c.DeleteRoute(ctx(t), &ec2.DeleteRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0")})
	wantCode(t, err, "InvalidRoute.NotFound")
	must[*ec2.DeleteRouteTableOutput](t)(c.DeleteRouteTable(ctx(t), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rt)}))
	_, err = c.DeleteRouteTable(ctx(t), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rt)})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	must[*ec2.DeleteInternetGatewayOutput](t)(c.DeleteInternetGateway(ctx(t), &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igw)}))
	_, err = c.DescribeInternetGateways(ctx(t), &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{igw}})
	wantCode(t, err, "InvalidInternetGatewayID.NotFound")
}

func TestEC2SecurityGroups(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	n := makeNet(t, c, "10.0.0.0/16")
	other := makeNet(t, c, "10.9.0.0/16")
	_, err := c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x")})
	wantCode(t, err, "VPCIdNotSpecified")
	_, err = c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc), GroupName: aws.String("sg-nope"), Description: aws.String("x")})
	wantCode(t, err, "InvalidParameterValue", "sg-*")
	app := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc), GroupName: aws.String("app"), Description: aws.String("app servers"),
		TagSpecifications: tagSpec(types.ResourceTypeSecurityGroup, "geusemaker:deployment", "demo")}))
	appID := aws.ToString(app.GroupId)
	if !strings.HasPrefix(aws.ToString(app.SecurityGroupArn), "arn:aws:ec2:us-east-1:123456789012:security-group/sg-") || len(app.Tags) != 1 {
		t.Fatalf("create = %+v", app)
	}
	_, err = c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc), GroupName: aws.String("app"), Description: aws.String("again")})
	wantCode(t, err, "InvalidGroup.Duplicate")
	// Same name in another VPC is fine.
	otherSG := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(other.vpc), GroupName: aws.String("app"), Description: aws.String("x")}))
	alb := must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc), GroupName: aws.String("alb"), Description: aws.String("alb")}))
	albID := aws.ToString(alb.GroupId)

	pls := must[*ec2.DescribeManagedPrefixListsOutput](t)(c.DescribeManagedPrefixLists(ctx(t), &ec2.DescribeManagedPrefixListsInput{
		Filters: []types.Filter{filter("prefix-list-name", "com.amazonaws.global.cloudfront.origin-facing")}}))
	if len(pls.PrefixLists) != 1 || aws.ToString(pls.PrefixLists[0].OwnerId) != "AWS" {
		t.Fatalf("prefix lists = %+v", pls.PrefixLists)
	}
	plID := aws.ToString(pls.PrefixLists[0].PrefixListId)

	auth := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(appID), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("ssh")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(albID)}}},
		{IpProtocol: aws.String("6"), FromPort: aws.Int32(2049), ToPort: aws.Int32(2049), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}},
	}}))
	if !aws.ToBool(auth.Return) || len(auth.SecurityGroupRules) != 3 || !strings.HasPrefix(aws.ToString(auth.SecurityGroupRules[0].SecurityGroupRuleId), "sgr-") ||
		aws.ToString(auth.SecurityGroupRules[2].IpProtocol) != "tcp" || aws.ToString(auth.SecurityGroupRules[1].ReferencedGroupInfo.GroupId) != albID {
		t.Fatalf("authorize = %+v", auth.SecurityGroupRules)
	}
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(albID), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), PrefixListIds: []types.PrefixListId{{PrefixListId: aws.String(plID)}}},
	}}))
	for _, bad := range []struct {
		perm types.IpPermission
		code string
	}{
		{types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}, "InvalidPermission.Duplicate"},
		{types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/33")}}}, "InvalidParameterValue"},
		{types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.1/16")}}}, "InvalidParameterValue"},
		{types.IpPermission{IpProtocol: aws.String("tcp"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}, "InvalidParameterValue"},
		{types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(1), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: otherSG.GroupId}}}, "InvalidGroup.NotFound"},
		{types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(1), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String("sg-0123456789abcdef0")}}}, "InvalidGroup.NotFound"},
		{types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(1), PrefixListIds: []types.PrefixListId{{PrefixListId: aws.String("pl-00000000")}}}, "InvalidPrefixListID.NotFound"},
		{types.IpPermission{IpProtocol: aws.String("bogus"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}, "InvalidParameterValue"},
	} {
		_, err := c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(appID), IpPermissions: []types.IpPermission{bad.perm}})
		wantCode(t, err, bad.code)
	}
	_, err = c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(appID), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	wantCode(t, err, "InvalidPermission.Duplicate", `peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW`)

	got := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{appID}}))
	g := got.SecurityGroups[0]
	if aws.ToString(g.GroupName) != "app" || aws.ToString(g.VpcId) != n.vpc || len(g.IpPermissions) != 3 || len(g.IpPermissionsEgress) != 1 ||
		aws.ToString(g.IpPermissionsEgress[0].IpProtocol) != "-1" || g.IpPermissionsEgress[0].FromPort != nil || aws.ToString(g.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Fatalf("group = %+v", g)
	}
	if aws.ToString(g.IpPermissions[0].IpRanges[0].Description) != "ssh" || aws.ToInt32(g.IpPermissions[0].FromPort) != 22 {
		t.Fatalf("ingress = %+v", g.IpPermissions[0])
	}
	_, err = c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"app"}})
	wantCode(t, err, "VPCIdNotSpecified")
	byName := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", "app"), filter("vpc-id", n.vpc)}}))
	if len(byName.SecurityGroups) != 1 || aws.ToString(byName.SecurityGroups[0].GroupId) != appID {
		t.Fatalf("by name = %+v", byName.SecurityGroups)
	}
	byTag := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("tag:geusemaker:deployment", "demo")}}))
	if len(byTag.SecurityGroups) != 1 {
		t.Fatalf("by tag = %d", len(byTag.SecurityGroups))
	}

	rules := must[*ec2.DescribeSecurityGroupRulesOutput](t)(c.DescribeSecurityGroupRules(ctx(t), &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", appID)}}))
	if len(rules.SecurityGroupRules) != 4 {
		t.Fatalf("rules = %d", len(rules.SecurityGroupRules))
	}
	var egressRule string
	for _, r := range rules.SecurityGroupRules {
		if aws.ToBool(r.IsEgress) {
			egressRule = aws.ToString(r.SecurityGroupRuleId)
			if aws.ToInt32(r.FromPort) != -1 || aws.ToString(r.CidrIpv4) != "0.0.0.0/0" {
				t.Fatalf("egress rule = %+v", r)
			}
		}
	}
	one := must[*ec2.DescribeSecurityGroupRulesOutput](t)(c.DescribeSecurityGroupRules(ctx(t), &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("security-group-rule-id", egressRule)}}))
	if len(one.SecurityGroupRules) != 1 {
		t.Fatal("security-group-rule-id filter")
	}

	// Revoke: by properties, by id; a missing rule fails the whole call.
	_, err = c.RevokeSecurityGroupIngress(ctx(t), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(appID), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
	}})
	wantCode(t, err, "InvalidPermission.NotFound")
	rv := must[*ec2.RevokeSecurityGroupIngressOutput](t)(c.RevokeSecurityGroupIngress(ctx(t), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(appID), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))
	if !aws.ToBool(rv.Return) || len(rv.RevokedSecurityGroupRules) != 1 || aws.ToString(rv.RevokedSecurityGroupRules[0].SecurityGroupRuleId) != aws.ToString(auth.SecurityGroupRules[0].SecurityGroupRuleId) {
		t.Fatalf("revoke = %+v", rv)
	}
	must[*ec2.RevokeSecurityGroupEgressOutput](t)(c.RevokeSecurityGroupEgress(ctx(t), &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(appID), SecurityGroupRuleIds: []string{egressRule}}))
	_, err = c.RevokeSecurityGroupEgress(ctx(t), &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(appID), SecurityGroupRuleIds: []string{egressRule}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	must[*ec2.AuthorizeSecurityGroupEgressOutput](t)(c.AuthorizeSecurityGroupEgress(ctx(t), &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(appID), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))

	// Deleting: referenced by a rule of another group, used by an interface, the default group.
	_, err = c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(albID)})
	wantCode(t, err, "DependencyViolation", "resource "+albID+" has a dependent object")
	must[*ec2.RevokeSecurityGroupIngressOutput](t)(c.RevokeSecurityGroupIngress(ctx(t), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(appID), IpPermissions: []types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(albID)}}}}}))
	var eni InterfaceView
	e.WithLock(func() {
		netw, call := network(e)
		var apiErr *APIError
		eni, apiErr = netw.CreateManagedInterface(call, ManagedInterface{SubnetID: n.subnetA, SecurityGroupIDs: []string{albID}, Description: "ELB app/x/1", RequesterID: "amazon-elb"})
		if apiErr != nil {
			t.Fatal(apiErr)
		}
		if _, apiErr = netw.CreateManagedInterface(call, ManagedInterface{SubnetID: n.subnetA, SecurityGroupIDs: []string{aws.ToString(otherSG.GroupId)}}); apiErr == nil || apiErr.Code != "InvalidParameterValue" {
			t.Fatalf("group of another VPC: %v", apiErr)
		}
		if _, apiErr = netw.CreateManagedInterface(call, ManagedInterface{SubnetID: "subnet-0123456789abcdef0"}); apiErr == nil || apiErr.Code != "InvalidSubnetID.NotFound" {
			t.Fatalf("unknown subnet: %v", apiErr)
		}
	})
	_, err = c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(albID)})
	wantCode(t, err, "DependencyViolation")
	e.WithLock(func() {
		netw, _ := network(e)
		if apiErr := netw.SetManagedInterfaceGroups(eni.ID, []string{appID}); apiErr != nil {
			t.Fatal(apiErr)
		}
	})
	must[*ec2.DeleteSecurityGroupOutput](t)(c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(albID)}))
	_, err = c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(albID)})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupName: aws.String("app")})
	wantCode(t, err, "VPCIdNotSpecified")
	def := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", n.vpc), filter("group-name", "default")}}))
	_, err = c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: def.SecurityGroups[0].GroupId})
	wantCode(t, err, "CannotDelete")
}

func TestEC2PrefixLists(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	all := must[*ec2.DescribeManagedPrefixListsOutput](t)(c.DescribeManagedPrefixLists(ctx(t), &ec2.DescribeManagedPrefixListsInput{Filters: []types.Filter{filter("owner-id", "AWS")}}))
	if len(all.PrefixLists) != 2 {
		t.Fatalf("lists = %d", len(all.PrefixLists))
	}
	id := aws.ToString(all.PrefixLists[0].PrefixListId)
	byID := must[*ec2.DescribeManagedPrefixListsOutput](t)(c.DescribeManagedPrefixLists(ctx(t), &ec2.DescribeManagedPrefixListsInput{Filters: []types.Filter{filter("prefix-list-id", id)}}))
	if len(byID.PrefixLists) != 1 || aws.ToInt32(byID.PrefixLists[0].MaxEntries) != 55 || aws.ToString(byID.PrefixLists[0].AddressFamily) != "IPv4" {
		t.Fatalf("by id = %+v", byID.PrefixLists)
	}
	entries := must[*ec2.GetManagedPrefixListEntriesOutput](t)(c.GetManagedPrefixListEntries(ctx(t), &ec2.GetManagedPrefixListEntriesInput{PrefixListId: aws.String(id)}))
	if len(entries.Entries) != 10 || aws.ToString(entries.Entries[0].Cidr) != "3.172.0.0/18" {
		t.Fatalf("entries = %+v", entries.Entries)
	}
	_, err := c.GetManagedPrefixListEntries(ctx(t), &ec2.GetManagedPrefixListEntriesInput{PrefixListId: aws.String("pl-00000000")})
	wantCode(t, err, "InvalidPrefixListID.NotFound")
}

func TestEC2NetworkInterfaces(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	n := makeNet(t, c, "10.0.0.0/16")
	sg := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc), GroupName: aws.String("efs"), Description: aws.String("efs")})).GroupId)
	var elb, efs InterfaceView
	e.WithLock(func() {
		netw, call := network(e)
		var apiErr *APIError
		if elb, apiErr = netw.CreateManagedInterface(call, ManagedInterface{SubnetID: n.subnetA, SecurityGroupIDs: []string{sg}, Description: "ELB app/demo/50dc6c495c0c9188", RequesterID: "amazon-elb"}); apiErr != nil {
			t.Fatal(apiErr)
		}
		if efs, apiErr = netw.CreateManagedInterface(call, ManagedInterface{SubnetID: n.subnetB, SecurityGroupIDs: []string{sg}, Description: "EFS mount target for fs-1 (fsmt-1)", RequesterID: "amazon-elasticfilesystem", PrivateIP: "10.0.2.50"}); apiErr != nil {
			t.Fatal(apiErr)
		}
		if sv, ok := netw.SubnetInfo(n.subnetB); !ok || sv.AZID != "use1-az2" || sv.CIDR != "10.0.2.0/24" || sv.VPCID != n.vpc {
			t.Fatalf("subnet info = %+v", sv)
		}
		if gv, ok := netw.SecurityGroupInfo(sg); !ok || gv.Name != "efs" || gv.VPCID != n.vpc {
			t.Fatalf("group info = %+v", gv)
		}
		if _, ok := netw.SubnetInfo("subnet-0123456789abcdef0"); ok {
			t.Fatal("unknown subnet found")
		}
	})
	if efs.PrivateIP != "10.0.2.50" {
		t.Fatalf("fixed ip = %s", efs.PrivateIP)
	}
	for _, tc := range []struct {
		f    types.Filter
		want []string
	}{
		{filter("description", "ELB app/demo/*"), []string{elb.ID}},
		{filter("requester-id", "amazon-elasticfilesystem"), []string{efs.ID}},
		{filter("requester-managed", "true"), []string{elb.ID, efs.ID}},
		{filter("group-id", sg), []string{elb.ID, efs.ID}},
		{filter("subnet-id", n.subnetB), []string{efs.ID}},
		{filter("vpc-id", n.vpc), []string{elb.ID, efs.ID}},
		{filter("status", "in-use"), []string{elb.ID, efs.ID}},
		{filter("interface-type", "interface"), []string{elb.ID, efs.ID}},
		{filter("network-interface-id", efs.ID), []string{efs.ID}},
		{filter("attachment.instance-owner-id", "amazon-elb"), []string{elb.ID}},
	} {
		got := must[*ec2.DescribeNetworkInterfacesOutput](t)(c.DescribeNetworkInterfaces(ctx(t), &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{tc.f}}))
		var ids []string
		for _, x := range got.NetworkInterfaces {
			ids = append(ids, aws.ToString(x.NetworkInterfaceId))
		}
		sort.Strings(ids)
		want := append([]string(nil), tc.want...)
		sort.Strings(want)
		if strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Fatalf("filter %s=%v: %v, want %v", aws.ToString(tc.f.Name), tc.f.Values, ids, want)
		}
	}
	got := must[*ec2.DescribeNetworkInterfacesOutput](t)(c.DescribeNetworkInterfaces(ctx(t), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{elb.ID}}))
	ni := got.NetworkInterfaces[0]
	if !aws.ToBool(ni.RequesterManaged) || aws.ToString(ni.RequesterId) != "amazon-elb" || ni.Status != types.NetworkInterfaceStatusInUse ||
		aws.ToString(ni.Groups[0].GroupId) != sg || aws.ToString(ni.Groups[0].GroupName) != "efs" || aws.ToString(ni.PrivateIpAddress) != "10.0.1.4" ||
		ni.Attachment == nil || !strings.HasPrefix(aws.ToString(ni.Attachment.AttachmentId), "ela-attach-") {
		t.Fatalf("eni = %+v", ni)
	}
	_, err := c.DeleteNetworkInterface(ctx(t), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(elb.ID)})
	wantCode(t, err, "InvalidNetworkInterface.InUse")
	_, err = c.DeleteNetworkInterface(ctx(t), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String("eni-0123456789abcdef0")})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	_, err = c.DescribeNetworkInterfaces(ctx(t), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-0123456789abcdef0"}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")

	inv := e.Inventory()
	kinds := map[string]int{}
	for _, r := range inv {
		kinds[r.Type]++
	}
	if kinds["network-interface"] != 2 || kinds["vpc"] != 1 || kinds["subnet"] != 2 || kinds["security-group"] != 1 || kinds["route-table"] != 0 {
		t.Fatalf("inventory kinds = %v", kinds)
	}
	// Released interfaces linger until their time, then vanish.
	e.WithLock(func() {
		netw, _ := network(e)
		netw.ReleaseManagedInterface(elb.ID, e.Now().Add(5*time.Minute))
		netw.ReleaseManagedInterface(efs.ID, e.Now())
	})
	got = must[*ec2.DescribeNetworkInterfacesOutput](t)(c.DescribeNetworkInterfaces(ctx(t), &ec2.DescribeNetworkInterfacesInput{}))
	if len(got.NetworkInterfaces) != 1 || aws.ToString(got.NetworkInterfaces[0].NetworkInterfaceId) != elb.ID {
		t.Fatalf("after release = %d interfaces", len(got.NetworkInterfaces))
	}
	_, err = c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sg)})
	wantCode(t, err, "DependencyViolation")
	e.Clock().Advance(6 * time.Minute)
	must[*ec2.DeleteSecurityGroupOutput](t)(c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sg)}))
}

func TestEC2Tags(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	n := makeNet(t, c, "10.0.0.0/16")
	igw := aws.ToString(must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx(t), &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId)
	must[*ec2.CreateTagsOutput](t)(c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{n.vpc, n.subnetA, igw}, Tags: []types.Tag{
		{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}, {Key: aws.String("Empty"), Value: aws.String("")}}}))
	got := must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx(t), &ec2.DescribeTagsInput{Filters: []types.Filter{filter("key", "geusemaker:deployment"), filter("value", "demo")}}))
	if len(got.Tags) != 3 || aws.ToString(got.Tags[0].ResourceId) != n.vpc || got.Tags[0].ResourceType != types.ResourceTypeVpc || got.Tags[2].ResourceType != types.ResourceTypeInternetGateway {
		t.Fatalf("tags = %+v", got.Tags)
	}
	byType := must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx(t), &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-type", "subnet")}}))
	if len(byType.Tags) != 2 {
		t.Fatalf("subnet tags = %+v", byType.Tags)
	}
	byID := must[*ec2.DescribeTagsOutput](t)(c.DescribeTags(ctx(t), &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-id", n.vpc)}}))
	if len(byID.Tags) != 3 { // Name from create + two
		t.Fatalf("vpc tags = %+v", byID.Tags)
	}
	// Pagination over DescribeTags.
	var all []types.TagDescription
	p := ec2.NewDescribeTagsPaginator(c, &ec2.DescribeTagsInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		all = append(all, must[*ec2.DescribeTagsOutput](t)(p.NextPage(ctx(t))).Tags...)
	}
	if len(all) != 7 {
		t.Fatalf("paged tags = %d", len(all))
	}
	// DeleteTags: by key, by key and value (mismatching value keeps the tag).
	must[*ec2.DeleteTagsOutput](t)(c.DeleteTags(ctx(t), &ec2.DeleteTagsInput{Resources: []string{n.vpc}, Tags: []types.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("other")}}}))
	must[*ec2.DeleteTagsOutput](t)(c.DeleteTags(ctx(t), &ec2.DeleteTagsInput{Resources: []string{n.subnetA}, Tags: []types.Tag{{Key: aws.String("geusemaker:deployment")}}}))
	vpcs := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:geusemaker:deployment", "demo")}}))
	subs := must[*ec2.DescribeSubnetsOutput](t)(c.DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("tag-key", "geusemaker:deployment")}}))
	if len(vpcs.Vpcs) != 1 || len(subs.Subnets) != 0 {
		t.Fatalf("after delete: %d vpcs, %d subnets", len(vpcs.Vpcs), len(subs.Subnets))
	}
	// Errors: unknown ids, reserved prefix, limits.
	_, err := c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{"subnet-0123456789abcdef0"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{"sg-0123456789abcdef0"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{"i-0123456789abcdef0"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{"foo-1"}, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidID")
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{n.vpc}, Tags: []types.Tag{{Key: aws.String("AWS:x"), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidParameterValue", "Value ( AWS:x ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use")
	_, err = c.DeleteTags(ctx(t), &ec2.DeleteTagsInput{Resources: []string{n.vpc}, Tags: []types.Tag{{Key: aws.String("aws:cloudformation:stack-name")}}})
	wantCode(t, err, "InvalidParameterValue", "reserved for internal use")
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{n.vpc}, Tags: []types.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("b")}}})
	wantCode(t, err, "InvalidParameterValue", "128")
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{n.vpc}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String(strings.Repeat("v", 257))}}})
	wantCode(t, err, "InvalidParameterValue", "256")
	var many []types.Tag
	for i := 0; i < 49; i++ {
		many = append(many, types.Tag{Key: aws.String("k" + itoa(int64(i))), Value: aws.String("v")})
	}
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{n.vpc}, Tags: many})
	wantCode(t, err, "TagLimitExceeded")
	_, err = c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.0.9.0/24"), TagSpecifications: tagSpec(types.ResourceTypeVpc, "a", "b")})
	wantCode(t, err, "InvalidParameterValue", "not a valid taggable resource type")
}
