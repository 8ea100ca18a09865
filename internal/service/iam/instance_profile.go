package iam

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awstypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// CreateInstanceProfile creates an empty instance profile; path defaults to "/".
func CreateInstanceProfile(ctx context.Context, conn *iam.Client, name, path string, tags map[string]string) (*awstypes.InstanceProfile, error) {
	in := &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name), Tags: Tags(tags)}
	if path != "" {
		in.Path = aws.String(path)
	}
	out, err := conn.CreateInstanceProfile(ctx, in)
	if errs.IsA[*awstypes.EntityAlreadyExistsException](err) {
		// The SDK's retry of a create whose answer was lost (see CreateRole).
		if p, ferr := FindInstanceProfileByName(ctx, conn, name); ferr == nil && hasTags(TagsMap(p.Tags), tags) {
			return p, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("creating IAM instance profile (%s): %w", name, err)
	}
	return out.InstanceProfile, nil
}

// AddRoleToInstanceProfile puts the role in the profile. A profile that
// already holds this role is success (IAM answers LimitExceeded then, as for
// any second role).
func AddRoleToInstanceProfile(ctx context.Context, conn *iam.Client, profileName, roleName string) error {
	_, err := conn.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{
		InstanceProfileName: aws.String(profileName), RoleName: aws.String(roleName),
	})
	if errs.IsA[*awstypes.LimitExceededException](err) {
		p, findErr := FindInstanceProfileByName(ctx, conn, profileName)
		if findErr == nil && hasRole(p, roleName) {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("adding IAM role (%s) to instance profile (%s): %w", roleName, profileName, err)
	}
	return nil
}

// DeleteInstanceProfile removes the profile's roles and deletes it. A missing
// profile (or role) is success.
func DeleteInstanceProfile(ctx context.Context, conn *iam.Client, name string) error {
	p, err := FindInstanceProfileByName(ctx, conn, name)
	if retry.NotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading IAM instance profile (%s): %w", name, err)
	}
	for _, r := range p.Roles {
		_, err := conn.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
			InstanceProfileName: aws.String(name), RoleName: r.RoleName,
		})
		if err != nil && !errs.IsA[*awstypes.NoSuchEntityException](err) {
			return fmt.Errorf("removing IAM role (%s) from instance profile (%s): %w", aws.ToString(r.RoleName), name, err)
		}
	}
	_, err = conn.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if errs.IsA[*awstypes.NoSuchEntityException](err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting IAM instance profile (%s): %w", name, err)
	}
	return nil
}

// UpdateInstanceProfileTags applies the difference between the old and new tags.
func UpdateInstanceProfileTags(ctx context.Context, conn *iam.Client, name string, oldTags, newTags map[string]string) error {
	return tags.Update(ctx, "IAM instance profile ("+name+")", oldTags, newTags,
		func(ctx context.Context, keys []string) error {
			_, err := conn.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: aws.String(name), TagKeys: keys})
			return err
		},
		func(ctx context.Context, set map[string]string) error {
			_, err := conn.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String(name), Tags: Tags(set)})
			return err
		})
}
