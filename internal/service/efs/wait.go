package efs

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/efs"
	awstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// Progress is called after each poll with the state seen and the time spent.
type Progress func(state string, elapsed time.Duration)

func onPoll(progress []Progress) func(string, time.Duration) {
	if len(progress) == 0 || progress[0] == nil {
		return nil
	}
	return progress[0]
}

// WaitFileSystemAvailable waits until a file system is available (after
// creation or an update).
func WaitFileSystemAvailable(ctx context.Context, conn *efs.Client, id string, timeout time.Duration, progress ...Progress) (*awstypes.FileSystemDescription, error) {
	conf := retry.StateChangeConf[awstypes.FileSystemDescription]{
		Pending: []string{stateCreating, stateUpdating},
		Target:  []string{stateAvailable},
		Refresh: StatusFileSystem(conn, id),
		Timeout: timeout, MinPoll: minPoll, MaxPoll: maxPoll, OnPoll: onPoll(progress),
	}
	return conf.WaitForState(ctx)
}

// WaitFileSystemDeleted waits until a file system is gone.
func WaitFileSystemDeleted(ctx context.Context, conn *efs.Client, id string, timeout time.Duration, progress ...Progress) error {
	conf := retry.StateChangeConf[awstypes.FileSystemDescription]{
		Pending: []string{stateAvailable, stateCreating, stateUpdating, stateDeleting},
		Target:  []string{},
		Refresh: StatusFileSystem(conn, id),
		Timeout: timeout, MinPoll: minPoll, MaxPoll: maxPoll, OnPoll: onPoll(progress),
	}
	_, err := conf.WaitForState(ctx)
	return err
}

// waitFileSystemWithoutMountTargets waits until a file system reports no
// mount targets (deleting ones still count), so that DeleteFileSystem will
// not answer FileSystemInUse. A missing file system ends the wait.
func waitFileSystemWithoutMountTargets(ctx context.Context, conn *efs.Client, id string, timeout time.Duration) error {
	conf := retry.StateChangeConf[awstypes.FileSystemDescription]{
		Pending: []string{stateInUse},
		Target:  []string{stateCleared},
		Refresh: statusMountTargetsCleared(conn, id),
		Timeout: timeout, MinPoll: minPoll, MaxPoll: maxPoll, NotFoundChecks: 1,
	}
	_, err := conf.WaitForState(ctx)
	if retry.NotFound(err) {
		return nil
	}
	return err
}

// WaitMountTargetAvailable waits until a mount target is available.
func WaitMountTargetAvailable(ctx context.Context, conn *efs.Client, id string, timeout time.Duration, progress ...Progress) (*awstypes.MountTargetDescription, error) {
	conf := retry.StateChangeConf[awstypes.MountTargetDescription]{
		Pending: []string{stateCreating},
		Target:  []string{stateAvailable},
		Refresh: StatusMountTarget(conn, id),
		Timeout: timeout, MinPoll: minPoll, MaxPoll: maxPoll, OnPoll: onPoll(progress),
	}
	return conf.WaitForState(ctx)
}

// WaitMountTargetDeleted waits until a mount target is gone.
func WaitMountTargetDeleted(ctx context.Context, conn *efs.Client, id string, timeout time.Duration, progress ...Progress) error {
	conf := retry.StateChangeConf[awstypes.MountTargetDescription]{
		Pending: []string{stateAvailable, stateCreating, stateDeleting},
		Target:  []string{},
		Refresh: StatusMountTarget(conn, id),
		Timeout: timeout, MinPoll: minPoll, MaxPoll: maxPoll, OnPoll: onPoll(progress),
	}
	_, err := conf.WaitForState(ctx)
	return err
}
