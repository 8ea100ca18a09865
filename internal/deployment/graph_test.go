package deployment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

type recordingObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *recordingObserver) started(n string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, "start "+n)
}

func (o *recordingObserver) finished(n string, _ time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := "done " + n
	if err != nil {
		s = "fail " + n
	}
	o.events = append(o.events, s)
}

func (o *recordingObserver) index(e string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Index(o.events, e)
}

func TestGraphRespectsDependencies(t *testing.T) {
	g := newGraph()
	noop := func(context.Context) error { return nil }
	g.add(&step{name: "network", run: noop})
	g.add(&step{name: "sg", deps: []string{"network"}, run: noop})
	g.add(&step{name: "efs", run: noop})
	g.add(&step{name: "iam", run: noop})
	g.add(&step{name: "instance", deps: []string{"sg", "efs", "iam"}, run: noop})
	obs := &recordingObserver{}
	done, err := g.execute(context.Background(), obs)
	if err != nil || len(done) != 5 {
		t.Fatalf("done=%v err=%v", done, err)
	}
	for _, pair := range [][2]string{{"done network", "start sg"}, {"done sg", "start instance"}, {"done efs", "start instance"}, {"done iam", "start instance"}} {
		if obs.index(pair[0]) > obs.index(pair[1]) {
			t.Fatalf("%s after %s: %v", pair[0], pair[1], obs.events)
		}
	}
}

func TestGraphRunsIndependentStepsConcurrently(t *testing.T) {
	g := newGraph()
	// Each of three independent steps waits until all three have started:
	// this only finishes if they run at the same time.
	var wg sync.WaitGroup
	wg.Add(3)
	for _, n := range []string{"efs", "iam", "alb-sg"} {
		g.add(&step{name: n, run: func(ctx context.Context) error {
			wg.Done()
			ch := make(chan struct{})
			go func() { wg.Wait(); close(ch) }()
			select {
			case <-ch:
				return nil
			case <-time.After(5 * time.Second):
				return errors.New("steps did not overlap")
			}
		}})
	}
	if _, err := g.execute(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestGraphFirstFailureCancelsAndSkips(t *testing.T) {
	g := newGraph()
	var slowCancelled bool
	g.add(&step{name: "a", run: func(context.Context) error { return errors.New("boom") }})
	g.add(&step{name: "slow", run: func(ctx context.Context) error {
		// A wait: it ends as soon as the graph stops.
		select {
		case <-retry.Stopped(ctx):
			slowCancelled = true
			return retry.ErrStopped
		case <-time.After(5 * time.Second):
			return nil
		}
	}})
	ran := false
	g.add(&step{name: "after-a", deps: []string{"a"}, run: func(context.Context) error { ran = true; return nil }})
	done, err := g.execute(context.Background(), nil)
	var se *StepError
	if !errors.As(err, &se) || se.Step != "a" || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v", err)
	}
	if ran || !slowCancelled || len(done) != 0 {
		t.Fatalf("ran=%v slowCancelled=%v done=%v", ran, slowCancelled, done)
	}
	if strings.Contains(err.Error(), "slow") {
		t.Fatalf("a cancellation was reported as a failure: %v", err)
	}
}

func TestGraphReportsCompletedSteps(t *testing.T) {
	g := newGraph()
	g.add(&step{name: "vpc", run: func(context.Context) error { return nil }})
	g.add(&step{name: "instance", deps: []string{"vpc"}, run: func(context.Context) error { return fmt.Errorf("capacity") }})
	done, err := g.execute(context.Background(), nil)
	if err == nil || !slices.Equal(done, []string{"vpc"}) {
		t.Fatalf("done=%v err=%v", done, err)
	}
}

func TestGraphValidation(t *testing.T) {
	g := newGraph()
	g.add(&step{name: "a", deps: []string{"b"}, run: func(context.Context) error { return nil }})
	g.add(&step{name: "b", deps: []string{"a"}, run: func(context.Context) error { return nil }})
	if _, err := g.execute(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("err = %v", err)
	}
	g2 := newGraph()
	g2.add(&step{name: "a", deps: []string{"missing"}, run: func(context.Context) error { return nil }})
	if err := g2.validate(); err == nil || !strings.Contains(err.Error(), "unknown step") {
		t.Fatalf("err = %v", err)
	}
}

func TestGraphParentCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	g := newGraph()
	g.add(&step{name: "wait", run: func(ctx context.Context) error { cancel(); <-ctx.Done(); return ctx.Err() }})
	_, err := g.execute(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// A request in flight when a sibling fails is not cut off: it returns within
// the grace and its step completes (so what it made is recorded).
func TestGraphFailureLetsRequestsInFlightFinish(t *testing.T) {
	g := newGraph()
	release := make(chan struct{})
	g.add(&step{name: "a", run: func(context.Context) error { defer close(release); return errors.New("boom") }})
	g.add(&step{name: "request", run: func(ctx context.Context) error {
		<-release
		select {
		case <-ctx.Done(): // the request's context
			return ctx.Err()
		case <-time.After(50 * time.Millisecond): // the answer arrives
			return nil
		}
	}})
	done, err := g.execute(context.Background(), nil)
	if err == nil || !slices.Equal(done, []string{"request"}) {
		t.Fatalf("done=%v err=%v", done, err)
	}
}

// keepGoing runs every branch that does not depend on the failed step, and
// reports every failure.
func TestGraphKeepGoing(t *testing.T) {
	g := newGraph()
	g.keepGoing = true
	var mu sync.Mutex
	var ran []string
	mark := func(n string, err error) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			ran = append(ran, n)
			mu.Unlock()
			return err
		}
	}
	g.add(&step{name: "lb", run: mark("lb", errors.New("AccessDenied"))})
	g.add(&step{name: "tg", deps: []string{"lb"}, run: mark("tg", nil)})
	g.add(&step{name: "instance", run: mark("instance", nil)})
	g.add(&step{name: "iam", deps: []string{"instance"}, run: mark("iam", nil)})
	g.add(&step{name: "mounts", run: mark("mounts", errors.New("throttled"))})
	g.add(&step{name: "network", deps: []string{"lb", "instance", "mounts"}, run: mark("network", nil)})
	done, err := g.execute(context.Background(), nil)
	sort.Strings(done)
	if !slices.Equal(done, []string{"iam", "instance"}) {
		t.Fatalf("done = %v (ran %v)", done, ran)
	}
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") || !strings.Contains(err.Error(), "throttled") {
		t.Fatalf("err = %v", err)
	}
	for _, n := range ran {
		if n == "tg" || n == "network" {
			t.Fatalf("%s ran although a step it depends on failed", n)
		}
	}
}

// A stop from the operation (Ctrl-C) ends the graph's waits at once and is
// reported as an interruption.
func TestGraphStopsOnOperationStop(t *testing.T) {
	ctx, stop, cancel := retry.WithGrace(context.Background(), time.Minute, true)
	defer cancel()
	g := newGraph()
	g.add(&step{name: "wait", run: func(ctx context.Context) error {
		stop()
		select {
		case <-retry.Stopped(ctx):
			return retry.ErrStopped
		case <-time.After(5 * time.Second):
			return nil
		}
	}})
	g.add(&step{name: "next", deps: []string{"wait"}, run: func(context.Context) error { return nil }})
	_, err := g.execute(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
