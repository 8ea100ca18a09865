package awsemu

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

const (
	cfCachingDisabled  = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	cfCachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	cfAllViewer        = "216adef6-5c7f-47e4-b989-5492eafa07d3"
	cfSecurityHeaders  = "67f7725c-6f97-4210-82d7-5512b31e9d03"
)

// cfTestConfig is the distribution the provider builds: an ALB custom origin
// over HTTP, caching disabled, every viewer parameter forwarded.
func cfTestConfig(ref string) *cftypes.DistributionConfig {
	return &cftypes.DistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String("geusemaker demo"),
		Enabled:         aws.Bool(true),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{
			Id:         aws.String("ALB-demo-alb-1234567890.us-east-1.elb.amazonaws.com"),
			DomainName: aws.String("demo-alb-1234567890.us-east-1.elb.amazonaws.com"),
			CustomOriginConfig: &cftypes.CustomOriginConfig{
				HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly,
				OriginSslProtocols: &cftypes.OriginSslProtocols{Quantity: aws.Int32(1), Items: []cftypes.SslProtocol{cftypes.SslProtocolTLSv12}},
			},
		}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
			TargetOriginId:        aws.String("ALB-demo-alb-1234567890.us-east-1.elb.amazonaws.com"),
			ViewerProtocolPolicy:  cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId:         aws.String(cfCachingDisabled),
			OriginRequestPolicyId: aws.String(cfAllViewer),
			AllowedMethods: &cftypes.AllowedMethods{Quantity: aws.Int32(7),
				Items:         []cftypes.Method{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"},
				CachedMethods: &cftypes.CachedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"}}},
			Compress: aws.Bool(true),
		},
		ViewerCertificate: &cftypes.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true), MinimumProtocolVersion: cftypes.MinimumProtocolVersionTLSv122021},
		PriceClass:        cftypes.PriceClassPriceClass100,
		HttpVersion:       cftypes.HttpVersionHttp2,
		IsIPV6Enabled:     aws.Bool(true),
	}
}

func cfClient(e *Emulator) *cloudfront.Client {
	return cloudfront.NewFromConfig(sdkConfig(e, "us-east-1"))
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d, got %v", status, err)
	}
}

func TestCloudFrontCreateGetDeploy(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	cf := cfClient(e)
	out, err := cf.CreateDistributionWithTags(ctx(t), &cloudfront.CreateDistributionWithTagsInput{DistributionConfigWithTags: &cftypes.DistributionConfigWithTags{
		DistributionConfig: cfTestConfig("ref-1"),
		Tags:               &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String("Stack"), Value: aws.String("demo")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Distribution
	id := aws.ToString(d.Id)
	if !regexp.MustCompile(`^E[A-Z0-9]{13}$`).MatchString(id) {
		t.Fatalf("id = %s", id)
	}
	if !regexp.MustCompile(`^d[a-z0-9]{13}\.cloudfront\.net$`).MatchString(aws.ToString(d.DomainName)) {
		t.Fatalf("domain = %s", aws.ToString(d.DomainName))
	}
	if aws.ToString(d.ARN) != "arn:aws:cloudfront::123456789012:distribution/"+id {
		t.Fatalf("arn = %s", aws.ToString(d.ARN))
	}
	if aws.ToString(out.Location) != "https://cloudfront.amazonaws.com/2020-05-31/distribution/"+id || aws.ToString(out.ETag) == "" {
		t.Fatalf("location %q etag %q", aws.ToString(out.Location), aws.ToString(out.ETag))
	}
	if aws.ToString(d.Status) != "InProgress" || d.LastModifiedTime == nil {
		t.Fatalf("status = %s", aws.ToString(d.Status))
	}
	got, err := cf.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.ETag) != aws.ToString(out.ETag) || aws.ToString(got.Distribution.Status) != "InProgress" {
		t.Fatalf("get etag %s status %s", aws.ToString(got.ETag), aws.ToString(got.Distribution.Status))
	}
	cfg := got.Distribution.DistributionConfig
	if aws.ToString(cfg.Origins.Items[0].DomainName) != "demo-alb-1234567890.us-east-1.elb.amazonaws.com" ||
		aws.ToInt32(cfg.Origins.Items[0].CustomOriginConfig.OriginReadTimeout) != 30 ||
		aws.ToInt32(cfg.Origins.Items[0].CustomOriginConfig.OriginKeepaliveTimeout) != 5 ||
		aws.ToInt32(cfg.Origins.Items[0].ConnectionAttempts) != 3 {
		t.Fatalf("origin not stored with defaults: %+v", cfg.Origins.Items[0])
	}
	// With the default certificate CloudFront stores TLSv1 whatever was asked.
	if vc := cfg.ViewerCertificate; !aws.ToBool(vc.CloudFrontDefaultCertificate) || vc.MinimumProtocolVersion != "TLSv1" || vc.CertificateSource != "cloudfront" {
		t.Fatalf("viewer certificate = %+v", vc)
	}
	if cfg.PriceClass != "PriceClass_100" || aws.ToInt32(cfg.Aliases.Quantity) != 0 || len(cfg.DefaultCacheBehavior.AllowedMethods.Items) != 7 {
		t.Fatalf("config = %+v", cfg)
	}
	e.Clock().Advance(14 * time.Minute)
	got, _ = cf.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if aws.ToString(got.Distribution.Status) != "InProgress" {
		t.Fatalf("deployed too early")
	}
	e.Clock().Advance(2 * time.Minute)
	gc, err := cf.GetDistributionConfig(ctx(t), &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil || aws.ToString(gc.ETag) != aws.ToString(out.ETag) || aws.ToString(gc.DistributionConfig.CallerReference) != "ref-1" {
		t.Fatalf("config: %v %+v", err, gc)
	}
	calls := e.Calls()
	last := calls[len(calls)-1]
	if last.Notes["status"] != "Deployed" || last.Notes["enabled"] != "true" {
		t.Fatalf("notes = %v", last.Notes)
	}
	if calls[0].Notes["origin"] != "demo-alb-1234567890.us-east-1.elb.amazonaws.com" {
		t.Fatalf("create notes = %v", calls[0].Notes)
	}
	inv := e.Inventory()
	if len(inv) != 1 || inv[0].ID != id || inv[0].State != "Deployed" || inv[0].Tags["Stack"] != "demo" {
		t.Fatalf("inventory = %+v", inv)
	}
	tags, err := cf.ListTagsForResource(ctx(t), &cloudfront.ListTagsForResourceInput{Resource: d.ARN})
	if err != nil || len(tags.Tags.Items) != 1 || aws.ToString(tags.Tags.Items[0].Value) != "demo" {
		t.Fatalf("tags %v %+v", err, tags)
	}
}

func TestCloudFrontCallerReferenceReuse(t *testing.T) {
	e := startEmu(t, Options{})
	cf := cfClient(e)
	first, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("same-ref")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(first.Distribution.Id)
	// The same config again and a different one: CloudFront refuses both and
	// names the distribution that owns the reference.
	other := cfTestConfig("same-ref")
	other.Comment = aws.String("changed")
	for _, cfg := range []*cftypes.DistributionConfig{cfTestConfig("same-ref"), other} {
		_, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
		var dae *cftypes.DistributionAlreadyExists
		if !errors.As(err, &dae) || !strings.HasSuffix(dae.ErrorMessage(), "Already exists: "+id) {
			t.Fatalf("want DistributionAlreadyExists naming %s, got %v", id, err)
		}
		wantStatus(t, err, http.StatusConflict)
	}
	if n := len(e.Inventory()); n != 1 {
		t.Fatalf("inventory has %d distributions", n)
	}
}

func TestCloudFrontValidation(t *testing.T) {
	e := startEmu(t, Options{})
	cf := cfClient(e)
	cases := []struct {
		name   string
		mutate func(*cftypes.DistributionConfig)
		code   string
		status int
	}{
		{"quantity mismatch", func(c *cftypes.DistributionConfig) { c.Origins.Quantity = aws.Int32(2) }, "InconsistentQuantities", 400},
		{"unknown target origin", func(c *cftypes.DistributionConfig) { c.DefaultCacheBehavior.TargetOriginId = aws.String("nope") }, "NoSuchOrigin", 404},
		{"forwarded values and cache policy", func(c *cftypes.DistributionConfig) {
			c.DefaultCacheBehavior.ForwardedValues = &cftypes.ForwardedValues{QueryString: aws.Bool(true), Cookies: &cftypes.CookiePreference{Forward: "all"}}
		}, "InvalidArgument", 400},
		{"neither forwarded values nor cache policy", func(c *cftypes.DistributionConfig) { c.DefaultCacheBehavior.CachePolicyId = nil }, "InvalidArgument", 400},
		{"unknown cache policy", func(c *cftypes.DistributionConfig) {
			c.DefaultCacheBehavior.CachePolicyId = aws.String("00000000-0000-0000-0000-000000000000")
		}, "NoSuchCachePolicy", 404},
		{"unknown origin request policy", func(c *cftypes.DistributionConfig) {
			c.DefaultCacheBehavior.OriginRequestPolicyId = aws.String("00000000-0000-0000-0000-000000000000")
		}, "NoSuchOriginRequestPolicy", 404},
		{"unknown response headers policy", func(c *cftypes.DistributionConfig) {
			c.DefaultCacheBehavior.ResponseHeadersPolicyId = aws.String("00000000-0000-0000-0000-000000000000")
		}, "NoSuchResponseHeadersPolicy", 404},
		{"bad price class", func(c *cftypes.DistributionConfig) { c.PriceClass = "PriceClass_Cheap" }, "InvalidArgument", 400},
		{"bad http version", func(c *cftypes.DistributionConfig) { c.HttpVersion = "http4" }, "InvalidArgument", 400},
		{"bad viewer protocol policy", func(c *cftypes.DistributionConfig) { c.DefaultCacheBehavior.ViewerProtocolPolicy = "https-please" }, "InvalidArgument", 400},
		{"bad origin protocol policy", func(c *cftypes.DistributionConfig) {
			c.Origins.Items[0].CustomOriginConfig.OriginProtocolPolicy = "tls-only"
		}, "InvalidArgument", 400},
		{"read timeout", func(c *cftypes.DistributionConfig) {
			c.Origins.Items[0].CustomOriginConfig.OriginReadTimeout = aws.Int32(61)
		}, "InvalidOriginReadTimeout", 400},
		{"keepalive timeout", func(c *cftypes.DistributionConfig) {
			c.Origins.Items[0].CustomOriginConfig.OriginKeepaliveTimeout = aws.Int32(0)
		}, "InvalidOriginKeepaliveTimeout", 400},
		{"forbidden custom header", func(c *cftypes.DistributionConfig) {
			c.Origins.Items[0].CustomHeaders = &cftypes.CustomHeaders{Quantity: aws.Int32(1), Items: []cftypes.OriginCustomHeader{{HeaderName: aws.String("Host"), HeaderValue: aws.String("x")}}}
		}, "InvalidArgument", 400},
		{"x-amz custom header", func(c *cftypes.DistributionConfig) {
			c.Origins.Items[0].CustomHeaders = &cftypes.CustomHeaders{Quantity: aws.Int32(1), Items: []cftypes.OriginCustomHeader{{HeaderName: aws.String("X-Amz-Secret"), HeaderValue: aws.String("x")}}}
		}, "InvalidArgument", 400},
		{"web acl", func(c *cftypes.DistributionConfig) { c.WebACLId = aws.String("my-acl") }, "InvalidWebACLId", 400},
		{"minimum protocol version", func(c *cftypes.DistributionConfig) { c.ViewerCertificate.MinimumProtocolVersion = "TLSv9" }, "InvalidMinimumProtocolVersion", 400},
		{"aliases with default certificate", func(c *cftypes.DistributionConfig) {
			c.Aliases = &cftypes.Aliases{Quantity: aws.Int32(1), Items: []string{"n8n.example.com"}}
		}, "InvalidViewerCertificate", 400},
		{"certificate outside us-east-1", func(c *cftypes.DistributionConfig) {
			c.ViewerCertificate = &cftypes.ViewerCertificate{ACMCertificateArn: aws.String("arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"), SSLSupportMethod: "sni-only"}
		}, "InvalidViewerCertificate", 400},
		{"allowed methods", func(c *cftypes.DistributionConfig) {
			c.DefaultCacheBehavior.AllowedMethods = &cftypes.AllowedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "POST"}}
		}, "InvalidArgument", 400},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfTestConfig("validation-" + string(rune('a'+i)))
			tc.mutate(cfg)
			_, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
			wantCode(t, err, tc.code)
			wantStatus(t, err, tc.status)
		})
	}
	// Modelled errors reach the SDK as its typed errors.
	cfg := cfTestConfig("typed")
	cfg.DefaultCacheBehavior.TargetOriginId = aws.String("nope")
	_, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	var nso *cftypes.NoSuchOrigin
	if !errors.As(err, &nso) {
		t.Fatalf("want *types.NoSuchOrigin, got %T %v", err, err)
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("failed creates left %v", inv)
	}
}

func TestCloudFrontAliasesAndACMCertificates(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	cf := cfClient(e)
	certs := acm.NewFromConfig(sdkConfig(e, "us-east-1"))
	req, err := certs.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("n8n.example.com"),
		SubjectAlternativeNames: []string{"*.example.com"}, ValidationMethod: acmtypes.ValidationMethodDns})
	if err != nil {
		t.Fatal(err)
	}
	acmValidate(t, e, "us-east-1", aws.ToString(req.CertificateArn)) // ACM issues it once its DNS records resolve
	withAlias := func(ref, certARN string, aliases ...string) *cftypes.DistributionConfig {
		c := cfTestConfig(ref)
		c.Aliases = &cftypes.Aliases{Quantity: aws.Int32(int32(len(aliases))), Items: aliases}
		c.ViewerCertificate = &cftypes.ViewerCertificate{ACMCertificateArn: aws.String(certARN), SSLSupportMethod: "sni-only", MinimumProtocolVersion: "TLSv1.2_2021"}
		return c
	}
	create := func(cfg *cftypes.DistributionConfig) (*cloudfront.CreateDistributionOutput, error) {
		return cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	}
	// Not issued yet.
	_, err = create(withAlias("pending", aws.ToString(req.CertificateArn), "n8n.example.com"))
	var ivc *cftypes.InvalidViewerCertificate
	if !errors.As(err, &ivc) || !strings.Contains(ivc.ErrorMessage(), "us-east-1") {
		t.Fatalf("pending certificate: %v", err)
	}
	e.Clock().Advance(2 * time.Minute)
	// Issued, but it does not cover the alias.
	_, err = create(withAlias("uncovered", aws.ToString(req.CertificateArn), "n8n.example.org"))
	if !errors.As(err, &ivc) || !strings.Contains(ivc.ErrorMessage(), "doesn't cover the alternate domain name") {
		t.Fatalf("uncovered alias: %v", err)
	}
	// The wildcard covers one label only.
	_, err = create(withAlias("deep", aws.ToString(req.CertificateArn), "a.b.example.com"))
	if !errors.As(err, &ivc) {
		t.Fatalf("two labels under a wildcard: %v", err)
	}
	out, err := create(withAlias("alias-1", aws.ToString(req.CertificateArn), "n8n.example.com", "api.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	vc := out.Distribution.DistributionConfig.ViewerCertificate
	if vc.CertificateSource != "acm" || vc.MinimumProtocolVersion != "TLSv1.2_2021" || len(out.Distribution.AliasICPRecordals) != 2 {
		t.Fatalf("viewer certificate %+v", vc)
	}
	// The alias belongs to that distribution now.
	_, err = create(withAlias("alias-2", aws.ToString(req.CertificateArn), "api.example.com"))
	var cae *cftypes.CNAMEAlreadyExists
	if !errors.As(err, &cae) {
		t.Fatalf("want CNAMEAlreadyExists, got %v", err)
	}
	wantStatus(t, err, http.StatusConflict)
	// ACM knows the distribution uses the certificate.
	_, err = certs.DeleteCertificate(ctx(t), &acm.DeleteCertificateInput{CertificateArn: req.CertificateArn})
	var inUse *acmtypes.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("deleting a certificate in use: %v", err)
	}
	// A certificate from another region is refused.
	other, err := acm.NewFromConfig(sdkConfig(e, "eu-west-1")).RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("n8n.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(2 * time.Minute)
	_, err = create(withAlias("eu-cert", aws.ToString(other.CertificateArn), "eu.example.com"))
	if !errors.As(err, &ivc) {
		t.Fatalf("certificate outside us-east-1: %v", err)
	}
	// Deleting the distribution releases the certificate.
	cfg := withAlias("alias-1", aws.ToString(req.CertificateArn), "n8n.example.com", "api.example.com")
	cfg.Enabled = aws.Bool(false)
	upd, err := cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: out.Distribution.Id, DistributionConfig: cfg, IfMatch: out.ETag})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(16 * time.Minute)
	if _, err := cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: out.Distribution.Id, IfMatch: upd.ETag}); err != nil {
		t.Fatal(err)
	}
	if _, err := certs.DeleteCertificate(ctx(t), &acm.DeleteCertificateInput{CertificateArn: req.CertificateArn}); err != nil {
		t.Fatalf("certificate still in use after the distribution was deleted: %v", err)
	}
}

func TestCloudFrontUpdateDeleteETags(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	cf := cfClient(e)
	created, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("lifecycle")})
	if err != nil {
		t.Fatal(err)
	}
	id := created.Distribution.Id
	etag0 := aws.ToString(created.ETag)

	cfg := cfTestConfig("lifecycle")
	cfg.Comment = aws.String("updated")
	_, err = cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: id, DistributionConfig: cfg})
	var iim *cftypes.InvalidIfMatchVersion
	if !errors.As(err, &iim) {
		t.Fatalf("missing If-Match: %v", err)
	}
	upd, err := cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: id, DistributionConfig: cfg, IfMatch: aws.String(etag0)})
	if err != nil {
		t.Fatal(err)
	}
	etag1 := aws.ToString(upd.ETag)
	if etag1 == "" || etag1 == etag0 || aws.ToString(upd.Distribution.Status) != "InProgress" || aws.ToString(upd.Distribution.DistributionConfig.Comment) != "updated" {
		t.Fatalf("update: etag %s→%s status %s", etag0, etag1, aws.ToString(upd.Distribution.Status))
	}
	_, err = cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: id, DistributionConfig: cfg, IfMatch: aws.String(etag0)})
	var pf *cftypes.PreconditionFailed
	if !errors.As(err, &pf) {
		t.Fatalf("stale If-Match: %v", err)
	}
	wantStatus(t, err, http.StatusPreconditionFailed)
	changedRef := cfTestConfig("another-ref")
	_, err = cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: id, DistributionConfig: changedRef, IfMatch: aws.String(etag1)})
	var iu *cftypes.IllegalUpdate
	if !errors.As(err, &iu) {
		t.Fatalf("caller reference change: %v", err)
	}

	// Enabled: delete refused.
	e.Clock().Advance(20 * time.Minute)
	_, err = cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: id, IfMatch: aws.String(etag1)})
	var dnd *cftypes.DistributionNotDisabled
	if !errors.As(err, &dnd) {
		t.Fatalf("delete enabled: %v", err)
	}
	wantStatus(t, err, http.StatusConflict)

	// Disable: a rollout too; while it is InProgress the delete is refused.
	cfg.Enabled = aws.Bool(false)
	dis, err := cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: id, DistributionConfig: cfg, IfMatch: aws.String(etag1)})
	if err != nil {
		t.Fatal(err)
	}
	etag2 := aws.ToString(dis.ETag)
	if aws.ToString(dis.Distribution.Status) != "InProgress" {
		t.Fatalf("disable status %s", aws.ToString(dis.Distribution.Status))
	}
	_, err = cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: id, IfMatch: aws.String(etag2)})
	if !errors.As(err, &dnd) {
		t.Fatalf("delete in progress: %v", err)
	}
	_, err = cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: id})
	if !errors.As(err, &iim) {
		t.Fatalf("delete without If-Match: %v", err)
	}
	e.Clock().Advance(16 * time.Minute)
	_, err = cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: id, IfMatch: aws.String(etag1)})
	if !errors.As(err, &pf) {
		t.Fatalf("delete with stale etag: %v", err)
	}
	if _, err := cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: id, IfMatch: aws.String(etag2)}); err != nil {
		t.Fatal(err)
	}
	_, err = cf.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: id})
	var nsd *cftypes.NoSuchDistribution
	if !errors.As(err, &nsd) {
		t.Fatalf("after delete: %v", err)
	}
	wantStatus(t, err, http.StatusNotFound)
	_, err = cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: id, IfMatch: aws.String(etag2)})
	if !errors.As(err, &nsd) {
		t.Fatalf("second delete: %v", err)
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory = %v", inv)
	}
	// The log proves which ETag each mutation carried.
	var notes []string
	for _, c := range e.Calls() {
		if c.Operation == "DeleteDistribution" || c.Operation == "UpdateDistribution" {
			notes = append(notes, c.Operation+":"+c.Notes["etag_current"]+":"+c.Error)
		}
	}
	want := "UpdateDistribution:false:InvalidIfMatchVersion UpdateDistribution:true: UpdateDistribution:false:PreconditionFailed " +
		"UpdateDistribution:true:IllegalUpdate DeleteDistribution:true:DistributionNotDisabled UpdateDistribution:true: " +
		"DeleteDistribution:true:DistributionNotDisabled DeleteDistribution:false:InvalidIfMatchVersion DeleteDistribution:false:PreconditionFailed " +
		"DeleteDistribution:true: DeleteDistribution::NoSuchDistribution"
	if strings.Join(notes, " ") != want {
		t.Fatalf("notes:\n%s\nwant\n%s", strings.Join(notes, " "), want)
	}
}

func TestCloudFrontKnobs(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"cloudfront.deploy_duration": "never", "cloudfront.delete_duration": "10m"}})
	cf := cfClient(e)
	cfg := cfTestConfig("knobs")
	cfg.Enabled = aws.Bool(false)
	out, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(24 * time.Hour)
	got, _ := cf.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: out.Distribution.Id})
	if aws.ToString(got.Distribution.Status) != "InProgress" {
		t.Fatalf("never: status %s", aws.ToString(got.Distribution.Status))
	}
	e.SetKnob("cloudfront.deploy_duration", "1m")
	upd, err := cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: out.Distribution.Id, DistributionConfig: cfg, IfMatch: got.ETag})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(61 * time.Second)
	if _, err := cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: out.Distribution.Id, IfMatch: upd.ETag}); err != nil {
		t.Fatal(err)
	}
	// delete_duration: still readable for a while, then gone.
	if _, err := cf.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: out.Distribution.Id}); err != nil {
		t.Fatalf("read during deletion: %v", err)
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("a deleted distribution stays in the inventory: %v", inv)
	}
	e.Clock().Advance(10 * time.Minute)
	_, err = cf.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: out.Distribution.Id})
	wantCode(t, err, "NoSuchDistribution")
}

func TestCloudFrontListPagination(t *testing.T) {
	e := startEmu(t, Options{})
	cf := cfClient(e)
	var ids []string
	for _, ref := range []string{"p1", "p2", "p3"} {
		out, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig(ref)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.Distribution.Id))
	}
	first, err := cf.ListDistributions(ctx(t), &cloudfront.ListDistributionsInput{MaxItems: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	l := first.DistributionList
	if aws.ToInt32(l.Quantity) != 2 || !aws.ToBool(l.IsTruncated) || aws.ToString(l.NextMarker) == "" {
		t.Fatalf("first page %+v", l)
	}
	s := l.Items[0]
	if aws.ToString(s.Status) != "InProgress" || !aws.ToBool(s.Enabled) || aws.ToString(s.Comment) != "geusemaker demo" ||
		aws.ToString(s.Origins.Items[0].DomainName) == "" || aws.ToString(s.ARN) == "" || aws.ToString(s.DomainName) == "" || s.LastModifiedTime == nil {
		t.Fatalf("summary %+v", s)
	}
	var all []string
	p := cloudfront.NewListDistributionsPaginator(cf, &cloudfront.ListDistributionsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.DistributionList.Items {
			all = append(all, aws.ToString(it.Id))
		}
	}
	if strings.Join(all, ",") != strings.Join(ids, ",") {
		t.Fatalf("paginated %v, want %v", all, ids)
	}
	_, err = cf.ListDistributions(ctx(t), &cloudfront.ListDistributionsInput{Marker: aws.String("ENOTADISTRIBUTION")})
	wantCode(t, err, "InvalidArgument")
}

func TestCloudFrontTags(t *testing.T) {
	e := startEmu(t, Options{})
	cf := cfClient(e)
	out, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("tags")})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Distribution.ARN
	_, err = cf.TagResource(ctx(t), &cloudfront.TagResourceInput{Resource: arn, Tags: &cftypes.Tags{Items: []cftypes.Tag{
		{Key: aws.String("Stack"), Value: aws.String("demo")}, {Key: aws.String("Tier"), Value: aws.String("gpu")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cf.UntagResource(ctx(t), &cloudfront.UntagResourceInput{Resource: arn, TagKeys: &cftypes.TagKeys{Items: []string{"Tier"}}}); err != nil {
		t.Fatal(err)
	}
	tags, err := cf.ListTagsForResource(ctx(t), &cloudfront.ListTagsForResourceInput{Resource: arn})
	if err != nil || len(tags.Tags.Items) != 1 || aws.ToString(tags.Tags.Items[0].Key) != "Stack" {
		t.Fatalf("tags %v %+v", err, tags)
	}
	_, err = cf.ListTagsForResource(ctx(t), &cloudfront.ListTagsForResourceInput{Resource: aws.String("arn:aws:cloudfront::123456789012:distribution/E0000000000000")})
	var nsr *cftypes.NoSuchResource
	if !errors.As(err, &nsr) {
		t.Fatalf("unknown resource: %v", err)
	}
	_, err = cf.TagResource(ctx(t), &cloudfront.TagResourceInput{Resource: arn, Tags: &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String(""), Value: aws.String("x")}}}})
	wantCode(t, err, "InvalidTagging")
	_, err = cf.ListTagsForResource(ctx(t), &cloudfront.ListTagsForResourceInput{Resource: aws.String("not-an-arn")})
	wantCode(t, err, "InvalidArgument")
}

func TestCloudFrontManagedPolicies(t *testing.T) {
	e := startEmu(t, Options{})
	cf := cfClient(e)
	for id, name := range map[string]string{cfCachingDisabled: "Managed-CachingDisabled", cfCachingOptimized: "Managed-CachingOptimized"} {
		out, err := cf.GetCachePolicy(ctx(t), &cloudfront.GetCachePolicyInput{Id: aws.String(id)})
		if err != nil || aws.ToString(out.CachePolicy.CachePolicyConfig.Name) != name || aws.ToString(out.ETag) == "" {
			t.Fatalf("cache policy %s: %v %+v", id, err, out)
		}
	}
	opt, _ := cf.GetCachePolicy(ctx(t), &cloudfront.GetCachePolicyInput{Id: aws.String(cfCachingOptimized)})
	if aws.ToInt64(opt.CachePolicy.CachePolicyConfig.DefaultTTL) != 86400 || !aws.ToBool(opt.CachePolicy.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.EnableAcceptEncodingBrotli) {
		t.Fatalf("CachingOptimized %+v", opt.CachePolicy.CachePolicyConfig)
	}
	orp, err := cf.GetOriginRequestPolicy(ctx(t), &cloudfront.GetOriginRequestPolicyInput{Id: aws.String("b689b0a8-53d0-40ab-baf2-68738e2966ac")})
	if err != nil || aws.ToString(orp.OriginRequestPolicy.OriginRequestPolicyConfig.Name) != "Managed-AllViewerExceptHostHeader" {
		t.Fatalf("origin request policy %v %+v", err, orp)
	}
	rhp, err := cf.GetResponseHeadersPolicy(ctx(t), &cloudfront.GetResponseHeadersPolicyInput{Id: aws.String(cfSecurityHeaders)})
	if err != nil || aws.ToString(rhp.ResponseHeadersPolicy.ResponseHeadersPolicyConfig.Name) != "Managed-SecurityHeadersPolicy" ||
		rhp.ResponseHeadersPolicy.ResponseHeadersPolicyConfig.SecurityHeadersConfig == nil {
		t.Fatalf("response headers policy %v %+v", err, rhp)
	}
	managed, err := cf.ListCachePolicies(ctx(t), &cloudfront.ListCachePoliciesInput{Type: cftypes.CachePolicyTypeManaged})
	if err != nil || aws.ToInt32(managed.CachePolicyList.Quantity) != 7 || managed.CachePolicyList.Items[0].Type != "managed" {
		t.Fatalf("managed cache policies %v %+v", err, managed)
	}
	custom, err := cf.ListCachePolicies(ctx(t), &cloudfront.ListCachePoliciesInput{Type: cftypes.CachePolicyTypeCustom})
	if err != nil || aws.ToInt32(custom.CachePolicyList.Quantity) != 0 {
		t.Fatalf("custom cache policies %v %+v", err, custom)
	}
	page, err := cf.ListOriginRequestPolicies(ctx(t), &cloudfront.ListOriginRequestPoliciesInput{MaxItems: aws.Int32(3)})
	if err != nil || len(page.OriginRequestPolicyList.Items) != 3 || page.OriginRequestPolicyList.NextMarker == nil {
		t.Fatalf("origin request policies %v %+v", err, page)
	}
	rest, err := cf.ListOriginRequestPolicies(ctx(t), &cloudfront.ListOriginRequestPoliciesInput{Marker: page.OriginRequestPolicyList.NextMarker})
	if err != nil || len(rest.OriginRequestPolicyList.Items) != 4 {
		t.Fatalf("second page %v %+v", err, rest)
	}
	rh, err := cf.ListResponseHeadersPolicies(ctx(t), &cloudfront.ListResponseHeadersPoliciesInput{Type: cftypes.ResponseHeadersPolicyTypeManaged})
	if err != nil || aws.ToInt32(rh.ResponseHeadersPolicyList.Quantity) != 5 {
		t.Fatalf("response headers policies %v %+v", err, rh)
	}
	_, err = cf.GetCachePolicy(ctx(t), &cloudfront.GetCachePolicyInput{Id: aws.String("00000000-0000-0000-0000-000000000000")})
	var nscp *cftypes.NoSuchCachePolicy
	if !errors.As(err, &nscp) {
		t.Fatalf("unknown cache policy: %v", err)
	}
	_, err = cf.GetOriginRequestPolicy(ctx(t), &cloudfront.GetOriginRequestPolicyInput{Id: aws.String("nope")})
	wantCode(t, err, "NoSuchOriginRequestPolicy")
	_, err = cf.GetResponseHeadersPolicy(ctx(t), &cloudfront.GetResponseHeadersPolicyInput{Id: aws.String("nope")})
	wantCode(t, err, "NoSuchResponseHeadersPolicy")
}

func TestCloudFrontCreateDeployKnobOnlyAffectsCreation(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"cloudfront.create_deploy_duration": "never"}})
	c := cfClient(e)
	created, err := c.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("stuck")})
	if err != nil {
		t.Fatal(err)
	}
	d := created.Distribution
	e.Clock().Advance(48 * time.Hour)
	got, err := c.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: d.Id})
	if err != nil || aws.ToString(got.Distribution.Status) != "InProgress" {
		t.Fatalf("creation rollout finished: %v %v", err, aws.ToString(got.Distribution.Status))
	}
	cfg := got.Distribution.DistributionConfig
	cfg.Enabled = aws.Bool(false)
	if _, err := c.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: d.Id, IfMatch: got.ETag, DistributionConfig: cfg}); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(16 * time.Minute)
	got, err = c.GetDistribution(ctx(t), &cloudfront.GetDistributionInput{Id: d.Id})
	if err != nil || aws.ToString(got.Distribution.Status) != "Deployed" {
		t.Fatalf("the disable did not roll out: %v %v", err, aws.ToString(got.Distribution.Status))
	}
}
