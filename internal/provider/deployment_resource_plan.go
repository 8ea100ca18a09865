package provider

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/cost"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

func (r *deploymentResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		planDestroy(ctx, req, resp)
		return
	}
	if r.client == nil {
		return
	}
	var plan, config deploymentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	var state *deploymentModel
	if !req.State.Raw.IsNull() {
		state = &deploymentModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var known map[string]deployment.InstanceTypeInfo
	if state != nil {
		known = loadPreflight(ctx, req.Private).Types
	}
	types := newTypeCache(r, known)
	r.planInstance(ctx, &plan, &config, state, types, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	checkUserData(ctx, &plan, r.client.Region, &resp.Diagnostics)
	plan.TagsAll = stringMapValue(mergedTags(ctx, r.client.DefaultTags, plan.Tags, &resp.Diagnostics))
	planCostWith(ctx, &plan, &config, state, r.client.Region, &spotQuoter{client: r.client}, r.planZones(ctx, &config, state), &resp.Diagnostics)
	replacing := state != nil && (len(resp.RequiresReplace) > 0 || replaces(ctx, &plan, &config, state, &resp.Diagnostics))
	r.checkWithAWS(ctx, &plan, &config, state, replacing, &resp.Diagnostics)
	if !resp.Diagnostics.HasError() {
		r.checkDomain(ctx, &plan, state, req.Private, &resp.Diagnostics)
	}
	if state == nil || replacing || !planMatchesState(ctx, req, &plan) {
		r.preflight(ctx, req, resp, &plan, &config, state, types, replacing)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if state == nil {
		planCreate(ctx, &plan, &config, &resp.Diagnostics)
		r.planLease(ctx, plan.Name, &resp.Diagnostics)
	} else {
		var ignored diag.Diagnostics
		record := loadRecord(ctx, req.Private, &ignored)
		launched := ""
		if record != nil {
			launched = record.Market
		}
		planUpdate(ctx, &plan, &config, state, launched, &resp.Diagnostics)
		warnCredentials(ctx, &plan, state, record, &resp.Diagnostics)
		if deletionProtected(ctx, state, &resp.Diagnostics) {
			switch {
			case replacing:
				addDeletionProtectionError(&resp.Diagnostics, "replace")
				return
			case !tier.Tier(plan.Tier.ValueInt64()).HasLoadBalancer():
				addDeletionProtectionError(&resp.Diagnostics, "move below tier 2 (which deletes the load balancer of)")
				return
			}
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planMatchesState says the plan changes nothing: the apply would make no
// change, so no plan-time check has anything to check (nor the caller's
// identity to ask STS for). A number compares as Terraform compares it: the
// plan's float64 equals the state's decimal that float64 was written as.
func planMatchesState(ctx context.Context, req resource.ModifyPlanRequest, plan *deploymentModel) bool {
	p := tfsdk.Plan{Schema: req.Plan.Schema, Raw: req.Plan.Raw.Copy()}
	if p.Set(ctx, plan).HasError() {
		return false
	}
	diffs, err := p.Raw.Diff(req.State.Raw)
	if err != nil {
		return false
	}
	for _, d := range diffs {
		if !sameNumber(d.Value1, d.Value2) {
			return false
		}
	}
	return true
}

func sameNumber(a, b *tftypes.Value) bool {
	if a == nil || b == nil || !a.Type().Is(tftypes.Number) || !b.Type().Is(tftypes.Number) || !a.IsKnown() || !b.IsKnown() || a.IsNull() || b.IsNull() {
		return false
	}
	var x, y big.Float
	if a.As(&x) != nil || b.As(&y) != nil {
		return false
	}
	fx, _ := x.Float64()
	fy, _ := y.Float64()
	return fx == fy
}

// warnCredentials explains plans that do not give the stack its
// credentials the usual way: an instance adopted from the GeuseMaker CLI,
// whose boot script reads none, and a deployment made by an earlier release
// that has none yet.
func warnCredentials(ctx context.Context, plan, state *deploymentModel, record *deployment.State, diags *diag.Diagnostics) {
	if record == nil {
		return
	}
	rotated := !plan.CredentialsRotation.Equal(state.CredentialsRotation)
	switch {
	case record.AdoptedInstance && !rotated:
		diags.AddAttributeWarning(path.Root("credentials_rotation"), "Routes of the adopted instance stay public",
			fmt.Sprintf("Instance %s was launched by the GeuseMaker CLI and keeps the CLI's boot script: Ollama, Qdrant and its dashboard and Crawl4AI answer anyone "+
				"who can reach them, without the keys in service_credentials, and n8n's owner-setup page stays open until someone claims it. "+
				"This lasts until the instance is replaced. To replace only the instance (the data on EFS stays), set credentials_rotation to a new value "+
				"(for example today's date) and apply: the provider generates new credentials and launches an instance with its own boot script, which requires them.",
				record.InstanceID))
	case record.AdoptedInstance:
		diags.AddAttributeWarning(path.Root("credentials_rotation"), "The adopted instance is replaced",
			fmt.Sprintf("credentials_rotation changed: instance %s (launched by the GeuseMaker CLI, its routes open) is replaced by one that requires the new credentials. The data on EFS stays.", record.InstanceID))
	case len(record.Credentials) == 0 && len(userdata.CredentialParams(listOf(ctx, plan.Services, diags))) > 0:
		diags.AddWarning("Service credentials are generated; the instance is replaced",
			"This deployment was made by a release without service credentials: its instance serves every route without one. "+
				"This apply generates them (service_credentials), writes them to SSM Parameter Store and replaces the instance with one that requires them. The data on EFS stays.")
	}
}

// replaces reports whether a change of the attributes whose plan modifiers
// require a replacement forces one (the resource's ModifyPlan does not see
// the attribute modifiers' verdict).
func replaces(ctx context.Context, plan, config, state *deploymentModel, diags *diag.Diagnostics) bool {
	efsOf := func(m *deploymentModel) types.String { return objectAs[efsModel](ctx, m.EFS, diags).PerformanceMode }
	switch {
	case !plan.Name.Equal(state.Name), !plan.VPCCIDR.Equal(state.VPCCIDR):
		return true
	case !config.VPCID.IsNull() && !config.VPCID.Equal(state.VPCID):
		return true
	case !config.SubnetIDs.IsNull() && !config.SubnetIDs.Equal(state.SubnetIDs):
		return true
	case !efsOf(plan).IsUnknown() && !efsOf(plan).Equal(efsOf(state)):
		return true
	}
	return false
}

// planLease tells, when a new deployment is planned, what an earlier create
// of the same name left: an expired lease is a killed create the apply will
// adopt and finish; a live one is a create running elsewhere (the apply
// waits to see it renew and is refused).
func (r *deploymentResource) planLease(ctx context.Context, name types.String, diags *diag.Diagnostics) {
	if name.IsUnknown() || name.IsNull() {
		return
	}
	status, expires, err := deployment.CheckLease(ctx, r.clients(), name.ValueString())
	if err != nil {
		return // the apply decides; a plan need not fail on it
	}
	switch status {
	case deployment.LeaseExpired:
		diags.AddAttributeWarning(path.Root("name"), "An interrupted create of this deployment will be finished",
			fmt.Sprintf("A create of %q was killed before it saved any state (its lease on the name expired at %s). This apply adopts what it made in AWS and finishes the deployment instead of duplicating it.", name.ValueString(), expires.Format(time.RFC3339)))
	case deployment.LeaseHeld:
		diags.AddAttributeWarning(path.Root("name"), "Another create of this deployment may be running",
			fmt.Sprintf("A create of %q holds the lease on the name until %s. If it is running, this apply will be refused; if it was killed moments ago, this apply waits for the lease to expire and then finishes it.", name.ValueString(), expires.Format(time.RFC3339)))
	}
}

// planDestroy refuses, at plan time and before anything is touched, to
// destroy a deployment whose load balancer has deletion protection on:
// AWS would refuse the load balancer's delete after the instance and the
// file system's mount targets were already gone.
func planDestroy(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() {
		return
	}
	var state deploymentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if !resp.Diagnostics.HasError() && deletionProtected(ctx, &state, &resp.Diagnostics) {
		addDeletionProtectionError(&resp.Diagnostics, "destroy")
	}
}

// deletionProtected reports whether the state has a load balancer with
// deletion protection on.
func deletionProtected(ctx context.Context, state *deploymentModel, diags *diag.Diagnostics) bool {
	if state.ALBARN.ValueString() == "" {
		return false
	}
	return objectAs[loadBalancerModel](ctx, state.LoadBalancer, diags).DeletionProtection.ValueBool()
}

func addDeletionProtectionError(diags *diag.Diagnostics, verb string) {
	diags.AddAttributeError(fieldPath("load_balancer.deletion_protection"), "Load balancer deletion protection is on",
		fmt.Sprintf("This plan would %s the deployment, but load_balancer.deletion_protection = true, so AWS refuses to delete its load balancer. Nothing was changed. "+
			"First set load_balancer.deletion_protection = false (keeping everything else) and run `terraform apply`, which only turns the protection off; then run this again.", verb))
}

// planInstance settles instance_type, gpu and ollama_models, which default
// from each other, and decides whether an instance type change must replace
// the deployment (a different CPU architecture needs another AMI).
func (r *deploymentResource) planInstance(ctx context.Context, plan, config, state *deploymentModel, types *typeCache, resp *resource.ModifyPlanResponse) {
	if config.InstanceType.IsUnknown() || config.GPU.IsUnknown() {
		return
	}
	gpuSet := !config.GPU.IsNull()
	if config.InstanceType.IsNull() {
		t := deployment.DefaultInstanceType
		if gpuSet && config.GPU.ValueBool() {
			t = deployment.DefaultGPUInstanceType
		}
		plan.InstanceType = typesString(t)
	}
	name := plan.InstanceType.ValueString()
	info, err := types.get(ctx, name)
	if err != nil {
		if retry.NotFound(err) || errs.IsCode(err, "InvalidInstanceType") {
			resp.Diagnostics.AddAttributeError(path.Root("instance_type"), "Unknown instance type",
				fmt.Sprintf("EC2 does not offer %q in %s. Pick an instance type the region offers (aws ec2 describe-instance-type-offerings --region %s).", name, r.client.Region, r.client.Region))
			return
		}
		resp.Diagnostics.AddAttributeError(path.Root("instance_type"), "Looking up the instance type", awsErrorDetail(r.client.Region, err))
		return
	}
	if info.Hypervisor == "xen" && (state == nil || state.InstanceType.ValueString() != name) {
		fe := deployment.XenTypeError(info, deployment.SuggestNitroTypes(ctx, r.client.EC2(), info))
		resp.Diagnostics.AddAttributeError(path.Root(fe.Path), fe.Summary, fe.Detail)
		return
	}
	switch {
	case !gpuSet:
		plan.GPU = typesBool(info.HasGPU())
	case config.GPU.ValueBool() && !info.HasGPU():
		suggest := deployment.SuggestGPUTypes(ctx, r.client.EC2(), info.Arch)
		resp.Diagnostics.AddAttributeError(path.Root("gpu"), "Instance type without GPUs",
			fmt.Sprintf("gpu = true needs an instance type with NVIDIA GPUs, and EC2 lists none for %s. Suitable types in %s: %s.", name, r.client.Region, strings.Join(suggest, ", ")))
		return
	}
	if config.OllamaModels.IsNull() {
		// Models only come with the service that pulls them: the boot
		// script refuses models without ollama.
		switch services := listOf(ctx, plan.Services, &resp.Diagnostics); {
		case plan.Services.IsUnknown():
			plan.OllamaModels = unknownStringList()
		case slices.Contains(services, userdata.ServiceOllama):
			plan.OllamaModels = stringListValue(userdata.DefaultModels(plan.GPU.ValueBool()))
		default:
			plan.OllamaModels = stringListValue([]string{})
		}
	}
	if state != nil && state.InstanceType.ValueString() != "" && state.InstanceType.ValueString() != name {
		old, err := types.get(ctx, state.InstanceType.ValueString())
		if err == nil && old.Arch != info.Arch {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("instance_type"))
		}
	}
}

// planCost fills the cost assumptions' defaults and the estimate, known at
// plan time, without any AWS call (a Spot market is priced on-demand, with a
// warning). An unknown price is a warning, never an error.
func planCost(ctx context.Context, plan, config *deploymentModel, region string, diags *diag.Diagnostics) {
	planCostWith(ctx, plan, config, nil, region, nil, nil, diags)
}

// planCostWith is planCost with the Spot price of a Spot market: the
// state's when its inputs did not change, else quotes' current price in the
// zones the instance may run in.
func planCostWith(ctx context.Context, plan, config, state *deploymentModel, region string, quotes *spotQuoter, zones func() ([]string, error), diags *diag.Diagnostics) {
	a, obj, d := costAssumptionsFromObject(ctx, config.CostAssumptions)
	diags.Append(d...)
	plan.CostAssumptions = obj
	if plan.InstanceType.IsUnknown() || plan.Tier.IsUnknown() || plan.CDN.IsUnknown() {
		plan.EstimatedHourlyCost, plan.EstimatedMonthlyCost, plan.CostBreakdown = types.Float64Unknown(), types.Float64Unknown(), types.ObjectUnknown(costBreakdownAttrTypes)
		return
	}
	cdn := objectAs[cdnModel](ctx, plan.CDN, diags)
	in := cost.Input{
		Region: region, Tier: int(plan.Tier.ValueInt64()), InstanceType: plan.InstanceType.ValueString(),
		RootVolumeGiB: int(plan.RootVolumeSize.ValueInt64()), PriceClass: cdn.PriceClass.ValueString(), Assumptions: a,
	}
	if w := spotCostInput(ctx, &in, plan, state, quotes, zones, diags); w != "" {
		diags.AddAttributeWarning(fieldPath("capacity.market"), "Cost estimate at on-demand prices", upperFirst(w)+".")
	}
	b, warnings, ok := cost.Estimate(in)
	paths := map[string]path.Path{"instance_type": path.Root("instance_type"), "cdn_price_class": fieldPath("cdn.price_class"), "root_volume_size": path.Root("root_volume_size")}
	for _, w := range warnings {
		if p, ok := costWarningPath(w, paths); ok {
			diags.AddAttributeWarning(p, "Cost estimate incomplete", w)
		} else {
			diags.AddWarning("Cost estimate incomplete", w)
		}
	}
	if !ok {
		plan.EstimatedHourlyCost, plan.EstimatedMonthlyCost, plan.CostBreakdown = types.Float64Null(), types.Float64Null(), types.ObjectNull(costBreakdownAttrTypes)
		return
	}
	plan.EstimatedHourlyCost, plan.EstimatedMonthlyCost = types.Float64Value(b.Hourly), types.Float64Value(b.Monthly)
	breakdown, d := costBreakdownObject(b)
	diags.Append(d...)
	plan.CostBreakdown = breakdown
}

// checkWithAWS runs the checks that need AWS, on what is new or changed:
// the user's subnets, whether the instance type is offered where the instance
// will run, and the certificates of the load balancer and CloudFront.
func (r *deploymentResource) checkWithAWS(ctx context.Context, plan, config, state *deploymentModel, replacing bool, diags *diag.Diagnostics) {
	report := func(err error) {
		var fe *deployment.FieldError
		if errors.As(err, &fe) {
			diags.AddAttributeError(fieldPath(fe.Path), fe.Summary, fe.Detail)
		} else if err != nil {
			diags.AddError("Checking the deployment's AWS resources", awsErrorDetail(r.client.Region, err))
		}
	}
	to, from := tier.Tier(plan.Tier.ValueInt64()), tier.Tier(0)
	if state != nil {
		from = tier.Tier(state.Tier.ValueInt64())
	}
	if !config.VPCID.IsNull() && !config.VPCID.IsUnknown() && !config.SubnetIDs.IsUnknown() &&
		(state == nil || !state.VPCID.Equal(plan.VPCID) || !state.SubnetIDs.Equal(plan.SubnetIDs) || from != to) {
		subnets, err := deployment.CheckSubnets(ctx, r.client.EC2(), config.VPCID.ValueString(), listOf(ctx, config.SubnetIDs, diags), int(to))
		report(err)
		if err == nil {
			var zones []string
			for _, sn := range subnets {
				zones = append(zones, sn.AZ)
			}
			report(deployment.CheckInstanceTypeOffered(ctx, r.clients(), plan.InstanceType.ValueString(), zones, ""))
		}
	} else if !plan.InstanceType.IsUnknown() {
		switch {
		case state == nil || replacing:
			if config.VPCID.IsNull() {
				report(deployment.CheckInstanceTypeOffered(ctx, r.clients(), plan.InstanceType.ValueString(), nil, ""))
			}
		case state.InstanceType.Equal(plan.InstanceType):
		case !state.GPU.Equal(plan.GPU) || !state.Services.Equal(plan.Services) || !state.OllamaModels.Equal(plan.OllamaModels) ||
			state.InstanceLifecycle.ValueString() == deployment.MarketSpot:
			// A new boot script means a new instance, placed in any of the
			// deployment's subnets whose zone offers the type; so does a
			// type change of a Spot instance.
			zones, err := deployment.SubnetZones(ctx, r.client.EC2(), listOf(ctx, state.SubnetIDs, diags))
			if err == nil {
				err = deployment.CheckInstanceTypeOffered(ctx, r.clients(), plan.InstanceType.ValueString(), zones, "")
			}
			report(err)
		case state.AvailabilityZone.ValueString() != "":
			// A type change alone is made in place: stop, modify, start, in
			// the instance's own zone.
			report(deployment.CheckInstanceTypeOffered(ctx, r.clients(), plan.InstanceType.ValueString(), nil, state.AvailabilityZone.ValueString()))
		}
	}
	lb := objectAs[loadBalancerModel](ctx, plan.LoadBalancer, diags)
	if arn := lb.CertificateARN.ValueString(); to.HasLoadBalancer() && arn != "" && !lb.CertificateARN.IsUnknown() {
		if region := deployment.ARNRegion(arn); region != r.client.Region {
			diags.AddAttributeError(fieldPath("load_balancer.certificate_arn"), "Certificate in another region",
				fmt.Sprintf("The load balancer can only use an ACM certificate from its own region %s; %s is in %q.", r.client.Region, arn, region))
			return
		}
		if state == nil || !state.LoadBalancer.Equal(plan.LoadBalancer) || !from.HasLoadBalancer() {
			report(deployment.CheckCertificate(ctx, r.clients(), "load_balancer.certificate_arn", arn, r.client.Region, []string{lb.DomainName.ValueString()}))
		}
	}
	cdn := objectAs[cdnModel](ctx, plan.CDN, diags)
	if arn := cdn.CertificateARN.ValueString(); to.HasCDN() && arn != "" && !cdn.CertificateARN.IsUnknown() &&
		(state == nil || !state.CDN.Equal(plan.CDN) || !from.HasCDN()) {
		report(deployment.CheckCertificate(ctx, r.clients(), "cdn.certificate_arn", arn, "us-east-1", listOf(ctx, cdn.Aliases, diags)))
	}
}

// checkDomain checks the domain against Route 53 when it is new, changes,
// or the tier (and so the records it needs) changes: the zone, the name in
// it, and records in the way.
func (r *deploymentResource) checkDomain(ctx context.Context, plan, state *deploymentModel, private privateGetter, diags *diag.Diagnostics) {
	if plan.Domain.IsNull() || !objectKnown(plan.Domain) || plan.Tier.IsUnknown() {
		return
	}
	if state != nil && state.Domain.Equal(plan.Domain) && state.Tier.Equal(plan.Tier) {
		return
	}
	var prior *deployment.State
	if state != nil {
		prior = loadRecord(ctx, private, diags)
	}
	spec := &deployment.Spec{Name: plan.Name.ValueString(), Region: r.client.Region, Tier: int(plan.Tier.ValueInt64())}
	d := objectAs[domainModel](ctx, plan.Domain, diags)
	spec.Domain = deployment.DomainSpec{Name: d.Name.ValueString(), ZoneID: d.Route53ZoneID.ValueString()}
	err := deployment.CheckDomain(ctx, r.clients(), spec, prior)
	var fe *deployment.FieldError
	switch {
	case errors.As(err, &fe):
		diags.AddAttributeError(fieldPath(fe.Path), fe.Summary, fe.Detail)
	case err != nil:
		diags.AddAttributeError(fieldPath("domain"), "Checking the domain in Route 53", err.Error())
	}
}

// objectKnown reports whether an object and its attributes are known.
func objectKnown(o types.Object) bool {
	if o.IsUnknown() {
		return false
	}
	for _, v := range o.Attributes() {
		if v.IsUnknown() {
			return false
		}
	}
	return true
}

func typesString(s string) types.String { return types.StringValue(s) }
func typesBool(b bool) types.Bool       { return types.BoolValue(b) }

var (
	nullString = types.StringNull()
	unknownStr = types.StringUnknown()
)

// planCreate fills the computed attributes a create can promise.
func planCreate(ctx context.Context, plan, config *deploymentModel, diags *diag.Diagnostics) {
	planCapacityObserved(ctx, plan, nil, true, diags)
	plan.ID = plan.Name
	plan.ServiceCredentials = types.MapUnknown(types.StringType)
	plan.SSMParameterNames = credentialParamNames(ctx, plan, diags)
	plan.Status = typesString(deployment.StatusRunning)
	plan.Drift = stringListValue(nil)
	owned := config.VPCID.IsNull()
	if !owned {
		plan.InternetGatewayID, plan.RouteTableID = nullString, nullString
	}
	t := tier.Tier(plan.Tier.ValueInt64())
	if !t.HasLoadBalancer() {
		clearALB(plan)
	}
	if !t.HasCDN() {
		clearCDN(plan)
	} else {
		plan.CloudFrontHostedZoneID = typesString(deployment.CloudFrontHostedZoneID)
		if cdnWaits(plan) {
			plan.CloudFrontStatus = typesString("Deployed")
		}
		if !cdnRestricts(plan) {
			plan.OriginVerifyHeaderValue = nullString
		}
	}
	planGPU(plan, nil, true)
	plan.DomainCertificateARNs = types.MapNull(types.StringType)
	if !plan.Domain.IsNull() && t.HasLoadBalancer() {
		plan.DomainCertificateARNs = types.MapUnknown(types.StringType)
	}
}

func clearALB(m *deploymentModel) {
	m.ALBARN, m.ALBDNSName, m.ALBZoneID, m.TargetGroupARN, m.ALBSecurityGroupID = nullString, nullString, nullString, nullString, nullString
	m.ListenerARNs = stringListValue(nil)
}

func clearCDN(m *deploymentModel) {
	m.CloudFrontDistributionID, m.CloudFrontDomainName, m.CloudFrontStatus, m.CloudFrontARN = nullString, nullString, nullString, nullString
	m.CloudFrontHostedZoneID, m.OriginVerifyHeaderValue = nullString, nullString
}

func cdnWaits(m *deploymentModel) bool {
	v, ok := m.CDN.Attributes()["wait_for_deployment"].(types.Bool)
	return !ok || v.IsUnknown() || v.ValueBool()
}

func cdnRestricts(m *deploymentModel) bool {
	v, ok := m.CDN.Attributes()["restrict_origin"].(types.Bool)
	return !ok || v.IsUnknown() || v.ValueBool()
}

// planGPU derives the GPU attributes; replaced says the instance (and so
// what its boot reported) will be new.
func planGPU(plan, state *deploymentModel, replaced bool) {
	if plan.GPU.IsUnknown() {
		plan.GPUEnabled, plan.GPUInstanceType, plan.GPUAMIID = types.BoolUnknown(), unknownStr, unknownStr
		plan.GPUModel, plan.GPUCount, plan.GPUMemoryMiB, plan.GPUHealthStatus = unknownStr, types.Int64Unknown(), types.Int64Unknown(), unknownStr
		return
	}
	plan.GPUEnabled = plan.GPU
	if !plan.GPU.ValueBool() {
		plan.GPUInstanceType, plan.GPUAMIID = nullString, nullString
		plan.GPUModel, plan.GPUCount, plan.GPUMemoryMiB, plan.GPUHealthStatus = nullString, types.Int64Null(), types.Int64Null(), nullString
		return
	}
	plan.GPUInstanceType, plan.GPUAMIID = plan.InstanceType, plan.AMIID
	if replaced || state == nil {
		plan.GPUModel, plan.GPUCount, plan.GPUMemoryMiB, plan.GPUHealthStatus = unknownStr, types.Int64Unknown(), types.Int64Unknown(), unknownStr
		return
	}
	plan.GPUModel, plan.GPUCount, plan.GPUMemoryMiB, plan.GPUHealthStatus = state.GPUModel, state.GPUCount, state.GPUMemoryMiB, state.GPUHealthStatus
}

// credentialParamNames are the SSM parameters the planned services need.
func credentialParamNames(ctx context.Context, plan *deploymentModel, diags *diag.Diagnostics) types.List {
	if plan.Services.IsUnknown() {
		return types.ListUnknown(types.StringType)
	}
	spec := deployment.Spec{Name: plan.Name.ValueString(), Services: listOf(ctx, plan.Services, diags)}
	return stringListValue(spec.CredentialParamNames())
}

// credentialsChange says the service credentials get new values: the
// first ones (a deployment of an earlier release, or a service that needs a
// key added), a rotation, or a new owner email while n8n runs.
func credentialsChange(ctx context.Context, plan, state *deploymentModel, diags *diag.Diagnostics) bool {
	services := listOf(ctx, plan.Services, diags)
	if plan.Services.IsUnknown() || plan.N8NOwnerEmail.IsUnknown() || plan.CredentialsRotation.IsUnknown() {
		return true
	}
	if slices.Contains(services, userdata.ServiceN8N) && !plan.N8NOwnerEmail.Equal(state.N8NOwnerEmail) {
		return true
	}
	if !plan.CredentialsRotation.Equal(state.CredentialsRotation) {
		return true
	}
	var have map[string]string
	if !state.ServiceCredentials.IsNull() && !state.ServiceCredentials.IsUnknown() {
		diags.Append(state.ServiceCredentials.ElementsAs(ctx, &have, false)...)
	}
	for _, p := range userdata.CredentialParams(services) {
		if have[strings.ReplaceAll(p, "-", "_")] == "" {
			return true
		}
	}
	return false
}

// updatePlan is deployment.PlanUpdate for the change from state to plan.
func updatePlan(ctx context.Context, plan, config, state *deploymentModel, launchedMarket string, diags *diag.Diagnostics) deployment.UpdatePlan {
	names := credentialParamNames(ctx, plan, diags)
	market, spotInstance := capacityChanges(ctx, plan, state, launchedMarket, diags)
	return deployment.PlanUpdate(deployment.Changes{
		FromTier:         int(state.Tier.ValueInt64()),
		ToTier:           int(plan.Tier.ValueInt64()),
		OwnedNetwork:     config.VPCID.IsNull(),
		Workload:         !plan.GPU.Equal(state.GPU) || !plan.Services.Equal(state.Services) || !plan.OllamaModels.Equal(state.OllamaModels),
		Services:         !plan.Services.Equal(state.Services),
		InstanceType:     !plan.InstanceType.Equal(state.InstanceType),
		LoadBalancer:     !plan.LoadBalancer.Equal(state.LoadBalancer),
		CDN:              !plan.CDN.Equal(state.CDN),
		Credentials:      credentialsChange(ctx, plan, state, diags),
		CredentialParams: listOf(ctx, names, diags),
		Market:           market,
		SpotInstance:     spotInstance,
		// An unknown domain is a change, and a possibly enabled one.
		Domain:        !plan.Domain.Equal(state.Domain),
		DomainEnabled: !plan.Domain.IsNull(),
	}, state.priorView(ctx, diags))
}

// planUpdate marks what an update will change, as deployment.PlanUpdate
// decides it from the configuration changes and from components the last
// refresh found missing (drift).
func planUpdate(ctx context.Context, plan, config, state *deploymentModel, launchedMarket string, diags *diag.Diagnostics) {
	plan.ID = state.ID
	drift := listOf(ctx, state.Drift, diags)
	// The apply puts back every setting changed outside Terraform.
	plan.Drift = stringListValue(nil)
	if len(drift) > 0 {
		diags.AddWarning(fmt.Sprintf("GeuseMaker deployment (%s) changed outside Terraform", state.Name.ValueString()),
			"The last refresh found these managed settings changed in AWS; this apply puts them back:\n  - "+strings.Join(drift, "\n  - "))
	}
	owned := config.VPCID.IsNull()
	p := updatePlan(ctx, plan, config, state, launchedMarket, diags)
	unknownList := types.ListUnknown(types.StringType)

	plan.SSMParameterNames = credentialParamNames(ctx, plan, diags)
	if p.Credentials || !plan.Services.Equal(state.Services) {
		plan.ServiceCredentials = types.MapUnknown(types.StringType)
	} else {
		plan.ServiceCredentials = state.ServiceCredentials
	}

	if p.Network {
		plan.VPCID, plan.SubnetIDs, plan.InternetGatewayID, plan.RouteTableID = unknownStr, unknownList, unknownStr, unknownStr
	}
	if !owned {
		plan.InternetGatewayID, plan.RouteTableID = nullString, nullString
	}
	if p.SecurityGroups {
		plan.SecurityGroupID, plan.EFSSecurityGroupID = unknownStr, unknownStr
	}
	if p.FileSystem {
		plan.EFSID = unknownStr
	}
	if p.MountTargets {
		plan.EFSMountTargetIDs = unknownList
	}
	if p.IAM {
		plan.IAMRoleName, plan.IAMInstanceProfileName = unknownStr, unknownStr
	}
	if p.Instance {
		plan.InstanceID, plan.PrivateIP, plan.PublicIP, plan.AvailabilityZone = unknownStr, unknownStr, unknownStr, unknownStr
		if config.AMIID.IsNull() {
			plan.AMIID = unknownStr
		}
	}
	if p.Resize {
		plan.PublicIP = unknownStr
	}
	planGPU(plan, state, p.Instance || p.Resize)
	planCapacityObserved(ctx, plan, state, p.Instance, diags)

	planUpdateLoadBalancer(plan, p)
	planUpdateCDN(plan, state, p)
	switch {
	case plan.Domain.IsNull() || !tier.Tier(plan.Tier.ValueInt64()).HasLoadBalancer():
		plan.DomainCertificateARNs = types.MapNull(types.StringType)
	case p.DomainCertificates:
		plan.DomainCertificateARNs = types.MapUnknown(types.StringType)
	default:
		plan.DomainCertificateARNs = state.DomainCertificateARNs
	}

	if p.URL {
		plan.URL, plan.ServiceURLs = unknownStr, types.MapUnknown(types.StringType)
	} else {
		plan.URL, plan.ServiceURLs = state.URL, state.ServiceURLs
	}
	planDriftRepair(plan, state, drift)
	plan.Status = typesString(deployment.StatusRunning)
}

// planDriftRepair marks what repairing changes made outside Terraform
// (drift, a stopped instance) changes in the plan.
func planDriftRepair(plan, state *deploymentModel, drift []string) {
	if deployment.Drifted(drift, deployment.DriftInstanceType) {
		// A resize stops and starts the instance: a new public address.
		plan.PublicIP = unknownStr
		if !tier.Tier(plan.Tier.ValueInt64()).HasLoadBalancer() {
			plan.URL, plan.ServiceURLs = unknownStr, types.MapUnknown(types.StringType)
		}
	}
	if deployment.Drifted(drift, deployment.DriftCloudFront) && tier.Tier(plan.Tier.ValueInt64()).HasCDN() {
		// The distribution's update rolls out again.
		if cdnWaits(plan) {
			plan.CloudFrontStatus = typesString("Deployed")
		} else {
			plan.CloudFrontStatus = unknownStr
		}
	}
	if state.Status.ValueString() == deployment.StatusStopped {
		// Stopped outside Terraform: the apply starts the instance, which
		// gets a new public address (and with it, in tier 1, a new URL).
		plan.PublicIP = unknownStr
		if !tier.Tier(plan.Tier.ValueInt64()).HasLoadBalancer() {
			plan.URL, plan.ServiceURLs = unknownStr, types.MapUnknown(types.StringType)
		}
	}
}

// planUpdateLoadBalancer marks the load balancer's new parts, or clears
// them below tier 2.
func planUpdateLoadBalancer(plan *deploymentModel, p deployment.UpdatePlan) {
	if !tier.Tier(plan.Tier.ValueInt64()).HasLoadBalancer() {
		clearALB(plan)
		return
	}
	if p.LoadBalancer {
		plan.ALBARN, plan.ALBDNSName, plan.ALBZoneID = unknownStr, unknownStr, unknownStr
	}
	if p.ALBSecurityGroup {
		plan.ALBSecurityGroupID = unknownStr
	}
	if p.TargetGroup {
		plan.TargetGroupARN = unknownStr
	}
	if p.Listeners {
		plan.ListenerARNs = types.ListUnknown(types.StringType)
	}
}

// planUpdateCDN marks the distribution's new or changing attributes, or
// clears them below tier 3.
func planUpdateCDN(plan, state *deploymentModel, p deployment.UpdatePlan) {
	if !tier.Tier(plan.Tier.ValueInt64()).HasCDN() {
		clearCDN(plan)
		return
	}
	if p.Distribution {
		plan.CloudFrontDistributionID, plan.CloudFrontDomainName, plan.CloudFrontARN = unknownStr, unknownStr, unknownStr
	}
	plan.CloudFrontHostedZoneID = typesString(deployment.CloudFrontHostedZoneID)
	switch {
	case p.Rollout && cdnWaits(plan):
		plan.CloudFrontStatus = typesString("Deployed")
	case p.Rollout:
		plan.CloudFrontStatus = unknownStr
	default:
		plan.CloudFrontStatus = state.CloudFrontStatus
	}
	switch {
	case !cdnRestricts(plan):
		plan.OriginVerifyHeaderValue = nullString
	case p.OriginSecret:
		plan.OriginVerifyHeaderValue = unknownStr
	default:
		plan.OriginVerifyHeaderValue = state.OriginVerifyHeaderValue
	}
}

// priorView is the deployment as the state's attributes show it after the
// last refresh: the ids of components found missing are empty.
func (m *deploymentModel) priorView(ctx context.Context, diags *diag.Diagnostics) *deployment.State {
	st := &deployment.State{}
	st.VPCID = m.VPCID.ValueString()
	st.SubnetIDs = listOf(ctx, m.SubnetIDs, diags)
	st.InternetGatewayID = m.InternetGatewayID.ValueString()
	st.RouteTableID = m.RouteTableID.ValueString()
	st.InstanceSecurityGroupID = m.SecurityGroupID.ValueString()
	st.EFSSecurityGroupID = m.EFSSecurityGroupID.ValueString()
	st.ALBSecurityGroupID = m.ALBSecurityGroupID.ValueString()
	st.EFSID = m.EFSID.ValueString()
	st.MountTargetIDs = listOf(ctx, m.EFSMountTargetIDs, diags)
	st.RoleName = m.IAMRoleName.ValueString()
	st.ProfileName = m.IAMInstanceProfileName.ValueString()
	st.InstanceID = m.InstanceID.ValueString()
	st.ALBARN = m.ALBARN.ValueString()
	st.TargetGroupARN = m.TargetGroupARN.ValueString()
	st.ListenerARNs = listOf(ctx, m.ListenerARNs, diags)
	st.DistributionID = m.CloudFrontDistributionID.ValueString()
	st.OriginSecret = m.OriginVerifyHeaderValue.ValueString()
	if !m.DomainCertificateARNs.IsNull() && !m.DomainCertificateARNs.IsUnknown() {
		var arns map[string]string
		diags.Append(m.DomainCertificateARNs.ElementsAs(ctx, &arns, false)...)
		for use, arn := range arns {
			st.DomainCertificates = append(st.DomainCertificates, deployment.DomainCertificate{Use: use, ARN: arn})
		}
	}
	st.CredentialParams = listOf(ctx, m.SSMParameterNames, diags)
	return st
}
