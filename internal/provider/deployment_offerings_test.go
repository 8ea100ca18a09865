package provider_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
)

// GPU and new families are missing from some zones (us-east-1e lacks g5 in
// the emulator as in AWS). The provider places the instance where its type
// is offered, and refuses at plan time what could not run anywhere it may go.
func TestAccDeployment_instanceTypeOfferings(t *testing.T) {
	acctest.PreCheck(t)
	t.Run("user subnets only where the type is missing", func(t *testing.T) {
		emu := acctest.Emulator(t)
		net := emutest.CreateUserNetwork(t, emu, "us-east-1e")
		body := fmt.Sprintf("  instance_type = \"g5.xlarge\"\n  vpc_id = %q\n  subnet_ids = %s", net.VPCID, net.Subnets())
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories(),
			Steps: []resource.TestStep{{
				Config:      acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("bad", body),
				ExpectError: regexp.MustCompile(`(?s)Instance type not offered where the instance would run.*g5\.xlarge.*us-east-1e.*it\s+does\s+in\s+us-east-1a`),
			}},
		})
		for _, c := range emu.Calls() {
			if c.Operation == "RunInstances" || c.Operation == "CreateFileSystem" || c.Operation == "CreateSecurityGroup" || c.Operation == "CreateRole" {
				t.Fatalf("a plan-time error reached %s.%s", c.Service, c.Operation)
			}
		}
	})
	t.Run("dedicated VPC avoids the zones without the type", func(t *testing.T) {
		emu := acctest.Emulator(t, func(o *awsemu.Options) {
			o.Knobs = map[string]string{"ec2.unoffered": "g5.xlarge@us-east-1a"}
		})
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories(),
			CheckDestroy:             acctest.CheckInventoryEmpty(emu),
			Steps: []resource.TestStep{{
				Config: acctest.ProviderConfig(emu, acctest.ProviderOptions{}) + deploymentConfig("placed", `  instance_type = "g5.xlarge"`),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("availability_zone"), knownvalue.StringExact("us-east-1b")),
				},
			}},
		})
	})
	t.Run("in-place type change to a type the zone lacks", func(t *testing.T) {
		emu := acctest.Emulator(t, func(o *awsemu.Options) {
			o.Knobs = map[string]string{"ec2.unoffered": "m7i.large@us-east-1a"}
		})
		provider := acctest.ProviderConfig(emu, acctest.ProviderOptions{})
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories(),
			CheckDestroy:             acctest.CheckInventoryEmpty(emu),
			Steps: []resource.TestStep{
				{
					Config: provider + deploymentConfig("inplace", `  instance_type = "m6i.large"`),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(deploymentAddr, tfjsonpath.New("availability_zone"), knownvalue.StringExact("us-east-1a")),
					},
				},
				{
					Config:      provider + deploymentConfig("inplace", `  instance_type = "m7i.large"`),
					ExpectError: regexp.MustCompile(`(?s)Instance type not offered where the instance would run.*m7i\.large.*us-east-1a,\s+the\s+instance's\s+zone`),
				},
			},
		})
	})
}
