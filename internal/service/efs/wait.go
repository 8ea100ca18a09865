package efs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
		Timeout: timeout, Schedule: &FileSystemAvailableSchedule, OnPoll: onPoll(progress),
	}
	return conf.WaitForState(ctx)
}

// WaitFileSystemDeleted waits until a file system is gone.
func WaitFileSystemDeleted(ctx context.Context, conn *efs.Client, id string, timeout time.Duration, progress ...Progress) error {
	conf := retry.StateChangeConf[awstypes.FileSystemDescription]{
		Pending: []string{stateAvailable, stateCreating, stateUpdating, stateDeleting},
		Target:  []string{},
		Refresh: StatusFileSystem(conn, id),
		Timeout: timeout, Schedule: &FileSystemDeletedSchedule, OnPoll: onPoll(progress),
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
		Timeout: timeout, Schedule: &mountTargetsClearedSchedule, NotFoundChecks: 1,
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
		Timeout: timeout, Schedule: &MountTargetAvailableSchedule, OnPoll: onPoll(progress),
	}
	return conf.WaitForState(ctx)
}

// WaitMountTargetDeleted waits until a mount target is gone.
func WaitMountTargetDeleted(ctx context.Context, conn *efs.Client, id string, timeout time.Duration, progress ...Progress) error {
	conf := retry.StateChangeConf[awstypes.MountTargetDescription]{
		Pending: []string{stateAvailable, stateCreating, stateDeleting},
		Target:  []string{},
		Refresh: StatusMountTarget(conn, id),
		Timeout: timeout, Schedule: &MountTargetDeletedSchedule, OnPoll: onPoll(progress),
	}
	_, err := conf.WaitForState(ctx)
	return err
}

// mountTargets is the state of a file system's mount targets as one object.
type mountTargets struct {
	items []awstypes.MountTargetDescription
}

// statusMountTargets reports, from one DescribeMountTargets call for the
// whole file system, "available" once every one of ids is available,
// "gone" once none of them is listed (a missing file system included) and
// the state of the first one in between.
func statusMountTargets(conn *efs.Client, fsID string, ids []string) retry.Refresh[mountTargets] {
	return func(ctx context.Context) (*mountTargets, string, error) {
		all, err := FindMountTargetsByFileSystemID(ctx, conn, fsID)
		if retry.NotFound(err) {
			return &mountTargets{}, stateGone, nil
		}
		if err != nil {
			return nil, "", err
		}
		var listed []awstypes.MountTargetDescription
		for _, mt := range all {
			if slices.Contains(ids, aws.ToString(mt.MountTargetId)) && mt.LifeCycleState != awstypes.LifeCycleStateDeleted {
				listed = append(listed, mt)
			}
		}
		switch {
		case len(listed) == 0:
			return &mountTargets{}, stateGone, nil
		case len(listed) < len(ids):
			return &mountTargets{items: listed}, stateSome, nil
		}
		for _, mt := range listed {
			if mt.LifeCycleState != awstypes.LifeCycleStateAvailable {
				return &mountTargets{items: listed}, string(mt.LifeCycleState), nil
			}
		}
		return &mountTargets{items: listed}, stateAvailable, nil
	}
}

// WaitMountTargetsAvailable waits until every one of a file system's mount
// targets ids is available, reading them all with one call per poll.
func WaitMountTargetsAvailable(ctx context.Context, conn *efs.Client, fsID string, ids []string, timeout time.Duration, progress ...Progress) error {
	if len(ids) == 0 {
		return nil
	}
	conf := retry.StateChangeConf[mountTargets]{
		Pending: []string{stateCreating},
		Target:  []string{stateAvailable},
		Refresh: statusMountTargets(conn, fsID, ids),
		Timeout: timeout, Schedule: &MountTargetAvailableSchedule, OnPoll: onPoll(progress),
	}
	_, err := conf.WaitForState(ctx)
	if err != nil {
		return fmt.Errorf("waiting for the mount targets of EFS file system (%s) to become available: %w", fsID, err)
	}
	return nil
}

// WaitMountTargetsDeleted waits until none of a file system's mount
// targets ids is listed any more, reading them all with one call per poll.
func WaitMountTargetsDeleted(ctx context.Context, conn *efs.Client, fsID string, ids []string, timeout time.Duration, progress ...Progress) error {
	if len(ids) == 0 {
		return nil
	}
	conf := retry.StateChangeConf[mountTargets]{
		Pending: []string{stateAvailable, stateCreating, stateDeleting, stateSome},
		Target:  []string{stateGone},
		Refresh: statusMountTargets(conn, fsID, ids),
		Timeout: timeout, Schedule: &MountTargetDeletedSchedule, OnPoll: onPoll(progress),
	}
	_, err := conf.WaitForState(ctx)
	if err != nil {
		return fmt.Errorf("waiting for the mount targets of EFS file system (%s) to be deleted: %w", fsID, err)
	}
	return nil
}
