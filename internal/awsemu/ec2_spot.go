package awsemu

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/cost"
)

// Spot capacity: a price history per type and zone, one-time Spot instance
// requests made by RunInstances with InstanceMarketOptions, their requests'
// lifecycle, and interruptions injected through the control API.
//
// Prices are a deterministic function of (type, zone, time): a zone's level
// lies between 30% and 55% of the on-demand price (internal/cost) and moves
// within ±8% of it at price changes every six hours, each (type, zone) on its
// own schedule. The history goes back 90 days, as AWS keeps it.
//
// Knobs:
//
//	ec2.spot_price     <type-or-family-or-*>@<zone-or-*>=<usd>[,...]: that
//	                   type's Spot price in that zone, at every point of the
//	                   history (to make one zone cheaper, or to trip
//	                   SpotMaxPriceTooLow)
//	ec2.spot_capacity  none@<zone-or-*>[,...] or none:<type-or-family>@<zone-or-*>:
//	                   no Spot capacity there; Spot launches fail with
//	                   InsufficientInstanceCapacity (HTTP 500); on-demand
//	                   launches are not affected
//
// Control API: POST /_emu/spot/interrupt {"instance_id": "i-…", "notice": "2m"}
// reclaims a Spot instance as AWS does (see InterruptSpotInstance).

const (
	spotPriceSlot      = 6 * time.Hour
	spotHistoryDays    = 90
	spotProduct        = "Linux/UNIX"
	spotRequestPurge   = 4 * time.Hour
	spotStatusFulfill  = "fulfilled"
	spotTerminatedUser = "instance-terminated-by-user"
	spotTerminatedCap  = "instance-terminated-no-capacity"
	spotMarked         = "marked-for-termination"
	spotCanceledActive = "request-canceled-and-instance-running"
)

var spotStatusMessages = map[string]string{
	spotStatusFulfill:  "Your spot request is fulfilled.",
	spotTerminatedUser: "Spot Instance terminated due to user-initiated termination.",
	spotTerminatedCap:  "Spot Instance terminated due to no available capacity.",
	spotMarked:         "Spot Instance is marked for termination because there is no longer Spot capacity available for the instance.",
	spotCanceledActive: "Spot Instance request is canceled, but the instance is still running.",
}

// productDescriptions are the values DescribeSpotPriceHistory accepts; the
// emulator prices Linux/UNIX only, so the others match no history.
var productDescriptions = map[string]bool{
	"Linux/UNIX": true, "Linux/UNIX (Amazon VPC)": true, "SUSE Linux": true, "SUSE Linux (Amazon VPC)": true,
	"Red Hat Enterprise Linux": true, "Red Hat Enterprise Linux (Amazon VPC)": true, "Windows": true, "Windows (Amazon VPC)": true,
}

// ec2SpotRequest is a one-time Spot instance request and its instance.
type ec2SpotRequest struct {
	id, instanceID, az, azID   string
	instType, imageID, keyName string
	subnetID                   string
	groups                     []string
	maxPrice                   float64
	state                      string // active | closed | cancelled
	statusCode                 string
	statusAt                   time.Time
	interruptAt                time.Time // reclaimed at this time (zero: not interrupted)
	created                    time.Time
	seq                        int
	tags                       map[string]string
}

func (r *ec2SpotRequest) order() int { return r.seq }

// view is the request's state and status at now, with an interruption that
// has come due applied.
func (r *ec2SpotRequest) view(now time.Time) (state, code string, at time.Time) {
	state, code, at = r.state, r.statusCode, r.statusAt
	if r.interruptAt.IsZero() {
		return state, code, at
	}
	if now.Before(r.interruptAt) {
		if state == "active" {
			code = spotMarked
		}
		return state, code, at
	}
	if state == "active" {
		state = "closed"
	}
	return state, spotTerminatedCap, r.interruptAt
}

// spotOptions is a Spot launch as RunInstances asked for it.
type spotOptions struct {
	maxPrice float64 // 0: the on-demand price
	tags     map[string]string
}

// ---------------------------------------------------------------------------
// Prices

func hashFrac(parts ...string) float64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return float64(h.Sum64()%1_000_000) / 1_000_000
}

// onDemandPrice is the hourly on-demand Linux price of a type in region,
// from the provider's price table, falling back to us-east-1 (plus 10%) and
// then to a per-vCPU figure for types the table does not price.
func onDemandPrice(region string, t *ec2InstanceType) float64 {
	if p, ok := cost.InstancePrice(region, t.name); ok {
		return p
	}
	if p, ok := cost.InstancePrice("us-east-1", t.name); ok {
		return math.Round(p*1.1*10000) / 10000
	}
	return float64(t.vcpus)*0.05 + float64(t.gpuCount)*0.5
}

// spotPriceKnob returns the price the knob ec2.spot_price sets for a type in
// a zone, if any.
func (s *ec2Service) spotPriceKnob(t *ec2InstanceType, zone string) (float64, bool) {
	for _, entry := range strings.Split(s.e.Knob("ec2.spot_price", ""), ",") {
		where, price, ok := strings.Cut(strings.TrimSpace(entry), "=")
		if !ok {
			continue
		}
		what, z, ok := strings.Cut(where, "@")
		if !ok || !typeMatches(what, t) || (z != "*" && z != zone) {
			continue
		}
		if p, err := strconv.ParseFloat(price, 64); err == nil && p > 0 {
			return p, true
		}
	}
	return 0, false
}

// spotSlot returns the index of the price period that holds at, and when
// that period began.
func spotSlot(t *ec2InstanceType, zone string, at time.Time) (int64, time.Time) {
	k := int64(math.Floor(float64(at.Add(-spotOffset(t, zone)).Unix()) / spotPriceSlot.Seconds()))
	return k, spotSlotStart(t, zone, k)
}

// spotOffset staggers each (type, zone)'s price changes within a period.
func spotOffset(t *ec2InstanceType, zone string) time.Duration {
	return time.Duration(hashFrac("offset", t.name, zone) * float64(spotPriceSlot)).Truncate(time.Second)
}

func spotSlotStart(t *ec2InstanceType, zone string, k int64) time.Time {
	return time.Unix(k*int64(spotPriceSlot.Seconds()), 0).Add(spotOffset(t, zone)).UTC()
}

// spotPrices returns the price of each period of a type in a zone.
func (s *ec2Service) spotPrices(t *ec2InstanceType, zone string) func(k int64) float64 {
	if p, ok := s.spotPriceKnob(t, zone); ok {
		return func(int64) float64 { return p }
	}
	od := onDemandPrice(s.region, t)
	level := 0.30 + 0.25*hashFrac("level", t.name, zone)
	return func(k int64) float64 {
		move := 0.92 + 0.16*hashFrac("move", t.name, zone, strconv.FormatInt(k, 10))
		p := math.Round(od*level*move*10000) / 10000
		return math.Min(math.Max(p, 0.0001), od)
	}
}

// spotPriceIn is the price of period k.
func (s *ec2Service) spotPriceIn(t *ec2InstanceType, zone string, k int64) float64 {
	return s.spotPrices(t, zone)(k)
}

// spotPriceAt is the Spot price of a type in a zone at a time.
func (s *ec2Service) spotPriceAt(t *ec2InstanceType, zone string, at time.Time) float64 {
	k, _ := spotSlot(t, zone, at)
	return s.spotPriceIn(t, zone, k)
}

func formatPrice(p float64) string { return strconv.FormatFloat(p, 'f', 6, 64) }

// spotRow is one price change; small, because a 90-day history of every
// type and zone has some 170,000 of them.
type spotRow struct {
	t    *ec2InstanceType
	zone *AZ
	at   int64 // Unix seconds
	p    float64
}

func (s *ec2Service) DescribeSpotPriceHistory(c *Call, in *ec2.DescribeSpotPriceHistoryInput) (*ec2.DescribeSpotPriceHistoryOutput, error) {
	now := c.Now()
	end := now
	if in.EndTime != nil && in.EndTime.Before(now) {
		end = *in.EndTime
	}
	oldest := now.Add(-spotHistoryDays * 24 * time.Hour)
	start := oldest
	if in.StartTime != nil {
		if in.EndTime != nil && in.StartTime.After(*in.EndTime) {
			return nil, Errorf("InvalidParameterValue", "The start time %s is after the end time %s.", in.StartTime.UTC().Format(time.RFC3339), in.EndTime.UTC().Format(time.RFC3339))
		}
		if in.StartTime.After(start) {
			start = *in.StartTime
		}
	}
	if start.After(end) {
		start = end
	}
	for _, pd := range in.ProductDescriptions {
		if !productDescriptions[pd] {
			return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter productDescription is invalid.", pd)
		}
	}
	if len(in.ProductDescriptions) > 0 && !matchAny(spotProduct, in.ProductDescriptions) {
		return &ec2.DescribeSpotPriceHistoryOutput{SpotPriceHistory: []types.SpotPrice{}, NextToken: aws.String("")}, nil
	}
	var typesWanted []*ec2InstanceType
	if len(in.InstanceTypes) > 0 {
		for _, n := range in.InstanceTypes {
			t, ok := lookupInstanceType(string(n))
			if !ok {
				return nil, Errorf("InvalidParameterValue", "Invalid value '%s' for InstanceType.", n)
			}
			typesWanted = append(typesWanted, t)
		}
	} else {
		for i := range ec2InstanceTypes {
			typesWanted = append(typesWanted, &ec2InstanceTypes[i])
		}
	}
	zones := ZonesOf(s.region)
	if z := aws.ToString(in.AvailabilityZone); z != "" || aws.ToString(in.AvailabilityZoneId) != "" {
		az, ok := s.zoneByNameOrID(z, aws.ToString(in.AvailabilityZoneId))
		if !ok {
			return nil, Errorf("InvalidParameterValue", "Invalid availability zone: [%s]", z+aws.ToString(in.AvailabilityZoneId))
		}
		zones = []AZ{az}
	}
	// Narrow by the cheap filters before generating the history.
	for _, f := range in.Filters {
		switch aws.ToString(f.Name) {
		case "instance-type":
			var kept []*ec2InstanceType
			for _, t := range typesWanted {
				if matchAny(t.name, f.Values) {
					kept = append(kept, t)
				}
			}
			typesWanted = kept
		case "availability-zone":
			var kept []AZ
			for _, z := range zones {
				if matchAny(z.Name, f.Values) {
					kept = append(kept, z)
				}
			}
			zones = kept
		}
	}
	var rows []spotRow
	for _, t := range typesWanted {
		for zi := range zones {
			z := &zones[zi]
			if !s.offered(t, z.Name) {
				continue
			}
			// Every price change in [start, end], and the one in force at start.
			k0, _ := spotSlot(t, z.Name, start)
			k1, _ := spotSlot(t, z.Name, end)
			price := s.spotPrices(t, z.Name)
			offset := int64(spotOffset(t, z.Name).Seconds())
			for k := k1; k >= k0; k-- {
				rows = append(rows, spotRow{t: t, zone: z, at: k*int64(spotPriceSlot.Seconds()) + offset, p: price(k)})
			}
		}
	}
	slices.SortFunc(rows, func(a, b spotRow) int {
		switch {
		case a.at != b.at:
			return cmp.Compare(b.at, a.at)
		case a.t.name != b.t.name:
			return strings.Compare(a.t.name, b.t.name)
		}
		return strings.Compare(a.zone.Name, b.zone.Name)
	})
	spec := filterSpec[spotRow]{
		"availability-zone":   func(r spotRow) []string { return one(r.zone.Name) },
		"instance-type":       func(r spotRow) []string { return one(r.t.name) },
		"product-description": func(spotRow) []string { return one(spotProduct) },
		"spot-price":          func(r spotRow) []string { return one(formatPrice(r.p)) },
		"timestamp":           func(r spotRow) []string { return one(time.Unix(r.at, 0).UTC().Format("2006-01-02T15:04:05.000Z")) },
	}
	if len(in.Filters) > 0 {
		var err error
		if rows, err = applyFilters(rows, in.Filters, spec, nil); err != nil {
			return nil, err
		}
	}
	max := in.MaxResults
	if max == nil {
		max = aws.Int32(1000)
	}
	page, next, err := paginateEC2(rows, in.NextToken, max, 1, 1000, "")
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSpotPriceHistoryOutput{SpotPriceHistory: []types.SpotPrice{}, NextToken: next}
	if next == nil {
		out.NextToken = aws.String("")
	}
	for _, r := range page {
		out.SpotPriceHistory = append(out.SpotPriceHistory, types.SpotPrice{AvailabilityZone: aws.String(r.zone.Name), AvailabilityZoneId: aws.String(r.zone.ID),
			InstanceType: types.InstanceType(r.t.name), ProductDescription: types.RIProductDescription(spotProduct), SpotPrice: aws.String(formatPrice(r.p)),
			Timestamp: aws.Time(time.Unix(r.at, 0).UTC())})
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Capacity

// typeMatches reports whether a knob's type pattern (a type, a family or *)
// names t.
func typeMatches(what string, t *ec2InstanceType) bool {
	family, _, _ := strings.Cut(t.name, ".")
	return what == "*" || what == t.name || what == family
}

// onDemandShort reports whether ec2.insufficient_capacity takes the type's
// on-demand capacity away in zone. Entries are <type|family|*>@<zone|*>; an
// entry without a zone applies to every zone.
func (s *ec2Service) onDemandShort(t *ec2InstanceType, zone string) bool {
	for _, entry := range strings.Split(s.e.Knob("ec2.insufficient_capacity", ""), ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		what, where, hasZone := strings.Cut(entry, "@")
		if typeMatches(what, t) && (!hasZone || where == "*" || where == zone) {
			return true
		}
	}
	return false
}

// spotShort reports whether ec2.spot_capacity takes Spot capacity away for
// the type in zone: entries none@<zone|*> or none:<type|family>@<zone|*>.
func (s *ec2Service) spotShort(t *ec2InstanceType, zone string) bool {
	for _, entry := range strings.Split(s.e.Knob("ec2.spot_capacity", ""), ",") {
		what, where, ok := strings.Cut(strings.TrimSpace(entry), "@")
		if !ok || (where != "*" && where != zone) {
			continue
		}
		kind, typ, hasType := strings.Cut(what, ":")
		if kind == "none" && (!hasType || typeMatches(typ, t)) {
			return true
		}
	}
	return false
}

// checkOnDemandCapacity answers InsufficientInstanceCapacity, a server error
// (HTTP 500), where the knob says the zone has no capacity for the type.
func (s *ec2Service) checkOnDemandCapacity(t *ec2InstanceType, zone string) error {
	if !s.onDemandShort(t, zone) {
		return nil
	}
	return insufficientCapacity(t, zone, s.zonesOffering(t), func(z string) bool { return s.onDemandShort(t, z) })
}

// ---------------------------------------------------------------------------
// Spot launches through RunInstances

// spotLaunch validates InstanceMarketOptions; nil means an on-demand launch.
func (s *ec2Service) spotLaunch(c *Call, mo *types.InstanceMarketOptionsRequest, tags map[string]string) (*spotOptions, error) {
	if mo == nil || (mo.MarketType == "" && mo.SpotOptions == nil) {
		if tags != nil {
			return nil, Errorf("InvalidParameterValue", "'spot-instances-request' is not a valid taggable resource type for an On-Demand launch.")
		}
		return nil, nil
	}
	switch mo.MarketType {
	case types.MarketTypeSpot:
	case "":
		return nil, missingParam("InstanceMarketOptions.MarketType")
	case types.MarketTypeCapacityBlock:
		return nil, Errorf("InvalidParameterValue", "Capacity Blocks are not emulated.")
	default:
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter InstanceMarketOptions.MarketType is invalid. Valid values are spot, capacity-block.", mo.MarketType)
	}
	o := &spotOptions{tags: tags}
	so := mo.SpotOptions
	if so == nil {
		return o, nil
	}
	switch so.SpotInstanceType {
	case "", types.SpotInstanceTypeOneTime:
	case types.SpotInstanceTypePersistent:
		return nil, Errorf("InvalidParameterValue", "Persistent Spot Instance requests are not emulated; use one-time.")
	default:
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter SpotInstanceType is invalid. Valid values are one-time, persistent.", so.SpotInstanceType)
	}
	switch so.InstanceInterruptionBehavior {
	case "", types.InstanceInterruptionBehaviorTerminate:
	case types.InstanceInterruptionBehaviorStop, types.InstanceInterruptionBehaviorHibernate:
		return nil, Errorf("InvalidParameterCombination", "The interruption behavior '%s' is supported only for persistent Spot Instance requests. One-time requests can only terminate.", so.InstanceInterruptionBehavior)
	default:
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter InstanceInterruptionBehavior is invalid. Valid values are hibernate, stop, terminate.", so.InstanceInterruptionBehavior)
	}
	if so.BlockDurationMinutes != nil {
		return nil, Errorf("InvalidParameterValue", "Spot Instances with a defined duration (Spot blocks) are no longer available.")
	}
	if so.ValidUntil != nil && !so.ValidUntil.After(c.Now()) {
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter ValidUntil is invalid. The date must be in the future.", so.ValidUntil.UTC().Format(time.RFC3339))
	}
	if so.MaxPrice != nil {
		p, err := strconv.ParseFloat(aws.ToString(so.MaxPrice), 64)
		if err != nil || p <= 0 || math.IsInf(p, 0) || math.IsNaN(p) {
			return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter spotPrice is invalid. The price must be a positive number.", aws.ToString(so.MaxPrice))
		}
		o.maxPrice = p
	}
	return o, nil
}

// checkSpotLaunch applies what a Spot launch meets beyond on-demand: the
// Spot vCPU quota (MaxSpotInstanceCountExceeded), the maximum price against
// the zone's current price (SpotMaxPriceTooLow) and Spot capacity.
func (s *ec2Service) checkSpotLaunch(o *spotOptions, t *ec2InstanceType, zone string, n int, now time.Time) error {
	_, code := vcpuQuotas(t.name)
	if code == "" {
		return Errorf("Unsupported", "The instance type %s is not supported for Spot Instances.", t.name)
	}
	if err := s.checkVCPUs(code, n*int(t.vcpus), now, nil); err != nil {
		return err
	}
	current := s.spotPriceAt(t, zone, now)
	if o.maxPrice > 0 && o.maxPrice < current {
		return Errorf("SpotMaxPriceTooLow", "Your Spot request price of %s is lower than the minimum required Spot request fulfillment price of %s.",
			strconv.FormatFloat(o.maxPrice, 'f', -1, 64), strconv.FormatFloat(current, 'f', -1, 64))
	}
	if s.spotShort(t, zone) {
		return insufficientCapacity(t, zone, s.zonesOffering(t), func(z string) bool { return s.spotShort(t, z) })
	}
	return nil
}

// insufficientCapacity is EC2's InsufficientInstanceCapacity, a server error
// (HTTP 500), naming the other zones that have capacity for the type. Spot
// launches through RunInstances get the same answer as on-demand ones.
func insufficientCapacity(t *ec2InstanceType, zone string, offering []string, short func(string) bool) *APIError {
	var others []string
	for _, z := range offering {
		if z != zone && !short(z) {
			others = append(others, z)
		}
	}
	msg := fmt.Sprintf("We currently do not have sufficient %s capacity in the Availability Zone you requested (%s). Our system will be working on provisioning additional capacity.", t.name, zone)
	// The message names the zones that have capacity; with none it has
	// nothing to suggest.
	if len(others) > 0 {
		msg += fmt.Sprintf(" You can currently get %s capacity by not specifying an Availability Zone in your request or choosing %s.", t.name, strings.Join(others, ", "))
	}
	return ErrorfStatus(http.StatusInternalServerError, "InsufficientInstanceCapacity", "%s", msg)
}

// newSpotRequest records the fulfilled one-time request of a launched Spot
// instance and marks the instance as Spot.
func (s *ec2Service) newSpotRequest(c *Call, inst *ec2Instance, o *spotOptions) {
	now := c.Now()
	t, _ := lookupInstanceType(inst.instType)
	maxPrice := o.maxPrice
	if maxPrice == 0 {
		maxPrice = onDemandPrice(s.region, t)
	}
	r := &ec2SpotRequest{id: "sir-" + c.Emu.HexID("sir", 8), instanceID: inst.id, az: inst.az, instType: inst.instType, imageID: inst.imageID,
		keyName: inst.keyName, subnetID: inst.subnetID, groups: append([]string(nil), inst.groups...), maxPrice: maxPrice, state: "active",
		statusCode: spotStatusFulfill, statusAt: now, created: now, seq: s.nextSeq(), tags: copyTags(o.tags)}
	if z, ok := s.zoneByNameOrID(inst.az, ""); ok {
		r.azID = z.ID
	}
	if r.tags == nil {
		r.tags = map[string]string{}
	}
	s.spotRequests[r.id] = r
	inst.lifecycle, inst.spotRequestID = "spot", r.id
}

// spotInstanceTerminatedByUser closes a Spot instance's request when its
// user terminates it.
func (s *ec2Service) spotInstanceTerminatedByUser(inst *ec2Instance, now time.Time) {
	r, ok := s.spotRequests[inst.spotRequestID]
	if !ok {
		return
	}
	if !r.interruptAt.IsZero() && now.Before(r.interruptAt) {
		r.interruptAt = time.Time{}
		inst.spotInterruptAt = time.Time{}
	}
	if state, _, _ := r.view(now); state == "active" {
		r.state = "closed"
	}
	r.statusCode, r.statusAt = spotTerminatedUser, now
}

func (s *ec2Service) tickSpot(now time.Time) {
	for _, id := range sortedKeys(s.spotRequests) {
		r := s.spotRequests[id]
		state, _, at := r.view(now)
		if _, live := s.instances[r.instanceID]; !live && state != "active" && !now.Before(at.Add(spotRequestPurge)) {
			delete(s.spotRequests, id)
		}
	}
}

func (s *ec2Service) spotRequestView(r *ec2SpotRequest, now time.Time) types.SpotInstanceRequest {
	state, code, at := r.view(now)
	spec := &types.LaunchSpecification{ImageId: aws.String(r.imageID), InstanceType: types.InstanceType(r.instType), SubnetId: aws.String(r.subnetID),
		Placement: &types.SpotPlacement{AvailabilityZone: aws.String(r.az), Tenancy: types.TenancyDefault}, SecurityGroups: s.groupIdentifiers(r.groups),
		Monitoring: &types.RunInstancesMonitoringEnabled{Enabled: aws.Bool(false)}}
	if r.keyName != "" {
		spec.KeyName = aws.String(r.keyName)
	}
	return types.SpotInstanceRequest{SpotInstanceRequestId: aws.String(r.id), InstanceId: aws.String(r.instanceID), SpotPrice: aws.String(formatPrice(r.maxPrice)),
		Type: types.SpotInstanceTypeOneTime, State: types.SpotInstanceState(state), CreateTime: aws.Time(r.created),
		Status:                       &types.SpotInstanceStatus{Code: aws.String(code), Message: aws.String(spotStatusMessages[code]), UpdateTime: aws.Time(at)},
		InstanceInterruptionBehavior: types.InstanceInterruptionBehaviorTerminate, LaunchSpecification: spec, LaunchedAvailabilityZone: aws.String(r.az),
		LaunchedAvailabilityZoneId: aws.String(r.azID), ProductDescription: types.RIProductDescription(spotProduct), Tags: ec2Tags(r.tags)}
}

func spotRequestNotFound(ids []string) *APIError {
	if len(ids) == 1 {
		return Errorf("InvalidSpotInstanceRequestID.NotFound", "The spot instance request ID '%s' does not exist", ids[0])
	}
	return Errorf("InvalidSpotInstanceRequestID.NotFound", "The spot instance request IDs '%s' do not exist", strings.Join(ids, ", "))
}

func (s *ec2Service) spotRequestsByIDs(ids []string) ([]*ec2SpotRequest, error) {
	var out []*ec2SpotRequest
	var missing []string
	for _, id := range ids {
		if malformed(id, "sir") {
			return nil, Errorf("InvalidSpotInstanceRequestID.Malformed", "Invalid id: \"%s\" (expecting \"sir-...\")", id)
		}
		r, ok := s.spotRequests[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		out = append(out, r)
	}
	if len(missing) > 0 {
		return nil, spotRequestNotFound(missing)
	}
	return out, nil
}

func (s *ec2Service) DescribeSpotInstanceRequests(c *Call, in *ec2.DescribeSpotInstanceRequestsInput) (*ec2.DescribeSpotInstanceRequestsOutput, error) {
	now := c.Now()
	s.Tick(now)
	items := sortedBySeq(s.spotRequests)
	if len(in.SpotInstanceRequestIds) > 0 {
		var err error
		if items, err = s.spotRequestsByIDs(in.SpotInstanceRequestIds); err != nil {
			return nil, err
		}
	}
	spec := filterSpec[*ec2SpotRequest]{
		"spot-instance-request-id":   func(r *ec2SpotRequest) []string { return one(r.id) },
		"instance-id":                func(r *ec2SpotRequest) []string { return one(r.instanceID) },
		"state":                      func(r *ec2SpotRequest) []string { st, _, _ := r.view(now); return one(st) },
		"status-code":                func(r *ec2SpotRequest) []string { _, code, _ := r.view(now); return one(code) },
		"type":                       func(r *ec2SpotRequest) []string { return one("one-time") },
		"launched-availability-zone": func(r *ec2SpotRequest) []string { return one(r.az) },
		"product-description":        func(r *ec2SpotRequest) []string { return one(spotProduct) },
		"spot-price":                 func(r *ec2SpotRequest) []string { return one(formatPrice(r.maxPrice)) },
		"launch.instance-type":       func(r *ec2SpotRequest) []string { return one(r.instType) },
		"launch.image-id":            func(r *ec2SpotRequest) []string { return one(r.imageID) },
		"launch.key-name":            func(r *ec2SpotRequest) []string { return one(r.keyName) },
		"launch.group-id":            func(r *ec2SpotRequest) []string { return r.groups },
		"instance-interruption-behavior": func(r *ec2SpotRequest) []string {
			return one("terminate")
		},
	}
	items, err := applyFilters(items, in.Filters, spec, func(r *ec2SpotRequest) map[string]string { return r.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 1000, idsParam("spotInstanceRequestIds", in.SpotInstanceRequestIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeSpotInstanceRequestsOutput{NextToken: next, SpotInstanceRequests: []types.SpotInstanceRequest{}}
	for _, r := range page {
		out.SpotInstanceRequests = append(out.SpotInstanceRequests, s.spotRequestView(r, now))
	}
	return out, nil
}

// CancelSpotInstanceRequests cancels requests; their instances keep running
// (a one-time request's instance is not terminated by the cancellation).
func (s *ec2Service) CancelSpotInstanceRequests(c *Call, in *ec2.CancelSpotInstanceRequestsInput) (*ec2.CancelSpotInstanceRequestsOutput, error) {
	now := c.Now()
	s.Tick(now)
	if len(in.SpotInstanceRequestIds) == 0 {
		return nil, missingParam("SpotInstanceRequestId")
	}
	reqs, err := s.spotRequestsByIDs(in.SpotInstanceRequestIds)
	if err != nil {
		return nil, err
	}
	if aws.ToBool(in.DryRun) {
		return nil, ErrorfStatus(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	out := &ec2.CancelSpotInstanceRequestsOutput{CancelledSpotInstanceRequests: []types.CancelledSpotInstanceRequest{}}
	for _, r := range reqs {
		if state, _, _ := r.view(now); state == "active" {
			r.state = "cancelled"
			if inst, ok := s.instances[r.instanceID]; ok && holdsCapacity(inst.tl.State(now)) {
				r.statusCode, r.statusAt = spotCanceledActive, now
			}
		}
		state, _, _ := r.view(now)
		out.CancelledSpotInstanceRequests = append(out.CancelledSpotInstanceRequests,
			types.CancelledSpotInstanceRequest{SpotInstanceRequestId: aws.String(r.id), State: types.CancelSpotInstanceRequestState(state)})
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Interruption

var spotTermination = &types.StateReason{Code: aws.String("Server.SpotInstanceTermination"), Message: aws.String("Server.SpotInstanceTermination: Spot instance termination")}

func serviceInitiated(at time.Time) string {
	return "Service initiated (" + at.UTC().Format("2006-01-02 15:04:05") + " GMT)"
}

// InterruptSpotInstance reclaims a Spot instance as EC2 does: after notice
// (AWS gives two minutes; zero reclaims at once) during which the request's
// status is marked-for-termination, the instance goes shutting-down then
// terminated with StateReason Server.SpotInstanceTermination, and its
// one-time request is closed with status instance-terminated-no-capacity.
// The instance may be in any region.
func (e *Emulator) InterruptSpotInstance(instanceID string, notice time.Duration) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.tickLocked(now)
	for _, key := range sortedKeys(e.instances) {
		s, ok := e.instances[key].(*ec2Service)
		if !ok {
			continue
		}
		inst, ok := s.instances[instanceID]
		if !ok {
			continue
		}
		if inst.lifecycle != "spot" {
			return fmt.Errorf("instance %s is not a Spot instance", instanceID)
		}
		switch st := inst.tl.State(now); st {
		case "shutting-down", "terminated":
			return fmt.Errorf("instance %s is %s", instanceID, st)
		}
		if !inst.spotInterruptAt.IsZero() {
			return fmt.Errorf("instance %s is already being interrupted", instanceID)
		}
		at := now.Add(max(notice, 0))
		// Keep what happened up to now, then shutting-down at the end of the notice.
		kept := inst.tl.phases[:0]
		for _, p := range inst.tl.phases {
			if !p.At.After(now) {
				kept = append(kept, p)
			}
		}
		inst.tl.phases = append(kept, Phase{State: "shutting-down", At: at}, Phase{State: "terminated", At: at.Add(e.KnobDuration("ec2.terminate_duration", 45*time.Second))})
		inst.spotInterruptAt = at
		if r, ok := s.spotRequests[inst.spotRequestID]; ok {
			r.interruptAt = at
			if state, _, _ := r.view(now); state == "active" {
				r.statusAt = now
			}
		}
		return nil
	}
	return fmt.Errorf("instance %s does not exist", instanceID)
}

// ---------------------------------------------------------------------------
// Placement scores

func (s *ec2Service) GetSpotPlacementScores(c *Call, in *ec2.GetSpotPlacementScoresInput) (*ec2.GetSpotPlacementScoresOutput, error) {
	if in.TargetCapacity == nil {
		return nil, missingParam("TargetCapacity")
	}
	if n := *in.TargetCapacity; n < 1 || n > 2000000000 {
		return nil, Errorf("InvalidParameterValue", "Value (%d) for parameter TargetCapacity is invalid. Expected a value between 1 and 2000000000.", n)
	}
	switch {
	case len(in.InstanceTypes) > 0 && in.InstanceRequirementsWithMetadata != nil:
		return nil, Errorf("InvalidParameterCombination", "The parameter InstanceTypes cannot be used with the parameter InstanceRequirementsWithMetadata")
	case in.InstanceRequirementsWithMetadata != nil:
		return nil, Errorf("InvalidParameterValue", "Scores for InstanceRequirementsWithMetadata are not emulated; name the instance types.")
	case len(in.InstanceTypes) == 0:
		return nil, missingParam("InstanceTypes")
	}
	var ts []*ec2InstanceType
	distinct := map[string]bool{}
	for _, n := range in.InstanceTypes {
		t, ok := lookupInstanceType(n)
		if !ok {
			return nil, Errorf("InvalidParameterValue", "Invalid value '%s' for InstanceType.", n)
		}
		if !distinct[n] {
			distinct[n] = true
			ts = append(ts, t)
		}
	}
	regions := in.RegionNames
	if len(regions) == 0 {
		regions = sortedKeys(Regions)
	}
	for _, r := range regions {
		if _, ok := Regions[r]; !ok {
			return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter RegionNames is invalid.", r)
		}
	}
	vcpus := 0
	for _, t := range ts {
		vcpus += int(t.vcpus)
	}
	perUnit := float64(vcpus) / float64(len(ts))
	if in.TargetCapacityUnitType == types.TargetCapacityUnitTypeVcpu {
		perUnit = 1
	}
	need := float64(*in.TargetCapacity) * perUnit
	var scores []types.SpotPlacementScore
	for _, region := range regions {
		rs := &ec2Service{e: s.e, region: region}
		best := int32(0)
		for _, z := range ZonesOf(region) {
			score := int32(0)
			for _, t := range ts {
				if !rs.offered(t, z.Name) || rs.spotShort(t, z.Name) {
					continue
				}
				score = max(score, 3+int32(hashFrac("score", t.name, z.Name)*8))
			}
			if score == 0 {
				score = 1
			}
			// One or two types always score low, as AWS documents.
			if len(ts) < 3 {
				score = min(score, 3)
			}
			if need > 1000 {
				score = max(1, score-3)
			}
			if aws.ToBool(in.SingleAvailabilityZone) {
				scores = append(scores, types.SpotPlacementScore{Region: aws.String(region), AvailabilityZoneId: aws.String(z.ID), Score: aws.Int32(score)})
			}
			best = max(best, score)
		}
		if !aws.ToBool(in.SingleAvailabilityZone) {
			scores = append(scores, types.SpotPlacementScore{Region: aws.String(region), Score: aws.Int32(best)})
		}
	}
	sort.SliceStable(scores, func(i, j int) bool { return aws.ToInt32(scores[i].Score) > aws.ToInt32(scores[j].Score) })
	page, next, err := paginateEC2(scores, in.NextToken, in.MaxResults, 10, 1000, "")
	if err != nil {
		return nil, err
	}
	return &ec2.GetSpotPlacementScoresOutput{NextToken: next, SpotPlacementScores: append([]types.SpotPlacementScore{}, page...)}, nil
}
