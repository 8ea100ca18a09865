package deployment

import (
	"context"
	"maps"

	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfefs "github.com/geusemaker/terraform-provider-geusemaker/internal/service/efs"
	tfelbv2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/elbv2"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
)

// updateTags moves every component from the tags it carries (built from
// priorTags and priorTier) to the spec's, in place.
func (o *op) updateTags(ctx context.Context, priorTags map[string]string, priorTier int) error {
	if maps.Equal(priorTags, o.spec.Tags) && priorTier == o.spec.Tier {
		return nil
	}
	old := *o.spec
	old.Tags, old.Tier = priorTags, priorTier
	st := o.rec.get()
	ec2Groups := map[string][]string{
		CompVPC: {st.VPCID}, CompSubnet: st.SubnetIDs, CompInternetGateway: {st.InternetGatewayID}, CompRouteTable: {st.RouteTableID},
		CompInstanceSG: {st.InstanceSecurityGroupID}, CompEFSSG: {st.EFSSecurityGroupID}, CompALBSG: {st.ALBSecurityGroupID},
		CompInstance: {st.InstanceID, st.RootVolumeID},
	}
	if !st.OwnedNetwork {
		delete(ec2Groups, CompVPC)
		delete(ec2Groups, CompSubnet)
	}
	for comp, ids := range ec2Groups {
		ids = nonEmpty(ids)
		if len(ids) == 0 {
			continue
		}
		if err := tfec2.UpdateTags(ctx, o.c.EC2, ids, old.tagsFor(comp), o.spec.tagsFor(comp)); err != nil {
			return err
		}
	}
	if st.EFSID != "" {
		if err := tfefs.UpdateTags(ctx, o.c.EFS, st.EFSID, old.tagsFor(CompFileSystem), o.spec.tagsFor(CompFileSystem)); err != nil {
			return err
		}
	}
	if st.RoleName != "" {
		if err := tfiam.UpdateRoleTags(ctx, o.c.IAM, st.RoleName, old.tagsFor(CompRole), o.spec.tagsFor(CompRole)); err != nil {
			return err
		}
	}
	if st.ProfileName != "" {
		if err := tfiam.UpdateInstanceProfileTags(ctx, o.c.IAM, st.ProfileName, old.tagsFor(CompProfile), o.spec.tagsFor(CompProfile)); err != nil {
			return err
		}
	}
	elb := map[string]string{st.ALBARN: CompLoadBalancer, st.TargetGroupARN: CompTargetGroup}
	for _, l := range st.ListenerARNs {
		elb[l] = CompListener
	}
	for arn, comp := range elb {
		if arn == "" {
			continue
		}
		if err := tfelbv2.UpdateTags(ctx, o.c.ELBV2, arn, old.tagsFor(comp), o.spec.tagsFor(comp)); err != nil {
			return err
		}
	}
	if st.DistributionARN != "" {
		if err := tfcloudfront.UpdateTags(ctx, o.c.CloudFront, st.DistributionARN, old.tagsFor(CompDistribution), o.spec.tagsFor(CompDistribution)); err != nil {
			return err
		}
	}
	return nil
}

func nonEmpty(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}
