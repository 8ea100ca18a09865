package deployment

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

const testRegion = "us-east-1"

// testEnv is an emulator and the clients a deployment uses against it.
type testEnv struct {
	emu *awsemu.Emulator
	c   *Clients
	ctx context.Context
}

func newTestEnv(t *testing.T, knobs map[string]string) *testEnv {
	t.Helper()
	return newTestEnvTB(t, knobs, emutest.DefaultSpeed)
}

// newTestEnvDilated runs the waits with their real poll schedules on the
// emulator's clock, dilated speed-fold.
func newTestEnvDilated(t testing.TB, speed float64) *testEnv {
	t.Helper()
	return newTestEnvWith(t, emutest.Options{Region: testRegion, Speed: speed, Timeout: 5 * time.Minute, Dilated: true})
}

func newTestEnvTB(t testing.TB, knobs map[string]string, speed float64) *testEnv {
	t.Helper()
	return newTestEnvIn(t, testRegion, knobs, speed)
}

func newTestEnvIn(t testing.TB, region string, knobs map[string]string, speed float64) *testEnv {
	t.Helper()
	return newTestEnvWith(t, emutest.Options{Region: region, Speed: speed, Knobs: knobs, Timeout: 2 * time.Minute})
}

func newTestEnvWith(t testing.TB, o emutest.Options) *testEnv {
	t.Helper()
	started := emutest.Start(t, o)
	cfg := started.Config
	cfg.Retryer = func() aws.Retryer {
		return awsretry.NewStandard(func(o *awsretry.StandardOptions) {
			o.MaxAttempts, o.MaxBackoff = 10, 20*time.Millisecond
			o.Backoff = awsretry.NewExponentialJitterBackoff(20 * time.Millisecond)
		})
	}
	c := &Clients{
		EC2: ec2.NewFromConfig(cfg), EFS: efs.NewFromConfig(cfg), ELBV2: elasticloadbalancingv2.NewFromConfig(cfg),
		CloudFront: cloudfront.NewFromConfig(cfg), IAM: iam.NewFromConfig(cfg), SSM: ssm.NewFromConfig(cfg), Route53: route53.NewFromConfig(cfg),
		ACM: func(region string) *acm.Client {
			return acm.NewFromConfig(cfg, func(o *acm.Options) { o.Region = region })
		},
		ServiceQuotas: func(region string) *servicequotas.Client {
			return servicequotas.NewFromConfig(cfg, func(o *servicequotas.Options) { o.Region = region })
		},
		WAFV2:  wafv2.NewFromConfig(cfg, func(o *wafv2.Options) { o.Region = "us-east-1" }),
		Region: o.Region, Account: func(context.Context) (string, error) { return awsemu.AccountID, nil }, Partition: "aws",
	}
	return &testEnv{emu: started.Emu, c: c, ctx: started.Ctx}
}

func testSpec(name string, tier int) *Spec {
	return &Spec{
		Name: name, Region: testRegion, Tier: tier, InstanceType: DefaultInstanceType, RootVolumeGiB: DefaultRootVolumeGiB,
		VPCCIDR: DefaultVPCCIDR, AllowedCIDRs: []string{"0.0.0.0/0"}, Services: userdata.DefaultServices(), Models: userdata.DefaultModels(false),
		EFS:          EFSSpec{PerformanceMode: "generalPurpose", ThroughputMode: "bursting"},
		LoadBalancer: LoadBalancerSpec{SSLPolicy: DefaultSSLPolicy, IdleTimeoutSeconds: DefaultIdleTimeout, HealthCheckPath: DefaultHealthCheckPath},
		CDN:          CDNSpec{PriceClass: DefaultPriceClass, OriginReadTimeoutSeconds: DefaultOriginReadTimeout, WaitForDeployment: true, RestrictOrigin: true},
		WaitForReady: true, RollbackOnFail: true, Tags: map[string]string{"team": "ai"},
	}
}

func (e *testEnv) requireEmpty(t *testing.T) {
	t.Helper()
	if inv := e.emu.Inventory(); len(inv) != 0 {
		t.Fatalf("emulator still holds %d resources: %+v", len(inv), inv)
	}
}

func TestCreateRefreshDeleteTier1(t *testing.T) {
	env := newTestEnv(t, nil)
	spec := testSpec("demo", TierDev)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if st.InstanceID == "" || st.EFSID == "" || len(st.MountTargetIDs) != 2 || !st.OwnedNetwork || st.PublicIP == "" || st.Status != StatusRunning {
		t.Fatalf("state = %+v", st)
	}
	if got := PublicURL(spec, st); got == "" {
		t.Fatal("no public URL")
	}
	again, err := Refresh(env.ctx, env.c, spec, st)
	if err != nil || again.InstanceID != st.InstanceID || again.Status != StatusRunning || len(Missing(spec, again)) != 0 {
		t.Fatalf("refresh: %v %+v missing=%v", err, again, Missing(spec, again))
	}
	if _, _, err := Delete(env.ctx, env.c, spec, again); err != nil {
		t.Fatalf("delete: %v", err)
	}
	env.requireEmpty(t)
}

func TestCreateDeleteTier2And3(t *testing.T) {
	for _, tc := range []struct {
		name         string
		tier         int
		instanceType string
		gpu          bool
	}{
		{"alb", TierAutomation, "t3.large", false},
		{"cdn-cpu", TierGPU, "t3.large", false},
		{"cdn-gpu", TierGPU, "g5.xlarge", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, nil)
			spec := testSpec(tc.name, tc.tier)
			spec.InstanceType, spec.GPU = tc.instanceType, tc.gpu
			st, err := Create(env.ctx, env.c, spec)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if st.ALBARN == "" || st.TargetGroupARN == "" || len(st.ListenerARNs) == 0 {
				t.Fatalf("no load balancer: %+v", st)
			}
			if tc.tier == TierGPU && (st.DistributionID == "" || st.DistributionStatus != "Deployed" || st.OriginSecret == "") {
				t.Fatalf("no distribution: %+v", st)
			}
			if tc.gpu && (st.GPUHealth != "healthy" || st.GPUCount != 1 || st.GPUMemoryMiB != 24576) {
				t.Fatalf("gpu facts: %+v", st)
			}
			t.Logf("url %s", PublicURL(spec, st))
			if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
				t.Fatalf("delete: %v", err)
			}
			env.requireEmpty(t)
		})
	}
}
