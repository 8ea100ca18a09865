package deployment

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest/legacycli"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
)

// TestAdoptLegacy builds each fixture's deployment as the CLI would, adopts
// it, and checks that the record keeps the CLI's objects as they are, that
// discovery by tag finds the same deployment, that an update converges it
// without replacing anything, and that destroy removes all of it.
func TestAdoptLegacy(t *testing.T) {
	for _, file := range []string{"v1-tier1.json", "v2-tier1.json", "v1-tier2.json", "v2-tier2.json", "v2-tier3.json"} {
		t.Run(file, func(t *testing.T) {
			env := newTestEnv(t, nil)
			d, path := legacycli.FromFixture(t, env.emu, legacyFixture(file), t.TempDir())
			l, changes, err := AdoptLegacyDeployment(env.ctx, env.c, path)
			if err != nil {
				t.Fatalf("adopt: %v", err)
			}
			spec, st := l.Spec, l.State
			t.Logf("changes: %q", changes)

			// The record holds the CLI's objects, as they are.
			sg := d.SecurityGroupID
			if st.InstanceID != d.InstanceID || st.EFSID != d.EFSID || st.VPCID != d.VPCID || st.InstanceSecurityGroupID != sg || st.EFSSecurityGroupID != sg ||
				st.RoleName != d.RoleName || st.ProfileName != d.ProfileName || st.ALBARN != d.ALBARN || st.TargetGroupARN != d.TargetGroupARN ||
				st.DistributionID != d.DistributionID || !st.AdoptedInstance || st.UserDataHash != "" || st.Status != StatusRunning {
				t.Errorf("state = %+v", st)
			}
			if (st.ALBSecurityGroupID == sg) != (d.ALBARN != "") || (d.ALBARN != "" && len(st.ListenerARNs) == 0) {
				t.Errorf("load balancer group %q, listeners %v", st.ALBSecurityGroupID, st.ListenerARNs)
			}
			if d.GivenVPC {
				if st.OwnedNetwork || spec.VPCID != d.VPCID || !slices.Equal(spec.SubnetIDs, d.PublicSubnetIDs) || !slices.Equal(st.SubnetIDs, d.PublicSubnetIDs) {
					t.Errorf("given network: owned %v spec %s %v state %v", st.OwnedNetwork, spec.VPCID, spec.SubnetIDs, st.SubnetIDs)
				}
			} else if !st.OwnedNetwork || spec.VPCID != "" || !slices.Equal(st.SubnetIDs, d.PublicSubnetIDs) || !slices.Equal(st.ExtraSubnetIDs, d.PrivateSubnetIDs) ||
				st.InternetGatewayID != d.InternetGatewayID || st.RouteTableID != d.RouteTableID {
				t.Errorf("created network: %+v", st)
			}
			// One mount target per zone of the used subnets: the CLI's and
			// the one adoption added.
			if len(st.MountTargetIDs) != 2 || !slices.Contains(st.MountTargetIDs, d.MountTargetID) || len(Missing(spec, st)) != 0 {
				t.Errorf("mount targets %v, missing %v", st.MountTargetIDs, Missing(spec, st))
			}
			if !slices.ContainsFunc(changes, func(c string) bool { return strings.Contains(c, "created EFS mount target") }) ||
				!slices.ContainsFunc(changes, func(c string) bool { return strings.Contains(c, "tagged") }) {
				t.Errorf("changes = %q", changes)
			}
			// The spec says what exists: the CLI's settings.
			if spec.InstanceType != l.file.Cost.InstanceType || spec.RootVolumeGiB != legacyRootVolumeGiB || spec.KeyName != "" ||
				!slices.Equal(spec.SSHCIDRs, []string{"0.0.0.0/0"}) || !slices.Equal(spec.AllowedCIDRs, []string{"0.0.0.0/0"}) || len(spec.Tags) != 0 {
				t.Errorf("spec = %+v", spec)
			}
			if spec.GPU != strings.HasPrefix(spec.InstanceType, "g") {
				t.Errorf("gpu = %v for %s", spec.GPU, spec.InstanceType)
			}
			if d.ALBARN != "" && (spec.LoadBalancer.IdleTimeoutSeconds != legacyIdleTimeout || spec.LoadBalancer.HealthCheckPath != "/healthz") {
				t.Errorf("load balancer = %+v", spec.LoadBalancer)
			}
			if d.CertificateARN != "" && (spec.LoadBalancer.CertificateARN != d.CertificateARN || spec.LoadBalancer.DomainName != "n8n.example.com" ||
				spec.LoadBalancer.SSLPolicy != "ELBSecurityPolicy-2016-08") {
				t.Errorf("HTTPS = %+v", spec.LoadBalancer)
			}
			if d.DistributionID != "" && (spec.Tier != TierGPU || spec.CDN.RestrictOrigin || spec.CDN.OriginReadTimeoutSeconds != legacyOriginReadTimeout ||
				spec.CDN.PriceClass != "PriceClass_100" || st.DistributionStatus == "" || st.DistributionARN == "") {
				t.Errorf("CloudFront: spec %+v state %+v", spec.CDN, st)
			}

			// What the CLI left untagged now carries the deployment's tags.
			sgs, err := env.c.EC2.DescribeSecurityGroups(env.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{sg}})
			if err != nil || tagMap(sgs.SecurityGroups[0].Tags)[TagDeployment] != spec.Name || tagMap(sgs.SecurityGroups[0].Tags)[TagComponent] != CompInstanceSG {
				t.Errorf("security group tags: %v %v", sgs, err)
			}
			if fs, err := findFileSystemByTag(env.ctx, env.c, spec.Name); err != nil || fs != d.EFSID {
				t.Errorf("file system by tag: %q %v", fs, err)
			}

			// Discovery (the fallback when the record is lost) finds the same.
			dspec, dst, err := Discover(env.ctx, env.c, spec.Name)
			if err != nil {
				t.Fatalf("discover: %v", err)
			}
			dst.Nonce, dst.CreatedAt, dspec.RollbackOnFail = st.Nonce, st.CreatedAt, spec.RollbackOnFail
			if d := diffStates(st, dst); d != "" {
				t.Errorf("discovery differs from the adopted record: %s", d)
			}

			// A refresh keeps it; an update converges it in place.
			st, err = Refresh(env.ctx, env.c, spec, st)
			if err != nil || st.Status != StatusRunning {
				t.Fatalf("refresh: %v %s", err, st.Status)
			}
			spec.SSHCIDRs = nil // the change a user makes first
			up, err := Update(env.ctx, env.c, spec, st, map[string]string{})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if up.InstanceID != d.InstanceID || up.InstanceSecurityGroupID != sg || up.EFSSecurityGroupID != sg || up.RoleName != d.RoleName ||
				up.ProfileName != d.ProfileName || !slices.Equal(up.MountTargetIDs, st.MountTargetIDs) || !slices.Equal(up.SubnetIDs, st.SubnetIDs) ||
				up.ALBARN != st.ALBARN || up.DistributionID != st.DistributionID {
				t.Errorf("the update replaced something:\n before %+v\n after  %+v", st, up)
			}
			rules := ingress(t, env, sg)
			for _, r := range []string{"2049 from " + sg, "80 from 0.0.0.0/0"} {
				if !slices.Contains(rules, r) {
					t.Errorf("the shared group lacks %q: %v", r, rules)
				}
			}
			for _, r := range []string{"22 from 0.0.0.0/0", "2049 from 10.0.0.0/16"} {
				if slices.Contains(rules, r) {
					t.Errorf("the shared group still has the CLI's %q: %v", r, rules)
				}
			}
			if d.ALBARN != "" && !slices.Contains(rules, "80 from "+sg) {
				t.Errorf("the instance role of the shared group lacks HTTP from the load balancer: %v", rules)
			}
			policies, err := env.c.IAM.ListRolePolicies(env.ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(d.RoleName)})
			if err != nil || !slices.Equal(policies.PolicyNames, []string{instancePolicyName}) {
				t.Errorf("role policies: %v %v", policies, err)
			}
			// The CLI's AmazonSSMManagedInstanceCore (every parameter of the
			// account) gives way to the scoped instance policy.
			attached, err := env.c.IAM.ListAttachedRolePolicies(env.ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(d.RoleName)})
			if err != nil || len(attached.AttachedPolicies) != 0 {
				t.Errorf("managed policies left on the role: %v %v", attached, err)
			}
			for _, id := range up.MountTargetIDs {
				groups, err := env.c.EFS.DescribeMountTargetSecurityGroups(env.ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String(id)})
				if err != nil || !slices.Equal(groups.SecurityGroups, []string{sg}) {
					t.Errorf("mount target %s groups: %v %v", id, groups, err)
				}
			}

			// Destroy removes everything; what the CLI was given stays.
			if _, _, err := Delete(env.ctx, env.c, spec, up); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if d.GivenVPC {
				if err := d.DeleteGivenNetwork(env.ctx); err != nil {
					t.Fatalf("the given VPC did not survive the destroy intact: %v", err)
				}
			}
			if err := d.DeleteCertificate(env.ctx); err != nil {
				t.Fatal(err)
			}
			env.requireEmpty(t)
		})
	}
}

func TestAdoptLegacy_missingObjects(t *testing.T) {
	env := newTestEnv(t, nil)
	d, path := legacycli.FromFixture(t, env.emu, legacyFixture("v2-tier2.json"), t.TempDir())
	if err := tfec2.TerminateInstance(env.ctx, env.c.EC2, d.InstanceID, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.IAM.RemoveRoleFromInstanceProfile(env.ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String(d.ProfileName), RoleName: aws.String(d.RoleName)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.IAM.DeleteInstanceProfile(env.ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String(d.ProfileName)}); err != nil {
		t.Fatal(err)
	}
	_, _, err := AdoptLegacyDeployment(env.ctx, env.c, path)
	var le *LegacyError
	if !errors.As(err, &le) {
		t.Fatalf("error = %v", err)
	}
	for _, want := range []string{"no longer exist in us-east-1", "instance_id " + d.InstanceID, "iam_instance_profile_name " + d.ProfileName, "geusemaker destroy cli-auto2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// Nothing was changed: the security group is still untagged.
	sgs, _ := env.c.EC2.DescribeSecurityGroups(env.ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{d.SecurityGroupID}})
	if len(sgs.SecurityGroups[0].Tags) != 0 {
		t.Errorf("a failed adoption tagged the security group: %v", sgs.SecurityGroups[0].Tags)
	}
}

func TestAdoptLegacy_wrongRegionAndTakenName(t *testing.T) {
	env := newTestEnv(t, nil)
	// A Terraform deployment of the same name exists first.
	if _, err := Create(env.ctx, env.c, testSpec("cli-dev1", TierDev)); err != nil {
		t.Fatal(err)
	}
	_, path := legacycli.FromFixture(t, env.emu, legacyFixture("v1-tier1.json"), t.TempDir())
	l, err := ReadLegacyState(path)
	if err != nil {
		t.Fatal(err)
	}
	other := *env.c
	other.Region = "eu-west-1"
	if _, err := l.Adopt(env.ctx, &other); err == nil || !strings.Contains(err.Error(), `is in us-east-1 but the provider is configured for eu-west-1`) {
		t.Errorf("wrong region: %v", err)
	}
	if _, err := l.Adopt(env.ctx, env.c); err == nil || !strings.Contains(err.Error(), `another deployment named "cli-dev1" exists`) {
		t.Errorf("taken name: %v", err)
	}
}

// ingress lists a group's rules as "port from source".
func ingress(t *testing.T, env *testEnv, group string) []string {
	t.Helper()
	out, err := env.c.EC2.DescribeSecurityGroupRules(env.ctx, &ec2.DescribeSecurityGroupRulesInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{group}}}})
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, r := range out.SecurityGroupRules {
		if aws.ToBool(r.IsEgress) {
			continue
		}
		src := aws.ToString(r.CidrIpv4)
		if r.ReferencedGroupInfo != nil {
			src = aws.ToString(r.ReferencedGroupInfo.GroupId)
		}
		rules = append(rules, strconv.Itoa(int(aws.ToInt32(r.FromPort)))+" from "+src)
	}
	return rules
}

// diffStates compares the parts of two records discovery can know.
func diffStates(a, b *State) string {
	var out []string
	cmp := func(what string, x, y any) {
		if !equalish(x, y) {
			out = append(out, what)
		}
	}
	cmp("OwnedNetwork", a.OwnedNetwork, b.OwnedNetwork)
	cmp("VPCID", a.VPCID, b.VPCID)
	cmp("SubnetIDs", a.SubnetIDs, b.SubnetIDs)
	cmp("ExtraSubnetIDs", a.ExtraSubnetIDs, b.ExtraSubnetIDs)
	cmp("InternetGatewayID", a.InternetGatewayID, b.InternetGatewayID)
	cmp("RouteTableID", a.RouteTableID, b.RouteTableID)
	cmp("security groups", a.SecurityGroupIDs(), b.SecurityGroupIDs())
	cmp("ALBSecurityGroupID", a.ALBSecurityGroupID, b.ALBSecurityGroupID)
	cmp("EFSSecurityGroupID", a.EFSSecurityGroupID, b.EFSSecurityGroupID)
	cmp("RoleName", a.RoleName, b.RoleName)
	cmp("ProfileName", a.ProfileName, b.ProfileName)
	cmp("EFSID", a.EFSID, b.EFSID)
	cmp("MountTargetIDs", a.MountTargetIDs, b.MountTargetIDs)
	cmp("InstanceID", a.InstanceID, b.InstanceID)
	cmp("AdoptedInstance", a.AdoptedInstance, b.AdoptedInstance)
	cmp("ALBARN", a.ALBARN, b.ALBARN)
	cmp("TargetGroupARN", a.TargetGroupARN, b.TargetGroupARN)
	cmp("ListenerARNs", a.ListenerARNs, b.ListenerARNs)
	cmp("DistributionID", a.DistributionID, b.DistributionID)
	return strings.Join(out, ", ")
}

func equalish(x, y any) bool {
	if xs, ok := x.([]string); ok {
		return slices.Equal(xs, y.([]string))
	}
	return x == y
}
