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
	ops := []struct{ service, op string }{
		{"ssm", "PutParameter"},
		{"ec2", "CreateVpc"}, {"ec2", "CreateSubnet"}, {"ec2", "CreateInternetGateway"}, {"ec2", "AttachInternetGateway"},
		{"ec2", "CreateRouteTable"}, {"ec2", "CreateRoute"}, {"ec2", "AssociateRouteTable"},
		{"ec2", "CreateSecurityGroup"}, {"ec2", "AuthorizeSecurityGroupIngress"}, {"ec2", "RunInstances"}, {"ec2", "CreateTags"},
		{"efs", "CreateFileSystem"}, {"efs", "CreateMountTarget"},
		{"iam", "CreateRole"}, {"iam", "CreateInstanceProfile"}, {"iam", "AddRoleToInstanceProfile"}, {"iam", "AttachRolePolicy"}, {"iam", "PutRolePolicy"},
		{"elbv2", "CreateTargetGroup"}, {"elbv2", "CreateLoadBalancer"}, {"elbv2", "CreateListener"}, {"elbv2", "CreateRule"}, {"elbv2", "RegisterTargets"},
		{"cloudfront", "CreateDistributionWithTags"},
	}
	for _, tc := range ops {
		for _, drop := range []bool{false, true} {
			mode := "5xx"
			if drop {
				mode = "dropped"
			}
			t.Run(fmt.Sprintf("%s.%s/%s", tc.service, tc.op, mode), func(t *testing.T) {
				t.Parallel()
				env := newTestEnv(t, nil)
				env.emu.InjectFault(awsemu.Fault{Service: tc.service, Operation: tc.op, Mode: awsemu.FaultLoseResponse, Drop: drop, Times: 1})
				spec := testSpec("lost", TierGPU)
				st, err := Create(env.ctx, env.c, spec)
				if err != nil {
					t.Fatalf("create: %v", err)
				}
				if f := env.emu.Faults()[0]; f.Fired != 1 {
					t.Fatalf("the fault fired %d times", f.Fired)
				}
				got := countTypes(env)
				for typ, n := range tier3Objects {
					if got[typ] != n {
						t.Errorf("%d %s, want %d", got[typ], typ, n)
					}
				}
				if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
					t.Fatalf("destroy: %v", err)
				}
				env.requireEmpty(t)
			})
		}
	}
}
