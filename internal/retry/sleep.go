package retry

import (
	"context"
	"time"
)

type ctxKey int

const (
	keySleeper ctxKey = iota
	keyPollCap
	keySpeed
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

// Now is the time on the clock the waits under ctx use: the real time, or a
// test's or benchmark's clock.
func Now(ctx context.Context) time.Time { return now(ctx) }

func now(ctx context.Context) time.Time {
	if c, ok := ctx.Value(keyClock).(Clock); ok {
		return c()
	}
	return time.Now()
}

// WithDilatedTime runs every wait under ctx on a clock that goes about speed
// times faster than real time, such as an emulator's virtual clock (clock
// tells its time; it may also stand still for a while): a 15 s poll
// interval lasts until that clock has advanced 15 s, about 15/speed s of
// real time. Benchmarks use it to run the real poll schedules against an
// emulator's realistic lifecycles.
func WithDilatedTime(ctx context.Context, clock Clock, speed float64) context.Context {
	if speed <= 0 {
		speed = 1
	}
	ctx = WithClock(ctx, clock)
	ctx = context.WithValue(ctx, keySpeed, speed)
	return WithSleeper(ctx, func(ctx context.Context, d time.Duration) error {
		target := clock().Add(d)
		for {
			left := target.Sub(clock())
			if left <= 0 {
				return ctx.Err()
			}
			t := time.NewTimer(max(time.Duration(float64(left)/speed), 100*time.Microsecond))
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
	})
}

// WithVirtualTime runs every wait under ctx on a virtual clock: now tells
// its time, sleep sleeps on it, and it goes about speed times faster than
// real time (for TimeLeft). An emulator's clock, which can wait for a
// sleeper slow to wake, makes benchmarks independent of the machine's load.
func WithVirtualTime(ctx context.Context, now Clock, sleep Sleeper, speed float64) context.Context {
	if speed <= 0 {
		speed = 1
	}
	ctx = WithClock(ctx, now)
	ctx = context.WithValue(ctx, keySpeed, speed)
	return WithSleeper(ctx, sleep)
}

// TimeLeft is how much time the waits under ctx have before its deadline, on
// their clock (a dilated clock runs faster than the real deadline
// approaches); ok is false without a deadline.
func TimeLeft(ctx context.Context) (left time.Duration, ok bool) {
	dl, ok := ctx.Deadline()
	if !ok {
		return 0, false
	}
	left = time.Until(dl)
	if speed, dilated := ctx.Value(keySpeed).(float64); dilated {
		left = time.Duration(float64(left) * speed)
	}
	return left, true
}
