package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// readCostEstimate reads geusemaker_cost_estimate through the protocol
// server of a provider that was never configured (no client), with the given
// top-level arguments; every other attribute is null.
func readCostEstimate(t *testing.T, args map[string]tftypes.Value) *tfprotov6.ReadDataSourceResponse {
	t.Helper()
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s, ok := schemas.DataSourceSchemas["geusemaker_cost_estimate"]
	if !ok {
		t.Fatal("geusemaker_cost_estimate is not registered")
	}
	objType := s.ValueType().(tftypes.Object)
	values := map[string]tftypes.Value{}
	for name, typ := range objType.AttributeTypes {
		values[name] = tftypes.NewValue(typ, nil)
	}
	for name, v := range args {
		if _, ok := values[name]; !ok {
			t.Fatalf("no attribute %q", name)
		}
		values[name] = v
	}
	config, err := tfprotov6.NewDynamicValue(objType, tftypes.NewValue(objType, values))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "geusemaker_cost_estimate", Config: &config})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// Unknown inputs are warning diagnostics (never errors) on the attribute
// that is unknown, and the result is still stored. The acceptance tests see
// the warnings attribute; only here can the diagnostics themselves be seen.
func TestCostEstimateRead_unknownInputsWarn(t *testing.T) {
	t.Parallel()
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	cases := []struct {
		name         string
		args         map[string]tftypes.Value
		path, detail string
	}{
		{"instance type", map[string]tftypes.Value{"instance_type": str("z9.mega")}, "instance_type", `no price for instance type "z9.mega" in region us-east-1`},
		{"region", map[string]tftypes.Value{"region": str("xx-moon-1")}, "region", `no prices for region "xx-moon-1"`},
		{"price class", map[string]tftypes.Value{"cdn_price_class": str("PriceClass_Cheap")}, "cdn_price_class", `unknown CloudFront price class "PriceClass_Cheap"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := map[string]tftypes.Value{
				"tier":          tftypes.NewValue(tftypes.Number, 3),
				"instance_type": str("g5.xlarge"),
				"region":        str("us-east-1"),
			}
			for k, v := range tc.args {
				args[k] = v
			}
			resp := readCostEstimate(t, args)
			if len(resp.Diagnostics) != 1 {
				t.Fatalf("want one diagnostic, got %d: %+v", len(resp.Diagnostics), resp.Diagnostics)
			}
			d := resp.Diagnostics[0]
			if d.Severity != tfprotov6.DiagnosticSeverityWarning {
				t.Errorf("severity %v, want warning", d.Severity)
			}
			if d.Summary != "Cost estimate unknown" {
				t.Errorf("summary %q", d.Summary)
			}
			if !strings.Contains(strings.ToLower(d.Detail), strings.ToLower(tc.detail)) || !strings.Contains(d.Detail, "null") {
				t.Errorf("detail %q does not contain %q and say the figures are null", d.Detail, tc.detail)
			}
			if d.Attribute == nil || d.Attribute.String() != `AttributeName("`+tc.path+`")` {
				t.Errorf("diagnostic attribute %v, want %s", d.Attribute, tc.path)
			}
			if resp.State == nil {
				t.Fatal("no state stored with the warning")
			}
		})
	}
}

// Without a configured provider (no client) the region must be given: the
// error names the region attribute instead of dereferencing a nil client.
func TestCostEstimateRead_unconfiguredProviderNeedsRegion(t *testing.T) {
	t.Parallel()
	resp := readCostEstimate(t, map[string]tftypes.Value{
		"tier":          tftypes.NewValue(tftypes.Number, 1),
		"instance_type": tftypes.NewValue(tftypes.String, "t3.large"),
	})
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Severity != tfprotov6.DiagnosticSeverityError {
		t.Fatalf("want one error, got %+v", resp.Diagnostics)
	}
	d := resp.Diagnostics[0]
	if d.Summary != "Missing region" || d.Attribute == nil || d.Attribute.String() != `AttributeName("region")` {
		t.Errorf("got %q at %v, want Missing region at region", d.Summary, d.Attribute)
	}

	// With a region, the unconfigured provider estimates normally.
	resp = readCostEstimate(t, map[string]tftypes.Value{
		"tier":          tftypes.NewValue(tftypes.Number, 1),
		"instance_type": tftypes.NewValue(tftypes.String, "t3.large"),
		"region":        tftypes.NewValue(tftypes.String, "us-east-1"),
	})
	if len(resp.Diagnostics) != 0 {
		t.Fatalf("unexpected diagnostics: %+v", resp.Diagnostics)
	}
}
