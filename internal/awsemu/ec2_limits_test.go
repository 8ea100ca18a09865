package awsemu

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
)

// Fidelity tests for the limits EC2 enforces: instance metadata tag keys,
// vCPU and VPC quotas, the rule quota with prefix-list weights, user data
// size and injected capacity shortages.

func wantHTTPStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d, got %v", status, err)
	}
}

// retryingEC2 is an EC2 client that retries as the SDK's standard retryer
// does (three attempts), without waiting between them.
func retryingEC2(e *Emulator) *ec2.Client {
	cfg := sdkConfig(e, testRegion)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	return ec2.NewFromConfig(cfg)
}

func TestEC2MetadataTagKeys(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"quota.L-1216C47A": "64"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	withTags := func(kv ...string) *ec2.RunInstancesInput {
		in := env.input("t3.micro")
		in.MetadataOptions = &types.InstanceMetadataOptionsRequest{InstanceMetadataTags: types.InstanceMetadataTagsStateEnabled}
		in.TagSpecifications = tagSpec(types.ResourceTypeInstance, kv...)
		return in
	}
	for _, key := range []string{"Cost Center", "team/owner", ".", "..", "_index", "naïve"} {
		_, err := c.RunInstances(ctx(t), withTags(key, "x"))
		wantCode(t, err, "InvalidParameterValue", "'"+key+"' is not a valid tag key. Tag keys must match pattern ([0-9a-zA-Z\\\\-_+=,.@:]{1,255}), and must not be a reserved name ('.', '..', '_index')")
	}
	// Every allowed character passes; tags of other resources are not restricted.
	in := withTags("geusemaker:deployment", "demo", "a-b_c+d=e,f.g@h", "1")
	in.TagSpecifications = append(in.TagSpecifications, tagSpec(types.ResourceTypeVolume, "Cost Center", "42")...)
	id := aws.ToString(runOne(t, c, in).InstanceId)
	_, err := c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("Cost Center"), Value: aws.String("42")}}})
	wantCode(t, err, "InvalidParameterValue", "'Cost Center' is not a valid tag key")
	must[*ec2.CreateTagsOutput](t)(c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []types.Tag{{Key: aws.String("CostCenter"), Value: aws.String("42")}}}))

	// Without metadata tags the same keys are accepted, and enabling the
	// option is refused while such a tag exists.
	plain := env.input("t3.micro")
	plain.TagSpecifications = tagSpec(types.ResourceTypeInstance, "team/owner", "ops")
	pid := aws.ToString(runOne(t, c, plain).InstanceId)
	_, err = c.ModifyInstanceMetadataOptions(ctx(t), &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(pid), InstanceMetadataTags: types.InstanceMetadataTagsStateEnabled})
	wantCode(t, err, "InvalidParameterValue", "'team/owner' is not a valid tag key")
	if got := describeInstance(t, c, pid).MetadataOptions.InstanceMetadataTags; got != types.InstanceMetadataTagsStateDisabled {
		t.Fatalf("a refused change was applied: %s", got)
	}
	must[*ec2.DeleteTagsOutput](t)(c.DeleteTags(ctx(t), &ec2.DeleteTagsInput{Resources: []string{pid}, Tags: []types.Tag{{Key: aws.String("team/owner")}}}))
	mod := must[*ec2.ModifyInstanceMetadataOptionsOutput](t)(c.ModifyInstanceMetadataOptions(ctx(t), &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(pid),
		InstanceMetadataTags: types.InstanceMetadataTagsStateEnabled, HttpTokens: types.HttpTokensStateRequired}))
	if mod.InstanceMetadataOptions.State != types.InstanceMetadataOptionsStatePending || mod.InstanceMetadataOptions.InstanceMetadataTags != types.InstanceMetadataTagsStateEnabled {
		t.Fatalf("modify answer = %+v", mod.InstanceMetadataOptions)
	}
	got := describeInstance(t, c, pid).MetadataOptions
	if got.InstanceMetadataTags != types.InstanceMetadataTagsStateEnabled || got.HttpTokens != types.HttpTokensStateRequired ||
		got.State != types.InstanceMetadataOptionsStateApplied || aws.ToInt32(got.HttpPutResponseHopLimit) != 1 {
		t.Fatalf("metadata options = %+v", got)
	}
	_, err = c.CreateTags(ctx(t), &ec2.CreateTagsInput{Resources: []string{pid}, Tags: []types.Tag{{Key: aws.String("_index"), Value: aws.String("")}}})
	wantCode(t, err, "InvalidParameterValue", "'_index' is not a valid tag key")
	_, err = c.ModifyInstanceMetadataOptions(ctx(t), &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(pid), HttpPutResponseHopLimit: aws.Int32(0)})
	wantCode(t, err, "InvalidParameterValue", "HttpPutResponseHopLimit")
}

func TestEC2VCPUQuotas(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	// A new account: 5 standard vCPUs, none for G and VT or P.
	a := aws.ToString(runOne(t, c, env.input("t3.medium")).InstanceId)
	runOne(t, c, env.input("t3.medium"))
	_, err := c.RunInstances(ctx(t), env.input("t3.medium"))
	wantCode(t, err, "VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of 5 allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.")
	wantHTTPStatus(t, err, http.StatusBadRequest)
	// t2.micro has one vCPU: it still fits.
	runOne(t, c, env.input("t2.micro"))
	gpu := env.input("g5.xlarge")
	gpu.ImageId = aws.String(env.dlamiX86)
	_, err = c.RunInstances(ctx(t), gpu)
	wantCode(t, err, "VcpuLimitExceeded", "vCPU limit of 0 allows")
	p3 := env.input("p3.2xlarge")
	p3.ImageId = aws.String(env.dlamiX86)
	_, err = c.RunInstances(ctx(t), p3)
	wantCode(t, err, "VcpuLimitExceeded", "vCPU limit of 0 allows")

	// Raising the G and VT quota admits exactly one g5.xlarge (4 vCPUs).
	e.SetKnob("quota.L-DB2E81BA", "4")
	runOne(t, c, gpu)
	gpu.ClientToken = nil // the SDK filled in a token: reusing it would replay the launch
	_, err = c.RunInstances(ctx(t), gpu)
	wantCode(t, err, "VcpuLimitExceeded", "vCPU limit of 4 allows")
	_, err = c.RunInstances(ctx(t), p3)
	wantCode(t, err, "VcpuLimitExceeded", "vCPU limit of 0 allows")

	// A stopped instance frees its vCPUs; starting it again needs them back.
	e.Clock().Advance(time.Minute)
	must[*ec2.StopInstancesOutput](t)(c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{a}}))
	_, err = c.RunInstances(ctx(t), env.input("t3.medium"))
	wantCode(t, err, "VcpuLimitExceeded") // stopping still holds its host
	e.Clock().Advance(time.Minute)
	b := aws.ToString(runOne(t, c, env.input("t3.medium")).InstanceId)
	_, err = c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{a}})
	wantCode(t, err, "VcpuLimitExceeded", "vCPU limit of 5 allows")
	// An instance type change moves the instance to another bucket.
	must[*ec2.ModifyInstanceAttributeOutput](t)(c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(a), InstanceType: &types.AttributeValue{Value: aws.String("c6i.large")}}))
	must[*ec2.TerminateInstancesOutput](t)(c.TerminateInstances(ctx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{b}}))
	_, err = c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{a}})
	wantCode(t, err, "VcpuLimitExceeded") // shutting-down still counts
	e.Clock().Advance(time.Minute)
	must[*ec2.StartInstancesOutput](t)(c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{a}}))

	// MaxCount beyond the quota launches what fits, MinCount beyond it nothing.
	e.SetKnob("quota.L-1216C47A", "9")
	batch := env.input("t3.micro")
	batch.MaxCount = aws.Int32(5)
	out := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx(t), batch))
	if len(out.Instances) != 2 { // 2 + 1 + 2 in use, 9 allowed: two more t3.micro
		t.Fatalf("launched %d of MaxCount 5", len(out.Instances))
	}
	batch.MinCount, batch.ClientToken = aws.Int32(2), nil
	_, err = c.RunInstances(ctx(t), batch)
	wantCode(t, err, "VcpuLimitExceeded", "vCPU limit of 9 allows")

	// Service Quotas reports the value the launch was checked against.
	sq := servicequotas.NewFromConfig(sdkConfig(e, testRegion))
	q := must[*servicequotas.GetServiceQuotaOutput](t)(sq.GetServiceQuota(ctx(t), &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String("ec2"), QuotaCode: aws.String("L-1216C47A")}))
	if aws.ToFloat64(q.Quota.Value) != 9 {
		t.Fatalf("Service Quotas reports %v", aws.ToFloat64(q.Quota.Value))
	}
}

func TestEC2VCPUQuotaClasses(t *testing.T) {
	for typ, want := range map[string][2]string{
		"t3.micro": {"L-1216C47A", "L-34B43A08"}, "m7g.large": {"L-1216C47A", "L-34B43A08"}, "g4dn.xlarge": {"L-DB2E81BA", "L-3819A6DF"},
		"g5g.xlarge": {"L-DB2E81BA", "L-3819A6DF"}, "vt1.3xlarge": {"L-DB2E81BA", "L-3819A6DF"}, "p3.2xlarge": {"L-417A185B", "L-7212CCBC"},
		"p5.48xlarge": {"L-417A185B", "L-C4BD4855"}, "x1.16xlarge": {"L-7295265B", "L-E3A00192"}, "inf2.xlarge": {"L-1945791B", "L-B5D1601B"},
		"i3.large": {"L-1216C47A", "L-34B43A08"}, "dl1.24xlarge": {"L-6E869C2A", "L-85EED4F7"}, "trn1.2xlarge": {"L-2C3B7624", "L-6B0D517C"},
		"f1.2xlarge": {"L-74FC7D96", "L-88CF9481"}, "hpc7g.4xlarge": {"L-F7808C92", ""}, "u-6tb1.metal": {"L-43DA4232", ""},
		"d3.xlarge": {"L-1216C47A", "L-34B43A08"}, "z1d.large": {"L-1216C47A", "L-34B43A08"},
	} {
		if od, spot := vcpuQuotas(typ); od != want[0] || spot != want[1] {
			t.Errorf("%s: quotas %s/%s, want %s/%s", typ, od, spot, want[0], want[1])
		}
	}
	for _, code := range []string{"L-1216C47A", "L-DB2E81BA", "L-417A185B", "L-34B43A08", "L-3819A6DF", "L-7212CCBC", "L-F678F1CE", "L-0EA8095F"} {
		if _, ok := QuotaDefinition(code); !ok {
			t.Errorf("quota %s is not registered", code)
		}
	}
}

func TestEC2VPCQuotas(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"quota.L-E79EC296": "4", "quota.L-407747CB": "2", "quota.L-DF5E4CA3": "3", "quota.L-589F43AA": "2"}})
	c := ec2Client(e)
	var vpcs []string
	for i := 0; i < 5; i++ {
		out := must[*ec2.CreateVpcOutput](t)(c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}))
		vpcs = append(vpcs, aws.ToString(out.Vpc.VpcId))
	}
	_, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	wantCode(t, err, "VpcLimitExceeded", "The maximum number of VPCs has been reached.")
	must[*ec2.DeleteVpcOutput](t)(c.DeleteVpc(ctx(t), &ec2.DeleteVpcInput{VpcId: aws.String(vpcs[4])}))
	for i := 0; i < 5; i++ {
		must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx(t), &ec2.CreateInternetGatewayInput{}))
	}
	_, err = c.CreateInternetGateway(ctx(t), &ec2.CreateInternetGatewayInput{})
	wantCode(t, err, "InternetGatewayLimitExceeded", "internet gateways")
	// Four VPCs hold four default groups: the region's quota of 4 is full.
	_, err = c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpcs[0]), GroupName: aws.String("web"), Description: aws.String("web")})
	wantCode(t, err, "SecurityGroupLimitExceeded", "security groups")
	e.SetKnob("quota.L-E79EC296", "")
	for i, cidr := range []string{"10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"} {
		in := &ec2.CreateSubnetInput{VpcId: aws.String(vpcs[0]), CidrBlock: aws.String(cidr)}
		if i == 2 {
			_, err = c.CreateSubnet(ctx(t), in)
			wantCode(t, err, "SubnetLimitExceeded", "subnets")
			continue
		}
		must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx(t), in))
	}
	// Subnets of another VPC count separately.
	must[*ec2.CreateSubnetOutput](t)(c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: aws.String(vpcs[1]), CidrBlock: aws.String("10.0.1.0/24")}))
	must[*ec2.CreateRouteTableOutput](t)(c.CreateRouteTable(ctx(t), &ec2.CreateRouteTableInput{VpcId: aws.String(vpcs[0])}))
	_, err = c.CreateRouteTable(ctx(t), &ec2.CreateRouteTableInput{VpcId: aws.String(vpcs[0])}) // the main table counts
	wantCode(t, err, "RouteTableLimitExceeded", "route tables")

	// Network interfaces per region, and groups per interface.
	env := makeComputeEnv(t, e, c)
	for i := 0; i < 5; i++ {
		name := "g" + string(rune('a'+i))
		must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(env.vpc), GroupName: aws.String(name), Description: aws.String(name)}))
	}
	groups := must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", env.vpc)}}))
	var ids []string
	for _, g := range groups.SecurityGroups {
		ids = append(ids, aws.ToString(g.GroupId))
	}
	in := env.input("t3.micro")
	in.SecurityGroupIds = ids[:6]
	_, err = c.RunInstances(ctx(t), in)
	wantCode(t, err, "SecurityGroupsPerInterfaceLimitExceeded")
	in.SecurityGroupIds = ids[:5]
	in.MaxCount = aws.Int32(5)
	out := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx(t), in))
	if len(out.Instances) != 2 { // 3 interfaces allowed, 2 instance slots left by the vCPU quota of 5
		t.Fatalf("launched %d", len(out.Instances))
	}
	e.SetKnob("quota.L-1216C47A", "64")
	runOne(t, c, env.input("t3.micro"))
	_, err = c.RunInstances(ctx(t), env.input("t3.micro"))
	wantCode(t, err, "NetworkInterfaceLimitExceeded", "network interfaces")
}

func TestEC2RuleQuotaCountsPrefixListWeight(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	n := makeNet(t, c, "10.0.0.0/16")
	sg := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc),
		GroupName: aws.String("alb"), Description: aws.String("ALB (CloudFront only)")})).GroupId)
	pls := must[*ec2.DescribeManagedPrefixListsOutput](t)(c.DescribeManagedPrefixLists(ctx(t), &ec2.DescribeManagedPrefixListsInput{
		Filters: []types.Filter{filter("prefix-list-name", "com.amazonaws.global.cloudfront.origin-facing")}}))
	pl := pls.PrefixLists[0]
	if aws.ToInt32(pl.MaxEntries) != 55 {
		t.Fatalf("CloudFront origin-facing list weighs %d", aws.ToInt32(pl.MaxEntries))
	}
	ingress := func(perm types.IpPermission) error {
		_, err := c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{perm}})
		return err
	}
	cidr := func(port int32, cidrs ...string) types.IpPermission {
		p := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
		for _, c := range cidrs {
			p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(c)})
		}
		return p
	}
	if err := ingress(types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), PrefixListIds: []types.PrefixListId{{PrefixListId: pl.PrefixListId}}}); err != nil {
		t.Fatal(err)
	}
	// 55 + 5 = 60: full.
	if err := ingress(cidr(22, "198.51.100.0/24", "198.51.101.0/24", "198.51.102.0/24", "198.51.103.0/24", "198.51.104.0/24")); err != nil {
		t.Fatal(err)
	}
	err := ingress(cidr(22, "198.51.105.0/24"))
	wantCode(t, err, "RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
	// IPv6 rules are counted on their own; a group reference counts in both.
	if err := ingress(types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("2001:db8::/32")}}}); err != nil {
		t.Fatal(err)
	}
	err = ingress(types.IpPermission{IpProtocol: aws.String("-1"), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(sg)}}})
	wantCode(t, err, "RulesPerSecurityGroupLimitExceeded")
	// Egress is a separate direction with its own 60 (one default rule).
	var egress []types.IpRange
	for i := 0; i < 59; i++ {
		egress = append(egress, types.IpRange{CidrIp: aws.String("203.0." + itoa(int64(i)) + ".0/24")})
	}
	must[*ec2.AuthorizeSecurityGroupEgressOutput](t)(c.AuthorizeSecurityGroupEgress(ctx(t), &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(sg),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: egress}}}))
	_, err = c.AuthorizeSecurityGroupEgress(ctx(t), &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(sg),
		IpPermissions: []types.IpPermission{cidr(443, "203.0.200.0/24")}})
	wantCode(t, err, "RulesPerSecurityGroupLimitExceeded")
	// A raised quota admits more.
	e.SetKnob("quota.L-0EA8095F", "61")
	if err := ingress(cidr(22, "198.51.105.0/24")); err != nil {
		t.Fatal(err)
	}
	got := must[*ec2.DescribeSecurityGroupRulesOutput](t)(c.DescribeSecurityGroupRules(ctx(t), &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", sg)}}))
	if len(got.SecurityGroupRules) != 1+5+1+1+60 {
		t.Fatalf("rules = %d", len(got.SecurityGroupRules))
	}
}

func TestEC2SecurityGroupTextRules(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	n := makeNet(t, c, "10.0.0.0/16")
	create := func(name, desc string) error {
		_, err := c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc), GroupName: aws.String(name), Description: aws.String(desc)})
		return err
	}
	wantCode(t, create("web%1", "ok"), "InvalidParameterValue", "GroupName")
	wantCode(t, create("web", "it's"), "InvalidParameterValue", "GroupDescription")
	wantCode(t, create("web", "café"), "InvalidParameterValue", "GroupDescription")
	if err := create("geusemaker-demo_1 (alb)", "GeuseMaker: ALB for demo [tier 3] #1 & more; {x}!$*=+,@/"); err != nil {
		t.Fatal(err)
	}
	sg := aws.ToString(must[*ec2.DescribeSecurityGroupsOutput](t)(c.DescribeSecurityGroups(ctx(t), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", "geusemaker-demo_1 (alb)")}})).SecurityGroups[0].GroupId)
	rule := func(desc string) error {
		_, err := c.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("198.51.100.0/24"), Description: aws.String(desc)}}}}})
		return err
	}
	wantCode(t, rule("ssh & admin"), "InvalidParameterValue", "rule description")
	wantCode(t, rule(strings.Repeat("a", 256)), "InvalidParameterValue", "rule description")
	if err := rule("SSH from the office (ops) #1"); err != nil {
		t.Fatal(err)
	}
}

func TestEC2UserDataLimit(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	in := env.input("t3.micro")
	in.UserData = aws.String(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 16385)))
	_, err := c.RunInstances(ctx(t), in)
	wantCode(t, err, "InvalidUserData.Malformed", "User data is limited to 16384 bytes.")
	in.UserData = aws.String(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 16384)))
	id := aws.ToString(runOne(t, c, in).InstanceId)
	e.Clock().Advance(time.Minute)
	must[*ec2.StopInstancesOutput](t)(c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	e.Clock().Advance(time.Minute)
	_, err = c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), UserData: &types.SecureBlobAttributeValue{Value: bytes.Repeat([]byte("y"), 16385)}})
	wantCode(t, err, "InvalidUserData.Malformed")
}

func TestEC2InsufficientCapacityKnob(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"ec2.insufficient_capacity": "g5@us-east-1a,t3.micro@us-east-1b", "quota.L-DB2E81BA": "64"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	gpu := env.input("g5.xlarge")
	gpu.ImageId = aws.String(env.dlamiX86)
	_, err := c.RunInstances(ctx(t), gpu)
	// us-east-1e does not offer g5; 1a is short: the message names the others.
	wantCode(t, err, "InsufficientInstanceCapacity", "We currently do not have sufficient g5.xlarge capacity in the Availability Zone you requested (us-east-1a).",
		"choosing us-east-1b, us-east-1c, us-east-1d, us-east-1f.")
	wantHTTPStatus(t, err, http.StatusInternalServerError)
	// A server error: the SDK retries it in the same zone.
	before := e.CallCounts()["ec2.RunInstances"]
	_, err = retryingEC2(e).RunInstances(ctx(t), gpu)
	wantCode(t, err, "InsufficientInstanceCapacity")
	if n := e.CallCounts()["ec2.RunInstances"] - before; n != 3 {
		t.Fatalf("the standard retryer sent %d attempts, want 3", n)
	}
	// The shortage is per zone and type: persistent, other zones and types launch.
	_, err = c.RunInstances(ctx(t), gpu)
	wantCode(t, err, "InsufficientInstanceCapacity")
	gpu.SubnetId = aws.String(env.subnetB)
	runOne(t, c, gpu)
	id := aws.ToString(runOne(t, c, env.input("t3.micro")).InstanceId) // t3.micro is short in 1b only
	// StartInstances meets the shortage of its zone too.
	e.Clock().Advance(time.Minute)
	must[*ec2.StopInstancesOutput](t)(c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	e.Clock().Advance(time.Minute)
	e.SetKnob("ec2.insufficient_capacity", "*@us-east-1a")
	_, err = c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "InsufficientInstanceCapacity", "t3.micro capacity in the Availability Zone you requested (us-east-1a)")
	// The old form, a bare type, is short in every zone.
	e.SetKnob("ec2.insufficient_capacity", "m5.large")
	in := env.input("m5.large")
	in.SubnetId = aws.String(env.subnetB)
	_, err = c.RunInstances(ctx(t), in)
	wantCode(t, err, "InsufficientInstanceCapacity")
	// A dry run checks permissions, not capacity or quotas.
	in.DryRun = aws.Bool(true)
	_, err = c.RunInstances(ctx(t), in)
	wantCode(t, err, "DryRunOperation")
}

func TestEC2XenConsoleLatest(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	c := ec2Client(e)
	out := must[*ec2.DescribeInstanceTypesOutput](t)(c.DescribeInstanceTypes(ctx(t), &ec2.DescribeInstanceTypesInput{
		InstanceTypes: []types.InstanceType{"t2.micro", "m4.large", "c4.large", "p3.2xlarge", "g3s.xlarge", "r4.large", "x1.16xlarge", "t3.micro", "g5.xlarge"}}))
	for _, it := range out.InstanceTypes {
		name := string(it.InstanceType)
		want := types.InstanceTypeHypervisorXen
		if name == "t3.micro" || name == "g5.xlarge" {
			want = types.InstanceTypeHypervisorNitro
		}
		if it.Hypervisor != want {
			t.Errorf("%s hypervisor %s, want %s", name, it.Hypervisor, want)
		}
	}
	byName := map[string]types.InstanceTypeInfo{}
	for _, it := range out.InstanceTypes {
		byName[string(it.InstanceType)] = it
	}
	if g3 := byName["g3s.xlarge"]; g3.GpuInfo == nil || aws.ToString(g3.GpuInfo.Gpus[0].Name) != "M60" || aws.ToInt32(g3.VCpuInfo.DefaultVCpus) != 4 ||
		aws.ToInt64(g3.MemoryInfo.SizeInMiB) != 31232 || aws.ToInt32(g3.GpuInfo.TotalGpuMemoryInMiB) != 8192 {
		t.Errorf("g3s.xlarge = %+v", g3)
	}
	if t2 := byName["t2.micro"]; aws.ToInt32(t2.VCpuInfo.DefaultVCpus) != 1 || aws.ToInt64(t2.MemoryInfo.SizeInMiB) != 1024 || t2.NetworkInfo.EnaSupport != types.EnaSupportUnsupported {
		t.Errorf("t2.micro = %+v", t2)
	}
	xen := must[*ec2.DescribeInstanceTypesOutput](t)(c.DescribeInstanceTypes(ctx(t), &ec2.DescribeInstanceTypesInput{Filters: []types.Filter{filter("hypervisor", "xen")}}))
	if len(xen.InstanceTypes) != 26 {
		t.Errorf("xen types = %d", len(xen.InstanceTypes))
	}

	env := makeComputeEnv(t, e, c)
	id := aws.ToString(runOne(t, c, env.input("t2.micro")).InstanceId)
	nitro := aws.ToString(runOne(t, c, env.input("t3.micro")).InstanceId)
	e.Clock().Advance(2 * time.Minute)
	_, err := c.GetConsoleOutput(ctx(t), &ec2.GetConsoleOutputInput{InstanceId: aws.String(id), Latest: aws.Bool(true)})
	wantCode(t, err, "UnsupportedOperation", "t2.micro")
	buffered := must[*ec2.GetConsoleOutputOutput](t)(c.GetConsoleOutput(ctx(t), &ec2.GetConsoleOutputInput{InstanceId: aws.String(id)}))
	if buffered.Output == nil {
		t.Fatal("no buffered console output on a Xen instance")
	}
	if _, ok := consoleText(t, c, nitro); !ok {
		t.Fatal("no latest console output on a Nitro instance")
	}
}

func TestEC2PlanInputs(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"quota.L-DB2E81BA": "8"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	must[*ec2.CreateKeyPairOutput](t)(c.CreateKeyPair(ctx(t), &ec2.CreateKeyPairInput{KeyName: aws.String("ops")}))
	byName := must[*ec2.DescribeKeyPairsOutput](t)(c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{Filters: []types.Filter{filter("key-name", "ops")}}))
	none := must[*ec2.DescribeKeyPairsOutput](t)(c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{Filters: []types.Filter{filter("key-name", "nope")}}))
	if len(byName.KeyPairs) != 1 || len(none.KeyPairs) != 0 {
		t.Fatalf("key-name filter: %d / %d", len(byName.KeyPairs), len(none.KeyPairs))
	}
	_, err := c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{KeyNames: []string{"nope"}})
	wantCode(t, err, "InvalidKeyPair.NotFound", "The key pair 'nope' does not exist")
	in := env.input("g5.xlarge")
	in.ImageId = aws.String(env.dlamiX86)
	in.KeyName = aws.String("nope")
	_, err = c.RunInstances(ctx(t), in)
	wantCode(t, err, "InvalidKeyPair.NotFound", "nope")
	// The GPU AMI's root snapshot is 75 GiB; a smaller root volume is refused.
	img := must[*ec2.DescribeImagesOutput](t)(c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{ImageIds: []string{env.dlamiX86}})).Images[0]
	root := img.BlockDeviceMappings[0].Ebs
	if aws.ToInt32(root.VolumeSize) != 75 || !strings.HasPrefix(aws.ToString(root.SnapshotId), "snap-") {
		t.Fatalf("root device = %+v", root)
	}
	in.KeyName = aws.String("ops")
	in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: img.RootDeviceName, Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(30), VolumeType: types.VolumeTypeGp3}}}
	_, err = c.RunInstances(ctx(t), in)
	wantCode(t, err, "InvalidBlockDeviceMapping", "Volume of size 30GB is smaller than snapshot '"+aws.ToString(root.SnapshotId)+"', expect size >= 75GB")
	in.BlockDeviceMappings[0].Ebs.VolumeSize = aws.Int32(75)
	runOne(t, c, in)
	for _, bad := range []string{"ami-xyz", "xyz", "ami-0123456789abcdef"} {
		_, err = c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{ImageIds: []string{bad}})
		wantCode(t, err, "InvalidAMIID.Malformed", bad)
	}
	_, err = c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef0"}})
	wantCode(t, err, "InvalidAMIID.NotFound")
}
