package deployment

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfacm "github.com/geusemaker/terraform-provider-geusemaker/internal/service/acm"
	tfroute53 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/route53"
)

// The domain's Route 53 records: writing them without touching the user's,
// and deleting them only while they still point at the deployment.

func rrType(t string) r53types.RRType { return r53types.RRType(t) }

// rrs is the record set as Route 53 takes it.
func (r DomainRecord) rrs() *r53types.ResourceRecordSet {
	out := &r53types.ResourceRecordSet{Name: aws.String(r.Name), Type: rrType(r.Type)}
	if r.AliasDNSName != "" {
		out.AliasTarget = &r53types.AliasTarget{HostedZoneId: aws.String(r.AliasZoneID), DNSName: aws.String(r.AliasDNSName), EvaluateTargetHealth: false}
		return out
	}
	out.TTL = aws.Int64(r.TTL)
	for _, v := range r.Values {
		out.ResourceRecords = append(out.ResourceRecords, r53types.ResourceRecord{Value: aws.String(v)})
	}
	return out
}

func normValue(v string) string { return strings.TrimSuffix(strings.ToLower(v), ".") }

// sameTarget reports whether a live record set points where r does: the
// same alias target, or the same values (TTL aside).
func sameTarget(cur *r53types.ResourceRecordSet, r DomainRecord) bool {
	if at := cur.AliasTarget; at != nil {
		return r.AliasDNSName != "" && strings.EqualFold(tfroute53.CleanZoneID(aws.ToString(at.HostedZoneId)), r.AliasZoneID) &&
			normValue(aws.ToString(at.DNSName)) == normValue(r.AliasDNSName)
	}
	if r.AliasDNSName != "" || len(cur.ResourceRecords) != len(r.Values) {
		return false
	}
	var have, want []string
	for _, rr := range cur.ResourceRecords {
		have = append(have, normValue(aws.ToString(rr.Value)))
	}
	for _, v := range r.Values {
		want = append(want, normValue(v))
	}
	slices.Sort(have)
	slices.Sort(want)
	return slices.Equal(have, want)
}

// identical reports whether two recorded record sets are the same.
func (r DomainRecord) identical(o DomainRecord) bool {
	return r.key() == o.key() && sameTarget(o.rrs(), r) && (r.AliasDNSName != "" || r.TTL == o.TTL)
}

func describeRecordSet(cur *r53types.ResourceRecordSet) string {
	if at := cur.AliasTarget; at != nil {
		return "alias to " + normValue(aws.ToString(at.DNSName))
	}
	var vals []string
	for _, rr := range cur.ResourceRecords {
		vals = append(vals, aws.ToString(rr.Value))
	}
	return strings.Join(vals, " ")
}

func (o *op) recordOwned(r DomainRecord) {
	o.rec.set(func(s *State) {
		s.DomainRecords = slices.DeleteFunc(slices.Clone(s.DomainRecords), func(x DomainRecord) bool { return x.key() == r.key() })
		r.Values = slices.Clone(r.Values)
		s.DomainRecords = append(s.DomainRecords, r)
	})
}

func (o *op) forgetRecord(key string) {
	o.rec.set(func(s *State) {
		s.DomainRecords = slices.DeleteFunc(slices.Clone(s.DomainRecords), func(x DomainRecord) bool { return x.key() == key })
	})
}

// ensureRecord makes a record set what want says and returns the id of the
// change it submitted ("" when there was nothing to change). A record set
// the deployment did not write is never overwritten: an alias or address
// that already points here is adopted, a validation record with the right
// value is used as it is, anything else is an error on domain.name.
func (o *op) ensureRecord(ctx context.Context, want DomainRecord) (string, error) {
	conn := o.c.Route53
	cur, err := tfroute53.FindResourceRecordSet(ctx, conn, want.ZoneID, want.Name, rrType(want.Type))
	if err != nil && !retry.NotFound(err) {
		return "", o.zoneError(err)
	}
	owned, _ := o.rec.get().ownedRecord(want.key())
	isOwned := owned.Name != ""
	action := r53types.ChangeActionUpsert
	switch {
	case cur == nil:
		if want.Type != "CNAME" {
			// A CNAME at the name (the user's) excludes every other type.
			cname, err := tfroute53.FindResourceRecordSet(ctx, conn, want.ZoneID, want.Name, r53types.RRTypeCname)
			if err != nil && !retry.NotFound(err) {
				return "", o.zoneError(err)
			}
			if cname != nil {
				return "", recordConflict(cname, want)
			}
		}
		action = r53types.ChangeActionCreate
	case sameTarget(cur, want) && (want.AliasDNSName != "" || aws.ToInt64(cur.TTL) == want.TTL):
		if !isOwned && want.Validates == "" {
			// Written by an earlier apply whose record was lost: it points
			// here, so it is the deployment's.
			o.recordOwned(want)
		}
		return "", nil
	case isOwned:
	case want.Validates == "" && sameTarget(cur, want):
	case want.Validates != "" && sameTarget(cur, want):
		// The user's own validation record (an earlier certificate of the
		// account for the name): it serves, and stays theirs.
		return "", nil
	default:
		return "", recordConflict(cur, want)
	}
	info(ctx, "writing DNS record", map[string]any{"record": want.Name, "type": want.Type, "action": string(action), "zone": want.ZoneID})
	id, err := tfroute53.ChangeRecords(ctx, conn, want.ZoneID, "geusemaker:"+o.spec.Name, r53types.Change{Action: action, ResourceRecordSet: want.rrs()})
	if action == r53types.ChangeActionCreate && errs.IsCodeWithMessage(err, "InvalidChangeBatch", "but it already exists") {
		// The record set was absent a moment ago: most likely the answer
		// to this CREATE was lost and the SDK's retry met the record set
		// it had made.
		id, err = o.createdAlready(ctx, want)
	}
	if err != nil {
		return "", o.zoneError(err)
	}
	o.recordOwned(want)
	return id, nil
}

// createdAlready settles a CREATE that Route 53 refused because the record
// set exists although it did not just before: it is the deployment's own
// if it is exactly the record set asked for, anything else is someone
// else's and a conflict. The identical UPSERT returns a change to wait on
// (the lost answer took the first change's id with it); it changes nothing.
func (o *op) createdAlready(ctx context.Context, want DomainRecord) (string, error) {
	cur, err := tfroute53.FindResourceRecordSet(ctx, o.c.Route53, want.ZoneID, want.Name, rrType(want.Type))
	if err != nil {
		return "", err
	}
	if !sameTarget(cur, want) || (want.AliasDNSName == "" && aws.ToInt64(cur.TTL) != want.TTL) {
		return "", recordConflict(cur, want)
	}
	info(ctx, "DNS record already written (the answer to its creation was lost)", map[string]any{"record": want.Name, "type": want.Type, "zone": want.ZoneID})
	return tfroute53.ChangeRecords(ctx, o.c.Route53, want.ZoneID, "geusemaker:"+o.spec.Name, r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: want.rrs()})
}

// recordConflict is a record set that blocks one the deployment needs.
func recordConflict(cur *r53types.ResourceRecordSet, want DomainRecord) error {
	what := "the name"
	if want.Validates != "" {
		what = "the certificate validation of " + want.Validates
	}
	return &FieldError{Path: pathDomainName, Summary: "DNS record exists",
		Detail: fmt.Sprintf("Hosted zone %s already has the record %s %s (%s), which this deployment did not create and never overwrites; it needs that name for %s (%s). Delete the record, or choose another domain.name.",
			want.ZoneID, tfroute53.NormalizeName(aws.ToString(cur.Name)), cur.Type, describeRecordSet(cur), what, want.Type)}
}

// zoneError ties Route 53 refusals to the attribute that causes them.
func (o *op) zoneError(err error) error {
	zone := o.zoneID()
	switch {
	case errs.IsCode(err, "AccessDenied", "AccessDeniedException"):
		return &FieldError{Path: pathDomainZone, Summary: "Hosted zone not writable",
			Detail: fmt.Sprintf("The credentials Terraform runs with may not change hosted zone %s (domain.route53_zone_id): %s. Grant route53:ChangeResourceRecordSets on arn:aws:route53:::hostedzone/%s (with route53:ListResourceRecordSets and route53:GetChange), or use a zone they may change.", zone, errs.Message(err), zone)}
	case errs.IsCode(err, "NoSuchHostedZone"):
		return &FieldError{Path: pathDomainZone, Summary: "Hosted zone not found", Detail: fmt.Sprintf("Route 53 hosted zone %s (domain.route53_zone_id) does not exist (deleted outside Terraform?): %s.", zone, errs.Message(err))}
	case errs.IsCode(err, "InvalidChangeBatch", "InvalidInput"):
		return &FieldError{Path: pathDomainName, Summary: "DNS record refused", Detail: fmt.Sprintf("Route 53 refused a record in hosted zone %s: %s.", zone, errs.Message(err))}
	}
	return err
}

// waitInsync waits until Route 53 serves the changes, logging progress.
func (o *op) waitInsync(ctx context.Context, ids []string, what string) error {
	for _, id := range ids {
		err := tfroute53.WaitChangeInsync(ctx, o.c.Route53, id, o.remaining(ctx), func(status string, elapsed time.Duration) {
			info(ctx, "waiting for Route 53 to serve the "+what, map[string]any{"change_id": id, "status": status, "elapsed_s": int(elapsed.Seconds()), "estimated_percent": percent(elapsed, typicalDNSChange)})
		})
		if err != nil {
			return o.zoneError(err)
		}
	}
	if len(ids) > 0 {
		info(ctx, "Route 53 serves the "+what, map[string]any{"changes": len(ids)})
	}
	return nil
}

// pointsHere reports whether a record set points at one of the deployment's
// endpoints as the record knows them.
func pointsHere(cur *r53types.ResourceRecordSet, st *State) bool {
	if at := cur.AliasTarget; at != nil {
		dns := normValue(aws.ToString(at.DNSName))
		return (st.ALBDNSName != "" && strings.TrimPrefix(dns, "dualstack.") == normValue(st.ALBDNSName)) ||
			(st.DistributionDomain != "" && dns == normValue(st.DistributionDomain))
	}
	return st.PublicIP != "" && len(cur.ResourceRecords) == 1 && aws.ToString(cur.ResourceRecords[0].Value) == st.PublicIP
}

// deleteOwnedRecord deletes a record set the deployment wrote, exactly as it
// is now, if it still points where the deployment pointed it; a record
// repointed since is the user's and stays.
func (o *op) deleteOwnedRecord(ctx context.Context, r DomainRecord, st *State) error {
	cur, err := tfroute53.FindResourceRecordSet(ctx, o.c.Route53, r.ZoneID, r.Name, rrType(r.Type))
	if retry.NotFound(err) {
		o.forgetRecord(r.key())
		return nil
	}
	if err != nil {
		return o.zoneError(err)
	}
	if !sameTarget(cur, r) && (r.Validates != "" || !pointsHere(cur, st)) {
		info(ctx, "leaving a record changed outside Terraform", map[string]any{"record": r.id(), "now": describeRecordSet(cur)})
		o.forgetRecord(r.key())
		return nil
	}
	info(ctx, "deleting DNS record", map[string]any{"record": r.Name, "type": r.Type, "zone": r.ZoneID})
	if _, err := tfroute53.DeleteRecord(ctx, o.c.Route53, r.ZoneID, cur); err != nil {
		return o.zoneError(err)
	}
	o.forgetRecord(r.key())
	return nil
}

// pruneDomainRecords deletes the address records and aliases the deployment
// wrote whose key is not in keep (nil: all of them).
func (o *op) pruneDomainRecords(ctx context.Context, keep map[string]bool) error {
	st := o.rec.get()
	for _, r := range st.DomainRecords {
		if r.Validates != "" || keep[r.key()] {
			continue
		}
		if err := o.deleteOwnedRecord(ctx, r, st); err != nil {
			return err
		}
	}
	return nil
}

// pruneDomainCertificates deletes the certificates the deployment requested
// that keep does not list (nil: all of them), waiting while the load
// balancer or CloudFront releases them, then the validation records that no
// live certificate of the account needs any more.
func (o *op) pruneDomainCertificates(ctx context.Context, keep []certWant) error {
	for _, c := range o.rec.get().DomainCertificates {
		if slices.ContainsFunc(keep, func(w certWant) bool { return c.is(w) }) {
			continue
		}
		if c.Use == CertificateUseCloudFront && o.spec.CDN.RetainOnDelete && o.rec.get().DistributionID == "" {
			// The distribution was retained (disabled), and keeps using it.
			o.retain(fmt.Sprintf("acm certificate %s (used by the retained CloudFront distribution)", c.ARN))
			o.forgetCertificate(c.ARN)
			continue
		}
		info(ctx, "deleting certificate", map[string]any{"certificate_arn": c.ARN, "region": c.Region})
		if err := tfacm.DeleteCertificate(ctx, o.c.ACM(c.Region), c.ARN, o.remaining(ctx)); err != nil {
			return err
		}
		o.forgetCertificate(c.ARN)
	}
	st := o.rec.get()
	var validation []DomainRecord
	for _, r := range st.DomainRecords {
		if r.Validates != "" {
			validation = append(validation, r)
		}
	}
	if len(validation) == 0 {
		return nil
	}
	inUse, err := o.namesInUse(ctx, st)
	if err != nil {
		return err
	}
	for _, r := range validation {
		if arn, ok := inUse[r.Validates]; ok {
			if !slices.ContainsFunc(st.DomainCertificates, func(c DomainCertificate) bool { return c.ARN == arn }) {
				// Another certificate needs it now: it stays, no longer the
				// deployment's to delete.
				o.retain(fmt.Sprintf("route53 record %s (the validation record of %s, still needed by certificate %s)", r.id(), r.Validates, arn))
				o.forgetRecord(r.key())
			}
			continue
		}
		if err := o.deleteOwnedRecord(ctx, r, st); err != nil {
			return err
		}
	}
	return nil
}

// namesInUse maps each name (a wildcard's base name) covered by a live
// certificate (pending validation or issued: ACM renews issued ones through
// the same record) to one such certificate: the deployment's own, and any
// in the deployment's region and us-east-1.
func (o *op) namesInUse(ctx context.Context, st *State) (map[string]string, error) {
	out := map[string]string{}
	add := func(arn string, names ...string) {
		for _, n := range names {
			n = strings.ToLower(strings.TrimPrefix(n, "*."))
			if _, ok := out[n]; !ok {
				out[n] = arn
			}
		}
	}
	for _, c := range st.DomainCertificates {
		add(c.ARN, c.Names...)
	}
	for _, region := range slices.Compact([]string{o.c.Region, CDNCertificateRegion}) {
		conn := o.c.ACM(region)
		all, err := tfacm.FindCertificatesByDomain(ctx, conn, "", acmtypes.CertificateStatusPendingValidation, acmtypes.CertificateStatusIssued)
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			arn := aws.ToString(c.CertificateArn)
			names := append([]string{aws.ToString(c.DomainName)}, c.SubjectAlternativeNameSummaries...)
			if aws.ToBool(c.HasAdditionalSubjectAlternativeNames) {
				detail, err := tfacm.FindCertificateByARN(ctx, conn, arn)
				if retry.NotFound(err) {
					continue
				} else if err != nil {
					return nil, err
				}
				names = append([]string{aws.ToString(detail.DomainName)}, detail.SubjectAlternativeNames...)
			}
			add(arn, names...)
		}
	}
	return out, nil
}

// CheckDomain verifies at plan time what can be known before the apply: the
// hosted zone exists (and the caller may read it), the name lies inside it,
// and no record set the deployment would write exists unless the deployment
// wrote it or it already points here (prior is the deployment's record, nil
// on create).
func CheckDomain(ctx context.Context, c *Clients, spec *Spec, prior *State) error {
	d := spec.Domain
	zoneID := tfroute53.CleanZoneID(d.ZoneID)
	zone, err := tfroute53.FindHostedZoneByID(ctx, c.Route53, zoneID)
	switch {
	case retry.NotFound(err):
		return &FieldError{Path: pathDomainZone, Summary: "Hosted zone not found", Detail: fmt.Sprintf("domain.route53_zone_id: Route 53 has no hosted zone %s in this account.", zoneID)}
	case errs.IsCode(err, "AccessDenied", "AccessDeniedException"):
		return &FieldError{Path: pathDomainZone, Summary: "Hosted zone not readable",
			Detail: fmt.Sprintf("The credentials Terraform runs with may not read hosted zone %s (domain.route53_zone_id): %s. Grant route53:GetHostedZone, route53:ListResourceRecordSets, route53:ChangeResourceRecordSets and route53:GetChange on it.", zoneID, errs.Message(err))}
	case err != nil:
		return err
	}
	zoneName := tfroute53.NormalizeName(aws.ToString(zone.HostedZone.Name))
	if zone.HostedZone.Config != nil && zone.HostedZone.Config.PrivateZone {
		return &FieldError{Path: pathDomainZone, Summary: "Private hosted zone",
			Detail: fmt.Sprintf("domain.route53_zone_id: hosted zone %s (%s) is private: ACM validates certificates and users resolve the name through public DNS. Use the public zone of %s.", zoneID, zoneName, zoneName)}
	}
	if !tfroute53.InZone(d.Name, zoneName) {
		return &FieldError{Path: pathDomainName, Summary: "Name outside the hosted zone",
			Detail: fmt.Sprintf("domain.name %s is not inside hosted zone %s (%s): choose a name that ends in %s, or the zone that holds %s.", d.Name, zoneID, zoneName, zoneName, d.Name)}
	}
	if prior == nil {
		prior = &State{}
	}
	for _, key := range slices.Sorted(maps.Keys(domainRecordKeys(spec))) {
		parts := strings.Split(key, "/")
		name, typ := parts[1], parts[2]
		for _, t := range []string{typ, "CNAME"} {
			cur, err := tfroute53.FindResourceRecordSet(ctx, c.Route53, zoneID, name, rrType(t))
			if retry.NotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if _, owned := prior.ownedRecord(DomainRecord{ZoneID: zoneID, Name: name, Type: t}.key()); owned || (t != "CNAME" && pointsHere(cur, prior)) {
				continue
			}
			return recordConflict(cur, DomainRecord{ZoneID: zoneID, Name: name, Type: typ})
		}
	}
	return nil
}

// discoverDomain finds the domain of a deployment from the instance's public
// URL, when a public hosted zone of the account points that name at the
// deployment, with the certificates the deployment requested for it (by
// their tags) and the records it wrote.
func (d *discovery) discoverDomain(ctx context.Context) error {
	if d.inst == nil {
		return nil
	}
	host, st, spec := domainOfURL(tagMap(d.inst.Tags)[TagPublicURL]), d.st, d.spec
	if host == "" {
		return nil
	}
	zoneID, err := d.findDomainZone(ctx, host)
	if err != nil || zoneID == "" {
		return err
	}
	spec.Domain = DomainSpec{Name: host, ZoneID: zoneID}
	spec.LoadBalancer.CertificateARN, spec.LoadBalancer.DomainName = "", ""
	spec.CDN.Aliases, spec.CDN.CertificateARN = nil, ""
	o := &op{c: d.c, spec: spec, rec: newRecorder(st)}
	for _, w := range spec.domainCertificates() {
		if _, err := o.findTaggedCertificate(ctx, w); err != nil {
			return err
		}
	}
	wants := domainRecordWants(spec, st)
	for _, c := range st.DomainCertificates {
		detail, err := tfacm.FindCertificateByARN(ctx, d.c.ACM(c.Region), c.ARN)
		if err != nil {
			return err
		}
		c.Status = string(detail.Status)
		o.setCertificateStatus(c.ARN, c.Status)
		for _, opt := range detail.DomainValidationOptions {
			if rr := opt.ResourceRecord; rr != nil {
				wants = append(wants, DomainRecord{ZoneID: zoneID, Name: tfroute53.NormalizeName(aws.ToString(rr.Name)), Type: string(rr.Type),
					Values: []string{aws.ToString(rr.Value)}, TTL: validationTTL, Validates: strings.ToLower(strings.TrimPrefix(aws.ToString(opt.DomainName), "*."))})
			}
		}
	}
	for _, w := range wants {
		if _, owned := st.ownedRecord(w.key()); owned {
			continue
		}
		cur, err := tfroute53.FindResourceRecordSet(ctx, d.c.Route53, zoneID, w.Name, rrType(w.Type))
		if retry.NotFound(err) {
			continue
		} else if err != nil {
			return err
		}
		if sameTarget(cur, w) {
			w.TTL = aws.ToInt64(cur.TTL)
			o.recordOwned(w)
		}
	}
	return nil
}

// domainOfURL is the host of a public URL when it is a custom name ("" for
// an AWS name, an address, or a URL that does not parse: the tag is only
// informative).
func domainOfURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || strings.HasSuffix(u.Host, ".amazonaws.com") || strings.HasSuffix(u.Host, ".cloudfront.net") || !domainPattern.MatchString(u.Host) {
		return ""
	}
	return u.Host
}

// findDomainZone finds the public hosted zone holding host (the most
// specific one) whose record for host points at the deployment.
func (d *discovery) findDomainZone(ctx context.Context, host string) (string, error) {
	labels := strings.Split(host, ".")
	for i := 0; i < len(labels)-1; i++ {
		zones, err := tfroute53.FindPublicHostedZonesByName(ctx, d.c.Route53, strings.Join(labels[i:], "."))
		if err != nil {
			return "", err
		}
		for _, z := range zones {
			id := tfroute53.CleanZoneID(aws.ToString(z.Id))
			cur, err := tfroute53.FindResourceRecordSet(ctx, d.c.Route53, id, host, r53types.RRTypeA)
			if retry.NotFound(err) {
				continue
			} else if err != nil {
				return "", err
			}
			if pointsHere(cur, d.st) {
				return id, nil
			}
		}
	}
	return "", nil
}
