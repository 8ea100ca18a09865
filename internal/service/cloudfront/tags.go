package cloudfront

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	awstypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// UpdateTags moves a distribution's tags from oldTags to newTags: keys that
// disappeared are removed, new and changed ones are set.
func UpdateTags(ctx context.Context, conn *cloudfront.Client, arn string, oldTags, newTags map[string]string) error {
	remove, set := tags.Diff(oldTags, newTags)
	if len(remove) > 0 {
		if _, err := conn.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: aws.String(arn), TagKeys: &awstypes.TagKeys{Items: remove}}); err != nil {
			return fmt.Errorf("untagging CloudFront Distribution (%s): %w", arn, err)
		}
	}
	if len(set) > 0 {
		if _, err := conn.TagResource(ctx, &cloudfront.TagResourceInput{Resource: aws.String(arn), Tags: &awstypes.Tags{Items: tagItems(set)}}); err != nil {
			return fmt.Errorf("tagging CloudFront Distribution (%s): %w", arn, err)
		}
	}
	return nil
}
