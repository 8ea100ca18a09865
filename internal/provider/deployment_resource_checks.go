package provider

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

// typeCheckKey holds, in private state, what EC2 said about the instance
// type the last plan or apply checked, so that a plan whose instance type
// has not changed does not ask DescribeInstanceTypes again.
const typeCheckKey = "instance_type_check"

// typeCheck is what is known of an instance type: its name and whether EC2
// lists GPUs for it (all a plan needs when the type is unchanged: the gpu
// default and its validation; the architecture matters only for a change).
type typeCheck struct {
	Name string `json:"name"`
	GPU  bool   `json:"gpu"`
}

// checkedType returns the recorded check of the instance type name, if
// there is one.
func checkedType(ctx context.Context, p privateGetter, name string) (deployment.InstanceTypeInfo, bool) {
	if p == nil {
		return deployment.InstanceTypeInfo{}, false
	}
	raw, d := p.GetKey(ctx, typeCheckKey)
	if d.HasError() || len(raw) == 0 {
		return deployment.InstanceTypeInfo{}, false
	}
	var c typeCheck
	if json.Unmarshal(raw, &c) != nil || c.Name == "" || c.Name != name {
		return deployment.InstanceTypeInfo{}, false
	}
	info := deployment.InstanceTypeInfo{Name: c.Name}
	if c.GPU {
		info.GPUs = 1
	}
	return info, true
}

// recordTypeCheck keeps what EC2 said about an instance type.
func recordTypeCheck(ctx context.Context, p privateSetter, name string, gpu bool, diags *diag.Diagnostics) {
	if p == nil || name == "" {
		return
	}
	raw, _ := json.Marshal(typeCheck{Name: name, GPU: gpu})
	diags.Append(p.SetKey(ctx, typeCheckKey, raw)...)
}

// recordCreatedType records, after a create, what the plan established
// about the instance type: with gpu unset in the configuration the plan took
// gpu from the type, and gpu = true passed only on a type with GPUs; with
// gpu = false nothing is known, and the next plan asks EC2.
func recordCreatedType(ctx context.Context, p privateSetter, plan, config *deploymentModel, diags *diag.Diagnostics) {
	if plan.InstanceType.IsUnknown() || plan.GPU.IsUnknown() {
		return
	}
	if config.GPU.IsNull() || config.GPU.ValueBool() {
		recordTypeCheck(ctx, p, plan.InstanceType.ValueString(), plan.GPU.ValueBool(), diags)
	}
}
