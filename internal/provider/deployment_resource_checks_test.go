package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// memPrivate is private state in memory.
type memPrivate map[string][]byte

func (m memPrivate) GetKey(_ context.Context, key string) ([]byte, diag.Diagnostics) {
	return m[key], nil
}

func (m memPrivate) SetKey(_ context.Context, key string, value []byte) diag.Diagnostics {
	m[key] = value
	return nil
}

// A recorded instance-type check answers only for the type it was made for.
func TestCheckedType(t *testing.T) {
	ctx := context.Background()
	p := memPrivate{}
	if _, ok := checkedType(ctx, p, "g5.xlarge"); ok {
		t.Fatal("a check found in empty private state")
	}
	if _, ok := checkedType(ctx, nil, "g5.xlarge"); ok {
		t.Fatal("a check found without private state (a create)")
	}
	var diags diag.Diagnostics
	recordTypeCheck(ctx, p, "g5.xlarge", true, &diags)
	if info, ok := checkedType(ctx, p, "g5.xlarge"); !ok || !info.HasGPU() || info.Name != "g5.xlarge" {
		t.Fatalf("recorded g5.xlarge with GPUs, read back %+v %v", info, ok)
	}
	if _, ok := checkedType(ctx, p, "t3.large"); ok {
		t.Fatal("the check of g5.xlarge answered for t3.large")
	}
	recordTypeCheck(ctx, p, "t3.large", false, &diags)
	if info, ok := checkedType(ctx, p, "t3.large"); !ok || info.HasGPU() {
		t.Fatalf("recorded t3.large without GPUs, read back %+v %v", info, ok)
	}
	p[typeCheckKey] = []byte("{not json")
	if _, ok := checkedType(ctx, p, "t3.large"); ok {
		t.Fatal("a corrupt record was trusted")
	}
	if diags.HasError() {
		t.Fatal(diags)
	}
}

// After a create, what the plan established is recorded: gpu taken from
// the type (unset) or required of it (true); gpu = false tells nothing.
func TestRecordCreatedType(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		config types.Bool
		want   bool
	}{
		{"gpu unset", types.BoolNull(), true},
		{"gpu true", types.BoolValue(true), true},
		{"gpu false", types.BoolValue(false), false},
	} {
		p := memPrivate{}
		var diags diag.Diagnostics
		plan := &deploymentModel{InstanceType: types.StringValue("g5.xlarge"), GPU: types.BoolValue(tc.config.ValueBool() || tc.config.IsNull())}
		config := &deploymentModel{GPU: tc.config}
		recordCreatedType(ctx, p, plan, config, &diags)
		if _, ok := checkedType(ctx, p, "g5.xlarge"); ok != tc.want {
			t.Errorf("%s: recorded %v, want %v", tc.name, ok, tc.want)
		}
	}
}
