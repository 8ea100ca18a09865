package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
)

var _ datasource.DataSourceWithConfigure = (*deploymentsDataSource)(nil)

// deploymentsDataSource lists every deployment of the provider's region.
type deploymentsDataSource struct {
	client *conns.AWSClient
}

type deploymentsDataSourceModel struct {
	Tier        types.Int64              `tfsdk:"tier"`
	Status      types.String             `tfsdk:"status"`
	Deployments []deploymentSummaryModel `tfsdk:"deployments"`
	Names       types.List               `tfsdk:"names"`
}

type deploymentSummaryModel struct {
	Name                 types.String `tfsdk:"name"`
	Tier                 types.Int64  `tfsdk:"tier"`
	Status               types.String `tfsdk:"status"`
	URL                  types.String `tfsdk:"url"`
	CloudFrontDomainName types.String `tfsdk:"cloudfront_domain_name"`
	GPUEnabled           types.Bool   `tfsdk:"gpu_enabled"`
	InstanceType         types.String `tfsdk:"instance_type"`
	InstanceID           types.String `tfsdk:"instance_id"`
	CreatedAt            types.String `tfsdk:"created_at"`
}

func newDeploymentsDataSource() datasource.DataSource { return &deploymentsDataSource{} }

func (d *deploymentsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployments"
}

func (d *deploymentsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every GeuseMaker deployment in the provider's region, found by its `geusemaker:deployment` tag " +
			"(on the instance, the dedicated VPC, the security groups or the EFS file system, so partly deleted deployments " +
			"are listed too, as `degraded`), whether or not this configuration manages it. " +
			"Use `geusemaker_deployment` to inspect one in detail.",
		Attributes: map[string]schema.Attribute{
			"tier": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "Only list deployments of this tier (`1`, `2` or `3`).",
				Validators:          []validator.Int64{int64validator.Between(tier.Min, tier.Max)}},
			"status": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Only list deployments with this status: `running`, `stopped` or `degraded`.",
				Validators:          []validator.String{stringvalidator.OneOf(deployment.StatusRunning, deployment.StatusStopped, deployment.StatusDegraded)}},
			"deployments": schema.ListNestedAttribute{Computed: true,
				MarkdownDescription: "The deployments (after the filters), sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{Computed: true, MarkdownDescription: "Deployment name."},
					"tier": schema.Int64Attribute{Computed: true,
						MarkdownDescription: "Tier: the `geusemaker:tier` tag of the instance; without an instance, `3` when a CloudFront distribution is left, `2` when a load balancer is, else `1`."},
					"status": schema.StringAttribute{Computed: true,
						MarkdownDescription: "`running`, `stopped` (the instance is stopped) or `degraded` (a component the tier needs is missing), as the resource's `status`."},
					"url": schema.StringAttribute{Computed: true,
						MarkdownDescription: "Public URL of the stack, as the resource's `url`: CloudFront (tier 3), the load balancer (tier 2) or the instance (tier 1). Null when that endpoint is gone."},
					"cloudfront_domain_name": schema.StringAttribute{Computed: true,
						MarkdownDescription: "CloudFront domain (`dxxxxxxxxxxxxx.cloudfront.net`) of a tier-3 deployment; null for tiers 1 and 2."},
					"gpu_enabled": schema.BoolAttribute{Computed: true,
						MarkdownDescription: "Whether the instance runs the GPU workload (its type has NVIDIA GPUs and its boot script enables them)."},
					"instance_type": schema.StringAttribute{Computed: true, MarkdownDescription: "EC2 instance type; null when the instance is gone."},
					"instance_id":   schema.StringAttribute{Computed: true, MarkdownDescription: "EC2 instance id; null when the instance is gone."},
					"created_at": schema.StringAttribute{Computed: true,
						MarkdownDescription: "When the deployment was created (RFC 3339, UTC): the oldest creation time of its instance, file system and load balancer, which outlive a replaced instance."},
				}}},
			"names": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Names of the listed deployments, sorted."},
		},
	}
}

func (d *deploymentsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *deploymentsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m deploymentsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	all, err := deployment.List(ctx, deploymentClients(d.client))
	if err != nil {
		resp.Diagnostics.AddError("Listing GeuseMaker deployments",
			fmt.Sprintf("Listing the deployments in %s failed: %v", d.client.Region, err))
		return
	}
	m.Deployments = []deploymentSummaryModel{}
	var names []string
	for _, s := range all {
		if !m.Tier.IsNull() && int64(s.Tier) != m.Tier.ValueInt64() {
			continue
		}
		if !m.Status.IsNull() && s.Status != m.Status.ValueString() {
			continue
		}
		m.Deployments = append(m.Deployments, summaryModel(s))
		names = append(names, s.Name)
	}
	m.Names = stringListValue(names)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func summaryModel(s deployment.Summary) deploymentSummaryModel {
	out := deploymentSummaryModel{
		Name:                 types.StringValue(s.Name),
		Tier:                 types.Int64Value(int64(s.Tier)),
		Status:               types.StringValue(s.Status),
		URL:                  stringOrNull(s.URL),
		CloudFrontDomainName: types.StringNull(),
		GPUEnabled:           types.BoolValue(s.GPU),
		InstanceType:         stringOrNull(s.InstanceType),
		InstanceID:           stringOrNull(s.InstanceID),
		CreatedAt:            types.StringNull(),
	}
	if tier.Tier(s.Tier).HasCDN() {
		out.CloudFrontDomainName = stringOrNull(s.CloudFrontDomain)
	}
	if !s.CreatedAt.IsZero() {
		out.CreatedAt = types.StringValue(s.CreatedAt.UTC().Format(time.RFC3339))
	}
	return out
}
