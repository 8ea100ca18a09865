package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// ValidateConfig checks the rules between attributes that need no AWS call;
// unknown values are skipped (they are checked again at apply).
func (r *deploymentResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m deploymentModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if services := listOf(ctx, m.Services, &resp.Diagnostics); len(services) > 0 && schemaAccepts(services) {
		// Unknown, repeated or missing services are the attribute
		// validators' to report; what is left is how services depend on
		// each other.
		if err := userdata.ValidateServices(services); err != nil {
			resp.Diagnostics.AddAttributeError(fieldPath("services"), "Invalid services", err.Error())
		}
	}
	// toSpec ignores subnets without a VPC, so check the pair here.
	if m.VPCID.IsNull() && !m.SubnetIDs.IsNull() {
		resp.Diagnostics.AddAttributeError(fieldPath("subnet_ids"), "Subnets without a VPC",
			"subnet_ids needs vpc_id: set both to deploy into an existing VPC, or neither to let the deployment create one.")
	}
	if !m.VPCID.IsNull() && m.SubnetIDs.IsNull() {
		resp.Diagnostics.AddAttributeError(fieldPath("subnet_ids"), "VPC without subnets",
			"vpc_id needs subnet_ids: the public subnets to deploy into (two in distinct availability zones for tier 2 and 3).")
	}
	region := ""
	if r.client != nil {
		region = r.client.Region
	}
	withDefaults := m
	applyConfigDefaults(ctx, &withDefaults)
	spec := withDefaults.toSpec(ctx, region, nil, !m.VPCID.IsNull(), &resp.Diagnostics)
	for _, fe := range spec.Validate() {
		if !knownAt(ctx, req, fe.Path) || checkedBySchema[indexedPath.ReplaceAllString(fe.Path, "$1")] {
			continue
		}
		switch fe.Path {
		case "load_balancer.certificate_arn", "cdn.certificate_arn":
			// A malformed ARN is the attribute validator's; the region of
			// the load balancer's is only known once the provider is.
			if !acmARN.MatchString(certificateARNOf(fe.Path, spec)) || (region == "" && fe.Summary == "Certificate in another region") {
				continue
			}
		case "subnet_ids":
			if len(spec.SubnetIDs) == 0 {
				continue // the attribute validator requires at least one
			}
		}
		resp.Diagnostics.AddAttributeError(fieldPath(fe.Path), fe.Summary, fe.Detail)
	}
}

// checkedBySchema are the attributes whose own validators enforce all that
// Spec.Validate says about their value alone: reporting both would give two
// errors for one mistake.
var checkedBySchema = map[string]bool{
	"name": true, "tier": true, "allowed_cidr_blocks": true, "ssh_cidr_blocks": true, "vpc_cidr": true, "root_volume_size": true,
	"load_balancer.idle_timeout_seconds": true, "load_balancer.health_check_path": true,
	"cdn.origin_read_timeout_seconds": true, "cdn.price_class": true,
}

// certificateARNOf is the spec's value of a certificate attribute.
func certificateARNOf(p string, spec *deployment.Spec) string {
	if p == "cdn.certificate_arn" {
		return spec.CDN.CertificateARN
	}
	return spec.LoadBalancer.CertificateARN
}

// schemaAccepts reports whether the services attribute's own validators
// accept the list: known names, each once.
func schemaAccepts(services []string) bool {
	seen := map[string]bool{}
	for _, s := range services {
		if seen[s] || !slices.Contains(userdata.AllServices(), s) {
			return false
		}
		seen[s] = true
	}
	return true
}

// knownAt reports whether the configuration value at an attribute path (and
// everything above it) is known: validation runs before unknown values are
// resolved, and those are checked again at plan time.
func knownAt(_ context.Context, req resource.ValidateConfigRequest, p string) bool {
	tp := tftypes.NewAttributePath()
	for _, part := range strings.Split(p, ".") {
		name := part
		if m := indexedPath.FindStringSubmatch(part); m != nil {
			name = m[1]
		}
		tp = tp.WithAttributeName(name)
	}
	v, _, err := tftypes.WalkAttributePath(req.Config.Raw, tp)
	if tv, ok := v.(tftypes.Value); ok {
		return tv.IsFullyKnown()
	}
	return err == nil
}

// applyConfigDefaults fills the schema defaults into a configuration, so the
// cross-attribute rules see what the plan will hold.
func applyConfigDefaults(ctx context.Context, m *deploymentModel) {
	var diags diag.Diagnostics
	if m.Tier.IsNull() {
		m.Tier = types.Int64Value(1)
	}
	if m.RootVolumeSize.IsNull() {
		m.RootVolumeSize = types.Int64Value(deployment.DefaultRootVolumeGiB)
	}
	if m.VPCCIDR.IsNull() {
		m.VPCCIDR = types.StringValue(deployment.DefaultVPCCIDR)
	}
	if m.AllowedCIDRBlocks.IsNull() {
		m.AllowedCIDRBlocks = stringList("0.0.0.0/0")
	}
	m.LoadBalancer = fillObjectDefaults(ctx, m.LoadBalancer, defaultLoadBalancer(), &diags)
	m.CDN = fillObjectDefaults(ctx, m.CDN, defaultCDN(), &diags)
	m.EFS = fillObjectDefaults(ctx, m.EFS, defaultEFS(), &diags)
	m.Capacity = fillObjectDefaults(ctx, m.Capacity, defaultCapacity(), &diags)
}

// fillObjectDefaults replaces a null object, or its null attributes, with the
// defaults.
func fillObjectDefaults(_ context.Context, o types.Object, defaults types.Object, _ *diag.Diagnostics) types.Object {
	if o.IsNull() {
		return defaults
	}
	if o.IsUnknown() {
		return o
	}
	attrs := o.Attributes()
	merged := map[string]attr.Value{}
	for k, dv := range defaults.Attributes() {
		if v, ok := attrs[k]; ok && !v.IsNull() {
			merged[k] = v
		} else {
			merged[k] = dv
		}
	}
	out, d := types.ObjectValue(defaults.AttributeTypes(context.Background()), merged)
	if d.HasError() {
		return o
	}
	return out
}

// nameValidator checks the deployment name against every AWS limit it
// implies.
type nameValidator struct{}

func (nameValidator) Description(context.Context) string {
	return fmt.Sprintf("2-%d lowercase letters, digits and hyphens, starting with a letter", deployment.MaxNameLength)
}

func (v nameValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (nameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := deployment.ValidateName(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid deployment name", err.Error()+".")
	}
}

// nonNegativeFloat rejects negative numbers.
type nonNegativeFloat struct{}

func (nonNegativeFloat) Description(context.Context) string               { return "must be zero or more" }
func (v nonNegativeFloat) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }
func (nonNegativeFloat) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if !req.ConfigValue.IsNull() && !req.ConfigValue.IsUnknown() && req.ConfigValue.ValueFloat64() < 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Negative value", fmt.Sprintf("%s must be zero or more, got %g.", req.Path, req.ConfigValue.ValueFloat64()))
	}
}

// Bounds of an operation timeout: below a minute nothing finishes (AWS's
// own waits take longer), and a day is beyond any rollout.
const (
	minOperationTimeout = time.Minute
	maxOperationTimeout = 24 * time.Hour
)

// operationTimeout is a timeout from the state or the plan: the configured
// one when it is valid, else the default with a warning (a state written
// before timeouts were validated may hold "-5m").
func operationTimeout(ctx context.Context, t timeouts.Value, name string, def time.Duration, diags *diag.Diagnostics) time.Duration {
	var got time.Duration
	var d diag.Diagnostics
	switch name {
	case "create":
		got, d = t.Create(ctx, def)
	case "update":
		got, d = t.Update(ctx, def)
	default:
		got, d = t.Delete(ctx, def)
	}
	if d.HasError() || got < minOperationTimeout || got > maxOperationTimeout {
		diags.AddAttributeWarning(path.Root("timeouts").AtName(name), "Invalid timeout ignored",
			fmt.Sprintf("The stored timeouts.%s is not a duration between 1m and 24h; the default %s is used instead. Set a valid value and run `terraform apply` to store it.", name, def))
		return def
	}
	return got
}
