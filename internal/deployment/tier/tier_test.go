package tier

import "testing"

func TestCapabilities(t *testing.T) {
	for _, tc := range []struct {
		tier           Tier
		valid, lb, cdn bool
	}{
		{0, false, false, false},
		{1, true, false, false},
		{2, true, true, false},
		{3, true, true, true},
		{4, false, true, true},
	} {
		if got := tc.tier.Valid(); got != tc.valid {
			t.Errorf("Tier(%d).Valid() = %v", tc.tier, got)
		}
		if got := tc.tier.HasLoadBalancer(); got != tc.lb {
			t.Errorf("Tier(%d).HasLoadBalancer() = %v", tc.tier, got)
		}
		if got := tc.tier.HasCDN(); got != tc.cdn {
			t.Errorf("Tier(%d).HasCDN() = %v", tc.tier, got)
		}
	}
	if Max != CDN || Min >= LoadBalanced || LoadBalanced >= CDN {
		t.Fatalf("tiers out of order: %d %d %d %d", Min, LoadBalanced, CDN, Max)
	}
}
