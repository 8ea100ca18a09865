package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
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

func TestAccDeployment_tier2HTTP(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("alb-http", "  tier = 2")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("alb_arn"), knownvalue.StringRegexp(regexp.MustCompile(`:loadbalancer/app/alb-http-alb/`))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("alb_dns_name"), knownvalue.StringRegexp(regexp.MustCompile(`\.elb\.amazonaws\.com$`))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("listener_arns"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("url"), knownvalue.StringRegexp(regexp.MustCompile(`^http://alb-http-alb-.*\.elb\.amazonaws\.com$`))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("service_urls").AtMapKey("ollama"), knownvalue.StringRegexp(regexp.MustCompile(`/api/ollama/$`))),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cloudfront_distribution_id"), knownvalue.Null()),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("cost_breakdown").AtMapKey("load_balancer").AtMapKey("monthly"), knownvalue.NotNull()),
				},
			},
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "alb-http", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
		},
	})
}

func TestAccDeployment_tier2HTTPS(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	cert := acctest.ImportCertificate(t, emu, "us-east-1", "ai.example.com")
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("alb-https", fmt.Sprintf(`  tier = 2
  load_balancer = {
    certificate_arn = %q
    domain_name     = "ai.example.com"
  }`, cert))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckDestroyWithCertificates(t, emu, "us-east-1"),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("listener_arns"), knownvalue.ListSizeExact(2)),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("url"), knownvalue.StringExact("https://ai.example.com")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("load_balancer").AtMapKey("ssl_policy"), knownvalue.StringExact("ELBSecurityPolicy-TLS13-1-2-2021-06")),
				},
			},
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "alb-https", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
		},
	})
}

// 1 → 2 → 1 in place: the instance and the file system survive both moves.
func TestAccDeployment_tier1To2To1InPlace(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	sameInstance := statecheck.CompareValue(compare.ValuesSame())
	sameEFS := statecheck.CompareValue(compare.ValuesSame())
	step := func(tier int, alb knownvalue.Check) resource.TestStep {
		return resource.TestStep{
			Config: provider + deploymentConfig("moves", fmt.Sprintf("  tier = %d", tier)),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(deploymentAddr, map[bool]plancheck.ResourceActionType{true: plancheck.ResourceActionCreate, false: plancheck.ResourceActionUpdate}[tier == 1 && alb == nil]),
			}},
			ConfigStateChecks: []statecheck.StateCheck{
				sameInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
				sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("alb_arn"), orNull(alb)),
			},
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			step(1, nil),
			step(2, knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:elasticloadbalancing:`))),
			func() resource.TestStep {
				s := step(1, knownvalue.Null())
				s.ConfigStateChecks = append(s.ConfigStateChecks, statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("alb_security_group_id"), knownvalue.Null()))
				return s
			}(),
		},
	})
}

func orNull(c knownvalue.Check) knownvalue.Check {
	if c == nil {
		return knownvalue.Null()
	}
	return c
}

// The load balancer deleted outside Terraform is recreated by the next apply.
func TestAccDeployment_tier2LoadBalancerDeletedOutOfBand(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("alb-drift", "  tier = 2")
	differentALB := statecheck.CompareValue(compare.ValuesDiffer())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: []statecheck.StateCheck{differentALB.AddStateValue(deploymentAddr, tfjsonpath.New("alb_arn"))}},
			{
				PreConfig: func() {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					conn := elbv2.NewFromConfig(acctest.SDKConfig(emu, ""))
					out, err := conn.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"alb-drift-alb"}})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := conn.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: out.LoadBalancers[0].LoadBalancerArn}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("alb_arn")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					differentALB.AddStateValue(deploymentAddr, tfjsonpath.New("alb_arn")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
		},
	})
}

func TestAccDeployment_tier2Failures(t *testing.T) {
	acctest.PreCheck(t)
	cases := []failureCase{
		{name: "load balancer create", fault: &awsemu.Fault{Service: "elbv2", Operation: "CreateLoadBalancer", Code: "TooManyLoadBalancers"},
			want: `(?s)Step "load-balancer" failed with AWS error TooManyLoadBalancers.*quota.*Rollback`},
		{name: "stuck provisioning", knobs: map[string]string{"elbv2.provisioning_duration": "never"}, body: `  timeouts = { create = "1m" }`,
			want: `(?s)Step "load-balancer" failed.*last state: "provisioning".*waiting\s+for\s+the\s+load\s+balancer\s+to\s+become\s+active.*Raise\s+the\s+timeouts\s+block.*Rollback`},
		{name: "listener", fault: &awsemu.Fault{Service: "elbv2", Operation: "CreateListener", Code: "TooManyListeners"},
			want: `(?s)Step "listeners" failed with AWS error TooManyListeners.*Rollback`},
		{name: "target never healthy", knobs: map[string]string{"elbv2.target_health": "unhealthy"}, body: `  timeouts = { create = "1m" }`,
			want: `(?s)Step "target-healthy" failed.*unhealthy.*waiting\s+for\s+the\s+load\s+balancer's\s+health\s+check\s+to\s+pass.*Raise\s+the\s+timeouts\s+block.*console\s+output.*Rollback`},
	}
	testCreateFailures(t, "alb-fail", "  tier = 2", cases)
}

func TestAccDeployment_tier2BadInputs(t *testing.T) {
	acctest.PreCheck(t)
	t.Run("certificate in another region", func(t *testing.T) {
		emu := acctest.Emulator(t)
		cert := acctest.ImportCertificate(t, emu, "eu-west-1", "ai.example.com")
		badInput(t, emu, fmt.Sprintf("  tier = 2\n  load_balancer = { certificate_arn = %q }", cert), `(?s)Certificate in another region.*eu-west-1`, "eu-west-1")
	})
	t.Run("certificate not issued", func(t *testing.T) {
		emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"acm.issue_delay": "never"} })
		cert := acctest.RequestCertificate(t, emu, "us-east-1", "ai.example.com")
		badInput(t, emu, fmt.Sprintf("  tier = 2\n  load_balancer = { certificate_arn = %q }", cert), `(?s)Certificate not issued.*PENDING_VALIDATION`, "us-east-1")
	})
	t.Run("certificate does not cover the domain", func(t *testing.T) {
		emu := acctest.Emulator(t)
		cert := acctest.ImportCertificate(t, emu, "us-east-1", "other.example.com")
		badInput(t, emu, fmt.Sprintf("  tier = 2\n  load_balancer = {\n    certificate_arn = %q\n    domain_name = \"ai.example.com\"\n  }", cert), `(?s)Certificate does not cover the name.*ai\.example\.com`, "us-east-1")
	})
	t.Run("subnets in one zone", func(t *testing.T) {
		emu := acctest.Emulator(t)
		net := emutest.CreateUserNetwork(t, emu, "us-east-1a", "us-east-1a")
		body := fmt.Sprintf("  tier = 2\n  vpc_id = %q\n  subnet_ids = %s", net.VPCID, net.Subnets())
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories(),
			Steps: []resource.TestStep{{
				Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("bad", body),
				ExpectError: regexp.MustCompile(`(?s)Subnets in one availability zone.*us-east-1a`),
			}},
		})
	})
	t.Run("name too long for the load balancer", func(t *testing.T) {
		emu := acctest.Emulator(t)
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories(),
			CheckDestroy:             acctest.CheckNothingCreated(emu),
			Steps: []resource.TestStep{{
				Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("a-name-that-is-29-chars-long1", "  tier = 2"),
				ExpectError: regexp.MustCompile(`(?s)Invalid deployment name.*load\s+balancer and target group names`),
			}},
		})
	})
}

// badInput applies a config expected to fail at plan time and checks that
// nothing was created (the test's own certificates aside).
func badInput(t *testing.T, emu *awsemu.Emulator, body, want, certRegion string) {
	t.Helper()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("bad", body),
			ExpectError: regexp.MustCompile(want),
		}},
	})
	for _, c := range emu.Calls() {
		if c.Service != "acm" && (c.Operation == "CreateVpc" || c.Operation == "RunInstances" || c.Operation == "CreateLoadBalancer" || c.Operation == "CreateFileSystem") {
			t.Fatalf("bad input reached %s.%s", c.Service, c.Operation)
		}
	}
	acctest.DeleteCertificates(t, emu, certRegion)
	if inv := emu.Inventory(); len(inv) != 0 {
		t.Fatalf("left behind: %+v", inv)
	}

}
