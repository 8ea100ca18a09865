package provider

import (
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestOnlyTimeoutsChanged(t *testing.T) {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"name":     tftypes.String,
		"cost":     tftypes.Number,
		"timeouts": tftypes.Object{AttributeTypes: map[string]tftypes.Type{"delete": tftypes.String}},
	}}
	// The state holds the cost read back at a higher precision than the
	// float64 the plan computes.
	precise, _, err := big.ParseFloat("0.0832", 10, 512, big.ToNearestEven)
	if err != nil {
		t.Fatal(err)
	}
	obj := func(name string, cost tftypes.Value, del string) tftypes.Value {
		return tftypes.NewValue(typ, map[string]tftypes.Value{
			"name": tftypes.NewValue(tftypes.String, name),
			"cost": cost,
			"timeouts": tftypes.NewValue(typ.AttributeTypes["timeouts"], map[string]tftypes.Value{
				"delete": tftypes.NewValue(tftypes.String, del),
			}),
		})
	}
	state := obj("a", tftypes.NewValue(tftypes.Number, precise), "1m")
	for _, tc := range []struct {
		name string
		plan tftypes.Value
		want bool
	}{
		{"timeouts alone, float64 cost", obj("a", tftypes.NewValue(tftypes.Number, big.NewFloat(0.0832)), "3h"), true},
		{"timeouts alone, cost unknown", obj("a", tftypes.NewValue(tftypes.Number, tftypes.UnknownValue), "3h"), true},
		{"timeouts and name", obj("b", tftypes.NewValue(tftypes.Number, big.NewFloat(0.0832)), "3h"), false},
		{"timeouts and cost", obj("a", tftypes.NewValue(tftypes.Number, big.NewFloat(0.1)), "3h"), false},
		{"nothing", state, false},
	} {
		if got := onlyTimeoutsChanged(tc.plan, state); got != tc.want {
			t.Errorf("%s: onlyTimeoutsChanged = %v, want %v", tc.name, got, tc.want)
		}
	}
}
