package provider_test

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
)

// Rates from internal/cost/prices.json (as of 2026-01-19), written out so the
// expectations below are computed by hand, independently of cost.Estimate.
const (
	priceTableDate = "2026-01-19"
	hoursPerMonth  = 730.0

	// regions["us-east-1"]
	useT3Large        = 0.0832 // instances["t3.large"]
	useM7iXlarge      = 0.2016 // instances["m7i.xlarge"]
	useG5Xlarge       = 1.006  // instances["g5.xlarge"]
	useGP3            = 0.08   // gp3_per_gb_month
	useEFS            = 0.3    // efs_standard_per_gb_month
	useALBHour        = 0.0225 // alb_per_hour
	useALBLCUHour     = 0.008  // alb_per_lcu_hour
	useInternetEgress = 0.09   // internet_egress_per_gb

	// regions["eu-west-1"]
	euwG5Xlarge = 1.123  // instances["g5.xlarge"]
	euwGP3      = 0.088  // gp3_per_gb_month
	euwEFS      = 0.33   // efs_standard_per_gb_month
	euwALBHour  = 0.0252 // alb_per_hour
	euwALBLCU   = 0.008  // alb_per_lcu_hour

	// cloudfront: a class is priced at the highest rate among its geographies.
	// PriceClass_100 = us_mexico_canada (0.085/GB, 0.01/10k) and
	// europe_israel_turkiye (0.085/GB, 0.012/10k).
	pc100PerGB    = 0.085
	pc100HTTPS10k = 0.012
	// PriceClass_All adds hong_kong_southeast_asia_korea_taiwan (0.12/GB) and
	// south_africa_kenya_nigeria_middle_east / south_america (0.022/10k).
	pcAllPerGB    = 0.12
	pcAllHTTPS10k = 0.022
)

// wantLine is one expected cost_breakdown line.
type wantLine struct {
	hourly, monthly float64
	detail          string
}

// round4 is the estimator's documented rounding: 4 decimals, half away from zero.
func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// fixedLine is an hourly-priced line: monthly = hourly × 730.
func fixedLine(hourly float64, detail string) wantLine {
	return wantLine{hourly: round4(hourly), monthly: round4(hourly * hoursPerMonth), detail: detail}
}

// usageLine is a monthly-priced line: hourly = monthly / 730.
func usageLine(monthly float64, detail string) wantLine {
	return wantLine{hourly: round4(monthly / hoursPerMonth), monthly: round4(monthly), detail: detail}
}

func zeroLine(detail string) wantLine { return wantLine{detail: detail} }

// wantBreakdown lists the seven lines in schema order.
type wantBreakdown struct {
	compute, rootVolume, efs, loadBalancer, cfRequests, cfTransfer, dataTransfer wantLine
}

func (w wantBreakdown) lines() map[string]wantLine {
	return map[string]wantLine{
		"compute": w.compute, "root_volume": w.rootVolume, "efs": w.efs, "load_balancer": w.loadBalancer,
		"cloudfront_requests": w.cfRequests, "cloudfront_transfer": w.cfTransfer, "data_transfer": w.dataTransfer,
	}
}

// totals sums the rounded lines, as the estimator documents.
func (w wantBreakdown) totals() (hourly, monthly float64) {
	for _, l := range w.lines() {
		hourly += l.hourly
		monthly += l.monthly
	}
	return round4(hourly), round4(monthly)
}

// checks asserts the totals, every breakdown line exactly and the
// other computed attributes of data source addr.
func (w wantBreakdown) checks(t *testing.T, addr string, wantHourly, wantMonthly float64) []statecheck.StateCheck {
	t.Helper()
	// The helpers above and the hand-written totals must agree: a mistake in
	// either shows here rather than as a confusing state mismatch.
	if h, m := w.totals(); h != wantHourly || m != wantMonthly {
		t.Fatalf("hand-computed totals %v/h %v/month disagree with the lines' sums %v/h %v/month", wantHourly, wantMonthly, h, m)
	}
	lines := map[string]knownvalue.Check{}
	for name, l := range w.lines() {
		lines[name] = knownvalue.ObjectExact(map[string]knownvalue.Check{
			"hourly":  knownvalue.Float64Exact(l.hourly),
			"monthly": knownvalue.Float64Exact(l.monthly),
			"detail":  knownvalue.StringExact(l.detail),
		})
	}
	return []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("estimated_hourly_cost"), knownvalue.Float64Exact(wantHourly)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("estimated_monthly_cost"), knownvalue.Float64Exact(wantMonthly)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("cost_breakdown"), knownvalue.ObjectExact(lines)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("price_table_date"), knownvalue.StringExact(priceTableDate)),
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("warnings"), knownvalue.ListExact([]knownvalue.Check{})),
	}
}

// offlineProvider configures the provider so that it cannot reach AWS: dummy
// static keys, no STS call at configure time, and every endpoint a closed
// local port with a single attempt. Any AWS call the data source made would
// fail the test.
func offlineProvider(region string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `provider "geusemaker" {
  region                      = %q
  access_key                  = "AKIAIOSFODNN7EXAMPLE"
  secret_key                  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  max_retries                 = 1
  endpoints {
`, region)
	for _, svc := range conns.Services {
		fmt.Fprintf(&b, "    %s = \"http://127.0.0.1:1\"\n", svc)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

func costEstimateTest(t *testing.T, steps ...resource.TestStep) {
	t.Helper()
	acctest.PreCheck(t)
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps:                    steps,
	})
}

// Tier 1, t3.large in us-east-1, every default: root 100 GiB, 1,000,000
// requests, 100 GB to viewers, 50 GB of EFS.
func TestAccCostEstimate_tier1Defaults(t *testing.T) {
	want := wantBreakdown{
		compute:      fixedLine(useT3Large, "t3.large on-demand Linux at $0.0832/h"),                                          // 0.0832/h, 60.736/month
		rootVolume:   usageLine(100*useGP3, "100 GiB gp3 at $0.08/GB-month"),                                                  // 8/month, 0.011/h
		efs:          usageLine(50*useEFS, "50 GB EFS Standard at $0.3/GB-month (bursting throughput, no throughput charge)"), // 15/month, 0.0205/h
		loadBalancer: zeroLine("no load balancer in tier 1"),
		cfRequests:   zeroLine("no CloudFront in tier 1"),
		cfTransfer:   zeroLine("no CloudFront in tier 1"),
		dataTransfer: usageLine(100*useInternetEgress, "100 GB to the internet at $0.09/GB"), // 9/month, 0.0123/h
	}
	const addr = "data.geusemaker_cost_estimate.t1"
	costEstimateTest(t, resource.TestStep{
		Config: offlineProvider("us-east-1") + `
data "geusemaker_cost_estimate" "t1" {
  tier          = 1
  instance_type = "t3.large"
}`,
		// 60.736 + 8 + 15 + 9 = 92.736 per month; 0.0832 + 0.011 + 0.0205 + 0.0123 = 0.127 per hour.
		ConfigStateChecks: append(want.checks(t, addr, 0.127, 92.736),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("region"), knownvalue.StringExact("us-east-1")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("root_volume_size"), knownvalue.Int64Exact(100)),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("cdn_price_class"), knownvalue.StringExact("PriceClass_100")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("cost_assumptions"), knownvalue.ObjectExact(map[string]knownvalue.Check{
				"monthly_requests":         knownvalue.Int64Exact(1_000_000),
				"monthly_data_transfer_gb": knownvalue.Float64Exact(100),
				"efs_storage_gb":           knownvalue.Float64Exact(50),
			})),
		),
	})
}

// Tier 2 with explicit inputs: 1,460 GB a month is 2 GB per hour, so the ALB
// bills 2 LCUs (the processed-bytes dimension beats the one-LCU floor and the
// 5,000,000 requests' 0.076 new-connection LCUs); efs_storage_gb is left to
// its default of 50.
func TestAccCostEstimate_tier2Assumptions(t *testing.T) {
	want := wantBreakdown{
		compute:      fixedLine(useM7iXlarge, "m7i.xlarge on-demand Linux at $0.2016/h"),                                      // 0.2016/h, 147.168/month
		rootVolume:   usageLine(50*useGP3, "50 GiB gp3 at $0.08/GB-month"),                                                    // 4/month, 0.0055/h
		efs:          usageLine(50*useEFS, "50 GB EFS Standard at $0.3/GB-month (bursting throughput, no throughput charge)"), // 15/month, 0.0205/h
		loadBalancer: fixedLine(useALBHour+2*useALBLCUHour, "ALB at $0.0225/h + 2 LCU × $0.008/LCU-h"),                        // 0.0385/h, 28.105/month
		cfRequests:   zeroLine("no CloudFront in tier 2"),
		cfTransfer:   zeroLine("no CloudFront in tier 2"),
		dataTransfer: usageLine(1460*useInternetEgress, "1460 GB to the internet at $0.09/GB"), // 131.4/month, 0.18/h
	}
	const addr = "data.geusemaker_cost_estimate.t2"
	costEstimateTest(t, resource.TestStep{
		Config: offlineProvider("us-east-1") + `
data "geusemaker_cost_estimate" "t2" {
  tier             = 2
  instance_type    = "m7i.xlarge"
  region           = "us-east-1"
  root_volume_size = 50
  cost_assumptions = {
    monthly_requests         = 5000000
    monthly_data_transfer_gb = 1460
  }
}`,
		// 147.168 + 4 + 15 + 28.105 + 131.4 = 325.673 per month;
		// 0.2016 + 0.0055 + 0.0205 + 0.0385 + 0.18 = 0.4461 per hour.
		ConfigStateChecks: append(want.checks(t, addr, 0.4461, 325.673),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("cost_assumptions"), knownvalue.ObjectExact(map[string]knownvalue.Check{
				"monthly_requests":         knownvalue.Int64Exact(5_000_000),
				"monthly_data_transfer_gb": knownvalue.Float64Exact(1460),
				"efs_storage_gb":           knownvalue.Float64Exact(50),
			})),
		),
	})
}

// Tier 3, g5.xlarge in us-east-1 with every default (PriceClass_100). The
// first step's figure is also what estimate_monthly_cost(3, "g5.xlarge")
// returns.
func TestAccCostEstimate_tier3(t *testing.T) {
	us := wantBreakdown{
		compute:      fixedLine(useG5Xlarge, "g5.xlarge on-demand Linux at $1.006/h"),                                             // 1.006/h, 734.38/month
		rootVolume:   usageLine(100*useGP3, "100 GiB gp3 at $0.08/GB-month"),                                                      // 8/month, 0.011/h
		efs:          usageLine(50*useEFS, "50 GB EFS Standard at $0.3/GB-month (bursting throughput, no throughput charge)"),     // 15/month, 0.0205/h
		loadBalancer: fixedLine(useALBHour+1*useALBLCUHour, "ALB at $0.0225/h + 1 LCU × $0.008/LCU-h"),                            // 0.0305/h, 22.265/month
		cfRequests:   usageLine(1_000_000/10_000*pc100HTTPS10k, "1,000,000 HTTPS requests at $0.012 per 10,000 (PriceClass_100)"), // 1.2/month, 0.0016/h
		cfTransfer:   usageLine(100*pc100PerGB, "100 GB to viewers at $0.085/GB (PriceClass_100, first 10 TB tier)"),              // 8.5/month, 0.0116/h
		dataTransfer: zeroLine("served through CloudFront: viewer traffic is CloudFront transfer and origin fetches from the ALB are free"),
	}
	// The provider's region (eu-west-1) is the default; PriceClass_All.
	eu := wantBreakdown{
		compute:      fixedLine(euwG5Xlarge, "g5.xlarge on-demand Linux at $1.123/h"),                                             // 1.123/h, 819.79/month
		rootVolume:   usageLine(100*euwGP3, "100 GiB gp3 at $0.088/GB-month"),                                                     // 8.8/month, 0.0121/h
		efs:          usageLine(50*euwEFS, "50 GB EFS Standard at $0.33/GB-month (bursting throughput, no throughput charge)"),    // 16.5/month, 0.0226/h
		loadBalancer: fixedLine(euwALBHour+1*euwALBLCU, "ALB at $0.0252/h + 1 LCU × $0.008/LCU-h"),                                // 0.0332/h, 24.236/month
		cfRequests:   usageLine(1_000_000/10_000*pcAllHTTPS10k, "1,000,000 HTTPS requests at $0.022 per 10,000 (PriceClass_All)"), // 2.2/month, 0.003/h
		cfTransfer:   usageLine(100*pcAllPerGB, "100 GB to viewers at $0.12/GB (PriceClass_All, first 10 TB tier)"),               // 12/month, 0.0164/h
		dataTransfer: zeroLine("served through CloudFront: viewer traffic is CloudFront transfer and origin fetches from the ALB are free"),
	}
	const usAddr, euAddr = "data.geusemaker_cost_estimate.us", "data.geusemaker_cost_estimate.eu"
	costEstimateTest(t,
		resource.TestStep{
			Config: offlineProvider("us-east-1") + `
data "geusemaker_cost_estimate" "us" {
  tier          = 3
  instance_type = "g5.xlarge"
}`,
			// 734.38 + 8 + 15 + 22.265 + 1.2 + 8.5 = 789.345 per month;
			// 1.006 + 0.011 + 0.0205 + 0.0305 + 0.0016 + 0.0116 = 1.0812 per hour.
			ConfigStateChecks: us.checks(t, usAddr, 1.0812, 789.345),
		},
		resource.TestStep{
			Config: offlineProvider("eu-west-1") + `
data "geusemaker_cost_estimate" "eu" {
  tier            = 3
  instance_type   = "g5.xlarge"
  cdn_price_class = "PriceClass_All"
}`,
			// 819.79 + 8.8 + 16.5 + 24.236 + 2.2 + 12 = 883.526 per month;
			// 1.123 + 0.0121 + 0.0226 + 0.0332 + 0.003 + 0.0164 = 1.2103 per hour.
			ConfigStateChecks: append(eu.checks(t, euAddr, 1.2103, 883.526),
				statecheck.ExpectKnownValue(euAddr, tfjsonpath.New("region"), knownvalue.StringExact("eu-west-1"))),
		},
	)
}

// An input the price table does not know leaves the figures null and says
// why in warnings; the apply still succeeds.
func TestAccCostEstimate_unknownInputs(t *testing.T) {
	cases := []struct {
		name, args string
		warning    string
	}{
		{
			name: "instance type", args: `instance_type = "z9.mega"`,
			warning: `^no price for instance type "z9\.mega" in region us-east-1 in the price table of 2026-01-19: instance types priced in us-east-1 are c6i\.2xlarge, .*g5\.xlarge, .*t3\.large`,
		},
		{
			name: "instance type in another region", args: "instance_type = \"p5.48xlarge\"\n  region = \"eu-west-1\"",
			warning: `^no price for instance type "p5\.48xlarge" in region eu-west-1 .*\(it is priced in us-east-1\): instance types priced in eu-west-1 are `,
		},
		{
			name: "region", args: "instance_type = \"t3.large\"\n  region = \"xx-moon-1\"",
			warning: `^no prices for region "xx-moon-1" in the price table of 2026-01-19: regions priced are .*eu-west-1, .*us-east-1`,
		},
		{
			name: "price class", args: "instance_type = \"g5.xlarge\"\n  cdn_price_class = \"PriceClass_Cheap\"",
			warning: `^unknown CloudFront price class "PriceClass_Cheap": supported price classes are PriceClass_100, PriceClass_200, PriceClass_All$`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const addr = "data.geusemaker_cost_estimate.x"
			costEstimateTest(t, resource.TestStep{
				Config: offlineProvider("us-east-1") + fmt.Sprintf(`
data "geusemaker_cost_estimate" "x" {
  tier = 3
  %s
}

output "monthly_is_null" {
  value = data.geusemaker_cost_estimate.x.estimated_monthly_cost == null
}`, tc.args),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("estimated_hourly_cost"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("estimated_monthly_cost"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cost_breakdown"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("price_table_date"), knownvalue.StringExact(priceTableDate)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("warnings"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringRegexp(regexp.MustCompile(tc.warning)),
					})),
					statecheck.ExpectKnownOutputValue("monthly_is_null", knownvalue.Bool(true)),
				},
			})
		})
	}
}

// Invalid inputs are errors at plan time, scoped to the attribute.
func TestAccCostEstimate_invalidInputs(t *testing.T) {
	cases := []struct{ name, args, want string }{
		{"tier 0", `tier = 0`, `Attribute tier value must be between 1 and 3, got: 0`},
		{"tier 4", `tier = 4`, `Attribute tier value must be between 1 and 3, got: 4`},
		{"negative requests", "tier = 2\n  cost_assumptions = { monthly_requests = -1 }",
			`Attribute cost_assumptions\.monthly_requests value must be at least 0, got: -1`},
		{"negative transfer", "tier = 2\n  cost_assumptions = { monthly_data_transfer_gb = -0.5 }",
			`Attribute cost_assumptions\.monthly_data_transfer_gb value must be at least\s+0\.000000, got: -0\.500000`},
		{"negative efs", "tier = 2\n  cost_assumptions = { efs_storage_gb = -10 }",
			`Attribute cost_assumptions\.efs_storage_gb value must be at least 0\.000000,\s+got: -10\.000000`},
		{"small root volume", "tier = 1\n  root_volume_size = 8", `Attribute root_volume_size value must be between 30 and\s+16384, got: 8`},
		{"missing tier", ``, `The argument "tier" is required`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			costEstimateTest(t, resource.TestStep{
				Config: offlineProvider("us-east-1") + fmt.Sprintf(`
data "geusemaker_cost_estimate" "x" {
  instance_type = "t3.large"
  %s
}`, tc.args),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(tc.want),
			})
		})
	}
}

// With market = "spot" the compute line is priced at the given spot_price,
// without any AWS call (the provider is offline), naming the on-demand price
// and the saving; the other lines are unchanged.
func TestAccCostEstimate_spotGivenPrice(t *testing.T) {
	spot := wantBreakdown{
		compute:      fixedLine(0.39, "g5.xlarge Spot Linux at $0.39/h (the given spot_price; on-demand $1.006/h: saving $0.616/h, $449.68/month, 61%)"), // 284.7/month
		rootVolume:   usageLine(100*useGP3, "100 GiB gp3 at $0.08/GB-month"),
		efs:          usageLine(50*useEFS, "50 GB EFS Standard at $0.3/GB-month (bursting throughput, no throughput charge)"),
		loadBalancer: fixedLine(useALBHour+1*useALBLCUHour, "ALB at $0.0225/h + 1 LCU × $0.008/LCU-h"),
		cfRequests:   usageLine(1_000_000/10_000*pc100HTTPS10k, "1,000,000 HTTPS requests at $0.012 per 10,000 (PriceClass_100)"),
		cfTransfer:   usageLine(100*pc100PerGB, "100 GB to viewers at $0.085/GB (PriceClass_100, first 10 TB tier)"),
		dataTransfer: zeroLine("served through CloudFront: viewer traffic is CloudFront transfer and origin fetches from the ALB are free"),
	}
	const addr = "data.geusemaker_cost_estimate.x"
	costEstimateTest(t, resource.TestStep{
		Config: offlineProvider("us-east-1") + `
data "geusemaker_cost_estimate" "x" {
  tier          = 3
  instance_type = "g5.xlarge"
  market        = "spot"
  spot_price    = 0.39
}`,
		// 789.345 - 734.38 + 284.7 = 339.665 per month; 1.0812 - 1.006 + 0.39 = 0.4652 per hour.
		ConfigStateChecks: append(spot.checks(t, addr, 0.4652, 339.665),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("market"), knownvalue.StringExact("spot")),
			statecheck.ExpectKnownValue(addr, tfjsonpath.New("spot_price"), knownvalue.Float64Exact(0.39))),
	})
}

// Without spot_price the data source reads the current Spot price of the
// cheapest of a new deployment's zones from EC2 (here the emulator's, set by
// a knob); an offline provider cannot, and the estimate is priced
// on-demand with a warning; spot_price without the Spot market is an error.
func TestAccCostEstimate_spotCurrentPrice(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) {
		o.Knobs = map[string]string{"ec2.spot_price": "g5.xlarge@us-east-1a=0.4411,g5.xlarge@us-east-1b=0.4023"}
	})
	const addr = "data.geusemaker_cost_estimate.x"
	config := `
data "geusemaker_cost_estimate" "x" {
  tier          = 1
  instance_type = "g5.xlarge"
  market        = "spot"
}`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("spot_price"), knownvalue.Float64Exact(0.4023)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cost_breakdown").AtMapKey("compute").AtMapKey("hourly"), knownvalue.Float64Exact(0.4023)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cost_breakdown").AtMapKey("compute").AtMapKey("detail"),
						knownvalue.StringRegexp(regexp.MustCompile(`^g5\.xlarge Spot Linux at \$0\.4023/h \(current price in us-east-1b, the cheapest of a new deployment's zones; on-demand \$1\.006/h`))),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("warnings"), knownvalue.ListExact([]knownvalue.Check{})),
				},
			},
			{
				Config: offlineProvider("us-east-1") + config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("spot_price"), knownvalue.Null()),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("cost_breakdown").AtMapKey("compute").AtMapKey("hourly"), knownvalue.Float64Exact(useG5Xlarge)),
					statecheck.ExpectKnownValue(addr, tfjsonpath.New("warnings"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringRegexp(regexp.MustCompile(`^the current Spot price could not be read \(.*\): the compute line is priced on-demand$`)),
					})),
				},
			},
			{
				Config: offlineProvider("us-east-1") + `
data "geusemaker_cost_estimate" "x" {
  tier          = 1
  instance_type = "g5.xlarge"
  spot_price    = 0.4
}`,
				ExpectError: regexp.MustCompile(`(?s)Spot price without the Spot market.*applies only with market = "spot"`),
			},
		},
	})
}
