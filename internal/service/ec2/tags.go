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
	return tags.Update(ctx, fmt.Sprintf("EC2 resources %v", ids), oldTags, newTags,
		func(ctx context.Context, keys []string) error {
			removed := make([]types.Tag, 0, len(keys))
			for _, k := range keys {
				removed = append(removed, types.Tag{Key: aws.String(k)})
			}
			_, err := conn.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: ids, Tags: removed})
			return err
		},
		func(ctx context.Context, set map[string]string) error {
			_, err := conn.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids, Tags: Tags(set)})
			return err
		})
}
