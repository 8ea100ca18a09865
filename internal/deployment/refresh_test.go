package deployment

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// callsDuring counts the calls f makes, by operation.
func callsDuring(env *testEnv, f func()) (map[string]int, int) {
	before := env.emu.CallCounts()
	f()
	out, total := map[string]int{}, 0
	for op, n := range env.emu.CallCounts() {
		if d := n - before[op]; d > 0 {
			out[op] = d
			total += d
		}
	}
	return out, total
}

// A refresh reads each component once, batched where the API allows, and
// its drift checks use those answers: sixteen calls for a tier-3
// deployment (the VPC's route tables and subnets, the three security groups
// at once, the file system and its mount targets, the instance profile with
// its role, the service credentials' SSM parameters at once, the instance,
// the listeners, the target group, the distribution; and for the settings
// no other answer shows, the role's inline policy and its attached
// managed policies, the load balancer (its security groups), its attributes
// and the listener's rules).
func TestRefreshReadsEachComponentOnce(t *testing.T) {
	env := newTestEnv(t, nil)
	spec := testSpec("refresh", TierGPU)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatal(err)
	}
	var again *State
	calls, total := callsDuring(env, func() {
		if again, err = Refresh(env.ctx, env.c, spec, st); err != nil {
			t.Fatal(err)
		}
	})
	for op, n := range calls {
		if n != 1 {
			t.Errorf("%s called %d times, want 1", op, n)
		}
	}
	if total != 16 {
		t.Errorf("%d calls, want 16: %v", total, calls)
	}
	if len(again.Drift) != 0 {
		t.Errorf("drift in an unchanged deployment: %v", again.Drift)
	}
	if len(Missing(spec, again)) != 0 || again.RouteTableID != st.RouteTableID || again.InternetGatewayID != st.InternetGatewayID ||
		len(again.SubnetIDs) != 2 || len(again.ListenerARNs) != len(st.ListenerARNs) || again.RoleName != st.RoleName || again.ALBDNSName != st.ALBDNSName {
		t.Fatalf("an unchanged deployment changed: %+v", again)
	}

	// Deleted outside Terraform: the load balancer (and its listeners), the
	// route table; the role taken out of its profile (but not deleted).
	if _, err := env.c.ELBV2.DeleteLoadBalancer(env.ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(st.ALBARN)}); err != nil {
		t.Fatal(err)
	}
	for _, a := range st.RouteTableAssociationIDs {
		if _, err := env.c.EC2.DisassociateRouteTable(env.ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(a)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.c.EC2.DeleteRouteTable(env.ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(st.RouteTableID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.IAM.RemoveRoleFromInstanceProfile(env.ctx, &iam.RemoveRoleFromInstanceProfileInput{
		InstanceProfileName: aws.String(st.ProfileName), RoleName: aws.String(st.RoleName)}); err != nil {
		t.Fatal(err)
	}
	calls, _ = callsDuring(env, func() {
		if again, err = Refresh(env.ctx, env.c, spec, st); err != nil {
			t.Fatal(err)
		}
	})
	if again.ALBARN != "" || len(again.ListenerARNs) != 0 || again.RouteTableID != "" {
		t.Fatalf("deleted components still recorded: %+v", again)
	}
	// Without its route, the gateway and, outside its profile, the role are
	// read on their own: both still exist.
	if again.InternetGatewayID != st.InternetGatewayID || again.RoleName != st.RoleName || again.ProfileName != st.ProfileName ||
		calls["ec2.DescribeInternetGateways"] != 1 || calls["iam.GetRole"] != 1 {
		t.Fatalf("refresh after the deletions: %+v, calls %v", again, calls)
	}
	if got := Missing(spec, again); len(got) != 2 {
		t.Fatalf("missing %v, want the load balancer and its listener", got)
	}
	// Give the load balancer's interfaces time to go, then clean up.
	env.emu.Clock().Advance(5 * time.Minute)
	if _, _, err := Delete(env.ctx, env.c, spec, again); err != nil {
		t.Fatalf("delete: %v", err)
	}
	env.requireEmpty(t)
}
