// Package cloudfront wraps the aws-sdk-go-v2 CloudFront client in the
// find/status/wait style of terraform-provider-aws: finders map
// NoSuchDistribution to retry.NotFoundError, waiters poll with a fast first
// poll that settles at 15 s, and mutations always carry a freshly read ETag.
// Callers import it as tfcloudfront.
package cloudfront

import "time"

// Distribution statuses.
const (
	DistributionStatusInProgress = "InProgress"
	DistributionStatusDeployed   = "Deployed"
)

// Poll intervals: CloudFront rollouts take minutes, so polls start fast and
// settle at 15 s.
const (
	distributionMinPoll = 500 * time.Millisecond
	distributionMaxPoll = 15 * time.Second
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
