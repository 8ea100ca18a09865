package deployment

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest/legacycli"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// everyInstance lists the ids of every instance EC2 knows, terminated ones
// included (EC2 shows them for a while): a launch made twice and the
// second terminated at once still counts.
func everyInstance(t *testing.T, env *testEnv) []string {
	t.Helper()
	var ids []string
	p := ec2.NewDescribeInstancesPaginator(env.c.EC2, &ec2.DescribeInstancesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(env.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				ids = append(ids, aws.ToString(i.InstanceId))
			}
		}
	}
	return ids
}

// A Spot launch (RunInstances with Spot market options), its answer lost,
// launches one instance: in the first zone, in the second after the first
// had no Spot capacity, and on-demand after no zone had any.
func TestLostResponsesSpotLaunchOnce(t *testing.T) {
	cases := []struct {
		name     string
		knobs    map[string]string
		fallback bool
		failing  int    // attempts that find no capacity before the one that launches
		market   string // the lifecycle of the instance
		zone     string
	}{
		{name: "spot", knobs: map[string]string{"ec2.spot_price": "t3.large@us-east-1a=0.02,t3.large@us-east-1b=0.03"},
			market: MarketSpot, zone: "us-east-1a"},
		// The first zone has no Spot capacity; the second launches.
		{name: "spot-second-zone", knobs: map[string]string{"ec2.spot_price": "t3.large@us-east-1a=0.02,t3.large@us-east-1b=0.03",
			"ec2.spot_capacity": "none@us-east-1a", "iam.deny": "ec2:GetSpotPlacementScores"}, failing: 1, market: MarketSpot, zone: "us-east-1b"},
		// Spot in both zones fails, then the on-demand fallback launches.
		{name: "on-demand-fallback", knobs: map[string]string{"ec2.spot_capacity": "none@*"}, fallback: true, failing: 2, market: MarketOnDemand},
	}
	for _, tc := range cases {
		lostModes(t, tc.name+"/ec2.RunInstances", func(t *testing.T, drop bool) {
			env := newTestEnv(t, tc.knobs)
			// EC2 answers InsufficientInstanceCapacity with HTTP 500, which
			// the SDK retries: each failing attempt is MaxAttempts calls.
			after := tc.failing * env.c.EC2.Options().Retryer.MaxAttempts()
			env.emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "RunInstances", Mode: awsemu.FaultLoseResponse, Drop: drop, After: after, Times: 1})
			spec := spotSpec("lostspot", tc.fallback)
			st, err := Create(env.ctx, env.c, spec)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			requireFired(t, env)
			if st.Lifecycle != tc.market || (tc.zone != "" && st.AvailabilityZone != tc.zone) {
				t.Fatalf("lifecycle %q in %s, want %q in %s", st.Lifecycle, st.AvailabilityZone, tc.market, tc.zone)
			}
			if ids := everyInstance(t, env); len(ids) != 1 || ids[0] != st.InstanceID {
				t.Fatalf("instances %v, want only %s", ids, st.InstanceID)
			}
			got := countTypes(env)
			wantRequests := 0
			if tc.market == MarketSpot {
				wantRequests = 1
			}
			if got["instance"] != 1 || got["spot-instance-request"] != wantRequests || got["volume"] != 1 {
				t.Fatalf("%d instances, %d Spot requests, %d volumes; want 1, %d, 1", got["instance"], got["spot-instance-request"], got["volume"], wantRequests)
			}
			if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
				t.Fatalf("destroy: %v", err)
			}
			env.requireEmpty(t)
		})
	}
}

// Adopting a CLI deployment adds the mount target the CLI did not make;
// its answer lost, there is still one mount target per zone.
func TestLostResponsesAdoptLegacyMountTargetOnce(t *testing.T) {
	lostModes(t, "efs.CreateMountTarget", func(t *testing.T, drop bool) {
		env := newTestEnv(t, nil)
		d, path := legacycli.FromFixture(t, env.emu, legacyFixture("v2-tier1.json"), t.TempDir())
		env.emu.InjectFault(awsemu.Fault{Service: "efs", Operation: "CreateMountTarget", Mode: awsemu.FaultLoseResponse, Drop: drop, Times: 1})
		l, _, err := AdoptLegacyDeployment(env.ctx, env.c, path)
		if err != nil {
			t.Fatalf("adopt: %v", err)
		}
		requireFired(t, env)
		mts, err := env.c.EFS.DescribeMountTargets(env.ctx, &efs.DescribeMountTargetsInput{FileSystemId: aws.String(d.EFSID)})
		if err != nil {
			t.Fatal(err)
		}
		if len(mts.MountTargets) != 2 || len(l.State.MountTargetIDs) != 2 {
			t.Fatalf("%d mount targets, %d recorded; want 2", len(mts.MountTargets), len(l.State.MountTargetIDs))
		}
		if _, _, err := Delete(env.ctx, env.c, l.Spec, l.State); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if d.GivenVPC {
			if err := d.DeleteGivenNetwork(env.ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.DeleteCertificate(env.ctx); err != nil {
			t.Fatal(err)
		}
		env.requireEmpty(t)
	})
}

// UpdateDistribution is not a create, but its IfMatch makes a retried
// request fail (the lost answer's change moved the ETag on): an update of
// the distribution, its answer lost, still converges with one distribution.
func TestLostResponsesUpdateDistribution(t *testing.T) {
	lostModes(t, "cloudfront.UpdateDistribution", func(t *testing.T, drop bool) {
		env := newTestEnv(t, nil)
		spec := testSpec("lostcdn", TierGPU)
		st := updateLosing(t, env, spec, awsemu.Fault{Service: "cloudfront", Operation: "UpdateDistribution", Drop: drop},
			func(s *Spec) { s.CDN.PriceClass = "PriceClass_All" })
		out, err := env.c.CloudFront.GetDistributionConfig(env.ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(st.DistributionID)})
		if err != nil || out.DistributionConfig.PriceClass != "PriceClass_All" {
			t.Fatalf("price class after the update: %v %v", out, err)
		}
		if got := countTypes(env)["distribution"]; got != 1 {
			t.Fatalf("%d distributions", got)
		}
		destroyAll(t, env, spec, st)
	})
}

// UpdateFileSystem's retry after a lost answer finds the file system
// updating, then the mode already changed: asking for the same mode again
// is no change, so the 24-hour limit on mode changes does not refuse it. A
// throughput change whose answer is lost still succeeds.
func TestLostResponsesThroughputChange(t *testing.T) {
	lostModes(t, "efs.UpdateFileSystem", func(t *testing.T, drop bool) {
		env := newTestEnv(t, nil)
		spec := testSpec("lostefs", TierDev)
		st := updateLosing(t, env, spec, awsemu.Fault{Service: "efs", Operation: "UpdateFileSystem", Drop: drop},
			func(s *Spec) { s.EFS.ThroughputMode = "elastic" })
		fs, err := env.c.EFS.DescribeFileSystems(env.ctx, &efs.DescribeFileSystemsInput{FileSystemId: aws.String(st.EFSID)})
		if err != nil || len(fs.FileSystems) != 1 || fs.FileSystems[0].ThroughputMode != "elastic" {
			t.Fatalf("throughput mode after the update: %+v %v", fs, err)
		}
		destroyAll(t, env, spec, st)
	})
}

// updateLosing creates spec, then updates it to what change makes of it,
// the answer of fault's call lost once during the update; it returns the
// updated deployment once the fault is seen to have done its work.
func updateLosing(t *testing.T, env *testEnv, spec *Spec, fault awsemu.Fault, change func(*Spec)) *State {
	t.Helper()
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	fault.Mode, fault.Times = awsemu.FaultLoseResponse, 1
	env.emu.InjectFault(fault)
	change(spec)
	if st, err = Update(env.ctx, env.c, spec, st, spec.Tags); err != nil {
		t.Fatalf("update: %v", err)
	}
	requireFired(t, env)
	return st
}

// destroyAll destroys the deployment and checks that nothing is left.
func destroyAll(t *testing.T, env *testEnv, spec *Spec, st *State) {
	t.Helper()
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.requireEmpty(t)
}
