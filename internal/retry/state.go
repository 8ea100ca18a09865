package retry

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Refresh reads the resource. It returns a nil result and no error when the
// resource does not exist, and the resource's current state otherwise.
type Refresh[T any] func(ctx context.Context) (*T, string, error)

// StatusOf builds a Refresh from a finder: "not found" means gone (no object,
// empty state, no error), other errors stop the wait, and a found object's
// state is what state reads from it.
func StatusOf[T any](find func(context.Context) (*T, error), state func(*T) string) Refresh[T] {
	return func(ctx context.Context) (*T, string, error) {
		v, err := find(ctx)
		if NotFound(err) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return v, state(v), nil
	}
}

// StateChangeConf describes a wait: poll Refresh until the state is in
// Target, failing on a state outside Pending and Target.
type StateChangeConf[T any] struct {
	Pending []string
	// Target states. Empty means "wait until the resource is gone".
	Target  []string
	Refresh Refresh[T]
	Timeout time.Duration
	// Delay before the first poll.
	Delay time.Duration
	// MinPoll is the first interval between polls (default 200 ms); it
	// doubles up to MaxPoll (default 10 s), so waits start fast and settle.
	MinPoll time.Duration
	MaxPoll time.Duration
	// NotFoundChecks is how many consecutive "not found" answers are
	// tolerated while waiting for a target state (default 20): a resource
	// just created may not be visible yet.
	NotFoundChecks int
	// ContinuousTargetOccurence is how many consecutive polls must see a
	// target state (default 1).
	ContinuousTargetOccurence int
	// OnPoll, when set, is called after each poll with the state seen.
	OnPoll func(state string, elapsed time.Duration)
	// Schedule, when set, spaces the polls by what is known about the
	// change (see Schedule) instead of Delay, MinPoll and MaxPoll.
	Schedule *Schedule
	// Began is when the change began, when that was before the wait (a wait
	// resumed by a later run); the Schedule counts from it.
	Began time.Time
}

// WaitForState polls until a target state, the timeout or ctx cancellation.
func (c *StateChangeConf[T]) WaitForState(ctx context.Context) (*T, error) {
	minPoll, maxPoll, notFoundChecks, occurrences := c.limits()
	start := now(ctx)
	deadline := start.Add(c.Timeout)
	origin := start
	if !c.Began.IsZero() && c.Began.Before(start) {
		origin = c.Began
	}
	var first time.Duration
	if c.Schedule != nil {
		if !c.Schedule.Immediate {
			first = c.Schedule.Next(start.Sub(origin))
		}
	} else {
		first = c.Delay
	}
	if first > 0 {
		if c.Timeout > 0 {
			first = min(first, c.Timeout)
		}
		if err := sleep(ctx, capPoll(ctx, first)); err != nil {
			return nil, err
		}
	}
	interval := minPoll
	var notFound, seen int
	for {
		res, state, err := c.Refresh(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return res, err
		}
		if c.OnPoll != nil {
			c.OnPoll(state, now(ctx).Sub(start))
		}
		switch {
		case res == nil:
			if len(c.Target) == 0 {
				return nil, nil
			}
			notFound++
			seen = 0
			if notFound > notFoundChecks {
				return nil, &NotFoundError{Message: "resource not found while waiting for state " + joinStates(c.Target)}
			}
		case slices.Contains(c.Target, state):
			notFound = 0
			seen++
			if seen >= occurrences {
				return res, nil
			}
		case slices.Contains(c.Pending, state):
			notFound, seen = 0, 0
		default:
			return res, &UnexpectedStateError{State: state, ExpectedState: c.Target}
		}
		if !now(ctx).Before(deadline) {
			return res, &TimeoutError{LastState: state, ExpectedState: c.Target, Timeout: c.Timeout}
		}
		next := interval
		if c.Schedule != nil {
			next = c.Schedule.Next(now(ctx).Sub(origin))
		}
		wait := min(capPoll(ctx, next), deadline.Sub(now(ctx)))
		if err := sleep(ctx, wait); err != nil {
			return res, err
		}
		interval = min(interval*2, maxPoll)
	}
}

// limits returns the poll bounds and counts with their defaults filled in.
func (c *StateChangeConf[T]) limits() (minPoll, maxPoll time.Duration, notFoundChecks, occurrences int) {
	minPoll, maxPoll, notFoundChecks, occurrences = c.MinPoll, c.MaxPoll, c.NotFoundChecks, c.ContinuousTargetOccurence
	if minPoll <= 0 {
		minPoll = 200 * time.Millisecond
	}
	if maxPoll <= 0 {
		maxPoll = 10 * time.Second
	}
	if notFoundChecks <= 0 {
		notFoundChecks = 20
	}
	if occurrences <= 0 {
		occurrences = 1
	}
	return minPoll, maxPoll, notFoundChecks, occurrences
}

func joinStates(s []string) string {
	if len(s) == 0 {
		return "(gone)"
	}
	return strings.Join(s, ", ")
}
