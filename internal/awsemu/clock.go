package awsemu

import (
	"context"
	"sync"
	"time"
)

// Clock is the emulator's virtual time: real elapsed time multiplied by a
// speed factor, plus explicit advances. Lifecycles (instance boot, CloudFront
// rollout) are defined in realistic durations against it, so a speed of 600
// turns a 15-minute CloudFront deployment into 1.5 real seconds.
//
// For benchmarks the clock can also stand still: while held (Hold), and at
// the wake-up time of a client sleeping on it (Sleep) until that client has
// woken, so that neither the emulator's processing nor a late wake-up on a
// busy machine counts as virtual time.
type Clock struct {
	mu       sync.Mutex
	base     time.Time // virtual time at realBase
	realBase time.Time
	speed    float64
	holds    int // while positive the clock stands still at base
	// wakers are the wake-up times of the clients sleeping on the clock.
	wakers    map[int]time.Time
	nextWaker int
}

func newClock(start time.Time, speed float64) *Clock {
	if speed <= 0 {
		speed = 1
	}
	return &Clock{base: start, realBase: time.Now(), speed: speed, wakers: map[int]time.Time{}}
}

// Now returns the current virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	if c.holds > 0 {
		return c.base
	}
	t := c.base.Add(time.Duration(float64(time.Since(c.realBase)) * c.speed))
	// A sleeper due: the clock waits for it at its wake-up time.
	capped := t
	for _, w := range c.wakers {
		if !w.Before(c.base) && w.Before(capped) {
			capped = w
		}
	}
	if capped.Before(t) {
		c.base, c.realBase = capped, time.Now()
	}
	return capped
}

// Hold stops the clock until the returned release is called; holds nest,
// and the clock goes on from where it stood once the last is released.
// Benchmarks hold it while the emulator serves a request, so that the
// emulator's own processing (and the machine's load) is not counted as
// time.
func (c *Clock) Hold() (release func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holds == 0 {
		c.base = c.nowLocked()
	}
	c.holds++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.holds--
			if c.holds == 0 {
				c.realBase = time.Now()
			}
		})
	}
}

// Sleep waits until d of virtual time has passed, or ctx is done. The clock
// does not pass the wake-up time until the sleeper has woken.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	target := c.nowLocked().Add(d)
	id := c.nextWaker
	c.nextWaker++
	c.wakers[id] = target
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.nowLocked() // settle at the wake-up time before going on from it
		delete(c.wakers, id)
	}()
	for {
		c.mu.Lock()
		left, speed := target.Sub(c.nowLocked()), c.speed
		c.mu.Unlock()
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
}

// Speed returns the speed factor.
func (c *Clock) Speed() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.speed
}

// SetSpeed changes the speed factor from now on.
func (c *Clock) SetSpeed(speed float64) {
	if speed <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base = c.nowLocked()
	if c.holds == 0 {
		c.realBase = time.Now()
	}
	c.speed = speed
}

// Advance jumps virtual time forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base = c.base.Add(d)
}

// RealDuration converts a virtual duration into wall time at the current speed.
func (c *Clock) RealDuration(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.Speed())
}

// Phase is one step of a Timeline: State holds from At on.
type Phase struct {
	State string
	At    time.Time
}

// Timeline is a resource's lifecycle evaluated lazily against the clock: no
// timers run, the state is computed from the virtual time of each request.
type Timeline struct {
	phases []Phase
}

// NewTimeline starts in state at now.
func NewTimeline(state string, now time.Time) Timeline {
	return Timeline{phases: []Phase{{State: state, At: now}}}
}

// State returns the state at time now.
func (t *Timeline) State(now time.Time) string {
	s := ""
	for _, p := range t.phases {
		if p.At.After(now) {
			break
		}
		s = p.State
	}
	return s
}

// Since returns when the state current at now began.
func (t *Timeline) Since(now time.Time) time.Time {
	var at time.Time
	for _, p := range t.phases {
		if p.At.After(now) {
			break
		}
		at = p.At
	}
	return at
}

// Then schedules state to begin after d from the last scheduled phase.
// A negative d means never: the timeline stays in its last state.
func (t *Timeline) Then(state string, d time.Duration) *Timeline {
	if d < 0 {
		return t
	}
	last := t.phases[len(t.phases)-1].At
	t.phases = append(t.phases, Phase{State: state, At: last.Add(d)})
	return t
}

// Reset drops every phase after now and continues in state from now.
func (t *Timeline) Reset(state string, now time.Time) *Timeline {
	kept := t.phases[:0]
	for _, p := range t.phases {
		if !p.At.After(now) {
			kept = append(kept, p)
		}
	}
	t.phases = append(kept, Phase{State: state, At: now})
	return t
}

// Final returns the last scheduled state and when it begins.
func (t *Timeline) Final() Phase { return t.phases[len(t.phases)-1] }
