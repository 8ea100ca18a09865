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
	return func(ctx context.Context) (*cloudfront.GetDistributionOutput, string, error) {
		out, err := FindDistributionByID(ctx, conn, id)
		if retry.NotFound(err) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return out, aws.ToString(out.Distribution.Status), nil
	}
}
