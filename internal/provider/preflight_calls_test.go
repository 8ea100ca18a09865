package provider_test

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

func callNames(calls []awsemu.CallRecord) string {
	counts := map[string]int{}
	for _, c := range calls {
		counts[c.Service+"."+c.Operation]++
	}
	var out []string
	for k, v := range counts {
		out = append(out, fmt.Sprintf("%s×%d", k, v))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// preflightOnly are the operations only the plan-time checks call (and the
// instance type lookup, whose facts the record keeps).
var preflightOnly = map[string]bool{
	"servicequotas.GetServiceQuota": true, "servicequotas.GetAWSDefaultServiceQuota": true,
	"iam.SimulatePrincipalPolicy": true, "ec2.DescribeKeyPairs": true, "ec2.DescribeImages": true,
	"ec2.DescribeInstanceTypes": true, "ec2.DescribeManagedPrefixLists": true, "elbv2.DescribeSSLPolicies": true,
	"wafv2.GetWebACL": true, "cloudfront.ListDistributions": true,
}

// An unchanged tier-3 plan stays cheap: the plan-time checks recorded what
// they checked at create and do not run again, and the instance type's
// facts come from the record, so the plan makes no preflight call (it makes
// one call fewer than before preflight existed: no DescribeInstanceTypes),
// nor asks STS who the caller is.
// The first plan after an input changes runs the checks that depend on it.
func TestAccDeployment_unchangedTier3PlanCalls(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	config := provider + deploymentConfig("plan-calls", "  tier = 3\n  instance_type = \"g5.xlarge\"")
	changed := provider + deploymentConfig("plan-calls", "  tier = 3\n  instance_type = \"g5.xlarge\"\n  cdn = { origin_read_timeout_seconds = 90 }")
	var since int
	var unchanged []awsemu.CallRecord
	mark := func() { since = len(emu.Calls()) }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: config},
			{PreConfig: mark, Config: config, PlanOnly: true},
			{
				PreConfig: func() {
					// The step's plan without refresh (no call) and its
					// refresh plan.
					unchanged = emu.Calls()[since:]
					t.Logf("unchanged tier-3 plan: %d AWS calls: %s", len(unchanged), callNames(unchanged))
					if len(unchanged) == 0 {
						t.Error("no calls recorded for the unchanged plan")
					}
					for _, c := range unchanged {
						if preflightOnly[c.Service+"."+c.Operation] || c.Service == "sts" {
							t.Errorf("the unchanged plan called %s.%s", c.Service, c.Operation)
						}
					}
					mark()
				},
				Config: changed, ExpectError: regexp.MustCompile(`Origin read timeout above the quota`),
			},
			{
				PreConfig: func() {
					plan := emu.Calls()[since:]
					counts := map[string]int{}
					for _, c := range plan {
						counts[c.Service+"."+c.Operation]++
					}
					// Only the origin timeout's check ran again: one quota read.
					if counts["servicequotas.GetServiceQuota"] != 1 {
						t.Errorf("the plan with a new origin timeout read %d quotas, want 1: %s", counts["servicequotas.GetServiceQuota"], callNames(plan))
					}
					for _, op := range []string{"iam.SimulatePrincipalPolicy", "ec2.DescribeImages", "ec2.DescribeInstanceTypes", "ec2.DescribeKeyPairs"} {
						if counts[op] != 0 {
							t.Errorf("an origin timeout change ran unrelated checks: %s×%d", op, counts[op])
						}
					}
				},
				Config: config, PlanOnly: true,
			},
		},
	})
}
