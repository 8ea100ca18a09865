package provider

import (
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A cost planned as a float64 matches the state's decimal it was written
// as (Terraform shows no change), and nothing else does.
func TestSameNumber(t *testing.T) {
	decimal := func(s string) *tftypes.Value {
		f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		v := tftypes.NewValue(tftypes.Number, f)
		return &v
	}
	float := func(f float64) *tftypes.Value {
		v := tftypes.NewValue(tftypes.Number, big.NewFloat(f))
		return &v
	}
	unknown := tftypes.NewValue(tftypes.Number, tftypes.UnknownValue)
	null := tftypes.NewValue(tftypes.Number, nil)
	str := tftypes.NewValue(tftypes.String, "1.0812")
	cases := []struct {
		name string
		a, b *tftypes.Value
		want bool
	}{
		{"float64 and its decimal", float(1.0812), decimal("1.0812"), true},
		{"monthly cost", float(789.345), decimal("789.345"), true},
		{"changed cost", float(1.0812), decimal("1.0813"), false},
		{"unknown", &unknown, decimal("1"), false},
		{"null", &null, decimal("1"), false},
		{"missing", nil, decimal("1"), false},
		{"not a number", &str, decimal("1.0812"), false},
	}
	if float(1.0812).Equal(*decimal("1.0812")) {
		t.Fatal("the raw values compare equal: the test shows nothing")
	}
	for _, tc := range cases {
		if got := sameNumber(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
