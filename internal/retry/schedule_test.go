package retry

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// overshoot is how long after done the schedule's first poll at or after
// done comes.
func overshoot(s Schedule, done time.Duration) time.Duration {
	polls := s.Polls(done)
	return polls[len(polls)-1] - done
}

// Inside the band every change is seen within the tolerance, whatever its
// exact time: 2% of the time waited, or 2 s for changes under 100 s.
func TestScheduleBandKeepsTolerance(t *testing.T) {
	for _, s := range []Schedule{
		{Expected: time.Second},
		{Expected: 10 * time.Second},
		{Expected: 45 * time.Second},
		{Expected: 90 * time.Second, First: 20 * time.Second},
		{Expected: 3 * time.Minute, First: time.Minute},
		{Expected: 6 * time.Minute, First: time.Minute},
		{Expected: 15 * time.Minute, First: 2 * time.Minute},
		{Expected: 15 * time.Minute, Spread: 5 * time.Minute, First: 2 * time.Minute},
	} {
		from, to := s.Band()
		for done := max(from, 100*time.Millisecond); done <= to; done += 100 * time.Millisecond {
			if o := overshoot(s, done); o > Tolerance(done) {
				t.Fatalf("%+v: a change at %v is seen %v late, more than %v", s, done, o, Tolerance(done))
			}
		}
	}
}

// After the band polls thin out: never closer than the dense spacing, and
// a late change is seen within Late of the time waited.
func TestScheduleLate(t *testing.T) {
	s := Schedule{Expected: 15 * time.Minute, First: 2 * time.Minute}
	_, to := s.Band()
	for done := to; done < 3*s.Expected; done += time.Second {
		if o := overshoot(s, done); float64(o) > 0.05*float64(done)+float64(Tolerance(done)) {
			t.Fatalf("a change at %v is seen %v late", done, o)
		}
	}
	if d := s.Next(time.Hour); d != 3*time.Minute {
		t.Fatalf("interval after an hour: %v, want 5%% of it", d)
	}
	capped := Schedule{Expected: 15 * time.Minute, Max: 30 * time.Second}
	if d := capped.Next(time.Hour); d != 30*time.Second {
		t.Fatalf("capped interval: %v", d)
	}
}

// Before the band the polls are sparse: First, doubling, up to the band.
func TestScheduleSparseStart(t *testing.T) {
	s := Schedule{Expected: 15 * time.Minute, First: 2 * time.Minute}
	from, _ := s.Band()
	if d := s.Dense(); d < from || d >= from+s.Step() {
		t.Fatalf("dense polls begin at %v, want the first grid point in the band from %v", d, from)
	}
	polls := s.Polls(s.Dense())
	want := []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, s.Dense()}
	if len(polls) != len(want) {
		t.Fatalf("polls %v, want %v", polls, want)
	}
	for i := range want {
		if polls[i] != want[i] {
			t.Fatalf("polls %v, want %v", polls, want)
		}
	}
	// No sparse polls: the first poll is the band's start.
	if d := (Schedule{Expected: 90 * time.Second}).Next(0); d != 85500*time.Millisecond {
		t.Fatalf("first poll at %v", d)
	}
}

// The dense polls lie on a grid through the expected end: one poll comes
// at the expected end itself, and a poll that came a moment late (the
// call's own time) does not shift the grid.
func TestScheduleGridThroughExpectedEnd(t *testing.T) {
	for _, s := range []Schedule{
		{Expected: 15 * time.Minute, First: 2 * time.Minute},
		{Expected: 3 * time.Minute, First: time.Minute},
		{Expected: 90 * time.Second},
		{Expected: time.Second},
	} {
		polls := s.Polls(s.Expected)
		if last := polls[len(polls)-1]; last != s.Expected {
			t.Errorf("%+v: polls %v miss the expected end", s, polls)
		}
		late := s.Expected - s.Step() + 300*time.Millisecond // a poll 0.3 s after its grid point
		if next := late + s.Next(late); next != s.Expected {
			t.Errorf("%+v: after a poll at %v the next comes at %v, want %v", s, late, next, s.Expected)
		}
	}
}

// The point of a schedule: a CloudFront rollout of 15 minutes takes a
// handful of polls, not one every 15 s.
func TestScheduleFewPolls(t *testing.T) {
	for _, tc := range []struct {
		s    Schedule
		max  int
		done time.Duration
	}{
		{Schedule{Expected: 15 * time.Minute, First: 2 * time.Minute}, 9, 15 * time.Minute},
		{Schedule{Expected: 3 * time.Minute, First: time.Minute}, 8, 3 * time.Minute},
		{Schedule{Expected: 90 * time.Second}, 5, 90 * time.Second},
		{Schedule{Expected: time.Second}, 1, time.Second},
	} {
		if n := len(tc.s.Polls(tc.done)); n > tc.max {
			t.Errorf("%+v: %d polls for a change at %v, want at most %d", tc.s, n, tc.done, tc.max)
		}
	}
}

func TestWaitFollowsSchedule(t *testing.T) {
	ctx, slept := fakeTime(context.Background())
	s := &Schedule{Expected: 15 * time.Minute, First: 2 * time.Minute}
	conf := StateChangeConf[thing]{Pending: []string{"InProgress"}, Target: []string{"Deployed"}, Timeout: time.Hour, Schedule: s,
		Refresh: script("InProgress", "InProgress", "InProgress", "Deployed")}
	if _, err := conf.WaitForState(ctx); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{2 * time.Minute, 2 * time.Minute, 4 * time.Minute, s.Dense() - 8*time.Minute}
	if len(*slept) != len(want) {
		t.Fatalf("slept %v, want %v", *slept, want)
	}
	for i := range want {
		if (*slept)[i] != want[i] {
			t.Fatalf("slept %v, want %v", *slept, want)
		}
	}
}

// A wait resumed after the change began counts from when it began.
func TestWaitScheduleBegan(t *testing.T) {
	ctx, slept := fakeTime(context.Background())
	s := &Schedule{Expected: 3 * time.Minute}
	began := now(ctx).Add(-170 * time.Second)
	conf := StateChangeConf[thing]{Pending: []string{"provisioning"}, Target: []string{"active"}, Timeout: time.Hour, Schedule: s, Began: began,
		Refresh: script("active")}
	if _, err := conf.WaitForState(ctx); err != nil {
		t.Fatal(err)
	}
	if len(*slept) != 1 || (*slept)[0] != s.Dense()-170*time.Second {
		t.Fatalf("slept %v, want the %v left before the band", *slept, s.Dense()-170*time.Second)
	}
}

func TestSchedulePollCap(t *testing.T) {
	ctx, slept := fakeTime(context.Background())
	ctx = WithPollCap(ctx, 20*time.Millisecond)
	conf := StateChangeConf[thing]{Pending: []string{"p"}, Target: []string{"t"}, Timeout: time.Hour,
		Schedule: &Schedule{Expected: 15 * time.Minute, First: 2 * time.Minute}, Refresh: script("p", "p", "t")}
	if _, err := conf.WaitForState(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range *slept {
		if d > 20*time.Millisecond {
			t.Fatalf("slept %v despite the cap", *slept)
		}
	}
}

func TestScheduleImmediate(t *testing.T) {
	ctx, slept := fakeTime(context.Background())
	conf := StateChangeConf[thing]{Pending: []string{"booting"}, Target: []string{"done"}, Timeout: time.Hour,
		Schedule: &Schedule{Expected: 6 * time.Minute, First: time.Minute, Immediate: true}, Refresh: script("done")}
	if _, err := conf.WaitForState(ctx); err != nil {
		t.Fatal(err)
	}
	if len(*slept) != 0 {
		t.Fatalf("slept %v before a first poll that should come at once", *slept)
	}
}

// A dilated sleep lasts until the clock has advanced, however long it stood
// still meanwhile.
func TestDilatedSleepFollowsTheClock(t *testing.T) {
	var mu sync.Mutex
	virtual := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	started := make(chan struct{})
	var once sync.Once
	clock := func() time.Time {
		once.Do(func() { close(started) })
		mu.Lock()
		defer mu.Unlock()
		return virtual
	}
	ctx := WithDilatedTime(context.Background(), clock, 1000)
	done := make(chan error, 1)
	go func() { done <- sleep(ctx, 10*time.Second) }()
	<-started
	for i := 0; i < 9; i++ {
		mu.Lock()
		virtual = virtual.Add(time.Second)
		mu.Unlock()
		select {
		case err := <-done:
			t.Fatalf("woke after %d of 10 virtual seconds: %v", i+1, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	mu.Lock()
	virtual = virtual.Add(time.Second)
	mu.Unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("still asleep after the clock advanced 10 s")
	}
	if left, ok := TimeLeft(ctx); ok || left != 0 {
		t.Fatalf("no deadline, yet TimeLeft = %v %v", left, ok)
	}
	dl, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if left, ok := TimeLeft(dl); !ok || left < 500*time.Second || left > 1000*time.Second {
		t.Fatalf("a real second at speed 1000 leaves %v virtual", left)
	}
}

// A stop of the operation ends a sleep on a custom sleeper (a benchmark's
// clock that stands still) as it ends one on the real timer.
func TestStopEndsDilatedSleep(t *testing.T) {
	still := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	asleep := make(chan struct{})
	var once sync.Once
	clock := func() time.Time {
		once.Do(func() { close(asleep) }) // the sleeper reads the clock once it sleeps
		return still
	}
	ctx := WithDilatedTime(context.Background(), clock, 1000)
	ctx, stop, cancel := WithGrace(ctx, time.Minute, false)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- sleep(ctx, 10*time.Second) }()
	<-asleep
	stop()
	select {
	case err := <-done:
		if !errors.Is(err, ErrStopped) {
			t.Fatalf("a stopped sleep returned %v, want ErrStopped", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the stop did not end a sleep on a clock that stands still")
	}
	if ctx.Err() != nil {
		t.Fatalf("the stop cancelled the operation's context before its grace: %v", ctx.Err())
	}
}
