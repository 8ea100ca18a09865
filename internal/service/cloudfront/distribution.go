package cloudfront

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	awstypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/tags"
)

// alreadyExistsID finds the distribution CloudFront names in a
// DistributionAlreadyExists message ("... Already exists: E2O6U8DECVP5UD").
var alreadyExistsID = regexp.MustCompile(`Already exists: (E[A-Z0-9]+)`)

// CreateDistribution creates a distribution with tags. It is idempotent on
// the config's CallerReference: when CloudFront answers that a distribution
// with that reference already exists (an SDK retry after a lost response, or
// a re-run after an interrupted apply), that distribution is returned.
func CreateDistribution(ctx context.Context, conn *cloudfront.Client, config *awstypes.DistributionConfig, tags map[string]string) (*awstypes.Distribution, error) {
	ref := aws.ToString(config.CallerReference)
	input := &cloudfront.CreateDistributionWithTagsInput{
		DistributionConfigWithTags: &awstypes.DistributionConfigWithTags{
			DistributionConfig: config,
			Tags:               &awstypes.Tags{Items: tagItems(tags)},
		},
	}
	out, err := retry.WhenCode(ctx, certificateRetryTimeout, func(ctx context.Context) (*cloudfront.CreateDistributionWithTagsOutput, error) {
		return conn.CreateDistributionWithTags(ctx, input)
	}, errCodeInvalidViewerCertificate)
	if errs.IsA[*awstypes.DistributionAlreadyExists](err) {
		m := alreadyExistsID.FindStringSubmatch(errs.Message(err))
		if m == nil {
			return nil, fmt.Errorf("creating CloudFront Distribution (caller reference %s): %w", ref, err)
		}
		existing, ferr := FindDistributionByID(ctx, conn, m[1])
		if ferr != nil {
			return nil, fmt.Errorf("creating CloudFront Distribution (caller reference %s): reading existing distribution %s: %w", ref, m[1], ferr)
		}
		if got := aws.ToString(existing.Distribution.DistributionConfig.CallerReference); got != ref {
			return nil, fmt.Errorf("creating CloudFront Distribution (caller reference %s): distribution %s has caller reference %s: %w", ref, m[1], got, err)
		}
		return existing.Distribution, nil
	}
	if err != nil {
		return nil, fmt.Errorf("creating CloudFront Distribution (caller reference %s): %w", ref, err)
	}
	if out.Distribution == nil {
		return nil, fmt.Errorf("creating CloudFront Distribution (caller reference %s): empty result", ref)
	}
	return out.Distribution, nil
}

// UpdateDistribution applies mutate to the live config and writes it back.
// Every attempt reads the config and its ETag afresh, so a concurrent change
// (PreconditionFailed) or a lost ETag (InvalidIfMatchVersion) is retried for
// up to a minute rather than overwriting someone else's update.
func UpdateDistribution(ctx context.Context, conn *cloudfront.Client, id string, mutate func(*awstypes.DistributionConfig)) (*cloudfront.UpdateDistributionOutput, error) {
	out, err := retry.WhenCode(ctx, etagRetryTimeout, func(ctx context.Context) (*cloudfront.UpdateDistributionOutput, error) {
		cur, err := FindDistributionConfigByID(ctx, conn, id)
		if err != nil {
			return nil, err
		}
		cfg := cur.DistributionConfig
		mutate(cfg)
		return conn.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(id), DistributionConfig: cfg, IfMatch: cur.ETag})
	}, errCodePreconditionFailed, errCodeInvalidIfMatchVersion)
	if errs.IsA[*awstypes.NoSuchDistribution](err) && !retry.NotFound(err) {
		err = &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("updating CloudFront Distribution (%s): %w", id, err)
	}
	return out, nil
}

// DisableDistribution turns a distribution off and waits until that is
// deployed. It works from the live config with a fresh ETag, disables at once
// even while an earlier rollout is in progress, and leaves a distribution
// already disabled and deployed alone.
func DisableDistribution(ctx context.Context, conn *cloudfront.Client, id string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	out, err := FindDistributionByID(ctx, conn, id)
	if err != nil {
		return fmt.Errorf("disabling CloudFront Distribution (%s): %w", id, err)
	}
	var began time.Time
	if aws.ToBool(out.Distribution.DistributionConfig.Enabled) {
		// CloudFront takes updates while a rollout is in progress, so the
		// disable need not wait for an earlier change (or a creation) to
		// finish rolling out: only the delete needs Deployed.
		if _, err := UpdateDistribution(ctx, conn, id, func(c *awstypes.DistributionConfig) { c.Enabled = aws.Bool(false) }); err != nil {
			return fmt.Errorf("disabling CloudFront Distribution (%s): %w", id, err)
		}
	} else if aws.ToString(out.Distribution.Status) == DistributionStatusDeployed {
		return nil
	} else {
		// The disable is rolling out already, since its last change.
		began = aws.ToTime(out.Distribution.LastModifiedTime)
	}
	if _, err := waitDeployed(ctx, conn, id, began, time.Until(deadline), nil); err != nil {
		return fmt.Errorf("disabling CloudFront Distribution (%s): %w", id, err)
	}
	return nil
}

// DeleteDistribution deletes a disabled distribution and waits until it is
// gone. Each attempt carries a freshly read ETag. DistributionNotDisabled
// (still enabled, or the disable still rolling out) disables it again and
// retries for up to 3 minutes; PreconditionFailed and InvalidIfMatchVersion
// are retried for a minute. A distribution that does not exist is success.
func DeleteDistribution(ctx context.Context, conn *cloudfront.Client, id string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	attempt := func(ctx context.Context) (struct{}, error) {
		cur, err := FindDistributionByID(ctx, conn, id)
		if err != nil {
			return struct{}{}, err
		}
		_, err = conn.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(id), IfMatch: cur.ETag})
		return struct{}{}, err
	}
	_, err := attempt(ctx)
	disabled := false
	for round := 0; err != nil && round < 4; round++ {
		switch {
		case errs.IsCode(err, errCodeDistributionNotDisabled) && !disabled:
			disabled = true
			if derr := DisableDistribution(ctx, conn, id, time.Until(deadline)); derr != nil && !retry.NotFound(derr) {
				return fmt.Errorf("deleting CloudFront Distribution (%s): %w", id, derr)
			}
			_, err = retry.WhenCode(ctx, min(notDisabledRetryTimeout, time.Until(deadline)), attempt, errCodeDistributionNotDisabled)
		case errs.IsCode(err, errCodePreconditionFailed, errCodeInvalidIfMatchVersion):
			_, err = retry.WhenCode(ctx, min(etagRetryTimeout, time.Until(deadline)), attempt, errCodePreconditionFailed, errCodeInvalidIfMatchVersion)
		default:
			round = 4
		}
	}
	if retry.NotFound(err) || errs.IsA[*awstypes.NoSuchDistribution](err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting CloudFront Distribution (%s): %w", id, err)
	}
	return WaitDistributionDeleted(ctx, conn, id, time.Until(deadline))
}

func tagItems(m map[string]string) []awstypes.Tag {
	return tags.Convert(m, func(k, v string) awstypes.Tag { return awstypes.Tag{Key: aws.String(k), Value: aws.String(v)} })
}
