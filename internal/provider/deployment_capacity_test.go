package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
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

// Capacity: Spot launches, their zone and on-demand fallbacks, interruption
// repair and the Spot figure in the plan's cost (issue 15), and on-demand
// launches moving to the other zone on InsufficientInstanceCapacity (issue
// 11 item 7).

const spotBody = "  capacity = { market = \"spot\" }\n"

// ec2Instance reads the deployment's instance from the emulator as AWS
// reports it.
func ec2Instance(emu *awsemu.Emulator, id string) (*ec2types.Instance, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := ec2.NewFromConfig(acctest.SDKConfig(emu, ""))
	out, err := conn.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		return nil, fmt.Errorf("DescribeInstances %s: %d reservations", id, len(out.Reservations))
	}
	return &out.Reservations[0].Instances[0], nil
}

// checkEC2Lifecycle checks what EC2 itself says of the state's instance:
// InstanceLifecycle "spot" with a Spot request, or no lifecycle (on-demand).
func checkEC2Lifecycle(emu *awsemu.Emulator, spot bool) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		rs, ok := s.RootModule().Resources[deploymentAddr]
		if !ok {
			return fmt.Errorf("%s not in state", deploymentAddr)
		}
		inst, err := ec2Instance(emu, rs.Primary.Attributes["instance_id"])
		if err != nil {
			return err
		}
		switch {
		case spot && (inst.InstanceLifecycle != ec2types.InstanceLifecycleTypeSpot || aws.ToString(inst.SpotInstanceRequestId) == ""):
			return fmt.Errorf("EC2 reports lifecycle %q, request %q for a Spot deployment", inst.InstanceLifecycle, aws.ToString(inst.SpotInstanceRequestId))
		case !spot && inst.InstanceLifecycle != "":
			return fmt.Errorf("EC2 reports lifecycle %q for an on-demand instance", inst.InstanceLifecycle)
		}
		return nil
	}
}

// failedLaunches counts RunInstances calls that failed with code.
func failedLaunches(emu *awsemu.Emulator, code string) int {
	n := 0
	for _, c := range emu.Calls() {
		if c.Operation == "RunInstances" && c.Error == code {
			n++
		}
	}
	return n
}

// A tier-3 GPU deployment on Spot: the plan prices the instance at the
// cheapest zone's Spot price, the instance is launched there as a Spot
// instance (as EC2 reports it), with its GPU facts, and imports back with
// the same capacity.
func TestAccDeployment_spotTier3GPU(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) {
		o.Knobs = map[string]string{"ec2.spot_price": "g5.xlarge@us-east-1a=0.4561,g5.xlarge@us-east-1b=0.3912"}
	})
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("spot-gpu", "  tier = 3\n  instance_type = \"g5.xlarge\"\n"+spotBody)
	compute := tfjsonpath.New("cost_breakdown").AtMapKey("compute")
	spotDetail := regexp.MustCompile(`^g5\.xlarge Spot Linux at \$0\.3912/h \(current price of the cheapest eligible zone; on-demand \$1\.006/h: saving \$0\.6148/h`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deploymentAddr, compute.AtMapKey("hourly"), knownvalue.Float64Exact(0.3912)),
					plancheck.ExpectKnownValue(deploymentAddr, compute.AtMapKey("monthly"), knownvalue.Float64Exact(285.576)),
					plancheck.ExpectKnownValue(deploymentAddr, compute.AtMapKey("detail"), knownvalue.StringRegexp(spotDetail)),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle")),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("spot_price")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact("spot")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("spot_price"), knownvalue.Float64Exact(0.3912)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("availability_zone"), knownvalue.StringExact("us-east-1b")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("capacity").AtMapKey("market"), knownvalue.StringExact("spot")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("capacity").AtMapKey("on_demand_fallback"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_model"), knownvalue.StringExact("NVIDIA A10G")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_health_status"), knownvalue.StringExact("healthy")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_status"), knownvalue.StringExact("Deployed")),
					statecheck.ExpectKnownValue(deploymentAddr, compute.AtMapKey("hourly"), knownvalue.Float64Exact(0.3912)),
				},
				Check: checkEC2Lifecycle(emu, true),
			},
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "spot-gpu", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
		},
	})
}

// Spot capacity missing in the cheaper zone (placement scores unavailable,
// so the launch tries it first): the launch meets
// InsufficientInstanceCapacity there and lands on Spot in the other zone.
func TestAccDeployment_spotZoneWithoutCapacity(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) {
		o.Knobs = map[string]string{
			"ec2.spot_price":    "t3.large@us-east-1a=0.02,t3.large@us-east-1b=0.03",
			"ec2.spot_capacity": "none@us-east-1a",
			"iam.deny":          "ec2:GetSpotPlacementScores",
		}
	})
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("spot-zone", spotBody)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("availability_zone"), knownvalue.StringExact("us-east-1b")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact("spot")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("spot_price"), knownvalue.Float64Exact(0.03)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkEC2Lifecycle(emu, true),
					func(*terraform.State) error {
						if n := failedLaunches(emu, "InsufficientInstanceCapacity"); n != 1 {
							return fmt.Errorf("%d launches failed with InsufficientInstanceCapacity, want 1 (us-east-1a, not retried there)", n)
						}
						return nil
					},
				),
			},
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "spot-zone", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
		},
	})
}

// No Spot capacity in any zone: the instance runs on-demand and the state
// says so (instance_lifecycle on-demand under capacity.market spot); the
// next plan keeps it (empty), and so does an import.
func TestAccDeployment_spotFallsBackToOnDemand(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"ec2.spot_capacity": "none@*"} })
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("spot-od", spotBody)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("capacity").AtMapKey("market"), knownvalue.StringExact("spot")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact("on-demand")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("spot_price"), knownvalue.Null()),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkEC2Lifecycle(emu, false),
					func(*terraform.State) error {
						if n := failedLaunches(emu, "InsufficientInstanceCapacity"); n != 2 {
							return fmt.Errorf("%d Spot launches failed, want one per zone (2)", n)
						}
						return nil
					},
				),
			},
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "spot-od", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
		},
	})
}

// With on_demand_fallback = false and no Spot capacity anywhere, the create
// fails with what each zone answered and a hint, and rolls everything back.
func TestAccDeployment_spotWithoutFallbackFails(t *testing.T) {
	acctest.PreCheck(t)
	testCreateFailures(t, "spot-none", "  capacity = { market = \"spot\", on_demand_fallback = false }", []failureCase{{
		name:  "no-spot-capacity",
		knobs: map[string]string{"ec2.spot_capacity": "none@*"},
		want: `(?s)Step "instance" failed with AWS error InsufficientInstanceCapacity.*us-east-1[ab], spot at \$[0-9.]+/h: InsufficientInstanceCapacity.*us-east-1[ab], spot at.*` +
			`What to do:.*on_demand_fallback = true.*Rollback: every AWS object this apply created was\s+deleted again`,
	}})
}

// AWS reclaims the Spot instance of a tier-2 deployment: the next plan shows
// the instance replaced (its id, lifecycle and GPU facts unknown), the apply
// launches a new Spot instance on the same file system, registers it with
// the load balancer (the apply waits for a healthy target and checks the
// URL answers) and refreshes the GPU facts, and the plan after it is empty.
func TestAccDeployment_spotInterruptionRepaired(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("spot-int", "  tier = 2\n  instance_type = \"g5.xlarge\"\n"+spotBody)
	sameEFS := statecheck.CompareValue(compare.ValuesSame())
	newInstance := statecheck.CompareValue(compare.ValuesDiffer())
	var interrupted string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
					newInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact("spot")),
				},
				Check: func(s *terraform.State) error {
					interrupted = s.RootModule().Resources[deploymentAddr].Primary.Attributes["instance_id"]
					return nil
				},
			},
			{
				PreConfig: func() {
					// No notice: the instance is shutting down when the plan
					// reads it, then terminated.
					if err := emu.InterruptSpotInstance(interrupted, 0); err != nil {
						t.Fatal(err)
					}
					emu.Clock().Advance(2 * time.Minute)
					inst, err := ec2Instance(emu, interrupted)
					if err != nil {
						t.Fatal(err)
					}
					if inst.State.Name != ec2types.InstanceStateNameTerminated || inst.StateReason == nil || aws.ToString(inst.StateReason.Code) != "Server.SpotInstanceTermination" {
						t.Fatalf("interrupted instance: state %s, reason %+v", inst.State.Name, inst.StateReason)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("instance_id")),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle")),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("gpu_health_status")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
					newInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact("spot")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("gpu_health_status"), knownvalue.StringExact("healthy")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(checkEC2Lifecycle(emu, true), checkRegistered(emu)),
			},
		},
	})
}

// checkRegistered checks that the load balancer's target group has exactly
// the state's instance as its target.
func checkRegistered(emu *awsemu.Emulator) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		a := s.RootModule().Resources[deploymentAddr].Primary.Attributes
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := elbv2.NewFromConfig(acctest.SDKConfig(emu, "")).DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(a["target_group_arn"])})
		if err != nil {
			return err
		}
		var ids []string
		for _, d := range out.TargetHealthDescriptions {
			ids = append(ids, aws.ToString(d.Target.Id))
		}
		if len(ids) != 1 || ids[0] != a["instance_id"] {
			return fmt.Errorf("targets %v, want only the new instance %s", ids, a["instance_id"])
		}
		return nil
	}
}

// max_spot_price below every zone's Spot price: the plan prices the
// instance at the cap and warns; each zone answers SpotMaxPriceTooLow and
// the instance runs on-demand; the next plan is empty without reading the
// price again.
func TestAccDeployment_spotPriceCapped(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"ec2.spot_price": "t3.large@*=0.05"} })
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("spot-cap", "  capacity = { market = \"spot\", max_spot_price = 0.04 }\n")
	compute := tfjsonpath.New("cost_breakdown").AtMapKey("compute")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(deploymentAddr, compute.AtMapKey("hourly"), knownvalue.Float64Exact(0.04)),
					plancheck.ExpectKnownValue(deploymentAddr, compute.AtMapKey("detail"), knownvalue.StringRegexp(regexp.MustCompile(`^t3\.large Spot Linux at \$0\.04/h \(capped by max_spot_price; on-demand \$0\.0832/h`))),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact("on-demand")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("spot_price"), knownvalue.Null()),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkEC2Lifecycle(emu, false),
					func(*terraform.State) error {
						if n := failedLaunches(emu, "SpotMaxPriceTooLow"); n != 2 {
							return fmt.Errorf("%d Spot launches failed with SpotMaxPriceTooLow, want one per zone (2)", n)
						}
						return nil
					},
				),
			},
		},
	})
}

// Changing capacity.market replaces the instance (an on-demand instance
// cannot become Spot, nor the reverse) and keeps the file system; the plan
// says which is new.
func TestAccDeployment_marketChangeReplacesInstance(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	sameEFS := statecheck.CompareValue(compare.ValuesSame())
	newInstance := statecheck.CompareValue(compare.ValuesDiffer())
	step := func(body, lifecycle string, replaced bool) resource.TestStep {
		st := resource.TestStep{
			Config: provider + deploymentConfig("market", body),
			ConfigStateChecks: []statecheck.StateCheck{
				sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
				newInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact(lifecycle)),
			},
			Check: checkEC2Lifecycle(emu, lifecycle == "spot"),
		}
		if replaced {
			st.ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
				plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("instance_id")),
				plancheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("efs_id"), knownvalue.NotNull()),
			}}
		}
		return st
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			step("", "on-demand", false),
			step(spotBody, "spot", true),
			step("  capacity = { market = \"on-demand\" }\n", "on-demand", true),
		},
	})
}

// Issue 11 item 7: on-demand capacity missing in the first zone is not
// retried there (InsufficientInstanceCapacity is a server error the SDK
// would retry in place); the launch moves to the other subnet's zone, whose
// mount target the boot script then uses.
func TestAccDeployment_onDemandZoneWithoutCapacity(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) {
		o.Knobs = map[string]string{"ec2.insufficient_capacity": "t3.large@us-east-1a"}
	})
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("od-zone", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("availability_zone"), knownvalue.StringExact("us-east-1b")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("instance_lifecycle"), knownvalue.StringExact("on-demand")),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkEC2Lifecycle(emu, false),
					func(*terraform.State) error {
						if n := failedLaunches(emu, "InsufficientInstanceCapacity"); n != 1 {
							return fmt.Errorf("%d launches failed with InsufficientInstanceCapacity, want 1: the SDK retried it in the same zone", n)
						}
						return nil
					},
				),
			},
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "od-zone", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
		},
	})
}

// The fallback's warning reaches the user through the CLI: after the apply
// that launched on-demand under market spot, not after the next apply,
// which keeps that instance.
func TestAccDeployment_spotFallbackWarning(t *testing.T) {
	acctest.PreCheck(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"ec2.spot_capacity": "none@*"} })
	cli := acctest.NewCLI(t, emu, deploymentConfig("spot-warn", spotBody))
	out := cli.MustRun(ctx, "apply", "-auto-approve", "-no-color")
	warning := regexp.MustCompile(`(?s)Warning: GeuseMaker deployment \(spot-warn\) runs on-demand.*capacity\.market\s+is\s+"spot",\s+but.*InsufficientInstanceCapacity.*instance_lifecycle\s+says\s+on-demand.*on_demand_fallback\s+=\s+false`)
	if !warning.MatchString(out) {
		t.Errorf("the apply that fell back to on-demand did not warn:\n%s", out)
	}
	cli.Write(emu, deploymentConfig("spot-warn", spotBody+"  tags = { team = \"ai\" }\n"))
	if out := cli.MustRun(ctx, "apply", "-auto-approve", "-no-color"); strings.Contains(out, "runs on-demand") || !strings.Contains(out, "1 changed") {
		t.Errorf("the tag update (which keeps the on-demand instance) warned again or changed nothing:\n%s", out)
	}
	cli.MustRun(ctx, "destroy", "-auto-approve", "-no-color")
	if err := acctest.CheckInventoryEmpty(emu)(nil); err != nil {
		t.Fatal(err)
	}
}
