package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/cost"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

// The capacity block (on-demand or Spot), the instance_lifecycle and
// spot_price it leads to, and the Spot price the plan's cost estimate uses.

var capacityAttrTypes = map[string]attr.Type{
	"market": types.StringType, "on_demand_fallback": types.BoolType, "max_spot_price": types.Float64Type,
}

type capacityModel struct {
	Market           types.String  `tfsdk:"market"`
	OnDemandFallback types.Bool    `tfsdk:"on_demand_fallback"`
	MaxSpotPrice     types.Float64 `tfsdk:"max_spot_price"`
}

func defaultCapacity() types.Object {
	return capacityObject(deployment.DefaultCapacity())
}

func capacityObject(c deployment.CapacitySpec) types.Object {
	market := c.Market
	if market == "" {
		market = deployment.MarketOnDemand
	}
	maxPrice := types.Float64Null()
	if c.MaxSpotPrice > 0 {
		maxPrice = types.Float64Value(c.MaxSpotPrice)
	}
	return mustObject(capacityAttrTypes, map[string]attr.Value{
		"market": types.StringValue(market), "on_demand_fallback": types.BoolValue(c.OnDemandFallback), "max_spot_price": maxPrice,
	})
}

// capacitySpec reads the capacity block; null (a state written before the
// block existed) is the default.
func capacitySpec(ctx context.Context, o types.Object, diags *diag.Diagnostics) deployment.CapacitySpec {
	if o.IsNull() || o.IsUnknown() {
		return deployment.DefaultCapacity()
	}
	m := objectAs[capacityModel](ctx, o, diags)
	c := deployment.CapacitySpec{Market: m.Market.ValueString(), OnDemandFallback: true, MaxSpotPrice: m.MaxSpotPrice.ValueFloat64()}
	if c.Market == "" {
		c.Market = deployment.MarketOnDemand
	}
	if !m.OnDemandFallback.IsNull() && !m.OnDemandFallback.IsUnknown() {
		c.OnDemandFallback = m.OnDemandFallback.ValueBool()
	}
	return c
}

func capacitySchema() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{Optional: true, Computed: true, Default: objectdefault.StaticValue(defaultCapacity()),
		MarkdownDescription: "How the instance is bought. On-demand by default. With `market = \"spot\"` the instance is a one-time Spot instance " +
			"(usually a third to a half of the on-demand price) in the cheapest of the deployment's zones (by current Spot price, and placement score where EC2 gives one); " +
			"when no zone has Spot capacity at an acceptable price it is launched on-demand (`on_demand_fallback`). The services' data lives on EFS, " +
			"so a Spot instance reclaimed by AWS loses nothing stored there: the next plan shows it missing and the apply launches a new one. " +
			"Work in flight when AWS reclaims it (running n8n executions, an Ollama generation) is lost after AWS's two-minute notice. " +
			"Changing `market` replaces the instance when it does not fit the new market; `on_demand_fallback` and `max_spot_price` apply to the next launch.",
		Attributes: map[string]schema.Attribute{
			"market": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(deployment.MarketOnDemand),
				MarkdownDescription: "`on-demand` (default) or `spot`.",
				Validators:          []validator.String{stringvalidator.OneOf(deployment.MarketOnDemand, deployment.MarketSpot)}},
			"on_demand_fallback": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "With `market = \"spot\"`: launch on-demand when every zone fails for Spot (`InsufficientInstanceCapacity`, `SpotMaxPriceTooLow`, `MaxSpotInstanceCountExceeded`, `Unsupported`); `instance_lifecycle` then says `on-demand` and the apply warns. When false the apply fails with what each zone answered."},
			"max_spot_price": schema.Float64Attribute{Optional: true,
				MarkdownDescription: "With `market = \"spot\"`: the highest hourly price in USD to pay for Spot. Unset, EC2 caps it at the on-demand price. A zone whose Spot price is above it answers `SpotMaxPriceTooLow` and the next zone is tried.",
				Validators:          []validator.Float64{float64validator.AtLeast(0.0001)}},
		}}
}

const (
	instanceLifecycleDescription = "The instance's purchase option as EC2 reports it: `spot` or `on-demand` (a Spot deployment that fell back to on-demand says `on-demand`). Null while there is no instance."
	spotPriceDescription         = "Hourly Spot price in USD in the instance's zone when it launched (null for an on-demand instance)."
)

// setCapacityObserved writes instance_lifecycle and spot_price.
func (m *deploymentModel) setCapacityObserved(st *deployment.State) {
	m.InstanceLifecycle = stringOrNull(st.Lifecycle)
	if st.InstanceID == "" {
		m.InstanceLifecycle = types.StringNull()
	}
	m.SpotPrice = types.Float64Null()
	if st.Lifecycle == deployment.MarketSpot && st.SpotPrice > 0 {
		m.SpotPrice = types.Float64Value(st.SpotPrice)
	}
}

// planCapacityObserved sets instance_lifecycle and spot_price in a plan:
// a new instance of the on-demand market is known to be on-demand, one of
// the Spot market is known after apply; a kept instance keeps them.
func planCapacityObserved(ctx context.Context, plan, state *deploymentModel, newInstance bool, diags *diag.Diagnostics) {
	if !newInstance && state != nil {
		plan.InstanceLifecycle, plan.SpotPrice = state.InstanceLifecycle, state.SpotPrice
		return
	}
	if plan.Capacity.IsUnknown() {
		plan.InstanceLifecycle, plan.SpotPrice = types.StringUnknown(), types.Float64Unknown()
		return
	}
	if capacitySpec(ctx, plan.Capacity, diags).Spot() {
		plan.InstanceLifecycle, plan.SpotPrice = types.StringUnknown(), types.Float64Unknown()
		return
	}
	plan.InstanceLifecycle, plan.SpotPrice = types.StringValue(deployment.MarketOnDemand), types.Float64Null()
}

// capacityChanges says what the plan's capacity does to the instance: a
// market it does not fit replaces it, and so does a type change of a Spot
// instance. launchedMarket is the record's (the market the instance was
// launched for).
func capacityChanges(ctx context.Context, plan, state *deploymentModel, launchedMarket string, diags *diag.Diagnostics) (market, spotInstance bool) {
	lifecycle := state.InstanceLifecycle.ValueString()
	if state.InstanceID.ValueString() == "" {
		lifecycle = ""
	}
	if plan.Capacity.IsUnknown() {
		return lifecycle != "", lifecycle == deployment.MarketSpot
	}
	want := capacitySpec(ctx, plan.Capacity, diags).Market
	return deployment.MarketReplaces(want, lifecycle, launchedMarket), lifecycle == deployment.MarketSpot
}

// addFallbackWarning tells the user that a Spot deployment's new instance
// runs on-demand, and why.
func addFallbackWarning(diags *diag.Diagnostics, name, priorInstance string, st *deployment.State) {
	if st == nil || st.SpotFallback == "" || st.InstanceID == "" || st.InstanceID == priorInstance {
		return
	}
	diags.AddWarning(fmt.Sprintf("GeuseMaker deployment (%s) runs on-demand", name),
		"capacity.market is \"spot\", but "+st.SpotFallback+
			". instance_lifecycle says on-demand. The instance stays on-demand until it is replaced (a change of services, models or instance type, or after it is terminated); set capacity.on_demand_fallback = false to fail instead.")
}

// spotQuoter reads the current Spot price for the plan's cost estimate, at
// most once per plan.
type spotQuoter struct {
	client *conns.AWSClient
	done   bool
	quote  deployment.SpotQuote
	ok     bool
	err    error
}

func (q *spotQuoter) get(ctx context.Context, instanceType string, zones []string) (deployment.SpotQuote, bool, error) {
	if !q.done {
		q.done = true
		if q.client == nil {
			q.err = fmt.Errorf("the provider is not configured")
		} else {
			q.quote, q.ok, q.err = deployment.QuoteSpot(ctx, q.client.EC2(), instanceType, zones)
			tflog.Debug(ctx, "Spot price for the cost estimate", map[string]any{"instance_type": instanceType, "zone": q.quote.Zone, "price": q.quote.Price, "ok": q.ok})
		}
	}
	return q.quote, q.ok, q.err
}

// spotCostInput fills the Spot part of a cost input: the current price of
// the cheapest eligible zone (capped by max_spot_price), or the state's
// when the inputs that decide it did not change. It returns a warning when
// the price is unknown (the estimate then prices on-demand).
func spotCostInput(ctx context.Context, in *cost.Input, plan, state *deploymentModel, quotes *spotQuoter, zones func() ([]string, error), diags *diag.Diagnostics) string {
	if plan.Capacity.IsUnknown() {
		return ""
	}
	c := capacitySpec(ctx, plan.Capacity, diags)
	if !c.Spot() {
		return ""
	}
	in.Market, in.SpotBasis = cost.MarketSpot, "current price of the cheapest eligible zone"
	if p, basis, ok := stateSpotPrice(plan, state); ok {
		// The state's figure and what it was based on (the cap, say), so
		// that an unchanged plan shows no difference.
		in.SpotPrice = p
		if basis != "" {
			in.SpotBasis = basis
		}
		return ""
	}
	if quotes == nil {
		in.Market = ""
		return "the Spot price is not known here: the compute line is priced on-demand"
	}
	zs, err := zones()
	var q deployment.SpotQuote
	var ok bool
	if err == nil {
		q, ok, err = quotes.get(ctx, plan.InstanceType.ValueString(), zs)
	}
	switch {
	case err != nil:
		in.Market = ""
		return "the Spot price could not be read (" + err.Error() + "): the compute line is priced on-demand"
	case !ok:
		in.Market = ""
		return "EC2 reports no Spot price for " + plan.InstanceType.ValueString() + " in the deployment's zones: the compute line is priced on-demand"
	}
	in.SpotPrice = cost.Round(q.Price)
	if c.MaxSpotPrice > 0 && q.Price > c.MaxSpotPrice {
		in.SpotPrice, in.SpotBasis = c.MaxSpotPrice, "capped by max_spot_price"
		return fmt.Sprintf("the current Spot price of %s (%s/h in %s) is above capacity.max_spot_price (%s/h): Spot launches fail with SpotMaxPriceTooLow until it falls, and the instance then runs on-demand (on_demand_fallback) or the apply fails",
			plan.InstanceType.ValueString(), strconv.FormatFloat(q.Price, 'f', -1, 64), q.Zone, strconv.FormatFloat(c.MaxSpotPrice, 'f', -1, 64))
	}
	return ""
}

// stateSpotPrice is the Spot price the state's estimate used, and its basis
// as the compute line's detail names it, when the instance type and
// capacity are unchanged: unchanged plans make no AWS call and keep their
// figures.
func stateSpotPrice(plan, state *deploymentModel) (price float64, basis string, ok bool) {
	if state == nil || !state.InstanceType.Equal(plan.InstanceType) || !state.Capacity.Equal(plan.Capacity) || state.CostBreakdown.IsNull() || state.CostBreakdown.IsUnknown() {
		return 0, "", false
	}
	line, ok := state.CostBreakdown.Attributes()["compute"].(types.Object)
	if !ok || line.IsNull() || line.IsUnknown() {
		return 0, "", false
	}
	hourly, ok := line.Attributes()["hourly"].(types.Float64)
	detail, _ := line.Attributes()["detail"].(types.String)
	if !ok || hourly.IsNull() || hourly.IsUnknown() || hourly.ValueFloat64() <= 0 || !strings.Contains(detail.ValueString(), " Spot Linux at ") {
		return 0, "", false // priced on-demand then: the Spot price was not known
	}
	// "<type> Spot Linux at $P/h (<basis>; on-demand $D/h: ...)"
	if _, rest, found := strings.Cut(detail.ValueString(), "/h ("); found {
		basis, _, _ = strings.Cut(rest, "; on-demand ")
	}
	return hourly.ValueFloat64(), basis, true
}

// planZones gives the zones the instance may run in, for the Spot quote:
// those of the deployment's subnets, or nil for a dedicated VPC not made
// yet (QuoteSpot then takes the zones its subnets will be made in).
func (r *deploymentResource) planZones(ctx context.Context, config, state *deploymentModel) func() ([]string, error) {
	var diags diag.Diagnostics
	var ids []string
	switch {
	case state != nil && !state.SubnetIDs.IsUnknown():
		ids = listOf(ctx, state.SubnetIDs, &diags)
	case !config.SubnetIDs.IsNull() && !config.SubnetIDs.IsUnknown():
		ids = listOf(ctx, config.SubnetIDs, &diags)
	}
	return subnetZones(ctx, r.client, ids)
}

// subnetZones gives the zones of subnets ids, nil for none.
func subnetZones(ctx context.Context, client *conns.AWSClient, ids []string) func() ([]string, error) {
	return func() ([]string, error) {
		if len(ids) == 0 || client == nil {
			return nil, nil
		}
		return deployment.SubnetZones(ctx, client.EC2(), ids)
	}
}
