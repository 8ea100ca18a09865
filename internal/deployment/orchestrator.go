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
)

// op is one operation on a deployment.
type op struct {
	c    *Clients
	spec *Spec
	rec  *recorder

	keptMu sync.Mutex
	kept   []string

	// restarted says this operation stopped and started the instance.
	restarted atomic.Bool

	// rotated says prepare regenerated the credentials (credentials_rotation
	// changed): an adopted CLI instance is replaced too.
	rotated bool
}

// remaining is the time a wait may take: a little less than what is left
// before ctx's deadline (the operation timeout), so that a wait that runs out
// reports what it was waiting for instead of a bare deadline error.
func (o *op) remaining(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
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
	o.rec.set(func(s *State) { s.Tier, s.Status = o.spec.Tier, StatusRunning })
	info(ctx, "deployment ready", map[string]any{"elapsed_s": int(time.Since(start).Seconds()), "url": PublicURL(o.spec, o.rec.get())})
	return nil
}

// failure turns a graph error into an *Error naming the failed step.
func failure(err error) *Error {
	var se *StepError
	if errors.As(err, &se) {
		return describe(se.Step, se.Err)
	}
	return describe("deployment", err)
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

// Create builds a deployment. On failure, with RollbackOnFail, everything
// created so far is deleted in reverse dependency order; the returned state
// then holds whatever could not be deleted (empty when rollback finished),
// so that Terraform can keep it and a destroy can finish the job.
func Create(ctx context.Context, c *Clients, spec *Spec) (*State, error) {
	ctx = logContext(ctx, spec.Name)
	if existing, err := FindExisting(ctx, c, spec.Name); err != nil {
		return nil, describe("duplicate check", err)
	} else if len(existing) > 0 {
		return nil, &Error{Step: "duplicate check", Message: fmt.Sprintf("AWS objects tagged %s=%s already exist in %s: %s", TagDeployment, spec.Name, spec.Region, strings.Join(existing, ", ")),
			Hint: fmt.Sprintf("Another deployment named %q exists (or an earlier one was not fully destroyed). Import it with `terraform import <address> %s`, choose another name, or delete those objects.", spec.Name, spec.Name)}
	}
	st := &State{Name: spec.Name, Region: spec.Region, Tier: spec.Tier, Status: StatusCreating, CreatedAt: time.Now().UTC()}
	o := &op{c: c, spec: spec, rec: newRecorder(st)}
	info(ctx, "creating deployment", map[string]any{"tier": spec.Tier, "instance_type": spec.InstanceType, "gpu": spec.GPU})
	err := o.run(ctx)
	if err == nil {
		return o.rec.get(), nil
	}
	fail := failure(err)
	partial := o.rec.get()
	partial.Status = StatusFailed
	if !spec.RollbackOnFail {
		fail.Leftovers = partial.IDs()
		return partial, fail
	}
	info(ctx, "rolling back", map[string]any{"failed_step": fail.Step, "objects": len(partial.IDs())})
	cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultTimeouts(spec.Tier).Rollback)
	defer cancel()
	rb := &op{c: c, spec: rollbackSpec(spec), rec: newRecorder(partial)}
	if terr := rb.teardown(cleanupCtx, allParts); terr != nil {
		left := rb.rec.get()
		left.Status = StatusFailed
		fail.Leftovers = left.IDs()
		fail.Err = errors.Join(fail.Err, fmt.Errorf("rollback: %w", terr))
		return left, fail
	}
	fail.RolledBack = true
	return nil, fail
}

// rollbackSpec deletes everything a failed create made, whatever the
// retain flags say: a half-made deployment's CloudFront and EFS are waste.
func rollbackSpec(spec *Spec) *Spec {
	s := *spec
	s.CDN.RetainOnDelete = false
	s.EFS.RetainOnDelete = false
	return &s
}

// Update converges an existing deployment to spec: it recreates components
// deleted outside Terraform, applies in-place changes, adds what a higher
// tier needs and removes what a lower tier does not. priorTags are the
// user tags the objects carry now.
func Update(ctx context.Context, c *Clients, spec *Spec, prior *State, priorTags map[string]string) (*State, error) {
	ctx = logContext(ctx, spec.Name)
	o := &op{c: c, spec: spec, rec: newRecorder(prior.Clone())}
	info(ctx, "updating deployment", map[string]any{"from_tier": prior.Tier, "to_tier": spec.Tier})
	if err := o.run(ctx); err != nil {
		return o.rec.get(), failure(err)
	}
	if err := o.teardown(ctx, partsAbove(spec.Tier)); err != nil {
		return o.rec.get(), failure(err)
	}
	if err := o.pruneDomain(ctx); err != nil {
		return o.rec.get(), describe(stepDeleteDomainCertificates, err)
	}
	if err := o.updateTags(ctx, priorTags, prior.Tier); err != nil {
		return o.rec.get(), describe("tags", err)
	}
	return o.rec.get(), nil
}

// Delete tears a deployment down. On failure the returned state holds what
// is left, so that running destroy again resumes.
func Delete(ctx context.Context, c *Clients, spec *Spec, st *State) (*State, []string, error) {
	ctx = logContext(ctx, spec.Name)
	o := &op{c: c, spec: spec, rec: newRecorder(st.Clone())}
	info(ctx, "destroying deployment", map[string]any{"objects": len(st.IDs())})
	if err := o.teardown(ctx, allParts); err != nil {
		left := o.rec.get()
		fail := failure(err)
		fail.Leftovers = left.IDs()
		return left, nil, fail
	}
	return nil, o.retained(), nil
}
