package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
)

// toConfig converts the provider block into the framework-free conns.Config.
func (m providerModel) toConfig(ctx context.Context) (*conns.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	c := &conns.Config{
		Region:                    m.Region.ValueString(),
		Profile:                   m.Profile.ValueString(),
		AccessKey:                 m.AccessKey.ValueString(),
		SecretKey:                 m.SecretKey.ValueString(),
		Token:                     m.Token.ValueString(),
		MaxRetries:                int(m.MaxRetries.ValueInt64()),
		RetryMode:                 m.RetryMode.ValueString(),
		SkipCredentialsValidation: m.SkipCredentialsValidation.ValueBool(),
		SkipRequestingAccountID:   m.SkipRequestingAccountID.ValueBool(),
		Endpoints:                 map[string]string{},
		DefaultTags:               map[string]string{},
	}
	if m.MaxRetries.IsNull() {
		c.MaxRetries = 25
	}
	c.PollCap = parseDuration(m.MaxPollInterval.ValueString())
	diags.Append(m.SharedConfigFiles.ElementsAs(ctx, &c.SharedConfigFiles, false)...)
	diags.Append(m.SharedCredentialsFiles.ElementsAs(ctx, &c.SharedCredentialsFiles, false)...)
	if len(m.AssumeRole) == 1 {
		a := m.AssumeRole[0]
		c.AssumeRole = &conns.AssumeRole{RoleARN: a.RoleARN.ValueString(), SessionName: a.SessionName.ValueString(),
			ExternalID: a.ExternalID.ValueString(), Duration: parseDuration(a.Duration.ValueString())}
	}
	if len(m.AssumeRoleWithWebIdentity) == 1 {
		w := m.AssumeRoleWithWebIdentity[0]
		c.WebIdentity = &conns.WebIdentity{RoleARN: w.RoleARN.ValueString(), SessionName: w.SessionName.ValueString(),
			Token: w.WebIdentityToken.ValueString(), TokenFile: w.WebIdentityTokenFile.ValueString(), Duration: parseDuration(w.Duration.ValueString())}
	}
	if len(m.DefaultTags) == 1 && !m.DefaultTags[0].Tags.IsNull() {
		diags.Append(m.DefaultTags[0].Tags.ElementsAs(ctx, &c.DefaultTags, false)...)
	}
	if len(m.Endpoints) == 1 {
		for k, v := range m.Endpoints[0].asMap() {
			if v != "" {
				c.Endpoints[k] = v
			}
		}
	}
	return c, diags
}

func parseDuration(s string) time.Duration {
	d, _ := time.ParseDuration(s)
	return d
}
