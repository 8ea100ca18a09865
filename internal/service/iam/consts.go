// Package iam wraps the IAM calls the deployment makes for the instance role
// and instance profile: finders that map NoSuchEntity to retry.NotFoundError,
// creates, a readiness waiter and deletes that clean up every
// dependent object first and treat NoSuchEntity as success.
package iam

import "time"

// IAM error codes handled by this package.
const (
	errCodeDeleteConflict         = "DeleteConflict"
	errCodeConcurrentModification = "ConcurrentModification"
	instanceProfileStatePending   = "pending"
	instanceProfileStateReady     = "ready"
	instanceProfileWaitMinPoll    = 250 * time.Millisecond
	instanceProfileWaitMaxPoll    = 5 * time.Second
)
