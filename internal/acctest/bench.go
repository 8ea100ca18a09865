package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/provider"
)

// providerAddress is the provider's registry address, which Terraform's
// reattach configuration names.
const providerAddress = "registry.terraform.io/geusemaker/geusemaker"

// BenchSpeed is the virtual clock's speed in benchmarks: a quarter-hour
// CloudFront rollout lasts 18 real seconds. The clock stands still while
// the emulator serves a call, and each call takes emutest.CallLatency; what
// the client does between calls (and any delay in waking up a sleeping
// poll) counts 50-fold.
const BenchSpeed = 50.0

// Bench is a Terraform working directory whose provider is served in this
// process with its real poll schedules on the emulator's dilated clock (no
// poll cap), so that the emulator sees what AWS would: every call, and the
// waits as the provider's schedules space them.
type Bench struct {
	Emu   *awsemu.Emulator
	Speed float64

	dir, terraform string
	env            []string
	rpcs           *timedProvider
}

// NewBench starts an emulator and the provider for one benchmark, writes
// config (with the provider block pointing at the emulator) and runs
// terraform init.
func NewBench(t testing.TB, speed float64, config string) *Bench {
	t.Helper()
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		if root, err := repoRoot(); err == nil {
			tf = filepath.Join(root, "bin", "terraform")
		}
	}
	if !fileExists(tf) {
		t.Fatalf("the Terraform CLI was not found (TF_ACC_TERRAFORM_PATH=%q): run `make tools`", tf)
	}
	o := emutest.BenchOptions(speed, t.Name())
	// Ten deployments need ten VPCs and internet gateways: the account has
	// had AWS's default of five per region raised, as one running that many
	// must.
	o.Knobs["quota.L-F678F1CE"], o.Knobs["quota.L-A4707A72"] = "20", "20"
	emu := awsemu.New(o)
	if err := emu.Start(""); err != nil {
		t.Fatalf("starting the AWS emulator: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })

	served, err := providerserver.NewProtocol6WithError(provider.NewTestProvider(provider.TestOptions{
		Clock: emu.Now, Sleep: emu.Clock().Sleep, Speed: speed, RetryMaxBackoff: 20 * time.Millisecond,
	})())()
	if err != nil {
		t.Fatal(err)
	}
	b := &Bench{Emu: emu, Speed: speed, dir: t.TempDir(), terraform: tf, rpcs: &timedProvider{ProviderServer: served, clock: emu.Now}}
	reattach := b.serve(t)

	cliConfig := filepath.Join(b.dir, "empty.tfrc")
	main := "terraform {\n  required_providers {\n    geusemaker = { source = \"geusemaker/geusemaker\" }\n  }\n}\n\n" +
		ProviderConfig(emu, ProviderOptions{}) + config
	for name, content := range map[string]string{cliConfig: "", filepath.Join(b.dir, "main.tf"): main} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b.env = append(os.Environ(), "TF_REATTACH_PROVIDERS="+reattach, "TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_LOG=", "TF_INPUT=0")
	if out, err := b.terraform1("init", "-no-color"); err != nil {
		t.Fatalf("terraform init: %v\n%s", err, out)
	}
	return b
}

// serve serves the provider for Terraform to reattach to, until the test
// ends, and returns the TF_REATTACH_PROVIDERS value.
func (b *Bench) serve(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	configs, closed := make(chan *plugin.ReattachConfig, 1), make(chan struct{})
	opts := []tf6server.ServeOpt{tf6server.WithDebug(ctx, configs, closed), tf6server.WithGoPluginLogger(hclog.NewNullLogger())}
	if tt, ok := t.(*testing.T); ok {
		// Provider logs follow TF_LOG like a Terraform run's, into the test log.
		opts = append(opts, tf6server.WithLoggingSink(tt))
	}
	go func() {
		_ = tf6server.Serve(providerAddress, func() tfprotov6.ProviderServer { return b.rpcs }, opts...)
	}()
	var rc *plugin.ReattachConfig
	select {
	case rc = <-configs:
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("the provider server did not start")
	}
	t.Cleanup(func() {
		cancel()
		<-closed
	})
	type addr struct{ Network, String string }
	raw, err := json.Marshal(map[string]any{providerAddress: map[string]any{
		"Protocol": string(rc.Protocol), "ProtocolVersion": rc.ProtocolVersion, "Pid": rc.Pid, "Test": true,
		"Addr": addr{Network: rc.Addr.Network(), String: rc.Addr.String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func (b *Bench) terraform1(args ...string) (string, error) {
	cmd := exec.Command(b.terraform, args...)
	cmd.Dir, cmd.Env = b.dir, b.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// Command is what one Terraform command did on the emulator.
type Command struct {
	// From and To mark the emulator before and after the command.
	From, To emutest.Mark
	// Spans are the provider's RPCs during the command ("ApplyResourceChange",
	// "ReadResource", ...) on the emulator's clock.
	Spans map[string][]Span
	// Output is Terraform's output; ExitCode its exit status.
	Output   string
	ExitCode int
}

// Span is one provider RPC on the emulator's clock.
type Span struct{ Start, End time.Time }

// Extent is how long the RPCs of one kind took from the first start to the
// last end (they run in parallel for several resources).
func (c *Command) Extent(rpc string) time.Duration {
	var first, last time.Time
	for _, s := range c.Spans[rpc] {
		if first.IsZero() || s.Start.Before(first) {
			first = s.Start
		}
		if s.End.After(last) {
			last = s.End
		}
	}
	return last.Sub(first)
}

// Terraform runs a Terraform command in the working directory.
func (b *Bench) Terraform(t testing.TB, args ...string) *Command {
	t.Helper()
	b.rpcs.reset()
	c := &Command{From: emutest.MarkNow(b.Emu)}
	out, err := b.terraform1(append(args, "-no-color")...)
	c.To, c.Output, c.Spans = emutest.MarkNow(b.Emu), out, b.rpcs.take()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		c.ExitCode = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("terraform %s: %v", strings.Join(args, " "), err)
	}
	return c
}

// timedProvider notes when the provider's resource RPCs start and end on
// the emulator's clock.
type timedProvider struct {
	tfprotov6.ProviderServer
	clock func() time.Time

	mu    sync.Mutex
	spans map[string][]Span
}

func (p *timedProvider) reset() { p.mu.Lock(); p.spans = map[string][]Span{}; p.mu.Unlock() }

func (p *timedProvider) take() map[string][]Span {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.spans
	p.spans = map[string][]Span{}
	return out
}

func (p *timedProvider) note(rpc string, start time.Time) {
	end := p.clock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.spans == nil {
		p.spans = map[string][]Span{}
	}
	p.spans[rpc] = append(p.spans[rpc], Span{Start: start, End: end})
}

func (p *timedProvider) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	defer p.note("ConfigureProvider", p.clock())
	return p.ProviderServer.ConfigureProvider(ctx, req)
}

func (p *timedProvider) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	defer p.note("ReadResource", p.clock())
	return p.ProviderServer.ReadResource(ctx, req)
}

func (p *timedProvider) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	defer p.note("PlanResourceChange", p.clock())
	return p.ProviderServer.PlanResourceChange(ctx, req)
}

func (p *timedProvider) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	defer p.note("ApplyResourceChange", p.clock())
	return p.ProviderServer.ApplyResourceChange(ctx, req)
}

// BenchResult is a benchmark of n tier-3 GPU deployments in one
// configuration: terraform apply (create), terraform plan with nothing
// changed (refresh), terraform destroy.
type BenchResult struct {
	N                        int
	Create, Refresh, Destroy *emutest.Phase
}

// BenchDeployments creates n tier-3 GPU deployments in one configuration,
// plans again with nothing changed, and destroys them, each through the
// Terraform CLI, and measures every command: all its calls (provider
// configuration and plan included), and the virtual time of the provider's
// work (the create's and destroy's ApplyResourceChange, the plan's
// ReadResource) against the floor the emulator's lifecycle events give.
func BenchDeployments(t testing.TB, speed float64, n int) *BenchResult {
	t.Helper()
	config := fmt.Sprintf(`
resource "geusemaker_deployment" "bench" {
  count         = %d
  name          = format("bench%%02d", count.index)
  tier          = 3
  instance_type = "g5.xlarge"
  gpu           = true
  # The reachability check is HTTP through a proxy, not an AWS call: the
  # benchmark has no data plane to route it through.
  verify_reachability = false
}
`, n)
	b := NewBench(t, speed, config)
	res := &BenchResult{N: n}

	apply := b.Terraform(t, "apply", "-auto-approve", "-parallelism=10")
	if apply.ExitCode != 0 {
		t.Fatalf("terraform apply failed:\n%s", apply.Output)
	}
	res.Create = emutest.Measure(b.Emu, "create", apply.From, apply.To, emutest.CreateOrder, apply.Extent("ApplyResourceChange"))

	plan := b.Terraform(t, "plan", "-detailed-exitcode", "-parallelism=10")
	if plan.ExitCode != 0 {
		t.Fatalf("the plan after the create is not empty (exit %d):\n%s", plan.ExitCode, plan.Output)
	}
	res.Refresh = emutest.Measure(b.Emu, "refresh (terraform plan, nothing changed)", plan.From, plan.To, nil, plan.Extent("ReadResource"))

	destroy := b.Terraform(t, "destroy", "-auto-approve", "-parallelism=10")
	if destroy.ExitCode != 0 {
		t.Fatalf("terraform destroy failed:\n%s", destroy.Output)
	}
	res.Destroy = emutest.Measure(b.Emu, "destroy", destroy.From, destroy.To, emutest.DeleteOrder, destroy.Extent("ApplyResourceChange"))
	if inv := b.Emu.Inventory(); len(inv) != 0 {
		t.Fatalf("%d resources left in the emulator after destroy: %+v", len(inv), inv)
	}
	return res
}

// Summary is the one-line result.
func (r *BenchResult) Summary() string {
	return fmt.Sprintf("create_ratio=%.3f destroy_ratio=%.3f create_calls=%d destroy_calls=%d refresh_calls=%d max_overshoot_pct=%.2f",
		r.Create.Ratio(), r.Destroy.Ratio(), r.Create.TotalCalls(), r.Destroy.TotalCalls(), r.Refresh.TotalCalls(),
		max(r.Create.MaxOvershootPct(), r.Destroy.MaxOvershootPct()))
}
