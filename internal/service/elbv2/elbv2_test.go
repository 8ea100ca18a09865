package elbv2

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awstypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

type env struct {
	emu             *awsemu.Emulator
	conn            *elasticloadbalancingv2.Client
	ec2             *ec2.Client
	ctx             context.Context
	vpc, sg         string
	subnetA, subnet string
}

func setup(t *testing.T, knobs map[string]string) *env {
	t.Helper()
	started := emutest.Start(t, emutest.Options{Knobs: knobs})
	e := &env{emu: started.Emu, conn: elasticloadbalancingv2.NewFromConfig(started.Config), ec2: ec2.NewFromConfig(started.Config), ctx: started.Ctx}
	vpc, err := e.ec2.CreateVpc(e.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	e.vpc = aws.ToString(vpc.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := e.ec2.CreateSubnet(e.ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.0." + string(rune('1'+i)) + ".0/24"), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			e.subnetA = aws.ToString(sn.Subnet.SubnetId)
		} else {
			e.subnet = aws.ToString(sn.Subnet.SubnetId)
		}
	}
	sg, err := e.ec2.CreateSecurityGroup(e.ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("alb"), Description: aws.String("alb"), VpcId: vpc.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	e.sg = aws.ToString(sg.GroupId)
	return e
}

func (e *env) lb(t *testing.T, name string) awstypes.LoadBalancer {
	t.Helper()
	out, err := e.conn.CreateLoadBalancer(e.ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{Name: aws.String(name),
		Subnets: []string{e.subnetA, e.subnet}, SecurityGroups: []string{e.sg}})
	if err != nil {
		t.Fatal(err)
	}
	return out.LoadBalancers[0]
}

func (e *env) tg(t *testing.T, name string) awstypes.TargetGroup {
	t.Helper()
	out, err := e.conn.CreateTargetGroup(e.ctx, &elasticloadbalancingv2.CreateTargetGroupInput{Name: aws.String(name), Protocol: "HTTP",
		Port: aws.Int32(80), VpcId: aws.String(e.vpc), HealthCheckPath: aws.String("/healthz")})
	if err != nil {
		t.Fatal(err)
	}
	return out.TargetGroups[0]
}

func (e *env) listener(t *testing.T, lbARN, tgARN *string) awstypes.Listener {
	t.Helper()
	out, err := e.conn.CreateListener(e.ctx, &elasticloadbalancingv2.CreateListenerInput{LoadBalancerArn: lbARN, Protocol: "HTTP", Port: aws.Int32(80),
		DefaultActions: []awstypes.Action{{Type: "forward", TargetGroupArn: tgARN}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Listeners[0]
}

// instance launches a running instance whose user data carries a
// GeuseMaker manifest, so that its simulated boot ends complete or failed.
func (e *env) instance(t *testing.T) string {
	t.Helper()
	script := "#!/bin/bash\n" + bootmarker.FormatManifest(bootmarker.Manifest{Deployment: "demo", Tier: 2, Services: []string{"n8n"}}) + "\n"
	out, err := e.ec2.RunInstances(e.ctx, &ec2.RunInstancesInput{ImageId: aws.String(awsemu.AMIsOf("us-east-1")[0].ID), InstanceType: ec2types.InstanceTypeT3Small,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(e.subnetA), SecurityGroupIds: []string{e.sg},
		UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(script)))})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.Instances[0].InstanceId)
	if err := ec2.NewInstanceRunningWaiter(e.ec2).Wait(e.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, time.Minute,
		func(o *ec2.InstanceRunningWaiterOptions) {
			o.MinDelay, o.MaxDelay = 10*time.Millisecond, 20*time.Millisecond
		}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) register(t *testing.T, tgARN *string, id string) {
	t.Helper()
	if _, err := e.conn.RegisterTargets(e.ctx, &elasticloadbalancingv2.RegisterTargetsInput{TargetGroupArn: tgARN, Targets: []awstypes.TargetDescription{{Id: aws.String(id)}}}); err != nil {
		t.Fatal(err)
	}
}

const (
	missingLB = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/missing/0123456789abcdef"
	missingTG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/missing/0123456789abcdef"
	missingL  = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/missing/0123456789abcdef/0123456789abcdef"
)

func TestFindersMapNotFound(t *testing.T) {
	e := setup(t, nil)
	checks := map[string]error{}
	_, checks["lb by arn"] = FindLoadBalancerByARN(e.ctx, e.conn, missingLB)
	_, checks["lb by name"] = FindLoadBalancerByName(e.ctx, e.conn, "missing")
	_, checks["tg by arn"] = FindTargetGroupByARN(e.ctx, e.conn, missingTG)
	_, checks["tg by name"] = FindTargetGroupByName(e.ctx, e.conn, "missing")
	_, checks["listeners"] = FindListenersByLoadBalancer(e.ctx, e.conn, missingLB)
	_, checks["rules"] = FindRulesByListener(e.ctx, e.conn, missingL)
	_, checks["target health"] = FindTargetHealth(e.ctx, e.conn, missingTG)
	_, checks["ssl policy"] = FindSSLPolicy(e.ctx, e.conn, "ELBSecurityPolicy-Nope")
	for name, err := range checks {
		if !retry.NotFound(err) {
			t.Errorf("%s: want NotFound, got %v", name, err)
		}
	}
	lb, state, err := StatusLoadBalancer(e.conn, missingLB)(e.ctx)
	if lb != nil || state != "" || err != nil {
		t.Fatalf("status of a missing load balancer: %v %q %v", lb, state, err)
	}
	p, err := FindSSLPolicy(e.ctx, e.conn, "ELBSecurityPolicy-TLS13-1-2-2021-06")
	if err != nil || !strings.Contains(strings.Join(p.SslProtocols, ","), "TLSv1.3") {
		t.Fatalf("policy %v %+v", err, p)
	}
	// Other errors are wrapped, not hidden.
	_, err = FindLoadBalancerByARN(e.ctx, e.conn, "not-an-arn")
	if retry.NotFound(err) || errs.Code(err) != "ValidationError" || !strings.Contains(err.Error(), "not-an-arn") {
		t.Fatalf("malformed arn: %v", err)
	}
}

func TestWaitLoadBalancerActive(t *testing.T) {
	e := setup(t, nil)
	lb := e.lb(t, "wait-active")
	var seen []string
	out, err := WaitLoadBalancerActive(e.ctx, e.conn, aws.ToString(lb.LoadBalancerArn), time.Minute, func(s string, _ time.Duration) { seen = append(seen, s) })
	if err != nil {
		t.Fatal(err)
	}
	if out.State.Code != "active" || seen[0] != "provisioning" || seen[len(seen)-1] != "active" {
		t.Fatalf("state %s, progress %v", out.State.Code, seen)
	}
	byName, err := FindLoadBalancerByName(e.ctx, e.conn, "wait-active")
	if err != nil || aws.ToString(byName.LoadBalancerArn) != aws.ToString(lb.LoadBalancerArn) {
		t.Fatalf("by name %v %+v", err, byName)
	}
}

func TestWaitLoadBalancerActiveFailedCarriesReason(t *testing.T) {
	e := setup(t, map[string]string{"elbv2.provisioning_result": "failed"})
	lb := e.lb(t, "wait-failed")
	_, err := WaitLoadBalancerActive(e.ctx, e.conn, aws.ToString(lb.LoadBalancerArn), time.Minute, nil)
	var ue *retry.UnexpectedStateError
	if !errors.As(err, &ue) || ue.State != "failed" || !strings.Contains(err.Error(), "insufficient capacity") {
		t.Fatalf("want failed with its reason, got %v", err)
	}
}

func TestWaitLoadBalancerActiveTimesOut(t *testing.T) {
	e := setup(t, map[string]string{"elbv2.provisioning_duration": "never"})
	lb := e.lb(t, "wait-stuck")
	_, err := WaitLoadBalancerActive(e.ctx, e.conn, aws.ToString(lb.LoadBalancerArn), 200*time.Millisecond, nil)
	var te *retry.TimeoutError
	if !errors.As(err, &te) || te.LastState != "provisioning" {
		t.Fatalf("want timeout in provisioning, got %v", err)
	}
}

func TestDeleteLoadBalancerWaitsForInterfaces(t *testing.T) {
	e := setup(t, nil)
	lb := e.lb(t, "to-delete")
	tg := e.tg(t, "to-delete")
	e.listener(t, lb.LoadBalancerArn, tg.TargetGroupArn)
	arn := aws.ToString(lb.LoadBalancerArn)
	desc, err := InterfaceDescription(arn)
	if err != nil || !strings.HasPrefix(desc, "ELB app/to-delete/") {
		t.Fatalf("description %q %v", desc, err)
	}
	start := e.emu.Now()
	if err := DeleteLoadBalancer(e.ctx, e.conn, e.ec2, arn, time.Minute); err != nil {
		t.Fatal(err)
	}
	if d := e.emu.Now().Sub(start); d < 90*time.Second {
		t.Fatalf("returned %v (virtual) after the delete, before the interfaces were released", d)
	}
	enis, err := e.ec2.DescribeNetworkInterfaces(e.ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{{Name: aws.String("description"), Values: []string{desc}}}})
	if err != nil || len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("interfaces left: %v %d", err, len(enis.NetworkInterfaces))
	}
	if _, err := FindLoadBalancerByARN(e.ctx, e.conn, arn); !retry.NotFound(err) {
		t.Fatalf("load balancer still found: %v", err)
	}
	// The target group is free now; deleting twice is fine.
	if err := DeleteTargetGroup(e.ctx, e.conn, aws.ToString(tg.TargetGroupArn), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := DeleteTargetGroup(e.ctx, e.conn, aws.ToString(tg.TargetGroupArn), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := DeleteLoadBalancer(e.ctx, e.conn, e.ec2, arn, time.Minute); err != nil {
		t.Fatalf("deleting a deleted load balancer: %v", err)
	}
	if _, err := InterfaceDescription("arn:aws:ec2:us-east-1:123456789012:instance/i-1"); err == nil {
		t.Fatal("non-load-balancer ARN accepted")
	}
}

func TestDeleteLoadBalancerSurfacesDeletionProtection(t *testing.T) {
	e := setup(t, nil)
	lb := e.lb(t, "protected")
	_, err := e.conn.ModifyLoadBalancerAttributes(e.ctx, &elasticloadbalancingv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn,
		Attributes: []awstypes.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("true")}}})
	if err != nil {
		t.Fatal(err)
	}
	err = DeleteLoadBalancer(e.ctx, e.conn, e.ec2, aws.ToString(lb.LoadBalancerArn), time.Minute)
	if !errs.IsA[*awstypes.OperationNotPermittedException](err) || !strings.Contains(err.Error(), "protected") {
		t.Fatalf("want wrapped OperationNotPermitted, got %v", err)
	}
}

func TestDeleteTargetGroupRetriesResourceInUse(t *testing.T) {
	e := setup(t, nil)
	tg := e.tg(t, "busy")
	e.emu.InjectFault(awsemu.Fault{Service: "elbv2", Operation: "DeleteTargetGroup", Code: "ResourceInUse", Times: 2})
	if err := DeleteTargetGroup(e.ctx, e.conn, aws.ToString(tg.TargetGroupArn), time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := e.emu.CallCounts()["elbv2.DeleteTargetGroup"]; n != 3 {
		t.Fatalf("DeleteTargetGroup called %d times", n)
	}
	// Really in use: the retry gives up at the timeout with the AWS code.
	lb := e.lb(t, "busy-lb")
	tg2 := e.tg(t, "busy2")
	e.listener(t, lb.LoadBalancerArn, tg2.TargetGroupArn)
	err := DeleteTargetGroup(e.ctx, e.conn, aws.ToString(tg2.TargetGroupArn), 100*time.Millisecond)
	if errs.Code(err) != "ResourceInUse" || e.emu.CallCounts()["elbv2.DeleteTargetGroup"] < 5 {
		t.Fatalf("want ResourceInUse after retries, got %v (%d calls)", err, e.emu.CallCounts()["elbv2.DeleteTargetGroup"])
	}
}

func TestListenersRulesAndDeleteListener(t *testing.T) {
	e := setup(t, nil)
	lb := e.lb(t, "listeners")
	tg := e.tg(t, "listeners")
	l := e.listener(t, lb.LoadBalancerArn, tg.TargetGroupArn)
	_, err := e.conn.CreateRule(e.ctx, &elasticloadbalancingv2.CreateRuleInput{ListenerArn: l.ListenerArn, Priority: aws.Int32(1),
		Conditions: []awstypes.RuleCondition{{Field: aws.String("http-header"), HttpHeaderConfig: &awstypes.HttpHeaderConditionConfig{HttpHeaderName: aws.String("X-Origin-Verify"), Values: []string{"s"}}}},
		Actions:    []awstypes.Action{{Type: "forward", TargetGroupArn: tg.TargetGroupArn}}})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := FindListenersByLoadBalancer(e.ctx, e.conn, aws.ToString(lb.LoadBalancerArn))
	if err != nil || len(ls) != 1 {
		t.Fatalf("listeners %v %+v", err, ls)
	}
	rules, err := FindRulesByListener(e.ctx, e.conn, aws.ToString(l.ListenerArn))
	if err != nil || len(rules) != 2 || !aws.ToBool(rules[1].IsDefault) || aws.ToString(rules[0].Priority) != "1" {
		t.Fatalf("rules %v %+v", err, rules)
	}
	if err := DeleteListener(e.ctx, e.conn, aws.ToString(l.ListenerArn)); err != nil {
		t.Fatal(err)
	}
	if err := DeleteListener(e.ctx, e.conn, aws.ToString(l.ListenerArn)); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := FindRulesByListener(e.ctx, e.conn, aws.ToString(l.ListenerArn)); !retry.NotFound(err) {
		t.Fatalf("rules of a deleted listener: %v", err)
	}
}

func TestWaitTargetHealthy(t *testing.T) {
	e := setup(t, nil)
	lb := e.lb(t, "healthy")
	tg := e.tg(t, "healthy")
	e.listener(t, lb.LoadBalancerArn, tg.TargetGroupArn)
	id := e.instance(t)
	e.register(t, tg.TargetGroupArn, id)
	var seen []string
	d, err := WaitTargetHealthy(e.ctx, e.conn, aws.ToString(tg.TargetGroupArn), id, time.Minute, func(s string, _ time.Duration) { seen = append(seen, s) })
	if err != nil {
		t.Fatal(err)
	}
	if d.TargetHealth.State != "healthy" || seen[0] != "initial" || seen[len(seen)-1] != "healthy" {
		t.Fatalf("state %s, progress %v", d.TargetHealth.State, seen)
	}
	all, err := FindTargetHealth(e.ctx, e.conn, aws.ToString(tg.TargetGroupArn))
	if err != nil || len(all) != 1 || aws.ToString(all[0].Target.Id) != id {
		t.Fatalf("health %v %+v", err, all)
	}
}

func TestWaitTargetHealthyReportsEveryTarget(t *testing.T) {
	e := setup(t, map[string]string{"ec2.boot_failure": "services"})
	lb := e.lb(t, "unhealthy")
	tg := e.tg(t, "unhealthy")
	e.listener(t, lb.LoadBalancerArn, tg.TargetGroupArn)
	id := e.instance(t)
	e.register(t, tg.TargetGroupArn, id)
	// unhealthy is waited out (an instance fails checks while booting) until the timeout.
	_, err := WaitTargetHealthy(e.ctx, e.conn, aws.ToString(tg.TargetGroupArn), id, 300*time.Millisecond, nil)
	if !retry.TimedOut(err) || !strings.Contains(err.Error(), id+":80 unhealthy (Target.FailedHealthChecks: Health checks failed)") {
		t.Fatalf("want a timeout listing the target, got %v", err)
	}
	// A target that is not registered can never become healthy: fail at once.
	other := e.instance(t)
	_, err = WaitTargetHealthy(e.ctx, e.conn, aws.ToString(tg.TargetGroupArn), other, time.Minute, nil)
	var ue *retry.UnexpectedStateError
	if !errors.As(err, &ue) || ue.State != "unused" || !strings.Contains(err.Error(), "Target.FailedHealthChecks") {
		t.Fatalf("want unused, got %v", err)
	}
}

func TestUpdateTags(t *testing.T) {
	e := setup(t, nil)
	tg := e.tg(t, "tags")
	arn := aws.ToString(tg.TargetGroupArn)
	if err := UpdateTags(e.ctx, e.conn, arn, nil, map[string]string{"Stack": "demo", "Tier": "automation"}); err != nil {
		t.Fatal(err)
	}
	if err := UpdateTags(e.ctx, e.conn, arn, map[string]string{"Stack": "demo", "Tier": "automation"}, map[string]string{"Stack": "demo", "Owner": "ops"}); err != nil {
		t.Fatal(err)
	}
	out, err := e.conn.DescribeTags(e.ctx, &elasticloadbalancingv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tag := range out.TagDescriptions[0].Tags {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if len(got) != 2 || got["Stack"] != "demo" || got["Owner"] != "ops" {
		t.Fatalf("tags %v", got)
	}
	if n := e.emu.CallCounts()["elbv2.AddTags"]; n != 2 {
		t.Fatalf("AddTags called %d times (unchanged tags must not be re-sent)", n)
	}
}
