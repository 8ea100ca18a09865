package deployment

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

func legacyFixture(name string) string { return filepath.Join("testdata", "legacy", name) }

func TestReadLegacyState_fixtures(t *testing.T) {
	for _, tc := range []struct {
		file       string
		version    int
		name       string
		tier       int
		createdVPC bool
		gpu        bool
		typ        string
		cert       string
		domain     string
		alb, cdn   bool
		notes      []string
	}{
		{file: "v1-tier1.json", version: 1, name: "cli-dev1", tier: TierDev, createdVPC: true, typ: "t3.medium"},
		{file: "v2-tier1.json", version: 2, name: "cli-dev2", tier: TierDev, createdVPC: true, typ: "t3.medium",
			notes: []string{"use_spot was set", "budget_limit (50.00 USD)", `keypair_name "ops-key"`}},
		{file: "v1-tier2.json", version: 1, name: "cli-auto1", tier: TierAutomation, typ: "t3.large", alb: true},
		{file: "v2-tier2.json", version: 2, name: "cli-auto2", tier: TierAutomation, createdVPC: true, typ: "t3.large", alb: true,
			cert: "arn:aws:acm:us-east-1:123456789012:certificate/8f1d1d9e-4b6c-4a2e-9d6b-3c1f0e2a7b55", domain: "n8n.example.com"},
		{file: "v2-tier3.json", version: 2, name: "cli-gpu", tier: TierGPU, createdVPC: true, gpu: true, typ: "g4dn.xlarge", alb: true, cdn: true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			l, err := ReadLegacyState(legacyFixture(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			s, st := l.Spec, l.State
			if l.SchemaVersion != tc.version || s.Name != tc.name || s.Tier != tc.tier || st.Tier != tc.tier || l.CreatedVPC != tc.createdVPC || st.OwnedNetwork != tc.createdVPC {
				t.Errorf("version %d name %q tier %d/%d created VPC %v/%v", l.SchemaVersion, s.Name, s.Tier, st.Tier, l.CreatedVPC, st.OwnedNetwork)
			}
			if !filepath.IsAbs(l.Path) {
				t.Errorf("path %q is not absolute", l.Path)
			}
			// Spec: the file's settings and the CLI's fixed ones.
			if s.Region != "us-east-1" || s.InstanceType != tc.typ || s.GPU != tc.gpu || s.RootVolumeGiB != legacyRootVolumeGiB ||
				!slices.Equal(s.SSHCIDRs, []string{"0.0.0.0/0"}) || !slices.Equal(s.AllowedCIDRs, []string{"0.0.0.0/0"}) ||
				!slices.Equal(s.Services, userdata.DefaultServices()) || !slices.Equal(s.Models, userdata.DefaultModels(tc.gpu)) ||
				!s.RollbackOnFail || !s.WaitForReady || len(s.Tags) != 0 {
				t.Errorf("spec = %+v", s)
			}
			if (s.VPCID == "") != tc.createdVPC {
				t.Errorf("spec.VPCID = %q with created VPC %v", s.VPCID, tc.createdVPC)
			}
			if s.LoadBalancer.CertificateARN != tc.cert || s.LoadBalancer.DomainName != tc.domain {
				t.Errorf("load balancer = %+v", s.LoadBalancer)
			}
			if tc.alb && (s.LoadBalancer.IdleTimeoutSeconds != legacyIdleTimeout || s.LoadBalancer.HealthCheckPath != "/healthz") {
				t.Errorf("load balancer = %+v, want the CLI's idle timeout and health check", s.LoadBalancer)
			}
			if tc.cdn != (s.CDN.OriginReadTimeoutSeconds == legacyOriginReadTimeout && !s.CDN.RestrictOrigin) {
				t.Errorf("cdn = %+v", s.CDN)
			}
			// State: every id of the file.
			var f map[string]any
			raw, _ := os.ReadFile(legacyFixture(tc.file))
			_ = json.Unmarshal(raw, &f)
			str := func(k string) string { v, _ := f[k].(string); return v }
			if st.VPCID != str("vpc_id") || len(st.SubnetIDs) != 4 || st.InstanceSecurityGroupID != str("security_group_id") ||
				st.EFSSecurityGroupID != str("security_group_id") || st.EFSID != str("efs_id") || !slices.Equal(st.MountTargetIDs, []string{str("efs_mount_target_id")}) ||
				st.InstanceID != str("instance_id") || st.PublicIP != str("public_ip") || st.PrivateIP != str("private_ip") ||
				st.RoleName != tc.name+"-efs-mount-role" || st.ProfileName != tc.name+"-instance-profile" || st.RoleARN != str("iam_role_arn") ||
				st.ALBARN != str("alb_arn") || st.ALBDNSName != str("alb_dns") || st.TargetGroupARN != str("target_group_arn") ||
				st.DistributionID != str("cloudfront_id") || st.DistributionDomain != str("cloudfront_domain") ||
				!st.AdoptedInstance || st.Nonce == "" || st.CreatedAt.IsZero() || st.Status != StatusRunning {
				t.Errorf("state = %+v", st)
			}
			if (st.ALBSecurityGroupID != "") != tc.alb {
				t.Errorf("ALB security group %q", st.ALBSecurityGroupID)
			}
			for _, n := range tc.notes {
				if !slices.ContainsFunc(l.Notes, func(s string) bool { return strings.Contains(s, n) }) {
					t.Errorf("no note mentions %q: %q", n, l.Notes)
				}
			}
			if len(tc.notes) == 0 && len(l.Notes) != 0 {
				t.Errorf("notes = %q", l.Notes)
			}
			ids := l.LegacyResourceIDs()
			if !slices.Contains(ids, "instance_id "+str("instance_id")) || !slices.Contains(ids, "efs_mount_target_ids "+str("efs_mount_target_id")) {
				t.Errorf("resource ids = %v", ids)
			}
		})
	}
}

// editFixture returns a fixture's JSON after edit.
func editFixture(t *testing.T, name string, edit func(map[string]any)) []byte {
	t.Helper()
	raw, err := os.ReadFile(legacyFixture(name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	out, _ := json.Marshal(doc)
	return out
}

func TestParseLegacyState_schemaVersion(t *testing.T) {
	for raw, want := range map[string]int{`null`: 1, `"2"`: 1, `"abc"`: 1, `0`: 1, `-3`: 1, `1.5`: 1, `1`: 1, `2`: 2} {
		data := editFixture(t, "v2-tier1.json", func(d map[string]any) { d["schema_version"] = json.RawMessage(raw) })
		l, err := ParseLegacyState(data)
		if err != nil {
			t.Errorf("schema_version %s: %v", raw, err)
			continue
		}
		if l.SchemaVersion != want {
			t.Errorf("schema_version %s read as %d, want %d", raw, l.SchemaVersion, want)
		}
	}
	missing := editFixture(t, "v2-tier1.json", func(d map[string]any) { delete(d, "schema_version") })
	if l, err := ParseLegacyState(missing); err != nil || l.SchemaVersion != 1 {
		t.Errorf("missing schema_version: %v, %v", l, err)
	}
}

func TestParseLegacyState_errors(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"newer schema", editFixture(t, "v2-tier1.json", func(d map[string]any) { d["schema_version"] = 3 }),
			[]string{"schema_version 3", "versions 1 and 2", "newer GeuseMaker CLI"}},
		{"corrupt JSON", []byte("{\n  \"stack_name\": \"x\",\n  \"status\": running\n}"),
			[]string{"not valid JSON (line 3, column 13)", "backups"}},
		{"truncated", []byte(`{"stack_name": "x", "subnet_ids": [`), []string{"not valid JSON"}},
		{"wrong shape", []byte(`{"stack_name": "x", "subnet_ids": "subnet-1"}`), []string{`field "subnet_ids"`, "not a GeuseMaker CLI state file"}},
		{"not an object", []byte(`[1, 2]`), []string{"not a GeuseMaker CLI state file"}},
		{"no stack", []byte(`{"schema_version": 2}`), []string{"no stack_name"}},
		{"invalid name", editFixture(t, "v2-tier1.json", func(d map[string]any) { d["stack_name"] = "MyStack" }),
			[]string{`stack "MyStack" cannot be managed`, "lowercase"}},
		{"long name", editFixture(t, "v2-tier1.json", func(d map[string]any) { d["stack_name"] = "a-very-long-stack-name-for-the-alb" }),
			[]string{"at most 28"}},
		{"destroyed", editFixture(t, "v2-tier1.json", func(d map[string]any) { d["status"] = "terminated" }), []string{"was destroyed"}},
		{"failed", editFixture(t, "v2-tier1.json", func(d map[string]any) { d["status"] = "failed" }), []string{"is failed", "Finish it with the CLI"}},
		{"spot ASG", editFixture(t, "v2-tier2.json", func(d map[string]any) { d["auto_scaling_group_name"] = "cli-auto2-spot-asg" }),
			[]string{"spot Auto Scaling group \"cli-auto2-spot-asg\"", "use_spot = false"}},
		{"incomplete", editFixture(t, "v2-tier1.json", func(d map[string]any) { d["instance_id"] = ""; delete(d, "efs_id") }),
			[]string{"incomplete", "efs_id, instance_id"}},
		{"given security group", editFixture(t, "v1-tier1.json", func(d map[string]any) {
			d["config"].(map[string]any)["security_group_id"] = d["security_group_id"]
		}), []string{"uses security group sg-0c2d3e4f5a6b70811", "without security_group_id"}},
		{"reused security group", editFixture(t, "v2-tier1.json", func(d map[string]any) {
			d["resource_provenance"].(map[string]any)["security_group"] = "reused"
		}), []string{"rather than created"}},
		{"unknown tier", editFixture(t, "v2-tier1.json", func(d map[string]any) { d["config"].(map[string]any)["tier"] = "production" }),
			[]string{`config.tier is "production"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLegacyState(tc.data)
			var le *LegacyError
			if !errors.As(err, &le) {
				t.Fatalf("error = %v, want a LegacyError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestReadLegacyState_files(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadLegacyState(filepath.Join(dir, "nope.json"))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "nope.json")+": no such file") || !strings.Contains(err.Error(), "~/.geusemaker/deployments/NAME.json") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte("{"), 0o600)
	if _, err := ReadLegacyState(bad); err == nil || !strings.HasPrefix(err.Error(), bad+": is not valid JSON") {
		t.Errorf("corrupt file: %v", err)
	}
	if _, err := ReadLegacyState("  "); err == nil || !strings.Contains(err.Error(), "names no file") {
		t.Errorf("empty path: %v", err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	raw, _ := os.ReadFile(legacyFixture("v1-tier1.json"))
	_ = os.MkdirAll(filepath.Join(home, ".geusemaker", "deployments"), 0o700)
	_ = os.WriteFile(filepath.Join(home, ".geusemaker", "deployments", "cli-dev1.json"), raw, 0o600)
	l, err := ReadLegacyState("~/.geusemaker/deployments/cli-dev1.json")
	if err != nil || l.Path != filepath.Join(home, ".geusemaker", "deployments", "cli-dev1.json") {
		t.Errorf("~ path: %v %v", l, err)
	}
}

func TestParseLegacyState_tierFromResources(t *testing.T) {
	// A dev config with enable_alb ran the tier 2 orchestrator; enable_cdn
	// ran tier 3.
	alb := editFixture(t, "v2-tier2.json", func(d map[string]any) { d["config"].(map[string]any)["tier"] = "dev" })
	if l, err := ParseLegacyState(alb); err != nil || l.Spec.Tier != TierAutomation {
		t.Errorf("dev with a load balancer: %v %v", l.Spec.Tier, err)
	}
	cdn := editFixture(t, "v2-tier3.json", func(d map[string]any) { d["config"].(map[string]any)["tier"] = "automation" })
	if l, err := ParseLegacyState(cdn); err != nil || l.Spec.Tier != TierGPU || l.Spec.GPU {
		// workload unset and tier not gpu: the CPU workload until EC2 says otherwise
		t.Errorf("automation with CloudFront: tier %d gpu %v %v", l.Spec.Tier, l.Spec.GPU, err)
	}
	spot := editFixture(t, "v1-tier1.json", func(d map[string]any) { d["cost"].(map[string]any)["is_spot"] = true })
	if l, err := ParseLegacyState(spot); err != nil || len(l.Notes) != 1 || !strings.Contains(l.Notes[0], "one-time Spot instance") || l.Spec.Capacity.Market != MarketSpot {
		t.Errorf("spot instance: %v %+v %v", l.Notes, l.Spec.Capacity, err)
	}
	if l, err := ParseLegacyState(editFixture(t, "v1-tier1.json", func(map[string]any) {})); err != nil || l.Spec.Capacity != DefaultCapacity() {
		t.Errorf("on-demand instance: %+v %v", l.Spec.Capacity, err)
	}
	partial := editFixture(t, "v2-tier1.json", func(d map[string]any) {
		delete(d, "iam_role_name")
		delete(d, "iam_instance_profile_name")
	})
	if l, err := ParseLegacyState(partial); err != nil || l.State.RoleName != "cli-dev2-efs-mount-role" || l.State.ProfileName != "cli-dev2-instance-profile" {
		t.Errorf("the CLI's IAM names are not derived: %+v %v", l.State, err)
	}
}
