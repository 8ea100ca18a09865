package retry

import "time"

// The precision every scheduled wait keeps: the poll that sees a change
// comes at most OvershootRel of the time waited after it, and at most
// OvershootMin after it for waits shorter than OvershootMin/OvershootRel
// (100 s).
const (
	OvershootRel = 0.02
	OvershootMin = 2 * time.Second
)

// pollMargin keeps dense polls inside the tolerance despite the time a poll
// itself takes (the call's round trip, scheduling): dense polls come every
// three quarters of the tolerance.
const pollMargin = 0.75

// Tolerance is the overshoot a wait that has lasted elapsed may have: 2% of
// it, and never less than 2 s.
func Tolerance(elapsed time.Duration) time.Duration {
	return max(OvershootMin, time.Duration(OvershootRel*float64(elapsed)))
}

// Schedule spaces the polls of a wait whose typical duration is known, so
// that a change is seen promptly with few calls: sparse polls early (a
// CloudFront rollout that takes a quarter of an hour needs no poll every
// 15 s from the start), polls within the tolerance of each other in a band
// around the expected end, on a grid that puts one poll at the expected end
// itself, and polls that thin out again when the change is late.
//
// Every duration counts from when the change began (usually when the wait
// started).
type Schedule struct {
	// Expected is how long the change typically takes on AWS.
	Expected time.Duration
	// Spread is the half-width of the band around Expected in which polls
	// are dense; zero means 5% of Expected and at least 3 s.
	Spread time.Duration
	// First is the first of the sparse polls before the band, which double
	// from there (First, 2·First, 4·First, ...) until the band begins; they
	// notice early finishes and failures. Zero means no poll before the
	// band.
	First time.Duration
	// Late is how far apart polls are after the band, as a fraction of the
	// time waited (zero means 5%), and never closer than the tolerance.
	Late float64
	// Max caps every interval; zero means no cap.
	Max time.Duration
	// Immediate makes the first poll come at once, for a wait on a change
	// that may have completed already (an instance that booted in an
	// earlier run); the schedule goes on from there.
	Immediate bool
}

// Band is the interval in which polls are dense.
func (s Schedule) Band() (from, to time.Duration) {
	spread := s.Spread
	if spread <= 0 {
		spread = max(s.Expected/20, 3*time.Second)
	}
	return s.Expected - spread, s.Expected + spread
}

// Step is the spacing of the dense polls: within the tolerance at the
// band's start, with a margin for the time a poll takes.
func (s Schedule) Step() time.Duration {
	from, _ := s.Band()
	return time.Duration(pollMargin * float64(Tolerance(max(from, 0))))
}

// grid returns the first dense poll time after t: the expected end plus a
// whole number of steps. A poll that came a moment after its grid point (the
// call's own time) counts as that point's.
func (s Schedule) grid(t time.Duration) time.Duration {
	step := s.Step()
	k := int64((t + step/10 - s.Expected) / step)
	g := s.Expected + time.Duration(k)*step
	for g <= t+step/10 {
		g += step
	}
	for g-step > t+step/10 {
		g -= step
	}
	return g
}

// Dense is when the dense polls begin: the band's first grid point.
func (s Schedule) Dense() time.Duration {
	from, _ := s.Band()
	return s.grid(from - time.Nanosecond - s.Step()/10)
}

// Next is how long to wait for the next poll when the change began elapsed
// ago (and the last poll, if any, was just made).
func (s Schedule) Next(elapsed time.Duration) time.Duration {
	_, to := s.Band()
	start := s.Dense()
	var d time.Duration
	switch {
	case elapsed < start-s.Step()/10:
		next := start
		if s.First > 0 {
			sparse := s.First
			for sparse <= elapsed {
				sparse *= 2
			}
			next = min(sparse, start)
		}
		d = next - elapsed
	case elapsed < to:
		d = s.grid(elapsed) - elapsed
	default:
		late := s.Late
		if late <= 0 {
			late = 0.05
		}
		d = max(time.Duration(pollMargin*float64(Tolerance(elapsed))), time.Duration(late*float64(elapsed)))
	}
	if s.Max > 0 && d > s.Max {
		d = s.Max
	}
	return max(d, time.Millisecond)
}

// Polls returns the poll times (counted from when the change began) the
// schedule makes until it sees a change at done, the first of them at or
// after done included; for documentation and tests.
func (s Schedule) Polls(done time.Duration) []time.Duration {
	var out []time.Duration
	t := time.Duration(0)
	for {
		t += s.Next(t)
		out = append(out, t)
		if t >= done || len(out) > 10000 {
			return out
		}
	}
}
