package deployment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// step is one node of a deployment graph: it runs once every step it depends
// on has succeeded.
type step struct {
	name string
	deps []string
	// typical is how long the step usually takes on AWS, for progress
	// estimates; zero when unknown.
	typical time.Duration
	run     func(ctx context.Context) error
}

// graph runs steps concurrently in dependency order.
type graph struct {
	steps map[string]*step
	order []string
	// keepGoing lets every step whose dependencies succeeded run after
	// another step failed: a teardown deletes what it can on every
	// independent branch. Otherwise the first failure stops the graph.
	keepGoing bool
}

// stepGrace is how long a step's AWS request in flight may still take once
// the graph was asked to stop (a failure, or Ctrl-C): its result is recorded
// so that nothing it made goes unnoticed. Waits end at once.
const stepGrace = 5 * time.Second

func newGraph() *graph { return &graph{steps: map[string]*step{}} }

func (g *graph) add(s *step) {
	if _, dup := g.steps[s.name]; dup {
		panic("deployment: duplicate step " + s.name)
	}
	g.steps[s.name] = s
	g.order = append(g.order, s.name)
}

// has reports whether the graph contains a step.
func (g *graph) has(name string) bool { _, ok := g.steps[name]; return ok }

// validate rejects unknown dependencies and cycles.
func (g *graph) validate() error {
	for _, n := range g.order {
		for _, d := range g.steps[n].deps {
			if _, ok := g.steps[d]; !ok {
				return fmt.Errorf("step %q depends on unknown step %q", n, d)
			}
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case visiting:
			return fmt.Errorf("dependency cycle: %v", append(path, n))
		case done:
			return nil
		}
		state[n] = visiting
		for _, d := range g.steps[n].deps {
			if err := visit(d, append(path, n)); err != nil {
				return err
			}
		}
		state[n] = done
		return nil
	}
	for _, n := range g.order {
		if err := visit(n, nil); err != nil {
			return err
		}
	}
	return nil
}

// observer hears about step progress (logging, tests).
type observer interface {
	started(name string)
	finished(name string, elapsed time.Duration, err error)
}

// StepError is the failure of one step.
type StepError struct {
	Step string
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %s: %v", e.Step, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// dependencies counts each step's unfinished dependencies (pending) and
// lists the steps waiting on each step (dependents), for execute.
func (g *graph) dependencies() (pending map[string]int, dependents map[string][]string) {
	pending = map[string]int{}
	dependents = map[string][]string{}
	for _, n := range g.order {
		pending[n] = len(g.steps[n].deps)
		for _, d := range g.steps[n].deps {
			dependents[d] = append(dependents[d], n)
		}
	}
	return pending, dependents
}

// execute runs the graph. Steps start as soon as their dependencies succeed.
// The first failure stops the steps still running (their waits end at once,
// a request in flight gets stepGrace to return) and no new step starts;
// with keepGoing, the steps that do not depend on a failed one carry on.
// It returns the first failure (as *StepError) joined with any others that
// were not mere cancellations, and the names of the steps that completed.
func (g *graph) execute(ctx context.Context, obs observer) (completed []string, err error) {
	if err := g.validate(); err != nil {
		return nil, err
	}
	ctx, stop, cancel := retry.WithGrace(ctx, stepGrace, false)
	defer cancel()

	type result struct {
		name    string
		elapsed time.Duration
		err     error
	}
	results := make(chan result)
	pending, dependents := g.dependencies()
	running := 0
	start := func(n string) {
		running++
		if obs != nil {
			obs.started(n)
		}
		go func() {
			t0 := time.Now()
			e := g.steps[n].run(ctx)
			results <- result{name: n, elapsed: time.Since(t0), err: e}
		}()
	}
	for _, n := range g.order {
		if pending[n] == 0 {
			start(n)
		}
	}
	var first *StepError
	var others []error
	for running > 0 {
		r := <-results
		running--
		if obs != nil {
			obs.finished(r.name, r.elapsed, r.err)
		}
		if r.err != nil {
			switch {
			case first == nil:
				first = &StepError{Step: r.name, Err: r.err}
				if !g.keepGoing {
					stop()
				}
			case !errors.Is(r.err, context.Canceled):
				others = append(others, &StepError{Step: r.name, Err: r.err})
			}
			continue
		}
		completed = append(completed, r.name)
		if (first != nil && !g.keepGoing) || ctx.Err() != nil || stopped(ctx) {
			continue
		}
		next := dependents[r.name]
		sort.SliceStable(next, func(i, j int) bool { return slices.Index(g.order, next[i]) < slices.Index(g.order, next[j]) })
		for _, d := range next {
			pending[d]--
			if pending[d] == 0 {
				start(d)
			}
		}
	}
	if first != nil {
		return completed, errors.Join(append([]error{first}, others...)...)
	}
	if err := ctx.Err(); err != nil {
		return completed, err
	}
	if stopped(ctx) && len(completed) < len(g.order) {
		return completed, retry.ErrStopped
	}
	return completed, nil
}

// stopped reports whether the operation under ctx was asked to stop.
func stopped(ctx context.Context) bool {
	select {
	case <-retry.Stopped(ctx):
		return true
	default:
		return false
	}
}

// ensureGraph is the whole deployment for the spec's tier: every step
// creates what is missing and converges what exists, so the same graph
// creates a deployment, repairs drift, and moves a tier up.
func (o *op) ensureGraph() *graph {
	g := newGraph()
	addTier1(g, o)
	urlDeps := []string{stepInstance}
	if o.spec.HasLoadBalancer() {
		addTier2(g, o)
		urlDeps = append(urlDeps, stepLoadBalancer)
	}
	if o.spec.HasCDN() {
		addTier3(g, o)
		urlDeps = append(urlDeps, stepDistribution)
	}
	if o.spec.Domain.Enabled() {
		addDomain(g, o)
	}
	g.add(&step{name: stepPublicURL, deps: urlDeps, run: o.tagPublicURL})
	if o.spec.verifiesReachability() {
		deps := []string{stepPublicURL, stepBoot}
		for _, d := range []string{stepReady, stepDeployed} {
			if g.has(d) {
				deps = append(deps, d)
			}
		}
		g.add(&step{name: stepReachability, deps: deps, run: o.verifyReachability})
	}
	return o.regional(g)
}
