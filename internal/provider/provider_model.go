package provider

import "github.com/hashicorp/terraform-plugin-framework/types"

type providerModel struct {
	Region                    types.String `tfsdk:"region"`
	Profile                   types.String `tfsdk:"profile"`
	SharedConfigFiles         types.List   `tfsdk:"shared_config_files"`
	SharedCredentialsFiles    types.List   `tfsdk:"shared_credentials_files"`
	AccessKey                 types.String `tfsdk:"access_key"`
	SecretKey                 types.String `tfsdk:"secret_key"`
	Token                     types.String `tfsdk:"token"`
	MaxRetries                types.Int64  `tfsdk:"max_retries"`
	RetryMode                 types.String `tfsdk:"retry_mode"`
	SkipCredentialsValidation types.Bool   `tfsdk:"skip_credentials_validation"`
	SkipRequestingAccountID   types.Bool   `tfsdk:"skip_requesting_account_id"`
	MaxPollInterval           types.String `tfsdk:"max_poll_interval"`

	AssumeRole                []assumeRoleModel  `tfsdk:"assume_role"`
	AssumeRoleWithWebIdentity []webIdentityModel `tfsdk:"assume_role_with_web_identity"`
	DefaultTags               []defaultTagsModel `tfsdk:"default_tags"`
	Endpoints                 []endpointsModel   `tfsdk:"endpoints"`
}

type assumeRoleModel struct {
	RoleARN     types.String `tfsdk:"role_arn"`
	SessionName types.String `tfsdk:"session_name"`
	ExternalID  types.String `tfsdk:"external_id"`
	Duration    types.String `tfsdk:"duration"`
}

type webIdentityModel struct {
	RoleARN              types.String `tfsdk:"role_arn"`
	SessionName          types.String `tfsdk:"session_name"`
	WebIdentityToken     types.String `tfsdk:"web_identity_token"`
	WebIdentityTokenFile types.String `tfsdk:"web_identity_token_file"`
	Duration             types.String `tfsdk:"duration"`
}

type defaultTagsModel struct {
	Tags types.Map `tfsdk:"tags"`
}

type endpointsModel struct {
	ACM           types.String `tfsdk:"acm"`
	CloudFront    types.String `tfsdk:"cloudfront"`
	EC2           types.String `tfsdk:"ec2"`
	EFS           types.String `tfsdk:"efs"`
	ELBV2         types.String `tfsdk:"elbv2"`
	IAM           types.String `tfsdk:"iam"`
	Route53       types.String `tfsdk:"route53"`
	ServiceQuotas types.String `tfsdk:"servicequotas"`
	SSM           types.String `tfsdk:"ssm"`
	STS           types.String `tfsdk:"sts"`
	WAFV2         types.String `tfsdk:"wafv2"`
}

func (e endpointsModel) asMap() map[string]string {
	return map[string]string{
		"acm": e.ACM.ValueString(), "cloudfront": e.CloudFront.ValueString(), "ec2": e.EC2.ValueString(),
		"efs": e.EFS.ValueString(), "elbv2": e.ELBV2.ValueString(), "iam": e.IAM.ValueString(), "route53": e.Route53.ValueString(),
		"servicequotas": e.ServiceQuotas.ValueString(), "ssm": e.SSM.ValueString(), "sts": e.STS.ValueString(),
		"wafv2": e.WAFV2.ValueString(),
	}
}
