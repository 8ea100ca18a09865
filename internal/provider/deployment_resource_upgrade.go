package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	deploymenttier "github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

var _ resource.ResourceWithUpgradeState = (*deploymentResource)(nil)

// UpgradeState maps every prior schema version straight to the current one
// (no chaining): each entry decodes the old state with its frozen schema
// function and builds a complete current model.
func (r *deploymentResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	v0 := deploymentSchemaV0()
	return map[int64]resource.StateUpgrader{
		0: {PriorSchema: &v0, StateUpgrader: r.upgradeFromV0},
	}
}

// deploymentModelV0 is the state of schema version 0 (frozen, like its schema).
type deploymentModelV0 struct {
	ID                    types.String `tfsdk:"id"`
	Name                  types.String `tfsdk:"name"`
	Tier                  types.String `tfsdk:"tier"`
	InstanceType          types.String `tfsdk:"instance_type"`
	AMIID                 types.String `tfsdk:"ami_id"`
	KeypairName           types.String `tfsdk:"keypair_name"`
	RootVolumeSize        types.Int64  `tfsdk:"root_volume_size"`
	VPCID                 types.String `tfsdk:"vpc_id"`
	SubnetIDs             types.List   `tfsdk:"subnet_ids"`
	VPCCIDR               types.String `tfsdk:"vpc_cidr"`
	AllowedCIDRBlocks     types.List   `tfsdk:"allowed_cidr_blocks"`
	SSHCIDRBlocks         types.List   `tfsdk:"ssh_cidr_blocks"`
	Services              types.List   `tfsdk:"services"`
	OllamaModels          types.List   `tfsdk:"ollama_models"`
	EFS                   types.Object `tfsdk:"efs"`
	CertificateARN        types.String `tfsdk:"certificate_arn"`
	ALBDomainName         types.String `tfsdk:"alb_domain_name"`
	AutoRollbackOnFailure types.Bool   `tfsdk:"auto_rollback_on_failure"`
	Tags                  types.Map    `tfsdk:"tags"`
	TagsAll               types.Map    `tfsdk:"tags_all"`
	Timeouts              types.Object `tfsdk:"timeouts"`

	Status                 types.String `tfsdk:"status"`
	N8NURL                 types.String `tfsdk:"n8n_url"`
	HTTPSEndpoint          types.String `tfsdk:"https_endpoint"`
	SecurityGroupID        types.String `tfsdk:"security_group_id"`
	EFSSecurityGroupID     types.String `tfsdk:"efs_security_group_id"`
	ALBSecurityGroupID     types.String `tfsdk:"alb_security_group_id"`
	InternetGatewayID      types.String `tfsdk:"internet_gateway_id"`
	RouteTableID           types.String `tfsdk:"route_table_id"`
	IAMRoleName            types.String `tfsdk:"iam_role_name"`
	IAMInstanceProfileName types.String `tfsdk:"iam_instance_profile_name"`
	EFSID                  types.String `tfsdk:"efs_id"`
	EFSMountTargetID       types.String `tfsdk:"efs_mount_target_id"`
	EFSMountTargetIDs      types.List   `tfsdk:"efs_mount_target_ids"`
	InstanceID             types.String `tfsdk:"instance_id"`
	PrivateIP              types.String `tfsdk:"private_ip"`
	PublicIP               types.String `tfsdk:"public_ip"`
	AvailabilityZone       types.String `tfsdk:"availability_zone"`
	ALBARN                 types.String `tfsdk:"alb_arn"`
	ALBDNS                 types.String `tfsdk:"alb_dns"`
	ALBZoneID              types.String `tfsdk:"alb_zone_id"`
	TargetGroupARN         types.String `tfsdk:"target_group_arn"`
	ListenerARNs           types.List   `tfsdk:"listener_arns"`
	CloudFrontID           types.String `tfsdk:"cloudfront_id"`
	CloudFrontDomain       types.String `tfsdk:"cloudfront_domain"`
}

type efsModelV0 struct {
	PerformanceMode types.String `tfsdk:"performance_mode"`
	ThroughputMode  types.String `tfsdk:"throughput_mode"`
}

// tiersV0 are version 0's tier names (the CLI's).
var tiersV0 = map[string]int64{"dev": deployment.TierDev, "automation": deployment.TierAutomation, "gpu": deployment.TierGPU}

func (r *deploymentResource) upgradeFromV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	var old deploymentModelV0
	resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
	if resp.Diagnostics.HasError() {
		return
	}
	region := ""
	if r.client != nil {
		region = r.client.Region
	}
	m, err := upgradeV0(ctx, &old, region)
	if err != nil {
		resp.Diagnostics.AddError("Version 1 State Upgrade Error",
			"Upgrading the geusemaker_deployment state from version 0 failed. This is always an issue in the provider and should be reported to the provider developers.\n\nOriginal Error: "+err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// upgradeV0 builds the current model from a version 0 state without any AWS
// call. Attributes version 0 did not have get the value the next refresh or
// plan would give them; GPU facts, CloudFront status and ARN-derived data
// that need AWS are left to the refresh that follows every upgrade.
func upgradeV0(ctx context.Context, old *deploymentModelV0, region string) (*deploymentModel, error) {
	var diags diag.Diagnostics
	tier := int64(deployment.TierDev)
	if t := old.Tier; !t.IsNull() && !t.IsUnknown() {
		v, ok := tiersV0[t.ValueString()]
		if !ok {
			return nil, fmt.Errorf("tier %q is not one of dev, automation, gpu", t.ValueString())
		}
		tier = v
	}
	if !old.CloudFrontID.IsNull() && old.CloudFrontID.ValueString() != "" {
		tier = deployment.TierGPU
	}
	gpu := upgradeHasGPU(old.InstanceType.ValueString())

	m := &deploymentModel{
		ID:                old.ID,
		Name:              old.Name,
		Tier:              types.Int64Value(tier),
		InstanceType:      old.InstanceType,
		GPU:               types.BoolValue(gpu),
		AMIID:             old.AMIID,
		KeyName:           old.KeypairName,
		RootVolumeSize:    int64Or(old.RootVolumeSize, deployment.DefaultRootVolumeGiB),
		VPCID:             old.VPCID,
		SubnetIDs:         emptyIfNull(old.SubnetIDs),
		VPCCIDR:           stringOr(old.VPCCIDR, deployment.DefaultVPCCIDR),
		AllowedCIDRBlocks: listOr(old.AllowedCIDRBlocks, "0.0.0.0/0"),
		SSHCIDRBlocks:     listOr(old.SSHCIDRBlocks),
		Services:          listOr(old.Services, userdata.DefaultServices()...),
		OllamaModels:      listOr(old.OllamaModels, userdata.DefaultModels(gpu)...),
		EFS:               defaultEFS(),
		LoadBalancer:      defaultLoadBalancer(),
		CDN:               defaultCDN(),
		Capacity:          defaultCapacity(), // version 0 launched on-demand only
		WaitForReady:      types.BoolValue(true),
		RollbackOnFailure: boolOr(old.AutoRollbackOnFailure, true),
		// Version 0 had no service credentials: the owner email and the
		// check get their defaults, and what SSM holds (nothing, for a
		// deployment of that release) is for the refresh to read.
		N8NOwnerEmail:       types.StringValue(deployment.DefaultOwnerEmail),
		CredentialsRotation: types.StringNull(),
		VerifyReachability:  types.BoolValue(true),
		ServiceCredentials:  types.MapNull(types.StringType),
		SSMParameterNames:   types.ListNull(types.StringType),
		Tags:                old.Tags,
		TagsAll:             old.TagsAll,
		Timeouts:            timeouts.Value{Object: old.Timeouts},

		Status:                 old.Status,
		Drift:                  stringListValue(nil),
		URL:                    old.N8NURL,
		SecurityGroupID:        old.SecurityGroupID,
		EFSSecurityGroupID:     old.EFSSecurityGroupID,
		ALBSecurityGroupID:     old.ALBSecurityGroupID,
		InternetGatewayID:      old.InternetGatewayID,
		RouteTableID:           old.RouteTableID,
		IAMRoleName:            old.IAMRoleName,
		IAMInstanceProfileName: old.IAMInstanceProfileName,
		EFSID:                  old.EFSID,
		InstanceID:             old.InstanceID,
		PrivateIP:              old.PrivateIP,
		PublicIP:               old.PublicIP,
		AvailabilityZone:       old.AvailabilityZone,
		ALBARN:                 old.ALBARN,
		ALBDNSName:             old.ALBDNS,
		ALBZoneID:              old.ALBZoneID,
		TargetGroupARN:         old.TargetGroupARN,
		ListenerARNs:           emptyIfNull(old.ListenerARNs),
		// Version 0 had no origin protection: the secret stays null and
		// cdn.restrict_origin false (below) until the user turns it on.
		OriginVerifyHeaderValue: types.StringNull(),
		// Version 0 had no custom domain.
		Domain:                types.ObjectNull(domainAttrTypes),
		DomainCertificateARNs: types.MapNull(types.StringType),
	}
	if m.ID.IsNull() || m.ID.IsUnknown() {
		m.ID = old.Name
	}
	if m.TagsAll.IsNull() || m.TagsAll.IsUnknown() {
		m.TagsAll = stringMapValue(nil)
	}
	if m.Timeouts.Object.IsUnknown() || m.Timeouts.Object.IsNull() {
		m.Timeouts = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType})}
	}

	// efs: version 0 had the two modes; retain_on_delete defaults to false.
	if !old.EFS.IsNull() && !old.EFS.IsUnknown() {
		e := objectAs[efsModelV0](ctx, old.EFS, &diags)
		m.EFS = mustObject(efsAttrTypes, map[string]attr.Value{
			"performance_mode": stringOr(e.PerformanceMode, "generalPurpose"), "throughput_mode": stringOr(e.ThroughputMode, "bursting"),
			"retain_on_delete": types.BoolValue(false),
		})
	}

	// load_balancer: the certificate and its domain move into the block.
	lb := defaultLoadBalancer().Attributes()
	lb["certificate_arn"], lb["domain_name"] = nonEmptyOrNull(old.CertificateARN), nonEmptyOrNull(old.ALBDomainName)
	m.LoadBalancer = mustObject(loadBalancerAttrTypes, lb)

	// The mount target ids: the list, with the single one first if the list
	// lacked it.
	mts := listOf(ctx, old.EFSMountTargetIDs, &diags)
	if one := old.EFSMountTargetID.ValueString(); one != "" && !containsString(mts, one) {
		mts = append([]string{one}, mts...)
	}
	m.EFSMountTargetIDs = stringListValue(mts)

	m.ServiceURLs = stringMapValue(deployment.ServiceURLsAt(old.N8NURL.ValueString(), listOf(ctx, m.Services, &diags)))

	// CloudFront: id and domain renamed; the status is left to the refresh,
	// the hosted zone is the same for every distribution, and the ARN is
	// built from the load balancer's account (the same account).
	m.CloudFrontDistributionID, m.CloudFrontDomainName = nonEmptyOrNull(old.CloudFrontID), nonEmptyOrNull(old.CloudFrontDomain)
	m.CloudFrontStatus, m.CloudFrontARN, m.CloudFrontHostedZoneID = types.StringNull(), types.StringNull(), types.StringNull()
	if id := m.CloudFrontDistributionID.ValueString(); id != "" {
		m.CloudFrontHostedZoneID = types.StringValue(deployment.CloudFrontHostedZoneID)
		if partition, account := arnAccount(old.ALBARN.ValueString()); account != "" {
			m.CloudFrontARN = types.StringValue(fmt.Sprintf("arn:%s:cloudfront::%s:distribution/%s", partition, account, id))
		}
	}
	if deploymenttier.Tier(tier).HasCDN() {
		cdn := defaultCDN().Attributes()
		cdn["restrict_origin"] = types.BoolValue(false)
		m.CDN = mustObject(cdnAttrTypes, cdn)
	}

	// Version 0 launched on-demand instances only, as Read reports them.
	m.InstanceLifecycle, m.SpotPrice = types.StringNull(), types.Float64Null()
	if old.InstanceID.ValueString() != "" {
		m.InstanceLifecycle = types.StringValue(deployment.MarketOnDemand)
	}

	// GPU attributes, as Read would set them before the instance reports.
	m.GPUEnabled = types.BoolValue(gpu)
	m.GPUInstanceType, m.GPUAMIID, m.GPUHealthStatus = types.StringNull(), types.StringNull(), types.StringNull()
	m.GPUModel, m.GPUCount, m.GPUMemoryMiB = types.StringNull(), types.Int64Null(), types.Int64Null()
	if gpu {
		m.GPUInstanceType, m.GPUAMIID, m.GPUHealthStatus = old.InstanceType, old.AMIID, types.StringValue("unknown")
	}

	// The cost estimate, from the embedded price table as at plan time.
	if region == "" {
		region = regionOf(old.AvailabilityZone.ValueString(), old.ALBARN.ValueString())
	}
	config := *m
	config.CostAssumptions = types.ObjectNull(costAssumptionsAttrTypes)
	var costDiags diag.Diagnostics // unknown prices are plan-time warnings, not upgrade errors
	planCost(ctx, m, &config, region, &costDiags)
	diags.Append(errorsOnly(costDiags)...)
	if diags.HasError() {
		return nil, fmt.Errorf("%s: %s", diags.Errors()[0].Summary(), diags.Errors()[0].Detail())
	}
	return m, nil
}

// gpuFamiliesForUpgrade lists the instance families with NVIDIA GPUs, from
// the GeuseMaker fact sheet (its _is_gpu_instance_type list, without AMD's
// g4ad), plus the newer NVIDIA families.
//
// ONLY the version 0 upgrader may use this table: an upgrader must not call
// AWS, and version 0 did not record whether the workload used the GPU.
// Everywhere else GPU support comes from EC2's GpuInfo. The next plan
// corrects a wrong guess: with gpu unset in the configuration, ModifyPlan
// derives it from DescribeInstanceTypes.
var gpuFamiliesForUpgrade = map[string]bool{
	"p3": true, "p3dn": true, "p4d": true, "p4de": true, "p5": true, "p5e": true, "p5en": true, "p6": true,
	"g3": true, "g3s": true, "g4dn": true, "g5": true, "g5g": true, "g6": true, "g6e": true, "gr6": true,
}

func upgradeHasGPU(instanceType string) bool {
	family, _, ok := strings.Cut(instanceType, ".")
	return ok && gpuFamiliesForUpgrade[family]
}

var zoneSuffix = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-\d+)[a-z]$`)

// regionOf finds the region from an availability zone or an ARN.
func regionOf(az, arn string) string {
	if m := zoneSuffix.FindStringSubmatch(az); m != nil {
		return m[1]
	}
	return deployment.ARNRegion(arn)
}

// arnAccount returns an ARN's partition and account.
func arnAccount(arn string) (partition, account string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return "", ""
	}
	return parts[1], parts[4]
}

func errorsOnly(d diag.Diagnostics) diag.Diagnostics {
	var out diag.Diagnostics
	for _, e := range d.Errors() {
		out.Append(e)
	}
	return out
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func stringOr(s types.String, def string) types.String {
	if s.IsNull() || s.IsUnknown() {
		return types.StringValue(def)
	}
	return s
}

func nonEmptyOrNull(s types.String) types.String {
	if s.IsUnknown() || s.ValueString() == "" {
		return types.StringNull()
	}
	return s
}

func int64Or(v types.Int64, def int64) types.Int64 {
	if v.IsNull() || v.IsUnknown() {
		return types.Int64Value(def)
	}
	return v
}

func boolOr(v types.Bool, def bool) types.Bool {
	if v.IsNull() || v.IsUnknown() {
		return types.BoolValue(def)
	}
	return v
}

func listOr(l types.List, def ...string) types.List {
	if l.IsNull() || l.IsUnknown() {
		return stringListValue(def)
	}
	return l
}
