package retry

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

// fakeTime makes waits instantaneous: sleeping advances a fake clock.
func fakeTime(ctx context.Context) (context.Context, *[]time.Duration) {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var slept []time.Duration
	ctx = WithClock(ctx, func() time.Time { return t })
	ctx = WithSleeper(ctx, func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		slept = append(slept, d)
		t = t.Add(d)
		return nil
	})
	return ctx, &slept
}

type thing struct{ state string }

func script(states ...string) Refresh[thing] {
	i := 0
	return func(context.Context) (*thing, string, error) {
		s := states[min(i, len(states)-1)]
		i++
		if s == "" {
			return nil, "", nil
		}
		return &thing{state: s}, s, nil
	}
}

func TestWaitReachesTargetWithBackoff(t *testing.T) {
	ctx, slept := fakeTime(context.Background())
	conf := StateChangeConf[thing]{Pending: []string{"InProgress"}, Target: []string{"Deployed"}, Timeout: time.Hour, MinPoll: time.Second, MaxPoll: 15 * time.Second,
		Refresh: script("InProgress", "InProgress", "InProgress", "InProgress", "InProgress", "InProgress", "Deployed")}
	res, err := conf.WaitForState(ctx)
	if err != nil || res.state != "Deployed" {
		t.Fatalf("res=%v err=%v", res, err)
	}
	want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 15 * time.Second}
	if len(*slept) != len(want) {
		t.Fatalf("slept %v", *slept)
	}
	for i := range want {
		if (*slept)[i] != want[i] {
			t.Fatalf("slept %v, want %v", *slept, want)
		}
	}
}

func TestWaitTimeoutKeepsLastState(t *testing.T) {
	ctx, _ := fakeTime(context.Background())
	conf := StateChangeConf[thing]{Pending: []string{"provisioning"}, Target: []string{"active"}, Timeout: time.Minute, Refresh: script("provisioning")}
	_, err := conf.WaitForState(ctx)
	var te *TimeoutError
	if !errors.As(err, &te) || te.LastState != "provisioning" || !TimedOut(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestWaitUnexpectedState(t *testing.T) {
	ctx, _ := fakeTime(context.Background())
	conf := StateChangeConf[thing]{Pending: []string{"provisioning"}, Target: []string{"active"}, Timeout: time.Minute, Refresh: script("provisioning", "failed")}
	_, err := conf.WaitForState(ctx)
	var ue *UnexpectedStateError
	if !errors.As(err, &ue) || ue.State != "failed" {
		t.Fatalf("err = %v", err)
	}
}

func TestWaitForGone(t *testing.T) {
	ctx, _ := fakeTime(context.Background())
	conf := StateChangeConf[thing]{Pending: []string{"deleting"}, Timeout: time.Minute, Refresh: script("deleting", "deleting", "")}
	res, err := conf.WaitForState(ctx)
	if err != nil || res != nil {
		t.Fatalf("res=%v err=%v", res, err)
	}
}

func TestWaitNotFoundChecks(t *testing.T) {
	ctx, _ := fakeTime(context.Background())
	// Eventual consistency: not visible twice, then there.
	conf := StateChangeConf[thing]{Pending: []string{"pending"}, Target: []string{"running"}, Timeout: time.Hour, NotFoundChecks: 3, Refresh: script("", "", "running")}
	if _, err := conf.WaitForState(ctx); err != nil {
		t.Fatal(err)
	}
	conf.Refresh = script("")
	_, err := conf.WaitForState(ctx)
	if !NotFound(err) {
		t.Fatalf("want NotFound, got %v", err)
	}
}

func TestWaitHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ctx, _ = fakeTime(ctx)
	cancel()
	conf := StateChangeConf[thing]{Pending: []string{"p"}, Target: []string{"t"}, Timeout: time.Hour, Refresh: script("p")}
	_, err := conf.WaitForState(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestWaitRealSleepHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	conf := StateChangeConf[thing]{Pending: []string{"p"}, Target: []string{"t"}, Timeout: time.Hour, MinPoll: time.Hour, Refresh: script("p")}
	start := time.Now()
	_, err := conf.WaitForState(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestPollCap(t *testing.T) {
	ctx, slept := fakeTime(context.Background())
	ctx = WithPollCap(ctx, 50*time.Millisecond)
	conf := StateChangeConf[thing]{Pending: []string{"p"}, Target: []string{"t"}, Timeout: time.Hour, Delay: 30 * time.Second, MinPoll: 15 * time.Second, Refresh: script("p", "p", "t")}
	if _, err := conf.WaitForState(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range *slept {
		if d > 50*time.Millisecond {
			t.Fatalf("slept %v despite the cap", *slept)
		}
	}
}

func TestWhenCode(t *testing.T) {
	ctx, _ := fakeTime(context.Background())
	calls := 0
	out, err := WhenCode(ctx, time.Minute, func(context.Context) (int, error) {
		calls++
		if calls < 3 {
			return 0, &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "Invalid IAM Instance Profile name"}
		}
		return 42, nil
	}, "InvalidParameterValue")
	if err != nil || out != 42 || calls != 3 {
		t.Fatalf("out=%d err=%v calls=%d", out, err, calls)
	}
	calls = 0
	_, err = WhenCode(ctx, time.Minute, func(context.Context) (int, error) {
		calls++
		return 0, &smithy.GenericAPIError{Code: "AccessDenied"}
	}, "InvalidParameterValue")
	if calls != 1 || err == nil {
		t.Fatalf("non-retryable error retried %d times", calls)
	}
	calls = 0
	_, err = WhenCode(ctx, time.Minute, func(context.Context) (int, error) {
		calls++
		return 0, &smithy.GenericAPIError{Code: "DependencyViolation"}
	}, "DependencyViolation")
	if err == nil || calls < 5 {
		t.Fatalf("expected retries until timeout, calls=%d err=%v", calls, err)
	}
}

func TestStatusOf(t *testing.T) {
	type thing struct{ state string }
	boom := errors.New("boom")
	for _, tc := range []struct {
		name      string
		v         *thing
		err       error
		wantState string
		wantObj   bool
		wantErr   error
	}{
		{"found", &thing{"available"}, nil, "available", true, nil},
		{"not found is gone", nil, &NotFoundError{Message: "no such thing"}, "", false, nil},
		{"wrapped not found is gone", nil, wrapFinding(&NotFoundError{}), "", false, nil},
		{"other errors stop the wait", nil, boom, "", false, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refresh := StatusOf(func(context.Context) (*thing, error) { return tc.v, tc.err }, func(v *thing) string { return v.state })
			obj, state, err := refresh(context.Background())
			if state != tc.wantState || (obj != nil) != tc.wantObj || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("refresh = %v, %q, %v", obj, state, err)
			}
		})
	}
}

func wrapFinding(err error) error { return errors.Join(errors.New("finding thing"), err) }

func TestSingleResult(t *testing.T) {
	if v, err := SingleResult([]string{"a"}, "thing (a)"); err != nil || *v != "a" {
		t.Fatalf("one: %v %v", v, err)
	}
	v, err := SingleResult([]string{}, "thing (b)")
	if v != nil || !NotFound(err) || err.Error() != "thing (b) not found (empty result)" {
		t.Fatalf("none: %v %v", v, err)
	}
	n, err := SingleResult([]int{1, 2}, "thing (c)")
	var tm *TooManyResultsError
	if n != nil || NotFound(err) || !errors.As(err, &tm) || tm.Count != 2 || err.Error() != "thing (c): 2 results, want 1" {
		t.Fatalf("two: %v %v", n, err)
	}
}
