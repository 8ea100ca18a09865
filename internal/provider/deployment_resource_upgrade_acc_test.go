package provider_test

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/provider"
)

// TestAccDeployment_upgradeFromV0 writes a schema version 0 state for a
// deployment that exists, with the real Terraform CLI (`terraform state
// push`, which also drops the provider's private record, as a state written
// by an old release or edited by hand would lack it), and plans: the state is
// upgraded, Read rebuilds the record with Discover, and the plan must be
// empty with no refresh drift, i.e. the upgraded state already held every
// value AWS has. The upgraded and refreshed state must equal the state the
// first apply wrote, attribute for attribute.
func TestAccDeployment_upgradeFromV0(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"upgrade-t1", `  tags = { team = "ai" }`},
		{"upgrade-t2", `  tier = 2
  instance_type = "m6i.large"
  efs = { throughput_mode = "elastic" }
  allowed_cidr_blocks = ["203.0.113.0/24"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acctest.PreCheck(t)
			// The reachability check runs from inside allowed_cidr_blocks.
			emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"dataplane.client_ip": "203.0.113.7"} })
			base := t.TempDir()
			config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig(tc.name, tc.body)
			var written map[string]string
			sameInstance, sameURL, sameCost := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesSame())
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				CheckDestroy:             acctest.CheckInventoryEmpty(emu),
				WorkingDir:               base,
				Steps: []resource.TestStep{
					{
						Config: config,
						ConfigStateChecks: []statecheck.StateCheck{
							sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
							sameURL.AddStateValue(deploymentAddr, tfjsonpath.New("url")),
							sameCost.AddStateValue(deploymentAddr, tfjsonpath.New("estimated_monthly_cost")),
						},
						Check: func(s *terraform.State) error {
							written = maps.Clone(s.RootModule().Resources[deploymentAddr].Primary.Attributes)
							return nil
						},
					},
					{
						PreConfig: func() {
							acctest.PushState(t, base, func(st map[string]any) {
								inst := acctest.ResourceInstance(t, st, "geusemaker_deployment", "test")
								if inst["schema_version"] != float64(1) {
									t.Fatalf("the first apply wrote schema version %v", inst["schema_version"])
								}
								attrs, _ := inst["attributes"].(map[string]any)
								inst["attributes"] = downgradeToV0(t, attrs)
								inst["schema_version"] = 0
								inst["sensitive_attributes"] = []any{}
								delete(inst, "private")
							})
						},
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectEmptyPlan(),
							// Version 0 had no service credentials: the
							// upgrader leaves them null (it works offline)
							// and the refresh reads what SSM holds.
							acctest.ExpectNoDriftExcept(deploymentAddr, "service_credentials", "ssm_parameter_names"),
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
							sameURL.AddStateValue(deploymentAddr, tfjsonpath.New("url")),
							sameCost.AddStateValue(deploymentAddr, tfjsonpath.New("estimated_monthly_cost")),
							statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_enabled"), knownvalue.Bool(false)),
							statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cost_breakdown"), knownvalue.NotNull()),
						},
						Check: func(s *terraform.State) error {
							got := s.RootModule().Resources[deploymentAddr].Primary.Attributes
							var diffs []string
							for _, k := range slices.Sorted(maps.Keys(unionKeys(written, got))) {
								if written[k] != got[k] {
									diffs = append(diffs, fmt.Sprintf("%s: %q → %q", k, written[k], got[k]))
								}
							}
							if len(diffs) > 0 {
								return fmt.Errorf("the upgraded state differs from the one version 1 wrote:\n  %v", diffs)
							}
							return nil
						},
					},
					{
						// The refresh saved a version 1 state and rebuilt the
						// provider's private record.
						PreConfig: func() {
							inst := acctest.ResourceInstance(t, acctest.ReadState(t, base), "geusemaker_deployment", "test")
							if inst["schema_version"] != float64(1) {
								t.Errorf("schema_version = %v after the upgrade, want 1", inst["schema_version"])
							}
							if p, _ := inst["private"].(string); p == "" {
								t.Error("the refresh after the upgrade did not store the deployment record in private state")
							}
						},
						Config:   config,
						PlanOnly: true,
					},
					{
						ResourceName:            deploymentAddr,
						ImportState:             true,
						ImportStateId:           tc.name,
						ImportStateVerify:       true,
						ImportStateVerifyIgnore: importVerifyIgnore,
					},
				},
			})
		})
	}
}

func unionKeys(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// downgradeToV0 writes version 1 attributes the way version 0 stored them:
// the CLI's names, the tier as a name, the certificate and its domain at the
// top level, one efs_mount_target_id next to the list, and nothing version 0
// did not have.
func downgradeToV0(t *testing.T, v1 map[string]any) map[string]any {
	t.Helper()
	renamed := map[string]string{
		"key_name": "keypair_name", "url": "n8n_url", "alb_dns_name": "alb_dns", "rollback_on_failure": "auto_rollback_on_failure",
		"cloudfront_distribution_id": "cloudfront_id", "cloudfront_domain_name": "cloudfront_domain",
	}
	v0 := map[string]any{}
	for _, name := range provider.DeploymentSchemaV0Attributes() {
		v0[name] = nil
	}
	for k, v := range v1 {
		if n, ok := renamed[k]; ok {
			k = n
		}
		if _, ok := v0[k]; ok {
			v0[k] = v
		}
	}
	tier, _ := v1["tier"].(float64)
	v0["tier"] = map[float64]string{1: "dev", 2: "automation", 3: "gpu"}[tier]
	lb, _ := v1["load_balancer"].(map[string]any)
	v0["certificate_arn"], v0["alb_domain_name"] = lb["certificate_arn"], lb["domain_name"]
	if lb["certificate_arn"] != nil {
		v0["https_endpoint"] = v1["url"]
	}
	efs, _ := v1["efs"].(map[string]any)
	v0["efs"] = map[string]any{"performance_mode": efs["performance_mode"], "throughput_mode": efs["throughput_mode"]}
	if ids, _ := v1["efs_mount_target_ids"].([]any); len(ids) > 0 {
		v0["efs_mount_target_id"] = ids[0]
	}
	if len(v0) != len(provider.DeploymentSchemaV0Attributes()) {
		t.Fatalf("the version 0 state has attributes version 0 does not: %v", slices.Sorted(maps.Keys(v0)))
	}
	return v0
}
