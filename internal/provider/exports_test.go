package provider

// Test-only exports for the provider_test package.

// DeploymentSchemaV0Attributes lists the top-level attributes of schema
// version 0, so acceptance tests can write a version 0 state.
func DeploymentSchemaV0Attributes() []string {
	var out []string
	for name := range deploymentSchemaV0().Attributes {
		out = append(out, name)
	}
	return out
}
