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
	all, err := FindDistributions(ctx, conn)
	if err != nil {
		return nil, err
	}
	var out []awstypes.DistributionSummary
	for _, d := range all {
		tags, err := FindTagsByARN(ctx, conn, aws.ToString(d.ARN))
		if retry.NotFound(err) {
			continue // deleted while we listed
		}
		if err != nil {
			return nil, err
		}
		if v, ok := tags[key]; ok && v == value {
			out = append(out, d)
		}
	}
	return out, nil
}

// FindDistributions lists every distribution of the account (all pages).
func FindDistributions(ctx context.Context, conn *cloudfront.Client) ([]awstypes.DistributionSummary, error) {
	var out []awstypes.DistributionSummary
	pages := cloudfront.NewListDistributionsPaginator(conn, &cloudfront.ListDistributionsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing CloudFront Distributions: %w", err)
		}
		if page.DistributionList != nil {
			out = append(out, page.DistributionList.Items...)
		}
	}
	return out, nil
}

// FindTagsByARN reads a distribution's tags; a deleted distribution is a
// retry.NotFoundError.
func FindTagsByARN(ctx context.Context, conn *cloudfront.Client, arn string) (map[string]string, error) {
	out, err := conn.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: aws.String(arn)})
	if errs.IsCode(err, errCodeNoSuchResource, errCodeNoSuchDistribution) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("listing tags for CloudFront Distribution (%s): %w", arn, err)
	}
	tags := map[string]string{}
	if out.Tags != nil {
		for _, t := range out.Tags.Items {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}
