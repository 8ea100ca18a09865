package retry

import (
	"context"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
)

// Backoff is the schedule for Until: it starts at Min and doubles to Max.
type Backoff struct {
	Min, Max time.Duration
}

// DefaultBackoff suits eventual-consistency retries (IAM propagation, ENIs
// releasing): quick at first, then every 5 s.
var DefaultBackoff = Backoff{Min: 250 * time.Millisecond, Max: 5 * time.Second}

// Until calls fn until it succeeds, returns an error retryable rejects, or
// timeout passes; it then returns fn's last error.
func Until[T any](ctx context.Context, timeout time.Duration, b Backoff, fn func(context.Context) (T, error), retryable func(error) bool) (T, error) {
	if b.Min <= 0 {
		b = DefaultBackoff
	}
	deadline := now(ctx).Add(timeout)
	interval := b.Min
	for {
		out, err := fn(ctx)
		if err == nil || !retryable(err) {
			return out, err
		}
		if !now(ctx).Before(deadline) {
			return out, err
		}
		wait := capPoll(ctx, interval)
		if remaining := deadline.Sub(now(ctx)); wait > remaining {
			wait = remaining
		}
		if serr := sleep(ctx, wait); serr != nil {
			return out, err
		}
		interval *= 2
		if interval > b.Max {
			interval = b.Max
		}
	}
}

// WhenCode retries fn while it fails with one of the AWS error codes.
func WhenCode[T any](ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error), codes ...string) (T, error) {
	return Until(ctx, timeout, DefaultBackoff, fn, func(err error) bool { return errs.IsCode(err, codes...) })
}

// WhenIsA retries fn while it fails with an error of type E.
func WhenIsA[E error, T any](ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	return Until(ctx, timeout, DefaultBackoff, fn, func(err error) bool { return errs.IsA[E](err) })
}
