package ec2

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// NoRetry makes one EC2 call without the SDK's retries.
func NoRetry(o *ec2.Options) { o.RetryMaxAttempts = 1 }

// createAttempts bounds CreateOnce's own retries of a failed create.
const createAttempts = 6

// createThrottles bounds the retries of a throttled create, which AWS
// refused before acting (so there is nothing to look for).
const createThrottles = 10

// createLooks is how often CreateOnce looks for the object a failed create
// may have made before it tries again: EC2's reads are eventually
// consistent, and an object made moments ago may not be listed yet.
const createLooks = 3

// CreateOnce runs an EC2 create that carries no idempotency token (CreateVpc,
// CreateSubnet, CreateInternetGateway, CreateSecurityGroup, ...) so that it
// makes at most one object. The SDK must not retry it: when a request's
// answer is lost (a 5xx or a dropped connection after EC2 acted), a blind
// retry makes a second object. So the create runs without SDK retries, and
// after a failure that may hide a success, find looks for the object (by
// the tags, name or CIDR the create gave it) before the create is tried
// again. find returns a retry.NotFoundError when there is none.
func CreateOnce[T any](ctx context.Context, what string, create func(context.Context, ...func(*ec2.Options)) (*T, error), find func(context.Context) (*T, error)) (*T, error) {
	var last error
	throttles := 0
	for attempt := 0; attempt < createAttempts; attempt++ {
		out, err := create(ctx, NoRetry)
		if err == nil {
			return out, nil
		}
		if !errs.Transient(err) {
			return nil, err
		}
		last = err
		if errs.Throttled(err) && throttles < createThrottles {
			// Refused for the rate, not carried out: back off and ask again.
			throttles++
			attempt--
			if err := retry.Sleep(ctx, time.Duration(throttles)*time.Second); err != nil {
				return nil, last
			}
			continue
		}
		for look := 0; look < createLooks; look++ {
			found, ferr := find(ctx)
			if ferr == nil {
				return found, nil
			}
			if !retry.NotFound(ferr) && !errs.Transient(ferr) {
				return nil, fmt.Errorf("looking for the %s a failed create may have made: %w", what, ferr)
			}
			if err := retry.Sleep(ctx, time.Duration(look+1)*time.Second); err != nil {
				return nil, last
			}
		}
	}
	return nil, last
}
