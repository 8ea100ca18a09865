package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Tag keys EC2 refuses on an instance whose tags are in its metadata are
// refused at plan time, with a key it accepts.
func TestInstanceTagKey(t *testing.T) {
	for _, tc := range []struct{ key, suggest string }{
		{"team", ""},
		{"cost-center:ai_2=x+y,z.@", ""},
		{"Cost Center", "Cost-Center"},
		{"team/owner", "team:owner"},
		{"équipe", "-quipe"},
		{".", "(none)"},
		{"..", "(none)"},
		{"_index", "(none)"},
	} {
		resp := &validator.StringResponse{}
		instanceTagKey{}.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("tags"), ConfigValue: types.StringValue(tc.key)}, resp)
		if tc.suggest == "" {
			if resp.Diagnostics.HasError() {
				t.Errorf("%q refused: %v", tc.key, resp.Diagnostics)
			}
			continue
		}
		if !resp.Diagnostics.HasError() {
			t.Errorf("%q accepted", tc.key)
			continue
		}
		detail := resp.Diagnostics[0].Detail()
		if tc.suggest != "(none)" && !strings.Contains(detail, `Use "`+tc.suggest+`" instead`) {
			t.Errorf("%q: detail %q does not suggest %q", tc.key, detail, tc.suggest)
		}
	}
}
