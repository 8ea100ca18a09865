package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/cost"
)

// Values shared by every cost surface (the geusemaker_cost_estimate data
// source, and the deployment resource's cost attributes): the Terraform
// shapes of cost_assumptions and cost_breakdown, their descriptions, and the
// conversions to and from internal/cost. The schema attributes themselves
// differ by package (datasource/schema, resource/schema), so only the types,
// descriptions and conversions live here.

// costAssumptionsModel is the cost_assumptions object.
type costAssumptionsModel struct {
	MonthlyRequests       types.Int64   `tfsdk:"monthly_requests"`
	MonthlyDataTransferGB types.Float64 `tfsdk:"monthly_data_transfer_gb"`
	EFSStorageGB          types.Float64 `tfsdk:"efs_storage_gb"`
}

// costAssumptionsAttrTypes is the object type of cost_assumptions.
var costAssumptionsAttrTypes = map[string]attr.Type{
	"monthly_requests":         types.Int64Type,
	"monthly_data_transfer_gb": types.Float64Type,
	"efs_storage_gb":           types.Float64Type,
}

// Descriptions of the cost_assumptions attributes; the defaults they quote
// are cost.DefaultAssumptions().
var (
	costAssumptionsDescription = "Usage figures the usage-based cost lines need. Every attribute is optional and defaults to the estimator's assumption; the resolved values are exported."
	monthlyRequestsDescription = fmt.Sprintf("HTTP(S) requests served per month (default `%d`). Drives the ALB's new-connection LCUs (tier ≥ 2) and CloudFront request charges (tier 3).",
		cost.DefaultAssumptions().MonthlyRequests)
	monthlyTransferDescription = fmt.Sprintf("GB sent to viewers per month (default `%s`). Internet egress in tiers 1-2, CloudFront transfer in tier 3; also drives the ALB's processed-bytes LCUs.",
		formatNumber(cost.DefaultAssumptions().MonthlyDataTransferGB))
	efsStorageDescription = fmt.Sprintf("Average GB stored on EFS during the month (default `%s`): the Ollama model store plus n8n, PostgreSQL and Qdrant data.",
		formatNumber(cost.DefaultAssumptions().EFSStorageGB))
)

// costLineAttrTypes is the object type of one cost_breakdown line.
var costLineAttrTypes = map[string]attr.Type{
	"hourly":  types.Float64Type,
	"monthly": types.Float64Type,
	"detail":  types.StringType,
}

// costLineNames are the cost_breakdown attributes, in cost.Breakdown.Lines()
// order, with their descriptions.
var costLineNames = []struct{ name, description string }{
	{"compute", "The instance's hourly price: on-demand Linux, or with the Spot market the Spot price, its detail naming the on-demand price and the saving."},
	{"root_volume", "The gp3 root volume: GiB × the region's GB-month rate."},
	{"efs", "EFS Standard storage: `efs_storage_gb` × the region's GB-month rate (bursting throughput has no throughput charge)."},
	{"load_balancer", "The Application Load Balancer (tier ≥ 2): hourly rate + LCUs × LCU-hour rate, at least one LCU. Zero in tier 1."},
	{"cloudfront_requests", "CloudFront HTTPS requests (tier 3): `monthly_requests` / 10,000 × the price class's rate. Zero below tier 3."},
	{"cloudfront_transfer", "CloudFront data transfer to viewers (tier 3): `monthly_data_transfer_gb` × the price class's first-10-TB per-GB rate. Zero below tier 3."},
	{"data_transfer", "Internet egress from the region (tiers 1-2): `monthly_data_transfer_gb` × the region's rate. Zero in tier 3, where viewers are served by CloudFront and origin fetches are free."},
}

// costBreakdownAttrTypes is the object type of cost_breakdown.
var costBreakdownAttrTypes = func() map[string]attr.Type {
	m := make(map[string]attr.Type, len(costLineNames))
	for _, l := range costLineNames {
		m[l.name] = types.ObjectType{AttrTypes: costLineAttrTypes}
	}
	return m
}()

const (
	costLineHourlyDescription  = "Hourly cost in USD, rounded to 4 decimals (usage-based lines: monthly / 730)."
	costLineMonthlyDescription = "Monthly cost in USD (730 hours), rounded to 4 decimals."
	costLineDetailDescription  = "How the figure was reached, e.g. `g5.xlarge on-demand Linux at $1.006/h`."
	costBreakdownDescription   = "The estimate per component. Lines not used by the tier are zero with a detail saying why. The lines add up to the totals. Null when the cost is unknown."
)

// costAssumptionsFromObject resolves cost_assumptions: a null object or a
// null attribute takes cost.DefaultAssumptions(). It returns the resolved
// assumptions and the object to store.
func costAssumptionsFromObject(ctx context.Context, obj types.Object) (cost.Assumptions, types.Object, diag.Diagnostics) {
	a := cost.DefaultAssumptions()
	var diags diag.Diagnostics
	if !obj.IsNull() && !obj.IsUnknown() {
		var m costAssumptionsModel
		diags.Append(obj.As(ctx, &m, basetypes.ObjectAsOptions{})...)
		if diags.HasError() {
			return a, types.ObjectNull(costAssumptionsAttrTypes), diags
		}
		if v := m.MonthlyRequests; !v.IsNull() && !v.IsUnknown() {
			a.MonthlyRequests = v.ValueInt64()
		}
		if v := m.MonthlyDataTransferGB; !v.IsNull() && !v.IsUnknown() {
			a.MonthlyDataTransferGB = v.ValueFloat64()
		}
		if v := m.EFSStorageGB; !v.IsNull() && !v.IsUnknown() {
			a.EFSStorageGB = v.ValueFloat64()
		}
	}
	out, d := types.ObjectValueFrom(ctx, costAssumptionsAttrTypes, costAssumptionsModel{
		MonthlyRequests:       types.Int64Value(a.MonthlyRequests),
		MonthlyDataTransferGB: types.Float64Value(a.MonthlyDataTransferGB),
		EFSStorageGB:          types.Float64Value(a.EFSStorageGB),
	})
	diags.Append(d...)
	return a, out, diags
}

// costBreakdownObject turns an estimate into the cost_breakdown object.
func costBreakdownObject(b cost.Breakdown) (types.Object, diag.Diagnostics) {
	var diags diag.Diagnostics
	lines := b.Lines()
	if len(lines) != len(costLineNames) {
		diags.AddError("Cost breakdown shape mismatch",
			fmt.Sprintf("The estimator returned %d lines, the schema has %d. Please report this issue to the provider developers.", len(lines), len(costLineNames)))
		return types.ObjectNull(costBreakdownAttrTypes), diags
	}
	values := make(map[string]attr.Value, len(lines))
	for i, l := range lines {
		obj, d := types.ObjectValue(costLineAttrTypes, map[string]attr.Value{
			"hourly":  types.Float64Value(l.Hourly),
			"monthly": types.Float64Value(l.Monthly),
			"detail":  types.StringValue(l.Detail),
		})
		diags.Append(d...)
		values[costLineNames[i].name] = obj
	}
	if diags.HasError() {
		return types.ObjectNull(costBreakdownAttrTypes), diags
	}
	obj, d := types.ObjectValue(costBreakdownAttrTypes, values)
	diags.Append(d...)
	return obj, diags
}

// costWarningPath names the input a cost.Estimate warning is about, so the
// warning diagnostic points at it; paths maps "instance_type", "region",
// "cdn_price_class" and "root_volume_size" to where those inputs live in the
// calling schema. ok is false for a warning it cannot place.
func costWarningPath(warning string, paths map[string]path.Path) (p path.Path, ok bool) {
	var key string
	switch {
	case strings.Contains(warning, "price class"):
		key = "cdn_price_class"
	case strings.Contains(warning, "instance type"):
		key = "instance_type"
	case strings.Contains(warning, "region"):
		key = "region"
	case strings.Contains(warning, "root volume"):
		key = "root_volume_size"
	}
	p, ok = paths[key]
	return p, ok
}

func formatNumber(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", v), ".0") }
