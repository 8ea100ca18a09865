package provider

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider/schema"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
)

// Every service the provider calls has an endpoint argument, and the
// endpoints block hands each one to the client factory, so that nothing
// escapes an emulator or a private endpoint.
func TestEndpointsCoverEveryService(t *testing.T) {
	block := providerSchema(context.Background()).Blocks["endpoints"].(schema.ListNestedBlock)
	attrs := slices.Sorted(maps.Keys(block.NestedObject.Attributes))
	if want := slices.Sorted(slices.Values(conns.Services)); !slices.Equal(attrs, want) {
		t.Fatalf("endpoints block %v, services %v", attrs, want)
	}
	if keys := slices.Sorted(maps.Keys(endpointsModel{}.asMap())); !slices.Equal(keys, attrs) {
		t.Fatalf("asMap keys %v, endpoints %v", keys, attrs)
	}
}
