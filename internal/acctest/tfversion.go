package acctest

import (
	"context"

	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// The Terraform CLI versions the provider supports: 1.5 and newer (1.5.7,
// the last MPL-licensed release, is tested in CI with a smoke set), with
// provider-defined functions from 1.8 on. scripts/terraform.sh holds the
// same numbers for make.

// NeedsProviderFunctions is the TerraformVersionChecks of every test whose
// configuration calls a provider-defined function
// (provider::geusemaker::estimate_monthly_cost): below Terraform 1.8 such a
// configuration does not parse, so the test is skipped there, saying why.
func NeedsProviderFunctions() []tfversion.TerraformVersionCheck {
	return []tfversion.TerraformVersionCheck{skipBelowWithReason{
		check:  tfversion.SkipBelow(tfversion.Version1_8_0),
		reason: "provider-defined functions such as provider::geusemaker::estimate_monthly_cost need Terraform 1.8 or newer",
	}}
}

// skipBelowWithReason is tfversion.SkipBelow with the reason appended to its
// skip message, so that a skipped test's log says what it needed.
type skipBelowWithReason struct {
	check  tfversion.TerraformVersionCheck
	reason string
}

func (s skipBelowWithReason) CheckTerraformVersion(ctx context.Context, req tfversion.CheckTerraformVersionRequest, resp *tfversion.CheckTerraformVersionResponse) {
	s.check.CheckTerraformVersion(ctx, req, resp)
	if resp.Skip != "" {
		resp.Skip += " (" + s.reason + ")"
	}
}
