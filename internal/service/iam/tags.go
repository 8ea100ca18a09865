package iam

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	awstypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// Tags converts a map to IAM tags, sorted by key (nil for no tags).
func Tags(m map[string]string) []awstypes.Tag {
	return tags.Convert(m, func(k, v string) awstypes.Tag { return awstypes.Tag{Key: aws.String(k), Value: aws.String(v)} })
}

// TagsMap converts IAM tags to a map.
func TagsMap(list []awstypes.Tag) map[string]string {
	return tags.Map(list, func(t awstypes.Tag) (string, string) { return aws.ToString(t.Key), aws.ToString(t.Value) })
}
