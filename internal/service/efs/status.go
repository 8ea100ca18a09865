package efs

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/efs"
	awstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// StatusFileSystem reports a file system's lifecycle state.
func StatusFileSystem(conn *efs.Client, id string) retry.Refresh[awstypes.FileSystemDescription] {
	return func(ctx context.Context) (*awstypes.FileSystemDescription, string, error) {
		fs, err := FindFileSystemByID(ctx, conn, id)
		if retry.NotFound(err) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return fs, string(fs.LifeCycleState), nil
	}
}

// StatusMountTarget reports a mount target's lifecycle state.
func StatusMountTarget(conn *efs.Client, id string) retry.Refresh[awstypes.MountTargetDescription] {
	return func(ctx context.Context) (*awstypes.MountTargetDescription, string, error) {
		mt, err := FindMountTargetByID(ctx, conn, id)
		if retry.NotFound(err) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return mt, string(mt.LifeCycleState), nil
	}
}

// statusMountTargetsCleared reports "in-use" while a file system still has
// mount targets (deleting ones count, as for DeleteFileSystem) and "cleared"
// once it reports none.
func statusMountTargetsCleared(conn *efs.Client, id string) retry.Refresh[awstypes.FileSystemDescription] {
	return func(ctx context.Context) (*awstypes.FileSystemDescription, string, error) {
		fs, err := FindFileSystemByID(ctx, conn, id)
		if retry.NotFound(err) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		if fs.NumberOfMountTargets > 0 {
			return fs, stateInUse, nil
		}
		return fs, stateCleared, nil
	}
}
