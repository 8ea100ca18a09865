package acctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// ImportCertificate puts an issued certificate for names into the
// emulator's ACM in region and returns its ARN.
func ImportCertificate(t *testing.T, emu *awsemu.Emulator, region string, names ...string) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048) // ACM lists RSA certificates by default
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER := x509.MarshalPKCS1PrivateKey(key)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := acm.NewFromConfig(SDKConfig(emu, region)).ImportCertificate(ctx, &acm.ImportCertificateInput{
		Certificate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		PrivateKey:  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: keyDER}),
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.CertificateArn)
}

// RequestCertificate asks the emulator's ACM for a certificate that stays
// PENDING_VALIDATION when the emulator runs with acm.issue_delay=never.
func RequestCertificate(t *testing.T, emu *awsemu.Emulator, region, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := acm.NewFromConfig(SDKConfig(emu, region)).RequestCertificate(ctx, &acm.RequestCertificateInput{DomainName: aws.String(name), ValidationMethod: "DNS"})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.CertificateArn)
}

// DeleteCertificates removes every certificate from the emulator, for the
// destroy check of tests that brought their own.
func DeleteCertificates(t *testing.T, emu *awsemu.Emulator, region string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := acm.NewFromConfig(SDKConfig(emu, region))
	out, err := conn.ListCertificates(ctx, &acm.ListCertificatesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range out.CertificateSummaryList {
		if _, err := conn.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: c.CertificateArn}); err != nil {
			t.Fatal(err)
		}
	}
}

// CheckDestroyWithCertificates deletes the test's certificates (which fails
// while a listener or distribution still uses one), then checks that the
// emulator is empty.
func CheckDestroyWithCertificates(t *testing.T, emu *awsemu.Emulator, regions ...string) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for _, r := range regions {
			DeleteCertificates(t, emu, r)
		}
		return CheckInventoryEmpty(emu)(s)
	}
}
