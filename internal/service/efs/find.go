package efs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	awstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// FindFileSystemByID describes a file system. A missing or fully deleted
// file system is a retry.NotFoundError.
func FindFileSystemByID(ctx context.Context, conn *efs.Client, id string) (*awstypes.FileSystemDescription, error) {
	out, err := conn.DescribeFileSystems(ctx, &efs.DescribeFileSystemsInput{FileSystemId: aws.String(id)})
	if errs.IsA[*awstypes.FileSystemNotFound](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading EFS file system (%s): %w", id, err)
	}
	if out == nil || len(out.FileSystems) == 0 {
		return nil, &retry.NotFoundError{Message: fmt.Sprintf("EFS file system %s not found (empty result)", id)}
	}
	fs := out.FileSystems[0]
	if string(fs.LifeCycleState) == stateDeleted {
		return nil, &retry.NotFoundError{Message: fmt.Sprintf("EFS file system %s is deleted", id)}
	}
	return &fs, nil
}

// FindFileSystemByCreationToken finds the file system created with a token.
func FindFileSystemByCreationToken(ctx context.Context, conn *efs.Client, token string) (*awstypes.FileSystemDescription, error) {
	out, err := conn.DescribeFileSystems(ctx, &efs.DescribeFileSystemsInput{CreationToken: aws.String(token)})
	if err != nil {
		return nil, fmt.Errorf("reading EFS file system with creation token (%s): %w", token, err)
	}
	for _, fs := range out.FileSystems {
		if aws.ToString(fs.CreationToken) == token && string(fs.LifeCycleState) != stateDeleted {
			return &fs, nil
		}
	}
	return nil, &retry.NotFoundError{Message: fmt.Sprintf("no EFS file system with creation token %s", token)}
}

// FindMountTargetByID describes a mount target. A missing or fully deleted
// mount target is a retry.NotFoundError.
func FindMountTargetByID(ctx context.Context, conn *efs.Client, id string) (*awstypes.MountTargetDescription, error) {
	out, err := conn.DescribeMountTargets(ctx, &efs.DescribeMountTargetsInput{MountTargetId: aws.String(id)})
	if errs.IsA[*awstypes.MountTargetNotFound](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading EFS mount target (%s): %w", id, err)
	}
	if out == nil || len(out.MountTargets) == 0 {
		return nil, &retry.NotFoundError{Message: fmt.Sprintf("EFS mount target %s not found (empty result)", id)}
	}
	mt := out.MountTargets[0]
	if string(mt.LifeCycleState) == stateDeleted {
		return nil, &retry.NotFoundError{Message: fmt.Sprintf("EFS mount target %s is deleted", id)}
	}
	return &mt, nil
}

// FindMountTargetsByFileSystemID lists the mount targets of a file system
// (all pages), including deleting ones. A missing file system is a
// retry.NotFoundError.
func FindMountTargetsByFileSystemID(ctx context.Context, conn *efs.Client, fsID string) ([]awstypes.MountTargetDescription, error) {
	var out []awstypes.MountTargetDescription
	p := efs.NewDescribeMountTargetsPaginator(conn, &efs.DescribeMountTargetsInput{FileSystemId: aws.String(fsID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if errs.IsA[*awstypes.FileSystemNotFound](err) {
			return nil, &retry.NotFoundError{LastError: err}
		}
		if err != nil {
			return nil, fmt.Errorf("listing EFS mount targets of (%s): %w", fsID, err)
		}
		for _, mt := range page.MountTargets {
			if string(mt.LifeCycleState) != stateDeleted {
				out = append(out, mt)
			}
		}
	}
	return out, nil
}

// FindFileSystems lists every file system of the region (all pages),
// deleted ones included.
func FindFileSystems(ctx context.Context, conn *efs.Client) ([]awstypes.FileSystemDescription, error) {
	var out []awstypes.FileSystemDescription
	p := efs.NewDescribeFileSystemsPaginator(conn, &efs.DescribeFileSystemsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing EFS file systems: %w", err)
		}
		out = append(out, page.FileSystems...)
	}
	return out, nil
}

// FindMountTargetSecurityGroups lists a mount target's security groups.
func FindMountTargetSecurityGroups(ctx context.Context, conn *efs.Client, mtID string) ([]string, error) {
	out, err := conn.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID)})
	if errs.IsA[*awstypes.MountTargetNotFound](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading security groups of EFS mount target (%s): %w", mtID, err)
	}
	return out.SecurityGroups, nil
}
