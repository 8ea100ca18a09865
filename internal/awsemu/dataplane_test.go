package awsemu

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// --- a client as a user's machine has one ----------------------------------------------

// dpClient is an HTTP client configured the way a program run with
// HTTP_PROXY/HTTPS_PROXY and SSL_CERT_FILE is: the proxy chosen per scheme
// from the environment-style settings, the CA fetched from the control API.
// source, when set, is the client's address (the proxy URL's user name).
func dpClient(t *testing.T, e *Emulator, source string) *http.Client {
	t.Helper()
	resp, err := http.Get(e.URL() + "/_emu/ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("ca.pem is not a PEM certificate: %q", pemBytes)
	}
	proxy := e.ProxyURL()
	if source != "" {
		proxy = strings.Replace(proxy, "http://", "http://"+source+"@", 1)
	}
	env := map[string]string{"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy}
	return &http.Client{
		Transport: &http.Transport{
			Proxy: func(r *http.Request) (*url.URL, error) {
				return url.Parse(env[strings.ToUpper(r.URL.Scheme)+"_PROXY"])
			},
			TLSClientConfig: &tls.Config{RootCAs: pool},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       20 * time.Second,
	}
}

type dpAnswer struct {
	status int
	header http.Header
	body   string
}

func dpDo(t *testing.T, c *http.Client, method, u string, header map[string]string, body string) dpAnswer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return dpAnswer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func dpGet(t *testing.T, c *http.Client, u string) dpAnswer {
	t.Helper()
	return dpDo(t, c, http.MethodGet, u, nil, "")
}

func wantAnswer(t *testing.T, a dpAnswer, status int, bodyContains string) {
	t.Helper()
	if a.status != status || !strings.Contains(a.body, bodyContains) {
		t.Fatalf("want %d with %q, got %d %v\n%s", status, bodyContains, a.status, a.header, a.body)
	}
}

// lastRequest returns the latest logged data plane request.
func lastRequest(t *testing.T, e *Emulator) DataPlaneRequest {
	t.Helper()
	reqs := e.DataPlaneRequests(0)
	if len(reqs) == 0 {
		t.Fatal("no data plane request logged")
	}
	return reqs[len(reqs)-1]
}

func hopTexts(r DataPlaneRequest) []string {
	var out []string
	for _, h := range r.Hops {
		out = append(out, h.Text)
	}
	return out
}

// --- a deployment built through the real SDK clients ------------------------------------

const dpSecret = "s3cr3t-origin-header-value-0123456789abcdef"

var dpCredentials = map[string]string{
	"n8n-owner-email":    "owner@example.com",
	"n8n-owner-password": "correct horse battery staple",
	"ollama-api-key":     "ollama-key-1",
	"qdrant-api-key":     "qdrant-key-2",
	"crawl4ai-token":     "crawl4ai-token-3",
}

type dpDeploy struct {
	*elbEnv
	cf       *cloudfront.Client
	instSG   string
	pl       string
	instance string
	publicIP string
	lbARN    *string
	lbDNS    string
	tgARN    *string
	listener *string
	dist     string
	domain   string
}

// newDPDeploy builds a tier-3-shaped deployment: a VPC with an internet
// route, an instance with a GeuseMaker manifest behind NGINX, an ALB
// admitting only CloudFront's origin-facing prefix list whose listener
// answers 403 unless the origin header is present, and (when cdn) a
// CloudFront distribution in front of it.
func newDPDeploy(t *testing.T, cdn bool) *dpDeploy {
	t.Helper()
	env := newELBEnv(t, Options{})
	d := &dpDeploy{elbEnv: env, cf: cfClient(env.e)}
	c := ctx(t)
	igw := must[*ec2.CreateInternetGatewayOutput](t)(env.ec2.CreateInternetGateway(c, &ec2.CreateInternetGatewayInput{}))
	igwID := igw.InternetGateway.InternetGatewayId
	must[*ec2.AttachInternetGatewayOutput](t)(env.ec2.AttachInternetGateway(c, &ec2.AttachInternetGatewayInput{InternetGatewayId: igwID, VpcId: aws.String(env.net.vpc)}))
	rt := must[*ec2.CreateRouteTableOutput](t)(env.ec2.CreateRouteTable(c, &ec2.CreateRouteTableInput{VpcId: aws.String(env.net.vpc)}))
	must[*ec2.CreateRouteOutput](t)(env.ec2.CreateRoute(c, &ec2.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igwID}))
	for _, sn := range []string{env.net.subnetA, env.net.subnetB} {
		must[*ec2.AssociateRouteTableOutput](t)(env.ec2.AssociateRouteTable(c, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: aws.String(sn)}))
	}
	must[*ec2.ModifySubnetAttributeOutput](t)(env.ec2.ModifySubnetAttribute(c, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(env.net.subnetA), MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}))

	pls := must[*ec2.DescribeManagedPrefixListsOutput](t)(env.ec2.DescribeManagedPrefixLists(c, &ec2.DescribeManagedPrefixListsInput{
		Filters: []ec2types.Filter{filter("prefix-list-name", "com.amazonaws.global.cloudfront.origin-facing")}}))
	d.pl = aws.ToString(pls.PrefixLists[0].PrefixListId)
	d.authorize(t, env.sg, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
		PrefixListIds: []ec2types.PrefixListId{{PrefixListId: aws.String(d.pl)}}})
	d.instSG = env.group(t, env.net.vpc, "instance")
	d.authorize(t, d.instSG, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
		UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(env.sg)}}})

	params := ssm.NewFromConfig(sdkConfig(env.e, testRegion))
	for name, value := range dpCredentials {
		typ := ssmtypes.ParameterTypeSecureString
		if name == "n8n-owner-email" {
			typ = ssmtypes.ParameterTypeString
		}
		must[*ssm.PutParameterOutput](t)(params.PutParameter(c, &ssm.PutParameterInput{Name: aws.String("/geusemaker/dp/" + name), Value: aws.String(value), Type: typ}))
	}
	d.instance = d.launchApp(t, d.instSG, `"credentials":"/geusemaker/dp/"`)
	env.e.Clock().Advance(time.Minute) // running: targets must be running to register

	lb := env.createLB(t, "dp-alb")
	d.lbARN, d.lbDNS = lb.LoadBalancerArn, aws.ToString(lb.DNSName)
	tg := env.createTG(t, "dp-tg")
	d.tgARN = tg.TargetGroupArn
	must[*elbv2.RegisterTargetsOutput](t)(env.elb.RegisterTargets(c, &elbv2.RegisterTargetsInput{TargetGroupArn: d.tgARN, Targets: []elbtypes.TargetDescription{{Id: aws.String(d.instance)}}}))
	l := env.createListener(t, d.lbARN, 80, []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{
		StatusCode: aws.String("403"), ContentType: aws.String("text/plain"), MessageBody: aws.String("Forbidden: this load balancer only serves its CloudFront distribution.")}}})
	d.listener = l.ListenerArn
	must[*elbv2.CreateRuleOutput](t)(env.elb.CreateRule(c, &elbv2.CreateRuleInput{ListenerArn: d.listener, Priority: aws.Int32(10),
		Conditions: []elbtypes.RuleCondition{{Field: aws.String("http-header"), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{HttpHeaderName: aws.String("X-Origin-Verify"), Values: []string{dpSecret}}}},
		Actions:    forward(d.tgARN)}))
	env.e.Clock().Advance(10 * time.Minute) // ALB active, instance booted, target healthy
	d.publicIP = d.describe(t, d.instance).publicIP
	if cdn {
		d.dist, d.domain = d.createDistribution(t, "dp-main", d.lbDNS, cftypes.OriginProtocolPolicyHttpOnly, cfAllViewer, true)
		env.e.Clock().Advance(16 * time.Minute)
	}
	return d
}

func (d *dpDeploy) authorize(t *testing.T, group string, perm ec2types.IpPermission) {
	t.Helper()
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(d.ec2.AuthorizeSecurityGroupIngress(ctx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(group), IpPermissions: []ec2types.IpPermission{perm}}))
}

// launchApp runs an instance in subnet A whose manifest selects every
// service; extra is added to the manifest's JSON.
func (d *dpDeploy) launchApp(t *testing.T, group, extra string) string {
	t.Helper()
	manifest := `{"deployment":"dp","tier":3,"gpu":false,"services":["n8n","ollama","qdrant","crawl4ai","postgres"],"models":[],"efs_id":""`
	if extra != "" {
		manifest += "," + extra
	}
	script := "#!/bin/bash\n# geusemaker-manifest: " + manifest + "}\nset -euo pipefail\n"
	out := must[*ec2.RunInstancesOutput](t)(d.ec2.RunInstances(ctx(t), &ec2.RunInstancesInput{ImageId: aws.String(AMIsOf(testRegion)[0].ID), InstanceType: ec2types.InstanceTypeT3Small,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(d.net.subnetA), SecurityGroupIds: []string{group},
		UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(script)))}))
	return aws.ToString(out.Instances[0].InstanceId)
}

type dpInstance struct{ publicIP, publicDNS, state string }

func (d *dpDeploy) describe(t *testing.T, id string) dpInstance {
	t.Helper()
	out := must[*ec2.DescribeInstancesOutput](t)(d.ec2.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}))
	i := out.Reservations[0].Instances[0]
	return dpInstance{publicIP: aws.ToString(i.PublicIpAddress), publicDNS: aws.ToString(i.PublicDnsName), state: string(i.State.Name)}
}

// createDistribution puts a distribution in front of originDomain with the
// provider's behaviours: everything uncached with every viewer header, and
// /assets/* cached.
func (d *dpDeploy) createDistribution(t *testing.T, ref, originDomain string, policy cftypes.OriginProtocolPolicy, requestPolicy string, withSecret bool) (id, domain string) {
	t.Helper()
	cfg := cfTestConfig(ref)
	o := &cfg.Origins.Items[0]
	o.Id, o.DomainName = aws.String("alb"), aws.String(originDomain)
	o.CustomOriginConfig.OriginProtocolPolicy = policy
	if withSecret {
		o.CustomHeaders = &cftypes.CustomHeaders{Quantity: aws.Int32(1), Items: []cftypes.OriginCustomHeader{{HeaderName: aws.String("X-Origin-Verify"), HeaderValue: aws.String(dpSecret)}}}
	}
	cfg.DefaultCacheBehavior.TargetOriginId = aws.String("alb")
	cfg.DefaultCacheBehavior.OriginRequestPolicyId = aws.String(requestPolicy)
	cfg.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: aws.Int32(1), Items: []cftypes.CacheBehavior{{
		PathPattern: aws.String("/assets/*"), TargetOriginId: aws.String("alb"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
		CachePolicyId: aws.String(cfCachingOptimized), Compress: aws.Bool(true),
		AllowedMethods: &cftypes.AllowedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"},
			CachedMethods: &cftypes.CachedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"}}},
	}}}
	out := must[*cloudfront.CreateDistributionOutput](t)(d.cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfg}))
	return aws.ToString(out.Distribution.Id), aws.ToString(out.Distribution.DomainName)
}

// --- tests ----------------------------------------------------------------------------------

func TestDataPlaneCloudFrontToInstance(t *testing.T) {
	d := newDPDeploy(t, true)
	c := dpClient(t, d.e, "")

	a := dpGet(t, c, "https://"+d.domain+"/healthz")
	wantAnswer(t, a, 200, "ok\n")
	if a.header.Get("X-Cache") != "Miss from cloudfront" || !strings.Contains(a.header.Get("Via"), "(CloudFront)") {
		t.Fatalf("headers %v", a.header)
	}
	r := lastRequest(t, d.e)
	if len(r.Hops) != 3 || r.Status != 200 || r.Source != DefaultClientIP {
		t.Fatalf("request %+v", r)
	}
	want := [][3]string{{"client", "cloudfront", d.domain}, {"cloudfront", "alb", d.lbDNS}, {"alb", "instance", ""}}
	for i, h := range r.Hops {
		if h.From != want[i][0] || h.To != want[i][1] || (want[i][2] != "" && h.Host != want[i][2]) || h.Status != 200 {
			t.Fatalf("hop %d = %+v (all: %v)", i, h, hopTexts(r))
		}
	}
	if !strings.HasPrefix(r.Hops[1].Source, "130.176.") || !strings.HasPrefix(r.Hops[2].Source, "10.20.") || r.Hops[2].ID != d.instance {
		t.Fatalf("hop sources %v", hopTexts(r))
	}

	// The same through the control API.
	resp, err := http.Get(d.e.URL() + "/_emu/requests?since=" + strconv.Itoa(r.Seq-1))
	if err != nil {
		t.Fatal(err)
	}
	var logged []DataPlaneRequest
	if err := json.NewDecoder(resp.Body).Decode(&logged); err != nil || len(logged) != 1 || logged[0].Seq != r.Seq || len(logged[0].Hops) != 3 ||
		!strings.HasPrefix(logged[0].Hops[0].Text, "client→cloudfront "+d.domain+" ("+d.dist+") 200") {
		t.Fatalf("/_emu/requests: %v %+v", err, logged)
	}
	resp.Body.Close()

	// redirect-to-https on the viewer side.
	a = dpGet(t, c, "http://"+d.domain+"/healthz?x=1")
	if a.status != 301 || a.header.Get("Location") != "https://"+d.domain+"/healthz?x=1" || a.header.Get("X-Cache") != "Redirect from cloudfront" {
		t.Fatalf("http: %d %v", a.status, a.header)
	}

	// /assets/* is cached (CachingOptimized); the default behaviour is not
	// (CachingDisabled).
	for i, want := range []string{"Miss from cloudfront", "Hit from cloudfront"} {
		a = dpGet(t, c, "https://"+d.domain+"/assets/app.js")
		if a.status != 200 || a.header.Get("X-Cache") != want {
			t.Fatalf("assets #%d: %d %v", i, a.status, a.header)
		}
	}
	if r := lastRequest(t, d.e); len(r.Hops) != 1 || !strings.Contains(r.Hops[0].Note, "cache hit") {
		t.Fatalf("a hit must not reach the origin: %v", hopTexts(r))
	}
	if a = dpGet(t, c, "https://"+d.domain+"/healthz"); a.header.Get("X-Cache") != "Miss from cloudfront" {
		t.Fatalf("CachingDisabled path cached: %v", a.header)
	}
	// The cached object expires with CachingOptimized's default TTL (1 day).
	d.e.Clock().Advance(25 * time.Hour)
	if a = dpGet(t, c, "https://"+d.domain+"/assets/app.js"); a.header.Get("X-Cache") != "Miss from cloudfront" {
		t.Fatalf("expired object served from cache: %v", a.header)
	}

	// Methods outside the behaviour's AllowedMethods.
	a = dpDo(t, c, http.MethodPost, "https://"+d.domain+"/assets/upload", nil, "x")
	wantAnswer(t, a, 403, "not configured to allow the HTTP request method")
	if a.header.Get("X-Cache") != "Error from cloudfront" {
		t.Fatalf("headers %v", a.header)
	}
	a = dpDo(t, c, http.MethodPost, "https://"+d.domain+"/rest/login", nil, `{"emailOrLdapLoginId":"owner@example.com","password":"correct horse battery staple"}`)
	if a.status != 200 || !strings.Contains(a.header.Get("Set-Cookie"), "n8n-auth=") {
		t.Fatalf("POST through the default behaviour: %d %v %s", a.status, a.header, a.body)
	}

	// A Host no distribution has.
	a = dpDo(t, c, http.MethodGet, "https://"+d.domain+"/", map[string]string{}, "")
	wantAnswer(t, a, 200, `"service":"n8n"`)
	req, _ := http.NewRequest(http.MethodGet, "https://"+d.domain+"/", nil)
	req.Host = "other.example.com"
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(body), "The request could not be satisfied") {
		t.Fatalf("unknown Host: %d %s", resp.StatusCode, body)
	}
}

func TestDataPlaneCredentialChecks(t *testing.T) {
	d := newDPDeploy(t, true)
	c := dpClient(t, d.e, "")
	base := "https://" + d.domain
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	cases := []struct {
		method, path string
		header       map[string]string
		body         string
		status       int
		contains     string
		challenge    string
	}{
		{"GET", "/healthz", nil, "", 200, "ok\n", ""},
		{"GET", "/api/ollama/api/tags", nil, "", 401, "401", "Bearer"},
		{"GET", "/api/ollama/api/tags", map[string]string{"Authorization": "Bearer wrong"}, "", 401, "401", "Bearer"},
		{"GET", "/api/ollama/api/tags", map[string]string{"Authorization": "Bearer ollama-key-1"}, "", 200, `"service":"ollama"`, ""},
		{"GET", "/qdrant/collections", nil, "", 401, "401", "Bearer"},
		{"GET", "/qdrant/collections", map[string]string{"api-key": "qdrant-key-2"}, "", 200, `"service":"qdrant"`, ""},
		{"GET", "/qdrant/collections", map[string]string{"Authorization": "Bearer qdrant-key-2"}, "", 200, `"service":"qdrant"`, ""},
		{"GET", "/qdrant-ui/", nil, "", 401, "401", `Basic realm="qdrant"`},
		{"GET", "/qdrant-ui/", map[string]string{"Authorization": basic("admin", "qdrant-key-2")}, "", 401, "401", `Basic realm="qdrant"`},
		{"GET", "/qdrant-ui/", map[string]string{"Authorization": basic("qdrant", "qdrant-key-2")}, "", 200, `"service":"qdrant"`, ""},
		{"GET", "/crawl4ai/crawl", nil, "", 401, "401", "Bearer"},
		{"GET", "/crawl4ai/crawl", map[string]string{"Authorization": "Bearer ollama-key-1"}, "", 401, "401", "Bearer"},
		{"GET", "/crawl4ai/crawl", map[string]string{"Authorization": "Bearer crawl4ai-token-3"}, "", 200, `"service":"crawl4ai"`, ""},
		{"GET", "/rest/owner/setup", nil, "", 403, "403", ""},
		{"POST", "/rest/owner/setup", map[string]string{"Authorization": "Bearer ollama-key-1"}, "{}", 403, "403", ""},
		{"GET", "/setup", nil, "", 403, "403", ""},
		{"GET", "/api/ollama/../../rest/owner/setup", nil, "", 403, "403", ""},
		{"GET", "/", nil, "", 200, `"service":"n8n"`, ""},
		{"GET", "/rest/workflows", nil, "", 401, "Unauthorized", ""},
		{"POST", "/rest/login", nil, `{"emailOrLdapLoginId":"owner@example.com","password":"wrong"}`, 401, "Wrong username or password", ""},
	}
	for _, tc := range cases {
		a := dpDo(t, c, tc.method, base+tc.path, tc.header, tc.body)
		if a.status != tc.status || !strings.Contains(a.body, tc.contains) || a.header.Get("WWW-Authenticate") != tc.challenge {
			t.Errorf("%s %s %v: got %d %q %q", tc.method, tc.path, tc.header, a.status, a.header.Get("WWW-Authenticate"), a.body)
		}
		if a.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: NGINX headers missing: %v", tc.method, tc.path, a.header)
		}
	}
	// n8n's session: the cookie set at login opens /rest/*.
	a := dpDo(t, c, http.MethodPost, base+"/rest/login", nil, `{"emailOrLdapLoginId":"owner@example.com","password":"correct horse battery staple"}`)
	cookie := strings.Split(a.header.Get("Set-Cookie"), ";")[0]
	if a.status != 200 || !strings.HasPrefix(cookie, "n8n-auth=") {
		t.Fatalf("login: %d %v", a.status, a.header)
	}
	wantAnswer(t, dpDo(t, c, http.MethodGet, base+"/rest/workflows", map[string]string{"Cookie": cookie}, ""), 200, `"service":"n8n"`)
	wantAnswer(t, dpDo(t, c, http.MethodGet, base+"/rest/workflows", map[string]string{"Cookie": "n8n-auth=forged"}, ""), 401, "Unauthorized")

	// A rotated credential takes effect: NGINX checks the value in SSM.
	params := ssm.NewFromConfig(sdkConfig(d.e, testRegion))
	must[*ssm.PutParameterOutput](t)(params.PutParameter(ctx(t), &ssm.PutParameterInput{Name: aws.String("/geusemaker/dp/ollama-api-key"),
		Value: aws.String("rotated"), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true)}))
	wantAnswer(t, dpDo(t, c, http.MethodGet, base+"/api/ollama/api/tags", map[string]string{"Authorization": "Bearer ollama-key-1"}, ""), 401, "401")
	wantAnswer(t, dpDo(t, c, http.MethodGet, base+"/api/ollama/api/tags", map[string]string{"Authorization": "Bearer rotated"}, ""), 200, "ollama")
}

func TestDataPlaneOriginProtection(t *testing.T) {
	d := newDPDeploy(t, true)
	c := dpClient(t, d.e, "")

	// A direct request from the internet: the ALB's group admits only the
	// CloudFront prefix list, so the connection is dropped.
	a := dpGet(t, c, "http://"+d.lbDNS+"/healthz")
	if a.status != 504 || a.header.Get("X-Awsemu-Error") != "timeout" {
		t.Fatalf("direct: %d %v %s", a.status, a.header, a.body)
	}
	if r := lastRequest(t, d.e); !strings.HasPrefix(r.Error, "timeout:") || len(r.Hops) != 1 || r.Hops[0].To != "alb" {
		t.Fatalf("direct request log %+v", r)
	}
	// The same from an address inside the CloudFront range (another
	// account's distribution, say) reaches the ALB but lacks the origin
	// header: the listener's default 403.
	cfRange := dpClient(t, d.e, "130.176.100.7")
	wantAnswer(t, dpGet(t, cfRange, "http://"+d.lbDNS+"/healthz"), 403, "only serves its CloudFront distribution")
	// ... and through a distribution that does not send the header.
	_, other := d.createDistribution(t, "dp-other", d.lbDNS, cftypes.OriginProtocolPolicyHttpOnly, cfAllViewer, false)
	d.e.Clock().Advance(16 * time.Minute)
	wantAnswer(t, dpGet(t, c, "https://"+other+"/healthz"), 403, "only serves its CloudFront distribution")
	r := lastRequest(t, d.e)
	if len(r.Hops) != 2 || r.Hops[1].Status != 403 || !strings.Contains(r.Hops[1].Note, "default rule: fixed-response") {
		t.Fatalf("hops %v", hopTexts(r))
	}
	// The header sent by the viewer is replaced by CloudFront's own value
	// only where the distribution has one: a forged header through the
	// distribution without it does get through, as on AWS (the secret is
	// what protects the origin).
	wantAnswer(t, dpDo(t, c, http.MethodGet, "https://"+other+"/healthz", map[string]string{"X-Origin-Verify": "forged"}, ""), 403, "only serves")
	wantAnswer(t, dpDo(t, c, http.MethodGet, "https://"+d.domain+"/healthz", map[string]string{"X-Origin-Verify": "forged"}, ""), 200, "ok")

	// Revoking the prefix-list rule cuts CloudFront off: its connection
	// times out and the viewer gets CloudFront's 504.
	must[*ec2.RevokeSecurityGroupIngressOutput](t)(d.ec2.RevokeSecurityGroupIngress(ctx(t), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(d.sg),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), PrefixListIds: []ec2types.PrefixListId{{PrefixListId: aws.String(d.pl)}}}}}))
	a = dpGet(t, c, "https://"+d.domain+"/healthz")
	wantAnswer(t, a, 504, "The request could not be satisfied")
	if a.header.Get("X-Cache") != "Error from cloudfront" {
		t.Fatalf("headers %v", a.header)
	}
	if r := lastRequest(t, d.e); len(r.Hops) != 2 || !strings.HasPrefix(r.Hops[1].Error, "timeout:") {
		t.Fatalf("hops %v", hopTexts(r))
	}

	// Revoking the instance's rule for the ALB: the ALB's connection to
	// the target times out (504 from the ALB, passed on by CloudFront).
	d.authorize(t, d.sg, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
		PrefixListIds: []ec2types.PrefixListId{{PrefixListId: aws.String(d.pl)}}})
	wantAnswer(t, dpGet(t, c, "https://"+d.domain+"/healthz"), 200, "ok")
	must[*ec2.RevokeSecurityGroupIngressOutput](t)(d.ec2.RevokeSecurityGroupIngress(ctx(t), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(d.instSG),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(d.sg)}}}}}))
	a = dpGet(t, c, "https://"+d.domain+"/healthz")
	wantAnswer(t, a, 504, "504 Gateway Time-out")
	if a.header.Get("Server") != "awselb/2.0" {
		t.Fatalf("the ALB's 504 should pass through CloudFront: %v", a.header)
	}
}

func TestDataPlaneDisabledDistribution(t *testing.T) {
	d := newDPDeploy(t, true)
	c := dpClient(t, d.e, "")
	wantAnswer(t, dpGet(t, c, "https://"+d.domain+"/healthz"), 200, "ok")
	got := must[*cloudfront.GetDistributionConfigOutput](t)(d.cf.GetDistributionConfig(ctx(t), &cloudfront.GetDistributionConfigInput{Id: aws.String(d.dist)}))
	got.DistributionConfig.Enabled = aws.Bool(false)
	must[*cloudfront.UpdateDistributionOutput](t)(d.cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: aws.String(d.dist), IfMatch: got.ETag, DistributionConfig: got.DistributionConfig}))
	d.e.Clock().Advance(16 * time.Minute)
	a := dpGet(t, c, "https://"+d.domain+"/healthz")
	wantAnswer(t, a, 403, "The request could not be satisfied")
	if a.header.Get("X-Cache") != "Error from cloudfront" || a.header.Get("Server") != "CloudFront" {
		t.Fatalf("headers %v", a.header)
	}
	if r := lastRequest(t, d.e); len(r.Hops) != 1 || !strings.Contains(r.Hops[0].Note, "disabled") {
		t.Fatalf("a disabled distribution must not reach its origin: %v", hopTexts(r))
	}
	// Deleted: the name no longer resolves; a connection to the edge that
	// is still open reaches no distribution.
	cur := must[*cloudfront.GetDistributionOutput](t)(d.cf.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: aws.String(d.dist)}))
	must[*cloudfront.DeleteDistributionOutput](t)(d.cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: aws.String(d.dist), IfMatch: cur.ETag}))
	wantAnswer(t, dpGet(t, c, "https://"+d.domain+"/healthz"), 403, "The request could not be satisfied")
	_, err := dpClient(t, d.e, "").Get("https://" + d.domain + "/healthz")
	if err == nil || !strings.Contains(err.Error(), "DNS lookup failed") {
		t.Fatalf("deleted distribution: %v", err)
	}
}

func TestDataPlaneNewDistributionNotYetResolvable(t *testing.T) {
	d := newDPDeploy(t, false)
	c := dpClient(t, d.e, "")
	_, domain := d.createDistribution(t, "dp-new", d.lbDNS, cftypes.OriginProtocolPolicyHttpOnly, cfAllViewer, true)
	a := dpGet(t, c, "http://"+domain+"/healthz")
	if a.status != 502 || a.header.Get("X-Awsemu-Error") != "dns" {
		t.Fatalf("InProgress distribution: %d %v", a.status, a.header)
	}
	d.e.Clock().Advance(16 * time.Minute)
	wantAnswer(t, dpGet(t, c, "https://"+domain+"/healthz"), 200, "ok")
}

// The configuration that applies and never serves: the ALB's HTTP listener
// redirects to https://#{host}:443 and CloudFront reaches it over HTTP with
// the viewer's Host, so every answer sends the viewer back to CloudFront.
func TestDataPlaneRedirectLoop(t *testing.T) {
	d := newDPDeploy(t, false)
	must[*elbv2.ModifyListenerOutput](t)(d.elb.ModifyListener(ctx(t), &elbv2.ModifyListenerInput{ListenerArn: d.listener, DefaultActions: []elbtypes.Action{{
		Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &elbtypes.RedirectActionConfig{Protocol: aws.String("HTTPS"), Port: aws.String("443"),
			Host: aws.String("#{host}"), Path: aws.String("/#{path}"), Query: aws.String("#{query}"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}}}}))
	rules := must[*elbv2.DescribeRulesOutput](t)(d.elb.DescribeRules(ctx(t), &elbv2.DescribeRulesInput{ListenerArn: d.listener}))
	for _, r := range rules.Rules {
		if !aws.ToBool(r.IsDefault) {
			must[*elbv2.DeleteRuleOutput](t)(d.elb.DeleteRule(ctx(t), &elbv2.DeleteRuleInput{RuleArn: r.RuleArn}))
		}
	}
	_, domain := d.createDistribution(t, "dp-loop", d.lbDNS, cftypes.OriginProtocolPolicyHttpOnly, cfAllViewer, true)
	d.e.Clock().Advance(16 * time.Minute)

	c := dpClient(t, d.e, "")
	var seen []string
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		for _, v := range via {
			if v.URL.String() == req.URL.String() {
				seen = append(seen, req.URL.String())
				return errors.New("redirect loop")
			}
		}
		return nil
	}
	_, err := c.Get("https://" + domain + "/healthz?a=b")
	if err == nil || !strings.Contains(err.Error(), "redirect loop") {
		t.Fatalf("want a redirect loop, got %v", err)
	}
	if len(seen) != 1 || seen[0] != "https://"+domain+":443/healthz?a=b" {
		t.Fatalf("loop URL %v", seen)
	}
	r := lastRequest(t, d.e)
	if len(r.Hops) != 2 || r.Hops[1].Status != 301 || !strings.Contains(r.Hops[1].Note, "redirect") || r.Status != 301 {
		t.Fatalf("hops %v", hopTexts(r))
	}
}

// Tier 1: the instance's public address, its security group and its boot.
func TestDataPlaneInstanceDirect(t *testing.T) {
	d := newDPDeploy(t, false)
	open := d.group(t, d.net.vpc, "tier1")
	d.authorize(t, open, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("198.51.100.0/24")}}})
	id := d.launchApp(t, open, "")
	c := dpClient(t, d.e, "")
	d.e.Clock().Advance(30 * time.Second) // running, booting
	inst := d.describe(t, id)
	if inst.state != "running" || inst.publicIP == "" {
		t.Fatalf("instance %+v", inst)
	}
	a := dpGet(t, c, "http://"+inst.publicIP+"/healthz")
	if a.status != 502 || a.header.Get("X-Awsemu-Error") != "refused" {
		t.Fatalf("before boot complete: %d %v %s", a.status, a.header, a.body)
	}
	d.e.Clock().Advance(5 * time.Minute)
	wantAnswer(t, dpGet(t, c, "http://"+inst.publicIP+"/healthz"), 200, "ok\n")
	// Without a credentials field the routes are open, as the CLI's NGINX.
	wantAnswer(t, dpGet(t, c, "http://"+inst.publicIP+"/api/ollama/api/tags"), 200, "ollama")
	if inst.publicDNS != "" {
		wantAnswer(t, dpGet(t, c, "http://"+inst.publicDNS+"/healthz"), 200, "ok\n")
	}
	// A source outside the admitted range: dropped.
	outside := dpClient(t, d.e, "203.0.113.9")
	if a := dpGet(t, outside, "http://"+inst.publicIP+"/healthz"); a.status != 504 {
		t.Fatalf("outside source: %d %s", a.status, a.body)
	}
	// The header picks the source for one request.
	if a := dpDo(t, c, http.MethodGet, "http://"+inst.publicIP+"/healthz", map[string]string{SourceHeader: "203.0.113.9"}, ""); a.status != 504 {
		t.Fatalf("source header: %d", a.status)
	}
	if r := lastRequest(t, d.e); r.Source != "203.0.113.9" {
		t.Fatalf("logged source %q", r.Source)
	}
	// Port 443 is closed on the instance (admitted by a new rule first).
	d.authorize(t, open, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}})
	if _, err := c.Get("https://" + inst.publicIP + "/healthz"); err == nil || !strings.Contains(err.Error(), "Connection refused") {
		t.Fatalf("443: %v", err)
	}
	// The tier-3 instance admits only the ALB's group: not reachable directly.
	if a := dpGet(t, c, "http://"+d.publicIP+"/healthz"); a.status != 504 {
		t.Fatalf("tier-3 instance directly: %d", a.status)
	}
	// Stopped: the public address is released and nothing answers.
	must[*ec2.StopInstancesOutput](t)(d.ec2.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	d.e.Clock().Advance(time.Minute)
	if a := dpGet(t, c, "http://"+inst.publicIP+"/healthz"); a.status != 504 {
		t.Fatalf("stopped: %d %s", a.status, a.body)
	}
}

func TestDataPlaneLoadBalancerRules(t *testing.T) {
	d := newDPDeploy(t, false)
	d.authorize(t, d.sg, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}})
	c := dpClient(t, d.e, "")
	rule := func(prio int32, cond elbtypes.RuleCondition, action elbtypes.Action) {
		must[*elbv2.CreateRuleOutput](t)(d.elb.CreateRule(ctx(t), &elbv2.CreateRuleInput{ListenerArn: d.listener, Priority: aws.Int32(prio),
			Conditions: []elbtypes.RuleCondition{cond}, Actions: []elbtypes.Action{action}}))
	}
	fixed := func(status, body string) elbtypes.Action {
		return elbtypes.Action{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String(status), MessageBody: aws.String(body)}}
	}
	rule(1, elbtypes.RuleCondition{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/old/*"}}},
		elbtypes.Action{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &elbtypes.RedirectActionConfig{Path: aws.String("/new/#{path}"), Query: aws.String("#{query}&from=#{host}"),
			StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp302}})
	rule(2, elbtypes.RuleCondition{Field: aws.String("host-header"), HostHeaderConfig: &elbtypes.HostHeaderConditionConfig{Values: []string{"*.Example.com"}}}, fixed("200", "host rule"))
	rule(5, elbtypes.RuleCondition{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/Case"}}}, fixed("202", "case"))

	a := dpGet(t, c, "http://"+d.lbDNS+"/old/page?x=1")
	if a.status != 302 || a.header.Get("Location") != "http://"+d.lbDNS+":80/new/old/page?x=1&from="+d.lbDNS || a.header.Get("Server") != "awselb/2.0" {
		t.Fatalf("redirect: %d %v", a.status, a.header)
	}
	// A name of the user's DNS pointing at the ALB (declared with a knob).
	d.e.SetKnob("dataplane.dns.app.example.com", d.lbDNS)
	a = dpGet(t, c, "http://APP.example.COM/")
	if a.status != 200 || a.body != "host rule" {
		t.Fatalf("host rule: %d %s", a.status, a.body)
	}
	wantAnswer(t, dpGet(t, c, "http://"+d.lbDNS+"/Case"), 202, "case")
	// Paths compare with case: /case falls through to the default 403.
	wantAnswer(t, dpGet(t, c, "http://"+d.lbDNS+"/case"), 403, "Forbidden")
	// The origin header rule (priority 10), case-insensitive value match.
	wantAnswer(t, dpDo(t, c, http.MethodGet, "http://"+d.lbDNS+"/healthz", map[string]string{"X-Origin-Verify": strings.ToUpper(dpSecret)}, ""), 200, "ok")
	r := lastRequest(t, d.e)
	if len(r.Hops) != 2 || !strings.Contains(r.Hops[0].Note, "rule priority 10: forward") {
		t.Fatalf("hops %v", hopTexts(r))
	}
	// No listener on 8080: connection refused once the group admits it.
	d.authorize(t, d.sg, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}})
	if a := dpGet(t, c, "http://"+d.lbDNS+":8080/"); a.status != 502 || a.header.Get("X-Awsemu-Error") != "refused" {
		t.Fatalf("8080: %d %v", a.status, a.header)
	}

	// Forward only to healthy targets: a stopped instance leaves none (503).
	hdr := map[string]string{"X-Origin-Verify": dpSecret}
	must[*ec2.StopInstancesOutput](t)(d.ec2.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{d.instance}}))
	d.e.Clock().Advance(time.Minute)
	wantAnswer(t, dpDo(t, c, http.MethodGet, "http://"+d.lbDNS+"/healthz", hdr, ""), 503, "503 Service Temporarily Unavailable")

	// Round-robin over two healthy targets.
	must[*ec2.StartInstancesOutput](t)(d.ec2.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{d.instance}}))
	second := d.launchApp(t, d.instSG, `"credentials":"/geusemaker/dp/"`)
	d.e.Clock().Advance(time.Minute)
	must[*elbv2.RegisterTargetsOutput](t)(d.elb.RegisterTargets(ctx(t), &elbv2.RegisterTargetsInput{TargetGroupArn: d.tgARN, Targets: []elbtypes.TargetDescription{{Id: aws.String(second)}}}))
	d.e.Clock().Advance(10 * time.Minute)
	targets := map[string]bool{}
	for i := 0; i < 4; i++ {
		wantAnswer(t, dpDo(t, c, http.MethodGet, "http://"+d.lbDNS+"/healthz", hdr, ""), 200, "ok")
		targets[lastRequest(t, d.e).Hops[1].ID] = true
	}
	if !targets[d.instance] || !targets[second] {
		t.Fatalf("targets used: %v", targets)
	}
}

// HTTPS: the ALB presents its listener's ACM certificate; CloudFront's
// https-only origin must be a name that certificate covers.
func TestDataPlaneTLSCertificates(t *testing.T) {
	d := newDPDeploy(t, false)
	certs := acm.NewFromConfig(sdkConfig(d.e, testRegion))
	req := must[*acm.RequestCertificateOutput](t)(certs.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("lb.example.com"), ValidationMethod: acmtypes.ValidationMethodDns}))
	acmValidate(t, d.e, testRegion, aws.ToString(req.CertificateArn))
	d.e.Clock().Advance(2 * time.Minute) // acm.issue_delay
	// A second rule on the CloudFront prefix list weighs another 55: the
	// account has raised its rules-per-group quota, as it would have to.
	d.e.SetKnob("quota.L-0EA8095F", "120")
	d.authorize(t, d.sg, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), PrefixListIds: []ec2types.PrefixListId{{PrefixListId: aws.String(d.pl)}}})
	must[*elbv2.CreateListenerOutput](t)(d.elb.CreateListener(ctx(t), &elbv2.CreateListenerInput{LoadBalancerArn: d.lbARN, Protocol: elbtypes.ProtocolEnumHttps, Port: aws.Int32(443),
		Certificates: []elbtypes.Certificate{{CertificateArn: req.CertificateArn}}, DefaultActions: forward(d.tgARN)}))

	// https-only to the covered name: 200. To the ELB name: the
	// certificate does not cover it, CloudFront answers 502.
	_, good := d.createDistribution(t, "dp-tls-good", "lb.example.com", cftypes.OriginProtocolPolicyHttpsOnly, "b689b0a8-53d0-40ab-baf2-68738e2966ac", true)
	_, bad := d.createDistribution(t, "dp-tls-bad", d.lbDNS, cftypes.OriginProtocolPolicyHttpsOnly, "b689b0a8-53d0-40ab-baf2-68738e2966ac", true)
	d.e.Clock().Advance(16 * time.Minute)
	c := dpClient(t, d.e, "")
	wantAnswer(t, dpGet(t, c, "https://"+good+"/healthz"), 200, "ok")
	r := lastRequest(t, d.e)
	if len(r.Hops) != 3 || r.Hops[1].URL != "https://lb.example.com/healthz" {
		t.Fatalf("hops %v", hopTexts(r))
	}
	a := dpGet(t, c, "https://"+bad+"/healthz")
	wantAnswer(t, a, 502, "The request could not be satisfied")
	if r := lastRequest(t, d.e); len(r.Hops) != 2 || !strings.HasPrefix(r.Hops[1].Error, "tls:") {
		t.Fatalf("hops %v", hopTexts(r))
	}

	// A client connecting to the ALB name over HTTPS gets the ACM
	// certificate, which its own verification refuses.
	direct := dpClient(t, d.e, "130.176.9.9")
	_, err := direct.Get("https://" + d.lbDNS + "/healthz")
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) || !strings.Contains(err.Error(), "lb.example.com") {
		t.Fatalf("want a certificate name mismatch, got %v", err)
	}
	// Plain HTTP on the HTTPS port: the ALB's 400.
	wantAnswer(t, dpGet(t, direct, "http://"+d.lbDNS+":443/"), 400, "The plain HTTP request was sent to HTTPS port")
	// TLS to the HTTP listener's port fails the handshake.
	if _, err := direct.Get("https://" + d.lbDNS + ":80/"); err == nil {
		t.Fatal("TLS to an HTTP listener succeeded")
	}
}

func TestDataPlaneOriginReadTimeout(t *testing.T) {
	d := newDPDeploy(t, true)
	c := dpClient(t, d.e, "")
	d.e.SetKnob("dataplane.instance_latency", "45s") // CloudFront waits 30s by default
	a := dpGet(t, c, "https://"+d.domain+"/healthz")
	wantAnswer(t, a, 504, "The request could not be satisfied")
	if r := lastRequest(t, d.e); !strings.Contains(r.Hops[0].Note, "read timeout 30s") || r.Hops[1].Status != 200 {
		t.Fatalf("hops %v", hopTexts(r))
	}
	d.e.SetKnob("dataplane.instance_latency", "70s") // beyond the ALB's idle timeout too
	a = dpDo(t, dpClient(t, d.e, "130.176.1.1"), http.MethodGet, "http://"+d.lbDNS+"/healthz", map[string]string{"X-Origin-Verify": dpSecret}, "")
	wantAnswer(t, a, 504, "504 Gateway Time-out")
	d.e.SetKnob("dataplane.instance_latency", "")
	wantAnswer(t, dpGet(t, c, "https://"+d.domain+"/healthz"), 200, "ok")
}

func TestProxyUnservedHostsAndControl(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	c := dpClient(t, e, "")
	a := dpGet(t, c, "http://registry.terraform.io/")
	if a.status != 502 || a.header.Get("X-Awsemu-Error") != "dns" || !strings.Contains(a.body, "no such host") {
		t.Fatalf("plain: %d %v %s", a.status, a.header, a.body)
	}
	_, err := c.Get("https://registry.terraform.io/")
	if err == nil || !strings.Contains(err.Error(), "DNS lookup failed") {
		t.Fatalf("CONNECT: %v", err)
	}
	// An address no one holds: timeout.
	if a := dpGet(t, c, "http://192.0.2.44/"); a.status != 504 || a.header.Get("X-Awsemu-Error") != "timeout" {
		t.Fatalf("unheld address: %d %v", a.status, a.header)
	}
	// A bad source address is refused by the proxy.
	if a := dpDo(t, c, http.MethodGet, "http://x.example/", map[string]string{SourceHeader: "not-an-ip"}, ""); a.status != 400 {
		t.Fatalf("bad source: %d", a.status)
	}
	// The emulator's own API through its proxy.
	a = dpGet(t, c, e.URL()+"/_emu/health")
	wantAnswer(t, a, 200, `"ok"`)
	// Not a proxy request.
	resp, err := http.Get(e.ProxyURL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("origin-form request: %d", resp.StatusCode)
	}
	// Logged: the two DNS failures and the timeout (the proxy's own 400s
	// and the emulator's API are not data plane traffic).
	all := e.DataPlaneRequests(0)
	if len(all) != 3 || all[1].Method != http.MethodConnect {
		t.Fatalf("log: %+v", all)
	}
	if since := e.DataPlaneRequests(all[0].Seq); len(since) != 2 || since[0].Seq != all[1].Seq {
		t.Fatalf("since: %+v", since)
	}
	e.SetKnob("dataplane.client_ip", "203.0.113.50")
	dpGet(t, c, "http://x.example/")
	if r := lastRequest(t, e); r.Source != "203.0.113.50" {
		t.Fatalf("knob source: %q", r.Source)
	}
	e.Reset()
	if n := len(e.DataPlaneRequests(0)); n != 0 {
		t.Fatalf("reset kept %d requests", n)
	}
}

func TestDataPlaneExternalDNSKnobs(t *testing.T) {
	d := newDPDeploy(t, true)
	c := dpClient(t, d.e, "")
	// A declared record for a name the account does not host.
	d.e.SetKnob("dataplane.dns.www.example.org", d.domain)
	a := dpGet(t, c, "http://www.example.org/healthz")
	// CloudFront is reached, but www.example.org is not an alias of it.
	wantAnswer(t, a, 403, "The request could not be satisfied")
	d.e.SetKnob("dataplane.external_dns", "none")
	d.e.SetKnob("dataplane.dns.www.example.org", "")
	if a := dpGet(t, c, "http://www.example.org/healthz"); a.status != 502 || a.header.Get("X-Awsemu-Error") != "dns" {
		t.Fatalf("undeclared name: %d %v", a.status, a.header)
	}
}

// Aliases: the viewer gets the distribution's ACM certificate for an alias
// and *.cloudfront.net for the default name; a server name that no
// distribution has fails the handshake. AllViewer sends the viewer's Host
// to the origin, AllViewerExceptHostHeader the origin's own name.
func TestDataPlaneAliasesAndHostPolicies(t *testing.T) {
	d := newDPDeploy(t, false)
	certs := acm.NewFromConfig(sdkConfig(d.e, testRegion))
	viewer := must[*acm.RequestCertificateOutput](t)(certs.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("app.example.com"), ValidationMethod: acmtypes.ValidationMethodDns}))
	origin := must[*acm.RequestCertificateOutput](t)(certs.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("lb.example.com"), ValidationMethod: acmtypes.ValidationMethodDns}))
	acmValidate(t, d.e, testRegion, aws.ToString(viewer.CertificateArn))
	acmValidate(t, d.e, testRegion, aws.ToString(origin.CertificateArn))
	d.e.Clock().Advance(2 * time.Minute) // acm.issue_delay
	// A second rule on the CloudFront prefix list weighs another 55: the
	// account has raised its rules-per-group quota, as it would have to.
	d.e.SetKnob("quota.L-0EA8095F", "120")
	d.authorize(t, d.sg, ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), PrefixListIds: []ec2types.PrefixListId{{PrefixListId: aws.String(d.pl)}}})
	l := must[*elbv2.CreateListenerOutput](t)(d.elb.CreateListener(ctx(t), &elbv2.CreateListenerInput{LoadBalancerArn: d.lbARN, Protocol: elbtypes.ProtocolEnumHttps, Port: aws.Int32(443),
		Certificates: []elbtypes.Certificate{{CertificateArn: origin.CertificateArn}}, DefaultActions: forward(d.tgARN)}))
	// A rule that shows which Host the ALB received.
	must[*elbv2.CreateRuleOutput](t)(d.elb.CreateRule(ctx(t), &elbv2.CreateRuleInput{ListenerArn: l.Listeners[0].ListenerArn, Priority: aws.Int32(1),
		Conditions: []elbtypes.RuleCondition{{Field: aws.String("host-header"), HostHeaderConfig: &elbtypes.HostHeaderConditionConfig{Values: []string{"*.cloudfront.net", "app.example.com"}}}},
		Actions:    []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("421"), MessageBody: aws.String("viewer host reached the origin")}}}}))

	const allViewerExceptHost = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	id, domain := d.createDistribution(t, "dp-alias", "lb.example.com", cftypes.OriginProtocolPolicyHttpsOnly, allViewerExceptHost, false)
	got := must[*cloudfront.GetDistributionConfigOutput](t)(d.cf.GetDistributionConfig(ctx(t), &cloudfront.GetDistributionConfigInput{Id: aws.String(id)}))
	cfg := got.DistributionConfig
	cfg.Aliases = &cftypes.Aliases{Quantity: aws.Int32(1), Items: []string{"app.example.com"}}
	cfg.ViewerCertificate = &cftypes.ViewerCertificate{ACMCertificateArn: viewer.CertificateArn, SSLSupportMethod: cftypes.SSLSupportMethodSniOnly, MinimumProtocolVersion: cftypes.MinimumProtocolVersionTLSv122021}
	must[*cloudfront.UpdateDistributionOutput](t)(d.cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: got.ETag, DistributionConfig: cfg}))
	_, leaky := d.createDistribution(t, "dp-allviewer", "lb.example.com", cftypes.OriginProtocolPolicyHttpsOnly, cfAllViewer, false)
	d.e.Clock().Advance(16 * time.Minute)

	c := dpClient(t, d.e, "")
	for _, u := range []string{"https://app.example.com/healthz", "https://" + domain + "/healthz"} {
		wantAnswer(t, dpGet(t, c, u), 200, "ok\n")
	}
	if r := lastRequest(t, d.e); len(r.Hops) != 3 {
		t.Fatalf("hops %v", hopTexts(r))
	}
	// AllViewer: the viewer's Host reaches the ALB (the certificate still
	// matches the origin domain, so TLS succeeds).
	wantAnswer(t, dpGet(t, c, "https://"+leaky+"/healthz"), 421, "viewer host reached the origin")

	// The certificate a client gets for the alias carries the alias only.
	tr := c.Transport.(*http.Transport).Clone()
	var seen []string
	tr.TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
		seen = cs.PeerCertificates[0].DNSNames
		return nil
	}
	resp, err := (&http.Client{Transport: tr}).Get("https://app.example.com/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(seen) != 1 || seen[0] != "app.example.com" {
		t.Fatalf("alias certificate names %v", seen)
	}
	// A name pointed at CloudFront that no distribution has: no certificate.
	d.e.SetKnob("dataplane.dns.evil.example.net", domain)
	if _, err := c.Get("https://evil.example.net/healthz"); err == nil || !strings.Contains(err.Error(), "tls") {
		t.Fatalf("unknown server name: %v", err)
	}
	if r := lastRequest(t, d.e); !strings.HasPrefix(r.Error, "tls:") {
		t.Fatalf("log %+v", r)
	}
}

// Route 53 answers before the fallbacks: a CNAME in a hosted zone reaches the
// distribution once its change is INSYNC, and not before.
func TestDataPlaneRoute53Records(t *testing.T) {
	d := newDPDeploy(t, true)
	d.e.SetKnob("dataplane.external_dns", "none")
	c := dpClient(t, d.e, "")
	r53 := r53Client(d.e)
	zone := aws.ToString(r53CreateZone(t, r53, "example.net.", "dp-r53").HostedZone.Id)
	if _, err := r53Apply(t, r53, zone, r53Simple(r53types.ChangeActionCreate, "www.example.net.", "CNAME", 60, d.domain)); err != nil {
		t.Fatal(err)
	}
	if a := dpGet(t, c, "http://www.example.net/healthz"); a.status != 502 || a.header.Get("X-Awsemu-Error") != "dns" {
		t.Fatalf("record not yet INSYNC: %d %v", a.status, a.header)
	}
	d.e.Clock().Advance(61 * time.Second) // route53.propagation
	// CloudFront is reached, and answers as it does for a name that is not
	// one of its aliases.
	wantAnswer(t, dpGet(t, c, "http://www.example.net/healthz"), 403, "The request could not be satisfied")
}

// Emulators can share one CA (a test process trusts it once through
// SSL_CERT_FILE), and ServesHost tells which emulator a name belongs to.
func TestDataPlaneSharedCAAndServesHost(t *testing.T) {
	ca, err := NewDataPlaneCA("shared")
	if err != nil {
		t.Fatal(err)
	}
	e1, e2 := startEmu(t, Options{CA: ca, Seed: "one"}), startEmu(t, Options{CA: ca, Seed: "two"})
	if string(e1.CAPEM()) != string(ca.PEM()) || string(e2.CAPEM()) != string(ca.PEM()) {
		t.Fatal("the emulators do not present the shared CA")
	}
	if own := startEmu(t, Options{}); string(own.CAPEM()) == string(ca.PEM()) {
		t.Fatal("an emulator without Options.CA shares the CA")
	}

	d := newDPDeploy(t, true)
	for _, host := range []string{d.domain, strings.ToUpper(d.domain), d.lbDNS, d.publicIP} {
		if !d.e.ServesHost(host) {
			t.Errorf("ServesHost(%q) = false in the emulator that holds it", host)
		}
		if e1.ServesHost(host) {
			t.Errorf("ServesHost(%q) = true in another emulator", host)
		}
	}
	for _, host := range []string{"d0000000000000.cloudfront.net", "203.0.113.99", "example.com"} {
		if d.e.ServesHost(host) {
			t.Errorf("ServesHost(%q) = true", host)
		}
	}
	// A distribution still rolling out has no DNS yet.
	_, pending := d.createDistribution(t, "dp-pending", d.lbDNS, cftypes.OriginProtocolPolicyHttpOnly, cfAllViewer, true)
	if d.e.ServesHost(pending) {
		t.Error("a distribution in its first rollout resolves")
	}
	d.e.Clock().Advance(16 * time.Minute)
	if !d.e.ServesHost(pending) {
		t.Error("a deployed distribution does not resolve")
	}
}
