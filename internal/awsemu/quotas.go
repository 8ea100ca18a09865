package awsemu

import (
	"sort"
	"strconv"
	"sync"
)

// Service quotas: every limit the emulated services enforce is one entry
// here, so that the limit a service applies and the value Service Quotas
// reports are the same number. A test or an outside check raises or lowers a
// quota with the knob quota.<QuotaCode> (for example quota.L-DB2E81BA=0, a new
// account's G and VT vCPU quota); otherwise AWS's default applies.

// QuotaDef describes one quota.
type QuotaDef struct {
	ServiceCode string  // Service Quotas service code: ec2, vpc, elasticloadbalancing, ...
	Code        string  // L-XXXXXXXX
	Name        string  // the quota's name as Service Quotas shows it
	Default     float64 // AWS's default value
	Unit        string  // "None" or "Count"
	Adjustable  bool
	Global      bool // account-wide rather than per region
	// AppliedOnlyWhenChanged marks quotas for which Service Quotas has no
	// applied value until the quota was changed (a knob quota.<code> set):
	// GetServiceQuota answers NoSuchResourceException and ListServiceQuotas
	// leaves them out, as AWS does for such quotas; GetAWSDefaultServiceQuota
	// always answers.
	AppliedOnlyWhenChanged bool
	// UsageMetric names the CloudWatch usage metric Service Quotas reports
	// with the quota (for example the EC2 vCPU quotas' Class/Resource
	// dimensions); nil when AWS reports none.
	UsageMetric *QuotaUsageMetric
}

// QuotaUsageMetric is the usage metric of a quota, as Service Quotas shows it.
type QuotaUsageMetric struct {
	Namespace, Name string
	Dimensions      map[string]string
	Statistic       string
}

var (
	quotaMu   sync.Mutex
	quotaDefs = map[string]QuotaDef{}
)

// RegisterQuota adds a quota definition; service files call it from init.
func RegisterQuota(q QuotaDef) {
	quotaMu.Lock()
	defer quotaMu.Unlock()
	if q.Unit == "" {
		q.Unit = "None"
	}
	quotaDefs[q.Code] = q
}

// QuotaDefinition returns a registered quota.
func QuotaDefinition(code string) (QuotaDef, bool) {
	quotaMu.Lock()
	defer quotaMu.Unlock()
	q, ok := quotaDefs[code]
	return q, ok
}

// QuotaDefinitions lists every registered quota, sorted by service and code.
func QuotaDefinitions() []QuotaDef {
	quotaMu.Lock()
	defer quotaMu.Unlock()
	out := make([]QuotaDef, 0, len(quotaDefs))
	for _, q := range quotaDefs {
		out = append(out, q)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ServiceCode != out[j].ServiceCode {
			return out[i].ServiceCode < out[j].ServiceCode
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// Quota is the value in force for a quota: the knob quota.<code> when set,
// else AWS's default. The emulator lock is held by callers inside a request;
// knobs are only read here.
func (e *Emulator) Quota(code string) float64 {
	if v, ok := e.knobs["quota."+code]; ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	q, ok := QuotaDefinition(code)
	if !ok {
		panic("awsemu: unknown quota " + code)
	}
	return q.Default
}

// QuotaChanged reports whether a quota's value was changed from AWS's
// default by the knob quota.<code> (Service Quotas returns
// NoSuchResourceException from GetServiceQuota for a quota marked
// AppliedOnlyWhenChanged until then).
func (e *Emulator) QuotaChanged(code string) bool {
	v, ok := e.knobs["quota."+code]
	if !ok {
		return false
	}
	_, err := strconv.ParseFloat(v, 64)
	return err == nil
}
