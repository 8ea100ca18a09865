package awsemu

import (
	"strings"
	"time"
)

// Name resolution over the emulated public hosted zones, for the data plane
// (which serves a custom domain the way DNS would route it) and for ACM
// (which validates a certificate once its CNAME resolves).

// Route53Answer is one record set a DNS query for a name finds.
type Route53Answer struct {
	ZoneID string   // hosted zone that answered (Z...)
	Name   string   // record name as Route 53 lists it (a wildcard reads \052.example.com.)
	Type   string   // A, AAAA, CNAME, TXT, MX, NS, SOA or CAA
	TTL    int64    // 0 for alias records
	Values []string // the record's values; empty for alias records
	Alias  *Route53Alias
}

// Route53Alias is the target of an alias record.
type Route53Alias struct {
	HostedZoneID string // Z2FDTNDATAQYW2 for CloudFront, the ELB zone of a region, or the record's own zone
	DNSName      string // lowercase, with a trailing dot (a load balancer may carry a dualstack. prefix)
	// Kind is "cloudfront", "elb" or "record" (another record of the same
	// zone, to resolve again with ResolveRoute53).
	Kind                 string
	EvaluateTargetHealth bool
}

// ResolveRoute53 answers a DNS query for name (any case, trailing dot
// optional) from the emulated public hosted zones: the record sets at the
// name, or at the wildcard that covers it, in the most specific zone
// containing the name (the oldest zone when several have the same name,
// standing in for the one the registrar delegates to). A record is visible
// only once the change that wrote it is INSYNC, as it would be on Route 53's
// name servers. A CNAME is returned as is; the caller follows it. The result
// is nil when no zone or record answers. It takes the emulator lock: do not
// call it from a handler.
func (e *Emulator) ResolveRoute53(name string) []Route53Answer {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.tickLocked(now)
	return e.resolveRoute53Locked(name, now)
}

// resolveRoute53Locked is ResolveRoute53 with the lock held (the data plane).
func (e *Emulator) resolveRoute53Locked(name string, now time.Time) []Route53Answer {
	r53, ok := e.existingPeer("route53", "").(*route53Service)
	if !ok {
		return nil
	}
	z, recs := r53.resolve(name, now)
	var out []Route53Answer
	for _, r := range recs {
		a := Route53Answer{ZoneID: z.id, Name: r53Present(r.name), Type: r.typ, Values: append([]string(nil), r.values...)}
		if r.ttl != nil {
			a.TTL = *r.ttl
		}
		if r.alias != nil {
			a.Alias = &Route53Alias{HostedZoneID: r.alias.zoneID, DNSName: r.alias.dnsName, EvaluateTargetHealth: r.alias.evaluate, Kind: "record"}
			switch {
			case r.alias.zoneID == CloudFrontHostedZoneID:
				a.Alias.Kind = "cloudfront"
			case !strings.EqualFold(r.alias.zoneID, z.id):
				a.Alias.Kind = "elb"
			}
		}
		out = append(out, a)
	}
	return out
}

// existingPeer returns a service instance only if it was already created.
// The lock must be held.
func (e *Emulator) existingPeer(name, region string) any {
	return e.instances[name+"/"+region]
}

// resolve finds the zone for name and the visible record sets that answer
// it. The lock must be held.
func (s *route53Service) resolve(raw string, now time.Time) (*r53Zone, []*r53Record) {
	name, problem := r53ParseName(raw)
	if problem != "" {
		return nil, nil
	}
	var zone *r53Zone
	for _, id := range s.order {
		z := s.zones[id]
		if z.inZone(name) && (zone == nil || len(z.name) > len(zone.name)) {
			zone = z
		}
	}
	if zone == nil {
		return nil, nil
	}
	visible := func(n string) []*r53Record {
		var out []*r53Record
		for k, r := range zone.records {
			if k.name == n && !r.visibleAt.IsZero() && !now.Before(r.visibleAt) {
				out = append(out, r)
			}
		}
		sortRecords(out)
		return out
	}
	if recs := visible(name); len(recs) > 0 {
		return zone, recs
	}
	// A wildcard answers for names that do not exist, from the closest
	// enclosing name down (RFC 4592): *.b.example.com for a.b.example.com,
	// unless b.example.com itself exists.
	for n := name; n != zone.name; {
		parent := n[strings.IndexByte(n, '.')+1:]
		if recs := visible("*." + parent); len(recs) > 0 {
			return zone, recs
		}
		if len(visible(parent)) > 0 {
			break
		}
		n = parent
	}
	return zone, nil
}

// visibleCNAME reports whether name resolves to a CNAME whose value is
// target (case and trailing dot ignored), and since when. The lock must be
// held.
func (s *route53Service) visibleCNAME(name, target string, now time.Time) (time.Time, bool) {
	norm := func(v string) string { return strings.TrimSuffix(strings.ToLower(v), ".") }
	_, recs := s.resolve(name, now)
	for _, r := range recs {
		if r.typ == "CNAME" && len(r.values) == 1 && norm(r.values[0]) == norm(target) {
			return r.visibleAt, true
		}
	}
	return time.Time{}, false
}

// --- alias targets in other services -----------------------------------------

// cfAliasTarget is what Route 53 needs to know about a distribution.
type cfAliasTarget struct {
	aliases []string
}

// covers reports whether a record name is one of the distribution's
// alternate domain names (a wildcard alternate name covers one label).
func (d cfAliasTarget) covers(recordName string) bool {
	name := strings.TrimSuffix(recordName, ".")
	for _, a := range d.aliases {
		a = strings.ToLower(a)
		if a == name {
			return true
		}
		if rest, ok := strings.CutPrefix(a, "*."); ok {
			if i := strings.IndexByte(name, '.'); i > 0 && name[i+1:] == rest && !strings.HasPrefix(name, "*.") {
				return true
			}
		}
	}
	return false
}

// cloudFrontDistributionByDomain finds a live distribution by its
// cloudfront.net domain name. The lock must be held.
func cloudFrontDistributionByDomain(e *Emulator, dnsName string) (cfAliasTarget, bool) {
	cf, ok := e.existingPeer("cloudfront", "").(*cloudfrontService)
	if !ok {
		return cfAliasTarget{}, false
	}
	want := strings.TrimSuffix(strings.ToLower(dnsName), ".")
	for _, d := range cf.dists {
		if d.deleted || !strings.EqualFold(d.domain, want) {
			continue
		}
		var out cfAliasTarget
		if d.config != nil && d.config.Aliases != nil {
			out.aliases = append(out.aliases, d.config.Aliases.Items...)
		}
		return out, true
	}
	return cfAliasTarget{}, false
}

// elbRegionOfZone maps a load balancer hosted zone id (as ELBv2 reports it in
// CanonicalHostedZoneId) to its region.
func elbRegionOfZone(zoneID string) (string, bool) {
	for region, id := range elbCanonicalHostedZones {
		if strings.EqualFold(id, zoneID) {
			return region, true
		}
	}
	return "", false
}

// loadBalancerByDNSName finds a load balancer of a region by its DNS name,
// with or without the dualstack. prefix. The lock must be held.
func loadBalancerByDNSName(e *Emulator, region, dnsName string) (string, bool) {
	elb, ok := e.existingPeer("elbv2", region).(*elbv2Service)
	if !ok {
		return "", false
	}
	want := strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(dnsName), "."), "dualstack.")
	for arn, lb := range elb.lbs {
		if strings.EqualFold(lb.dns, want) {
			return arn, true
		}
	}
	return "", false
}
