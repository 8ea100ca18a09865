package acctest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// State files written by hand: a TestCase whose WorkingDir is base runs every
// Config step in one directory, base/work*, with the local backend's
// terraform.tfstate in it. A step's PreConfig can then rewrite that state
// through `terraform state push`, run with the same Terraform CLI the test
// uses, exactly as a user would push a state written by an older provider.
// (Import steps get directories of their own; PushState picks the one that
// holds a state.)

// StateDir returns the working directory that holds the TestCase's state.
func StateDir(t *testing.T, base string) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(base, "work*"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range dirs {
		if fileExists(filepath.Join(d, "terraform.tfstate")) {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("expected one working directory with a state under %s, found %v", base, found)
	}
	return found[0]
}

// ReadState parses the TestCase's state file.
func ReadState(t *testing.T, base string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(StateDir(t, base), "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("parsing the state file: %v", err)
	}
	return st
}

// ResourceInstance returns the state's (only) instance of the resource
// type.name, as stored: schema_version, attributes, private, …
func ResourceInstance(t *testing.T, st map[string]any, typ, name string) map[string]any {
	t.Helper()
	resources, _ := st["resources"].([]any)
	for _, r := range resources {
		res, _ := r.(map[string]any)
		if res["type"] == typ && res["name"] == name {
			instances, _ := res["instances"].([]any)
			if len(instances) == 1 {
				inst, _ := instances[0].(map[string]any)
				return inst
			}
		}
	}
	t.Fatalf("the state has no single instance of %s.%s", typ, name)
	return nil
}

// PushState edits the TestCase's state and pushes it with `terraform state
// push` (same lineage, next serial), using the test's Terraform CLI.
func PushState(t *testing.T, base string, edit func(st map[string]any)) {
	t.Helper()
	dir := StateDir(t, base)
	st := ReadState(t, base)
	edit(st)
	serial, _ := st["serial"].(float64)
	st["serial"] = serial + 1
	raw, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "pushed.tfstate")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	cmd := exec.CommandContext(context.Background(), tf, "state", "push", file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("terraform state push: %v\n%s", err, out.String())
	}
}

// ExpectNoDrift fails when refreshing the state changed the resource: the
// plan's resource_drift compares the state as stored (after any schema
// upgrade) with what Read made of it, so an upgrader that dropped or
// mis-mapped a value Read can rebuild from AWS is caught here even though
// the refreshed plan itself is empty.
func ExpectNoDrift(addr string) plancheck.PlanCheck { return noDrift{addr: addr} }

// ExpectNoDriftExcept is ExpectNoDrift for the attributes other than
// ignore: attributes a state upgrade leaves null on purpose because only a
// refresh can know them.
func ExpectNoDriftExcept(addr string, ignore ...string) plancheck.PlanCheck {
	return noDrift{addr: addr, ignore: ignore}
}

type noDrift struct {
	addr   string
	ignore []string
}

func (c noDrift) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceDrift {
		if rc.Address != c.addr || rc.Change == nil {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		var diffs []string
		for k := range union(before, after) {
			if !reflect.DeepEqual(before[k], after[k]) && !slices.Contains(c.ignore, k) {
				diffs = append(diffs, fmt.Sprintf("%s: %v → %v", k, before[k], after[k]))
			}
		}
		if len(diffs) == 0 {
			// Only sensitivity marks differ (a state from a schema version
			// without the sensitive attribute): no value drifted.
			continue
		}
		sort.Strings(diffs)
		resp.Error = fmt.Errorf("refreshing %s changed the stored state:\n  %v", c.addr, diffs)
	}
}

func union(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}
