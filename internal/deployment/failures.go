package deployment

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// accessDeniedRetries is how often a teardown step that AWS refused retries
// before it reports the refusal. IAM is eventually consistent: a permission
// granted (or a role assumed) moments ago may not be effective everywhere
// yet (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency),
// but a permission that is missing does not come back on its own, so a few
// tries over about a quarter of a minute is the bound.
const accessDeniedRetries = 3

// stepBackoff paces a teardown step's own retries, above the SDK's.
var stepBackoff = retry.Backoff{Min: time.Second, Max: 15 * time.Second}

// persistent makes a teardown step ride out transient failures: throttling,
// 5xx answers, request timeouts and broken connections that outlasted the
// SDK's own retries (max_retries) are retried until the step's time is up,
// and an access denial accessDeniedRetries times. Every delete step treats
// "not found" as done, so running it again is safe.
func persistent(name string, run func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		denied := 0
		limit := 24 * time.Hour
		if dl, ok := ctx.Deadline(); ok {
			limit = time.Until(dl)
		}
		_, err := retry.Until(ctx, limit, stepBackoff, func(ctx context.Context) (struct{}, error) {
			return struct{}{}, run(ctx)
		}, func(err error) bool {
			again := errs.Transient(err) || (errs.AccessDenied(err) && denied < accessDeniedRetries)
			if errs.AccessDenied(err) {
				denied++
			}
			if again {
				tflog.SubsystemWarn(ctx, LogSubsystem, "retrying step", map[string]any{"step": name, "error": err.Error()})
			}
			return again
		})
		return err
	}
}

// verifyTimeout bounds the existence check after a failed or interrupted
// operation: it runs after Ctrl-C too, so it must be quick.
const verifyTimeout = 20 * time.Second

// verify reads back from AWS what is left of the deployment: objects the
// record misses but that carry the deployment's tags or names (a create
// answered too late to be recorded) are added, and those that no longer
// exist dropped. Should AWS not answer, the record stands as it is.
func (o *op) verify(ctx context.Context) *State {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout)
	defer cancel()
	if err := o.adoptUntracked(ctx, allParts); err != nil {
		tflog.SubsystemWarn(ctx, LogSubsystem, "could not look for untracked objects", map[string]any{"error": err.Error()})
	}
	if err := o.refresh(ctx); err != nil {
		tflog.SubsystemWarn(ctx, LogSubsystem, "could not check what is left", map[string]any{"error": err.Error()})
	}
	return o.rec.get()
}
