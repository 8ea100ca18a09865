package cost

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed prices.json
var pricesJSON []byte

// priceTable mirrors prices.json.
type priceTable struct {
	AsOf          string                  `json:"as_of"`
	Currency      string                  `json:"currency"`
	HoursPerMonth float64                 `json:"hours_per_month"`
	SourceSummary string                  `json:"source_summary"`
	Sources       map[string]string       `json:"sources"`
	Notes         []string                `json:"notes"`
	CloudFront    cloudFrontTable         `json:"cloudfront"`
	Regions       map[string]*regionPrice `json:"regions"`
}

type cloudFrontTable struct {
	Tier         string                         `json:"tier"`
	Geographies  map[string]cloudFrontGeography `json:"geographies"`
	PriceClasses map[string][]string            `json:"price_classes"`
}

type cloudFrontGeography struct {
	PerGB       float64 `json:"per_gb"`
	HTTPSPer10k float64 `json:"https_per_10k"`
	Confirmed   bool    `json:"confirmed"`
}

type regionPrice struct {
	Name                  string             `json:"name"`
	InstanceSource        string             `json:"instance_source"`
	ServiceRatesConfirmed bool               `json:"service_rates_confirmed"`
	GP3PerGBMonth         float64            `json:"gp3_per_gb_month"`
	EFSStandardPerGBMonth float64            `json:"efs_standard_per_gb_month"`
	ALBPerHour            float64            `json:"alb_per_hour"`
	ALBPerLCUHour         float64            `json:"alb_per_lcu_hour"`
	InternetEgressPerGB   float64            `json:"internet_egress_per_gb"`
	Instances             map[string]float64 `json:"instances"`
	DerivedInstances      []string           `json:"derived_instances"`
}

// classRate is the single per-GB and per-10k-HTTPS-requests figure used for
// a CloudFront price class.
type classRate struct {
	PerGB       float64
	HTTPSPer10k float64
}

var (
	tableOnce sync.Once
	table     *priceTable
	classes   map[string]classRate
	tableErr  error
)

// loadTable parses the embedded table once. It never panics: a broken table
// surfaces as an error from Estimate and as empty answers elsewhere.
func loadTable() (*priceTable, map[string]classRate, error) {
	tableOnce.Do(func() {
		table, classes, tableErr = parseTable(pricesJSON)
	})
	return table, classes, tableErr
}

func parseTable(data []byte) (*priceTable, map[string]classRate, error) {
	var t priceTable
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, nil, fmt.Errorf("parsing embedded price table: %w", err)
	}
	if t.HoursPerMonth != HoursPerMonth {
		return nil, nil, fmt.Errorf("price table assumes %v hours per month, the estimator %v", t.HoursPerMonth, HoursPerMonth)
	}
	cr, err := deriveClassRates(t.CloudFront)
	if err != nil {
		return nil, nil, err
	}
	return &t, cr, nil
}

// deriveClassRates turns CloudFront's per-geography rates into one figure per
// price class: the highest per-GB rate and the highest HTTPS-request rate
// among the geographies the class serves. Viewers are routed to the nearest
// edge inside the class, so no request is billed above these rates: the
// figure is an upper bound for the class, independent of where viewers are.
func deriveClassRates(cf cloudFrontTable) (map[string]classRate, error) {
	out := make(map[string]classRate, len(cf.PriceClasses))
	for class, geos := range cf.PriceClasses {
		if len(geos) == 0 {
			return nil, fmt.Errorf("price class %s lists no geographies", class)
		}
		var r classRate
		for _, g := range geos {
			rate, ok := cf.Geographies[g]
			if !ok {
				return nil, fmt.Errorf("price class %s names unknown geography %q", class, g)
			}
			r.PerGB = max(r.PerGB, rate.PerGB)
			r.HTTPSPer10k = max(r.HTTPSPer10k, rate.HTTPSPer10k)
		}
		out[class] = r
	}
	return out, nil
}

// PriceTableDate is the as-of date (YYYY-MM-DD) of the embedded price table.
func PriceTableDate() string {
	t, _, err := loadTable()
	if err != nil {
		return ""
	}
	return t.AsOf
}

// PriceTableSource says where the embedded prices come from.
func PriceTableSource() string {
	t, _, err := loadTable()
	if err != nil {
		return ""
	}
	return t.SourceSummary
}

// SupportedRegions lists the regions the table prices, sorted.
func SupportedRegions() []string {
	t, _, err := loadTable()
	if err != nil {
		return nil
	}
	return sortedKeys(t.Regions)
}

// SupportedInstanceTypes lists the instance types priced in region, sorted.
// It is empty for a region the table does not know.
func SupportedInstanceTypes(region string) []string {
	t, _, err := loadTable()
	if err != nil {
		return nil
	}
	r, ok := t.Regions[normalize(region)]
	if !ok {
		return nil
	}
	return sortedKeys(r.Instances)
}

// InstancePrice is the on-demand Linux hourly price of instanceType in
// region, and whether the table has one.
func InstancePrice(region, instanceType string) (float64, bool) {
	t, _, err := loadTable()
	if err != nil {
		return 0, false
	}
	r, ok := t.Regions[normalize(region)]
	if !ok {
		return 0, false
	}
	p, ok := r.Instances[normalize(instanceType)]
	return p, ok
}

// PriceClasses lists the CloudFront price classes the table knows, sorted.
func PriceClasses() []string {
	_, cr, err := loadTable()
	if err != nil {
		return nil
	}
	return sortedKeys(cr)
}

// regionsPricing lists the regions in which instanceType has a price.
func regionsPricing(t *priceTable, instanceType string) []string {
	var out []string
	for name, r := range t.Regions {
		if _, ok := r.Instances[instanceType]; ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func normalize(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
