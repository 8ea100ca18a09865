package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// configValue builds a configuration of the deployment resource from HCL-ish
// Go values: every attribute not given is null; nested attributes are maps.
func configValue(t *testing.T, attrs map[string]any) tftypes.Value {
	t.Helper()
	typ := deploymentSchema(context.Background()).Type().TerraformType(context.Background())
	return build(t, typ, attrs)
}

func build(t *testing.T, typ tftypes.Type, v any) tftypes.Value {
	t.Helper()
	if v == nil {
		return tftypes.NewValue(typ, nil)
	}
	switch typ := typ.(type) {
	case tftypes.Object:
		given, _ := v.(map[string]any)
		vals := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			vals[name] = build(t, at, given[name])
		}
		for name := range given {
			if _, ok := typ.AttributeTypes[name]; !ok {
				t.Fatalf("no attribute %q", name)
			}
		}
		return tftypes.NewValue(typ, vals)
	case tftypes.List:
		var elems []tftypes.Value
		for _, e := range v.([]any) {
			elems = append(elems, build(t, typ.ElementType, e))
		}
		return tftypes.NewValue(typ, elems)
	case tftypes.Map:
		elems := map[string]tftypes.Value{}
		for k, e := range v.(map[string]any) {
			elems[k] = build(t, typ.ElementType, e)
		}
		return tftypes.NewValue(typ, elems)
	}
	switch x := v.(type) {
	case int:
		return tftypes.NewValue(typ, x)
	case float64:
		return tftypes.NewValue(typ, x)
	}
	return tftypes.NewValue(typ, v)
}

// validate runs the resource's configuration validation as Terraform does
// (attribute validators, then ValidateConfig) and returns the errors.
func validate(t *testing.T, attrs map[string]any) []*tfprotov6.Diagnostic {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		t.Fatal(err)
	}
	v := configValue(t, attrs)
	dv, err := tfprotov6.NewDynamicValue(v.Type(), v)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "geusemaker_deployment", Config: &dv})
	if err != nil {
		t.Fatal(err)
	}
	var out []*tfprotov6.Diagnostic
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			out = append(out, d)
		}
	}
	return out
}

func describeDiags(ds []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "\n  [%v] %s: %s", d.Attribute, d.Summary, d.Detail)
	}
	return b.String()
}

// Every bad input gives exactly one error, on its attribute, whose text
// names the attribute (Terraform shows only the enclosing block for a
// nested attribute).
func TestValidateOneErrorPerMistake(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs map[string]any
		path  string
	}{
		{"name too long", map[string]any{"name": "this-deployment-name-is-far-too-long"}, "name"},
		{"name characters", map[string]any{"name": "Bad_Name"}, "name"},
		{"tier", map[string]any{"tier": 4}, "tier"},
		{"tier zero", map[string]any{"tier": 0}, "tier"},
		{"allowed cidr garbage", map[string]any{"allowed_cidr_blocks": []any{"everyone"}}, "allowed_cidr_blocks[0]"},
		{"allowed cidr octet", map[string]any{"allowed_cidr_blocks": []any{"10.0.0.300/8"}}, "allowed_cidr_blocks[0]"},
		{"ssh cidr", map[string]any{"ssh_cidr_blocks": []any{"everyone"}}, "ssh_cidr_blocks[0]"},
		{"vpc cidr garbage", map[string]any{"vpc_cidr": "abc"}, "vpc_cidr"},
		{"vpc cidr too big", map[string]any{"vpc_cidr": "10.0.0.0/8"}, "vpc_cidr"},
		{"root volume", map[string]any{"root_volume_size": 8}, "root_volume_size"},
		{"idle timeout", map[string]any{"tier": 2, "load_balancer": map[string]any{"idle_timeout_seconds": 0}}, "load_balancer.idle_timeout_seconds"},
		{"health check path", map[string]any{"tier": 2, "load_balancer": map[string]any{"health_check_path": "healthz"}}, "load_balancer.health_check_path"},
		{"origin read timeout", map[string]any{"tier": 3, "cdn": map[string]any{"origin_read_timeout_seconds": 500}}, "cdn.origin_read_timeout_seconds"},
		{"price class", map[string]any{"tier": 3, "cdn": map[string]any{"price_class": "PriceClass_1000"}}, "cdn.price_class"},
		{"load balancer certificate", map[string]any{"tier": 2, "load_balancer": map[string]any{"certificate_arn": "not-an-arn"}}, "load_balancer.certificate_arn"},
		{"cdn certificate", map[string]any{"tier": 3, "cdn": map[string]any{"certificate_arn": "not-an-arn", "aliases": []any{"ai.example.com"}}}, "cdn.certificate_arn"},
		{"unknown service", map[string]any{"services": []any{"n8n", "postgres", "redis"}}, "services[2]"},
		{"no services", map[string]any{"services": []any{}}, "services"},
		{"duplicate service", map[string]any{"services": []any{"ollama", "ollama"}}, "services"},
		{"n8n without postgres", map[string]any{"services": []any{"n8n", "ollama"}}, "services"},
		{"no subnets", map[string]any{"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": []any{}}, "subnet_ids"},
		{"one subnet on tier 2", map[string]any{"tier": 2, "vpc_id": "vpc-0123456789abcdef0", "subnet_ids": []any{"subnet-0123456789abcdef0"}}, "subnet_ids"},
		{"negative assumption", map[string]any{"cost_assumptions": map[string]any{"efs_storage_gb": -5.0}}, "cost_assumptions.efs_storage_gb"},
		{"negative requests", map[string]any{"cost_assumptions": map[string]any{"monthly_requests": -5}}, "cost_assumptions.monthly_requests"},
		{"negative timeout", map[string]any{"timeouts": map[string]any{"delete": "-5m"}}, "timeouts.delete"},
		{"zero timeout", map[string]any{"timeouts": map[string]any{"create": "0s"}}, "timeouts.create"},
		{"huge timeout", map[string]any{"timeouts": map[string]any{"update": "1000h"}}, "timeouts.update"},
		{"unparsable timeout", map[string]any{"timeouts": map[string]any{"create": "soon"}}, "timeouts.create"},
		{"reserved tag", map[string]any{"tags": map[string]any{"geusemaker:deployment": "x"}}, "tags"},
		{"performance mode", map[string]any{"efs": map[string]any{"performance_mode": "fast"}}, "efs.performance_mode"},
		{"throughput mode", map[string]any{"efs": map[string]any{"throughput_mode": "fast"}}, "efs.throughput_mode"},
		{"model name", map[string]any{"ollama_models": []any{"Bad Model"}}, "ollama_models[0]"},
		{"vpc id", map[string]any{"vpc_id": "vpc-nope", "subnet_ids": []any{"subnet-0123456789abcdef0"}}, "vpc_id"},
		{"subnet id", map[string]any{"vpc_id": "vpc-0123456789abcdef0", "subnet_ids": []any{"subnet-nope"}}, "subnet_ids[0]"},
		{"vpc without subnets", map[string]any{"vpc_id": "vpc-0123456789abcdef0"}, "subnet_ids"},
		{"subnets without vpc", map[string]any{"subnet_ids": []any{"subnet-0123456789abcdef0"}}, "subnet_ids"},
		{"domain name", map[string]any{"tier": 2, "load_balancer": map[string]any{"domain_name": "Bad_Domain", "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0b2f3c4d-1111-2222-3333-444455556666"}}, "load_balancer.domain_name"},
		{"certificate on tier 1", map[string]any{"load_balancer": map[string]any{"certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0b2f3c4d-1111-2222-3333-444455556666"}}, "load_balancer.certificate_arn"},
		{"aliases without certificate", map[string]any{"tier": 3, "cdn": map[string]any{"aliases": []any{"ai.example.com"}}}, "cdn.aliases"},
		{"duplicate aliases", map[string]any{"tier": 3, "cdn": map[string]any{"aliases": []any{"ai.example.com", "ai.example.com"}, "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/0b2f3c4d-1111-2222-3333-444455556666"}}, "cdn.aliases"},
		{"unreachable origin", map[string]any{"tier": 3, "allowed_cidr_blocks": []any{}, "cdn": map[string]any{"restrict_origin": false}}, "cdn.restrict_origin"},
		{"too many allowed networks", map[string]any{"allowed_cidr_blocks": manyCIDRs(21)}, "allowed_cidr_blocks"},
		{"duplicate allowed network", map[string]any{"allowed_cidr_blocks": []any{"10.0.0.0/8", "10.0.0.0/8"}}, "allowed_cidr_blocks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			attrs := map[string]any{"name": "ok"}
			for k, v := range tc.attrs {
				attrs[k] = v
			}
			diags := validate(t, attrs)
			if len(diags) != 1 {
				t.Fatalf("%d errors, want 1:%s", len(diags), describeDiags(diags))
			}
			d := diags[0]
			if d.Attribute == nil || !strings.HasPrefix(attributePathString(d.Attribute), tc.path) {
				t.Fatalf("error on %v, want %s:%s", d.Attribute, tc.path, describeDiags(diags))
			}
			if field := tc.path[strings.LastIndex(tc.path, ".")+1:]; strings.Contains(tc.path, ".") &&
				!strings.Contains(d.Detail, strings.TrimSuffix(field, "[0]")) && !strings.Contains(d.Summary, field) {
				t.Fatalf("the message does not name %s:%s", field, describeDiags(diags))
			}
		})
	}
	if diags := validate(t, map[string]any{"name": "ok", "timeouts": map[string]any{"create": "2h", "delete": "1m"}}); len(diags) != 0 {
		t.Fatalf("valid input refused:%s", describeDiags(diags))
	}
}

// attributePathString renders a tftypes path as "a.b[0]".
func attributePathString(p *tftypes.AttributePath) string {
	var b strings.Builder
	for _, s := range p.Steps() {
		switch s := s.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(string(s))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", int64(s))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(s))
		}
	}
	return b.String()
}

func manyCIDRs(n int) []any {
	var out []any
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("10.%d.0.0/16", i))
	}
	return out
}
