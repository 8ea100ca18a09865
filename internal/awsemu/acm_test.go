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
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
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

// acmValidate does what a user of DNS validation does: it reads a
// certificate's validation records (once ACM shows them), writes them into
// a public hosted zone for the domain's last two labels (created if there is
// none) and lets the change propagate. ACM issues the certificate
// acm.issue_delay later.
func acmValidate(t *testing.T, e *Emulator, region, arn string) {
	t.Helper()
	e.Clock().Advance(6 * time.Second) // acm.record_delay
	d, err := acm.NewFromConfig(sdkConfig(e, region)).DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	r53 := r53Client(e)
	zones := map[string]string{}
	for _, dv := range d.Certificate.DomainValidationOptions {
		rr := dv.ResourceRecord
		if rr == nil {
			t.Fatalf("no validation record for %s", aws.ToString(dv.DomainName))
		}
		labels := strings.Split(strings.TrimPrefix(aws.ToString(dv.DomainName), "*."), ".")
		apex := strings.Join(labels[len(labels)-2:], ".") + "."
		if zones[apex] == "" {
			list, err := r53.ListHostedZonesByName(ctx(t), &route53.ListHostedZonesByNameInput{DNSName: aws.String(apex), MaxItems: aws.Int32(1)})
			if err != nil {
				t.Fatal(err)
			}
			if len(list.HostedZones) > 0 && aws.ToString(list.HostedZones[0].Name) == apex {
				zones[apex] = aws.ToString(list.HostedZones[0].Id)
			} else {
				zones[apex] = aws.ToString(r53CreateZone(t, r53, apex, "acm-validate-"+arn[len(arn)-12:]+apex).HostedZone.Id)
			}
		}
		if _, err := r53Apply(t, r53, zones[apex], r53Simple(r53types.ChangeActionUpsert, aws.ToString(rr.Name), "CNAME", 300, aws.ToString(rr.Value))); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock().Advance(61 * time.Second) // route53.propagation
}

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
	// ACM takes a few seconds to show the validation records.
	if c.DomainValidationOptions[0].ResourceRecord != nil {
		t.Fatalf("record shown at once: %+v", c.DomainValidationOptions[0].ResourceRecord)
	}
	e.Clock().Advance(6 * time.Second)
	d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	c = d.Certificate
	rr := c.DomainValidationOptions[0].ResourceRecord
	if rr == nil || rr.Type != acmtypes.RecordTypeCname || !regexp.MustCompile(`^_[0-9a-f]{32}\.app\.example\.com\.$`).MatchString(aws.ToString(rr.Name)) ||
		!regexp.MustCompile(`^_[0-9a-f]{32}\.[0-9a-z]{10}\.acm-validations\.aws\.$`).MatchString(aws.ToString(rr.Value)) {
		t.Fatalf("record = %+v", rr)
	}
	// A wildcard and its base name share one record.
	if wild := c.DomainValidationOptions[1].ResourceRecord; aws.ToString(wild.Name) != aws.ToString(rr.Name) || aws.ToString(wild.Value) != aws.ToString(rr.Value) {
		t.Fatalf("wildcard record differs: %+v vs %+v", wild, rr)
	}
	if c.DomainValidationOptions[0].ValidationStatus != acmtypes.DomainStatusPendingValidation || c.DomainValidationOptions[0].ValidationMethod != acmtypes.ValidationMethodDns {
		t.Fatalf("validation = %+v", c.DomainValidationOptions[0])
	}
	// Without the record, time alone does not issue the certificate.
	e.Clock().Advance(time.Hour)
	if d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)}); d.Certificate.Status != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("issued without its record: %s", d.Certificate.Status)
	}
	acmValidate(t, e, "us-east-1", arn)
	d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if d.Certificate.Status != acmtypes.CertificateStatusPendingValidation || d.Certificate.DomainValidationOptions[0].ValidationStatus != acmtypes.DomainStatusSuccess {
		t.Fatalf("validated, not yet issued = %+v", d.Certificate)
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
	var inv []Resource
	for _, r := range e.Inventory() {
		if r.Service == "acm" {
			inv = append(inv, r)
		}
	}
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
	acmValidate(t, e, "us-east-1", aws.ToString(out.CertificateArn))
	e.Clock().Advance(48 * time.Hour)
	d, err := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: out.CertificateArn})
	if err != nil || d.Certificate.Status != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("status = %+v %v", d, err)
	}
	// It still times out after AWS's 72 hours.
	e.Clock().Advance(25 * time.Hour)
	d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: out.CertificateArn})
	if d.Certificate.Status != acmtypes.CertificateStatusValidationTimedOut {
		t.Fatalf("after 73h: %s", d.Certificate.Status)
	}
}

func TestACMDNSValidationRules(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := acmClient(e)
	r53 := r53Client(e)
	zone := aws.ToString(r53CreateZone(t, r53, "example.com", "zone").HostedZone.Id)
	request := func(domain string, sans ...string) (string, []acmtypes.DomainValidation) {
		t.Helper()
		out, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String(domain), SubjectAlternativeNames: sans, ValidationMethod: acmtypes.ValidationMethodDns})
		if err != nil {
			t.Fatal(err)
		}
		e.Clock().Advance(6 * time.Second)
		d, err := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: out.CertificateArn})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.CertificateArn), d.Certificate.DomainValidationOptions
	}
	status := func(arn string) acmtypes.CertificateStatus {
		t.Helper()
		d, err := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		return d.Certificate.Status
	}
	cname := func(rr *acmtypes.ResourceRecord, value string) r53types.Change {
		return r53Simple(r53types.ChangeActionUpsert, aws.ToString(rr.Name), "CNAME", 300, value)
	}

	// Every name needs its record: one of two is not enough.
	two, dvo := request("api.example.com", "www.example.com")
	if aws.ToString(dvo[0].ResourceRecord.Name) == aws.ToString(dvo[1].ResourceRecord.Name) {
		t.Fatalf("distinct names share a record: %+v", dvo)
	}
	if _, err := r53Apply(t, r53, zone, cname(dvo[0].ResourceRecord, aws.ToString(dvo[0].ResourceRecord.Value))); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(10 * time.Minute)
	if st := status(two); st != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("one record of two: %s", st)
	}
	// A record with the wrong value does not validate either.
	if _, err := r53Apply(t, r53, zone, cname(dvo[1].ResourceRecord, "_wrong.acm-validations.aws.")); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(10 * time.Minute)
	if st := status(two); st != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("wrong value: %s", st)
	}
	// A record whose change is still PENDING does not resolve yet.
	e.SetKnob("route53.propagation", "10m")
	if _, err := r53Apply(t, r53, zone, cname(dvo[1].ResourceRecord, strings.ToUpper(aws.ToString(dvo[1].ResourceRecord.Value)))); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(9 * time.Minute)
	if st := status(two); st != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("record not yet in sync: %s", st)
	}
	// In sync: ISSUED acm.issue_delay (60s) after the record resolved.
	e.Clock().Advance(time.Minute + 30*time.Second)
	if st := status(two); st != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("issued before the issue delay: %s", st)
	}
	e.Clock().Advance(time.Minute)
	if st := status(two); st != acmtypes.CertificateStatusIssued {
		t.Fatalf("both records resolve: %s", st)
	}

	// A later certificate for a name validated before reuses its record
	// and is issued without any new record.
	again, dvo2 := request("www.example.com")
	if aws.ToString(dvo2[0].ResourceRecord.Name) != aws.ToString(dvo[1].ResourceRecord.Name) {
		t.Fatalf("same name, another record: %+v vs %+v", dvo2[0].ResourceRecord, dvo[1].ResourceRecord)
	}
	e.Clock().Advance(61 * time.Second)
	if st := status(again); st != acmtypes.CertificateStatusIssued {
		t.Fatalf("existing record: %s", st)
	}

	// No record within 72 hours: VALIDATION_TIMED_OUT for good, and each
	// name's validation FAILED.
	late, dvo3 := request("late.example.com")
	e.Clock().Advance(72 * time.Hour)
	if st := status(late); st != acmtypes.CertificateStatusValidationTimedOut {
		t.Fatalf("after 72h: %s", st)
	}
	if _, err := r53Apply(t, r53, zone, cname(dvo3[0].ResourceRecord, aws.ToString(dvo3[0].ResourceRecord.Value))); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(time.Hour)
	d, _ := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(late)})
	if d.Certificate.Status != acmtypes.CertificateStatusValidationTimedOut || d.Certificate.DomainValidationOptions[0].ValidationStatus != acmtypes.DomainStatusFailed {
		t.Fatalf("timed out = %+v", d.Certificate)
	}
	timedOut, _ := client.ListCertificates(ctx(t), &acm.ListCertificatesInput{CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusValidationTimedOut}})
	if len(timedOut.CertificateSummaryList) != 1 || aws.ToString(timedOut.CertificateSummaryList[0].CertificateArn) != late {
		t.Fatalf("timed-out listing = %+v", timedOut.CertificateSummaryList)
	}

	// Nobody answers validation emails in the emulator.
	mail, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("mail.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: mail.CertificateArn})
	if d.Certificate.DomainValidationOptions[0].ValidationMethod != acmtypes.ValidationMethodEmail || len(d.Certificate.DomainValidationOptions[0].ValidationEmails) != 5 {
		t.Fatalf("email validation = %+v", d.Certificate.DomainValidationOptions)
	}
	e.Clock().Advance(73 * time.Hour)
	if st := status(aws.ToString(mail.CertificateArn)); st != acmtypes.CertificateStatusValidationTimedOut {
		t.Fatalf("email certificate: %s", st)
	}
}

func TestACMQuotas(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"quota.L-F141DD1D": "1", "quota.L-D2CB7DE9": "1"}})
	client := acmClient(e)
	sans := make([]string, 10)
	for i := range sans {
		sans[i] = "n" + itoa(int64(i)) + ".example.com"
	}
	_, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("example.com"), SubjectAlternativeNames: sans, ValidationMethod: acmtypes.ValidationMethodDns})
	var limit *acmtypes.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("11 names: want LimitExceededException, got %v", err)
	}
	if _, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("example.com"), SubjectAlternativeNames: sans[:9], ValidationMethod: acmtypes.ValidationMethodDns}); err != nil {
		t.Fatal(err)
	}
	_, err = client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("second.example.com"), ValidationMethod: acmtypes.ValidationMethodDns})
	if !errors.As(err, &limit) {
		t.Fatalf("second certificate over a quota of 1: %v", err)
	}
	_, err = client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String(strings.Repeat("a", 60) + ".example.com"), ValidationMethod: acmtypes.ValidationMethodDns})
	wantAPIError(t, err, "ValidationException", 400, "")
	_, err = client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("x.example.com"), IdempotencyToken: aws.String("not-a-word-token")})
	wantAPIError(t, err, "ValidationException", 400, "")
	now := e.Now()
	certPEM, keyPEM := selfSigned(t, 0, "one.example.com", nil, now.Add(-time.Hour), now.Add(24*time.Hour))
	if _, err := client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{Certificate: certPEM, PrivateKey: keyPEM}); err != nil {
		t.Fatal(err)
	}
	_, err = client.ImportCertificate(ctx(t), &acm.ImportCertificateInput{Certificate: certPEM, PrivateKey: keyPEM})
	if !errors.As(err, &limit) {
		t.Fatalf("second import over a quota of 1: %v", err)
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
	for _, arn := range arns {
		acmValidate(t, e, "us-east-1", arn)
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
	// Two HTTPS listeners of one load balancer: ACM names the load balancer,
	// once.
	const lbARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/fedcba9876543210"
	e.WithLock(func() {
		certs := PeerOf[Certificates](e, "acm", "us-east-1")
		certs.ReleaseCertificate(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo/0123456789abcdef")
		certs.UseCertificate(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/fedcba9876543210/1111111111111111")
		certs.UseCertificate(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/fedcba9876543210/2222222222222222")
	})
	d, _ = client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: out.CertificateArn})
	if strings.Join(d.Certificate.InUseBy, ",") != lbARN {
		t.Fatalf("in use by listeners = %v", d.Certificate.InUseBy)
	}
	e.WithLock(func() {
		certs := PeerOf[Certificates](e, "acm", "us-east-1")
		certs.ReleaseCertificate(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/fedcba9876543210/1111111111111111")
		certs.ReleaseCertificate(arn, "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/fedcba9876543210/2222222222222222")
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

// Within the hour a token answers with its first certificate, even one
// deleted since, and never issues a second; after the hour it requests a
// new one.
func TestACMIdempotencyTokenOutlivesItsCertificate(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := acmClient(e)
	req := func() string {
		t.Helper()
		out, err := client.RequestCertificate(ctx(t), &acm.RequestCertificateInput{DomainName: aws.String("tok.example.com"),
			ValidationMethod: acmtypes.ValidationMethodDns, IdempotencyToken: aws.String("tok1")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.CertificateArn)
	}
	first := req()
	if _, err := client.DeleteCertificate(ctx(t), &acm.DeleteCertificateInput{CertificateArn: aws.String(first)}); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(59 * time.Minute)
	if again := req(); again != first {
		t.Fatalf("within the hour the token gave %s, want the deleted %s", again, first)
	}
	var nf *acmtypes.ResourceNotFoundException
	if _, err := client.DescribeCertificate(ctx(t), &acm.DescribeCertificateInput{CertificateArn: aws.String(first)}); !errors.As(err, &nf) {
		t.Fatalf("the deleted certificate: %v", err)
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("a second certificate was issued: %+v", inv)
	}
	e.Clock().Advance(2 * time.Minute)
	if later := req(); later == first {
		t.Fatal("after the hour the token still answered with its first certificate")
	}
	if inv := e.Inventory(); len(inv) != 1 {
		t.Fatalf("inventory after the hour: %+v", inv)
	}
}
