package deployment

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// The reachability check: after a create, or an update that changes what
// serves the public URL, the provider asks the public URL for its health
// path, as a user's browser would, and wants a 200 (following redirects,
// through CloudFront in tier 3). In tier 3 with origin protection it also
// asks the load balancer directly, without CloudFront's secret header, and
// wants it refused. An apply whose AWS objects all exist but that serves
// nothing (a redirect loop, a security group that drops CloudFront, a
// disabled distribution) fails here instead of succeeding.
//
// The requests use net/http with the standard proxy variables (HTTP_PROXY,
// HTTPS_PROXY, NO_PROXY) and the system's CA certificates, which Go reads
// from SSL_CERT_FILE / SSL_CERT_DIR when set. Runners without internet
// egress turn the check off with verify_reachability = false.

const (
	stepReachability = "reachability"
	// probeWindow bounds how long the public URL may take to answer: DNS
	// for a new name, and edges still picking up a rollout.
	probeWindow = 5 * time.Minute
	// probeRequestTimeout bounds one request (connect, TLS, answer).
	probeRequestTimeout = 30 * time.Second
	// maxProbeRedirects is how many redirects a request may follow.
	maxProbeRedirects = 10
	probeUserAgent    = "terraform-provider-geusemaker reachability check"
)

// verifiesReachability says whether the apply ends with the check: it was
// asked for, and the apply waits until the stack serves (without
// wait_for_ready or wait_for_deployment nothing is expected to answer yet).
func (s *Spec) verifiesReachability() bool {
	return s.VerifyReachability && s.WaitForReady && (!s.HasCDN() || s.CDN.WaitForDeployment)
}

// probeClient is the HTTP client of the check: the caller's (tests), or
// one with Go's defaults (proxy from the environment, system roots).
func (c *Clients) probeClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	return &http.Client{Transport: t}
}

// ProbeResult is what one request (with its redirects) found.
type ProbeResult struct {
	// URLs are the URLs requested, the first and each redirect target.
	URLs []string
	// Status is the final answer's status (0 when no answer came).
	Status int
	// Kind classifies a failure: "" (an answer), "dns", "refused",
	// "timeout", "tls", "proxy", "network", "redirect-loop",
	// "too-many-redirects".
	Kind   string
	Detail string
	// Header and Body (its start) of the final answer.
	Header http.Header
	Body   string
}

// Summary is one line: "GET URL -> 200", or with the failure.
func (r ProbeResult) Summary() string {
	s := "GET " + r.URLs[0]
	if len(r.URLs) > 1 {
		s += " (redirected: " + strings.Join(r.URLs[1:], " → ") + ")"
	}
	if r.Kind != "" {
		return s + " -> " + r.Kind + ": " + r.Detail
	}
	return fmt.Sprintf("%s -> %d", s, r.Status)
}

// connected says the request reached a server that answered.
func (r ProbeResult) connected() bool { return r.Kind == "" }

// Probe requests rawURL with GET and follows redirects itself, stopping at
// the first URL seen twice (a loop) or after maxProbeRedirects.
func Probe(ctx context.Context, client *http.Client, rawURL string, header http.Header) ProbeResult {
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if c.Timeout == 0 {
		c.Timeout = probeRequestTimeout
	}
	res := ProbeResult{URLs: []string{rawURL}}
	seen := map[string]bool{}
	current := rawURL
	for {
		u, err := url.Parse(current)
		if err != nil {
			res.Kind, res.Detail = "network", err.Error()
			return res
		}
		seen[normalURL(u)] = true
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, current, nil)
		if err != nil {
			res.Kind, res.Detail = "network", err.Error()
			return res
		}
		for k, v := range header {
			req.Header[k] = v
		}
		req.Header.Set("User-Agent", probeUserAgent)
		resp, err := c.Do(req)
		if err != nil {
			res.Kind, res.Detail = classifyProbeError(err)
			return res
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		resp.Body.Close()
		res.Status, res.Header, res.Body = resp.StatusCode, resp.Header, string(body)
		if kind := resp.Header.Get("X-Awsemu-Error"); kind != "" && (resp.StatusCode == 502 || resp.StatusCode == 504) {
			// The proxy could not connect (the AWS emulator's data plane
			// marks it; a real proxy answers 502/504 as well).
			res.Kind, res.Detail = kind, strings.TrimSpace(string(body))
			return res
		}
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			return res
		}
		next, err := u.Parse(loc)
		if err != nil {
			res.Kind, res.Detail = "network", fmt.Sprintf("redirect to an invalid Location %q: %v", loc, err)
			return res
		}
		res.URLs = append(res.URLs, next.String())
		if seen[normalURL(next)] {
			res.Kind, res.Detail = "redirect-loop", fmt.Sprintf("%d redirects to %s, which was already requested", resp.StatusCode, next)
			return res
		}
		if len(res.URLs) > maxProbeRedirects {
			res.Kind, res.Detail = "too-many-redirects", fmt.Sprintf("more than %d redirects", maxProbeRedirects)
			return res
		}
		current = next.String()
	}
}

// normalURL identifies a URL for loop detection: scheme and host in lower
// case, the scheme's default port dropped.
func normalURL(u *url.URL) string {
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return scheme + "://" + host + p + "?" + u.RawQuery
}

// classifyProbeError names why a request got no answer. Through a proxy,
// Go reports a refused CONNECT with the proxy's reason phrase, which the
// AWS emulator's data plane and most proxies word as below.
func classifyProbeError(err error) (kind, detail string) {
	detail = err.Error()
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	var netErr net.Error
	lower := strings.ToLower(detail)
	switch {
	case strings.Contains(lower, "proxyconnect"):
		// The proxy itself could not be reached.
		return "proxy", detail
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &recordErr), errors.As(err, &certErr),
		strings.Contains(lower, "tls:"), strings.Contains(lower, "x509:"):
		return "tls", detail
	case errors.As(err, &dnsErr), strings.Contains(lower, "dns lookup failed"), strings.Contains(lower, "no such host"):
		return "dns", detail
	case errors.Is(err, syscall.ECONNREFUSED), strings.Contains(lower, "connection refused"):
		return "refused", detail
	case errors.As(err, &netErr) && netErr.Timeout(), errors.Is(err, context.DeadlineExceeded), strings.Contains(lower, "timed out"), strings.Contains(lower, "timeout"):
		return "timeout", detail
	case strings.Contains(lower, "bad gateway"), strings.Contains(lower, "gateway timeout"), strings.Contains(lower, "forbidden"):
		return "proxy", detail
	}
	return "network", detail
}

// verifyReachability is the check's step.
func (o *op) verifyReachability(ctx context.Context) error {
	st := o.rec.get()
	base := PublicURL(o.spec, st)
	if base == "" {
		return nil
	}
	client := o.c.probeClient()
	target := base + o.spec.LoadBalancer.HealthCheckPath
	window := min(probeWindow, o.remaining(ctx))
	start := time.Now()
	var last ProbeResult
	_, err := retry.Until(ctx, window, retry.Backoff{Min: 2 * time.Second, Max: 15 * time.Second}, func(ctx context.Context) (struct{}, error) {
		last = Probe(ctx, client, target, nil)
		info(ctx, "reachability check", map[string]any{"request": last.Summary()})
		if last.connected() && last.Status == http.StatusOK {
			return struct{}{}, nil
		}
		return struct{}{}, errProbe
	}, func(error) bool { return last.Kind != "redirect-loop" && last.Kind != "too-many-redirects" })
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return ctx.Err()
		}
		return o.unreachable(last, time.Since(start))
	}
	info(ctx, "public URL answers", map[string]any{"request": last.Summary(), "wait_s": round1(time.Since(start).Seconds())})
	if !o.spec.HasCDN() || !o.spec.CDN.RestrictOrigin {
		return nil
	}
	origin := o.origin(st)
	scheme := "http"
	if origin.CustomOriginConfig.OriginProtocolPolicy == cftypes.OriginProtocolPolicyHttpsOnly {
		scheme = "https"
	}
	direct := Probe(ctx, client, scheme+"://"+*origin.DomainName+o.spec.LoadBalancer.HealthCheckPath, nil)
	info(ctx, "direct request to the load balancer", map[string]any{"request": direct.Summary()})
	if direct.connected() && direct.Status >= 200 && direct.Status < 300 {
		return &Error{Step: stepReachability, Message: fmt.Sprintf("origin protection is not in effect: %s, without CloudFront's %s header", direct.Summary(), OriginVerifyHeader),
			Hint: "The load balancer must answer 403 (its listener's default) or refuse the connection (its security group admits only CloudFront) to requests that do not come through CloudFront. " +
				"Check the load balancer's listener rules and security group for changes made outside Terraform; the next apply restores them."}
	}
	return nil
}

var errProbe = errors.New("the public URL did not answer 200")

// unreachable turns the last probe into the step's error, with what to do.
func (o *op) unreachable(r ProbeResult, waited time.Duration) error {
	msg := "the public URL does not answer its health path with 200: " + r.Summary()
	if waited >= time.Second {
		msg += fmt.Sprintf(" (still, after %s of retries)", waited.Round(time.Second))
	}
	noEgress := "If this machine cannot reach the internet (no egress, a proxy that HTTP_PROXY/HTTPS_PROXY do not name, a CA bundle without the proxy's CA), " +
		"or is outside allowed_cidr_blocks, set verify_reachability = false: the AWS objects are in place, only the check failed."
	var hint string
	switch r.Kind {
	case "redirect-loop", "too-many-redirects":
		hint = "Requests are redirected in a circle, so no browser can open the stack."
		if o.spec.HasCDN() && o.spec.LoadBalancer.HTTPS() && o.spec.LoadBalancer.DomainName == "" {
			hint = "In tier 3 with load_balancer.certificate_arn but no load_balancer.domain_name, CloudFront reaches the load balancer over HTTP at its AWS name, " +
				"and the load balancer's HTTP listener redirects every request to HTTPS at the viewer's host, which is CloudFront again. " +
				"Set load_balancer.domain_name to a name the certificate covers and that resolves to the load balancer (CloudFront then connects over HTTPS), " +
				"or remove load_balancer.certificate_arn (CloudFront already serves HTTPS to viewers)."
		}
	case "dns":
		hint = "The name does not resolve from this machine. A new CloudFront or load balancer name can take a few minutes to resolve everywhere; a custom domain needs its DNS record. " + noEgress
	case "proxy":
		hint = "The proxy that HTTP_PROXY/HTTPS_PROXY name did not accept or forward the request. " + noEgress
	case "refused", "timeout", "network":
		hint = "Nothing accepted the connection. Check allowed_cidr_blocks and the security groups. " + noEgress
	case "tls":
		hint = "The TLS handshake failed: the certificate must cover the URL's host name (for tier 2 over HTTPS, set load_balancer.domain_name to a name the certificate covers). " + noEgress
	default:
		hint = fmt.Sprintf("The stack answered %d instead of 200. ", r.Status)
		switch {
		case r.Header.Get("Server") == "CloudFront" && r.Status == http.StatusForbidden:
			// CloudFront's own answer (an origin's error passes through
			// with the origin's Server header).
			hint += "CloudFront refuses the request: the distribution is disabled or a web ACL blocks it. "
		case r.Status == http.StatusBadGateway || r.Status == http.StatusGatewayTimeout || r.Status == http.StatusServiceUnavailable:
			hint += "A load balancer or CloudFront could not get an answer from behind it: check the target's health, the security groups and the instance's boot log. "
		case r.Status == http.StatusForbidden && o.spec.HasCDN():
			hint += "With origin protection, the load balancer answers 403 to requests without CloudFront's secret header: the distribution's origin header and the listener rule must agree (the next apply restores both). "
		}
		hint += "Check load_balancer.health_check_path."
	}
	return &Error{Step: stepReachability, Message: msg, Hint: hint}
}
