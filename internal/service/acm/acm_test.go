package acm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	awstypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfacm "github.com/geusemaker/terraform-provider-geusemaker/internal/service/acm"
)

func setup(t *testing.T) (*awsemu.Emulator, *acm.Client, context.Context) {
	t.Helper()
	env := emutest.Start(t, emutest.Options{Region: "", Timeout: 30 * time.Second})
	return env.Emu, acm.NewFromConfig(env.Config), env.Ctx
}

func TestFindCertificateByARN(t *testing.T) {
	emu, conn, ctx := setup(t)
	out, err := conn.RequestCertificate(ctx, &acm.RequestCertificateInput{DomainName: aws.String("n8n.example.com"), ValidationMethod: awstypes.ValidationMethodDns})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.CertificateArn)
	c, err := tfacm.FindCertificateByARN(ctx, conn, arn)
	if err != nil || aws.ToString(c.DomainName) != "n8n.example.com" || c.Status != awstypes.CertificateStatusPendingValidation {
		t.Fatalf("pending = %+v %v", c, err)
	}
	// ACM issues the certificate once its validation CNAME resolves from a
	// Route 53 zone.
	emu.Clock().Advance(10 * time.Second)
	c, err = tfacm.FindCertificateByARN(ctx, conn, arn)
	if err != nil || c.DomainValidationOptions[0].ResourceRecord == nil {
		t.Fatalf("validation record = %+v %v", c, err)
	}
	rr := c.DomainValidationOptions[0].ResourceRecord
	dns := route53.NewFromConfig(emutest.Config(emu, "us-east-1"))
	zone, err := dns.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("acm-test")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dns.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id, ChangeBatch: &r53types.ChangeBatch{
		Changes: []r53types.Change{{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: rr.Name, Type: r53types.RRTypeCname, TTL: aws.Int64(300), ResourceRecords: []r53types.ResourceRecord{{Value: rr.Value}}}}},
	}}); err != nil {
		t.Fatal(err)
	}
	emu.Clock().Advance(3 * time.Minute)
	c, err = tfacm.FindCertificateByARN(ctx, conn, arn)
	if err != nil || c.Status != awstypes.CertificateStatusIssued {
		t.Fatalf("issued = %+v %v", c, err)
	}
	if _, err := conn.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = tfacm.FindCertificateByARN(ctx, conn, arn)
	if !retry.NotFound(err) || errs.Code(err) != "ResourceNotFoundException" {
		t.Fatalf("deleted: %v", err)
	}
	// A malformed ARN is an error of its own, not NotFound.
	_, err = tfacm.FindCertificateByARN(ctx, conn, "arn:aws:acm:us-east-1:123456789012:thing/xyz-not-valid")
	if retry.NotFound(err) || errs.Code(err) != "InvalidArnException" {
		t.Fatalf("malformed: %v", err)
	}
}

// A DNS certificate through its life as the deployment drives it: requested
// once per idempotency token, its validation records, ISSUED once they
// resolve, and deleted only when nothing uses it.
func TestCertificateLifecycle(t *testing.T) {
	emu, conn, ctx := setup(t)
	tagMap := map[string]string{"geusemaker:deployment": "demo"}
	arn, err := tfacm.RequestCertificate(ctx, conn, "ai.example.com", []string{"origin.ai.example.com"}, "tok123", tagMap)
	if err != nil {
		t.Fatal(err)
	}
	again, err := tfacm.RequestCertificate(ctx, conn, "ai.example.com", []string{"origin.ai.example.com"}, "tok123", tagMap)
	if err != nil || again != arn {
		t.Fatalf("same token: %q vs %q (%v)", again, arn, err)
	}
	if tags, err := tfacm.FindTagsByARN(ctx, conn, arn); err != nil || tags["geusemaker:deployment"] != "demo" {
		t.Fatalf("tags = %v %v", tags, err)
	}
	found, err := tfacm.FindCertificatesByDomain(ctx, conn, "AI.example.com", awstypes.CertificateStatusPendingValidation)
	if err != nil || len(found) != 1 || aws.ToString(found[0].CertificateArn) != arn {
		t.Fatalf("by domain = %+v %v", found, err)
	}
	if found, err := tfacm.FindCertificatesByDomain(ctx, conn, "origin.ai.example.com"); err != nil || len(found) != 1 {
		t.Fatalf("by other name = %+v %v", found, err)
	}
	if found, err := tfacm.FindCertificatesByDomain(ctx, conn, "example.com"); err != nil || len(found) != 0 {
		t.Fatalf("another name = %+v %v", found, err)
	}

	c, err := tfacm.WaitValidationRecords(ctx, conn, arn, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	records, ok := tfacm.ValidationRecords(c)
	if !ok || len(records) != 2 {
		t.Fatalf("validation records = %+v %v", records, ok)
	}
	dns := route53.NewFromConfig(emutest.Config(emu, "us-east-1"))
	zone, err := dns.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("example.com"), CallerReference: aws.String("lifecycle")})
	if err != nil {
		t.Fatal(err)
	}
	var changes []r53types.Change
	for _, rr := range records {
		changes = append(changes, r53types.Change{Action: r53types.ChangeActionCreate, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: rr.Name, Type: r53types.RRTypeCname, TTL: aws.Int64(300), ResourceRecords: []r53types.ResourceRecord{{Value: rr.Value}}}})
	}
	if _, err := dns.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id, ChangeBatch: &r53types.ChangeBatch{Changes: changes}}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	c, err = tfacm.WaitCertificateIssued(ctx, conn, arn, time.Minute, func(s string, _ time.Duration) { seen = append(seen, s) })
	if err != nil || c.Status != awstypes.CertificateStatusIssued || len(seen) == 0 {
		t.Fatalf("issued = %+v %v (polls %v)", c, err, seen)
	}

	// In use: the delete retries until its timeout and says who uses it.
	users := awsemu.PeerOf[awsemu.Certificates](emu, "acm", "us-east-1")
	lb := "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo-alb/0123456789abcdef"
	users.UseCertificate(arn, lb)
	err = tfacm.DeleteCertificate(ctx, conn, arn, 200*time.Millisecond)
	if !retry.TimedOut(err) || !strings.Contains(err.Error(), "still in use by "+lb) {
		t.Fatalf("in use: %v", err)
	}
	users.ReleaseCertificate(arn, lb)
	if err := tfacm.DeleteCertificate(ctx, conn, arn, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := tfacm.DeleteCertificate(ctx, conn, arn, time.Minute); err != nil {
		t.Fatalf("already deleted: %v", err)
	}
}

// A certificate whose validation never completes fails the wait with its
// status, not a timeout.
func TestCertificateValidationTimesOut(t *testing.T) {
	env := emutest.Start(t, emutest.Options{Knobs: map[string]string{"acm.issue_delay": "never", "acm.validation_timeout": "10m"}})
	conn := acm.NewFromConfig(env.Config)
	arn, err := tfacm.RequestCertificate(env.Ctx, conn, "never.example.com", nil, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tfacm.WaitCertificateIssued(env.Ctx, conn, arn, time.Hour, nil)
	var ue *retry.UnexpectedStateError
	if !errors.As(err, &ue) || ue.State != "VALIDATION_TIMED_OUT" {
		t.Fatalf("want VALIDATION_TIMED_OUT, got %v", err)
	}
}
