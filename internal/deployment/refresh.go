package deployment

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfefs "github.com/geusemaker/terraform-provider-geusemaker/internal/service/efs"
	tfelbv2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/elbv2"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
)

// Refresh reads every recorded component at once and returns what exists
// now: ids of components deleted outside Terraform are cleared (so the next
// plan shows them as drift and apply recreates them), mutable facts such as
// addresses and the CloudFront status are updated, and Status summarises.
func Refresh(ctx context.Context, c *Clients, spec *Spec, st *State) (*State, error) {
	ctx = logContext(ctx, spec.Name)
	o := &op{c: c, spec: spec, rec: newRecorder(st.Clone())}
	g := newGraph()
	check := func(name string, present bool, f func(context.Context) error) {
		if present {
			g.add(&step{name: name, run: f})
		}
	}
	check("vpc", st.VPCID != "", o.refreshNetwork)
	check("security-groups", st.InstanceSecurityGroupID != "" || st.EFSSecurityGroupID != "" || st.ALBSecurityGroupID != "", o.refreshSecurityGroups)
	check("file-system", st.EFSID != "", o.refreshFileSystem)
	check("iam", st.RoleName != "" || st.ProfileName != "", o.refreshIAM)
	check("instance", st.InstanceID != "", o.refreshInstance)
	check("load-balancer", st.ALBARN != "" || st.TargetGroupARN != "", o.refreshLoadBalancer)
	check("cloudfront", st.DistributionID != "", o.refreshDistribution)
	if _, err := g.execute(ctx, nil); err != nil {
		return st, err
	}
	out := o.rec.get()
	out.Status = summarize(spec, out)
	return out, nil
}

// summarize says whether everything the tier needs is there and running.
func summarize(spec *Spec, st *State) string {
	if st.InstanceID == "" || st.EFSID == "" || st.VPCID == "" || st.InstanceSecurityGroupID == "" || st.ProfileName == "" {
		return StatusDegraded
	}
	if spec.Tier >= TierAutomation && (st.ALBARN == "" || st.TargetGroupARN == "" || len(st.ListenerARNs) == 0) {
		return StatusDegraded
	}
	if spec.Tier == TierGPU && st.DistributionID == "" {
		return StatusDegraded
	}
	if st.Status == StatusStopped {
		return StatusStopped
	}
	return StatusRunning
}

// Missing lists the components the tier needs that the state lacks.
func Missing(spec *Spec, st *State) []string {
	var out []string
	need := func(ok bool, what string) {
		if !ok {
			out = append(out, what)
		}
	}
	need(st.VPCID != "", CompVPC)
	need(st.InstanceSecurityGroupID != "" && st.EFSSecurityGroupID != "", "security groups")
	need(st.EFSID != "", CompFileSystem)
	need(len(st.MountTargetIDs) > 0, CompMountTarget)
	need(st.RoleName != "" && st.ProfileName != "", CompProfile)
	need(st.InstanceID != "", CompInstance)
	if spec.Tier >= TierAutomation {
		need(st.ALBSecurityGroupID != "", CompALBSG)
		need(st.ALBARN != "", CompLoadBalancer)
		need(st.TargetGroupARN != "", CompTargetGroup)
		need(len(st.ListenerARNs) > 0, CompListener)
	}
	if spec.Tier == TierGPU {
		need(st.DistributionID != "", CompDistribution)
	}
	return out
}

func gone(err error) bool { return retry.NotFound(err) }

func (o *op) refreshNetwork(ctx context.Context) error {
	st := o.rec.get()
	conn := o.c.EC2
	if _, err := tfec2.FindVPCByID(ctx, conn, st.VPCID); gone(err) {
		o.rec.set(func(s *State) { s.NetworkState.forget() })
		return nil
	} else if err != nil {
		return err
	}
	if len(st.SubnetIDs) > 0 {
		subs, err := tfec2.FindSubnetsByVPCID(ctx, conn, st.VPCID)
		if err != nil && !gone(err) {
			return err
		}
		var keep []string
		for _, id := range st.SubnetIDs {
			for _, sn := range subs {
				if aws.ToString(sn.SubnetId) == id {
					keep = append(keep, id)
				}
			}
		}
		o.rec.set(func(s *State) { s.SubnetIDs = keep })
	}
	if st.InternetGatewayID != "" {
		if _, err := tfec2.FindInternetGatewayByID(ctx, conn, st.InternetGatewayID); gone(err) {
			o.rec.set(func(s *State) { s.InternetGatewayID = "" })
		} else if err != nil {
			return err
		}
	}
	if st.RouteTableID != "" {
		if _, err := tfec2.FindRouteTableByID(ctx, conn, st.RouteTableID); gone(err) {
			o.rec.set(func(s *State) { s.RouteTableID, s.RouteTableAssociationIDs = "", nil })
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (o *op) refreshSecurityGroups(ctx context.Context) error {
	st := o.rec.get()
	for _, g := range []struct {
		id    string
		clear func(*State)
	}{
		{st.InstanceSecurityGroupID, func(s *State) { s.InstanceSecurityGroupID = "" }},
		{st.EFSSecurityGroupID, func(s *State) { s.EFSSecurityGroupID = "" }},
		{st.ALBSecurityGroupID, func(s *State) { s.ALBSecurityGroupID = "" }},
	} {
		if g.id == "" {
			continue
		}
		if _, err := tfec2.FindSecurityGroupByID(ctx, o.c.EC2, g.id); gone(err) {
			o.rec.set(g.clear)
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (o *op) refreshFileSystem(ctx context.Context) error {
	st := o.rec.get()
	if _, err := tfefs.FindFileSystemByID(ctx, o.c.EFS, st.EFSID); gone(err) {
		o.rec.set(func(s *State) { s.StorageState.forget() })
		return nil
	} else if err != nil {
		return err
	}
	mts, err := tfefs.FindMountTargetsByFileSystemID(ctx, o.c.EFS, st.EFSID)
	if err != nil && !gone(err) {
		return err
	}
	var ids []string
	ips := map[string]string{}
	for _, mt := range mts {
		if mt.LifeCycleState == efstypes.LifeCycleStateDeleting || mt.LifeCycleState == efstypes.LifeCycleStateDeleted {
			continue
		}
		ids = append(ids, aws.ToString(mt.MountTargetId))
		ips[aws.ToString(mt.AvailabilityZoneName)] = aws.ToString(mt.IpAddress)
	}
	o.rec.set(func(s *State) { s.MountTargetIDs, s.MountTargetIPs = ids, ips })
	return nil
}

func (o *op) refreshIAM(ctx context.Context) error {
	st := o.rec.get()
	if st.RoleName != "" {
		if _, err := tfiam.FindRoleByName(ctx, o.c.IAM, st.RoleName); gone(err) {
			o.rec.set(func(s *State) { s.forgetRole() })
		} else if err != nil {
			return err
		}
	}
	if st.ProfileName != "" {
		if _, err := tfiam.FindInstanceProfileByName(ctx, o.c.IAM, st.ProfileName); gone(err) {
			o.rec.set(func(s *State) { s.forgetProfile() })
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (o *op) refreshInstance(ctx context.Context) error {
	inst, err := tfec2.FindInstanceByID(ctx, o.c.EC2, o.rec.get().InstanceID)
	if err == nil && inst.State != nil && inst.State.Name == ec2types.InstanceStateNameShuttingDown {
		err = &retry.NotFoundError{Message: "instance is shutting down"}
	}
	if gone(err) {
		o.rec.set(func(s *State) { s.InstanceState.forget() })
		return nil
	} else if err != nil {
		return err
	}
	o.recordInstance(inst)
	if s := inst.State.Name; s == ec2types.InstanceStateNameStopped || s == ec2types.InstanceStateNameStopping {
		o.rec.set(func(st *State) { st.Status = StatusStopped })
	} else {
		o.rec.set(func(st *State) {
			if st.Status == StatusStopped {
				st.Status = StatusRunning
			}
		})
	}
	// GPU facts not seen at create (wait_for_ready = false) come from the
	// console once the boot has printed them.
	if st := o.rec.get(); o.spec.GPU && (st.GPUHealth == "" || st.GPUHealth == bootmarker.GPUUnknown) && inst.State.Name == ec2types.InstanceStateNameRunning {
		out, err := tfec2.ConsoleOutput(ctx, o.c.EC2, st.InstanceID)
		if err == nil {
			if g := bootmarker.Parse(out).GPU; g != nil {
				o.rec.set(func(s *State) { s.GPUFacts = gpuFacts(g) })
			}
		}
	}
	return nil
}

func (o *op) refreshLoadBalancer(ctx context.Context) error {
	st := o.rec.get()
	conn := o.c.ELBV2
	if st.ALBARN != "" {
		lb, err := tfelbv2.FindLoadBalancerByARN(ctx, conn, st.ALBARN)
		if gone(err) {
			o.rec.set(func(s *State) { s.forgetLoadBalancer() })
		} else if err != nil {
			return err
		} else {
			o.rec.set(func(s *State) {
				s.ALBDNSName, s.ALBZoneID = aws.ToString(lb.DNSName), aws.ToString(lb.CanonicalHostedZoneId)
			})
			ls, err := tfelbv2.FindListenersByLoadBalancer(ctx, conn, st.ALBARN)
			if err != nil && !gone(err) {
				return err
			}
			var arns []string
			for _, l := range ls {
				arns = append(arns, aws.ToString(l.ListenerArn))
			}
			o.rec.set(func(s *State) { s.ListenerARNs = sortedByRecorded(st.ListenerARNs, arns) })
		}
	}
	if st.TargetGroupARN != "" {
		if _, err := tfelbv2.FindTargetGroupByARN(ctx, conn, st.TargetGroupARN); gone(err) {
			o.rec.set(func(s *State) { s.TargetGroupARN = "" })
		} else if err != nil {
			return err
		}
	}
	return nil
}

// sortedByRecorded keeps the recorded order of the ids that still exist and
// appends new ones, so a refresh does not reorder a list attribute.
func sortedByRecorded(recorded, live []string) []string {
	var out []string
	for _, r := range recorded {
		for _, l := range live {
			if r == l {
				out = append(out, r)
			}
		}
	}
	for _, l := range live {
		out = appendUnique(out, l)
	}
	return out
}

func (o *op) refreshDistribution(ctx context.Context) error {
	out, err := tfcloudfront.FindDistributionByID(ctx, o.c.CloudFront, o.rec.get().DistributionID)
	if gone(err) {
		o.rec.set(func(s *State) { s.CDNState.forget() })
		return nil
	} else if err != nil {
		return err
	}
	d := out.Distribution
	o.rec.set(func(s *State) {
		s.DistributionARN, s.DistributionDomain, s.DistributionStatus = aws.ToString(d.ARN), aws.ToString(d.DomainName), aws.ToString(d.Status)
		s.DistributionEnabled = d.DistributionConfig != nil && aws.ToBool(d.DistributionConfig.Enabled)
	})
	return nil
}
