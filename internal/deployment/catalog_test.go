package deployment

import (
	"testing"
)

// The catalog asks EC2 once per instance type and keeps no failure; a nil
// catalog asks every time.
func TestCatalogRemembersAnswersNotFailures(t *testing.T) {
	env := newTestEnv(t, nil)
	calls := func() int { return env.emu.CallCounts()["ec2.DescribeInstanceTypes"] }
	k := NewCatalog()
	for range 2 {
		it, err := k.InstanceType(env.ctx, env.c.EC2, "g5.xlarge")
		if err != nil || !it.HasGPU() {
			t.Fatalf("g5.xlarge: %+v, %v", it, err)
		}
	}
	if n := calls(); n != 1 {
		t.Errorf("%d DescribeInstanceTypes for two lookups, want 1", n)
	}
	for range 2 {
		if _, err := k.InstanceType(env.ctx, env.c.EC2, "x9.nothing"); err == nil {
			t.Fatal("an unknown type was found")
		}
	}
	if n := calls(); n != 3 {
		t.Errorf("%d DescribeInstanceTypes after two failed lookups, want 3 (failures are asked again)", n)
	}
	var none *Catalog
	for range 2 {
		if _, err := none.InstanceType(env.ctx, env.c.EC2, "g5.xlarge"); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls(); n != 5 {
		t.Errorf("%d DescribeInstanceTypes, want 5: a nil catalog keeps nothing", n)
	}
}
