package provider

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/cost"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
)

var _ function.Function = (*estimateMonthlyCostFunction)(nil)

// defaultFunctionRegion is the region estimate_monthly_cost prices when the
// call names none. Terraform calls provider functions on a provider instance
// that has not been configured, so the provider's region is never visible to
// a function: without an explicit region argument the answer would otherwise
// depend on how Terraform happened to schedule provider instances.
const defaultFunctionRegion = "us-east-1"

// maxSuggestedTypes bounds the instance types an error message lists.
const maxSuggestedTypes = 12

// Argument positions of estimate_monthly_cost, for argument errors.
const (
	argTier int64 = iota
	argInstanceType
	argRegion
)

// estimateMonthlyCostFunction is provider::geusemaker::estimate_monthly_cost.
type estimateMonthlyCostFunction struct{}

func newEstimateMonthlyCostFunction() function.Function { return &estimateMonthlyCostFunction{} }

func (f *estimateMonthlyCostFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "estimate_monthly_cost"
}

func (f *estimateMonthlyCostFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	d := cost.DefaultAssumptions()
	resp.Definition = function.Definition{
		Summary: "Estimated monthly cost in USD of a GeuseMaker deployment",
		MarkdownDescription: fmt.Sprintf("Returns the estimated monthly cost in USD (730 hours) of a `geusemaker_deployment` of the given tier and instance type, "+
			"from the provider's embedded price table (as of %s). No AWS call is made. Requires Terraform 1.8 or later.\n\n"+
			"**Region:** the optional third argument; when it is omitted the function prices `%s`. "+
			"Terraform does not pass the provider configuration to functions, so the provider's `region` is not used: "+
			"pass it explicitly, e.g. `provider::geusemaker::estimate_monthly_cost(2, \"t3.large\", var.region)`.\n\n"+
			"**Spot:** after the region, `\"spot\"` and the hourly Spot price in USD price the instance on Spot, "+
			"e.g. `provider::geusemaker::estimate_monthly_cost(3, \"g5.xlarge\", \"us-east-1\", \"spot\", 0.39)` "+
			"(a function cannot read the current price from AWS: the `geusemaker_cost_estimate` data source can). `\"on-demand\"` is the default.\n\n"+
			"The estimate uses a %d GiB gp3 root volume, CloudFront `%s` (tier 3) and the default usage assumptions "+
			"(%d requests, %s GB to viewers and %s GB of EFS per month). For other inputs, a breakdown or a warning instead of an error "+
			"when a price is unknown, use the `geusemaker_cost_estimate` data source.\n\n"+
			"An instance type or region the price table does not know is an error naming the argument and what is supported.",
			cost.PriceTableDate(), defaultFunctionRegion, defaultRootVolumeGiB, cost.DefaultPriceClass,
			d.MonthlyRequests, formatNumber(d.MonthlyDataTransferGB), formatNumber(d.EFSStorageGB)),
		Parameters: []function.Parameter{
			function.Int64Parameter{
				Name:                "tier",
				MarkdownDescription: "Deployment tier: `1` (instance and EFS), `2` (+ Application Load Balancer) or `3` (+ CloudFront).",
				Validators:          []function.Int64ParameterValidator{int64validator.Between(tier.Min, tier.Max)},
			},
			function.StringParameter{
				Name:                "instance_type",
				MarkdownDescription: "EC2 instance type, e.g. `t3.large` or `g5.xlarge`.",
				Validators:          []function.StringParameterValidator{stringvalidator.LengthAtLeast(1)},
			},
		},
		VariadicParameter: function.StringParameter{
			Name: "options",
			MarkdownDescription: fmt.Sprintf("Optional, in this order: the region to price (default `%s`); the market, `on-demand` (default) or `spot`; "+
				"with `spot`, the hourly Spot price in USD (a number).", defaultFunctionRegion),
		},
		Return: function.Float64Return{},
	}
}

func (f *estimateMonthlyCostFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var (
		tier         int64
		instanceType string
		regions      []string
	)
	resp.Error = req.Arguments.Get(ctx, &tier, &instanceType, &regions)
	if resp.Error != nil {
		return
	}
	region := defaultFunctionRegion
	if len(regions) > 0 {
		region = regions[0]
	}
	market, spotPrice, funcErr := functionMarket(regions)
	if funcErr != nil {
		resp.Error = funcErr
		return
	}

	if !slices.Contains(cost.SupportedRegions(), strings.ToLower(strings.TrimSpace(region))) {
		resp.Error = function.NewArgumentFuncError(argRegion,
			fmt.Sprintf("The price table of %s has no prices for region %q. Regions priced: %s", cost.PriceTableDate(), region, strings.Join(cost.SupportedRegions(), ", ")))
		return
	}
	if _, ok := cost.InstancePrice(region, instanceType); !ok {
		resp.Error = function.NewArgumentFuncError(argInstanceType, unknownInstanceTypeMessage(region, instanceType))
		return
	}

	b, warnings, ok := cost.Estimate(cost.Input{
		Region:        region,
		Tier:          int(tier),
		InstanceType:  instanceType,
		RootVolumeGiB: defaultRootVolumeGiB,
		PriceClass:    cost.DefaultPriceClass,
		Assumptions:   cost.DefaultAssumptions(),
		Market:        market,
		SpotPrice:     spotPrice,
		SpotBasis:     "the given Spot price",
	})
	if !ok {
		// Unreachable with validated arguments; kept so a future estimator
		// rule still surfaces as an error rather than a wrong number.
		resp.Error = function.NewFuncError("The cost cannot be estimated: " + strings.Join(warnings, "; "))
		return
	}
	resp.Error = resp.Result.Set(ctx, b.Monthly)
}

// functionMarket reads the market and Spot price that follow the region in
// estimate_monthly_cost's optional arguments.
func functionMarket(opts []string) (market string, spotPrice float64, err *function.FuncError) {
	market = cost.MarketOnDemand
	if len(opts) > 1 {
		market = strings.TrimSpace(opts[1])
	}
	switch market {
	case cost.MarketOnDemand:
		if len(opts) > 2 {
			return "", 0, function.NewArgumentFuncError(argRegion+2,
				fmt.Sprintf("estimate_monthly_cost takes a Spot price only after \"spot\", got %s", strings.Join(quoteAll(opts[1:]), ", ")))
		}
		return market, 0, nil
	case cost.MarketSpot:
	default:
		return "", 0, function.NewArgumentFuncError(argRegion+1,
			fmt.Sprintf("The market must be %q or %q, got %q", cost.MarketOnDemand, cost.MarketSpot, opts[1]))
	}
	switch {
	case len(opts) < 3:
		return "", 0, function.NewArgumentFuncError(argRegion+1,
			"With \"spot\" the next argument is the hourly Spot price in USD, e.g. (3, \"g5.xlarge\", \"us-east-1\", \"spot\", 0.39): a function cannot read the current price from AWS (the geusemaker_cost_estimate data source can)")
	case len(opts) > 3:
		return "", 0, function.NewArgumentFuncError(argRegion+3,
			fmt.Sprintf("estimate_monthly_cost takes at most three optional arguments (region, market, Spot price), got %d: %s", len(opts), strings.Join(quoteAll(opts), ", ")))
	}
	p, perr := strconv.ParseFloat(strings.TrimSpace(opts[2]), 64)
	if perr != nil || !(p > 0) || math.IsInf(p, 0) {
		return "", 0, function.NewArgumentFuncError(argRegion+2, fmt.Sprintf("The Spot price must be a positive number of USD per hour, got %q", opts[2]))
	}
	return market, p, nil
}

// unknownInstanceTypeMessage explains that instanceType has no price in
// region, where it has one, and which types are priced there: the same
// family when there are any, otherwise the first maxSuggestedTypes. Like
// every function error text it has no final period: Terraform adds one.
func unknownInstanceTypeMessage(region, instanceType string) string {
	region = strings.ToLower(strings.TrimSpace(region))
	supported := cost.SupportedInstanceTypes(region)
	var b strings.Builder
	fmt.Fprintf(&b, "The price table of %s has no price for instance type %q in %s", cost.PriceTableDate(), instanceType, region)
	var elsewhere []string
	for _, r := range cost.SupportedRegions() {
		if _, ok := cost.InstancePrice(r, instanceType); ok {
			elsewhere = append(elsewhere, r)
		}
	}
	if len(elsewhere) > 0 {
		fmt.Fprintf(&b, " (it is priced in %s)", strings.Join(elsewhere, ", "))
	}

	family, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(instanceType)), ".")
	var sameFamily []string
	for _, t := range supported {
		if strings.HasPrefix(t, family+".") {
			sameFamily = append(sameFamily, t)
		}
	}
	if family != "" && len(sameFamily) > 0 {
		fmt.Fprintf(&b, ". %s sizes priced in %s: %s", family, region, shortList(sameFamily))
	} else {
		fmt.Fprintf(&b, ". Instance types priced in %s: %s", region, shortList(supported))
	}
	b.WriteString(". The geusemaker_cost_estimate data source lists them all in its warning")
	return b.String()
}

// shortList joins at most maxSuggestedTypes names and says how many more
// there are.
func shortList(names []string) string {
	if len(names) <= maxSuggestedTypes {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxSuggestedTypes], ", "), len(names)-maxSuggestedTypes)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
