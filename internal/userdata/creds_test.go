package userdata

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

// The credential values an instance reads from SSM in these tests. Every
// test checks that none of them reaches the console or the boot log.
var ssmValues = map[string]string{
	ParamN8NOwnerEmail:    "owner@example.com",
	ParamN8NOwnerPassword: "Owner-Passw0rd-9xk2LmQ7",
	ParamOllamaAPIKey:     "ollama_k3y_0123456789abcdefghijklmnopqrstuv",
	ParamQdrantAPIKey:     "qdrant_k3y_0123456789abcdefghijklmnopqrstuv",
	ParamCrawl4AIToken:    "crawl4ai_t0ken_0123456789abcdefghijklmnopqr",
}

// ssmAnswer is a GetParameters answer for names under path, with the values
// of vals; names without a value are InvalidParameters.
func ssmAnswer(t *testing.T, path string, names []string, vals map[string]string) string {
	t.Helper()
	type param struct{ Name, Type, Value string }
	out := struct {
		Parameters        []param
		InvalidParameters []string
	}{Parameters: []param{}, InvalidParameters: []string{}}
	for _, n := range names {
		v, ok := vals[n]
		if !ok {
			out.InvalidParameters = append(out.InvalidParameters, path+n)
			continue
		}
		typ := "SecureString"
		if n == ParamN8NOwnerEmail {
			typ = "String"
		}
		out.Parameters = append(out.Parameters, param{path + n, typ, v})
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stubAWS answers with the file $STUB_DIR/answer after failing the first
// $AWS_FAILS calls the way the CLI does before the instance profile works.
const stubAWS = `#!/bin/bash
printf '%s\n' "$*" >>"$STUB_DIR/aws.log"
n=$(($(cat "$STUB_DIR/aws.count" 2>/dev/null || echo 0) + 1))
echo "$n" >"$STUB_DIR/aws.count"
if ((n <= ${AWS_FAILS:-0})); then
  echo "Unable to locate credentials. You can configure credentials by running \"aws configure\"." >&2
  exit 255
fi
cat "$STUB_DIR/answer"
`

type credsRun struct {
	console, log, dir string
	code              int
	awsCalls          []string
}

// runCreds runs body after the script's helpers with a stub aws answering
// answer; extra stubs and env are added.
func runCreds(t *testing.T, p Params, body, answer string, stubs map[string]string, env ...string) credsRun {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "answer"), answer, 0o644)
	if stubs == nil {
		stubs = map[string]string{}
	}
	stubs["aws"] = stubAWS
	env = append([]string{"STUB_DIR=" + dir, "GEUSEMAKER_LOG=" + filepath.Join(dir, "boot.log"), "T=" + dir}, env...)
	console, code := runScript(t, p, body, stubs, env...)
	r := credsRun{console: console, dir: dir, code: code}
	l, _ := os.ReadFile(filepath.Join(dir, "boot.log"))
	r.log = string(l)
	a, _ := os.ReadFile(filepath.Join(dir, "aws.log"))
	r.awsCalls = strings.Split(strings.TrimSpace(string(a)), "\n")
	// Nothing the script prints may carry a credential.
	for name, v := range ssmValues {
		if strings.Contains(r.console, v) || strings.Contains(r.log, v) {
			t.Errorf("the value of %s reached the console or the boot log:\n%s\n%s", name, r.console, r.log)
		}
	}
	return r
}

func TestCredsReadsSSMWithRetries(t *testing.T) {
	p := configs[1].p // every service, /geusemaker/gpu-stack/
	names := CredentialParams(p.Services)
	body := `creds
declare -p GM_NE GM_NP GM_OK GM_QK GM_CT GM_SSM >"$T/vars"
`
	r := runCreds(t, p, body, ssmAnswer(t, p.CredentialsPath, names, ssmValues), nil, "AWS_FAILS=2")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.console, r.log)
	}
	if len(r.awsCalls) != 3 {
		t.Errorf("aws called %d times, want 3 (two failures, then the answer): %q", len(r.awsCalls), r.awsCalls)
	}
	call := r.awsCalls[len(r.awsCalls)-1]
	want := "ssm get-parameters --region eu-west-1 --with-decryption --output json"
	if !strings.HasPrefix(call, want) {
		t.Errorf("aws %s\nwant it to start with %s", call, want)
	}
	_, got, _ := strings.Cut(call, "--names ")
	var wantNames []string
	for _, n := range names {
		wantNames = append(wantNames, "/geusemaker/gpu-stack/"+n)
	}
	if got != strings.Join(wantNames, " ") {
		t.Errorf("names %q, want %q", got, wantNames)
	}
	vars, _ := os.ReadFile(filepath.Join(r.dir, "vars"))
	for v, name := range map[string]string{"GM_NE": ParamN8NOwnerEmail, "GM_NP": ParamN8NOwnerPassword, "GM_OK": ParamOllamaAPIKey, "GM_QK": ParamQdrantAPIKey, "GM_CT": ParamCrawl4AIToken} {
		if !strings.Contains(string(vars), fmt.Sprintf("%s=%q", v, ssmValues[name])) {
			t.Errorf("%s not set from %s:\n%s", v, name, vars)
		}
	}
	if !strings.Contains(string(vars), `GM_SSM=""`) {
		t.Errorf("the raw SSM answer is kept in memory after use:\n%s", vars)
	}
	if !strings.Contains(r.log, "Unable to locate credentials") {
		t.Errorf("the CLI's error is not in the log:\n%s", r.log)
	}
}

func TestCredsAsksOnlyForTheSelectedServices(t *testing.T) {
	p := configs[5].p // n8n, postgres, crawl4ai
	names := CredentialParams(p.Services)
	if want := []string{ParamN8NOwnerEmail, ParamN8NOwnerPassword, ParamCrawl4AIToken}; !slices.Equal(names, want) {
		t.Fatalf("CredentialParams = %v, want %v", names, want)
	}
	r := runCreds(t, p, "creds\n", ssmAnswer(t, p.CredentialsPath, names, ssmValues), nil)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.console)
	}
	if strings.Contains(r.awsCalls[0], "ollama") || strings.Contains(r.awsCalls[0], "qdrant") || !strings.Contains(r.awsCalls[0], "/geusemaker/flows/crawl4ai-token") {
		t.Errorf("aws %s", r.awsCalls[0])
	}
	if CredentialParams([]string{ServicePostgres}) != nil {
		t.Error("postgres alone needs no credential")
	}
}

func TestCredsFailures(t *testing.T) {
	p := configs[2].p // ollama + qdrant, /geusemaker/vectors/
	names := CredentialParams(p.Services)
	bad := map[string]string{}
	for k, v := range ssmValues {
		bad[k] = v
	}
	bad[ParamQdrantAPIKey] = `short"key`
	ssmValues["bad-qdrant"] = bad[ParamQdrantAPIKey]
	defer delete(ssmValues, "bad-qdrant")
	missing := map[string]string{ParamOllamaAPIKey: ssmValues[ParamOllamaAPIKey]}
	for _, tc := range []struct {
		name, answer string
		env          []string
		reason       []string
		calls        int
	}{
		{"missing parameter", ssmAnswer(t, p.CredentialsPath, names, missing), nil,
			[]string{"could not read the credentials under /geusemaker/vectors/", "/geusemaker/vectors/qdrant-api-key"}, 12},
		{"no access", "", []string{"AWS_FAILS=99"}, []string{"GetParameters failed"}, 12},
		{"invalid value", ssmAnswer(t, p.CredentialsPath, names, bad), nil, []string{"SSM parameter /geusemaker/vectors/qdrant-api-key", "not a valid key"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCreds(t, p, "gm_step services\ncreds\ngm_complete\n", tc.answer, nil, tc.env...)
			rep := bootmarker.Parse(r.console)
			if r.code == 0 || !rep.Failed || rep.FailedStep != "services" {
				t.Fatalf("exit %d, report %+v\n%s", r.code, rep, r.console)
			}
			for _, want := range tc.reason {
				if !strings.Contains(rep.Reason, want) {
					t.Errorf("reason %q lacks %q", rep.Reason, want)
				}
			}
			if len(r.awsCalls) != tc.calls {
				t.Errorf("aws called %d times, want %d", len(r.awsCalls), tc.calls)
			}
		})
	}
}

// TestCredentialRulesAgree runs the script's cred_ok on the values
// CheckCredential judges, so the provider and the instance never disagree.
func TestCredentialRulesAgree(t *testing.T) {
	p := configs[1].p
	cases := []struct{ name, value string }{
		{ParamOllamaAPIKey, strings.Repeat("a", 32)},
		{ParamOllamaAPIKey, strings.Repeat("a", 31)},
		{ParamQdrantAPIKey, strings.Repeat("Z9_-", 64)},
		{ParamQdrantAPIKey, strings.Repeat("Z9_-", 64) + "a"},
		{ParamCrawl4AIToken, strings.Repeat("a", 40) + "."},
		{ParamCrawl4AIToken, strings.Repeat("a", 40) + " "},
		{ParamCrawl4AIToken, strings.Repeat("a", 40) + "$"},
		{ParamCrawl4AIToken, strings.Repeat("é", 40)},
		{ParamN8NOwnerEmail, "owner@example.com"},
		{ParamN8NOwnerEmail, "first.last+ai@sub.example.co.uk"},
		{ParamN8NOwnerEmail, "owner@localhost"},
		{ParamN8NOwnerEmail, "o'wner@example.com"},
		{ParamN8NOwnerEmail, "owner@example.com\n"},
		{ParamN8NOwnerEmail, ""},
		{ParamN8NOwnerPassword, "Abcdef1!"},
		{ParamN8NOwnerPassword, "Abcdef1"},
		{ParamN8NOwnerPassword, strings.Repeat("x", 64)},
		{ParamN8NOwnerPassword, strings.Repeat("x", 65)},
		{ParamN8NOwnerPassword, "with space'and\"quotes$"},
		{ParamN8NOwnerPassword, "tab\there1A"},
		{ParamN8NOwnerPassword, "ünïcødé-pässwörd"},
	}
	kind := map[string]string{ParamOllamaAPIKey: "key", ParamQdrantAPIKey: "key", ParamCrawl4AIToken: "key", ParamN8NOwnerEmail: "email", ParamN8NOwnerPassword: "password"}
	var body strings.Builder
	for i, c := range cases {
		fmt.Fprintf(&body, "if cred_ok %s %s; then echo %d=ok; else echo %d=bad; fi >>\"$T/out\"\n", kind[c.name], shellQuote(c.value), i, i)
	}
	dir := t.TempDir()
	if _, code := runScript(t, p, body.String(), map[string]string{}, "T="+dir); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out, _ := os.ReadFile(filepath.Join(dir, "out"))
	for i, c := range cases {
		goOK := CheckCredential(c.name, c.value) == nil
		bashOK := strings.Contains(string(out), fmt.Sprintf("\n%d=ok\n", i)) || strings.HasPrefix(string(out), fmt.Sprintf("%d=ok\n", i))
		if goOK != bashOK {
			t.Errorf("%s %q: CheckCredential ok=%v, cred_ok ok=%v", c.name, c.value, goOK, bashOK)
		}
	}
	if err := CheckCredential("redis-password", "x"); err == nil {
		t.Error("unknown parameter accepted")
	}
}

// stubDockerHash answers docker pull, and docker run with a bcrypt-shaped
// hash of what it read on stdin (logged, with the arguments).
const stubDockerHash = `#!/bin/bash
printf '%s\n' "$*" >>"$STUB_DIR/docker.log"
if [[ $1 == run ]]; then
  cat >"$STUB_DIR/docker.stdin"
  printf '%s' '$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234'
fi
`

func TestServicesWriteCredentialsEnv(t *testing.T) {
	p := configs[1].p
	names := CredentialParams(p.Services)
	script := render(t, p).Script
	body := "D=$T/opt\nEFS=$T/efs\nmkdir -p \"$EFS\"\n" + between(t, script, "gm_step services", "cat >\"$D/docker-compose.yml\"")
	r := runCreds(t, p, body, ssmAnswer(t, p.CredentialsPath, names, ssmValues), map[string]string{"docker": stubDockerHash})
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.console, r.log)
	}
	env := filepath.Join(r.dir, "opt", ".env")
	fi, err := os.Lstat(env)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Errorf(".env: mode %v, want a regular file with 0600", fi.Mode())
	}
	b, _ := os.ReadFile(env)
	for _, want := range []string{
		"POSTGRES_PASSWORD='", "N8N_ENCRYPTION_KEY='",
		"N8N_OWNER_EMAIL='owner@example.com'\n",
		"N8N_OWNER_PASSWORD_HASH='$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234'\n",
		"QDRANT_API_KEY='" + ssmValues[ParamQdrantAPIKey] + "'\n",
		"CRAWL4AI_TOKEN='" + ssmValues[ParamCrawl4AIToken] + "'\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf(".env lacks %q", want)
		}
	}
	// The containers need neither the owner's password nor the Ollama key
	// (NGINX checks it), and the crawl4ai token comes from SSM only.
	for _, not := range []string{ssmValues[ParamN8NOwnerPassword], ssmValues[ParamOllamaAPIKey], "CRAWL4AI_API_TOKEN="} {
		if strings.Contains(string(b), not) {
			t.Errorf(".env holds %q", not)
		}
	}
	// The EFS secrets file keeps generated secrets only.
	s, _ := os.ReadFile(filepath.Join(r.dir, "efs", ".geusemaker", "secrets.env"))
	for _, v := range ssmValues {
		if strings.Contains(string(s), v) {
			t.Errorf("an SSM value was written to EFS: %s", s)
		}
	}
	stdin, _ := os.ReadFile(filepath.Join(r.dir, "docker.stdin"))
	if string(stdin) != ssmValues[ParamN8NOwnerPassword] {
		t.Errorf("docker run read %q on stdin, want the owner password", stdin)
	}
	dl, _ := os.ReadFile(filepath.Join(r.dir, "docker.log"))
	if strings.Contains(string(dl), ssmValues[ParamN8NOwnerPassword]) {
		t.Errorf("the owner password is on docker's command line:\n%s", dl)
	}
	if !strings.Contains(string(dl), "pull -q n8nio/n8n:2.40.2") || !strings.Contains(string(dl), "run --rm -i --network none --entrypoint node -w /usr/local/lib/node_modules/n8n n8nio/n8n:2.40.2 -e") {
		t.Errorf("docker calls:\n%s", dl)
	}

	// A hash that is not bcrypt fails the step.
	broken := strings.Replace(stubDockerHash, `'$2a$10$`, `'plain`, 1)
	r = runCreds(t, p, body, ssmAnswer(t, p.CredentialsPath, names, ssmValues), map[string]string{"docker": broken})
	if rep := bootmarker.Parse(r.console); r.code == 0 || !strings.Contains(rep.Reason, "could not hash the n8n owner password") {
		t.Errorf("broken hash: exit %d, report %+v", r.code, rep)
	}
}

// stubCurlLogin logs arguments and stdin; it fails when REFUSE is set.
const stubCurlLogin = `#!/bin/bash
printf '%s | %s\n' "$*" "$(cat)" >>"$STUB_DIR/curl.log"
[[ -z ${REFUSE:-} ]]
`

func TestN8NOwnerLoginBeforeNginx(t *testing.T) {
	p := configs[1].p
	script := render(t, p).Script
	body := "GM_NE=" + shellQuote(ssmValues[ParamN8NOwnerEmail]) + "\nGM_NP=" + shellQuote(ssmValues[ParamN8NOwnerPassword]) + "\n" +
		"gm_step services\n" + between(t, script, "n8n_login() {", "gm_step nginx") + "gm_complete\n"
	r := runCreds(t, p, body, "{}", map[string]string{"curl": stubCurlLogin})
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.console)
	}
	log, _ := os.ReadFile(filepath.Join(r.dir, "curl.log"))
	args, stdin, _ := strings.Cut(strings.TrimSpace(string(log)), " | ")
	if !strings.HasSuffix(args, "--data-binary @- http://127.0.0.1:5678/rest/login") || strings.Contains(args, ssmValues[ParamN8NOwnerPassword]) {
		t.Errorf("curl %s", args)
	}
	var login struct {
		Email    string `json:"emailOrLdapLoginId"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal([]byte(stdin), &login); err != nil || login.Email != ssmValues[ParamN8NOwnerEmail] || login.Password != ssmValues[ParamN8NOwnerPassword] {
		t.Errorf("login body %q: %v", stdin, err)
	}

	r2 := runCreds(t, p, body, "{}", map[string]string{"curl": stubCurlLogin}, "REFUSE=1")
	if rep := bootmarker.Parse(r2.console); r2.code == 0 || rep.FailedStep != "services" || !strings.Contains(rep.Reason, "n8n refused the owner login") {
		t.Errorf("refused login: exit %d, report %+v", r2.code, rep)
	}
}

// stubCurlRoutes plays NGINX for the health step: hc requests succeed, and a
// request without credentials (-w '%{http_code}') answers $OPEN_CODE for
// $OPEN_PATH, else 401 (403 for the setup path).
const stubCurlRoutes = `#!/bin/bash
in=$(cat)
printf '%s | %s\n' "$*" "$in" >>"$STUB_DIR/curl.log"
url=${*: -1}
if [[ $* == *http_code* ]]; then
  if [[ $url == *"${OPEN_PATH:-none}" ]]; then printf '%s' "$OPEN_CODE"
  elif [[ $url == */rest/owner/setup ]]; then printf 403
  else printf 401; fi
fi
`

func TestHealthStepChecksCredentialsAndLocks(t *testing.T) {
	p := configs[1].p
	vars := fmt.Sprintf("GM_OK=%s\nGM_QK=%s\nGM_CT=%s\n", shellQuote(ssmValues[ParamOllamaAPIKey]), shellQuote(ssmValues[ParamQdrantAPIKey]), shellQuote(ssmValues[ParamCrawl4AIToken]))
	script := render(t, p).Script
	body := vars + between(t, script, "gm_step health", "gm_complete") + "gm_complete\n"
	stubs := func() map[string]string {
		return map[string]string{"curl": stubCurlRoutes, "docker": "#!/bin/bash\nexit 0\n"}
	}
	r := runCreds(t, p, body, "{}", stubs())
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.console)
	}
	log, _ := os.ReadFile(filepath.Join(r.dir, "curl.log"))
	for _, want := range []string{
		"-H @- http://127.0.0.1/healthz | \n",
		"-H @- http://127.0.0.1/api/ollama/api/version | Authorization: Bearer " + ssmValues[ParamOllamaAPIKey] + "\n",
		"-H @- http://127.0.0.1/qdrant/readyz | api-key: " + ssmValues[ParamQdrantAPIKey] + "\n",
		"-H @- http://127.0.0.1/crawl4ai/health | Authorization: Bearer " + ssmValues[ParamCrawl4AIToken] + "\n",
		"http://127.0.0.1/rest/owner/setup | \n",
		"http://127.0.0.1/api/ollama/api/version | \n",
		"http://127.0.0.1/qdrant/collections | \n",
		"http://127.0.0.1/qdrant-ui/dashboard/ | \n",
		"http://127.0.0.1/crawl4ai/health | \n",
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("curl log lacks %q:\n%s", want, log)
		}
	}
	for _, line := range strings.Split(string(log), "\n") {
		args, _, _ := strings.Cut(line, " | ")
		for _, v := range ssmValues {
			if strings.Contains(args, v) {
				t.Errorf("a credential on curl's command line: %s", args)
			}
		}
	}
	// A route that answers without its credential fails the boot.
	for path, code := range map[string]string{"/qdrant-ui/dashboard/": "200", "/rest/owner/setup": "200", "/crawl4ai/health": "502"} {
		r := runCreds(t, p, body, "{}", stubs(), "OPEN_PATH="+path, "OPEN_CODE="+code)
		rep := bootmarker.Parse(r.console)
		if r.code == 0 || rep.FailedStep != "health" || !strings.Contains(rep.Reason, "GET "+path+" without a credential answered "+code) {
			t.Errorf("%s answering %s: exit %d, report %+v", path, code, r.code, rep)
		}
	}
}
