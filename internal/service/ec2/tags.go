package ec2

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Tags converts a tag map to EC2 tags, sorted by key (nil for no tags).
func Tags(m map[string]string) []types.Tag {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

// KeyValueTags converts EC2 tags to a map.
func KeyValueTags(tags []types.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
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
	var removed []types.Tag
	for k := range oldTags {
		if _, ok := newTags[k]; !ok {
			removed = append(removed, types.Tag{Key: aws.String(k)})
		}
	}
	sort.Slice(removed, func(i, j int) bool { return aws.ToString(removed[i].Key) < aws.ToString(removed[j].Key) })
	if len(removed) > 0 {
		if _, err := conn.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: ids, Tags: removed}); err != nil {
			return fmt.Errorf("untagging EC2 resources %v: %w", ids, err)
		}
	}
	changed := map[string]string{}
	for k, v := range newTags {
		if old, ok := oldTags[k]; !ok || old != v {
			changed[k] = v
		}
	}
	if len(changed) > 0 {
		if _, err := conn.CreateTags(ctx, &ec2.CreateTagsInput{Resources: ids, Tags: Tags(changed)}); err != nil {
			return fmt.Errorf("tagging EC2 resources %v: %w", ids, err)
		}
	}
	return nil
}
