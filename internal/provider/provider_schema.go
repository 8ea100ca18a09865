package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func providerSchema(context.Context) schema.Schema {
	endpoint := func(svc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true,
			MarkdownDescription: "Custom endpoint URL for the " + svc + " API, for example a local emulator (`http://127.0.0.1:4566`) or a VPC endpoint."}
	}
	return schema.Schema{
		MarkdownDescription: "The GeuseMaker provider deploys the GeuseMaker self-hosted AI stack (n8n, Ollama, Qdrant, Crawl4AI, PostgreSQL) on AWS. " +
			"It authenticates like the AWS provider: provider arguments, `AWS_*` environment variables, shared config and credentials files, " +
			"`assume_role`, web identity (including HCP Terraform dynamic credentials) and the rest of the AWS SDK's default chain.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{Optional: true,
				MarkdownDescription: "AWS region for every regional resource, e.g. `us-east-1`. Falls back to `AWS_REGION`, `AWS_DEFAULT_REGION` and the profile's region.",
				Validators:          []validator.String{regionValidator()}},
			"profile": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Profile from the shared config and credentials files. Falls back to `AWS_PROFILE`."},
			"shared_config_files": schema.ListAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Paths of shared config files (default `~/.aws/config`). HCP Terraform dynamic credentials pass `var.tfc_aws_dynamic_credentials.default.shared_config_file` here.",
				Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}},
			"shared_credentials_files": schema.ListAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Paths of shared credentials files (default `~/.aws/credentials`).",
				Validators:          []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}},
			"access_key": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "AWS access key id. Prefer environment variables, profiles or roles over static keys in configuration."},
			"secret_key": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "AWS secret access key; required together with `access_key`."},
			"token": schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "Session token for temporary static credentials."},
			"max_retries": schema.Int64Attribute{Optional: true,
				MarkdownDescription: "Maximum attempts for an AWS API call that is throttled or fails transiently, with exponential backoff. Default 25.",
				Validators:          []validator.Int64{int64validator.Between(1, 100)}},
			"retry_mode": schema.StringAttribute{Optional: true,
				MarkdownDescription: "AWS SDK retry mode: `standard` (default) or `adaptive` (adds client-side rate limiting).",
				Validators:          []validator.String{stringvalidator.OneOf("standard", "adaptive")}},
			"skip_credentials_validation": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Do not fail when STS `GetCallerIdentity` (asked when the provider first needs the caller's identity, not at configure time) fails: the deployment goes on without the identity, as with `skip_requesting_account_id`."},
			"skip_requesting_account_id": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Never ask STS who the caller is: the plan-time permission check is skipped (with a warning) and the instance role's policy names the account as `*`."},
			"max_poll_interval": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Longest time between two polls of any wait, as a duration such as `2s` (1 s to 10 min). " +
					"By default each wait polls on its own schedule: rarely at first and densely near the time AWS usually takes " +
					"(a CloudFront rollout is first polled after two minutes). Set it for AWS-compatible endpoints whose operations " +
					"finish much faster than AWS's, such as a local emulator; against AWS it only adds calls.",
				Validators: []validator.String{durationBetween(1, 600)}},
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.ListNestedBlock{
				MarkdownDescription: "Assume an IAM role with the credentials resolved otherwise, before any other call.",
				Validators:          []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"role_arn": schema.StringAttribute{Required: true, MarkdownDescription: "ARN of the role to assume.",
						Validators: []validator.String{roleARNValidator()}},
					"session_name": schema.StringAttribute{Optional: true, MarkdownDescription: "Session name recorded in CloudTrail (default `terraform-provider-geusemaker`).",
						Validators: []validator.String{sessionNameValidator()}},
					"external_id": schema.StringAttribute{Optional: true, MarkdownDescription: "External id the role's trust policy requires.",
						Validators: []validator.String{stringvalidator.LengthBetween(2, 1224)}},
					"duration": schema.StringAttribute{Optional: true, MarkdownDescription: "Session duration such as `1h` or `45m` (15 minutes to 12 hours).",
						Validators: []validator.String{durationBetween(15*60, 12*3600)}},
				}},
			},
			"assume_role_with_web_identity": assumeRoleWithWebIdentityBlock(),
			"default_tags": schema.ListNestedBlock{
				MarkdownDescription: "Tags applied to every AWS object the provider creates, under the resource's own `tags`.",
				Validators:          []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"tags": schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Key-value tags.",
						Validators: tagMapValidators()},
				}},
			},
			"endpoints": schema.ListNestedBlock{
				MarkdownDescription: "Custom service endpoints, for local emulation and private endpoints.",
				Validators:          []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
					"acm": endpoint("ACM"), "cloudfront": endpoint("CloudFront"), "ec2": endpoint("EC2"), "efs": endpoint("EFS"),
					"elbv2": endpoint("Elastic Load Balancing v2"), "iam": endpoint("IAM"), "route53": endpoint("Route 53"),
					"servicequotas": endpoint("Service Quotas"), "ssm": endpoint("SSM"), "sts": endpoint("STS"), "wafv2": endpoint("WAFv2"),
				}},
			},
		},
	}
}

// assumeRoleWithWebIdentityBlock is the provider's
// assume_role_with_web_identity block.
func assumeRoleWithWebIdentityBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		MarkdownDescription: "Assume an IAM role with an OIDC web identity token (GitHub Actions, Kubernetes, HCP Terraform without the shared config file). Set exactly one of `web_identity_token` and `web_identity_token_file`.",
		Validators:          []validator.List{listvalidator.SizeAtMost(1)},
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"role_arn": schema.StringAttribute{Required: true, MarkdownDescription: "ARN of the role to assume.",
				Validators: []validator.String{roleARNValidator()}},
			"session_name": schema.StringAttribute{Optional: true, MarkdownDescription: "Session name (default `terraform-provider-geusemaker`).",
				Validators: []validator.String{sessionNameValidator()}},
			"web_identity_token": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "The OIDC token itself.",
				Validators: []validator.String{stringvalidator.ExactlyOneOf(path.MatchRelative().AtParent().AtName("web_identity_token_file"))}},
			"web_identity_token_file": schema.StringAttribute{Optional: true, MarkdownDescription: "Path of a file holding the OIDC token; re-read whenever the credentials are refreshed."},
			"duration": schema.StringAttribute{Optional: true, MarkdownDescription: "Session duration such as `1h` (15 minutes to 12 hours).",
				Validators: []validator.String{durationBetween(15*60, 12*3600)}},
		}},
	}
}
