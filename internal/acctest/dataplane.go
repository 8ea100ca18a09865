package acctest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// The data plane router. The provider's reachability check reaches the
// stack the way any program does: through HTTP_PROXY / HTTPS_PROXY and the
// CA certificates in SSL_CERT_FILE, which Go reads once per process. An
// acceptance test process runs many emulators at once, each with its own
// data plane proxy; so SetupEnv starts one forward proxy for the process
// that hands every request to the emulator serving its host
// (Emulator.ServesHost), points the proxy variables at it, and writes one CA
// that every emulator made by Emulator signs with. Nothing in the provider
// knows about tests: it sees an ordinary proxy and an ordinary CA bundle.

type dataPlaneRouter struct {
	ca        *awsemu.DataPlaneCA
	ln        net.Listener
	transport *http.Transport

	mu   sync.Mutex
	emus []*awsemu.Emulator
}

var (
	routerOnce sync.Once
	router     *dataPlaneRouter
)

// startRouter starts the router and sets the proxy and CA variables of the
// process (inherited by the Terraform CLI it runs). Loopback addresses, the
// emulators' own API endpoints, are never proxied.
func startRouter() *dataPlaneRouter {
	routerOnce.Do(func() {
		ca, err := awsemu.NewDataPlaneCA("acceptance tests")
		if err != nil {
			panic("acctest: creating the data plane CA: " + err.Error())
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic("acctest: starting the data plane router: " + err.Error())
		}
		r := &dataPlaneRouter{ca: ca, ln: ln}
		r.transport = &http.Transport{
			Proxy: func(req *http.Request) (*url.URL, error) {
				return url.Parse(req.Context().Value(upstreamKey{}).(string))
			},
			ForceAttemptHTTP2: false,
			MaxIdleConns:      100,
			IdleConnTimeout:   30 * time.Second,
		}
		caFile := filepath.Join(os.TempDir(), fmt.Sprintf("geusemaker-acctest-ca-%d.pem", os.Getpid()))
		if err := os.WriteFile(caFile, ca.PEM(), 0o600); err != nil {
			panic("acctest: writing the data plane CA: " + err.Error())
		}
		srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		proxy := "http://" + ln.Addr().String()
		for k, v := range map[string]string{
			"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "http_proxy": proxy, "https_proxy": proxy,
			"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
			"SSL_CERT_FILE": caFile,
		} {
			os.Setenv(k, v)
		}
		router = r
	})
	return router
}

// DataPlaneProxyURL is the process's data plane proxy (as HTTPS_PROXY says).
func DataPlaneProxyURL() string { return "http://" + startRouter().ln.Addr().String() }

// DataPlaneCAPEM is the CA every acceptance-test emulator's data plane uses.
func DataPlaneCAPEM() []byte { return startRouter().ca.PEM() }

// upstreamKey carries the chosen emulator's proxy URL from ServeHTTP to the
// transport's Proxy function.
type upstreamKey struct{}

func (r *dataPlaneRouter) add(e *awsemu.Emulator) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.emus = append(r.emus, e)
}

func (r *dataPlaneRouter) remove(e *awsemu.Emulator) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.emus {
		if x == e {
			r.emus = append(r.emus[:i], r.emus[i+1:]...)
			return
		}
	}
}

// pick is the emulator that serves host; nil when none does (the name does
// not resolve), an error when several claim it.
func (r *dataPlaneRouter) pick(host string) (*awsemu.Emulator, error) {
	r.mu.Lock()
	emus := append([]*awsemu.Emulator(nil), r.emus...)
	r.mu.Unlock()
	var found []*awsemu.Emulator
	for _, e := range emus {
		if e.ServesHost(host) {
			found = append(found, e)
		}
	}
	if len(found) > 1 {
		return nil, fmt.Errorf("%d emulators serve %s", len(found), host)
	}
	if len(found) == 0 {
		return nil, nil
	}
	return found[0], nil
}

func (r *dataPlaneRouter) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method == http.MethodConnect {
		r.serveConnect(w, req)
		return
	}
	if !req.URL.IsAbs() {
		http.Error(w, "acctest data plane router: send absolute-form requests or CONNECT", http.StatusBadRequest)
		return
	}
	e, err := r.pick(req.URL.Hostname())
	if err != nil || e == nil {
		unresolved(w, req.URL.Hostname(), err)
		return
	}
	out := req.Clone(context.WithValue(req.Context(), upstreamKey{}, e.ProxyURL()))
	out.RequestURI = ""
	// The proxy URL's user name chooses the client's address; per request
	// the emulator reads it from its header.
	if user, ok := awsemu.ProxyUser(req.Header.Get("Proxy-Authorization")); ok && out.Header.Get(awsemu.SourceHeader) == "" {
		out.Header.Set(awsemu.SourceHeader, user)
	}
	out.Header.Del("Proxy-Authorization")
	resp, err := r.transport.RoundTrip(out)
	if err != nil {
		http.Error(w, "acctest data plane router: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// serveConnect relays a tunnel to the emulator serving the host: the
// CONNECT request (with the headers that choose the client's address) and
// then the bytes both ways, so the emulator answers the CONNECT itself.
func (r *dataPlaneRouter) serveConnect(w http.ResponseWriter, req *http.Request) {
	host, _, err := net.SplitHostPort(req.Host)
	if err != nil {
		host = req.Host
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "acctest data plane router: CONNECT needs HTTP/1.1", http.StatusBadRequest)
		return
	}
	client, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	e, err := r.pick(host)
	if err != nil || e == nil {
		// The reason phrase is what a Go client reports for a refused
		// CONNECT; worded as the emulators' own proxy words it.
		msg := "DNS lookup failed for " + host
		if err != nil {
			msg = err.Error()
		}
		fmt.Fprintf(client, "HTTP/1.1 502 DNS lookup failed\r\nX-Awsemu-Error: dns\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(msg), msg)
		client.Close()
		return
	}
	up, err := net.Dial("tcp", strings.TrimPrefix(e.ProxyURL(), "http://"))
	if err != nil {
		fmt.Fprintf(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		client.Close()
		return
	}
	var head strings.Builder
	fmt.Fprintf(&head, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", req.Host, req.Host)
	for _, k := range []string{"Proxy-Authorization", awsemu.SourceHeader} {
		if v := req.Header.Get(k); v != "" {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	head.WriteString("\r\n")
	if _, err := io.WriteString(up, head.String()); err != nil {
		up.Close()
		client.Close()
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, buf.Reader); closeWrite(up); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, up); closeWrite(client); done <- struct{}{} }()
	<-done
	<-done
	up.Close()
	client.Close()
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
}

// unresolved answers as the emulators' data plane does for a name that no
// emulator resolves (see awsemu's dataplane.go).
func unresolved(w http.ResponseWriter, host string, err error) {
	msg := "DNS lookup failed for " + host
	if err != nil {
		msg = err.Error()
	}
	w.Header().Set("X-Awsemu-Error", "dns")
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "acctest data plane router: "+msg+"\n")
}
