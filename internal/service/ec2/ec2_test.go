package ec2

import (
	"context"
	"encoding/base64"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

const region = "us-east-1"

func setup(t *testing.T) (*awsemu.Emulator, *ec2.Client, context.Context) {
	t.Helper()
	env := emutest.Start(t, emutest.Options{Region: region})
	return env.Emu, ec2.NewFromConfig(env.Config, func(o *ec2.Options) {
		o.Retryer = awsretry.AddWithMaxAttempts(awsretry.NewStandard(), 1)
	}), env.Ctx
}

func ok[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type network struct {
	vpc, subnetA, subnetB, igw, rtb, sg string
	ubuntu, dlami                       string
}

// makeNetwork builds a tier-1 style network: VPC, two public subnets, an
// attached internet gateway, a route table with a default route, a group.
func makeNetwork(t *testing.T, ctx context.Context, conn *ec2.Client) network {
	t.Helper()
	tags := map[string]string{"geusemaker:deployment": "demo", "geusemaker:managed-by": "terraform"}
	var n network
	n.vpc = aws.ToString(ok[*ec2.CreateVpcOutput](t)(conn.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
		TagSpecifications: TagSpecifications(tags, types.ResourceTypeVpc)})).Vpc.VpcId)
	n.subnetA = aws.ToString(ok[*ec2.CreateSubnetOutput](t)(conn.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.0.1.0/24"),
		AvailabilityZone: aws.String("us-east-1a"), TagSpecifications: TagSpecifications(tags, types.ResourceTypeSubnet)})).Subnet.SubnetId)
	n.subnetB = aws.ToString(ok[*ec2.CreateSubnetOutput](t)(conn.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.0.2.0/24"),
		AvailabilityZone: aws.String("us-east-1b"), TagSpecifications: TagSpecifications(tags, types.ResourceTypeSubnet)})).Subnet.SubnetId)
	for _, s := range []string{n.subnetA, n.subnetB} {
		ok[*ec2.ModifySubnetAttributeOutput](t)(conn.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(s), MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	}
	n.igw = aws.ToString(ok[*ec2.CreateInternetGatewayOutput](t)(conn.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{
		TagSpecifications: TagSpecifications(tags, types.ResourceTypeInternetGateway)})).InternetGateway.InternetGatewayId)
	ok[*ec2.AttachInternetGatewayOutput](t)(conn.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(n.igw), VpcId: aws.String(n.vpc)}))
	n.rtb = aws.ToString(ok[*ec2.CreateRouteTableOutput](t)(conn.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(n.vpc)})).RouteTable.RouteTableId)
	ok[*ec2.CreateRouteOutput](t)(conn.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(n.rtb), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(n.igw)}))
	for _, s := range []string{n.subnetA, n.subnetB} {
		ok[*ec2.AssociateRouteTableOutput](t)(conn.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(n.rtb), SubnetId: aws.String(s)}))
	}
	n.sg = ok[string](t)(CreateSecurityGroup(ctx, conn, n.vpc, "demo-instance", "GeuseMaker instance", tags))
	amis := awsemu.AMIsOf(region)
	n.ubuntu, n.dlami = amis[0].ID, amis[2].ID
	return n
}

func (n network) runInput(typ string) *ec2.RunInstancesInput {
	return &ec2.RunInstancesInput{ImageId: aws.String(n.ubuntu), InstanceType: types.InstanceType(typ), SubnetId: aws.String(n.subnetA),
		SecurityGroupIds: []string{n.sg}, TagSpecifications: TagSpecifications(map[string]string{"geusemaker:deployment": "demo"}, types.ResourceTypeInstance)}
}

func TestFinders(t *testing.T) {
	_, conn, ctx := setup(t)
	n := makeNetwork(t, ctx, conn)

	if v := ok[*types.Vpc](t)(FindVPCByID(ctx, conn, n.vpc)); aws.ToString(v.CidrBlock) != "10.0.0.0/16" {
		t.Fatalf("vpc = %+v", v)
	}
	_, err := FindVPCByID(ctx, conn, "vpc-0123456789abcdef0")
	if !retry.NotFound(err) || errs.Code(err) != "InvalidVpcID.NotFound" {
		t.Fatalf("missing vpc: %v (code %q)", err, errs.Code(err))
	}
	if s := ok[*types.Subnet](t)(FindSubnetByID(ctx, conn, n.subnetB)); aws.ToString(s.AvailabilityZone) != "us-east-1b" {
		t.Fatalf("subnet = %+v", s)
	}
	if _, err := FindSubnetsByIDs(ctx, conn, []string{n.subnetA, "subnet-0123456789abcdef0"}); !retry.NotFound(err) {
		t.Fatalf("missing subnet among ids: %v", err)
	}
	if subs := ok[[]types.Subnet](t)(FindSubnetsByVPCID(ctx, conn, n.vpc)); len(subs) != 2 {
		t.Fatalf("subnets by vpc = %d", len(subs))
	}
	if subs := ok[[]types.Subnet](t)(FindSubnetsByVPCID(ctx, conn, "vpc-0123456789abcdef0")); len(subs) != 0 {
		t.Fatal("subnets of an unknown vpc")
	}
	if g := ok[*types.SecurityGroup](t)(FindSecurityGroupByID(ctx, conn, n.sg)); aws.ToString(g.GroupName) != "demo-instance" || len(g.Tags) != 2 {
		t.Fatalf("group = %+v", g)
	}
	if _, err := FindSecurityGroupByID(ctx, conn, "sg-0123456789abcdef0"); !retry.NotFound(err) {
		t.Fatalf("missing group: %v", err)
	}
	if g := ok[*types.SecurityGroup](t)(FindSecurityGroupByNameAndVPC(ctx, conn, "default", n.vpc)); aws.ToString(g.VpcId) != n.vpc {
		t.Fatalf("default group = %+v", g)
	}
	if _, err := FindSecurityGroupByNameAndVPC(ctx, conn, "nope", n.vpc); !retry.NotFound(err) {
		t.Fatalf("missing group by name: %v", err)
	}
	if g := ok[*types.InternetGateway](t)(FindInternetGatewayByID(ctx, conn, n.igw)); aws.ToString(g.Attachments[0].VpcId) != n.vpc {
		t.Fatalf("igw = %+v", g)
	}
	if _, err := FindInternetGatewayByID(ctx, conn, "igw-0123456789abcdef0"); !retry.NotFound(err) {
		t.Fatalf("missing igw: %v", err)
	}
	if gws := ok[[]types.InternetGateway](t)(FindInternetGatewaysByVPCID(ctx, conn, n.vpc)); len(gws) != 1 {
		t.Fatalf("igws by vpc = %d", len(gws))
	}
	if rt := ok[*types.RouteTable](t)(FindRouteTableByID(ctx, conn, n.rtb)); len(rt.Associations) != 2 || len(rt.Routes) != 2 {
		t.Fatalf("route table = %+v", rt)
	}
	if _, err := FindRouteTableByID(ctx, conn, "rtb-0123456789abcdef0"); !retry.NotFound(err) {
		t.Fatalf("missing route table: %v", err)
	}
	if rts := ok[[]types.RouteTable](t)(FindRouteTablesByVPCID(ctx, conn, n.vpc)); len(rts) != 2 {
		t.Fatalf("route tables by vpc = %d", len(rts))
	}
	if img := ok[*types.Image](t)(FindImageByID(ctx, conn, n.dlami)); img.Architecture != types.ArchitectureValuesX8664 {
		t.Fatalf("image = %+v", img)
	}
	if _, err := FindImageByID(ctx, conn, "ami-0123456789abcdef0"); !retry.NotFound(err) {
		t.Fatalf("missing image: %v", err)
	}
	if pl := ok[*types.ManagedPrefixList](t)(FindManagedPrefixListByName(ctx, conn, "com.amazonaws.global.cloudfront.origin-facing")); !strings.HasPrefix(aws.ToString(pl.PrefixListId), "pl-") {
		t.Fatalf("prefix list = %+v", pl)
	}
	if _, err := FindManagedPrefixListByName(ctx, conn, "nope"); !retry.NotFound(err) {
		t.Fatalf("missing prefix list: %v", err)
	}
	if azs := ok[[]types.AvailabilityZone](t)(FindAvailabilityZones(ctx, conn)); len(azs) != 6 {
		t.Fatalf("zones = %d", len(azs))
	}
	its := ok[map[string]types.InstanceTypeInfo](t)(FindInstanceTypes(ctx, conn, "g5.xlarge", "t3.medium"))
	if its["g5.xlarge"].GpuInfo == nil || its["t3.medium"].GpuInfo != nil || len(its) != 2 {
		t.Fatalf("instance types = %+v", its)
	}
	if _, err := FindInstanceTypes(ctx, conn, "t3.unknown"); errs.Code(err) != "InvalidInstanceType" {
		t.Fatalf("unknown type: %v", err)
	}
	tagged := ok[[]types.TagDescription](t)(FindTaggedResources(ctx, conn, "geusemaker:deployment", "demo"))
	kinds := map[types.ResourceType]int{}
	for _, td := range tagged {
		kinds[td.ResourceType]++
	}
	if kinds[types.ResourceTypeVpc] != 1 || kinds[types.ResourceTypeSubnet] != 2 || kinds[types.ResourceTypeInternetGateway] != 1 || kinds[types.ResourceTypeSecurityGroup] != 1 {
		t.Fatalf("tagged = %v", kinds)
	}
	if none := ok[[]types.TagDescription](t)(FindTaggedResources(ctx, conn, "geusemaker:deployment", "other")); len(none) != 0 {
		t.Fatal("tagged resources of another deployment")
	}
	if nis := ok[[]types.NetworkInterface](t)(FindNetworkInterfaces(ctx, conn, []types.Filter{filter("vpc-id", n.vpc)})); len(nis) != 0 {
		t.Fatalf("interfaces = %d", len(nis))
	}
}

func TestInstanceLifecycle(t *testing.T) {
	emu, conn, ctx := setup(t)
	n := makeNetwork(t, ctx, conn)
	in := n.runInput("t3.medium")
	in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\n" + bootmarker.FormatManifest(bootmarker.Manifest{Deployment: "demo", Tier: 1}) + "\n")))
	in.ClientToken = aws.String("demo-instance-1")
	inst := ok[*types.Instance](t)(RunInstance(ctx, conn, in, time.Minute))
	id := aws.ToString(inst.InstanceId)
	// The same token again is the same instance, not a second one.
	again := ok[*types.Instance](t)(RunInstance(ctx, conn, in, time.Minute))
	if aws.ToString(again.InstanceId) != id {
		t.Fatalf("idempotent launch gave %s and %s", id, aws.ToString(again.InstanceId))
	}
	var states []string
	running := ok[*types.Instance](t)(WaitInstanceRunning(ctx, conn, id, time.Minute, func(state string, _ time.Duration) { states = append(states, state) }))
	if running.State.Name != types.InstanceStateNameRunning || len(states) == 0 || states[len(states)-1] != "running" {
		t.Fatalf("running = %s, progress = %v", running.State.Name, states)
	}
	if found := ok[[]types.Instance](t)(FindInstancesByTag(ctx, conn, "geusemaker:deployment", "demo")); len(found) != 1 {
		t.Fatalf("by tag = %d", len(found))
	}

	// Console output fills in as the boot proceeds; wait for the marker.
	var console string
	for i := 0; i < 200; i++ {
		console = ok[string](t)(ConsoleOutput(ctx, conn, id))
		if bootmarker.Parse(console).Complete {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := bootmarker.Parse(console); !r.Complete || !strings.Contains(console, "Linux version") {
		t.Fatalf("console never completed:\n%s", console)
	}

	changed := ok[*types.Instance](t)(ChangeInstanceType(ctx, conn, id, "t3.large", time.Minute))
	if changed.InstanceType != "t3.large" || changed.State.Name != types.InstanceStateNameRunning {
		t.Fatalf("changed = %s %s", changed.InstanceType, changed.State.Name)
	}
	counts := emu.CallCounts()
	if counts["ec2.StopInstances"] != 1 || counts["ec2.ModifyInstanceAttribute"] != 1 || counts["ec2.StartInstances"] != 1 {
		t.Fatalf("calls = %v", counts)
	}
	if _, err := ChangeInstanceType(ctx, conn, id, "t4g.large", time.Minute); errs.Code(err) != "InvalidParameterValue" {
		t.Fatalf("architecture change: %v", err)
	}
	ok[*types.Instance](t)(StartInstance(ctx, conn, id, time.Minute))
	noErr(t, StopInstance(ctx, conn, id, time.Minute))
	if inst := ok[*types.Instance](t)(FindInstanceByID(ctx, conn, id)); inst.State.Name != types.InstanceStateNameStopped {
		t.Fatalf("after StopInstance: %s", inst.State.Name)
	}

	var termStates []string
	noErr(t, TerminateInstance(ctx, conn, id, time.Minute, func(state string, _ time.Duration) { termStates = append(termStates, state) }))
	if termStates[len(termStates)-1] != "terminated" {
		t.Fatalf("terminate progress = %v", termStates)
	}
	if _, err := FindInstanceByID(ctx, conn, id); !retry.NotFound(err) {
		t.Fatalf("terminated instance found: %v", err)
	}
	if found := ok[[]types.Instance](t)(FindInstancesByTag(ctx, conn, "geusemaker:deployment", "demo")); len(found) != 0 {
		t.Fatalf("terminated instance listed by tag")
	}
	// Terminating again, or an instance that never existed, is fine.
	noErr(t, TerminateInstance(ctx, conn, id, time.Minute))
	noErr(t, TerminateInstance(ctx, conn, "i-0123456789abcdef0", time.Minute))
	if _, err := ConsoleOutput(ctx, conn, "i-0123456789abcdef0"); errs.Code(err) != "InvalidInstanceID.NotFound" {
		t.Fatalf("console of unknown instance: %v", err)
	}
}

func TestWaitInstanceRunningFailsOnTermination(t *testing.T) {
	emu, conn, ctx := setup(t)
	n := makeNetwork(t, ctx, conn)
	emu.SetKnob("ec2.instance_pending", "never")
	inst := ok[*types.Instance](t)(RunInstance(ctx, conn, n.runInput("t3.small"), time.Minute))
	id := aws.ToString(inst.InstanceId)
	_, err := WaitInstanceRunning(ctx, conn, id, 200*time.Millisecond)
	if !retry.TimedOut(err) {
		t.Fatalf("want a timeout, got %v", err)
	}
	ok[*ec2.TerminateInstancesOutput](t)(conn.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	_, err = WaitInstanceRunning(ctx, conn, id, time.Minute)
	var ue *retry.UnexpectedStateError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "User initiated shutdown") {
		t.Fatalf("want unexpected state with the reason, got %v", err)
	}
	if _, err := WaitInstanceTerminated(ctx, conn, id, time.Minute); err != nil {
		t.Fatal(err)
	}
}

func TestRunInstanceRetriesProfilePropagation(t *testing.T) {
	emu, conn, ctx := setup(t)
	n := makeNetwork(t, ctx, conn)
	in := n.runInput("t3.small")
	in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String("demo-profile")}
	// The profile exists and has propagated; the faults play the part of a
	// profile EC2 cannot see yet.
	emu.SetKnob("iam.propagation", "0s")
	ic := iam.NewFromConfig(aws.Config{Region: region, BaseEndpoint: aws.String(emu.URL()), HTTPClient: conns.NewHTTPClient(),
		Credentials: credentials.NewStaticCredentialsProvider(awsemu.DefaultAccessKey, awsemu.DefaultSecretKey, "")})
	ok[*iam.CreateRoleOutput](t)(ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("demo-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	ok[*iam.CreateInstanceProfileOutput](t)(ic.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("demo-profile")}))
	ok[*iam.AddRoleToInstanceProfileOutput](t)(ic.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("demo-profile"), RoleName: aws.String("demo-role")}))
	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "RunInstances", Code: "InvalidParameterValue",
		Message: "Value (demo-profile) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name", Times: 2})
	inst := ok[*types.Instance](t)(RunInstance(ctx, conn, in, time.Minute))
	if emu.CallCounts()["ec2.RunInstances"] != 3 || aws.ToString(inst.IamInstanceProfile.Arn) != "arn:aws:iam::123456789012:instance-profile/demo-profile" {
		t.Fatalf("calls = %d, profile = %+v", emu.CallCounts()["ec2.RunInstances"], inst.IamInstanceProfile)
	}
	// Other InvalidParameterValue errors are not retried.
	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "RunInstances", Code: "InvalidParameterValue", Message: "User data is limited to 16384 bytes", Times: 1})
	_, err := RunInstance(ctx, conn, n.runInput("t3.small"), time.Minute)
	if errs.Code(err) != "InvalidParameterValue" || emu.CallCounts()["ec2.RunInstances"] != 4 {
		t.Fatalf("err = %v, calls = %d", err, emu.CallCounts()["ec2.RunInstances"])
	}
	// A profile that never propagates fails after the timeout.
	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "RunInstances", Code: "InvalidParameterValue",
		Message: "Instance profile arn:aws:iam::123456789012:instance-profile/x has no associated IAM Roles"})
	_, err = RunInstance(ctx, conn, in, 100*time.Millisecond)
	if !isProfilePropagation(err) || emu.CallCounts()["ec2.RunInstances"] < 6 {
		t.Fatalf("err = %v, calls = %d", err, emu.CallCounts()["ec2.RunInstances"])
	}
}

func TestIsProfilePropagation(t *testing.T) {
	for msg, want := range map[string]bool{
		"Value (x) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name": true,
		"Invalid IAM Instance Profile ARN":                                               true,
		"Instance profile arn:aws:iam::1:instance-profile/x has no associated IAM Roles": true,
		"The architecture 'arm64' of the specified instance type does not match":         false,
	} {
		if got := isProfilePropagation(&smithy.GenericAPIError{Code: "InvalidParameterValue", Message: msg}); got != want {
			t.Fatalf("%q: %v", msg, got)
		}
	}
	if isProfilePropagation(&smithy.GenericAPIError{Code: "InvalidParameter", Message: "Invalid IAM Instance Profile"}) {
		t.Fatal("another code matched")
	}
}

func TestSecurityGroupHelpers(t *testing.T) {
	emu, conn, ctx := setup(t)
	n := makeNetwork(t, ctx, conn)
	alb := ok[string](t)(CreateSecurityGroup(ctx, conn, n.vpc, "demo-alb", "GeuseMaker ALB", nil))
	ssh := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}
	http := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(alb)}}}
	nfs := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(2049), ToPort: aws.Int32(2049), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}
	noErr(t, AuthorizeIngress(ctx, conn, n.sg, []types.IpPermission{ssh}))
	// A batch with an existing rule still adds the new ones.
	noErr(t, AuthorizeIngress(ctx, conn, n.sg, []types.IpPermission{ssh, http, nfs}))
	g := ok[*types.SecurityGroup](t)(FindSecurityGroupByID(ctx, conn, n.sg))
	if len(g.IpPermissions) != 3 {
		t.Fatalf("ingress = %+v", g.IpPermissions)
	}
	if err := AuthorizeIngress(ctx, conn, n.sg, []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(1),
		IpRanges: []types.IpRange{{CidrIp: aws.String("bad")}}}}); errs.Code(err) != "InvalidParameterValue" {
		t.Fatalf("bad cidr: %v", err)
	}
	// Revoking a batch with a rule that is already gone still revokes the rest.
	noErr(t, RevokeIngress(ctx, conn, n.sg, []types.IpPermission{ssh}))
	noErr(t, RevokeIngress(ctx, conn, n.sg, []types.IpPermission{ssh, nfs}))
	noErr(t, RevokeIngress(ctx, conn, "sg-0123456789abcdef0", []types.IpPermission{ssh}))
	g = ok[*types.SecurityGroup](t)(FindSecurityGroupByID(ctx, conn, n.sg))
	if len(g.IpPermissions) != 1 || aws.ToString(g.IpPermissions[0].UserIdGroupPairs[0].GroupId) != alb {
		t.Fatalf("after revoke = %+v", g.IpPermissions)
	}

	// The ALB group is referenced by the instance group: deleting it needs
	// the reference revoked first.
	err := DeleteSecurityGroup(ctx, conn, alb, 100*time.Millisecond)
	if errs.Code(err) != "DependencyViolation" || !strings.Contains(err.Error(), alb) {
		t.Fatalf("referenced group delete: %v", err)
	}
	noErr(t, RevokeRulesReferencing(ctx, conn, []string{n.sg, "sg-0123456789abcdef0"}, alb))
	before := emu.CallCounts()["ec2.DeleteSecurityGroup"]
	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "DeleteSecurityGroup", Code: "DependencyViolation", Times: 2})
	noErr(t, DeleteSecurityGroup(ctx, conn, alb, time.Minute))
	if got := emu.CallCounts()["ec2.DeleteSecurityGroup"] - before; got != 3 {
		t.Fatalf("delete calls = %d", got)
	}
	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "DeleteSecurityGroup", Code: "InvalidGroup.InUse", Times: 1})
	noErr(t, DeleteSecurityGroup(ctx, conn, alb, time.Minute)) // InUse retried, then NotFound is success
	if _, err := FindSecurityGroupByID(ctx, conn, alb); !retry.NotFound(err) {
		t.Fatalf("group still there: %v", err)
	}
}

func TestDeleteSecurityGroupWaitsForTerminatingInstance(t *testing.T) {
	emu, conn, ctx := setup(t)
	emu.SetKnob("ec2.terminate_duration", "5m") // 150 ms of wall time at speed 2000
	n := makeNetwork(t, ctx, conn)
	inst := ok[*types.Instance](t)(RunInstance(ctx, conn, n.runInput("t3.small"), time.Minute))
	id := aws.ToString(inst.InstanceId)
	ok[*ec2.TerminateInstancesOutput](t)(conn.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	// The instance's interface holds the group and the subnet until termination completes.
	noErr(t, DeleteSecurityGroup(ctx, conn, n.sg, time.Minute))
	noErr(t, DeleteSubnet(ctx, conn, n.subnetA, time.Minute))
	var violations int
	for _, c := range emu.Calls() {
		if c.Operation == "DeleteSecurityGroup" && c.Error == "DependencyViolation" {
			violations++
		}
	}
	if violations == 0 {
		t.Fatal("the delete never met the terminating instance's interface")
	}
	if nis := ok[[]types.NetworkInterface](t)(FindNetworkInterfaces(ctx, conn, []types.Filter{filter("attachment.instance-id", id)})); len(nis) != 0 {
		t.Fatalf("interfaces left: %d", len(nis))
	}
}

func TestWaitNetworkInterfacesGone(t *testing.T) {
	emu, conn, ctx := setup(t)
	n := makeNetwork(t, ctx, conn)
	inst := ok[*types.Instance](t)(RunInstance(ctx, conn, n.runInput("t3.small"), time.Minute))
	id := aws.ToString(inst.InstanceId)
	filters := []types.Filter{filter("attachment.instance-id", id)}
	err := WaitNetworkInterfacesGone(ctx, conn, filters, 100*time.Millisecond)
	if !retry.TimedOut(err) {
		t.Fatalf("want timeout while the instance runs, got %v", err)
	}
	ok[*ec2.TerminateInstancesOutput](t)(conn.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	noErr(t, WaitNetworkInterfacesGone(ctx, conn, filters, time.Minute))
	if calls := emu.CallCounts()["ec2.DescribeNetworkInterfaces"]; calls < 2 {
		t.Fatalf("polled %d times", calls)
	}
	noErr(t, WaitNetworkInterfacesGone(ctx, conn, []types.Filter{filter("description", "ELB app/none/*")}, time.Minute))
}

func TestNetworkDeletes(t *testing.T) {
	emu, conn, ctx := setup(t)
	n := makeNetwork(t, ctx, conn)

	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "DeleteRouteTable", Code: "DependencyViolation", Times: 2})
	noErr(t, DeleteRouteTable(ctx, conn, n.rtb, time.Minute))
	if _, err := FindRouteTableByID(ctx, conn, n.rtb); !retry.NotFound(err) {
		t.Fatalf("route table still there: %v", err)
	}
	noErr(t, DeleteRouteTable(ctx, conn, n.rtb, time.Minute))

	// A running instance with a public address keeps the gateway attached.
	inst := ok[*types.Instance](t)(RunInstance(ctx, conn, n.runInput("t3.small"), time.Minute))
	err := DeleteInternetGateway(ctx, conn, n.igw, n.vpc, 100*time.Millisecond)
	if errs.Code(err) != "DependencyViolation" || !strings.Contains(errs.Message(err), "mapped public address") {
		t.Fatalf("detach with a public instance: %v", err)
	}
	noErr(t, TerminateInstance(ctx, conn, aws.ToString(inst.InstanceId), time.Minute))
	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "DetachInternetGateway", Code: "DependencyViolation", Times: 2})
	noErr(t, DeleteInternetGateway(ctx, conn, n.igw, n.vpc, time.Minute))
	if emu.CallCounts()["ec2.DetachInternetGateway"] < 3 {
		t.Fatalf("detach calls = %d", emu.CallCounts()["ec2.DetachInternetGateway"])
	}
	noErr(t, DeleteInternetGateway(ctx, conn, n.igw, n.vpc, time.Minute))

	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "DeleteSubnet", Code: "DependencyViolation", Times: 2})
	for _, s := range []string{n.subnetA, n.subnetB} {
		noErr(t, DeleteSubnet(ctx, conn, s, time.Minute))
		noErr(t, DeleteSubnet(ctx, conn, s, time.Minute))
	}
	if emu.CallCounts()["ec2.DeleteSubnet"] != 6 {
		t.Fatalf("subnet delete calls = %d", emu.CallCounts()["ec2.DeleteSubnet"])
	}
	// The VPC still holds the instance group: the delete retries, then gives up.
	err = DeleteVPC(ctx, conn, n.vpc, 100*time.Millisecond)
	if errs.Code(err) != "DependencyViolation" {
		t.Fatalf("vpc with a group: %v", err)
	}
	noErr(t, DeleteSecurityGroup(ctx, conn, n.sg, time.Minute))
	noErr(t, DeleteVPC(ctx, conn, n.vpc, time.Minute))
	noErr(t, DeleteVPC(ctx, conn, n.vpc, time.Minute))
	if inv := emu.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory after teardown = %+v", inv)
	}
}

func TestTags(t *testing.T) {
	if Tags(nil) != nil || TagSpecifications(nil, types.ResourceTypeVpc) != nil {
		t.Fatal("empty tags should be nil")
	}
	tags := Tags(map[string]string{"b": "2", "a": "1"})
	if len(tags) != 2 || aws.ToString(tags[0].Key) != "a" {
		t.Fatalf("tags = %+v", tags)
	}
	if m := KeyValueTags(tags); m["a"] != "1" || m["b"] != "2" {
		t.Fatalf("map = %v", m)
	}
	specs := TagSpecifications(map[string]string{"k": "v"}, types.ResourceTypeInstance, types.ResourceTypeVolume)
	if len(specs) != 2 || specs[1].ResourceType != types.ResourceTypeVolume || len(specs[1].Tags) != 1 {
		t.Fatalf("specs = %+v", specs)
	}

	_, conn, ctx := setup(t)
	n := makeNetwork(t, ctx, conn)
	ids := []string{n.vpc, n.subnetA}
	noErr(t, UpdateTags(ctx, conn, ids, nil, map[string]string{"a": "1", "b": "2"}))
	noErr(t, UpdateTags(ctx, conn, ids, map[string]string{"a": "1", "b": "2"}, map[string]string{"b": "3", "c": "4"}))
	for _, id := range ids {
		out := ok[*ec2.DescribeTagsOutput](t)(conn.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-id", id)}}))
		got := map[string]string{}
		for _, td := range out.Tags {
			got[aws.ToString(td.Key)] = aws.ToString(td.Value)
		}
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got["a"] != "" || got["b"] != "3" || got["c"] != "4" || got["geusemaker:deployment"] != "demo" {
			t.Fatalf("%s tags = %v", id, got)
		}
	}
	if err := UpdateTags(ctx, conn, []string{"vpc-0123456789abcdef0"}, nil, map[string]string{"a": "1"}); errs.Code(err) != "InvalidVpcID.NotFound" {
		t.Fatalf("unknown resource: %v", err)
	}
}

func TestFindZonesOffering(t *testing.T) {
	_, conn, ctx := setup(t)
	for typ, want := range map[string]string{
		"t3.medium":   "us-east-1a us-east-1b us-east-1c us-east-1d us-east-1e us-east-1f",
		"g5.xlarge":   "us-east-1a us-east-1b us-east-1c us-east-1d us-east-1f",
		"nope.xlarge": "",
	} {
		zones, err := FindZonesOffering(ctx, conn, typ)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(zones, " "); got != want {
			t.Errorf("%s offered in %q, want %q", typ, got, want)
		}
	}
}
