package cloudfront

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	awstypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// UpdateTags moves a distribution's tags from oldTags to newTags: keys that
// disappeared are removed, new and changed ones are set.
func UpdateTags(ctx context.Context, conn *cloudfront.Client, arn string, oldTags, newTags map[string]string) error {
	return tags.Update(ctx, "CloudFront Distribution ("+arn+")", oldTags, newTags,
		func(ctx context.Context, keys []string) error {
			_, err := conn.UntagResource(ctx, &cloudfront.UntagResourceInput{Resource: aws.String(arn), TagKeys: &awstypes.TagKeys{Items: keys}})
			return err
		},
		func(ctx context.Context, set map[string]string) error {
			_, err := conn.TagResource(ctx, &cloudfront.TagResourceInput{Resource: aws.String(arn), Tags: &awstypes.Tags{Items: tagItems(set)}})
			return err
		})
}
