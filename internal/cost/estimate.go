package cost

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
)

// HoursPerMonth is the number of hours the estimator bills per month (AWS's
// own convention: 365 × 24 / 12).
const HoursPerMonth = 730

// DefaultPriceClass is the CloudFront price class used when a tier-3 input
// names none; it is the one the provider (and the original tool) deploys.
const DefaultPriceClass = "PriceClass_100"

// LCU rule for the Application Load Balancer (see Estimate).
const (
	// MinLCU is the floor of billed LCUs per hour. AWS bills each hour at
	// the busiest of four dimensions, and traffic is bursty, so the
	// monthly average understates the bill; one LCU is also the figure the
	// original tool charged.
	MinLCU = 1.0
	// lcuGBPerHour: one LCU covers 1 GB processed per hour (EC2 targets).
	lcuGBPerHour = 1.0
	// lcuNewConnectionsPerSecond: one LCU covers 25 new connections per second.
	lcuNewConnectionsPerSecond = 25.0
)

// Assumptions are the usage figures the usage-based lines need.
type Assumptions struct {
	// MonthlyRequests is the number of HTTP(S) requests served per month.
	MonthlyRequests int64
	// MonthlyDataTransferGB is the data sent to viewers per month.
	MonthlyDataTransferGB float64
	// EFSStorageGB is the average data stored on EFS during the month.
	EFSStorageGB float64
}

// DefaultAssumptions returns the assumptions used when the configuration
// gives none:
//
//   - 1,000,000 requests per month (about 0.4 per second on average, a
//     small team driving n8n workflows and LLM calls); kept from the
//     original tool.
//   - 100 GB transferred to viewers per month (about 100 KB per request:
//     UI assets and LLM responses); kept from the original tool.
//   - 50 GB of EFS storage. The original assumed 100 GB; what lives on EFS
//     is the Ollama model store plus n8n, Postgres and Qdrant data. The
//     preloaded models take about 1 GB on CPU and about 21 GB on GPU
//     (qwen3-omni-30b-a3b at q4), so 50 GB leaves room for two or three
//     more 7-8B models without charging every deployment for 100 GB.
func DefaultAssumptions() Assumptions {
	return Assumptions{MonthlyRequests: 1_000_000, MonthlyDataTransferGB: 100, EFSStorageGB: 50}
}

// Input describes the deployment to estimate.
type Input struct {
	Region        string
	Tier          int
	InstanceType  string
	RootVolumeGiB int
	// PriceClass is the CloudFront price class (tier 3); empty means
	// DefaultPriceClass.
	PriceClass  string
	Assumptions Assumptions
	// Market is how the instance is bought: MarketOnDemand ("" too) or
	// MarketSpot, which prices the instance at SpotPrice.
	Market string
	// SpotPrice is the hourly Spot price in USD (market spot).
	SpotPrice float64
	// SpotBasis says where SpotPrice comes from, for the compute line's
	// detail, e.g. "current price of the cheapest eligible zone".
	SpotBasis string
}

// Markets an Input can price.
const (
	MarketOnDemand = "on-demand"
	MarketSpot     = "spot"
)

// Line is one cost component.
type Line struct {
	Hourly, Monthly float64
	// Detail says how the figure was reached, e.g.
	// "g5.xlarge on-demand Linux at $1.006/h".
	Detail string
}

// Breakdown is the estimate, per component and in total.
type Breakdown struct {
	Compute, RootVolume, EFS, LoadBalancer, CloudFrontRequests, CloudFrontTransfer, DataTransfer Line
	Hourly, Monthly                                                                              float64
}

// Lines returns the components in a fixed order.
func (b Breakdown) Lines() []Line {
	return []Line{b.Compute, b.RootVolume, b.EFS, b.LoadBalancer, b.CloudFrontRequests, b.CloudFrontTransfer, b.DataTransfer}
}

// Round rounds v to 4 decimals, halves away from zero. It is the rounding
// applied to every figure Estimate returns.
func Round(v float64) float64 {
	return math.Round(v*1e4) / 1e4
}

// Estimate prices a deployment from the embedded table.
//
// It returns ok=false, a zero Breakdown and at least one warning when the
// input is invalid (tier outside 1..3, a negative assumption or root volume)
// or the table cannot price it (unknown region, unknown instance type in the
// region, unknown CloudFront price class). Warnings say what is unknown and
// what is supported. It never panics.
//
// Lines (monthly = 730 h):
//   - Compute: the on-demand hourly price, or with market spot the Spot
//     price (rounded to 4 decimals), its detail naming the on-demand price
//     and the saving.
//   - RootVolume: GiB × the region's gp3 rate per GB-month.
//   - EFS: EFSStorageGB × the region's EFS Standard rate per GB-month.
//   - LoadBalancer (tier ≥ 2): ALB hourly rate + LCUs × LCU rate, where
//     LCUs = max(MinLCU, GB per hour, new connections per second / 25),
//     GB per hour = MonthlyDataTransferGB / 730 and new connections per
//     second = MonthlyRequests / (730 × 3600), counting every request as a
//     new connection. Active connections and rule evaluations are not
//     derived (the listener has fewer than the 10 free rules).
//   - CloudFrontRequests, CloudFrontTransfer (tier 3): MonthlyRequests /
//     10,000 × the class's HTTPS rate and MonthlyDataTransferGB × the
//     class's per-GB rate.
//   - DataTransfer (tiers without CloudFront): MonthlyDataTransferGB × the region's
//     internet egress rate. In tier 3 viewers are served by CloudFront and
//     ALB-to-CloudFront origin fetches are free, so it is zero.
//
// Rounding: each line's Monthly is its full-precision monthly cost rounded
// with Round, each line's Hourly its full-precision hourly cost rounded with
// Round (monthly / 730 for usage-based lines). Breakdown.Monthly is the sum
// of the rounded line Monthly figures and Breakdown.Hourly the sum of the
// rounded line Hourly figures (Round is applied to the sums only to drop
// binary floating-point noise), so the lines always add up to the totals.
// Total Monthly may therefore differ from total Hourly × 730 by the rounding
// of the lines.
func Estimate(in Input) (Breakdown, []string, bool) {
	t, classRates, err := loadTable()
	if err != nil {
		return Breakdown{}, []string{"cost estimate unavailable: " + err.Error()}, false
	}

	var warnings []string
	fail := func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }

	if !tier.Tier(in.Tier).Valid() {
		fail("tier %d is not valid: the cost estimate needs tier 1, 2 or 3", in.Tier)
	}
	a := in.Assumptions
	if a.MonthlyRequests < 0 {
		fail("cost assumption monthly requests is negative (%d): it must be zero or more", a.MonthlyRequests)
	}
	if a.MonthlyDataTransferGB < 0 || math.IsNaN(a.MonthlyDataTransferGB) || math.IsInf(a.MonthlyDataTransferGB, 0) {
		fail("cost assumption monthly data transfer GB is %v: it must be a finite number, zero or more", a.MonthlyDataTransferGB)
	}
	if a.EFSStorageGB < 0 || math.IsNaN(a.EFSStorageGB) || math.IsInf(a.EFSStorageGB, 0) {
		fail("cost assumption EFS storage GB is %v: it must be a finite number, zero or more", a.EFSStorageGB)
	}
	if in.RootVolumeGiB < 0 {
		fail("root volume size is negative (%d GiB): it must be zero or more", in.RootVolumeGiB)
	}

	switch in.Market {
	case "", MarketOnDemand:
	case MarketSpot:
		if !(in.SpotPrice > 0) || math.IsInf(in.SpotPrice, 0) {
			fail("market spot needs the Spot price: got %v", in.SpotPrice)
		}
	default:
		fail("unknown market %q: markets priced are %s and %s", in.Market, MarketOnDemand, MarketSpot)
	}

	priceClass := strings.TrimSpace(in.PriceClass)
	if priceClass == "" {
		priceClass = DefaultPriceClass
	}
	cf, classKnown := classRates[priceClass]
	if !classKnown {
		fail("unknown CloudFront price class %q: supported price classes are %s", in.PriceClass, strings.Join(sortedKeys(classRates), ", "))
	}

	regionName := normalize(in.Region)
	region, regionKnown := t.Regions[regionName]
	var price float64
	instanceType := normalize(in.InstanceType)
	switch {
	case !regionKnown:
		fail("no prices for region %q in the price table of %s: regions priced are %s", in.Region, t.AsOf, strings.Join(sortedKeys(t.Regions), ", "))
	default:
		var ok bool
		price, ok = region.Instances[instanceType]
		if !ok {
			msg := fmt.Sprintf("no price for instance type %q in region %s in the price table of %s", in.InstanceType, regionName, t.AsOf)
			if elsewhere := regionsPricing(t, instanceType); len(elsewhere) > 0 {
				msg += fmt.Sprintf(" (it is priced in %s)", strings.Join(elsewhere, ", "))
			}
			msg += fmt.Sprintf(": instance types priced in %s are %s", regionName, strings.Join(sortedKeys(region.Instances), ", "))
			warnings = append(warnings, msg)
		}
	}
	if len(warnings) > 0 {
		return Breakdown{}, warnings, false
	}

	var b Breakdown

	b.Compute = Line{
		Hourly:  Round(price),
		Monthly: Round(price * HoursPerMonth),
		Detail:  fmt.Sprintf("%s on-demand Linux at $%s/h", instanceType, money(price)),
	}
	if in.Market == MarketSpot {
		spot := Round(in.SpotPrice)
		basis := ""
		if in.SpotBasis != "" {
			basis = in.SpotBasis + "; "
		}
		saving := Round(price - spot)
		percent := 0.0
		if price > 0 {
			percent = math.Round(100 * saving / price)
		}
		b.Compute = Line{
			Hourly:  spot,
			Monthly: Round(spot * HoursPerMonth),
			Detail: fmt.Sprintf("%s Spot Linux at $%s/h (%son-demand $%s/h: saving $%s/h, $%s/month, %s%%)", instanceType, money(spot), basis,
				money(price), money(saving), money(Round(saving*HoursPerMonth)), number(percent)),
		}
	}

	if in.RootVolumeGiB == 0 {
		b.RootVolume = Line{Detail: "root volume size not given: not costed"}
		warnings = append(warnings, "root volume size not given: the gp3 root volume is not included in the estimate")
	} else {
		b.RootVolume = usageLine(float64(in.RootVolumeGiB)*region.GP3PerGBMonth,
			fmt.Sprintf("%d GiB gp3 at $%s/GB-month", in.RootVolumeGiB, money(region.GP3PerGBMonth)))
	}

	b.EFS = usageLine(a.EFSStorageGB*region.EFSStandardPerGBMonth,
		fmt.Sprintf("%s GB EFS Standard at $%s/GB-month (bursting throughput, no throughput charge)", number(a.EFSStorageGB), money(region.EFSStandardPerGBMonth)))

	if tier.Tier(in.Tier).HasLoadBalancer() {
		lcu := LCUs(a)
		hourly := region.ALBPerHour + lcu*region.ALBPerLCUHour
		b.LoadBalancer = Line{
			Hourly:  Round(hourly),
			Monthly: Round(hourly * HoursPerMonth),
			Detail: fmt.Sprintf("ALB at $%s/h + %s LCU × $%s/LCU-h", money(region.ALBPerHour),
				strconv.FormatFloat(Round(lcu), 'f', -1, 64), money(region.ALBPerLCUHour)),
		}
	} else {
		b.LoadBalancer = Line{Detail: "no load balancer in tier 1"}
	}

	if tier.Tier(in.Tier).HasCDN() {
		b.CloudFrontRequests = usageLine(float64(a.MonthlyRequests)/10_000*cf.HTTPSPer10k,
			fmt.Sprintf("%s HTTPS requests at $%s per 10,000 (%s)", count(a.MonthlyRequests), money(cf.HTTPSPer10k), priceClass))
		b.CloudFrontTransfer = usageLine(a.MonthlyDataTransferGB*cf.PerGB,
			fmt.Sprintf("%s GB to viewers at $%s/GB (%s, first 10 TB tier)", number(a.MonthlyDataTransferGB), money(cf.PerGB), priceClass))
		b.DataTransfer = Line{Detail: "served through CloudFront: viewer traffic is CloudFront transfer and origin fetches from the ALB are free"}
	} else {
		b.CloudFrontRequests = Line{Detail: fmt.Sprintf("no CloudFront in tier %d", in.Tier)}
		b.CloudFrontTransfer = Line{Detail: fmt.Sprintf("no CloudFront in tier %d", in.Tier)}
		b.DataTransfer = usageLine(a.MonthlyDataTransferGB*region.InternetEgressPerGB,
			fmt.Sprintf("%s GB to the internet at $%s/GB", number(a.MonthlyDataTransferGB), money(region.InternetEgressPerGB)))
	}

	var hourly, monthly float64
	for _, l := range b.Lines() {
		hourly += l.Hourly
		monthly += l.Monthly
	}
	b.Hourly, b.Monthly = Round(hourly), Round(monthly)
	return b, warnings, true
}

// LCUs is the number of ALB Load Balancer Capacity Units billed per hour
// under assumptions a: the larger of the processed-bytes dimension (GB per
// hour), the new-connections dimension (every request a new connection, 25
// per second per LCU) and MinLCU.
func LCUs(a Assumptions) float64 {
	bytes := a.MonthlyDataTransferGB / HoursPerMonth / lcuGBPerHour
	conns := float64(a.MonthlyRequests) / (HoursPerMonth * 3600) / lcuNewConnectionsPerSecond
	return max(MinLCU, bytes, conns)
}

// usageLine builds a usage-based line from its full-precision monthly cost.
func usageLine(monthly float64, detail string) Line {
	return Line{Hourly: Round(monthly / HoursPerMonth), Monthly: Round(monthly), Detail: detail}
}

func money(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// count formats n with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
