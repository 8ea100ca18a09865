package retry

import (
	"context"
	"errors"
	"fmt"
	"sync"
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
	stopped := Stopped(ctx)
	select {
	case <-stopped:
		return ErrStopped
	default:
	}
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
	case <-stopped:
		return ErrStopped
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

const keyStop ctxKey = 101

// stopper is a stop signal that reaches every context derived from the one
// that carries it: waits end as soon as it fires, while requests already in
// flight keep their context until the grace period ends.
type stopper struct {
	once sync.Once
	ch   chan struct{}
}

func (s *stopper) stop() { s.once.Do(func() { close(s.ch) }) }

// ErrStopped is what a wait returns when the operation was asked to stop
// (Ctrl-C, or a sibling step's failure); it is a context.Canceled.
var ErrStopped = fmt.Errorf("%w: the operation was interrupted", context.Canceled)

// Stopped returns a channel that is closed once the operation under ctx was
// asked to stop; nil (never closed) when nothing can stop it.
func Stopped(ctx context.Context) <-chan struct{} {
	if s, ok := ctx.Value(keyStop).(*stopper); ok {
		return s.ch
	}
	return nil
}

// WithGrace returns a context for an operation that is asked to stop
// gently: the stop function, the cancellation of parent, or a stop of an
// operation it belongs to, ends every wait under ctx at once, and grace
// later cancels ctx itself, so that an AWS request in flight can still
// return and its result be recorded. parent's deadline carries over and
// ends ctx at once: a timeout is not an interruption. With detach false,
// ctx stays a child of parent, so parent's cancellation cancels it at once
// (a step graph inside an operation that has its own grace). cancel
// releases the resources; call it when the operation ends.
func WithGrace(parent context.Context, grace time.Duration, detach bool) (ctx context.Context, stop func(), cancel context.CancelFunc) {
	base := parent
	cancelDL := context.CancelFunc(func() {})
	if detach {
		base = context.WithoutCancel(parent)
		if dl, ok := parent.Deadline(); ok {
			base, cancelDL = context.WithDeadline(base, dl)
		}
	}
	inner, cancelInner := context.WithCancel(base)
	s := &stopper{ch: make(chan struct{})}
	var mu sync.Mutex
	var timer *time.Timer
	stop = func() {
		s.stop()
		mu.Lock()
		defer mu.Unlock()
		if timer == nil {
			timer = time.AfterFunc(grace, cancelInner)
		}
	}
	done := make(chan struct{})
	parentStop := Stopped(parent)
	go func() {
		select {
		case <-parent.Done():
			if detach && !errors.Is(parent.Err(), context.DeadlineExceeded) {
				stop()
			} else {
				cancelInner()
			}
		case <-parentStop:
			stop()
		case <-done:
		}
	}()
	var once sync.Once
	cancel = func() {
		once.Do(func() {
			close(done)
			mu.Lock()
			if timer != nil {
				timer.Stop()
			}
			mu.Unlock()
			cancelInner()
			cancelDL()
		})
	}
	return context.WithValue(inner, keyStop, s), stop, cancel
}

// Sleep waits d (capped by the context's poll cap), or less if ctx ends or
// the operation is stopped.
func Sleep(ctx context.Context, d time.Duration) error {
	return sleep(ctx, capPoll(ctx, d))
}
