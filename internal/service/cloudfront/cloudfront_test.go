package cloudfront

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	awstypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

func setup(t *testing.T, knobs map[string]string) (*awsemu.Emulator, *cloudfront.Client, context.Context) {
	t.Helper()
	env := emutest.Start(t, emutest.Options{Knobs: knobs})
	return env.Emu, cloudfront.NewFromConfig(env.Config), env.Ctx
}

func testConfig(ref string, enabled bool) *awstypes.DistributionConfig {
	origin := "demo-alb-1234567890.us-east-1.elb.amazonaws.com"
	return &awstypes.DistributionConfig{
		CallerReference: aws.String(ref),
		Comment:         aws.String("geusemaker demo"),
		Enabled:         aws.Bool(enabled),
		Origins: &awstypes.Origins{Quantity: aws.Int32(1), Items: []awstypes.Origin{{
			Id: aws.String("ALB-" + origin), DomainName: aws.String(origin),
			CustomOriginConfig: &awstypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: awstypes.OriginProtocolPolicyHttpOnly},
		}}},
		DefaultCacheBehavior: &awstypes.DefaultCacheBehavior{
			TargetOriginId:        aws.String("ALB-" + origin),
			ViewerProtocolPolicy:  awstypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId:         aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
			OriginRequestPolicyId: aws.String("216adef6-5c7f-47e4-b989-5492eafa07d3"),
		},
	}
}

func create(t *testing.T, ctx context.Context, conn *cloudfront.Client, ref string, enabled bool) *awstypes.Distribution {
	t.Helper()
	d, err := CreateDistribution(ctx, conn, testConfig(ref, enabled), map[string]string{"Stack": ref})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// ops lists "Operation[:note]" for each CloudFront call after from.
func ops(emu *awsemu.Emulator, from int, note string) []string {
	var out []string
	for _, c := range emu.Calls()[from:] {
		s := c.Operation
		if v, ok := c.Notes[note]; ok {
			s += ":" + v
		}
		if c.Error != "" {
			s += "!" + c.Error
		}
		out = append(out, s)
	}
	return out
}

func TestFindDistributionNotFound(t *testing.T) {
	_, conn, ctx := setup(t, nil)
	_, err := FindDistributionByID(ctx, conn, "E000000000000X")
	if !retry.NotFound(err) || errs.Code(err) != "NoSuchDistribution" {
		t.Fatalf("want NotFound carrying NoSuchDistribution, got %v", err)
	}
	_, err = FindDistributionConfigByID(ctx, conn, "E000000000000X")
	if !retry.NotFound(err) {
		t.Fatalf("config: want NotFound, got %v", err)
	}
	out, status, err := StatusDistribution(conn, "E000000000000X")(ctx)
	if out != nil || status != "" || err != nil {
		t.Fatalf("status of a missing distribution: %v %q %v", out, status, err)
	}
}

func TestCreateDistributionIdempotentOnCallerReference(t *testing.T) {
	emu, conn, ctx := setup(t, nil)
	first := create(t, ctx, conn, "ref-idem", true)
	// A retry with the same caller reference returns the same distribution.
	again, err := CreateDistribution(ctx, conn, testConfig("ref-idem", true), map[string]string{"Stack": "ref-idem"})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(again.Id) != aws.ToString(first.Id) {
		t.Fatalf("second create returned %s, want %s", aws.ToString(again.Id), aws.ToString(first.Id))
	}
	if n := emu.CallCounts()["cloudfront.CreateDistributionWithTags"]; n != 2 {
		t.Fatalf("CreateDistributionWithTags called %d times", n)
	}
	if inv := emu.Inventory(); len(inv) != 1 || inv[0].Tags["Stack"] != "ref-idem" {
		t.Fatalf("inventory = %+v", inv)
	}
	got, err := FindDistributionConfigByID(ctx, conn, aws.ToString(first.Id))
	if err != nil || aws.ToString(got.ETag) == "" || aws.ToString(got.DistributionConfig.CallerReference) != "ref-idem" {
		t.Fatalf("config: %v %+v", err, got)
	}
}

func TestCreateDistributionSurfacesValidationErrors(t *testing.T) {
	_, conn, ctx := setup(t, nil)
	cfg := testConfig("bad", true)
	cfg.DefaultCacheBehavior.TargetOriginId = aws.String("missing")
	_, err := CreateDistribution(ctx, conn, cfg, nil)
	if !errs.IsA[*awstypes.NoSuchOrigin](err) || !strings.Contains(err.Error(), "caller reference bad") {
		t.Fatalf("want wrapped NoSuchOrigin, got %v", err)
	}
}

func TestCreateDistributionRetriesInvalidViewerCertificate(t *testing.T) {
	emu, conn, ctx := setup(t, nil)
	emu.InjectFault(awsemu.Fault{Service: "cloudfront", Operation: "CreateDistributionWithTags", Code: "InvalidViewerCertificate", Times: 2})
	d := create(t, ctx, conn, "ref-cert", true)
	if aws.ToString(d.Id) == "" || emu.CallCounts()["cloudfront.CreateDistributionWithTags"] != 3 {
		t.Fatalf("id %q after %d calls", aws.ToString(d.Id), emu.CallCounts()["cloudfront.CreateDistributionWithTags"])
	}
}

func TestWaitDistributionDeployedReportsProgress(t *testing.T) {
	_, conn, ctx := setup(t, nil)
	d := create(t, ctx, conn, "ref-wait", true)
	var seen []string
	out, err := WaitDistributionDeployed(ctx, conn, aws.ToString(d.Id), time.Minute, func(status string, _ time.Duration) { seen = append(seen, status) })
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Distribution.Status) != "Deployed" || len(seen) < 2 || seen[0] != "InProgress" || seen[len(seen)-1] != "Deployed" {
		t.Fatalf("status %s, progress %v", aws.ToString(out.Distribution.Status), seen)
	}
}

func TestWaitDistributionDeployedTimesOut(t *testing.T) {
	_, conn, ctx := setup(t, map[string]string{"cloudfront.deploy_duration": "never"})
	d := create(t, ctx, conn, "ref-stuck", true)
	_, err := WaitDistributionDeployed(ctx, conn, aws.ToString(d.Id), 200*time.Millisecond, nil)
	var te *retry.TimeoutError
	if !errors.As(err, &te) || te.LastState != "InProgress" {
		t.Fatalf("want timeout in InProgress, got %v", err)
	}
}

func TestUpdateDistributionRetriesStaleETag(t *testing.T) {
	emu, conn, ctx := setup(t, nil)
	d := create(t, ctx, conn, "ref-upd", true)
	emu.InjectFault(awsemu.Fault{Service: "cloudfront", Operation: "UpdateDistribution", Code: "PreconditionFailed", Status: 412, Times: 1})
	emu.InjectFault(awsemu.Fault{Service: "cloudfront", Operation: "UpdateDistribution", Code: "InvalidIfMatchVersion", After: 1, Times: 1})
	from := len(emu.Calls())
	out, err := UpdateDistribution(ctx, conn, aws.ToString(d.Id), func(c *awstypes.DistributionConfig) { c.Comment = aws.String("changed") })
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Distribution.DistributionConfig.Comment) != "changed" {
		t.Fatalf("comment = %s", aws.ToString(out.Distribution.DistributionConfig.Comment))
	}
	got := strings.Join(ops(emu, from, "etag_current"), " ")
	want := "GetDistributionConfig UpdateDistribution!PreconditionFailed GetDistributionConfig UpdateDistribution!InvalidIfMatchVersion GetDistributionConfig UpdateDistribution:true"
	if got != want {
		t.Fatalf("calls:\n%s\nwant\n%s", got, want)
	}
	_, err = UpdateDistribution(ctx, conn, "E000000000000X", func(*awstypes.DistributionConfig) {})
	if !retry.NotFound(err) {
		t.Fatalf("update of a missing distribution: %v", err)
	}
}

func TestDisableDistributionDoesNotWaitForTheCreation(t *testing.T) {
	// A creation that never finishes rolling out (a stuck distribution being
	// rolled back) must still be disabled; the disable itself is waited out.
	emu, conn, ctx := setup(t, map[string]string{"cloudfront.create_deploy_duration": "never"})
	d := create(t, ctx, conn, "ref-disable", true)
	from := len(emu.Calls())
	if err := DisableDistribution(ctx, conn, aws.ToString(d.Id), time.Minute); err != nil {
		t.Fatal(err)
	}
	var updated, deployedAfter bool
	for _, c := range emu.Calls()[from:] {
		switch {
		case c.Operation == "UpdateDistribution":
			if c.Error != "" || c.Notes["etag_current"] != "true" {
				t.Fatalf("update failed or with a stale ETag: %+v", c)
			}
			updated = true
		case c.Operation == "GetDistribution" && updated && c.Notes["status"] == "Deployed" && c.Notes["enabled"] == "false":
			deployedAfter = true
		}
	}
	if !updated || !deployedAfter {
		t.Fatalf("calls: %v", ops(emu, from, "status"))
	}
	// Already disabled and deployed: nothing to do.
	from = len(emu.Calls())
	if err := DisableDistribution(ctx, conn, aws.ToString(d.Id), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := ops(emu, from, "status"); len(got) != 1 || got[0] != "GetDistribution:Deployed" {
		t.Fatalf("second disable made calls %v", got)
	}
	if err := DisableDistribution(ctx, conn, "E000000000000X", time.Minute); !retry.NotFound(err) {
		t.Fatalf("disable of a missing distribution: %v", err)
	}
}

func TestDeleteDistributionDisablesAndWaitsUntilGone(t *testing.T) {
	emu, conn, ctx := setup(t, map[string]string{"cloudfront.delete_duration": "5m"})
	d := create(t, ctx, conn, "ref-delete", true)
	if err := DeleteDistribution(ctx, conn, aws.ToString(d.Id), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := FindDistributionByID(ctx, conn, aws.ToString(d.Id)); !retry.NotFound(err) {
		t.Fatalf("still there: %v", err)
	}
	if inv := emu.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory = %v", inv)
	}
	var deletes []string
	for _, c := range emu.Calls() {
		if c.Operation == "DeleteDistribution" {
			deletes = append(deletes, c.Notes["etag_current"]+"!"+c.Error)
		}
	}
	if len(deletes) < 2 || deletes[0] != "true!DistributionNotDisabled" || deletes[len(deletes)-1] != "true!" {
		t.Fatalf("delete attempts %v", deletes)
	}
	// Already gone: success.
	if err := DeleteDistribution(ctx, conn, aws.ToString(d.Id), time.Minute); err != nil {
		t.Fatalf("deleting a deleted distribution: %v", err)
	}
}

func TestDeleteDistributionRetriesStaleETag(t *testing.T) {
	emu, conn, ctx := setup(t, nil)
	d := create(t, ctx, conn, "ref-stale", false)
	if _, err := WaitDistributionDeployed(ctx, conn, aws.ToString(d.Id), time.Minute, nil); err != nil {
		t.Fatal(err)
	}
	emu.InjectFault(awsemu.Fault{Service: "cloudfront", Operation: "DeleteDistribution", Code: "PreconditionFailed", Status: 412, Times: 2})
	if err := DeleteDistribution(ctx, conn, aws.ToString(d.Id), time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := emu.CallCounts()["cloudfront.DeleteDistribution"]; n != 3 {
		t.Fatalf("DeleteDistribution called %d times", n)
	}
	if n := emu.CallCounts()["cloudfront.UpdateDistribution"]; n != 0 {
		t.Fatalf("a disabled distribution was updated %d times", n)
	}
}

func TestDeleteDistributionGivesUpOnOtherErrors(t *testing.T) {
	emu, conn, ctx := setup(t, nil)
	d := create(t, ctx, conn, "ref-denied", false)
	emu.InjectFault(awsemu.Fault{Service: "cloudfront", Operation: "DeleteDistribution", Code: "AccessDenied", Status: 403})
	err := DeleteDistribution(ctx, conn, aws.ToString(d.Id), time.Minute)
	if errs.Code(err) != "AccessDenied" || !strings.Contains(err.Error(), aws.ToString(d.Id)) {
		t.Fatalf("want wrapped AccessDenied, got %v", err)
	}
	if n := emu.CallCounts()["cloudfront.DeleteDistribution"]; n != 1 {
		t.Fatalf("AccessDenied retried: %d calls", n)
	}
}

func TestFindDistributionsByTagAndUpdateTags(t *testing.T) {
	_, conn, ctx := setup(t, nil)
	a := create(t, ctx, conn, "alpha", true)
	create(t, ctx, conn, "beta", true)
	found, err := FindDistributionsByTag(ctx, conn, "Stack", "alpha")
	if err != nil || len(found) != 1 || aws.ToString(found[0].Id) != aws.ToString(a.Id) {
		t.Fatalf("found %v %+v", err, found)
	}
	if err := UpdateTags(ctx, conn, aws.ToString(a.ARN), map[string]string{"Stack": "alpha"}, map[string]string{"Owner": "ops"}); err != nil {
		t.Fatal(err)
	}
	tags, err := conn.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: a.ARN})
	if err != nil || len(tags.Tags.Items) != 1 || aws.ToString(tags.Tags.Items[0].Key) != "Owner" {
		t.Fatalf("tags %v %+v", err, tags)
	}
	if found, _ := FindDistributionsByTag(ctx, conn, "Stack", "alpha"); len(found) != 0 {
		t.Fatalf("untagged distribution still found: %+v", found)
	}
}
