package iam

import (
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	awstypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Tags converts a map to IAM tags, sorted by key (nil for no tags).
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

// TagsMap converts IAM tags to a map.
func TagsMap(tags []awstypes.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// diffTags returns the keys to remove and the tags to set.
func diffTags(oldTags, newTags map[string]string) (removed []string, updated map[string]string) {
	for k := range oldTags {
		if _, ok := newTags[k]; !ok {
			removed = append(removed, k)
		}
	}
	sort.Strings(removed)
	updated = map[string]string{}
	for k, v := range newTags {
		if ov, ok := oldTags[k]; !ok || ov != v {
			updated[k] = v
		}
	}
	return removed, updated
}
