package deployment

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
)

const testDomain = "ai.example.com"

// userZone is the user's zone with records of their own that the
// deployment must never touch.
func userZone(t *testing.T, env *testEnv) *emutest.UserZone {
	t.Helper()
	return emutest.CreateUserZone(t, env.emu, "example.com",
		emutest.UserRecord("www.example.com", "A", "198.51.100.7"),
		emutest.UserRecord("example.com", "TXT", `"v=spf1 -all"`))
}

func domainSpec(name string, tier int, z *emutest.UserZone) *Spec {
	spec := testSpec(name, tier)
	spec.Domain = DomainSpec{Name: testDomain, ZoneID: z.ID}
	return spec
}

// checkDomain checks the certificates and records of a deployment at its
// spec's tier, and that the data plane serves the domain.
func checkDomain(t *testing.T, env *testEnv, z *emutest.UserZone, spec *Spec, st *State) {
	t.Helper()
	certs := st.CertificateARNs()
	wantUses := map[int][]string{1: nil, 2: {CertificateUseLoadBalancer}, 3: {CertificateUseCloudFront, CertificateUseLoadBalancer}}[spec.Tier]
	var uses []string
	for u := range certs {
		uses = append(uses, u)
	}
	slices.Sort(uses)
	if !slices.Equal(uses, wantUses) || len(st.DomainCertificates) != len(wantUses) {
		t.Fatalf("tier %d certificates %v (%+v), want %v", spec.Tier, certs, st.DomainCertificates, wantUses)
	}
	for _, c := range st.DomainCertificates {
		d, err := findCert(env, c)
		if err != nil || d != "ISSUED" {
			t.Fatalf("certificate %s: %s %v", c.ARN, d, err)
		}
	}
	a := z.Record(t, env.emu, testDomain, "A")
	aaaa := z.Record(t, env.emu, testDomain, "AAAA")
	origin := z.Record(t, env.emu, "origin."+testDomain, "A")
	switch spec.Tier {
	case 1:
		if a == nil || a.AliasTarget != nil || aws.ToString(a.ResourceRecords[0].Value) != st.PublicIP || aaaa != nil || origin != nil {
			t.Fatalf("tier 1 records: %+v %+v %+v", a, aaaa, origin)
		}
	case 2:
		if a == nil || a.AliasTarget == nil || !strings.EqualFold(aws.ToString(a.AliasTarget.DNSName), st.ALBDNSName+".") || aaaa != nil || origin != nil {
			t.Fatalf("tier 2 records: %+v %+v %+v", a, aaaa, origin)
		}
	case 3:
		for _, r := range []string{"A", "AAAA"} {
			rec := z.Record(t, env.emu, testDomain, r)
			if rec == nil || rec.AliasTarget == nil || aws.ToString(rec.AliasTarget.HostedZoneId) != CloudFrontHostedZoneID || aws.ToString(rec.AliasTarget.DNSName) != st.DistributionDomain+"." {
				t.Fatalf("tier 3 %s record: %+v", r, rec)
			}
		}
		if origin == nil || origin.AliasTarget == nil || !strings.EqualFold(aws.ToString(origin.AliasTarget.DNSName), st.ALBDNSName+".") {
			t.Fatalf("tier 3 origin record: %+v", origin)
		}
	}
	// The validation records: one per name, shared by the certificates.
	var cnames []string
	for _, line := range z.Records(t, env.emu) {
		if strings.Contains(line, " CNAME ") && strings.Contains(line, "acm-validations.aws") {
			cnames = append(cnames, line)
		}
	}
	if want := map[int]int{1: 0, 2: 2, 3: 2}[spec.Tier]; len(cnames) != want {
		t.Fatalf("tier %d validation records %v, want %d", spec.Tier, cnames, want)
	}
	scheme := "https"
	if spec.Tier == 1 {
		scheme = "http"
	}
	if got := PublicURL(spec, st); got != scheme+"://"+testDomain {
		t.Fatalf("url %q", got)
	}
	if status, body := emutest.Get(t, env.emu, scheme+"://"+testDomain+"/healthz"); status != 200 {
		t.Fatalf("GET %s://%s/healthz: %d %s", scheme, testDomain, status, body)
	}
	again, err := Refresh(env.ctx, env.c, spec, st)
	if err != nil || again.Status != StatusRunning || len(Missing(spec, again)) != 0 {
		t.Fatalf("refresh: %v %s missing %v", err, again.Status, Missing(spec, again))
	}
}

func findCert(env *testEnv, c DomainCertificate) (string, error) {
	out, err := env.c.ACM(c.Region).DescribeCertificate(env.ctx, describeInput(c.ARN))
	if err != nil {
		return "", err
	}
	return string(out.Certificate.Status), nil
}

func TestDomainEachTier(t *testing.T) {
	for _, tier := range []int{1, 2, 3} {
		t.Run(string(rune('0'+tier)), func(t *testing.T) {
			env := newTestEnv(t, map[string]string{"dataplane.external_dns": "none"})
			z := userZone(t, env)
			spec := domainSpec("dom", tier, z)
			if err := CheckDomain(env.ctx, env.c, spec, nil); err != nil {
				t.Fatalf("plan check: %v", err)
			}
			st, err := Create(env.ctx, env.c, spec)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			checkDomain(t, env, z, spec, st)
			if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if err := z.CheckDestroy(env.emu)(nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A tier change moves the records and certificates with it, in place.
func TestDomainTierChanges(t *testing.T) {
	env := newTestEnv(t, map[string]string{"dataplane.external_dns": "none"})
	z := userZone(t, env)
	spec := domainSpec("moves", 1, z)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	checkDomain(t, env, z, spec, st)
	lbCert := ""
	for _, tier := range []int{2, 3, 2, 1} {
		prior := spec.Tier
		spec = domainSpec("moves", tier, z)
		st, err = Update(env.ctx, env.c, spec, st, spec.Tags)
		if err != nil {
			t.Fatalf("%d → %d: %v", prior, tier, err)
		}
		checkDomain(t, env, z, spec, st)
		// The load balancer keeps its certificate from tier 2 to 3 and back.
		if arn := st.CertificateARNs()[CertificateUseLoadBalancer]; tier > 1 && lbCert != "" && arn != lbCert {
			t.Fatalf("%d → %d: load balancer certificate %s replaced by %s", prior, tier, lbCert, arn)
		} else if tier > 1 {
			lbCert = arn
		}
	}
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := z.CheckDestroy(env.emu)(nil); err != nil {
		t.Fatal(err)
	}
}

// A record the user made at the name is a plan-time error and never
// overwritten at apply.
func TestDomainRecordConflict(t *testing.T) {
	env := newTestEnv(t, nil)
	z := emutest.CreateUserZone(t, env.emu, "example.com", emutest.UserRecord(testDomain, "CNAME", "elsewhere.example.net"))
	spec := domainSpec("clash", 1, z)
	var fe *FieldError
	if err := CheckDomain(env.ctx, env.c, spec, nil); !errors.As(err, &fe) || fe.Path != "domain" || !strings.Contains(fe.Detail, "elsewhere.example.net") {
		t.Fatalf("plan check: %v", err)
	}
	_, err := Create(env.ctx, env.c, spec)
	if !errors.As(err, &fe) || fe.Path != "domain" {
		t.Fatalf("create: %v", err)
	}
	if err := z.CheckDestroy(env.emu)(nil); err != nil {
		t.Fatal(err)
	}
}

func TestDomainPlanChecks(t *testing.T) {
	env := newTestEnv(t, nil)
	z := emutest.CreateUserZone(t, env.emu, "example.com")
	var fe *FieldError
	spec := domainSpec("chk", 2, z)
	spec.Domain.Name = "ai.example.org"
	if err := CheckDomain(env.ctx, env.c, spec, nil); !errors.As(err, &fe) || fe.Path != "domain" || !strings.Contains(fe.Detail, "example.com") || !strings.Contains(fe.Detail, "ai.example.org") {
		t.Fatalf("outside the zone: %v", err)
	}
	spec = domainSpec("chk", 2, z)
	spec.Domain.ZoneID = "Z0000000000000NOZONE"
	if err := CheckDomain(env.ctx, env.c, spec, nil); !errors.As(err, &fe) || fe.Path != "domain" {
		t.Fatalf("missing zone: %v", err)
	}
}

func TestDomainValidate(t *testing.T) {
	spec := domainSpec("val", 3, &emutest.UserZone{ID: "Z1"})
	spec.LoadBalancer.CertificateARN = "arn:aws:acm:us-east-1:123456789012:certificate/x"
	spec.LoadBalancer.DomainName = "ai.example.com"
	spec.CDN.Aliases = []string{"ai.example.com"}
	spec.CDN.CertificateARN = "arn:aws:acm:us-east-1:123456789012:certificate/y"
	var paths []string
	for _, fe := range spec.Validate() {
		if fe.Summary == "Conflicts with domain" {
			paths = append(paths, fe.Path)
		}
	}
	slices.Sort(paths)
	if want := []string{"cdn.aliases", "cdn.certificate_arn", "load_balancer.certificate_arn", "load_balancer.domain_name"}; !slices.Equal(paths, want) {
		t.Fatalf("conflicts %v, want %v", paths, want)
	}
	for name, ok := range map[string]bool{"ai.example.com": true, "example.com": true, "*.example.com": false, "AI.example.com": false, "ai.example.com.": false, strings.Repeat("a", 61) + ".com": false} {
		spec := domainSpec("val", 1, &emutest.UserZone{ID: "Z1"})
		spec.Domain.Name = name
		if got := len(spec.Validate()) == 0; got != ok {
			t.Errorf("%q valid = %v, want %v (%v)", name, got, ok, spec.Validate())
		}
	}
}

func describeInput(arn string) *acm.DescribeCertificateInput {
	return &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)}
}

// The idempotency token is the same for the same request (a retry, a resumed
// apply) and another for the next request or another deployment, and ACM
// accepts it (\w, at most 32 characters).
func TestCertificateToken(t *testing.T) {
	mk := func(name, nonce string) *op {
		return &op{spec: domainSpec(name, 3, &emutest.UserZone{ID: "Z1"}), rec: newRecorder(&State{Nonce: nonce})}
	}
	o := mk("tok", "a1b2")
	w := o.spec.certificateWant(CertificateUseLoadBalancer)
	tok := o.certificateToken(w, 0)
	if !regexp.MustCompile(`^\w{1,32}$`).MatchString(tok) {
		t.Fatalf("token %q", tok)
	}
	for name, other := range map[string]string{
		"same request":       mk("tok", "a1b2").certificateToken(w, 0),
		"next request":       o.certificateToken(w, 1),
		"other use":          o.certificateToken(o.spec.certificateWant(CertificateUseCloudFront), 0),
		"another create":     mk("tok", "c3d4").certificateToken(w, 0),
		"another deployment": mk("tok2", "a1b2").certificateToken(w, 0),
	} {
		if (other == tok) != (name == "same request") {
			t.Errorf("%s: token %q vs %q", name, other, tok)
		}
	}
}

// What is not the deployment's own stays: a validation record another live
// certificate of the account needs, and a record repointed outside
// Terraform.
func TestDomainLeavesWhatIsNotItsOwn(t *testing.T) {
	env := newTestEnv(t, nil)
	z := userZone(t, env)
	// The user's own certificate for the name: it needs the same
	// validation record as the deployment's.
	theirs, err := env.c.ACM(testRegion).RequestCertificate(env.ctx, &acm.RequestCertificateInput{DomainName: aws.String(testDomain), ValidationMethod: "DNS"})
	if err != nil {
		t.Fatal(err)
	}
	spec := domainSpec("leaves", 2, z)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	repointed := emutest.UserRecord(testDomain, "A", "198.51.100.9")
	if _, err := env.c.Route53.ChangeResourceRecordSets(env.ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: aws.String(z.ID), ChangeBatch: &r53types.ChangeBatch{
		Changes: []r53types.Change{{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &repointed}}}}); err != nil {
		t.Fatal(err)
	}
	_, retained, err := Delete(env.ctx, env.c, spec, st)
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	if len(retained) != 1 || !strings.Contains(retained[0], "still needed by certificate "+aws.ToString(theirs.CertificateArn)) {
		t.Fatalf("retained %v", retained)
	}
	var extra []string
	for _, line := range z.Records(t, env.emu) {
		if !slices.Contains(z.Before, line) {
			extra = append(extra, line)
		}
	}
	if len(extra) != 2 || !strings.HasPrefix(extra[0], testDomain+". A 198.51.100.9") || !strings.Contains(extra[1], ".ai.example.com. CNAME ") {
		t.Fatalf("left in the zone: %v", extra)
	}
	for _, r := range env.emu.Inventory() {
		if r.Service == "acm" && r.ID != aws.ToString(theirs.CertificateArn) {
			t.Fatalf("certificate left: %+v", r)
		}
	}
}

// Another name moves the certificates and records to it; removing the
// domain removes them all.
func TestDomainRenamedAndRemoved(t *testing.T) {
	env := newTestEnv(t, map[string]string{"dataplane.external_dns": "none"})
	z := userZone(t, env)
	spec := domainSpec("rename", 3, z)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	spec.Domain.Name = "ml.example.com"
	if st, err = Update(env.ctx, env.c, spec, st, spec.Tags); err != nil {
		t.Fatalf("rename: %v", err)
	}
	for _, c := range st.DomainCertificates {
		if c.Names[0] != "ml.example.com" {
			t.Fatalf("certificate for %v after the rename", c.Names)
		}
	}
	if z.Record(t, env.emu, testDomain, "A") != nil || z.Record(t, env.emu, "origin."+testDomain, "A") != nil || z.Record(t, env.emu, "ml.example.com", "AAAA") == nil {
		t.Fatalf("records after the rename: %v", z.Records(t, env.emu))
	}
	if status, body := emutest.Get(t, env.emu, "https://ml.example.com/healthz"); status != 200 {
		t.Fatalf("GET https://ml.example.com/healthz: %d %s", status, body)
	}
	spec.Domain = DomainSpec{}
	if st, err = Update(env.ctx, env.c, spec, st, spec.Tags); err != nil {
		t.Fatalf("remove: %v", err)
	}
	if err := z.CheckAsBefore(env.emu); err != nil {
		t.Fatal(err)
	}
	if len(st.DomainCertificates) != 0 || len(st.DomainRecords) != 0 || PublicURL(spec, st) != "https://"+st.DistributionDomain {
		t.Fatalf("after removing the domain: %+v %s", st.DomainState, PublicURL(spec, st))
	}
	for _, r := range env.emu.Inventory() {
		if r.Service == "acm" {
			t.Fatalf("certificate left: %+v", r)
		}
	}
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := z.CheckDestroy(env.emu)(nil); err != nil {
		t.Fatal(err)
	}
}

// Outside us-east-1 the load balancer's certificate is in the deployment's
// region and CloudFront's in us-east-1; the origin alias uses the region's
// load balancer zone.
func TestDomainOtherRegion(t *testing.T) {
	env := newTestEnvIn(t, "eu-west-1", map[string]string{"dataplane.external_dns": "none"}, emutest.DefaultSpeed)
	z := userZone(t, env)
	spec := domainSpec("euro", 3, z)
	spec.Region = "eu-west-1"
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	for _, c := range st.DomainCertificates {
		want := map[string]string{CertificateUseLoadBalancer: "eu-west-1", CertificateUseCloudFront: "us-east-1"}[c.Use]
		if c.Region != want || !strings.Contains(c.ARN, ":"+want+":") {
			t.Fatalf("%s certificate %s in %s", c.Use, c.ARN, c.Region)
		}
	}
	if origin := z.Record(t, env.emu, "origin."+testDomain, "A"); origin == nil || aws.ToString(origin.AliasTarget.HostedZoneId) != st.ALBZoneID || !strings.Contains(st.ALBDNSName, ".eu-west-1.") {
		t.Fatalf("origin record %+v for %s %s", origin, st.ALBZoneID, st.ALBDNSName)
	}
	checkDomain(t, env, z, spec, st)
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := z.CheckDestroy(env.emu)(nil); err != nil {
		t.Fatal(err)
	}
}

// A distribution kept on destroy (cdn.retain_on_delete) keeps its
// certificate: the destroy leaves both, named, instead of waiting forever
// for CloudFront to release it.
func TestDomainRetainedDistributionKeepsItsCertificate(t *testing.T) {
	env := newTestEnv(t, nil)
	z := userZone(t, env)
	spec := domainSpec("keep", 3, z)
	spec.CDN.RetainOnDelete = true
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	cdnCert := st.CertificateARNs()[CertificateUseCloudFront]
	_, retained, err := Delete(env.ctx, env.c, spec, st)
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	joined := strings.Join(retained, "\n")
	if !strings.Contains(joined, "cloudfront distribution") || !strings.Contains(joined, "acm certificate "+cdnCert) || !strings.Contains(joined, "validation record of "+testDomain) {
		t.Fatalf("retained %v", retained)
	}
	for _, r := range env.emu.Inventory() {
		if r.Service == "acm" && r.ID != cdnCert {
			t.Fatalf("the load balancer's certificate is left: %+v", r)
		}
	}
	if z.Record(t, env.emu, testDomain, "A") != nil || z.Record(t, env.emu, "origin."+testDomain, "A") != nil {
		t.Fatalf("records left: %v", z.Records(t, env.emu))
	}
}

// A domain added to a running tier 3 deployment moves CloudFront's origin to
// HTTPS at the origin name.
func TestDomainAddedLater(t *testing.T) {
	env := newTestEnv(t, map[string]string{"dataplane.external_dns": "none"})
	z := userZone(t, env)
	spec := testSpec("later", 3)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	spec = domainSpec("later", 3, z)
	if err := CheckDomain(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("plan check: %v", err)
	}
	if st, err = Update(env.ctx, env.c, spec, st, spec.Tags); err != nil {
		t.Fatalf("update: %v", err)
	}
	checkDomain(t, env, z, spec, st)
	d, err := InspectDistribution(env.ctx, env.c, st.DistributionID)
	if err != nil || d.Origin.DomainName != "origin."+testDomain || d.Origin.ProtocolPolicy != "https-only" {
		t.Fatalf("origin %+v %v", d, err)
	}
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := z.CheckDestroy(env.emu)(nil); err != nil {
		t.Fatal(err)
	}
}
