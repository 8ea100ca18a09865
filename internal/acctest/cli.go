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
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/provider"
)

// Tests that kill Terraform need the provider in a process of its own, as
// in real use: terraform-plugin-testing serves it inside the test process,
// where a SIGKILL cannot reach it. The test binary itself is that process:
// Terraform starts it (through a dev_overrides directory holding a wrapper
// named terraform-provider-geusemaker) with serveEnv set, and
// ServeProviderIfAsked turns it into the provider, with the test seams.
const (
	serveEnv    = "GEUSEMAKER_ACCTEST_SERVE_PROVIDER"
	leaseEnv    = "GEUSEMAKER_ACCTEST_LEASE_TTL"
	pidFileEnv  = "GEUSEMAKER_ACCTEST_PROVIDER_PIDS"
	providerSrc = "geusemaker/geusemaker"
)

// CLILeaseTTL is the create lease of a provider the CLI harness serves: a
// killed create's lease expires within seconds.
const CLILeaseTTL = 2 * time.Second

// ServeProviderIfAsked serves the provider when Terraform started the test
// binary as its plugin, and exits; call it first in TestMain.
func ServeProviderIfAsked() {
	if os.Getenv(serveEnv) != "1" {
		return
	}
	if f := os.Getenv(pidFileEnv); f != "" {
		if fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			fmt.Fprintf(fh, "%d\n", os.Getpid())
			_ = fh.Close()
		}
	}
	ttl, _ := time.ParseDuration(os.Getenv(leaseEnv))
	err := providerserver.Serve(context.Background(), provider.NewTestProvider(provider.TestOptions{
		PollCap: 20 * time.Millisecond, RetryMaxBackoff: 20 * time.Millisecond, LeaseTTL: ttl,
	}), providerserver.ServeOpts{Address: "registry.terraform.io/" + providerSrc})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// CLI is a Terraform working directory whose provider runs as a separate
// process against an emulator.
type CLI struct {
	t    *testing.T
	Dir  string
	env  []string
	pids string
	opts ProviderOptions
}

// NewCLI writes a configuration (the provider block for emu, then body) into
// a fresh directory.
func NewCLI(t *testing.T, emu *awsemu.Emulator, body string) *CLI {
	t.Helper()
	return NewCLIWith(t, emu, ProviderOptions{}, body)
}

// NewCLIWith is NewCLI with provider options (another caller's keys, say).
func NewCLIWith(t *testing.T, emu *awsemu.Emulator, o ProviderOptions, body string) *CLI {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		// As terraform-plugin-testing does: the real CLI runs only in
		// acceptance runs.
		t.Skip("acceptance test: set TF_ACC=1 to run it")
	}
	PreCheck(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	plugins := filepath.Join(dir, ".plugins")
	if err := os.MkdirAll(plugins, 0o755); err != nil {
		t.Fatal(err)
	}
	wrapper := fmt.Sprintf("#!/bin/sh\n%s=1 exec %q \"$@\"\n", serveEnv, self)
	if err := os.WriteFile(filepath.Join(plugins, "terraform-provider-geusemaker"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(dir, ".terraformrc")
	cfg := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n", providerSrc, plugins)
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &CLI{t: t, Dir: dir, pids: filepath.Join(dir, ".provider-pids"), opts: o}
	c.Write(emu, body)
	c.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		leaseEnv+"="+CLILeaseTTL.String(), pidFileEnv+"="+c.pids)
	t.Cleanup(c.killProviders)
	return c
}

// Write replaces the configuration.
func (c *CLI) Write(emu *awsemu.Emulator, body string) {
	c.t.Helper()
	hcl := fmt.Sprintf("terraform {\n  required_providers {\n    geusemaker = { source = %q }\n  }\n}\n", providerSrc) +
		ProviderConfig(emu, c.opts) + body
	if err := os.WriteFile(filepath.Join(c.Dir, "main.tf"), []byte(hcl), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

func (c *CLI) command(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, os.Getenv("TF_ACC_TERRAFORM_PATH"), args...)
	cmd.Dir, cmd.Env = c.Dir, c.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Its own process group: killing it reaches Terraform and the provider
	// it started, and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return cmd, &out
}

// Run runs a Terraform command to its end and returns its output and exit
// code.
func (c *CLI) Run(ctx context.Context, args ...string) (string, int) {
	c.t.Helper()
	cmd, out := c.command(ctx, args...)
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String(), ee.ExitCode()
	}
	c.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	return "", -1
}

// MustRun runs a Terraform command that must succeed.
func (c *CLI) MustRun(ctx context.Context, args ...string) string {
	c.t.Helper()
	out, code := c.Run(ctx, args...)
	if code != 0 {
		c.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// Proc is a Terraform command running in its own process group.
type Proc struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan error
}

// Start starts a Terraform command and returns at once.
func (c *CLI) Start(ctx context.Context, args ...string) *Proc {
	c.t.Helper()
	cmd, out := c.command(ctx, args...)
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	p := &Proc{cmd: cmd, out: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	return p
}

// Kill sends SIGKILL to the command's process group (Terraform and the
// provider it started) and waits for Terraform to be gone.
func (p *Proc) Kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done //nolint:errcheck // killed: its exit status says only that
}

// Interrupt sends SIGINT to Terraform alone, as a first Ctrl-C does: it asks
// the provider to stop.
func (p *Proc) Interrupt() { _ = p.cmd.Process.Signal(syscall.SIGINT) }

// Wait waits for the command to end (or ctx) and returns its output and exit
// code (-1 when ctx ended first).
func (p *Proc) Wait(ctx context.Context) (string, int) {
	select {
	case err := <-p.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return p.out.String(), ee.ExitCode()
		}
		return p.out.String(), 0
	case <-ctx.Done():
		return p.out.String(), -1
	}
}

// ProviderPIDs lists the provider processes Terraform started in this
// directory.
func (c *CLI) ProviderPIDs() []int {
	raw, _ := os.ReadFile(c.pids)
	var out []int
	for _, f := range strings.Fields(string(raw)) {
		if pid, err := strconv.Atoi(f); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// Alive reports whether a process still runs (a zombie, killed but not yet
// reaped by whoever inherited it, does not).
func Alive(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// "pid (comm) S ...": the state follows the last ')'.
	s := string(raw)
	if i := strings.LastIndex(s, ")"); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

// Exits reports whether the process pid ends within a while: a SIGKILL is
// delivered asynchronously, and on a busy machine the process may still be
// scheduled for a moment after kill(2) returned.
func Exits(pid int) bool {
	for i := 0; i < 200; i++ {
		if !Alive(pid) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return !Alive(pid)
}

// killProviders ends provider processes of this directory that outlived
// their Terraform (by pid: only those this test started).
func (c *CLI) killProviders() {
	for _, pid := range c.ProviderPIDs() {
		if Alive(pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// StateResource is one resource instance of `terraform show -json`.
type StateResource struct {
	Address string         `json:"address"`
	Tainted bool           `json:"tainted"`
	Values  map[string]any `json:"values"`
}

// State reads the resources of the state (`terraform show -json`).
func (c *CLI) State(ctx context.Context) []StateResource {
	c.t.Helper()
	out := c.MustRun(ctx, "show", "-json")
	start := strings.Index(out, "{")
	if start < 0 {
		c.t.Fatalf("terraform show -json printed no JSON:\n%s", out)
	}
	var doc struct {
		Values struct {
			RootModule struct {
				Resources []StateResource `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.NewDecoder(strings.NewReader(out[start:])).Decode(&doc); err != nil {
		c.t.Fatalf("reading terraform show -json: %v\n%s", err, out)
	}
	return doc.Values.RootModule.Resources
}
