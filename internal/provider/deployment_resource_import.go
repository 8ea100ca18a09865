package provider

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

// ImportState rediscovers a deployment by name: every component by its
// geusemaker:deployment tag or derived name, and the settings that made it.
// Settings AWS does not record get their defaults.
//
// An id "legacy:PATH" instead adopts a deployment made by the GeuseMaker CLI
// from its JSON state file (see deployment.LegacyDeployment.Adopt).
func (r *deploymentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if path, ok := strings.CutPrefix(strings.TrimSpace(req.ID), deployment.LegacyImportPrefix); ok {
		r.importLegacy(ctx, path, resp)
		return
	}
	name := strings.TrimSpace(req.ID)
	if err := deployment.ValidateName(name); err != nil {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("Import a deployment by its name, or one made by the GeuseMaker CLI with legacy:PATH_TO_ITS_STATE_FILE: %v.", err))
		return
	}
	spec, st, err := deployment.Discover(ctx, r.clients(), name)
	if err != nil {
		addDeploymentError(&resp.Diagnostics, "Importing", name, err)
		return
	}
	// The deployment belongs to this state now: a lease a killed create
	// left on the name must not let another create adopt it.
	if err := deployment.DropLease(ctx, r.clients(), name); err != nil {
		resp.Diagnostics.AddWarning("Create lease not removed", err.Error())
	}
	r.setImported(ctx, spec, st, resp)
}

// importLegacy adopts a CLI deployment: it only reads the file (nothing is
// written to disk), checks and tags the objects in AWS and records them.
func (r *deploymentResource) importLegacy(ctx context.Context, path string, resp *resource.ImportStateResponse) {
	l, changes, err := deployment.AdoptLegacyDeployment(ctx, r.clients(), path)
	if len(changes) > 0 {
		summary := "GeuseMaker CLI deployment adopted"
		if err != nil {
			summary = "GeuseMaker CLI deployment partly adopted"
		}
		resp.Diagnostics.AddWarning(summary, "The import changed these in AWS:\n  - "+strings.Join(changes, "\n  - "))
	}
	if err != nil {
		resp.Diagnostics.AddError("Importing a GeuseMaker CLI deployment", err.Error())
		return
	}
	if len(l.Notes) > 0 {
		resp.Diagnostics.AddWarning(fmt.Sprintf("GeuseMaker CLI settings without an equivalent (%s)", l.Spec.Name), "  - "+strings.Join(l.Notes, "\n  - "))
	}
	tflog.Info(ctx, "adopted GeuseMaker CLI deployment", map[string]any{"geusemaker.deployment": l.Spec.Name, "file": l.Path, "schema_version": l.SchemaVersion})
	r.setImported(ctx, l.Spec, l.State, resp)
}

func (r *deploymentResource) setImported(ctx context.Context, spec *deployment.Spec, st *deployment.State, resp *resource.ImportStateResponse) {
	m := modelFromSpec(spec, r.client.DefaultTags)
	m.setObserved(spec, st)
	m.Drift = stringListValue(nil)
	config := m
	planCostWith(ctx, &m, &config, nil, r.client.Region, &spotQuoter{client: r.client}, r.planZones(ctx, &config, &m), &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
	saveRecord(ctx, resp.Private, st, &resp.Diagnostics)
}

// modelFromSpec fills the input attributes from a spec. Tags equal to the
// provider's default_tags are left to tags_all.
func modelFromSpec(spec *deployment.Spec, defaultTags map[string]string) deploymentModel {
	own := map[string]string{}
	for k, v := range spec.Tags {
		if dv, ok := defaultTags[k]; !ok || dv != v {
			own[k] = v
		}
	}
	tags := types.MapNull(types.StringType)
	if len(own) > 0 {
		tags = stringMapValue(own)
	}
	optional := func(s string) types.String {
		if s == "" {
			return types.StringNull()
		}
		return types.StringValue(s)
	}
	m := deploymentModel{
		Name:              types.StringValue(spec.Name),
		Tier:              types.Int64Value(int64(spec.Tier)),
		InstanceType:      types.StringValue(spec.InstanceType),
		GPU:               types.BoolValue(spec.GPU),
		AMIID:             optional(spec.AMIID),
		KeyName:           optional(spec.KeyName),
		RootVolumeSize:    types.Int64Value(int64(spec.RootVolumeGiB)),
		VPCCIDR:           types.StringValue(spec.VPCCIDR),
		AllowedCIDRBlocks: stringListValue(spec.AllowedCIDRs),
		SSHCIDRBlocks:     stringListValue(spec.SSHCIDRs),
		Services:          stringListValue(spec.Services),
		OllamaModels:      stringListValue(spec.Models),
		EFS: mustObject(efsAttrTypes, map[string]attr.Value{
			"performance_mode": types.StringValue(spec.EFS.PerformanceMode), "throughput_mode": types.StringValue(spec.EFS.ThroughputMode),
			"retain_on_delete": types.BoolValue(spec.EFS.RetainOnDelete),
		}),
		LoadBalancer: mustObject(loadBalancerAttrTypes, map[string]attr.Value{
			"certificate_arn": optional(spec.LoadBalancer.CertificateARN), "domain_name": optional(spec.LoadBalancer.DomainName),
			"ssl_policy": types.StringValue(spec.LoadBalancer.SSLPolicy), "idle_timeout_seconds": types.Int64Value(int64(spec.LoadBalancer.IdleTimeoutSeconds)),
			"health_check_path": types.StringValue(spec.LoadBalancer.HealthCheckPath), "deletion_protection": types.BoolValue(spec.LoadBalancer.DeletionProtection),
		}),
		CDN: mustObject(cdnAttrTypes, map[string]attr.Value{
			"price_class": types.StringValue(spec.CDN.PriceClass), "aliases": stringListValue(spec.CDN.Aliases),
			"certificate_arn": optional(spec.CDN.CertificateARN), "origin_read_timeout_seconds": types.Int64Value(int64(spec.CDN.OriginReadTimeoutSeconds)),
			"web_acl_id": optional(spec.CDN.WebACLID), "wait_for_deployment": types.BoolValue(spec.CDN.WaitForDeployment),
			"retain_on_delete": types.BoolValue(spec.CDN.RetainOnDelete), "restrict_origin": types.BoolValue(spec.CDN.RestrictOrigin),
		}),
		Domain:            types.ObjectNull(domainAttrTypes),
		CostAssumptions:   types.ObjectNull(costAssumptionsAttrTypes),
		Capacity:          capacityObject(spec.Capacity),
		WaitForReady:      types.BoolValue(spec.WaitForReady),
		RollbackOnFailure: types.BoolValue(spec.RollbackOnFail),
		// Read back from SSM: the email parameter and the rotation tag.
		N8NOwnerEmail:       types.StringValue(cmp.Or(spec.OwnerEmail, deployment.DefaultOwnerEmail)),
		CredentialsRotation: optional(spec.CredentialsRotation),
		// Not recorded in AWS: the default.
		VerifyReachability: types.BoolValue(true),
		Tags:               tags,
		TagsAll:            stringMapValue(spec.Tags),
		Timeouts:           timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType})},
	}
	if spec.Domain.Enabled() {
		m.Domain = mustObject(domainAttrTypes, map[string]attr.Value{"name": types.StringValue(spec.Domain.Name), "route53_zone_id": types.StringValue(spec.Domain.ZoneID)})
	}
	return m
}
