package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// tier3Objects are the objects of one tier-3 deployment, by the emulator's
// inventory type.
var tier3Objects = map[string]int{
	"vpc": 1, "subnet": 2, "internet-gateway": 1, "route-table": 1, "security-group": 3,
	"file-system": 1, "mount-target": 2, "role": 1, "instance-profile": 1, "instance": 1,
	"targetgroup": 1, "loadbalancer": 1, "distribution": 1,
}

// checkOneStack fails unless AWS holds exactly one deployment's objects.
func checkOneStack(t *testing.T, emu *awsemu.Emulator, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	for _, r := range emu.Inventory() {
		got[r.Type]++
		if r.Type == "parameter" && strings.HasPrefix(r.ID, "/geusemaker-create-lease/") {
			t.Errorf("a create lease was left behind: %s", r.ID)
		}
	}
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("%d %s in AWS, want %d (duplicates or leaks): %v", got[typ], typ, n, got)
		}
	}
}

// waitFor polls the emulator's call log until pred matches a call.
func waitFor(t *testing.T, ctx context.Context, emu *awsemu.Emulator, what string, pred func(awsemu.CallRecord) bool) {
	t.Helper()
	for {
		for _, c := range emu.Calls() {
			if pred(c) {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no %s before the test's deadline", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func succeeded(op string) func(awsemu.CallRecord) bool {
	return func(c awsemu.CallRecord) bool { return c.Operation == op && c.Error == "" }
}

// A SIGKILL of Terraform and the provider in the middle of a create writes
// no state. The next `terraform apply` finds the killed create's lease
// expired, adopts what it made and finishes: exactly one stack, an empty
// plan after it, and a destroy that leaves nothing.
func TestAccDeployment_killedCreateRecovers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		knobs   map[string]string
		killAt  string
		waitOp  func(awsemu.CallRecord) bool
		recover func(emu *awsemu.Emulator)
	}{
		{
			name: "at the instance", knobs: map[string]string{"ec2.boot_duration": "1000h"},
			killAt: "the instance booting", waitOp: succeeded("GetConsoleOutput"),
			recover: func(emu *awsemu.Emulator) { emu.SetKnob("ec2.boot_duration", "") },
		},
		{
			name: "at the CloudFront wait", knobs: map[string]string{"cloudfront.create_deploy_duration": "1000h"},
			killAt: "the CloudFront rollout", waitOp: func(c awsemu.CallRecord) bool {
				return c.Operation == "GetDistribution" && c.Notes["status"] == "InProgress"
			},
			recover: func(emu *awsemu.Emulator) { emu.Clock().Advance(1001 * time.Hour) },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = tc.knobs })
			cli := acctest.NewCLI(t, emu, deploymentConfig("killed", "  tier = 3"))
			run := cli.Start(ctx, "apply", "-auto-approve", "-no-color")
			waitFor(t, ctx, emu, tc.killAt, tc.waitOp)
			run.Kill()
			for _, pid := range cli.ProviderPIDs() {
				if !acctest.Exits(pid) {
					t.Fatalf("provider process %d outlived the SIGKILL of its process group", pid)
				}
			}
			if len(cli.State(ctx)) != 0 {
				t.Fatal("a killed apply wrote state")
			}
			if len(emu.Inventory()) == 0 {
				t.Fatal("the killed create made nothing: the test proves nothing")
			}
			tc.recover(emu)

			out := cli.MustRun(ctx, "apply", "-auto-approve", "-no-color")
			if !regexp.MustCompile(`(?s)finished an interrupted create`).MatchString(out) {
				t.Errorf("the recovering apply did not say it finished an interrupted create:\n%s", out)
			}
			checkOneStack(t, emu, tier3Objects)
			if out, code := cli.Run(ctx, "plan", "-detailed-exitcode", "-no-color"); code != 0 {
				t.Fatalf("plan after the recovery exited %d:\n%s", code, out)
			}
			cli.MustRun(ctx, "destroy", "-auto-approve", "-no-color")
			if err := acctest.CheckInventoryEmpty(emu)(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A create of the same name from a second state while the first create runs
// is refused (with the import command) and touches nothing; the first one
// finishes undisturbed.
func TestAccDeployment_parallelCreateRefused(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"ec2.boot_duration": "1000h"} })
	first := acctest.NewCLI(t, emu, deploymentConfig("twice", ""))
	// The second state uses keys of its own, so that its calls are told
	// apart from the first create's, which goes on meanwhile.
	const secondKey = "AKIASECONDSTATE00001"
	emu.AddCredential(secondKey, "second-state-secret-key", "second")
	second := acctest.NewCLIWith(t, emu, acctest.ProviderOptions{NoStaticKeys: true,
		Extra: fmt.Sprintf("  access_key = %q\n  secret_key = %q", secondKey, "second-state-secret-key")}, deploymentConfig("twice", ""))
	run := first.Start(ctx, "apply", "-auto-approve", "-no-color")
	waitFor(t, ctx, emu, "the first create's instance booting", succeeded("GetConsoleOutput"))
	seq := len(emu.Calls())
	out, code := second.Run(ctx, "apply", "-auto-approve", "-no-color")
	if code == 0 || !regexp.MustCompile(`(?s)another create of deployment\s+"twice"\s+is\s+running.*terraform import <address> twice`).MatchString(out) {
		t.Fatalf("the second create (exit %d) was not refused as it should be:\n%s", code, out)
	}
	seen := 0
	for _, c := range emu.Calls()[seq:] {
		if c.AccessKey == secondKey {
			seen++
		}
		if c.AccessKey == secondKey && (strings.HasPrefix(c.Operation, "Create") || strings.HasPrefix(c.Operation, "Run")) && c.Service != "ssm" {
			t.Fatalf("the refused create made call #%d %s.%s", c.Seq, c.Service, c.Operation)
		}
	}
	if seen == 0 {
		t.Fatal("no call of the second state was seen: the check above proves nothing")
	}
	if len(second.State(ctx)) != 0 {
		t.Fatal("the refused create wrote state")
	}
	emu.SetKnob("ec2.boot_duration", "")
	if out, code := run.Wait(ctx); code != 0 {
		t.Fatalf("the first create failed (exit %d):\n%s", code, out)
	}
	checkOneStack(t, emu, map[string]int{"vpc": 1, "instance": 1, "file-system": 1})
	first.MustRun(ctx, "destroy", "-auto-approve", "-no-color")
	if err := acctest.CheckInventoryEmpty(emu)(nil); err != nil {
		t.Fatal(err)
	}
}

// A first Ctrl-C during a rollback that cannot finish (CloudFront never
// confirms the disable) stops it within seconds: Terraform saves the state
// with what is left, tainted, says the apply was interrupted, and a destroy
// finishes the job.
func TestAccDeployment_interruptedRollbackKeepsLeftovers(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	emu := acctest.Emulator(t, func(o *awsemu.Options) {
		o.Knobs = map[string]string{"cloudfront.create_deploy_duration": "1m", "cloudfront.deploy_duration": "1000h"}
	})
	// The last step fails, after the distribution is deployed.
	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "CreateTags", Code: "UnauthorizedOperation", Status: 403})
	cli := acctest.NewCLI(t, emu, deploymentConfig("stuck", "  tier = 3"))
	run := cli.Start(ctx, "apply", "-auto-approve", "-no-color")
	waitFor(t, ctx, emu, "the rollback disabling the distribution", succeeded("UpdateDistribution"))
	waitFor(t, ctx, emu, "the rollback waiting for the disable", func(c awsemu.CallRecord) bool {
		return c.Operation == "GetDistribution" && c.Notes["enabled"] == "false" && c.Notes["status"] == "InProgress"
	})
	run.Interrupt()
	out, code := run.Wait(ctx)
	if code == 0 || code == -1 {
		t.Fatalf("the interrupted apply exited %d:\n%s", code, out)
	}
	for _, want := range []string{`Step\s+"public-url"\s+failed`, `rollback\s+was\s+interrupted`, `Left in AWS and kept in the Terraform state`, `cloudfront distribution E`} {
		if !regexp.MustCompile(`(?s)` + want).MatchString(out) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	for _, r := range emu.Inventory() {
		if r.Type != "network-interface" && r.Type != "volume" && !strings.Contains(out, r.ID) {
			t.Errorf("%s %s is left in AWS but not named", r.Type, r.ID)
		}
	}
	res := cli.State(ctx)
	if len(res) != 1 || !res[0].Tainted || res[0].Values["cloudfront_distribution_id"] == nil {
		t.Fatalf("state after the interruption: %+v", res)
	}
	if len(emu.Inventory()) == 0 {
		t.Fatal("nothing was left: the test proves nothing")
	}
	emu.ClearFaults()
	emu.Clock().Advance(1001 * time.Hour)
	cli.Write(emu, "")
	cli.MustRun(ctx, "destroy", "-auto-approve", "-no-color")
	if err := acctest.CheckInventoryEmpty(emu)(nil); err != nil {
		t.Fatal(err)
	}
}

// A first Ctrl-C during a create stops it within seconds without a
// rollback: the message says the apply was interrupted, nothing is deleted,
// Terraform saves what exists (tainted), and a destroy removes it.
func TestAccDeployment_interruptedCreateKeepsWhatExists(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"ec2.boot_duration": "1000h"} })
	cli := acctest.NewCLI(t, emu, deploymentConfig("ctrlc", ""))
	run := cli.Start(ctx, "apply", "-auto-approve", "-no-color")
	waitFor(t, ctx, emu, "the instance booting", succeeded("GetConsoleOutput"))
	seq := len(emu.Calls())
	run.Interrupt()
	out, code := run.Wait(ctx)
	if code == 0 || code == -1 {
		t.Fatalf("the interrupted apply exited %d:\n%s", code, out)
	}
	for _, want := range []string{`Creating\s+GeuseMaker\s+deployment\s+\(ctrlc\)\s+interrupted`, `The\s+apply\s+was\s+interrupted`,
		`without\s+a\s+rollback`, `instance\s+i-`, `vpc\s+vpc-`} {
		if !regexp.MustCompile(`(?s)` + want).MatchString(out) {
			t.Errorf("the output lacks %q:\n%s", want, out)
		}
	}
	for _, c := range emu.Calls()[seq:] {
		if c.Service == "ssm" && c.Operation == "DeleteParameter" {
			continue // the create's lease, released
		}
		if strings.HasPrefix(c.Operation, "Delete") || strings.HasPrefix(c.Operation, "Terminate") || strings.HasPrefix(c.Operation, "Detach") {
			t.Errorf("call #%d %s.%s: an interrupted create started a teardown", c.Seq, c.Service, c.Operation)
		}
	}
	res := cli.State(ctx)
	if len(res) != 1 || !res[0].Tainted || res[0].Values["instance_id"] == nil || res[0].Values["vpc_id"] == nil {
		t.Fatalf("state after the interruption: %+v", res)
	}
	checkOneStack(t, emu, map[string]int{"vpc": 1, "instance": 1, "file-system": 1})
	cli.MustRun(ctx, "destroy", "-auto-approve", "-no-color")
	if err := acctest.CheckInventoryEmpty(emu)(nil); err != nil {
		t.Fatal(err)
	}
}

// The AWS calls of a plan of an unchanged tier-3 deployment: provider
// configuration (STS), the refresh with its drift checks, and the plan's
// own checks.
func TestAccDeployment_unchangedPlanCalls(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	emu := acctest.Emulator(t)
	cli := acctest.NewCLI(t, emu, deploymentConfig("calls", "  tier = 3"))
	cli.MustRun(ctx, "apply", "-auto-approve", "-no-color")
	before := len(emu.Calls())
	if out, code := cli.Run(ctx, "plan", "-detailed-exitcode", "-no-color"); code != 0 {
		t.Fatalf("plan exited %d:\n%s", code, out)
	}
	var ops []string
	for _, c := range emu.Calls()[before:] {
		ops = append(ops, c.Service+"."+c.Operation)
	}
	t.Logf("an unchanged tier-3 plan makes %d AWS calls: %s", len(ops), strings.Join(ops, " "))
	if len(ops) > maxUnchangedPlanCalls {
		t.Errorf("%d calls, budget %d", len(ops), maxUnchangedPlanCalls)
	}
	cli.MustRun(ctx, "destroy", "-auto-approve", "-no-color")
	if err := acctest.CheckInventoryEmpty(emu)(nil); err != nil {
		t.Fatal(err)
	}
}

// maxUnchangedPlanCalls keeps the cost of an unchanged plan from creeping up:
// 18 (measured) since the refresh reads each object once and its drift
// checks use those answers (the target is 16).
const maxUnchangedPlanCalls = 18
