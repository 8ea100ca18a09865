package elbv2

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awstypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// UpdateTags moves a resource's tags (load balancer, target group, listener
// or rule) from oldTags to newTags with RemoveTags and AddTags.
func UpdateTags(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string, oldTags, newTags map[string]string) error {
	var remove []string
	for k := range oldTags {
		if _, ok := newTags[k]; !ok {
			remove = append(remove, k)
		}
	}
	sort.Strings(remove)
	if len(remove) > 0 {
		if _, err := conn.RemoveTags(ctx, &elasticloadbalancingv2.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: remove}); err != nil {
			return fmt.Errorf("untagging ELBv2 resource (%s): %w", arn, err)
		}
	}
	var keys []string
	for k, v := range newTags {
		if old, ok := oldTags[k]; !ok || old != v {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		tags := make([]awstypes.Tag, 0, len(keys))
		for _, k := range keys {
			tags = append(tags, awstypes.Tag{Key: aws.String(k), Value: aws.String(newTags[k])})
		}
		if _, err := conn.AddTags(ctx, &elasticloadbalancingv2.AddTagsInput{ResourceArns: []string{arn}, Tags: tags}); err != nil {
			return fmt.Errorf("tagging ELBv2 resource (%s): %w", arn, err)
		}
	}
	return nil
}

// Tags converts a map to ELBv2 tags, sorted by key.
func Tags(m map[string]string) []awstypes.Tag {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]awstypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, awstypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}
