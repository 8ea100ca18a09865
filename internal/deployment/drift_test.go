package deployment

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// refreshCalls refreshes and counts the AWS calls the refresh made.
func refreshCalls(t *testing.T, env *testEnv, spec *Spec, st *State) (*State, int) {
	t.Helper()
	before := len(env.emu.Calls())
	out, err := Refresh(env.ctx, env.c, spec, st)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	return out, len(env.emu.Calls()) - before
}

// maxTier3RefreshCalls is what an unchanged tier-3 refresh may cost, drift
// checks included: the plan adds STS at configure and the instance type
// lookup. 16: the service credentials (one SSM GetParameters) and the
// role's one inline policy (one GetRolePolicy) are read too.
const maxTier3RefreshCalls = 16

// Every managed setting changed outside Terraform shows in the refresh's
// Drift, and an update puts it back.
func TestRefreshFindsDriftAndUpdateRepairsIt(t *testing.T) {
	env := newTestEnv(t, nil)
	spec := testSpec("drift", TierGPU)
	spec.SSHCIDRs = []string{"203.0.113.7/32"}
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatal(err)
	}
	clean, calls := refreshCalls(t, env, spec, st)
	if len(clean.Drift) != 0 {
		t.Fatalf("drift right after the create: %v", clean.Drift)
	}
	t.Logf("an unchanged tier-3 refresh makes %d AWS calls", calls)
	if calls > maxTier3RefreshCalls {
		t.Fatalf("an unchanged tier-3 refresh made %d calls, budget %d: %v", calls, maxTier3RefreshCalls, env.emu.Calls()[len(env.emu.Calls())-calls:])
	}

	ctx, e := env.ctx, env.c.EC2
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Security groups: revoke each group's rule, add RDP from anywhere.
	must(e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(st.InstanceSecurityGroupID),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("203.0.113.7/32")}}}}}))
	must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(st.InstanceSecurityGroupID),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(3389), ToPort: aws.Int32(3389), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))
	must(e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(st.EFSSecurityGroupID),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(2049), ToPort: aws.Int32(2049), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(st.InstanceSecurityGroupID)}}}}}))
	must(e.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(st.ALBSecurityGroupID),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), PrefixListIds: []ec2types.PrefixListId{{PrefixListId: aws.String(st.CloudFrontPrefixListID)}}}}}))
	// Network: a subnet stops giving public addresses.
	must(e.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(st.SubnetIDs[0]), MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}}))
	// IAM: the instance policy (the one inline policy) goes, the broad
	// managed policy comes.
	must(env.c.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(st.RoleName), PolicyName: aws.String(instancePolicyName)}))
	must(env.c.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(st.RoleName), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")}))
	// Load balancer: idle timeout, the origin rule, the health check.
	must(env.c.ELBV2.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(st.ALBARN),
		Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("idle_timeout.timeout_seconds"), Value: aws.String("30")}}}))
	must(env.c.ELBV2.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: aws.String(st.RuleARNs[0])}))
	must(env.c.ELBV2.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{TargetGroupArn: aws.String(st.TargetGroupARN), HealthCheckPath: aws.String("/")}))
	// Instance: IMDSv1 allowed again.
	must(e.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(st.InstanceID), HttpTokens: ec2types.HttpTokensStateOptional}))
	// The internet route goes.
	must(e.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(st.RouteTableID), DestinationCidrBlock: aws.String("0.0.0.0/0")}))
	// The listener forwards everyone, not only CloudFront.
	must(env.c.ELBV2.ModifyListener(ctx, &elbv2.ModifyListenerInput{ListenerArn: aws.String(st.ListenerARNs[0]),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(st.TargetGroupARN)}}}))
	// CloudFront: disabled.
	cfg, err := env.c.CloudFront.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(st.DistributionID)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DistributionConfig.Enabled = aws.Bool(false)
	must(env.c.CloudFront.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(st.DistributionID), IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig}))

	drifted, _ := refreshCalls(t, env, spec, clean)
	want := []string{
		"security groups: " + st.InstanceSecurityGroupID + " (instance-sg): ingress tcp/22 from 203.0.113.7/32 is missing",
		"security groups: " + st.InstanceSecurityGroupID + " (instance-sg): ingress tcp/3389 from 0.0.0.0/0 was added outside Terraform",
		"security groups: " + st.EFSSecurityGroupID + " (efs-sg): ingress tcp/2049 from " + st.InstanceSecurityGroupID + " is missing",
		"security groups: " + st.ALBSecurityGroupID + " (alb-sg): ingress tcp/80 from prefix list " + st.CloudFrontPrefixListID + " is missing",
		"network: subnet " + st.SubnetIDs[0] + " no longer gives instances a public address",
		"iam: role " + st.RoleName + " lost its inline policy " + instancePolicyName + " ",
		"iam: role " + st.RoleName + " has the managed policy arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore attached",
		"load balancer: drift-alb has idle_timeout.timeout_seconds = 30, want 300",
		"load balancer: the port 80 listener of drift-alb lost the rule",
		"load balancer: target group drift-tg checks health at /, configured /healthz",
		"cloudfront: distribution " + st.DistributionID + " was disabled outside Terraform",
		"instance: " + st.InstanceID + " metadata options changed outside Terraform: http_tokens optional (want required)",
		"network: route table " + st.RouteTableID + " has no route to the internet",
		"load balancer: the port 80 listener of drift-alb was changed outside Terraform",
	}
	for _, w := range want {
		found := false
		for _, d := range drifted.Drift {
			found = found || strings.HasPrefix(d, w)
		}
		if !found {
			t.Errorf("no drift %q in:\n  %s", w, strings.Join(drifted.Drift, "\n  "))
		}
	}
	if len(drifted.Drift) != len(want) {
		t.Errorf("%d drift lines, want %d:\n  %s", len(drifted.Drift), len(want), strings.Join(drifted.Drift, "\n  "))
	}
	if t.Failed() {
		t.FailNow()
	}

	repaired, err := Update(env.ctx, env.c, spec, drifted, spec.Tags)
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	after, _ := refreshCalls(t, env, spec, repaired)
	if len(after.Drift) != 0 {
		t.Fatalf("drift after the update:\n  %s", strings.Join(after.Drift, "\n  "))
	}
	d, err := env.c.CloudFront.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(st.DistributionID)})
	if err != nil || !aws.ToBool(d.Distribution.DistributionConfig.Enabled) || aws.ToString(d.Distribution.Status) != "Deployed" {
		t.Fatalf("distribution after the update: %+v %v", d, err)
	}
	_ = cftypes.PriceClassPriceClass100
	if _, _, err := Delete(env.ctx, env.c, spec, after); err != nil {
		t.Fatal(err)
	}
	env.requireEmpty(t)
}
