package awsemu

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
)

func wafClient(e *Emulator, region string) *wafv2.Client {
	return wafv2.NewFromConfig(sdkConfig(e, region))
}

func createWebACL(t *testing.T, c *wafv2.Client, name string, scope waftypes.Scope) *waftypes.WebACLSummary {
	t.Helper()
	out, err := c.CreateWebACL(ctx(t), webACLInput(name, scope))
	if err != nil {
		t.Fatal(err)
	}
	return out.Summary
}

func webACLInput(name string, scope waftypes.Scope) *wafv2.CreateWebACLInput {
	return &wafv2.CreateWebACLInput{
		Name: aws.String(name), Scope: scope, DefaultAction: &waftypes.DefaultAction{Allow: &waftypes.AllowAction{}},
		VisibilityConfig: &waftypes.VisibilityConfig{CloudWatchMetricsEnabled: true, MetricName: aws.String(name), SampledRequestsEnabled: true},
	}
}

func TestWAFv2WebACLLifecycle(t *testing.T) {
	e := startEmu(t, Options{})
	c := wafClient(e, "us-east-1")
	sum := createWebACL(t, c, "geusemaker-cdn", waftypes.ScopeCloudfront)
	arn := aws.ToString(sum.ARN)
	if !strings.HasPrefix(arn, "arn:aws:wafv2:us-east-1:123456789012:global/webacl/geusemaker-cdn/") || len(aws.ToString(sum.Id)) != 36 || aws.ToString(sum.LockToken) == "" {
		t.Fatalf("summary %+v", sum)
	}
	got, err := c.GetWebACL(ctx(t), &wafv2.GetWebACLInput{Name: sum.Name, Id: sum.Id, Scope: waftypes.ScopeCloudfront})
	if err != nil || aws.ToString(got.WebACL.ARN) != arn || got.WebACL.DefaultAction.Allow == nil || aws.ToString(got.LockToken) != aws.ToString(sum.LockToken) {
		t.Fatalf("get %+v %v", got, err)
	}
	if byARN, err := c.GetWebACL(ctx(t), &wafv2.GetWebACLInput{ARN: aws.String(arn)}); err != nil || aws.ToString(byARN.WebACL.Id) != aws.ToString(sum.Id) {
		t.Fatalf("get by ARN %v", err)
	}
	list, err := c.ListWebACLs(ctx(t), &wafv2.ListWebACLsInput{Scope: waftypes.ScopeCloudfront})
	if err != nil || len(list.WebACLs) != 1 {
		t.Fatalf("list %+v %v", list, err)
	}
	if regional, _ := c.ListWebACLs(ctx(t), &wafv2.ListWebACLsInput{Scope: waftypes.ScopeRegional}); len(regional.WebACLs) != 0 {
		t.Fatalf("regional list %+v", regional.WebACLs)
	}
	_, err = c.CreateWebACL(ctx(t), webACLInput("geusemaker-cdn", waftypes.ScopeCloudfront))
	var dup *waftypes.WAFDuplicateItemException
	if !errors.As(err, &dup) {
		t.Fatalf("want WAFDuplicateItemException, got %v", err)
	}
	_, err = c.DeleteWebACL(ctx(t), &wafv2.DeleteWebACLInput{Name: sum.Name, Id: sum.Id, Scope: waftypes.ScopeCloudfront, LockToken: aws.String("00000000-0000-0000-0000-000000000000")})
	var lock *waftypes.WAFOptimisticLockException
	if !errors.As(err, &lock) {
		t.Fatalf("want WAFOptimisticLockException, got %v", err)
	}
	if _, err := c.DeleteWebACL(ctx(t), &wafv2.DeleteWebACLInput{Name: sum.Name, Id: sum.Id, Scope: waftypes.ScopeCloudfront, LockToken: sum.LockToken}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetWebACL(ctx(t), &wafv2.GetWebACLInput{Name: sum.Name, Id: sum.Id, Scope: waftypes.ScopeCloudfront})
	var gone *waftypes.WAFNonexistentItemException
	if !errors.As(err, &gone) {
		t.Fatalf("want WAFNonexistentItemException, got %v", err)
	}
	wantStatus(t, err, http.StatusBadRequest)
	if len(e.Inventory()) != 0 {
		t.Fatalf("inventory %+v", e.Inventory())
	}
}

// CLOUDFRONT web ACLs exist only through us-east-1; REGIONAL ones per region.
func TestWAFv2Scopes(t *testing.T) {
	e := startEmu(t, Options{})
	eu := wafClient(e, "eu-west-1")
	_, err := eu.CreateWebACL(ctx(t), webACLInput("cdn", waftypes.ScopeCloudfront))
	var inv *waftypes.WAFInvalidParameterException
	if !errors.As(err, &inv) || inv.Field != waftypes.ParameterExceptionFieldScopeValue || aws.ToString(inv.Parameter) != "CLOUDFRONT" ||
		!strings.Contains(inv.ErrorMessage(), "The scope is not valid.") {
		t.Fatalf("want WAFInvalidParameterException SCOPE_VALUE, got %v", err)
	}
	sum := createWebACL(t, eu, "alb", waftypes.ScopeRegional)
	if !strings.HasPrefix(aws.ToString(sum.ARN), "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/alb/") {
		t.Fatalf("arn %s", aws.ToString(sum.ARN))
	}
	// The regional ACL is not visible from another region.
	_, err = wafClient(e, "us-east-1").GetWebACL(ctx(t), &wafv2.GetWebACLInput{Name: sum.Name, Id: sum.Id, Scope: waftypes.ScopeRegional})
	var gone *waftypes.WAFNonexistentItemException
	if !errors.As(err, &gone) {
		t.Fatalf("want WAFNonexistentItemException, got %v", err)
	}
	// Validation.
	bad := webACLInput("has space", waftypes.ScopeRegional)
	_, err = eu.CreateWebACL(ctx(t), bad)
	wantAPIError(t, err, "ValidationException", http.StatusBadRequest, "")
	noAction := webACLInput("x", waftypes.ScopeRegional)
	noAction.DefaultAction = &waftypes.DefaultAction{}
	_, err = eu.CreateWebACL(ctx(t), noAction)
	if !errors.As(err, &inv) || inv.Field != waftypes.ParameterExceptionFieldDefaultAction {
		t.Fatalf("want DEFAULT_ACTION, got %v", err)
	}
}
