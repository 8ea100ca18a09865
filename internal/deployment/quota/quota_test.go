package quota

import (
	"strings"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// The instance class decides the vCPU quota; the table follows the family
// letters of the EC2 quota documentation.
func TestVCPUQuotaByFamily(t *testing.T) {
	for typ, want := range map[string]struct{ onDemand, spot string }{
		"t3.large":           {"L-1216C47A", "L-34B43A08"},
		"m6i.xlarge":         {"L-1216C47A", "L-34B43A08"},
		"c7g.large":          {"L-1216C47A", "L-34B43A08"},
		"r6i.large":          {"L-1216C47A", "L-34B43A08"},
		"z1d.large":          {"L-1216C47A", "L-34B43A08"},
		"r5.large":           {"L-1216C47A", "L-34B43A08"},
		"d3.xlarge":          {"L-1216C47A", "L-34B43A08"},
		"i4i.large":          {"L-1216C47A", "L-34B43A08"},
		"h1.2xlarge":         {"L-1216C47A", "L-34B43A08"},
		"g5g.xlarge":         {"L-DB2E81BA", "L-3819A6DF"},
		"g3s.xlarge":         {"L-DB2E81BA", "L-3819A6DF"},
		"p4d.24xlarge":       {"L-417A185B", "L-7212CCBC"},
		"u-6tb1.112xlarge":   {"L-43DA4232", ""},
		"u7i-12tb.224xlarge": {"L-43DA4232", ""},
		"g5.xlarge":          {"L-DB2E81BA", "L-3819A6DF"},
		"g4dn.xlarge":        {"L-DB2E81BA", "L-3819A6DF"},
		"G6E.XLARGE":         {"L-DB2E81BA", "L-3819A6DF"},
		"vt1.3xlarge":        {"L-DB2E81BA", "L-3819A6DF"},
		"p3.2xlarge":         {"L-417A185B", "L-7212CCBC"},
		"p5.48xlarge":        {"L-417A185B", "L-C4BD4855"},
		"inf2.xlarge":        {"L-1945791B", "L-B5D1601B"},
		"trn1.2xlarge":       {"L-2C3B7624", "L-6B0D517C"},
		"dl1.24xlarge":       {"L-6E869C2A", "L-85EED4F7"},
		"f1.2xlarge":         {"L-74FC7D96", "L-88CF9481"},
		"x2idn.large":        {"L-7295265B", "L-E3A00192"},
		"hpc7g.4xl":          {"L-F7808C92", ""},
		"u-6tb1.metal":       {"L-43DA4232", ""},
	} {
		if got := OnDemandVCPU(typ).Code; got != want.onDemand {
			t.Errorf("OnDemandVCPU(%s) = %s, want %s", typ, got, want.onDemand)
		}
		q, ok := SpotVCPU(typ)
		if ok != (want.spot != "") || q.Code != want.spot {
			t.Errorf("SpotVCPU(%s) = %s %v, want %q", typ, q.Code, ok, want.spot)
		}
	}
}

// Every quota here is the one the emulator enforces and Service Quotas
// reports there (same service code, name and default), so a diagnostic
// names what the console shows.
func TestQuotasMatchTheEmulator(t *testing.T) {
	for _, q := range All() {
		def, ok := awsemu.QuotaDefinition(q.Code)
		if !ok {
			if q.Code == ElasticIPs.Code {
				continue // the emulator allocates no Elastic IPs
			}
			t.Errorf("%s %s is not a quota the emulator knows", q.Code, q.Name)
			continue
		}
		if def.ServiceCode != q.ServiceCode || def.Name != q.Name || def.Default != q.Default || def.Global != q.Global {
			t.Errorf("%s: here %s/%q default %v global %v, emulator %s/%q default %v global %v",
				q.Code, q.ServiceCode, q.Name, q.Default, q.Global, def.ServiceCode, def.Name, def.Default, def.Global)
		}
	}
}

func TestHowToRaise(t *testing.T) {
	got := OnDemandGVT.HowToRaise("eu-west-1", 8)
	for _, want := range []string{
		`"Running On-Demand G and VT instances" (L-DB2E81BA)`,
		"https://console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-DB2E81BA?region=eu-west-1",
		"`aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-DB2E81BA --desired-value 8 --region eu-west-1`",
		"at least 8",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("HowToRaise lacks %q:\n%s", want, got)
		}
	}
	// Global quotas live in us-east-1 whatever the deployment's region.
	if got := Distributions.HowToRaise("eu-west-1", 0); !strings.Contains(got, "?region=us-east-1") || !strings.Contains(got, "--desired-value N --region us-east-1") || !strings.Contains(got, "account-wide") {
		t.Errorf("global quota: %s", got)
	}
	if got := TargetGroupsPerALB.HowToRaise("us-east-1", 0); !strings.Contains(got, "cannot be raised") {
		t.Errorf("fixed quota: %s", got)
	}
	// Without a region the CLI and console choose theirs: no empty flag.
	if got := VPCs.IncreaseCommand("", 0); strings.Contains(got, "--region") || !strings.HasSuffix(got, "--desired-value N") {
		t.Errorf("regionless command: %s", got)
	}
	if got := VPCs.ConsoleURL(""); strings.Contains(got, "region=") {
		t.Errorf("regionless console URL: %s", got)
	}
}

func TestRegionAndByCode(t *testing.T) {
	for q, want := range map[Quota]string{VPCs: "eu-west-1", Distributions: "us-east-1", OriginReadTimeout: "us-east-1", Roles: "us-east-1", FileSystems: "eu-west-1"} {
		if got := q.Region("eu-west-1"); got != want {
			t.Errorf("%s.Region(eu-west-1) = %s, want %s", q.Code, got, want)
		}
	}
	for _, q := range All() {
		if got, ok := ByCode(q.Code); !ok || got != q {
			t.Errorf("ByCode(%s) = %+v %v", q.Code, got, ok)
		}
	}
	if _, ok := ByCode("L-00000000"); ok {
		t.Error("ByCode found an unknown code")
	}
}

func TestForErrorCode(t *testing.T) {
	for code, want := range map[string]Quota{
		"VpcLimitExceeded": VPCs, "SubnetLimitExceeded": SubnetsPerVPC, "SecurityGroupLimitExceeded": SecurityGroups,
		"RulesPerSecurityGroupLimitExceeded": RulesPerSecurityGroup, "NetworkInterfaceLimitExceeded": NetworkInterfaces,
		"InternetGatewayLimitExceeded": InternetGateways, "AddressLimitExceeded": ElasticIPs, "TooManyTargetGroups": TargetGroups,
		"TooManyListeners": ListenersPerALB, "TooManyRules": RulesPerALB, "TooManyLoadBalancers": LoadBalancers,
		"FileSystemLimitExceeded": FileSystems, "TooManyDistributions": Distributions,
	} {
		if got, ok := ForErrorCode("", code); !ok || got != want {
			t.Errorf("ForErrorCode(%s) = %v %v, want %s", code, got.Code, ok, want.Code)
		}
	}
	if _, ok := ForErrorCode("elasticfilesystem", "SecurityGroupLimitExceeded"); ok {
		t.Error("EFS's SecurityGroupLimitExceeded (five groups per mount target) is no Service Quotas quota")
	}
	if q, ok := IAMLimit("Cannot exceed quota for RolesPerAccount: 1000"); !ok || q != Roles {
		t.Errorf("IAMLimit = %v %v", q, ok)
	}
	if _, ok := IAMLimit("Cannot exceed quota for SomethingElse: 1"); ok {
		t.Error("IAMLimit matched an unknown quota")
	}
}
