package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// expectDrift checks that the plan updates the deployment to put back a
// setting changed outside Terraform, and that the refreshed state names it
// (the reason the plan shows).
type expectDrift struct{ want *regexp.Regexp }

func (e expectDrift) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != deploymentAddr {
			continue
		}
		if !rc.Change.Actions.Update() {
			resp.Error = fmt.Errorf("the plan %v the deployment, want an update", rc.Change.Actions)
			return
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		lines, _ := before["drift"].([]any)
		var text []string
		for _, l := range lines {
			text = append(text, fmt.Sprint(l))
		}
		if !e.want.MatchString(strings.Join(text, "\n")) {
			resp.Error = fmt.Errorf("the plan's drift %q does not match %s", text, e.want)
			return
		}
		if a, _ := after["drift"].([]any); len(a) != 0 {
			resp.Error = fmt.Errorf("the plan keeps drift %v", a)
		}
		return
	}
	resp.Error = fmt.Errorf("no change planned for %s", deploymentAddr)
}

// words compiles a pattern whose spaces match any run of white space (the
// CLI wraps diagnostics at 80 columns) and whose " .* " matches anything.
func words(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

// ec2Conn is an EC2 client on the emulator, to change things outside
// Terraform.
func ec2Conn(emu *awsemu.Emulator) *ec2.Client {
	return ec2.NewFromConfig(acctest.SDKConfig(emu, ""))
}

// liveString reads a string attribute of the deployment from the state.
func liveString(s *terraform.State, attr string) string {
	return s.RootModule().Resources[deploymentAddr].Primary.Attributes[attr]
}

// Each change made outside Terraform to a managed setting (the distribution
// disabled, a rule of each security group revoked, a rule added) gives a
// non-empty plan that names it, and the apply puts it back (the step's
// empty plan after the apply proves it).
func TestAccDeployment_driftRepaired(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("drift", "  tier = 3\n  ssh_cidr_blocks = [\"203.0.113.7/32\"]")
	var st *terraform.State
	ctx := context.Background()
	revoke := func(group string, perm ec2types.IpPermission) func() {
		return func() {
			if _, err := ec2Conn(emu).RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(liveString(st, group)), IpPermissions: []ec2types.IpPermission{perm}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tcp := func(port int32) ec2types.IpPermission {
		return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
	}
	step := func(drift func(), want string) resource.TestStep {
		return resource.TestStep{
			PreConfig:        drift,
			Config:           config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{expectDrift{regexp.MustCompile(want)}}},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("drift"), knownvalue.ListSizeExact(0)),
			},
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: config, Check: func(s *terraform.State) error { st = s; return nil }},
			step(func() {
				conn := cloudfront.NewFromConfig(acctest.SDKConfig(emu, ""))
				id := aws.String(liveString(st, "cloudfront_distribution_id"))
				cfg, err := conn.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: id})
				if err != nil {
					t.Fatal(err)
				}
				cfg.DistributionConfig.Enabled = aws.Bool(false)
				if _, err := conn.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: id, IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig}); err != nil {
					t.Fatal(err)
				}
			}, `cloudfront: distribution E\w+ was disabled outside Terraform`),
			step(func() {
				out, err := ec2Conn(emu).DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{})
				if err != nil {
					t.Fatal(err)
				}
				p := tcp(80)
				for _, pl := range out.PrefixLists {
					if aws.ToString(pl.PrefixListName) == "com.amazonaws.global.cloudfront.origin-facing" {
						p.PrefixListIds = []ec2types.PrefixListId{{PrefixListId: pl.PrefixListId}}
					}
				}
				revoke("alb_security_group_id", p)()
			}, `alb-sg\): ingress tcp/80 from prefix list pl-\w+ is missing`),
			step(func() {
				p := tcp(80)
				p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(liveString(st, "alb_security_group_id"))}}
				revoke("security_group_id", p)()
			}, `instance-sg\): ingress tcp/80 from sg-\w+ is missing`),
			step(func() {
				p := tcp(2049)
				p.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(liveString(st, "security_group_id"))}}
				revoke("efs_security_group_id", p)()
			}, `efs-sg\): ingress tcp/2049 from sg-\w+ is missing`),
			step(func() {
				p := tcp(22)
				p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String("203.0.113.7/32")}}
				revoke("security_group_id", p)()
			}, `instance-sg\): ingress tcp/22 from 203\.0\.113\.7/32 is missing`),
			step(func() {
				p := tcp(3389)
				p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}
				if _, err := ec2Conn(emu).AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(liveString(st, "security_group_id")), IpPermissions: []ec2types.IpPermission{p}}); err != nil {
					t.Fatal(err)
				}
			}, `instance-sg\): ingress tcp/3389 from 0\.0\.0\.0/0 was added outside Terraform`),
			step(func() {
				if _, err := ec2Conn(emu).ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(liveString(st, "instance_id")), HttpTokens: ec2types.HttpTokensStateOptional}); err != nil {
					t.Fatal(err)
				}
			}, `instance: i-\w+ metadata options changed outside Terraform: http_tokens optional`),
		},
	})
}

// An instance someone launched into the deployment's subnet makes destroy
// stop with its id and the remedy, keeping the state; once it is gone, the
// destroy finishes.
func TestAccDeployment_foreignInstanceBlocksDestroy(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("foreign", "")
	var st *terraform.State
	var foreign string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: config, Check: func(s *terraform.State) error { st = s; return nil }},
			{
				PreConfig: func() {
					out, err := ec2Conn(emu).RunInstances(context.Background(), &ec2.RunInstancesInput{
						ImageId: aws.String(liveString(st, "ami_id")), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
						SubnetId: aws.String(liveString(st, "subnet_ids.0")),
					})
					if err != nil {
						t.Fatal(err)
					}
					foreign = aws.ToString(out.Instances[0].InstanceId)
				},
				Config:      config,
				Destroy:     true,
				ExpectError: words(`Step "delete-network" failed: .* objects this deployment did not create: instance i-\w+ .* What to do: Terminate, delete or move the objects .* run .terraform destroy. again: .* Still in AWS .* vpc vpc-`),
			},
			{
				PreConfig: func() {
					if !strings.HasPrefix(foreign, "i-") {
						t.Fatal("no foreign instance")
					}
					if _, err := ec2Conn(emu).TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: []string{foreign}}); err != nil {
						t.Fatal(err)
					}
					emu.Clock().Advance(2 * time.Minute)
				},
				Config:  config,
				Destroy: true,
			},
		},
	})
}

// A security group someone made in the deployment's VPC, with a rule that
// refers to the deployment's instance group, makes destroy stop naming that
// rule and the group, keeping the state; once it is gone, the destroy
// finishes.
func TestAccDeployment_foreignGroupRuleBlocksDestroy(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("foreignsg", "")
	var st *terraform.State
	var foreign string
	ctx := context.Background()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: config, Check: func(s *terraform.State) error { st = s; return nil }},
			{
				PreConfig: func() {
					out, err := ec2Conn(emu).CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
						GroupName: aws.String("someone-elses"), Description: aws.String("not made by the deployment"), VpcId: aws.String(liveString(st, "vpc_id")),
					})
					if err != nil {
						t.Fatal(err)
					}
					foreign = aws.ToString(out.GroupId)
					if _, err := ec2Conn(emu).AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: out.GroupId, IpPermissions: []ec2types.IpPermission{{
						IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
						UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(liveString(st, "security_group_id"))}},
					}}}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      config,
				Destroy:     true,
				ExpectError: words(`did not create: a rule of security group sg-\w+ \(someone-elses\) that refers to sg-\w+ .* What to do: Terminate, delete or move the objects .* Still in AWS .* security group sg-`),
			},
			{
				PreConfig: func() {
					if !strings.HasPrefix(foreign, "sg-") {
						t.Fatal("no foreign group")
					}
					if _, err := ec2Conn(emu).DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(foreign)}); err != nil {
						t.Fatal(err)
					}
				},
				Config:  config,
				Destroy: true,
			},
		},
	})
}

// A delete that keeps failing during the rollback leaves exactly the objects
// that depend on it, named, with the rollback's own error next to the
// create's; everything else is deleted, and a destroy finishes.
func TestAccDeployment_rollbackFailedDelete(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{Extra: "  max_retries = 2"}) + deploymentConfig("rbfail", "  tier = 3")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					emu.InjectFault(awsemu.Fault{Service: "cloudfront", Operation: "CreateDistributionWithTags", Code: "TooManyDistributions"})
					emu.InjectFault(awsemu.Fault{Service: "elbv2", Operation: "DeleteLoadBalancer", Code: "AccessDenied", Status: 403,
						Message: "User is not authorized to perform: elasticloadbalancing:DeleteLoadBalancer"})
				},
				Config: config,
				ExpectError: words(`Step "cloudfront" failed with AWS error TooManyDistributions: .* ` +
					`The rollback did not finish either\. Step "delete-load-balancer" failed with AWS error AccessDenied: .* ` +
					`Left in AWS and kept in the Terraform state \(checked in AWS after the rollback\)\. .* load balancer arn:`),
			},
			{
				PreConfig: func() {
					kinds := map[string]bool{}
					for _, r := range emu.Inventory() {
						kinds[r.Type] = true
					}
					for _, gone := range []string{"instance", "file-system", "mount-target", "role", "instance-profile"} {
						if kinds[gone] {
							t.Fatalf("the rollback stopped at the failed delete: %s still exists (%v)", gone, kinds)
						}
					}
					if !kinds["loadbalancer"] {
						t.Fatalf("the load balancer whose delete failed is gone: %v", kinds)
					}
					emu.ClearFaults()
				},
				Config:  config,
				Destroy: true,
			},
		},
	})
}

// Destroy (and replacement) refuse at plan time, before anything is
// deleted, while the load balancer has deletion protection on; turning it
// off with an apply lets the destroy run.
func TestAccDeployment_deletionProtection(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	protected := provider + deploymentConfig("protected", "  tier = 2\n  load_balancer = { deletion_protection = true }")
	var seq int
	noDeletes := func(*terraform.State) error {
		for _, c := range emu.Calls()[seq:] {
			if strings.HasPrefix(c.Operation, "Delete") || strings.HasPrefix(c.Operation, "Terminate") {
				return fmt.Errorf("call #%d %s.%s: the refused destroy touched AWS", c.Seq, c.Service, c.Operation)
			}
		}
		return nil
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: protected, Check: func(*terraform.State) error { seq = len(emu.Calls()); return nil }},
			{
				Config:      protected,
				Destroy:     true,
				ExpectError: words(`Load balancer deletion protection is on .* would destroy .* Nothing was changed\. .* load_balancer\.deletion_protection = false .* run .terraform apply.`),
			},
			{
				Config:      provider + deploymentConfig("protected-renamed", "  tier = 2\n  load_balancer = { deletion_protection = true }"),
				ExpectError: words(`Load balancer deletion protection is on .* would replace`),
				Check:       noDeletes,
			},
			{
				PreConfig: func() {
					if err := noDeletes(nil); err != nil {
						t.Fatal(err)
					}
				},
				Config: provider + deploymentConfig("protected", "  tier = 2\n  load_balancer = { deletion_protection = false }"),
			},
		},
	})
}

// An instance stopped outside Terraform: the plan marks the address that
// will change as unknown, the apply starts the instance, and nothing is
// inconsistent.
func TestAccDeployment_stoppedInstanceRestarted(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("stopped", "")
	var st *terraform.State
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: config, Check: func(s *terraform.State) error { st = s; return nil }},
			{
				PreConfig: func() {
					if _, err := ec2Conn(emu).StopInstances(context.Background(), &ec2.StopInstancesInput{InstanceIds: []string{liveString(st, "instance_id")}}); err != nil {
						t.Fatal(err)
					}
					emu.Clock().Advance(2 * time.Minute)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("public_ip")),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("url")),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("service_urls")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("public_ip"), knownvalue.NotNull()),
				},
			},
		},
	})
}

// A timeouts-only change is stored without touching AWS, so that a
// destroy uses it.
func TestAccDeployment_timeoutsOnlyChange(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
	var seq int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: provider + deploymentConfig("timeouts", `  timeouts = { delete = "1m" }`)},
			{
				PreConfig: func() { seq = len(emu.Calls()) },
				Config:    provider + deploymentConfig("timeouts", `  timeouts = { delete = "3h" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("timeouts").AtMapKey("delete"), knownvalue.StringExact("3h")),
				},
				Check: func(*terraform.State) error {
					for _, c := range emu.Calls()[seq:] {
						if !strings.HasPrefix(c.Operation, "Describe") && !strings.HasPrefix(c.Operation, "Get") && !strings.HasPrefix(c.Operation, "List") {
							return fmt.Errorf("call #%d %s.%s: a timeouts-only change reached AWS", c.Seq, c.Service, c.Operation)
						}
					}
					return nil
				},
			},
		},
	})
}
