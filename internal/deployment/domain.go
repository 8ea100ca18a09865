package deployment

// The custom domain (Spec.Domain): the ACM certificates it needs, validated
// through DNS in the user's Route 53 hosted zone, and the records that point
// the name at the deployment. Tier 1: an A record to the instance's public
// address. Tier 2: a certificate in the deployment's region for the name and
// the origin name (domain_records.go), and an alias to the load balancer.
// Tier 3: that certificate again, one in us-east-1 for CloudFront, aliases
// A and AAAA to the distribution, and the origin name aliased to the load
// balancer, which CloudFront reaches over HTTPS.
//
// The deployment deletes only what it made: the record lists every
// certificate it requested and every record it wrote, a record is deleted
// only while it still points where the deployment pointed it, and a
// validation record stays while any live certificate of the account still
// needs it. Records the user made are never overwritten.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfacm "github.com/geusemaker/terraform-provider-geusemaker/internal/service/acm"
	tfroute53 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/route53"
)

// DomainSpec is a custom domain in a Route 53 hosted zone of the account.
type DomainSpec struct {
	Name   string // e.g. ai.example.com
	ZoneID string // e.g. Z0123456789ABCDEFGHIJ
}

// Enabled reports whether the deployment manages a domain.
func (d DomainSpec) Enabled() bool { return d.Name != "" }

// OriginName is the name CloudFront reaches the load balancer at in tier 3.
// A label under the name itself: always inside the zone (even when the name
// is the zone's apex) and covered by the load balancer's certificate.
func (d DomainSpec) OriginName() string { return "origin." + d.Name }

// CDNCertificateRegion is where CloudFront takes its certificates from.
const CDNCertificateRegion = "us-east-1"

// Certificate uses, and the component tag each certificate carries.
const (
	CertificateUseLoadBalancer = "load_balancer"
	CertificateUseCloudFront   = "cloudfront"
	CompLBCertificate          = "lb-certificate"
	CompCDNCertificate         = "cdn-certificate"
)

// Attribute paths of the domain's errors: the domain object, whose line
// Terraform shows. (It cannot show a line inside an object's value and
// shows another attribute of the same name instead, hashicorp/terraform#33491:
// domain.name would point at the deployment's name.) The details name the
// attribute.
const (
	pathDomainName = "domain"
	pathDomainZone = "domain"
)

const (
	addressTTL    = 60
	validationTTL = 300
	// typicalCertificate is ACM's usual time from request to ISSUED once
	// the validation records resolve.
	typicalCertificate = 3 * time.Minute
	typicalDNSChange   = time.Minute
)

var domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)

// validate checks the domain and what it conflicts with.
func (d DomainSpec) validate(s *Spec) []*FieldError {
	if !d.Enabled() {
		return nil
	}
	var errs []*FieldError
	add := func(path, summary, format string, args ...any) {
		errs = append(errs, &FieldError{Path: path, Summary: summary, Detail: fmt.Sprintf(format, args...)})
	}
	switch {
	case !domainPattern.MatchString(d.Name):
		add(pathDomainName, "Invalid domain name", "domain.name %q must be a lowercase domain name such as ai.example.com (no wildcard, no trailing dot).", d.Name)
	case len(d.Name) > 64:
		add(pathDomainName, "Domain name too long", "domain.name %q is %d characters; an ACM certificate's first name is at most 64.", d.Name, len(d.Name))
	}
	if d.ZoneID == "" {
		add(pathDomainZone, "Hosted zone missing", "domain needs route53_zone_id, the Route 53 public hosted zone that holds %s.", d.Name)
	}
	const useOwn = "or remove domain to bring your own certificates and DNS records."
	if s.LoadBalancer.CertificateARN != "" {
		add("load_balancer.certificate_arn", "Conflicts with domain", "domain requests the load balancer's certificate itself (for %s and %s): remove load_balancer.certificate_arn, %s", d.Name, d.OriginName(), useOwn)
	}
	if s.LoadBalancer.DomainName != "" {
		add("load_balancer.domain_name", "Conflicts with domain", "With domain the load balancer serves %s (in tier 3 CloudFront reaches it at %s): remove load_balancer.domain_name, %s", d.Name, d.OriginName(), useOwn)
	}
	if len(s.CDN.Aliases) > 0 {
		add("cdn.aliases", "Conflicts with domain", "With domain the distribution's alias is domain.name (%s): remove cdn.aliases, %s", d.Name, useOwn)
	}
	if s.CDN.CertificateARN != "" {
		add("cdn.certificate_arn", "Conflicts with domain", "domain requests the distribution's certificate in us-east-1 itself: remove cdn.certificate_arn, %s", useOwn)
	}
	return errs
}

// What the load balancer and CloudFront serve, whoever made the
// certificates: the user (load_balancer, cdn) or the domain.

// lbHTTPS reports whether the load balancer terminates TLS.
func (s *Spec) lbHTTPS() bool {
	return s.LoadBalancer.HTTPS() || (s.Domain.Enabled() && s.HasLoadBalancer())
}

// lbDomainName is the name the load balancer's certificate serves: the
// domain in tier 2, its origin name in tier 3.
func (s *Spec) lbDomainName() string {
	switch {
	case !s.Domain.Enabled():
		return s.LoadBalancer.DomainName
	case s.HasCDN():
		return s.Domain.OriginName()
	}
	return s.Domain.Name
}

// cdnAliases are the distribution's alternate names.
func (s *Spec) cdnAliases() []string {
	if s.Domain.Enabled() {
		return []string{s.Domain.Name}
	}
	return s.CDN.Aliases
}

// lbCertificateARN is the load balancer's certificate.
func (o *op) lbCertificateARN() string {
	if o.spec.Domain.Enabled() {
		return o.rec.get().activeCertificate(o.spec.certificateWant(CertificateUseLoadBalancer)).ARN
	}
	return o.spec.LoadBalancer.CertificateARN
}

// cdnCertificateARN is CloudFront's certificate ("" for its own).
func (o *op) cdnCertificateARN() string {
	if o.spec.Domain.Enabled() {
		return o.rec.get().activeCertificate(o.spec.certificateWant(CertificateUseCloudFront)).ARN
	}
	return o.spec.CDN.CertificateARN
}

// DomainState is the domain's part of the record: every certificate the
// deployment requested and every record it wrote, recorded the moment each
// exists.
type DomainState struct {
	DomainCertificates []DomainCertificate `json:",omitempty"`
	DomainRecords      []DomainRecord      `json:",omitempty"`
	// DomainRequests counts certificate requests, so that each new request
	// gets its own idempotency token and a repeated one (after a lost
	// answer, or a resumed apply) the same.
	DomainRequests int `json:",omitempty"`
}

// DomainCertificate is an ACM certificate the deployment requested.
type DomainCertificate struct {
	ARN    string
	Region string
	Use    string   // CertificateUseLoadBalancer | CertificateUseCloudFront
	Names  []string // the first is the certificate's domain name
	Status string   `json:",omitempty"` // as last seen
	// Retired certificates can no longer be used (validation failed, or
	// expired); they are deleted once nothing uses them.
	Retired bool `json:",omitempty"`
}

// DomainRecord is a Route 53 record set the deployment wrote: an address
// record or alias pointing the name at the deployment, or a certificate's
// validation CNAME.
type DomainRecord struct {
	ZoneID       string
	Name         string // lowercase, without the trailing dot
	Type         string // A, AAAA or CNAME
	AliasZoneID  string `json:",omitempty"`
	AliasDNSName string `json:",omitempty"` // lowercase, without the trailing dot
	Values       []string
	TTL          int64 `json:",omitempty"`
	// Validates is the name this CNAME proves control of for ACM; "" for
	// the records that point the name at the deployment.
	Validates string `json:",omitempty"`
}

func (d *DomainState) ids(add func(kind, id string)) {
	for _, r := range d.DomainRecords {
		add("route53 record", r.id())
	}
	for _, c := range d.DomainCertificates {
		add("acm certificate", c.ARN)
	}
}

func (d DomainState) clone() DomainState {
	out := d
	out.DomainCertificates = make([]DomainCertificate, len(d.DomainCertificates))
	for i, c := range d.DomainCertificates {
		c.Names = slices.Clone(c.Names)
		out.DomainCertificates[i] = c
	}
	out.DomainRecords = make([]DomainRecord, len(d.DomainRecords))
	for i, r := range d.DomainRecords {
		r.Values = slices.Clone(r.Values)
		out.DomainRecords[i] = r
	}
	if len(d.DomainCertificates) == 0 {
		out.DomainCertificates = nil
	}
	if len(d.DomainRecords) == 0 {
		out.DomainRecords = nil
	}
	return out
}

// CertificateARNs maps each use of the deployment's own certificates to its
// ARN (empty without a domain).
func (d *DomainState) CertificateARNs() map[string]string {
	out := map[string]string{}
	for _, c := range d.DomainCertificates {
		if !c.Retired {
			out[c.Use] = c.ARN
		}
	}
	return out
}

func (r DomainRecord) key() string { return r.ZoneID + "/" + r.Name + "/" + r.Type }
func (r DomainRecord) id() string  { return r.key() }

// certWant is a certificate the spec needs.
type certWant struct {
	use, region, comp string
	names             []string
}

// certificateWant is the certificate for one use (its names whatever the
// tier, so that a tier change keeps the load balancer's certificate).
func (s *Spec) certificateWant(use string) certWant {
	if use == CertificateUseCloudFront {
		return certWant{use: use, region: CDNCertificateRegion, comp: CompCDNCertificate, names: []string{s.Domain.Name}}
	}
	return certWant{use: use, region: s.Region, comp: CompLBCertificate, names: []string{s.Domain.Name, s.Domain.OriginName()}}
}

// domainCertificates are the certificates the spec's tier needs.
func (s *Spec) domainCertificates() []certWant {
	if !s.Domain.Enabled() || !s.HasLoadBalancer() {
		return nil
	}
	out := []certWant{s.certificateWant(CertificateUseLoadBalancer)}
	if s.HasCDN() {
		out = append(out, s.certificateWant(CertificateUseCloudFront))
	}
	return out
}

func (c DomainCertificate) is(w certWant) bool {
	return !c.Retired && c.Use == w.use && c.Region == w.region && slices.Equal(c.Names, w.names)
}

// activeCertificate is the recorded certificate for w, or zero.
func (d *DomainState) activeCertificate(w certWant) DomainCertificate {
	for _, c := range d.DomainCertificates {
		if c.is(w) {
			return c
		}
	}
	return DomainCertificate{}
}

// domainRecordWants are the records that point the name at the deployment
// as it is now; a record whose target does not exist yet is left out.
func domainRecordWants(spec *Spec, st *State) []DomainRecord {
	if !spec.Domain.Enabled() {
		return nil
	}
	zone := tfroute53.CleanZoneID(spec.Domain.ZoneID)
	alias := func(name, typ, zoneID, dns string) DomainRecord {
		return DomainRecord{ZoneID: zone, Name: name, Type: typ, AliasZoneID: zoneID, AliasDNSName: strings.ToLower(strings.TrimSuffix(dns, "."))}
	}
	var out []DomainRecord
	switch {
	case spec.HasCDN():
		if st.DistributionDomain != "" {
			out = append(out, alias(spec.Domain.Name, "A", CloudFrontHostedZoneID, st.DistributionDomain),
				alias(spec.Domain.Name, "AAAA", CloudFrontHostedZoneID, st.DistributionDomain))
		}
		if st.ALBDNSName != "" && st.ALBZoneID != "" {
			out = append(out, alias(spec.Domain.OriginName(), "A", st.ALBZoneID, st.ALBDNSName))
		}
	case spec.HasLoadBalancer():
		if st.ALBDNSName != "" && st.ALBZoneID != "" {
			out = append(out, alias(spec.Domain.Name, "A", st.ALBZoneID, st.ALBDNSName))
		}
	default:
		if st.PublicIP != "" {
			out = append(out, DomainRecord{ZoneID: zone, Name: spec.Domain.Name, Type: "A", Values: []string{st.PublicIP}, TTL: addressTTL})
		}
	}
	return out
}

// domainRecordKeys are the record sets the spec's tier keeps, whether or
// not their targets exist right now (a stopped instance has no address).
func domainRecordKeys(spec *Spec) map[string]bool {
	out := map[string]bool{}
	if !spec.Domain.Enabled() {
		return out
	}
	zone := tfroute53.CleanZoneID(spec.Domain.ZoneID)
	key := func(name, typ string) { out[DomainRecord{ZoneID: zone, Name: name, Type: typ}.key()] = true }
	key(spec.Domain.Name, "A")
	if spec.HasCDN() {
		key(spec.Domain.Name, "AAAA")
		key(spec.Domain.OriginName(), "A")
	}
	return out
}

// domainComplete reports whether every certificate the tier needs is
// issued and every record points at the deployment as it is now.
func domainComplete(spec *Spec, st *State) bool {
	for _, w := range spec.domainCertificates() {
		if c := st.activeCertificate(w); c.ARN == "" || c.Status != tfacm.StatusIssued {
			return false
		}
	}
	for _, want := range domainRecordWants(spec, st) {
		r, ok := st.ownedRecord(want.key())
		if !ok || !r.identical(want) {
			return false
		}
	}
	return true
}

// missingDomain names what domainComplete finds missing, for Missing.
func missingDomain(spec *Spec, st *State) []string {
	var out []string
	for _, w := range spec.domainCertificates() {
		if c := st.activeCertificate(w); c.ARN == "" || c.Status != tfacm.StatusIssued {
			out = append(out, w.comp)
		}
	}
	for _, want := range domainRecordWants(spec, st) {
		if r, ok := st.ownedRecord(want.key()); !ok || !r.identical(want) {
			out = append(out, "dns record "+want.Name+" "+want.Type)
		}
	}
	return out
}

func (d *DomainState) ownedRecord(key string) (DomainRecord, bool) {
	for _, r := range d.DomainRecords {
		if r.key() == key {
			return r, true
		}
	}
	return DomainRecord{}, false
}

// addDomain adds the domain's steps: the certificates as soon as the
// operation starts (the listeners wait for them), and the records once
// their targets exist.
func addDomain(g *graph, o *op) {
	if len(o.spec.domainCertificates()) > 0 {
		g.add(&step{name: stepDomainCertificates, typical: typicalCertificate, run: o.ensureDomainCertificates})
	}
	deps := []string{stepInstance}
	switch {
	case o.spec.HasCDN():
		deps = []string{stepListeners, stepDistribution}
	case o.spec.HasLoadBalancer():
		deps = []string{stepListeners}
	}
	g.add(&step{name: stepDomainRecords, deps: deps, typical: typicalDNSChange, run: o.ensureDomainRecords})
}

// Step names of the domain.
const (
	stepDomainCertificates       = "domain-certificates"
	stepDomainRecords            = "domain-records"
	stepDeleteDomainRecords      = "delete-domain-records"
	stepDeleteDomainCertificates = "delete-domain-certificates"
)

// ensureDomainCertificates requests (or finds) the tier's certificates,
// writes their validation records, and waits until ACM issues them.
func (o *op) ensureDomainCertificates(ctx context.Context) error {
	var certs []DomainCertificate
	for _, w := range o.spec.domainCertificates() {
		c, err := o.ensureCertificate(ctx, w)
		if err != nil {
			return err
		}
		certs = append(certs, c)
	}
	// One validation record per name: ACM uses the same record for a name
	// in every certificate of the account.
	var records []DomainRecord
	seen := map[string]bool{}
	for _, c := range certs {
		detail, err := tfacm.WaitValidationRecords(ctx, o.c.ACM(c.Region), c.ARN, o.remaining(ctx))
		if err != nil {
			return o.certificateError(c, nil, err)
		}
		for _, opt := range detail.DomainValidationOptions {
			rr := opt.ResourceRecord
			r := DomainRecord{ZoneID: o.zoneID(), Name: tfroute53.NormalizeName(aws.ToString(rr.Name)), Type: string(rr.Type),
				Values: []string{aws.ToString(rr.Value)}, TTL: validationTTL, Validates: strings.ToLower(strings.TrimPrefix(aws.ToString(opt.DomainName), "*."))}
			if !seen[r.key()] {
				seen[r.key()] = true
				records = append(records, r)
			}
		}
	}
	var changes []string
	for _, r := range records {
		id, err := o.ensureRecord(ctx, r)
		if err != nil {
			return err
		}
		if id != "" {
			changes = append(changes, id)
		}
	}
	if err := o.waitInsync(ctx, changes, "validation records"); err != nil {
		return err
	}
	for _, c := range certs {
		if err := o.waitIssued(ctx, c, records); err != nil {
			return err
		}
	}
	return nil
}

// ensureCertificate finds the certificate for w (recorded, or requested by
// an apply whose record was lost and found by its tags) or requests it, and
// records it at once.
func (o *op) ensureCertificate(ctx context.Context, w certWant) (DomainCertificate, error) {
	conn := o.c.ACM(w.region)
	if c := o.rec.get().activeCertificate(w); c.ARN != "" {
		detail, err := tfacm.FindCertificateByARN(ctx, conn, c.ARN)
		switch {
		case retry.NotFound(err):
			o.forgetCertificate(c.ARN)
		case err != nil:
			return c, err
		case detail.Status == acmtypes.CertificateStatusIssued || detail.Status == acmtypes.CertificateStatusPendingValidation:
			o.setCertificateStatus(c.ARN, string(detail.Status))
			return c, nil
		default:
			// Validation failed or the certificate expired: a new one
			// replaces it, and it goes once nothing uses it.
			info(ctx, "replacing certificate", map[string]any{"certificate_arn": c.ARN, "status": string(detail.Status)})
			o.rec.set(func(s *State) {
				for i := range s.DomainCertificates {
					if s.DomainCertificates[i].ARN == c.ARN {
						s.DomainCertificates[i].Retired, s.DomainCertificates[i].Status = true, string(detail.Status)
					}
				}
			})
		}
	}
	if c, err := o.findTaggedCertificate(ctx, w); err != nil || c.ARN != "" {
		return c, err
	}
	for attempt := 0; ; attempt++ {
		n := o.rec.get().DomainRequests
		info(ctx, "requesting certificate", map[string]any{"names": strings.Join(w.names, ","), "region": w.region})
		arn, err := tfacm.RequestCertificate(ctx, conn, w.names[0], w.names[1:], o.certificateToken(w, n), o.spec.tagsFor(w.comp))
		if err != nil {
			return DomainCertificate{}, err
		}
		c := DomainCertificate{ARN: arn, Region: w.region, Use: w.use, Names: slices.Clone(w.names), Status: tfacm.StatusPendingValidation}
		o.rec.set(func(s *State) {
			s.DomainRequests = n + 1
			s.DomainCertificates = append(s.DomainCertificates, c)
		})
		// A token used within the hour answers with its first
		// certificate, even one deleted since: ask again with the next.
		if _, err := tfacm.FindCertificateByARN(ctx, conn, arn); retry.NotFound(err) && attempt == 0 {
			o.forgetCertificate(arn)
			continue
		} else if err != nil {
			return c, err
		}
		return c, nil
	}
}

// findTaggedCertificate adopts a certificate for w that carries this
// deployment's tags but is not recorded (its apply was killed before it
// could save the record).
func (o *op) findTaggedCertificate(ctx context.Context, w certWant) (DomainCertificate, error) {
	conn := o.c.ACM(w.region)
	found, err := tfacm.FindCertificatesByDomain(ctx, conn, w.names[0], acmtypes.CertificateStatusPendingValidation, acmtypes.CertificateStatusIssued)
	if err != nil {
		return DomainCertificate{}, err
	}
	recorded := o.rec.get().DomainCertificates
	for _, f := range found {
		arn := aws.ToString(f.CertificateArn)
		names := append([]string{aws.ToString(f.DomainName)}, f.SubjectAlternativeNameSummaries...)
		if aws.ToString(f.DomainName) != w.names[0] || !sameNames(names, w.names) ||
			slices.ContainsFunc(recorded, func(c DomainCertificate) bool { return c.ARN == arn }) {
			continue
		}
		tags, err := tfacm.FindTagsByARN(ctx, conn, arn)
		if retry.NotFound(err) {
			continue
		} else if err != nil {
			return DomainCertificate{}, err
		}
		if tags[TagDeployment] != o.spec.Name || tags[TagComponent] != w.comp {
			continue
		}
		c := DomainCertificate{ARN: arn, Region: w.region, Use: w.use, Names: slices.Clone(w.names), Status: string(f.Status)}
		info(ctx, "found the certificate of an earlier apply", map[string]any{"certificate_arn": arn})
		o.rec.set(func(s *State) { s.DomainCertificates = append(s.DomainCertificates, c) })
		return c, nil
	}
	return DomainCertificate{}, nil
}

func sameNames(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	for i := range x {
		x[i] = strings.ToLower(x[i])
	}
	for i := range y {
		y[i] = strings.ToLower(y[i])
	}
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// certificateToken is the idempotency token of the n-th certificate
// request: the same for a retried or resumed request, another for the next.
func (o *op) certificateToken(w certWant, n int) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{o.spec.Name, o.spec.Region, o.rec.get().Nonce, w.use, w.region, strings.Join(w.names, ","), strconv.Itoa(n)}, "|")))
	return hex.EncodeToString(sum[:])[:32]
}

func (o *op) forgetCertificate(arn string) {
	o.rec.set(func(s *State) {
		s.DomainCertificates = slices.DeleteFunc(slices.Clone(s.DomainCertificates), func(c DomainCertificate) bool { return c.ARN == arn })
	})
}

func (o *op) setCertificateStatus(arn, status string) {
	o.rec.set(func(s *State) {
		for i := range s.DomainCertificates {
			if s.DomainCertificates[i].ARN == arn {
				s.DomainCertificates[i].Status = status
			}
		}
	})
}

// waitIssued waits until ACM issues a certificate, logging progress.
func (o *op) waitIssued(ctx context.Context, c DomainCertificate, records []DomainRecord) error {
	info(ctx, "waiting for certificate validation", map[string]any{"certificate_arn": c.ARN, "names": strings.Join(c.Names, ","), "estimated_minutes": int(typicalCertificate.Minutes())})
	detail, err := tfacm.WaitCertificateIssued(ctx, o.c.ACM(c.Region), c.ARN, o.remaining(ctx), func(status string, elapsed time.Duration) {
		info(ctx, "waiting for certificate validation", map[string]any{"certificate_arn": c.ARN, "status": status,
			"elapsed_s": int(elapsed.Seconds()), "estimated_percent": percent(elapsed, typicalCertificate)})
	})
	if detail != nil {
		o.setCertificateStatus(c.ARN, string(detail.Status))
	}
	if err != nil {
		return o.certificateError(c, records, err)
	}
	info(ctx, "certificate issued", map[string]any{"certificate_arn": c.ARN})
	return nil
}

// certificateError explains a certificate that did not validate: ACM checks
// the records through public DNS, so the zone must be the one the domain is
// delegated to.
func (o *op) certificateError(c DomainCertificate, records []DomainRecord, err error) error {
	if !retry.TimedOut(err) && !isUnexpectedState(err) && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var rr []string
	for _, r := range records {
		rr = append(rr, fmt.Sprintf("%s CNAME %s", r.Name, strings.Join(r.Values, " ")))
	}
	detail := fmt.Sprintf("ACM did not issue the certificate for %s (%s in %s): %v.", strings.Join(c.Names, ", "), c.ARN, c.Region, err)
	if len(rr) > 0 {
		detail += fmt.Sprintf(" Its validation records are in hosted zone %s: %s.", o.zoneID(), strings.Join(rr, "; "))
	}
	detail += " ACM validates through public DNS, so the registrar (or parent zone) of domain.name must delegate to this hosted zone's name servers; check them, then run apply again."
	return &FieldError{Path: pathDomainName, Summary: "Certificate not validated", Detail: detail}
}

func isUnexpectedState(err error) bool {
	_, ok := errs.As[*retry.UnexpectedStateError](err)
	return ok
}

func (o *op) zoneID() string { return tfroute53.CleanZoneID(o.spec.Domain.ZoneID) }

// ensureDomainRecords points the name (and in tier 3 the origin name) at
// the deployment and waits until Route 53 serves the records.
func (o *op) ensureDomainRecords(ctx context.Context) error {
	var changes []string
	for _, want := range domainRecordWants(o.spec, o.rec.get()) {
		id, err := o.ensureRecord(ctx, want)
		if err != nil {
			return err
		}
		if id != "" {
			changes = append(changes, id)
		}
	}
	return o.waitInsync(ctx, changes, "records")
}

// pruneDomain deletes the records and certificates of the domain that the
// spec no longer needs (a lower tier, another name or zone, no domain),
// once what used them is gone.
func (o *op) pruneDomain(ctx context.Context) error {
	st := o.rec.get()
	if len(st.DomainRecords) == 0 && len(st.DomainCertificates) == 0 {
		return nil
	}
	if err := o.pruneDomainRecords(ctx, domainRecordKeys(o.spec)); err != nil {
		return err
	}
	return o.pruneDomainCertificates(ctx, o.spec.domainCertificates())
}

// refreshDomain forgets certificates deleted outside Terraform and records
// deleted or repointed outside it (they are no longer the deployment's), and
// reads the certificates' status.
func (o *op) refreshDomain(ctx context.Context) error {
	st := o.rec.get()
	for _, c := range st.DomainCertificates {
		detail, err := tfacm.FindCertificateByARN(ctx, o.c.ACM(c.Region), c.ARN)
		switch {
		case gone(err):
			o.forgetCertificate(c.ARN)
		case err != nil:
			return err
		default:
			o.setCertificateStatus(c.ARN, string(detail.Status))
		}
	}
	for _, r := range st.DomainRecords {
		cur, err := tfroute53.FindResourceRecordSet(ctx, o.c.Route53, r.ZoneID, r.Name, rrType(r.Type))
		switch {
		case gone(err):
			o.forgetRecord(r.key())
		case err != nil:
			return err
		case !sameTarget(cur, r):
			info(ctx, "record changed outside Terraform; it is no longer the deployment's", map[string]any{"record": r.id()})
			o.forgetRecord(r.key())
		}
	}
	return nil
}

// retagDomain moves the certificates' tags from old's to the spec's
// (records carry no tags).
func (o *op) retagDomain(ctx context.Context, old *Spec, st *State) error {
	for _, c := range st.DomainCertificates {
		comp := CompLBCertificate
		if c.Use == CertificateUseCloudFront {
			comp = CompCDNCertificate
		}
		if err := tfacm.UpdateTags(ctx, o.c.ACM(c.Region), c.ARN, old.tagsFor(comp), o.spec.tagsFor(comp)); err != nil && !errs.IsA[*acmtypes.ResourceNotFoundException](err) {
			return err
		}
	}
	return nil
}
