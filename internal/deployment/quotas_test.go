package deployment

import (
	"strings"
	"testing"
)

func TestOnDemandVCPUQuota(t *testing.T) {
	for typ, want := range map[string]string{
		"t3.large": "L-1216C47A", "m6i.xlarge": "L-1216C47A", "c7g.large": "L-1216C47A", "r5.large": "L-1216C47A",
		"d3.xlarge": "L-1216C47A", "i4i.large": "L-1216C47A", "z1d.large": "L-1216C47A", "h1.2xlarge": "L-1216C47A",
		"g5.xlarge": "L-DB2E81BA", "g4dn.xlarge": "L-DB2E81BA", "g5g.xlarge": "L-DB2E81BA", "vt1.3xlarge": "L-DB2E81BA", "g3s.xlarge": "L-DB2E81BA",
		"p3.2xlarge": "L-417A185B", "p4d.24xlarge": "L-417A185B", "p5.48xlarge": "L-417A185B",
		"inf2.xlarge": "L-1945791B", "trn1.2xlarge": "L-2C3B7624", "dl1.24xlarge": "L-6E869C2A",
		"f1.2xlarge": "L-74FC7D96", "x2idn.16xlarge": "L-7295265B", "hpc7g.4xlarge": "L-F7808C92", "u-6tb1.112xlarge": "L-43DA4232",
	} {
		if got := OnDemandVCPUQuota(typ).Code; got != want {
			t.Errorf("%s: %s, want %s", typ, got, want)
		}
	}
}

func TestSpotVCPUQuota(t *testing.T) {
	for typ, want := range map[string]string{
		"t3.large": "L-34B43A08", "g5.xlarge": "L-3819A6DF", "p3.2xlarge": "L-7212CCBC", "p5.48xlarge": "L-C4BD4855", "inf2.xlarge": "L-B5D1601B",
	} {
		q, ok := SpotVCPUQuota(typ)
		if !ok || q.Code != want {
			t.Errorf("%s: %s %v, want %s", typ, q.Code, ok, want)
		}
	}
	if _, ok := SpotVCPUQuota("u-6tb1.112xlarge"); ok {
		t.Error("High Memory has no Spot quota")
	}
}

func TestQuotaRaiseHint(t *testing.T) {
	h := QuotaGVTVCPUs.RaiseHint("eu-west-1", 4)
	for _, want := range []string{"L-DB2E81BA", `"Running On-Demand G and VT instances"`, "--service-code ec2", "--desired-value 4", "--region eu-west-1", "https://eu-west-1.console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-DB2E81BA"} {
		if !strings.Contains(h, want) {
			t.Errorf("hint %q lacks %q", h, want)
		}
	}
	if h := QuotaDistributions.RaiseHint("eu-west-1", 0); !strings.Contains(h, "--region us-east-1") || !strings.Contains(h, "<value>") {
		t.Errorf("CloudFront's quota is raised in us-east-1: %q", h)
	}
	if q, ok := QuotaByCode("L-0EA8095F"); !ok || q != QuotaRulesPerGroup {
		t.Errorf("QuotaByCode = %+v %v", q, ok)
	}
}
