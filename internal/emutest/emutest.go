// Package emutest starts the AWS emulator for tests that drive it through
// real aws-sdk-go-v2 clients: the service wrappers', the orchestration's and
// the acceptance tests'. One place decides how a test reaches the emulator.
package emutest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// DefaultSpeed makes a 15-minute CloudFront rollout take about half a second.
const DefaultSpeed = 2000

// Options change what Start starts; the zero value is a fast emulator in
// us-east-1 and a one-minute test context.
type Options struct {
	Region  string
	Speed   float64
	Knobs   map[string]string
	Timeout time.Duration
	// Dilated runs the waits on the emulator's clock with their real poll
	// schedules (no 20 ms cap), the clock held while the emulator serves a
	// call and each call taking CallLatency: benchmarks use it.
	Dilated bool
}

// CallLatency is the virtual time a call takes in benchmarks, in place of
// the emulator's processing time (which depends on the machine): a round
// figure for an AWS API call, whose latency is tens to hundreds of
// milliseconds.
const CallLatency = 100 * time.Millisecond

// BenchOptions are the emulator options of a benchmark at speed: the clock
// held while a call is served, each call taking CallLatency, in the test
// account (AccountKnobs).
func BenchOptions(speed float64, seed string) awsemu.Options {
	return awsemu.Options{Speed: speed, Seed: seed, HoldClock: true, CallLatency: CallLatency, Knobs: AccountKnobs(nil)}
}

// Env is a running emulator, an SDK configuration signed with its default
// keys, and a context whose waiters poll at most every 20 ms.
type Env struct {
	Emu    *awsemu.Emulator
	Config aws.Config
	Ctx    context.Context
}

// Start starts an emulator for one test and stops it when the test ends.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	if o.Speed == 0 {
		o.Speed = DefaultSpeed
	}
	if o.Timeout == 0 {
		o.Timeout = time.Minute
	}
	eo := awsemu.Options{Speed: o.Speed, Seed: t.Name()}
	if o.Dilated {
		eo = BenchOptions(o.Speed, t.Name())
	}
	eo.Knobs = AccountKnobs(o.Knobs)
	emu := awsemu.New(eo)
	if err := emu.Start(""); err != nil {
		t.Fatalf("starting the AWS emulator: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	t.Cleanup(cancel)
	if o.Dilated {
		ctx = retry.WithVirtualTime(ctx, emu.Now, emu.Clock().Sleep, o.Speed)
	} else {
		ctx = retry.WithPollCap(ctx, 20*time.Millisecond)
	}
	return &Env{Emu: emu, Config: Config(emu, o.Region), Ctx: ctx}
}

// AccountKnobs are the knobs of the account tests deploy into, with extra
// on top. The emulator starts with AWS's defaults for a new account, which
// allow no GPU instance at all (the G and VT, and P, vCPU quotas are 0) and 5
// standard vCPUs; the test account has had its quotas raised, as an account
// that runs this stack must. Tests of the quota checks set them lower again.
func AccountKnobs(extra map[string]string) map[string]string {
	k := map[string]string{
		"quota.L-1216C47A": "256", // Running On-Demand Standard instances (vCPUs)
		"quota.L-DB2E81BA": "256", // Running On-Demand G and VT instances (vCPUs)
		"quota.L-417A185B": "256", // Running On-Demand P instances (vCPUs)
		"quota.L-34B43A08": "256", // All Standard Spot Instance Requests (vCPUs)
		"quota.L-3819A6DF": "256", // All G and VT Spot Instance Requests (vCPUs)
		"quota.L-7212CCBC": "256", // All P Spot Instance Requests (vCPUs)
	}
	for key, v := range extra {
		k[key] = v
	}
	return k
}

// Config is an SDK configuration for region (us-east-1 when empty) that
// sends every service to the emulator with its default keys.
func Config(emu *awsemu.Emulator, region string) aws.Config {
	if region == "" {
		region = "us-east-1"
	}
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(awsemu.DefaultAccessKey, awsemu.DefaultSecretKey, ""),
		BaseEndpoint: aws.String(emu.URL()),
		HTTPClient:   conns.NewHTTPClient(),
	}
}
