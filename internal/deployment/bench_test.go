package deployment

import (
	"testing"
	"time"
)

// Durations of the emulator's default lifecycles (see the knobs documented
// in internal/awsemu): what AWS makes a deployment wait for.
const (
	lifeVPC           = 1 * time.Second
	lifeEFS           = 10 * time.Second
	lifeMountTarget   = 90 * time.Second
	lifeIAMPropagate  = 8 * time.Second
	lifeInstanceGPU   = 45 * time.Second
	lifeBootGPU       = 6 * time.Minute
	lifeALB           = 3 * time.Minute
	lifeCloudFront    = 15 * time.Minute
	lifeTerminate     = 45 * time.Second
	lifeMountDelete   = 60 * time.Second
	lifeEFSDelete     = 10 * time.Second
	lifeENILinger     = 90 * time.Second
	benchSpeed        = 1000.0
	benchInstanceType = "g5.xlarge"
)

// The create's critical path: the load balancer (which needs the network and
// its security group) must be active before CloudFront starts, and CloudFront's
// rollout is the longest wait; the instance's boot and health overlap it.
// Doing everything in order, as the original CLI did, adds up every wait.
var (
	createCriticalPath = lifeVPC + lifeALB + lifeCloudFront
	createSequential   = lifeVPC + lifeEFS + lifeMountTarget + lifeIAMPropagate + lifeInstanceGPU + lifeBootGPU + lifeALB + lifeCloudFront
	deleteCriticalPath = lifeCloudFront // disable rollout; the rest is torn down meanwhile
	deleteSequential   = lifeCloudFront + lifeENILinger + lifeTerminate + lifeMountDelete + lifeEFSDelete
)

// BenchmarkTier3 creates and destroys a tier-3 GPU deployment against the
// emulator and reports, per operation, the virtual time it took on the
// emulator's clock, the critical path of AWS's waits and the sum of all
// waits, and the API calls made. Run with `make bench`.
func BenchmarkTier3(b *testing.B) {
	var createVirtual, deleteVirtual time.Duration
	var createCalls, deleteCalls int
	for i := 0; i < b.N; i++ {
		env := newBenchEnv(b)
		spec := testSpec("bench", TierGPU)
		spec.InstanceType, spec.GPU = benchInstanceType, true
		spec.Models = nil

		start := env.emu.Now()
		st, err := Create(env.ctx, env.c, spec)
		if err != nil {
			b.Fatal(err)
		}
		createVirtual += env.emu.Now().Sub(start)
		createCalls += totalCalls(env)

		before := totalCalls(env)
		start = env.emu.Now()
		if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
			b.Fatal(err)
		}
		deleteVirtual += env.emu.Now().Sub(start)
		deleteCalls += totalCalls(env) - before
		if inv := env.emu.Inventory(); len(inv) != 0 {
			b.Fatalf("left behind: %+v", inv)
		}
	}
	n := float64(b.N)
	b.ReportMetric(createVirtual.Seconds()/n, "create-virtual-s")
	b.ReportMetric(createCriticalPath.Seconds(), "create-critical-path-s")
	b.ReportMetric(createSequential.Seconds(), "create-sequential-s")
	b.ReportMetric(float64(createCalls)/n, "create-api-calls")
	b.ReportMetric(deleteVirtual.Seconds()/n, "delete-virtual-s")
	b.ReportMetric(deleteCriticalPath.Seconds(), "delete-critical-path-s")
	b.ReportMetric(deleteSequential.Seconds(), "delete-sequential-s")
	b.ReportMetric(float64(deleteCalls)/n, "delete-api-calls")
}

func newBenchEnv(b *testing.B) *testEnv {
	return newTestEnvTB(b, nil, benchSpeed)
}

func totalCalls(env *testEnv) int {
	n := 0
	for _, c := range env.emu.CallCounts() {
		n += c
	}
	return n
}
