package acm_test

import (
	"context"
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
