package cloudfront

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// StatusDistribution reports a distribution's Status (InProgress, Deployed);
// a missing distribution is a nil result.
func StatusDistribution(conn *cloudfront.Client, id string) retry.Refresh[cloudfront.GetDistributionOutput] {
	return retry.StatusOf(func(ctx context.Context) (*cloudfront.GetDistributionOutput, error) {
		return FindDistributionByID(ctx, conn, id)
	},
		func(out *cloudfront.GetDistributionOutput) string { return aws.ToString(out.Distribution.Status) })
}
