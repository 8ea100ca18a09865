package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfssm "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ssm"
)

// A create holds a lease on its deployment's name while it runs: an SSM
// parameter it creates before anything else (atomically: PutParameter
// without overwrite fails when it exists), renews while it works, and
// deletes when it returns, whatever the outcome (Terraform then has the
// state). Only a create that was killed (SIGKILL of Terraform or the
// provider, a closed laptop, a CI runner gone) leaves a lease behind, and
// stops renewing it. The next create of the same name finds the lease: if it
// is renewed while it watches, another create is alive and this one is
// refused; if it expired, the create was abandoned and this one adopts its
// objects (never a deployment some state holds: those have no lease) and
// finishes the job.

// DefaultLeaseTTL is how long a lease lasts unless renewed; it is renewed
// every third of that.
const DefaultLeaseTTL = 3 * time.Minute

// leaseParameter names a deployment's lease (SSM is regional, like the
// deployment's name; a path of its own, outside /geusemaker/<name>/ which
// the instance may read).
func leaseParameter(name string) string { return "/geusemaker-create-lease/" + name }

// leaseValue is what the lease parameter holds.
type leaseValue struct {
	// Create identifies the create holding the lease.
	Create string `json:"create"`
	// Nonce is the deployment's idempotency nonce, so that an adopting
	// create makes the same idempotent calls (EFS creation token, client
	// tokens, CloudFront caller reference) as the one it finishes.
	Nonce string `json:"nonce"`
	// Expires is when the lease ends unless renewed, by the holder's clock.
	Expires time.Time `json:"expires"`
}

// lease is a lease held by this create.
type lease struct {
	c     *Clients
	name  string
	value leaseValue
	ttl   time.Duration

	mu      sync.Mutex
	stopped chan struct{}
	done    chan struct{}
}

// LeaseBusyError says another create of the same name is alive.
type LeaseBusyError struct {
	Name    string
	Expires time.Time
}

func (e *LeaseBusyError) Error() string {
	return fmt.Sprintf("another create of deployment %q is running: it holds the deployment's create lease (%s) and renewed it while this one waited", e.Name, leaseParameter(e.Name))
}

// Remedy says what to do.
func (e *LeaseBusyError) Remedy() string {
	return fmt.Sprintf("Wait for that create to finish, then import its deployment with `terraform import <address> %s`, or choose another name.", e.Name)
}

func (c *Clients) leaseTTL() time.Duration {
	if c.LeaseTTL > 0 {
		return c.LeaseTTL
	}
	return DefaultLeaseTTL
}

// acquireLease takes the lease on a deployment name for a create. It returns
// the nonce of an abandoned create it takes over ("" for a fresh lease), or
// a LeaseBusyError when another create is alive.
func acquireLease(ctx context.Context, c *Clients, spec *Spec, nonce string) (*lease, string, error) {
	l := &lease{c: c, name: spec.Name, ttl: c.leaseTTL(), value: leaseValue{Create: newNonce() + newNonce(), Nonce: nonce}}
	err := l.put(ctx, false, spec.tagsFor("create-lease"))
	if err == nil {
		return l, "", nil
	}
	if !errs.IsCode(err, "ParameterAlreadyExists") {
		return nil, "", err
	}
	held, version, err := readLease(ctx, c, spec.Name)
	if retry.NotFound(err) {
		// Released meanwhile: try once more from the start.
		if err := l.put(ctx, false, spec.tagsFor("create-lease")); err != nil {
			return nil, "", err
		}
		return l, "", nil
	} else if err != nil {
		return nil, "", err
	}
	if held.Create == l.value.Create {
		return l, "", nil // our own put, answered late and retried
	}
	if err := l.watch(ctx, held, version); err != nil {
		return nil, "", err
	}
	// Abandoned: take it over, keeping the abandoned create's nonce.
	l.value.Nonce = held.Nonce
	if err := l.put(ctx, true, nil); err != nil {
		return nil, "", err
	}
	// Two takers at once: the last write wins, and the other sees it.
	if now, _, err := readLease(ctx, c, spec.Name); err != nil {
		return nil, "", err
	} else if now.Create != l.value.Create {
		return nil, "", &LeaseBusyError{Name: spec.Name, Expires: now.Expires}
	}
	info(ctx, "adopting an abandoned create", map[string]any{"lease_expired": held.Expires.Format(time.RFC3339)})
	return l, held.Nonce, nil
}

// watch decides whether the create holding a lease is alive: a lease whose
// expiry passed a whole TTL ago (by this clock, so that a skewed clock of
// the holder does not matter) was abandoned; otherwise it is watched for up
// to a TTL, and a renewal means the holder lives.
func (l *lease) watch(ctx context.Context, held leaseValue, version int64) error {
	if time.Since(held.Expires) > l.ttl {
		return nil
	}
	info(ctx, "waiting to see whether the create holding the lease is alive", map[string]any{"ttl_s": l.ttl.Seconds()})
	deadline := time.Now().Add(l.ttl + l.ttl/6)
	for time.Now().Before(deadline) {
		if err := sleepFor(ctx, l.ttl/6); err != nil {
			return err
		}
		now, v, err := readLease(ctx, l.c, l.name)
		switch {
		case retry.NotFound(err):
			return nil // released: its create returned
		case err != nil:
			return err
		case v != version || now.Create != held.Create:
			return &LeaseBusyError{Name: l.name, Expires: now.Expires}
		}
	}
	return nil
}

// sleepFor waits d, or less if ctx ends.
func sleepFor(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func readLease(ctx context.Context, c *Clients, name string) (leaseValue, int64, error) {
	p, err := tfssm.FindParameter(ctx, c.SSM, leaseParameter(name))
	if err != nil {
		return leaseValue{}, 0, err
	}
	var v leaseValue
	if err := json.Unmarshal([]byte(aws.ToString(p.Value)), &v); err != nil {
		// Not ours to read: treat it as long expired.
		return leaseValue{Create: aws.ToString(p.Value)}, p.Version, nil //nolint:nilerr // unreadable means not a live lease
	}
	return v, p.Version, nil
}

// put writes the lease with a fresh expiry.
func (l *lease) put(ctx context.Context, overwrite bool, tags map[string]string) error {
	l.mu.Lock()
	l.value.Expires = time.Now().Add(l.ttl).UTC()
	raw, _ := json.Marshal(l.value)
	l.mu.Unlock()
	in := &ssm.PutParameterInput{Name: aws.String(leaseParameter(l.name)), Value: aws.String(string(raw)), Overwrite: aws.Bool(overwrite),
		Description: aws.String("GeuseMaker: a create of deployment " + l.name + " is running (deleted when it returns)")}
	if !overwrite {
		in.Type = ssmtypes.ParameterTypeString
		for k, v := range tags {
			in.Tags = append(in.Tags, ssmtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
	}
	_, err := l.c.SSM.PutParameter(ctx, in)
	if err != nil {
		return fmt.Errorf("writing the create lease %s: %w", leaseParameter(l.name), err)
	}
	return nil
}

// keep renews the lease every third of its TTL until release.
func (l *lease) keep(ctx context.Context) {
	l.stopped, l.done = make(chan struct{}), make(chan struct{})
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer close(l.done)
		t := time.NewTicker(l.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-l.stopped:
				return
			case <-t.C:
				rctx, cancel := context.WithTimeout(ctx, l.ttl/3)
				if err := l.put(rctx, true, nil); err != nil {
					info(ctx, "could not renew the create lease", map[string]any{"error": err.Error()})
				}
				cancel()
			}
		}
	}()
}

// release stops the renewals and deletes the lease: the create returned and
// Terraform has its state.
func (l *lease) release(ctx context.Context) {
	if l == nil {
		return
	}
	if l.stopped != nil {
		close(l.stopped)
		<-l.done
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout)
	defer cancel()
	if err := tfssm.DeleteParameter(ctx, l.c.SSM, leaseParameter(l.name)); err != nil {
		info(ctx, "could not release the create lease", map[string]any{"error": err.Error()})
	}
}

// DropLease deletes a deployment's lease left by a killed create, once the
// deployment belongs to a state (import) or is gone (destroy).
func DropLease(ctx context.Context, c *Clients, name string) error {
	return tfssm.DeleteParameter(ctx, c.SSM, leaseParameter(name))
}

// LeaseStatus says what a plan of a new deployment finds about its name.
type LeaseStatus int

const (
	// LeaseNone: no create of this name holds a lease.
	LeaseNone LeaseStatus = iota
	// LeaseHeld: a create holds a lease that has not expired: it is
	// running, or was killed moments ago.
	LeaseHeld
	// LeaseExpired: a create was killed and left its objects; the next
	// create adopts them.
	LeaseExpired
)

// CheckLease reads a deployment name's lease (one call), for a plan.
func CheckLease(ctx context.Context, c *Clients, name string) (LeaseStatus, time.Time, error) {
	v, _, err := readLease(ctx, c, name)
	if retry.NotFound(err) {
		return LeaseNone, time.Time{}, nil
	} else if err != nil {
		return LeaseNone, time.Time{}, err
	}
	if time.Now().After(v.Expires) {
		return LeaseExpired, v.Expires, nil
	}
	return LeaseHeld, v.Expires, nil
}
