package awsemu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"
	"time"
)

// emuCA is the data plane's certificate authority: one ECDSA key per
// emulator, published at /_emu/ca.pem, that signs a leaf for every set of
// names an endpoint presents (the *.cloudfront.net certificate, the ACM
// certificate of a distribution or an HTTPS listener). Clients trust it
// with SSL_CERT_FILE or curl --cacert, so hostname verification happens in
// the real client exactly as it would against AWS: a leaf only carries the
// names the AWS certificate has.
type emuCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte

	mu     sync.Mutex
	leaves map[string]*tls.Certificate
}

// DataPlaneCA is a data plane certificate authority that several
// emulators can share (Options.CA).
type DataPlaneCA emuCA

// NewDataPlaneCA creates a CA; name appears in its subject.
func NewDataPlaneCA(name string) (*DataPlaneCA, error) {
	ca, err := newEmuCA(name)
	return (*DataPlaneCA)(ca), err
}

// PEM is the CA certificate, for SSL_CERT_FILE or curl --cacert.
func (c *DataPlaneCA) PEM() []byte { return append([]byte(nil), c.pem...) }

func newEmuCA(seed string) (*emuCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"awsemu"}, CommonName: "awsemu data plane CA (" + seed + ")"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &emuCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), leaves: map[string]*tls.Certificate{}}, nil
}

// leaf returns a server certificate for exactly these DNS names (wildcards
// included), issued once and reused.
func (ca *emuCA) leaf(names []string) (*tls.Certificate, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("no certificate names")
	}
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	key := strings.Join(sorted, ",")
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if c, ok := ca.leaves[key]; ok && time.Now().Before(c.Leaf.NotAfter.Add(-time.Hour)) {
		return c, nil
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &priv.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: priv, Leaf: leaf}
	ca.leaves[key] = c
	return c, nil
}

// namesCover reports whether a certificate with these names is valid for
// host, as a TLS client checks it: exact match, or a wildcard covering
// exactly one leftmost label.
func namesCover(names []string, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, n := range names {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if n == host {
			return true
		}
		if rest, ok := strings.CutPrefix(n, "*."); ok {
			if i := strings.IndexByte(host, '.'); i > 0 && host[i+1:] == rest {
				return true
			}
		}
	}
	return false
}
