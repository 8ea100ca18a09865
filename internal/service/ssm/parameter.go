package ssm

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	awstypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// batch is the most names GetParameters and DeleteParameters take at once.
const batch = 10

// FindParametersByNames reads parameters by name with decryption; names
// that do not exist are absent from the result (GetParameters lists them as
// InvalidParameters rather than failing).
func FindParametersByNames(ctx context.Context, conn *ssm.Client, names []string) (map[string]awstypes.Parameter, error) {
	out := map[string]awstypes.Parameter{}
	for chunk := range slices.Chunk(names, batch) {
		res, err := conn.GetParameters(ctx, &ssm.GetParametersInput{Names: chunk, WithDecryption: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("reading SSM parameters (%v): %w", chunk, err)
		}
		for _, p := range res.Parameters {
			out[aws.ToString(p.Name)] = p
		}
	}
	return out, nil
}

// FindParametersByPath lists the parameters under path, recursively; with
// decrypt the SecureString values come back in clear.
func FindParametersByPath(ctx context.Context, conn *ssm.Client, path string, decrypt bool) ([]awstypes.Parameter, error) {
	var out []awstypes.Parameter
	pages := ssm.NewGetParametersByPathPaginator(conn, &ssm.GetParametersByPathInput{
		Path: aws.String(path), Recursive: aws.Bool(true), WithDecryption: aws.Bool(decrypt),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing SSM parameters under %s: %w", path, err)
		}
		out = append(out, page.Parameters...)
	}
	return out, nil
}

// PutParameter creates a parameter with tags, or overwrites the value of an
// existing one (SSM refuses tags together with Overwrite: those are set
// with UpdateTags).
func PutParameter(ctx context.Context, conn *ssm.Client, name, value string, typ awstypes.ParameterType, keyID, description string, overwrite bool, tagMap map[string]string) error {
	in := &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ, Tier: awstypes.ParameterTierStandard}
	if keyID != "" {
		in.KeyId = aws.String(keyID)
	}
	if description != "" {
		in.Description = aws.String(description)
	}
	if overwrite {
		in.Overwrite = aws.Bool(true)
	} else {
		in.Tags = Tags(tagMap)
	}
	_, err := conn.PutParameter(ctx, in)
	if !overwrite && errs.IsA[*awstypes.ParameterAlreadyExists](err) {
		// The SDK's retry of a put whose answer was lost finds the
		// parameter it made: the same value and type is that put, done.
		if got, ferr := FindParametersByNames(ctx, conn, []string{name}); ferr == nil {
			if p, ok := got[name]; ok && p.Type == typ && aws.ToString(p.Value) == value {
				return nil
			}
		}
	}
	if err != nil {
		return fmt.Errorf("writing SSM parameter (%s): %w", name, err)
	}
	return nil
}

// DeleteParameters deletes parameters by name; names that do not exist are
// not an error (DeleteParameters reports them as InvalidParameters).
func DeleteParameters(ctx context.Context, conn *ssm.Client, names []string) error {
	for chunk := range slices.Chunk(names, batch) {
		if _, err := conn.DeleteParameters(ctx, &ssm.DeleteParametersInput{Names: chunk}); err != nil {
			return fmt.Errorf("deleting SSM parameters (%v): %w", chunk, err)
		}
	}
	return nil
}

// FindTags returns a parameter's tags.
func FindTags(ctx context.Context, conn *ssm.Client, name string) (map[string]string, error) {
	out, err := conn.ListTagsForResource(ctx, &ssm.ListTagsForResourceInput{ResourceId: aws.String(name), ResourceType: awstypes.ResourceTypeForTaggingParameter})
	if err != nil {
		return nil, fmt.Errorf("listing the tags of SSM parameter (%s): %w", name, err)
	}
	return tags.Map(out.TagList, func(t awstypes.Tag) (string, string) { return aws.ToString(t.Key), aws.ToString(t.Value) }), nil
}

// UpdateTags moves a parameter's tags from oldTags to newTags.
func UpdateTags(ctx context.Context, conn *ssm.Client, name string, oldTags, newTags map[string]string) error {
	return tags.Update(ctx, "SSM parameter ("+name+")", oldTags, newTags,
		func(ctx context.Context, keys []string) error {
			_, err := conn.RemoveTagsFromResource(ctx, &ssm.RemoveTagsFromResourceInput{ResourceId: aws.String(name), ResourceType: awstypes.ResourceTypeForTaggingParameter, TagKeys: keys})
			return err
		},
		func(ctx context.Context, set map[string]string) error {
			_, err := conn.AddTagsToResource(ctx, &ssm.AddTagsToResourceInput{ResourceId: aws.String(name), ResourceType: awstypes.ResourceTypeForTaggingParameter, Tags: Tags(set)})
			return err
		})
}

// Tags converts a map to SSM tags, sorted by key (nil for no tags).
func Tags(m map[string]string) []awstypes.Tag {
	return tags.Convert(m, func(k, v string) awstypes.Tag { return awstypes.Tag{Key: aws.String(k), Value: aws.String(v)} })
}
