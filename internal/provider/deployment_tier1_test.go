package provider_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
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

// Each create step, made to fail with a real AWS error code, must end with a
// diagnostic that names the step, the code and what to do — and with
// nothing left in AWS.
func TestAccDeployment_tier1StepFailuresRollBack(t *testing.T) {
	acctest.PreCheck(t)
	steps := []struct {
		step, service, op, code, hint string
		status                        int
		after                         int // matching calls that succeed first
	}{
		{"network", "ec2", "CreateVpc", "VpcLimitExceeded", "", 0, 0},
		{"security-groups", "ec2", "CreateSecurityGroup", "SecurityGroupLimitExceeded", "", 0, 0},
		{"file-system", "efs", "CreateFileSystem", "FileSystemLimitExceeded", "quota", 0, 0},
		{"mount-targets", "efs", "CreateMountTarget", "NoFreeAddressesInSubnet", "", 0, 0},
		{"iam", "iam", "CreateRole", "LimitExceeded", "", 409, 0},
		// The first PutRolePolicy is the instance policy (step iam).
		{"iam-efs-policy", "iam", "PutRolePolicy", "AccessDenied", `may\s+not\s+call\s+iam:PutRolePolicy`, 403, 1},
		// The first PutParameter is the create lease.
		{"credentials", "ssm", "PutParameter", "AccessDeniedException", `may\s+not\s+call\s+ssm:PutParameter`, 400, 1},
		{"ami", "ssm", "GetParameter", "AccessDeniedException", `may\s+not\s+call\s+ssm:GetParameter`, 400, 0},
		{"instance", "ec2", "RunInstances", "InsufficientInstanceCapacity", "no capacity", 500, 0},
	}
	var cases []failureCase
	for _, s := range steps {
		want := fmt.Sprintf(`(?s)Step "%s" failed with AWS error %s.*Rollback: every AWS object this apply created was\s+deleted again`, regexp.QuoteMeta(s.step), s.code)
		if s.hint != "" {
			want = fmt.Sprintf(`(?s)Step "%s" failed with AWS error %s.*What to do:.*%s.*Rollback`, regexp.QuoteMeta(s.step), s.code, s.hint)
		}
		cases = append(cases, failureCase{name: s.step, want: want,
			fault: &awsemu.Fault{Service: s.service, Operation: s.op, Code: s.code, Status: s.status, After: s.after}})
	}
	testCreateFailures(t, "fails", "", cases)
}

func TestAccDeployment_tier1BootFailureShowsConsole(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"ec2.boot_failure": "services"} })
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{{
			Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("bootfail", ""),
			ExpectError: regexp.MustCompile(`(?s)boot script.*failed at step\s+"services".*Console output \(last lines\):.*GEUSEMAKER BOOT.*status=failed.*Rollback`),
		}},
	})
}

// With rollback_on_failure = false the half-made deployment stays in state,
// tainted; the next apply replaces it and destroy removes everything.
func TestAccDeployment_tier1NoRollbackTaints(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{Extra: "  max_retries = 2"})
	config := provider + deploymentConfig("taint", "  rollback_on_failure = false")
	var faultID int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					faultID = emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "RunInstances", Code: "InsufficientInstanceCapacity", Status: 500})
				},
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)InsufficientInstanceCapacity.*Left in AWS and kept in the Terraform state.*vpc vpc-`),
			},
			{
				PreConfig: func() {
					if len(emu.Inventory()) == 0 {
						t.Fatal("the failed create left nothing to keep")
					}
					emu.RemoveFault(faultID)
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
		},
	})
}

// A destroy cut short by an error resumes where it stopped.
func TestAccDeployment_tier1InterruptedDestroyResumes(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{Extra: "  max_retries = 2"}) + deploymentConfig("resume", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					// Refused until the next step (a single refusal is retried).
					emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "DeleteVpc", Code: "UnauthorizedOperation", Status: 403})
				},
				Config:      config,
				Destroy:     true,
				ExpectError: regexp.MustCompile(`(?s)Destroying GeuseMaker deployment.*delete-network.*UnauthorizedOperation.*vpc vpc-`),
			},
			{
				PreConfig: func() {
					if len(emu.Inventory()) == 0 {
						t.Fatal("the interrupted destroy left nothing to resume")
					}
					emu.ClearFaults()
				},
				Config:  config,
				Destroy: true,
			},
		},
	})
}

// Throttling on every other call of every operation still converges.
func TestAccDeployment_tier1UnderThrottling(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	emu.InjectFault(awsemu.Fault{Code: "@throttle", Every: 2})
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("throttled", `  tags = { a = "b" }`)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy: func(s *terraform.State) error {
			if f := emu.Faults()[0]; f.Fired < 20 {
				return fmt.Errorf("only %d calls were throttled; the test proves nothing", f.Fired)
			}
			return acctest.CheckInventoryEmpty(emu)(s)
		},
		Steps: []resource.TestStep{
			{Config: config, ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
			}},
		},
	})
}

// The instance terminated outside Terraform: the plan shows it, apply brings
// a new one up on the same EFS.
func TestAccDeployment_tier1InstanceTerminatedOutOfBand(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("drift", "")
	sameEFS := statecheck.CompareValue(compare.ValuesSame())
	newInstance := statecheck.CompareValue(compare.ValuesDiffer())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
					newInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
				},
			},
			{
				PreConfig: func() { terminateAll(t, emu) },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(deploymentAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(deploymentAddr, tfjsonpath.New("instance_id")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					sameEFS.AddStateValue(deploymentAddr, tfjsonpath.New("efs_id")),
					newInstance.AddStateValue(deploymentAddr, tfjsonpath.New("instance_id")),
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
		},
	})
}

func terminateAll(t *testing.T, emu *awsemu.Emulator) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := ec2.NewFromConfig(acctest.SDKConfig(emu, ""))
	out, err := conn.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"running", "pending"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	if len(ids) == 0 {
		t.Fatal("no running instance to terminate")
	}
	if _, err := conn.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		t.Fatal(err)
	}
	emu.Clock().Advance(2 * time.Minute) // past shutting-down
}

// Bad input is refused at plan time, on the attribute, before any AWS object
// is created.
func TestAccDeployment_badInputs(t *testing.T) {
	acctest.PreCheck(t)
	table := []struct {
		name, deploymentName, body, want string
	}{
		{"name too long", "this-deployment-name-is-far-too-long", "", `(?s)Invalid deployment name.*at most 28 fit`},
		{"name characters", "Bad_Name", "", `(?s)Invalid deployment name.*lowercase letters`},
		{"tier", "bad", "  tier = 4", `(?s)tier.*value must be between 1 and 3`},
		{"allowed cidr", "bad", `  allowed_cidr_blocks = ["10.0.0.300/8"]`, `(?s)allowed_cidr_blocks.*IPv4 CIDR block`},
		{"subnets without vpc", "bad", `  subnet_ids = ["subnet-0123456789abcdef0"]`, `(?s)Subnets without a VPC.*subnet_ids needs vpc_id`},
		{"unknown service", "bad", `  services = ["n8n", "redis"]`, `(?s)services.*value must be one of`},
		{"n8n without postgres", "bad", `  services = ["n8n", "ollama"]`, `(?s)Invalid services.*postgres`},
		{"root volume", "bad", `  root_volume_size = 8`, `(?s)root_volume_size.*between 30 and 16384`},
		{"gpu on a CPU type", "bad", "  instance_type = \"t3.large\"\n  gpu = true", `(?s)Instance type without GPUs.*gpu = true needs an instance type with NVIDIA GPUs.*g5.xlarge`},
		{"unknown instance type", "bad", `  instance_type = "t9.huge"`, `(?s)Unknown instance type.*t9.huge`},
		{"missing vpc", "bad", "  vpc_id = \"vpc-0123456789abcdef0\"\n  subnet_ids = [\"subnet-0123456789abcdef0\"]", `(?s)VPC not found.*vpc-0123456789abcdef0`},
		{"ssh cidr", "bad", `  ssh_cidr_blocks = ["everyone"]`, `(?s)ssh_cidr_blocks.*IPv4 CIDR block`},
		{"domain without certificate", "bad", "  tier = 2\n  load_balancer = { domain_name = \"ai.example.com\" }", `(?s)Domain without certificate`},
		{"reserved tag", "bad", `  tags = { "geusemaker:deployment" = "x" }`, `(?s)Reserved tag key`},
		{"negative assumption", "bad", `  cost_assumptions = { efs_storage_gb = -1 }`, `(?s)Negative value.*cost_assumptions\.efs_storage_gb must be zero or more`},
		{"negative delete timeout", "bad", `  timeouts = { delete = "-5m" }`, `(?s)Invalid timeout.*timeouts\.delete must be a duration between 1m and 24h`},
		{"zero create timeout", "bad", `  timeouts = { create = "0s" }`, `(?s)Invalid timeout.*timeouts\.create must be a duration between 1m and 24h`},
	}
	for _, tc := range table {
		t.Run(tc.name, func(t *testing.T) {
			emu := acctest.Emulator(t)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories(),
				CheckDestroy:             acctest.CheckNothingCreated(emu),
				Steps: []resource.TestStep{{
					Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig(tc.deploymentName, tc.body),
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}
