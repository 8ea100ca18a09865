package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest/legacycli"
)

// legacyConfig is the configuration a user writes from the migration guide's
// table for a CLI deployment: the CLI's settings spelled out, so that the
// import plans empty.
func legacyConfig(d *legacycli.Deployment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  tier = %d\n", map[string]int{"dev": 1, "automation": 2, "gpu": 3}[d.Tier])
	typ := map[string]string{"dev": "t3.medium", "automation": "t3.large", "gpu": "g4dn.xlarge"}[d.Tier]
	fmt.Fprintf(&b, "  instance_type = %q\n  root_volume_size = 75\n  ssh_cidr_blocks = [\"0.0.0.0/0\"]\n", typ)
	if d.GivenVPC {
		fmt.Fprintf(&b, "  vpc_id = %q\n  subnet_ids = [%q, %q]\n", d.VPCID, d.PublicSubnetIDs[0], d.PublicSubnetIDs[1])
	}
	if d.ALBARN != "" {
		b.WriteString("  load_balancer = {\n    idle_timeout_seconds = 60\n")
		if d.CertificateARN != "" {
			fmt.Fprintf(&b, "    certificate_arn = %q\n    domain_name = \"n8n.example.com\"\n    ssl_policy = \"ELBSecurityPolicy-2016-08\"\n", d.CertificateARN)
		}
		b.WriteString("  }\n")
	}
	if d.DistributionID != "" {
		b.WriteString("  cdn = {\n    restrict_origin = false\n    origin_read_timeout_seconds = 30\n  }\n")
	}
	return b.String()
}

// TestAccDeployment_importLegacy builds what the GeuseMaker CLI builds for
// each fixture state file (its layout, names and tags) in the emulator,
// imports the file with legacy:PATH through an import block (which must plan
// a no-op against the configuration written from it) and with `terraform
// import`, checks the imported ids against what was built, plans empty and
// destroys everything the deployment owns.
func TestAccDeployment_importLegacy(t *testing.T) {
	for _, file := range []string{"v1-tier1.json", "v2-tier1.json", "v1-tier2.json", "v2-tier2.json", "v2-tier3.json"} {
		t.Run(strings.TrimSuffix(file, ".json"), func(t *testing.T) {
			acctest.PreCheck(t)
			emu := acctest.Emulator(t)
			d, path := legacycli.FromFixture(t, emu, filepath.Join("..", "deployment", "testdata", "legacy", file), t.TempDir())
			config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig(d.Name, legacyConfig(d))
			importID := "legacy:" + path
			checks := []statecheck.StateCheck{
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_id"), knownvalue.StringExact(d.InstanceID)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("efs_id"), knownvalue.StringExact(d.EFSID)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("security_group_id"), knownvalue.StringExact(d.SecurityGroupID)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("efs_security_group_id"), knownvalue.StringExact(d.SecurityGroupID)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("iam_role_name"), knownvalue.StringExact(d.RoleName)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("iam_instance_profile_name"), knownvalue.StringExact(d.ProfileName)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("efs_mount_target_ids"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("alb_arn"), nullOr(d.ALBARN)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("target_group_arn"), nullOr(d.TargetGroupARN)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_distribution_id"), nullOr(d.DistributionID)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_enabled"), knownvalue.Bool(d.Tier == "gpu")),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("estimated_monthly_cost"), knownvalue.NotNull()),
			}
			if d.GivenVPC {
				checks = append(checks, statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("internet_gateway_id"), knownvalue.Null()))
			} else {
				checks = append(checks,
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("vpc_id"), knownvalue.StringExact(d.VPCID)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("internet_gateway_id"), knownvalue.StringExact(d.InternetGatewayID)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("route_table_id"), knownvalue.StringExact(d.RouteTableID)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("subnet_ids"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.StringExact(d.PublicSubnetIDs[0]), knownvalue.StringExact(d.PublicSubnetIDs[1])})))
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				CheckDestroy: func(s *terraform.State) error {
					// A destroy leaves what the CLI was given: the VPC and
					// the certificate stay the user's.
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if d.GivenVPC {
						if err := d.DeleteGivenNetwork(ctx); err != nil {
							return fmt.Errorf("the given VPC did not survive the destroy intact: %w", err)
						}
					}
					if err := d.DeleteCertificate(ctx); err != nil {
						return err
					}
					return acctest.CheckInventoryEmpty(emu)(s)
				},
				Steps: []resource.TestStep{
					{
						// An import block: the plan must be a no-op import.
						Config:          config,
						ResourceName:    deploymentAddr,
						ImportState:     true,
						ImportStateKind: resource.ImportBlockWithID,
						ImportStateId:   importID,
						ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionNoop),
							plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_id"), knownvalue.StringExact(d.InstanceID)),
						}},
					},
					{
						// terraform import, kept in the state.
						Config:             config,
						ResourceName:       deploymentAddr,
						ImportState:        true,
						ImportStateId:      importID,
						ImportStatePersist: true,
						ImportStateCheck: func(states []*terraform.InstanceState) error {
							if len(states) != 1 {
								return fmt.Errorf("imported %d instances", len(states))
							}
							a := states[0].Attributes
							for k, want := range map[string]string{"id": d.Name, "name": d.Name, "instance_id": d.InstanceID, "efs_id": d.EFSID,
								"vpc_id": d.VPCID, "root_volume_size": "75", "ssh_cidr_blocks.0": "0.0.0.0/0", "tags.%": "", "rollback_on_failure": "true"} {
								if a[k] != want {
									return fmt.Errorf("%s = %q, want %q", k, a[k], want)
								}
							}
							return nil
						},
					},
					{
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectEmptyPlan(),
							acctest.ExpectNoDrift(deploymentAddr),
						}},
						ConfigStateChecks: checks,
					},
				},
			})
		})
	}
}

func nullOr(s string) knownvalue.Check {
	if s == "" {
		return knownvalue.Null()
	}
	return knownvalue.StringExact(s)
}

// TestAccDeployment_importLegacyErrors checks the import's diagnostics for
// files that cannot be adopted.
func TestAccDeployment_importLegacyErrors(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	dir := t.TempDir()
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("cli-dev1", "")
	fixture := func(name string) string { return filepath.Join("..", "deployment", "testdata", "legacy", name) }
	// The CLI wraps diagnostics: any run of spaces in want matches any
	// whitespace.
	importStep := func(id string, want string) resource.TestStep {
		re := regexp.MustCompile(`(?s)` + strings.Join(strings.Fields(want), `\s+`))
		return resource.TestStep{Config: config, ResourceName: deploymentAddr, ImportState: true, ImportStateId: id, ExpectError: re}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{
			importStep("legacy:"+filepath.Join(dir, "missing.json"), `missing.json: no such file`),
			// The fixture's ids do not exist in this (empty) emulator.
			importStep("legacy:"+fixture("v1-tier1.json"), `cannot be adopted: these objects the file names no longer exist in us-east-1: .*instance_id i-0f5a6b7c8d9e0a1b2`),
			importStep("Not A Name", `legacy:PATH_TO_ITS_STATE_FILE`),
		},
	})
}

// An adopted CLI instance keeps its boot script (and its open routes) until
// credentials_rotation replaces it, which the plan's warning says: the new
// instance requires the credentials the import wrote to SSM; the file
// system stays.
func TestAccDeployment_importLegacyRotationReplacesInstance(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	d, path := legacycli.FromFixture(t, emu, filepath.Join("..", "deployment", "testdata", "legacy", "v2-tier1.json"), t.TempDir())
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig(d.Name, legacyConfig(d))
	rotated := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig(d.Name, legacyConfig(d)+"  credentials_rotation = \"replace-the-cli-instance\"\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(s *terraform.State) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if d.GivenVPC {
				if err := d.DeleteGivenNetwork(ctx); err != nil {
					return err
				}
			}
			if err := d.DeleteCertificate(ctx); err != nil {
				return err
			}
			return acctest.CheckInventoryEmpty(emu)(s)
		},
		Steps: []resource.TestStep{
			{
				Config: config, ResourceName: deploymentAddr, ImportState: true, ImportStateId: "legacy:" + path, ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					a := states[0].Attributes
					if a["instance_id"] != d.InstanceID || a["service_credentials.ollama_api_key"] == "" || a["ssm_parameter_names.#"] != "5" {
						return fmt.Errorf("imported instance %s, ollama key set %v, %s parameters", a["instance_id"], a["service_credentials.ollama_api_key"] != "", a["ssm_parameter_names.#"])
					}
					return nil
				},
			},
			{Config: config, PlanOnly: true},
			{
				Config: rotated,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("instance_id")),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("service_credentials")),
					plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("efs_id"), knownvalue.StringExact(d.EFSID)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("efs_id"), knownvalue.StringExact(d.EFSID)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					func(s *terraform.State) error {
						if id := attrs(s)["instance_id"]; id == d.InstanceID {
							return fmt.Errorf("the CLI's instance %s was kept", id)
						}
						return nil
					},
					checkRoutes,
				),
			},
			{Config: rotated, PlanOnly: true},
		},
	})
}

// A CLI deployment whose instance is a one-time Spot instance (cost.is_spot)
// imports with capacity.market = "spot": the import block plans a no-op
// against a configuration that says so, the state reports the instance's
// Spot lifecycle as EC2 does, and an apply keeps the instance.
func TestAccDeployment_importLegacySpot(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	raw, err := os.ReadFile(filepath.Join("..", "deployment", "testdata", "legacy", "v2-tier1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["cost"].(map[string]any)["is_spot"] = true
	fixture := filepath.Join(t.TempDir(), "v2-tier1-spot.json")
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fixture, out, 0o600); err != nil {
		t.Fatal(err)
	}
	d, path := legacycli.FromFixture(t, emu, fixture, t.TempDir())
	if !d.Spot {
		t.Fatal("the CLI deployment was not built on Spot")
	}
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig(d.Name, legacyConfig(d)+"  capacity = { market = \"spot\" }\n")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config:          config,
				ResourceName:    deploymentAddr,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "legacy:" + path,
				ImportPlanChecks: resource.ImportPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionNoop),
					plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("capacity").AtMapKey("market"), knownvalue.StringExact("spot")),
					plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact("spot")),
				}},
			},
			{
				Config: config, ResourceName: deploymentAddr, ImportState: true, ImportStateId: "legacy:" + path, ImportStatePersist: true,
				ImportStateCheck: func(states []*terraform.InstanceState) error {
					a := states[0].Attributes
					if a["instance_id"] != d.InstanceID || a["capacity.market"] != "spot" || a["instance_lifecycle"] != "spot" {
						return fmt.Errorf("imported instance %s, capacity.market %q, instance_lifecycle %q", a["instance_id"], a["capacity.market"], a["instance_lifecycle"])
					}
					return nil
				},
			},
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_id"), knownvalue.StringExact(d.InstanceID)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact("spot")),
				},
			},
		},
	})
}
