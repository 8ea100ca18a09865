//go:build bench

package provider_test

import (
	"fmt"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
)

// TestBench is `make bench`: one tier-3 GPU deployment, then ten in one
// configuration, each created, planned again unchanged and destroyed
// through the Terraform CLI with the provider's real poll schedules on the
// emulator's dilated clock. It prints each operation's virtual time against
// the floor the emulator's lifecycle events give, its calls by operation,
// its polls and the overshoot of each wait, and ends with one summary line.
func TestBench(t *testing.T) {
	one := acctest.BenchDeployments(t, acctest.BenchSpeed, 1)
	report(one)
	ten := acctest.BenchDeployments(t, acctest.BenchSpeed, 10)
	report(ten)
	for _, p := range [][2]int{
		{one.Create.TotalCalls(), ten.Create.TotalCalls()},
		{one.Refresh.TotalCalls(), ten.Refresh.TotalCalls()},
		{one.Destroy.TotalCalls(), ten.Destroy.TotalCalls()},
	} {
		if p[1] > 10*p[0] {
			t.Errorf("ten deployments made %d calls, more than ten times one's %d", p[1], p[0])
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
