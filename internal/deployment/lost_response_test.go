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
	ops := []struct {
		service, op string
		after       int // calls of op that pass before the one whose answer is lost
	}{
		{"ssm", "PutParameter", 0}, // the create lease
		{"ssm", "PutParameter", 1}, // the first service credential
		{"ec2", "CreateVpc", 0}, {"ec2", "CreateSubnet", 0}, {"ec2", "CreateInternetGateway", 0}, {"ec2", "AttachInternetGateway", 0},
		{"ec2", "CreateRouteTable", 0}, {"ec2", "CreateRoute", 0}, {"ec2", "AssociateRouteTable", 0},
		{"ec2", "CreateSecurityGroup", 0}, {"ec2", "AuthorizeSecurityGroupIngress", 0}, {"ec2", "RunInstances", 0}, {"ec2", "CreateTags", 0},
		{"efs", "CreateFileSystem", 0}, {"efs", "CreateMountTarget", 0},
		{"iam", "CreateRole", 0}, {"iam", "CreateInstanceProfile", 0}, {"iam", "AddRoleToInstanceProfile", 0}, {"iam", "PutRolePolicy", 0},
		{"elbv2", "CreateTargetGroup", 0}, {"elbv2", "CreateLoadBalancer", 0}, {"elbv2", "CreateListener", 0}, {"elbv2", "CreateRule", 0}, {"elbv2", "RegisterTargets", 0},
		{"cloudfront", "CreateDistributionWithTags", 0},
	}
	for _, tc := range ops {
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
				if f := env.emu.Faults()[0]; f.Fired != 1 {
					t.Fatalf("the fault fired %d times", f.Fired)
				}
				got := countTypes(env)
				for typ, n := range tier3Objects {
					if got[typ] != n {
						t.Errorf("%d %s, want %d", got[typ], typ, n)
					}
				}
				// The lease is gone; one parameter per credential.
				if got["parameter"] != len(st.CredentialParams) || len(st.CredentialParams) == 0 {
					t.Errorf("%d parameters, want the %d credentials", got["parameter"], len(st.CredentialParams))
				}
				if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
					t.Fatalf("destroy: %v", err)
				}
				env.requireEmpty(t)
			})
		}
	}
}
