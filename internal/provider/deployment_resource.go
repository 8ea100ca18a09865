package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

var (
	_ resource.ResourceWithConfigure      = (*deploymentResource)(nil)
	_ resource.ResourceWithImportState    = (*deploymentResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*deploymentResource)(nil)
	_ resource.ResourceWithValidateConfig = (*deploymentResource)(nil)
)

// privateStateKey holds the deployment's full record (every id, the
// idempotency nonce, the origin secret) in Terraform's private state; the
// public attributes are a view of it.
const privateStateKey = "deployment"

type deploymentResource struct {
	client *conns.AWSClient
}

func newDeploymentResource() resource.Resource { return &deploymentResource{} }

func (r *deploymentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_deployment"
}

func (r *deploymentResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = deploymentSchema(ctx)
}

func (r *deploymentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *deploymentResource) clients() *deployment.Clients {
	return deploymentClients(r.client)
}

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

func loadRecord(ctx context.Context, p privateGetter, diags *diag.Diagnostics) *deployment.State {
	raw, d := p.GetKey(ctx, privateStateKey)
	diags.Append(d...)
	if len(raw) == 0 {
		return nil
	}
	var st deployment.State
	if err := json.Unmarshal(raw, &st); err != nil {
		diags.AddWarning("Unreadable deployment record", "The provider's private record of this deployment could not be read and will be rebuilt from AWS: "+err.Error())
		return nil
	}
	return &st
}

func saveRecord(ctx context.Context, p privateSetter, st *deployment.State, diags *diag.Diagnostics) {
	raw, err := json.Marshal(st)
	if err != nil {
		diags.AddError("Saving the deployment record", err.Error())
		return
	}
	diags.Append(p.SetKey(ctx, privateStateKey, raw)...)
}

func (r *deploymentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config deploymentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec := plan.toSpec(ctx, r.client.Region, r.client.DefaultTags, !config.VPCID.IsNull(), &resp.Diagnostics)
	spec.VerifyReachability = plan.VerifyReachability.ValueBool()
	timeout := operationTimeout(ctx, plan.Timeouts, "create", deployment.DefaultTimeouts(spec.Tier).Create, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Drift.IsUnknown() {
		plan.Drift = stringListValue(nil)
	}
	ctx = tflog.SetField(ctx, "geusemaker.deployment", spec.Name)
	spec.Timeout = r.scaled(timeout)
	st, err := deployment.Create(r.client.WaitContext(ctx), r.clients(), spec)
	if err != nil {
		addDeploymentError(&resp.Diagnostics, "Creating", spec.Name, err)
		if st != nil && !st.Empty() {
			// Keep what is left: Terraform taints the resource, and destroy
			// or the next apply finishes the job.
			plan.setObserved(spec, st)
			resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
			saveRecord(ctx, resp.Private, st, &resp.Diagnostics)
		}
		return
	}
	if st.Recovered {
		resp.Diagnostics.AddWarning(fmt.Sprintf("GeuseMaker deployment (%s) finished an interrupted create", spec.Name),
			"An earlier create of this deployment was killed before it could save any state (its lease on the name expired). This apply adopted what it had made in AWS and finished the deployment, so nothing is duplicated.")
	}
	addFallbackWarning(&resp.Diagnostics, spec.Name, "", st)
	plan.setObserved(spec, st)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	saveRecord(ctx, resp.Private, st, &resp.Diagnostics)
	r.recordPreflight(ctx, resp.Private, &plan, &config, &resp.Diagnostics)
}

// record returns the deployment's record from private state, or rebuilds it
// from AWS (states written by an older version, or pushed by hand).
func (r *deploymentResource) record(ctx context.Context, p privateGetter, m *deploymentModel, diags *diag.Diagnostics) *deployment.State {
	if st := loadRecord(ctx, p, diags); st != nil {
		return st
	}
	_, st, err := deployment.Discover(ctx, r.clients(), m.Name.ValueString())
	if err != nil {
		addDeploymentError(diags, "Reading", m.Name.ValueString(), err)
		return nil
	}
	return st
}

func (r *deploymentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state deploymentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	prior := r.record(ctx, req.Private, &state, &resp.Diagnostics)
	if prior == nil {
		return
	}
	spec := state.toSpec(ctx, r.client.Region, r.client.DefaultTags, !prior.OwnedNetwork, &resp.Diagnostics)
	st, err := deployment.Refresh(ctx, r.clients(), spec, prior)
	if err != nil {
		addDeploymentError(&resp.Diagnostics, "Reading", spec.Name, err)
		return
	}
	if st.Empty() {
		resp.Diagnostics.AddWarning("GeuseMaker deployment gone",
			"Every AWS object of deployment "+spec.Name+" was deleted outside Terraform; it is removed from the state and the next apply creates it again.")
		resp.State.RemoveResource(ctx)
		return
	}
	state.setObserved(spec, st)
	state.Drift = stringListValue(st.Drift)
	if state.Capacity.IsNull() {
		// A state written before the capacity block: the instance was
		// launched on-demand, the default.
		state.Capacity = capacityObject(spec.Capacity)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	saveRecord(ctx, resp.Private, st, &resp.Diagnostics)
}

func (r *deploymentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config deploymentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if onlyTimeoutsChanged(req.Plan.Raw, req.State.Raw) {
		// Nothing in AWS changes: store the new timeouts (a destroy reads
		// its timeout from the state).
		state.Timeouts = plan.Timeouts
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	prior := r.record(ctx, req.Private, &state, &resp.Diagnostics)
	if prior == nil {
		return
	}
	spec := plan.toSpec(ctx, r.client.Region, r.client.DefaultTags, !config.VPCID.IsNull(), &resp.Diagnostics)
	// The reachability check runs when the update changes what serves the
	// public URL, as the plan saw it.
	spec.VerifyReachability = plan.VerifyReachability.ValueBool() && updatePlan(ctx, &plan, &config, &state, prior.Market, &resp.Diagnostics).PublicPath()
	var priorTags map[string]string
	resp.Diagnostics.Append(state.TagsAll.ElementsAs(ctx, &priorTags, false)...)
	timeout := operationTimeout(ctx, plan.Timeouts, "update", deployment.DefaultTimeouts(spec.Tier).Update, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Drift.IsUnknown() {
		plan.Drift = stringListValue(nil)
	}
	ctx = tflog.SetField(ctx, "geusemaker.deployment", spec.Name)
	spec.Timeout = r.scaled(timeout)
	st, err := deployment.Update(r.client.WaitContext(ctx), r.clients(), spec, prior, priorTags)
	if err != nil {
		addDeploymentError(&resp.Diagnostics, "Updating", spec.Name, err)
	}
	addFallbackWarning(&resp.Diagnostics, spec.Name, prior.InstanceID, st)
	plan.setObserved(spec, st)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	saveRecord(ctx, resp.Private, st, &resp.Diagnostics)
	r.recordPreflight(ctx, resp.Private, &plan, &config, &resp.Diagnostics)
}

func (r *deploymentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state deploymentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	prior := r.record(ctx, req.Private, &state, &resp.Diagnostics)
	if prior == nil {
		return
	}
	spec := state.toSpec(ctx, r.client.Region, r.client.DefaultTags, !prior.OwnedNetwork, &resp.Diagnostics)
	timeout := operationTimeout(ctx, state.Timeouts, "delete", deployment.DefaultTimeouts(int(state.Tier.ValueInt64())).Delete, &resp.Diagnostics)
	ctx = tflog.SetField(ctx, "geusemaker.deployment", spec.Name)
	spec.Timeout = r.scaled(timeout)
	left, retained, err := deployment.Delete(r.client.WaitContext(ctx), r.clients(), spec, prior)
	if err != nil {
		addDeploymentError(&resp.Diagnostics, "Destroying", spec.Name, err)
		if left != nil {
			// Terraform keeps the resource; the next destroy resumes from
			// what is left.
			state.setObserved(spec, left)
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
			saveRecord(ctx, resp.Private, left, &resp.Diagnostics)
		}
		return
	}
	if len(retained) > 0 {
		addRetainedWarning(&resp.Diagnostics, spec.Name, retained)
	}
}

// clearComputedLists avoids nulls where lists are expected.
func emptyIfNull(l types.List) types.List {
	if l.IsNull() {
		return stringListValue(nil)
	}
	return l
}

// float64Number rounds a known number to a float64: the plan's computed
// costs are float64s, the state's the same numbers read back at a higher
// precision, and tftypes compares them bit for bit.
func float64Number(v tftypes.Value) tftypes.Value {
	if !v.Type().Is(tftypes.Number) || !v.IsKnown() || v.IsNull() {
		return v
	}
	var n big.Float
	if err := v.As(&n); err != nil {
		return v
	}
	f, _ := n.Float64()
	return tftypes.NewValue(tftypes.Number, big.NewFloat(f))
}

// onlyTimeoutsChanged reports whether a plan differs from the state in the
// timeouts block alone: every other value is the state's, or unknown only
// because the framework marks computed attributes unknown in any update.
func onlyTimeoutsChanged(plan, state tftypes.Value) bool {
	timeoutsPath := tftypes.NewAttributePath().WithAttributeName("timeouts")
	strip := func(v tftypes.Value, fill bool) (tftypes.Value, error) {
		return tftypes.Transform(v, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
			if p.Equal(timeoutsPath) {
				return tftypes.NewValue(v.Type(), nil), nil
			}
			if fill && !v.IsKnown() {
				if sv, _, err := tftypes.WalkAttributePath(state, p); err == nil {
					if sv, ok := sv.(tftypes.Value); ok {
						v = sv
					}
				}
			}
			return float64Number(v), nil
		})
	}
	p, err1 := strip(plan, true)
	s, err2 := strip(state, false)
	return err1 == nil && err2 == nil && p.Equal(s) && !plan.Equal(state)
}

// scaled applies the test seam that shortens operation timeouts.
func (r *deploymentResource) scaled(d time.Duration) time.Duration {
	if r.client.TimeoutDivisor > 1 {
		return d / time.Duration(r.client.TimeoutDivisor)
	}
	return d
}
