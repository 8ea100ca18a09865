package userdata

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// urlSync runs the rendered geusemaker-url-sync script against stub curl
// (instance metadata) and docker commands.
type urlSync struct {
	t      *testing.T
	script string
	dir    string
	bin    string
}

const stubCurl = `#!/bin/bash
printf '%s\n' "$*" >>"$STUB_DIR/curl.log"
url=${*: -1}
case $url in
*/latest/api/token) printf tok ;;
*/meta-data/tags/instance/geusemaker:public-url) [[ -n ${TAG:-} ]] || exit 22; printf '%s' "$TAG" ;;
*/meta-data/public-ipv4) [[ -n ${PUBLIC_IP:-} ]] || exit 22; printf '%s' "$PUBLIC_IP" ;;
*) exit 22 ;;
esac
`

const stubDocker = `#!/bin/bash
printf '%s\n' "$*" >>"$STUB_DIR/docker.log"
`

func newURLSync(t *testing.T, tier int) *urlSync {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	p := configs[0].p
	p.Tier = tier
	s, err := renderPart("url-sync.sh.tmpl", p)
	if err != nil {
		t.Fatal(err)
	}
	u := &urlSync{t: t, dir: t.TempDir()}
	u.bin = filepath.Join(u.dir, "bin")
	u.script = filepath.Join(u.dir, "geusemaker-url-sync")
	for path, content := range map[string]string{
		u.script:                          s,
		filepath.Join(u.bin, "curl"):      stubCurl,
		filepath.Join(u.bin, "docker"):    stubDocker,
		filepath.Join(u.dir, "opt/.keep"): "",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// run executes the script; it returns the runtime.env content and the docker
// invocations of this run.
func (u *urlSync) run(tag, publicIP string, args ...string) (env, docker string) {
	u.t.Helper()
	_ = os.Remove(filepath.Join(u.dir, "docker.log"))
	cmd := exec.Command("bash", append([]string{u.script}, args...)...)
	cmd.Env = append(os.Environ(),
		"PATH="+u.bin+":"+os.Getenv("PATH"),
		"STUB_DIR="+u.dir,
		"GEUSEMAKER_DIR="+filepath.Join(u.dir, "opt"),
		"TAG="+tag,
		"PUBLIC_IP="+publicIP,
	)
	if out, err := cmd.CombinedOutput(); err != nil {
		u.t.Fatalf("url sync %v (tag %q): %v\n%s", args, tag, err, out)
	}
	e, _ := os.ReadFile(filepath.Join(u.dir, "opt", "runtime.env"))
	d, _ := os.ReadFile(filepath.Join(u.dir, "docker.log"))
	return string(e), string(d)
}

func envOf(host, proto, url, cookie, hops string) string {
	return "N8N_HOST=" + host + "\nN8N_PROTOCOL=" + proto + "\nWEBHOOK_URL=" + url + "/\nN8N_EDITOR_BASE_URL=" + url +
		"/\nN8N_SECURE_COOKIE=" + cookie + "\nN8N_PROXY_HOPS=" + hops + "\n"
}

func TestURLSync(t *testing.T) {
	u := newURLSync(t, 2)

	// Boot, before the provider has tagged the instance: the public IP.
	env, docker := u.run("", "3.4.5.6", "init")
	if want := envOf("3.4.5.6", "http", "http://3.4.5.6", "false", "2"); env != want {
		t.Fatalf("init env:\n%s\nwant:\n%s", env, want)
	}
	if docker != "" {
		t.Errorf("init touched containers: %q", docker)
	}
	// Timer runs without a tag change nothing.
	if env2, docker := u.run("", "3.4.5.6"); env2 != env || docker != "" {
		t.Errorf("untagged run changed things: %q %q", env2, docker)
	}

	// The provider tags the ALB URL (trailing slash tolerated).
	env, docker = u.run("http://gm-alb-123456.us-east-1.elb.amazonaws.com/", "")
	if want := envOf("gm-alb-123456.us-east-1.elb.amazonaws.com", "http", "http://gm-alb-123456.us-east-1.elb.amazonaws.com", "false", "2"); env != want {
		t.Fatalf("ALB env:\n%s\nwant:\n%s", env, want)
	}
	wantDocker := "compose -f " + filepath.Join(u.dir, "opt", "docker-compose.yml") + " up -d --no-deps --force-recreate n8n\n"
	if docker != wantDocker {
		t.Errorf("docker calls %q, want %q", docker, wantDocker)
	}

	// Then the CloudFront URL: https, secure cookie, one more proxy hop.
	env, docker = u.run("https://d1234abcdef8.cloudfront.net", "")
	if want := envOf("d1234abcdef8.cloudfront.net", "https", "https://d1234abcdef8.cloudfront.net", "true", "3"); env != want {
		t.Fatalf("CloudFront env:\n%s\nwant:\n%s", env, want)
	}
	if docker != wantDocker {
		t.Errorf("docker calls %q", docker)
	}
	// Unchanged tag: n8n is not recreated every minute.
	if _, docker := u.run("https://d1234abcdef8.cloudfront.net", ""); docker != "" {
		t.Errorf("unchanged tag recreated n8n: %q", docker)
	}
	// A tag that is not a plain URL is ignored.
	if env2, docker := u.run("https://evil.example.com/\nN8N_HOST=x", ""); env2 != env || docker != "" {
		t.Errorf("bad tag applied: %q %q", env2, docker)
	}

	// IMDSv2: every metadata read carries the session token.
	log, _ := os.ReadFile(filepath.Join(u.dir, "curl.log"))
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		if strings.Contains(line, "/api/token") {
			if !strings.Contains(line, "-X PUT") || !strings.Contains(line, "X-aws-ec2-metadata-token-ttl-seconds") {
				t.Errorf("token request %q", line)
			}
		} else if !strings.Contains(line, "X-aws-ec2-metadata-token: tok") {
			t.Errorf("metadata read without the IMDSv2 token: %q", line)
		}
	}
}

func TestURLSyncHopsFollowTier(t *testing.T) {
	for tier, hops := range map[int]string{1: "1", 2: "2", 3: "3"} {
		u := newURLSync(t, tier)
		env, _ := u.run("https://ai.example.com", "", "init")
		if want := envOf("ai.example.com", "https", "https://ai.example.com", "true", hops); env != want {
			t.Errorf("tier %d custom domain env:\n%s\nwant:\n%s", tier, env, want)
		}
	}
	u := newURLSync(t, 1)
	if env, _ := u.run("", "", "init"); !strings.Contains(env, "WEBHOOK_URL=http://localhost/\n") {
		t.Errorf("no public IP: env %q", env)
	}
}
