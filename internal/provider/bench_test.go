//go:build bench

package provider_test

import (
	"fmt"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
)

// The call budgets per tier-3 GPU deployment: a create (plan and apply)
// and an unchanged plan, every call counted, STS included. Both are issue
// 17's targets: 127 calls measured per create, 16 per unchanged plan (one
// read per kind of object the drift checks compare, no STS: BENCH.md).
const (
	maxBenchCreateCalls  = 130
	maxBenchRefreshCalls = 16
)

// TestBench is `make bench`: one tier-3 GPU deployment, then ten in one
// configuration, each created, planned again unchanged and destroyed
// through the Terraform CLI with the provider's real poll schedules on the
// emulator's dilated clock. It prints each operation's virtual time against
// the floor the emulator's lifecycle events give, its calls by operation,
// its polls and the overshoot of each wait, and ends with one summary line
// (the single deployment's).
//
// It fails on call counts only (over budget, or ten deployments costing
// more than ten times one); virtual times and overshoots are reported, not
// asserted, since the clock runs on while the client itself works.
func TestBench(t *testing.T) {
	one := acctest.BenchDeployments(t, acctest.BenchSpeed, 1)
	report(one)
	ten := acctest.BenchDeployments(t, acctest.BenchSpeed, 10)
	report(ten)
	for _, r := range []*acctest.BenchResult{one, ten} {
		if c := r.Create.TotalCalls(); c > maxBenchCreateCalls*r.N {
			t.Errorf("%d deployment(s): the create made %d calls, over %d per deployment", r.N, c, maxBenchCreateCalls)
		}
		if c := r.Refresh.TotalCalls(); c > maxBenchRefreshCalls*r.N {
			t.Errorf("%d deployment(s): the unchanged plan made %d calls, over %d per deployment", r.N, c, maxBenchRefreshCalls)
		}
	}
	for _, p := range []struct {
		op       string
		one, ten int
	}{
		{"create", one.Create.TotalCalls(), ten.Create.TotalCalls()},
		{"refresh", one.Refresh.TotalCalls(), ten.Refresh.TotalCalls()},
		{"destroy", one.Destroy.TotalCalls(), ten.Destroy.TotalCalls()},
	} {
		if p.ten > 10*p.one {
			t.Errorf("%s: ten deployments made %d calls, more than ten times one's %d", p.op, p.ten, p.one)
		}
	}
	fmt.Printf("\n10 deployments / 10 × 1: create calls %.2f, refresh calls %.2f, destroy calls %.2f\n",
		ratio(ten.Create.TotalCalls(), one.Create.TotalCalls()), ratio(ten.Refresh.TotalCalls(), one.Refresh.TotalCalls()),
		ratio(ten.Destroy.TotalCalls(), one.Destroy.TotalCalls()))
	fmt.Println(one.Summary())
}

func report(r *acctest.BenchResult) {
	fmt.Printf("\n######## %d tier-3 GPU deployment(s) in one configuration\n", r.N)
	for _, p := range []interface{ Report() string }{r.Create, r.Refresh, r.Destroy} {
		fmt.Print(p.Report())
	}
	fmt.Println(r.Summary())
}

func ratio(ten, one int) float64 { return float64(ten) / float64(10*one) }
