package efs

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/efs"
	awstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// StatusFileSystem reports a file system's lifecycle state.
func StatusFileSystem(conn *efs.Client, id string) retry.Refresh[awstypes.FileSystemDescription] {
	return retry.StatusOf(findFileSystem(conn, id), func(fs *awstypes.FileSystemDescription) string { return string(fs.LifeCycleState) })
}

func findFileSystem(conn *efs.Client, id string) func(context.Context) (*awstypes.FileSystemDescription, error) {
	return func(ctx context.Context) (*awstypes.FileSystemDescription, error) {
		return FindFileSystemByID(ctx, conn, id)
	}
}

// StatusMountTarget reports a mount target's lifecycle state.
func StatusMountTarget(conn *efs.Client, id string) retry.Refresh[awstypes.MountTargetDescription] {
	return retry.StatusOf(func(ctx context.Context) (*awstypes.MountTargetDescription, error) {
		return FindMountTargetByID(ctx, conn, id)
	},
		func(mt *awstypes.MountTargetDescription) string { return string(mt.LifeCycleState) })
}

// statusMountTargetsCleared reports "in-use" while a file system still has
// mount targets (deleting ones count, as for DeleteFileSystem) and "cleared"
// once it reports none.
func statusMountTargetsCleared(conn *efs.Client, id string) retry.Refresh[awstypes.FileSystemDescription] {
	return retry.StatusOf(findFileSystem(conn, id), func(fs *awstypes.FileSystemDescription) string {
		if fs.NumberOfMountTargets > 0 {
			return stateInUse
		}
		return stateCleared
	})
}
