package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
)

// describedEverywhere fails for each attribute, nested ones included,
// without a MarkdownDescription.
func describedEverywhere(t *testing.T, prefix string, attrs map[string]schema.Attribute) {
	t.Helper()
	for name, a := range attrs {
		if a.GetMarkdownDescription() == "" {
			t.Errorf("%s%s has no MarkdownDescription", prefix, name)
		}
		switch a := a.(type) {
		case schema.SingleNestedAttribute:
			describedEverywhere(t, prefix+name+".", a.Attributes)
		case schema.ListNestedAttribute:
			describedEverywhere(t, prefix+name+".", a.NestedObject.Attributes)
		}
	}
}

func dataSourceSchema(t *testing.T, d datasource.DataSource) schema.Schema {
	t.Helper()
	var resp datasource.SchemaResponse
	d.Schema(context.Background(), datasource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatal(diags)
	}
	return resp.Schema
}

// The inspection data source mirrors the resource: every resource attribute
// but timeouts, computed, with the resource's type, description and
// sensitivity.
func TestDeploymentDataSourceSchemaMirrorsResource(t *testing.T) {
	ctx := context.Background()
	ds := dataSourceSchema(t, newDeploymentDataSource())
	rs := deploymentSchema(ctx)
	for name, ra := range rs.Attributes {
		da, ok := ds.Attributes[name]
		if resourceOnlyAttributes[name] {
			if ok {
				t.Errorf("%s is resource-only but the data source has it", name)
			}
			continue
		}
		if !ok {
			t.Errorf("the data source lacks the resource attribute %s", name)
			continue
		}
		if !da.GetType().Equal(ra.GetType()) {
			t.Errorf("%s: type %s, resource %s", name, da.GetType(), ra.GetType())
		}
		if da.IsSensitive() != ra.IsSensitive() {
			t.Errorf("%s: sensitive %v, resource %v", name, da.IsSensitive(), ra.IsSensitive())
		}
		if name == "name" {
			if !da.IsRequired() || da.IsComputed() {
				t.Errorf("name must be required")
			}
			continue
		}
		if !da.IsComputed() || da.IsOptional() || da.IsRequired() {
			t.Errorf("%s must be computed only", name)
		}
		if da.GetMarkdownDescription() != ra.GetMarkdownDescription() {
			t.Errorf("%s: description %q, resource %q", name, da.GetMarkdownDescription(), ra.GetMarkdownDescription())
		}
	}
	for _, extra := range []string{"cloudfront_origin", "cloudfront_cache_behaviors"} {
		if _, ok := ds.Attributes[extra]; !ok {
			t.Errorf("the data source lacks %s", extra)
		}
	}
	if len(ds.Attributes) != len(rs.Attributes)-len(resourceOnlyAttributes)+2 {
		t.Errorf("the data source has %d attributes, want the resource's %d minus %d plus 2", len(ds.Attributes), len(rs.Attributes), len(resourceOnlyAttributes))
	}
	describedEverywhere(t, "", ds.Attributes)
}

func TestDeploymentsDataSourceSchemaDescribed(t *testing.T) {
	describedEverywhere(t, "", dataSourceSchema(t, newDeploymentsDataSource()).Attributes)
}
