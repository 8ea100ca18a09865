package retry

import (
	"context"
	"time"
)

type ctxKey int

const (
	keySleeper ctxKey = iota
	keyPollCap
)

// Sleeper waits for d or until ctx is done.
type Sleeper func(ctx context.Context, d time.Duration) error

// WithSleeper makes every wait under ctx sleep through s: unit tests pass a
// fake that advances a fake clock instead of sleeping.
func WithSleeper(ctx context.Context, s Sleeper) context.Context {
	return context.WithValue(ctx, keySleeper, s)
}

// WithPollCap caps every poll interval under ctx; acceptance tests against a
// fast emulator use it so that a 15 s CloudFront poll becomes a short one.
func WithPollCap(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, keyPollCap, d)
}

func sleep(ctx context.Context, d time.Duration) error {
	if s, ok := ctx.Value(keySleeper).(Sleeper); ok {
		return s(ctx, d)
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func capPoll(ctx context.Context, d time.Duration) time.Duration {
	if c, ok := ctx.Value(keyPollCap).(time.Duration); ok && c > 0 && d > c {
		return c
	}
	return d
}

// Clock tells the waiters what time it is; tests with a fake sleeper use a
// matching fake clock.
type Clock func() time.Time

const keyClock ctxKey = 100

// WithClock replaces time.Now for waits under ctx.
func WithClock(ctx context.Context, c Clock) context.Context {
	return context.WithValue(ctx, keyClock, c)
}

func now(ctx context.Context) time.Time {
	if c, ok := ctx.Value(keyClock).(Clock); ok {
		return c()
	}
	return time.Now()
}
