package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
)

var _ datasource.DataSourceWithConfigure = (*callerIdentityDataSource)(nil)

type callerIdentityDataSource struct {
	client *conns.AWSClient
}

type callerIdentityModel struct {
	AccountID types.String `tfsdk:"account_id"`
	ARN       types.String `tfsdk:"arn"`
	UserID    types.String `tfsdk:"user_id"`
	Region    types.String `tfsdk:"region"`
}

func newCallerIdentityDataSource() datasource.DataSource { return &callerIdentityDataSource{} }

func (d *callerIdentityDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_caller_identity"
}

func (d *callerIdentityDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The AWS identity the provider runs as, and its region. Useful to check which credentials a run resolved (for example HCP Terraform dynamic credentials).",
		Attributes: map[string]schema.Attribute{
			"account_id": schema.StringAttribute{Computed: true, MarkdownDescription: "AWS account id."},
			"arn":        schema.StringAttribute{Computed: true, MarkdownDescription: "ARN of the calling user or assumed role."},
			"user_id":    schema.StringAttribute{Computed: true, MarkdownDescription: "Unique id of the caller (for an assumed role, `ROLEID:session`)."},
			"region":     schema.StringAttribute{Computed: true, MarkdownDescription: "Region the provider is configured for."},
		},
	}
}

func (d *callerIdentityDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *callerIdentityDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	id, err := d.client.Identity(ctx)
	if err != nil {
		addConfigError(&resp.Diagnostics, err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, callerIdentityModel{
		AccountID: types.StringValue(id.AccountID),
		ARN:       types.StringValue(id.ARN),
		UserID:    types.StringValue(id.UserID),
		Region:    types.StringValue(d.client.Region),
	})...)
}
