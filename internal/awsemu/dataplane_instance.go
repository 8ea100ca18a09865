package awsemu

// The instance's host NGINX (port 80) as the boot script configures it, per
// CONTRACT-appsec: /healthz, a route per selected service, the credential
// checks against the values in SSM under the manifest's credentials path,
// and stub upstreams that name their service.

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

// nginxPage is NGINX's own error page (server_tokens off).
func nginxPage(status int) *vresp {
	title := albStatusText[status]
	if title == "" {
		title = http.StatusText(status)
	}
	switch status {
	case 401:
		title = "401 Authorization Required"
	case 403:
		title = "403 Forbidden"
	case 301:
		title = "301 Moved Permanently"
	}
	return textResponse(status, "text/html",
		"<html>\r\n<head><title>"+title+"</title></head>\r\n<body>\r\n<center><h1>"+title+"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
}

func stub(service string) *vresp {
	b, _ := json.Marshal(map[string]string{"service": service})
	return textResponse(http.StatusOK, "application/json", string(b)+"\n")
}

var manifestCredentials = regexp.MustCompile(`credentials=(\S+)`)

// credentialsPath reads the manifest's credentials field: a JSON member of
// the manifest, or a credentials=<path> token on the manifest line.
func credentialsPath(line string) string {
	var m map[string]any
	if json.Unmarshal([]byte(line), &m) == nil {
		if v, ok := m["credentials"].(string); ok {
			return v
		}
	}
	if sm := manifestCredentials.FindStringSubmatch(line); sm != nil {
		return strings.Trim(sm[1], `",}`)
	}
	return ""
}

type nginxCreds struct {
	required                 bool
	ownerEmail, ownerPass    string
	ollama, qdrant, crawl4ai string
}

func equalSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (fl *flow) instance(src source, ep *endpoint, r *vreq) *vresp {
	v := ep.inst
	m, _ := bootmarker.ParseManifest(decodeScript(v.inst.userData))
	selected := map[string]bool{}
	for _, s := range m.Services {
		selected[s] = true
	}
	var creds nginxCreds
	if p := credentialsPath(v.manifestLine()); p != "" {
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		get := func(name string) string {
			val, _ := fl.dp.ssmValue(v.ec2.region, p+name)
			return val
		}
		creds = nginxCreds{required: true, ownerEmail: get("n8n-owner-email"), ownerPass: get("n8n-owner-password"),
			ollama: get("ollama-api-key"), qdrant: get("qdrant-api-key"), crawl4ai: get("crawl4ai-token")}
	}
	resp := fl.nginx(v, selected, creds, r)
	for k, val := range map[string]string{"X-Frame-Options": "SAMEORIGIN", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"} {
		resp.header.Set(k, val)
	}
	resp.header.Set("Server", "nginx")
	resp.latency = fl.dp.e.KnobDuration("dataplane.instance_latency", 0)
	if resp.latency < 0 {
		resp.latency = 0
	}
	return resp
}

// nginx routes like the boot script's server block: exact locations, then
// the longest prefix, on the normalised path.
func (fl *flow) nginx(v instView, selected map[string]bool, creds nginxCreds, r *vreq) *vresp {
	p, err := url.PathUnescape(r.path)
	if err != nil || !strings.HasPrefix(p, "/") {
		resp := nginxPage(http.StatusBadRequest)
		resp.note("path does not parse")
		return resp
	}
	clean := path.Clean(p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	bearer := strings.TrimPrefix(r.header.Get("Authorization"), "Bearer ")
	hasBearer := strings.HasPrefix(r.header.Get("Authorization"), "Bearer ")
	unauthorized := func(challenge, why string) *vresp {
		resp := nginxPage(http.StatusUnauthorized)
		resp.header.Set("WWW-Authenticate", challenge)
		resp.note(why)
		return resp
	}
	switch {
	case clean == "/healthz":
		resp := textResponse(http.StatusOK, "text/plain", "ok\n")
		resp.note("nginx /healthz")
		return resp
	case creds.required && (clean == "/rest/owner/setup" || clean == "/setup" || strings.HasPrefix(clean, "/setup/") || strings.HasPrefix(clean, "/rest/owner/setup/")):
		resp := nginxPage(http.StatusForbidden)
		resp.note("owner setup is closed")
		return resp
	case clean == "/qdrant-ui" && selected["qdrant"]:
		resp := nginxPage(http.StatusMovedPermanently)
		resp.header.Set("Location", "/qdrant-ui/")
		return resp
	case strings.HasPrefix(clean, "/api/ollama/"):
		if !selected["ollama"] {
			break
		}
		if creds.required && !(hasBearer && equalSecret(bearer, creds.ollama)) {
			return unauthorized("Bearer", "ollama: missing or wrong bearer key")
		}
		return stub("ollama")
	case strings.HasPrefix(clean, "/qdrant/"):
		if !selected["qdrant"] {
			break
		}
		if creds.required && !(equalSecret(r.header.Get("Api-Key"), creds.qdrant) || (hasBearer && equalSecret(bearer, creds.qdrant))) {
			return unauthorized("Bearer", "qdrant: missing or wrong api-key")
		}
		return stub("qdrant")
	case strings.HasPrefix(clean, "/qdrant-ui/"):
		if !selected["qdrant"] {
			break
		}
		if creds.required {
			user, pass, ok := basicAuth(r.header.Get("Authorization"))
			if !ok || user != "qdrant" || !equalSecret(pass, creds.qdrant) {
				return unauthorized(`Basic realm="qdrant"`, "qdrant-ui: missing or wrong basic credentials")
			}
		}
		return stub("qdrant")
	case strings.HasPrefix(clean, "/crawl4ai/"):
		if !selected["crawl4ai"] {
			break
		}
		if creds.required && !(hasBearer && equalSecret(bearer, creds.crawl4ai)) {
			return unauthorized("Bearer", "crawl4ai: missing or wrong bearer token")
		}
		return stub("crawl4ai")
	default:
		if selected["n8n"] {
			return fl.n8n(v, creds, clean, r)
		}
	}
	resp := nginxPage(http.StatusNotFound)
	resp.note("no route for " + clean)
	return resp
}

// n8n stands in for n8n behind NGINX: its own login guards /rest/*.
func (fl *flow) n8n(v instView, creds nginxCreds, clean string, r *vreq) *vresp {
	if !strings.HasPrefix(clean, "/rest/") && clean != "/rest" {
		return stub("n8n")
	}
	if !creds.required {
		// An instance without managed credentials (adopted from the CLI):
		// n8n as the CLI set it up, without an owner the emulator knows.
		return stub("n8n")
	}
	sum := sha256.Sum256([]byte(v.inst.id + "\x00" + creds.ownerEmail + "\x00" + creds.ownerPass))
	token := hex.EncodeToString(sum[:16])
	if clean == "/rest/login" && r.method == http.MethodPost {
		var body struct {
			Email    string `json:"email"`
			Login    string `json:"emailOrLdapLoginId"`
			Password string `json:"password"`
		}
		_ = json.Unmarshal(r.body, &body)
		email := body.Login
		if email == "" {
			email = body.Email
		}
		if creds.ownerEmail == "" || !strings.EqualFold(email, creds.ownerEmail) || !equalSecret(body.Password, creds.ownerPass) {
			resp := textResponse(http.StatusUnauthorized, "application/json", `{"code":401,"message":"Wrong username or password. Do you have caps lock on?"}`+"\n")
			resp.note("n8n login refused")
			return resp
		}
		resp := stub("n8n")
		resp.header.Add("Set-Cookie", "n8n-auth="+token+"; Path=/; HttpOnly; SameSite=Lax")
		resp.note("n8n login")
		return resp
	}
	for _, c := range (&http.Request{Header: http.Header{"Cookie": r.header.Values("Cookie")}}).Cookies() {
		if c.Name == "n8n-auth" && equalSecret(c.Value, token) {
			return stub("n8n")
		}
	}
	resp := textResponse(http.StatusUnauthorized, "application/json", `{"status":"error","message":"Unauthorized"}`+"\n")
	resp.note("n8n: no session")
	return resp
}

func basicAuth(h string) (user, pass string, ok bool) {
	enc, found := strings.CutPrefix(h, "Basic ")
	if !found {
		return "", "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(string(b), ":")
	return user, pass, ok
}
