// Package provider is the Terraform-facing layer: schemas, models, plan
// modifiers, validators, diagnostics and the CRUD glue that hands work to
// internal/deployment.
package provider

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
)

// TypeName is the provider's type name in configurations.
const TypeName = "geusemaker"

var (
	_ provider.Provider              = (*geusemakerProvider)(nil)
	_ provider.ProviderWithFunctions = (*geusemakerProvider)(nil)
)

// TestOptions are test seams that no configuration can reach.
type TestOptions struct {
	// PollCap caps every waiter's poll interval (the lower of it and
	// max_poll_interval applies).
	PollCap time.Duration
	// RetryMaxBackoff caps the AWS SDK's retry backoff.
	RetryMaxBackoff time.Duration
	// Clock and Speed run every waiter on a dilated clock: an emulator's
	// virtual clock (Clock tells its time, Sleep sleeps on it) going Speed
	// times faster than real time. Benchmarks use it without PollCap, to
	// see the real poll schedules.
	Clock func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	Speed float64
	// LeaseTTL shortens a create's lease on its deployment name.
	LeaseTTL time.Duration
	// TimeoutDivisor divides the operation timeouts.
	TimeoutDivisor int
}

type geusemakerProvider struct {
	version string
	test    TestOptions
}

// New returns the provider factory for a release version.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &geusemakerProvider{version: version} }
}

// NewTestProvider returns a provider with test seams applied.
func NewTestProvider(opts TestOptions) func() provider.Provider {
	return func() provider.Provider { return &geusemakerProvider{version: "test", test: opts} }
}

func (p *geusemakerProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = TypeName
	resp.Version = p.version
}

func (p *geusemakerProvider) Schema(ctx context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerSchema(ctx)
}

func (p *geusemakerProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	if !req.Config.Raw.IsFullyKnown() {
		reportUnknown(resp, req.Config.Raw)
		return
	}
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, diags := m.toConfig(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg.UserAgent = "terraform-provider-geusemaker/" + p.version
	if p.test.PollCap > 0 && (cfg.PollCap == 0 || p.test.PollCap < cfg.PollCap) {
		cfg.PollCap = p.test.PollCap
	}
	cfg.RetryMaxBackoff = p.test.RetryMaxBackoff
	cfg.WaitClock, cfg.WaitSleep, cfg.WaitSpeed = p.test.Clock, p.test.Sleep, p.test.Speed
	cfg.LeaseTTL = p.test.LeaseTTL
	cfg.TimeoutDivisor = p.test.TimeoutDivisor

	client, err := cfg.Build(ctx)
	if err != nil {
		addConfigError(&resp.Diagnostics, err)
		return
	}
	tflog.Info(ctx, "configured AWS access", map[string]any{"aws.region": client.Region})
	resp.DataSourceData = client
	resp.ResourceData = client
}

// addConfigError reports a failure to configure AWS access (conns.Build, or
// STS when first asked), on the provider argument it concerns.
func addConfigError(diags *diag.Diagnostics, err error) {
	var ce *conns.ConfigError
	switch {
	case errors.As(err, &ce) && ce.Attribute != "":
		diags.AddAttributeError(attributePath(ce.Attribute), ce.Summary, ce.Detail)
	case errors.As(err, &ce):
		diags.AddError(ce.Summary, ce.Detail)
	default:
		diags.AddError("Cannot configure the GeuseMaker provider", err.Error())
	}
}

// attributePath turns "endpoints.ec2" or "assume_role" into the path of the
// argument inside its (single) block.
func attributePath(attr string) path.Path {
	parts := strings.Split(attr, ".")
	p := path.Root(parts[0])
	switch parts[0] {
	case "endpoints", "assume_role", "assume_role_with_web_identity", "default_tags":
		p = p.AtListIndex(0)
	}
	for _, part := range parts[1:] {
		p = p.AtName(part)
	}
	return p
}

// reportUnknown names each argument whose value is not known yet: provider
// configuration cannot depend on values only known after apply.
func reportUnknown(resp *provider.ConfigureResponse, raw tftypes.Value) {
	var attrs map[string]tftypes.Value
	if err := raw.As(&attrs); err == nil {
		names := make([]string, 0, len(attrs))
		for name, v := range attrs {
			if !v.IsFullyKnown() {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Unknown provider configuration value",
				"The value of "+name+" is not known until apply. The provider is configured before planning, so it needs values known at plan time: literals, variables, or attributes of resources that already exist.")
		}
		if len(names) > 0 {
			return
		}
	}
	resp.Diagnostics.AddError("Unknown provider configuration value",
		"A provider argument depends on a value that is not known until apply. The provider is configured before planning, so it needs values known at plan time.")
}

func (p *geusemakerProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newDeploymentResource,
	}
}

func (p *geusemakerProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newCallerIdentityDataSource,
		newCostEstimateDataSource,
		newDeploymentDataSource,
		newDeploymentsDataSource,
	}
}

func (p *geusemakerProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		newEstimateMonthlyCostFunction,
	}
}
