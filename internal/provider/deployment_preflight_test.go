package provider_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// preflightRefused runs one configuration whose plan must fail, once per
// expected diagnostic (every problem is reported by the same plan, so each
// step sees all of them), and proves that nothing was created: no create
// call reached the emulator and its inventory is empty.
func preflightRefused(t *testing.T, emu *awsemu.Emulator, body string, want ...string) {
	t.Helper()
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("preflight", body)
	var steps []resource.TestStep
	for _, w := range want {
		steps = append(steps, resource.TestStep{Config: config, ExpectError: regexp.MustCompile(w)})
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps:                    steps,
	})
	for _, c := range emu.Calls() {
		if strings.HasPrefix(c.Operation, "Create") || c.Operation == "RunInstances" || c.Operation == "ImportKeyPair" {
			t.Errorf("the refused plan still called %s.%s", c.Service, c.Operation)
		}
	}
}

// attributeError matches a diagnostic whose source line is the attribute's
// (Terraform quotes the configuration line of a top-level attribute, and
// the resource block for one nested in an object, whose path the detail
// then names), and whose detail mentions what.
func attributeError(summary, line, what string) string {
	return `(?s)Error: ` + regexp.QuoteMeta(summary) + `\s+with geusemaker_deployment\.test,[^\n]*\n[^\n]*\n\s+\d+:\s+` + line + `.*` + what
}

// A new account has 0 vCPUs for G instances: the plan of a tier-3 GPU
// deployment fails naming the quota, its code and how to raise it, before
// anything is made (on AWS the apply would build the VPC, EFS, IAM and ALB
// and fail at RunInstances with VcpuLimitExceeded).
func TestAccDeployment_preflightGPUQuota(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"quota.L-DB2E81BA": "0"} })
	preflightRefused(t, emu, "  tier = 3\n  instance_type = \"g5.xlarge\"",
		`(?s)vCPU quota too low\s+with geusemaker_deployment\.test,[^\n]*\n[^\n]*\n\s+\d+:\s+instance_type\s+=.*g5\.xlarge needs 4 vCPUs.*Running On-Demand G and\s+VT\s+instances.*L-DB2E81BA.*allows\s+0.*request-service-quota-increase\s+--service-code\s+ec2\s+--quota-code\s+L-DB2E81BA\s+--desired-value\s+4`)
}

// A caller whose policies deny an action the tier needs gets one plan error
// listing the denied actions; nothing is created.
func TestAccDeployment_preflightPermissionDenied(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) {
		o.Knobs = map[string]string{"iam.deny": "elasticloadbalancing:CreateLoadBalancer,elasticfilesystem:CreateMountTarget"}
	})
	preflightRefused(t, emu, "  tier = 2",
		`(?s)Missing IAM permissions.*may\s+not\s+perform\s+2\s+action\(s\).*elasticfilesystem:CreateMountTarget.*elasticloadbalancing:CreateLoadBalancer`)
}

// A caller that may not simulate its own policies gets a warning, and the
// apply goes on.
func TestAccDeployment_preflightCannotSimulate(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"iam.deny": "iam:SimulatePrincipalPolicy"} })
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("no-simulate", "")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
				Check: func(*terraform.State) error {
					for _, c := range emu.Calls() {
						if c.Operation == "SimulatePrincipalPolicy" && strings.Contains(c.Error, "AccessDenied") {
							return nil
						}
					}
					return fmt.Errorf("the plan never tried iam:SimulatePrincipalPolicy (or it was not denied)")
				},
			},
			{ResourceName: deploymentAddr, ImportState: true, ImportStateId: "no-simulate", ImportStateVerify: true, ImportStateVerifyIgnore: importVerifyIgnore},
		},
	})
}

// Inputs AWS would refuse only after part of the stack exists are refused
// by the plan, all of them at once, each on its attribute.
func TestAccDeployment_preflightMissingInputs(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	cert := acctest.ImportCertificate(t, emu, "us-east-1", "ai.example.com")
	body := fmt.Sprintf(`  tier     = 3
  key_name = "no-such-key"
  ami_id   = "ami-0123456789abcdef0"
  load_balancer = {
    certificate_arn = %q
    domain_name     = "ai.example.com"
    ssl_policy      = "ELBSecurityPolicy-TLS13-9-9-2099-01"
  }
  cdn = {
    web_acl_id = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/missing/a1b2c3d4-5678-90ab-cdef-111122223333"
  }`, cert)
	preflightRefused(t, emu, body,
		attributeError("Key pair not found", `key_name\s+=`, `no-such-key`),
		attributeError("AMI not found", `ami_id\s+=`, `ami-0123456789abcdef0`),
		attributeError("Unknown TLS policy", `resource "geusemaker_deployment" "test" \{`, `load_balancer\.ssl_policy: Elastic Load Balancing has no\s+security\s+policy\s+"ELBSecurityPolicy-TLS13-9-9-2099-01"`),
		attributeError("Web ACL not found", `resource "geusemaker_deployment" "test" \{`, `cdn\.web_acl_id: WAF has no web ACL.*webacl/missing`),
	)
	acctest.DeleteCertificates(t, emu, "us-east-1")
}

// Inputs that are wrong whatever AWS holds are refused when the
// configuration is validated, all of them at once, each with the fix.
func TestAccDeployment_preflightBadInputs(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	body := `  tier                = 3
  vpc_cidr            = "10.0.0.1/16"
  allowed_cidr_blocks = ["203.0.113.7/24"]
  ssh_cidr_blocks     = ["198.51.100.9/24"]
  ami_id              = "ami-xyz"
  tags                = { "Cost Center" = "ai" }
  cdn = {
    web_acl_id = "my-web-acl"
    restrict_origin = false
  }`
	preflightRefused(t, emu, body,
		`(?s)CIDR block with host bits.*10\.0\.0\.1/16.*"10\.0\.0\.0/16"`,
		`(?s)CIDR block with host bits.*203\.0\.113\.7/24.*"203\.0\.113\.0/24".*"203\.0\.113\.7/32"`,
		`(?s)CIDR block with host bits.*198\.51\.100\.9/24`,
		`(?s)ami_id.*must be an AMI id`,
		`(?s)Tag key not allowed on the instance.*Cost Center.*"Cost-Center"`,
		`(?s)Invalid web ACL.*my-web-acl.*scope CLOUDFRONT`,
	)
}

// Xen instance types cannot serve the latest console output the boot
// waits read: refused at plan with Nitro alternatives.
func TestAccDeployment_preflightXenType(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	preflightRefused(t, emu, "  instance_type = \"t2.xlarge\"",
		`(?s)Xen instance type not supported.*t2\.xlarge runs on the Xen hypervisor.*Nitro types with the same 4 vCPUs`)
}

// The CloudFront origin-facing prefix list weighs 55 rules: with the
// rules-per-group quota lowered below that, the tier-3 load balancer's
// group cannot hold it and the plan says so.
func TestAccDeployment_preflightRuleWeights(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) { o.Knobs = map[string]string{"quota.L-0EA8095F": "50"} })
	preflightRefused(t, emu, "  tier = 3",
		`(?s)Too many security group rules.*cdn\.restrict_origin:\s+The\s+load\s+balancer\s+security\s+group\s+would\s+hold\s+inbound\s+rules\s+weighing\s+55.*prefix\s+list.*L-0EA8095F`)
}

// An origin read timeout above 60 seconds needs a raised CloudFront quota:
// refused while the quota is 60, planned once it was raised.
func TestAccDeployment_preflightOriginTimeout(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	config := acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("timeout", "  tier = 3\n  cdn = { origin_read_timeout_seconds = 90 }")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		CheckDestroy:             acctest.CheckInventoryEmpty(emu),
		Steps: []resource.TestStep{
			{Config: config, ExpectError: regexp.MustCompile(`(?s)Origin read timeout above the quota.*90.*L-AECE9FA7.*allows\s+60`)},
			{PreConfig: func() { emu.SetKnob("quota.L-AECE9FA7", "120") }, Config: config, PlanOnly: true, ExpectNonEmptyPlan: true},
		},
	})
	if inv := emu.Inventory(); len(inv) != 0 {
		t.Fatalf("left behind: %+v", inv)
	}
}

// The GPU AMI's 75 GiB root snapshot does not fit a 50 GiB root volume:
// RunInstances would fail after the network, IAM, EFS and load balancer.
func TestAccDeployment_preflightRootVolumeTooSmall(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	preflightRefused(t, emu, "  instance_type = \"g5.xlarge\"\n  root_volume_size = 50",
		`(?s)Root volume smaller than the AMI.*root_volume_size.*75\s+GiB.*at\s+least\s+75`)
}

// With a custom domain, a caller that may not write the zone's records is
// refused by the plan, before any certificate or record is made.
func TestAccDeployment_preflightDomainPermission(t *testing.T) {
	acctest.PreCheck(t)
	emu, z := domainEmulator(t, map[string]string{"iam.deny": "route53:ChangeResourceRecordSets"})
	mark := len(emu.Calls())
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories(),
		Steps: []resource.TestStep{{
			Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("denied", domainBody(2, z, "")),
			ExpectError: regexp.MustCompile(`(?s)Missing IAM permissions.*route53:ChangeResourceRecordSets`),
		}},
	})
	if calls := mutatingCallsSince(emu, mark); len(calls) > 0 {
		t.Fatalf("the refused plan reached AWS: %v", calls)
	}
	if err := z.CheckDestroy(emu)(nil); err != nil {
		t.Fatal(err)
	}
}

// An x86_64 AMI on an arm64 instance type (t4g): RunInstances would refuse
// it after the network, IAM and EFS exist. The plan names both
// architectures on ami_id.
func TestAccDeployment_preflightAMIArchitecture(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t)
	var amd64 string
	for _, a := range awsemu.AMIsOf("us-east-1") {
		if a.Architecture == "x86_64" && !a.GPUDriver {
			amd64 = a.ID
		}
	}
	if amd64 == "" {
		t.Fatal("the emulator publishes no x86_64 Ubuntu AMI")
	}
	preflightRefused(t, emu, fmt.Sprintf("  instance_type = \"t4g.small\"\n  ami_id        = %q", amd64),
		attributeError("AMI architecture mismatch", `ami_id\s+=`, `AMI\s+`+amd64+`\s+is\s+x86_64\s+but\s+instance\s+type\s+t4g\.small\s+is\s+arm64`))
}

// Every per-region and per-account object quota a tier-3 deployment would
// reach is refused in one plan, each named with its code and how to raise
// it, before anything is made.
func TestAccDeployment_preflightObjectQuotas(t *testing.T) {
	acctest.PreCheck(t)
	emu := acctest.Emulator(t, func(o *awsemu.Options) {
		o.Knobs = map[string]string{"quota.L-F678F1CE": "0", "quota.L-53DA6B97": "0", "quota.L-B22855CB": "0", "quota.L-848C634D": "0", "quota.L-24B04930": "0"}
	})
	quota := func(name, code string) string {
		return `(?s)Quota reached: ` + regexp.QuoteMeta(name) + `.*` + code + `.*--quota-code ` + code
	}
	preflightRefused(t, emu, "  tier = 3",
		quota("VPCs per Region", "L-F678F1CE"),
		quota("Application Load Balancers per Region", "L-53DA6B97"),
		quota("Target Groups per Region", "L-B22855CB"),
		quota("File systems per account", "L-848C634D"),
		quota("Web distributions per AWS account", "L-24B04930"),
	)
}
