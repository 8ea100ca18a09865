package awsemu

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
)

// selfSigned returns a PEM certificate and key; rsaBits 0 means ECDSA P-256.
func selfSigned(t *testing.T, rsaBits int, cn string, sans []string, notBefore, notAfter time.Time) (certPEM, keyPEM []byte) {
	t.Helper()
	var key crypto.Signer
	var err error
	if rsaBits > 0 {
		key, err = rsa.GenerateKey(rand.Reader, rsaBits)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(424242), Subject: pkix.Name{CommonName: cn, Organization: []string{"GeuseMaker Test"}},
		DNSNames: sans, NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})
}

func acmClient(e *Emulator) *acm.Client { return acm.NewFromConfig(sdkConfig(e, "us-east-1")) }

func TestACMRequestCertificateLifecycle(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := acmClient(e)
	out, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{
		DomainName: aws.String("app.example.com"), SubjectAlternativeNames: []string{"*.app.example.com", "app.example.com"},
		ValidationMethod: acmtypes.ValidationMethodDns, IdempotencyToken: aws.String("demo"),
		Tags: []acmtypes.Tag{{Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.CertificateArn)
	if !acmARNPattern.MatchString(arn) || !strings.HasPrefix(arn, "arn:aws:acm:us-east-1:123456789012:certificate/") {
		t.Fatalf("arn = %s", arn)
	}
	again, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("app.example.com"), ValidationMethod: acmtypes.ValidationMethodDns, IdempotencyToken: aws.String("demo")})
	if err != nil || aws.ToString(again.CertificateArn) != arn {
		t.Fatalf("idempotency token not honoured: %v %v", again, err)
	}

	d, err := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Certificate
	if c.Status != acmtypes.CertificateStatusPendingValidation || c.Type != acmtypes.CertificateTypeAmazonIssued || c.IssuedAt != nil || c.NotAfter != nil {
		t.Fatalf("pending = %+v", c)
	}
	if strings.Join(c.SubjectAlternativeNames, ",") != "app.example.com,*.app.example.com" || len(c.DomainValidationOptions) != 2 {
		t.Fatalf("sans = %v dvo = %+v", c.SubjectAlternativeNames, c.DomainValidationOptions)
	}
	rr := c.DomainValidationOptions[0].ResourceRecord
	if rr == nil || rr.Type != acmtypes.RecordTypeCname || !strings.HasSuffix(aws.ToString(rr.Name), ".app.example.com.") || !strings.HasSuffix(aws.ToString(rr.Value), ".acm-validations.aws.") {
		t.Fatalf("record = %+v", rr)
	}
	if wild := c.DomainValidationOptions[1].ResourceRecord; aws.ToString(wild.Name) != aws.ToString(rr.Name) {
		t.Fatalf("wildcard record differs: %s vs %s", aws.ToString(wild.Name), aws.ToString(rr.Name))
	}
	if c.DomainValidationOptions[0].ValidationStatus != acmtypes.DomainStatusPendingValidation {
		t.Fatalf("validation status = %s", c.DomainValidationOptions[0].ValidationStatus)
	}

	e.Clock().Advance(61 * time.Second)
	d, err = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	c = d.Certificate
	if c.Status != acmtypes.CertificateStatusIssued || c.IssuedAt == nil || c.NotAfter == nil || c.NotAfter.Sub(*c.NotBefore) != acmValidity ||
		c.DomainValidationOptions[0].ValidationStatus != acmtypes.DomainStatusSuccess || aws.ToString(c.Issuer) != "Amazon" || c.KeyAlgorithm != acmtypes.KeyAlgorithmRsa2048 {
		t.Fatalf("issued = %+v", c)
	}
	inv := e.Inventory()
	if len(inv) != 1 || inv[0].ID != arn || inv[0].State != "ISSUED" || inv[0].Tags["geusemaker:deployment"] != "demo" {
		t.Fatalf("inventory = %+v", inv)
	}
	e.Clock().Advance(acmValidity)
	d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if d.Certificate.Status != acmtypes.CertificateStatusExpired {
		t.Fatalf("after validity: %s", d.Certificate.Status)
	}
}

func TestACMIssueDelayNever(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"acm.issue_delay": "never"}})
	client := acmClient(e)
	out, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("stuck.example.com"), ValidationMethod: acmtypes.ValidationMethodDns})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(48 * time.Hour)
	d, err := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: out.CertificateArn})
	if err != nil || d.Certificate.Status != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("status = %+v %v", d, err)
	}
}

func TestACMImportCertificate(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := acmClient(e)
	now := e.Now()
	certPEM, keyPEM := selfSigned(t, 0, "shop.example.com", []string{"shop.example.com", "www.shop.example.com"}, now.Add(-time.Hour), now.Add(30*24*time.Hour))
	out, err := client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{Certificate: certPEM, PrivateKey: keyPEM,
		Tags: []acmtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.CertificateArn)
	d, err := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Certificate
	if c.Type != acmtypes.CertificateTypeImported || c.Status != acmtypes.CertificateStatusIssued || aws.ToString(c.DomainName) != "shop.example.com" ||
		len(c.SubjectAlternativeNames) != 2 || c.KeyAlgorithm != acmtypes.KeyAlgorithmEcPrime256v1 || c.ImportedAt == nil ||
		aws.ToString(c.SignatureAlgorithm) != "SHA256WITHECDSA" || aws.ToString(c.Issuer) != "shop.example.com" {
		t.Fatalf("imported = %+v", c)
	}
	if !c.NotAfter.Equal(now.Add(30*24*time.Hour).Truncate(time.Second)) || c.DomainValidationOptions != nil {
		t.Fatalf("not after = %v, dvo = %v", c.NotAfter, c.DomainValidationOptions)
	}
	e.Clock().Advance(31 * 24 * time.Hour)
	d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if d.Certificate.Status != acmtypes.CertificateStatusExpired {
		t.Fatalf("expired import: %s", d.Certificate.Status)
	}

	// An already expired certificate imports as EXPIRED.
	now = e.Now()
	oldPEM, oldKey := selfSigned(t, 0, "old.example.com", nil, now.Add(-48*time.Hour), now.Add(-time.Hour))
	old, err := client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{Certificate: oldPEM, PrivateKey: oldKey})
	if err != nil {
		t.Fatal(err)
	}
	d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: old.CertificateArn})
	if d.Certificate.Status != acmtypes.CertificateStatusExpired || strings.Join(d.Certificate.SubjectAlternativeNames, ",") != "old.example.com" {
		t.Fatalf("expired at import: %+v", d.Certificate)
	}

	// Reimport keeps the ARN and refuses tags.
	newPEM, newKey := selfSigned(t, 0, "shop.example.com", nil, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	re, err := client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{CertificateArn: aws.String(arn), Certificate: newPEM, PrivateKey: newKey})
	if err != nil || aws.ToString(re.CertificateArn) != arn {
		t.Fatalf("reimport = %v %v", re, err)
	}
	d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if d.Certificate.Status != acmtypes.CertificateStatusIssued {
		t.Fatalf("reimported status = %s", d.Certificate.Status)
	}
	_, err = client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{CertificateArn: aws.String(arn), Certificate: newPEM, PrivateKey: newKey,
		Tags: []acmtypes.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
	wantAPIError(t, err, "ValidationException", 400, "")

	// Bad input.
	_, err = client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{Certificate: []byte("not pem"), PrivateKey: keyPEM})
	wantAPIError(t, err, "ValidationException", 400, "Unable to parse certificate. Please ensure the certificate is in PEM format.")
	_, err = client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{Certificate: certPEM, PrivateKey: newKey})
	wantAPIError(t, err, "ValidationException", 400, "The private key does not match the public key in the certificate.")
}

func TestACMListCertificates(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := acmClient(e)
	var arns []string
	for _, d := range []string{"a.example.com", "b.example.com", "c.example.com"} {
		out, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String(d), ValidationMethod: acmtypes.ValidationMethodDns})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.CertificateArn))
		e.Clock().Advance(time.Second)
	}
	e.Clock().Advance(time.Minute) // all three issued
	if _, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("d.example.com"), ValidationMethod: acmtypes.ValidationMethodDns}); err != nil {
		t.Fatal(err)
	}
	now := e.Now()
	certPEM, keyPEM := selfSigned(t, 2048, "rsa.example.com", nil, now.Add(-time.Hour), now.Add(time.Hour*24))
	if _, err := client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{Certificate: certPEM, PrivateKey: keyPEM}); err != nil {
		t.Fatal(err)
	}
	ecPEM, ecKey := selfSigned(t, 0, "ec.example.com", nil, now.Add(-time.Hour), now.Add(time.Hour*24))
	if _, err := client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{Certificate: ecPEM, PrivateKey: ecKey}); err != nil {
		t.Fatal(err)
	}

	all, err := client.ListCertificates(ctx(t), &acm.ListCertificatesInput{})
	if err != nil || len(all.CertificateSummaryList) != 5 {
		t.Fatalf("default listing (RSA only) = %d %v", len(all.CertificateSummaryList), err)
	}
	withEC, err := client.ListCertificates(ctx(t), &acm.ListCertificatesInput{Includes: &acmtypes.Filters{KeyTypes: []acmtypes.KeyAlgorithm{acmtypes.KeyAlgorithmEcPrime256v1}}})
	if err != nil || len(withEC.CertificateSummaryList) != 1 || aws.ToString(withEC.CertificateSummaryList[0].DomainName) != "ec.example.com" {
		t.Fatalf("EC listing = %+v %v", withEC, err)
	}
	issued, err := client.ListCertificates(ctx(t), &acm.ListCertificatesInput{CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusIssued}})
	if err != nil || len(issued.CertificateSummaryList) != 4 {
		t.Fatalf("issued = %d %v", len(issued.CertificateSummaryList), err)
	}
	pending, _ := client.ListCertificates(ctx(t), &acm.ListCertificatesInput{CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusPendingValidation}})
	if len(pending.CertificateSummaryList) != 1 || aws.ToString(pending.CertificateSummaryList[0].DomainName) != "d.example.com" || pending.CertificateSummaryList[0].Status != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("pending = %+v", pending.CertificateSummaryList)
	}
	var seen []string
	p := acm.NewListCertificatesPaginator(client, &acm.ListCertificatesInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.CertificateSummaryList {
			seen = append(seen, aws.ToString(s.CertificateArn))
		}
	}
	if pages != 3 || len(seen) != 5 || seen[0] != arns[0] {
		t.Fatalf("pages=%d seen=%v", pages, seen)
	}
	_, err = client.ListCertificates(ctx(t), &acm.ListCertificatesInput{NextToken: aws.String("bogus")})
	wantAPIError(t, err, "InvalidArgsException", 400, "")
}

func TestACMErrorsTagsAndUseTracking(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := acmClient(e)
	_, err := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000")})
	var nf *acmtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("want ResourceNotFoundException, got %v", err)
	}
	_, err = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:cert/nope-not-an-arn")})
	var bad *acmtypes.InvalidArnException
	if !errors.As(err, &bad) {
		t.Fatalf("want InvalidArnException, got %v", err)
	}
	_, err = client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("-bad-.example"), ValidationMethod: acmtypes.ValidationMethodDns})
	wantAPIError(t, err, "ValidationException", 400, "")

	out, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("x.example.com"), ValidationMethod: acmtypes.ValidationMethodDns})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.CertificateArn)

	// Tags.
	if _, err := client.AddTagsToCertificate(ctx(t), &acm.AddTagsToCertificateInput{CertificateArn: out.CertificateArn, Tags: []acmtypes.Tag{
		{Key: aws.String("k1"), Value: aws.String("v1")}, {Key: aws.String("k2"), Value: aws.String("v2")}, {Key: aws.String("k3"), Value: aws.String("v3")},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.RemoveTagsFromCertificate(ctx(t), &acm.RemoveTagsFromCertificateInput{CertificateArn: out.CertificateArn, Tags: []acmtypes.Tag{
		{Key: aws.String("k1")}, {Key: aws.String("k2"), Value: aws.String("not-v2")},
	}}); err != nil {
		t.Fatal(err)
	}
	tags, err := client.ListTagsForCertificate(ctx(t), &acm.ListTagsForCertificateInput{CertificateArn: out.CertificateArn})
	if err != nil || len(tags.Tags) != 2 || aws.ToString(tags.Tags[0].Key) != "k2" {
		t.Fatalf("tags = %+v %v", tags, err)
	}
	_, err = client.AddTagsToCertificate(ctx(t), &acm.AddTagsToCertificateInput{CertificateArn: out.CertificateArn, Tags: []acmtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	var invTag *acmtypes.InvalidTagException
	if !errors.As(err, &invTag) {
		t.Fatalf("want InvalidTagException, got %v", err)
	}
	many := make([]acmtypes.Tag, 49)
	for i := range many {
		many[i] = acmtypes.Tag{Key: aws.String("t" + string(rune('a'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")}
	}
	_, err = client.AddTagsToCertificate(ctx(t), &acm.AddTagsToCertificateInput{CertificateArn: out.CertificateArn, Tags: many})
	var tooMany *acmtypes.TooManyTagsException
	if !errors.As(err, &tooMany) {
		t.Fatalf("want TooManyTagsException, got %v", err)
	}

	// Use tracking through the Certificates interface.
	var view CertificateView
	e.WithLock(func() {
		certs := PeerOf[Certificates](e, "acm", "us-east-1")
		certs.UseCertificate(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo/0123456789abcdef")
		view, _ = certs.CertificateInfo(arn)
	})
	if view.Domain != "x.example.com" || view.Status != "PENDING_VALIDATION" || len(view.InUseBy) != 1 || view.Region != "us-east-1" {
		t.Fatalf("view = %+v", view)
	}
	d, _ := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: out.CertificateArn})
	if len(d.Certificate.InUseBy) != 1 || !strings.Contains(d.Certificate.InUseBy[0], "loadbalancer/app/demo") {
		t.Fatalf("in use by = %v", d.Certificate.InUseBy)
	}
	_, err = client.DeleteCertificate(ctx(t), &acm.DeleteCertificateInput{CertificateArn: out.CertificateArn})
	var inUse *acmtypes.ResourceInUseException
	if !errors.As(err, &inUse) {
		t.Fatalf("want ResourceInUseException, got %v", err)
	}
	wantAPIError(t, err, "ResourceInUseException", 400, "Certificate "+arn+" in account 123456789012 is in use.")
	e.WithLock(func() {
		PeerOf[Certificates](e, "acm", "us-east-1").ReleaseCertificate(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo/0123456789abcdef")
	})
	if _, err := client.DeleteCertificate(ctx(t), &acm.DeleteCertificateInput{CertificateArn: out.CertificateArn}); err != nil {
		t.Fatal(err)
	}
	_, err = client.DeleteCertificate(ctx(t), &acm.DeleteCertificateInput{CertificateArn: out.CertificateArn})
	if !errors.As(err, &nf) {
		t.Fatalf("second delete: %v", err)
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory = %+v", inv)
	}
	// Another region does not see the certificate.
	e.WithLock(func() {
		if _, ok := PeerOf[Certificates](e, "acm", "eu-west-1").CertificateInfo(arn); ok {
			t.Error("certificate visible in another region")
		}
	})
}
