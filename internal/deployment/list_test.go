package deployment

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfelbv2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/elbv2"
)

// callsSince counts the emulator's calls per operation from index from on.
func (e *testEnv) callsSince(from int) map[string]int {
	out := map[string]int{}
	for _, c := range e.emu.Calls()[from:] {
		out[c.Service+"."+c.Operation]++
	}
	return out
}

func (e *testEnv) create(t *testing.T, spec *Spec) *State {
	t.Helper()
	st, err := Create(e.ctx, e.c, spec)
	if err != nil {
		t.Fatalf("create %s: %v", spec.Name, err)
	}
	return st
}

// checkAgainstDiscover compares each summary with what the full Discover
// finds for the same name: the listing must agree with import and Read.
func (e *testEnv) checkAgainstDiscover(t *testing.T, got []Summary) {
	t.Helper()
	for _, s := range got {
		spec, st, err := Discover(e.ctx, e.c, s.Name)
		if err != nil {
			t.Fatalf("discover %s: %v", s.Name, err)
		}
		want := Summary{Name: s.Name, Tier: spec.Tier, Status: st.Status, URL: PublicURL(spec, st), GPU: spec.GPU,
			InstanceType: spec.InstanceType, InstanceID: st.InstanceID, CreatedAt: s.CreatedAt}
		if spec.Tier == TierGPU {
			want.CloudFrontDomain = st.DistributionDomain
		}
		if st.InstanceID == "" {
			want.InstanceType = ""
		}
		if s != want {
			t.Errorf("summary of %s disagrees with Discover:\n got %+v\nwant %+v", s.Name, s, want)
		}
	}
}

func TestListEmptyRegionIsCheap(t *testing.T) {
	env := newTestEnv(t, nil)
	from := len(env.emu.Calls())
	got, err := List(env.ctx, env.c)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("List = %v, %v; want an empty, non-nil list", got, err)
	}
	want := map[string]int{"ec2.DescribeTags": 1, "ec2.DescribeInstances": 1, "efs.DescribeFileSystems": 1, "iam.ListInstanceProfiles": 1}
	if calls := env.callsSince(from); !maps.Equal(calls, want) {
		t.Fatalf("calls = %v, want %v", calls, want)
	}
}

func TestListTiersGPUAndCalls(t *testing.T) {
	env := newTestEnv(t, nil)
	dev := testSpec("alpha", TierDev)
	alb := testSpec("beta", TierAutomation)
	cdn := testSpec("gamma", TierGPU)
	cdn.InstanceType, cdn.GPU = "g5.xlarge", true
	// A CPU workload on a GPU type: the listing must not call it GPU.
	cpuOnGPU := testSpec("delta", TierDev)
	cpuOnGPU.InstanceType = "g5.xlarge"
	states := map[string]*State{}
	specs := map[string]*Spec{}
	for _, s := range []*Spec{cdn, dev, cpuOnGPU, alb} {
		states[s.Name], specs[s.Name] = env.create(t, s), s
	}

	from := len(env.emu.Calls())
	got, err := List(env.ctx, env.c)
	if err != nil {
		t.Fatal(err)
	}
	calls := env.callsSince(from)
	names := make([]string, len(got))
	for i, s := range got {
		names[i] = s.Name
	}
	if !slices.Equal(names, []string{"alpha", "beta", "delta", "gamma"}) {
		t.Fatalf("names = %v, want them sorted", names)
	}
	for _, s := range got {
		spec, st := specs[s.Name], states[s.Name]
		if s.Tier != spec.Tier || s.Status != StatusRunning || s.InstanceID != st.InstanceID || s.InstanceType != spec.InstanceType || s.GPU != spec.GPU {
			t.Errorf("%s: %+v (spec tier %d gpu %v, instance %s)", s.Name, s, spec.Tier, spec.GPU, st.InstanceID)
		}
		if want := PublicURL(spec, st); s.URL != want || s.URL == "" {
			t.Errorf("%s: url %q, want %q", s.Name, s.URL, want)
		}
		if (s.CloudFrontDomain != "") != (spec.Tier == TierGPU) || (spec.Tier == TierGPU && s.CloudFrontDomain != st.DistributionDomain) {
			t.Errorf("%s: cloudfront domain %q, distribution %q", s.Name, s.CloudFrontDomain, st.DistributionDomain)
		}
		if s.CreatedAt.IsZero() || s.CreatedAt.After(env.emu.Now()) {
			t.Errorf("%s: created at %v", s.Name, s.CreatedAt)
		}
	}
	env.checkAgainstDiscover(t, got)

	// One paginated listing per service, whatever the number of
	// deployments; the boot script is read only for the two GPU types, and
	// tags only of the one GeuseMaker distribution.
	want := map[string]int{
		"ec2.DescribeTags": 1, "ec2.DescribeInstances": 1, "efs.DescribeFileSystems": 1, "iam.ListInstanceProfiles": 1,
		"ec2.DescribeInstanceTypes": 1, "ec2.DescribeInstanceAttribute": 2,
		"elbv2.DescribeLoadBalancers": 1, "elbv2.DescribeTargetGroups": 1,
		"cloudfront.ListDistributions": 1, "cloudfront.ListTagsForResource": 1,
	}
	if !maps.Equal(calls, want) {
		t.Fatalf("calls = %v\nwant    %v", calls, want)
	}
}

func TestListDegradedAndStopped(t *testing.T) {
	env := newTestEnv(t, nil)
	gone := env.create(t, testSpec("gone", TierDev))
	stopped := env.create(t, testSpec("idle", TierAutomation))
	cdnSpec := testSpec("edge", TierGPU)
	cdn := env.create(t, cdnSpec)

	// The instance of "gone" is terminated, "idle" is stopped, and the
	// load balancer of "edge" loses its listeners (CloudFront stays).
	if err := tfec2.TerminateInstance(env.ctx, env.c.EC2, gone.InstanceID, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := tfec2.StopInstance(env.ctx, env.c.EC2, stopped.InstanceID, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, l := range cdn.ListenerARNs {
		if err := tfelbv2.DeleteListener(env.ctx, env.c.ELBV2, l); err != nil {
			t.Fatal(err)
		}
	}

	got, err := List(env.ctx, env.c)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Summary{}
	for _, s := range got {
		byName[s.Name] = s
	}
	if s := byName["gone"]; s.Status != StatusDegraded || s.Tier != TierDev || s.InstanceID != "" || s.URL != "" || s.CreatedAt.IsZero() {
		t.Errorf("gone: %+v", s)
	}
	if s := byName["idle"]; s.Status != StatusStopped || s.Tier != TierAutomation || s.InstanceID != stopped.InstanceID {
		t.Errorf("idle: %+v", s)
	}
	if s := byName["edge"]; s.Status != StatusDegraded || s.Tier != TierGPU || s.CloudFrontDomain != cdn.DistributionDomain {
		t.Errorf("edge: %+v", s)
	}
	env.checkAgainstDiscover(t, got)
}

// in returns the clients for another region of the same emulator.
func (e *testEnv) in(region string) *Clients {
	c := *e.c
	c.Region = region
	c.EC2 = ec2.New(e.c.EC2.Options(), func(o *ec2.Options) { o.Region = region })
	c.EFS = efs.New(e.c.EFS.Options(), func(o *efs.Options) { o.Region = region })
	c.ELBV2 = elasticloadbalancingv2.New(e.c.ELBV2.Options(), func(o *elasticloadbalancingv2.Options) { o.Region = region })
	c.SSM = ssm.New(e.c.SSM.Options(), func(o *ssm.Options) { o.Region = region })
	return &c
}

// CloudFront is global: a namesake deployment in another region must not
// lend its distribution to this region's listing.
func TestListIgnoresNamesakeDistributionOfAnotherRegion(t *testing.T) {
	env := newTestEnv(t, nil)
	west := env.in("us-west-2")
	westSpec := testSpec("edge", TierGPU)
	westSpec.Region = "us-west-2"
	westState, err := Create(env.ctx, west, westSpec)
	if err != nil {
		t.Fatal(err)
	}
	eastState := env.create(t, testSpec("edge", TierGPU))
	if westState.DistributionDomain == eastState.DistributionDomain {
		t.Fatal("both regions share one distribution")
	}
	for _, tc := range []struct {
		c    *Clients
		want string
	}{{env.c, eastState.DistributionDomain}, {west, westState.DistributionDomain}} {
		got, err := List(env.ctx, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].CloudFrontDomain != tc.want || got[0].Status != StatusRunning {
			t.Errorf("%s: %+v, want the distribution %s", tc.c.Region, got, tc.want)
		}
		// Discover (import, the inspection data source) agrees.
		if _, st, err := Discover(env.ctx, tc.c, "edge"); err != nil || st.DistributionDomain != tc.want {
			t.Errorf("%s: Discover found the distribution %q (%v), want %s", tc.c.Region, st.DistributionDomain, err, tc.want)
		}
	}

	// Without its own distribution, this region's deployment is degraded,
	// however the namesake's distribution is tagged.
	if err := tfcloudfront.DeleteDistribution(env.ctx, env.c.CloudFront, eastState.DistributionID, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := List(env.ctx, env.c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].CloudFrontDomain != "" || got[0].Status != StatusDegraded || got[0].InstanceID != eastState.InstanceID {
		t.Errorf("after deleting the distribution: %+v", got)
	}
	env.checkAgainstDiscover(t, got)
}
