// Package efs wraps the EFS calls the deployment makes: an idempotent
// CreateFileSystem keyed by CreationToken, finders that map FileSystemNotFound
// and MountTargetNotFound (and the "deleted" state) to retry.NotFoundError,
// status funcs and waiters for file systems and mount targets, and deletes
// that treat NotFound as success and ride out FileSystemInUse.
package efs

import (
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// EFS error codes handled by this package.
const (
	errCodeFileSystemInUse = "FileSystemInUse"
)

// Lifecycle states as plain strings for the waiters.
const (
	stateCreating  = "creating"
	stateAvailable = "available"
	stateUpdating  = "updating"
	stateDeleting  = "deleting"
	stateDeleted   = "deleted"

	// Pseudo-states of a file system's mount target count.
	stateInUse   = "in-use"
	stateCleared = "cleared"

	// Pseudo-states of a set of mount targets: none of them listed, some.
	stateGone = "gone"
	stateSome = "some"
)

// What EFS changes typically take, for the waiters' poll schedules (see
// retry.Schedule): seconds for file systems, a minute or more for mount
// targets.
var (
	FileSystemAvailableSchedule  = retry.Schedule{Expected: 10 * time.Second}
	FileSystemDeletedSchedule    = retry.Schedule{Expected: 10 * time.Second}
	MountTargetAvailableSchedule = retry.Schedule{Expected: 90 * time.Second}
	MountTargetDeletedSchedule   = retry.Schedule{Expected: 60 * time.Second}
	// mountTargetsClearedSchedule: once its mount targets are deleted, a
	// file system reports none at once.
	mountTargetsClearedSchedule = retry.Schedule{Expected: time.Second, Immediate: true}
)
