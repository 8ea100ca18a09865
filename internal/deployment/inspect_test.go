package deployment

import (
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

func TestInspectDistribution(t *testing.T) {
	env := newTestEnv(t, nil)
	spec := testSpec("edge", TierGPU)
	spec.CDN.OriginReadTimeoutSeconds = 45
	st := env.create(t, spec)

	d, err := InspectDistribution(env.ctx, env.c, st.DistributionID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (OriginDetails{DomainName: st.ALBDNSName, ProtocolPolicy: "http-only", ReadTimeoutSeconds: 45}); d.Origin != want {
		t.Errorf("origin = %+v, want %+v", d.Origin, want)
	}
	want := []CacheBehaviorDetails{
		{PathPattern: "*", CachePolicyID: cachePolicyCachingDisabled, OriginRequestPolicyID: originRequestPolicyAllViewer, ViewerProtocolPolicy: "redirect-to-https"},
		{PathPattern: "/assets/*", CachePolicyID: cachePolicyCachingOptimized, ViewerProtocolPolicy: "redirect-to-https"},
		{PathPattern: "/static/*", CachePolicyID: cachePolicyCachingOptimized, ViewerProtocolPolicy: "redirect-to-https"},
	}
	if len(d.Behaviors) != len(want) {
		t.Fatalf("behaviors = %+v, want %+v", d.Behaviors, want)
	}
	for i := range want {
		if d.Behaviors[i] != want[i] {
			t.Errorf("behavior %d = %+v, want %+v", i, d.Behaviors[i], want[i])
		}
	}

	if _, err := InspectDistribution(env.ctx, env.c, "E0000000000000"); !retry.NotFound(err) {
		t.Errorf("unknown distribution: %v, want a not-found error", err)
	}
}
