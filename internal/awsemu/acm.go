package awsemu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
)

// acmService emulates AWS Certificate Manager for one region: certificates
// requested with DNS (or email) validation, certificates imported from PEM
// (parsed with crypto/x509), tags, and the use tracking that makes
// DeleteCertificate answer ResourceInUseException while an ALB listener or a
// CloudFront distribution uses a certificate (Certificates interface).
//
// Lifecycle: an AMAZON_ISSUED certificate is PENDING_VALIDATION. With DNS
// validation it becomes ISSUED acm.issue_delay after every one of its
// validation CNAMEs resolves from an emulated Route 53 hosted zone (checked
// on every tick: the records must exist and their change must be INSYNC),
// then stays ISSUED for 395 days, then EXPIRED. A certificate not validated
// within acm.validation_timeout (AWS's 72 hours) of its request becomes
// VALIDATION_TIMED_OUT for good. Nobody reads the validation emails in the
// emulator, so an EMAIL certificate always times out. DescribeCertificate
// shows a DNS certificate's validation records only acm.record_delay after
// the request, as ACM takes a few seconds to generate them. An imported
// certificate is ISSUED between its NotBefore and NotAfter and EXPIRED
// afterwards.
//
// Knobs:
//
//	acm.issue_delay         time from validation records resolving to ISSUED (default 60s;
//	                        "never": never issued, so validation times out)
//	acm.validation_timeout  time from the request to VALIDATION_TIMED_OUT (default 72h)
//	acm.record_delay        time before the validation ResourceRecord shows (default 5s)
//
// Quotas: L-F141DD1D ACM certificates (2500), L-DA1D8B98 ACM certificates
// created in the last 365 days (5000), L-FB94F0B0 domain names per
// certificate (10), L-D2CB7DE9 imported certificates (2500), L-3808DC70
// imported certificates in the last 365 days (5000).
type acmService struct {
	e        *Emulator
	region   string
	certs    map[string]*acmCert
	tokens   map[string]acmToken // idempotency token → certificate
	requests []time.Time         // when each certificate was requested (for the yearly quota)
	imports  []time.Time         // when each certificate was first imported
}

const (
	acmQuotaCertificates     = "L-F141DD1D"
	acmQuotaRequestsPerYear  = "L-DA1D8B98"
	acmQuotaDomainNames      = "L-FB94F0B0"
	acmQuotaImported         = "L-D2CB7DE9"
	acmQuotaImportsPerYear   = "L-3808DC70"
	acmDefaultValidationTime = 72 * time.Hour
)

type acmToken struct {
	arn string
	at  time.Time
}

type acmCert struct {
	arn, domain string
	sans        []string
	typ         acmtypes.CertificateType
	method      acmtypes.ValidationMethod
	keyAlgo     acmtypes.KeyAlgorithm
	sigAlgo     string
	created     time.Time
	timeline    Timeline // PENDING_VALIDATION → ISSUED → EXPIRED
	issuedAt    time.Time
	notBefore   time.Time
	notAfter    time.Time
	serial      string
	issuer      string
	subject     string
	imported    time.Time
	tags        map[string]string
	tagOrder    []string
	users       map[string]bool
	decided     bool // validation settled: issuing, or timed out
}

const acmValidity = 395 * 24 * time.Hour

func init() {
	Register(ServiceInfo{
		Name:         "acm",
		SigningName:  "acm",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/acm",
		TargetPrefix: "CertificateManager",
		ThrottleCode: "ThrottlingException",
	}, func(e *Emulator, region string) *acmService {
		return &acmService{e: e, region: region, certs: map[string]*acmCert{}, tokens: map[string]acmToken{}}
	})
	RegisterQuota(QuotaDef{ServiceCode: "acm", Code: acmQuotaCertificates, Name: "ACM certificates", Default: 2500, Adjustable: true})
	RegisterQuota(QuotaDef{ServiceCode: "acm", Code: acmQuotaRequestsPerYear, Name: "ACM certificates created in last 365 days", Default: 5000, Adjustable: true})
	RegisterQuota(QuotaDef{ServiceCode: "acm", Code: acmQuotaDomainNames, Name: "Domain names per ACM certificate", Default: 10, Adjustable: true})
	RegisterQuota(QuotaDef{ServiceCode: "acm", Code: acmQuotaImported, Name: "Imported certificates", Default: 2500, Adjustable: true})
	RegisterQuota(QuotaDef{ServiceCode: "acm", Code: acmQuotaImportsPerYear, Name: "Imported certificates in last 365 days", Default: 5000, Adjustable: true})
}

// countSince counts the times within the last year before now.
func countSince(times []time.Time, now time.Time) int {
	n := 0
	for _, t := range times {
		if now.Sub(t) < 365*24*time.Hour {
			n++
		}
	}
	return n
}

var acmARNPattern = regexp.MustCompile(`^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// status is the certificate's status at now.
func (c *acmCert) status(now time.Time) acmtypes.CertificateStatus {
	return acmtypes.CertificateStatus(c.timeline.State(now))
}

// cert finds a certificate by ARN with ACM's two error codes.
func (s *acmService) cert(arn string) (*acmCert, *APIError) {
	if !acmARNPattern.MatchString(arn) {
		return nil, Errorf("InvalidArnException", "String '%s' is not a valid ARN.", arn)
	}
	c := s.certs[arn]
	if c == nil {
		return nil, Errorf("ResourceNotFoundException", "Could not find certificate %s.", arn)
	}
	return c, nil
}

func acmValidDomain(d string) bool {
	if len(d) < 1 || len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for i, l := range labels {
		if i == 0 && l == "*" {
			continue
		}
		if len(l) < 1 || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func acmDomainError(field, d string) *APIError {
	return Errorf("ValidationException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(\\*\\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$", d, field)
}

// applyTags validates and merges tags (at most 50, no aws: prefix).
func (c *acmCert) applyTags(tags []acmtypes.Tag) *APIError {
	next := map[string]string{}
	for k, v := range c.tags {
		next[k] = v
	}
	order := append([]string(nil), c.tagOrder...)
	for _, t := range tags {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return Errorf("InvalidTagException", "Tags beginning with aws: are reserved for AWS use and cannot be added or removed.")
		}
		if len(k) < 1 || len(k) > 128 || len(v) > 256 {
			return Errorf("InvalidParameterException", "The tag key or value is not valid: %s", k)
		}
		if _, ok := next[k]; !ok {
			order = append(order, k)
		}
		next[k] = v
	}
	if len(next) > 50 {
		return Errorf("TooManyTagsException", "the TagSet: %d tags is larger than the limit of 50 tags per certificate.", len(next))
	}
	c.tags, c.tagOrder = next, order
	return nil
}

func (c *acmCert) tagList() []acmtypes.Tag {
	out := []acmtypes.Tag{}
	for _, k := range c.tagOrder {
		out = append(out, acmtypes.Tag{Key: aws.String(k), Value: aws.String(c.tags[k])})
	}
	return out
}

func (s *acmService) newARN() string {
	h := s.e.HexID("acm-certificate", 32)
	return "arn:aws:acm:" + s.region + ":" + AccountID + ":certificate/" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

var acmTokenPattern = regexp.MustCompile(`^\w+$`)

func (s *acmService) RequestCertificate(c *Call, in *acm.RequestCertificateInput) (*acm.RequestCertificateOutput, error) {
	now := c.Now()
	token := aws.ToString(in.IdempotencyToken)
	if token != "" {
		if len(token) > 32 || !acmTokenPattern.MatchString(token) {
			return nil, Errorf("ValidationException", "1 validation error detected: Value '%s' at 'idempotencyToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\w+ and have length less than or equal to 32", token)
		}
		// Within the hour the token stands for its first certificate, even
		// one deleted since: ACM "will issue only one". (The stricter
		// reading: a caller must notice the ARN is gone and use another
		// token.)
		if t, ok := s.tokens[token]; ok && now.Sub(t.at) < time.Hour {
			return &acm.RequestCertificateOutput{CertificateArn: aws.String(t.arn)}, nil
		}
	}
	domain := aws.ToString(in.DomainName)
	if !acmValidDomain(domain) {
		return nil, acmDomainError("domainName", domain)
	}
	// The first name becomes the certificate's common name, limited to 64
	// octets; further names may be up to 253.
	if len(domain) > 64 {
		return nil, Errorf("ValidationException", "1 validation error detected: Value '%s' at 'domainName' failed to satisfy constraint: the first domain name can be at most 64 characters long.", domain)
	}
	sans := []string{domain}
	for _, d := range in.SubjectAlternativeNames {
		if !acmValidDomain(d) {
			return nil, acmDomainError("subjectAlternativeNames", d)
		}
		dup := false
		for _, e := range sans {
			dup = dup || strings.EqualFold(e, d)
		}
		if !dup {
			sans = append(sans, d)
		}
	}
	if max := c.Emu.Quota(acmQuotaDomainNames); float64(len(sans)) > max {
		return nil, Errorf("LimitExceededException", "Cannot request a certificate with more than %d domain names.", int(max))
	}
	method := in.ValidationMethod
	switch method {
	case "":
		method = acmtypes.ValidationMethodEmail // ACM's default
	case acmtypes.ValidationMethodDns, acmtypes.ValidationMethodEmail:
	default:
		return nil, Errorf("ValidationException", "1 validation error detected: Value '%s' at 'validationMethod' failed to satisfy constraint: Member must satisfy enum value set: [EMAIL, DNS]", method)
	}
	keyAlgo := in.KeyAlgorithm
	switch keyAlgo {
	case "":
		keyAlgo = acmtypes.KeyAlgorithmRsa2048
	case acmtypes.KeyAlgorithmRsa2048, acmtypes.KeyAlgorithmEcPrime256v1, acmtypes.KeyAlgorithmEcSecp384r1:
	default:
		return nil, Errorf("ValidationException", "The key algorithm %s is not supported for public certificates.", keyAlgo)
	}
	if in.CertificateAuthorityArn != nil {
		return nil, Errorf("ValidationException", "Private certificates are not emulated.")
	}
	issued := 0
	for _, cert := range s.certs {
		if cert.typ == acmtypes.CertificateTypeAmazonIssued {
			issued++
		}
	}
	if max := c.Emu.Quota(acmQuotaCertificates); float64(issued) >= max {
		return nil, Errorf("LimitExceededException", "Error: you have reached your limit of %d certificates in this region.", int(max))
	}
	if max := c.Emu.Quota(acmQuotaRequestsPerYear); float64(countSince(s.requests, now)) >= max {
		return nil, Errorf("LimitExceededException", "Error: you have reached your limit of %d certificates in the last year.", int(max))
	}
	cert := &acmCert{
		arn: s.newARN(), domain: domain, sans: sans, typ: acmtypes.CertificateTypeAmazonIssued, method: method,
		keyAlgo: keyAlgo, sigAlgo: "SHA256WITHRSA", created: now, issuer: "Amazon", subject: "CN=" + domain,
		users: map[string]bool{},
	}
	if strings.HasPrefix(string(keyAlgo), "EC") {
		cert.sigAlgo = "SHA256WITHECDSA"
	}
	if err := cert.applyTags(in.Tags); err != nil {
		return nil, err
	}
	cert.timeline = NewTimeline(string(acmtypes.CertificateStatusPendingValidation), now)
	s.certs[cert.arn] = cert
	s.requests = append(s.requests, now)
	if token != "" {
		s.tokens[token] = acmToken{arn: cert.arn, at: now}
	}
	return &acm.RequestCertificateOutput{CertificateArn: aws.String(cert.arn)}, nil
}

// Tick settles DNS validation: a pending certificate is issued once every
// one of its validation CNAMEs resolves from an emulated hosted zone, and
// times out when that has not happened within the validation timeout.
func (s *acmService) Tick(now time.Time) {
	for _, cert := range s.certs {
		if cert.typ != acmtypes.CertificateTypeAmazonIssued || cert.decided {
			continue
		}
		timeout := s.e.KnobDuration("acm.validation_timeout", acmDefaultValidationTime)
		deadline := cert.created.Add(timeout)
		delay := s.e.KnobDuration("acm.issue_delay", 60*time.Second)
		if at, ok := s.validatedAt(cert, now); ok && delay >= 0 && (timeout < 0 || at.Before(deadline)) {
			cert.decided = true
			cert.issuedAt = at.Add(delay)
			cert.notBefore = cert.issuedAt
			cert.notAfter = cert.issuedAt.Add(acmValidity)
			cert.serial = acmSerial(cert.arn)
			cert.timeline.Then(string(acmtypes.CertificateStatusIssued), cert.issuedAt.Sub(cert.created)).Then(string(acmtypes.CertificateStatusExpired), acmValidity)
			s.e.life.record(now, LifecycleEvent{Service: "acm", Kind: "certificate", ID: cert.arn, Event: "ISSUED", Began: cert.created, At: cert.issuedAt,
				Observers: []string{"acm.DescribeCertificate"}})
			continue
		}
		if timeout >= 0 && !now.Before(deadline) {
			cert.decided = true
			cert.timeline.Then(string(acmtypes.CertificateStatusValidationTimedOut), timeout)
		}
	}
}

// validatedAt reports whether every validation record of a DNS certificate
// resolves, and since when (never before the request).
func (s *acmService) validatedAt(cert *acmCert, now time.Time) (time.Time, bool) {
	if cert.method != acmtypes.ValidationMethodDns {
		return time.Time{}, false
	}
	at := cert.created
	for _, name := range cert.sans {
		seen, ok := s.recordResolves(name, now)
		if !ok {
			return time.Time{}, false
		}
		if seen.After(at) {
			at = seen
		}
	}
	return at, true
}

// recordResolves reports whether the validation CNAME of a domain resolves
// from an emulated hosted zone, and since when. The lock is held.
func (s *acmService) recordResolves(domain string, now time.Time) (time.Time, bool) {
	r53, ok := s.e.existingPeer("route53", "").(*route53Service)
	if !ok {
		return time.Time{}, false
	}
	rr := acmValidationRecord(domain)
	return r53.visibleCNAME(aws.ToString(rr.Name), aws.ToString(rr.Value), now)
}

func acmSerial(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	h := hex.EncodeToString(sum[:16])
	var parts []string
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// acmValidationRecord is the CNAME that proves control of a domain; ACM
// reuses the same record for a domain and its wildcard within an account.
func acmValidationRecord(domain string) *acmtypes.ResourceRecord {
	base := strings.ToLower(strings.TrimPrefix(domain, "*."))
	sum := sha256.Sum256([]byte(AccountID + "/" + base))
	h := hex.EncodeToString(sum[:])
	return &acmtypes.ResourceRecord{
		Name:  aws.String("_" + h[:32] + "." + base + "."),
		Type:  acmtypes.RecordTypeCname,
		Value: aws.String("_" + h[32:64] + "." + h[:10] + ".acm-validations.aws."),
	}
}

func (s *acmService) detail(c *acmCert, now time.Time) *acmtypes.CertificateDetail {
	st := c.status(now)
	d := &acmtypes.CertificateDetail{
		CertificateArn: aws.String(c.arn), DomainName: aws.String(c.domain), SubjectAlternativeNames: append([]string(nil), c.sans...),
		Status: st, Type: c.typ, KeyAlgorithm: c.keyAlgo, SignatureAlgorithm: aws.String(c.sigAlgo), CreatedAt: aws.Time(c.created),
		InUseBy: c.inUseBy(), RenewalEligibility: acmtypes.RenewalEligibilityIneligible,
		KeyUsages: []acmtypes.KeyUsage{}, ExtendedKeyUsages: []acmtypes.ExtendedKeyUsage{},
	}
	if c.typ == acmtypes.CertificateTypeAmazonIssued {
		d.CertificateKeyPairOrigin = acmtypes.CertificateKeyPairOriginAwsManaged
		d.Options = &acmtypes.CertificateOptions{CertificateTransparencyLoggingPreference: acmtypes.CertificateTransparencyLoggingPreferenceEnabled}
		if len(c.users) > 0 {
			d.RenewalEligibility = acmtypes.RenewalEligibilityEligible
		}
		showRecords := !now.Before(c.created.Add(s.e.KnobDuration("acm.record_delay", 5*time.Second)))
		for _, name := range c.sans {
			dv := acmtypes.DomainValidation{DomainName: aws.String(name), ValidationDomain: aws.String(name), ValidationMethod: c.method}
			switch st {
			case acmtypes.CertificateStatusPendingValidation:
				dv.ValidationStatus = acmtypes.DomainStatusPendingValidation
				if _, ok := s.recordResolves(name, now); ok && c.method == acmtypes.ValidationMethodDns {
					dv.ValidationStatus = acmtypes.DomainStatusSuccess
				}
			case acmtypes.CertificateStatusValidationTimedOut:
				dv.ValidationStatus = acmtypes.DomainStatusFailed
			default:
				dv.ValidationStatus = acmtypes.DomainStatusSuccess
			}
			if c.method == acmtypes.ValidationMethodDns {
				if showRecords {
					dv.ResourceRecord = acmValidationRecord(name)
				}
			} else {
				base := strings.TrimPrefix(name, "*.")
				for _, box := range []string{"admin", "administrator", "hostmaster", "postmaster", "webmaster"} {
					dv.ValidationEmails = append(dv.ValidationEmails, box+"@"+base)
				}
			}
			d.DomainValidationOptions = append(d.DomainValidationOptions, dv)
		}
		if st == acmtypes.CertificateStatusPendingValidation || st == acmtypes.CertificateStatusValidationTimedOut {
			return d
		}
		d.IssuedAt = aws.Time(c.issuedAt)
	} else {
		d.CertificateKeyPairOrigin = acmtypes.CertificateKeyPairOriginCustomerProvided
		d.ImportedAt = aws.Time(c.imported)
	}
	d.Issuer, d.Subject, d.Serial = aws.String(c.issuer), aws.String(c.subject), aws.String(c.serial)
	d.NotBefore, d.NotAfter = aws.Time(c.notBefore), aws.Time(c.notAfter)
	d.KeyUsages = []acmtypes.KeyUsage{{Name: acmtypes.KeyUsageNameDigitalSignature}, {Name: acmtypes.KeyUsageNameKeyEncipherment}}
	d.ExtendedKeyUsages = []acmtypes.ExtendedKeyUsage{
		{Name: acmtypes.ExtendedKeyUsageNameTlsWebServerAuthentication, OID: aws.String("1.3.6.1.5.5.7.3.1")},
		{Name: acmtypes.ExtendedKeyUsageNameTlsWebClientAuthentication, OID: aws.String("1.3.6.1.5.5.7.3.2")},
	}
	return d
}

// inUseBy lists the resources that use the certificate the way ACM names
// them: a listener's certificate is in use by its load balancer.
func (c *acmCert) inUseBy() []string {
	seen := map[string]bool{}
	out := []string{}
	for u := range c.users {
		if strings.HasPrefix(u, "arn:aws:elasticloadbalancing:") && strings.Contains(u, ":listener/") {
			// .../listener/app/<name>/<lb id>/<listener id> → .../loadbalancer/app/<name>/<lb id>
			u = strings.Replace(u, ":listener/", ":loadbalancer/", 1)
			u = u[:strings.LastIndex(u, "/")]
		}
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

func (s *acmService) ImportCertificate(c *Call, in *acm.ImportCertificateInput) (*acm.ImportCertificateOutput, error) {
	block, rest := pem.Decode(in.Certificate)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, Errorf("ValidationException", "Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	if more, _ := pem.Decode(rest); more != nil {
		return nil, Errorf("ValidationException", "The certificate field contains more than one certificate. You can specify only one certificate in this field.")
	}
	x, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, Errorf("ValidationException", "Unable to parse certificate. Please ensure the certificate is in PEM format.")
	}
	keyBlock, _ := pem.Decode(in.PrivateKey)
	if keyBlock == nil {
		return nil, Errorf("ValidationException", "Unable to parse key; the body is not in a valid PEM format.")
	}
	key, err := acmParseKey(keyBlock)
	if err != nil {
		return nil, Errorf("ValidationException", "The private key is not supported.")
	}
	if !acmKeyMatches(key, x.PublicKey) {
		return nil, Errorf("ValidationException", "The private key does not match the public key in the certificate.")
	}
	keyAlgo, ok := acmKeyAlgorithm(x.PublicKey)
	if !ok {
		return nil, Errorf("ValidationException", "The certificate key algorithm is not supported.")
	}
	if len(in.CertificateChain) > 0 {
		if b, _ := pem.Decode(in.CertificateChain); b == nil {
			return nil, Errorf("ValidationException", "Could not validate the certificate with the certificate chain.")
		}
	}
	domain := x.Subject.CommonName
	sans := append([]string(nil), x.DNSNames...)
	if domain == "" && len(sans) > 0 {
		domain = sans[0]
	}
	if domain == "" {
		return nil, Errorf("ValidationException", "The certificate must have a common name or a subject alternative name.")
	}
	if len(sans) == 0 {
		sans = []string{domain}
	}
	now := c.Now()
	var cert *acmCert
	if arn := aws.ToString(in.CertificateArn); arn != "" {
		existing, apiErr := s.cert(arn)
		if apiErr != nil {
			return nil, apiErr
		}
		if existing.typ != acmtypes.CertificateTypeImported {
			return nil, Errorf("ValidationException", "Certificate %s is not an imported certificate and cannot be reimported.", arn)
		}
		if len(in.Tags) > 0 {
			return nil, Errorf("ValidationException", "You cannot apply tags when reimporting a certificate.")
		}
		cert = existing
	} else {
		imported := 0
		for _, other := range s.certs {
			if other.typ == acmtypes.CertificateTypeImported {
				imported++
			}
		}
		if max := c.Emu.Quota(acmQuotaImported); float64(imported) >= max {
			return nil, Errorf("LimitExceededException", "Error: you have reached your limit of %d imported certificates in this region.", int(max))
		}
		if max := c.Emu.Quota(acmQuotaImportsPerYear); float64(countSince(s.imports, now)) >= max {
			return nil, Errorf("LimitExceededException", "Error: you have reached your limit of %d imported certificates in the last year.", int(max))
		}
		cert = &acmCert{arn: s.newARN(), typ: acmtypes.CertificateTypeImported, created: now, users: map[string]bool{}}
		if err := cert.applyTags(in.Tags); err != nil {
			return nil, err
		}
		s.imports = append(s.imports, now)
	}
	cert.domain, cert.sans, cert.keyAlgo = domain, sans, keyAlgo
	cert.sigAlgo = acmSignatureAlgorithm(x.SignatureAlgorithm)
	cert.notBefore, cert.notAfter, cert.imported = x.NotBefore.UTC(), x.NotAfter.UTC(), now
	cert.serial = acmSerialOf(x.SerialNumber.Bytes())
	cert.issuer = x.Issuer.CommonName
	if cert.issuer == "" && len(x.Issuer.Organization) > 0 {
		cert.issuer = x.Issuer.Organization[0]
	}
	cert.subject = "CN=" + domain
	status := acmtypes.CertificateStatusIssued
	if !now.Before(cert.notAfter) {
		status = acmtypes.CertificateStatusExpired
	}
	cert.timeline = NewTimeline(string(status), now)
	if status == acmtypes.CertificateStatusIssued {
		cert.timeline.Then(string(acmtypes.CertificateStatusExpired), cert.notAfter.Sub(now))
	}
	s.certs[cert.arn] = cert
	return &acm.ImportCertificateOutput{CertificateArn: aws.String(cert.arn)}, nil
}

// acmSignatureAlgorithm names an algorithm the way ACM does (SHA256WITHRSA).
func acmSignatureAlgorithm(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.SHA256WithRSA, x509.SHA256WithRSAPSS:
		return "SHA256WITHRSA"
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS:
		return "SHA384WITHRSA"
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS:
		return "SHA512WITHRSA"
	case x509.SHA1WithRSA:
		return "SHA1WITHRSA"
	case x509.ECDSAWithSHA256:
		return "SHA256WITHECDSA"
	case x509.ECDSAWithSHA384:
		return "SHA384WITHECDSA"
	case x509.ECDSAWithSHA512:
		return "SHA512WITHECDSA"
	}
	return strings.ToUpper(a.String())
}

func acmSerialOf(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = hex.EncodeToString([]byte{x})
	}
	return strings.Join(parts, ":")
}

func acmParseKey(b *pem.Block) (any, error) {
	switch b.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(b.Bytes)
	default:
		return x509.ParsePKCS8PrivateKey(b.Bytes)
	}
}

func acmKeyMatches(key, pub any) bool {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		p, ok := pub.(*rsa.PublicKey)
		return ok && k.PublicKey.Equal(p)
	case *ecdsa.PrivateKey:
		p, ok := pub.(*ecdsa.PublicKey)
		return ok && k.PublicKey.Equal(p)
	}
	return false
}

func acmKeyAlgorithm(pub any) (acmtypes.KeyAlgorithm, bool) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		switch p.N.BitLen() {
		case 1024:
			return acmtypes.KeyAlgorithmRsa1024, true
		case 2048:
			return acmtypes.KeyAlgorithmRsa2048, true
		case 3072:
			return acmtypes.KeyAlgorithmRsa3072, true
		case 4096:
			return acmtypes.KeyAlgorithmRsa4096, true
		}
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P256():
			return acmtypes.KeyAlgorithmEcPrime256v1, true
		case elliptic.P384():
			return acmtypes.KeyAlgorithmEcSecp384r1, true
		case elliptic.P521():
			return acmtypes.KeyAlgorithmEcSecp521r1, true
		}
	}
	return "", false
}

func (s *acmService) DescribeCertificate(c *Call, in *acm.DescribeCertificateInput) (*acm.DescribeCertificateOutput, error) {
	cert, err := s.cert(aws.ToString(in.CertificateArn))
	if err != nil {
		return nil, err
	}
	return &acm.DescribeCertificateOutput{Certificate: s.detail(cert, c.Now())}, nil
}

func (s *acmService) ListCertificates(c *Call, in *acm.ListCertificatesInput) (*acm.ListCertificatesOutput, error) {
	now := c.Now()
	var max int32
	if in.MaxItems != nil {
		max = *in.MaxItems
		if max < 1 || max > 1000 {
			return nil, Errorf("ValidationException", "1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", max)
		}
	}
	statuses := map[acmtypes.CertificateStatus]bool{}
	for _, st := range in.CertificateStatuses {
		statuses[st] = true
	}
	// Without a key type filter ACM lists only RSA_1024 and RSA_2048 keys.
	keyTypes := map[acmtypes.KeyAlgorithm]bool{acmtypes.KeyAlgorithmRsa1024: true, acmtypes.KeyAlgorithmRsa2048: true}
	if in.Includes != nil && len(in.Includes.KeyTypes) > 0 {
		keyTypes = map[acmtypes.KeyAlgorithm]bool{}
		for _, k := range in.Includes.KeyTypes {
			keyTypes[k] = true
		}
	}
	origins := map[acmtypes.CertificateKeyPairOrigin]bool{}
	for _, o := range in.CertificateKeyPairOrigins {
		origins[o] = true
	}
	if in.SortBy != "" && in.SortBy != acmtypes.SortByCreatedAt {
		return nil, Errorf("ValidationException", "1 validation error detected: Value '%s' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [CREATED_AT]", in.SortBy)
	}
	var all []*acmCert
	for _, cert := range s.certs {
		if len(statuses) > 0 && !statuses[cert.status(now)] {
			continue
		}
		if !keyTypes[cert.keyAlgo] {
			continue
		}
		d := s.detail(cert, now)
		if len(origins) > 0 && !origins[d.CertificateKeyPairOrigin] {
			continue
		}
		if in.Includes != nil && !acmUsagesMatch(in.Includes, d) {
			continue
		}
		all = append(all, cert)
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].created.Equal(all[j].created) {
			return all[i].created.Before(all[j].created)
		}
		return all[i].arn < all[j].arn
	})
	if in.SortOrder == acmtypes.SortOrderDescending {
		for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
			all[i], all[j] = all[j], all[i]
		}
	}
	page, next, apiErr := Paginate(all, in.NextToken, max, 1000)
	if apiErr != nil {
		return nil, Errorf("InvalidArgsException", "The NextToken %s is not valid.", aws.ToString(in.NextToken))
	}
	out := &acm.ListCertificatesOutput{CertificateSummaryList: []acmtypes.CertificateSummary{}, NextToken: next}
	for _, cert := range page {
		d := s.detail(cert, now)
		sum := acmtypes.CertificateSummary{
			CertificateArn: d.CertificateArn, DomainName: d.DomainName, Status: d.Status, Type: d.Type, KeyAlgorithm: d.KeyAlgorithm,
			InUse: aws.Bool(len(cert.users) > 0), CreatedAt: d.CreatedAt, IssuedAt: d.IssuedAt, ImportedAt: d.ImportedAt,
			NotBefore: d.NotBefore, NotAfter: d.NotAfter, RenewalEligibility: d.RenewalEligibility,
			HasAdditionalSubjectAlternativeNames: aws.Bool(false), SubjectAlternativeNameSummaries: d.SubjectAlternativeNames,
			CertificateKeyPairOrigin: d.CertificateKeyPairOrigin,
		}
		for _, k := range d.KeyUsages {
			sum.KeyUsages = append(sum.KeyUsages, k.Name)
		}
		for _, k := range d.ExtendedKeyUsages {
			sum.ExtendedKeyUsages = append(sum.ExtendedKeyUsages, k.Name)
		}
		out.CertificateSummaryList = append(out.CertificateSummaryList, sum)
	}
	return out, nil
}

// acmUsagesMatch applies the key usage, extended key usage, managed-by and
// export filters: a certificate passes a usage filter when it has every
// usage listed (a pending certificate has none). Emulated certificates are
// neither managed by another service nor exportable.
func acmUsagesMatch(f *acmtypes.Filters, d *acmtypes.CertificateDetail) bool {
	for _, want := range f.KeyUsage {
		found := false
		for _, k := range d.KeyUsages {
			found = found || k.Name == want
		}
		if !found && want != acmtypes.KeyUsageNameAny {
			return false
		}
	}
	for _, want := range f.ExtendedKeyUsage {
		found := false
		for _, k := range d.ExtendedKeyUsages {
			found = found || k.Name == want
		}
		if !found && want != acmtypes.ExtendedKeyUsageNameAny {
			return false
		}
	}
	if f.ManagedBy != "" || f.ExportOption == acmtypes.CertificateExportEnabled {
		return false
	}
	return true
}

func (s *acmService) DeleteCertificate(c *Call, in *acm.DeleteCertificateInput) (*acm.DeleteCertificateOutput, error) {
	cert, err := s.cert(aws.ToString(in.CertificateArn))
	if err != nil {
		return nil, err
	}
	if len(cert.users) > 0 {
		return nil, Errorf("ResourceInUseException", "Certificate %s in account %s is in use.", cert.arn, AccountID)
	}
	delete(s.certs, cert.arn)
	return &acm.DeleteCertificateOutput{}, nil
}

func (s *acmService) AddTagsToCertificate(c *Call, in *acm.AddTagsToCertificateInput) (*acm.AddTagsToCertificateOutput, error) {
	cert, err := s.cert(aws.ToString(in.CertificateArn))
	if err != nil {
		return nil, err
	}
	if err := cert.applyTags(in.Tags); err != nil {
		return nil, err
	}
	return &acm.AddTagsToCertificateOutput{}, nil
}

func (s *acmService) RemoveTagsFromCertificate(c *Call, in *acm.RemoveTagsFromCertificateInput) (*acm.RemoveTagsFromCertificateOutput, error) {
	cert, err := s.cert(aws.ToString(in.CertificateArn))
	if err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		k := aws.ToString(t.Key)
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, Errorf("InvalidTagException", "Tags beginning with aws: are reserved for AWS use and cannot be added or removed.")
		}
		v, ok := cert.tags[k]
		// A tag given with a value is removed only when the value matches.
		if !ok || (t.Value != nil && aws.ToString(t.Value) != v) {
			continue
		}
		delete(cert.tags, k)
		for i, o := range cert.tagOrder {
			if o == k {
				cert.tagOrder = append(cert.tagOrder[:i], cert.tagOrder[i+1:]...)
				break
			}
		}
	}
	return &acm.RemoveTagsFromCertificateOutput{}, nil
}

func (s *acmService) ListTagsForCertificate(c *Call, in *acm.ListTagsForCertificateInput) (*acm.ListTagsForCertificateOutput, error) {
	cert, err := s.cert(aws.ToString(in.CertificateArn))
	if err != nil {
		return nil, err
	}
	return &acm.ListTagsForCertificateOutput{Tags: cert.tagList()}, nil
}

// ---- Certificates (for ELB listeners and CloudFront)

// CertificateInfo implements Certificates.
func (s *acmService) CertificateInfo(arn string) (CertificateView, bool) {
	cert := s.certs[arn]
	if cert == nil {
		return CertificateView{}, false
	}
	return CertificateView{
		ARN: cert.arn, Domain: cert.domain, SANs: append([]string(nil), cert.sans...),
		Status: string(cert.status(s.e.clock.Now())), Region: s.region, InUseBy: cert.inUseBy(),
	}, true
}

// UseCertificate implements Certificates.
func (s *acmService) UseCertificate(arn, user string) {
	if cert := s.certs[arn]; cert != nil {
		cert.users[user] = true
	}
}

// ReleaseCertificate implements Certificates.
func (s *acmService) ReleaseCertificate(arn, user string) {
	if cert := s.certs[arn]; cert != nil {
		delete(cert.users, user)
	}
}

func (s *acmService) Inventory(now time.Time) []Resource {
	var out []Resource
	for _, cert := range s.certs {
		var tags map[string]string
		if len(cert.tags) > 0 {
			tags = cert.tags
		}
		out = append(out, Resource{Service: "acm", Region: s.region, Type: "certificate", ID: cert.arn, State: string(cert.status(now)), Tags: tags})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

var _ Certificates = (*acmService)(nil)
