// Package efs wraps the EFS calls the deployment makes: an idempotent
// CreateFileSystem keyed by CreationToken, finders that map FileSystemNotFound
// and MountTargetNotFound (and the "deleted" state) to retry.NotFoundError,
// status funcs and waiters for file systems and mount targets, and deletes
// that treat NotFound as success and ride out FileSystemInUse.
package efs

import "time"

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
)

// Poll schedule: EFS transitions take seconds (file systems) to a minute or
// two (mount targets).
const (
	minPoll = 300 * time.Millisecond
	maxPoll = 5 * time.Second
)
