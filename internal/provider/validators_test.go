package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
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

// Aliases CloudFront refuses are refused at plan, on their element; the
// first alias, the url, is not a wildcard.
func TestCDNAliases(t *testing.T) {
	for _, tc := range []struct {
		aliases []string
		want    string // "" accepted, else the diagnostic's summary
	}{
		{[]string{"ai.example.com", "*.example.com"}, ""},
		{[]string{"n8n.team-1.example.co.uk"}, ""},
		{[]string{"*.example.com"}, "Wildcard alias first"},
		{[]string{"AI.example.com"}, "Invalid alternate domain name"},
		{[]string{"ai.example.com."}, "Invalid alternate domain name"},
		{[]string{"ai.*.example.com"}, "Invalid alternate domain name"},
		{[]string{"ai.example.com", "-bad.example.com"}, "Invalid alternate domain name"},
		{[]string{"https://ai.example.com"}, "Invalid alternate domain name"},
		{[]string{strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61) + ".com"}, "Invalid alternate domain name"},
	} {
		elems := make([]attr.Value, len(tc.aliases))
		for i, a := range tc.aliases {
			elems[i] = types.StringValue(a)
		}
		resp := &validator.ListResponse{}
		cdnAliases{}.ValidateList(context.Background(), validator.ListRequest{Path: path.Root("cdn").AtName("aliases"), ConfigValue: types.ListValueMust(types.StringType, elems)}, resp)
		switch {
		case tc.want == "" && resp.Diagnostics.HasError():
			t.Errorf("%v refused: %v", tc.aliases, resp.Diagnostics)
		case tc.want != "" && (!resp.Diagnostics.HasError() || resp.Diagnostics[0].Summary() != tc.want):
			t.Errorf("%v: %v, want %q", tc.aliases, resp.Diagnostics, tc.want)
		}
	}
}

// max_poll_interval becomes the waiters' poll cap; without it, none.
func TestMaxPollIntervalConfig(t *testing.T) {
	for _, tc := range []struct {
		value types.String
		want  time.Duration
	}{
		{types.StringValue("2s"), 2 * time.Second},
		{types.StringValue("10m"), 10 * time.Minute},
		{types.StringNull(), 0},
	} {
		m := providerModel{MaxPollInterval: tc.value, SharedConfigFiles: types.ListNull(types.StringType), SharedCredentialsFiles: types.ListNull(types.StringType)}
		c, diags := m.toConfig(context.Background())
		if diags.HasError() || c.PollCap != tc.want {
			t.Errorf("max_poll_interval %s: poll cap %s, want %s (%v)", tc.value, c.PollCap, tc.want, diags)
		}
	}
}
