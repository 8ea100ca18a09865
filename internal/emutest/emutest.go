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
	// schedules (no 20 ms cap): benchmarks use it.
	Dilated bool
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
	emu := awsemu.New(awsemu.Options{Speed: o.Speed, Seed: t.Name(), Knobs: o.Knobs})
	if err := emu.Start(""); err != nil {
		t.Fatalf("starting the AWS emulator: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	t.Cleanup(cancel)
	if o.Dilated {
		ctx = retry.WithDilatedTime(ctx, emu.Now, o.Speed)
	} else {
		ctx = retry.WithPollCap(ctx, 20*time.Millisecond)
	}
	return &Env{Emu: emu, Config: Config(emu, o.Region), Ctx: ctx}
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
