package deployment

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
	tfefs "github.com/geusemaker/terraform-provider-geusemaker/internal/service/efs"
)

// adoptUntracked fills in the ids of objects that exist but are missing from
// the record: a create call cancelled after AWS acted but before the id was
// recorded (a sibling step failed, or the process died) leaves such objects.
// Everything carrying the deployment's tag, creation token or caller
// reference is the deployment's own, since Create refuses to start when such
// objects already exist.
func (o *op) adoptUntracked(ctx context.Context, parts part) error {
	st := o.rec.get()
	conn := o.c.EC2
	f := []ec2types.Filter{tagFilter(TagDeployment, o.spec.Name)}

	if parts&partNetwork != 0 && o.spec.VPCID == "" && (st.VPCID == "" || st.OwnedNetwork) {
		vpcs, err := conn.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: f})
		if err != nil {
			return err
		}
		if len(vpcs.Vpcs) > 0 {
			found := &State{NetworkState: NetworkState{VPCID: aws.ToString(vpcs.Vpcs[0].VpcId), OwnedNetwork: true}}
			if err := discoverOwnedNetwork(ctx, conn, o.spec.Name, found); err != nil {
				return err
			}
			o.rec.set(func(s *State) {
				if s.VPCID == "" {
					s.VPCID, s.OwnedNetwork = found.VPCID, true
				}
				for _, sn := range found.SubnetIDs {
					s.SubnetIDs = appendUnique(s.SubnetIDs, sn)
				}
				if s.InternetGatewayID == "" {
					s.InternetGatewayID = found.InternetGatewayID
				}
				if s.RouteTableID == "" {
					s.RouteTableID = found.RouteTableID
				}
			})
		}
	}
	if parts&(partSecurityGroups|partLoadBalancer) != 0 {
		sgs, err := conn.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: f})
		if err != nil {
			return err
		}
		for _, g := range sgs.SecurityGroups {
			id := aws.ToString(g.GroupId)
			switch tagMap(g.Tags)[TagComponent] {
			case CompInstanceSG:
				o.rec.set(func(s *State) {
					if s.InstanceSecurityGroupID == "" {
						s.InstanceSecurityGroupID = id
					}
				})
			case CompEFSSG:
				o.rec.set(func(s *State) {
					if s.EFSSecurityGroupID == "" {
						s.EFSSecurityGroupID = id
					}
				})
			case CompALBSG:
				o.rec.set(func(s *State) {
					if s.ALBSecurityGroupID == "" {
						s.ALBSecurityGroupID = id
					}
				})
			}
		}
	}
	if parts&partStorage != 0 && st.EFSID == "" && st.Nonce != "" {
		fs, err := tfefs.FindFileSystemByCreationToken(ctx, o.c.EFS, o.creationToken())
		if err == nil {
			o.rec.set(func(s *State) { s.EFSID = aws.ToString(fs.FileSystemId) })
		} else if !retry.NotFound(err) {
			return err
		}
	}
	if parts&partCDN != 0 && st.DistributionID == "" && st.CallerReference != "" {
		found, err := tfcloudfront.FindDistributionsByTag(ctx, o.c.CloudFront, TagDeployment, o.spec.Name)
		if err != nil && !retry.NotFound(err) {
			return err
		}
		if len(found) > 0 {
			o.rec.set(func(s *State) { s.DistributionID = aws.ToString(found[0].Id) })
		}
	}
	return nil
}
