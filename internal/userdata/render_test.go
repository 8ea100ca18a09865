package userdata

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current templates")

// configs are the rendered configurations every script-level test runs on;
// the first three have golden files. The provider always sets
// CredentialsPath; configs without it render the unauthenticated script kept
// for adopted deployments.
var configs = []struct {
	name string
	p    Params
}{
	{"tier1-cpu-all", Params{
		Deployment: "dev-stack", Region: "us-east-1", Tier: 1,
		Services: AllServices(), OllamaModels: DefaultModels(false),
		EFSID: "fs-0a1b2c3d4e5f60718", MountTargetIP: "10.0.1.25",
	}},
	{"tier3-gpu-all", Params{
		Deployment: "gpu-stack", Region: "eu-west-1", Tier: 3, GPU: true,
		Services: DefaultServices(), OllamaModels: DefaultModels(true),
		EFSID: "fs-0123456789abcdef0", MountTargetIP: "10.20.2.40",
		CredentialsPath: CredentialsPathFor("gpu-stack"),
	}},
	{"tier2-ollama-qdrant", Params{
		Deployment: "vectors", Region: "us-west-2", Tier: 2,
		Services: []string{ServiceQdrant, ServiceOllama}, OllamaModels: []string{ModelEmbedding},
		EFSID: "fs-00000000000000abc", MountTargetIP: "172.31.5.6",
		CredentialsPath: CredentialsPathFor("vectors"),
	}},
	{"tier2-gpu-ollama-only-no-models", Params{
		Deployment: "bare", Region: "ap-southeast-2", Tier: 2, GPU: true,
		Services: []string{ServiceOllama},
		EFSID:    "fs-11111111", MountTargetIP: "10.0.0.9",
	}},
	{"tier1-postgres-only", Params{
		Deployment: "db", Region: "us-east-2", Tier: 1,
		Services: []string{ServicePostgres},
		EFSID:    "fs-22222222", MountTargetIP: "10.0.0.10",
		Images: map[string]string{ServicePostgres: "postgres:17.6"},
	}},
	{"tier1-secured-n8n-crawl4ai", Params{
		Deployment: "flows", Region: "us-east-1", Tier: 1,
		Services: []string{ServiceN8N, ServicePostgres, ServiceCrawl4AI},
		EFSID:    "fs-33333333", MountTargetIP: "10.0.0.11",
		CredentialsPath: CredentialsPathFor("flows"),
	}},
	{"tier2-secured-postgres-only", Params{
		Deployment: "db2", Region: "us-east-2", Tier: 2,
		Services: []string{ServicePostgres},
		EFSID:    "fs-44444444", MountTargetIP: "10.0.0.12",
		CredentialsPath: CredentialsPathFor("db2"),
	}},
}

func render(t *testing.T, p Params) Result {
	t.Helper()
	r, err := Render(p)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return r
}

func TestGolden(t *testing.T) {
	for _, c := range configs[:3] {
		t.Run(c.name, func(t *testing.T) {
			r := render(t, c.p)
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(r.Script), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/userdata -update to create it)", err)
			}
			if r.Script != string(want) {
				t.Errorf("script differs from %s; if the change is intended, run go test ./internal/userdata -update and review the diff", path)
			}
		})
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, b := render(t, configs[1].p), render(t, configs[1].p)
	if string(a.Gzipped) != string(b.Gzipped) || a.Base64 != b.Base64 {
		t.Fatal("two renders of the same params differ")
	}
}

func TestGzipRoundTrip(t *testing.T) {
	r := render(t, configs[1].p)
	s, err := Decompress(r.Gzipped)
	if err != nil || s != r.Script {
		t.Fatalf("Decompress: err=%v equal=%v", err, s == r.Script)
	}
	if s, _ := Decompress([]byte("#!/bin/bash\n")); s != "#!/bin/bash\n" {
		t.Fatalf("plain user data changed: %q", s)
	}
}

func TestSizes(t *testing.T) {
	for _, c := range configs {
		r := render(t, c.p)
		t.Logf("%-34s script %6d bytes, gzipped %5d bytes (limit %d)", c.name, len(r.Script), len(r.Gzipped), MaxUserDataBytes)
		if len(r.Gzipped) > MaxUserDataBytes {
			t.Errorf("%s: %d bytes gzipped", c.name, len(r.Gzipped))
		}
	}
}

func TestDefaultTier3GPUFits(t *testing.T) {
	r := render(t, Params{
		Deployment: "a-rather-long-deployment-name-for-the-demo", Region: "ap-northeast-1", Tier: 3, GPU: true,
		Services: DefaultServices(), OllamaModels: DefaultModels(true),
		EFSID: "fs-0123456789abcdef0", MountTargetIP: "10.255.255.254",
		CredentialsPath: CredentialsPathFor("a-rather-long-deployment-name-for-the-demo"),
	})
	if len(r.Gzipped) > MaxUserDataBytes {
		t.Fatalf("default tier-3 GPU user data is %d bytes gzipped, over %d", len(r.Gzipped), MaxUserDataBytes)
	}
}

func TestTooLarge(t *testing.T) {
	p := configs[1].p
	p.OllamaModels = nil
	for i := range 4000 {
		p.OllamaModels = append(p.OllamaModels, "someone/an-absurdly-long-model-name-"+strings.Repeat("x", i%50)+":q4_"+string(rune('a'+i%26))+strings.Repeat("9", i%7)+"-"+strconv.Itoa(i))
	}
	_, err := Render(p)
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("err = %v, want *TooLargeError", err)
	}
	if tl.Limit != MaxUserDataBytes || tl.Size <= MaxUserDataBytes || tl.Models != len(p.OllamaModels) {
		t.Fatalf("TooLargeError = %+v", tl)
	}
	msg := err.Error()
	for _, want := range []string{strconv.Itoa(tl.Size), "16384", "fewer Ollama models or services"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestManifestLine(t *testing.T) {
	for _, c := range configs {
		r := render(t, c.p)
		lines := strings.SplitN(r.Script, "\n", 3)
		if lines[0] != "#!/bin/bash" || !strings.HasPrefix(lines[1], bootmarker.ManifestPrefix) {
			t.Fatalf("%s: first lines %q", c.name, lines[:2])
		}
		m, ok := bootmarker.ParseManifest(r.Script)
		if !ok {
			t.Fatalf("%s: no manifest", c.name)
		}
		if m.Deployment != c.p.Deployment || m.Tier != c.p.Tier || m.GPU != c.p.GPU || m.EFSID != c.p.EFSID ||
			!slices.Equal(m.Services, canonical(c.p.Services)) || !slices.Equal(m.Models, c.p.OllamaModels) ||
			m.CredentialsPath != c.p.CredentialsPath {
			t.Errorf("%s: manifest %+v", c.name, m)
		}
	}
}

// TestSteps checks the script announces exactly bootmarker.Steps, in order,
// with gpu only for GPU workloads.
func TestSteps(t *testing.T) {
	re := regexp.MustCompile(`(?m)^gm_step ([a-z]+)$`)
	for _, c := range configs {
		var got []string
		for _, m := range re.FindAllStringSubmatch(render(t, c.p).Script, -1) {
			got = append(got, m[1])
		}
		want := slices.DeleteFunc(slices.Clone(bootmarker.Steps), func(s string) bool { return s == "gpu" && !c.p.GPU })
		if !slices.Equal(got, want) {
			t.Errorf("%s: steps %v, want %v", c.name, got, want)
		}
	}
}

func TestNoCommentLines(t *testing.T) {
	for _, c := range configs {
		for i, line := range strings.Split(render(t, c.p).Script, "\n") {
			t2 := strings.TrimSpace(line)
			if i > 1 && strings.HasPrefix(t2, "#") && !strings.HasPrefix(t2, "#!") {
				t.Errorf("%s: comment line %d survived: %q", c.name, i+1, line)
			}
		}
	}
}

func TestBashSyntax(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	for _, c := range configs {
		for name, script := range scripts(t, c.p) {
			path := writeTemp(t, name+".sh", script)
			if out, err := exec.Command("bash", "-n", path).CombinedOutput(); err != nil {
				t.Errorf("%s/%s: bash -n: %v\n%s", c.name, name, err, out)
			}
		}
	}
}

func TestShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		if os.Getenv("GEUSEMAKER_REQUIRE_SHELLCHECK") == "1" {
			t.Fatal("shellcheck is required (GEUSEMAKER_REQUIRE_SHELLCHECK=1) but not installed: apt-get install -y shellcheck")
		}
		t.Skip("shellcheck not installed (apt-get install -y shellcheck); set GEUSEMAKER_REQUIRE_SHELLCHECK=1 to make this a failure")
	}
	for _, c := range configs {
		for name, script := range scripts(t, c.p) {
			path := writeTemp(t, name+".sh", script)
			if out, err := exec.Command("shellcheck", "--shell=bash", "--severity=style", path).CombinedOutput(); err != nil {
				t.Errorf("%s/%s: shellcheck: %v\n%s", c.name, name, err, out)
			}
		}
	}
}

// scripts returns the boot script and the helper scripts it installs
// (written through quoted here-documents, which shellcheck does not read
// inside the boot script).
func scripts(t *testing.T, p Params) map[string]string {
	t.Helper()
	out := map[string]string{"boot": render(t, p).Script}
	for _, part := range []string{"url-sync.sh.tmpl", "models.sh.tmpl", "markers.sh.tmpl"} {
		s, err := renderPart(part, p)
		if err != nil {
			t.Fatal(err)
		}
		if part == "markers.sh.tmpl" {
			s = "#!/bin/bash\nset -Eeuo pipefail\n" + s
		}
		out[strings.TrimSuffix(part, ".sh.tmpl")] = s
	}
	return out
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

type composeFile struct {
	Name     string `yaml:"name"`
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Restart     string            `yaml:"restart"`
		Ports       []string          `yaml:"ports"`
		Environment map[string]string `yaml:"environment"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Deploy struct {
			Resources struct {
				Reservations struct {
					Devices []struct {
						Driver       string   `yaml:"driver"`
						Count        string   `yaml:"count"`
						Capabilities []string `yaml:"capabilities"`
					} `yaml:"devices"`
				} `yaml:"reservations"`
			} `yaml:"resources"`
		} `yaml:"deploy"`
	} `yaml:"services"`
}

func TestCompose(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			r := render(t, c.p)
			var cf composeFile
			if err := yaml.Unmarshal([]byte(r.Compose), &cf); err != nil {
				t.Fatalf("compose does not parse: %v\n%s", err, r.Compose)
			}
			if !strings.Contains(r.Script, r.Compose) {
				t.Error("the script does not write the rendered compose file verbatim")
			}
			var names []string
			for name := range cf.Services {
				names = append(names, name)
			}
			slices.Sort(names)
			want := slices.Sorted(slices.Values(c.p.Services))
			if !slices.Equal(names, want) {
				t.Fatalf("compose services %v, want %v", names, want)
			}
			images := DefaultImages()
			for k, v := range c.p.Images {
				images[k] = v
			}
			for name, s := range cf.Services {
				if s.Image != images[name] {
					t.Errorf("%s: image %q, want %q", name, s.Image, images[name])
				}
				if strings.HasSuffix(s.Image, ":latest") || !strings.Contains(s.Image, ":") {
					t.Errorf("%s: image %q is not pinned", name, s.Image)
				}
				if s.Restart != "unless-stopped" {
					t.Errorf("%s: restart %q", name, s.Restart)
				}
				if len(s.Healthcheck.Test) == 0 {
					t.Errorf("%s: no healthcheck", name)
				}
				for _, hc := range s.Healthcheck.Test {
					if strings.Contains(hc, "curl") || strings.Contains(hc, "wget") {
						t.Errorf("%s: healthcheck needs curl/wget: %v", name, s.Healthcheck.Test)
					}
				}
				for _, port := range s.Ports {
					if !strings.HasPrefix(port, "127.0.0.1:") {
						t.Errorf("%s: port %q is not bound to 127.0.0.1", name, port)
					}
				}
				for k, v := range s.Environment {
					if strings.Contains(k, "PASSWORD") || strings.Contains(k, "KEY") || strings.Contains(k, "TOKEN") {
						if !strings.HasPrefix(v, "${") {
							t.Errorf("%s: secret %s is a literal in the compose file", name, k)
						}
					}
				}
				gpu := len(s.Deploy.Resources.Reservations.Devices) > 0
				if want := name == ServiceOllama && c.p.GPU; gpu != want {
					t.Errorf("%s: GPU reservation %v, want %v", name, gpu, want)
				}
				if gpu {
					d := s.Deploy.Resources.Reservations.Devices[0]
					if d.Driver != "nvidia" || d.Count != "all" || !slices.Contains(d.Capabilities, "gpu") {
						t.Errorf("ollama GPU reservation %+v", d)
					}
				}
			}
			if strings.Contains(r.Script, ":latest") {
				t.Error("the script mentions a latest tag")
			}
			// With credentials, each service gets its own from the .env,
			// and nothing else.
			secured := c.p.CredentialsPath != ""
			for svc, env := range map[string]map[string]string{
				ServiceN8N: {
					"N8N_INSTANCE_OWNER_MANAGED_BY_ENV": "true",
					"N8N_INSTANCE_OWNER_EMAIL":          "${N8N_OWNER_EMAIL:?}",
					"N8N_INSTANCE_OWNER_PASSWORD_HASH":  "${N8N_OWNER_PASSWORD_HASH:?}",
				},
				ServiceQdrant:   {"QDRANT__SERVICE__API_KEY": "${QDRANT_API_KEY:?}"},
				ServiceCrawl4AI: {"CRAWL4AI_API_TOKEN": map[bool]string{true: "${CRAWL4AI_TOKEN:?}", false: "${CRAWL4AI_API_TOKEN:?}"}[secured]},
			} {
				s, ok := cf.Services[svc]
				if !ok {
					continue
				}
				for k, want := range env {
					got, set := s.Environment[k]
					if wantSet := secured || k == "CRAWL4AI_API_TOKEN"; set != wantSet {
						t.Errorf("%s: %s set=%v, want %v", svc, k, set, wantSet)
					} else if set && got != want {
						t.Errorf("%s: %s=%q, want %q", svc, k, got, want)
					}
				}
			}
		})
	}
}

func TestNginxRoutes(t *testing.T) {
	routes := map[string][]string{
		ServiceN8N:      {"location / {\n        proxy_pass http://127.0.0.1:5678;", "proxy_pass http://127.0.0.1:5678/healthz/readiness;"},
		ServiceOllama:   {"location /api/ollama/ {", "proxy_pass http://127.0.0.1:11434/;", "proxy_read_timeout 600s;"},
		ServiceQdrant:   {"location /qdrant/ {", "location /qdrant-ui/ {", "return 302 /qdrant-ui/dashboard/;"},
		ServiceCrawl4AI: {"location /crawl4ai/ {", "proxy_pass http://127.0.0.1:11235/;"},
	}
	for _, c := range configs {
		s := render(t, c.p).Script
		for svc, snippets := range routes {
			for _, snip := range snippets {
				if got, want := strings.Contains(s, snip), slices.Contains(c.p.Services, svc); got != want {
					t.Errorf("%s: route %q present=%v, want %v", c.name, snip, got, want)
				}
			}
		}
		for _, must := range []string{"listen 80 default_server;", "client_max_body_size 50M;", "X-Content-Type-Options nosniff",
			"rm -f /etc/nginx/sites-enabled/default", "nginx -t", "systemctl restart nginx", "location = /healthz"} {
			if !strings.Contains(s, must) {
				t.Errorf("%s: missing %q", c.name, must)
			}
		}
		if strings.Contains(s, "systemctl start nginx") {
			t.Errorf("%s: nginx must be restarted, not started", c.name)
		}
	}
}

func TestScriptSafetyRules(t *testing.T) {
	for _, c := range configs {
		s := render(t, c.p).Script
		for _, must := range []string{
			"set -Eeuo pipefail",
			"trap 'gm_on_exit \"$?\" \"$BASH_COMMAND\"' EXIT",
			"trap 'gm_on_err \"$LINENO\" \"$BASH_COMMAND\" \"$?\"' ERR",
			"systemctl stop apt-daily.timer apt-daily-upgrade.timer",
			"DPkg::Lock::Timeout=600",
			"openssl rand -hex",
			"install -d -m 0700 \"$EFS/.geusemaker\"",
			"RequiresMountsFor=",
		} {
			if !strings.Contains(s, must) {
				t.Errorf("%s: missing %q", c.name, must)
			}
		}
		if strings.Contains(s, "/var/lib/docker:") || strings.Contains(s, "data-root") {
			t.Errorf("%s: the script moves Docker's data root", c.name)
		}
		if strings.Contains(s, "N8N_ENCRYPTION_KEY='") || strings.Contains(s, "POSTGRES_PASSWORD='") {
			t.Errorf("%s: a secret value is in the user data", c.name)
		}
		secured := c.p.CredentialsPath != ""
		exposed := secured && len(CredentialParams(c.p.Services)) > 0
		for must, want := range map[string]bool{
			"aws ssm get-parameters --region \"$REGION\" --with-decryption": exposed,
			"install --no-install-recommends awscli":                        exposed,
			"\ncreds\n":                                                     exposed,
			"CREDS=" + shellQuote(c.p.CredentialsPath):                      exposed,
			"\nnginx_creds\n":                                               secured,
			"\nlocked ":                                                     exposed,
		} {
			if strings.Contains(s, must) != want {
				t.Errorf("%s: %q present=%v, want %v", c.name, must, !want, want)
			}
		}
		// Tracing would print credentials; the script never turns it on.
		if strings.Contains(s, "set -x") || strings.Contains(s, "set -o xtrace") || strings.Contains(s, "bash -x") {
			t.Errorf("%s: the script enables xtrace", c.name)
		}
		if got := strings.Contains(s, "GEUSEMAKER_URLSYNC"); got != slices.Contains(c.p.Services, ServiceN8N) {
			t.Errorf("%s: url sync installed=%v", c.name, got)
		}
		if got := strings.Contains(s, "systemd-run --unit=geusemaker-models"); got != (len(c.p.OllamaModels) > 0) {
			t.Errorf("%s: model pull started=%v", c.name, got)
		}
	}
}

func TestValidateServices(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string // substring of the error, "" for nil
	}{
		{AllServices(), ""},
		{[]string{ServiceOllama}, ""},
		{[]string{ServicePostgres}, ""},
		{[]string{ServiceN8N, ServicePostgres}, ""},
		{nil, "at least one service"},
		{[]string{}, "at least one service"},
		{[]string{"redis"}, `unknown service "redis"`},
		{[]string{ServiceN8N}, `"n8n" requires "postgres"`},
		{[]string{ServiceN8N, ServiceOllama, ServiceQdrant}, "requires"},
		{[]string{ServiceOllama, ServiceOllama}, "twice"},
	} {
		err := ValidateServices(tc.in)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ValidateServices(%v) = %v", tc.in, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("ValidateServices(%v) = %v, want error with %q", tc.in, err, tc.want)
		}
	}
	if !slices.Equal(DefaultServices(), AllServices()) {
		t.Error("DefaultServices should be the whole stack")
	}
	AllServices()[0] = "mutated"
	if AllServices()[0] != ServiceN8N {
		t.Error("AllServices returns shared state")
	}
}

func TestDefaultModels(t *testing.T) {
	cpu, gpu := DefaultModels(false), DefaultModels(true)
	if len(cpu) != 2 || len(gpu) != 3 || !slices.Equal(gpu[:2], cpu) {
		t.Fatalf("cpu %v gpu %v", cpu, gpu)
	}
	for _, m := range gpu {
		if !reModel.MatchString(m) || !strings.Contains(m, ":") || strings.HasSuffix(m, ":latest") {
			t.Errorf("model %q is not a pinned Ollama tag", m)
		}
	}
}

func TestDefaultImagesPinned(t *testing.T) {
	images := DefaultImages()
	for _, s := range AllServices() {
		ref, ok := images[s]
		if !ok {
			t.Errorf("no default image for %s", s)
			continue
		}
		if err := checkImage(ref); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	images[ServiceN8N] = "mutated"
	if DefaultImages()[ServiceN8N] == "mutated" {
		t.Error("DefaultImages returns shared state")
	}
}

func TestPostgresMount(t *testing.T) {
	for image, want := range map[string]string{
		"postgres:18.6":        "/var/lib/postgresql",
		"postgres:19":          "/var/lib/postgresql",
		"postgres:17.6":        "/var/lib/postgresql/data",
		"postgres:16-alpine":   "/var/lib/postgresql/data",
		"docker.io/postgres:9": "/var/lib/postgresql/data",
		"postgres@sha256:" + strings.Repeat("0", 64): "/var/lib/postgresql",
	} {
		if got := postgresMount(image); got != want {
			t.Errorf("postgresMount(%q) = %q, want %q", image, got, want)
		}
	}
	s := render(t, configs[4].p).Compose
	if !strings.Contains(s, "/mnt/efs/postgres:/var/lib/postgresql/data") {
		t.Errorf("postgres 17 override mounted at the wrong place:\n%s", s)
	}
}

func TestParamErrors(t *testing.T) {
	base := configs[0].p
	for _, tc := range []struct {
		field string
		mut   func(*Params)
	}{
		{"Deployment", func(p *Params) { p.Deployment = "bad name; rm -rf /" }},
		{"Region", func(p *Params) { p.Region = "moon-1" }},
		{"Tier", func(p *Params) { p.Tier = 4 }},
		{"Services", func(p *Params) { p.Services = []string{ServiceN8N} }},
		{"EFSID", func(p *Params) { p.EFSID = "fs-'$(id)'" }},
		{"MountTargetIP", func(p *Params) { p.MountTargetIP = "10.0.0.300" }},
		{"MountTargetIP", func(p *Params) { p.MountTargetIP = "fd00::1" }},
		{"OllamaModels", func(p *Params) { p.OllamaModels = []string{"qwen'; reboot"} }},
		{"OllamaModels", func(p *Params) { p.Services = []string{ServiceQdrant}; p.OllamaModels = []string{"x:1"} }},
		{"Images", func(p *Params) { p.Images = map[string]string{ServiceN8N: "n8nio/n8n:latest"} }},
		{"Images", func(p *Params) { p.Images = map[string]string{ServiceN8N: "n8nio/n8n"} }},
		{"Images", func(p *Params) { p.Images = map[string]string{"redis": "redis:7"} }},
		{"CredentialsPath", func(p *Params) { p.CredentialsPath = "/geusemaker/x" }},
		{"CredentialsPath", func(p *Params) { p.CredentialsPath = "geusemaker/x/" }},
		{"CredentialsPath", func(p *Params) { p.CredentialsPath = "/geusemaker/x'$(id)/" }},
		{"CredentialsPath", func(p *Params) { p.CredentialsPath = "/geusemaker/../x/" }},
	} {
		p := base
		tc.mut(&p)
		_, err := Render(p)
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Field != tc.field {
			t.Errorf("%s: err = %v", tc.field, err)
		}
	}
	p := base
	p.Images = map[string]string{ServiceN8N: "registry.example.com:5000/n8n@sha256:" + strings.Repeat("ab", 32)}
	if _, err := Render(p); err != nil {
		t.Errorf("digest-pinned image rejected: %v", err)
	}
}
