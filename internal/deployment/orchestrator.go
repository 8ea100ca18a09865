package deployment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// op is one operation on a deployment.
type op struct {
	c    *Clients
	spec *Spec
	rec  *recorder

	keptMu sync.Mutex
	kept   []string

	// bootBegan is when this operation saw the instance start running (on
	// the waits' clock), so the boot's wait counts from there; zero when
	// the instance was running already.
	bootMu    sync.Mutex
	bootBegan time.Time

	// fresh says no object of the deployment existed when the operation
	// began (Create found none): an ensure step whose component is not
	// recorded creates it without first looking for one an earlier attempt
	// left, and what it just created needs no reading back.
	fresh bool
	// known caches facts this operation learned that cannot change under
	// it, so steps do not read them again.
	known knownFacts
	// seen is what a refresh read (refresh.go); nil outside Refresh.
	seen *observed

	// restarted says this operation stopped and started the instance.
	restarted atomic.Bool

	// rotated says prepare regenerated the credentials (credentials_rotation
	// changed): an adopted CLI instance is replaced too.
	rotated bool
}

// knownFacts are facts an operation learned along the way.
type knownFacts struct {
	mu sync.Mutex
	// subnetZones maps the deployment's subnets to their zones.
	subnetZones map[string]string
	// offering lists the zones that offer the instance type.
	offering []string
}

func (k *knownFacts) setSubnetZone(subnet, zone string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.subnetZones == nil {
		k.subnetZones = map[string]string{}
	}
	k.subnetZones[subnet] = zone
}

// zonesOf returns the zones of subnets, if all are known.
func (k *knownFacts) zonesOf(subnets []string) (map[string]string, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := map[string]string{}
	for _, sn := range subnets {
		z, ok := k.subnetZones[sn]
		if !ok {
			return nil, false
		}
		out[sn] = z
	}
	return out, len(subnets) > 0
}

func (o *op) setBootBegan(t time.Time) {
	o.bootMu.Lock()
	defer o.bootMu.Unlock()
	o.bootBegan = t
}

func (o *op) bootStart() time.Time {
	o.bootMu.Lock()
	defer o.bootMu.Unlock()
	return o.bootBegan
}

// remaining is the time a wait may take: a little less than what is left
// before ctx's deadline (the operation timeout), so that a wait that runs out
// reports what it was waiting for instead of a bare deadline error.
func (o *op) remaining(ctx context.Context) time.Duration {
	if left, ok := retry.TimeLeft(ctx); ok {
		return max(left-min(left/20, 30*time.Second), 100*time.Millisecond)
	}
	return 90 * time.Minute
}

func newNonce() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// prepare fills in what the graph needs before it runs.
func (o *op) prepare() error {
	st := o.rec.get()
	if st.Nonce == "" {
		o.rec.set(func(s *State) { s.Nonce = newNonce() })
	}
	if o.spec.HasCDN() && o.spec.CDN.RestrictOrigin && st.OriginSecret == "" {
		secret, err := newOriginSecret()
		if err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.OriginSecret = secret })
	}
	return o.prepareCredentials()
}

// run executes the ensure graph, logging progress.
func (o *op) run(ctx context.Context) error {
	if err := o.prepare(); err != nil {
		return err
	}
	g := o.ensureGraph()
	start := time.Now()
	_, err := g.execute(ctx, &progressLogger{ctx: ctx, g: g, start: start})
	if err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.Tier, s.Status, s.Converged = o.spec.Tier, StatusRunning, true })
	info(ctx, "deployment ready", map[string]any{"elapsed_s": int(time.Since(start).Seconds()), "url": PublicURL(o.spec, o.rec.get())})
	return nil
}

// failure turns a graph error into an *Error naming the failed step; the
// other steps that failed (a teardown carries on past a failure) come in
// Also.
func failure(err error) *Error {
	var steps []*StepError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if se, ok := errs.As[*StepError](e); ok {
				steps = append(steps, se)
			}
		}
	} else if se, ok := errs.As[*StepError](err); ok {
		steps = append(steps, se)
	}
	if len(steps) == 0 {
		return describe("deployment", err)
	}
	out := describe(steps[0].Step, steps[0].Err)
	for _, se := range steps[1:] {
		out.Also = append(out.Also, describe(se.Step, se.Err))
	}
	return out
}

// opGrace is how long AWS requests in flight may still take once the user
// interrupted an operation (Ctrl-C): long enough for an answer to arrive and
// be recorded, short enough that Terraform gets the state back within
// seconds. Waits end at once.
const opGrace = 10 * time.Second

// begin returns the context an operation runs in: it ends at timeout, and
// the caller's cancellation (Ctrl-C) stops its waits at once and its
// requests after opGrace.
func begin(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	tctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	gctx, _, cancel := retry.WithGrace(tctx, opGrace, true)
	return gctx, func() { cancel(); cancelTimeout() }
}

// interrupted reports whether the caller cancelled the operation (Terraform
// does on Ctrl-C) rather than it failing or running out of time.
func interrupted(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// timeoutOr is the operation timeout the spec asks for, or def.
func (s *Spec) timeoutOr(def time.Duration) time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return def
}

// Timeouts are the default time limits of the operations on a deployment.
type Timeouts struct {
	Create, Update, Delete time.Duration
	// Rollback bounds the cleanup after a failed create, which may itself
	// have run out of time.
	Rollback time.Duration
}

// DefaultTimeouts are the limits for a deployment of a tier: CloudFront's
// rollouts (create, change, disable) take a quarter of an hour each, and a
// delete may meet a distribution whatever the tier says.
func DefaultTimeouts(t int) Timeouts {
	d := 45 * time.Minute
	if tier.Tier(t).HasCDN() {
		d = 90 * time.Minute
	}
	return Timeouts{Create: d, Update: d, Delete: 90 * time.Minute, Rollback: d}
}

// Create builds a deployment within spec.Timeout (the tier's default when
// zero). On failure, with RollbackOnFail, everything created so far is
// deleted in reverse dependency order; the returned state then holds
// whatever is still there in AWS (nil when the rollback finished), so that
// Terraform keeps it and a destroy can finish the job. Cancelling ctx
// (Ctrl-C) stops the create, or its rollback, within seconds and returns
// what exists with an Error whose Interrupted is set: no rollback starts
// after an interruption.
func Create(ctx context.Context, c *Clients, spec *Spec) (*State, error) {
	ctx = logContext(ctx, spec.Name)
	limits := DefaultTimeouts(spec.Tier)
	l, abandoned, err := acquireLease(ctx, c, spec, newNonce())
	if err != nil {
		return nil, describe("duplicate check", err)
	}
	l.keep(ctx)
	defer l.release(ctx)
	var st *State
	if abandoned != "" {
		if st, err = adoptAbandoned(ctx, c, spec, abandoned); err != nil {
			return nil, describe("adopting an interrupted create", err)
		}
	} else {
		if existing, err := FindExisting(ctx, c, spec.Name); err != nil {
			return nil, describe("duplicate check", err)
		} else if len(existing) > 0 {
			return nil, &Error{Step: "duplicate check", Message: fmt.Sprintf("AWS objects tagged %s=%s already exist in %s: %s", TagDeployment, spec.Name, spec.Region, strings.Join(existing, ", ")),
				Hint: fmt.Sprintf("Another deployment named %q exists (or an earlier one was not fully destroyed). Import it with `terraform import <address> %s`, choose another name, or delete those objects.", spec.Name, spec.Name)}
		}
		st = &State{Name: spec.Name, Region: spec.Region, Nonce: l.value.Nonce}
	}
	st.Tier, st.Status, st.CreatedAt = spec.Tier, StatusCreating, time.Now().UTC()
	// Nothing of the deployment exists unless an abandoned create is
	// adopted: the steps create without looking for leftovers first.
	o := &op{c: c, spec: spec, rec: newRecorder(st), fresh: abandoned == ""}
	info(ctx, "creating deployment", map[string]any{"tier": spec.Tier, "instance_type": spec.InstanceType, "gpu": spec.GPU, "adopted_objects": len(st.IDs())})
	runCtx, cancel := begin(ctx, spec.timeoutOr(limits.Create))
	err = o.run(runCtx)
	cancel()
	if err == nil {
		return o.rec.get(), nil
	}
	return o.recover(ctx, failure(err), limits.Rollback)
}

// adoptAbandoned rebuilds the record of a create that was killed (its lease
// expired) from what it left in AWS, found by tags and derived names as an
// import finds them, with the nonce of its lease so that the create finishing
// it makes the same idempotent calls.
func adoptAbandoned(ctx context.Context, c *Clients, spec *Spec, nonce string) (*State, error) {
	_, st, err := Discover(ctx, c, spec.Name)
	switch {
	case retry.NotFound(err):
		st = &State{Name: spec.Name, Region: spec.Region}
	case err != nil:
		return nil, err
	}
	st.Nonce, st.Converged, st.Recovered = nonce, false, true
	o := &op{c: c, spec: spec, rec: newRecorder(st)}
	if err := o.adoptUntracked(ctx, allParts); err != nil {
		return nil, err
	}
	return o.rec.get(), nil
}

// recover ends a failed create: an interrupted one keeps what exists, a
// failed one rolls back (unless the spec says not to). Either way the state
// returned holds exactly what an existence check finds in AWS.
func (o *op) recover(ctx context.Context, fail *Error, rollbackTimeout time.Duration) (*State, error) {
	fail.Interrupted = interrupted(ctx)
	if fail.Interrupted || !o.spec.RollbackOnFail {
		info(ctx, "create stopped without rollback", map[string]any{"failed_step": fail.Step, "interrupted": fail.Interrupted})
		left := o.verify(ctx)
		left.Status = StatusFailed
		fail.Leftovers = left.IDs()
		return left, fail
	}
	partial := o.rec.get()
	info(ctx, "rolling back", map[string]any{"failed_step": fail.Step, "objects": len(partial.IDs())})
	if o.spec.LoadBalancer.DeletionProtection && partial.ALBARN != "" {
		// The protection was for the finished deployment; this half-made
		// one's load balancer goes with the rest.
		o.disableDeletionProtection(ctx, partial.ALBARN)
	}
	rb := &op{c: o.c, spec: rollbackSpec(o.spec), rec: newRecorder(partial)}
	rbCtx, cancel := begin(ctx, rollbackTimeout)
	terr := rb.teardown(rbCtx, allParts)
	cancel()
	left := rb.verify(ctx)
	fail.Interrupted = interrupted(ctx)
	if terr != nil {
		fail.Rollback = failure(terr)
	}
	if left.Empty() {
		fail.RolledBack = true
		return nil, fail
	}
	left.Status = StatusFailed
	fail.Leftovers = left.IDs()
	return left, fail
}

// rollbackSpec deletes everything a failed create made, whatever the
// retain flags say: a half-made deployment's CloudFront and EFS are waste.
func rollbackSpec(spec *Spec) *Spec {
	s := *spec
	s.CDN.RetainOnDelete = false
	s.EFS.RetainOnDelete = false
	return &s
}

// Update converges an existing deployment to spec within spec.Timeout: it
// recreates components deleted outside Terraform, applies in-place changes,
// adds what a higher tier needs and removes what a lower tier does not.
// priorTags are the user tags the objects carry now. On failure (or Ctrl-C)
// the state returned is the record as it stands.
func Update(ctx context.Context, c *Clients, spec *Spec, prior *State, priorTags map[string]string) (*State, error) {
	ctx = logContext(ctx, spec.Name)
	o := &op{c: c, spec: spec, rec: newRecorder(prior.Clone())}
	info(ctx, "updating deployment", map[string]any{"from_tier": prior.Tier, "to_tier": spec.Tier})
	uctx, cancel := begin(ctx, spec.timeoutOr(DefaultTimeouts(spec.Tier).Update))
	defer cancel()
	fail := func(step string, err error) (*State, error) {
		e := failure(err)
		if step != "" {
			e = describe(step, err)
		}
		e.Interrupted = interrupted(ctx)
		return o.rec.get(), e
	}
	if err := o.run(uctx); err != nil {
		return fail("", err)
	}
	if err := o.teardown(uctx, partsAbove(spec.Tier)); err != nil {
		return fail("", err)
	}
	if err := o.pruneDomain(uctx); err != nil {
		return fail(stepDeleteDomainCertificates, err)
	}
	if err := o.updateTags(uctx, priorTags, prior.Tier); err != nil {
		return fail("tags", err)
	}
	return o.rec.get(), nil
}

// Delete tears a deployment down within spec.Timeout. It carries on past a
// failed delete on every independent branch; on failure (or Ctrl-C) the
// returned state holds what an existence check still finds in AWS, so that
// running destroy again resumes.
func Delete(ctx context.Context, c *Clients, spec *Spec, st *State) (*State, []string, error) {
	ctx = logContext(ctx, spec.Name)
	o := &op{c: c, spec: spec, rec: newRecorder(st.Clone())}
	info(ctx, "destroying deployment", map[string]any{"objects": len(st.IDs())})
	if err := o.checkDeletionProtection(ctx); err != nil {
		return st, nil, err
	}
	dctx, cancel := begin(ctx, spec.timeoutOr(DefaultTimeouts(spec.Tier).Delete))
	err := o.teardown(dctx, allParts)
	cancel()
	if err == nil {
		if err := DropLease(ctx, c, spec.Name); err != nil {
			info(ctx, "could not delete a create lease left by a killed create", map[string]any{"error": err.Error()})
		}
		return nil, o.retained(), nil
	}
	fail := failure(err)
	fail.Interrupted = interrupted(ctx)
	left := o.verify(ctx)
	if left.Empty() {
		// What failed is gone after all (deleted by AWS on its own time).
		return nil, o.retained(), nil
	}
	fail.Leftovers = left.IDs()
	return left, nil, fail
}
