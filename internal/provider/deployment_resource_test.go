package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
)

const deploymentAddr = "geusemaker_deployment.test"

// importVerifyIgnore lists what an import cannot know: the timeouts block.
var importVerifyIgnore = []string{"timeouts"}

func deploymentConfig(name string, body string) string {
	return fmt.Sprintf(`
resource "geusemaker_deployment" "test" {
  name = %q
%s
}
`, name, body)
}

// failureCase makes a create fail, through an injected AWS error or an
// emulator knob, and names the diagnostic it must end with.
type failureCase struct {
	name  string
	knobs map[string]string
	fault *awsemu.Fault
	body  string
	want  string
}

// testCreateFailures applies each case's configuration and proves the apply
// fails with the expected diagnostic and leaves nothing behind in AWS.
func testCreateFailures(t *testing.T, name, body string, cases []failureCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = tc.knobs })
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				CheckDestroy:             acctest.CheckInventoryEmpty(emu),
				Steps: []resource.TestStep{{
					PreConfig: func() {
						if tc.fault != nil {
							emu.InjectFault(*tc.fault)
						}
					},
					Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{Extra: "  max_retries = 2"}) + deploymentConfig(name, body+"\n"+tc.body),
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			if inv := emu.Inventory(); len(inv) != 0 {
				t.Fatalf("rollback left %d objects: %+v", len(inv), inv)
			}
		})
	}
}

func TestAccDeployment_tier1OwnedVPC(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	sameInstance := statecheck.CompareValue(compare.ValuesSame())
	sameEFS := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: provider + deploymentConfig("tier1", `  tags = { team = "ai" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionCreate),
					plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("estimated_monthly_cost"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("vpc_id"), knownvalue.StringRegexp(regexp.MustCompile(`^vpc-`))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_id"), knownvalue.StringRegexp(regexp.MustCompile(`^i-`))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("efs_mount_target_ids"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`^http://`))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("alb_arn"), knownvalue.Null()),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_enabled"), knownvalue.Bool(false)),
					sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
					sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
				},
			},
			{
				ResourceName:            deploymentAddr,
				ImportState:             true,
				ImportStateId:           "tier1",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: importVerifyIgnore,
			},
			{
				Config: provider + deploymentConfig("tier1", `  instance_type = "t3.xlarge"
  tags = { team = "ai", env = "test" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_type"), knownvalue.StringExact("t3.xlarge")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("tags_all"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("ai"), "env": knownvalue.StringExact("test")})),
					sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
					sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
				},
			},
		},
	})
}

func TestAccDeployment_tier1ExistingVPC(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	net := emutest.CreateUserNetwork(t, emu, "us-east-1b", "us-east-1c")
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	body := fmt.Sprintf("  vpc_id     = %q\n  subnet_ids = %s\n", net.VPCID, net.Subnets())
	sameInstance := statecheck.CompareValue(compare.ValuesSame())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             net.CheckOnlyUserNetworkLeft(emu),
		Steps: []resource.TestStep{
			{
				Config: provider + deploymentConfig("byo-vpc", body),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("vpc_id"), knownvalue.StringExact(net.VPCID)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("internet_gateway_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("availability_zone"), knownvalue.StringExact("us-east-1b")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("efs_mount_target_ids"), knownvalue.ListSizeExact(2)),
					sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
				},
			},
			{
				ResourceName: deploymentAddr, ImportState: true, ImportStateId: "byo-vpc",
				ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore,
			},
			{
				Config: provider + deploymentConfig("byo-vpc", body+`  instance_type = "m6i.large"
  ssh_cidr_blocks = ["203.0.113.7/32"]
  tags = { owner = "data" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_type"), knownvalue.StringExact("m6i.large")),
				},
			},
		},
	})
}
