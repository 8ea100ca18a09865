package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

var cloudFrontDomain = regexp.MustCompile(`^d[a-z0-9]{13}\.cloudfront\.net$`)

func TestAccDeployment_tier3(t *testing.T) {
	acctest.PreCheck(t)
	for _, tc := range []struct {
		name, instanceType string
		gpu                bool
	}{
		{"cdn-gpu", "g5.xlarge", true},
		{"cdn-cpu", "t3.large", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu := acctest.Emulator(t)
			config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig(tc.name, fmt.Sprintf("  tier = 3\n  instance_type = %q", tc.instanceType))
			checks := []statecheck.StateCheck{
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_domain_name"), knownvalue.StringRegexp(cloudFrontDomain)),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_status"), knownvalue.StringExact("Deployed")),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_hosted_zone_id"), knownvalue.StringExact("Z2FDTNDATAQYW2")),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_arn"), knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:cloudfront::123456789012:distribution/E`))),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`^https://d[a-z0-9]{13}\.cloudfront\.net$`))),
				statecheck.ExpectSensitiveValue(deploymentAddr, tfjsonpath.New("origin_verify_header_value")),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_enabled"), knownvalue.Bool(tc.gpu)),
			}
			if tc.gpu {
				checks = append(checks,
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_model"), knownvalue.StringExact("NVIDIA A10G")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_memory_mib"), knownvalue.Int64Exact(24576)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_health_status"), knownvalue.StringExact("healthy")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_instance_type"), knownvalue.StringExact("g5.xlarge")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_ami_id"), knownvalue.StringRegexp(regexp.MustCompile(`^ami-`))),
				)
			} else {
				checks = append(checks, statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_model"), knownvalue.Null()))
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				CheckDestroy: resource.ComposeAggregateTestCheckFunc(
					acctest.CheckInventoryEmpty(emu),
					checkCloudFrontOrdering(emu),
				),
				Steps: []resource.TestStep{
					{
						Config: config,
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("estimated_monthly_cost"), knownvalue.NotNull()),
							plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cost_breakdown").AtMapKey("cloudfront_transfer").AtMapKey("monthly"), knownvalue.NotNull()),
							plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_enabled"), knownvalue.Bool(tc.gpu)),
						}},
						ConfigStateChecks: checks,
					},
					{ResourceName: deploymentAddr, ImportState: true, ImportStateId: tc.name, ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
				},
			})
		})
	}
}

// checkCloudFrontOrdering proves from the emulator's call log that the
// distribution was created only after the load balancer was seen active,
// deleted only once disabled and deployed, and that every update and delete
// carried the current ETag.
func checkCloudFrontOrdering(emu *awsemu.Emulator) resource.TestCheckFunc {
	return func(*terraform.State) error {
		albActive, created, deleted := false, false, false
		lastStatus, lastEnabled := "", ""
		for _, c := range emu.Calls() {
			switch {
			case c.Operation == "DescribeLoadBalancers" && c.Notes["state"] == "active":
				albActive = true
			case c.Operation == "CreateDistributionWithTags" && c.Error == "":
				if !albActive {
					return fmt.Errorf("call #%d created the distribution before the load balancer was seen active", c.Seq)
				}
				created = true
			case c.Service == "cloudfront" && (c.Operation == "GetDistribution" || c.Operation == "GetDistributionConfig"):
				lastStatus, lastEnabled = c.Notes["status"], c.Notes["enabled"]
			case c.Operation == "UpdateDistribution" || c.Operation == "DeleteDistribution":
				if c.Notes["etag_current"] != "true" {
					return fmt.Errorf("call #%d %s carried a stale or missing ETag %q", c.Seq, c.Operation, c.Notes["if_match"])
				}
				if c.Operation == "DeleteDistribution" && c.Error == "" {
					if lastStatus != "Deployed" || lastEnabled != "false" {
						return fmt.Errorf("call #%d deleted the distribution when last seen %s/enabled=%s", c.Seq, lastStatus, lastEnabled)
					}
					deleted = true
				}
			}
		}
		if !created || !deleted {
			return fmt.Errorf("the log shows created=%v deleted=%v", created, deleted)
		}
		return nil
	}
}

// 2 → 3 → 2 in place: CloudFront comes and goes, the instance and EFS stay.
func TestAccDeployment_tier2To3To2InPlace(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	sameInstance := statecheck.CompareValue(compare.ValuesSame())
	sameEFS := statecheck.CompareValue(compare.ValuesSame())
	sameALB := statecheck.CompareValue(compare.ValuesSame())
	step := func(tier int, cdn knownvalue.Check, sg knownvalue.Check) resource.TestStep {
		return resource.TestStep{
			Config: provider + deploymentConfig("cdn-moves", fmt.Sprintf("  tier = %d", tier)),
			ConfigStateChecks: []statecheck.StateCheck{
				sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
				sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
				sameALB.AddStateValue(deploymentAddr, tfjsonpath.New("alb_arn")),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_domain_name"), cdn),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("origin_verify_header_value"), sg),
			},
		}
	}
	up := step(3, knownvalue.StringRegexp(cloudFrontDomain), knownvalue.NotNull())
	up.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate)}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			step(2, knownvalue.Null(), knownvalue.Null()),
			up,
			step(2, knownvalue.Null(), knownvalue.Null()),
		},
	})
}

func TestAccDeployment_tier3Failures(t *testing.T) {
	acctest.PreCheck(t)
	cases := []failureCase{
		{name: "cloudfront create fails", fault: &awsemu.Fault{Service: "cloudfront", Operation: "CreateDistributionWithTags", Code: "TooManyDistributions"},
			want: `(?s)Step "cloudfront" failed with AWS error TooManyDistributions.*quota\s+"Web\s+distributions\s+per\s+AWS\s+account"\s+\(L-24B04930\).*Rollback`},
		{name: "cloudfront never deploys", knobs: map[string]string{"cloudfront.create_deploy_duration": "never"}, body: `  timeouts = { create = "1m" }`,
			want: `(?s)Step "cloudfront-deployed" failed.*last state: "InProgress".*waiting\s+for\s+CloudFront\s+to\s+roll\s+the\s+distribution\s+out.*Raise\s+the\s+timeouts\s+block.*Rollback`},
		{name: "gpu fails validation", knobs: map[string]string{"ec2.gpu_health": "failed"}, body: `  instance_type = "g5.xlarge"`,
			want: `(?s)GPU validation on i-.*failed.*ERR!.*Console output.*GEUSEMAKER GPU.*status=failed.*Rollback`},
	}
	testCreateFailures(t, "cdn-fail", "  tier = 3", cases)
}

// A distribution changed by someone else between our read and our write
// (a stale ETag: 412 PreconditionFailed) is retried with a fresh ETag.
func TestAccDeployment_tier3StaleETagOnDestroy(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("cdn-etag", "  tier = 3")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(s *terraform.State) error {
			for _, f := range emu.Faults() {
				if f.Fired != 1 {
					return fmt.Errorf("fault on %s fired %d times", f.Operation, f.Fired)
				}
			}
			return acctest.CheckInventoryEmpty(emu)(s)
		},
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					for _, op := range []string{"UpdateDistribution", "DeleteDistribution"} {
						emu.InjectFault(awsemu.Fault{Service: "cloudfront", Operation: op, Code: "PreconditionFailed", Status: 412, Times: 1,
							Message: "The request failed because it didn't meet the preconditions in one or more request-header fields."})
					}
				},
				Config:  config,
				Destroy: true,
			},
		},
	})
}

func TestAccDeployment_tier3NoWaitForDeployment(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Speed = 200 })
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("cdn-nowait", "  tier = 3\n  cdn = { wait_for_deployment = false }")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_status"), knownvalue.StringExact("InProgress")),
				},
			},
			{
				PreConfig: func() { emu.Clock().Advance(30 * time.Minute) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_status"), knownvalue.StringExact("Deployed")),
				},
			},
		},
	})
}

// retain_on_delete leaves the distribution disabled, with a warning, and
// deletes everything else.
func TestAccDeployment_tier3RetainOnDelete(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("cdn-retain", "  tier = 3\n  cdn = { retain_on_delete = true }")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(*terraform.State) error {
			inv := emu.Inventory()
			if len(inv) != 1 || inv[0].Type != "distribution" {
				return fmt.Errorf("want exactly the retained distribution left, got %+v", inv)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn := cloudfront.NewFromConfig(acctest.SDKConfig(emu, ""))
			d, err := conn.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(inv[0].ID)})
			if err != nil {
				return err
			}
			if aws.ToBool(d.Distribution.DistributionConfig.Enabled) {
				return fmt.Errorf("the retained distribution is still enabled")
			}
			emu.Clock().Advance(time.Hour)
			if _, err := conn.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(inv[0].ID), IfMatch: d.ETag}); err != nil {
				return fmt.Errorf("deleting the retained distribution: %w", err)
			}
			return acctest.CheckInventoryEmpty(emu)(nil)
		},
		Steps: []resource.TestStep{{Config: config}},
	})
}

func TestAccDeployment_tier3BadInputs(t *testing.T) {
	acctest.PreCheck(t)
	t.Run("aliases without certificate", func(t *testing.T) {
		emu := acctest.Emulator(t)
		badInput(t, emu, "  tier = 3\n  cdn = { aliases = [\"ai.example.com\"] }", `(?s)Aliases without certificate.*cdn\.certificate_arn`, "us-east-1")
	})
	t.Run("certificate outside us-east-1", func(t *testing.T) {
		emu := acctest.Emulator(t)
		cert := acctest.ImportCertificate(t, emu, "eu-west-1", "ai.example.com")
		badInput(t, emu, fmt.Sprintf("  tier = 3\n  cdn = {\n    aliases = [\"ai.example.com\"]\n    certificate_arn = %q\n  }", cert), `(?s)CloudFront certificate outside us-east-1`, "eu-west-1")
	})
	t.Run("unrestricted origin without allowed networks", func(t *testing.T) {
		emu := acctest.Emulator(t)
		badInput(t, emu, "  tier = 3\n  allowed_cidr_blocks = []\n  cdn = { restrict_origin = false }", `(?s)Load balancer unreachable.*restrict_origin`, "us-east-1")
	})
	t.Run("gpu on a CPU type", func(t *testing.T) {
		emu := acctest.Emulator(t)
		badInput(t, emu, "  tier = 3\n  instance_type = \"m6i.large\"\n  gpu = true", `(?s)Instance type without GPUs`, "us-east-1")
	})
}
