package cost

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// gpuTypes are every GPU type the provider offers; each must be priced in
// us-east-1.
var gpuTypes = []string{
	"g4dn.xlarge", "g4dn.2xlarge", "g4dn.4xlarge", "g4dn.8xlarge", "g4dn.12xlarge", "g4dn.16xlarge",
	"g5.xlarge", "g5.2xlarge", "g5.4xlarge", "g5.8xlarge", "g5.12xlarge", "g5.16xlarge", "g5.24xlarge", "g5.48xlarge",
	"g6.xlarge", "g6.2xlarge", "g6.4xlarge", "g6.8xlarge", "g6.12xlarge",
	"g6e.xlarge", "g6e.2xlarge",
	"g5g.xlarge", "g5g.2xlarge",
	"p3.2xlarge", "p3.8xlarge", "p3.16xlarge",
	"p4d.24xlarge", "p5.48xlarge",
}

// cpuTypes are the CPU types users pick; each must be priced in us-east-1.
var cpuTypes = []string{
	"t3.micro", "t3.small", "t3.medium", "t3.large", "t3.xlarge", "t3.2xlarge",
	"t4g.small", "t4g.medium", "t4g.large", "t4g.xlarge",
	"m5.large", "m5.xlarge", "m5.2xlarge",
	"m6i.large", "m6i.xlarge", "m6i.2xlarge",
	"m7i.large", "m7i.xlarge",
	"m7g.large", "m7g.xlarge",
	"c6i.large", "c6i.xlarge", "c6i.2xlarge",
	"c7g.large", "c7g.xlarge",
	"r6i.large", "r6i.xlarge",
}

func strictTable(t *testing.T) priceTable {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(pricesJSON))
	dec.DisallowUnknownFields()
	var pt priceTable
	if err := dec.Decode(&pt); err != nil {
		t.Fatalf("prices.json does not decode strictly: %v", err)
	}
	if dec.More() {
		t.Fatal("prices.json has trailing data")
	}
	return pt
}

func TestTableWellFormed(t *testing.T) {
	pt := strictTable(t)
	if _, _, err := parseTable(pricesJSON); err != nil {
		t.Fatalf("parseTable: %v", err)
	}

	asOf, err := time.Parse("2006-01-02", pt.AsOf)
	if err != nil {
		t.Fatalf("as_of %q does not parse: %v", pt.AsOf, err)
	}
	if asOf.Year() < 2025 {
		t.Errorf("as_of %s is implausibly old", pt.AsOf)
	}
	if PriceTableDate() != pt.AsOf {
		t.Errorf("PriceTableDate() = %q, want %q", PriceTableDate(), pt.AsOf)
	}
	if PriceTableSource() == "" || len(pt.Sources) == 0 {
		t.Error("the table names no source")
	}
	if pt.Currency != "USD" {
		t.Errorf("currency %q", pt.Currency)
	}

	for _, r := range []string{"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"} {
		if _, ok := pt.Regions[r]; !ok {
			t.Errorf("required region %s missing", r)
		}
	}

	typeName := regexp.MustCompile(`^[a-z][a-z0-9]*\.(nano|micro|small|medium|large|[0-9]*xlarge)$`)
	for name, r := range pt.Regions {
		if _, ok := pt.Sources[r.InstanceSource]; !ok {
			t.Errorf("%s: instance_source %q is not a listed source", name, r.InstanceSource)
		}
		for field, v := range map[string]float64{
			"gp3": r.GP3PerGBMonth, "efs": r.EFSStandardPerGBMonth, "alb hour": r.ALBPerHour,
			"alb lcu": r.ALBPerLCUHour, "egress": r.InternetEgressPerGB,
		} {
			if !(v > 0) {
				t.Errorf("%s: %s rate %v is not positive", name, field, v)
			}
		}
		if len(r.Instances) == 0 {
			t.Errorf("%s prices no instance", name)
		}
		for typ, p := range r.Instances {
			if !typeName.MatchString(typ) {
				t.Errorf("%s: %q is not an instance type name", name, typ)
			}
			if !(p > 0) {
				t.Errorf("%s: %s price %v is not positive", name, typ, p)
			}
		}
		for _, d := range r.DerivedInstances {
			if _, ok := r.Instances[d]; !ok {
				t.Errorf("%s: derived %s has no price", name, d)
			}
		}
	}

	for g, rate := range pt.CloudFront.Geographies {
		if !(rate.PerGB > 0) || !(rate.HTTPSPer10k > 0) {
			t.Errorf("CloudFront %s rates %+v are not positive", g, rate)
		}
	}
	for _, c := range []string{"PriceClass_100", "PriceClass_200", "PriceClass_All"} {
		if _, ok := pt.CloudFront.PriceClasses[c]; !ok {
			t.Errorf("price class %s missing", c)
		}
	}
}

func TestEveryTypePricedInUSEast1(t *testing.T) {
	for _, typ := range append(slices.Clone(gpuTypes), cpuTypes...) {
		if p, ok := InstancePrice("us-east-1", typ); !ok || p <= 0 {
			t.Errorf("%s: price %v, ok %v", typ, p, ok)
		}
	}
}

// Every type is offered at least as cheaply in us-east-1 as anywhere else
// and regional uplifts stay under 60%: a transcription slip (a digit or a
// row from another type) breaks one of the two.
func TestRegionalPricesPlausible(t *testing.T) {
	pt := strictTable(t)
	base := pt.Regions["us-east-1"].Instances
	for name, r := range pt.Regions {
		for typ, p := range r.Instances {
			b, ok := base[typ]
			if !ok {
				t.Errorf("%s prices %s, which us-east-1 does not", name, typ)
				continue
			}
			if ratio := p / b; ratio < 1-1e-9 || ratio > 1.6 {
				t.Errorf("%s %s = %v is %.3f × us-east-1 (%v)", name, typ, p, ratio, b)
			}
		}
	}
	// Linear scaling inside a family holds for the types read directly.
	for name, r := range pt.Regions {
		if l, ok := r.Instances["t3.large"]; ok {
			if m := r.Instances["t3.medium"]; !approxEqual(m*2, l) {
				t.Errorf("%s: t3.medium %v × 2 != t3.large %v", name, m, l)
			}
		}
	}
}

func TestClassRates(t *testing.T) {
	_, cr, err := loadTable()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]classRate{
		"PriceClass_100": {PerGB: 0.085, HTTPSPer10k: 0.0120},
		"PriceClass_200": {PerGB: 0.120, HTTPSPer10k: 0.0220},
		"PriceClass_All": {PerGB: 0.120, HTTPSPer10k: 0.0220},
	}
	for c, w := range want {
		if got := cr[c]; !approxEqual(got.PerGB, w.PerGB) || !approxEqual(got.HTTPSPer10k, w.HTTPSPer10k) {
			t.Errorf("%s = %+v, want %+v", c, got, w)
		}
	}
	if got := PriceClasses(); !slices.Equal(got, []string{"PriceClass_100", "PriceClass_200", "PriceClass_All"}) {
		t.Errorf("PriceClasses() = %v", got)
	}
}

func TestDeriveClassRates(t *testing.T) {
	cf := cloudFrontTable{
		Geographies: map[string]cloudFrontGeography{
			"a": {PerGB: 0.1, HTTPSPer10k: 0.03},
			"b": {PerGB: 0.2, HTTPSPer10k: 0.01},
		},
		PriceClasses: map[string][]string{"both": {"a", "b"}, "one": {"a"}},
	}
	got, err := deriveClassRates(cf)
	if err != nil {
		t.Fatal(err)
	}
	if got["both"] != (classRate{PerGB: 0.2, HTTPSPer10k: 0.03}) || got["one"] != (classRate{PerGB: 0.1, HTTPSPer10k: 0.03}) {
		t.Errorf("got %+v", got)
	}
	cf.PriceClasses["bad"] = []string{"c"}
	if _, err := deriveClassRates(cf); err == nil || !strings.Contains(err.Error(), `"c"`) {
		t.Errorf("unknown geography: err = %v", err)
	}
	if _, _, err := parseTable([]byte(`{"hours_per_month": 720}`)); err == nil {
		t.Error("a table with another month length parsed")
	}
	if _, _, err := parseTable([]byte(`{`)); err == nil {
		t.Error("truncated JSON parsed")
	}
}

func TestLookups(t *testing.T) {
	types := SupportedInstanceTypes("us-east-1")
	if !slices.IsSorted(types) || !slices.Contains(types, "g5.xlarge") || !slices.Contains(types, "t3.large") {
		t.Errorf("SupportedInstanceTypes(us-east-1) = %v", types)
	}
	if got := SupportedInstanceTypes("mars-north-1"); got != nil {
		t.Errorf("unknown region gave %v", got)
	}
	if p, ok := InstancePrice("EU-WEST-1", " M6I.XLARGE "); !ok || p != 0.214 {
		t.Errorf("InstancePrice(eu-west-1, m6i.xlarge) = %v, %v", p, ok)
	}
	if _, ok := InstancePrice("eu-west-1", "p5.48xlarge"); ok {
		t.Error("p5.48xlarge priced in eu-west-1, which the table does not cover")
	}
	if _, ok := InstancePrice("mars-north-1", "t3.large"); ok {
		t.Error("unknown region priced")
	}
	regions := SupportedRegions()
	if len(regions) < 5 || !slices.IsSorted(regions) {
		t.Errorf("SupportedRegions() = %v", regions)
	}
}
