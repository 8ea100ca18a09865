package userdata

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode"
)

// The rendered NGINX configuration runs under a real nginx (Debian's
// package) on loopback, in front of stub upstreams: every route must refuse
// a request without its credential and pass one with it to the right
// service. A table of mutations, each deleting one check from the
// configuration, proves the checker notices a route that lost its check.

// requireNginx returns the nginx binary, or skips the test: a failure when
// GEUSEMAKER_REQUIRE_NGINX=1 (make testacc sets it after make tool-nginx).
func requireNginx(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		// Debian installs it in /usr/sbin, which a user's PATH may lack.
		if _, serr := os.Stat("/usr/sbin/nginx"); serr == nil {
			return "/usr/sbin/nginx"
		}
		if os.Getenv("GEUSEMAKER_REQUIRE_NGINX") == "1" {
			t.Fatal("nginx is required (GEUSEMAKER_REQUIRE_NGINX=1) but not installed: make tool-nginx, or apt-get install -y nginx")
		}
		t.Skip("nginx not installed (make tool-nginx, or apt-get install -y nginx); set GEUSEMAKER_REQUIRE_NGINX=1 to make this a failure")
	}
	return bin
}

// testCreds are the values an instance would read from SSM.
type testCreds struct {
	ollama, qdrant, crawl4ai string
}

var liveCreds = testCreds{
	ollama:   "OllamaKey_0123456789abcdefghijKLMNOP-qrstu",
	qdrant:   "QdrantKey_9876543210ZYXWVUTSRQponmlk-jihgf",
	crawl4ai: "Crawl4AIToken_aBcDeFgHiJkLmNoPqRsTuVwXyZ012",
}

// nginxCreds runs the boot script's own nginx_creds on the given values,
// writing credentials.conf and qdrant-ui.htpasswd into dir (chgrp is a stub:
// the test may run without root).
func nginxCreds(t *testing.T, p Params, dir string, c testCreds) {
	t.Helper()
	if p.CredentialsPath == "" {
		return
	}
	body := fmt.Sprintf("NX=%s\nGM_OK=%s\nGM_QK=%s\nGM_CT=%s\nnginx_creds\n",
		shellQuote(dir), shellQuote(c.ollama), shellQuote(c.qdrant), shellQuote(c.crawl4ai))
	console, code := runScript(t, p, body, map[string]string{"chgrp": "#!/bin/bash\nexit 0\n"})
	if code != 0 {
		t.Fatalf("nginx_creds: exit %d\n%s", code, console)
	}
	for name, mode := range map[string]os.FileMode{"credentials.conf": 0o600, "qdrant-ui.htpasswd": 0o640} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if name == "qdrant-ui.htpasswd" && !p.has(ServiceQdrant) {
			if err == nil {
				t.Errorf("%s written without qdrant", name)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
}

func (p Params) has(svc string) bool { return slices.Contains(p.Services, svc) }

// nginxSite renders the site for p, mutated when mutate is set, with the
// credential files in dir.
func nginxSite(t *testing.T, p Params, dir string, mutate func(string) string) string {
	t.Helper()
	d, err := newData(p)
	if err != nil {
		t.Fatal(err)
	}
	site, err := execute("nginx.conf.tmpl", d)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		site = mutate(site)
	}
	return rewrite(t, site, map[string]string{"/etc/nginx/geusemaker/": dir + "/"}, p.CredentialsPath != "")
}

// rewrite replaces each key of r in s, requiring at least one occurrence of
// each when must is set. It is the only change the tests make to the
// rendered configuration: paths, the listen address and upstream ports.
func rewrite(t *testing.T, s string, r map[string]string, must bool) string {
	t.Helper()
	for old, repl := range r {
		if must && !strings.Contains(s, old) {
			t.Fatalf("rewrite: %q not in the configuration", old)
		}
		s = strings.ReplaceAll(s, old, repl)
	}
	return s
}

// nginxMain is a main configuration that runs nginx as the current user, in
// the foreground, with every path it writes inside dir.
func nginxMain(dir, site string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "daemon off;\nmaster_process off;\npid %s/nginx.pid;\nerror_log %s/error.log info;\nevents { worker_connections 64; }\nhttp {\n", dir, dir)
	for _, tmp := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, "  %s_temp_path %s/%s;\n", tmp, dir, tmp)
	}
	fmt.Fprintf(&b, "  access_log off;\n  include %s;\n}\n", site)
	return b.String()
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// TestNginxConfig runs nginx -t on the site rendered for every config.
func TestNginxConfig(t *testing.T) {
	bin := requireNginx(t)
	for _, c := range configs {
		dir := t.TempDir()
		nginxCreds(t, c.p, dir, liveCreds)
		site := filepath.Join(dir, "site.conf")
		writeFile(t, site, nginxSite(t, c.p, dir, nil), 0o644)
		conf := filepath.Join(dir, "nginx.conf")
		writeFile(t, conf, nginxMain(dir, site), 0o644)
		if out, err := exec.Command(bin, "-t", "-q", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf).CombinedOutput(); err != nil {
			t.Errorf("%s: nginx -t: %v\n%s", c.name, err, out)
		}
	}
}

// stubs are the upstreams: each answers 200 with a JSON body naming itself
// and echoing the request's path and credential headers. Their health paths
// answer 503 while down is set. n8n's /rest/push completes a WebSocket
// upgrade and then echoes bytes; Qdrant redirects /dashboard like a static
// file server.
type stubs struct {
	addr map[string]string // service -> host:port
	down atomic.Bool
}

type stubAnswer struct {
	Service       string `json:"service"`
	Path          string `json:"path"`
	Authorization string `json:"authorization"`
	APIKey        string `json:"api_key"`
}

var healthPaths = []string{"/healthz/readiness", "/api/version", "/readyz", "/health"}

func newStubs(t *testing.T) *stubs {
	t.Helper()
	s := &stubs{addr: map[string]string{}}
	for _, svc := range []string{ServiceN8N, ServiceOllama, ServiceQdrant, ServiceCrawl4AI} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.down.Load() && slices.Contains(healthPaths, r.URL.Path) {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			if svc == ServiceN8N && r.URL.Path == "/rest/push" && strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
				conn, rw, err := http.NewResponseController(w).Hijack()
				if err != nil {
					return
				}
				defer conn.Close()
				fmt.Fprint(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
				rw.Flush()
				buf := make([]byte, 4)
				if _, err := io.ReadFull(rw, buf); err == nil {
					_, _ = conn.Write(buf)
				}
				return
			}
			if r.URL.Path == "/rest/me" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			if svc == ServiceQdrant && r.URL.Path == "/dashboard" {
				http.Redirect(w, r, "/dashboard/", http.StatusMovedPermanently)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Stub", svc)
			_ = json.NewEncoder(w).Encode(stubAnswer{svc, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("api-key")})
		}))
		t.Cleanup(srv.Close)
		s.addr[svc] = strings.TrimPrefix(srv.URL, "http://")
	}
	return s
}

var upstreamPorts = map[string]string{
	ServiceN8N:      "127.0.0.1:5678",
	ServiceOllama:   "127.0.0.1:11434",
	ServiceQdrant:   "127.0.0.1:6333",
	ServiceCrawl4AI: "127.0.0.1:11235",
}

// liveNginx runs site (already rendered for p, credential paths rewritten)
// with its listen address and upstream ports pointed at the stubs, and
// returns its base URL. nginx is stopped when the test ends.
func liveNginx(t *testing.T, bin string, p Params, dir, site string, st *stubs) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := map[string]string{"listen 80 default_server;": "listen " + addr + " default_server;"}
	for svc, up := range upstreamPorts {
		if p.has(svc) {
			r["http://"+up] = "http://" + st.addr[svc]
		}
	}
	site = rewrite(t, site, r, true)
	// Nothing but the stubs may remain as an upstream.
	for _, up := range upstreamPorts {
		if strings.Contains(site, up) {
			t.Fatalf("upstream %s left unrewritten", up)
		}
	}
	sitePath := filepath.Join(dir, "site.conf")
	writeFile(t, sitePath, site, 0o644)
	conf := filepath.Join(dir, "nginx.conf")
	writeFile(t, conf, nginxMain(dir, sitePath), 0o644)
	cmd := exec.Command(bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	for {
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %v\n%s", waitErr, log)
		default:
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// probe is one request and what NGINX must answer.
type probe struct {
	method, path string
	header       map[string]string
	status       int
	service      string               // the stub that must answer a 200
	check        func(*result) string // more conditions; "" when met
}

type result struct {
	status int
	header http.Header
	body   string
	stub   stubAnswer
}

func bearer(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }

func basic(user, pass string) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}
}

// swapCase turns a key into one that differs from it only in letter case.
func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsUpper(r) {
			return unicode.ToLower(r)
		}
		return unicode.ToUpper(r)
	}, s)
}

func challenge(want string) func(*result) string {
	return func(r *result) string {
		if got := r.header.Values("WWW-Authenticate"); len(got) != 1 || got[0] != want {
			return fmt.Sprintf("WWW-Authenticate %q, want exactly %q", got, want)
		}
		return ""
	}
}

// probes are the contract's route table (CONTRACT-appsec.md) for the
// services of p.
func probes(p Params, c testCreds) []probe {
	n8nRoute := p.has(ServiceN8N)
	// Paths of unselected services fall to n8n when it runs, else 404.
	absent := func(path string, h map[string]string) probe {
		if n8nRoute {
			return probe{method: "GET", path: path, header: h, status: 200, service: ServiceN8N}
		}
		return probe{method: "GET", path: path, header: h, status: 404}
	}
	healthz := probe{method: "GET", path: "/healthz", status: 200, check: func(r *result) string {
		if r.body != "ok\n" {
			return fmt.Sprintf("body %q, want \"ok\\n\"", r.body)
		}
		for k, v := range r.header {
			if k == "X-Stub" || strings.Contains(strings.ToLower(strings.Join(v, " ")), "n8n") {
				return fmt.Sprintf("header %s: %v reveals the application", k, v)
			}
		}
		return ""
	}}
	ps := []probe{healthz}
	if n8nRoute {
		for _, path := range []string{"/rest/owner/setup", "/setup", "/REST/Owner/Setup", "/rest/owner/setup/", "/setup//", "/rest/owner/%73etup"} {
			ps = append(ps, probe{method: "GET", path: path, status: 403})
		}
		ps = append(ps,
			probe{method: "POST", path: "/rest/owner/setup", header: bearer(c.ollama), status: 403},
			probe{method: "GET", path: "/", status: 200, service: ServiceN8N},
			probe{method: "POST", path: "/rest/login", status: 200, service: ServiceN8N},
			// n8n's own 401 passes unchanged: no challenge added by NGINX.
			probe{method: "GET", path: "/rest/me", status: 401, check: func(r *result) string {
				if v := r.header.Values("WWW-Authenticate"); len(v) > 0 {
					return fmt.Sprintf("WWW-Authenticate %q added to n8n's answer", v)
				}
				return ""
			}},
			probe{method: "GET", path: "/webhook/abc", header: bearer("user-defined"), status: 200, service: ServiceN8N, check: func(r *result) string {
				if r.stub.Authorization != "Bearer user-defined" {
					return "n8n webhooks must receive the caller's Authorization header"
				}
				return ""
			}},
		)
	} else {
		ps = append(ps, probe{method: "GET", path: "/", status: 404}, probe{method: "GET", path: "/rest/owner/setup", status: 404})
	}
	if p.has(ServiceOllama) {
		ps = append(ps,
			probe{method: "GET", path: "/api/ollama/api/tags", status: 401, check: challenge("Bearer")},
			probe{method: "GET", path: "/api/ollama/api/tags", header: bearer("wrong"), status: 401},
			probe{method: "GET", path: "/api/ollama/api/tags", header: bearer(swapCase(c.ollama)), status: 401},
			probe{method: "GET", path: "/api/ollama/api/tags", header: bearer(c.ollama + "x"), status: 401},
			probe{method: "GET", path: "/api/ollama/api/tags", header: bearer(c.qdrant), status: 401},
			probe{method: "GET", path: "/api/ollama/api/tags", header: map[string]string{"Authorization": c.ollama}, status: 401},
			probe{method: "POST", path: "/api/ollama/api/pull", status: 401},
			probe{method: "GET", path: "/api/ollama/api/tags", header: bearer(c.ollama), status: 200, service: ServiceOllama, check: func(r *result) string {
				if r.stub.Path != "/api/tags" {
					return "upstream path " + r.stub.Path
				}
				if r.stub.Authorization != "" {
					return "the Ollama key reached Ollama"
				}
				return ""
			}},
			probe{method: "DELETE", path: "/api/ollama/api/delete", header: map[string]string{"Authorization": "bearer " + c.ollama}, status: 200, service: ServiceOllama},
		)
	} else {
		ps = append(ps, absent("/api/ollama/api/tags", bearer(c.ollama)))
	}
	if p.has(ServiceQdrant) {
		ps = append(ps,
			probe{method: "GET", path: "/qdrant/collections", status: 401, check: challenge("Bearer")},
			probe{method: "GET", path: "/qdrant/collections", header: map[string]string{"api-key": "wrong"}, status: 401},
			probe{method: "GET", path: "/qdrant/collections", header: map[string]string{"api-key": swapCase(c.qdrant)}, status: 401},
			probe{method: "GET", path: "/qdrant/collections", header: bearer(c.ollama), status: 401},
			probe{method: "DELETE", path: "/qdrant/collections/docs", status: 401},
			probe{method: "GET", path: "/qdrant/collections", header: map[string]string{"api-key": c.qdrant}, status: 200, service: ServiceQdrant, check: func(r *result) string {
				if r.stub.Path != "/collections" || r.stub.APIKey != c.qdrant {
					return fmt.Sprintf("upstream got path %s api-key %q", r.stub.Path, r.stub.APIKey)
				}
				return ""
			}},
			probe{method: "GET", path: "/qdrant/collections", header: bearer(c.qdrant), status: 200, service: ServiceQdrant},
			probe{method: "GET", path: "/qdrant-ui/dashboard/", status: 401, check: challenge(`Basic realm="qdrant"`)},
			probe{method: "GET", path: "/qdrant-ui/", status: 401, check: challenge(`Basic realm="qdrant"`)},
			probe{method: "GET", path: "/qdrant-ui/collections", status: 401},
			probe{method: "GET", path: "/qdrant-ui/dashboard/", header: basic("qdrant", "wrong"), status: 401},
			probe{method: "GET", path: "/qdrant-ui/dashboard/", header: basic("admin", c.qdrant), status: 401},
			probe{method: "GET", path: "/qdrant-ui/dashboard/", header: map[string]string{"api-key": c.qdrant}, status: 401},
			probe{method: "GET", path: "/qdrant-ui/dashboard/", header: basic("qdrant", c.qdrant), status: 200, service: ServiceQdrant, check: func(r *result) string {
				if r.stub.Path != "/dashboard/" || r.stub.APIKey != c.qdrant || r.stub.Authorization != "" {
					return fmt.Sprintf("upstream got path %s api-key %q authorization %q; want /dashboard/, the key, none", r.stub.Path, r.stub.APIKey, r.stub.Authorization)
				}
				return ""
			}},
			// The dashboard's own API calls, one level above /dashboard/.
			probe{method: "GET", path: "/qdrant-ui/collections", header: basic("qdrant", c.qdrant), status: 200, service: ServiceQdrant, check: func(r *result) string {
				if r.stub.Path != "/collections" || r.stub.APIKey != c.qdrant {
					return fmt.Sprintf("upstream got path %s api-key %q", r.stub.Path, r.stub.APIKey)
				}
				return ""
			}},
			probe{method: "GET", path: "/qdrant-ui/", header: basic("qdrant", c.qdrant), status: 302, check: location("/qdrant-ui/dashboard/")},
			probe{method: "GET", path: "/qdrant-ui/dashboard", header: basic("qdrant", c.qdrant), status: 301, check: location("/qdrant-ui/dashboard/")},
			probe{method: "GET", path: "/qdrant-ui", status: 301, check: location("/qdrant-ui/")},
		)
	} else {
		ps = append(ps, absent("/qdrant/collections", map[string]string{"api-key": c.qdrant}), absent("/qdrant-ui/dashboard/", basic("qdrant", c.qdrant)))
	}
	if p.has(ServiceCrawl4AI) {
		ps = append(ps,
			probe{method: "GET", path: "/crawl4ai/health", status: 401, check: challenge("Bearer")},
			probe{method: "POST", path: "/crawl4ai/crawl", header: bearer(swapCase(c.crawl4ai)), status: 401},
			probe{method: "POST", path: "/crawl4ai/crawl", header: bearer(c.ollama), status: 401},
			probe{method: "POST", path: "/crawl4ai/crawl", header: bearer(c.crawl4ai), status: 200, service: ServiceCrawl4AI, check: func(r *result) string {
				// Crawl4AI checks the same token itself.
				if r.stub.Path != "/crawl" || r.stub.Authorization != "Bearer "+c.crawl4ai {
					return fmt.Sprintf("upstream got path %s authorization %q", r.stub.Path, r.stub.Authorization)
				}
				return ""
			}},
		)
	} else {
		ps = append(ps, absent("/crawl4ai/health", bearer(c.crawl4ai)))
	}
	return ps
}

func location(want string) func(*result) string {
	return func(r *result) string {
		if got := r.header.Get("Location"); got != want {
			return fmt.Sprintf("Location %q, want %q", got, want)
		}
		return ""
	}
}

var client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func do(base string, pr probe) (*result, error) {
	u := base + pr.path
	req, err := http.NewRequest(pr.method, u, nil)
	if err != nil {
		return nil, err
	}
	// Keep escapes such as %73 as sent.
	req.URL.Opaque = pr.path
	req.URL.RawPath = ""
	for k, v := range pr.header {
		req.Header[http.CanonicalHeaderKey(k)] = []string{v}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	r := &result{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if resp.Header.Get("X-Stub") != "" {
		if err := json.Unmarshal(b, &r.stub); err != nil {
			return nil, fmt.Errorf("stub answer %q: %w", b, err)
		}
	}
	return r, nil
}

// checkRoutes runs every probe of p against the NGINX at base and returns
// what did not hold. It also checks that /healthz fails while the
// application is not ready, that n8n's WebSocket upgrade passes, and that
// nginx logged no use of an unset variable.
func checkRoutes(p Params, c testCreds, base, errorLog string, st *stubs) []string {
	var bad []string
	for _, pr := range probes(p, c) {
		desc := fmt.Sprintf("%s %s (headers %v)", pr.method, pr.path, redact(pr.header))
		r, err := do(base, pr)
		switch {
		case err != nil:
			bad = append(bad, desc+": "+err.Error())
		case r.status != pr.status:
			bad = append(bad, fmt.Sprintf("%s: status %d, want %d", desc, r.status, pr.status))
		case pr.service != "" && r.stub.Service != pr.service:
			bad = append(bad, fmt.Sprintf("%s: answered by %q, want the %s stub", desc, r.stub.Service, pr.service))
		case pr.service == "" && r.stub.Service != "":
			bad = append(bad, fmt.Sprintf("%s: reached the %s stub", desc, r.stub.Service))
		case pr.check != nil:
			if msg := pr.check(r); msg != "" {
				bad = append(bad, desc+": "+msg)
			}
		}
	}
	st.down.Store(true)
	if r, err := do(base, probe{method: "GET", path: "/healthz"}); err != nil || r.status == 200 {
		bad = append(bad, fmt.Sprintf("GET /healthz while the application is not ready: %v %v, want a failure", statusOf(r), err))
	}
	st.down.Store(false)
	if p.has(ServiceN8N) {
		if msg := websocket(base); msg != "" {
			bad = append(bad, "GET /rest/push (WebSocket upgrade): "+msg)
		}
	}
	if log, err := os.ReadFile(errorLog); err == nil && strings.Contains(string(log), "uninitialized") {
		bad = append(bad, "nginx used an uninitialized variable:\n"+string(log))
	}
	return bad
}

func statusOf(r *result) any {
	if r == nil {
		return nil
	}
	return r.status
}

// redact shortens credential values in test output.
func redact(h map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if len(v) > 12 {
			v = v[:12] + "…"
		}
		out[k] = v
	}
	return out
}

// websocket performs an upgrade on /rest/push and exchanges four bytes with
// the stub through NGINX.
func websocket(base string) string {
	u, _ := url.Parse(base)
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		return err.Error()
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "GET /rest/push?pushRef=x HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", u.Host)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err.Error()
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Sprintf("status %d, want 101", resp.StatusCode)
	}
	if _, err := conn.Write([]byte("ping")); err != nil {
		return err.Error()
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(br, buf); err != nil || string(buf) != "ping" {
		return fmt.Sprintf("no echo through the upgraded connection: %q %v", buf, err)
	}
	return ""
}

// liveRun renders site for p (optionally mutated), runs it and returns what
// checkRoutes reports.
func liveRun(t *testing.T, bin string, p Params, mutate func(string) string) []string {
	t.Helper()
	dir := t.TempDir()
	nginxCreds(t, p, dir, liveCreds)
	site := nginxSite(t, p, dir, mutate)
	st := newStubs(t)
	base := liveNginx(t, bin, p, dir, site, st)
	return checkRoutes(p, liveCreds, base, filepath.Join(dir, "error.log"), st)
}

var liveConfigs = []struct {
	name string
	p    Params
}{
	{"all-services", Params{
		Deployment: "live", Region: "us-east-1", Tier: 3, GPU: true, Services: AllServices(),
		EFSID: "fs-0123456789abcdef0", MountTargetIP: "10.0.0.5", CredentialsPath: CredentialsPathFor("live"),
	}},
	{"ollama-qdrant", Params{
		Deployment: "live2", Region: "us-east-1", Tier: 2, Services: []string{ServiceOllama, ServiceQdrant},
		EFSID: "fs-0123456789abcdef0", MountTargetIP: "10.0.0.5", CredentialsPath: CredentialsPathFor("live2"),
	}},
	{"n8n-crawl4ai", Params{
		Deployment: "live3", Region: "us-east-1", Tier: 1, Services: []string{ServiceN8N, ServicePostgres, ServiceCrawl4AI},
		EFSID: "fs-0123456789abcdef0", MountTargetIP: "10.0.0.5", CredentialsPath: CredentialsPathFor("live3"),
	}},
}

func TestNginxLive(t *testing.T) {
	bin := requireNginx(t)
	for _, c := range liveConfigs {
		t.Run(c.name, func(t *testing.T) {
			for _, msg := range liveRun(t, bin, c.p, nil) {
				t.Error(msg)
			}
		})
	}
}

// TestNginxLiveCatchesMissingChecks deletes one check at a time from the
// rendered configuration and expects checkRoutes to report the route.
func TestNginxLiveCatchesMissingChecks(t *testing.T) {
	bin := requireNginx(t)
	p := liveConfigs[0].p
	for _, m := range []struct {
		name, old, new string
		want           string // in one of the reports
	}{
		{"ollama key", "        if ($gm_ollama_auth = 0) {\n            set $gm_challenge Bearer;\n            return 401;\n        }\n", "", "/api/ollama/api/tags"},
		{"ollama key kept from Ollama", "        set $gm_authz \"\";\n        proxy_pass http://127.0.0.1:11434/;", "        proxy_pass http://127.0.0.1:11434/;", "the Ollama key reached Ollama"},
		{"qdrant key", "        if ($gm_qdrant_auth = 0) {\n            set $gm_challenge Bearer;\n            return 401;\n        }\n", "", "/qdrant/collections"},
		{"dashboard login", "        auth_basic qdrant;\n        auth_basic_user_file /etc/nginx/geusemaker/qdrant-ui.htpasswd;\n        set $gm_authz", "        set $gm_authz", "/qdrant-ui/dashboard/"},
		{"dashboard home login", "        auth_basic qdrant;\n        auth_basic_user_file /etc/nginx/geusemaker/qdrant-ui.htpasswd;\n        try_files", "        try_files", "/qdrant-ui/"},
		{"crawl4ai token", "        if ($gm_crawl4ai_auth = 0) {\n            set $gm_challenge Bearer;\n            return 401;\n        }\n", "", "/crawl4ai/"},
		{"owner setup", "    location ~* ^/(rest/owner/)?setup/*$ {\n        return 403;\n    }\n", "", "/rest/owner/setup"},
		{"health reflects the application", "        auth_request /_gm_health;\n", "", "/healthz while the application is not ready"},
		{"websocket upgrade", "    proxy_set_header Upgrade $http_upgrade;\n", "", "WebSocket"},
	} {
		t.Run(m.name, func(t *testing.T) {
			bad := liveRun(t, bin, p, func(site string) string {
				if n := strings.Count(site, m.old); n != 1 {
					t.Fatalf("mutation %q: found %d times in the configuration, want once", m.name, n)
				}
				return strings.Replace(site, m.old, m.new, 1)
			})
			t.Logf("reports with %q removed: %q", m.name, bad)
			found := false
			for _, msg := range bad {
				found = found || strings.Contains(msg, m.want)
			}
			if !found {
				t.Errorf("with %q removed, checkRoutes did not report %q; it reported %q", m.name, m.want, bad)
			}
		})
	}
}

// TestNginxCredentialsFile checks what nginx_creds writes: one case-sensitive
// regex map per check, the htpasswd user qdrant, and nothing else.
func TestNginxCredentialsFile(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	p := liveConfigs[0].p
	dir := t.TempDir()
	nginxCreds(t, p, dir, liveCreds)
	b, err := os.ReadFile(filepath.Join(dir, "credentials.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	for _, want := range []string{
		"map $http_authorization $gm_ollama_auth {\n  default 0;\n  \"~^(?i:bearer) " + liveCreds.ollama + "$\" 1;\n}",
		"map $http_api_key $gm_qdrant_header {\n  default 0;\n  \"~^" + liveCreds.qdrant + "$\" 1;\n}",
		"map $http_authorization $gm_qdrant_bearer {\n  default 0;\n  \"~^(?i:bearer) " + liveCreds.qdrant + "$\" 1;\n}",
		"map $host $gm_qdrant_key {\n  default \"" + liveCreds.qdrant + "\";\n}",
		"map $http_authorization $gm_crawl4ai_auth {\n  default 0;\n  \"~^(?i:bearer) " + liveCreds.crawl4ai + "$\" 1;\n}",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("credentials.conf lacks\n%s\n--- got:\n%s", want, conf)
		}
	}
	h, err := os.ReadFile(filepath.Join(dir, "qdrant-ui.htpasswd"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(h), "qdrant:$6$") || strings.Contains(string(h), liveCreds.qdrant) || strings.Count(string(h), "\n") != 1 {
		t.Errorf("htpasswd %q: want one line, user qdrant, a SHA-512 crypt hash and no plain key", h)
	}
	// Only the selected services' checks are written.
	p2 := liveConfigs[2].p // n8n, postgres, crawl4ai
	dir2 := t.TempDir()
	nginxCreds(t, p2, dir2, liveCreds)
	b, _ = os.ReadFile(filepath.Join(dir2, "credentials.conf"))
	if strings.Contains(string(b), liveCreds.ollama) || strings.Contains(string(b), liveCreds.qdrant) || !strings.Contains(string(b), liveCreds.crawl4ai) {
		t.Errorf("credentials.conf for n8n+crawl4ai:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(dir2, "qdrant-ui.htpasswd")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("htpasswd written without qdrant: %v", err)
	}
}
