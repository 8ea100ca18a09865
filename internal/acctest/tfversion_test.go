package acctest

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

func TestNeedsProviderFunctions(t *testing.T) {
	// The versions tfversion names (go-version is not a direct dependency).
	for _, tc := range []struct {
		req      tfversion.CheckTerraformVersionRequest
		wantSkip bool
	}{
		{tfversion.CheckTerraformVersionRequest{TerraformVersion: tfversion.Version1_5_0}, true},
		{tfversion.CheckTerraformVersionRequest{TerraformVersion: tfversion.Version1_7_0}, true},
		{tfversion.CheckTerraformVersionRequest{TerraformVersion: tfversion.Version1_8_0}, false},
		{tfversion.CheckTerraformVersionRequest{TerraformVersion: tfversion.Version1_11_0}, false},
	} {
		cli := tc.req.TerraformVersion.String()
		t.Run(cli, func(t *testing.T) {
			checks := NeedsProviderFunctions()
			if len(checks) == 0 {
				t.Fatal("no version checks")
			}
			var skip []string
			for _, c := range checks {
				resp := tfversion.CheckTerraformVersionResponse{}
				c.CheckTerraformVersion(context.Background(), tc.req, &resp)
				if resp.Error != nil {
					t.Fatalf("error: %v", resp.Error)
				}
				if resp.Skip != "" {
					skip = append(skip, resp.Skip)
				}
			}
			switch {
			case tc.wantSkip && len(skip) == 0:
				t.Fatalf("Terraform %s: not skipped", cli)
			case !tc.wantSkip && len(skip) > 0:
				t.Fatalf("Terraform %s: skipped: %s", cli, skip)
			case tc.wantSkip && !strings.Contains(skip[0], "provider-defined functions") || tc.wantSkip && !strings.Contains(skip[0], cli):
				t.Fatalf("the skip message does not say which CLI and why: %q", skip[0])
			}
		})
	}
}
