package elbv2

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awstypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// UpdateTags moves a resource's tags (load balancer, target group, listener
// or rule) from oldTags to newTags with RemoveTags and AddTags.
func UpdateTags(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string, oldTags, newTags map[string]string) error {
	return tags.Update(ctx, "ELBv2 resource ("+arn+")", oldTags, newTags,
		func(ctx context.Context, keys []string) error {
			_, err := conn.RemoveTags(ctx, &elasticloadbalancingv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: keys})
			return err
		},
		func(ctx context.Context, set map[string]string) error {
			_, err := conn.AddTags(ctx, &elasticloadbalancingv2.AddTagsInput{ResourceArns: []string{arn}, Tags: Tags(set)})
			return err
		})
}

// Tags converts a map to ELBv2 tags, sorted by key (nil for no tags).
func Tags(m map[string]string) []awstypes.Tag {
	return tags.Convert(m, func(k, v string) awstypes.Tag { return awstypes.Tag{Key: aws.String(k), Value: aws.String(v)} })
}
