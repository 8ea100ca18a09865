package deployment

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
)

// BlockedError is a delete AWS refuses (DependencyViolation) because of
// objects the deployment did not create: an instance someone launched into
// its subnet, a network interface, a rule of another security group that
// refers to one of its groups. Waiting does not help; the user must remove
// or move them.
type BlockedError struct {
	Object   string   // what could not be deleted: "vpc vpc-1"
	Blockers []string // what holds it: "instance i-1 (network interface eni-1)"
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("AWS refuses to delete %s (DependencyViolation): it is in use by objects this deployment did not create: %s", e.Object, strings.Join(e.Blockers, "; "))
}

// Remedy says what to do about the blockers.
func (e *BlockedError) Remedy() string {
	return "Terminate, delete or move the objects named above (they are not part of this deployment, so Terraform leaves them alone), then run `terraform destroy` again: the deployment stays in the state and the destroy resumes where it stopped."
}

// blockerCheckEvery is how many DependencyViolation answers pass between two
// looks for foreign blockers. The deployment's own interfaces (a terminated
// instance's, a deleted load balancer's) take minutes to go and are waited
// out; a foreign object seen on two looks in a row ends the delete.
const blockerCheckEvery = 5

// blockerCheck is the check a delete runs while AWS answers
// DependencyViolation: find returns what holds the object that the
// deployment did not create. Seen twice in a row, the delete stops with a
// BlockedError; should the look itself fail, the delete keeps retrying.
func (o *op) blockerCheck(object string, find func(context.Context) ([]string, error)) tfec2.DependencyCheck {
	var last []string
	return func(ctx context.Context, attempt int) error {
		if (attempt-1)%blockerCheckEvery != 0 {
			return nil
		}
		found, err := find(ctx)
		if err != nil {
			info(ctx, "could not look for what blocks a delete", map[string]any{"object": object, "error": err.Error()})
			return nil //nolint:nilerr // a failed look is no reason to stop the delete: it keeps retrying
		}
		if len(found) > 0 && slices.Equal(found, last) {
			return &BlockedError{Object: object, Blockers: found}
		}
		if len(found) > 0 {
			info(ctx, "a delete is blocked by objects the deployment did not create", map[string]any{"object": object, "blockers": strings.Join(found, "; ")})
		}
		last = found
		return nil
	}
}

// foreignInterfaces lists the network interfaces matching filters that the
// deployment did not create, named by what they belong to.
func (o *op) foreignInterfaces(ctx context.Context, filters ...ec2types.Filter) ([]string, error) {
	enis, err := tfec2.FindNetworkInterfaces(ctx, o.c.EC2, filters)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range enis {
		if o.ownsInterface(n) {
			continue
		}
		id := aws.ToString(n.NetworkInterfaceId)
		switch {
		case n.Attachment != nil && aws.ToString(n.Attachment.InstanceId) != "":
			out = append(out, fmt.Sprintf("instance %s (network interface %s in %s)", aws.ToString(n.Attachment.InstanceId), id, aws.ToString(n.SubnetId)))
		case aws.ToString(n.Description) != "":
			out = append(out, fmt.Sprintf("network interface %s (%q, in %s)", id, aws.ToString(n.Description), aws.ToString(n.SubnetId)))
		default:
			out = append(out, fmt.Sprintf("network interface %s (in %s)", id, aws.ToString(n.SubnetId)))
		}
	}
	sort.Strings(out)
	return out, nil
}

// ownsInterface reports whether a network interface is the deployment's:
// its instance's (tagged at launch), its load balancer's or its mount
// targets' (named in the description AWS gives them).
func (o *op) ownsInterface(n ec2types.NetworkInterface) bool {
	if tagMap(n.TagSet)[TagDeployment] == o.spec.Name {
		return true
	}
	st := o.rec.get()
	desc := aws.ToString(n.Description)
	switch {
	case n.Attachment != nil && st.InstanceID != "" && aws.ToString(n.Attachment.InstanceId) == st.InstanceID:
		return true
	case strings.HasPrefix(desc, "ELB app/"+o.spec.loadBalancerName()+"/"):
		return true
	case st.EFSID != "" && strings.HasPrefix(desc, "EFS mount target for "+st.EFSID):
		return true
	}
	return false
}

// networkBlockers finds what the deployment did not create (or did not
// record) in its VPC: network interfaces, and subnets, route tables,
// security groups and gateways a VPC cannot be deleted with.
func (o *op) networkBlockers(vpcID string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		inVPC := ec2types.Filter{Name: aws.String("vpc-id"), Values: []string{vpcID}}
		out, err := o.foreignInterfaces(ctx, inVPC)
		if err != nil {
			return nil, err
		}
		st := o.rec.get()
		known := append(append(slices.Clone(st.SubnetIDs), st.ExtraSubnetIDs...), st.RouteTableID, st.InternetGatewayID)
		known = append(known, st.SecurityGroupIDs()...)
		note := func(kind, id string, tags []ec2types.Tag) {
			if slices.Contains(known, id) {
				return
			}
			if tagMap(tags)[TagDeployment] == o.spec.Name {
				out = append(out, fmt.Sprintf("%s %s (tagged for this deployment but not in its state: delete it)", kind, id))
			} else {
				out = append(out, fmt.Sprintf("%s %s", kind, id))
			}
		}
		subs, err := tfec2.FindSubnets(ctx, o.c.EC2, inVPC)
		if err != nil {
			return nil, err
		}
		for _, sn := range subs {
			note("subnet", aws.ToString(sn.SubnetId), sn.Tags)
		}
		rts, err := tfec2.FindRouteTables(ctx, o.c.EC2, inVPC)
		if err != nil {
			return nil, err
		}
		for _, rt := range rts {
			main := false
			for _, a := range rt.Associations {
				main = main || aws.ToBool(a.Main)
			}
			if !main {
				note("route table", aws.ToString(rt.RouteTableId), rt.Tags)
			}
		}
		sgs, err := tfec2.FindSecurityGroups(ctx, o.c.EC2, inVPC)
		if err != nil {
			return nil, err
		}
		for _, g := range sgs {
			if aws.ToString(g.GroupName) != "default" {
				note("security group", aws.ToString(g.GroupId), g.Tags)
			}
		}
		igws, err := tfec2.FindInternetGateways(ctx, o.c.EC2, ec2types.Filter{Name: aws.String("attachment.vpc-id"), Values: []string{vpcID}})
		if err != nil {
			return nil, err
		}
		for _, g := range igws {
			note("internet gateway", aws.ToString(g.InternetGatewayId), g.Tags)
		}
		sort.Strings(out)
		return out, nil
	}
}

// groupBlockers finds what the deployment did not create that uses one of
// its security groups: network interfaces in it, and rules of other groups
// that refer to it.
func (o *op) groupBlockers(groupID string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		out, err := o.foreignInterfaces(ctx, ec2types.Filter{Name: aws.String("group-id"), Values: []string{groupID}})
		if err != nil {
			return nil, err
		}
		own := o.rec.get().SecurityGroupIDs()
		for _, f := range []string{"ip-permission.group-id", "egress.ip-permission.group-id"} {
			groups, err := tfec2.FindSecurityGroups(ctx, o.c.EC2, ec2types.Filter{Name: aws.String(f), Values: []string{groupID}})
			if err != nil {
				return nil, err
			}
			for _, g := range groups {
				id := aws.ToString(g.GroupId)
				if id == groupID || slices.Contains(own, id) || tagMap(g.Tags)[TagDeployment] == o.spec.Name {
					continue
				}
				out = appendUnique(out, fmt.Sprintf("a rule of security group %s (%s) that refers to %s", id, aws.ToString(g.GroupName), groupID))
			}
		}
		sort.Strings(out)
		return out, nil
	}
}
