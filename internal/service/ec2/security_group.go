package ec2

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// CreateSecurityGroup creates a group in a VPC, tagged on create, and returns
// its id. EC2 gives it an allow-all egress rule. A group whose create
// answer was lost is found by its name (CreateOnce).
func CreateSecurityGroup(ctx context.Context, conn *ec2.Client, vpcID, name, description string, tags map[string]string) (string, error) {
	g, err := CreateOnce(ctx, "security group", func(ctx context.Context, opts ...func(*ec2.Options)) (*types.SecurityGroup, error) {
		out, err := conn.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			VpcId: aws.String(vpcID), GroupName: aws.String(name), Description: aws.String(description),
			TagSpecifications: TagSpecifications(tags, types.ResourceTypeSecurityGroup),
		}, opts...)
		if err != nil {
			return nil, err
		}
		return &types.SecurityGroup{GroupId: out.GroupId}, nil
	}, func(ctx context.Context) (*types.SecurityGroup, error) {
		return FindSecurityGroupByNameAndVPC(ctx, conn, name, vpcID)
	})
	if err != nil {
		return "", fmt.Errorf("creating security group (%s): %w", name, err)
	}
	return aws.ToString(g.GroupId), nil
}

// DeleteSecurityGroup deletes a group, retrying DependencyViolation and
// InvalidGroup.InUse until timeout or until a check gives up (network
// interfaces of terminated instances and deleted load balancers are
// released asynchronously). A group that does not exist counts as deleted.
func DeleteSecurityGroup(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, checks ...DependencyCheck) error {
	_, err := whileInUse(ctx, timeout, checks, func(ctx context.Context) (*ec2.DeleteSecurityGroupOutput, error) {
		return conn.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
	}, ErrCodeDependencyViolation, ErrCodeInvalidGroupInUse)
	if errs.IsCode(err, ErrCodeInvalidGroupNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting security group (%s): %w", id, err)
	}
	return nil
}

// singleSource splits permissions into one permission per source, the unit
// EC2 accepts or rejects as a rule.
func singleSource(perms []types.IpPermission) []types.IpPermission {
	var out []types.IpPermission
	for _, p := range perms {
		base := types.IpPermission{IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort}
		for _, r := range p.IpRanges {
			q := base
			q.IpRanges = []types.IpRange{r}
			out = append(out, q)
		}
		for _, r := range p.Ipv6Ranges {
			q := base
			q.Ipv6Ranges = []types.Ipv6Range{r}
			out = append(out, q)
		}
		for _, r := range p.UserIdGroupPairs {
			q := base
			q.UserIdGroupPairs = []types.UserIdGroupPair{r}
			out = append(out, q)
		}
		for _, r := range p.PrefixListIds {
			q := base
			q.PrefixListIds = []types.PrefixListId{r}
			out = append(out, q)
		}
	}
	return out
}

// AuthorizeIngress adds ingress rules. Rules that already exist are fine:
// when EC2 refuses the batch with InvalidPermission.Duplicate, the rules are
// added one by one and the duplicates skipped.
func AuthorizeIngress(ctx context.Context, conn *ec2.Client, groupID string, perms []types.IpPermission) error {
	if len(perms) == 0 {
		return nil
	}
	_, err := conn.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(groupID), IpPermissions: perms})
	if errs.IsCode(err, ErrCodeInvalidPermissionDuplicate) {
		for _, p := range singleSource(perms) {
			_, err = conn.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(groupID), IpPermissions: []types.IpPermission{p}})
			if err != nil && !errs.IsCode(err, ErrCodeInvalidPermissionDuplicate) {
				return fmt.Errorf("authorizing ingress on security group (%s): %w", groupID, err)
			}
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("authorizing ingress on security group (%s): %w", groupID, err)
	}
	return nil
}

func revoke(ctx context.Context, conn *ec2.Client, groupID string, perms []types.IpPermission, egress bool) error {
	call := func(p []types.IpPermission) error {
		var err error
		if egress {
			_, err = conn.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(groupID), IpPermissions: p})
		} else {
			_, err = conn.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(groupID), IpPermissions: p})
		}
		return err
	}
	if len(perms) == 0 {
		return nil
	}
	err := call(perms)
	if errs.IsCode(err, ErrCodeInvalidPermissionNotFound) {
		// One missing rule fails the whole batch in a VPC: revoke one by one.
		for _, p := range singleSource(perms) {
			if err := call([]types.IpPermission{p}); err != nil && !errs.IsCode(err, ErrCodeInvalidPermissionNotFound, ErrCodeInvalidGroupNotFound) {
				return err
			}
		}
		return nil
	}
	if errs.IsCode(err, ErrCodeInvalidGroupNotFound) {
		return nil
	}
	return err
}

// RevokeIngress removes ingress rules; rules (or a group) that no longer
// exist are fine.
func RevokeIngress(ctx context.Context, conn *ec2.Client, groupID string, perms []types.IpPermission) error {
	if err := revoke(ctx, conn, groupID, perms, false); err != nil {
		return fmt.Errorf("revoking ingress on security group (%s): %w", groupID, err)
	}
	return nil
}

// RevokeRulesReferencing removes, from each of groupIDs, the ingress and
// egress rules whose source is the group referenced, so that referenced can
// be deleted (a rule in another group is a dependent object). Groups that
// no longer exist are skipped.
func RevokeRulesReferencing(ctx context.Context, conn *ec2.Client, groupIDs []string, referenced string) error {
	pick := func(perms []types.IpPermission) []types.IpPermission {
		var out []types.IpPermission
		for _, p := range perms {
			var pairs []types.UserIdGroupPair
			for _, pair := range p.UserIdGroupPairs {
				if aws.ToString(pair.GroupId) == referenced {
					pairs = append(pairs, types.UserIdGroupPair{GroupId: pair.GroupId})
				}
			}
			if len(pairs) > 0 {
				out = append(out, types.IpPermission{IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort, UserIdGroupPairs: pairs})
			}
		}
		return out
	}
	for _, id := range groupIDs {
		g, err := FindSecurityGroupByID(ctx, conn, id)
		if retry.NotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("reading security group (%s): %w", id, err)
		}
		if err := revoke(ctx, conn, id, pick(g.IpPermissions), false); err != nil {
			return fmt.Errorf("revoking rules of security group (%s) that reference %s: %w", id, referenced, err)
		}
		if err := revoke(ctx, conn, id, pick(g.IpPermissionsEgress), true); err != nil {
			return fmt.Errorf("revoking egress rules of security group (%s) that reference %s: %w", id, referenced, err)
		}
	}
	return nil
}
