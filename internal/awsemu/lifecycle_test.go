package awsemu

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// events returns the lifecycle events of one key.
func events(e *Emulator, key string) []LifecycleEvent {
	var out []LifecycleEvent
	for _, ev := range e.Lifecycle(0) {
		if ev.Key() == key {
			out = append(out, ev)
		}
	}
	return out
}

func oneEvent(t *testing.T, e *Emulator, key string) LifecycleEvent {
	t.Helper()
	evs := events(e, key)
	if len(evs) != 1 {
		t.Fatalf("%d %s events, want 1: %+v", len(evs), key, e.Lifecycle(0))
	}
	return evs[0]
}

// A VPC becoming available is an event with its duration; the describe call
// that names the VPC after it is the poll that saw it, one before it a poll
// that saw it pending, and a call naming another VPC neither.
func TestLifecycleVPC(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	c := ec2Client(e)
	out, err := c.CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.Vpc.VpcId)
	ev := oneEvent(t, e, EventVPCAvailable)
	if ev.ID != id || ev.Duration() != time.Second || !ev.SeenAt.IsZero() || ev.Waited() {
		t.Fatalf("event %+v", ev)
	}
	describe := func(ids ...string) {
		t.Helper()
		if _, err := c.DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{VpcIds: ids}); err != nil {
			t.Fatal(err)
		}
	}
	describe(id)
	e.Clock().Advance(3 * time.Second)
	describe() // names no VPC: sees nothing
	if ev := oneEvent(t, e, EventVPCAvailable); !ev.SeenAt.IsZero() || ev.PendingPolls != 1 {
		t.Fatalf("after a call naming no VPC: %+v", ev)
	}
	describe(id)
	ev = oneEvent(t, e, EventVPCAvailable)
	if !ev.Waited() || ev.PendingPolls != 1 || ev.SeenBy != "ec2.DescribeVpcs" || ev.Overshoot() < 2*time.Second || ev.Overshoot() > 3*time.Second {
		t.Fatalf("seen: %+v (overshoot %v)", ev, ev.Overshoot())
	}
	calls := e.Calls()
	if ev.SeenSeq != calls[len(calls)-1].Seq {
		t.Fatalf("seen by call %d, the last call is %d", ev.SeenSeq, calls[len(calls)-1].Seq)
	}
	// Later calls change nothing.
	describe(id)
	if again := oneEvent(t, e, EventVPCAvailable); again.SeenSeq != ev.SeenSeq {
		t.Fatalf("seen again: %+v", again)
	}
}

// A load balancer's activation and, after its deletion, the release of its
// interfaces, which clients find by description.
func TestLifecycleLoadBalancer(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "life")
	arn := aws.ToString(lb.LoadBalancerArn)
	if ev := oneEvent(t, env.e, EventLoadBalancerActive); ev.ID != arn || ev.Duration() != 3*time.Minute {
		t.Fatalf("active: %+v", ev)
	}
	env.e.Clock().Advance(3*time.Minute + time.Second)
	if _, err := env.elb.DescribeLoadBalancers(ctx(t), &elbv2.DescribeLoadBalancersInput{Names: []string{"life"}}); err != nil {
		t.Fatal(err)
	}
	if ev := oneEvent(t, env.e, EventLoadBalancerActive); ev.SeenBy != "elbv2.DescribeLoadBalancers" || ev.Waited() {
		t.Fatalf("seen by name without a poll before: %+v", ev)
	}
	if _, err := env.elb.DeleteLoadBalancer(ctx(t), &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}); err != nil {
		t.Fatal(err)
	}
	desc := "ELB app/life/" + arn[len(arn)-16:]
	if len(env.enis(t, desc)) == 0 {
		t.Fatal("the interfaces went with the load balancer")
	}
	env.e.Clock().Advance(91 * time.Second)
	if n := len(env.enis(t, desc)); n != 0 {
		t.Fatalf("%d interfaces left", n)
	}
	ev := oneEvent(t, env.e, EventInterfacesReleased)
	if ev.Duration() != 90*time.Second || !ev.Waited() || ev.SeenBy != "ec2.DescribeNetworkInterfaces" {
		t.Fatalf("released: %+v", ev)
	}
}

// An update restarts a rollout: the event of the first one, not complete,
// gives way to the new one.
func TestLifecycleDistributionUpdate(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	cf := cfClient(e)
	out, err := cf.CreateDistributionWithTags(ctx(t), &cloudfront.CreateDistributionWithTagsInput{DistributionConfigWithTags: &cftypes.DistributionConfigWithTags{
		DistributionConfig: cfTestConfig("life-1"), Tags: &cftypes.Tags{Items: []cftypes.Tag{}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	id := out.Distribution.Id
	e.Clock().Advance(5 * time.Minute)
	cfg, err := cf.GetDistributionConfig(ctx(t), &cloudfront.GetDistributionConfigInput{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DistributionConfig.Comment = aws.String("changed")
	if _, err := cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: id, IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig}); err != nil {
		t.Fatal(err)
	}
	ev := oneEvent(t, e, EventDistributionDeployed)
	if ev.Duration() != 15*time.Minute || ev.At.Sub(e.Now()) < 14*time.Minute {
		t.Fatalf("the rollout of the update: %+v", ev)
	}
	e.Clock().Advance(16 * time.Minute)
	if _, err := cf.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: id}); err != nil {
		t.Fatal(err)
	}
	if ev := oneEvent(t, e, EventDistributionDeployed); ev.SeenBy != "cloudfront.GetDistribution" {
		t.Fatalf("not seen: %+v", ev)
	}
}

// A boot is an event that follows the instance running, and a termination
// before it completes cancels it.
func TestLifecycleInstanceBoot(t *testing.T) {
	env := newELBEnv(t, Options{})
	id := env.launch(t, env.net.subnetA, []string{env.sg}, true)
	running := oneEvent(t, env.e, EventInstanceRunning)
	boot := oneEvent(t, env.e, EventBootComplete)
	if running.ID != id || boot.ID != id || !boot.Began.Equal(running.At) || boot.Duration() < time.Minute {
		t.Fatalf("running %+v, boot %+v", running, boot)
	}
	env.e.Clock().Advance(running.Duration() + time.Second)
	if _, err := env.ec2.TerminateInstances(ctx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if evs := events(env.e, EventBootComplete); len(evs) != 0 {
		t.Fatalf("a boot cut short is still an event: %+v", evs)
	}
	if ev := oneEvent(t, env.e, EventInstanceTerminated); ev.Duration() != 45*time.Second {
		t.Fatalf("terminated: %+v", ev)
	}
}

// A target's health is computed when asked: the change is recorded when an
// answer first finds it healthy, with the answers that found it initial.
func TestLifecycleTargetHealthy(t *testing.T) {
	env := newELBEnv(t, Options{})
	lb := env.createLB(t, "health")
	tg := env.createTG(t, "health-tg")
	id := env.launch(t, env.net.subnetA, []string{env.sg}, true)
	env.e.Clock().Advance(20 * time.Second)
	if _, err := env.elb.RegisterTargets(ctx(t), &elbv2.RegisterTargetsInput{TargetGroupArn: tg.TargetGroupArn,
		Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}); err != nil {
		t.Fatal(err)
	}
	env.createListener(t, lb.LoadBalancerArn, 80, forward(tg.TargetGroupArn))
	env.health(t, tg.TargetGroupArn)
	boot := oneEvent(t, env.e, EventBootComplete)
	env.e.Clock().Advance(boot.At.Sub(env.e.Now()) + 10*time.Minute)
	wantHealth(t, env.health(t, tg.TargetGroupArn), "healthy", "")
	ev := oneEvent(t, env.e, EventTargetHealthy)
	if ev.PendingPolls != 1 || !ev.Waited() || !ev.Began.Equal(boot.At) || !ev.At.Equal(boot.At.Add(150*time.Second)) || len(ev.Polls) != 2 {
		t.Fatalf("healthy: %+v (boot complete at %v)", ev, boot.At)
	}
}

// The control API serves the log.
func TestLifecycleControlAPI(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	if _, err := ec2Client(e).CreateVpc(ctx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16"),
		TagSpecifications: []ec2types.TagSpecification{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.URL() + "/_emu/lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var evs []LifecycleEvent
	if err := json.NewDecoder(resp.Body).Decode(&evs); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Key() != EventVPCAvailable {
		t.Fatalf("events %+v", evs)
	}
	resp2, err := http.Get(e.URL() + "/_emu/lifecycle?since=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var none []LifecycleEvent
	if err := json.NewDecoder(resp2.Body).Decode(&none); err != nil || len(none) != 0 {
		t.Fatalf("since=1: %v %+v", err, none)
	}
}
