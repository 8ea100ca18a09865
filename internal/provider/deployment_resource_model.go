package provider

import (
	"context"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

type deploymentModel struct {
	ID                  types.String   `tfsdk:"id"`
	Name                types.String   `tfsdk:"name"`
	Tier                types.Int64    `tfsdk:"tier"`
	InstanceType        types.String   `tfsdk:"instance_type"`
	GPU                 types.Bool     `tfsdk:"gpu"`
	AMIID               types.String   `tfsdk:"ami_id"`
	KeyName             types.String   `tfsdk:"key_name"`
	RootVolumeSize      types.Int64    `tfsdk:"root_volume_size"`
	VPCID               types.String   `tfsdk:"vpc_id"`
	SubnetIDs           types.List     `tfsdk:"subnet_ids"`
	VPCCIDR             types.String   `tfsdk:"vpc_cidr"`
	AllowedCIDRBlocks   types.List     `tfsdk:"allowed_cidr_blocks"`
	SSHCIDRBlocks       types.List     `tfsdk:"ssh_cidr_blocks"`
	Services            types.List     `tfsdk:"services"`
	OllamaModels        types.List     `tfsdk:"ollama_models"`
	EFS                 types.Object   `tfsdk:"efs"`
	LoadBalancer        types.Object   `tfsdk:"load_balancer"`
	CDN                 types.Object   `tfsdk:"cdn"`
	Domain              types.Object   `tfsdk:"domain"`
	CostAssumptions     types.Object   `tfsdk:"cost_assumptions"`
	Capacity            types.Object   `tfsdk:"capacity"`
	WaitForReady        types.Bool     `tfsdk:"wait_for_ready"`
	RollbackOnFailure   types.Bool     `tfsdk:"rollback_on_failure"`
	N8NOwnerEmail       types.String   `tfsdk:"n8n_owner_email"`
	CredentialsRotation types.String   `tfsdk:"credentials_rotation"`
	VerifyReachability  types.Bool     `tfsdk:"verify_reachability"`
	Tags                types.Map      `tfsdk:"tags"`
	TagsAll             types.Map      `tfsdk:"tags_all"`
	Timeouts            timeouts.Value `tfsdk:"timeouts"`

	Status                   types.String  `tfsdk:"status"`
	Drift                    types.List    `tfsdk:"drift"`
	URL                      types.String  `tfsdk:"url"`
	ServiceURLs              types.Map     `tfsdk:"service_urls"`
	ServiceCredentials       types.Map     `tfsdk:"service_credentials"`
	SSMParameterNames        types.List    `tfsdk:"ssm_parameter_names"`
	SecurityGroupID          types.String  `tfsdk:"security_group_id"`
	EFSSecurityGroupID       types.String  `tfsdk:"efs_security_group_id"`
	ALBSecurityGroupID       types.String  `tfsdk:"alb_security_group_id"`
	InternetGatewayID        types.String  `tfsdk:"internet_gateway_id"`
	RouteTableID             types.String  `tfsdk:"route_table_id"`
	IAMRoleName              types.String  `tfsdk:"iam_role_name"`
	IAMInstanceProfileName   types.String  `tfsdk:"iam_instance_profile_name"`
	EFSID                    types.String  `tfsdk:"efs_id"`
	EFSMountTargetIDs        types.List    `tfsdk:"efs_mount_target_ids"`
	InstanceID               types.String  `tfsdk:"instance_id"`
	PrivateIP                types.String  `tfsdk:"private_ip"`
	PublicIP                 types.String  `tfsdk:"public_ip"`
	AvailabilityZone         types.String  `tfsdk:"availability_zone"`
	InstanceLifecycle        types.String  `tfsdk:"instance_lifecycle"`
	SpotPrice                types.Float64 `tfsdk:"spot_price"`
	ALBARN                   types.String  `tfsdk:"alb_arn"`
	ALBDNSName               types.String  `tfsdk:"alb_dns_name"`
	ALBZoneID                types.String  `tfsdk:"alb_zone_id"`
	TargetGroupARN           types.String  `tfsdk:"target_group_arn"`
	ListenerARNs             types.List    `tfsdk:"listener_arns"`
	CloudFrontDistributionID types.String  `tfsdk:"cloudfront_distribution_id"`
	CloudFrontDomainName     types.String  `tfsdk:"cloudfront_domain_name"`
	CloudFrontStatus         types.String  `tfsdk:"cloudfront_status"`
	CloudFrontARN            types.String  `tfsdk:"cloudfront_arn"`
	CloudFrontHostedZoneID   types.String  `tfsdk:"cloudfront_hosted_zone_id"`
	DomainCertificateARNs    types.Map     `tfsdk:"domain_certificate_arns"`
	OriginVerifyHeaderValue  types.String  `tfsdk:"origin_verify_header_value"`
	GPUEnabled               types.Bool    `tfsdk:"gpu_enabled"`
	GPUInstanceType          types.String  `tfsdk:"gpu_instance_type"`
	GPUAMIID                 types.String  `tfsdk:"gpu_ami_id"`
	GPUModel                 types.String  `tfsdk:"gpu_model"`
	GPUCount                 types.Int64   `tfsdk:"gpu_count"`
	GPUMemoryMiB             types.Int64   `tfsdk:"gpu_memory_mib"`
	GPUHealthStatus          types.String  `tfsdk:"gpu_health_status"`
	EstimatedHourlyCost      types.Float64 `tfsdk:"estimated_hourly_cost"`
	EstimatedMonthlyCost     types.Float64 `tfsdk:"estimated_monthly_cost"`
	CostBreakdown            types.Object  `tfsdk:"cost_breakdown"`
}

type domainModel struct {
	Name          types.String `tfsdk:"name"`
	Route53ZoneID types.String `tfsdk:"route53_zone_id"`
}

type efsModel struct {
	PerformanceMode types.String `tfsdk:"performance_mode"`
	ThroughputMode  types.String `tfsdk:"throughput_mode"`
	RetainOnDelete  types.Bool   `tfsdk:"retain_on_delete"`
}

type loadBalancerModel struct {
	CertificateARN     types.String `tfsdk:"certificate_arn"`
	DomainName         types.String `tfsdk:"domain_name"`
	SSLPolicy          types.String `tfsdk:"ssl_policy"`
	IdleTimeoutSeconds types.Int64  `tfsdk:"idle_timeout_seconds"`
	HealthCheckPath    types.String `tfsdk:"health_check_path"`
	DeletionProtection types.Bool   `tfsdk:"deletion_protection"`
}

type cdnModel struct {
	PriceClass               types.String `tfsdk:"price_class"`
	Aliases                  types.List   `tfsdk:"aliases"`
	CertificateARN           types.String `tfsdk:"certificate_arn"`
	OriginReadTimeoutSeconds types.Int64  `tfsdk:"origin_read_timeout_seconds"`
	WebACLID                 types.String `tfsdk:"web_acl_id"`
	WaitForDeployment        types.Bool   `tfsdk:"wait_for_deployment"`
	RetainOnDelete           types.Bool   `tfsdk:"retain_on_delete"`
	RestrictOrigin           types.Bool   `tfsdk:"restrict_origin"`
}

func listOf(ctx context.Context, l types.List, diags *diag.Diagnostics) []string {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(l.ElementsAs(ctx, &out, false)...)
	return out
}

func objectAs[T any](ctx context.Context, o types.Object, diags *diag.Diagnostics) T {
	var v T
	if o.IsNull() || o.IsUnknown() {
		return v
	}
	diags.Append(o.As(ctx, &v, basetypes.ObjectAsOptions{UnhandledNullAsEmpty: true, UnhandledUnknownAsEmpty: true})...)
	return v
}

// toSpec expands the model into the orchestration's Spec. defaultTags come
// from the provider; the resource's own tags win. userVPC says vpc_id and
// subnet_ids are the user's (configured), not computed from a dedicated VPC.
func (m *deploymentModel) toSpec(ctx context.Context, region string, defaultTags map[string]string, userVPC bool, diags *diag.Diagnostics) *deployment.Spec {
	lb := objectAs[loadBalancerModel](ctx, m.LoadBalancer, diags)
	cdn := objectAs[cdnModel](ctx, m.CDN, diags)
	efs := objectAs[efsModel](ctx, m.EFS, diags)
	domain := objectAs[domainModel](ctx, m.Domain, diags)
	s := &deployment.Spec{
		Name:          m.Name.ValueString(),
		Region:        region,
		Tier:          int(m.Tier.ValueInt64()),
		InstanceType:  m.InstanceType.ValueString(),
		GPU:           m.GPU.ValueBool(),
		AMIID:         m.AMIID.ValueString(),
		KeyName:       m.KeyName.ValueString(),
		RootVolumeGiB: int32(m.RootVolumeSize.ValueInt64()),
		VPCCIDR:       m.VPCCIDR.ValueString(),
		AllowedCIDRs:  listOf(ctx, m.AllowedCIDRBlocks, diags),
		SSHCIDRs:      listOf(ctx, m.SSHCIDRBlocks, diags),
		Services:      listOf(ctx, m.Services, diags),
		Models:        listOf(ctx, m.OllamaModels, diags),
		EFS: deployment.EFSSpec{
			PerformanceMode: efs.PerformanceMode.ValueString(), ThroughputMode: efs.ThroughputMode.ValueString(), RetainOnDelete: efs.RetainOnDelete.ValueBool(),
		},
		LoadBalancer: deployment.LoadBalancerSpec{
			CertificateARN: lb.CertificateARN.ValueString(), DomainName: lb.DomainName.ValueString(), SSLPolicy: lb.SSLPolicy.ValueString(),
			IdleTimeoutSeconds: int32(lb.IdleTimeoutSeconds.ValueInt64()), HealthCheckPath: lb.HealthCheckPath.ValueString(),
			DeletionProtection: lb.DeletionProtection.ValueBool(),
		},
		CDN: deployment.CDNSpec{
			PriceClass: cdn.PriceClass.ValueString(), Aliases: listOf(ctx, cdn.Aliases, diags), CertificateARN: cdn.CertificateARN.ValueString(),
			OriginReadTimeoutSeconds: int32(cdn.OriginReadTimeoutSeconds.ValueInt64()), WebACLID: cdn.WebACLID.ValueString(),
			WaitForDeployment: cdn.WaitForDeployment.ValueBool(), RetainOnDelete: cdn.RetainOnDelete.ValueBool(), RestrictOrigin: cdn.RestrictOrigin.ValueBool(),
		},
		Capacity:            capacitySpec(ctx, m.Capacity, diags),
		Domain:              deployment.DomainSpec{Name: domain.Name.ValueString(), ZoneID: domain.Route53ZoneID.ValueString()},
		WaitForReady:        m.WaitForReady.ValueBool(),
		RollbackOnFail:      m.RollbackOnFailure.ValueBool(),
		OwnerEmail:          m.N8NOwnerEmail.ValueString(),
		CredentialsRotation: m.CredentialsRotation.ValueString(),
		// Create and Update decide whether the check runs for this apply.
		VerifyReachability: false,
		Tags:               mergedTags(ctx, defaultTags, m.Tags, diags),
	}
	if userVPC {
		s.VPCID = m.VPCID.ValueString()
		s.SubnetIDs = listOf(ctx, m.SubnetIDs, diags)
	}
	if s.Services == nil {
		s.Services = userdata.DefaultServices()
	}
	if s.Models == nil && m.OllamaModels.IsNull() && slices.Contains(s.Services, userdata.ServiceOllama) {
		s.Models = userdata.DefaultModels(s.GPU)
	}
	return s
}

// mergedTags is the provider's default tags under the resource's tags.
func mergedTags(ctx context.Context, defaults map[string]string, tags types.Map, diags *diag.Diagnostics) map[string]string {
	out := maps.Clone(defaults)
	if out == nil {
		out = map[string]string{}
	}
	if !tags.IsNull() && !tags.IsUnknown() {
		var own map[string]string
		diags.Append(tags.ElementsAs(ctx, &own, false)...)
		maps.Copy(out, own)
	}
	return out
}

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func stringListValue(vals []string) types.List {
	elems := make([]attr.Value, len(vals))
	for i, v := range vals {
		elems[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elems)
}

func stringMapValue(m map[string]string) types.Map {
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// setObserved writes the computed attributes from the deployment's state.
func (m *deploymentModel) setObserved(spec *deployment.Spec, st *deployment.State) {
	m.ID = types.StringValue(spec.Name)
	m.Status = stringOrNull(st.Status)
	m.URL = stringOrNull(deployment.PublicURL(spec, st))
	m.ServiceURLs = stringMapValue(deployment.ServiceURLs(spec, st))
	m.ServiceCredentials = stringMapValue(deployment.ServiceCredentials(spec, st))
	m.SSMParameterNames = stringListValue(st.CredentialParams)
	m.VPCID = stringOrNull(st.VPCID)
	m.SubnetIDs = stringListValue(st.SubnetIDs)
	m.SecurityGroupID = stringOrNull(st.InstanceSecurityGroupID)
	m.EFSSecurityGroupID = stringOrNull(st.EFSSecurityGroupID)
	m.ALBSecurityGroupID = stringOrNull(st.ALBSecurityGroupID)
	m.InternetGatewayID = stringOrNull(st.InternetGatewayID)
	m.RouteTableID = stringOrNull(st.RouteTableID)
	m.IAMRoleName = stringOrNull(st.RoleName)
	m.IAMInstanceProfileName = stringOrNull(st.ProfileName)
	m.EFSID = stringOrNull(st.EFSID)
	m.EFSMountTargetIDs = stringListValue(st.MountTargetIDs)
	m.InstanceID = stringOrNull(st.InstanceID)
	m.PrivateIP = stringOrNull(st.PrivateIP)
	m.PublicIP = stringOrNull(st.PublicIP)
	m.AvailabilityZone = stringOrNull(st.AvailabilityZone)
	m.setCapacityObserved(st)
	if st.AMIID != "" {
		m.AMIID = types.StringValue(st.AMIID)
	}
	m.ALBARN = stringOrNull(st.ALBARN)
	m.ALBDNSName = stringOrNull(st.ALBDNSName)
	m.ALBZoneID = stringOrNull(st.ALBZoneID)
	m.TargetGroupARN = stringOrNull(st.TargetGroupARN)
	m.ListenerARNs = stringListValue(st.ListenerARNs)
	m.CloudFrontDistributionID = stringOrNull(st.DistributionID)
	m.CloudFrontDomainName = stringOrNull(st.DistributionDomain)
	m.CloudFrontStatus = stringOrNull(st.DistributionStatus)
	m.CloudFrontARN = stringOrNull(st.DistributionARN)
	m.CloudFrontHostedZoneID = types.StringNull()
	if st.DistributionID != "" {
		m.CloudFrontHostedZoneID = types.StringValue(deployment.CloudFrontHostedZoneID)
	}
	m.DomainCertificateARNs = types.MapNull(types.StringType)
	if arns := st.CertificateARNs(); len(arns) > 0 {
		m.DomainCertificateARNs = stringMapValue(arns)
	}
	m.OriginVerifyHeaderValue = stringOrNull(st.OriginSecret)
	if !spec.HasCDN() || !spec.CDN.RestrictOrigin {
		m.OriginVerifyHeaderValue = types.StringNull()
	}
	m.GPUEnabled = types.BoolValue(spec.GPU)
	m.GPUInstanceType, m.GPUAMIID = types.StringNull(), types.StringNull()
	m.GPUModel, m.GPUCount, m.GPUMemoryMiB, m.GPUHealthStatus = types.StringNull(), types.Int64Null(), types.Int64Null(), types.StringNull()
	if spec.GPU {
		m.GPUInstanceType = types.StringValue(spec.InstanceType)
		m.GPUAMIID = stringOrNull(st.AMIID)
		health := st.GPUHealth
		if health == "" {
			health = "unknown"
		}
		m.GPUHealthStatus = types.StringValue(health)
		if st.GPUModel != "" {
			m.GPUModel = types.StringValue(st.GPUModel)
			m.GPUCount = types.Int64Value(int64(st.GPUCount))
			m.GPUMemoryMiB = types.Int64Value(int64(st.GPUMemoryMiB))
		}
	}
}
