package cost

import (
	"math"
	"strings"
	"testing"
)

// want holds hand-computed full-precision monthly figures for each line.
type want struct {
	compute, root, efs, alb, cfRequests, cfTransfer, transfer float64
}

func (w want) total() float64 {
	return w.compute + w.root + w.efs + w.alb + w.cfRequests + w.cfTransfer + w.transfer
}

func TestEstimate(t *testing.T) {
	defaults := DefaultAssumptions() // 1,000,000 requests, 100 GB transfer, 50 GB EFS

	tests := []struct {
		name string
		in   Input
		want want
	}{
		{
			name: "tier 1 CPU t3.large us-east-1",
			in:   Input{Region: "us-east-1", Tier: 1, InstanceType: "t3.large", RootVolumeGiB: 75, Assumptions: defaults},
			want: want{
				compute:  0.0832 * 730, // 60.736
				root:     75 * 0.08,    // 6
				efs:      50 * 0.30,    // 15
				transfer: 100 * 0.09,   // 9: no CloudFront, egress to the internet
			},
		},
		{
			name: "tier 2 CPU m6i.xlarge eu-west-1",
			in:   Input{Region: "eu-west-1", Tier: 2, InstanceType: "m6i.xlarge", RootVolumeGiB: 75, Assumptions: defaults},
			want: want{
				compute: 0.214 * 730, // 156.22
				root:    75 * 0.088,  // 6.6
				efs:     50 * 0.33,   // 16.5
				// LCU = max(1, 100/730 GB/h, 1e6/(730*3600)/25 conn/s) = 1
				alb:      (0.0252 + 1*0.008) * 730, // 24.236
				transfer: 100 * 0.09,               // 9
			},
		},
		{
			name: "tier 3 GPU g5.xlarge us-east-1 PriceClass_100",
			in:   Input{Region: "us-east-1", Tier: 3, InstanceType: "g5.xlarge", RootVolumeGiB: 75, PriceClass: "PriceClass_100", Assumptions: defaults},
			want: want{
				compute:    1.006 * 730,                  // 734.38
				root:       75 * 0.08,                    // 6
				efs:        50 * 0.30,                    // 15
				alb:        (0.0225 + 1*0.008) * 730,     // 22.265
				cfRequests: 1_000_000.0 / 10_000 * 0.012, // 1.2: max(US 0.0100, Europe 0.0120)
				cfTransfer: 100 * 0.085,                  // 8.5
				transfer:   0,                            // viewers are served by CloudFront, origin fetches free
			},
		},
		{
			name: "tier 3 CPU c6i.xlarge us-west-2 PriceClass_All",
			in:   Input{Region: "us-west-2", Tier: 3, InstanceType: "c6i.xlarge", RootVolumeGiB: 100, PriceClass: "PriceClass_All", Assumptions: defaults},
			want: want{
				compute:    0.17 * 730,                   // 124.1
				root:       100 * 0.08,                   // 8
				efs:        50 * 0.30,                    // 15
				alb:        (0.0225 + 0.008) * 730,       // 22.265
				cfRequests: 1_000_000.0 / 10_000 * 0.022, // 2.2: South America / Middle East HTTPS rate
				cfTransfer: 100 * 0.120,                  // 12: Asia-Pacific per-GB rate
			},
		},
		{
			name: "tier 3 PriceClass_200 takes the highest rate of its geographies",
			in:   Input{Region: "us-east-1", Tier: 3, InstanceType: "g4dn.xlarge", RootVolumeGiB: 75, PriceClass: "PriceClass_200", Assumptions: defaults},
			want: want{
				compute:    0.526 * 730,
				root:       75 * 0.08,
				efs:        50 * 0.30,
				alb:        (0.0225 + 0.008) * 730,
				cfRequests: 100 * 0.022, // Middle East/Africa 0.0220 per 10k
				cfTransfer: 100 * 0.120, // Hong Kong/Singapore/... 0.120 per GB
			},
		},
		{
			name: "tier 3 empty price class means PriceClass_100",
			in:   Input{Region: "us-east-1", Tier: 3, InstanceType: "g4dn.xlarge", RootVolumeGiB: 75, Assumptions: defaults},
			want: want{
				compute:    0.526 * 730,
				root:       75 * 0.08,
				efs:        50 * 0.30,
				alb:        (0.0225 + 0.008) * 730,
				cfRequests: 100 * 0.012,
				cfTransfer: 100 * 0.085,
			},
		},
		{
			name: "custom assumptions: new connections drive the LCUs",
			in: Input{Region: "us-east-1", Tier: 3, InstanceType: "g6.xlarge", RootVolumeGiB: 200, PriceClass: "PriceClass_100",
				Assumptions: Assumptions{MonthlyRequests: 200_000_000, MonthlyDataTransferGB: 2000, EFSStorageGB: 500}},
			want: want{
				compute: 0.8048 * 730,
				root:    200 * 0.08,
				efs:     500 * 0.30,
				// bytes: 2000/730 = 2.74 LCU; new connections: 2e8/(730*3600)/25 = 3.04 LCU
				alb:        (0.0225 + 200e6/(730*3600)/25*0.008) * 730,
				cfRequests: 200e6 / 10_000 * 0.012, // 240
				cfTransfer: 2000 * 0.085,           // 170
			},
		},
		{
			name: "custom assumptions: processed bytes drive the LCUs",
			in: Input{Region: "us-east-1", Tier: 2, InstanceType: "m7i.large", RootVolumeGiB: 30,
				Assumptions: Assumptions{MonthlyRequests: 1_000_000, MonthlyDataTransferGB: 5000, EFSStorageGB: 10}},
			want: want{
				compute:  0.1008 * 730,
				root:     30 * 0.08,
				efs:      10 * 0.30,
				alb:      0.0225*730 + 5000.0/730*0.008*730, // 16.425 + 40
				transfer: 5000 * 0.09,
			},
		},
		{
			name: "zero assumptions still bill the ALB's minimum LCU",
			in: Input{Region: "eu-central-1", Tier: 3, InstanceType: "g5.xlarge", RootVolumeGiB: 75, PriceClass: "PriceClass_100",
				Assumptions: Assumptions{}},
			want: want{
				compute: 1.258 * 730,
				root:    75 * 0.0952,
				alb:     (0.027 + 1*0.008) * 730,
			},
		},
		{
			name: "input is normalised",
			in:   Input{Region: " US-EAST-1 ", Tier: 1, InstanceType: "T3.Large", RootVolumeGiB: 75, Assumptions: defaults},
			want: want{compute: 0.0832 * 730, root: 75 * 0.08, efs: 50 * 0.30, transfer: 100 * 0.09},
		},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, warnings, ok := Estimate(tc.in)
			if !ok {
				t.Fatalf("ok = false, warnings %q", warnings)
			}
			if len(warnings) != 0 {
				t.Errorf("unexpected warnings %q", warnings)
			}
			checkLine(t, "compute", b.Compute, tc.want.compute)
			checkLine(t, "root volume", b.RootVolume, tc.want.root)
			checkLine(t, "EFS", b.EFS, tc.want.efs)
			checkLine(t, "load balancer", b.LoadBalancer, tc.want.alb)
			checkLine(t, "CloudFront requests", b.CloudFrontRequests, tc.want.cfRequests)
			checkLine(t, "CloudFront transfer", b.CloudFrontTransfer, tc.want.cfTransfer)
			checkLine(t, "data transfer", b.DataTransfer, tc.want.transfer)

			// The totals are hand totals within the rounding of seven lines…
			if d := math.Abs(b.Monthly - tc.want.total()); d > 7*0.00005+1e-9 {
				t.Errorf("monthly total = %v, want %v (diff %v)", b.Monthly, tc.want.total(), d)
			}
			// …and exactly the sums of the rounded lines.
			var sumM, sumH float64
			for _, l := range b.Lines() {
				sumM += l.Monthly
				sumH += l.Hourly
			}
			if b.Monthly != Round(sumM) || b.Hourly != Round(sumH) {
				t.Errorf("totals %v/%v are not the sums of the rounded lines %v/%v", b.Monthly, b.Hourly, Round(sumM), Round(sumH))
			}
			if b.Monthly != Round(b.Monthly) || b.Hourly != Round(b.Hourly) {
				t.Errorf("totals are not rounded to 4 decimals: %v %v", b.Monthly, b.Hourly)
			}
		})
	}
}

// checkLine compares a line with a hand-computed full-precision monthly
// figure: Monthly must be that figure rounded to 4 decimals, Hourly the
// rounded monthly/730 (for compute, the hourly price itself: price*730/730).
func checkLine(t *testing.T, name string, got Line, wantMonthly float64) {
	t.Helper()
	if !approxEqual(got.Monthly, Round(wantMonthly)) {
		t.Errorf("%s monthly = %v, want %v (%s)", name, got.Monthly, Round(wantMonthly), got.Detail)
	}
	if !approxEqual(got.Hourly, Round(wantMonthly/730)) {
		t.Errorf("%s hourly = %v, want %v (%s)", name, got.Hourly, Round(wantMonthly/730), got.Detail)
	}
	if got.Detail == "" {
		t.Errorf("%s has no detail", name)
	}
}

func approxEqual(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestEstimateDetails(t *testing.T) {
	b, _, ok := Estimate(Input{Region: "us-east-1", Tier: 3, InstanceType: "g5.xlarge", RootVolumeGiB: 75, PriceClass: "PriceClass_100", Assumptions: DefaultAssumptions()})
	if !ok {
		t.Fatal("not ok")
	}
	for _, c := range []struct{ line, want string }{
		{b.Compute.Detail, "g5.xlarge on-demand Linux at $1.006/h"},
		{b.RootVolume.Detail, "75 GiB gp3 at $0.08/GB-month"},
		{b.LoadBalancer.Detail, "1 LCU"},
		{b.CloudFrontRequests.Detail, "1,000,000 HTTPS requests at $0.012 per 10,000 (PriceClass_100)"},
		{b.CloudFrontTransfer.Detail, "100 GB to viewers at $0.085/GB"},
		{b.DataTransfer.Detail, "origin fetches from the ALB are free"},
	} {
		if !strings.Contains(c.line, c.want) {
			t.Errorf("detail %q does not contain %q", c.line, c.want)
		}
	}
	if b.Compute.Hourly != 1.006 {
		t.Errorf("compute hourly = %v, want the hourly price 1.006", b.Compute.Hourly)
	}
}

// With market spot the compute line is the Spot price, and its detail names
// the on-demand price and the saving; the other lines do not change.
func TestEstimateSpot(t *testing.T) {
	in := Input{Region: "us-east-1", Tier: 3, InstanceType: "g5.xlarge", RootVolumeGiB: 75, PriceClass: "PriceClass_100", Assumptions: DefaultAssumptions()}
	od, _, ok := Estimate(in)
	if !ok {
		t.Fatal("not ok")
	}
	in.Market, in.SpotPrice, in.SpotBasis = MarketSpot, 0.35214, "current price of the cheapest eligible zone"
	b, warnings, ok := Estimate(in)
	if !ok || len(warnings) != 0 {
		t.Fatalf("ok=%v %v", ok, warnings)
	}
	if b.Compute.Hourly != 0.3521 || b.Compute.Monthly != 257.033 {
		t.Errorf("compute = %+v, want the Spot price rounded to 4 decimals: 0.3521/h, 257.033/month", b.Compute)
	}
	for _, want := range []string{"g5.xlarge Spot Linux at $0.3521/h", "cheapest eligible zone", "on-demand $1.006/h", "saving $0.6539/h, $477.347/month, 65%"} {
		if !strings.Contains(b.Compute.Detail, want) {
			t.Errorf("detail %q lacks %q", b.Compute.Detail, want)
		}
	}
	if b.Monthly != Round(od.Monthly-od.Compute.Monthly+b.Compute.Monthly) || b.EFS != od.EFS || b.CloudFrontTransfer != od.CloudFrontTransfer {
		t.Errorf("spot changed more than the compute line: %+v vs %+v", b, od)
	}
}

func TestEstimateRejects(t *testing.T) {
	ok := Input{Region: "us-east-1", Tier: 1, InstanceType: "t3.large", RootVolumeGiB: 75, Assumptions: DefaultAssumptions()}
	tests := []struct {
		name     string
		mutate   func(*Input)
		contains []string
	}{
		{"unknown instance type", func(in *Input) { in.InstanceType = "t9.mega" },
			[]string{`"t9.mega"`, "us-east-1", "2026-01-19", "t3.large", "g5.xlarge"}},
		{"type not priced in the region", func(in *Input) { in.Region = "eu-west-1"; in.InstanceType = "p5.48xlarge" },
			[]string{`"p5.48xlarge"`, "eu-west-1", "it is priced in us-east-1", "m6i.xlarge"}},
		{"unknown region", func(in *Input) { in.Region = "mars-north-1" },
			[]string{`"mars-north-1"`, "us-east-1", "eu-central-1", "ap-northeast-1"}},
		{"unknown price class", func(in *Input) { in.Tier = 3; in.PriceClass = "PriceClass_50" },
			[]string{`"PriceClass_50"`, "PriceClass_100, PriceClass_200, PriceClass_All"}},
		{"tier 0", func(in *Input) { in.Tier = 0 }, []string{"tier 0", "1, 2 or 3"}},
		{"tier 4", func(in *Input) { in.Tier = 4 }, []string{"tier 4"}},
		{"negative requests", func(in *Input) { in.Assumptions.MonthlyRequests = -1 }, []string{"requests", "negative"}},
		{"negative transfer", func(in *Input) { in.Assumptions.MonthlyDataTransferGB = -0.5 }, []string{"data transfer", "-0.5"}},
		{"NaN transfer", func(in *Input) { in.Assumptions.MonthlyDataTransferGB = math.NaN() }, []string{"data transfer", "NaN"}},
		{"negative EFS", func(in *Input) { in.Assumptions.EFSStorageGB = -10 }, []string{"EFS", "-10"}},
		{"infinite EFS", func(in *Input) { in.Assumptions.EFSStorageGB = math.Inf(1) }, []string{"EFS", "+Inf"}},
		{"negative root volume", func(in *Input) { in.RootVolumeGiB = -8 }, []string{"root volume", "-8"}},
		{"spot without a price", func(in *Input) { in.Market = MarketSpot }, []string{"market spot needs the Spot price"}},
		{"unknown market", func(in *Input) { in.Market = "reserved" }, []string{`"reserved"`, "on-demand and spot"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := ok
			tc.mutate(&in)
			b, warnings, got := Estimate(in)
			if got {
				t.Fatalf("ok = true for %+v", in)
			}
			if b != (Breakdown{}) {
				t.Errorf("breakdown not empty: %+v", b)
			}
			all := strings.Join(warnings, "\n")
			for _, c := range tc.contains {
				if !strings.Contains(all, c) {
					t.Errorf("warnings %q do not contain %q", all, c)
				}
			}
		})
	}

	// Several problems are all reported at once.
	_, warnings, got := Estimate(Input{Region: "nowhere", Tier: 9, InstanceType: "x", Assumptions: Assumptions{MonthlyRequests: -1}})
	if got || len(warnings) != 3 {
		t.Errorf("ok=%v warnings=%q, want 3 warnings (tier, requests, region)", got, warnings)
	}
}

func TestEstimateRootVolumeMissing(t *testing.T) {
	b, warnings, ok := Estimate(Input{Region: "us-east-1", Tier: 1, InstanceType: "t3.large", Assumptions: DefaultAssumptions()})
	if !ok {
		t.Fatalf("ok = false: %q", warnings)
	}
	if b.RootVolume.Monthly != 0 || len(warnings) != 1 || !strings.Contains(warnings[0], "root volume") {
		t.Errorf("root volume %+v, warnings %q: want a zero line and one warning", b.RootVolume, warnings)
	}
	if want := Round(0.0832*730 + 50*0.30 + 100*0.09); !approxEqual(b.Monthly, want) {
		t.Errorf("monthly = %v, want %v", b.Monthly, want)
	}
}

func TestDataTransferNotDoubleCounted(t *testing.T) {
	in := Input{Region: "us-east-1", InstanceType: "g5.xlarge", RootVolumeGiB: 75, Assumptions: DefaultAssumptions()}
	in.Tier = 2
	t2, _, _ := Estimate(in)
	in.Tier = 3
	t3, _, _ := Estimate(in)
	if t2.DataTransfer.Monthly != 9 || t3.DataTransfer.Monthly != 0 {
		t.Errorf("data transfer tier 2 = %v, tier 3 = %v; want 9 and 0", t2.DataTransfer.Monthly, t3.DataTransfer.Monthly)
	}
	// Tier 3 replaces egress (9.00) by CloudFront (1.20 + 8.50).
	if d := Round(t3.Monthly - t2.Monthly); d != Round(1.2+8.5-9) {
		t.Errorf("tier 3 - tier 2 = %v, want %v", d, Round(1.2+8.5-9))
	}
}

func TestLCUs(t *testing.T) {
	tests := []struct {
		a    Assumptions
		want float64
	}{
		{Assumptions{}, MinLCU},
		{DefaultAssumptions(), MinLCU},                                                         // 0.137 GB/h and 0.015 conn-LCU are below the floor
		{Assumptions{MonthlyDataTransferGB: 1460}, 2},                                          // 1460/730 = 2 GB per hour
		{Assumptions{MonthlyRequests: 730 * 3600 * 25 * 3}, 3},                                 // 75 new connections per second
		{Assumptions{MonthlyRequests: 730 * 3600 * 25 * 3, MonthlyDataTransferGB: 730 * 4}, 4}, // the larger dimension wins
	}
	for _, tc := range tests {
		if got := LCUs(tc.a); !approxEqual(got, tc.want) {
			t.Errorf("LCUs(%+v) = %v, want %v", tc.a, got, tc.want)
		}
	}
}

func TestRound(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{0, 0},
		{1.23456, 1.2346},
		{1.23454, 1.2345},
		{60.736, 60.736},
		{0.00005, 0.0001}, // halves away from zero
		{-0.00005, -0.0001},
		{22.264999999, 22.265},
	}
	for _, tc := range tests {
		if got := Round(tc.in); got != tc.want {
			t.Errorf("Round(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestDefaultAssumptions(t *testing.T) {
	if got := DefaultAssumptions(); got != (Assumptions{MonthlyRequests: 1_000_000, MonthlyDataTransferGB: 100, EFSStorageGB: 50}) {
		t.Errorf("DefaultAssumptions() = %+v", got)
	}
}

func TestCount(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1_000_000: "1,000,000", -12345: "-12,345"} {
		if got := count(in); got != want {
			t.Errorf("count(%d) = %q, want %q", in, got, want)
		}
	}
}
