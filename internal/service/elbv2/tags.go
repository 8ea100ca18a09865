package elbv2

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awstypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// UpdateTags moves a resource's tags (load balancer, target group, listener
// or rule) from oldTags to newTags with RemoveTags and AddTags.
func UpdateTags(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string, oldTags, newTags map[string]string) error {
	remove, set := tags.Diff(oldTags, newTags)
	if len(remove) > 0 {
		if _, err := conn.RemoveTags(ctx, &elasticloadbalancingv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: remove}); err != nil {
			return fmt.Errorf("untagging ELBv2 resource (%s): %w", arn, err)
		}
	}
	if len(set) > 0 {
		if _, err := conn.AddTags(ctx, &elasticloadbalancingv2.AddTagsInput{ResourceArns: []string{arn}, Tags: Tags(set)}); err != nil {
			return fmt.Errorf("tagging ELBv2 resource (%s): %w", arn, err)
		}
	}
	return nil
}

// Tags converts a map to ELBv2 tags, sorted by key (nil for no tags).
func Tags(m map[string]string) []awstypes.Tag {
	return tags.Convert(m, func(k, v string) awstypes.Tag { return awstypes.Tag{Key: aws.String(k), Value: aws.String(v)} })
}
