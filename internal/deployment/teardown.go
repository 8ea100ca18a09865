package deployment

import (
	"context"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfefs "github.com/geusemaker/terraform-provider-geusemaker/internal/service/efs"
	tfelbv2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/elbv2"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
)

// part selects components to tear down.
type part int

const (
	partCDN part = 1 << iota
	partLoadBalancer
	partCompute
	partStorage
	partIAM
	partSecurityGroups
	partNetwork
)

const allParts = partCDN | partLoadBalancer | partCompute | partStorage | partIAM | partSecurityGroups | partNetwork

// partsAbove is what a deployment at tier no longer has.
func partsAbove(tier int) part {
	switch tier {
	case TierDev:
		return partCDN | partLoadBalancer
	case TierAutomation:
		return partCDN
	}
	return 0
}

// Teardown step names.
const (
	stepDeleteCDN       = "delete-cloudfront"
	stepDeleteListeners = "delete-listeners"
	stepDeleteLB        = "delete-load-balancer"
	stepDeleteTG        = "delete-target-group"
	stepDeleteALBSG     = "delete-alb-security-group"
	stepTerminate       = "terminate-instance"
	stepDeleteMounts    = "delete-mount-targets"
	stepDeleteFS        = "delete-file-system"
	stepDeleteIAM       = "delete-iam"
	stepDeleteSGs       = "delete-security-groups"
	stepDeleteNetwork   = "delete-network"
)

// teardown deletes the selected components of the recorded state: CloudFront
// on its own path (it is the slow one), the load balancer, the instance and
// the storage concurrently, then IAM and the security groups once nothing
// uses them, and the network last. Every step treats "not found" as done and
// clears the ids it deleted, so an interrupted teardown resumes.
func (o *op) teardown(ctx context.Context, parts part) error {
	if err := o.adoptUntracked(ctx, parts); err != nil {
		return err
	}
	st := o.rec.get()
	g := newGraph()
	var after []string // steps the network waits for
	add := func(s *step) { g.add(s); after = append(after, s.name) }

	if parts&partCDN != 0 && st.DistributionID != "" {
		add(&step{name: stepDeleteCDN, typical: typicalCloudFront, run: o.deleteDistribution})
	}
	var lbSteps []string
	if parts&partLoadBalancer != 0 {
		add(&step{name: stepDeleteListeners, run: o.deleteListeners})
		add(&step{name: stepDeleteLB, deps: []string{stepDeleteListeners}, run: o.deleteLoadBalancer})
		add(&step{name: stepDeleteTG, deps: []string{stepDeleteLB}, run: o.deleteTargetGroup})
		add(&step{name: stepDeleteALBSG, deps: []string{stepDeleteLB}, run: o.deleteALBSecurityGroup})
		lbSteps = []string{stepDeleteLB, stepDeleteALBSG}
	}
	if parts&partCompute != 0 {
		add(&step{name: stepTerminate, typical: typicalInstanceRunning, run: o.terminateInstance})
	}
	if parts&partStorage != 0 {
		add(&step{name: stepDeleteMounts, typical: time.Minute, run: o.deleteMountTargets})
		add(&step{name: stepDeleteFS, deps: []string{stepDeleteMounts}, run: o.deleteFileSystem})
	}
	if parts&partIAM != 0 {
		deps := []string{}
		if g.has(stepTerminate) {
			deps = append(deps, stepTerminate)
		}
		add(&step{name: stepDeleteIAM, deps: deps, run: o.deleteIAM})
	}
	if parts&partSecurityGroups != 0 {
		deps := append([]string{}, lbSteps...)
		for _, d := range []string{stepTerminate, stepDeleteMounts} {
			if g.has(d) {
				deps = append(deps, d)
			}
		}
		add(&step{name: stepDeleteSGs, deps: deps, run: o.deleteSecurityGroups})
	}
	if parts&partNetwork != 0 && st.OwnedNetwork {
		deps := []string{}
		for _, n := range after {
			if n != stepDeleteCDN && n != stepDeleteIAM {
				deps = append(deps, n)
			}
		}
		g.add(&step{name: stepDeleteNetwork, deps: deps, run: o.deleteNetwork})
	}
	if len(g.order) == 0 {
		return nil
	}
	_, err := g.execute(ctx, &progressLogger{ctx: ctx, g: g, start: time.Now()})
	return err
}

// retain records an object deliberately left behind (retain_on_delete).
func (o *op) retain(id string) {
	o.keptMu.Lock()
	defer o.keptMu.Unlock()
	o.kept = append(o.kept, id)
}

// retained lists what retain recorded, for the warning after a destroy.
func (o *op) retained() []string {
	o.keptMu.Lock()
	defer o.keptMu.Unlock()
	return append([]string(nil), o.kept...)
}

func (o *op) deleteDistribution(ctx context.Context) error {
	id := o.rec.get().DistributionID
	if o.spec.CDN.RetainOnDelete {
		info(ctx, "disabling CloudFront distribution (retain_on_delete)", map[string]any{"distribution_id": id})
		if err := tfcloudfront.DisableDistribution(ctx, o.c.CloudFront, id, o.remaining(ctx)); err != nil && !retry.NotFound(err) {
			return err
		}
		o.retain("cloudfront distribution " + id + " (disabled)")
	} else {
		info(ctx, "deleting CloudFront distribution", map[string]any{"distribution_id": id})
		if err := tfcloudfront.DeleteDistribution(ctx, o.c.CloudFront, id, o.remaining(ctx)); err != nil {
			return err
		}
	}
	o.rec.set(func(s *State) { s.CDNState.forget() })
	return nil
}

func (o *op) deleteListeners(ctx context.Context) error {
	for _, arn := range o.rec.get().ListenerARNs {
		if err := tfelbv2.DeleteListener(ctx, o.c.ELBV2, arn); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.ListenerARNs = remove(s.ListenerARNs, arn) })
	}
	o.rec.set(func(s *State) { s.ListenerARNs, s.RuleARNs = nil, nil })
	return nil
}

func (o *op) deleteLoadBalancer(ctx context.Context) error {
	st := o.rec.get()
	arn := st.ALBARN
	if arn == "" {
		// A load balancer created but not recorded (a crash between the
		// call and the record) still carries the deployment's name.
		lb, err := tfelbv2.FindLoadBalancerByName(ctx, o.c.ELBV2, o.spec.loadBalancerName())
		if retry.NotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		arn = *lb.LoadBalancerArn
	}
	if err := tfelbv2.DeleteLoadBalancer(ctx, o.c.ELBV2, o.c.EC2, arn, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.forgetLoadBalancer() })
	return nil
}

func (o *op) deleteTargetGroup(ctx context.Context) error {
	arn := o.rec.get().TargetGroupARN
	if arn == "" {
		tg, err := tfelbv2.FindTargetGroupByName(ctx, o.c.ELBV2, o.spec.targetGroupName())
		if retry.NotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		arn = *tg.TargetGroupArn
	}
	if err := tfelbv2.DeleteTargetGroup(ctx, o.c.ELBV2, arn, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.TargetGroupARN = "" })
	return nil
}

// deleteALBSecurityGroup removes the load balancer's group, first dropping
// the instance group's rule that refers to it.
func (o *op) deleteALBSecurityGroup(ctx context.Context) error {
	st := o.rec.get()
	if st.ALBSecurityGroupID == "" {
		return nil
	}
	if st.ALBSecurityGroupID == st.InstanceSecurityGroupID || st.ALBSecurityGroupID == st.EFSSecurityGroupID {
		// An adopted CLI deployment's one group: it stays with the
		// instance (and goes with the other groups on destroy).
		o.rec.set(func(s *State) { s.ALBSecurityGroupID = "" })
		return nil
	}
	if st.InstanceSecurityGroupID != "" {
		if err := tfec2.RevokeRulesReferencing(ctx, o.c.EC2, []string{st.InstanceSecurityGroupID}, st.ALBSecurityGroupID); err != nil {
			return err
		}
	}
	if err := tfec2.DeleteSecurityGroup(ctx, o.c.EC2, st.ALBSecurityGroupID, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.ALBSecurityGroupID = "" })
	return nil
}

func (o *op) terminateInstance(ctx context.Context) error {
	id := o.rec.get().InstanceID
	if id == "" {
		// An instance launched but not recorded still carries the tags.
		found, err := tfec2.FindInstancesByTag(ctx, o.c.EC2, TagDeployment, o.spec.Name)
		if err != nil && !retry.NotFound(err) {
			return err
		}
		for _, inst := range found {
			if err := tfec2.TerminateInstance(ctx, o.c.EC2, *inst.InstanceId, o.remaining(ctx)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := tfec2.TerminateInstance(ctx, o.c.EC2, id, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.InstanceState.forget() })
	return nil
}

func (o *op) deleteMountTargets(ctx context.Context) error {
	st := o.rec.get()
	ids := append([]string{}, st.MountTargetIDs...)
	if st.EFSID != "" {
		found, err := tfefs.FindMountTargetsByFileSystemID(ctx, o.c.EFS, st.EFSID)
		if err != nil && !retry.NotFound(err) {
			return err
		}
		for _, mt := range found {
			ids = appendUnique(ids, *mt.MountTargetId)
		}
	}
	for _, id := range ids {
		if err := tfefs.DeleteMountTarget(ctx, o.c.EFS, id); err != nil {
			return err
		}
	}
	for _, id := range ids {
		if err := tfefs.WaitMountTargetDeleted(ctx, o.c.EFS, id, o.remaining(ctx)); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.MountTargetIDs = remove(s.MountTargetIDs, id) })
	}
	o.rec.set(func(s *State) { s.MountTargetIDs, s.MountTargetIPs = nil, nil })
	return nil
}

// deleteFileSystem deletes the data, unless efs.retain_on_delete keeps the
// file system (its mount targets go either way, so the network can).
func (o *op) deleteFileSystem(ctx context.Context) error {
	id := o.rec.get().EFSID
	if id == "" {
		return nil
	}
	if o.spec.EFS.RetainOnDelete {
		o.retain("efs file system " + id)
	} else if err := tfefs.DeleteFileSystem(ctx, o.c.EFS, id, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.EFSID = "" })
	return nil
}

func (o *op) deleteIAM(ctx context.Context) error {
	st := o.rec.get()
	name := st.ProfileName
	if name == "" {
		name = o.spec.roleName()
	}
	if err := tfiam.DeleteInstanceProfile(ctx, o.c.IAM, name); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.forgetProfile() })
	role := st.RoleName
	if role == "" {
		role = o.spec.roleName()
	}
	if err := tfiam.DeleteRole(ctx, o.c.IAM, role, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.forgetRole() })
	return nil
}

// deleteSecurityGroups removes the EFS group (nothing refers to it), then the
// instance group, each once (an adopted CLI deployment uses one group in
// every role). Network interfaces that AWS releases late make deletes fail
// with DependencyViolation for a while; the deletes retry until the timeout.
func (o *op) deleteSecurityGroups(ctx context.Context) error {
	st := o.rec.get()
	seen := map[string]bool{"": true}
	for _, id := range []string{st.EFSSecurityGroupID, st.ALBSecurityGroupID, st.InstanceSecurityGroupID} {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := tfec2.DeleteSecurityGroup(ctx, o.c.EC2, id, o.remaining(ctx)); err != nil {
			return err
		}
		o.rec.set(func(s *State) {
			for _, g := range []*string{&s.EFSSecurityGroupID, &s.ALBSecurityGroupID, &s.InstanceSecurityGroupID} {
				if *g == id {
					*g = ""
				}
			}
		})
	}
	return nil
}

func (o *op) deleteNetwork(ctx context.Context) error {
	st := o.rec.get()
	conn := o.c.EC2
	if st.RouteTableID != "" {
		if err := tfec2.DeleteRouteTable(ctx, conn, st.RouteTableID, o.remaining(ctx)); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.RouteTableID, s.RouteTableAssociationIDs = "", nil })
	}
	if st.InternetGatewayID != "" {
		if err := tfec2.DeleteInternetGateway(ctx, conn, st.InternetGatewayID, st.VPCID, o.remaining(ctx)); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.InternetGatewayID = "" })
	}
	for _, sn := range st.SubnetIDs {
		if err := tfec2.DeleteSubnet(ctx, conn, sn, o.remaining(ctx)); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.SubnetIDs = remove(s.SubnetIDs, sn) })
	}
	for _, sn := range st.ExtraSubnetIDs {
		if err := tfec2.DeleteSubnet(ctx, conn, sn, o.remaining(ctx)); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.ExtraSubnetIDs = remove(s.ExtraSubnetIDs, sn) })
	}
	if st.VPCID != "" {
		if err := tfec2.DeleteVPC(ctx, conn, st.VPCID, o.remaining(ctx)); err != nil {
			return err
		}
	}
	o.rec.set(func(s *State) { s.NetworkState = NetworkState{} })
	return nil
}

func remove(list []string, v string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
