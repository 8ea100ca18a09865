package provider

import (
	"context"
	"math/big"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// v0Mapping says where one version 0 attribute lands in the current
// schema: v1 names the attribute (dotted for nested ones); conv turns the old
// value into the new one (nil: unchanged); check replaces the equality test
// when the value is merged rather than copied; dropped explains an attribute
// that intentionally has no place in version 1.
type v0Mapping struct {
	v0, v1  string
	conv    func(tftypes.Value) tftypes.Value
	check   func(t *testing.T, old, upgraded tftypes.Value)
	dropped string
}

var v0Mappings = []v0Mapping{
	{v0: "id", v1: "id"},
	{v0: "name", v1: "name"},
	{v0: "tier", v1: "tier", conv: func(v tftypes.Value) tftypes.Value {
		var s string
		_ = v.As(&s)
		return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(tiersV0[s])))
	}},
	{v0: "instance_type", v1: "instance_type"},
	{v0: "ami_id", v1: "ami_id"},
	{v0: "keypair_name", v1: "key_name"},
	{v0: "root_volume_size", v1: "root_volume_size"},
	{v0: "vpc_id", v1: "vpc_id"},
	{v0: "subnet_ids", v1: "subnet_ids"},
	{v0: "vpc_cidr", v1: "vpc_cidr"},
	{v0: "allowed_cidr_blocks", v1: "allowed_cidr_blocks"},
	{v0: "ssh_cidr_blocks", v1: "ssh_cidr_blocks"},
	{v0: "services", v1: "services"},
	{v0: "ollama_models", v1: "ollama_models"},
	{v0: "efs", v1: "efs", check: func(t *testing.T, _, upgraded tftypes.Value) {
		// The block itself: its two attributes are checked below, the
		// attribute version 0 lacked gets its default.
		assertAt(t, upgraded, "efs.retain_on_delete", tftypes.NewValue(tftypes.Bool, false))
	}},
	{v0: "efs.performance_mode", v1: "efs.performance_mode"},
	{v0: "efs.throughput_mode", v1: "efs.throughput_mode"},
	{v0: "certificate_arn", v1: "load_balancer.certificate_arn"},
	{v0: "alb_domain_name", v1: "load_balancer.domain_name"},
	{v0: "auto_rollback_on_failure", v1: "rollback_on_failure"},
	{v0: "tags", v1: "tags"},
	{v0: "tags_all", v1: "tags_all"},
	{v0: "timeouts", v1: "timeouts"},
	{v0: "timeouts.create", v1: "timeouts.create"},
	{v0: "timeouts.update", v1: "timeouts.update"},
	{v0: "timeouts.delete", v1: "timeouts.delete"},
	{v0: "status", v1: "status"},
	{v0: "n8n_url", v1: "url"},
	{v0: "https_endpoint", dropped: "it is `url` whenever load_balancer.certificate_arn is set (and empty otherwise); version 1 does not keep the duplicate"},
	{v0: "security_group_id", v1: "security_group_id"},
	{v0: "efs_security_group_id", v1: "efs_security_group_id"},
	{v0: "alb_security_group_id", v1: "alb_security_group_id"},
	{v0: "internet_gateway_id", v1: "internet_gateway_id"},
	{v0: "route_table_id", v1: "route_table_id"},
	{v0: "iam_role_name", v1: "iam_role_name"},
	{v0: "iam_instance_profile_name", v1: "iam_instance_profile_name"},
	{v0: "efs_id", v1: "efs_id"},
	{v0: "efs_mount_target_id", v1: "efs_mount_target_ids", check: func(t *testing.T, old, upgraded tftypes.Value) {
		var id string
		_ = old.As(&id)
		ids := stringsAt(t, upgraded, "efs_mount_target_ids")
		if !containsString(ids, id) {
			t.Errorf("efs_mount_target_id %q is not in efs_mount_target_ids %v", id, ids)
		}
	}},
	{v0: "efs_mount_target_ids", v1: "efs_mount_target_ids", check: func(t *testing.T, old, upgraded tftypes.Value) {
		var elems []tftypes.Value
		_ = old.As(&elems)
		ids := stringsAt(t, upgraded, "efs_mount_target_ids")
		for _, e := range elems {
			var id string
			_ = e.As(&id)
			if !containsString(ids, id) {
				t.Errorf("mount target %q was dropped: efs_mount_target_ids = %v", id, ids)
			}
		}
	}},
	{v0: "instance_id", v1: "instance_id"},
	{v0: "private_ip", v1: "private_ip"},
	{v0: "public_ip", v1: "public_ip"},
	{v0: "availability_zone", v1: "availability_zone"},
	{v0: "alb_arn", v1: "alb_arn"},
	{v0: "alb_dns", v1: "alb_dns_name"},
	{v0: "alb_zone_id", v1: "alb_zone_id"},

	{v0: "target_group_arn", v1: "target_group_arn"},
	{v0: "listener_arns", v1: "listener_arns"},
	{v0: "cloudfront_id", v1: "cloudfront_distribution_id"},
	{v0: "cloudfront_domain", v1: "cloudfront_domain_name"},
}

// v1Derived are the current attributes version 0 had no source for, and
// where the upgrader takes them from.
var v1Derived = map[string]string{
	"gpu":                        "whether the instance type's family has NVIDIA GPUs (offline table; the next plan checks EC2)",
	"gpu_enabled":                "= gpu",
	"gpu_instance_type":          "instance_type when gpu",
	"gpu_ami_id":                 "ami_id when gpu",
	"gpu_model":                  "null until the refresh reads the instance's console",
	"gpu_count":                  "null until the refresh reads the instance's console",
	"gpu_memory_mib":             "null until the refresh reads the instance's console",
	"gpu_health_status":          "\"unknown\" when gpu, until the refresh reads the console",
	"load_balancer":              "defaults, with certificate_arn and domain_name moved in",
	"cdn":                        "defaults; restrict_origin false for tier 3 (version 0 had no origin protection)",
	"cost_assumptions":           "defaults",
	"capacity":                   "defaults: on-demand (version 0 launched on-demand only)",
	"instance_lifecycle":         "\"on-demand\" when there is an instance (version 0 launched on-demand only), as the refresh reads it",
	"spot_price":                 "null (on-demand)",
	"wait_for_ready":             "true (what version 0 always did)",
	"service_urls":               "n8n_url plus each service's path",
	"cloudfront_status":          "null; the refresh reads it",
	"cloudfront_arn":             "built from the distribution id and the load balancer ARN's account",
	"cloudfront_hosted_zone_id":  "CloudFront's zone when a distribution exists",
	"origin_verify_header_value": "null (no origin protection in version 0)",
	"estimated_hourly_cost":      "the embedded price table",
	"estimated_monthly_cost":     "the embedded price table",
	"cost_breakdown":             "the embedded price table",
	"drift":                      "empty: nothing known changed; the refresh reads AWS",
	"domain":                     "null: version 0 had no custom domain",
	"domain_certificate_arns":    "null: version 0 had no custom domain",
	"n8n_owner_email":            "the default (version 0 had no credentials)",
	"credentials_rotation":       "null (no rotation yet)",
	"verify_reachability":        "true (the default)",
	"service_credentials":        "null: version 0 had none; the refresh reads what SSM holds (nothing for a deployment of that release, whose next apply generates them)",
	"ssm_parameter_names":        "null: the refresh lists the parameters SSM holds",
}

// attributeNames lists a schema's attributes, nested ones dotted.
func attributeNames(attrs map[string]schema.Attribute, prefix string) []string {
	var out []string
	for name, a := range attrs {
		out = append(out, prefix+name)
		if n, ok := a.(schema.SingleNestedAttribute); ok {
			out = append(out, attributeNames(n.Attributes, prefix+name+".")...)
		}
	}
	sort.Strings(out)
	return out
}

func TestUpgradeV0_everyAttributeMapped(t *testing.T) {
	mapped := map[string]v0Mapping{}
	for _, m := range v0Mappings {
		if _, dup := mapped[m.v0]; dup {
			t.Errorf("%s is mapped twice", m.v0)
		}
		if (m.v1 == "") == (m.dropped == "") {
			t.Errorf("%s: a mapping needs either a version 1 attribute or the reason it is dropped", m.v0)
		}
		mapped[m.v0] = m
	}
	names := attributeNames(deploymentSchemaV0().Attributes, "")
	for _, name := range names {
		if _, ok := mapped[name]; !ok {
			t.Errorf("version 0 attribute %q is not covered by v0Mappings: say where it lands in version 1 or why it is dropped", name)
		}
	}
	for name := range mapped {
		if !containsString(names, name) {
			t.Errorf("v0Mappings names %q, which version 0 does not have", name)
		}
	}
	// And the other way: every current attribute is fed by version 0 or
	// derived, so a new attribute cannot be forgotten by this upgrader.
	current := deploymentSchema(context.Background()).Attributes
	targets := map[string]bool{}
	for _, m := range v0Mappings {
		if m.v1 != "" {
			targets[strings.Split(m.v1, ".")[0]] = true
		}
	}
	for name := range current {
		_, derived := v1Derived[name]
		if !targets[name] && !derived {
			t.Errorf("current attribute %q has no source in the version 0 upgrade: map it in v0Mappings or explain it in v1Derived", name)
		}
	}
	for name := range v1Derived {
		if _, ok := current[name]; !ok {
			t.Errorf("v1Derived names %q, which the current schema does not have", name)
		}
	}
}

func TestUpgradeV0_mappings(t *testing.T) {
	for _, tc := range upgradeCases() {
		t.Run(tc.name, func(t *testing.T) {
			upgraded := runUpgradeV0(t, tc.state)
			for _, m := range v0Mappings {
				if m.v1 == "" {
					continue
				}
				old := valueAt(t, tc.state, m.v0)
				if m.check != nil {
					if !old.IsNull() {
						m.check(t, old, upgraded)
					}
					continue
				}
				want := old
				if m.conv != nil && !old.IsNull() {
					want = m.conv(old)
				}
				if old.IsNull() {
					continue // nulls get defaults: TestUpgradeV0_nullsGetDefaults
				}
				assertAt(t, upgraded, m.v1, want)
			}
			tc.derived(t, upgraded)
		})
	}
}

type upgradeCase struct {
	name    string
	state   tftypes.Value
	derived func(t *testing.T, upgraded tftypes.Value)
}

func upgradeCases() []upgradeCase {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	num := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(n))) }
	list := func(elems ...string) tftypes.Value {
		vals := make([]tftypes.Value, len(elems))
		for i, e := range elems {
			vals[i] = str(e)
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vals)
	}
	smap := func(kv ...string) tftypes.Value {
		vals := map[string]tftypes.Value{}
		for i := 0; i < len(kv); i += 2 {
			vals[kv[i]] = str(kv[i+1])
		}
		return tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, vals)
	}
	typ := v0Type()
	efs := tftypes.NewValue(typ.AttributeTypes["efs"], map[string]tftypes.Value{"performance_mode": str("maxIO"), "throughput_mode": str("elastic")})
	timeouts := tftypes.NewValue(typ.AttributeTypes["timeouts"], map[string]tftypes.Value{"create": str("50m"), "update": str("40m"), "delete": str("30m")})
	common := map[string]tftypes.Value{
		"root_volume_size": num(80), "allowed_cidr_blocks": list("203.0.113.0/24"), "ssh_cidr_blocks": list("198.51.100.7/32"),
		"services": list("n8n", "postgres", "ollama"), "efs": efs, "auto_rollback_on_failure": tftypes.NewValue(tftypes.Bool, false),
		"tags": smap("team", "ai"), "tags_all": smap("team", "ai", "env", "prod"), "timeouts": timeouts, "status": str("running"),
		"vpc_cidr": str("10.20.0.0/16"), "security_group_id": str("sg-0a1b2c3d4e5f60001"), "efs_security_group_id": str("sg-0a1b2c3d4e5f60002"),
		"iam_role_name": str("geusemaker-x-us-east-1"), "iam_instance_profile_name": str("geusemaker-x-us-east-1"), "efs_id": str("fs-0a1b2c3d4e5f60001"),
		"instance_id": str("i-0a1b2c3d4e5f60001"), "private_ip": str("10.20.0.10"), "public_ip": str("203.0.113.10"), "availability_zone": str("us-east-1a"),
	}
	with := func(extra map[string]tftypes.Value) tftypes.Value {
		vals := map[string]tftypes.Value{}
		for k, v := range common {
			vals[k] = v
		}
		for k, v := range extra {
			vals[k] = v
		}
		return v0Value(vals)
	}
	null := func(path string) func(*testing.T, tftypes.Value) {
		return func(t *testing.T, up tftypes.Value) {
			t.Helper()
			if v := valueAt(t, up, path); !v.IsNull() {
				t.Errorf("%s = %v, want null", path, v)
			}
		}
	}
	return []upgradeCase{
		{
			name: "tier 1 dev, dedicated VPC",
			state: with(map[string]tftypes.Value{
				"id": str("alpha"), "name": str("alpha"), "tier": str("dev"), "instance_type": str("t3.large"), "ami_id": str("ami-0a1b2c3d4e5f60001"),
				"keypair_name": str("ops"), "vpc_id": str("vpc-0a1b2c3d4e5f60001"), "subnet_ids": list("subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"),
				"ollama_models": list("qwen3:0.6b"), "internet_gateway_id": str("igw-0a1b2c3d4e5f60001"), "route_table_id": str("rtb-0a1b2c3d4e5f60001"),
				"efs_mount_target_id": str("fsmt-0a1b2c3d4e5f60001"), "efs_mount_target_ids": list("fsmt-0a1b2c3d4e5f60001", "fsmt-0a1b2c3d4e5f60002"),
				"n8n_url": str("http://ec2-203-0-113-10.compute-1.amazonaws.com"), "listener_arns": list(),
			}),
			derived: func(t *testing.T, up tftypes.Value) {
				assertAt(t, up, "gpu", tftypes.NewValue(tftypes.Bool, false))
				assertAt(t, up, "gpu_enabled", tftypes.NewValue(tftypes.Bool, false))
				for _, p := range []string{"gpu_instance_type", "gpu_ami_id", "gpu_model", "gpu_count", "gpu_memory_mib", "gpu_health_status",
					"cloudfront_distribution_id", "cloudfront_domain_name", "cloudfront_status", "cloudfront_arn", "cloudfront_hosted_zone_id",
					"origin_verify_header_value", "alb_arn", "load_balancer.certificate_arn", "load_balancer.domain_name"} {
					null(p)(t, up)
				}
				assertAt(t, up, "efs_mount_target_ids", list("fsmt-0a1b2c3d4e5f60001", "fsmt-0a1b2c3d4e5f60002"))
				assertAt(t, up, "service_urls", smap("n8n", "http://ec2-203-0-113-10.compute-1.amazonaws.com/", "ollama", "http://ec2-203-0-113-10.compute-1.amazonaws.com/api/ollama/"))
				assertAt(t, up, "wait_for_ready", tftypes.NewValue(tftypes.Bool, true))
				assertAt(t, up, "cdn.restrict_origin", tftypes.NewValue(tftypes.Bool, true))
				assertDefaultLoadBalancer(t, up)
				assertCostKnown(t, up)
			},
		},
		{
			name: "tier 2 automation, own VPC, HTTPS",
			state: with(map[string]tftypes.Value{
				"id": str("beta"), "name": str("beta"), "tier": str("automation"), "instance_type": str("m6i.large"), "ami_id": str("ami-0a1b2c3d4e5f60002"),
				"vpc_id": str("vpc-0a1b2c3d4e5f60009"), "subnet_ids": list("subnet-0a1b2c3d4e5f60009", "subnet-0a1b2c3d4e5f6000a"),
				"ollama_models": list("llama3.2:3b"), "alb_security_group_id": str("sg-0a1b2c3d4e5f60003"),
				"certificate_arn": str("arn:aws:acm:us-east-1:123456789012:certificate/8f1d1d9e-4b6c-4a2e-9d6b-3c1f0e2a7b55"),
				"alb_domain_name": str("ai.example.com"), "https_endpoint": str("https://ai.example.com"), "n8n_url": str("https://ai.example.com"),
				"efs_mount_target_id": str("fsmt-0a1b2c3d4e5f60003"),
				"alb_arn":             str("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/beta-alb/50dc6c495c0c9188"),
				"alb_dns":             str("beta-alb-1234567890.us-east-1.elb.amazonaws.com"), "alb_zone_id": str("Z35SXDOTRQ7X7K"),
				"target_group_arn": str("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/beta-tg/73e2d6bc24d8a067"),
				"listener_arns": list("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/beta-alb/50dc6c495c0c9188/f2f7dc8efc522ab2",
					"arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/beta-alb/50dc6c495c0c9188/f2f7dc8efc522ab3"),
			}),
			derived: func(t *testing.T, up tftypes.Value) {
				assertAt(t, up, "tier", num(2))
				assertAt(t, up, "efs_mount_target_ids", list("fsmt-0a1b2c3d4e5f60003"))
				assertAt(t, up, "load_balancer.ssl_policy", str(deployment.DefaultSSLPolicy))
				assertAt(t, up, "load_balancer.idle_timeout_seconds", num(deployment.DefaultIdleTimeout))
				assertAt(t, up, "load_balancer.health_check_path", str(deployment.DefaultHealthCheckPath))
				assertAt(t, up, "load_balancer.deletion_protection", tftypes.NewValue(tftypes.Bool, false))
				assertAt(t, up, "service_urls", smap("n8n", "https://ai.example.com/", "ollama", "https://ai.example.com/api/ollama/"))
				null("cloudfront_distribution_id")(t, up)
				null("cloudfront_hosted_zone_id")(t, up)
				assertCostKnown(t, up)
			},
		},
		{
			name: "tier gpu carrying cloudfront_id",
			state: with(map[string]tftypes.Value{
				"id": str("gamma"), "name": str("gamma"), "tier": str("gpu"), "instance_type": str("g5.xlarge"), "ami_id": str("ami-0a1b2c3d4e5f60003"),
				"vpc_id": str("vpc-0a1b2c3d4e5f6000b"), "subnet_ids": list("subnet-0a1b2c3d4e5f6000b", "subnet-0a1b2c3d4e5f6000c"),
				"internet_gateway_id": str("igw-0a1b2c3d4e5f6000b"), "route_table_id": str("rtb-0a1b2c3d4e5f6000b"),
				"alb_security_group_id": str("sg-0a1b2c3d4e5f60004"), "efs_mount_target_ids": list("fsmt-0a1b2c3d4e5f60004"),
				"alb_arn": str("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/gamma-alb/50dc6c495c0c9189"),
				"alb_dns": str("gamma-alb-1234567890.us-east-1.elb.amazonaws.com"), "alb_zone_id": str("Z35SXDOTRQ7X7K"),
				"target_group_arn": str("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/gamma-tg/73e2d6bc24d8a068"),
				"listener_arns":    list("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/gamma-alb/50dc6c495c0c9189/f2f7dc8efc522ab4"),
				"cloudfront_id":    str("E2QWRUHAPOMQZL"), "cloudfront_domain": str("d111111abcdef8.cloudfront.net"),
				"n8n_url": str("https://d111111abcdef8.cloudfront.net"),
			}),
			derived: func(t *testing.T, up tftypes.Value) {
				assertAt(t, up, "tier", num(3))
				assertAt(t, up, "gpu", tftypes.NewValue(tftypes.Bool, true))
				assertAt(t, up, "gpu_enabled", tftypes.NewValue(tftypes.Bool, true))
				assertAt(t, up, "gpu_instance_type", str("g5.xlarge"))
				assertAt(t, up, "gpu_ami_id", str("ami-0a1b2c3d4e5f60003"))
				assertAt(t, up, "gpu_health_status", str("unknown"))
				null("gpu_model")(t, up)
				null("gpu_count")(t, up)
				null("cloudfront_status")(t, up)
				null("origin_verify_header_value")(t, up)
				assertAt(t, up, "cloudfront_hosted_zone_id", str(deployment.CloudFrontHostedZoneID))
				assertAt(t, up, "cloudfront_arn", str("arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL"))
				assertAt(t, up, "cdn.restrict_origin", tftypes.NewValue(tftypes.Bool, false))
				assertAt(t, up, "cdn.price_class", str(deployment.DefaultPriceClass))
				assertAt(t, up, "ollama_models", list(userdata.DefaultModels(true)...))
				assertCostKnown(t, up)
			},
		},
	}
}

func TestUpgradeV0_nullsGetDefaults(t *testing.T) {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	up := runUpgradeV0(t, v0Value(map[string]tftypes.Value{"name": str("delta"), "instance_type": str("t3.large"), "availability_zone": str("eu-west-1b")}))
	list := func(elems ...string) tftypes.Value {
		vals := make([]tftypes.Value, len(elems))
		for i, e := range elems {
			vals[i] = str(e)
		}
		return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, vals)
	}
	assertAt(t, up, "id", str("delta"))
	assertAt(t, up, "tier", tftypes.NewValue(tftypes.Number, big.NewFloat(1)))
	assertAt(t, up, "root_volume_size", tftypes.NewValue(tftypes.Number, big.NewFloat(deployment.DefaultRootVolumeGiB)))
	assertAt(t, up, "vpc_cidr", str(deployment.DefaultVPCCIDR))
	assertAt(t, up, "allowed_cidr_blocks", list("0.0.0.0/0"))
	assertAt(t, up, "ssh_cidr_blocks", list())
	assertAt(t, up, "services", list(userdata.DefaultServices()...))
	assertAt(t, up, "ollama_models", list(userdata.DefaultModels(false)...))
	assertAt(t, up, "efs.performance_mode", str("generalPurpose"))
	assertAt(t, up, "efs.throughput_mode", str("bursting"))
	assertAt(t, up, "rollback_on_failure", tftypes.NewValue(tftypes.Bool, true))
	assertAt(t, up, "subnet_ids", list())
	assertAt(t, up, "efs_mount_target_ids", list())
	assertAt(t, up, "listener_arns", list())
	assertAt(t, up, "service_urls", tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, map[string]tftypes.Value{}))
	assertCostKnown(t, up) // the region came from the availability zone
}

func TestUpgradeV0_unknownTier(t *testing.T) {
	ctx := context.Background()
	r := &deploymentResource{}
	up := r.UpgradeState(ctx)[0]
	raw := v0Value(map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "x"), "tier": tftypes.NewValue(tftypes.String, "production")})
	resp := upgradeResponse(ctx)
	up.StateUpgrader(ctx, resource.UpgradeStateRequest{State: &tfsdk.State{Raw: raw, Schema: *up.PriorSchema}}, resp)
	if !resp.Diagnostics.HasError() {
		t.Fatal("an unknown tier upgraded without error")
	}
	if d := resp.Diagnostics.Errors()[0]; d.Summary() != "Version 1 State Upgrade Error" || !strings.Contains(d.Detail(), `"production"`) {
		t.Errorf("diagnostic = %q: %q", d.Summary(), d.Detail())
	}
}

func TestUpgradeHasGPU(t *testing.T) {
	for typ, want := range map[string]bool{"g5.xlarge": true, "g4dn.2xlarge": true, "p4d.24xlarge": true, "g5g.xlarge": true,
		"g4ad.xlarge": false, "t3.large": false, "m7g.large": false, "": false, "g5": false} {
		if got := upgradeHasGPU(typ); got != want {
			t.Errorf("upgradeHasGPU(%q) = %v, want %v", typ, got, want)
		}
	}
}

// --- helpers -----------------------------------------------------------

func v0Type() tftypes.Object {
	return deploymentSchemaV0().Type().TerraformType(context.Background()).(tftypes.Object)
}

// v0Value is a version 0 state: vals, and null for every other attribute.
func v0Value(vals map[string]tftypes.Value) tftypes.Value {
	typ := v0Type()
	all := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := vals[name]; ok {
			all[name] = v
		} else {
			all[name] = tftypes.NewValue(at, nil)
		}
	}
	return tftypes.NewValue(typ, all)
}

func upgradeResponse(ctx context.Context) *resource.UpgradeStateResponse {
	s := deploymentSchema(ctx)
	return &resource.UpgradeStateResponse{State: tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}}
}

// runUpgradeV0 upgrades a raw version 0 state the way the framework does.
func runUpgradeV0(t *testing.T, raw tftypes.Value) tftypes.Value {
	t.Helper()
	ctx := context.Background()
	r := &deploymentResource{}
	up, ok := r.UpgradeState(ctx)[0]
	if !ok || up.PriorSchema == nil {
		t.Fatal("no upgrader with a prior schema for version 0")
	}
	resp := upgradeResponse(ctx)
	up.StateUpgrader(ctx, resource.UpgradeStateRequest{State: &tfsdk.State{Raw: raw, Schema: *up.PriorSchema}}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("upgrade: %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsFullyKnown() {
		t.Fatalf("the upgraded state has unknown values: %v", resp.State.Raw)
	}
	return resp.State.Raw
}

func valueAt(t *testing.T, v tftypes.Value, dotted string) tftypes.Value {
	t.Helper()
	p := tftypes.NewAttributePath()
	for _, part := range strings.Split(dotted, ".") {
		p = p.WithAttributeName(part)
	}
	got, _, err := tftypes.WalkAttributePath(v, p)
	if err != nil {
		t.Fatalf("%s: %v", dotted, err)
	}
	return got.(tftypes.Value)
}

func assertAt(t *testing.T, v tftypes.Value, dotted string, want tftypes.Value) {
	t.Helper()
	if got := valueAt(t, v, dotted); !got.Equal(want) {
		t.Errorf("%s = %v, want %v", dotted, got, want)
	}
}

func stringsAt(t *testing.T, v tftypes.Value, dotted string) []string {
	t.Helper()
	var elems []tftypes.Value
	if err := valueAt(t, v, dotted).As(&elems); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		_ = e.As(&out[i])
	}
	return out
}

func assertDefaultLoadBalancer(t *testing.T, up tftypes.Value) {
	t.Helper()
	assertAt(t, up, "load_balancer.ssl_policy", tftypes.NewValue(tftypes.String, deployment.DefaultSSLPolicy))
	assertAt(t, up, "load_balancer.health_check_path", tftypes.NewValue(tftypes.String, deployment.DefaultHealthCheckPath))
}

func assertCostKnown(t *testing.T, up tftypes.Value) {
	t.Helper()
	for _, p := range []string{"estimated_hourly_cost", "estimated_monthly_cost", "cost_breakdown", "cost_assumptions.monthly_requests"} {
		if v := valueAt(t, up, p); v.IsNull() {
			t.Errorf("%s is null after the upgrade", p)
		}
	}
}
