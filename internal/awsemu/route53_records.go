package awsemu

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// Record sets of the emulated hosted zones and ChangeResourceRecordSets'
// validation.

type r53Key struct{ name, typ string }

type r53Record struct {
	name, typ string // name: decoded, lowercase, trailing dot
	ttl       *int64
	values    []string  // as the caller sent them
	alias     *r53Alias // alias records have no TTL nor values
	visibleAt time.Time // when the change that wrote it is INSYNC; zero: never
}

type r53Alias struct {
	zoneID, dnsName string // dnsName: lowercase with trailing dot
	evaluate        bool
}

// r53Types are the record types emulated.
var r53Types = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "TXT": true, "MX": true, "NS": true, "SOA": true, "CAA": true}

// --- names --------------------------------------------------------------------

// r53ParseName turns a name as a caller writes it into the form Route 53
// stores: \ddd escapes decoded, letters lowercased, a trailing dot. It
// returns a problem (Route 53's FATAL-problem wording) when the name is not
// a valid DNS name.
func r53ParseName(s string) (string, string) {
	if s == "" {
		return "", "DomainLabelEmpty (Domain label is empty)"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '\\' && i+1 < len(s) {
			if i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
				v, _ := strconv.ParseUint(s[i+1:i+4], 8, 8)
				ch = byte(v)
				i += 3
			} else {
				i++
				ch = s[i]
			}
		} else if ch <= ' ' || ch > '~' {
			return "", "InvalidCharacter (Value contains a character that must be escaped)"
		}
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		b.WriteByte(ch)
	}
	name := b.String()
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	if name == "." {
		return name, ""
	}
	if len(name) > 255 {
		return "", "DomainNameTooLong (Domain name is too long)"
	}
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if l == "" {
			return "", "DomainLabelEmpty (Domain label is empty)"
		}
		if len(l) > 63 {
			return "", "DomainLabelTooLong (Domain label is too long)"
		}
	}
	return name, ""
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// r53Present writes a stored name the way Route 53 returns it: characters
// other than a-z, 0-9, hyphen, underscore and the dots between labels as
// \ddd octal escapes (a wildcard label reads \052).
func r53Present(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.' {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "\\%03o", ch)
	}
	return b.String()
}

// r53CompareNames orders names the way Route 53 lists them: by their labels
// read from the right (com, example, www).
func r53CompareNames(a, b string) int {
	la := strings.Split(strings.TrimSuffix(a, "."), ".")
	lb := strings.Split(strings.TrimSuffix(b, "."), ".")
	for i := 1; i <= len(la) && i <= len(lb); i++ {
		if c := strings.Compare(la[len(la)-i], lb[len(lb)-i]); c != 0 {
			return c
		}
	}
	return len(la) - len(lb)
}

// inZone reports whether name is the zone's apex or below it.
func (z *r53Zone) inZone(name string) bool {
	return name == z.name || strings.HasSuffix(name, "."+z.name)
}

func (z *r53Zone) sortedRecords() []*r53Record {
	out := make([]*r53Record, 0, len(z.records))
	for _, r := range z.records {
		out = append(out, r)
	}
	sortRecords(out)
	return out
}

func sortRecords(rs []*r53Record) {
	sort.Slice(rs, func(i, j int) bool {
		if c := r53CompareNames(rs[i].name, rs[j].name); c != 0 {
			return c < 0
		}
		return rs[i].typ < rs[j].typ
	})
}

func (r *r53Record) view() r53types.ResourceRecordSet {
	out := r53types.ResourceRecordSet{Name: aws.String(r53Present(r.name)), Type: r53types.RRType(r.typ)}
	if r.alias != nil {
		out.AliasTarget = &r53types.AliasTarget{HostedZoneId: aws.String(r.alias.zoneID), DNSName: aws.String(r.alias.dnsName), EvaluateTargetHealth: r.alias.evaluate}
		return out
	}
	out.TTL = aws.Int64(*r.ttl)
	for _, v := range r.values {
		out.ResourceRecords = append(out.ResourceRecords, r53types.ResourceRecord{Value: aws.String(v)})
	}
	return out
}

// --- value syntax -------------------------------------------------------------

func r53BadValue(problem, value string) string {
	return fmt.Sprintf("Invalid Resource Record: 'FATAL problem: %s encountered with '%s''", problem, value)
}

// r53CheckValue checks one value of a record of type typ and returns a
// problem, or "".
func r53CheckValue(typ, v string) string {
	switch typ {
	case "A":
		if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
			return r53BadValue("ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address)", v)
		}
	case "AAAA":
		if a, err := netip.ParseAddr(v); err != nil || !a.Is6() || a.Zone() != "" {
			return r53BadValue("AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address)", v)
		}
	case "CNAME", "NS":
		if _, problem := r53ParseName(v); problem != "" {
			return r53BadValue(problem, v)
		}
	case "TXT":
		if problem := r53CheckCharacterStrings(v); problem != "" {
			return r53BadValue(problem, v)
		}
	case "MX":
		f := strings.Fields(v)
		if len(f) != 2 || !r53Uint(f[0], 65535) {
			return r53BadValue("MXRRDATAIllegalFormat (Value must be a priority (0-65535) and a domain name)", v)
		}
		if _, problem := r53ParseName(f[1]); problem != "" {
			return r53BadValue(problem, v)
		}
	case "CAA":
		f := strings.SplitN(v, " ", 3)
		if len(f) != 3 || !r53Uint(f[0], 255) || f[1] == "" || r53CheckCharacterStrings(f[2]) != "" {
			return r53BadValue("CAARRDATAIllegalFormat (Value must be a flag (0-255), a tag and a quoted value)", v)
		}
	case "SOA":
		f := strings.Fields(v)
		ok := len(f) == 7
		for i := 2; ok && i < 7; i++ {
			ok = r53Uint(f[i], 4294967295)
		}
		if !ok {
			return r53BadValue("SOARRDATAIllegalFormat (Value must be a name server, an email name and five numbers)", v)
		}
	}
	return ""
}

func r53Uint(s string, max uint64) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n <= max
}

// r53CheckCharacterStrings checks TXT data: one or more quoted strings
// separated by spaces, each at most 255 characters.
func r53CheckCharacterStrings(v string) string {
	if v == "" {
		return "InvalidCharacterString (Value should be enclosed in quotation marks)"
	}
	i := 0
	for i < len(v) {
		if v[i] == ' ' {
			i++
			continue
		}
		if v[i] != '"' {
			return "InvalidCharacterString (Value should be enclosed in quotation marks)"
		}
		i++
		n := 0
		closed := false
		for i < len(v) {
			switch v[i] {
			case '\\':
				i += 2
				n++
				continue
			case '"':
				closed = true
			}
			if closed {
				i++
				break
			}
			i++
			n++
		}
		if !closed {
			return "InvalidCharacterString (Value should be enclosed in quotation marks)"
		}
		if n > 255 {
			return "CharacterStringTooLong (Value is too long)"
		}
	}
	return ""
}

// --- ChangeResourceRecordSets -------------------------------------------------

func r53Label(name, typ string) string {
	return fmt.Sprintf("[name='%s', type='%s']", r53Present(name), typ)
}

// r53Unsupported names a routing feature of a record set that the emulator
// does not reproduce.
func r53Unsupported(rrs *r53types.ResourceRecordSet) string {
	switch {
	case rrs.SetIdentifier != nil:
		return "SetIdentifier"
	case rrs.Weight != nil:
		return "Weight"
	case rrs.Region != "":
		return "Region"
	case rrs.Failover != "":
		return "Failover"
	case rrs.GeoLocation != nil:
		return "GeoLocation"
	case rrs.MultiValueAnswer != nil:
		return "MultiValueAnswer"
	case rrs.HealthCheckId != nil:
		return "HealthCheckId"
	case rrs.TrafficPolicyInstanceId != nil:
		return "TrafficPolicyInstanceId"
	case rrs.CidrRoutingConfig != nil:
		return "CidrRoutingConfig"
	case rrs.GeoProximityLocation != nil:
		return "GeoProximityLocation"
	}
	return ""
}

func (s *route53Service) ChangeResourceRecordSets(c *Call, in *route53.ChangeResourceRecordSetsInput) (*route53.ChangeResourceRecordSetsOutput, error) {
	z, apiErr := s.zone(aws.ToString(in.HostedZoneId))
	if apiErr != nil {
		return nil, apiErr
	}
	if in.ChangeBatch == nil || len(in.ChangeBatch.Changes) == 0 {
		return nil, r53InvalidInput("1 validation error detected: Value null at 'changeBatch.changes' failed to satisfy constraint: Member must not be null")
	}
	changes := in.ChangeBatch.Changes
	values := 0
	for _, ch := range changes {
		if ch.ResourceRecordSet != nil {
			values += len(ch.ResourceRecordSet.ResourceRecords)
		}
	}
	if len(changes) > 1000 || values > 1000 {
		return nil, Errorf("InvalidChangeBatch", "Number of records limit of 1000 exceeded.")
	}

	// Structural problems fail the request at once (InvalidInput); record
	// problems are collected over the whole batch (InvalidChangeBatch).
	type parsed struct {
		action r53types.ChangeAction
		rec    *r53Record
	}
	var batch []parsed
	seq := map[r53Key][]r53types.ChangeAction{}
	var problems []string
	for _, ch := range changes {
		rrs := ch.ResourceRecordSet
		switch ch.Action {
		case r53types.ChangeActionCreate, r53types.ChangeActionDelete, r53types.ChangeActionUpsert:
		default:
			return nil, r53InvalidInput("1 validation error detected: Value '%s' at 'changeBatch.changes.member.action' failed to satisfy constraint: Member must satisfy enum value set: [DELETE, UPSERT, CREATE]", ch.Action)
		}
		if rrs == nil {
			return nil, r53InvalidInput("1 validation error detected: Value null at 'changeBatch.changes.member.resourceRecordSet' failed to satisfy constraint: Member must not be null")
		}
		typ := string(rrs.Type)
		rawName := aws.ToString(rrs.Name)
		where := fmt.Sprintf("Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=null]", ch.Action, rawName, typ)
		if f := r53Unsupported(rrs); f != "" {
			return nil, r53InvalidInput("Invalid request: %s is not emulated (only simple routing is) in %s", f, where)
		}
		if !r53Types[typ] {
			return nil, r53InvalidInput("Invalid request: record type %s is not emulated (A, AAAA, CNAME, TXT, MX, NS, SOA and CAA are) in %s", typ, where)
		}
		hasAlias, hasTTL, hasValues := rrs.AliasTarget != nil, rrs.TTL != nil, len(rrs.ResourceRecords) > 0
		switch {
		case hasAlias && (hasTTL || hasValues):
			return nil, r53InvalidInput("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in %s", where)
		case !hasAlias && !(hasTTL && hasValues):
			return nil, r53InvalidInput("Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in %s", where)
		}
		name, problem := r53ParseName(rawName)
		if problem != "" {
			problems = append(problems, fmt.Sprintf("FATAL problem: %s encountered with '%s'", problem, rawName))
			continue
		}
		if !z.inZone(name) {
			problems = append(problems, fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", r53Present(name), r53Present(z.name)))
			continue
		}
		rec := &r53Record{name: name, typ: typ}
		if hasAlias {
			at := rrs.AliasTarget
			dns := strings.ToLower(aws.ToString(at.DNSName))
			if !strings.HasSuffix(dns, ".") {
				dns += "."
			}
			rec.alias = &r53Alias{zoneID: aws.ToString(at.HostedZoneId), dnsName: dns, evaluate: at.EvaluateTargetHealth}
		} else {
			if t := *rrs.TTL; t < 0 || t > 2147483647 {
				return nil, r53InvalidInput("1 validation error detected: Value '%d' at 'changeBatch.changes.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value between 0 and 2147483647", t)
			}
			rec.ttl = aws.Int64(*rrs.TTL)
			for _, rr := range rrs.ResourceRecords {
				rec.values = append(rec.values, aws.ToString(rr.Value))
			}
		}
		key := r53Key{name, typ}
		seq[key] = append(seq[key], ch.Action)
		batch = append(batch, parsed{ch.Action, rec})
	}
	// A batch may change a record set once, or delete and then create it.
	for key, acts := range seq {
		if len(acts) == 1 || (len(acts) == 2 && acts[0] == r53types.ChangeActionDelete && acts[1] == r53types.ChangeActionCreate) {
			continue
		}
		problems = append(problems, fmt.Sprintf("The request contains an invalid set of changes for a resource record set '%s %s'", key.typ, r53Present(key.name)))
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, r53ChangeBatchError(problems)
	}

	// Apply the changes one after the other to a copy of the zone; the zone
	// changes only if every change succeeds.
	work := make(map[r53Key]*r53Record, len(z.records))
	for k, v := range z.records {
		work[k] = v
	}
	written := map[r53Key]bool{}
	for _, p := range batch {
		key := r53Key{p.rec.name, p.rec.typ}
		cur := work[key]
		switch p.action {
		case r53types.ChangeActionDelete:
			switch {
			case cur == nil:
				problems = append(problems, "Tried to delete resource record set "+r53Label(p.rec.name, p.rec.typ)+" but it was not found")
			case !cur.sameAs(p.rec):
				problems = append(problems, "Tried to delete resource record set "+r53Label(p.rec.name, p.rec.typ)+" but the values provided do not match the current values")
			case key == r53Key{z.name, "SOA"}:
				problems = append(problems, "A HostedZone must contain exactly one SOA record.")
			case key == r53Key{z.name, "NS"}:
				problems = append(problems, "A HostedZone must contain at least one NS record for the zone itself.")
			default:
				delete(work, key)
				delete(written, key)
			}
			continue
		case r53types.ChangeActionCreate:
			if cur != nil {
				problems = append(problems, "Tried to create resource record set "+r53Label(p.rec.name, p.rec.typ)+" but it already exists")
				continue
			}
		}
		if msgs := s.checkRecord(c, z, work, p.rec); len(msgs) > 0 {
			problems = append(problems, msgs...)
			continue
		}
		work[key] = p.rec
		written[key] = true
	}
	if len(problems) > 0 {
		return nil, r53ChangeBatchError(problems)
	}
	if max := c.Emu.Quota(r53QuotaRecords); float64(len(work)) > max && len(work) > len(z.records) {
		return nil, Errorf("InvalidChangeBatch", "[The change would exceed the limit of %d resource record sets for hosted zone %s]", int(max), z.id)
	}
	ch := s.newChange(c, aws.ToString(in.ChangeBatch.Comment))
	for key := range written {
		work[key].visibleAt = ch.insync
	}
	z.records = work
	return &route53.ChangeResourceRecordSetsOutput{ChangeInfo: ch.info(c.Now())}, nil
}

// sameAs reports whether a DELETE names this record set exactly: the same
// TTL and values (in any order), or the same alias target.
func (r *r53Record) sameAs(o *r53Record) bool {
	if (r.alias == nil) != (o.alias == nil) {
		return false
	}
	if r.alias != nil {
		return strings.EqualFold(r.alias.zoneID, o.alias.zoneID) && r.alias.dnsName == o.alias.dnsName && r.alias.evaluate == o.alias.evaluate
	}
	if *r.ttl != *o.ttl || len(r.values) != len(o.values) {
		return false
	}
	a := append([]string(nil), r.values...)
	b := append([]string(nil), o.values...)
	sort.Strings(a)
	sort.Strings(b)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkRecord applies the rules a created or upserted record set must meet
// against the zone as the batch has left it so far.
func (s *route53Service) checkRecord(c *Call, z *r53Zone, work map[r53Key]*r53Record, r *r53Record) []string {
	var out []string
	apex := r.name == z.name
	switch {
	case r.typ == "SOA" && !apex:
		return []string{fmt.Sprintf("RRSet of type SOA with DNS name %s is not permitted: an SOA record exists only at the apex of zone %s", r53Present(r.name), r53Present(z.name))}
	case r.typ == "CNAME" && apex:
		return []string{fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", r53Present(r.name), r53Present(z.name))}
	case r.typ == "NS" && strings.HasPrefix(r.name, "*."):
		return []string{fmt.Sprintf("RRSet of type NS with DNS name %s is not permitted: a wildcard can't have NS records", r53Present(r.name))}
	}
	if r.typ == "CNAME" {
		for k := range work {
			if k.name == r.name && k.typ != "CNAME" {
				return []string{fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", r53Present(r.name), r53Present(z.name))}
			}
		}
	} else if work[r53Key{r.name, "CNAME"}] != nil {
		return []string{fmt.Sprintf("RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone %s", r.typ, r53Present(r.name), r53Present(z.name))}
	}
	if r.alias != nil {
		if msg := s.checkAlias(c, z, work, r); msg != "" {
			out = append(out, msg)
		}
		return out
	}
	if r.typ == "CNAME" && len(r.values) > 1 {
		return []string{fmt.Sprintf("RRSet of type CNAME with DNS name %s has more than one resource record: a CNAME has exactly one value", r53Present(r.name))}
	}
	if r.typ == "SOA" && len(r.values) > 1 {
		return []string{"A HostedZone must contain exactly one SOA record."}
	}
	seen := map[string]bool{}
	for _, v := range r.values {
		if p := r53CheckValue(r.typ, v); p != "" {
			out = append(out, p)
			continue
		}
		if seen[v] {
			out = append(out, fmt.Sprintf("Duplicate Resource Record: '%s'", v))
		}
		seen[v] = true
	}
	return out
}

// checkAlias checks an alias target the way Route 53 does: the target must
// exist in the zone it names (a CloudFront distribution, a load balancer, or
// a record of this zone).
func (s *route53Service) checkAlias(c *Call, z *r53Zone, work map[r53Key]*r53Record, r *r53Record) string {
	a := r.alias
	notInZone := fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", a.dnsName, r.typ, a.zoneID)
	notFound := fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but that target was not found", a.dnsName, r.typ, a.zoneID)
	switch {
	case strings.EqualFold(a.zoneID, z.id):
		target, problem := r53ParseName(a.dnsName)
		if problem != "" || !z.inZone(target) {
			return notInZone
		}
		if target == r.name || work[r53Key{target, r.typ}] == nil {
			return notFound
		}
		return ""
	case a.zoneID == CloudFrontHostedZoneID:
		if r.typ != "A" && r.typ != "AAAA" {
			return notInZone
		}
		if a.evaluate {
			return fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but EvaluateTargetHealth can't be true for a CloudFront distribution", a.dnsName, r.typ, a.zoneID)
		}
		d, ok := cloudFrontDistributionByDomain(c.Emu, a.dnsName)
		if !ok {
			return notInZone
		}
		if !d.covers(r.name) {
			return fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the distribution does not include %s as an alternate domain name", a.dnsName, r.typ, a.zoneID, strings.TrimSuffix(r53Present(r.name), "."))
		}
		return ""
	}
	if region, ok := elbRegionOfZone(a.zoneID); ok {
		if r.typ != "A" && r.typ != "AAAA" {
			return notInZone
		}
		if _, found := loadBalancerByDNSName(c.Emu, region, a.dnsName); !found {
			return notInZone
		}
		return ""
	}
	return notInZone
}

func (s *route53Service) ListResourceRecordSets(c *Call, in *route53.ListResourceRecordSetsInput) (*route53.ListResourceRecordSetsOutput, error) {
	z, apiErr := s.zone(aws.ToString(in.HostedZoneId))
	if apiErr != nil {
		return nil, apiErr
	}
	max, apiErr := r53MaxItems(in.MaxItems, 300, 300)
	if apiErr != nil {
		return nil, apiErr
	}
	if in.StartRecordIdentifier != nil {
		return nil, r53InvalidInput("Invalid request: StartRecordIdentifier is not emulated (only simple routing is).")
	}
	if in.StartRecordType != "" && in.StartRecordName == nil {
		return nil, r53InvalidInput("The input is not valid: a StartRecordType requires a StartRecordName.")
	}
	var startName string
	if in.StartRecordName != nil {
		n, problem := r53ParseName(aws.ToString(in.StartRecordName))
		if problem != "" {
			return nil, r53InvalidInput("Invalid StartRecordName %s: %s", aws.ToString(in.StartRecordName), problem)
		}
		startName = n
	}
	if in.StartRecordType != "" && !r53Types[string(in.StartRecordType)] {
		return nil, r53InvalidInput("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SOA, A, TXT, NS, CNAME, MX, NAPTR, PTR, SRV, SPF, AAAA, CAA, DS, TLSA, SSHFP, SVCB, HTTPS]", in.StartRecordType)
	}
	out := &route53.ListResourceRecordSetsOutput{ResourceRecordSets: []r53types.ResourceRecordSet{}, MaxItems: aws.Int32(int32(max))}
	for _, r := range z.sortedRecords() {
		if startName != "" {
			cmp := r53CompareNames(r.name, startName)
			if cmp < 0 || (cmp == 0 && in.StartRecordType != "" && r.typ < string(in.StartRecordType)) {
				continue
			}
		}
		if len(out.ResourceRecordSets) == max {
			out.IsTruncated = true
			out.NextRecordName = aws.String(r53Present(r.name))
			out.NextRecordType = r53types.RRType(r.typ)
			break
		}
		out.ResourceRecordSets = append(out.ResourceRecordSets, r.view())
	}
	return out, nil
}
