package deployment

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfefs "github.com/geusemaker/terraform-provider-geusemaker/internal/service/efs"
	tfelbv2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/elbv2"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// legacyObjects is what AWS holds of a CLI deployment.
type legacyObjects struct {
	vpc       *ec2types.Vpc
	subnets   map[string]ec2types.Subnet
	tables    []ec2types.RouteTable
	igw       string
	instance  *ec2types.Instance
	mounts    []efstypes.MountTargetDescription
	lb        *elbtypes.LoadBalancer
	listeners []string
	distARN   string
}

// Adopt takes over a CLI deployment in AWS: it checks that every object the
// file names exists (listing the missing ones), adds a mount target in each
// zone the provider's layout needs one in (so the file system is reachable
// from every subnet of the deployment, as the provider keeps it), tags every
// object with the deployment's tags so that discovery finds it, and
// rediscovers the deployment from those tags, exactly as a refresh without
// the provider's record would. It returns what it changed in AWS.
//
// Adoption keeps everything as it is: the CLI's single security group (in
// every role), its IAM role and profile names, the instance and its boot
// script, the VPC with its private subnets. The state then says what exists,
// including the CLI's settings (75 GiB root volume, SSH open to the world,
// no CloudFront origin protection), so a configuration written from it
// plans empty and any difference the user configures shows in the plan.
func (l *LegacyDeployment) Adopt(ctx context.Context, c *Clients) ([]string, error) {
	name := l.Spec.Name
	if l.Spec.Region != c.Region {
		return nil, &LegacyError{Path: l.Path, Reason: fmt.Sprintf("deployment %q is in %s but the provider is configured for %s", name, l.Spec.Region, c.Region),
			Hint: fmt.Sprintf("Import it with a provider configured with region = %q (a provider alias works).", l.Spec.Region)}
	}
	objs, err := l.inspect(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := l.checkNameFree(ctx, c, objs); err != nil {
		return nil, err
	}
	subnets, extra := l.chooseSubnets(objs)
	var changes []string
	created, err := l.completeMountTargets(ctx, c, objs, subnets)
	if err != nil {
		return nil, err
	}
	changes = append(changes, created...)
	tagged, err := l.tagObjects(ctx, c, objs, subnets, extra)
	if err != nil {
		return nil, err
	}
	changes = append(changes, fmt.Sprintf("tagged %d objects with %s=%s, %s=%s and %s, so that discovery finds them (the CLI's own tags stay)",
		tagged, TagDeployment, name, TagManagedBy, ManagedBy, TagComponent))
	// The service credentials the provider's next instance will read: the
	// adopted one keeps the CLI's boot script, which reads none.
	wrote, err := WriteCredentials(ctx, c, &Spec{Name: name, Region: c.Region, Services: userdata.DefaultServices(), Tags: map[string]string{}})
	if err != nil {
		return changes, fmt.Errorf("writing the service credentials: %w", err)
	}
	if len(wrote) > 0 {
		changes = append(changes, fmt.Sprintf("wrote %d SSM parameters with generated service credentials under %s, for the instance that replaces the CLI's (which keeps its boot script and serves its routes without them)",
			len(wrote), userdata.CredentialsPathFor(name)))
	}

	spec, st, err := Discover(ctx, c, name)
	if err != nil {
		return changes, fmt.Errorf("rediscovering the adopted deployment: %w", err)
	}
	if err := l.checkDiscovered(st); err != nil {
		return changes, err
	}
	// What only the file knows.
	f := &l.file
	spec.RollbackOnFail = l.Spec.RollbackOnFail
	spec.Tags = map[string]string{}
	if spec.LoadBalancer.HTTPS() && spec.LoadBalancer.DomainName == "" {
		spec.LoadBalancer.DomainName = f.Config.ALBDomainName
	}
	if w := f.Config.Workload; w == "cpu" || w == "gpu" {
		spec.GPU = w == "gpu"
		spec.Models = l.Spec.Models
	}
	st.Nonce = l.State.Nonce
	if !l.State.CreatedAt.IsZero() {
		st.CreatedAt = l.State.CreatedAt
	}
	l.Spec, l.State = spec, st
	return changes, nil
}

// inspect reads every object the file names; the ones that are gone are
// listed in one error.
func (l *LegacyDeployment) inspect(ctx context.Context, c *Clients) (*legacyObjects, error) {
	f, st := &l.file, l.State
	objs := &legacyObjects{subnets: map[string]ec2types.Subnet{}}
	var missing []string
	gone := func(field, id string, err error) error {
		if retry.NotFound(err) {
			missing = append(missing, fmt.Sprintf("%s %s", field, id))
			return nil
		}
		return err
	}
	var err error
	if objs.vpc, err = tfec2.FindVPCByID(ctx, c.EC2, f.VPCID); gone("vpc_id", f.VPCID, err) != nil {
		return nil, err
	}
	for _, id := range f.SubnetIDs {
		sn, err := tfec2.FindSubnetByID(ctx, c.EC2, id)
		if gone("subnet_ids", id, err) != nil {
			return nil, err
		} else if err == nil {
			objs.subnets[id] = *sn
		}
	}
	if _, err := tfec2.FindSecurityGroupByID(ctx, c.EC2, f.SecurityGroupID); gone("security_group_id", f.SecurityGroupID, err) != nil {
		return nil, err
	}
	if _, err := tfefs.FindFileSystemByID(ctx, c.EFS, f.EFSID); gone("efs_id", f.EFSID, err) != nil {
		return nil, err
	} else if err == nil {
		mts, err := tfefs.FindMountTargetsByFileSystemID(ctx, c.EFS, f.EFSID)
		if err != nil && !retry.NotFound(err) {
			return nil, err
		}
		for _, mt := range mts {
			if mt.LifeCycleState != efstypes.LifeCycleStateDeleting && mt.LifeCycleState != efstypes.LifeCycleStateDeleted {
				objs.mounts = append(objs.mounts, mt)
			}
		}
		for _, id := range st.MountTargetIDs {
			if !slices.ContainsFunc(objs.mounts, func(mt efstypes.MountTargetDescription) bool { return aws.ToString(mt.MountTargetId) == id }) {
				missing = append(missing, "efs_mount_target_ids "+id)
			}
		}
	} else {
		for _, id := range st.MountTargetIDs {
			missing = append(missing, "efs_mount_target_ids "+id)
		}
	}
	inst, err := tfec2.FindInstanceByID(ctx, c.EC2, f.InstanceID)
	if gone("instance_id", f.InstanceID, err) != nil {
		return nil, err
	} else if err == nil {
		if s := inst.State.Name; s == ec2types.InstanceStateNameShuttingDown {
			missing = append(missing, "instance_id "+f.InstanceID+" (shutting down)")
		}
		objs.instance = inst
	}
	if _, err := tfiam.FindRoleByName(ctx, c.IAM, st.RoleName); gone("iam_role_name", st.RoleName, err) != nil {
		return nil, err
	}
	if _, err := tfiam.FindInstanceProfileByName(ctx, c.IAM, st.ProfileName); gone("iam_instance_profile_name", st.ProfileName, err) != nil {
		return nil, err
	}
	if f.ALBARN != "" {
		if objs.lb, err = tfelbv2.FindLoadBalancerByARN(ctx, c.ELBV2, f.ALBARN); gone("alb_arn", f.ALBARN, err) != nil {
			return nil, err
		} else if err == nil {
			ls, err := tfelbv2.FindListenersByLoadBalancer(ctx, c.ELBV2, f.ALBARN)
			if err != nil && !retry.NotFound(err) {
				return nil, err
			}
			for _, li := range ls {
				objs.listeners = append(objs.listeners, aws.ToString(li.ListenerArn))
			}
		}
	}
	if f.TargetGroupARN != "" {
		if _, err := tfelbv2.FindTargetGroupByARN(ctx, c.ELBV2, f.TargetGroupARN); gone("target_group_arn", f.TargetGroupARN, err) != nil {
			return nil, err
		}
	}
	if f.CloudFrontID != "" {
		d, err := tfcloudfront.FindDistributionByID(ctx, c.CloudFront, f.CloudFrontID)
		if gone("cloudfront_id", f.CloudFrontID, err) != nil {
			return nil, err
		} else if err == nil {
			objs.distARN = aws.ToString(d.Distribution.ARN)
		}
	}
	if objs.vpc != nil {
		if objs.tables, err = tfec2.FindRouteTablesByVPCID(ctx, c.EC2, f.VPCID); err != nil {
			return nil, err
		}
		if l.CreatedVPC {
			igws, err := tfec2.FindInternetGatewaysByVPCID(ctx, c.EC2, f.VPCID)
			if err != nil && !retry.NotFound(err) {
				return nil, err
			}
			if len(igws) == 0 {
				missing = append(missing, "the internet gateway of vpc_id "+f.VPCID)
			} else {
				objs.igw = aws.ToString(igws[0].InternetGatewayId)
			}
		}
	}
	if len(missing) > 0 {
		return nil, &LegacyError{Path: l.Path,
			Reason: fmt.Sprintf("deployment %q cannot be adopted: these objects the file names no longer exist in %s:\n  - %s", l.Spec.Name, c.Region, strings.Join(missing, "\n  - ")),
			Hint:   "The deployment was changed or partly deleted outside the CLI, or the file is stale. Destroy what is left with the CLI (`geusemaker destroy " + l.Spec.Name + "`) and create the deployment anew with Terraform, or import the CLI's current state file."}
	}
	return objs, nil
}

// checkNameFree refuses to adopt when another deployment's instance or file
// system already carries the name's tag (one made by Terraform, say).
func (l *LegacyDeployment) checkNameFree(ctx context.Context, c *Clients, objs *legacyObjects) error {
	insts, err := tfec2.FindInstancesByTag(ctx, c.EC2, TagDeployment, l.Spec.Name)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	var others []string
	for _, i := range insts {
		if id := aws.ToString(i.InstanceId); id != aws.ToString(objs.instance.InstanceId) {
			others = append(others, "instance "+id)
		}
	}
	if fs, err := findFileSystemByTag(ctx, c, l.Spec.Name); err != nil {
		return err
	} else if fs != "" && fs != l.file.EFSID {
		others = append(others, "file system "+fs)
	}
	if len(others) > 0 {
		return &LegacyError{Path: l.Path,
			Reason: fmt.Sprintf("another deployment named %q exists in %s: %s carry the tag %s=%s", l.Spec.Name, c.Region, strings.Join(others, ", "), TagDeployment, l.Spec.Name),
			Hint:   "Two deployments cannot share a name. Import that one by name instead, or destroy it first."}
	}
	return nil
}

// public says whether a subnet reaches the internet as the CLI decides it:
// public IPs on launch, or a route to an internet gateway.
func (o *legacyObjects) public(id string) bool {
	sn := o.subnets[id]
	return aws.ToBool(sn.MapPublicIpOnLaunch) || routesToInternet(o.tables, id)
}

// chooseSubnets picks the subnets the deployment uses, as the provider lays
// them out: in a VPC the CLI created, one public subnet per zone (the
// instance's in its zone), the other subnets (the private ones) owned but
// unused; in a VPC the CLI was given, the instance's subnet and, for the
// load balancer, one of its subnets in another zone.
func (l *LegacyDeployment) chooseSubnets(objs *legacyObjects) (use, extra []string) {
	instSubnet := aws.ToString(objs.instance.SubnetId)
	az := func(id string) string { return aws.ToString(objs.subnets[id].AvailabilityZone) }
	if l.CreatedVPC {
		byZone := map[string]string{}
		ids := slices.Sorted(maps.Keys(objs.subnets))
		for _, id := range ids {
			if !objs.public(id) {
				continue
			}
			if cur, ok := byZone[az(id)]; !ok || (id == instSubnet && cur != instSubnet) {
				byZone[az(id)] = id
			}
		}
		for _, zone := range slices.Sorted(maps.Keys(byZone)) {
			use = append(use, byZone[zone])
		}
		for _, id := range ids {
			if !slices.Contains(use, id) {
				extra = append(extra, id)
			}
		}
		return use, extra
	}
	use = []string{instSubnet}
	if objs.lb != nil {
		var others []elbtypes.AvailabilityZone
		for _, z := range objs.lb.AvailabilityZones {
			if aws.ToString(z.ZoneName) != az(instSubnet) {
				others = append(others, z)
			}
		}
		sort.Slice(others, func(i, j int) bool { return aws.ToString(others[i].ZoneName) < aws.ToString(others[j].ZoneName) })
		if len(others) > 0 {
			use = append(use, aws.ToString(others[0].SubnetId))
		}
	}
	return use, nil
}

// completeMountTargets creates a mount target in each zone of the used
// subnets that has none (the CLI made one, in the instance's subnet), with
// the CLI's security group, so the state has the mount targets the
// provider's plan expects and nothing changes on the next apply.
func (l *LegacyDeployment) completeMountTargets(ctx context.Context, c *Clients, objs *legacyObjects, subnets []string) ([]string, error) {
	have := map[string]bool{}
	for _, mt := range objs.mounts {
		have[aws.ToString(mt.AvailabilityZoneName)] = true
	}
	var changes []string
	for _, id := range subnets {
		sn, ok := objs.subnets[id]
		if !ok {
			found, err := tfec2.FindSubnetByID(ctx, c.EC2, id)
			if err != nil {
				return changes, fmt.Errorf("reading subnet %s of the load balancer: %w", id, err)
			}
			sn = *found
		}
		zone := aws.ToString(sn.AvailabilityZone)
		if have[zone] {
			continue
		}
		mt, err := tfefs.CreateMountTarget(ctx, c.EFS, &efs.CreateMountTargetInput{
			FileSystemId: aws.String(l.file.EFSID), SubnetId: aws.String(id), SecurityGroups: []string{l.file.SecurityGroupID},
		}, zone)
		if err != nil {
			return changes, fmt.Errorf("adding the EFS mount target in %s: %w", zone, err)
		}
		have[zone] = true
		changes = append(changes, fmt.Sprintf("created EFS mount target %s for file system %s in %s (subnet %s): the provider keeps one in every zone of the deployment's subnets", aws.ToString(mt.MountTargetId), l.file.EFSID, zone, id))
	}
	return changes, nil
}

// tagObjects adds the deployment's tags to every object; they are added
// alongside the CLI's own tags, which stay.
func (l *LegacyDeployment) tagObjects(ctx context.Context, c *Clients, objs *legacyObjects, subnets, extra []string) (int, error) {
	name, f := l.Spec.Name, &l.file
	tags := func(component string) map[string]string {
		return map[string]string{TagDeployment: name, TagManagedBy: ManagedBy, TagComponent: component}
	}
	n := 0
	ec2Tag := func(component string, ids ...string) error {
		ids = nonEmpty(ids)
		if len(ids) == 0 {
			return nil
		}
		t := tags(component)
		if component == CompInstance {
			t[TagTier] = strconv.Itoa(l.Spec.Tier)
		}
		n += len(ids)
		return tfec2.UpdateTags(ctx, c.EC2, ids, nil, t)
	}
	if l.CreatedVPC {
		var rt string
		for _, t := range objs.tables {
			if routesToInternet([]ec2types.RouteTable{t}, subnets[0]) && !isMain(t) {
				rt = aws.ToString(t.RouteTableId)
			}
		}
		for comp, ids := range map[string][]string{CompVPC: {f.VPCID}, CompSubnet: subnets, CompPrivateSubnet: extra,
			CompInternetGateway: {objs.igw}, CompRouteTable: {rt}} {
			if err := ec2Tag(comp, ids...); err != nil {
				return n, err
			}
		}
	}
	if err := ec2Tag(CompInstanceSG, f.SecurityGroupID); err != nil {
		return n, err
	}
	var rootVolume string
	for _, bd := range objs.instance.BlockDeviceMappings {
		if aws.ToString(bd.DeviceName) == aws.ToString(objs.instance.RootDeviceName) && bd.Ebs != nil {
			rootVolume = aws.ToString(bd.Ebs.VolumeId)
		}
	}
	if err := ec2Tag(CompInstance, f.InstanceID, rootVolume); err != nil {
		return n, err
	}
	if err := tfefs.UpdateTags(ctx, c.EFS, f.EFSID, nil, tags(CompFileSystem)); err != nil {
		return n, err
	}
	if err := tfiam.UpdateRoleTags(ctx, c.IAM, l.State.RoleName, nil, tags(CompRole)); err != nil {
		return n, err
	}
	if err := tfiam.UpdateInstanceProfileTags(ctx, c.IAM, l.State.ProfileName, nil, tags(CompProfile)); err != nil {
		return n, err
	}
	n += 3
	elb := map[string]string{f.ALBARN: CompLoadBalancer, f.TargetGroupARN: CompTargetGroup}
	for _, li := range objs.listeners {
		elb[li] = CompListener
	}
	for arn, comp := range elb {
		if arn == "" {
			continue
		}
		if err := tfelbv2.UpdateTags(ctx, c.ELBV2, arn, nil, tags(comp)); err != nil {
			return n, err
		}
		n++
	}
	if objs.distARN != "" {
		if err := tfcloudfront.UpdateTags(ctx, c.CloudFront, objs.distARN, nil, tags(CompDistribution)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func isMain(t ec2types.RouteTable) bool {
	for _, a := range t.Associations {
		if aws.ToBool(a.Main) {
			return true
		}
	}
	return false
}

// checkDiscovered makes sure discovery by tag found the file's objects.
func (l *LegacyDeployment) checkDiscovered(st *State) error {
	f := &l.file
	var wrong []string
	check := func(what, want, got string) {
		if want != got {
			wrong = append(wrong, fmt.Sprintf("%s: the file has %q, discovery found %q", what, want, got))
		}
	}
	check("instance", f.InstanceID, st.InstanceID)
	check("file system", f.EFSID, st.EFSID)
	check("VPC", f.VPCID, st.VPCID)
	check("security group", f.SecurityGroupID, st.InstanceSecurityGroupID)
	check("load balancer", f.ALBARN, st.ALBARN)
	check("target group", f.TargetGroupARN, st.TargetGroupARN)
	check("CloudFront distribution", f.CloudFrontID, st.DistributionID)
	check("instance profile", l.State.ProfileName, st.ProfileName)
	if len(wrong) > 0 {
		return &LegacyError{Path: l.Path, Reason: "after tagging, discovery does not find the deployment the file describes:\n  - " + strings.Join(wrong, "\n  - "),
			Hint: "Other objects carry this deployment's name or tags. Remove or rename them, then import again."}
	}
	return nil
}

// AdoptLegacyDeployment reads a CLI state file and adopts the deployment:
// the legacy import.
func AdoptLegacyDeployment(ctx context.Context, c *Clients, path string) (*LegacyDeployment, []string, error) {
	l, err := ReadLegacyState(path)
	if err != nil {
		return nil, nil, err
	}
	changes, err := l.Adopt(ctx, c)
	return l, changes, err
}
