package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// deploymentSchemaVersion is the current version of the resource's state.
const deploymentSchemaVersion = 1

var (
	efsAttrTypes = map[string]attr.Type{
		"performance_mode": types.StringType, "throughput_mode": types.StringType, "retain_on_delete": types.BoolType,
	}
	loadBalancerAttrTypes = map[string]attr.Type{
		"certificate_arn": types.StringType, "domain_name": types.StringType, "ssl_policy": types.StringType,
		"idle_timeout_seconds": types.Int64Type, "health_check_path": types.StringType, "deletion_protection": types.BoolType,
	}
	cdnAttrTypes = map[string]attr.Type{
		"price_class": types.StringType, "aliases": types.ListType{ElemType: types.StringType}, "certificate_arn": types.StringType,
		"origin_read_timeout_seconds": types.Int64Type, "web_acl_id": types.StringType, "wait_for_deployment": types.BoolType,
		"retain_on_delete": types.BoolType, "restrict_origin": types.BoolType,
	}
	domainAttrTypes = map[string]attr.Type{"name": types.StringType, "route53_zone_id": types.StringType}
)

func mustObject(t map[string]attr.Type, v map[string]attr.Value) types.Object {
	o, d := types.ObjectValue(t, v)
	if d.HasError() {
		panic(d)
	}
	return o
}

func defaultEFS() types.Object {
	return mustObject(efsAttrTypes, map[string]attr.Value{
		"performance_mode": types.StringValue("generalPurpose"), "throughput_mode": types.StringValue("bursting"), "retain_on_delete": types.BoolValue(false),
	})
}

func defaultLoadBalancer() types.Object {
	return mustObject(loadBalancerAttrTypes, map[string]attr.Value{
		"certificate_arn": types.StringNull(), "domain_name": types.StringNull(), "ssl_policy": types.StringValue(deployment.DefaultSSLPolicy),
		"idle_timeout_seconds": types.Int64Value(deployment.DefaultIdleTimeout), "health_check_path": types.StringValue(deployment.DefaultHealthCheckPath),
		"deletion_protection": types.BoolValue(false),
	})
}

func defaultCDN() types.Object {
	return mustObject(cdnAttrTypes, map[string]attr.Value{
		"price_class": types.StringValue(deployment.DefaultPriceClass), "aliases": types.ListValueMust(types.StringType, nil),
		"certificate_arn": types.StringNull(), "origin_read_timeout_seconds": types.Int64Value(deployment.DefaultOriginReadTimeout),
		"web_acl_id": types.StringNull(), "wait_for_deployment": types.BoolValue(true), "retain_on_delete": types.BoolValue(false),
		"restrict_origin": types.BoolValue(true),
	})
}

var (
	acmARN   = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$`)
	zoneIDRE = regexp.MustCompile(`^(/hostedzone/)?Z[A-Z0-9]{1,32}$`)
)

func stringList(elems ...string) types.List {
	vals := make([]attr.Value, len(elems))
	for i, e := range elems {
		vals[i] = types.StringValue(e)
	}
	return types.ListValueMust(types.StringType, vals)
}

// computed attributes keep their value across plans unless ModifyPlan says
// the apply will change them.
func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
}

func deploymentSchema(_ context.Context) schema.Schema {
	return schema.Schema{
		Version: deploymentSchemaVersion,
		MarkdownDescription: "A GeuseMaker AI stack (n8n, Ollama, Qdrant, Crawl4AI, PostgreSQL) on AWS, in one of three tiers: " +
			"**1** an EC2 instance (CPU or GPU) with encrypted EFS storage in a VPC; **2** adds an Application Load Balancer; " +
			"**3** adds a CloudFront distribution in front of the load balancer, which then only admits CloudFront. " +
			"Changing the tier, the instance type, tags and load balancer or CDN settings applies in place; " +
			"changing `services`, `ollama_models`, `n8n_owner_email` or `credentials_rotation` replaces only the instance (the data on EFS stays). " +
			"Every route but the health check needs a credential from `service_credentials`; see SECURITY.md.",
		Attributes: map[string]schema.Attribute{
			"id": computedString("The deployment name."),
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "Deployment name: 2-28 lowercase letters, digits and hyphens, starting with a letter, not starting with `sg-` or `internal-` (AWS reserves them for security group ids and internal load balancers). Every AWS object is named and tagged after it (`geusemaker:deployment`). Changing it creates a new deployment.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{nameValidator{}}},
			"tier": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(1),
				MarkdownDescription: "`1` instance + EFS in a VPC, `2` adds an Application Load Balancer, `3` adds CloudFront in front of the load balancer. Changes apply in place.",
				Validators:          []validator.Int64{int64validator.Between(tier.Min, tier.Max)}},
			"instance_type": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "EC2 instance type. Defaults to `" + deployment.DefaultInstanceType + "`, or `" + deployment.DefaultGPUInstanceType + "` when `gpu` is true. A change within the same CPU architecture is applied in place (stop, modify, start); a change of architecture replaces the deployment.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"gpu": schema.BoolAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Run the NVIDIA GPU workload (Deep Learning AMI, NVIDIA container runtime, Ollama on the GPU). Defaults to whether EC2 reports GPUs for `instance_type`; `true` on a type without GPUs is an error at plan time."},
			"ami_id": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "AMI to launch. By default the latest Canonical Ubuntu 22.04 (CPU) or Deep Learning Base OSS NVIDIA driver GPU AMI (Ubuntu 22.04), resolved from SSM public parameters when the instance is launched. The plan checks that the AMI exists in the region, matches the instance type's architecture and fits in `root_volume_size`.",
				Validators:          []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`), "must be an AMI id such as ami-0abcdef1234567890")}},
			"key_name": schema.StringAttribute{Optional: true,
				MarkdownDescription: "EC2 key pair for SSH. Without it, use SSM Session Manager (the instance role allows it); SSH is only opened when `ssh_cidr_blocks` is set."},
			"root_volume_size": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(deployment.DefaultRootVolumeGiB),
				MarkdownDescription: "Size in GiB of the encrypted gp3 root volume (30-16384). The GPU AMI needs at least its 75 GiB snapshot.",
				Validators:          []validator.Int64{int64validator.Between(30, 16384)}},
			"vpc_id": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Existing VPC to deploy into (with `subnet_ids`). When omitted, the deployment creates a dedicated VPC with two public subnets, an internet gateway and a route table, and exports its id here. Changing it replaces the deployment.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
				Validators:          []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`), "must be a VPC id such as vpc-0a1b2c3d")}},
			"subnet_ids": schema.ListAttribute{Optional: true, Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Public subnets of `vpc_id` (with a route to an internet gateway). The instance runs in the first; tier 2 and 3 need two in distinct availability zones for the load balancer. Computed for a dedicated VPC. Changing them replaces the deployment.",
				PlanModifiers:       []planmodifier.List{listplanmodifier.RequiresReplaceIfConfigured(), listplanmodifier.UseStateForUnknown()},
				Validators: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(),
					listvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile(`^subnet-[0-9a-f]{8,17}$`), "must be a subnet id such as subnet-0a1b2c3d"))}},
			"vpc_cidr": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(deployment.DefaultVPCCIDR),
				MarkdownDescription: "CIDR block of the dedicated VPC (a /16 to /24); ignored with `vpc_id`. Changing it replaces the deployment.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{cidrValidator{example: "10.0.0.0/16", minPrefix: 16, maxPrefix: 24}}},
			"allowed_cidr_blocks": schema.ListAttribute{Optional: true, Computed: true, ElementType: types.StringType, Default: listdefault.StaticValue(stringList("0.0.0.0/0")),
				MarkdownDescription: "IPv4 networks allowed to reach the stack over HTTP(S): the instance in tier 1, the load balancer in tier 2 (and in tier 3 with `cdn.restrict_origin = false`). In tier 3 with origin protection only CloudFront reaches the load balancer.",
				Validators:          []validator.List{listvalidator.SizeAtMost(20), listvalidator.UniqueValues(), listvalidator.ValueStringsAre(ipv4CIDR("203.0.113.0/24"))}},
			"ssh_cidr_blocks": schema.ListAttribute{Optional: true, Computed: true, ElementType: types.StringType, Default: listdefault.StaticValue(stringList()),
				MarkdownDescription: "IPv4 networks allowed to SSH to the instance (port 22). Empty by default: use SSM Session Manager.",
				Validators:          []validator.List{listvalidator.SizeAtMost(20), listvalidator.UniqueValues(), listvalidator.ValueStringsAre(ipv4CIDR("203.0.113.7/32"))}},
			"services": schema.ListAttribute{Optional: true, Computed: true, ElementType: types.StringType, Default: listdefault.StaticValue(stringList(userdata.DefaultServices()...)),
				MarkdownDescription: "Services to run: any of `n8n`, `ollama`, `qdrant`, `crawl4ai`, `postgres` (`n8n` needs `postgres`). Changing them replaces the instance; the data on EFS stays.",
				Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.UniqueValues(), listvalidator.ValueStringsAre(stringvalidator.OneOf(userdata.AllServices()...))}},
			"ollama_models": schema.ListAttribute{Optional: true, Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Ollama models pulled in the background after boot (a failed pull is only logged); at most 20 names of at most 200 characters, and only with the `ollama` service. Defaults to a small instruct model and an embedding model, plus a larger model with `gpu` (none without `ollama`). Changing them replaces the instance.",
				Validators:          []validator.List{listvalidator.SizeAtMost(20), listvalidator.UniqueValues(), listvalidator.ValueStringsAre(stringvalidator.LengthAtMost(200), stringvalidator.RegexMatches(regexp.MustCompile(`^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$`), "must be an Ollama model name such as qwen3.5:2b"))}},
			"efs": schema.SingleNestedAttribute{Optional: true, Computed: true, Default: objectdefault.StaticValue(defaultEFS()),
				MarkdownDescription: "The encrypted EFS file system holding the services' data (reachable only from the instance).",
				Attributes: map[string]schema.Attribute{
					"performance_mode": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("generalPurpose"),
						MarkdownDescription: "`generalPurpose` (default) or `maxIO`. Changing it replaces the deployment's file system data: not supported in place.",
						Validators:          []validator.String{stringvalidator.OneOf("generalPurpose", "maxIO")},
						PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()}},
					"throughput_mode": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("bursting"),
						MarkdownDescription: "`bursting` (default) or `elastic`. Changes apply in place (AWS allows one change per 24 hours).",
						Validators:          []validator.String{stringvalidator.OneOf("bursting", "elastic")}},
					"retain_on_delete": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Keep the file system (and its data) when the deployment is destroyed; its mount targets are still removed. A warning names it."},
				}},
			"load_balancer": schema.SingleNestedAttribute{Optional: true, Computed: true, Default: objectdefault.StaticValue(defaultLoadBalancer()),
				MarkdownDescription: "Application Load Balancer settings (tier 2 and 3).",
				Attributes: map[string]schema.Attribute{
					"certificate_arn": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Issued ACM certificate in the deployment's region. With it, the load balancer serves HTTPS on 443 (TLS 1.3 policy) and redirects HTTP to HTTPS.",
						Validators:          []validator.String{stringvalidator.RegexMatches(acmARN, "must be an ACM certificate ARN")}},
					"domain_name": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Domain the certificate covers and that points at the load balancer (you create the DNS record). In tier 3 CloudFront then reaches the load balancer over HTTPS at this name.",
						Validators:          []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`), "must be a lowercase domain name such as ai.example.com")}},
					"ssl_policy": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(deployment.DefaultSSLPolicy),
						MarkdownDescription: "TLS policy of the HTTPS listener."},
					"idle_timeout_seconds": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(deployment.DefaultIdleTimeout),
						MarkdownDescription: "Idle connection timeout (1-4000 s). The default 300 s lets long Ollama generations finish.",
						Validators:          []validator.Int64{int64validator.Between(1, 4000)}},
					"health_check_path": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(deployment.DefaultHealthCheckPath),
						MarkdownDescription: "Target health check path; NGINX proxies the default `/healthz` to n8n's own readiness endpoint.",
						Validators:          []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^/`), "must start with /"), stringvalidator.LengthAtMost(1024)}},
					"deletion_protection": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "Enable the load balancer's deletion protection (disable it before destroying)."},
				}},
			"cdn": schema.SingleNestedAttribute{Optional: true, Computed: true, Default: objectdefault.StaticValue(defaultCDN()),
				MarkdownDescription: "CloudFront settings (tier 3).",
				Attributes: map[string]schema.Attribute{
					"price_class": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(deployment.DefaultPriceClass),
						MarkdownDescription: "`PriceClass_100` (default: North America, Europe, Israel), `PriceClass_200` or `PriceClass_All`.",
						Validators:          []validator.String{stringvalidator.OneOf("PriceClass_100", "PriceClass_200", "PriceClass_All")}},
					"aliases": schema.ListAttribute{Optional: true, Computed: true, ElementType: types.StringType, Default: listdefault.StaticValue(stringList()),
						MarkdownDescription: "Alternate domain names (CNAMEs) for the distribution; they need `certificate_arn`. The first becomes the deployment's `url`.",
						Validators:          []validator.List{listvalidator.SizeAtMost(10), uniqueStrings{}, cdnAliases{}}},
					"certificate_arn": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Issued ACM certificate in **us-east-1** covering every alias.",
						Validators:          []validator.String{stringvalidator.RegexMatches(acmARN, "must be an ACM certificate ARN")}},
					"origin_read_timeout_seconds": schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(deployment.DefaultOriginReadTimeout),
						MarkdownDescription: "How long CloudFront waits for the origin (1-180 s; above 60 needs a CloudFront quota increase).",
						Validators:          []validator.Int64{int64validator.Between(1, 180)}},
					"web_acl_id": schema.StringAttribute{Optional: true,
						MarkdownDescription: "ARN of a WAFv2 web ACL (scope CLOUDFRONT) to attach."},
					"wait_for_deployment": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
						MarkdownDescription: "Wait until the distribution is `Deployed` (typically 5-15 minutes). When false, apply returns with `cloudfront_status = \"InProgress\"` and a later refresh shows `Deployed`."},
					"retain_on_delete": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
						MarkdownDescription: "On destroy, disable the distribution but keep it (a warning names it) instead of deleting it."},
					"restrict_origin": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
						MarkdownDescription: "Lock the load balancer to CloudFront: its security group admits only CloudFront's origin-facing prefix list, and a listener rule requires a generated secret header (`X-Origin-Verify`), answering 403 otherwise."},
				}},
			"capacity": capacitySchema(),
			"domain": schema.SingleNestedAttribute{Optional: true,
				MarkdownDescription: "A custom domain in a Route 53 public hosted zone of the account, for which the deployment makes everything itself: " +
					"**tier 1** an `A` record to the instance's public address (kept current when it changes), served over HTTP; " +
					"**tier 2** an ACM certificate in the deployment's region, validated through DNS in the zone, on an HTTPS listener (HTTP redirects to HTTPS), and an alias `A` record to the load balancer; " +
					"**tier 3** also a certificate in us-east-1 for CloudFront, alias `A` and `AAAA` records to the distribution, and `origin.<name>` aliased to the load balancer, which CloudFront reaches over HTTPS only. " +
					"The load balancer's certificate covers the name and `origin.<name>`, so it stays across tier changes. `url` and `service_urls` use the name. " +
					"Records the deployment did not create are never overwritten (one in the way is an error), and destroy removes only the certificates and records it made, each record only while it still points at the deployment. " +
					"Conflicts with `load_balancer.certificate_arn`, `load_balancer.domain_name`, `cdn.aliases` and `cdn.certificate_arn`, which stay for certificates and DNS you manage yourself. Changes apply in place.",
				Attributes: map[string]schema.Attribute{
					"name": schema.StringAttribute{Required: true,
						MarkdownDescription: "The domain name, e.g. `ai.example.com` (at most 64 characters: an ACM certificate's first name). It must lie in the hosted zone: the zone's name or a name below it.",
						Validators:          []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`), "must be a lowercase domain name such as ai.example.com"), stringvalidator.LengthAtMost(64)}},
					"route53_zone_id": schema.StringAttribute{Required: true,
						MarkdownDescription: "Id of the Route 53 public hosted zone holding `name`, e.g. `Z0123456789ABCDEFGHIJ`. ACM validates through public DNS, so it must be the zone the domain is delegated to.",
						Validators:          []validator.String{stringvalidator.RegexMatches(zoneIDRE, "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ")}},
				}},
			"cost_assumptions": schema.SingleNestedAttribute{Optional: true, Computed: true,
				MarkdownDescription: costAssumptionsDescription,
				Attributes: map[string]schema.Attribute{
					"monthly_requests": schema.Int64Attribute{Optional: true, Computed: true, MarkdownDescription: monthlyRequestsDescription,
						Validators: []validator.Int64{int64validator.AtLeast(0)}},
					"monthly_data_transfer_gb": schema.Float64Attribute{Optional: true, Computed: true, MarkdownDescription: monthlyTransferDescription,
						Validators: []validator.Float64{nonNegativeFloat{}}},
					"efs_storage_gb": schema.Float64Attribute{Optional: true, Computed: true, MarkdownDescription: efsStorageDescription,
						Validators: []validator.Float64{nonNegativeFloat{}}},
				}},
			"wait_for_ready": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Wait until the stack serves: the boot-complete marker on the instance console (tier 1) or a healthy load balancer target (tier 2 and 3). A boot failure fails the apply at once with the console tail."},
			"rollback_on_failure": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "When creation fails, delete everything created so far. When false (or when cleanup fails) the partial deployment is kept in state as tainted, and destroy or the next apply cleans it up."},
			"n8n_owner_email": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(deployment.DefaultOwnerEmail),
				MarkdownDescription: "Login email of the n8n owner account. The instance creates the owner at its first boot with this email and the generated password " +
					"(`service_credentials.n8n_owner_password`), so n8n's owner-setup page is never open to the internet. Defaults to `" + deployment.DefaultOwnerEmail + "` " +
					"(a reserved domain that never receives mail: n8n only needs it as the login name). Used when `services` includes `n8n`. " +
					"Changing it replaces only the instance; the data on EFS stays.",
				Validators: []validator.String{ownerEmailValidator{}}},
			"credentials_rotation": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Any value, for example a date. When it changes (set, changed or removed), the provider generates new service credentials, writes them to SSM " +
					"and replaces the instance, which reads them at boot; the data on EFS stays and the old values stop working. It also replaces an instance adopted from the " +
					"GeuseMaker CLI, which keeps the CLI's open routes until then. Stored as a tag on the SSM parameters, so import reads it back: " +
					"1-256 letters, digits, spaces and `_ . : / = + @ -`.",
				Validators: []validator.String{stringvalidator.RegexMatches(deployment.RotationPattern, "must be 1-256 letters, digits, spaces and _ . : / = + @ -")}},
			"verify_reachability": schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "After a create, or an update that changes what serves `url`, check that `url` answers `load_balancer.health_check_path` with 200 " +
					"(following redirects, through CloudFront in tier 3) and, in tier 3 with `cdn.restrict_origin`, that the load balancer refuses a request that does not come " +
					"through CloudFront. The requests honour `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` and the system's CA certificates (`SSL_CERT_FILE`); they are retried for " +
					"up to 5 minutes (DNS, rollouts). A stack that does not answer fails the apply (a create is rolled back) with what failed: DNS, the connection, TLS, " +
					"a redirect loop or the status. Runs only with `wait_for_ready` (and, in tier 3, `cdn.wait_for_deployment`). Set it to `false` on runners without internet egress."},
			"tags": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "Tags for every AWS object of the deployment, over the provider's `default_tags`: at most 40, keys and values of letters, digits, spaces and `_.:/=+-@` only (IAM, EFS, Elastic Load Balancing, CloudFront and SSM refuse other characters), keys not starting with `aws:` or `geusemaker:`.",
				Validators:          tagMapValidators()},
			"tags_all": schema.MapAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "The provider's `default_tags` merged with `tags`."},
			"timeouts": timeoutsAttribute(),

			"status": schema.StringAttribute{Computed: true, MarkdownDescription: "`running`, `stopped` (the instance is stopped), or `degraded` (a component is missing; the next apply recreates it)."},
			"drift": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Managed settings found changed outside Terraform by the last refresh, one line each (`<component>: <what differs>`: a security-group rule added or revoked, a disabled CloudFront distribution, a listener rule, a load balancer attribute, the instance's metadata options, ...). A plan shows them going to an empty list: the apply puts every one back. Empty when nothing drifted."},
			"url": schema.StringAttribute{Computed: true, MarkdownDescription: "Public URL of the stack: CloudFront (tier 3), the load balancer (tier 2) or the instance (tier 1)."},
			"service_urls": schema.MapAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "URL of each service through the public endpoint: `n8n`, `ollama`, `qdrant`, `qdrant_dashboard`, `crawl4ai`."},
			"security_group_id":         computedString("Security group of the instance."),
			"efs_security_group_id":     computedString("Security group of the EFS mount targets (NFS from the instance only)."),
			"alb_security_group_id":     computedString("Security group of the load balancer (tier 2 and 3)."),
			"internet_gateway_id":       computedString("Internet gateway of the dedicated VPC."),
			"route_table_id":            computedString("Route table of the dedicated VPC's public subnets."),
			"iam_role_name":             computedString("IAM role of the instance: Session Manager, reading this deployment's credentials from SSM, mounting this file system."),
			"iam_instance_profile_name": computedString("Instance profile of the instance."),
			"efs_id":                    computedString("EFS file system id."),
			"efs_mount_target_ids": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "EFS mount target ids, one per subnet's availability zone.",
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()}},
			"instance_lifecycle": schema.StringAttribute{Computed: true, MarkdownDescription: instanceLifecycleDescription},
			"spot_price":         schema.Float64Attribute{Computed: true, MarkdownDescription: spotPriceDescription},

			"instance_id":       computedString("EC2 instance id."),
			"private_ip":        computedString("Private IPv4 address of the instance."),
			"public_ip":         computedString("Public IPv4 address of the instance (it changes when the instance is stopped and started)."),
			"availability_zone": computedString("Availability zone of the instance."),
			"alb_arn":           computedString("ARN of the load balancer (tier 2 and 3)."),
			"alb_dns_name":      computedString("DNS name of the load balancer."),
			"alb_zone_id":       computedString("Route 53 hosted zone of the load balancer, for alias records."),
			"target_group_arn":  computedString("ARN of the target group."),
			"listener_arns": schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: "ARNs of the load balancer's listeners.",
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown()}},
			"cloudfront_distribution_id": computedString("CloudFront distribution id (tier 3)."),
			"cloudfront_domain_name":     computedString("CloudFront domain, `dxxxxxxxxxxxxx.cloudfront.net`."),
			"cloudfront_status":          schema.StringAttribute{Computed: true, MarkdownDescription: "CloudFront status: `InProgress` while changes roll out, then `Deployed`."},
			"cloudfront_arn":             computedString("ARN of the CloudFront distribution."),
			"domain_certificate_arns": schema.MapAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "ACM certificates the deployment requested for `domain`: `load_balancer` (the deployment's region, tiers 2 and 3) and `cloudfront` (us-east-1, tier 3)."},
			"cloudfront_hosted_zone_id": computedString("Route 53 hosted zone of CloudFront distributions (`" + deployment.CloudFrontHostedZoneID + "`), for alias records."),
			"service_credentials": schema.MapAttribute{Computed: true, Sensitive: true, ElementType: types.StringType,
				MarkdownDescription: "Credentials of the selected services, generated by the provider: `n8n_owner_email` and `n8n_owner_password` (the n8n login), " +
					"`ollama_api_key` (`Authorization: Bearer` on `/api/ollama/`), `qdrant_api_key` (`api-key` header on `/qdrant/`; the dashboard `/qdrant-ui/` takes it as the " +
					"password of user `qdrant`) and `crawl4ai_token` (`Authorization: Bearer` on `/crawl4ai/`). Kept in the state (protect it: see SECURITY.md) and in SSM " +
					"Parameter Store (`ssm_parameter_names`), never in the user data. Import reads them back from SSM."},
			"ssm_parameter_names": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "SSM Parameter Store parameters under `/geusemaker/<name>/` holding the service credentials (SecureString with the AWS managed key " +
					"`alias/aws/ssm`; the owner email as a String). Only the instance role may read them besides the account's administrators."},
			"origin_verify_header_value": schema.StringAttribute{Computed: true, Sensitive: true,
				MarkdownDescription: "Secret CloudFront sends in `X-Origin-Verify` and the load balancer requires (tier 3 with `restrict_origin`).",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()}},
			"gpu_enabled":       schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the deployment runs the GPU workload."},
			"gpu_instance_type": schema.StringAttribute{Computed: true, MarkdownDescription: "Instance type when the GPU workload is enabled."},
			"gpu_ami_id":        schema.StringAttribute{Computed: true, MarkdownDescription: "AMI of the GPU instance."},
			"gpu_model":         schema.StringAttribute{Computed: true, MarkdownDescription: "GPU model the instance reported at boot, e.g. `NVIDIA A10G`."},
			"gpu_count":         schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of GPUs the instance reported."},
			"gpu_memory_mib":    schema.Int64Attribute{Computed: true, MarkdownDescription: "Total GPU memory in MiB the instance reported."},
			"gpu_health_status": schema.StringAttribute{Computed: true, MarkdownDescription: "`healthy`, `failed` (the apply fails) or `unknown` (not reported yet)."},
			"estimated_hourly_cost": schema.Float64Attribute{Computed: true,
				MarkdownDescription: "Estimated USD per hour at on-demand prices, or with `capacity.market = \"spot\"` at the current Spot price of the cheapest of the deployment's zones (read when the instance type or capacity changes, capped by `max_spot_price`; `cost_breakdown.compute` names the on-demand price and the saving). Known at plan time; null when the instance type or region is not in the price table."},
			"estimated_monthly_cost": schema.Float64Attribute{Computed: true, MarkdownDescription: "Estimated USD per month (730 hours)."},
			"cost_breakdown": schema.SingleNestedAttribute{Computed: true,
				MarkdownDescription: costBreakdownDescription,
				Attributes:          costBreakdownAttributes()},
		},
	}
}

func costBreakdownAttributes() map[string]schema.Attribute {
	out := map[string]schema.Attribute{}
	for _, l := range costLineNames {
		out[l.name] = schema.SingleNestedAttribute{Computed: true, MarkdownDescription: l.description,
			Attributes: map[string]schema.Attribute{
				"hourly":  schema.Float64Attribute{Computed: true, MarkdownDescription: costLineHourlyDescription},
				"monthly": schema.Float64Attribute{Computed: true, MarkdownDescription: costLineMonthlyDescription},
				"detail":  schema.StringAttribute{Computed: true, MarkdownDescription: costLineDetailDescription},
			}}
	}
	return out
}

// timeoutsAttribute is the timeouts block of terraform-plugin-framework-
// timeouts with durations checked at plan time (1m to 24h), one error per
// bad value.
func timeoutsAttribute() schema.Attribute {
	timeout := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Validators: []validator.String{timeoutValidator{}},
			MarkdownDescription: desc + " A duration between 1m and 24h such as `\"90m\"` or `\"2h\"`."}
	}
	return schema.SingleNestedAttribute{Optional: true,
		MarkdownDescription: "How long each operation may take. `terraform destroy` uses the delete timeout stored in the state: to change it, edit it and run `terraform apply` first (that only stores it, without touching AWS).",
		CustomType:          timeouts.Type{ObjectType: types.ObjectType{AttrTypes: map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType}}},
		Attributes: map[string]schema.Attribute{
			"create": timeout("Create timeout: default 90m for tier 3, 45m otherwise."),
			"update": timeout("Update timeout: default 90m for tier 3, 45m otherwise."),
			"delete": timeout("Delete timeout: default 90m."),
		}}
}
