package deployment

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/quota"
	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfefs "github.com/geusemaker/terraform-provider-geusemaker/internal/service/efs"
	tfelbv2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/elbv2"
	tfsq "github.com/geusemaker/terraform-provider-geusemaker/internal/service/servicequotas"
)

// quotaValue is the value in force for a quota (the applied value, or AWS's
// default for one never changed), read where the quota lives.
func quotaValue(ctx context.Context, c *Clients, q quota.Quota) (float64, error) {
	if c.ServiceQuotas == nil {
		return 0, fmt.Errorf("no Service Quotas client")
	}
	v, _, err := tfsq.FindQuotaValue(ctx, c.ServiceQuotas(q.Region(c.Region)), q.ServiceCode, q.Code)
	return v, err
}

func num(v float64) string { return fmt.Sprintf("%g", v) }

// checkVCPUQuota compares the vCPUs of the instance type, plus those the
// region's other instances of the same class and market already hold, with
// the class's quota (a new account has 0 for G and VT, and P instances). A
// Spot launch counts against the Spot quota, and against the on-demand one
// when it may fall back.
func checkVCPUQuota(ctx context.Context, c *Clients, in PreflightInput, ownInstance string) []Finding {
	s := in.Spec
	q := quota.OnDemandVCPU(s.InstanceType)
	it, err := in.InstanceType(ctx, s.InstanceType)
	if err != nil {
		return couldNotCheck("the vCPUs of "+s.InstanceType, err, "ec2:DescribeInstanceTypes")
	}
	need := int(it.VCPUs)
	var instances []ec2types.Instance
	inUse := func(spot bool, class quota.Quota) (int, error) {
		if instances == nil {
			if instances, err = tfec2.FindCapacityInstances(ctx, c.EC2); err != nil {
				return 0, err
			}
		}
		return vcpusInUse(ctx, in, instances, spot, class, ownInstance), nil
	}
	if s.Capacity.Spot() {
		sq, ok := quota.SpotVCPU(s.InstanceType)
		if !ok {
			if !s.Capacity.OnDemandFallback {
				return []Finding{{Path: "capacity.market", Summary: "No Spot capacity for the instance class",
					Detail: fmt.Sprintf("%s has no Spot vCPU quota (its class is not offered on Spot). Use capacity.market = %q, or allow capacity.on_demand_fallback.", s.InstanceType, MarketOnDemand)}}
			}
		} else {
			limit, err := quotaValue(ctx, c, sq)
			if err != nil {
				return couldNotCheck("the Spot vCPU quota "+sq.Label(), err, "servicequotas:GetServiceQuota and servicequotas:GetAWSDefaultServiceQuota")
			}
			used := 0
			if float64(need) <= limit {
				if used, err = inUse(true, sq); err != nil {
					return couldNotCheck("the vCPUs already in use", err, "ec2:DescribeInstances")
				}
				if float64(need+used) <= limit {
					return nil
				}
			}
			if !s.Capacity.OnDemandFallback {
				return []Finding{{Path: "capacity.market", Summary: "Spot vCPU quota too low",
					Detail: vcpuDetail(s, need, used, "Spot", sq, limit) + fmt.Sprintf(" %s Or allow capacity.on_demand_fallback, or use capacity.market = %q.",
						sq.HowToRaise(s.Region, need+used), MarketOnDemand)}}
			}
		}
		// The launch falls back to on-demand: that quota must hold.
	}
	limit, err := quotaValue(ctx, c, q)
	if err != nil {
		return couldNotCheck("the vCPU quota "+q.Label(), err, "servicequotas:GetServiceQuota and servicequotas:GetAWSDefaultServiceQuota")
	}
	used := 0
	if float64(need) <= limit {
		if used, err = inUse(false, q); err != nil {
			return couldNotCheck("the vCPUs already in use", err, "ec2:DescribeInstances")
		}
		if float64(need+used) <= limit {
			return nil
		}
	}
	detail := vcpuDetail(s, need, used, "on-demand", q, limit)
	if limit == 0 && q.Default == 0 {
		detail += " New AWS accounts start with 0 vCPUs for every class but Standard."
	}
	detail += " " + q.HowToRaise(s.Region, need+used) + fmt.Sprintf(" Or choose an instance type of another class (the Standard quota %s covers the A, C, D, H, I, M, R, T and Z families).", quota.OnDemandStandard.Code)
	return []Finding{{Path: "instance_type", Summary: "vCPU quota too low", Detail: detail}}
}

// vcpuDetail says what the launch needs of a vCPU quota and what other
// instances of the class already hold.
func vcpuDetail(s *Spec, need, used int, market string, q quota.Quota, limit float64) string {
	d := fmt.Sprintf("%s needs %d vCPUs of the quota %s, which allows %s in %s", s.InstanceType, need, q.Label(), num(limit), s.Region)
	if used > 0 {
		d += fmt.Sprintf(", and other %s instances of the class already use %d", market, used)
	}
	return d + "."
}

// vcpusInUse sums the vCPUs that instances of a quota's class hold in one
// market (Spot or on-demand), but the deployment's own instance.
func vcpusInUse(ctx context.Context, in PreflightInput, instances []ec2types.Instance, spot bool, class quota.Quota, own string) int {
	n := 0
	for _, i := range instances {
		typ := string(i.InstanceType)
		if aws.ToString(i.InstanceId) == own || (i.InstanceLifecycle == ec2types.InstanceLifecycleTypeSpot) != spot {
			continue
		}
		if spot {
			if sq, ok := quota.SpotVCPU(typ); !ok || sq != class {
				continue
			}
		} else if quota.OnDemandVCPU(typ) != class {
			continue
		}
		if o := i.CpuOptions; o != nil && aws.ToInt32(o.CoreCount) > 0 {
			n += int(aws.ToInt32(o.CoreCount) * max(aws.ToInt32(o.ThreadsPerCore), 1))
		} else if t, err := in.InstanceType(ctx, typ); err == nil {
			n += int(t.VCPUs)
		}
	}
	return n
}

// quotaReached reports a quota that one more object would exceed.
func quotaReached(path, what string, q quota.Quota, region string, limit float64, have int, remedy string) []Finding {
	if float64(have+1) <= limit {
		return nil
	}
	where := "the region " + region
	if q.Global {
		where = "the account" // a global quota counts every region's objects
	}
	return []Finding{{Path: path, Summary: "Quota reached: " + q.Name,
		Detail: fmt.Sprintf("The deployment needs one more %s, and %s already holds %d of the %s the quota %s allows. %s%s",
			what, where, have, num(limit), q.Label(), remedy, q.HowToRaise(region, have+1))}}
}

// checkVPCQuota: a dedicated VPC counts against VPCs per Region (the
// default VPC included).
func checkVPCQuota(ctx context.Context, c *Clients, s *Spec, ownVPC string) []Finding {
	if s.VPCID != "" {
		return nil
	}
	limit, err := quotaValue(ctx, c, quota.VPCs)
	if err != nil {
		return couldNotCheck("the VPC quota "+quota.VPCs.Label(), err, "servicequotas:GetServiceQuota and servicequotas:GetAWSDefaultServiceQuota")
	}
	vpcs, err := tfec2.FindVPCs(ctx, c.EC2)
	if err != nil {
		return couldNotCheck("how many VPCs exist", err, "ec2:DescribeVpcs")
	}
	have := 0
	for _, v := range vpcs {
		if aws.ToString(v.VpcId) != ownVPC {
			have++
		}
	}
	return quotaReached("vpc_id", "VPC", quota.VPCs, s.Region, limit, have,
		"Deploy into an existing VPC with vpc_id and subnet_ids, delete a VPC you no longer use, or raise the quota. ")
}

func checkFileSystemQuota(ctx context.Context, c *Clients, s *Spec, ownFS string) []Finding {
	limit, err := quotaValue(ctx, c, quota.FileSystems)
	if err != nil {
		return couldNotCheck("the file system quota "+quota.FileSystems.Label(), err, "servicequotas:GetServiceQuota")
	}
	fss, err := tfefs.FindFileSystems(ctx, c.EFS)
	if err != nil {
		return couldNotCheck("how many EFS file systems exist", err, "elasticfilesystem:DescribeFileSystems")
	}
	have := 0
	for _, f := range fss {
		if aws.ToString(f.FileSystemId) != ownFS {
			have++
		}
	}
	return quotaReached("efs", "EFS file system", quota.FileSystems, s.Region, limit, have, "Delete a file system you no longer use, or raise the quota. ")
}

// checkLoadBalancerQuotas: tier 2 and 3 make an Application Load Balancer
// and a target group.
func checkLoadBalancerQuotas(ctx context.Context, c *Clients, s *Spec, prior State) []Finding {
	if !s.HasLoadBalancer() {
		return nil
	}
	var out []Finding
	limit, err := quotaValue(ctx, c, quota.LoadBalancers)
	if err != nil {
		return couldNotCheck("the load balancer quota "+quota.LoadBalancers.Label(), err, "servicequotas:GetServiceQuota")
	}
	lbs, err := tfelbv2.FindLoadBalancers(ctx, c.ELBV2)
	if err != nil {
		return couldNotCheck("how many load balancers exist", err, "elasticloadbalancing:DescribeLoadBalancers")
	}
	have := 0
	for _, lb := range lbs {
		if lb.Type == elbtypes.LoadBalancerTypeEnumApplication && aws.ToString(lb.LoadBalancerArn) != prior.ALBARN {
			have++
		}
	}
	out = append(out, quotaReached("tier", "Application Load Balancer", quota.LoadBalancers, s.Region, limit, have,
		"Delete a load balancer you no longer use, use tier 1 (no load balancer), or raise the quota. ")...)

	limit, err = quotaValue(ctx, c, quota.TargetGroups)
	if err != nil {
		return append(out, couldNotCheck("the target group quota "+quota.TargetGroups.Label(), err, "servicequotas:GetServiceQuota")...)
	}
	tgs, err := tfelbv2.FindTargetGroups(ctx, c.ELBV2)
	if err != nil {
		return append(out, couldNotCheck("how many target groups exist", err, "elasticloadbalancing:DescribeTargetGroups")...)
	}
	have = 0
	for _, tg := range tgs {
		if aws.ToString(tg.TargetGroupArn) != prior.TargetGroupARN {
			have++
		}
	}
	return append(out, quotaReached("tier", "target group", quota.TargetGroups, s.Region, limit, have,
		"Delete target groups you no longer use, or raise the quota. ")...)
}

// checkDistributionQuota: tier 3 makes a CloudFront distribution (an
// account-wide quota).
func checkDistributionQuota(ctx context.Context, c *Clients, s *Spec, ownDistribution string) []Finding {
	if !s.HasCDN() {
		return nil
	}
	limit, err := quotaValue(ctx, c, quota.Distributions)
	if err != nil {
		return couldNotCheck("the CloudFront distribution quota "+quota.Distributions.Label(), err, "servicequotas:GetServiceQuota")
	}
	ds, err := tfcloudfront.FindDistributions(ctx, c.CloudFront)
	if err != nil {
		return couldNotCheck("how many CloudFront distributions exist", err, "cloudfront:ListDistributions")
	}
	have := 0
	for _, d := range ds {
		if aws.ToString(d.Id) != ownDistribution {
			have++
		}
	}
	return quotaReached("tier", "CloudFront distribution", quota.Distributions, s.Region, limit, have,
		"Delete a distribution you no longer use (disable it first), use tier 2, or raise the quota. ")
}

// checkOriginTimeout: CloudFront accepts an origin response timeout above
// 60 seconds only when the account's quota was raised.
func checkOriginTimeout(ctx context.Context, c *Clients, s *Spec) []Finding {
	t := s.CDN.OriginReadTimeoutSeconds
	if !s.HasCDN() || t <= DefaultOriginReadTimeout {
		return nil
	}
	q := quota.OriginReadTimeout
	limit, err := quotaValue(ctx, c, q)
	if err != nil {
		return []Finding{{Path: "cdn.origin_read_timeout_seconds", Warning: true, Summary: "Origin read timeout above 60 seconds",
			Detail: fmt.Sprintf("CloudFront accepts origin_read_timeout_seconds = %d only if the quota %s was raised above its default of %s seconds, and the provider could not read it (%s). If it was not raised, the apply fails with InvalidOriginReadTimeout. %s",
				t, q.Label(), num(q.Default), codeAndMessage(err), q.HowToRaise(s.Region, int(t)))}}
	}
	if float64(t) <= limit {
		return nil
	}
	return []Finding{{Path: "cdn.origin_read_timeout_seconds", Summary: "Origin read timeout above the quota",
		Detail: fmt.Sprintf("origin_read_timeout_seconds is %d, but the quota %s allows %s seconds. Lower it to %s, or raise the quota: %s",
			t, q.Label(), num(limit), num(limit), q.HowToRaise(s.Region, int(t)))}}
}

// checkRuleQuota weighs each security group's inbound rules against the
// rules-per-group quota: a managed prefix list counts as its maximum number
// of entries (CloudFront's origin-facing list as 55 of the default 60).
func checkRuleQuota(ctx context.Context, c *Clients, s *Spec, single bool) []Finding {
	plWeight := 0
	if s.restrictsOrigin() {
		pl, err := c.Catalog.PrefixList(ctx, c.EC2, CloudFrontPrefixList)
		if err != nil {
			return couldNotCheck("the weight of the CloudFront origin-facing prefix list", err, "ec2:DescribeManagedPrefixLists")
		}
		plWeight = int(aws.ToInt32(pl.MaxEntries))
	}
	groups := s.ruleWeights(single, plWeight)
	limit, err := quotaValue(ctx, c, quota.RulesPerSecurityGroup)
	if err != nil {
		return couldNotCheck("the security group rule quota "+quota.RulesPerSecurityGroup.Label(), err, "servicequotas:GetServiceQuota and servicequotas:GetAWSDefaultServiceQuota")
	}
	var out []Finding
	for _, g := range groups {
		if float64(g.weight) <= limit {
			continue
		}
		var parts []string
		if g.prefixLists > 0 {
			parts = append(parts, fmt.Sprintf("the CloudFront origin-facing prefix list (weighing %d, its maximum entries)", plWeight))
		}
		if g.allowed > 0 {
			parts = append(parts, fmt.Sprintf("%d rule(s) for allowed_cidr_blocks", g.allowed))
		}
		if g.ssh > 0 {
			parts = append(parts, fmt.Sprintf("%d rule(s) for ssh_cidr_blocks", g.ssh))
		}
		if g.groupRefs > 0 {
			parts = append(parts, fmt.Sprintf("%d rule(s) admitting another group", g.groupRefs))
		}
		path, remedy := "allowed_cidr_blocks", "Use fewer allowed_cidr_blocks, or raise the quota."
		switch {
		case g.ssh > 0 && g.prefixLists > 0:
			path = "ssh_cidr_blocks"
			remedy = fmt.Sprintf("Keep at most %d ssh_cidr_blocks (SSM Session Manager needs none), set cdn.restrict_origin = false to admit allowed_cidr_blocks instead of CloudFront's list, or raise the quota.", max(int(limit)-(g.weight-g.ssh), 0))
		case g.ssh > 0 && g.allowed == 0:
			path, remedy = "ssh_cidr_blocks", "Use fewer ssh_cidr_blocks (SSM Session Manager needs none), or raise the quota."
		case g.prefixLists > 0:
			path, remedy = "cdn.restrict_origin", "Set cdn.restrict_origin = false with allowed_cidr_blocks, or raise the quota."
		}
		who := "The " + strings.Join(g.roles, ", ") + " security group"
		if single {
			who = "The one security group the GeuseMaker CLI made (adopted, it plays every role: " + strings.Join(g.roles, ", ") + ")"
		}
		out = append(out, Finding{Path: path, Summary: "Too many security group rules",
			Detail: fmt.Sprintf("%s would hold inbound rules weighing %d: %s; the quota %s allows %s per group in %s, and EC2 would refuse the rules with RulesPerSecurityGroupLimitExceeded. %s %s",
				who, g.weight, strings.Join(parts, ", "), quota.RulesPerSecurityGroup.Label(), num(limit), s.Region, remedy, quota.RulesPerSecurityGroup.HowToRaise(s.Region, g.weight))})
	}
	return out
}
