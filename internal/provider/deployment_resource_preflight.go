package provider

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

// preflightKey holds, in private state, what the plan-time checks checked
// (a digest of each check's inputs, recorded by the apply that used them)
// and the facts of the instance type, so that a plan that changes nothing
// makes no preflight call and does not look the type up again.
const preflightKey = "preflight"

// preflightParallel bounds the checks running at once.
const preflightParallel = 4

type preflightRecord struct {
	Checks map[string]string                      `json:"checks,omitempty"`
	Types  map[string]deployment.InstanceTypeInfo `json:"types,omitempty"`
}

func loadPreflight(ctx context.Context, p privateGetter) *preflightRecord {
	rec := &preflightRecord{}
	if p == nil {
		return rec
	}
	raw, d := p.GetKey(ctx, preflightKey)
	if d.HasError() || len(raw) == 0 {
		return rec
	}
	if err := json.Unmarshal(raw, rec); err != nil {
		return &preflightRecord{} // checked again, no harm done
	}
	return rec
}

func savePreflight(ctx context.Context, p privateSetter, rec *preflightRecord, diags *diag.Diagnostics) {
	raw, err := json.Marshal(rec)
	if err != nil {
		diags.AddError("Saving the preflight record", err.Error())
		return
	}
	diags.Append(p.SetKey(ctx, preflightKey, raw)...)
}

// typeCache looks each instance type up once per plan; it starts with the
// facts the last apply recorded. The checks use it concurrently.
type typeCache struct {
	r    *deploymentResource
	mu   sync.Mutex
	seen map[string]deployment.InstanceTypeInfo
}

func newTypeCache(r *deploymentResource, known map[string]deployment.InstanceTypeInfo) *typeCache {
	return &typeCache{r: r, seen: maps.Clone(known)}
}

func (c *typeCache) get(ctx context.Context, name string) (deployment.InstanceTypeInfo, error) {
	c.mu.Lock()
	i, ok := c.seen[name]
	c.mu.Unlock()
	if ok {
		return i, nil
	}
	i, err := c.r.clients().Catalog.InstanceType(ctx, c.r.client.EC2(), name)
	if err == nil {
		c.mu.Lock()
		if c.seen == nil {
			c.seen = map[string]deployment.InstanceTypeInfo{}
		}
		c.seen[name] = i
		c.mu.Unlock()
	}
	return i, err
}

// only returns the cached facts of one type, for the record.
func (c *typeCache) only(name string) map[string]deployment.InstanceTypeInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i, ok := c.seen[name]; ok {
		return map[string]deployment.InstanceTypeInfo{name: i}
	}
	return nil
}

// preflightSpec is the deployment the checks look at: the plan, with ami_id
// as configured ("" resolves the default AMI, as the launch will).
func (r *deploymentResource) preflightSpec(ctx context.Context, m, config *deploymentModel, diags *diag.Diagnostics) *deployment.Spec {
	s := m.toSpec(ctx, r.client.Region, r.client.DefaultTags, !config.VPCID.IsNull(), diags)
	s.AMIID = config.AMIID.ValueString()
	return s
}

// preflight runs the plan-time checks whose inputs changed since the last
// apply recorded them (all of them when creating or replacing), and reports
// what they find, errors and warnings, each on its attribute.
func (r *deploymentResource) preflight(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, plan, config, state *deploymentModel, types *typeCache, replacing bool) {
	diags := &resp.Diagnostics
	caller, err := r.client.Caller(ctx)
	if err != nil {
		addConfigError(diags, err)
		return
	}
	spec := r.preflightSpec(ctx, plan, config, diags)
	record := loadRecord(ctx, req.Private, &diag.Diagnostics{})
	in := deployment.PreflightInput{Spec: spec, Prior: record, Replacing: replacing, CallerARN: caller.ARN, InstanceType: types.get}
	checks := deployment.PreflightChecks(r.clients(), in)

	done := map[string]string{}
	if state != nil && !replacing {
		if rec := loadPreflight(ctx, req.Private); rec.Checks != nil {
			done = rec.Checks
		} else {
			// A deployment from before the checks existed (or imported):
			// what the state holds was applied, so count it as checked.
			prior := r.preflightSpec(ctx, state, config, diags)
			for _, chk := range deployment.PreflightChecks(r.clients(), deployment.PreflightInput{Spec: prior, Prior: record, CallerARN: caller.ARN}) {
				done[chk.Name] = chk.Key
			}
		}
	}
	unknown := unknownAttrs(ctx, plan, config)
	var run []deployment.Check
	for _, chk := range checks {
		if done[chk.Name] == chk.Key || anyOf(chk.Needs, unknown) {
			continue
		}
		run = append(run, chk)
	}
	for _, f := range deployment.RunChecks(ctx, run, preflightParallel) {
		if strings.Contains(f.Path, ".") {
			// Terraform shows the resource block, not the line, for an
			// attribute nested in an object: name it.
			f.Detail = f.Path + ": " + f.Detail
		}
		switch {
		case f.Path != "" && f.Warning:
			diags.AddAttributeWarning(fieldPath(f.Path), f.Summary, f.Detail)
		case f.Path != "":
			diags.AddAttributeError(fieldPath(f.Path), f.Summary, f.Detail)
		case f.Warning:
			diags.AddWarning(f.Summary, f.Detail)
		default:
			diags.AddError(f.Summary, f.Detail)
		}
	}
	// The instance type's facts ride along to the update (planned private
	// state), so the next unchanged plan need not look the type up.
	rec := loadPreflight(ctx, req.Private)
	rec.Types = types.only(plan.InstanceType.ValueString())
	savePreflight(ctx, resp.Private, rec, diags)
}

// recordPreflight records, after an apply, the inputs of every check for
// the applied deployment, and the instance type's facts.
func (r *deploymentResource) recordPreflight(ctx context.Context, p interface {
	privateGetter
	privateSetter
}, plan, config *deploymentModel, diags *diag.Diagnostics) {
	spec := r.preflightSpec(ctx, plan, config, diags)
	rec := loadPreflight(ctx, p)
	rec.Checks = map[string]string{}
	// The apply's plan asked STS already (a failure now leaves the
	// permission check to run again at the next plan).
	caller, _ := r.client.Caller(ctx)
	for _, chk := range deployment.PreflightChecks(r.clients(), deployment.PreflightInput{Spec: spec, CallerARN: caller.ARN}) {
		rec.Checks[chk.Name] = chk.Key
	}
	if _, ok := rec.Types[spec.InstanceType]; !ok {
		types := newTypeCache(r, nil)
		if _, err := types.get(ctx, spec.InstanceType); err == nil {
			rec.Types = types.only(spec.InstanceType)
		}
	}
	savePreflight(ctx, p, rec, diags)
}

// unknownAttrs says which attributes the checks read are not known yet.
func unknownAttrs(ctx context.Context, plan, config *deploymentModel) map[string]bool {
	known := func(v attr.Value) bool {
		tv, err := v.ToTerraformValue(ctx)
		return err == nil && tv.IsFullyKnown()
	}
	return map[string]bool{
		"tier":                !known(plan.Tier),
		"instance_type":       !known(plan.InstanceType),
		"gpu":                 !known(plan.GPU),
		"ami_id":              !known(config.AMIID),
		"key_name":            !known(plan.KeyName),
		"root_volume_size":    !known(plan.RootVolumeSize),
		"vpc_id":              !known(config.VPCID) || !known(config.SubnetIDs),
		"allowed_cidr_blocks": !known(plan.AllowedCIDRBlocks),
		"ssh_cidr_blocks":     !known(plan.SSHCIDRBlocks),
		"load_balancer":       !known(plan.LoadBalancer),
		"cdn":                 !known(plan.CDN),
		"capacity":            !known(plan.Capacity),
	}
}

func anyOf(names []string, set map[string]bool) bool {
	for _, n := range names {
		if set[n] {
			return true
		}
	}
	return false
}
