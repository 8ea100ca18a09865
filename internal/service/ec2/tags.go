package ec2

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// Tags converts a tag map to EC2 tags, sorted by key (nil for no tags).
func Tags(m map[string]string) []types.Tag {
	return tags.Convert(m, func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} })
}

// KeyValueTags converts EC2 tags to a map.
func KeyValueTags(list []types.Tag) map[string]string {
	return tags.Map(list, func(t types.Tag) (string, string) { return aws.ToString(t.Key), aws.ToString(t.Value) })
}

// TagSpecifications builds tag-on-create specifications carrying the same
// tags for each resource type (nil when there are no tags, since EC2 rejects
// a specification without tags).
func TagSpecifications(tags map[string]string, resourceTypes ...types.ResourceType) []types.TagSpecification {
	if len(tags) == 0 {
		return nil
	}
	out := make([]types.TagSpecification, 0, len(resourceTypes))
	for _, rt := range resourceTypes {
		out = append(out, types.TagSpecification{ResourceType: rt, Tags: Tags(tags)})
	}
	return out
}

// UpdateTags brings the tags of resources ids from oldTags to newTags: keys
// that disappeared are deleted, new or changed ones are created.
func UpdateTags(ctx context.Context, conn *ec2.Client, ids []string, oldTags, newTags map[string]string) error {
	if len(ids) == 0 {
		return nil
	}
	removedKeys, changed := tags.Diff(oldTags, newTags)
	if len(removedKeys) > 0 {
		removed := make([]types.Tag, 0, len(removedKeys))
		for _, k := range removedKeys {
			removed = append(removed, types.Tag{Key: aws.String(k)})
		}
		if _, err := conn.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: ids, Tags: removed}); err != nil {
			return fmt.Errorf("untagging EC2 resources %v: %w", ids, err)
		}
	}
	if len(changed) > 0 {
		if _, err := conn.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids, Tags: Tags(changed)}); err != nil {
			return fmt.Errorf("tagging EC2 resources %v: %w", ids, err)
		}
	}
	return nil
}
