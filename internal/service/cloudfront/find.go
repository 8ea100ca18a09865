package cloudfront

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	awstypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// FindDistributionByID reads a distribution and its current ETag.
func FindDistributionByID(ctx context.Context, conn *cloudfront.Client, id string) (*cloudfront.GetDistributionOutput, error) {
	out, err := conn.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if errs.IsA[*awstypes.NoSuchDistribution](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading CloudFront Distribution (%s): %w", id, err)
	}
	if out == nil || out.Distribution == nil || out.Distribution.DistributionConfig == nil {
		return nil, &retry.NotFoundError{Message: fmt.Sprintf("CloudFront Distribution (%s) not found: empty result", id)}
	}
	return out, nil
}

// FindDistributionConfigByID reads a distribution's config and the ETag an
// update or delete must carry.
func FindDistributionConfigByID(ctx context.Context, conn *cloudfront.Client, id string) (*cloudfront.GetDistributionConfigOutput, error) {
	out, err := conn.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if errs.IsA[*awstypes.NoSuchDistribution](err) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading CloudFront Distribution (%s) config: %w", id, err)
	}
	if out == nil || out.DistributionConfig == nil || aws.ToString(out.ETag) == "" {
		return nil, &retry.NotFoundError{Message: fmt.Sprintf("CloudFront Distribution (%s) config not found: empty result", id)}
	}
	return out, nil
}

// FindDistributionsByTag lists the distributions carrying tag key=value.
func FindDistributionsByTag(ctx context.Context, conn *cloudfront.Client, key, value string) ([]awstypes.DistributionSummary, error) {
	var out []awstypes.DistributionSummary
	pages := cloudfront.NewListDistributionsPaginator(conn, &cloudfront.ListDistributionsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing CloudFront Distributions: %w", err)
		}
		if page.DistributionList == nil {
			continue
		}
		for _, d := range page.DistributionList.Items {
			tags, err := conn.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: d.ARN})
			if errs.IsCode(err, errCodeNoSuchResource, errCodeNoSuchDistribution) {
				continue // deleted while we listed
			}
			if err != nil {
				return nil, fmt.Errorf("listing tags for CloudFront Distribution (%s): %w", aws.ToString(d.Id), err)
			}
			if tags.Tags == nil {
				continue
			}
			for _, t := range tags.Tags.Items {
				if aws.ToString(t.Key) == key && aws.ToString(t.Value) == value {
					out = append(out, d)
					break
				}
			}
		}
	}
	return out, nil
}
