package cloudfront

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// WaitDistributionDeployed waits until a distribution's rollout is done.
// progress, when set, is called after every poll with the status seen.
func WaitDistributionDeployed(ctx context.Context, conn *cloudfront.Client, id string, timeout time.Duration, progress func(status string, elapsed time.Duration)) (*cloudfront.GetDistributionOutput, error) {
	return waitDeployed(ctx, conn, id, time.Time{}, timeout, progress)
}

// waitDeployed waits for a rollout that began at began (zero: now).
func waitDeployed(ctx context.Context, conn *cloudfront.Client, id string, began time.Time, timeout time.Duration, progress func(status string, elapsed time.Duration)) (*cloudfront.GetDistributionOutput, error) {
	conf := retry.StateChangeConf[cloudfront.GetDistributionOutput]{
		Pending:  []string{DistributionStatusInProgress},
		Target:   []string{DistributionStatusDeployed},
		Refresh:  StatusDistribution(conn, id),
		Timeout:  timeout,
		Schedule: &DeploymentSchedule,
		Began:    began,
		OnPoll:   progress,
	}
	out, err := conf.WaitForState(ctx)
	if err != nil {
		return out, fmt.Errorf("waiting for CloudFront Distribution (%s) deploy: %w", id, err)
	}
	return out, nil
}

// WaitDistributionDeleted waits until a deleted distribution is gone.
func WaitDistributionDeleted(ctx context.Context, conn *cloudfront.Client, id string, timeout time.Duration) error {
	conf := retry.StateChangeConf[cloudfront.GetDistributionOutput]{
		Pending:  []string{DistributionStatusInProgress, DistributionStatusDeployed},
		Refresh:  StatusDistribution(conn, id),
		Timeout:  timeout,
		Schedule: &deletedSchedule,
	}
	if _, err := conf.WaitForState(ctx); err != nil {
		return fmt.Errorf("waiting for CloudFront Distribution (%s) delete: %w", id, err)
	}
	return nil
}
