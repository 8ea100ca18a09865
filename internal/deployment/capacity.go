package deployment

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/quota"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// The instance's capacity: which market it is bought on and where it is
// placed. A launch is a loop of attempts over the deployment's zones (the
// file system has a mount target in each, and the boot script carries the
// address of its zone's): Spot first in the cheapest zone when the market
// is spot, then on-demand when the fallback allows it. A capacity error in
// one zone moves on to the next; anything else fails the launch.

// Markets of capacity.market.
const (
	MarketOnDemand = "on-demand"
	MarketSpot     = "spot"
)

// CapacitySpec says how the instance is bought.
type CapacitySpec struct {
	// Market is MarketOnDemand or MarketSpot ("" means on-demand).
	Market string
	// OnDemandFallback launches on-demand when no zone has Spot capacity
	// at an acceptable price.
	OnDemandFallback bool
	// MaxSpotPrice caps the hourly Spot price in USD; 0 leaves EC2's
	// default cap, the on-demand price.
	MaxSpotPrice float64
}

// Spot reports whether the instance is launched on Spot first.
func (c CapacitySpec) Spot() bool { return c.Market == MarketSpot }

// market is the market's name, on-demand when unset.
func (c CapacitySpec) market() string {
	if c.Spot() {
		return MarketSpot
	}
	return MarketOnDemand
}

// DefaultCapacity is the capacity of a deployment that configures none.
func DefaultCapacity() CapacitySpec {
	return CapacitySpec{Market: MarketOnDemand, OnDemandFallback: true}
}

// TagCapacity records a Spot deployment's capacity settings on its
// instance, so that an import reads them back. On-demand instances carry
// none.
const TagCapacity = "geusemaker:capacity"

// capacityTag is the TagCapacity value for c ("" for on-demand), e.g.
// "spot", "spot fallback=false max=0.45".
func capacityTag(c CapacitySpec) string {
	if !c.Spot() {
		return ""
	}
	v := MarketSpot
	if !c.OnDemandFallback {
		v += " fallback=false"
	}
	if c.MaxSpotPrice > 0 {
		v += " max=" + strconv.FormatFloat(c.MaxSpotPrice, 'f', -1, 64)
	}
	return v
}

// parseCapacityTag reads a TagCapacity value; ok is false for a value it
// does not understand.
func parseCapacityTag(v string) (c CapacitySpec, ok bool) {
	fields := strings.Fields(v)
	if len(fields) == 0 || fields[0] != MarketSpot {
		return c, false
	}
	c = CapacitySpec{Market: MarketSpot, OnDemandFallback: true}
	for _, f := range fields[1:] {
		key, val, _ := strings.Cut(f, "=")
		switch key {
		case "fallback":
			c.OnDemandFallback = val != "false"
		case "max":
			if p, err := strconv.ParseFloat(val, 64); err == nil && p > 0 {
				c.MaxSpotPrice = p
			}
		}
	}
	return c, true
}

// lifecycleOf is the instance's purchase option as EC2 reports it: "spot",
// or "on-demand" when EC2 reports none.
func lifecycleOf(inst *ec2types.Instance) string {
	if inst.InstanceLifecycle == ec2types.InstanceLifecycleTypeSpot {
		return MarketSpot
	}
	return MarketOnDemand
}

// MarketReplaces reports whether a change of capacity.market to want
// replaces an instance whose lifecycle (as EC2 reports it) is lifecycle and
// that was launched for launchedMarket ("" when not recorded: its
// lifecycle). A Spot instance is replaced to go on-demand, and an instance
// launched on-demand to go Spot; an on-demand instance that stands in for
// Spot (the fallback) is kept, whatever the market, until it is replaced
// for another reason.
func MarketReplaces(want, lifecycle, launchedMarket string) bool {
	if lifecycle == "" {
		return false
	}
	if launchedMarket == "" {
		launchedMarket = lifecycle
	}
	if want != MarketSpot {
		return lifecycle == MarketSpot
	}
	return lifecycle == MarketOnDemand && launchedMarket != MarketSpot
}

// placement is a subnet the instance can run in.
type placement struct {
	subnet, zone, zoneID string
}

// placements lists the deployment's subnets whose zone offers the instance
// type, in the subnets' order. Newer and GPU families are missing from some
// zones, where RunInstances fails with Unsupported after everything else has
// been built.
func (o *op) placements(ctx context.Context) ([]placement, error) {
	st := o.rec.get()
	subnets, err := tfec2.FindSubnetsByIDs(ctx, o.c.EC2, st.SubnetIDs)
	if err != nil {
		return nil, err
	}
	zones, err := o.zonesOffering(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]ec2types.Subnet{}
	for _, sn := range subnets {
		byID[aws.ToString(sn.SubnetId)] = sn
	}
	var out []placement
	var used []string
	seen := map[string]bool{}
	for _, id := range st.SubnetIDs {
		sn, ok := byID[id]
		az := aws.ToString(sn.AvailabilityZone)
		switch {
		case !ok || az == "" || seen[az]:
		case slices.Contains(zones, az) && st.MountTargetIPs[az] != "":
			seen[az] = true
			out = append(out, placement{subnet: id, zone: az, zoneID: aws.ToString(sn.AvailabilityZoneId)})
		default:
			used = append(used, id+" in "+az)
		}
	}
	if len(out) == 0 {
		return nil, notOfferedError(o.spec.InstanceType, o.spec.Region, "the zones of the deployment's subnets ("+strings.Join(used, ", ")+")", zones, hintSubnets)
	}
	return out, nil
}

// attempt is one try at launching the instance.
type attempt struct {
	placement
	spot bool
	// price is the zone's current Spot price (0 when unknown).
	price float64
}

func (a attempt) market() string {
	if a.spot {
		return MarketSpot
	}
	return MarketOnDemand
}

// launchAttempts orders the tries: with the spot market, Spot in every zone,
// best first (placement score where EC2 gives one, then price), then
// on-demand in the subnets' order if the fallback allows; otherwise
// on-demand in the subnets' order.
func (o *op) launchAttempts(ctx context.Context, places []placement) []attempt {
	var out []attempt
	c := o.spec.Capacity
	if c.Spot() {
		prices, scores := o.spotOutlook(ctx, places)
		for _, p := range places {
			out = append(out, attempt{placement: p, spot: true, price: prices[p.zone].Price})
		}
		slices.SortStableFunc(out, func(a, b attempt) int {
			if s := cmp.Compare(scores[b.zoneID], scores[a.zoneID]); s != 0 {
				return s
			}
			return cmp.Compare(priceOrInf(a.price), priceOrInf(b.price))
		})
		if !c.OnDemandFallback {
			return out
		}
	}
	for _, p := range places {
		out = append(out, attempt{placement: p})
	}
	return out
}

func priceOrInf(p float64) float64 {
	if p <= 0 {
		return math.Inf(1)
	}
	return p
}

// spotOutlook reads the zones' current Spot prices and placement scores.
// Either may be unavailable (a missing permission, a region without
// scores): the launch then goes by what it has, in the subnets' order at
// worst.
func (o *op) spotOutlook(ctx context.Context, places []placement) (map[string]tfec2.SpotPrice, map[string]int32) {
	var zones []string
	for _, p := range places {
		zones = append(zones, p.zone)
	}
	prices, err := tfec2.FindSpotPrices(ctx, o.c.EC2, o.spec.InstanceType, zones, time.Now())
	if err != nil {
		warn(ctx, "Spot prices unavailable: trying the zones in the subnets' order", map[string]any{"error": err.Error()})
		prices = nil
	}
	scores, err := tfec2.FindSpotPlacementScores(ctx, o.c.EC2, o.spec.Region, o.spec.InstanceType)
	if err != nil {
		info(ctx, "Spot placement scores unavailable: choosing the zone by price", map[string]any{"error": err.Error()})
		scores = nil
	}
	for _, p := range places {
		f := map[string]any{"availability_zone": p.zone, "instance_type": o.spec.InstanceType}
		if sp, ok := prices[p.zone]; ok {
			f["spot_price"] = sp.Price
		}
		if s, ok := scores[p.zoneID]; ok {
			f["placement_score"] = s
		}
		info(ctx, "Spot outlook", f)
	}
	return prices, scores
}

// movesOn reports whether a failed attempt leaves other zones or the
// fallback worth trying: capacity, price and offering errors are about one
// zone (or one market), anything else about the request itself.
func movesOn(a attempt, code string) bool {
	switch code {
	case "InsufficientInstanceCapacity", "Unsupported":
		return true
	case "SpotMaxPriceTooLow", "MaxSpotInstanceCountExceeded", "AuthFailure.ServiceLinkedRoleCreationNotPermitted":
		return a.spot
	}
	return false
}

// spotCodeHints are the remedies for the Spot errors a launch can end with.
var spotCodeHints = map[string]string{
	"SpotMaxPriceTooLow":                                "The Spot price is above capacity.max_spot_price. Raise or remove it, or set capacity.on_demand_fallback = true.",
	"MaxSpotInstanceCountExceeded":                      "The account's Spot vCPU quota for this instance family is too low. Request an increase in Service Quotas (for example " + quota.SpotGVT.Label() + "), or set capacity.on_demand_fallback = true.",
	"AuthFailure.ServiceLinkedRoleCreationNotPermitted": "The account has no Spot service-linked role and the credentials may not create it. Create it once (aws iam create-service-linked-role --aws-service-name spot.amazonaws.com) or allow iam:CreateServiceLinkedRole for spot.amazonaws.com.",
}

// spotClosed reports whether a Spot failure holds for every zone: the
// account's Spot vCPU quota, or its Spot service-linked role.
func spotClosed(code string) bool {
	return code == "MaxSpotInstanceCountExceeded" || code == "AuthFailure.ServiceLinkedRoleCreationNotPermitted"
}

// AttemptFailure is one attempt of a launch that failed.
type AttemptFailure struct {
	Zone, Market string
	// Price is the zone's Spot price at the attempt (0: unknown or on-demand).
	Price   float64
	Code    string
	Message string
	err     error
}

func (f AttemptFailure) String() string {
	where := f.Zone + ", " + f.Market
	if f.Price > 0 {
		where += fmt.Sprintf(" at $%s/h", strconv.FormatFloat(f.Price, 'f', -1, 64))
	}
	return fmt.Sprintf("%s: %s: %s", where, f.Code, f.Message)
}

// CapacityError is a launch that found no zone and market to run in.
type CapacityError struct {
	InstanceType string
	Capacity     CapacitySpec
	Attempts     []AttemptFailure
}

func (e *CapacityError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no zone of the deployment could launch a %s instance", e.InstanceType)
	for _, a := range e.Attempts {
		b.WriteString("\n  - " + a.String())
	}
	return b.String()
}

// Unwrap gives the last attempt's AWS error, whose code the diagnostic shows.
func (e *CapacityError) Unwrap() error {
	if len(e.Attempts) == 0 {
		return nil
	}
	return e.Attempts[len(e.Attempts)-1].err
}

// Hint says what the user can do.
func (e *CapacityError) Hint() string {
	codes := map[string]bool{}
	onDemand := false
	for _, a := range e.Attempts {
		codes[a.Code] = true
		onDemand = onDemand || a.Market == MarketOnDemand
	}
	var b strings.Builder
	if !onDemand {
		b.WriteString("Spot could not be had in any zone of the deployment and capacity.on_demand_fallback is false. Set capacity.on_demand_fallback = true to launch on-demand instead")
		if codes["SpotMaxPriceTooLow"] {
			b.WriteString(", raise or remove capacity.max_spot_price (the Spot price is above it)")
		}
		if codes["MaxSpotInstanceCountExceeded"] {
			if q, ok := quota.SpotVCPU(e.InstanceType); ok {
				fmt.Fprintf(&b, ", request a higher Spot vCPU quota %s in Service Quotas", q.Label())
			} else {
				b.WriteString(", request a higher Spot vCPU quota in Service Quotas")
			}
		}
		if codes["AuthFailure.ServiceLinkedRoleCreationNotPermitted"] {
			b.WriteString(", create the Spot service-linked role once (aws iam create-service-linked-role --aws-service-name spot.amazonaws.com) or allow iam:CreateServiceLinkedRole for spot.amazonaws.com")
		}
		b.WriteString(", choose another instance_type, or run the apply again later. Nothing is retried in the same zone.")
		return b.String()
	}
	fmt.Fprintf(&b, "AWS has no capacity for %s in the zones of the deployment's subnets right now (each was tried once; the message names zones that have capacity). Run the apply again later, choose another instance_type, or deploy in another region; with vpc_id, give subnet_ids a subnet in a zone that has capacity.", e.InstanceType)
	if !e.Capacity.Spot() {
		b.WriteString(" Spot capacity (capacity.market = \"spot\") is a separate pool that may have room.")
	}
	return b.String()
}

// launchInstance launches the instance through the attempts, recording the
// first that succeeds. key gives the boot script's key for a zone.
func (o *op) launchInstance(ctx context.Context, img image, key func(zone string) string) error {
	places, err := o.placements(ctx)
	if err != nil {
		return err
	}
	var failed []AttemptFailure
	spotOver := false
	for i, a := range o.launchAttempts(ctx, places) {
		if a.spot && spotOver {
			continue
		}
		fields := map[string]any{"attempt": i + 1, "availability_zone": a.zone, "market": a.market(), "instance_type": o.spec.InstanceType}
		if a.spot && a.price > 0 {
			fields["spot_price"] = a.price
		}
		inst, ud, err := o.runAttempt(ctx, img, a)
		if err == nil {
			fields["outcome"] = "launched"
			fields["instance_id"] = aws.ToString(inst.InstanceId)
			info(ctx, "launch attempt", fields)
			return o.launched(ctx, inst, ud, a, key(a.zone), failed)
		}
		code := errs.Code(err)
		fields["outcome"] = code
		if code == "" {
			fields["outcome"] = "error"
		}
		info(ctx, "launch attempt", fields)
		if !movesOn(a, code) {
			return fmt.Errorf("launching instance in %s (%s): %w", a.zone, a.market(), vcpuQuotaError(err, o.spec.Region, o.spec.InstanceType, img.vcpus))
		}
		failed = append(failed, AttemptFailure{Zone: a.zone, Market: a.market(), Price: a.price, Code: code, Message: errs.Message(err), err: err})
		if a.spot && spotClosed(code) {
			spotOver = true
		}
	}
	return &CapacityError{InstanceType: o.spec.InstanceType, Capacity: o.spec.Capacity, Attempts: failed}
}

// runAttempt calls RunInstances for one attempt. Each attempt has its own
// client token; the SDK's retries of the call (and the retries while the
// instance profile propagates) keep it, so that none launches twice.
func (o *op) runAttempt(ctx context.Context, img image, a attempt) (*ec2types.Instance, userdata.Result, error) {
	st := o.rec.get()
	ud, err := o.renderUserData(st, a.zone)
	if err != nil {
		return nil, ud, err
	}
	o.rec.set(func(s *State) { s.Launches++ })
	in := &ec2.RunInstancesInput{
		ImageId:      aws.String(img.id),
		InstanceType: ec2types.InstanceType(o.spec.InstanceType),
		MinCount:     aws.Int32(1),
		MaxCount:     aws.Int32(1),
		// Unique per attempt, identical across the SDK's retries of it.
		ClientToken:        aws.String(fmt.Sprintf("gm-%s-%s-%d", o.spec.Name, st.Nonce, st.Launches+1)),
		SubnetId:           aws.String(a.subnet),
		SecurityGroupIds:   []string{st.InstanceSecurityGroupID},
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String(st.ProfileName)},
		UserData:           aws.String(ud.Base64),
		MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{
			HttpTokens:              ec2types.HttpTokensStateRequired,
			HttpPutResponseHopLimit: aws.Int32(1),
			HttpEndpoint:            ec2types.InstanceMetadataEndpointStateEnabled,
			InstanceMetadataTags:    ec2types.InstanceMetadataTagsStateEnabled,
		},
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{{
			DeviceName: aws.String(img.rootDevice),
			Ebs: &ec2types.EbsBlockDevice{
				VolumeSize: aws.Int32(o.spec.RootVolumeGiB), VolumeType: ec2types.VolumeTypeGp3,
				Encrypted: aws.Bool(true), DeleteOnTermination: aws.Bool(true),
			},
		}},
	}
	tags := o.spec.tagsFor(CompInstance)
	instTags := tags
	if v := capacityTag(o.spec.Capacity); v != "" {
		instTags = cloneTags(tags)
		instTags[TagCapacity] = v
	}
	in.TagSpecifications = append(tfec2.TagSpecifications(instTags, ec2types.ResourceTypeInstance),
		tfec2.TagSpecifications(tags, ec2types.ResourceTypeVolume, ec2types.ResourceTypeNetworkInterface)...)
	if a.spot {
		so := &ec2types.SpotMarketOptions{
			SpotInstanceType:             ec2types.SpotInstanceTypeOneTime,
			InstanceInterruptionBehavior: ec2types.InstanceInterruptionBehaviorTerminate,
		}
		if p := o.spec.Capacity.MaxSpotPrice; p > 0 {
			so.MaxPrice = aws.String(strconv.FormatFloat(p, 'f', -1, 64))
		}
		in.InstanceMarketOptions = &ec2types.InstanceMarketOptionsRequest{MarketType: ec2types.MarketTypeSpot, SpotOptions: so}
	}
	if o.spec.KeyName != "" {
		in.KeyName = aws.String(o.spec.KeyName)
	}
	info(ctx, "launching instance", map[string]any{"instance_type": o.spec.InstanceType, "ami_id": img.id, "availability_zone": a.zone, "market": a.market(), "user_data_bytes": len(ud.Gzipped)})
	inst, err := tfec2.RunInstance(ctx, o.c.EC2, in, min(profilePropagation, o.remaining(ctx)))
	return inst, ud, err
}

// launched records a launched instance and waits until it runs. failed are
// the attempts before it: a Spot deployment that fell back to on-demand says
// why.
func (o *op) launched(ctx context.Context, inst *ec2types.Instance, ud userdata.Result, a attempt, key string, failed []AttemptFailure) error {
	id := aws.ToString(inst.InstanceId)
	fallback := ""
	if o.spec.Capacity.Spot() && !a.spot {
		var why []string
		for _, f := range failed {
			if f.Market == MarketSpot {
				why = append(why, f.Zone+" "+f.Code)
			}
		}
		fallback = fmt.Sprintf("no Spot capacity for %s (%s): launched on-demand in %s", o.spec.InstanceType, strings.Join(why, ", "), a.zone)
		warn(ctx, "Spot unavailable: launched on-demand", map[string]any{"instance_id": id, "reason": fallback})
	}
	o.rec.set(func(s *State) {
		s.InstanceID, s.UserDataHash, s.KeyName, s.AvailabilityZone, s.AdoptedInstance = id, key, o.spec.KeyName, a.zone, false
		s.MarkersEveryBoot, s.GPUFacts = ud.PerBoot, GPUFacts{}
		s.Market, s.Lifecycle, s.SpotFallback, s.SpotPrice = o.spec.Capacity.market(), a.market(), fallback, 0
		if a.spot {
			s.SpotPrice = a.price
		}
	})
	start := time.Now()
	running, err := tfec2.WaitInstanceRunningOn(ctx, o.c.EC2, id, o.remaining(ctx), o.runningSchedule(), func(state string, elapsed time.Duration) {
		info(ctx, "waiting for instance", map[string]any{"instance_id": id, "state": state, "elapsed_s": int(elapsed.Seconds()), "estimated_percent": percent(elapsed, typicalInstanceRunning)})
	})
	if err != nil {
		return err
	}
	o.setBootBegan(retry.Now(ctx)) // the boot's wait counts from here
	o.recordInstance(running)
	if a.spot {
		// The price the instance launched at: the zone's price in force at
		// its launch time, as a later discovery reads it back.
		if p, err := spotPriceAt(ctx, o.c.EC2, running); err == nil && p > 0 {
			o.rec.set(func(s *State) { s.SpotPrice = p })
		}
	}
	info(ctx, "instance running", map[string]any{"instance_id": id, "public_ip": aws.ToString(running.PublicIpAddress), "lifecycle": lifecycleOf(running), "wait_s": round1(time.Since(start).Seconds())})
	return nil
}

// spotPriceAt is the Spot price of a Spot instance's type in its zone at its
// launch time.
func spotPriceAt(ctx context.Context, conn *ec2.Client, inst *ec2types.Instance) (float64, error) {
	if inst.Placement == nil || inst.LaunchTime == nil {
		return 0, errors.New("instance without zone or launch time")
	}
	zone := aws.ToString(inst.Placement.AvailabilityZone)
	prices, err := tfec2.FindSpotPrices(ctx, conn, string(inst.InstanceType), []string{zone}, aws.ToTime(inst.LaunchTime))
	if err != nil {
		return 0, err
	}
	return prices[zone].Price, nil
}

// syncCapacityTag keeps the instance's TagCapacity equal to the spec's.
func (o *op) syncCapacityTag(ctx context.Context, inst *ec2types.Instance) error {
	have, want := tagMap(inst.Tags)[TagCapacity], capacityTag(o.spec.Capacity)
	if have == want {
		return nil
	}
	from, to := map[string]string{}, map[string]string{}
	if have != "" {
		from[TagCapacity] = have
	}
	if want != "" {
		to[TagCapacity] = want
	}
	return tfec2.UpdateTags(ctx, o.c.EC2, []string{aws.ToString(inst.InstanceId)}, from, to)
}

func cloneTags(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// SpotQuote is the Spot price of the cheapest eligible zone, for the plan's
// cost estimate.
type SpotQuote struct {
	Zone  string
	Price float64
}

// QuoteSpot reads the current Spot price of instanceType in the zones the
// instance may run in and returns the cheapest: zones are those of the
// deployment's subnets, or nil for a dedicated VPC not made yet (the zones
// its subnets will be made in). One DescribeSpotPriceHistory call. ok is
// false when no eligible zone has a price.
func QuoteSpot(ctx context.Context, conn *ec2.Client, instanceType string, zones []string) (q SpotQuote, ok bool, err error) {
	offering, err := tfec2.FindZonesOffering(ctx, conn, instanceType)
	if err != nil {
		return q, false, err
	}
	if zones == nil {
		all, err := tfec2.FindAvailabilityZones(ctx, conn)
		if err != nil {
			return q, false, err
		}
		var names []string
		for _, z := range all {
			names = append(names, aws.ToString(z.ZoneName))
		}
		slices.Sort(names)
		zones = zonesForSubnets(names, offering)[:min(2, len(names))]
	}
	zones = slices.DeleteFunc(slices.Clone(zones), func(z string) bool { return !slices.Contains(offering, z) })
	if len(zones) == 0 {
		return q, false, nil
	}
	prices, err := tfec2.FindSpotPrices(ctx, conn, instanceType, zones, time.Now())
	if err != nil {
		return q, false, err
	}
	for _, z := range slices.Sorted(maps.Keys(prices)) {
		if p := prices[z]; !ok || p.Price < q.Price {
			q, ok = SpotQuote{Zone: z, Price: p.Price}, true
		}
	}
	return q, ok, nil
}

// warn logs a warning line in the deployment subsystem.
func warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemWarn(ctx, LogSubsystem, msg, fields)
}
