package deployment

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

func TestMarketReplaces(t *testing.T) {
	for _, tc := range []struct {
		want, lifecycle, launched string
		replace                   bool
	}{
		{MarketOnDemand, MarketOnDemand, MarketOnDemand, false},
		{MarketSpot, MarketSpot, MarketSpot, false},
		{MarketSpot, MarketOnDemand, MarketOnDemand, true}, // to Spot
		{MarketOnDemand, MarketSpot, MarketSpot, true},     // off Spot
		{MarketSpot, MarketOnDemand, MarketSpot, false},    // the fallback stays
		{MarketOnDemand, MarketOnDemand, MarketSpot, false},
		{MarketSpot, MarketOnDemand, "", true}, // launched before the market was recorded
		{MarketSpot, MarketSpot, "", false},    // an adopted CLI Spot instance
		{MarketSpot, "", "", false},            // no instance
	} {
		if got := MarketReplaces(tc.want, tc.lifecycle, tc.launched); got != tc.replace {
			t.Errorf("MarketReplaces(%q, %q, %q) = %v, want %v", tc.want, tc.lifecycle, tc.launched, got, tc.replace)
		}
	}
}

func TestCapacityTag(t *testing.T) {
	for _, c := range []CapacitySpec{
		{Market: MarketSpot, OnDemandFallback: true},
		{Market: MarketSpot},
		{Market: MarketSpot, OnDemandFallback: true, MaxSpotPrice: 0.45},
		{Market: MarketSpot, MaxSpotPrice: 1.25},
	} {
		v := capacityTag(c)
		got, ok := parseCapacityTag(v)
		if !ok || got != c {
			t.Errorf("%+v: tag %q reads back as %+v (%v)", c, v, got, ok)
		}
	}
	if v := capacityTag(DefaultCapacity()); v != "" {
		t.Errorf("on-demand instances carry no tag, got %q", v)
	}
	if _, ok := parseCapacityTag("on-demand"); ok {
		t.Error("parsed an unknown value")
	}
}

func TestMovesOn(t *testing.T) {
	spot, od := attempt{spot: true}, attempt{}
	for _, tc := range []struct {
		a    attempt
		code string
		want bool
	}{
		{spot, "InsufficientInstanceCapacity", true},
		{od, "InsufficientInstanceCapacity", true},
		{spot, "SpotMaxPriceTooLow", true},
		{od, "SpotMaxPriceTooLow", false},
		{spot, "MaxSpotInstanceCountExceeded", true},
		{spot, "Unsupported", true},
		{spot, "VcpuLimitExceeded", false},
		{od, "InvalidParameterValue", false},
		{od, "", false},
	} {
		if got := movesOn(tc.a, tc.code); got != tc.want {
			t.Errorf("movesOn(spot=%v, %q) = %v", tc.a.spot, tc.code, got)
		}
	}
}

// spotSpec is a tier-1 deployment on Spot.
func spotSpec(name string, fallback bool) *Spec {
	s := testSpec(name, TierDev)
	s.Capacity = CapacitySpec{Market: MarketSpot, OnDemandFallback: fallback}
	return s
}

func runInstancesCalls(emu *awsemu.Emulator) (ok, failed []awsemu.CallRecord) {
	for _, c := range emu.Calls() {
		if c.Operation != "RunInstances" {
			continue
		}
		if c.Error == "" {
			ok = append(ok, c)
		} else {
			failed = append(failed, c)
		}
	}
	return ok, failed
}

func TestSpotLaunch(t *testing.T) {
	t.Run("cheapest zone, read back by discovery", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{"ec2.spot_price": "t3.large@us-east-1a=0.031,t3.large@us-east-1b=0.0234"})
		spec := spotSpec("spotty", true)
		st, err := Create(env.ctx, env.c, spec)
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if st.Lifecycle != MarketSpot || st.Market != MarketSpot || st.SpotPrice != 0.0234 || st.AvailabilityZone != "us-east-1b" || st.SpotFallback != "" {
			t.Fatalf("state: lifecycle %q market %q price %v zone %q fallback %q", st.Lifecycle, st.Market, st.SpotPrice, st.AvailabilityZone, st.SpotFallback)
		}
		inst, err := tfec2.FindInstanceByID(env.ctx, env.c.EC2, st.InstanceID)
		if err != nil || inst.InstanceLifecycle != ec2types.InstanceLifecycleTypeSpot || tagMap(inst.Tags)[TagCapacity] != "spot" {
			t.Fatalf("instance: %v %+v", err, inst)
		}
		found, again, err := Discover(env.ctx, env.c, spec.Name)
		if err != nil {
			t.Fatalf("discover: %v", err)
		}
		if found.Capacity != spec.Capacity || again.SpotPrice != st.SpotPrice || again.Lifecycle != MarketSpot || again.Market != MarketSpot {
			t.Fatalf("discovered capacity %+v price %v lifecycle %q market %q", found.Capacity, again.SpotPrice, again.Lifecycle, again.Market)
		}
		if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
			t.Fatalf("delete: %v", err)
		}
		env.requireEmpty(t)
	})

	t.Run("no Spot capacity in the cheapest zone", func(t *testing.T) {
		// Without placement scores the cheapest zone is tried first.
		env := newTestEnv(t, map[string]string{"ec2.spot_price": "t3.large@us-east-1a=0.02,t3.large@us-east-1b=0.03",
			"ec2.spot_capacity": "none@us-east-1a", "iam.deny": "ec2:GetSpotPlacementScores"})
		st, err := Create(env.ctx, env.c, spotSpec("spot-1b", false))
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if st.AvailabilityZone != "us-east-1b" || st.Lifecycle != MarketSpot || st.SpotPrice != 0.03 {
			t.Fatalf("zone %q lifecycle %q price %v", st.AvailabilityZone, st.Lifecycle, st.SpotPrice)
		}
		ok, failed := runInstancesCalls(env.emu)
		if len(ok) != 1 || len(failed) < 1 {
			t.Fatalf("RunInstances: %d launched, %d failed", len(ok), len(failed))
		}
	})

	t.Run("placement scores steer clear of a zone without capacity", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{"ec2.spot_price": "t3.large@us-east-1a=0.02,t3.large@us-east-1b=0.03", "ec2.spot_capacity": "none@us-east-1a"})
		st, err := Create(env.ctx, env.c, spotSpec("spot-score", false))
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		ok, failed := runInstancesCalls(env.emu)
		if st.AvailabilityZone != "us-east-1b" || len(ok) != 1 || len(failed) != 0 {
			t.Fatalf("zone %q, RunInstances %d launched %d failed", st.AvailabilityZone, len(ok), len(failed))
		}
	})

	t.Run("no Spot capacity anywhere falls back to on-demand", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{"ec2.spot_capacity": "none@*"})
		st, err := Create(env.ctx, env.c, spotSpec("spot-od", true))
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if st.Lifecycle != MarketOnDemand || st.Market != MarketSpot || st.SpotPrice != 0 || !strings.Contains(st.SpotFallback, "InsufficientInstanceCapacity") {
			t.Fatalf("lifecycle %q market %q price %v fallback %q", st.Lifecycle, st.Market, st.SpotPrice, st.SpotFallback)
		}
		// The fallback instance stays: nothing to replace on the next update.
		again, err := Update(env.ctx, env.c, spotSpec("spot-od", true), st, spotSpec("spot-od", true).Tags)
		if err != nil || again.InstanceID != st.InstanceID {
			t.Fatalf("update replaced the fallback instance: %v %s -> %s", err, st.InstanceID, again.InstanceID)
		}
	})

	t.Run("no Spot capacity and no fallback fails with a hint and rolls back", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{"ec2.spot_capacity": "none@*"})
		_, err := Create(env.ctx, env.c, spotSpec("spot-none", false))
		var de *Error
		var ce *CapacityError
		if !errors.As(err, &de) || !errors.As(err, &ce) || de.Code != "InsufficientInstanceCapacity" || !de.RolledBack ||
			!strings.Contains(de.Hint, "on_demand_fallback = true") || len(ce.Attempts) != 2 || ce.Attempts[0].Market != MarketSpot {
			t.Fatalf("got %#v", err)
		}
		env.requireEmpty(t)
	})

	t.Run("Spot quota: straight to on-demand", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{"quota.L-34B43A08": "0"})
		st, err := Create(env.ctx, env.c, spotSpec("spot-quota", true))
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		_, failed := runInstancesCalls(env.emu)
		if st.Lifecycle != MarketOnDemand || len(failed) != 1 || !strings.Contains(st.SpotFallback, "MaxSpotInstanceCountExceeded") {
			t.Fatalf("lifecycle %q, %d failed launches, fallback %q", st.Lifecycle, len(failed), st.SpotFallback)
		}
	})
}

func TestOnDemandLaunchTriesTheOtherZone(t *testing.T) {
	t.Run("first zone short", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{"ec2.insufficient_capacity": "t3.large@us-east-1a"})
		st, err := Create(env.ctx, env.c, testSpec("od-1b", TierDev))
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if st.AvailabilityZone != "us-east-1b" || st.Lifecycle != MarketOnDemand || st.MountTargetIPs["us-east-1b"] == "" {
			t.Fatalf("zone %q lifecycle %q", st.AvailabilityZone, st.Lifecycle)
		}
		encoded, err := tfec2.FindInstanceUserData(env.ctx, env.c.EC2, st.InstanceID)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			t.Fatal(err)
		}
		script, err := userdata.Decompress(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(script, st.MountTargetIPs["us-east-1b"]) || strings.Contains(script, st.MountTargetIPs["us-east-1a"]) {
			t.Fatalf("the boot script does not mount the file system through its own zone's mount target (%v)", st.MountTargetIPs)
		}
	})
	t.Run("every zone short", func(t *testing.T) {
		env := newTestEnv(t, map[string]string{"ec2.insufficient_capacity": "t3.large@*"})
		_, err := Create(env.ctx, env.c, testSpec("od-none", TierDev))
		var de *Error
		if !errors.As(err, &de) || de.Code != "InsufficientInstanceCapacity" || !strings.Contains(de.Hint, "no capacity for t3.large") ||
			!strings.Contains(de.Message, "us-east-1a, on-demand") || !strings.Contains(de.Message, "us-east-1b, on-demand") || !de.RolledBack {
			t.Fatalf("got %#v", err)
		}
		env.requireEmpty(t)
	})
}

// A Spot launch refused for the Spot vCPU quota names the quota of the
// instance's own class, from the one quota table.
func TestCapacityErrorNamesTheSpotQuota(t *testing.T) {
	for typ, want := range map[string]string{"g5.xlarge": "L-3819A6DF", "t3.large": "L-34B43A08", "p5.48xlarge": "L-C4BD4855"} {
		e := &CapacityError{InstanceType: typ, Capacity: CapacitySpec{Market: MarketSpot},
			Attempts: []AttemptFailure{{Zone: "us-east-1a", Market: MarketSpot, Code: "MaxSpotInstanceCountExceeded"}}}
		if h := e.Hint(); !strings.Contains(h, "("+want+")") || !strings.Contains(h, "Spot vCPU quota") {
			t.Errorf("%s: hint lacks the Spot quota %s: %s", typ, want, h)
		}
	}
}
