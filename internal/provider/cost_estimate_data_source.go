package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/float64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/cost"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
)

var _ datasource.DataSourceWithConfigure = (*costEstimateDataSource)(nil)

// Bounds of root_volume_size: those geusemaker_deployment accepts (the
// stack's images need about 20 GiB; gp3 volumes end at 16 TiB).
const (
	minRootVolumeGiB = 30
	maxRootVolumeGiB = 16384
	// defaultRootVolumeGiB is geusemaker_deployment's default.
	defaultRootVolumeGiB = 100
)

// costEstimateDataSource prices a deployment from the embedded price table.
// It never calls AWS: the client is only read for its configured region.
type costEstimateDataSource struct {
	client *conns.AWSClient
}

type costEstimateModel struct {
	Tier                 types.Int64   `tfsdk:"tier"`
	InstanceType         types.String  `tfsdk:"instance_type"`
	Region               types.String  `tfsdk:"region"`
	RootVolumeSize       types.Int64   `tfsdk:"root_volume_size"`
	CDNPriceClass        types.String  `tfsdk:"cdn_price_class"`
	CostAssumptions      types.Object  `tfsdk:"cost_assumptions"`
	Market               types.String  `tfsdk:"market"`
	SpotPrice            types.Float64 `tfsdk:"spot_price"`
	EstimatedHourlyCost  types.Float64 `tfsdk:"estimated_hourly_cost"`
	EstimatedMonthlyCost types.Float64 `tfsdk:"estimated_monthly_cost"`
	CostBreakdown        types.Object  `tfsdk:"cost_breakdown"`
	PriceTableDate       types.String  `tfsdk:"price_table_date"`
	Warnings             types.List    `tfsdk:"warnings"`
}

func newCostEstimateDataSource() datasource.DataSource { return &costEstimateDataSource{} }

func (d *costEstimateDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cost_estimate"
}

func (d *costEstimateDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	line := func(description string) schema.SingleNestedAttribute {
		return schema.SingleNestedAttribute{Computed: true, MarkdownDescription: description,
			Attributes: map[string]schema.Attribute{
				"hourly":  schema.Float64Attribute{Computed: true, MarkdownDescription: costLineHourlyDescription},
				"monthly": schema.Float64Attribute{Computed: true, MarkdownDescription: costLineMonthlyDescription},
				"detail":  schema.StringAttribute{Computed: true, MarkdownDescription: costLineDetailDescription},
			}}
	}
	lines := make(map[string]schema.Attribute, len(costLineNames))
	for _, l := range costLineNames {
		lines[l.name] = line(l.description)
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Estimates what a `geusemaker_deployment` costs to run, from the provider's embedded, dated price table " +
			"(on-demand Linux prices, EBS gp3, EFS Standard, ALB, CloudFront per price class, internet egress; a month is 730 hours). " +
			"It makes no AWS call, so it works with `skip_credentials_validation` and `skip_requesting_account_id` and without network access, " +
			"except to read the current Spot price when `market = \"spot\"` is given without `spot_price`.\n\n" +
			"An instance type, region or price class the table does not know gives a warning naming what is supported, " +
			"and the figures are null; it is never an error. Free tiers are not deducted.",
		Attributes: map[string]schema.Attribute{
			"tier": schema.Int64Attribute{Required: true,
				MarkdownDescription: "Deployment tier: `1` (instance and EFS), `2` (+ Application Load Balancer) or `3` (+ CloudFront).",
				Validators:          []validator.Int64{int64validator.Between(tier.Min, tier.Max)}},
			"instance_type": schema.StringAttribute{Required: true,
				MarkdownDescription: "EC2 instance type, e.g. `t3.large` or `g5.xlarge`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)}},
			"region": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Region to price. Defaults to the provider's `region`; required when the provider has none configured."},
			"root_volume_size": schema.Int64Attribute{Optional: true, Computed: true,
				MarkdownDescription: fmt.Sprintf("Root volume size in GiB (gp3), %d to %d. Default `%d`, as for `geusemaker_deployment`.", minRootVolumeGiB, maxRootVolumeGiB, defaultRootVolumeGiB),
				Validators:          []validator.Int64{int64validator.Between(minRootVolumeGiB, maxRootVolumeGiB)}},
			"cdn_price_class": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: fmt.Sprintf("CloudFront price class (tier 3): %s. Default `%s`. Each class is priced at the highest first-10-TB rate among the geographies it serves.",
					codeList(cost.PriceClasses()), cost.DefaultPriceClass)},
			"cost_assumptions": schema.SingleNestedAttribute{Optional: true, Computed: true,
				MarkdownDescription: costAssumptionsDescription,
				Attributes: map[string]schema.Attribute{
					"monthly_requests": schema.Int64Attribute{Optional: true, Computed: true,
						MarkdownDescription: monthlyRequestsDescription,
						Validators:          []validator.Int64{int64validator.AtLeast(0)}},
					"monthly_data_transfer_gb": schema.Float64Attribute{Optional: true, Computed: true,
						MarkdownDescription: monthlyTransferDescription,
						Validators:          []validator.Float64{float64validator.AtLeast(0)}},
					"efs_storage_gb": schema.Float64Attribute{Optional: true, Computed: true,
						MarkdownDescription: efsStorageDescription,
						Validators:          []validator.Float64{float64validator.AtLeast(0)}},
				}},
			"market": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "How the instance is bought, as `geusemaker_deployment`'s `capacity.market`: `on-demand` (default) or `spot`. " +
					"With `spot` the compute line is priced at `spot_price`, its detail naming the on-demand price and the saving.",
				Validators: []validator.String{stringvalidator.OneOf(cost.MarketOnDemand, cost.MarketSpot)}},
			"spot_price": schema.Float64Attribute{Optional: true, Computed: true,
				MarkdownDescription: "With `market = \"spot\"`: the hourly Spot price in USD to price the instance at. " +
					"Unset, the provider reads the current price of the cheapest of the two zones a deployment's own VPC would use " +
					"(one `DescribeSpotPriceHistory` call, in the provider's region only); when it cannot, a warning says why and the compute line is priced on-demand. " +
					"Null with `market = \"on-demand\"`.",
				Validators: []validator.Float64{float64validator.AtLeast(0.0001)}},
			"estimated_hourly_cost": schema.Float64Attribute{Computed: true,
				MarkdownDescription: "Estimated cost per hour in USD: the sum of the breakdown's hourly figures. Null when the cost is unknown."},
			"estimated_monthly_cost": schema.Float64Attribute{Computed: true,
				MarkdownDescription: "Estimated cost per month (730 hours) in USD: the sum of the breakdown's monthly figures. Null when the cost is unknown."},
			"cost_breakdown": schema.SingleNestedAttribute{Computed: true,
				MarkdownDescription: costBreakdownDescription,
				Attributes:          lines},
			"price_table_date": schema.StringAttribute{Computed: true,
				MarkdownDescription: "As-of date (YYYY-MM-DD) of the embedded price table."},
			"warnings": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Why the estimate is unknown or incomplete (each is also reported as a warning); empty when there is nothing to say."},
		},
	}
}

func (d *costEstimateDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *costEstimateDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m costEstimateModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}

	switch {
	case !m.Region.IsNull():
	case d.client != nil && d.client.Region != "":
		m.Region = types.StringValue(d.client.Region)
	default:
		resp.Diagnostics.AddAttributeError(path.Root("region"), "Missing region",
			"The provider has no region configured, so the cost estimate needs one: set region, for example region = \"us-east-1\".")
		return
	}
	if m.RootVolumeSize.IsNull() {
		m.RootVolumeSize = types.Int64Value(defaultRootVolumeGiB)
	}
	if m.CDNPriceClass.IsNull() {
		m.CDNPriceClass = types.StringValue(cost.DefaultPriceClass)
	}
	assumptions, assumptionsObj, diags := costAssumptionsFromObject(ctx, m.CostAssumptions)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.CostAssumptions = assumptionsObj

	in := cost.Input{
		Region:        m.Region.ValueString(),
		Tier:          int(m.Tier.ValueInt64()),
		InstanceType:  m.InstanceType.ValueString(),
		RootVolumeGiB: int(m.RootVolumeSize.ValueInt64()),
		PriceClass:    m.CDNPriceClass.ValueString(),
		Assumptions:   assumptions,
	}
	spotWarning := d.spotInput(ctx, &m, &in, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	b, warnings, ok := cost.Estimate(in)
	if spotWarning != "" {
		warnings = append(warnings, spotWarning)
	}

	m.PriceTableDate = types.StringValue(cost.PriceTableDate())
	if ok {
		m.EstimatedHourlyCost = types.Float64Value(b.Hourly)
		m.EstimatedMonthlyCost = types.Float64Value(b.Monthly)
		m.CostBreakdown, diags = costBreakdownObject(b)
		resp.Diagnostics.Append(diags...)
	} else {
		m.EstimatedHourlyCost = types.Float64Null()
		m.EstimatedMonthlyCost = types.Float64Null()
		m.CostBreakdown = types.ObjectNull(costBreakdownAttrTypes)
	}
	if warnings == nil {
		warnings = []string{}
	}
	m.Warnings, diags = types.ListValueFrom(ctx, types.StringType, warnings)
	resp.Diagnostics.Append(diags...)

	addCostWarnings(&resp.Diagnostics, warnings, ok)

	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// addCostWarnings reports each estimate warning, on the argument it is
// about when there is one; ok is whether the estimate is known.
func addCostWarnings(diags *diag.Diagnostics, warnings []string, ok bool) {
	summary := "Cost estimate incomplete"
	if !ok {
		summary = "Cost estimate unknown"
	}
	paths := map[string]path.Path{
		"instance_type":    path.Root("instance_type"),
		"region":           path.Root("region"),
		"cdn_price_class":  path.Root("cdn_price_class"),
		"root_volume_size": path.Root("root_volume_size"),
	}
	for _, w := range warnings {
		detail := upperFirst(w) + "."
		if !ok {
			detail += " The estimated costs and the breakdown are null."
		}
		if p, placed := costWarningPath(w, paths); placed {
			diags.AddAttributeWarning(p, summary, detail)
		} else {
			diags.AddWarning(summary, detail)
		}
	}
}

// spotInput sets the market of in: on-demand, or Spot at spot_price, or at
// the current price of the cheapest zone read from EC2. It returns a
// warning when the Spot price cannot be had (the estimate is then priced
// on-demand, and spot_price is null).
func (d *costEstimateDataSource) spotInput(ctx context.Context, m *costEstimateModel, in *cost.Input, diags *diag.Diagnostics) string {
	if m.Market.IsNull() {
		m.Market = types.StringValue(cost.MarketOnDemand)
	}
	if m.Market.ValueString() != cost.MarketSpot {
		if !m.SpotPrice.IsNull() {
			diags.AddAttributeError(path.Root("spot_price"), "Spot price without the Spot market",
				"spot_price prices the instance on Spot and applies only with market = \"spot\".")
		}
		m.SpotPrice = types.Float64Null()
		return ""
	}
	in.Market = cost.MarketSpot
	if !m.SpotPrice.IsNull() {
		in.SpotPrice, in.SpotBasis = m.SpotPrice.ValueFloat64(), "the given spot_price"
		return ""
	}
	m.SpotPrice = types.Float64Null()
	in.Market = ""
	switch {
	case d.client == nil:
		return "spot_price is not set and the provider is not configured to read the current Spot price: the compute line is priced on-demand"
	case !strings.EqualFold(d.client.Region, in.Region):
		return fmt.Sprintf("spot_price is not set and the current Spot price is read in the provider's region (%s) only, not %s: the compute line is priced on-demand", d.client.Region, in.Region)
	}
	if _, ok := cost.InstancePrice(in.Region, in.InstanceType); !ok {
		return "" // Estimate says the type is not priced
	}
	q, ok, err := deployment.QuoteSpot(ctx, d.client.EC2(), in.InstanceType, nil)
	switch {
	case err != nil:
		return "the current Spot price could not be read (" + err.Error() + "): the compute line is priced on-demand"
	case !ok:
		return "EC2 reports no Spot price for " + in.InstanceType + " in " + in.Region + ": the compute line is priced on-demand"
	}
	in.Market, in.SpotPrice = cost.MarketSpot, cost.Round(q.Price)
	in.SpotBasis = "current price in " + q.Zone + ", the cheapest of a new deployment's zones"
	m.SpotPrice = types.Float64Value(in.SpotPrice)
	return ""
}

// codeList renders names as a Markdown list of code spans: `a`, `b` or `c`.
func codeList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "`" + n + "`"
	}
	if len(quoted) < 2 {
		return strings.Join(quoted, "")
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
