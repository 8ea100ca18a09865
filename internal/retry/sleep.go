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
	stopped := Stopped(ctx)
	select {
	case <-stopped:
		return ErrStopped
	default:
	}
	if s, ok := ctx.Value(keySleeper).(Sleeper); ok {
		return sleepOn(ctx, stopped, s, d)
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

// sleepOn sleeps through a custom sleeper (a test's fake, a benchmark's
// virtual clock), which only knows about ctx: a stop of the operation
// cancels the context it sleeps on, so that the wait ends as the real timer's
// would.
func sleepOn(ctx context.Context, stopped <-chan struct{}, s Sleeper, d time.Duration) error {
	if stopped == nil {
		return s(ctx, d)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-stopped:
			cancel()
		case <-sctx.Done():
		}
	}()
	err := s(sctx, d)
	if ctx.Err() == nil {
		select {
		case <-stopped:
			return ErrStopped
		default:
		}
	}
	return err
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
