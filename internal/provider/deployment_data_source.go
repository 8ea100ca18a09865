package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// The geusemaker_deployment data source shows everything the resource shows,
// for any deployment of the region, without duplicating the resource's
// schema or flatten code:
//
//   - Schema: every attribute of the resource schema (deploymentSchema) is
//     converted to a Computed data-source attribute with the same type,
//     description and sensitivity (nested attributes recursively);
//     validators, defaults and plan modifiers are dropped. Only `name` stays
//     Required, and the resource-only `timeouts` block is left out. The
//     inspection extras (cloudfront_origin, cloudfront_cache_behaviors) are
//     added on top.
//   - Value: the deployment is rediscovered by name (deployment.Discover, as
//     import does), turned into the resource's model by the resource's own
//     modelFromSpec, setObserved and planCost, and written into a state of
//     the resource's schema; its attributes are then copied by name into the
//     data source's state.
//
// So when the resource gains an attribute, the data source gains it too,
// with the same description and the same value.

var _ datasource.DataSourceWithConfigure = (*deploymentDataSource)(nil)

// resourceOnlyAttributes are resource attributes with no meaning for a
// data source.
var resourceOnlyAttributes = map[string]bool{"timeouts": true, "verify_reachability": true}

type deploymentDataSource struct {
	client *conns.AWSClient
}

func newDeploymentDataSource() datasource.DataSource { return &deploymentDataSource{} }

func (d *deploymentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment"
}

var (
	cloudFrontOriginAttrTypes = map[string]attr.Type{
		"domain_name": types.StringType, "protocol_policy": types.StringType, "read_timeout_seconds": types.Int64Type,
	}
	cacheBehaviorAttrTypes = map[string]attr.Type{
		"path_pattern": types.StringType, "cache_policy_id": types.StringType, "origin_request_policy_id": types.StringType,
		"viewer_protocol_policy": types.StringType,
	}
)

func deploymentDataSourceSchema(ctx context.Context) schema.Schema {
	rs := deploymentSchema(ctx)
	attrs := make(map[string]schema.Attribute, len(rs.Attributes)+2)
	for name, a := range rs.Attributes {
		if resourceOnlyAttributes[name] {
			continue
		}
		attrs[name] = computedDataSourceAttribute(name, a)
	}
	attrs["name"] = schema.StringAttribute{Required: true,
		MarkdownDescription: "Name of the deployment to inspect (its `geusemaker:deployment` tag) in the provider's region.",
		Validators:          []validator.String{nameValidator{}}}
	attrs["cloudfront_origin"] = schema.SingleNestedAttribute{Computed: true,
		MarkdownDescription: "Origin of the CloudFront distribution, read from its live configuration (tier 3; null otherwise).",
		Attributes: map[string]schema.Attribute{
			"domain_name": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Domain CloudFront connects to: the load balancer's DNS name, or `load_balancer.domain_name` when the load balancer has a certificate."},
			"protocol_policy": schema.StringAttribute{Computed: true,
				MarkdownDescription: "How CloudFront connects to the origin: `http-only`, or `https-only` with a load balancer certificate."},
			"read_timeout_seconds": schema.Int64Attribute{Computed: true,
				MarkdownDescription: "How long CloudFront waits for the origin's response, in seconds (`cdn.origin_read_timeout_seconds`)."},
		}}
	attrs["cloudfront_cache_behaviors"] = schema.ListNestedAttribute{Computed: true,
		MarkdownDescription: "Cache behaviors of the CloudFront distribution, read from its live configuration (tier 3; null otherwise): " +
			"the default behavior first, as path pattern `*` (dynamic content, uncached), then the path-specific ones in order of precedence (the cached static assets).",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"path_pattern": schema.StringAttribute{Computed: true, MarkdownDescription: "Request paths the behavior applies to; `*` for the default behavior."},
			"cache_policy_id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "CloudFront cache policy, e.g. the managed `CachingDisabled` (`4135ea2d-6df8-44a3-9df3-4b5a84be39ad`) or `CachingOptimized` (`658327ea-f89d-4fab-a63d-7e88639e58f6`)."},
			"origin_request_policy_id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Origin request policy: which viewer headers, cookies and query strings reach the origin; null when the behavior has none."},
			"viewer_protocol_policy": schema.StringAttribute{Computed: true,
				MarkdownDescription: "What CloudFront does with viewer HTTP requests, e.g. `redirect-to-https`."},
		}}}
	return schema.Schema{
		MarkdownDescription: "Inspects one GeuseMaker deployment of the provider's region by name, whether or not this configuration manages it: " +
			"every attribute of the `geusemaker_deployment` resource (settings as AWS records them, ids, endpoints, CloudFront status, GPU facts " +
			"and the cost estimate), rediscovered from AWS as an import would, plus the live CloudFront origin and cache behaviors of a tier-3 deployment. " +
			"Settings AWS does not record (`wait_for_ready`, `rollback_on_failure`, the retain flags, `cost_assumptions`) show their defaults. " +
			"Use `geusemaker_deployments` to list the names.",
		Attributes: attrs,
	}
}

// computedDataSourceAttribute converts a resource attribute into a computed
// data-source attribute of the same type, description and sensitivity. It
// panics on an attribute kind it does not know, which the schema test
// catches.
func computedDataSourceAttribute(name string, a rschema.Attribute) schema.Attribute {
	switch a := a.(type) {
	case rschema.StringAttribute:
		return schema.StringAttribute{Computed: true, MarkdownDescription: a.MarkdownDescription, Description: a.Description, Sensitive: a.Sensitive, CustomType: a.CustomType}
	case rschema.BoolAttribute:
		return schema.BoolAttribute{Computed: true, MarkdownDescription: a.MarkdownDescription, Description: a.Description, Sensitive: a.Sensitive, CustomType: a.CustomType}
	case rschema.Int64Attribute:
		return schema.Int64Attribute{Computed: true, MarkdownDescription: a.MarkdownDescription, Description: a.Description, Sensitive: a.Sensitive, CustomType: a.CustomType}
	case rschema.Float64Attribute:
		return schema.Float64Attribute{Computed: true, MarkdownDescription: a.MarkdownDescription, Description: a.Description, Sensitive: a.Sensitive, CustomType: a.CustomType}
	case rschema.ListAttribute:
		return schema.ListAttribute{Computed: true, ElementType: a.ElementType, MarkdownDescription: a.MarkdownDescription, Description: a.Description, Sensitive: a.Sensitive, CustomType: a.CustomType}
	case rschema.SetAttribute:
		return schema.SetAttribute{Computed: true, ElementType: a.ElementType, MarkdownDescription: a.MarkdownDescription, Description: a.Description, Sensitive: a.Sensitive, CustomType: a.CustomType}
	case rschema.MapAttribute:
		return schema.MapAttribute{Computed: true, ElementType: a.ElementType, MarkdownDescription: a.MarkdownDescription, Description: a.Description, Sensitive: a.Sensitive, CustomType: a.CustomType}
	case rschema.SingleNestedAttribute:
		nested := make(map[string]schema.Attribute, len(a.Attributes))
		for n, na := range a.Attributes {
			nested[n] = computedDataSourceAttribute(name+"."+n, na)
		}
		return schema.SingleNestedAttribute{Computed: true, Attributes: nested, MarkdownDescription: a.MarkdownDescription, Description: a.Description, Sensitive: a.Sensitive, CustomType: a.CustomType}
	}
	panic(fmt.Sprintf("geusemaker_deployment data source: no conversion for the resource attribute %s (%T)", name, a))
}

func (d *deploymentDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = deploymentDataSourceSchema(ctx)
}

func (d *deploymentDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *deploymentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var name types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	if resp.Diagnostics.HasError() {
		return
	}
	clients := deploymentClients(d.client)
	spec, st, err := deployment.Discover(ctx, clients, name.ValueString())
	if retry.NotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "GeuseMaker deployment not found",
			fmt.Sprintf("There is no deployment named %q in %s: no EC2 instance or VPC there carries the tag %s=%s. "+
				"Check the name and the provider's region; the geusemaker_deployments data source lists the deployments of a region.",
				name.ValueString(), d.client.Region, deployment.TagDeployment, name.ValueString()))
		return
	}
	if err != nil {
		addDeploymentError(&resp.Diagnostics, "Reading", name.ValueString(), err)
		return
	}

	// The resource's own model of the deployment, as import builds it.
	m := modelFromSpec(spec, d.client.DefaultTags)
	m.setObserved(spec, st)
	m.Drift = stringListValue(st.Drift)
	config := m
	planCostWith(ctx, &m, &config, nil, d.client.Region, &spotQuoter{client: d.client}, subnetZones(ctx, d.client, st.SubnetIDs), &resp.Diagnostics)
	resp.State.Raw = copyResourceState(ctx, &m, resp.State, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	origin, behaviors := types.ObjectNull(cloudFrontOriginAttrTypes), types.ListNull(types.ObjectType{AttrTypes: cacheBehaviorAttrTypes})
	if spec.HasCDN() && st.DistributionID != "" {
		details, err := deployment.InspectDistribution(ctx, clients, st.DistributionID)
		if err != nil && !retry.NotFound(err) {
			addDeploymentError(&resp.Diagnostics, "Reading", name.ValueString(), err)
			return
		}
		if details != nil {
			origin, behaviors = distributionValues(details)
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cloudfront_origin"), origin)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cloudfront_cache_behaviors"), behaviors)...)
}

// copyResourceState writes the resource model into a state of the resource's
// schema and copies each attribute the data source has into a value of the
// data source's type; the attributes only the data source has start null.
func copyResourceState(ctx context.Context, m *deploymentModel, target tfsdk.State, diags *diag.Diagnostics) tftypes.Value {
	rs := deploymentSchema(ctx)
	src := tfsdk.State{Schema: rs, Raw: tftypes.NewValue(rs.Type().TerraformType(ctx), nil)}
	diags.Append(src.Set(ctx, m)...)
	dstType, ok := target.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if diags.HasError() || !ok {
		return tftypes.Value{}
	}
	var from map[string]tftypes.Value
	if err := src.Raw.As(&from); err != nil {
		diags.AddError("Building the data source's state", err.Error())
		return tftypes.Value{}
	}
	names := make([]string, 0, len(dstType.AttributeTypes))
	for n := range dstType.AttributeTypes {
		names = append(names, n)
	}
	sort.Strings(names)
	vals := make(map[string]tftypes.Value, len(names))
	for _, n := range names {
		t := dstType.AttributeTypes[n]
		v, ok := from[n]
		switch {
		case !ok:
			vals[n] = tftypes.NewValue(t, nil)
		case !v.Type().Equal(t):
			diags.AddError("Building the data source's state",
				fmt.Sprintf("The resource attribute %s has the type %s, the data source attribute %s. Please report this issue to the provider developers.", n, v.Type(), t))
			return tftypes.Value{}
		default:
			vals[n] = v
		}
	}
	return tftypes.NewValue(dstType, vals)
}

func distributionValues(d *deployment.DistributionDetails) (types.Object, types.List) {
	origin := mustObject(cloudFrontOriginAttrTypes, map[string]attr.Value{
		"domain_name": stringOrNull(d.Origin.DomainName), "protocol_policy": stringOrNull(d.Origin.ProtocolPolicy),
		"read_timeout_seconds": types.Int64Value(int64(d.Origin.ReadTimeoutSeconds)),
	})
	elems := make([]attr.Value, 0, len(d.Behaviors))
	for _, b := range d.Behaviors {
		elems = append(elems, mustObject(cacheBehaviorAttrTypes, map[string]attr.Value{
			"path_pattern": types.StringValue(b.PathPattern), "cache_policy_id": stringOrNull(b.CachePolicyID),
			"origin_request_policy_id": stringOrNull(b.OriginRequestPolicyID), "viewer_protocol_policy": stringOrNull(b.ViewerProtocolPolicy),
		}))
	}
	return origin, types.ListValueMust(types.ObjectType{AttrTypes: cacheBehaviorAttrTypes}, elems)
}
