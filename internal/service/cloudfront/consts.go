// Package cloudfront wraps the aws-sdk-go-v2 CloudFront client in the
// find/status/wait style of terraform-provider-aws: finders map
// NoSuchDistribution to retry.NotFoundError, waiters poll on a schedule that
// knows a rollout takes a quarter of an hour, and mutations always carry a
// freshly read ETag.
// Callers import it as tfcloudfront.
package cloudfront

import (
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// Distribution statuses.
const (
	DistributionStatusInProgress = "InProgress"
	DistributionStatusDeployed   = "Deployed"
)

// What CloudFront changes take, for the waiters' poll schedules (see
// retry.Schedule).
var (
	// DeploymentSchedule: a rollout (creation, update, disable) takes about
	// a quarter of an hour. A few sparse polls notice an early finish; the
	// dense ones come around 15 minutes.
	DeploymentSchedule = retry.Schedule{Expected: 15 * time.Minute, First: 2 * time.Minute}
	// deletedSchedule: a deleted distribution is gone within seconds.
	deletedSchedule = retry.Schedule{Expected: time.Second, Immediate: true}
)

// Retry budgets for CloudFront's quirks.
var (
	// etagRetryTimeout bounds retries of PreconditionFailed and
	// InvalidIfMatchVersion (a concurrent change moved the ETag on).
	etagRetryTimeout = time.Minute
	// notDisabledRetryTimeout bounds retries of DistributionNotDisabled
	// after a disable (the disable is still rolling out).
	notDisabledRetryTimeout = 3 * time.Minute
	// certificateRetryTimeout rides out ACM eventual consistency: a
	// certificate issued moments ago can still be refused as
	// InvalidViewerCertificate.
	certificateRetryTimeout = time.Minute
)

// Error codes the wrappers react to.
const (
	errCodeDistributionAlreadyExists = "DistributionAlreadyExists"
	errCodeDistributionNotDisabled   = "DistributionNotDisabled"
	errCodeInvalidIfMatchVersion     = "InvalidIfMatchVersion"
	errCodeInvalidViewerCertificate  = "InvalidViewerCertificate"
	errCodeNoSuchDistribution        = "NoSuchDistribution"
	errCodeNoSuchResource            = "NoSuchResource"
	errCodePreconditionFailed        = "PreconditionFailed"
)
