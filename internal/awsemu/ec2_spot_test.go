package awsemu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/cost"
)

func spotInput(in *ec2.RunInstancesInput, maxPrice string) *ec2.RunInstancesInput {
	opts := &types.SpotMarketOptions{SpotInstanceType: types.SpotInstanceTypeOneTime, InstanceInterruptionBehavior: types.InstanceInterruptionBehaviorTerminate}
	if maxPrice != "" {
		opts.MaxPrice = aws.String(maxPrice)
	}
	in.InstanceMarketOptions = &types.InstanceMarketOptionsRequest{MarketType: types.MarketTypeSpot, SpotOptions: opts}
	return in
}

func spotRequest(t *testing.T, c *ec2.Client, id string) types.SpotInstanceRequest {
	t.Helper()
	out := must[*ec2.DescribeSpotInstanceRequestsOutput](t)(c.DescribeSpotInstanceRequests(ctx(t), &ec2.DescribeSpotInstanceRequestsInput{SpotInstanceRequestIds: []string{id}}))
	return out.SpotInstanceRequests[0]
}

func postControl(t *testing.T, e *Emulator, path string, body any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(e.URL()+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestEC2SpotPriceHistory(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	c := ec2Client(e)
	now := e.Now()
	current := must[*ec2.DescribeSpotPriceHistoryOutput](t)(c.DescribeSpotPriceHistory(ctx(t), &ec2.DescribeSpotPriceHistoryInput{
		InstanceTypes: []types.InstanceType{"g5.xlarge"}, ProductDescriptions: []string{"Linux/UNIX"}, StartTime: aws.Time(now)}))
	od, _ := cost.InstancePrice(testRegion, "g5.xlarge")
	prices := map[string]float64{}
	for _, p := range current.SpotPriceHistory {
		v, err := strconv.ParseFloat(aws.ToString(p.SpotPrice), 64)
		if err != nil || p.InstanceType != "g5.xlarge" || p.ProductDescription != "Linux/UNIX" || p.Timestamp.After(now) || now.Sub(*p.Timestamp) > 6*time.Hour {
			t.Fatalf("price = %+v", p)
		}
		if v < 0.30*0.92*od || v > 0.55*1.08*od {
			t.Fatalf("%s: %v is not a realistic share of the on-demand %v", aws.ToString(p.AvailabilityZone), v, od)
		}
		prices[aws.ToString(p.AvailabilityZone)] = v
	}
	// One price in force per zone that offers g5 (us-east-1e does not).
	if len(prices) != 5 || prices["us-east-1e"] != 0 {
		t.Fatalf("zones priced: %v", prices)
	}
	distinct := map[float64]bool{}
	for _, v := range prices {
		distinct[v] = true
	}
	if len(distinct) < 3 {
		t.Fatalf("prices do not vary by zone: %v", prices)
	}
	// Two days of one zone: about eight changes, newest first.
	day2 := must[*ec2.DescribeSpotPriceHistoryOutput](t)(c.DescribeSpotPriceHistory(ctx(t), &ec2.DescribeSpotPriceHistoryInput{
		InstanceTypes: []types.InstanceType{"g5.xlarge"}, AvailabilityZone: aws.String("us-east-1b"), StartTime: aws.Time(now.Add(-48 * time.Hour)), EndTime: aws.Time(now)}))
	h := day2.SpotPriceHistory
	if len(h) < 8 || len(h) > 9 {
		t.Fatalf("two days = %d entries", len(h))
	}
	for i := 1; i < len(h); i++ {
		if !h[i].Timestamp.Before(*h[i-1].Timestamp) || h[i-1].Timestamp.Sub(*h[i].Timestamp) != 6*time.Hour {
			t.Fatalf("history not newest first at %d: %v then %v", i, h[i-1].Timestamp, h[i].Timestamp)
		}
	}
	if aws.ToString(h[0].SpotPrice) != strconv.FormatFloat(prices["us-east-1b"], 'f', 6, 64) {
		t.Fatalf("latest %s vs current %v", aws.ToString(h[0].SpotPrice), prices["us-east-1b"])
	}
	// Filters and pagination.
	var all, pages int
	p := ec2.NewDescribeSpotPriceHistoryPaginator(c, &ec2.DescribeSpotPriceHistoryInput{StartTime: aws.Time(now), MaxResults: aws.Int32(5),
		Filters: []types.Filter{filter("instance-type", "g5.*", "t3.micro"), filter("availability-zone", "us-east-1a", "us-east-1b")}})
	for p.HasMorePages() {
		page := must[*ec2.DescribeSpotPriceHistoryOutput](t)(p.NextPage(ctx(t)))
		all += len(page.SpotPriceHistory)
		pages++
	}
	if all != 2*9 || pages != 4 { // 8 g5 sizes and t3.micro in two zones
		t.Fatalf("paged %d entries in %d pages", all, pages)
	}
	win := must[*ec2.DescribeSpotPriceHistoryOutput](t)(c.DescribeSpotPriceHistory(ctx(t), &ec2.DescribeSpotPriceHistoryInput{ProductDescriptions: []string{"Windows"}, StartTime: aws.Time(now)}))
	if len(win.SpotPriceHistory) != 0 {
		t.Fatal("Windows prices for a Linux-only table")
	}
	_, err := c.DescribeSpotPriceHistory(ctx(t), &ec2.DescribeSpotPriceHistoryInput{ProductDescriptions: []string{"Linux"}})
	wantCode(t, err, "InvalidParameterValue", "productDescription")
	_, err = c.DescribeSpotPriceHistory(ctx(t), &ec2.DescribeSpotPriceHistoryInput{InstanceTypes: []types.InstanceType{"g9.huge"}})
	wantCode(t, err, "InvalidParameterValue", "g9.huge")
	_, err = c.DescribeSpotPriceHistory(ctx(t), &ec2.DescribeSpotPriceHistoryInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeSpotPriceHistory(ctx(t), &ec2.DescribeSpotPriceHistoryInput{Filters: []types.Filter{filter("color", "red")}})
	wantCode(t, err, "InvalidParameterValue")
	// The knob sets a zone's price.
	e.SetKnob("ec2.spot_price", "g5@us-east-1c=0.2")
	knobbed := must[*ec2.DescribeSpotPriceHistoryOutput](t)(c.DescribeSpotPriceHistory(ctx(t), &ec2.DescribeSpotPriceHistoryInput{
		InstanceTypes: []types.InstanceType{"g5.xlarge"}, AvailabilityZone: aws.String("us-east-1c"), StartTime: aws.Time(e.Now())}))
	if len(knobbed.SpotPriceHistory) != 1 || aws.ToString(knobbed.SpotPriceHistory[0].SpotPrice) != "0.200000" {
		t.Fatalf("knobbed = %+v", knobbed.SpotPriceHistory)
	}
}

func TestEC2SpotLaunchRequestAndInterruption(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"quota.L-3819A6DF": "4"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	gpu := func() *ec2.RunInstancesInput {
		in := env.input("g5.xlarge")
		in.ImageId = aws.String(env.dlamiX86)
		return in
	}
	// The on-demand G quota stays 0: Spot has its own.
	_, err := c.RunInstances(ctx(t), gpu())
	wantCode(t, err, "VcpuLimitExceeded")
	in := spotInput(gpu(), "")
	in.TagSpecifications = tagSpec(types.ResourceTypeSpotInstancesRequest, "geusemaker:deployment", "demo")
	inst := runOne(t, c, in)
	id := aws.ToString(inst.InstanceId)
	sir := aws.ToString(inst.SpotInstanceRequestId)
	if inst.InstanceLifecycle != types.InstanceLifecycleTypeSpot || sir == "" || len(sir) != 12 {
		t.Fatalf("launched = %+v", inst)
	}
	r := spotRequest(t, c, sir)
	od, _ := cost.InstancePrice(testRegion, "g5.xlarge")
	if r.State != types.SpotInstanceStateActive || aws.ToString(r.Status.Code) != "fulfilled" || aws.ToString(r.InstanceId) != id || r.Type != types.SpotInstanceTypeOneTime ||
		aws.ToString(r.SpotPrice) != strconv.FormatFloat(od, 'f', 6, 64) || aws.ToString(r.LaunchedAvailabilityZone) != "us-east-1a" || len(r.Tags) != 1 {
		t.Fatalf("request = %+v status = %+v", r, r.Status)
	}
	spotOnly := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("instance-lifecycle", "spot")}}))
	if len(spotOnly.Reservations) != 1 {
		t.Fatal("instance-lifecycle filter")
	}
	if !inventoryHas(e, "spot-instance-request", sir) {
		t.Fatal("an active Spot request is not in the inventory")
	}
	// The Spot vCPU quota, and no stop for a one-time Spot instance.
	_, err = c.RunInstances(ctx(t), spotInput(gpu(), ""))
	wantCode(t, err, "MaxSpotInstanceCountExceeded", "Max spot instance count exceeded")
	e.Clock().Advance(time.Minute)
	_, err = c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "UnsupportedOperation", "one-time Spot Instance request")

	// An interruption with AWS's two-minute notice.
	if code := postControl(t, e, "/_emu/spot/interrupt", map[string]string{"instance_id": id, "notice": "2m"}); code != http.StatusOK {
		t.Fatalf("interrupt = %d", code)
	}
	if got := describeInstance(t, c, id); got.State.Name != types.InstanceStateNameRunning || aws.ToString(spotRequest(t, c, sir).Status.Code) != "marked-for-termination" {
		t.Fatalf("during the notice: %s / %s", got.State.Name, aws.ToString(spotRequest(t, c, sir).Status.Code))
	}
	e.Clock().Advance(2 * time.Minute)
	got := describeInstance(t, c, id)
	if got.State.Name != types.InstanceStateNameShuttingDown || aws.ToString(got.StateReason.Code) != "Server.SpotInstanceTermination" ||
		aws.ToString(got.StateReason.Message) != "Server.SpotInstanceTermination: Spot instance termination" ||
		aws.ToString(got.StateTransitionReason)[:17] != "Service initiated" {
		t.Fatalf("interrupted = %s %+v %q", got.State.Name, got.StateReason, aws.ToString(got.StateTransitionReason))
	}
	r = spotRequest(t, c, sir)
	if r.State != types.SpotInstanceStateClosed || aws.ToString(r.Status.Code) != "instance-terminated-no-capacity" {
		t.Fatalf("request after interruption = %s %s", r.State, aws.ToString(r.Status.Code))
	}
	// Until terminated it still holds the quota; then the vCPUs are free.
	_, err = c.RunInstances(ctx(t), spotInput(gpu(), ""))
	wantCode(t, err, "MaxSpotInstanceCountExceeded")
	e.Clock().Advance(time.Minute)
	if got := describeInstance(t, c, id); got.State.Name != types.InstanceStateNameTerminated {
		t.Fatalf("after the interruption: %s", got.State.Name)
	}
	if inventoryHas(e, "spot-instance-request", sir) || inventoryHas(e, "instance", id) {
		t.Fatal("a reclaimed instance or its closed request is still in the inventory")
	}
	second := aws.ToString(runOne(t, c, spotInput(gpu(), "")).InstanceId)
	if code := postControl(t, e, "/_emu/spot/interrupt", map[string]string{"instance_id": id}); code != http.StatusConflict {
		t.Fatalf("interrupting a terminated instance = %d", code)
	}
	if code := postControl(t, e, "/_emu/spot/interrupt", map[string]string{}); code != http.StatusBadRequest {
		t.Fatalf("interrupt without id = %d", code)
	}

	// Cancelling leaves the instance running; terminating it then closes nothing more.
	sir2 := aws.ToString(describeInstance(t, c, second).SpotInstanceRequestId)
	cancel := must[*ec2.CancelSpotInstanceRequestsOutput](t)(c.CancelSpotInstanceRequests(ctx(t), &ec2.CancelSpotInstanceRequestsInput{SpotInstanceRequestIds: []string{sir2}}))
	if cancel.CancelledSpotInstanceRequests[0].State != types.CancelSpotInstanceRequestStateCancelled {
		t.Fatalf("cancel = %+v", cancel.CancelledSpotInstanceRequests)
	}
	if r := spotRequest(t, c, sir2); r.State != types.SpotInstanceStateCancelled || aws.ToString(r.Status.Code) != "request-canceled-and-instance-running" {
		t.Fatalf("cancelled = %s %s", r.State, aws.ToString(r.Status.Code))
	}
	if st := describeInstance(t, c, second).State.Name; st == types.InstanceStateNameShuttingDown || st == types.InstanceStateNameTerminated {
		t.Fatalf("cancelling terminated the instance: %s", st)
	}
	must[*ec2.TerminateInstancesOutput](t)(c.TerminateInstances(ctx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{second}}))
	if r := spotRequest(t, c, sir2); r.State != types.SpotInstanceStateCancelled || aws.ToString(r.Status.Code) != "instance-terminated-by-user" {
		t.Fatalf("terminated after cancel = %s %s", r.State, aws.ToString(r.Status.Code))
	}
	_, err = c.CancelSpotInstanceRequests(ctx(t), &ec2.CancelSpotInstanceRequestsInput{SpotInstanceRequestIds: []string{"sir-0123abcd"}})
	wantCode(t, err, "InvalidSpotInstanceRequestID.NotFound", "sir-0123abcd")
	_, err = c.DescribeSpotInstanceRequests(ctx(t), &ec2.DescribeSpotInstanceRequestsInput{SpotInstanceRequestIds: []string{"sir-xyz"}})
	wantCode(t, err, "InvalidSpotInstanceRequestID.Malformed")
	closed := must[*ec2.DescribeSpotInstanceRequestsOutput](t)(c.DescribeSpotInstanceRequests(ctx(t), &ec2.DescribeSpotInstanceRequestsInput{Filters: []types.Filter{filter("state", "closed")}}))
	if len(closed.SpotInstanceRequests) != 1 || aws.ToString(closed.SpotInstanceRequests[0].SpotInstanceRequestId) != sir {
		t.Fatalf("closed requests = %+v", closed.SpotInstanceRequests)
	}
}

func inventoryHas(e *Emulator, typ, id string) bool {
	for _, r := range e.Inventory() {
		if r.Type == typ && r.ID == id {
			return true
		}
	}
	return false
}

func TestEC2SpotLaunchFailures(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"quota.L-34B43A08": "64", "ec2.spot_capacity": "none@us-east-1a"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	_, err := c.RunInstances(ctx(t), spotInput(env.input("t3.micro"), ""))
	wantCode(t, err, "InsufficientInstanceCapacity", "We currently do not have sufficient t3.micro capacity in the Availability Zone you requested (us-east-1a).",
		"choosing us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f.")
	wantHTTPStatus(t, err, http.StatusInternalServerError)
	// The same zone still has on-demand capacity; another zone has Spot.
	runOne(t, c, env.input("t3.micro"))
	in := spotInput(env.input("t3.micro"), "")
	in.SubnetId = aws.String(env.subnetB)
	runOne(t, c, in)
	e.SetKnob("ec2.spot_capacity", "none:t3@*")
	in = spotInput(env.input("t3.micro"), "")
	in.SubnetId = aws.String(env.subnetB)
	_, err = c.RunInstances(ctx(t), in)
	wantCode(t, err, "InsufficientInstanceCapacity", "capacity in the Availability Zone you requested (us-east-1b). Our system will be working on provisioning additional capacity.")
	if strings.Contains(err.Error(), "choosing") {
		t.Fatalf("no zone has capacity, yet the message suggests one: %v", err)
	}
	in = spotInput(env.input("m5.large"), "")
	in.SubnetId = aws.String(env.subnetB)
	runOne(t, c, in)

	e.SetKnob("ec2.spot_capacity", "")
	_, err = c.RunInstances(ctx(t), spotInput(env.input("m5.large"), "0.001"))
	wantCode(t, err, "SpotMaxPriceTooLow", "Your Spot request price of 0.001 is lower than the minimum required Spot request fulfillment price of 0.")
	e.SetKnob("ec2.spot_price", "m5.large@us-east-1a=0.05")
	_, err = c.RunInstances(ctx(t), spotInput(env.input("m5.large"), "0.049"))
	wantCode(t, err, "SpotMaxPriceTooLow", "price of 0.049 is lower than the minimum required Spot request fulfillment price of 0.05.")
	runOne(t, c, spotInput(env.input("m5.large"), "0.05"))

	for _, tc := range []struct {
		name string
		mod  func(o *types.InstanceMarketOptionsRequest)
		code string
	}{
		{"persistent", func(o *types.InstanceMarketOptionsRequest) {
			o.SpotOptions.SpotInstanceType = types.SpotInstanceTypePersistent
		}, "InvalidParameterValue"},
		{"stop on one-time", func(o *types.InstanceMarketOptionsRequest) {
			o.SpotOptions.InstanceInterruptionBehavior = types.InstanceInterruptionBehaviorStop
		}, "InvalidParameterCombination"},
		{"bad price", func(o *types.InstanceMarketOptionsRequest) { o.SpotOptions.MaxPrice = aws.String("cheap") }, "InvalidParameterValue"},
		{"block duration", func(o *types.InstanceMarketOptionsRequest) { o.SpotOptions.BlockDurationMinutes = aws.Int32(60) }, "InvalidParameterValue"},
		{"market", func(o *types.InstanceMarketOptionsRequest) { o.MarketType = "reserved" }, "InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := spotInput(env.input("t3.micro"), "")
			tc.mod(in.InstanceMarketOptions)
			_, err := c.RunInstances(ctx(t), in)
			wantCode(t, err, tc.code)
		})
	}
	// A Spot request tag on an on-demand launch is refused.
	od := env.input("t3.micro")
	od.TagSpecifications = tagSpec(types.ResourceTypeSpotInstancesRequest, "a", "b")
	_, err = c.RunInstances(ctx(t), od)
	wantCode(t, err, "InvalidParameterValue", "spot-instances-request")
}

func TestEC2SpotPlacementScores(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"ec2.spot_capacity": "none@us-east-1b"}})
	c := ec2Client(e)
	out := must[*ec2.GetSpotPlacementScoresOutput](t)(c.GetSpotPlacementScores(ctx(t), &ec2.GetSpotPlacementScoresInput{
		InstanceTypes: []string{"g5.xlarge", "g6.xlarge", "g4dn.xlarge"}, TargetCapacity: aws.Int32(1), SingleAvailabilityZone: aws.Bool(true), RegionNames: []string{"us-east-1"}}))
	byZone := map[string]int32{}
	for _, s := range out.SpotPlacementScores {
		if aws.ToString(s.Region) != "us-east-1" {
			t.Fatalf("score = %+v", s)
		}
		byZone[aws.ToString(s.AvailabilityZoneId)] = aws.ToInt32(s.Score)
	}
	if len(byZone) != 6 || byZone["use1-az2"] != 1 {
		t.Fatalf("scores = %v", byZone)
	}
	high := false
	for _, v := range byZone {
		high = high || v > 3
		if v < 1 || v > 10 {
			t.Fatalf("score out of range: %v", byZone)
		}
	}
	if !high {
		t.Fatalf("three types never score above 3: %v", byZone)
	}
	// One type always scores low.
	single := must[*ec2.GetSpotPlacementScoresOutput](t)(c.GetSpotPlacementScores(ctx(t), &ec2.GetSpotPlacementScoresInput{
		InstanceTypes: []string{"g5.xlarge"}, TargetCapacity: aws.Int32(1), SingleAvailabilityZone: aws.Bool(true), RegionNames: []string{"us-east-1"}}))
	for _, s := range single.SpotPlacementScores {
		if aws.ToInt32(s.Score) > 3 {
			t.Fatalf("single type scored %d", aws.ToInt32(s.Score))
		}
	}
	regions := must[*ec2.GetSpotPlacementScoresOutput](t)(c.GetSpotPlacementScores(ctx(t), &ec2.GetSpotPlacementScoresInput{
		InstanceTypes: []string{"t3.micro", "t3.small", "m5.large"}, TargetCapacity: aws.Int32(2), RegionNames: []string{"us-east-1", "eu-west-1"}}))
	if len(regions.SpotPlacementScores) != 2 || regions.SpotPlacementScores[0].AvailabilityZoneId != nil {
		t.Fatalf("regional scores = %+v", regions.SpotPlacementScores)
	}
	_, err := c.GetSpotPlacementScores(ctx(t), &ec2.GetSpotPlacementScoresInput{InstanceTypes: []string{"t3.micro"}, TargetCapacity: aws.Int32(0)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.GetSpotPlacementScores(ctx(t), &ec2.GetSpotPlacementScoresInput{TargetCapacity: aws.Int32(1)})
	wantCode(t, err, "MissingParameter")
	_, err = c.GetSpotPlacementScores(ctx(t), &ec2.GetSpotPlacementScoresInput{InstanceTypes: []string{"t3.micro"}, TargetCapacity: aws.Int32(1), RegionNames: []string{"mars-1"}})
	wantCode(t, err, "InvalidParameterValue")
}
