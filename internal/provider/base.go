package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
)

// clientFrom type-asserts the provider data handed to resources and data
// sources; nil means the provider is not configured yet (validation time).
func clientFrom(data any, diags *diag.Diagnostics) *conns.AWSClient {
	if data == nil {
		return nil
	}
	c, ok := data.(*conns.AWSClient)
	if !ok {
		diags.AddError("Unexpected Provider Data Type",
			fmt.Sprintf("Expected *conns.AWSClient, got: %T. Please report this issue to the provider developers.", data))
		return nil
	}
	return c
}
