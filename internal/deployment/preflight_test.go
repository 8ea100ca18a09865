package deployment

import (
	"context"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/quota"
)

func TestHostBits(t *testing.T) {
	for _, tc := range []struct {
		path, cidr, want string
	}{
		{"allowed_cidr_blocks[0]", "203.0.113.0/24", ""},
		{"allowed_cidr_blocks[0]", "203.0.113.7/32", ""},
		{"allowed_cidr_blocks[0]", "0.0.0.0/0", ""},
		{"allowed_cidr_blocks[0]", "203.0.113.7/24", `Use "203.0.113.0/24", the /24 network 203.0.113.7 belongs to, or "203.0.113.7/32" for that one address.`},
		{"vpc_cidr", "10.0.0.1/16", `Use "10.0.0.0/16", the /16 network 10.0.0.1 belongs to.`},
	} {
		fe := hostBits(tc.path, tc.cidr)
		switch {
		case tc.want == "" && fe != nil:
			t.Errorf("%s: unexpected error %+v", tc.cidr, fe)
		case tc.want != "" && (fe == nil || !strings.HasSuffix(fe.Detail, tc.want) || fe.Path != tc.path):
			t.Errorf("%s: got %+v, want detail ending %q", tc.cidr, fe, tc.want)
		}
	}
}

func validationPaths(s *Spec) []string {
	var out []string
	for _, fe := range s.Validate() {
		out = append(out, fe.Path+": "+fe.Summary)
	}
	return out
}

func TestValidatePreflightInputs(t *testing.T) {
	s := testSpec("valid", TierGPU)
	s.VPCCIDR = "10.0.0.1/16"
	s.AllowedCIDRs = []string{"203.0.113.0/24", "198.51.100.7/24"}
	s.SSHCIDRs = []string{"192.0.2.1/30"}
	s.LoadBalancer.CertificateARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
	s.CDN.WebACLID = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/acl/a1b2c3d4-5678-90ab-cdef-111122223333"
	got := validationPaths(s)
	want := []string{
		"allowed_cidr_blocks[1]: CIDR block with host bits",
		"ssh_cidr_blocks[0]: CIDR block with host bits",
		"vpc_cidr: CIDR block with host bits",
		"load_balancer.domain_name: Certificate without domain name in tier 3",
		"cdn.web_acl_id: Invalid web ACL",
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %q in %q", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d: %q", len(got), len(want), got)
	}

	// The fixed configuration passes: a domain for the certificate, a
	// CloudFront-scope ACL, network addresses.
	s.VPCCIDR, s.AllowedCIDRs, s.SSHCIDRs = "10.0.0.0/16", []string{"203.0.113.0/24"}, []string{"192.0.2.0/30"}
	s.LoadBalancer.DomainName = "ai.example.com"
	s.CDN.WebACLID = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/acl/a1b2c3d4-5678-90ab-cdef-111122223333"
	if got := validationPaths(s); len(got) != 0 {
		t.Errorf("valid spec refused: %q", got)
	}
	// Tier 2 with a certificate and no domain is fine: viewers reach the
	// load balancer directly.
	s = testSpec("valid2", TierAutomation)
	s.LoadBalancer.CertificateARN = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
	if got := validationPaths(s); len(got) != 0 {
		t.Errorf("tier 2 refused: %q", got)
	}
}

func TestRuleWeights(t *testing.T) {
	s := testSpec("w", TierGPU)
	s.SSHCIDRs = []string{"192.0.2.1/32", "192.0.2.2/32", "192.0.2.3/32", "192.0.2.4/32", "192.0.2.5/32"}
	weights := func(single bool) map[string]int {
		out := map[string]int{}
		for _, g := range s.ruleWeights(single, 55) {
			out[strings.Join(g.roles, "+")] = g.weight
		}
		return out
	}
	// The provider's layout: the prefix list alone in the load balancer's
	// group; the instance's group admits the load balancer and 5 SSH ranges.
	if got, want := weights(false), map[string]int{"load balancer": 55, "instance": 6, "file system": 1}; !mapsEqual(got, want) {
		t.Errorf("own layout weights %v, want %v", got, want)
	}
	// An adopted CLI deployment's one group holds all of it: 62 > 60.
	if got, want := weights(true), map[string]int{"load balancer+instance+file system": 62}; !mapsEqual(got, want) {
		t.Errorf("single group weights %v, want %v", got, want)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestPolicySourceARN(t *testing.T) {
	for _, tc := range []struct{ caller, arn, role string }{
		{"arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice", ""},
		{"arn:aws:sts::123456789012:assumed-role/deployer/session-1", "arn:aws:iam::123456789012:role/deployer", "deployer"},
		{"arn:aws-us-gov:sts::123456789012:assumed-role/ci/x", "arn:aws-us-gov:iam::123456789012:role/ci", "ci"},
		{"arn:aws:iam::123456789012:root", "", ""},
		{"arn:aws:sts::123456789012:federated-user/bob", "", ""},
		{"not an arn", "", ""},
	} {
		arn, role := PolicySourceARN(tc.caller)
		if arn != tc.arn || role != tc.role {
			t.Errorf("PolicySourceARN(%q) = %q, %q; want %q, %q", tc.caller, arn, role, tc.arn, tc.role)
		}
	}
}

func TestRequiredActionsByTier(t *testing.T) {
	t1, t3 := RequiredActions(testSpec("a", TierDev)), RequiredActions(testSpec("a", TierGPU))
	for _, a := range []string{"elasticloadbalancing:CreateLoadBalancer", "cloudfront:CreateDistribution"} {
		if slices.Contains(t1, a) || !slices.Contains(t3, a) {
			t.Errorf("%s: in tier 1 %v, in tier 3 %v", a, slices.Contains(t1, a), slices.Contains(t3, a))
		}
	}
	byo := testSpec("a", TierDev)
	byo.VPCID = "vpc-1"
	if slices.Contains(RequiredActions(byo), "ec2:CreateVpc") {
		t.Error("a deployment into the user's VPC does not create one")
	}
}

// The permission table covers every action a deployment's life needs:
// create, refresh and delete of a tier-3 deployment (and one with a custom
// domain) through the emulator, whose call log names the IAM actions each
// call was authorized for.
func TestPermissionsCoverLifecycle(t *testing.T) {
	for _, withDomain := range []bool{false, true} {
		t.Run(map[bool]string{false: "tier 3", true: "tier 3 with a domain"}[withDomain], func(t *testing.T) {
			env := newTestEnv(t, nil)
			spec := testSpec("perms", TierGPU)
			if withDomain {
				spec = domainSpec("perms", TierGPU, userZone(t, env))
			}
			since := len(env.emu.Calls()) // the test's own zone is not the deployment's
			st, err := Create(env.ctx, env.c, spec)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if st, err = Refresh(env.ctx, env.c, spec, st); err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
				t.Fatalf("delete: %v", err)
			}
			required := RequiredActions(spec)
			missing := map[string]bool{}
			used := 0
			for _, c := range env.emu.Calls()[since:] {
				if c.AccessKey != awsemu.DefaultAccessKey {
					continue // the instance's own role
				}
				for _, a := range strings.Split(c.Notes["iam_actions"], ",") {
					if a == "" {
						continue
					}
					used++
					if !slices.Contains(required, a) {
						missing[a] = true
					}
				}
			}
			if used == 0 {
				t.Fatal("the call log names no IAM actions")
			}
			if len(missing) > 0 {
				var list []string
				for a := range missing {
					list = append(list, a)
				}
				sort.Strings(list)
				t.Errorf("actions used but not in the permission table: %s", strings.Join(list, ", "))
			}
		})
	}
}

func TestCheckPermissionsWithEmulator(t *testing.T) {
	caller := "arn:aws:iam::" + awsemu.AccountID + ":user/emulator"
	t.Run("denied actions are one error", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{"iam.deny": "elasticloadbalancing:CreateLoadBalancer"})
		got := CheckPermissions(env.ctx, env.c, caller, testSpec("p", TierAutomation))
		if len(got) != 1 || got[0].Warning || !strings.Contains(got[0].Detail, "elasticloadbalancing:CreateLoadBalancer") {
			t.Fatalf("findings %+v", got)
		}
		if got := CheckPermissions(env.ctx, env.c, caller, testSpec("p", TierDev)); len(got) != 0 {
			t.Fatalf("tier 1 needs no load balancer: %+v", got)
		}
	})
	t.Run("a caller that may not simulate gets a warning", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{"iam.deny": "iam:SimulatePrincipalPolicy"})
		got := CheckPermissions(env.ctx, env.c, caller, testSpec("p", TierGPU))
		if len(got) != 1 || !got[0].Warning || !strings.Contains(got[0].Detail, "iam:SimulatePrincipalPolicy") {
			t.Fatalf("findings %+v", got)
		}
	})
}

// Other on-demand instances of the class count against the vCPU quota;
// the deployment's own instance does not (an update keeps it).
func TestCheckVCPUQuotaCountsInstancesInUse(t *testing.T) {
	env := newTestEnv(t, map[string]string{"quota.L-DB2E81BA": "8"})
	other := testSpec("other", TierDev)
	other.InstanceType, other.GPU = "g5.xlarge", true
	st, err := Create(env.ctx, env.c, other)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	check := func(instanceType, own string) []Finding {
		s := testSpec("new", TierDev)
		s.InstanceType, s.GPU = instanceType, true
		in := PreflightInput{Spec: s, InstanceType: func(ctx context.Context, name string) (InstanceTypeInfo, error) {
			return LookupInstanceType(ctx, env.c.EC2, name)
		}}
		return checkVCPUQuota(env.ctx, env.c, in, own)
	}
	if got := check("g5.xlarge", ""); len(got) != 0 {
		t.Errorf("4 + 4 of 8 refused: %+v", got)
	}
	got := check("g5.2xlarge", "")
	if len(got) != 1 || got[0].Path != "instance_type" || !strings.Contains(got[0].Detail, "already use 4") || !strings.Contains(got[0].Detail, "--desired-value 12") {
		t.Errorf("8 + 4 of 8: %+v", got)
	}
	if got := check("g5.2xlarge", st.InstanceID); len(got) != 0 {
		t.Errorf("the deployment's own instance counted: %+v", got)
	}
	if _, _, err := Delete(env.ctx, env.c, other, st); err != nil {
		t.Fatalf("delete: %v", err)
	}
}

// An adopted CLI deployment's one security group plays every role: in tier
// 3 the CloudFront prefix list (55), the load balancer and NFS references
// and 5 SSH ranges weigh 62 of 60, refused on ssh_cidr_blocks with how many
// may stay. The provider's own layout of the same spec fits.
func TestCheckRuleQuotaSingleGroup(t *testing.T) {
	env := newTestEnv(t, nil)
	s := testSpec("single", TierGPU)
	s.SSHCIDRs = []string{"192.0.2.1/32", "192.0.2.2/32", "192.0.2.3/32", "192.0.2.4/32", "192.0.2.5/32"}
	run := func(prior *State) []Finding {
		for _, chk := range PreflightChecks(env.c, PreflightInput{Spec: s, Prior: prior}) {
			if chk.Name == "security-group-rules" {
				return chk.Run(env.ctx)
			}
		}
		t.Fatal("no security-group-rules check")
		return nil
	}
	if got := run(&State{}); len(got) != 0 {
		t.Errorf("own layout refused: %+v", got)
	}
	adopted := &State{}
	adopted.InstanceSecurityGroupID, adopted.ALBSecurityGroupID, adopted.EFSSecurityGroupID = "sg-cli", "sg-cli", "sg-cli"
	got := run(adopted)
	if len(got) != 1 || got[0].Path != "ssh_cidr_blocks" || !strings.Contains(got[0].Detail, "weighing 62") ||
		!strings.Contains(got[0].Detail, "Keep at most 3 ssh_cidr_blocks") || !strings.Contains(got[0].Detail, "GeuseMaker CLI") {
		t.Errorf("adopted single group: %+v", got)
	}
}

// A Spot launch counts against the class's Spot quota; with the on-demand
// fallback allowed, the on-demand quota decides.
func TestCheckVCPUQuotaSpot(t *testing.T) {
	env := newTestEnv(t, map[string]string{"quota.L-3819A6DF": "0", "quota.L-DB2E81BA": "0"})
	check := func(fallback bool) []Finding {
		s := testSpec("spot", TierDev)
		s.InstanceType, s.GPU = "g5.xlarge", true
		s.Capacity = CapacitySpec{Market: MarketSpot, OnDemandFallback: fallback}
		return checkVCPUQuota(env.ctx, env.c, PreflightInput{Spec: s, InstanceType: func(ctx context.Context, name string) (InstanceTypeInfo, error) {
			return LookupInstanceType(ctx, env.c.EC2, name)
		}}, "")
	}
	if got := check(false); len(got) != 1 || got[0].Path != "capacity.market" || !strings.Contains(got[0].Detail, "L-3819A6DF") {
		t.Errorf("Spot quota 0 without fallback: %+v", got)
	}
	if got := check(true); len(got) != 1 || got[0].Path != "instance_type" || !strings.Contains(got[0].Detail, "L-DB2E81BA") {
		t.Errorf("Spot quota 0 with fallback, on-demand 0: %+v", got)
	}
	env.emu.SetKnob("quota.L-DB2E81BA", "8")
	if got := check(true); len(got) != 0 {
		t.Errorf("fallback to on-demand with room refused: %+v", got)
	}
	env.emu.SetKnob("quota.L-3819A6DF", "8")
	env.emu.SetKnob("quota.L-DB2E81BA", "0")
	if got := check(false); len(got) != 0 {
		t.Errorf("Spot with room refused: %+v", got)
	}
}

// A reached quota is described from the one quota table: a global quota
// counts the account's objects and is raised in us-east-1, a regional one
// counts the region's and is raised there.
func TestQuotaReachedWording(t *testing.T) {
	if got := quotaReached("tier", "CloudFront distribution", quota.Distributions, "eu-west-1", 1, 0, ""); got != nil {
		t.Errorf("room for one more: %+v", got)
	}
	got := quotaReached("tier", "CloudFront distribution", quota.Distributions, "eu-west-1", 1, 1, "Delete one. ")
	if len(got) != 1 {
		t.Fatalf("global quota full: %+v", got)
	}
	for _, want := range []string{"the account already holds 1 of the 1", `"Web distributions per AWS account" (L-24B04930)`, "Delete one. Request an increase of",
		"?region=us-east-1", "--desired-value 2 --region us-east-1"} {
		if !strings.Contains(got[0].Detail, want) {
			t.Errorf("global: %q lacks %q", got[0].Detail, want)
		}
	}
	got = quotaReached("vpc_id", "VPC", quota.VPCs, "eu-west-1", 5, 5, "")
	if len(got) != 1 || !strings.Contains(got[0].Detail, "the region eu-west-1 already holds 5") || !strings.Contains(got[0].Detail, "--desired-value 6 --region eu-west-1") {
		t.Errorf("regional: %+v", got)
	}
}

// One simulation asks about every action against every resource; each
// action is judged on its own resources only. A user whose policy denies
// EC2 actions on load balancers (where EC2 never acts) is allowed; one
// denied RunInstances on instances is refused that action alone.
func TestCheckPermissionsJudgesEachActionOnItsOwnResources(t *testing.T) {
	env := newTestEnv(t, nil)
	user := func(name, deny string) string {
		out, err := env.c.IAM.CreateUser(env.ctx, &iam.CreateUserInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},` + deny + `]}`
		if _, err := env.c.IAM.PutUserPolicy(env.ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.User.Arn)
	}
	elsewhere := user("elsewhere", `{"Effect":"Deny","Action":"ec2:*","Resource":"arn:aws:elasticloadbalancing:*:*:loadbalancer/*"}`)
	if got := CheckPermissions(env.ctx, env.c, elsewhere, testSpec("p", TierGPU)); len(got) != 0 {
		t.Errorf("a deny on resources the actions do not touch was reported: %+v", got)
	}
	launch := user("nolaunch", `{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*"}`)
	got := CheckPermissions(env.ctx, env.c, launch, testSpec("p", TierGPU))
	if len(got) != 1 || got[0].Warning || !strings.Contains(got[0].Detail, "ec2:RunInstances (explicit deny)") || strings.Count(got[0].Detail, "  - ") != 1 {
		t.Errorf("findings %+v", got)
	}
	if n := env.emu.CallCounts()["iam.SimulatePrincipalPolicy"]; n != 2 {
		t.Errorf("%d simulations for two checks, want one each", n)
	}
}

// Running Spot instances of the class count against the Spot quota (and
// not against the on-demand one); the deployment's own does not.
func TestCheckVCPUQuotaCountsSpotInUse(t *testing.T) {
	env := newTestEnv(t, map[string]string{"quota.L-3819A6DF": "8", "quota.L-DB2E81BA": "4"})
	var ami string
	for _, a := range awsemu.AMIsOf(testRegion) {
		if a.GPUDriver && a.Architecture == "x86_64" {
			ami = a.ID
		}
	}
	vpc, err := env.c.EC2.CreateVpc(env.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	subnet, err := env.c.EC2.CreateSubnet(env.ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.9.1.0/24"), AvailabilityZone: aws.String(testRegion + "c")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.c.EC2.RunInstances(env.ctx, &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeG5Xlarge, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: subnet.Subnet.SubnetId, InstanceMarketOptions: &ec2types.InstanceMarketOptionsRequest{MarketType: ec2types.MarketTypeSpot}})
	if err != nil {
		t.Fatalf("launching a Spot g5.xlarge: %v", err)
	}
	other := aws.ToString(out.Instances[0].InstanceId)
	check := func(instanceType, own string, fallback bool) []Finding {
		s := testSpec("spot", TierDev)
		s.InstanceType, s.GPU = instanceType, true
		s.Capacity = CapacitySpec{Market: MarketSpot, OnDemandFallback: fallback}
		return checkVCPUQuota(env.ctx, env.c, PreflightInput{Spec: s, InstanceType: func(ctx context.Context, name string) (InstanceTypeInfo, error) {
			return LookupInstanceType(ctx, env.c.EC2, name)
		}}, own)
	}
	if got := check("g5.xlarge", "", false); len(got) != 0 {
		t.Errorf("4 + 4 Spot vCPUs of 8 refused: %+v", got)
	}
	got := check("g5.2xlarge", "", false)
	if len(got) != 1 || got[0].Path != "capacity.market" || !strings.Contains(got[0].Detail, "other Spot instances of the class already use 4") || !strings.Contains(got[0].Detail, "--desired-value 12") {
		t.Errorf("8 + 4 Spot vCPUs of 8: %+v", got)
	}
	if got := check("g5.2xlarge", other, false); len(got) != 0 {
		t.Errorf("the deployment's own Spot instance counted: %+v", got)
	}
	// Falling back to on-demand: the Spot instance does not count there,
	// and 8 on-demand vCPUs exceed the on-demand quota of 4 on their own.
	got = check("g5.2xlarge", "", true)
	if len(got) != 1 || got[0].Path != "instance_type" || strings.Contains(got[0].Detail, "already use") {
		t.Errorf("fallback to on-demand: %+v", got)
	}
}
