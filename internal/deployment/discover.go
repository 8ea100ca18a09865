package deployment

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfefs "github.com/geusemaker/terraform-provider-geusemaker/internal/service/efs"
	tfelbv2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/elbv2"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

func tagFilter(key, value string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String("tag:" + key), Values: []string{value}}
}

func tagMap(tags []ec2types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// FindExisting lists live AWS objects that belong to a deployment name: the
// EC2 objects and file systems tagged with it, and the IAM role, load
// balancer and target group named after it.
func FindExisting(ctx context.Context, c *Clients, name string) ([]string, error) {
	spec := &Spec{Name: name, Region: c.Region}
	var out []string
	tagged, err := tfec2.FindTaggedResources(ctx, c.EC2, TagDeployment, name)
	if err != nil && !retry.NotFound(err) {
		return nil, err
	}
	var instances []string
	for _, t := range tagged {
		if t.ResourceType == ec2types.ResourceTypeInstance {
			instances = append(instances, aws.ToString(t.ResourceId))
			continue
		}
		if t.ResourceType == ec2types.ResourceTypeVolume || t.ResourceType == ec2types.ResourceTypeNetworkInterface {
			continue // they belong to an instance
		}
		out = append(out, string(t.ResourceType)+" "+aws.ToString(t.ResourceId))
	}
	if len(instances) > 0 {
		live, err := tfec2.FindInstancesByTag(ctx, c.EC2, TagDeployment, name)
		if err != nil && !retry.NotFound(err) {
			return nil, err
		}
		for _, i := range live {
			out = append(out, "instance "+aws.ToString(i.InstanceId))
		}
	}
	if fs, err := findFileSystemByTag(ctx, c, name); err != nil {
		return nil, err
	} else if fs != "" {
		out = append(out, "file-system "+fs)
	}
	if _, err := tfiam.FindRoleByName(ctx, c.IAM, spec.roleName()); err == nil {
		out = append(out, "iam-role "+spec.roleName())
	} else if !retry.NotFound(err) {
		return nil, err
	}
	if lb, err := tfelbv2.FindLoadBalancerByName(ctx, c.ELBV2, spec.loadBalancerName()); err == nil {
		out = append(out, "load-balancer "+aws.ToString(lb.LoadBalancerArn))
	} else if !retry.NotFound(err) {
		return nil, err
	}
	if tg, err := tfelbv2.FindTargetGroupByName(ctx, c.ELBV2, spec.targetGroupName()); err == nil {
		out = append(out, "target-group "+aws.ToString(tg.TargetGroupArn))
	} else if !retry.NotFound(err) {
		return nil, err
	}
	sort.Strings(out)
	return out, nil
}

func findFileSystemByTag(ctx context.Context, c *Clients, name string) (string, error) {
	p := efs.NewDescribeFileSystemsPaginator(c.EFS, &efs.DescribeFileSystemsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("listing EFS file systems: %w", err)
		}
		for _, fs := range page.FileSystems {
			for _, t := range fs.Tags {
				if aws.ToString(t.Key) == TagDeployment && aws.ToString(t.Value) == name {
					return aws.ToString(fs.FileSystemId), nil
				}
			}
		}
	}
	return "", nil
}

// Discover finds a deployment by name (for import): every component by its
// tags or derived name, and the settings that produced them. Settings AWS
// does not record (wait_for_ready, rollback_on_failure, retain flags) come
// back as their defaults.
func Discover(ctx context.Context, c *Clients, name string) (*Spec, *State, error) {
	spec := &Spec{Name: name, Region: c.Region, Tier: TierDev, VPCCIDR: DefaultVPCCIDR, RootVolumeGiB: DefaultRootVolumeGiB,
		WaitForReady: true, RollbackOnFail: true,
		LoadBalancer: LoadBalancerSpec{SSLPolicy: DefaultSSLPolicy, IdleTimeoutSeconds: DefaultIdleTimeout, HealthCheckPath: DefaultHealthCheckPath},
		CDN:          CDNSpec{PriceClass: DefaultPriceClass, OriginReadTimeoutSeconds: DefaultOriginReadTimeout, WaitForDeployment: true, RestrictOrigin: true},
		EFS:          EFSSpec{PerformanceMode: "generalPurpose", ThroughputMode: "bursting"},
	}
	st := &State{Name: name, Region: c.Region, Status: StatusRunning}
	conn := c.EC2

	// The instance anchors everything: its VPC, subnet, groups and boot script.
	insts, err := tfec2.FindInstancesByTag(ctx, conn, TagDeployment, name)
	if err != nil && !retry.NotFound(err) {
		return nil, nil, err
	}
	var inst *ec2types.Instance
	for i := range insts {
		if tagMap(insts[i].Tags)[TagComponent] == CompInstance {
			inst = &insts[i]
		}
	}
	// A VPC the deployment owns carries its component tag; the GeuseMaker
	// CLI also tagged VPCs it was given with geusemaker:deployment, and those
	// are not the deployment's to delete.
	vpcs, err := conn.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{tagFilter(TagDeployment, name), tagFilter(TagComponent, CompVPC)}})
	if err != nil {
		return nil, nil, fmt.Errorf("finding the deployment's VPC: %w", err)
	}
	if len(vpcs.Vpcs) > 0 {
		v := vpcs.Vpcs[0]
		st.OwnedNetwork, st.VPCID, spec.VPCCIDR = true, aws.ToString(v.VpcId), aws.ToString(v.CidrBlock)
	} else if inst != nil {
		st.VPCID = aws.ToString(inst.VpcId)
		spec.VPCID = st.VPCID
	}
	if inst == nil && st.VPCID == "" {
		return nil, nil, &retry.NotFoundError{Message: fmt.Sprintf("no deployment named %q in %s: no instance or VPC carries the tag %s=%s", name, c.Region, TagDeployment, name)}
	}

	// Network pieces and security groups, by their component tags.
	if st.OwnedNetwork {
		if err := discoverOwnedNetwork(ctx, conn, name, st); err != nil {
			return nil, nil, err
		}
	}
	sgs, err := conn.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{tagFilter(TagDeployment, name)}})
	if err != nil {
		return nil, nil, fmt.Errorf("finding the deployment's security groups: %w", err)
	}
	var instanceSG, albSG *ec2types.SecurityGroup
	for i, g := range sgs.SecurityGroups {
		switch tagMap(g.Tags)[TagComponent] {
		case CompInstanceSG:
			st.InstanceSecurityGroupID, instanceSG = aws.ToString(g.GroupId), &sgs.SecurityGroups[i]
		case CompEFSSG:
			st.EFSSecurityGroupID = aws.ToString(g.GroupId)
		case CompALBSG:
			st.ALBSecurityGroupID, albSG = aws.ToString(g.GroupId), &sgs.SecurityGroups[i]
		}
	}
	sharedGroup := func(groups []string) bool {
		return st.InstanceSecurityGroupID != "" && slices.Contains(groups, st.InstanceSecurityGroupID)
	}

	// Storage.
	if st.EFSID, err = findFileSystemByTag(ctx, c, name); err != nil {
		return nil, nil, err
	}
	if st.EFSID != "" {
		fs, err := tfefs.FindFileSystemByID(ctx, c.EFS, st.EFSID)
		if err != nil {
			return nil, nil, err
		}
		spec.EFS.PerformanceMode, spec.EFS.ThroughputMode = string(fs.PerformanceMode), string(fs.ThroughputMode)
		if tok := aws.ToString(fs.CreationToken); strings.HasPrefix(tok, spec.creationToken()+"-") {
			st.Nonce = strings.TrimPrefix(tok, spec.creationToken()+"-")
		}
		mts, err := tfefs.FindMountTargetsByFileSystemID(ctx, c.EFS, st.EFSID)
		if err != nil && !retry.NotFound(err) {
			return nil, nil, err
		}
		st.MountTargetIPs = map[string]string{}
		var mtSubnets []string
		for _, mt := range mts {
			st.MountTargetIDs = append(st.MountTargetIDs, aws.ToString(mt.MountTargetId))
			st.MountTargetIPs[aws.ToString(mt.AvailabilityZoneName)] = aws.ToString(mt.IpAddress)
			mtSubnets = append(mtSubnets, aws.ToString(mt.SubnetId))
		}
		if st.EFSSecurityGroupID == "" && len(mts) > 0 {
			// An adopted CLI deployment's mount targets use the instance's group.
			out, err := c.EFS.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: mts[0].MountTargetId})
			if err != nil {
				return nil, nil, fmt.Errorf("reading the security groups of mount target (%s): %w", aws.ToString(mts[0].MountTargetId), err)
			}
			if sharedGroup(out.SecurityGroups) {
				st.EFSSecurityGroupID = st.InstanceSecurityGroupID
			}
		}
		if !st.OwnedNetwork {
			st.SubnetIDs = orderSubnets(mtSubnets, inst)
			spec.SubnetIDs = st.SubnetIDs
		}
	}

	// IAM, by its derived name, else (an adopted CLI deployment's role and
	// profile) through the instance's profile when it carries the
	// deployment's tag.
	if r, err := tfiam.FindRoleByName(ctx, c.IAM, spec.roleName()); err == nil {
		st.RoleName, st.RoleARN = spec.roleName(), aws.ToString(r.Arn)
	} else if !retry.NotFound(err) {
		return nil, nil, err
	}
	if p, err := tfiam.FindInstanceProfileByName(ctx, c.IAM, spec.roleName()); err == nil {
		st.ProfileName, st.ProfileARN = spec.roleName(), aws.ToString(p.Arn)
	} else if !retry.NotFound(err) {
		return nil, nil, err
	}
	if st.ProfileName == "" && inst != nil && inst.IamInstanceProfile != nil {
		if err := discoverInstanceProfile(ctx, c, name, aws.ToString(inst.IamInstanceProfile.Arn), st); err != nil {
			return nil, nil, err
		}
	}

	// The instance and the settings its boot script records.
	if inst != nil {
		if err := discoverInstance(ctx, c, inst, spec, st); err != nil {
			return nil, nil, err
		}
		spec.Tags = UserTags(tagMap(inst.Tags))
	}

	// Load balancer and CloudFront decide the tier.
	lbGroups, err := discoverLoadBalancer(ctx, c, spec, st)
	if err != nil {
		return nil, nil, err
	}
	if st.ALBSecurityGroupID == "" && sharedGroup(lbGroups) {
		st.ALBSecurityGroupID, albSG = st.InstanceSecurityGroupID, instanceSG
	}
	if err := discoverDistribution(ctx, c, spec, st); err != nil {
		return nil, nil, err
	}
	spec.AllowedCIDRs, spec.SSHCIDRs = observedCIDRs(spec, instanceSG, albSG)
	if spec.AllowedCIDRs == nil {
		spec.AllowedCIDRs = []string{"0.0.0.0/0"}
	}
	st.Tier = spec.Tier
	st.Status = summarize(spec, st)
	if st.Nonce == "" {
		st.Nonce = newNonce()
	}
	return spec, st, nil
}

// discoverInstanceProfile records the instance's profile and its role when
// the profile carries the deployment's tag (an adopted CLI deployment's
// "<stack>-instance-profile" and "<stack>-efs-mount-role").
func discoverInstanceProfile(ctx context.Context, c *Clients, name, profileARN string, st *State) error {
	profileName := profileARN[strings.LastIndex(profileARN, "/")+1:]
	if profileName == "" {
		return nil
	}
	p, err := tfiam.FindInstanceProfileByName(ctx, c.IAM, profileName)
	if retry.NotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if tfiam.TagsMap(p.Tags)[TagDeployment] != name {
		return nil
	}
	st.ProfileName, st.ProfileARN = profileName, aws.ToString(p.Arn)
	for _, r := range p.Roles {
		role, err := tfiam.FindRoleByName(ctx, c.IAM, aws.ToString(r.RoleName))
		if retry.NotFound(err) {
			continue
		} else if err != nil {
			return err
		}
		if tfiam.TagsMap(role.Tags)[TagDeployment] == name {
			st.RoleName, st.RoleARN = aws.ToString(role.RoleName), aws.ToString(role.Arn)
		}
	}
	return nil
}

// orderSubnets puts the instance's subnet first, as the deployment does.
func orderSubnets(subnets []string, inst *ec2types.Instance) []string {
	out := slices.Clone(subnets)
	sort.Strings(out)
	if inst != nil {
		if i := slices.Index(out, aws.ToString(inst.SubnetId)); i > 0 {
			out = append([]string{out[i]}, append(out[:i:i], out[i+1:]...)...)
		}
	}
	return out
}

func discoverOwnedNetwork(ctx context.Context, conn *ec2.Client, name string, st *State) error {
	f := func(component string) []ec2types.Filter {
		return []ec2types.Filter{tagFilter(TagDeployment, name), tagFilter(TagComponent, component)}
	}
	subs, err := conn.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{tagFilter(TagDeployment, name)}})
	if err != nil {
		return fmt.Errorf("finding the deployment's subnets: %w", err)
	}
	sort.Slice(subs.Subnets, func(i, j int) bool {
		a, b := subs.Subnets[i], subs.Subnets[j]
		if aws.ToString(a.AvailabilityZone) != aws.ToString(b.AvailabilityZone) {
			return aws.ToString(a.AvailabilityZone) < aws.ToString(b.AvailabilityZone)
		}
		return aws.ToString(a.SubnetId) < aws.ToString(b.SubnetId)
	})
	for _, sn := range subs.Subnets {
		switch tagMap(sn.Tags)[TagComponent] {
		case CompSubnet:
			st.SubnetIDs = append(st.SubnetIDs, aws.ToString(sn.SubnetId))
		case CompPrivateSubnet:
			st.ExtraSubnetIDs = append(st.ExtraSubnetIDs, aws.ToString(sn.SubnetId))
		}
	}
	igws, err := conn.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: f(CompInternetGateway)})
	if err != nil {
		return fmt.Errorf("finding the deployment's internet gateway: %w", err)
	}
	if len(igws.InternetGateways) > 0 {
		st.InternetGatewayID = aws.ToString(igws.InternetGateways[0].InternetGatewayId)
	}
	rts, err := conn.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: f(CompRouteTable)})
	if err != nil {
		return fmt.Errorf("finding the deployment's route table: %w", err)
	}
	if len(rts.RouteTables) > 0 {
		st.RouteTableID = aws.ToString(rts.RouteTables[0].RouteTableId)
		for _, a := range rts.RouteTables[0].Associations {
			if id := aws.ToString(a.RouteTableAssociationId); id != "" && !aws.ToBool(a.Main) {
				st.RouteTableAssociationIDs = append(st.RouteTableAssociationIDs, id)
			}
		}
	}
	return nil
}

func discoverInstance(ctx context.Context, c *Clients, inst *ec2types.Instance, spec *Spec, st *State) error {
	o := &op{c: c, spec: spec, rec: newRecorder(st)}
	o.recordInstance(inst)
	if s := inst.State; s != nil && (s.Name == ec2types.InstanceStateNameStopped || s.Name == ec2types.InstanceStateNameStopping) {
		st.Status = StatusStopped // summarize keeps it when nothing is missing
	}
	spec.InstanceType = string(inst.InstanceType)
	spec.KeyName = aws.ToString(inst.KeyName)
	st.KeyName = spec.KeyName
	spec.AMIID = aws.ToString(inst.ImageId)
	if t, err := strconvAtoi(tagMap(inst.Tags)[TagTier]); err == nil {
		spec.Tier = t
	}
	if st.RootVolumeID != "" {
		vols, err := c.EC2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{st.RootVolumeID}})
		if err != nil {
			return fmt.Errorf("reading the root volume (%s): %w", st.RootVolumeID, err)
		}
		if len(vols.Volumes) > 0 {
			spec.RootVolumeGiB = aws.ToInt32(vols.Volumes[0].Size)
		}
	}
	attr, err := c.EC2.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: inst.InstanceId, Attribute: ec2types.InstanceAttributeNameUserData})
	if err != nil {
		return fmt.Errorf("reading the boot script of %s: %w", aws.ToString(inst.InstanceId), err)
	}
	if attr.UserData != nil {
		raw, err := base64.StdEncoding.DecodeString(aws.ToString(attr.UserData.Value))
		if err != nil {
			return fmt.Errorf("decoding the boot script of %s: %w", aws.ToString(inst.InstanceId), err)
		}
		script, err := userdata.Decompress(raw)
		if err != nil {
			return err
		}
		if m, ok := bootmarker.ParseManifest(script); ok {
			spec.GPU, spec.Services, spec.Models = m.GPU, m.Services, m.Models
		} else {
			st.AdoptedInstance = true
		}
	} else {
		st.AdoptedInstance = true
	}
	if st.AdoptedInstance {
		// Launched by the GeuseMaker CLI (adopted with a legacy import): its
		// boot script records no settings. The workload follows the type's
		// GPUs, services and models are the defaults the provider would
		// launch the next instance with, and no boot-script hash pins it.
		info, err := LookupInstanceType(ctx, c.EC2, spec.InstanceType)
		if err != nil {
			return fmt.Errorf("looking up instance type %s: %w", spec.InstanceType, err)
		}
		spec.GPU, spec.Services, spec.Models = info.HasGPU(), userdata.DefaultServices(), userdata.DefaultModels(info.HasGPU())
	} else {
		st.UserDataHash = InstanceKey(spec.GPU, spec.Services, spec.Models, st.EFSID, st.MountTargetIPs[st.AvailabilityZone])
	}
	if spec.GPU {
		if out, err := tfec2.ConsoleOutput(ctx, c.EC2, st.InstanceID); err == nil {
			if g := bootmarker.Parse(out).GPU; g != nil {
				st.GPUFacts = gpuFacts(g)
			}
		}
	}
	if u, err := url.Parse(tagMap(inst.Tags)[TagPublicURL]); err == nil && u.Scheme == "https" && !strings.HasSuffix(u.Host, ".elb.amazonaws.com") && !strings.HasSuffix(u.Host, ".cloudfront.net") {
		spec.LoadBalancer.DomainName = u.Host
	}
	return nil
}

// discoverLoadBalancer finds the load balancer and its parts by name; it
// returns the load balancer's security groups.
func discoverLoadBalancer(ctx context.Context, c *Clients, spec *Spec, st *State) ([]string, error) {
	conn := c.ELBV2
	lb, err := tfelbv2.FindLoadBalancerByName(ctx, conn, spec.loadBalancerName())
	if retry.NotFound(err) {
		spec.LoadBalancer.DomainName = ""
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	spec.Tier = max(spec.Tier, TierAutomation)
	st.ALBARN, st.ALBDNSName, st.ALBZoneID = aws.ToString(lb.LoadBalancerArn), aws.ToString(lb.DNSName), aws.ToString(lb.CanonicalHostedZoneId)
	if tg, err := tfelbv2.FindTargetGroupByName(ctx, conn, spec.targetGroupName()); err == nil {
		st.TargetGroupARN = aws.ToString(tg.TargetGroupArn)
		spec.LoadBalancer.HealthCheckPath = aws.ToString(tg.HealthCheckPath)
	} else if !retry.NotFound(err) {
		return nil, err
	}
	attrs, err := conn.DescribeLoadBalancerAttributes(ctx, &elbv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil {
		return nil, fmt.Errorf("reading load balancer attributes: %w", err)
	}
	for _, a := range attrs.Attributes {
		switch aws.ToString(a.Key) {
		case "idle_timeout.timeout_seconds":
			if v, err := strconvAtoi(aws.ToString(a.Value)); err == nil {
				spec.LoadBalancer.IdleTimeoutSeconds = int32(v)
			}
		case "deletion_protection.enabled":
			spec.LoadBalancer.DeletionProtection = aws.ToString(a.Value) == "true"
		}
	}
	ls, err := tfelbv2.FindListenersByLoadBalancer(ctx, conn, st.ALBARN)
	if err != nil && !retry.NotFound(err) {
		return nil, err
	}
	sort.Slice(ls, func(i, j int) bool { return aws.ToInt32(ls[i].Port) > aws.ToInt32(ls[j].Port) })
	for _, l := range ls {
		st.ListenerARNs = append(st.ListenerARNs, aws.ToString(l.ListenerArn))
		if l.Protocol == elbtypes.ProtocolEnumHttps && len(l.Certificates) > 0 {
			spec.LoadBalancer.CertificateARN = aws.ToString(l.Certificates[0].CertificateArn)
			spec.LoadBalancer.SSLPolicy = aws.ToString(l.SslPolicy)
		}
		rules, err := tfelbv2.FindRulesByListener(ctx, conn, aws.ToString(l.ListenerArn))
		if err != nil && !retry.NotFound(err) {
			return nil, err
		}
		for _, r := range rules {
			if aws.ToBool(r.IsDefault) {
				continue
			}
			st.RuleARNs = append(st.RuleARNs, aws.ToString(r.RuleArn))
			for _, cond := range r.Conditions {
				if h := cond.HttpHeaderConfig; h != nil && aws.ToString(h.HttpHeaderName) == OriginVerifyHeader && len(h.Values) == 1 {
					st.OriginSecret = h.Values[0]
				}
			}
		}
	}
	return lb.SecurityGroups, nil
}

func discoverDistribution(ctx context.Context, c *Clients, spec *Spec, st *State) error {
	all, err := tfcloudfront.FindDistributionsByTag(ctx, c.CloudFront, TagDeployment, spec.Name)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	// Not a namesake deployment's distribution in another region.
	var found []cftypes.DistributionSummary
	for _, d := range all {
		if frontsRegion(d, st.ALBDNSName, c.Region) {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		spec.CDN.RestrictOrigin = true
		return nil
	}
	spec.Tier = TierGPU
	st.DistributionID = aws.ToString(found[0].Id)
	cfgOut, err := tfcloudfront.FindDistributionConfigByID(ctx, c.CloudFront, st.DistributionID)
	if err != nil {
		return err
	}
	cfg := cfgOut.DistributionConfig
	st.CallerReference = aws.ToString(cfg.CallerReference)
	spec.CDN.PriceClass = string(cfg.PriceClass)
	spec.CDN.WebACLID = aws.ToString(cfg.WebACLId)
	if cfg.Aliases != nil {
		spec.CDN.Aliases = append([]string{}, cfg.Aliases.Items...)
	}
	if vc := cfg.ViewerCertificate; vc != nil {
		spec.CDN.CertificateARN = aws.ToString(vc.ACMCertificateArn)
	}
	spec.CDN.RestrictOrigin = false
	if cfg.Origins != nil && len(cfg.Origins.Items) > 0 {
		o := cfg.Origins.Items[0]
		if co := o.CustomOriginConfig; co != nil {
			spec.CDN.OriginReadTimeoutSeconds = aws.ToInt32(co.OriginReadTimeout)
			if co.OriginProtocolPolicy == "https-only" {
				spec.LoadBalancer.DomainName = aws.ToString(o.DomainName)
			}
		}
		if o.CustomHeaders != nil {
			for _, h := range o.CustomHeaders.Items {
				if aws.ToString(h.HeaderName) == OriginVerifyHeader {
					spec.CDN.RestrictOrigin = true
					st.OriginSecret = aws.ToString(h.HeaderValue)
				}
			}
		}
	}
	d, err := tfcloudfront.FindDistributionByID(ctx, c.CloudFront, st.DistributionID)
	if err != nil {
		return err
	}
	st.DistributionARN, st.DistributionDomain, st.DistributionStatus = aws.ToString(d.Distribution.ARN), aws.ToString(d.Distribution.DomainName), aws.ToString(d.Distribution.Status)
	st.DistributionEnabled = aws.ToBool(cfg.Enabled)
	return nil
}

// observedCIDRs reads allowed_cidr_blocks and ssh_cidr_blocks back from the
// security groups: the load balancer's group in tier 2 (and tier 3 without
// origin protection), the instance's group in tier 1; SSH always from the
// instance's group.
func observedCIDRs(spec *Spec, instanceSG, albSG *ec2types.SecurityGroup) (allowed, ssh []string) {
	cidrs := func(g *ec2types.SecurityGroup, port int32) []string {
		if g == nil {
			return nil
		}
		var out []string
		for _, p := range g.IpPermissions {
			if aws.ToInt32(p.FromPort) != port {
				continue
			}
			for _, r := range p.IpRanges {
				out = appendUnique(out, aws.ToString(r.CidrIp))
			}
		}
		return out
	}
	switch {
	case spec.Tier == TierDev:
		allowed = cidrs(instanceSG, 80)
	case spec.Tier == TierAutomation || !spec.CDN.RestrictOrigin:
		allowed = cidrs(albSG, 80)
	}
	return allowed, cidrs(instanceSG, 22)
}

func strconvAtoi(s string) (int, error) {
	var n int
	_, err := fmt.Sscanf(s, "%d", &n)
	return n, err
}
