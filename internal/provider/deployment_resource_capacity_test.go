package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/cost"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

// The state's Spot figure is reused by an unchanged plan with the basis its
// detail names; a change of type or capacity, or an on-demand figure, reads
// the price again.
func TestStateSpotPrice(t *testing.T) {
	spot := func(basis string) *deploymentModel {
		b, warnings, ok := cost.Estimate(cost.Input{Region: "us-east-1", Tier: 1, InstanceType: "t3.large", RootVolumeGiB: 100,
			Assumptions: cost.DefaultAssumptions(), Market: cost.MarketSpot, SpotPrice: 0.04, SpotBasis: basis})
		if !ok {
			t.Fatal(warnings)
		}
		breakdown, diags := costBreakdownObject(b)
		if diags.HasError() {
			t.Fatal(diags)
		}
		return &deploymentModel{InstanceType: types.StringValue("t3.large"),
			Capacity:      capacityObject(deployment.CapacitySpec{Market: deployment.MarketSpot, OnDemandFallback: true, MaxSpotPrice: 0.04}),
			CostBreakdown: breakdown}
	}
	state := spot("capped by max_spot_price")
	plan := spot("capped by max_spot_price")
	if p, basis, ok := stateSpotPrice(plan, state); !ok || p != 0.04 || basis != "capped by max_spot_price" {
		t.Errorf("unchanged: %v %q %v", p, basis, ok)
	}
	plan.InstanceType = types.StringValue("t3.xlarge")
	if _, _, ok := stateSpotPrice(plan, state); ok {
		t.Error("a new instance type reused the state's price")
	}
	plan = spot("x")
	plan.Capacity = capacityObject(deployment.CapacitySpec{Market: deployment.MarketSpot, OnDemandFallback: true})
	if _, _, ok := stateSpotPrice(plan, state); ok {
		t.Error("a new capacity reused the state's price")
	}
	b, _, _ := cost.Estimate(cost.Input{Region: "us-east-1", Tier: 1, InstanceType: "t3.large", RootVolumeGiB: 100, Assumptions: cost.DefaultAssumptions()})
	onDemand, _ := costBreakdownObject(b)
	state.CostBreakdown = onDemand
	if _, _, ok := stateSpotPrice(spot("x"), state); ok {
		t.Error("an on-demand figure was taken for a Spot price")
	}
}

// The fallback warning comes once, with the launch that fell back.
func TestAddFallbackWarning(t *testing.T) {
	st := &deployment.State{}
	st.InstanceID, st.SpotFallback = "i-new", "no zone had Spot capacity (us-east-1a: InsufficientInstanceCapacity)"
	var diags diag.Diagnostics
	addFallbackWarning(&diags, "demo", "i-old", st)
	if diags.WarningsCount() != 1 || !strings.Contains(diags[0].Detail(), "us-east-1a: InsufficientInstanceCapacity") || !strings.Contains(diags[0].Summary(), "runs on-demand") {
		t.Fatalf("new fallback instance: %v", diags)
	}
	diags = nil
	addFallbackWarning(&diags, "demo", "i-new", st)
	st2 := &deployment.State{}
	st2.InstanceID = "i-other"
	addFallbackWarning(&diags, "demo", "i-new", st2)
	if len(diags) != 0 {
		t.Fatalf("warned without a new fallback: %v", diags)
	}
}
