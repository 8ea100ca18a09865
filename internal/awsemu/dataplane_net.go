package awsemu

// The emulated network: name resolution, which sources may connect to which
// endpoint and port (security groups, internet gateway routes, listeners,
// whether NGINX is up), TLS between hops, and the hop log.

import (
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// vreq is one HTTP request as the emulated network carries it.
type vreq struct {
	method     string
	scheme     string // http | https
	host       string // the name or address connected to
	port       int
	path       string // escaped path
	rawQuery   string
	header     http.Header // without Host
	hostHeader string
	body       []byte
}

func (r *vreq) url() string {
	hp := r.host
	if !(r.scheme == "http" && r.port == 80) && !(r.scheme == "https" && r.port == 443) {
		hp += ":" + strconv.Itoa(r.port)
	}
	u := r.scheme + "://" + hp + r.path
	if r.rawQuery != "" {
		u += "?" + r.rawQuery
	}
	return u
}

// vresp is an HTTP response; latency is the virtual time it took.
type vresp struct {
	status  int
	header  http.Header
	body    []byte
	latency time.Duration
	notes   string // for the hop log
}

func (r *vresp) note(s string) { r.notes = s }

func textResponse(status int, contentType, body string) *vresp {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return &vresp{status: status, header: h, body: []byte(body)}
}

// netErr is a connection that could not be made.
type netErr struct {
	kind string // dns | refused | timeout | tls
	msg  string
}

func (n *netErr) Error() string { return n.kind + ": " + n.msg }

func (n *netErr) status() int {
	if n.kind == "timeout" {
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}

func (n *netErr) reason() string {
	switch n.kind {
	case "dns":
		return "DNS lookup failed"
	case "refused":
		return "Connection refused"
	case "timeout":
		return "Connect timed out"
	}
	return "TLS handshake failed"
}

func errDNS(host string) *netErr {
	return &netErr{"dns", "lookup " + host + ": no such host"}
}

func errTimeout(format string, args ...any) *netErr {
	return &netErr{"timeout", fmt.Sprintf(format, args...)}
}

func errRefused(format string, args ...any) *netErr {
	return &netErr{"refused", fmt.Sprintf(format, args...)}
}

// proxyError is the proxy's answer to a client whose connection failed.
func proxyError(n *netErr) *vresp {
	r := textResponse(n.status(), "text/plain; charset=utf-8", "awsemu data plane: "+n.Error()+"\n")
	r.header.Set("X-Awsemu-Error", n.kind)
	return r
}

// source is where a connection comes from.
type source struct {
	ip     netip.Addr
	vpc    string      // "" on the internet
	groups []string    // security groups of the source's network interface
	ec2    *ec2Service // region of the source's network interface (egress rules)
	label  string
}

// endpoint is what a name or address leads to.
type endpoint struct {
	kind string // cloudfront | alb | instance
	name string // the name resolved
	id   string
	alb  albView
	inst instView
	// private: reached on an address inside its VPC (a load balancer
	// reaching its target); else on a public address.
	private bool
	ip      netip.Addr
}

func (ep *endpoint) kindOrEmpty() string {
	if ep == nil {
		return ""
	}
	return ep.kind
}

func (ep *endpoint) idOrEmpty() string {
	if ep == nil {
		return ""
	}
	return ep.id
}

// speaksTLS reports whether the server on port expects TLS.
func (ep *endpoint) speaksTLS(port int) bool {
	switch ep.kind {
	case "cloudfront":
		return port == 443
	case "alb":
		l := ep.alb.listenerOn(port)
		return l != nil && string(l.protocol) == "HTTPS"
	}
	return false
}

// --- name resolution ------------------------------------------------------------

// resolveHost is the emulated DNS. Lookup order:
//
//  1. Route 53: the account's hosted zones (alias records to CloudFront or a
//     load balancer, CNAME and A records), once their change is INSYNC.
//  2. External records declared with the knob dataplane.dns.<name>.
//  3. AWS-owned names: an IPv4 address, dXXXX.cloudfront.net,
//     <name>-<n>.<region>.elb.amazonaws.com, ec2-a-b-c-d.<...>.amazonaws.com.
//  4. Unless dataplane.external_dns is "none": a CloudFront alias, or a name
//     an HTTPS listener's certificate covers, as if its DNS were configured
//     outside the account.
func (dp *dataPlane) resolveHost(host string, now time.Time) (*endpoint, *netErr) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for hops := 0; hops < 8; hops++ {
		target, ok := dp.route53Lookup(host, now)
		if !ok {
			target, ok = dp.e.knobs["dataplane.dns."+host]
		}
		if !ok || target == "" || strings.EqualFold(target, host) {
			break
		}
		host = strings.ToLower(strings.TrimSuffix(target, "."))
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if v, ok := dp.instanceByPublicIP(ip.String(), now); ok {
			return &endpoint{kind: "instance", name: host, id: v.inst.id, inst: v, ip: ip}, nil
		}
		// An address no one holds: packets go nowhere.
		return &endpoint{kind: "", name: host, ip: ip}, nil
	}
	if strings.HasSuffix(host, ".cloudfront.net") {
		for _, d := range dp.cfDistributions(now) {
			if d.domain == host && d.deployed {
				return &endpoint{kind: "cloudfront", name: host, id: d.id}, nil
			}
		}
		// A distribution whose first rollout has not finished has no DNS yet.
		return nil, errDNS(host)
	}
	if strings.HasSuffix(host, ".elb.amazonaws.com") {
		if a, ok := dp.albByDNSName(host); ok && a.state(now) == "active" {
			return &endpoint{kind: "alb", name: host, id: a.lb.name, alb: a}, nil
		}
		// Provisioning or failed load balancers have no addresses yet.
		return nil, errDNS(host)
	}
	if strings.HasPrefix(host, "ec2-") && strings.HasSuffix(host, ".amazonaws.com") {
		if v, ok := dp.instanceByPublicDNS(host, now); ok {
			ip, _ := netip.ParseAddr(v.inst.publicIPAt(now))
			return &endpoint{kind: "instance", name: host, id: v.inst.id, inst: v, ip: ip}, nil
		}
		return nil, errDNS(host)
	}
	if dp.e.Knob("dataplane.external_dns", "assume") != "none" {
		for _, d := range dp.cfDistributions(now) {
			if d.deployed && cfHasAlias(d.config, host) {
				return &endpoint{kind: "cloudfront", name: host, id: d.id}, nil
			}
		}
		if albs := dp.albsWithCertificateFor(host, now); len(albs) == 1 {
			return &endpoint{kind: "alb", name: host, id: albs[0].lb.name, alb: albs[0]}, nil
		}
	}
	return nil, errDNS(host)
}

// route53Lookup resolves a name through the account's Route 53 records: an
// alias target (CloudFront or a load balancer name), a CNAME target, or the
// first address of an A record. Only records whose change is INSYNC answer.
func (dp *dataPlane) route53Lookup(host string, now time.Time) (string, bool) {
	for _, a := range dp.e.resolveRoute53Locked(host, now) {
		switch {
		case a.Alias != nil && (a.Type == "A" || a.Type == "AAAA"):
			return a.Alias.DNSName, true
		case (a.Type == "CNAME" || a.Type == "A") && len(a.Values) > 0:
			return a.Values[0], true
		}
	}
	return "", false
}

// --- connections ----------------------------------------------------------------

// dial decides whether a TCP connection from src to ep:port is accepted
// (nil), refused, or dropped (timeout).
func (dp *dataPlane) dial(src source, ep *endpoint, port int, now time.Time) *netErr {
	switch ep.kind {
	case "":
		return errTimeout("connect to %s:%d: no host answers on this address", ep.name, port)
	case "cloudfront":
		if src.vpc != "" {
			// Not modelled: CloudFront from inside a VPC goes out through
			// the VPC's internet route like any client.
			return errTimeout("connect to %s:%d: no route to the internet from %s", ep.name, port, src.label)
		}
		if port != 80 && port != 443 {
			return errTimeout("connect to %s:%d: CloudFront listens on ports 80 and 443 only", ep.name, port)
		}
		return nil
	case "alb":
		return dp.dialALB(src, ep, port, now)
	case "instance":
		return dp.dialInstance(src, ep, port, now)
	}
	return errTimeout("connect to %s:%d: unknown endpoint", ep.name, port)
}

func (dp *dataPlane) dialALB(src source, ep *endpoint, port int, now time.Time) *netErr {
	a := ep.alb
	ec2 := a.ec2()
	if ec2 == nil || a.elb.lbs[a.lb.arn] != a.lb || a.state(now) != "active" {
		return errTimeout("connect to %s:%d: the load balancer has no active nodes", ep.name, port)
	}
	internal := string(a.lb.scheme) == "internal"
	if src.vpc != a.lb.vpc {
		if internal {
			return errTimeout("connect to %s:%d: an internal load balancer's addresses are private to %s", ep.name, port, a.lb.vpc)
		}
		for _, sn := range a.lb.subnets {
			if !subnetRoutesToInternet(ec2, sn.ID, src.ip) {
				return errTimeout("connect to %s:%d: subnet %s of the load balancer has no route to an internet gateway", ep.name, port, sn.ID)
			}
		}
	}
	if !sgAdmits(ec2, a.lb.sgs, false, src.ip, src.groups, port) {
		return errTimeout("connect to %s:%d from %s: dropped by the load balancer's security groups %s (no inbound rule for tcp/%d admits this source)",
			ep.name, port, src.ip, strings.Join(a.lb.sgs, ","), port)
	}
	if a.listenerOn(port) == nil {
		return errRefused("connect to %s:%d: the load balancer has no listener on port %d", ep.name, port, port)
	}
	return nil
}

func (dp *dataPlane) dialInstance(src source, ep *endpoint, port int, now time.Time) *netErr {
	v := ep.inst
	info := v.info(now)
	if info.State != "running" {
		return errTimeout("connect to %s:%d: instance %s is %s", ep.name, port, v.inst.id, info.State)
	}
	if ep.private {
		if src.vpc != info.VPCID {
			return errTimeout("connect to %s:%d: private address of %s is not reachable from outside %s", ep.name, port, v.inst.id, info.VPCID)
		}
	} else {
		if info.PublicIP == "" || info.PublicIP != ep.ip.String() {
			return errTimeout("connect to %s:%d: the address is no longer mapped to %s", ep.name, port, v.inst.id)
		}
		if !subnetRoutesToInternet(v.ec2, info.SubnetID, src.ip) {
			return errTimeout("connect to %s:%d: subnet %s of %s has no route to an internet gateway", ep.name, port, info.SubnetID, v.inst.id)
		}
	}
	if !sgAdmits(v.ec2, info.SecurityGroupIDs, false, src.ip, src.groups, port) {
		return errTimeout("connect to %s:%d from %s: dropped by security groups %s of %s (no inbound rule for tcp/%d admits this source)",
			ep.name, port, src.ip, strings.Join(info.SecurityGroupIDs, ","), v.inst.id, port)
	}
	if port != 80 {
		return errRefused("connect to %s:%d: nothing listens on port %d of %s (NGINX listens on 80)", ep.name, port, port, v.inst.id)
	}
	if info.Boot != BootComplete {
		return errRefused("connect to %s:%d: NGINX on %s is not up (boot %s)", ep.name, port, v.inst.id, info.Boot)
	}
	return nil
}

// tlsNames returns the names of the certificate ep presents on port for
// the server name sni, or the handshake failure.
func (dp *dataPlane) tlsNames(ep *endpoint, port int, sni string, now time.Time) ([]string, *netErr) {
	if !ep.speaksTLS(port) {
		return nil, &netErr{"tls", fmt.Sprintf("%s:%d does not speak TLS (first record does not look like a TLS handshake)", ep.name, port)}
	}
	switch ep.kind {
	case "cloudfront":
		sni = strings.ToLower(sni)
		for _, d := range dp.cfDistributions(now) {
			if !d.deployed {
				continue
			}
			if d.domain == sni {
				return []string{"*.cloudfront.net"}, nil
			}
			if cfHasAlias(d.config, sni) {
				if len(d.certNames) == 0 {
					return nil, &netErr{"tls", "no certificate of " + d.id + " is available for " + sni}
				}
				return d.certNames, nil
			}
		}
		if strings.HasSuffix(sni, ".cloudfront.net") {
			return []string{"*.cloudfront.net"}, nil
		}
		return nil, &netErr{"tls", "CloudFront has no certificate for server name " + sni + " (handshake failure)"}
	case "alb":
		l := ep.alb.listenerOn(port)
		names := ep.alb.listenerCertNames(dp, l)
		if len(names) == 0 {
			return nil, &netErr{"tls", "the listener's certificate " + l.certARN + " is not available"}
		}
		return names, nil
	}
	return nil, &netErr{"tls", "no TLS on " + ep.name}
}

// --- flows and hops --------------------------------------------------------------

// flow is one client request on its way through the emulated network.
type flow struct {
	dp    *dataPlane
	now   time.Time
	rec   *DataPlaneRequest
	depth int
}

func (fl *flow) dial(src source, ep *endpoint, port int) *netErr {
	return fl.dp.dial(src, ep, port, fl.now)
}

// call sends r from src: resolve r.host, connect, check the server's
// certificate with verify (nil when the real client did the handshake),
// and exchange the request. It records the hop.
func (fl *flow) call(from string, src source, r *vreq, verify func(names []string) bool) (*vresp, *netErr) {
	ep, nerr := fl.dp.resolveHost(r.host, fl.now)
	return fl.callEndpoint(from, src, ep, nerr, r, verify)
}

func (fl *flow) callEndpoint(from string, src source, ep *endpoint, nerr *netErr, r *vreq, verify func(names []string) bool) (*vresp, *netErr) {
	i := len(fl.rec.Hops)
	fl.rec.Hops = append(fl.rec.Hops, Hop{From: from, To: ep.kindOrEmpty(), Host: r.host, ID: ep.idOrEmpty(), Source: src.ip.String(), Method: r.method, URL: r.url()})
	fail := func(n *netErr) (*vresp, *netErr) {
		fl.rec.Hops[i].Error = n.Error()
		return nil, n
	}
	if nerr != nil {
		return fail(nerr)
	}
	if fl.depth >= 10 {
		return fail(&netErr{"refused", "too many hops: the request went round " + strconv.Itoa(fl.depth) + " times"})
	}
	if n := fl.dial(src, ep, r.port); n != nil {
		return fail(n)
	}
	if r.scheme == "https" && verify != nil {
		names, n := fl.dp.tlsNames(ep, r.port, r.host, fl.now)
		if n != nil {
			return fail(n)
		}
		if !verify(names) {
			return fail(&netErr{"tls", fmt.Sprintf("certificate for %s is not valid for %s (names %s)", ep.name, r.host, strings.Join(names, ", "))})
		}
	}
	fl.depth++
	var resp *vresp
	switch ep.kind {
	case "cloudfront":
		resp = fl.cloudfront(src, ep, r)
	case "alb":
		resp = fl.alb(src, ep, r)
	case "instance":
		resp = fl.instance(src, ep, r)
	}
	fl.depth--
	fl.rec.Hops[i].Status = resp.status
	fl.rec.Hops[i].Note = resp.notes
	return resp, nil
}

// sortedHeaderKeys lists header names in a stable order.
func sortedHeaderKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
