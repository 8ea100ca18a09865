package deployment

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

func probeServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func TestProbe(t *testing.T) {
	ctx := context.Background()
	client := &http.Client{Timeout: 5 * time.Second}
	ok := probeServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/healthz" && r.Header.Get("User-Agent") == probeUserAgent:
			_, _ = w.Write([]byte("ok\n"))
		case r.URL.Path == "/old":
			http.Redirect(w, r, "/healthz", http.StatusMovedPermanently)
		case r.URL.Path == "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case r.URL.Path == "/b":
			http.Redirect(w, r, "/a", http.StatusFound)
		case r.URL.Path == "/self":
			// The same URL with the default port spelled out.
			http.Redirect(w, r, "http://"+r.Host+"/self", http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, "/n/"):
			var n int
			_, _ = fmt.Sscanf(r.URL.Path, "/n/%d", &n)
			http.Redirect(w, r, fmt.Sprintf("/n/%d", n+1), http.StatusFound)
		default:
			http.Error(w, "nope", http.StatusForbidden)
		}
	})
	cases := []struct {
		path, kind string
		status     int
		urls       int
	}{
		{"/healthz", "", 200, 1},
		{"/old", "", 200, 2},
		{"/a", "redirect-loop", 302, 3},
		{"/self", "redirect-loop", 301, 2},
		{"/n/0", "too-many-redirects", 302, maxProbeRedirects + 1},
		{"/missing", "", 403, 1},
	}
	for _, c := range cases {
		r := Probe(ctx, client, ok.URL+c.path, nil)
		if r.Kind != c.kind || r.Status != c.status || len(r.URLs) != c.urls {
			t.Errorf("%s: %+v", c.path, r)
		}
	}
	if r := Probe(ctx, client, ok.URL+"/a", nil); !strings.Contains(r.Summary(), "/a (redirected: "+ok.URL+"/b → "+ok.URL+"/a) -> redirect-loop") {
		t.Errorf("summary %q", r.Summary())
	}

	// Refused: a port nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	if r := Probe(ctx, client, "http://"+closed+"/healthz", nil); r.Kind != "refused" || r.Status != 0 {
		t.Errorf("closed port: %+v", r)
	}
	// TLS: a certificate the client does not trust.
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer tlsSrv.Close()
	if r := Probe(ctx, client, tlsSrv.URL+"/healthz", nil); r.Kind != "tls" {
		t.Errorf("untrusted certificate: %+v", r)
	}
	// DNS and timeouts, as the dialer reports them.
	for _, c := range []struct {
		err  error
		kind string
	}{
		{&net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, "dns"},
		{&net.OpError{Op: "dial", Err: &timeoutErr{}}, "timeout"},
		{errors.New("DNS lookup failed"), "dns"},
		{errors.New("Connect timed out"), "timeout"},
		{errors.New("Connection refused"), "refused"},
		{errors.New("proxyconnect tcp: dial tcp 10.0.0.1:3128: i/o timeout"), "proxy"},
		{errors.New("something else"), "network"},
	} {
		dialErr := c.err
		cl := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) { return nil, dialErr }}}
		if r := Probe(ctx, cl, "http://example.test/healthz", nil); r.Kind != c.kind {
			t.Errorf("%v: kind %q, want %q", c.err, r.Kind, c.kind)
		}
	}
}

type timeoutErr struct{}

func (*timeoutErr) Error() string   { return "i/o timeout" }
func (*timeoutErr) Timeout() bool   { return true }
func (*timeoutErr) Temporary() bool { return true }

// dataPlaneClient reaches the emulator's data plane as a machine configured
// with HTTPS_PROXY and SSL_CERT_FILE would.
func dataPlaneClient(t *testing.T, emu *awsemu.Emulator) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(emu.CAPEM()) {
		t.Fatal("no CA")
	}
	proxy, err := url.Parse(emu.ProxyURL())
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// importCertificate puts a self-signed certificate for names into ACM.
func importCertificate(t *testing.T, env *testEnv, names ...string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.c.ACM(testRegion).ImportCertificate(env.ctx, &acm.ImportCertificateInput{
		Certificate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		PrivateKey:  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.CertificateArn)
}

// Through the emulated data plane: a tier-3 create checks CloudFront serves
// the health path and the load balancer refuses a direct request; the
// configuration that applies but never serves (tier 3 with a load balancer
// certificate and no domain) fails the create at the check, and the
// rollback removes everything.
func TestVerifyReachabilityThroughDataPlane(t *testing.T) {
	env := newTestEnv(t, nil)
	env.c.HTTP = dataPlaneClient(t, env.emu)
	spec := testSpec("reach", TierGPU)
	spec.VerifyReachability = true
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	var de *Error
	var healthOK, directRefused bool
	for _, r := range env.emu.DataPlaneRequests(0) {
		switch {
		case r.URL == "https://"+st.DistributionDomain+"/healthz" && r.Status == 200 && len(r.Hops) == 3:
			healthOK = true
		case r.URL == "http://"+st.ALBDNSName+"/healthz" && strings.HasPrefix(r.Error, "timeout"):
			directRefused = true
		}
	}
	if !healthOK || !directRefused {
		t.Fatalf("requests: health %v, direct refused %v: %+v", healthOK, directRefused, env.emu.DataPlaneRequests(0))
	}

	// Origin protection undone outside Terraform: the listener forwards
	// everything and the load balancer's group admits the internet. The
	// check finds the load balancer serving directly.
	o := &op{c: env.c, spec: spec, rec: newRecorder(st)}
	if _, err := env.c.ELBV2.ModifyListener(env.ctx, &elasticloadbalancingv2.ModifyListenerInput{ListenerArn: aws.String(st.ListenerARNs[0]),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(st.TargetGroupARN)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.c.EC2.AuthorizeSecurityGroupIngress(env.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(st.ALBSecurityGroupID),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatal(err)
	}
	err = o.verifyReachability(env.ctx)
	if !errors.As(err, &de) || !strings.Contains(de.Message, "origin protection is not in effect") || !strings.Contains(de.Message, "-> 200") {
		t.Fatalf("want the direct request flagged, got %v", err)
	}
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatal(err)
	}
	env.requireEmpty(t)

	loop := testSpec("loop", TierGPU)
	loop.VerifyReachability = true
	loop.LoadBalancer.CertificateARN = importCertificate(t, env, "ai.example.com")
	_, err = Create(env.ctx, env.c, loop)
	if !errors.As(err, &de) || de.Step != stepReachability || !strings.Contains(de.Message, "redirect-loop") ||
		!strings.Contains(de.Hint, "load_balancer.domain_name") || !de.RolledBack {
		t.Fatalf("want the loop caught by the check and rolled back, got %v (%+v)", err, de)
	}
	t.Log(de.Message)
	inv := env.emu.Inventory()
	if len(inv) != 1 || inv[0].Type != "certificate" {
		t.Fatalf("left after rollback: %+v", inv)
	}
}

// With no way out (a proxy that does not exist), the check keeps trying
// for its window, then names what failed and suggests turning it off.
func TestVerifyReachabilityNoEgress(t *testing.T) {
	env := newTestEnv(t, nil)
	spec := testSpec("egress", TierDev)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead, _ := url.Parse("http://" + l.Addr().String())
	l.Close()
	c := *env.c
	c.HTTP = &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(dead)}}
	// A fake clock: the window passes without waiting for it.
	now := time.Now()
	attempts := 0
	ctx := retry.WithClock(env.ctx, func() time.Time { return now })
	ctx = retry.WithSleeper(ctx, func(_ context.Context, d time.Duration) error { now = now.Add(d); attempts++; return nil })
	o := &op{c: &c, spec: spec, rec: newRecorder(st)}
	err = o.verifyReachability(ctx)
	var de *Error
	if !errors.As(err, &de) || de.Step != stepReachability || !strings.Contains(de.Message, "-> proxy: ") || !strings.Contains(de.Hint, "verify_reachability = false") {
		t.Fatalf("got %v", err)
	}
	if attempts < 10 {
		t.Fatalf("gave up after %d attempts", attempts)
	}
	t.Log(de.Message)
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatal(err)
	}
}

// The check runs when asked for and the apply waits for the stack to serve.
func TestVerifyReachabilityInGraph(t *testing.T) {
	for _, c := range []struct {
		tier                    int
		verify, ready, cdnWaits bool
		want                    bool
	}{
		{TierDev, true, true, true, true},
		{TierDev, false, true, true, false},
		{TierDev, true, false, true, false},
		{TierAutomation, true, true, false, true},
		{TierGPU, true, true, true, true},
		{TierGPU, true, true, false, false},
	} {
		spec := testSpec("g", c.tier)
		spec.VerifyReachability, spec.WaitForReady, spec.CDN.WaitForDeployment = c.verify, c.ready, c.cdnWaits
		g := (&op{spec: spec, rec: newRecorder(&State{})}).ensureGraph()
		if err := g.validate(); err != nil {
			t.Fatal(err)
		}
		if got := g.has(stepReachability); got != c.want {
			t.Errorf("%+v: step %v", c, got)
		}
		if c.want && c.tier == TierGPU && !slices.Contains(g.steps[stepReachability].deps, stepDeployed) {
			t.Errorf("tier 3 checks before the rollout: %v", g.steps[stepReachability].deps)
		}
	}
}

// Out-of-band damage the data plane answers as AWS would, and the check
// names: the origin rule deleted (the listener's default 403 reaches the
// viewer through CloudFront), then the distribution disabled (CloudFront's
// own 403).
func TestVerifyReachabilityOutOfBandDamage(t *testing.T) {
	env := newTestEnv(t, nil)
	env.c.HTTP = dataPlaneClient(t, env.emu)
	spec := testSpec("damage", TierGPU)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatal(err)
	}
	check := func() *Error {
		t.Helper()
		now := time.Now()
		ctx := retry.WithClock(env.ctx, func() time.Time { return now })
		ctx = retry.WithSleeper(ctx, func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil })
		err := (&op{c: env.c, spec: spec, rec: newRecorder(st)}).verifyReachability(ctx)
		var de *Error
		if !errors.As(err, &de) {
			t.Fatalf("want the check to fail, got %v", err)
		}
		return de
	}
	if err := (&op{c: env.c, spec: spec, rec: newRecorder(st)}).verifyReachability(env.ctx); err != nil {
		t.Fatalf("before the damage: %v", err)
	}
	for _, arn := range st.RuleARNs {
		if _, err := env.c.ELBV2.DeleteRule(env.ctx, &elasticloadbalancingv2.DeleteRuleInput{RuleArn: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
	}
	if de := check(); !strings.Contains(de.Message, "-> 403") || !strings.Contains(de.Hint, "origin header and the listener rule must agree") {
		t.Fatalf("rule deleted: %s / %s", de.Message, de.Hint)
	}
	d, err := env.c.CloudFront.GetDistributionConfig(env.ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(st.DistributionID)})
	if err != nil {
		t.Fatal(err)
	}
	d.DistributionConfig.Enabled = aws.Bool(false)
	if _, err := env.c.CloudFront.UpdateDistribution(env.ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(st.DistributionID), IfMatch: d.ETag, DistributionConfig: d.DistributionConfig}); err != nil {
		t.Fatal(err)
	}
	env.emu.Clock().Advance(20 * time.Minute)
	if de := check(); !strings.Contains(de.Message, "-> 403") || !strings.Contains(de.Hint, "distribution is disabled") {
		t.Fatalf("distribution disabled: %s / %s", de.Message, de.Hint)
	}
}
