package awsemu

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

// elbEnv is a VPC with two subnets in distinct AZs and a security group,
// the network an ALB needs.
type elbEnv struct {
	e   *Emulator
	ec2 *ec2.Client
	elb *elbv2.Client
	net testNet
	sg  string
}

func newELBEnv(t *testing.T, opts Options) *elbEnv {
	t.Helper()
	if opts.Speed == 0 {
		opts.Speed = 1
	}
	e := startEmu(t, opts)
	env := &elbEnv{e: e, ec2: ec2Client(e), elb: elbv2.NewFromConfig(sdkConfig(e, testRegion))}
	env.net = makeNet(t, env.ec2, "10.20.0.0/16")
	env.sg = env.group(t, env.net.vpc, "alb")
	return env
}

func (env *elbEnv) group(t *testing.T, vpc, name string) string {
	t.Helper()
	out, err := env.ec2.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.GroupId)
}

func (env *elbEnv) createLB(t *testing.T, name string, tags ...elbtypes.Tag) elbtypes.LoadBalancer {
	t.Helper()
	out, err := env.elb.CreateLoadBalancer(ctx(t), &elbv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: []string{env.net.subnetA, env.net.subnetB}, SecurityGroups: []string{env.sg}, Tags: tags,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.LoadBalancers[0]
}

func (env *elbEnv) createTG(t *testing.T, name string) elbtypes.TargetGroup {
	t.Helper()
	out, err := env.elb.CreateTargetGroup(ctx(t), &elbv2.CreateTargetGroupInput{
		Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: aws.String(env.net.vpc),
		HealthCheckPath: aws.String("/healthz"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.TargetGroups[0]
}

func forward(tgARN *string) []elbtypes.Action {
	return []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgARN}}
}

func (env *elbEnv) createListener(t *testing.T, lbARN *string, port int32, actions []elbtypes.Action) elbtypes.Listener {
	t.Helper()
	out, err := env.elb.CreateListener(ctx(t), &elbv2.CreateListenerInput{LoadBalancerArn: lbARN, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(port), DefaultActions: actions})
	if err != nil {
		t.Fatal(err)
	}
	return out.Listeners[0]
}

func (env *elbEnv) enis(t *testing.T, desc string) []ec2types.NetworkInterface {
	t.Helper()
	out, err := env.ec2.DescribeNetworkInterfaces(ctx(t), &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{filter("description", desc)}})
	if err != nil {
		t.Fatal(err)
	}
	return out.NetworkInterfaces
}

func TestELBv2LoadBalancerLifecycle(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "demo-alb", elbtypes.Tag{Key: aws.String("Name"), Value: aws.String("demo-alb")})
	arn := aws.ToString(lb.LoadBalancerArn)
	m := regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo-alb/([0-9a-f]{16})$`).FindStringSubmatch(arn)
	if m == nil {
		t.Fatalf("arn = %s", arn)
	}
	if !regexp.MustCompile(`^demo-alb-\d{10}\.us-east-1\.elb\.amazonaws\.com$`).MatchString(aws.ToString(lb.DNSName)) {
		t.Fatalf("dns = %s", aws.ToString(lb.DNSName))
	}
	if aws.ToString(lb.CanonicalHostedZoneId) != "Z35SXDOTRQ7X7K" || lb.State.Code != "provisioning" || lb.Scheme != "internet-facing" ||
		lb.Type != "application" || lb.IpAddressType != "ipv4" || aws.ToString(lb.VpcId) != env.net.vpc || len(lb.AvailabilityZones) != 2 ||
		len(lb.SecurityGroups) != 1 || lb.SecurityGroups[0] != env.sg || lb.CreatedTime == nil {
		t.Fatalf("load balancer = %+v", lb)
	}
	if zones := []string{aws.ToString(lb.AvailabilityZones[0].ZoneName), aws.ToString(lb.AvailabilityZones[1].ZoneName)}; zones[0] == zones[1] {
		t.Fatalf("zones %v", zones)
	}
	// One requester-managed interface per subnet.
	enis := env.enis(t, "ELB app/demo-alb/"+m[1])
	if len(enis) != 2 || aws.ToString(enis[0].RequesterId) != "amazon-elb" || !aws.ToBool(enis[0].RequesterManaged) ||
		enis[0].Groups[0].GroupId == nil || aws.ToString(enis[0].Groups[0].GroupId) != env.sg {
		t.Fatalf("interfaces = %+v", enis)
	}
	// Idempotent create; other settings under the same name are refused.
	again := env.createLB(t, "demo-alb")
	if aws.ToString(again.LoadBalancerArn) != arn {
		t.Fatalf("second create made %s", aws.ToString(again.LoadBalancerArn))
	}
	_, err := env.elb.CreateLoadBalancer(ctx(t), &elbv2.CreateLoadBalancerInput{Name: aws.String("demo-alb"), Subnets: []string{env.net.subnetA, env.net.subnetB},
		SecurityGroups: []string{env.sg}, Scheme: elbtypes.LoadBalancerSchemeEnumInternal})
	var dup *elbtypes.DuplicateLoadBalancerNameException
	if !errors.As(err, &dup) {
		t.Fatalf("want DuplicateLoadBalancerName, got %v", err)
	}
	env.e.Clock().Advance(3 * time.Minute)
	out, err := env.elb.DescribeLoadBalancers(ctx(t), &elbv2.DescribeLoadBalancersInput{Names: []string{"demo-alb"}})
	if err != nil || len(out.LoadBalancers) != 1 || out.LoadBalancers[0].State.Code != "active" {
		t.Fatalf("describe: %v %+v", err, out)
	}
	calls := env.e.Calls()
	if last := calls[len(calls)-1]; last.Notes["state"] != "active" {
		t.Fatalf("notes %v", last.Notes)
	}
	inv := env.e.Inventory()
	found := false
	for _, r := range inv {
		if r.Service == "elbv2" && r.ID == arn && r.State == "active" && r.Tags["Name"] == "demo-alb" {
			found = true
		}
	}
	if !found {
		t.Fatalf("inventory %+v", inv)
	}
	_, err = env.elb.DescribeLoadBalancers(ctx(t), &elbv2.DescribeLoadBalancersInput{Names: []string{"nope"}})
	var nf *elbtypes.LoadBalancerNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unknown name: %v", err)
	}
	_, err = env.elb.DescribeLoadBalancers(ctx(t), &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{strings.Replace(arn, m[1], "0000000000000000", 1)}})
	if !errors.As(err, &nf) {
		t.Fatalf("unknown arn: %v", err)
	}
}

func TestELBv2CreateLoadBalancerValidation(t *testing.T) {
	env := newELBEnv(t, Options{})
	otherVPC := makeNet(t, env.ec2, "10.30.0.0/16")
	otherSG := env.group(t, otherVPC.vpc, "other")
	sameAZ, err := env.ec2.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: aws.String(env.net.vpc), CidrBlock: aws.String("10.20.3.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	sub := []string{env.net.subnetA, env.net.subnetB}
	for _, tc := range []struct {
		name    string
		in      elbv2.CreateLoadBalancerInput
		code    string
		message string
	}{
		{"long name", elbv2.CreateLoadBalancerInput{Name: aws.String(strings.Repeat("a", 33)), Subnets: sub}, "ValidationError", "cannot be longer than '32' characters"},
		{"bad characters", elbv2.CreateLoadBalancerInput{Name: aws.String("my_alb"), Subnets: sub}, "ValidationError", "alphanumeric"},
		{"leading hyphen", elbv2.CreateLoadBalancerInput{Name: aws.String("-alb"), Subnets: sub}, "ValidationError", "hyphen"},
		{"internal prefix", elbv2.CreateLoadBalancerInput{Name: aws.String("internal-alb"), Subnets: sub}, "ValidationError", "internal-"},
		{"one subnet", elbv2.CreateLoadBalancerInput{Name: aws.String("one"), Subnets: sub[:1]}, "ValidationError", "At least two subnets in two different Availability Zones must be specified"},
		{"same zone", elbv2.CreateLoadBalancerInput{Name: aws.String("same"), Subnets: []string{env.net.subnetA, aws.ToString(sameAZ.Subnet.SubnetId)}}, "InvalidConfigurationRequest", "multiple subnets in the same Availability Zone"},
		{"unknown subnet", elbv2.CreateLoadBalancerInput{Name: aws.String("nosub"), Subnets: []string{env.net.subnetA, "subnet-0123456789abcdef0"}}, "SubnetNotFound", "subnet-0123456789abcdef0"},
		{"two vpcs", elbv2.CreateLoadBalancerInput{Name: aws.String("twovpc"), Subnets: []string{env.net.subnetA, otherVPC.subnetB}}, "InvalidConfigurationRequest", "VPC"},
		{"unknown group", elbv2.CreateLoadBalancerInput{Name: aws.String("nosg"), Subnets: sub, SecurityGroups: []string{"sg-0123456789abcdef0"}}, "InvalidSecurityGroup", "sg-0123456789abcdef0"},
		{"group of another vpc", elbv2.CreateLoadBalancerInput{Name: aws.String("othersg"), Subnets: sub, SecurityGroups: []string{otherSG}}, "InvalidSecurityGroup", otherSG},
		{"scheme", elbv2.CreateLoadBalancerInput{Name: aws.String("scheme"), Subnets: sub, Scheme: "public"}, "ValidationError", "scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := env.elb.CreateLoadBalancer(ctx(t), &in)
			wantCode(t, err, tc.code, tc.message)
		})
	}
	for _, r := range env.e.Inventory() {
		if r.Service == "elbv2" {
			t.Fatalf("a refused create left %+v", r)
		}
	}
	if n := len(env.enis(t, "ELB app/*")); n != 0 {
		t.Fatalf("refused creates left %d interfaces", n)
	}
}

func TestELBv2ProvisioningKnobs(t *testing.T) {
	env := newELBEnv(t, Options{Knobs: map[string]string{"elbv2.provisioning_duration": "never"}})
	stuck := env.createLB(t, "stuck")
	env.e.Clock().Advance(time.Hour)
	out, _ := env.elb.DescribeLoadBalancers(ctx(t), &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{aws.ToString(stuck.LoadBalancerArn)}})
	if out.LoadBalancers[0].State.Code != "provisioning" {
		t.Fatalf("never: %s", out.LoadBalancers[0].State.Code)
	}
	env.e.SetKnob("elbv2.provisioning_duration", "1m")
	env.e.SetKnob("elbv2.provisioning_result", "failed")
	failed := env.createLB(t, "failing")
	env.e.Clock().Advance(time.Minute)
	out, _ = env.elb.DescribeLoadBalancers(ctx(t), &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{aws.ToString(failed.LoadBalancerArn)}})
	st := out.LoadBalancers[0].State
	if st.Code != "failed" || aws.ToString(st.Reason) == "" {
		t.Fatalf("failed: %+v", st)
	}
}

func TestELBv2DeleteLoadBalancer(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "to-delete")
	tg := env.createTG(t, "to-delete-tg")
	l := env.createListener(t, lb.LoadBalancerArn, 80, forward(tg.TargetGroupArn))
	_, err := env.elb.ModifyLoadBalancerAttributes(ctx(t), &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("true")}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.elb.DeleteLoadBalancer(ctx(t), &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
	var onp *elbtypes.OperationNotPermittedException
	if !errors.As(err, &onp) {
		t.Fatalf("deletion protection: %v", err)
	}
	_, err = env.elb.ModifyLoadBalancerAttributes(ctx(t), &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("false")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.elb.DeleteLoadBalancer(ctx(t), &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}); err != nil {
		t.Fatal(err)
	}
	_, err = env.elb.DescribeListeners(ctx(t), &elbv2.DescribeListenersInput{ListenerArns: []string{aws.ToString(l.ListenerArn)}})
	var lnf *elbtypes.ListenerNotFoundException
	if !errors.As(err, &lnf) {
		t.Fatalf("listener survived its load balancer: %v", err)
	}
	// The target group is free again.
	tgs, _ := env.elb.DescribeTargetGroups(ctx(t), &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{aws.ToString(tg.TargetGroupArn)}})
	if len(tgs.TargetGroups[0].LoadBalancerArns) != 0 {
		t.Fatalf("target group still attached: %v", tgs.TargetGroups[0].LoadBalancerArns)
	}
	// Its interfaces linger, then EC2 releases them.
	id := aws.ToString(lb.LoadBalancerArn)[strings.LastIndex(aws.ToString(lb.LoadBalancerArn), "/")+1:]
	if n := len(env.enis(t, "ELB app/to-delete/"+id)); n != 2 {
		t.Fatalf("%d interfaces right after the delete", n)
	}
	env.e.Clock().Advance(91 * time.Second)
	if n := len(env.enis(t, "ELB app/to-delete/"+id)); n != 0 {
		t.Fatalf("%d interfaces after the linger", n)
	}
	// Deleting an unknown load balancer succeeds; a malformed ARN does not.
	if _, err := env.elb.DeleteLoadBalancer(ctx(t), &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	_, err = env.elb.DeleteLoadBalancer(ctx(t), &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String("not-an-arn")})
	wantCode(t, err, "ValidationError", "not a valid load balancer ARN")
	if _, err := env.elb.DeleteTargetGroup(ctx(t), &elbv2.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn}); err != nil {
		t.Fatal(err)
	}
	for _, r := range env.e.Inventory() {
		if r.Service == "elbv2" {
			t.Fatalf("inventory still has %+v", r)
		}
	}
}

func TestELBv2LoadBalancerAttributes(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "attrs")
	out, err := env.elb.DescribeLoadBalancerAttributes(ctx(t), &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil {
		t.Fatal(err)
	}
	attrs := map[string]string{}
	for _, a := range out.Attributes {
		attrs[aws.ToString(a.Key)] = aws.ToString(a.Value)
	}
	if attrs["idle_timeout.timeout_seconds"] != "60" || attrs["deletion_protection.enabled"] != "false" || attrs["routing.http2.enabled"] != "true" ||
		attrs["routing.http.drop_invalid_header_fields.enabled"] != "false" || attrs["access_logs.s3.enabled"] != "false" {
		t.Fatalf("defaults %v", attrs)
	}
	mod := func(kv ...string) error {
		var in []elbtypes.LoadBalancerAttribute
		for i := 0; i+1 < len(kv); i += 2 {
			in = append(in, elbtypes.LoadBalancerAttribute{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		_, err := env.elb.ModifyLoadBalancerAttributes(ctx(t), &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn, Attributes: in})
		return err
	}
	if err := mod("idle_timeout.timeout_seconds", "4000", "routing.http.drop_invalid_header_fields.enabled", "true"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, mod("idle_timeout.timeout_seconds", "0"), "ValidationError", "idle_timeout.timeout_seconds")
	wantCode(t, mod("idle_timeout.timeout_seconds", "4001"), "ValidationError")
	wantCode(t, mod("routing.http2.enabled", "yes"), "ValidationError")
	wantCode(t, mod("no.such.key", "1"), "ValidationError", "Load balancer attribute key 'no.such.key' is not recognized")
	wantCode(t, mod("access_logs.s3.enabled", "true"), "InvalidConfigurationRequest", "access_logs.s3.bucket")
	if err := mod("access_logs.s3.enabled", "true", "access_logs.s3.bucket", "my-logs", "access_logs.s3.prefix", "alb"); err != nil {
		t.Fatal(err)
	}
	out, _ = env.elb.DescribeLoadBalancerAttributes(ctx(t), &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
	for _, a := range out.Attributes {
		attrs[aws.ToString(a.Key)] = aws.ToString(a.Value)
	}
	if attrs["idle_timeout.timeout_seconds"] != "4000" || attrs["access_logs.s3.bucket"] != "my-logs" || attrs["routing.http.drop_invalid_header_fields.enabled"] != "true" {
		t.Fatalf("after modify %v", attrs)
	}
}

func TestELBv2SetSecurityGroups(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "sgs")
	second := env.group(t, env.net.vpc, "second")
	out, err := env.elb.SetSecurityGroups(ctx(t), &elbv2.SetSecurityGroupsInput{LoadBalancerArn: lb.LoadBalancerArn, SecurityGroups: []string{second}})
	if err != nil || len(out.SecurityGroupIds) != 1 || out.SecurityGroupIds[0] != second {
		t.Fatalf("set: %v %+v", err, out)
	}
	for _, n := range env.enis(t, "ELB app/sgs/*") {
		if len(n.Groups) != 1 || aws.ToString(n.Groups[0].GroupId) != second {
			t.Fatalf("interface groups %+v", n.Groups)
		}
	}
	d, _ := env.elb.DescribeLoadBalancers(ctx(t), &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{aws.ToString(lb.LoadBalancerArn)}})
	if d.LoadBalancers[0].SecurityGroups[0] != second {
		t.Fatalf("describe groups %v", d.LoadBalancers[0].SecurityGroups)
	}
	_, err = env.elb.SetSecurityGroups(ctx(t), &elbv2.SetSecurityGroupsInput{LoadBalancerArn: lb.LoadBalancerArn, SecurityGroups: []string{"sg-0123456789abcdef0"}})
	wantCode(t, err, "InvalidSecurityGroup")
}

func TestELBv2TargetGroups(t *testing.T) {
	env := newELBEnv(t, Options{})
	tg := env.createTG(t, "demo-tg")
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-tg/[0-9a-f]{16}$`).MatchString(aws.ToString(tg.TargetGroupArn)) {
		t.Fatalf("arn %s", aws.ToString(tg.TargetGroupArn))
	}
	if tg.TargetType != "instance" || tg.HealthCheckProtocol != "HTTP" || aws.ToString(tg.HealthCheckPort) != "traffic-port" || aws.ToString(tg.HealthCheckPath) != "/healthz" ||
		aws.ToInt32(tg.HealthCheckIntervalSeconds) != 30 || aws.ToInt32(tg.HealthCheckTimeoutSeconds) != 5 || aws.ToInt32(tg.HealthyThresholdCount) != 5 ||
		aws.ToInt32(tg.UnhealthyThresholdCount) != 2 || aws.ToString(tg.Matcher.HttpCode) != "200" || aws.ToString(tg.ProtocolVersion) != "HTTP1" || !aws.ToBool(tg.HealthCheckEnabled) {
		t.Fatalf("defaults %+v", tg)
	}
	base := func(name string) elbv2.CreateTargetGroupInput {
		return elbv2.CreateTargetGroupInput{Name: aws.String(name), Protocol: "HTTP", Port: aws.Int32(80), VpcId: aws.String(env.net.vpc)}
	}
	for _, tc := range []struct {
		name   string
		mutate func(*elbv2.CreateTargetGroupInput)
		code   string
	}{
		{"long name", func(in *elbv2.CreateTargetGroupInput) { in.Name = aws.String(strings.Repeat("t", 33)) }, "ValidationError"},
		{"no port", func(in *elbv2.CreateTargetGroupInput) { in.Port = nil }, "ValidationError"},
		{"no vpc", func(in *elbv2.CreateTargetGroupInput) { in.VpcId = nil }, "ValidationError"},
		{"interval below timeout", func(in *elbv2.CreateTargetGroupInput) {
			in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds = aws.Int32(5), aws.Int32(10)
		}, "ValidationError"},
		{"interval range", func(in *elbv2.CreateTargetGroupInput) { in.HealthCheckIntervalSeconds = aws.Int32(301) }, "ValidationError"},
		{"healthy threshold", func(in *elbv2.CreateTargetGroupInput) { in.HealthyThresholdCount = aws.Int32(11) }, "ValidationError"},
		{"matcher", func(in *elbv2.CreateTargetGroupInput) {
			in.Matcher = &elbtypes.Matcher{HttpCode: aws.String("200-600")}
		}, "ValidationError"},
		{"path", func(in *elbv2.CreateTargetGroupInput) { in.HealthCheckPath = aws.String("healthz") }, "ValidationError"},
		{"duplicate name", func(in *elbv2.CreateTargetGroupInput) { in.Name, in.Port = aws.String("demo-tg"), aws.Int32(8080) }, "DuplicateTargetGroupName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := base("tg-" + strings.ReplaceAll(tc.name, " ", "-"))
			tc.mutate(&in)
			_, err := env.elb.CreateTargetGroup(ctx(t), &in)
			wantCode(t, err, tc.code)
		})
	}
	same := env.createTG(t, "demo-tg")
	if aws.ToString(same.TargetGroupArn) != aws.ToString(tg.TargetGroupArn) {
		t.Fatal("CreateTargetGroup with the same settings is not idempotent")
	}
	mod, err := env.elb.ModifyTargetGroup(ctx(t), &elbv2.ModifyTargetGroupInput{TargetGroupArn: tg.TargetGroupArn, HealthCheckIntervalSeconds: aws.Int32(10),
		HealthyThresholdCount: aws.Int32(2), Matcher: &elbtypes.Matcher{HttpCode: aws.String("200-399")}})
	if err != nil || aws.ToInt32(mod.TargetGroups[0].HealthCheckIntervalSeconds) != 10 || aws.ToString(mod.TargetGroups[0].Matcher.HttpCode) != "200-399" {
		t.Fatalf("modify %v %+v", err, mod)
	}
	_, err = env.elb.ModifyTargetGroup(ctx(t), &elbv2.ModifyTargetGroupInput{TargetGroupArn: tg.TargetGroupArn, HealthCheckTimeoutSeconds: aws.Int32(10)})
	wantCode(t, err, "ValidationError", "interval must be greater than the timeout")

	attrs, err := env.elb.DescribeTargetGroupAttributes(ctx(t), &elbv2.DescribeTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn})
	if err != nil {
		t.Fatal(err)
	}
	delay := ""
	for _, a := range attrs.Attributes {
		if aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" {
			delay = aws.ToString(a.Value)
		}
	}
	if delay != "300" {
		t.Fatalf("deregistration delay %q", delay)
	}
	setAttr := func(k, v string) error {
		_, err := env.elb.ModifyTargetGroupAttributes(ctx(t), &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn,
			Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String(k), Value: aws.String(v)}}})
		return err
	}
	if err := setAttr("deregistration_delay.timeout_seconds", "30"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, setAttr("deregistration_delay.timeout_seconds", "3601"), "ValidationError")
	wantCode(t, setAttr("bogus", "1"), "ValidationError", "is not recognized")

	// Describe by name, by ARN, by load balancer; in use blocks the delete.
	lb := env.createLB(t, "tg-user")
	env.createListener(t, lb.LoadBalancerArn, 80, forward(tg.TargetGroupArn))
	byLB, err := env.elb.DescribeTargetGroups(ctx(t), &elbv2.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil || len(byLB.TargetGroups) != 1 || byLB.TargetGroups[0].LoadBalancerArns[0] != aws.ToString(lb.LoadBalancerArn) {
		t.Fatalf("by load balancer %v %+v", err, byLB)
	}
	byName, err := env.elb.DescribeTargetGroups(ctx(t), &elbv2.DescribeTargetGroupsInput{Names: []string{"demo-tg"}})
	if err != nil || len(byName.TargetGroups) != 1 {
		t.Fatalf("by name %v %+v", err, byName)
	}
	_, err = env.elb.DescribeTargetGroups(ctx(t), &elbv2.DescribeTargetGroupsInput{Names: []string{"missing"}})
	var tnf *elbtypes.TargetGroupNotFoundException
	if !errors.As(err, &tnf) {
		t.Fatalf("unknown name %v", err)
	}
	_, err = env.elb.DeleteTargetGroup(ctx(t), &elbv2.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn})
	var riu *elbtypes.ResourceInUseException
	if !errors.As(err, &riu) || !strings.Contains(riu.ErrorMessage(), "currently in use by a listener or a rule") {
		t.Fatalf("delete in use: %v", err)
	}
}

func TestELBv2Listeners(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "listeners")
	tg := env.createTG(t, "listeners-tg")
	http := env.createListener(t, lb.LoadBalancerArn, 80, forward(tg.TargetGroupArn))
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/listeners/[0-9a-f]{16}/[0-9a-f]{16}$`).MatchString(aws.ToString(http.ListenerArn)) {
		t.Fatalf("listener arn %s", aws.ToString(http.ListenerArn))
	}
	act := http.DefaultActions[0]
	if act.Type != "forward" || aws.ToString(act.TargetGroupArn) != aws.ToString(tg.TargetGroupArn) || aws.ToInt32(act.Order) != 1 ||
		len(act.ForwardConfig.TargetGroups) != 1 || aws.ToInt32(act.ForwardConfig.TargetGroups[0].Weight) != 1 {
		t.Fatalf("default action %+v", act)
	}
	// The same listener again is idempotent; another on the port is refused.
	if again := env.createListener(t, lb.LoadBalancerArn, 80, forward(tg.TargetGroupArn)); aws.ToString(again.ListenerArn) != aws.ToString(http.ListenerArn) {
		t.Fatal("CreateListener with the same settings is not idempotent")
	}
	fixed := []elbtypes.Action{{Type: "fixed-response", FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("403"), ContentType: aws.String("text/plain"), MessageBody: aws.String("Forbidden")}}}
	_, err := env.elb.CreateListener(ctx(t), &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTP", Port: aws.Int32(80), DefaultActions: fixed})
	var dl *elbtypes.DuplicateListenerException
	if !errors.As(err, &dl) {
		t.Fatalf("duplicate port: %v", err)
	}

	// HTTPS needs an issued ACM certificate of the region and a known policy.
	certs := acm.NewFromConfig(sdkConfig(env.e, testRegion))
	cert, err := certs.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("n8n.example.com"), ValidationMethod: acmtypes.ValidationMethodDns})
	if err != nil {
		t.Fatal(err)
	}
	acmValidate(t, env.e, testRegion, aws.ToString(cert.CertificateArn)) // ACM issues it once its DNS records resolve
	https := func(certARN string, policy *string) (*elbv2.CreateListenerOutput, error) {
		in := &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: "HTTPS", Port: aws.Int32(443), DefaultActions: forward(tg.TargetGroupArn), SslPolicy: policy}
		if certARN != "" {
			in.Certificates = []elbtypes.Certificate{{CertificateArn: aws.String(certARN)}}
		}
		return env.elb.CreateListener(ctx(t), in)
	}
	_, err = https("", nil)
	wantCode(t, err, "ValidationError", "A certificate must be specified for HTTPS listeners")
	_, err = https(aws.ToString(cert.CertificateArn), nil)
	var cnf *elbtypes.CertificateNotFoundException
	if !errors.As(err, &cnf) {
		t.Fatalf("pending certificate: %v", err)
	}
	env.e.Clock().Advance(2 * time.Minute)
	_, err = https(aws.ToString(cert.CertificateArn), aws.String("ELBSecurityPolicy-Made-Up"))
	var spnf *elbtypes.SSLPolicyNotFoundException
	if !errors.As(err, &spnf) {
		t.Fatalf("unknown policy: %v", err)
	}
	tls, err := https(aws.ToString(cert.CertificateArn), aws.String("ELBSecurityPolicy-TLS13-1-2-2021-06"))
	if err != nil {
		t.Fatal(err)
	}
	hl := tls.Listeners[0]
	if aws.ToString(hl.SslPolicy) != "ELBSecurityPolicy-TLS13-1-2-2021-06" || len(hl.Certificates) != 1 || aws.ToString(hl.Certificates[0].CertificateArn) != aws.ToString(cert.CertificateArn) {
		t.Fatalf("https listener %+v", hl)
	}
	_, err = certs.DeleteCertificate(ctx(t), &acm.DeleteCertificateInput{CertificateArn: cert.CertificateArn})
	var inUse *acmtypes.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("certificate in use by a listener: %v", err)
	}

	// HTTP listener 80 → HTTPS redirect.
	redirect := []elbtypes.Action{{Type: "redirect", RedirectConfig: &elbtypes.RedirectActionConfig{Protocol: aws.String("HTTPS"), Port: aws.String("443"), StatusCode: "HTTP_301"}}}
	red, err := env.elb.ModifyListener(ctx(t), &elbv2.ModifyListenerInput{ListenerArn: http.ListenerArn, DefaultActions: redirect})
	if err != nil {
		t.Fatal(err)
	}
	rc := red.Listeners[0].DefaultActions[0].RedirectConfig
	if aws.ToString(rc.Host) != "#{host}" || aws.ToString(rc.Path) != "/#{path}" || aws.ToString(rc.Query) != "#{query}" || rc.StatusCode != "HTTP_301" {
		t.Fatalf("redirect %+v", rc)
	}
	for name, actions := range map[string][]elbtypes.Action{
		"redirect loop":       {{Type: "redirect", RedirectConfig: &elbtypes.RedirectActionConfig{StatusCode: "HTTP_302"}}},
		"redirect status":     {{Type: "redirect", RedirectConfig: &elbtypes.RedirectActionConfig{Protocol: aws.String("HTTPS"), StatusCode: "HTTP_307"}}},
		"redirect port":       {{Type: "redirect", RedirectConfig: &elbtypes.RedirectActionConfig{Port: aws.String("70000"), StatusCode: "HTTP_301"}}},
		"fixed status":        {{Type: "fixed-response", FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("302")}}},
		"fixed content type":  {{Type: "fixed-response", FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("200"), ContentType: aws.String("image/png")}}},
		"fixed body":          {{Type: "fixed-response", FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("200"), MessageBody: aws.String(strings.Repeat("x", 1025))}}},
		"forward nothing":     {{Type: "forward"}},
		"two terminals":       append(forward(tg.TargetGroupArn), fixed...),
		"unknown action type": {{Type: "teleport"}},
	} {
		_, err := env.elb.ModifyListener(ctx(t), &elbv2.ModifyListenerInput{ListenerArn: http.ListenerArn, DefaultActions: actions})
		var ae interface{ ErrorCode() string }
		if !errors.As(err, &ae) || (ae.ErrorCode() != "ValidationError" && ae.ErrorCode() != "InvalidLoadBalancerAction") {
			t.Fatalf("%s: %v", name, err)
		}
	}

	// A target group serves one load balancer; it must be in the same VPC.
	other := env.createLB(t, "other-lb")
	_, err = env.elb.CreateListener(ctx(t), &elbv2.CreateListenerInput{LoadBalancerArn: other.LoadBalancerArn, Protocol: "HTTP", Port: aws.Int32(80), DefaultActions: forward(tg.TargetGroupArn)})
	var tgal *elbtypes.TargetGroupAssociationLimitException
	if !errors.As(err, &tgal) {
		t.Fatalf("second load balancer: %v", err)
	}
	otherVPC := makeNet(t, env.ec2, "10.40.0.0/16")
	farTG, err := env.elb.CreateTargetGroup(ctx(t), &elbv2.CreateTargetGroupInput{Name: aws.String("far"), Protocol: "HTTP", Port: aws.Int32(80), VpcId: aws.String(otherVPC.vpc)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.elb.CreateListener(ctx(t), &elbv2.CreateListenerInput{LoadBalancerArn: other.LoadBalancerArn, Protocol: "HTTP", Port: aws.Int32(80), DefaultActions: forward(farTG.TargetGroups[0].TargetGroupArn)})
	wantCode(t, err, "InvalidConfigurationRequest", "different VPC")
	_, err = env.elb.CreateListener(ctx(t), &elbv2.CreateListenerInput{LoadBalancerArn: other.LoadBalancerArn, Protocol: "TCP", Port: aws.Int32(80), DefaultActions: fixed})
	wantCode(t, err, "UnsupportedProtocol")

	// HTTPS → HTTP drops the certificate and releases it.
	mod, err := env.elb.ModifyListener(ctx(t), &elbv2.ModifyListenerInput{ListenerArn: hl.ListenerArn, Protocol: "HTTP", Port: aws.Int32(8080)})
	if err != nil || mod.Listeners[0].SslPolicy != nil || len(mod.Listeners[0].Certificates) != 0 || aws.ToInt32(mod.Listeners[0].Port) != 8080 {
		t.Fatalf("to HTTP: %v %+v", err, mod)
	}
	list, err := env.elb.DescribeListeners(ctx(t), &elbv2.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil || len(list.Listeners) != 2 {
		t.Fatalf("describe %v %+v", err, list)
	}
	if _, err := env.elb.DeleteListener(ctx(t), &elbv2.DeleteListenerInput{ListenerArn: hl.ListenerArn}); err != nil {
		t.Fatal(err)
	}
	_, err = env.elb.DeleteListener(ctx(t), &elbv2.DeleteListenerInput{ListenerArn: hl.ListenerArn})
	var lnf *elbtypes.ListenerNotFoundException
	if !errors.As(err, &lnf) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := certs.DeleteCertificate(ctx(t), &acm.DeleteCertificateInput{CertificateArn: cert.CertificateArn}); err != nil {
		t.Fatalf("certificate still in use: %v", err)
	}
}

func TestELBv2Rules(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "rules")
	tg := env.createTG(t, "rules-tg")
	deny := []elbtypes.Action{{Type: "fixed-response", FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("403"), ContentType: aws.String("text/plain")}}}
	l := env.createListener(t, lb.LoadBalancerArn, 80, deny)
	secret := func(v string) []elbtypes.RuleCondition {
		return []elbtypes.RuleCondition{{Field: aws.String("http-header"), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{HttpHeaderName: aws.String("X-Origin-Verify"), Values: []string{v}}}}
	}
	create := func(prio int32, conds []elbtypes.RuleCondition) (*elbv2.CreateRuleOutput, error) {
		return env.elb.CreateRule(ctx(t), &elbv2.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(prio), Conditions: conds, Actions: forward(tg.TargetGroupArn)})
	}
	r1, err := create(10, secret("s3cr3t"))
	if err != nil {
		t.Fatal(err)
	}
	rule := r1.Rules[0]
	if aws.ToString(rule.Priority) != "10" || aws.ToBool(rule.IsDefault) || aws.ToString(rule.Conditions[0].HttpHeaderConfig.HttpHeaderName) != "X-Origin-Verify" ||
		!regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/rules/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`).MatchString(aws.ToString(rule.RuleArn)) {
		t.Fatalf("rule %+v", rule)
	}
	_, err = create(10, secret("other"))
	var piu *elbtypes.PriorityInUseException
	if !errors.As(err, &piu) {
		t.Fatalf("priority in use: %v", err)
	}
	path := []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/api/*"}}, {Field: aws.String("host-header"), HostHeaderConfig: &elbtypes.HostHeaderConditionConfig{Values: []string{"*.example.com"}}}}
	r2, err := create(20, path)
	if err != nil {
		t.Fatal(err)
	}
	if c := r2.Rules[0].Conditions; c[0].PathPatternConfig.Values[0] != "/api/*" || c[1].Values[0] != "*.example.com" {
		t.Fatalf("conditions as stored %+v", c)
	}
	for name, conds := range map[string][]elbtypes.RuleCondition{
		"six values":     {{Field: aws.String("path-pattern"), Values: []string{"/a", "/b", "/c"}}, {Field: aws.String("host-header"), Values: []string{"a.com", "b.com", "c.com"}}},
		"two paths":      {{Field: aws.String("path-pattern"), Values: []string{"/a"}}, {Field: aws.String("path-pattern"), Values: []string{"/b"}}},
		"bad host":       {{Field: aws.String("host-header"), Values: []string{"exa mple.com"}}},
		"bad field":      {{Field: aws.String("cookie"), Values: []string{"x"}}},
		"host as header": {{Field: aws.String("http-header"), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{HttpHeaderName: aws.String("Host"), Values: []string{"x"}}}},
		"long header":    {{Field: aws.String("http-header"), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{HttpHeaderName: aws.String(strings.Repeat("h", 41)), Values: []string{"x"}}}},
	} {
		_, err := create(30, conds)
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		wantCode(t, err, "ValidationError")
	}
	_, err = create(50001, secret("x"))
	wantCode(t, err, "ValidationError")

	rules, err := env.elb.DescribeRules(ctx(t), &elbv2.DescribeRulesInput{ListenerArn: l.ListenerArn})
	if err != nil || len(rules.Rules) != 3 {
		t.Fatalf("describe %v %+v", err, rules)
	}
	def := rules.Rules[2]
	if !aws.ToBool(def.IsDefault) || aws.ToString(def.Priority) != "default" || def.Actions[0].Type != "fixed-response" || aws.ToString(rules.Rules[0].Priority) != "10" {
		t.Fatalf("rules %+v", rules.Rules)
	}
	// Swap the priorities; the default rule's cannot move nor be deleted.
	set, err := env.elb.SetRulePriorities(ctx(t), &elbv2.SetRulePrioritiesInput{RulePriorities: []elbtypes.RulePriorityPair{
		{RuleArn: rule.RuleArn, Priority: aws.Int32(20)}, {RuleArn: r2.Rules[0].RuleArn, Priority: aws.Int32(10)}}})
	if err != nil || len(set.Rules) != 2 {
		t.Fatalf("swap %v %+v", err, set)
	}
	rules, _ = env.elb.DescribeRules(ctx(t), &elbv2.DescribeRulesInput{ListenerArn: l.ListenerArn})
	if aws.ToString(rules.Rules[0].RuleArn) != aws.ToString(r2.Rules[0].RuleArn) {
		t.Fatal("priorities not swapped")
	}
	_, err = env.elb.SetRulePriorities(ctx(t), &elbv2.SetRulePrioritiesInput{RulePriorities: []elbtypes.RulePriorityPair{{RuleArn: rule.RuleArn, Priority: aws.Int32(10)}}})
	if !errors.As(err, &piu) {
		t.Fatalf("priority taken: %v", err)
	}
	_, err = env.elb.SetRulePriorities(ctx(t), &elbv2.SetRulePrioritiesInput{RulePriorities: []elbtypes.RulePriorityPair{{RuleArn: def.RuleArn, Priority: aws.Int32(5)}}})
	var onp *elbtypes.OperationNotPermittedException
	if !errors.As(err, &onp) {
		t.Fatalf("default priority: %v", err)
	}
	_, err = env.elb.DeleteRule(ctx(t), &elbv2.DeleteRuleInput{RuleArn: def.RuleArn})
	if !errors.As(err, &onp) {
		t.Fatalf("delete default: %v", err)
	}
	mod, err := env.elb.ModifyRule(ctx(t), &elbv2.ModifyRuleInput{RuleArn: rule.RuleArn, Conditions: secret("rotated")})
	if err != nil || mod.Rules[0].Conditions[0].HttpHeaderConfig.Values[0] != "rotated" {
		t.Fatalf("modify %v %+v", err, mod)
	}
	if _, err := env.elb.DeleteRule(ctx(t), &elbv2.DeleteRuleInput{RuleArn: rule.RuleArn}); err != nil {
		t.Fatal(err)
	}
	_, err = env.elb.DescribeRules(ctx(t), &elbv2.DescribeRulesInput{RuleArns: []string{aws.ToString(rule.RuleArn)}})
	var rnf *elbtypes.RuleNotFoundException
	if !errors.As(err, &rnf) {
		t.Fatalf("deleted rule: %v", err)
	}
	// Rules forward too: deleting the listener frees the group.
	if _, err := env.elb.DeleteListener(ctx(t), &elbv2.DeleteListenerInput{ListenerArn: l.ListenerArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.elb.DeleteTargetGroup(ctx(t), &elbv2.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn}); err != nil {
		t.Fatalf("target group still in use: %v", err)
	}
}

func TestELBv2Tags(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "tagged", elbtypes.Tag{Key: aws.String("Stack"), Value: aws.String("demo")})
	tg := env.createTG(t, "tagged-tg")
	l := env.createListener(t, lb.LoadBalancerArn, 80, forward(tg.TargetGroupArn))
	arns := []string{aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), aws.ToString(l.ListenerArn)}
	if _, err := env.elb.AddTags(ctx(t), &elbv2.AddTagsInput{ResourceArns: arns, Tags: []elbtypes.Tag{{Key: aws.String("Tier"), Value: aws.String("automation")}}}); err != nil {
		t.Fatal(err)
	}
	out, err := env.elb.DescribeTags(ctx(t), &elbv2.DescribeTagsInput{ResourceArns: arns})
	if err != nil || len(out.TagDescriptions) != 3 || len(out.TagDescriptions[0].Tags) != 2 || len(out.TagDescriptions[1].Tags) != 1 {
		t.Fatalf("describe %v %+v", err, out)
	}
	if _, err := env.elb.RemoveTags(ctx(t), &elbv2.RemoveTagsInput{ResourceArns: arns[:1], TagKeys: []string{"Stack"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = env.elb.DescribeTags(ctx(t), &elbv2.DescribeTagsInput{ResourceArns: arns[:1]})
	if len(out.TagDescriptions[0].Tags) != 1 || aws.ToString(out.TagDescriptions[0].Tags[0].Key) != "Tier" {
		t.Fatalf("after remove %+v", out.TagDescriptions[0].Tags)
	}
	many := make([]string, 21)
	for i := range many {
		many[i] = arns[0]
	}
	_, err = env.elb.DescribeTags(ctx(t), &elbv2.DescribeTagsInput{ResourceArns: many})
	wantCode(t, err, "ValidationError")
	var lots []elbtypes.Tag
	for i := 0; i < 51; i++ {
		lots = append(lots, elbtypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	_, err = env.elb.AddTags(ctx(t), &elbv2.AddTagsInput{ResourceArns: arns[:1], Tags: lots})
	var tmt *elbtypes.TooManyTagsException
	if !errors.As(err, &tmt) {
		t.Fatalf("51 tags: %v", err)
	}
	_, err = env.elb.AddTags(ctx(t), &elbv2.AddTagsInput{ResourceArns: arns[:1], Tags: []elbtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("2")}}})
	var dtk *elbtypes.DuplicateTagKeysException
	if !errors.As(err, &dtk) {
		t.Fatalf("duplicate keys: %v", err)
	}
	gone := strings.Replace(arns[0], "tagged", "gone", 1)
	_, err = env.elb.DescribeTags(ctx(t), &elbv2.DescribeTagsInput{ResourceArns: []string{gone}})
	var lnf *elbtypes.LoadBalancerNotFoundException
	if !errors.As(err, &lnf) {
		t.Fatalf("unknown load balancer: %v", err)
	}
}

func TestELBv2SSLPoliciesAndPagination(t *testing.T) {
	env := newELBEnv(t, Options{})
	out, err := env.elb.DescribeSSLPolicies(ctx(t), &elbv2.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06"}})
	if err != nil || len(out.SslPolicies) != 2 {
		t.Fatalf("%v %+v", err, out)
	}
	p := out.SslPolicies[0]
	if strings.Join(p.SslProtocols, ",") != "TLSv1.2,TLSv1.3" || aws.ToString(p.Ciphers[0].Name) != "TLS_AES_128_GCM_SHA256" || aws.ToInt32(p.Ciphers[0].Priority) != 1 {
		t.Fatalf("policy %+v", p)
	}
	if strings.Join(out.SslPolicies[1].SslProtocols, ",") != "TLSv1.3" {
		t.Fatalf("TLS 1.3 only policy %+v", out.SslPolicies[1])
	}
	_, err = env.elb.DescribeSSLPolicies(ctx(t), &elbv2.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-Nope"}})
	var nf *elbtypes.SSLPolicyNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unknown policy %v", err)
	}
	var names []string
	var marker *string
	for {
		page, err := env.elb.DescribeSSLPolicies(ctx(t), &elbv2.DescribeSSLPoliciesInput{PageSize: aws.Int32(5), Marker: marker})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.SslPolicies {
			names = append(names, aws.ToString(p.Name))
		}
		if marker = page.NextMarker; marker == nil {
			break
		}
	}
	if len(names) != len(elbSSLPolicies) {
		t.Fatalf("paged %d policies, want %d", len(names), len(elbSSLPolicies))
	}
	for _, n := range []string{"one", "two", "three"} {
		env.createLB(t, n)
	}
	lbs := elbv2.NewDescribeLoadBalancersPaginator(env.elb, &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(2)})
	count, calls := 0, 0
	for lbs.HasMorePages() {
		page, err := lbs.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		count += len(page.LoadBalancers)
		calls++
	}
	if count != 3 || calls != 2 {
		t.Fatalf("%d load balancers in %d pages", count, calls)
	}
	_, err = env.elb.DescribeLoadBalancers(ctx(t), &elbv2.DescribeLoadBalancersInput{PageSize: aws.Int32(401)})
	wantCode(t, err, "ValidationError")
}

func TestELBv2TargetErrors(t *testing.T) {
	env := newELBEnv(t, Options{})
	tg := env.createTG(t, "errors-tg")
	_, err := env.elb.RegisterTargets(ctx(t), &elbv2.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []elbtypes.TargetDescription{{Id: aws.String("i-0123456789abcdef0")}}})
	var it *elbtypes.InvalidTargetException
	if !errors.As(err, &it) {
		t.Fatalf("unknown instance: %v", err)
	}
	h, err := env.elb.DescribeTargetHealth(ctx(t), &elbv2.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn})
	if err != nil || len(h.TargetHealthDescriptions) != 0 {
		t.Fatalf("empty group %v %+v", err, h)
	}
	_, err = env.elb.DescribeTargetHealth(ctx(t), &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(strings.Replace(aws.ToString(tg.TargetGroupArn), "errors-tg", "nope", 1))})
	var tnf *elbtypes.TargetGroupNotFoundException
	if !errors.As(err, &tnf) {
		t.Fatalf("unknown group: %v", err)
	}
}

// launch runs one t3.small in subnet A, with a GeuseMaker manifest in its
// user data when manifest is true (so that its boot has markers).
func (env *elbEnv) launch(t *testing.T, subnet string, groups []string, manifest bool) string {
	t.Helper()
	in := &ec2.RunInstancesInput{ImageId: aws.String(AMIsOf(testRegion)[0].ID), InstanceType: ec2types.InstanceTypeT3Small,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(subnet), SecurityGroupIds: groups}
	if manifest {
		script := "#!/bin/bash\n" + bootmarker.FormatManifest(bootmarker.Manifest{Deployment: "demo", Tier: 2, Services: []string{"n8n"}}) + "\n"
		in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte(script)))
	}
	out, err := env.ec2.RunInstances(ctx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Instances[0].InstanceId)
}

func (env *elbEnv) health(t *testing.T, tgARN *string, targets ...string) []elbtypes.TargetHealthDescription {
	t.Helper()
	in := &elbv2.DescribeTargetHealthInput{TargetGroupArn: tgARN}
	for _, id := range targets {
		in.Targets = append(in.Targets, elbtypes.TargetDescription{Id: aws.String(id)})
	}
	out, err := env.elb.DescribeTargetHealth(ctx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	return out.TargetHealthDescriptions
}

func wantHealth(t *testing.T, got []elbtypes.TargetHealthDescription, state elbtypes.TargetHealthStateEnum, reason elbtypes.TargetHealthReasonEnum) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("%d targets, want 1", len(got))
	}
	th := got[0].TargetHealth
	if th.State != state || th.Reason != reason {
		t.Fatalf("health = %s/%s (%s), want %s/%s", th.State, th.Reason, aws.ToString(th.Description), state, reason)
	}
	if reason != "" && aws.ToString(th.Description) == "" {
		t.Fatalf("%s without a description", reason)
	}
}

func TestELBv2TargetHealthLifecycle(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "health")
	tg := env.createTG(t, "health-tg")
	id := env.launch(t, env.net.subnetA, []string{env.sg}, true)

	reg := func(ids ...string) error {
		in := &elbv2.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn}
		for _, i := range ids {
			in.Targets = append(in.Targets, elbtypes.TargetDescription{Id: aws.String(i)})
		}
		_, err := env.elb.RegisterTargets(ctx(t), in)
		return err
	}
	// Still pending: AWS refuses to register it.
	wantCode(t, reg(id), "InvalidTarget", "not in a running state")
	env.e.Clock().Advance(20 * time.Second)
	if err := reg(id); err != nil {
		t.Fatal(err)
	}
	// No load balancer uses the group yet.
	h := env.health(t, tg.TargetGroupArn)
	wantHealth(t, h, "unused", "Target.NotInUse")
	if aws.ToString(h[0].HealthCheckPort) != "80" || aws.ToInt32(h[0].Target.Port) != 80 {
		t.Fatalf("target %+v", h[0])
	}
	env.createListener(t, lb.LoadBalancerArn, 80, forward(tg.TargetGroupArn))
	wantHealth(t, env.health(t, tg.TargetGroupArn), "initial", "Elb.RegistrationInProgress")
	// The load balancer is active, the boot is not complete.
	env.e.Clock().Advance(3 * time.Minute)
	wantHealth(t, env.health(t, tg.TargetGroupArn), "initial", "Elb.InitialHealthChecking")
	var done time.Time
	env.e.WithLock(func() {
		v, _ := PeerOf[Network](env.e, "ec2", testRegion).InstanceInfo(id, env.e.Now().Add(time.Hour))
		done = v.BootCompleteAt
	})
	if done.IsZero() {
		t.Fatal("the boot never completes")
	}
	// Healthy after HealthyThreshold × Interval (5 × 30 s) past the boot.
	env.e.Clock().Advance(done.Sub(env.e.Now()) + 149*time.Second)
	wantHealth(t, env.health(t, tg.TargetGroupArn), "initial", "Elb.InitialHealthChecking")
	env.e.Clock().Advance(2 * time.Second)
	wantHealth(t, env.health(t, tg.TargetGroupArn), "healthy", "")
	calls := env.e.Calls()
	if n := calls[len(calls)-1].Notes["health"]; n != id+"=healthy" {
		t.Fatalf("note %q", n)
	}
	// Forced failures.
	env.e.SetKnob("elbv2.target_health", "unhealthy")
	h = env.health(t, tg.TargetGroupArn)
	wantHealth(t, h, "unhealthy", "Target.ResponseCodeMismatch")
	if !strings.Contains(aws.ToString(h[0].TargetHealth.Description), "[502]") {
		t.Fatalf("description %q", aws.ToString(h[0].TargetHealth.Description))
	}
	env.e.SetKnob("elbv2.target_health", "")

	// Deregistration drains for the delay, then the target is gone.
	_, err := env.elb.ModifyTargetGroupAttributes(ctx(t), &elbv2.ModifyTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn,
		Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("30")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.elb.DeregisterTargets(ctx(t), &elbv2.DeregisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}); err != nil {
		t.Fatal(err)
	}
	wantHealth(t, env.health(t, tg.TargetGroupArn), "draining", "Target.DeregistrationInProgress")
	env.e.Clock().Advance(31 * time.Second)
	if h := env.health(t, tg.TargetGroupArn); len(h) != 0 {
		t.Fatalf("still listed after draining: %+v", h)
	}
	wantHealth(t, env.health(t, tg.TargetGroupArn, id), "unused", "Target.NotRegistered")

	// A stopped instance is unused, with Target.InvalidState.
	if err := reg(id); err != nil {
		t.Fatal(err)
	}
	if _, err := env.ec2.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	env.e.Clock().Advance(time.Minute)
	h = env.health(t, tg.TargetGroupArn)
	wantHealth(t, h, "unused", "Target.InvalidState")
	if aws.ToString(h[0].TargetHealth.Description) != "Target is in the stopped state" {
		t.Fatalf("description %q", aws.ToString(h[0].TargetHealth.Description))
	}
}

func TestELBv2TargetHealthBootFailureAndNoManifest(t *testing.T) {
	env := newELBEnv(t, Options{Knobs: map[string]string{"ec2.boot_failure": "services", "elbv2.provisioning_duration": "10s", "quota.L-1216C47A": "8"}})
	lb := env.createLB(t, "bootfail")
	tg := env.createTG(t, "bootfail-tg")
	env.createListener(t, lb.LoadBalancerArn, 80, forward(tg.TargetGroupArn))
	failing := env.launch(t, env.net.subnetA, []string{env.sg}, true)
	plain := env.launch(t, env.net.subnetB, []string{env.sg}, false)
	env.e.Clock().Advance(20 * time.Second)
	for _, id := range []string{failing, plain} {
		if _, err := env.elb.RegisterTargets(ctx(t), &elbv2.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}); err != nil {
			t.Fatal(err)
		}
	}
	env.e.Clock().Advance(10 * time.Minute)
	wantHealth(t, env.health(t, tg.TargetGroupArn, failing), "unhealthy", "Target.FailedHealthChecks")
	// Without GeuseMaker user data there is no boot to wait for.
	wantHealth(t, env.health(t, tg.TargetGroupArn, plain), "healthy", "")

	// Instances of another VPC cannot be registered.
	far := makeNet(t, env.ec2, "10.50.0.0/16")
	farSG := env.group(t, far.vpc, "far")
	other := env.launch(t, far.subnetA, []string{farSG}, false)
	env.e.Clock().Advance(20 * time.Second)
	_, err := env.elb.RegisterTargets(ctx(t), &elbv2.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn, Targets: []elbtypes.TargetDescription{{Id: aws.String(other)}}})
	wantCode(t, err, "InvalidTarget", "not in the target group VPC")
}
