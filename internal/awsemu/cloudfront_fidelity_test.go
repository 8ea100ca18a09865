package awsemu

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
)

// A new account is not verified for CloudFront: creating a distribution
// fails 403 AccessDenied with the message that says to contact Support.
func TestCloudFrontAccountVerification(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"cloudfront.account_verified": "false"}})
	cf := cfClient(e)
	_, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("v1")})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "Your account must be verified before you can add new CloudFront resources. To verify your account, please contact AWS Support (https://console.aws.amazon.com/support/home#/) and include this error message.")
	_, err = cf.CreateDistributionWithTags(ctx(t), &cloudfront.CreateDistributionWithTagsInput{DistributionConfigWithTags: &cftypes.DistributionConfigWithTags{
		DistributionConfig: cfTestConfig("v2"), Tags: &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}})
	wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "")
	if len(e.Inventory()) != 0 {
		t.Fatal("a distribution was created")
	}
	e.SetKnob("cloudfront.account_verified", "true")
	if _, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("v1")}); err != nil {
		t.Fatal(err)
	}
}

// CloudFront stores aliases in its own order (sorted), not the request's.
func TestCloudFrontAliasOrder(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	cf := cfClient(e)
	cert := issuedCert(t, e, "example.com", "*.example.com")
	cfg := cfTestConfig("aliases")
	cfg.Aliases = &cftypes.Aliases{Quantity: aws.Int32(3), Items: []string{"n8n.example.com", "api.example.com", "example.com"}}
	cfg.ViewerCertificate = &cftypes.ViewerCertificate{ACMCertificateArn: aws.String(cert), SSLSupportMethod: "sni-only", MinimumProtocolVersion: "TLSv1.2_2021"}
	out, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	want := "api.example.com,example.com,n8n.example.com"
	if got := strings.Join(out.Distribution.DistributionConfig.Aliases.Items, ","); got != want {
		t.Fatalf("create returned %s", got)
	}
	gc, err := cf.GetDistributionConfig(ctx(t), &cloudfront.GetDistributionConfigInput{Id: out.Distribution.Id})
	if err != nil || strings.Join(gc.DistributionConfig.Aliases.Items, ",") != want {
		t.Fatalf("config returned %v %v", gc.DistributionConfig.Aliases, err)
	}
	// Not a domain name; a comment longer than 128 characters.
	bad := cfTestConfig("bad-alias")
	bad.Aliases = &cftypes.Aliases{Quantity: aws.Int32(1), Items: []string{"n8n_example.com"}}
	bad.ViewerCertificate = cfg.ViewerCertificate
	_, err = cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: bad})
	wantAPIError(t, err, "InvalidArgument", http.StatusBadRequest, "The parameter CNAME contains one or more characters that are not valid.")
	long := cfTestConfig("long-comment")
	long.Comment = aws.String(strings.Repeat("c", 129))
	_, err = cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: long})
	wantAPIError(t, err, "InvalidArgument", http.StatusBadRequest, "The parameter Comment is too long.")
	// More than 100 aliases.
	many := cfTestConfig("many")
	for i := 0; i < 101; i++ {
		many.Aliases = &cftypes.Aliases{Items: append(aliasItems(many), "a"+itoa(int64(i))+".example.com")}
	}
	many.Aliases.Quantity = aws.Int32(int32(len(many.Aliases.Items)))
	many.ViewerCertificate = cfg.ViewerCertificate
	_, err = cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: many})
	var tm *cftypes.TooManyDistributionCNAMEs
	if !errors.As(err, &tm) {
		t.Fatalf("want TooManyDistributionCNAMEs, got %v", err)
	}
}

func aliasItems(c *cftypes.DistributionConfig) []string {
	if c.Aliases == nil {
		return nil
	}
	return c.Aliases.Items
}

// issuedCert requests a certificate in us-east-1 and lets it be issued.
func issuedCert(t *testing.T, e *Emulator, domain string, sans ...string) string {
	t.Helper()
	out, err := acm.NewFromConfig(sdkConfig(e, "us-east-1")).RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String(domain),
		SubjectAlternativeNames: sans, ValidationMethod: acmtypes.ValidationMethodDns})
	if err != nil {
		t.Fatal(err)
	}
	acmValidate(t, e, "us-east-1", aws.ToString(out.CertificateArn))
	e.Clock().Advance(2 * time.Minute) // acm.issue_delay
	return aws.ToString(out.CertificateArn)
}

// The caller reference of a deleted distribution stays used.
func TestCloudFrontCallerReferenceOfDeletedDistribution(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"cloudfront.deploy_duration": "0s"}})
	cf := cfClient(e)
	first, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("reused")})
	if err != nil {
		t.Fatal(err)
	}
	disabled := cfTestConfig("reused")
	disabled.Enabled = aws.Bool(false)
	upd, err := cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: first.Distribution.Id, IfMatch: first.ETag, DistributionConfig: disabled})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(time.Second)
	if _, err := cf.DeleteDistribution(ctx(t), &cloudfront.DeleteDistributionInput{Id: first.Distribution.Id, IfMatch: upd.ETag}); err != nil {
		t.Fatal(err)
	}
	_, err = cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("reused")})
	var dae *cftypes.DistributionAlreadyExists
	if !errors.As(err, &dae) || !strings.HasSuffix(dae.ErrorMessage(), aws.ToString(first.Distribution.Id)) {
		t.Fatalf("want DistributionAlreadyExists naming the deleted distribution, got %v", err)
	}
	wantStatus(t, err, http.StatusConflict)
}

// Origin timeouts are bounded by quotas; the response timeout quota can be
// raised with quota.L-AECE9FA7.
func TestCloudFrontOriginTimeoutQuotas(t *testing.T) {
	e := startEmu(t, Options{})
	cf := cfClient(e)
	withTimeouts := func(ref string, read, keepalive int32) *cftypes.DistributionConfig {
		c := cfTestConfig(ref)
		c.Origins.Items[0].CustomOriginConfig.OriginReadTimeout = aws.Int32(read)
		c.Origins.Items[0].CustomOriginConfig.OriginKeepaliveTimeout = aws.Int32(keepalive)
		return c
	}
	_, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: withTimeouts("r1", 61, 5)})
	var irt *cftypes.InvalidOriginReadTimeout
	if !errors.As(err, &irt) {
		t.Fatalf("want InvalidOriginReadTimeout, got %v", err)
	}
	_, err = cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: withTimeouts("r2", 60, 61)})
	var ikt *cftypes.InvalidOriginKeepaliveTimeout
	if !errors.As(err, &ikt) {
		t.Fatalf("want InvalidOriginKeepaliveTimeout, got %v", err)
	}
	if _, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: withTimeouts("r3", 60, 60)}); err != nil {
		t.Fatal(err)
	}
	e.SetKnob("quota.L-AECE9FA7", "180")
	e.SetKnob("cloudfront.origin_keepalive_timeout_max", "120")
	out, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: withTimeouts("r4", 180, 120)})
	if err != nil || aws.ToInt32(out.Distribution.DistributionConfig.Origins.Items[0].CustomOriginConfig.OriginReadTimeout) != 180 {
		t.Fatalf("raised quota: %v", err)
	}
	_, err = cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: withTimeouts("r5", 181, 5)})
	if !errors.As(err, &irt) {
		t.Fatalf("want InvalidOriginReadTimeout above the raised quota, got %v", err)
	}
}

func TestCloudFrontDistributionsQuota(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"quota.L-24B04930": "1"}})
	cf := cfClient(e)
	if _, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("q1")}); err != nil {
		t.Fatal(err)
	}
	_, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfTestConfig("q2")})
	var tmd *cftypes.TooManyDistributions
	if !errors.As(err, &tmd) {
		t.Fatalf("want TooManyDistributions, got %v", err)
	}
	wantStatus(t, err, http.StatusBadRequest)
}

// A WebACLId must be the ARN of an existing CLOUDFRONT web ACL, on create and
// on update; DeleteWebACL refuses an ACL a distribution uses.
func TestCloudFrontWebACL(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"cloudfront.deploy_duration": "0s"}})
	cf := cfClient(e)
	waf := wafClient(e, "us-east-1")
	global := createWebACL(t, waf, "cdn", waftypes.ScopeCloudfront)
	regional := createWebACL(t, waf, "alb", waftypes.ScopeRegional)
	withACL := func(ref, acl string) *cftypes.DistributionConfig {
		c := cfTestConfig(ref)
		c.WebACLId = aws.String(acl)
		return c
	}
	for _, tc := range []struct{ acl, msg string }{
		{"my-acl", "Invalid webACL identifier provided my-acl"},
		{aws.ToString(regional.ARN), "Web ACL is not accessible by the requester."},
		{strings.Replace(aws.ToString(global.ARN), aws.ToString(global.Id), "0123abcd-0000-0000-0000-000000000000", 1), "Web ACL is not accessible by the requester."},
		{"473e64fd-f30b-4765-81a0-62ad96dd167a", "Web ACL is not accessible by the requester."}, // WAF Classic is not emulated
	} {
		_, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: withACL("bad", tc.acl)})
		var bad *cftypes.InvalidWebACLId
		if !errors.As(err, &bad) || bad.ErrorMessage() != tc.msg {
			t.Fatalf("%s: want InvalidWebACLId %q, got %v", tc.acl, tc.msg, err)
		}
		wantStatus(t, err, http.StatusBadRequest)
	}
	out, err := cf.CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: withACL("good", aws.ToString(global.ARN))})
	if err != nil {
		t.Fatal(err)
	}
	// Update to a regional ACL: refused.
	_, err = cf.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: out.Distribution.Id, IfMatch: out.ETag, DistributionConfig: withACL("good", aws.ToString(regional.ARN))})
	var bad *cftypes.InvalidWebACLId
	if !errors.As(err, &bad) {
		t.Fatalf("update: want InvalidWebACLId, got %v", err)
	}
	_, err = waf.DeleteWebACL(ctx(t), &wafv2.DeleteWebACLInput{Name: global.Name, Id: global.Id, Scope: waftypes.ScopeCloudfront, LockToken: global.LockToken})
	var assoc *waftypes.WAFAssociatedItemException
	if !errors.As(err, &assoc) {
		t.Fatalf("want WAFAssociatedItemException, got %v", err)
	}
}
