package efs

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	awstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// Tags converts a map to EFS tags, sorted by key (nil for no tags).
func Tags(m map[string]string) []awstypes.Tag {
	return tags.Convert(m, func(k, v string) awstypes.Tag { return awstypes.Tag{Key: aws.String(k), Value: aws.String(v)} })
}

// TagsMap converts EFS tags to a map.
func TagsMap(list []awstypes.Tag) map[string]string {
	return tags.Map(list, func(t awstypes.Tag) (string, string) { return aws.ToString(t.Key), aws.ToString(t.Value) })
}

// UpdateTags applies the difference between the old and new tags of a file
// system (or access point).
func UpdateTags(ctx context.Context, conn *efs.Client, resourceID string, oldTags, newTags map[string]string) error {
	return tags.Update(ctx, "EFS resource ("+resourceID+")", oldTags, newTags,
		func(ctx context.Context, keys []string) error {
			_, err := conn.UntagResource(ctx, &efs.UntagResourceInput{ResourceId: aws.String(resourceID), TagKeys: keys})
			return err
		},
		func(ctx context.Context, set map[string]string) error {
			_, err := conn.TagResource(ctx, &efs.TagResourceInput{ResourceId: aws.String(resourceID), Tags: Tags(set)})
			return err
		})
}
