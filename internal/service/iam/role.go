package iam

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awstypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// CreateRole creates a role with a trust policy; path defaults to "/".
func CreateRole(ctx context.Context, conn *iam.Client, name, path, trustPolicy, description string, tags map[string]string) (*awstypes.Role, error) {
	in := &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(trustPolicy),
		Tags:                     Tags(tags),
	}
	if path != "" {
		in.Path = aws.String(path)
	}
	if description != "" {
		in.Description = aws.String(description)
	}
	out, err := conn.CreateRole(ctx, in)
	if errs.IsA[*awstypes.EntityAlreadyExistsException](err) {
		// The SDK's retry of a create whose answer was lost: the role
		// carrying the tags asked for is the one this call made.
		if r, ferr := FindRoleByName(ctx, conn, name); ferr == nil && hasTags(TagsMap(r.Tags), tags) {
			return r, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("creating IAM role (%s): %w", name, err)
	}
	return out.Role, nil
}

// hasTags reports whether have holds every tag of want; an untagged create
// cannot tell its object from another's, so no tags never match.
func hasTags(have, want map[string]string) bool {
	if len(want) == 0 {
		return false
	}
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// PutRolePolicy creates or replaces an inline policy of a role.
func PutRolePolicy(ctx context.Context, conn *iam.Client, roleName, policyName, document string) error {
	_, err := conn.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
		RoleName: aws.String(roleName), PolicyName: aws.String(policyName), PolicyDocument: aws.String(document),
	})
	if err != nil {
		return fmt.Errorf("putting IAM role (%s) policy (%s): %w", roleName, policyName, err)
	}
	return nil
}

// DeleteRolePolicy deletes an inline policy of a role; a missing policy (or
// role) is success.
func DeleteRolePolicy(ctx context.Context, conn *iam.Client, roleName, policyName string) error {
	_, err := conn.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String(policyName)})
	if err != nil && !errs.IsA[*awstypes.NoSuchEntityException](err) {
		return fmt.Errorf("deleting IAM role (%s) policy (%s): %w", roleName, policyName, err)
	}
	return nil
}

// AttachRolePolicy attaches a managed policy to a role (a no-op when it is
// already attached).
func AttachRolePolicy(ctx context.Context, conn *iam.Client, roleName, policyARN string) error {
	_, err := conn.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(roleName), PolicyArn: aws.String(policyARN)})
	if err != nil {
		return fmt.Errorf("attaching IAM policy (%s) to role (%s): %w", policyARN, roleName, err)
	}
	return nil
}

// DetachRolePolicy detaches a managed policy from a role; a policy that is
// not attached (or a missing role) is success.
func DetachRolePolicy(ctx context.Context, conn *iam.Client, roleName, policyARN string) error {
	_, err := conn.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(roleName), PolicyArn: aws.String(policyARN)})
	if err != nil && !errs.IsA[*awstypes.NoSuchEntityException](err) {
		return fmt.Errorf("detaching IAM policy (%s) from role (%s): %w", policyARN, roleName, err)
	}
	return nil
}

// DeleteRole deletes a role and everything that keeps IAM from deleting it:
// it removes the role from its instance profiles, detaches its managed
// policies and deletes its inline policies first. A missing role is success;
// DeleteConflict (a dependant added concurrently, or not yet visible as
// removed) is retried until timeout.
func DeleteRole(ctx context.Context, conn *iam.Client, name string, timeout time.Duration) error {
	_, err := retry.WhenCode(ctx, timeout, func(ctx context.Context) (struct{}, error) {
		if err := detachRoleDependants(ctx, conn, name); err != nil {
			return struct{}{}, err
		}
		_, err := conn.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
		return struct{}{}, err
	}, errCodeDeleteConflict, errCodeConcurrentModification)
	if errs.IsA[*awstypes.NoSuchEntityException](err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting IAM role (%s): %w", name, err)
	}
	return nil
}

func detachRoleDependants(ctx context.Context, conn *iam.Client, name string) error {
	profiles, err := findInstanceProfilesForRole(ctx, conn, name)
	if err != nil {
		return err
	}
	for _, p := range profiles {
		_, err := conn.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
			InstanceProfileName: p.InstanceProfileName, RoleName: aws.String(name),
		})
		if err != nil && !errs.IsA[*awstypes.NoSuchEntityException](err) {
			return fmt.Errorf("removing IAM role (%s) from instance profile (%s): %w", name, aws.ToString(p.InstanceProfileName), err)
		}
	}
	arns, err := findAttachedRolePolicyARNs(ctx, conn, name)
	if err != nil {
		return err
	}
	for _, arn := range arns {
		_, err := conn.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(arn)})
		if err != nil && !errs.IsA[*awstypes.NoSuchEntityException](err) {
			return fmt.Errorf("detaching IAM policy (%s) from role (%s): %w", arn, name, err)
		}
	}
	names, err := findRolePolicyNames(ctx, conn, name)
	if err != nil {
		return err
	}
	for _, policy := range names {
		_, err := conn.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(policy)})
		if err != nil && !errs.IsA[*awstypes.NoSuchEntityException](err) {
			return fmt.Errorf("deleting IAM role (%s) policy (%s): %w", name, policy, err)
		}
	}
	return nil
}

// UpdateRoleTags applies the difference between the old and new tags.
func UpdateRoleTags(ctx context.Context, conn *iam.Client, name string, oldTags, newTags map[string]string) error {
	return tags.Update(ctx, "IAM role ("+name+")", oldTags, newTags,
		func(ctx context.Context, keys []string) error {
			_, err := conn.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(name), TagKeys: keys})
			return err
		},
		func(ctx context.Context, set map[string]string) error {
			_, err := conn.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String(name), Tags: Tags(set)})
			return err
		})
}
