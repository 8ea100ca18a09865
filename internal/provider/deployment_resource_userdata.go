package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

// checkUserData refuses at plan time a boot script EC2 would refuse at
// launch (over 16 KB of user data), once what it is rendered from is known.
func checkUserData(ctx context.Context, plan *deploymentModel, region string, diags *diag.Diagnostics) {
	if plan.Services.IsUnknown() || plan.OllamaModels.IsUnknown() || plan.GPU.IsUnknown() || plan.Tier.IsUnknown() || plan.Name.IsUnknown() {
		return
	}
	spec := &deployment.Spec{
		Name: plan.Name.ValueString(), Region: region, Tier: int(plan.Tier.ValueInt64()), GPU: plan.GPU.ValueBool(),
		Services: listOf(ctx, plan.Services, diags), Models: listOf(ctx, plan.OllamaModels, diags),
	}
	if fe := spec.CheckUserData(); fe != nil {
		diags.AddAttributeError(fieldPath(fe.Path), fe.Summary, fe.Detail)
	}
}

func unknownStringList() types.List { return types.ListUnknown(types.StringType) }
