package awsemu

// The data plane: the emulator is also an HTTP(S) forward proxy, on a
// listener of its own (Emulator.ProxyURL), that answers for the names AWS
// would serve for the emulated account: CloudFront distributions
// (dXXXX.cloudfront.net and their aliases), load balancer DNS names and
// instance public addresses, as the edge, the load balancer, the security
// groups and the instance's NGINX would.
//
// Clients set HTTP_PROXY / HTTPS_PROXY to ProxyURL. Plain HTTP arrives as
// absolute-form requests; HTTPS arrives through CONNECT and is terminated
// with a leaf certificate, issued by the emulator's CA (GET /_emu/ca.pem),
// that carries exactly the names of the AWS certificate the endpoint
// presents, so the client's own hostname verification decides as it would
// against AWS.
//
// Network failures are answered the way a forward proxy reports them,
// because that is all a proxy can do:
//
//	name that does not resolve   502, reason "DNS lookup failed", X-Awsemu-Error: dns
//	connection refused           502, reason "Connection refused", X-Awsemu-Error: refused
//	packets dropped              504, reason "Connect timed out", X-Awsemu-Error: timeout
//	                             (a security group, a missing internet route, an
//	                             internal load balancer, an address no one holds;
//	                             answered at once instead of after the client's
//	                             own connect timeout)
//
// For CONNECT the reason phrase carries the cause, which Go's transport
// turns into the error text ("proxyconnect ...: Connection refused").
//
// The client's source address is 198.51.100.10 unless chosen: per request
// with the header X-Awsemu-Source (also honoured on CONNECT), for every
// request of a client through the proxy URL's user name
// (http://203.0.113.7@127.0.0.1:PORT, sent as Proxy-Authorization), or for
// the whole emulator with the knob dataplane.client_ip.
//
// Every request is logged with the hops it took (GET /_emu/requests).
//
// Knobs:
//
//	dataplane.client_ip         default source address of clients (default 198.51.100.10)
//	dataplane.instance_latency  virtual time an instance's NGINX takes to answer (default 0);
//	                            compared with CloudFront's origin read timeout and the ALB idle timeout
//	dataplane.dns.<name>        an external DNS record: <name> resolves as the value (a host name or an IPv4 address)
//	dataplane.external_dns      "assume" (default): a CloudFront alias, or a name an HTTPS listener's certificate
//	                            covers, resolves to that distribution / load balancer as if its DNS were set up
//	                            outside the account; "none": only emulated names and declared records resolve

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SourceHeader selects the client's source address for one request (or,
// on CONNECT, for the requests of that tunnel). The proxy removes it.
const SourceHeader = "X-Awsemu-Source"

// DefaultClientIP is the source address of a client that chose none: an
// address of the internet (TEST-NET-2).
const DefaultClientIP = "198.51.100.10"

// maxRequestLog bounds the request log; older entries are dropped.
const maxRequestLog = 10000

// DataPlaneRequest is one client request and what happened to it.
type DataPlaneRequest struct {
	Seq    int       `json:"seq"`
	Time   time.Time `json:"time"` // virtual time
	Method string    `json:"method"`
	URL    string    `json:"url"`
	Source string    `json:"source"`
	// Status is what the client got: the final answer, or the proxy's
	// 502/504 for a network failure (then Error says which).
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"`
	Hops   []Hop  `json:"hops"`
}

// Hop is one connection of a request: the client to CloudFront, CloudFront
// to its origin, the load balancer to a target.
type Hop struct {
	From   string `json:"from"`         // client | cloudfront | alb
	To     string `json:"to"`           // cloudfront | alb | instance, or "" when the name did not resolve
	Host   string `json:"host"`         // the name or address connected to
	ID     string `json:"id,omitempty"` // distribution id, load balancer name, instance id
	Source string `json:"source"`       // source address of the connection
	Method string `json:"method"`
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"` // dns | refused | timeout | tls: detail
	Note   string `json:"note,omitempty"`
	Text   string `json:"text"` // one-line summary, as String
}

// String is "client→cloudfront d123.cloudfront.net 301" or, for a failed
// connection, "cloudfront→alb name ... timeout: ...".
func (h Hop) String() string {
	to := h.To
	if to == "" {
		to = "?"
	}
	s := h.From + "→" + to + " " + h.Host
	if h.ID != "" && h.ID != h.Host {
		s += " (" + h.ID + ")"
	}
	if h.Error != "" {
		s += " " + h.Error
	} else {
		s += " " + strconv.Itoa(h.Status)
	}
	if h.From != "client" {
		s += " from " + h.Source
	}
	if h.Note != "" {
		s += " [" + h.Note + "]"
	}
	return s
}

type dataPlane struct {
	e  *Emulator
	ca *emuCA

	srv      *http.Server
	listener net.Listener

	connMu sync.Mutex
	conns  map[net.Conn]bool // hijacked tunnels, closed with the emulator

	// guarded by e.mu
	log     []DataPlaneRequest
	seq     int
	cache   map[string]*cfCacheEntry
	rr      map[string]int // round-robin counters per target group
	cfIndex int            // rotates the CloudFront source addresses
}

func newDataPlane(e *Emulator) *dataPlane {
	ca := (*emuCA)(e.opts.CA)
	if ca == nil {
		var err error
		if ca, err = newEmuCA(e.opts.Seed); err != nil {
			panic("awsemu: creating the data plane CA: " + err.Error())
		}
	}
	dp := &dataPlane{e: e, ca: ca, conns: map[net.Conn]bool{}}
	dp.resetLocked()
	return dp
}

func (dp *dataPlane) resetLocked() {
	dp.log, dp.seq = nil, 0
	dp.cache = map[string]*cfCacheEntry{}
	dp.rr = map[string]int{}
	dp.cfIndex = 0
}

func (dp *dataPlane) start(addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	dp.listener = l
	dp.srv = &http.Server{Handler: dp, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = dp.srv.Serve(l) }()
	return nil
}

func (dp *dataPlane) close() {
	if dp.srv != nil {
		_ = dp.srv.Close()
	}
	dp.connMu.Lock()
	for c := range dp.conns {
		_ = c.Close()
	}
	dp.conns = map[net.Conn]bool{}
	dp.connMu.Unlock()
}

// ProxyURL is the data plane's forward proxy, for HTTP_PROXY and
// HTTPS_PROXY ("" before Start).
func (e *Emulator) ProxyURL() string {
	if e.dp == nil || e.dp.listener == nil {
		return ""
	}
	return "http://" + e.dp.listener.Addr().String()
}

// CAPEM is the PEM certificate of the CA that signs every certificate the
// data plane presents (also at GET /_emu/ca.pem).
func (e *Emulator) CAPEM() []byte { return append([]byte(nil), e.dp.ca.pem...) }

// ServesHost reports whether the data plane resolves host (a name or an
// IPv4 address, without port) to an endpoint of this emulator now: a
// deployed distribution or one of its aliases, an active load balancer, an
// instance's public address or name, or a Route 53 record leading to one.
// A router in front of several emulators picks the one to forward to.
func (e *Emulator) ServesHost(host string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.tickLocked(now)
	ep, nerr := e.dp.resolveHost(host, now)
	return nerr == nil && ep != nil && ep.kind != ""
}

// DataPlaneRequests returns the logged requests with a sequence number
// greater than since.
func (e *Emulator) DataPlaneRequests(since int) []DataPlaneRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []DataPlaneRequest{}
	for _, r := range e.dp.log {
		if r.Seq > since {
			r.Hops = append([]Hop(nil), r.Hops...)
			out = append(out, r)
		}
	}
	return out
}

// --- the proxy ---------------------------------------------------------------------

func (dp *dataPlane) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		dp.serveConnect(w, r)
		return
	}
	if !r.URL.IsAbs() || r.URL.Scheme != "http" {
		http.Error(w, "awsemu data plane: this is an HTTP forward proxy; send absolute-form http:// requests or CONNECT (set HTTP_PROXY/HTTPS_PROXY to "+dp.e.ProxyURL()+")", http.StatusBadRequest)
		return
	}
	src, err := dp.clientSource(r, "")
	if err != nil {
		http.Error(w, "awsemu data plane: "+err.Error(), http.StatusBadRequest)
		return
	}
	host, port, err := splitHostPort(r.URL.Host, 80)
	if err != nil {
		http.Error(w, "awsemu data plane: "+err.Error(), http.StatusBadRequest)
		return
	}
	if dp.isSelf(host, port) {
		// The emulator's own API is reachable through its proxy, for
		// clients that send everything to HTTP_PROXY.
		r.Header.Del("Proxy-Authorization")
		r.Header.Del(SourceHeader)
		r.RequestURI = ""
		dp.e.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "awsemu data plane: reading the request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	vr := clientRequest(r, "http", host, port, body)
	resp := dp.handleClient(src, vr)
	writeVResp(w, r, resp)
}

// clientRequest turns a client's request into the emulator's form.
func clientRequest(r *http.Request, scheme, host string, port int, body []byte) *vreq {
	h := r.Header.Clone()
	for _, k := range []string{"Proxy-Authorization", "Proxy-Connection", SourceHeader} {
		h.Del(k)
	}
	stripHopHeaders(h)
	if len(body) > 0 || r.ContentLength > 0 {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	hostHeader := r.Host
	if hostHeader == "" {
		hostHeader = host
	}
	return &vreq{method: r.Method, scheme: scheme, host: host, port: port, path: r.URL.EscapedPath(), rawQuery: r.URL.RawQuery,
		header: h, hostHeader: hostHeader, body: body}
}

func (dp *dataPlane) isSelf(host string, port int) bool {
	if dp.e.listener == nil {
		return false
	}
	a, ok := dp.e.listener.Addr().(*net.TCPAddr)
	if !ok || a.Port != port {
		return false
	}
	return host == a.IP.String() || (a.IP.IsLoopback() && (host == "localhost" || host == "127.0.0.1"))
}

// clientSource picks the client's source address: the request's header,
// the tunnel's, the proxy URL's user name, the knob, the default.
func (dp *dataPlane) clientSource(r *http.Request, tunnel string) (source, error) {
	pick := r.Header.Get(SourceHeader)
	if pick == "" {
		pick = tunnel
	}
	if pick == "" {
		if user, ok := ProxyUser(r.Header.Get("Proxy-Authorization")); ok {
			pick = user
		}
	}
	if pick == "" {
		dp.e.mu.Lock()
		pick = dp.e.Knob("dataplane.client_ip", DefaultClientIP)
		dp.e.mu.Unlock()
	}
	ip, err := netip.ParseAddr(pick)
	if err != nil || !ip.Is4() {
		return source{}, fmt.Errorf("source address %q is not an IPv4 address (set it with %s, the proxy URL's user name or the knob dataplane.client_ip)", pick, SourceHeader)
	}
	return source{ip: ip, label: "client"}, nil
}

// ProxyUser is the user name of a Proxy-Authorization: Basic header value,
// which names the client's source address (see SourceHeader).
func ProxyUser(auth string) (string, bool) {
	enc, ok := strings.CutPrefix(auth, "Basic ")
	if !ok {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", false
	}
	user, _, _ := strings.Cut(string(b), ":")
	return user, user != ""
}

func splitHostPort(hostport string, def int) (string, int, error) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		if strings.Contains(err.Error(), "missing port") {
			return strings.ToLower(strings.Trim(hostport, "[]")), def, nil
		}
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("invalid port %q", p)
	}
	return strings.ToLower(host), port, nil
}

// handleClient runs one client request through the emulated network and
// logs it.
func (dp *dataPlane) handleClient(src source, vr *vreq) *vresp {
	return dp.handleClientAt(src, nil, vr)
}

// handleClientAt is handleClient on a connection already open to ep.
func (dp *dataPlane) handleClientAt(src source, ep *endpoint, vr *vreq) *vresp {
	dp.e.mu.Lock()
	defer dp.e.mu.Unlock()
	fl := dp.newFlowLocked(src, vr)
	var resp *vresp
	var nerr *netErr
	if ep != nil {
		resp, nerr = fl.callEndpoint("client", src, ep, nil, vr, nil)
	} else {
		resp, nerr = fl.call("client", src, vr, nil)
	}
	if nerr != nil {
		resp = proxyError(nerr)
		fl.rec.Error = nerr.Error()
	}
	fl.rec.Status = resp.status
	dp.appendLocked(fl.rec)
	return resp
}

func (dp *dataPlane) newFlowLocked(src source, vr *vreq) *flow {
	now := dp.e.clock.Now()
	dp.e.tickLocked(now)
	dp.seq++
	return &flow{dp: dp, now: now, rec: &DataPlaneRequest{Seq: dp.seq, Time: now, Method: vr.method, URL: vr.url(), Source: src.ip.String(), Hops: []Hop{}}}
}

func (dp *dataPlane) appendLocked(rec *DataPlaneRequest) {
	for i := range rec.Hops {
		rec.Hops[i].Text = rec.Hops[i].String()
	}
	dp.log = append(dp.log, *rec)
	if len(dp.log) > maxRequestLog {
		dp.log = append([]DataPlaneRequest(nil), dp.log[len(dp.log)-maxRequestLog:]...)
	}
}

// --- CONNECT and TLS ---------------------------------------------------------------

func (dp *dataPlane) serveConnect(w http.ResponseWriter, r *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "awsemu data plane: CONNECT needs HTTP/1.1", http.StatusBadRequest)
		return
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return
	}
	dp.track(conn, true)
	defer func() {
		dp.track(conn, false)
		_ = conn.Close()
	}()
	src, err := dp.clientSource(r, "")
	if err != nil {
		writeRawStatus(conn, 400, "Bad Request", "", "awsemu data plane: "+err.Error())
		return
	}
	host, port, err := splitHostPort(r.Host, 443)
	if err != nil {
		writeRawStatus(conn, 400, "Bad Request", "", "awsemu data plane: "+err.Error())
		return
	}
	tunnelSource := r.Header.Get(SourceHeader)
	if tunnelSource == "" {
		if u, ok := ProxyUser(r.Header.Get("Proxy-Authorization")); ok {
			tunnelSource = u
		}
	}

	// Connect as the proxy would: resolve the name and open the connection.
	dp.e.mu.Lock()
	now := dp.e.clock.Now()
	dp.e.tickLocked(now)
	ep, nerr := dp.resolveHost(host, now)
	if nerr == nil {
		nerr = dp.dial(src, ep, port, now)
	}
	if nerr != nil {
		fl := dp.newFlowLocked(src, &vreq{method: http.MethodConnect, scheme: "tcp", host: host, port: port})
		fl.rec.URL = net.JoinHostPort(host, strconv.Itoa(port))
		fl.rec.Error = nerr.Error()
		fl.rec.Status = nerr.status()
		fl.rec.Hops = append(fl.rec.Hops, Hop{From: "client", To: ep.kindOrEmpty(), Host: host, ID: ep.idOrEmpty(), Source: src.ip.String(), Method: http.MethodConnect, URL: fl.rec.URL, Error: nerr.Error()})
		dp.appendLocked(fl.rec)
		dp.e.mu.Unlock()
		writeRawStatus(conn, nerr.status(), nerr.reason(), nerr.kind, "awsemu data plane: "+nerr.Error()+"\n")
		return
	}
	tlsPort := ep.speaksTLS(port)
	dp.e.mu.Unlock()

	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	br := brw.Reader
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	tunnel := &bufferedConn{Conn: conn, r: br}
	if first[0] != 0x16 { // not a TLS handshake: plain HTTP in the tunnel
		dp.serveTunnel(tunnel, ep, "http", host, port, tunnelSource)
		return
	}
	if !tlsPort {
		// A plain-HTTP server (NGINX, an ALB HTTP listener) answers a TLS
		// ClientHello with a 400 in clear text: the client's handshake fails.
		dp.logTLSFailure(src, host, port, ep, "tls: the server on port "+strconv.Itoa(port)+" does not speak TLS")
		_, _ = io.WriteString(conn, "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	tconn := tls.Server(tunnel, &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			sni := hello.ServerName
			if sni == "" {
				sni = host
			}
			dp.e.mu.Lock()
			names, nerr := dp.tlsNames(ep, port, sni, dp.e.clock.Now())
			dp.e.mu.Unlock()
			if nerr != nil {
				dp.logTLSFailure(src, host, port, ep, nerr.Error())
				return nil, errors.New(nerr.msg)
			}
			return dp.ca.leaf(names)
		},
	})
	if err := tconn.Handshake(); err != nil {
		return
	}
	dp.serveTunnel(tconn, ep, "https", host, port, tunnelSource)
}

func (dp *dataPlane) logTLSFailure(src source, host string, port int, ep *endpoint, msg string) {
	dp.e.mu.Lock()
	defer dp.e.mu.Unlock()
	fl := dp.newFlowLocked(src, &vreq{method: http.MethodConnect, scheme: "https", host: host, port: port, path: "/"})
	fl.rec.Error = msg
	fl.rec.Hops = append(fl.rec.Hops, Hop{From: "client", To: ep.kindOrEmpty(), Host: host, ID: ep.idOrEmpty(), Source: src.ip.String(), Method: "TLS", URL: fl.rec.URL, Error: msg})
	dp.appendLocked(fl.rec)
}

// serveTunnel serves the HTTP requests of one tunnelled connection: they
// go to the endpoint the tunnel was opened to, not to a new DNS answer.
func (dp *dataPlane) serveTunnel(conn net.Conn, ep *endpoint, scheme, host string, port int, tunnelSource string) {
	done := make(chan struct{})
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			src, err := dp.clientSource(r, tunnelSource)
			if err != nil {
				http.Error(w, "awsemu data plane: "+err.Error(), http.StatusBadRequest)
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
			if err != nil {
				return
			}
			resp := dp.handleClientAt(src, ep, clientRequest(r, scheme, host, port, body))
			writeVResp(w, r, resp)
		}),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateClosed || st == http.StateHijacked {
				select {
				case <-done:
				default:
					close(done)
				}
			}
		},
	}
	_ = srv.Serve(&oneConnListener{conn: conn})
	<-done
}

func (dp *dataPlane) track(c net.Conn, add bool) {
	dp.connMu.Lock()
	defer dp.connMu.Unlock()
	if add {
		dp.conns[c] = true
	} else {
		delete(dp.conns, c)
	}
}

// oneConnListener hands one connection to an http.Server.
type oneConnListener struct {
	conn net.Conn
	once sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = l.conn })
	if c == nil {
		return nil, io.EOF
	}
	return c, nil
}
func (l *oneConnListener) Close() error   { return nil }
func (l *oneConnListener) Addr() net.Addr { return l.conn.LocalAddr() }

// bufferedConn reads what the hijacked reader already buffered first.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func writeRawStatus(w io.Writer, status int, reason, kind, body string) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n", status, reason, len(body))
	if kind != "" {
		fmt.Fprintf(&b, "X-Awsemu-Error: %s\r\n", kind)
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.WriteString(body)
	_, _ = w.Write(b.Bytes())
}

// writeVResp sends an emulated response to the real client.
func writeVResp(w http.ResponseWriter, r *http.Request, resp *vresp) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = append([]string(nil), v...)
	}
	stripHopHeaders(h)
	h.Del("Content-Length")
	if r.Method != http.MethodHead {
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(resp.body)
	}
}

var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func stripHopHeaders(h http.Header) {
	for _, f := range h.Values("Connection") {
		for _, name := range strings.Split(f, ",") {
			if name = strings.TrimSpace(name); name != "" {
				h.Del(name)
			}
		}
	}
	for _, k := range hopHeaders {
		h.Del(k)
	}
}
