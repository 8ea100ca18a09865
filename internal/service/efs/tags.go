package efs

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	awstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
)

// Tags converts a map to EFS tags, sorted by key (nil for no tags).
func Tags(m map[string]string) []awstypes.Tag {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]awstypes.Tag, len(keys))
	for i, k := range keys {
		out[i] = awstypes.Tag{Key: aws.String(k), Value: aws.String(m[k])}
	}
	return out
}

// TagsMap converts EFS tags to a map.
func TagsMap(tags []awstypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// UpdateTags applies the difference between the old and new tags of a file
// system (or access point).
func UpdateTags(ctx context.Context, conn *efs.Client, resourceID string, oldTags, newTags map[string]string) error {
	var removed []string
	for k := range oldTags {
		if _, ok := newTags[k]; !ok {
			removed = append(removed, k)
		}
	}
	sort.Strings(removed)
	updated := map[string]string{}
	for k, v := range newTags {
		if ov, ok := oldTags[k]; !ok || ov != v {
			updated[k] = v
		}
	}
	if len(removed) > 0 {
		if _, err := conn.UntagResource(ctx, &efs.UntagResourceInput{ResourceId: aws.String(resourceID), TagKeys: removed}); err != nil {
			return fmt.Errorf("untagging EFS resource (%s): %w", resourceID, err)
		}
	}
	if len(updated) > 0 {
		if _, err := conn.TagResource(ctx, &efs.TagResourceInput{ResourceId: aws.String(resourceID), Tags: Tags(updated)}); err != nil {
			return fmt.Errorf("tagging EFS resource (%s): %w", resourceID, err)
		}
	}
	return nil
}
