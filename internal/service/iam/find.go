package iam

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awstypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// FindRoleByName returns the role, or a retry.NotFoundError.
func FindRoleByName(ctx context.Context, conn *iam.Client, name string) (*awstypes.Role, error) {
	out, err := conn.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if errs.IsA[*awstypes.NoSuchEntityException](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, err
	}
	if out == nil || out.Role == nil {
		return nil, &retry.NotFoundError{Message: "IAM role " + name + " not found (empty result)"}
	}
	return out.Role, nil
}

// FindInstanceProfileByName returns the instance profile with its roles, or a
// retry.NotFoundError.
func FindInstanceProfileByName(ctx context.Context, conn *iam.Client, name string) (*awstypes.InstanceProfile, error) {
	out, err := conn.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if errs.IsA[*awstypes.NoSuchEntityException](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, err
	}
	if out == nil || out.InstanceProfile == nil {
		return nil, &retry.NotFoundError{Message: "IAM instance profile " + name + " not found (empty result)"}
	}
	return out.InstanceProfile, nil
}

// FindRolesByPathPrefix lists every role under a path prefix ("/" for all).
// ListRoles leaves out tags; use FindRoleByName for them.
func FindRolesByPathPrefix(ctx context.Context, conn *iam.Client, prefix string) ([]awstypes.Role, error) {
	var roles []awstypes.Role
	p := iam.NewListRolesPaginator(conn, &iam.ListRolesInput{PathPrefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		roles = append(roles, page.Roles...)
	}
	return roles, nil
}

// findInstanceProfilesForRole lists the instance profiles a role is in.
func findInstanceProfilesForRole(ctx context.Context, conn *iam.Client, roleName string) ([]awstypes.InstanceProfile, error) {
	var out []awstypes.InstanceProfile
	p := iam.NewListInstanceProfilesForRolePaginator(conn, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String(roleName)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.InstanceProfiles...)
	}
	return out, nil
}

// FindAttachedRolePolicyARNs lists the managed policies attached to a role;
// a role that does not exist is a retry.NotFoundError.
func FindAttachedRolePolicyARNs(ctx context.Context, conn *iam.Client, roleName string) ([]string, error) {
	out, err := findAttachedRolePolicyARNs(ctx, conn, roleName)
	if errs.IsA[*awstypes.NoSuchEntityException](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	return out, err
}

// FindRolePolicyDocument returns the document of a role's inline policy,
// decoded (IAM returns it URL-encoded); a role or policy that does not
// exist is a retry.NotFoundError.
func FindRolePolicyDocument(ctx context.Context, conn *iam.Client, roleName, policyName string) (string, error) {
	out, err := conn.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String(policyName)})
	if errs.IsA[*awstypes.NoSuchEntityException](err) {
		return "", &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return "", err
	}
	doc, err := url.QueryUnescape(aws.ToString(out.PolicyDocument))
	if err != nil {
		return "", fmt.Errorf("decoding IAM role (%s) policy (%s): %w", roleName, policyName, err)
	}
	return doc, nil
}

func findAttachedRolePolicyARNs(ctx context.Context, conn *iam.Client, roleName string) ([]string, error) {
	var out []string
	p := iam.NewListAttachedRolePoliciesPaginator(conn, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(roleName)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.AttachedPolicies {
			out = append(out, aws.ToString(a.PolicyArn))
		}
	}
	return out, nil
}

func findRolePolicyNames(ctx context.Context, conn *iam.Client, roleName string) ([]string, error) {
	var out []string
	p := iam.NewListRolePoliciesPaginator(conn, &iam.ListRolePoliciesInput{RoleName: aws.String(roleName)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.PolicyNames...)
	}
	return out, nil
}

// FindInstanceProfilesByPathPrefix lists every instance profile under a path
// prefix (all pages).
func FindInstanceProfilesByPathPrefix(ctx context.Context, conn *iam.Client, prefix string) ([]awstypes.InstanceProfile, error) {
	var out []awstypes.InstanceProfile
	p := iam.NewListInstanceProfilesPaginator(conn, &iam.ListInstanceProfilesInput{PathPrefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing IAM instance profiles: %w", err)
		}
		out = append(out, page.InstanceProfiles...)
	}
	return out, nil
}
