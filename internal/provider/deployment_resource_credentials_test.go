package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

func credentialsModel(email, rotation string, creds map[string]string) *deploymentModel {
	m := &deploymentModel{
		Name: types.StringValue("ai"), Services: stringListValue(userdata.DefaultServices()),
		N8NOwnerEmail: types.StringValue(email), CredentialsRotation: types.StringNull(),
		ServiceCredentials: types.MapNull(types.StringType),
	}
	if rotation != "" {
		m.CredentialsRotation = types.StringValue(rotation)
	}
	if creds != nil {
		m.ServiceCredentials = stringMapValue(creds)
	}
	return m
}

var allCredentials = map[string]string{"n8n_owner_email": "a@example.com", "n8n_owner_password": "p", "ollama_api_key": "o", "qdrant_api_key": "q", "crawl4ai_token": "c"}

// What counts as new credentials (and so a new instance) at plan time.
func TestCredentialsChange(t *testing.T) {
	ctx := context.Background()
	state := credentialsModel("a@example.com", "", allCredentials)
	for _, c := range []struct {
		name string
		plan *deploymentModel
		want bool
	}{
		{"nothing", credentialsModel("a@example.com", "", nil), false},
		{"owner email", credentialsModel("b@example.com", "", nil), true},
		{"rotation set", credentialsModel("a@example.com", "2026-10", nil), true},
		{"services without n8n: the email does not matter", func() *deploymentModel {
			m := credentialsModel("b@example.com", "", nil)
			m.Services = stringListValue([]string{"ollama"})
			return m
		}(), false},
	} {
		var diags diag.Diagnostics
		if got := credentialsChange(ctx, c.plan, state, &diags); got != c.want || diags.HasError() {
			t.Errorf("%s: %v, want %v (%v)", c.name, got, c.want, diags)
		}
	}
	// A service added whose key is not generated yet.
	noCrawl := credentialsModel("a@example.com", "", map[string]string{"n8n_owner_email": "a@example.com", "n8n_owner_password": "p", "ollama_api_key": "o", "qdrant_api_key": "q"})
	var added diag.Diagnostics
	if !credentialsChange(ctx, credentialsModel("a@example.com", "", nil), noCrawl, &added) {
		t.Error("a service without its key plans no new credentials")
	}
	// A deployment of an earlier release: only the email in the map.
	old := credentialsModel("a@example.com", "", map[string]string{"n8n_owner_email": "a@example.com"})
	var diags diag.Diagnostics
	if !credentialsChange(ctx, credentialsModel("a@example.com", "", nil), old, &diags) {
		t.Error("a deployment without generated credentials plans none")
	}
}

// The plan's warnings: the adopted instance's open routes and how to
// replace it; the first credentials of an earlier release's deployment.
func TestWarnCredentials(t *testing.T) {
	ctx := context.Background()
	state := credentialsModel("a@example.com", "", allCredentials)
	adopted := &deployment.State{InstanceState: deployment.InstanceState{InstanceID: "i-0cli", AdoptedInstance: true},
		CredentialsState: deployment.CredentialsState{Credentials: map[string]string{"ollama-api-key": "o"}}}
	warn := func(plan *deploymentModel, rec *deployment.State) string {
		var diags diag.Diagnostics
		warnCredentials(ctx, plan, state, rec, &diags)
		var out []string
		for _, d := range diags {
			out = append(out, d.Summary()+": "+d.Detail())
		}
		return strings.Join(out, "\n")
	}
	if w := warn(credentialsModel("a@example.com", "", nil), adopted); !strings.Contains(w, "i-0cli") || !strings.Contains(w, "stay public") || !strings.Contains(w, "set credentials_rotation") {
		t.Errorf("adopted: %q", w)
	}
	if w := warn(credentialsModel("a@example.com", "now", nil), adopted); !strings.Contains(w, "is replaced") {
		t.Errorf("adopted, rotated: %q", w)
	}
	if w := warn(credentialsModel("a@example.com", "", nil), &deployment.State{InstanceState: deployment.InstanceState{InstanceID: "i-0old"}}); !strings.Contains(w, "replaces the instance") {
		t.Errorf("earlier release: %q", w)
	}
	own := &deployment.State{CredentialsState: deployment.CredentialsState{Credentials: map[string]string{"ollama-api-key": "o"}}}
	if w := warn(credentialsModel("a@example.com", "", nil), own); w != "" {
		t.Errorf("a deployment with credentials warns: %q", w)
	}
}
