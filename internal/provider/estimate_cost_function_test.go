package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
)

// Provider-defined functions need Terraform 1.8. No provider block is
// written: Terraform calls functions on an unconfigured provider instance.
func functionTest(t *testing.T, step resource.TestStep) {
	t.Helper()
	acctest.PreCheck(t)
	t.Parallel()
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		TerraformVersionChecks:   acctest.NeedsProviderFunctions(),
		Steps:                    []resource.TestStep{step},
	})
}

func TestAccEstimateMonthlyCost(t *testing.T) {
	// Default assumptions (1,000,000 requests, 100 GB, 50 GB EFS), 100 GiB
	// root volume, PriceClass_100; rates from internal/cost/prices.json (see
	// the constants in cost_estimate_data_source_test.go).
	tier3G5 := round4(useG5Xlarge*hoursPerMonth) + // 734.38
		round4(100*useGP3) + // 8
		round4(50*useEFS) + // 15
		round4((useALBHour+useALBLCUHour)*hoursPerMonth) + // 22.265 (one LCU)
		round4(1_000_000/10_000*pc100HTTPS10k) + // 1.2
		round4(100*pc100PerGB) // 8.5
	tier1T3 := round4(useT3Large*hoursPerMonth) + // 60.736
		round4(100*useGP3) + // 8
		round4(50*useEFS) + // 15
		round4(100*useInternetEgress) // 9
	const euwT3Large, euwEgress = 0.0912, 0.09      // regions["eu-west-1"]: instances["t3.large"], internet_egress_per_gb
	tier2T3EU := round4(euwT3Large*hoursPerMonth) + // 66.576
		round4(100*euwGP3) + // 8.8
		round4(50*euwEFS) + // 16.5
		round4((euwALBHour+euwALBLCU)*hoursPerMonth) + // 24.236
		round4(100*euwEgress) // 9

	cases := []struct {
		name, call string
		want       float64
	}{
		{"tier 3 g5.xlarge", `provider::geusemaker::estimate_monthly_cost(3, "g5.xlarge")`, 789.345},
		{"tier 1 t3.large", `provider::geusemaker::estimate_monthly_cost(1, "t3.large")`, 92.736},
		{"tier 2 t3.large in eu-west-1", `provider::geusemaker::estimate_monthly_cost(2, "t3.large", "eu-west-1")`, 125.112},
		{"tier 3 g5.xlarge on Spot", `provider::geusemaker::estimate_monthly_cost(3, "g5.xlarge", "us-east-1", "spot", 0.39)`, 339.665},
		{"tier 1 t3.large on-demand named", `provider::geusemaker::estimate_monthly_cost(1, "t3.large", "us-east-1", "on-demand")`, 92.736},
	}
	tier3G5Spot := tier3G5 - round4(useG5Xlarge*hoursPerMonth) + round4(0.39*hoursPerMonth) // 284.7 for the instance
	for i, computed := range []float64{tier3G5, tier1T3, tier2T3EU, tier3G5Spot, tier1T3} {
		if round4(computed) != cases[i].want {
			t.Fatalf("%s: hand-written %v disagrees with the computed %v", cases[i].name, cases[i].want, round4(computed))
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			functionTest(t, resource.TestStep{
				Config: fmt.Sprintf("output \"monthly\" {\n  value = %s\n}\n", tc.call),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("monthly", knownvalue.Float64Exact(tc.want)),
				},
			})
		})
	}
}

// The function and the data source agree for the same inputs (the provider
// configured in us-east-1, function defaulting to us-east-1).
func TestAccEstimateMonthlyCost_matchesDataSource(t *testing.T) {
	functionTest(t, resource.TestStep{
		Config: offlineProvider("us-east-1") + `
data "geusemaker_cost_estimate" "x" {
  tier          = 3
  instance_type = "g5.2xlarge"
}

output "same" {
  value = provider::geusemaker::estimate_monthly_cost(3, "g5.2xlarge") == data.geusemaker_cost_estimate.x.estimated_monthly_cost
}`,
		ConfigStateChecks: []statecheck.StateCheck{
			statecheck.ExpectKnownOutputValue("same", knownvalue.Bool(true)),
		},
	})
}

func TestAccEstimateMonthlyCost_errors(t *testing.T) {
	// Terraform wraps the message: every space in a pattern matches any run of
	// white space.
	cases := []struct{ name, args, want string }{
		{"unknown type", `3, "g5.mega"`,
			`Invalid value for "instance_type" parameter: The price table of 2026-01-19 has no price for instance type "g5\.mega" in us-east-1\. ` +
				`g5 sizes priced in us-east-1: g5\.12xlarge, g5\.16xlarge, g5\.24xlarge, g5\.2xlarge, g5\.48xlarge, g5\.4xlarge, g5\.8xlarge, g5\.xlarge\. ` +
				`The geusemaker_cost_estimate data source lists them all in its warning\.\n`},
		{"type of another region", `1, "p5.48xlarge", "eu-west-1"`,
			`Invalid value for "instance_type" parameter: .* "p5\.48xlarge" in eu-west-1 \(it is priced in us-east-1\)\. ` +
				`Instance types priced in eu-west-1: c6i\.2xlarge, c6i\.large, (\S+ ){9}g5\.24xlarge and 21 more\.`},
		{"unknown region", `1, "t3.large", "xx-moon-1"`,
			`Invalid value for "options" parameter: The price table of 2026-01-19 has no prices for region "xx-moon-1"\. Regions priced: ap-northeast-1, .*us-east-1`},
		{"two regions", `1, "t3.large", "us-east-1", "eu-west-1"`,
			`Invalid value for "options" parameter: The market must be "on-demand" or "spot", got "eu-west-1"\.`},
		{"spot without a price", `3, "g5.xlarge", "us-east-1", "spot"`,
			`Invalid value for "options" parameter: With "spot" the next argument is the hourly Spot price in USD`},
		{"spot at no price", `3, "g5.xlarge", "us-east-1", "spot", 0`,
			`Invalid value for "options" parameter: The Spot price must be a positive number of USD per hour, got "0"\.`},
		{"spot price on-demand", `3, "g5.xlarge", "us-east-1", "on-demand", 0.4`,
			`Invalid value for "options" parameter: estimate_monthly_cost takes a Spot price only after "spot", got "on-demand", "0\.4"\.`},
		{"too many", `3, "g5.xlarge", "us-east-1", "spot", 0.4, "x"`,
			`Invalid value for "options" parameter: estimate_monthly_cost takes at most three optional arguments`},
		{"tier 4", `4, "t3.large"`, `Invalid value for "tier" parameter: Invalid Parameter Value: value must be between 1 and 3, got: 4\.`},
		{"tier 0", `0, "t3.large"`, `Invalid value for "tier" parameter: Invalid Parameter Value: value must be between 1 and 3, got: 0\.`},
		{"fractional tier", `2.5, "t3.large"`, `Invalid function argument.* "tier" parameter`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			functionTest(t, resource.TestStep{
				Config:      fmt.Sprintf("output \"monthly\" {\n  value = provider::geusemaker::estimate_monthly_cost(%s)\n}\n", tc.args),
				ExpectError: regexp.MustCompile(`(?s)` + strings.ReplaceAll(tc.want, " ", `\s+`)),
			})
		})
	}
}
