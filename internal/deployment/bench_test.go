package deployment

import (
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
)

// benchSpeed dilates time 100-fold: a call's millisecond of real time is
// 0.1 s of virtual time, about what an AWS API call takes, and a tier-3
// create of about 18 virtual minutes takes 11 real seconds.
const benchSpeed = 100.0

// benchDeployment creates, refreshes and destroys a tier-3 GPU deployment
// on the emulator with the real poll schedules on its dilated clock, and
// measures each operation against the floor the emulator's lifecycle events
// give (internal/emutest.Measure). The provider-level benchmark (make bench)
// measures the same through Terraform, with every call counted.
func benchDeployment(tb testing.TB) (create, refresh, destroy *emutest.Phase) {
	tb.Helper()
	env := newTestEnvDilated(tb, benchSpeed)
	spec := testSpec("bench", TierGPU)
	spec.InstanceType, spec.GPU = "g5.xlarge", true
	spec.Models = nil

	from := emutest.MarkNow(env.emu)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		tb.Fatal(err)
	}
	to := emutest.MarkNow(env.emu)
	create = emutest.Measure(env.emu, "create", from, to, emutest.CreateOrder, 0)

	from = to
	if st, err = Refresh(env.ctx, env.c, spec, st); err != nil {
		tb.Fatal(err)
	}
	to = emutest.MarkNow(env.emu)
	refresh = emutest.Measure(env.emu, "refresh", from, to, nil, 0)

	from = to
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		tb.Fatal(err)
	}
	to = emutest.MarkNow(env.emu)
	destroy = emutest.Measure(env.emu, "destroy", from, to, emutest.DeleteOrder, 0)
	if inv := env.emu.Inventory(); len(inv) != 0 {
		tb.Fatalf("left behind: %+v", inv)
	}
	return create, refresh, destroy
}

// BenchmarkTier3 reports the orchestration's own numbers (no Terraform, no
// provider configuration or plan): go test ./internal/deployment -run '^$'
// -bench Tier3 -benchtime 1x -v.
func BenchmarkTier3(b *testing.B) {
	for i := 0; i < b.N; i++ {
		create, refresh, destroy := benchDeployment(b)
		for _, p := range []*emutest.Phase{create, refresh, destroy} {
			b.Log("\n" + p.Report())
		}
		b.ReportMetric(create.Virtual.Seconds(), "create-virtual-s")
		b.ReportMetric(create.Floor.Seconds(), "create-floor-s")
		b.ReportMetric(float64(create.TotalCalls()), "create-calls")
		b.ReportMetric(float64(refresh.TotalCalls()), "refresh-calls")
		b.ReportMetric(destroy.Virtual.Seconds(), "destroy-virtual-s")
		b.ReportMetric(destroy.Floor.Seconds(), "destroy-floor-s")
		b.ReportMetric(float64(destroy.TotalCalls()), "destroy-calls")
		b.ReportMetric(max(create.MaxOvershootPct(), destroy.MaxOvershootPct()), "max-overshoot-pct")
	}
}
