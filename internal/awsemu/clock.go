package awsemu

import (
	"sync"
	"time"
)

// Clock is the emulator's virtual time: real elapsed time multiplied by a
// speed factor, plus explicit advances. Lifecycles (instance boot, CloudFront
// rollout) are defined in realistic durations against it, so a speed of 600
// turns a 15-minute CloudFront deployment into 1.5 real seconds.
type Clock struct {
	mu       sync.Mutex
	base     time.Time // virtual time at realBase
	realBase time.Time
	speed    float64
}

func newClock(start time.Time, speed float64) *Clock {
	if speed <= 0 {
		speed = 1
	}
	return &Clock{base: start, realBase: time.Now(), speed: speed}
}

// Now returns the current virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *Clock) nowLocked() time.Time {
	elapsed := time.Since(c.realBase)
	return c.base.Add(time.Duration(float64(elapsed) * c.speed))
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
	c.realBase = time.Now()
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
