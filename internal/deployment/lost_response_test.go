package deployment

import (
	"fmt"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// The objects one tier-3 deployment owns, by the emulator's inventory type.
var tier3Objects = map[string]int{
	"vpc": 1, "subnet": 2, "internet-gateway": 1, "route-table": 1, "security-group": 3,
	"file-system": 1, "mount-target": 2, "role": 1, "instance-profile": 1, "instance": 1,
	"targetgroup": 1, "loadbalancer": 1, "distribution": 1,
}

// Every call that creates something, its answer lost after AWS acted (a 5xx,
// or the connection dropped), leaves exactly one object: the create is
// idempotent (a token, or a look for the object before it is made again).
func TestLostResponsesCreateEachObjectOnce(t *testing.T) {
	// Every create-like call a tier-3 create makes, with how many times it
	// makes it; each of those calls loses its answer in a subtest of its
	// own. (Modify* calls, which set an attribute to a value, are
	// idempotent by nature and not listed; DetachRolePolicy is a delete.)
	ops := []struct {
		service, op string
		calls       int
	}{
		{"ssm", "PutParameter", 6}, // the create lease, then the five service credentials
		{"ec2", "CreateVpc", 1}, {"ec2", "CreateSubnet", 2}, {"ec2", "CreateInternetGateway", 1}, {"ec2", "AttachInternetGateway", 1},
		{"ec2", "CreateRouteTable", 1}, {"ec2", "CreateRoute", 1}, {"ec2", "AssociateRouteTable", 2},
		{"ec2", "CreateSecurityGroup", 3}, {"ec2", "AuthorizeSecurityGroupIngress", 3}, {"ec2", "RunInstances", 1}, {"ec2", "CreateTags", 1},
		{"efs", "CreateFileSystem", 1}, {"efs", "CreateMountTarget", 2},
		{"iam", "CreateRole", 1}, {"iam", "CreateInstanceProfile", 1}, {"iam", "AddRoleToInstanceProfile", 1}, {"iam", "PutRolePolicy", 2},
		{"elbv2", "CreateTargetGroup", 1}, {"elbv2", "CreateLoadBalancer", 1}, {"elbv2", "CreateListener", 1}, {"elbv2", "CreateRule", 1}, {"elbv2", "RegisterTargets", 1},
		{"cloudfront", "CreateDistributionWithTags", 1},
	}
	type lostCall struct {
		service, op string
		after       int // calls of op that pass before the one whose answer is lost
	}
	var calls []lostCall
	for _, o := range ops {
		for i := range o.calls {
			calls = append(calls, lostCall{o.service, o.op, i})
		}
	}
	for _, tc := range calls {
		for _, drop := range []bool{false, true} {
			mode := "5xx"
			if drop {
				mode = "dropped"
			}
			t.Run(fmt.Sprintf("%s.%s#%d/%s", tc.service, tc.op, tc.after+1, mode), func(t *testing.T) {
				t.Parallel()
				env := newTestEnv(t, nil)
				env.emu.InjectFault(awsemu.Fault{Service: tc.service, Operation: tc.op, Mode: awsemu.FaultLoseResponse, Drop: drop, After: tc.after, Times: 1})
				spec := testSpec("lost", TierGPU)
				st, err := Create(env.ctx, env.c, spec)
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				requireFired(t, env)
				requireObjects(t, env, tier3Objects)
				// The lease is gone; one parameter per credential.
				if got := countTypes(env); got["parameter"] != len(st.CredentialParams) || len(st.CredentialParams) == 0 {
					t.Errorf("%d parameters, want the %d credentials", got["parameter"], len(st.CredentialParams))
				}
				destroyAll(t, env, spec, st)
			})
		}
	}
}

// The creates of an update, each answer lost in a subtest of its own: moving
// a tier-1 deployment to tier 3 makes the load balancer, its security group,
// target group, listener and rule, and the distribution, and still ends with
// one of each.
func TestLostResponsesUpgradeCreatesEachObjectOnce(t *testing.T) {
	ops := []struct{ service, op string }{
		{"ec2", "CreateSecurityGroup"}, {"ec2", "AuthorizeSecurityGroupIngress"},
		{"elbv2", "CreateTargetGroup"}, {"elbv2", "CreateLoadBalancer"}, {"elbv2", "CreateListener"}, {"elbv2", "CreateRule"}, {"elbv2", "RegisterTargets"},
		{"cloudfront", "CreateDistributionWithTags"},
	}
	for _, o := range ops {
		lostModes(t, o.service+"."+o.op, func(t *testing.T, drop bool) {
			env := newTestEnv(t, nil)
			spec := testSpec("lostup", TierDev)
			st := updateLosing(t, env, spec, awsemu.Fault{Service: o.service, Operation: o.op, Drop: drop}, func(s *Spec) { s.Tier = TierGPU })
			requireObjects(t, env, tier3Objects)
			destroyAll(t, env, spec, st)
		})
	}
}

// requireObjects checks the emulator holds want's number of each type.
func requireObjects(t *testing.T, env *testEnv, want map[string]int) {
	t.Helper()
	got := countTypes(env)
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("%d %s, want %d", got[typ], typ, n)
		}
	}
}
