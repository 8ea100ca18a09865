package userdata

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

// runSection executes one part of the rendered boot script (from the line
// starting with from up to the line starting with to) after the marker
// functions, the configuration block and the shell helpers, with stub
// commands first on PATH. It returns the console output and the exit code.
func runSection(t *testing.T, p Params, from, to string, stubs map[string]string, env ...string) (string, int) {
	t.Helper()
	return runScript(t, p, between(t, render(t, p).Script, from, to), stubs, env...)
}

// runScript is runSection with the part to run given as text.
func runScript(t *testing.T, p Params, body string, stubs map[string]string, env ...string) (string, int) {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	script := render(t, p).Script
	lib, err := renderPart("markers.sh.tmpl", p)
	if err != nil {
		t.Fatal(err)
	}
	driver := "#!/bin/bash\nset -Eeuo pipefail\n" + lib +
		between(t, script, "D=/opt/geusemaker", "if [[ -f $GM_STATE/complete ]]") +
		between(t, script, "retry() {", "gm_step base") +
		body
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	stubs["sleep"] = "#!/bin/bash\nexit 0\n" // retries without waiting
	for name, body := range stubs {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "driver.sh")
	if err := os.WriteFile(path, []byte(driver), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", path)
	cmd.Env = append(append(os.Environ(),
		"PATH="+bin+":"+os.Getenv("PATH"),
		"GEUSEMAKER_CONSOLE="+filepath.Join(dir, "console"),
		"GEUSEMAKER_LOG="+filepath.Join(dir, "boot.log"),
		"GEUSEMAKER_STATE="+filepath.Join(dir, "state"),
	), env...)
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	console, _ := os.ReadFile(filepath.Join(dir, "console"))
	return string(console), code
}

// between returns the lines of s from the one starting with from up to (not
// including) the one starting with to.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, "\n"+from)
	if i < 0 {
		t.Fatalf("no line starting with %q", from)
	}
	rest := s[i+1:]
	j := strings.Index(rest, "\n"+to)
	if j < 0 {
		t.Fatalf("no line starting with %q after %q", to, from)
	}
	return rest[:j+1]
}

const stubNvidiaSMI = `#!/bin/bash
if [[ -n ${SMI_BROKEN:-} ]]; then echo "NVIDIA-SMI has failed" >&2; exit 9; fi
case $* in
-L) echo "GPU 0: NVIDIA A10G (UUID: GPU-1)" ;;
*query-gpu*) printf '%b' "$GPU_CSV" ;;
esac
`

func TestGPUStep(t *testing.T) {
	p := configs[1].p
	stubs := func() map[string]string {
		return map[string]string{
			"nvidia-smi": stubNvidiaSMI,
			"nvidia-ctk": "#!/bin/bash\nexit 0\n",
			"systemctl":  "#!/bin/bash\nexit 1\n",
		}
	}

	console, code := runSection(t, p, "gm_step gpu", "gm_step efs", stubs(), "GPU_CSV=NVIDIA A10G, 23028, 550.54.15\\n")
	rep := bootmarker.Parse(console)
	if code != 0 || rep.Failed || rep.GPU == nil {
		t.Fatalf("exit %d report %+v console:\n%s", code, rep, console)
	}
	if g := *rep.GPU; g.Status != bootmarker.GPUHealthy || g.Model != "NVIDIA A10G" || g.Count != 1 || g.MemoryMiB != 23028 || g.Driver != "550.54.15" {
		t.Errorf("gpu %+v", g)
	}
	markerLines(t, console)

	console, _ = runSection(t, p, "gm_step gpu", "gm_step efs", stubs(),
		"GPU_CSV=NVIDIA L4, 23034, 570.86.10\\nNVIDIA L4, 23034, 570.86.10\\nNVIDIA L4, 23034, 570.86.10\\nNVIDIA L4, 23034, 570.86.10\\n")
	if g := bootmarker.Parse(console).GPU; g == nil || g.Count != 4 || g.Model != "NVIDIA L4" || g.MemoryMiB != 23034 {
		t.Errorf("4 GPUs: %+v\n%s", g, console)
	}

	console, code = runSection(t, p, "gm_step gpu", "gm_step efs", stubs(), "SMI_BROKEN=1")
	rep = bootmarker.Parse(console)
	if code == 0 || !rep.Failed || rep.FailedStep != "gpu" || rep.GPU == nil || rep.GPU.Status != bootmarker.GPUFailed ||
		!strings.Contains(rep.GPU.Reason, "nvidia-smi did not answer") {
		t.Fatalf("broken driver: exit %d report %+v gpu %+v\n%s", code, rep, rep.GPU, console)
	}
	if n := countFailed(markerLines(t, console)); n != 1 {
		t.Errorf("%d failed boot markers", n)
	}
}

const stubDockerPS = `#!/bin/bash
if [[ $* == "compose ps -a --format json" ]]; then printf '%b' "$PS_JSON"; fi
`

func TestServicesWaitLoop(t *testing.T) {
	p := configs[2].p // ollama + qdrant
	run := func(ps string) (bootmarker.Report, string) {
		console, _ := runSection(t, p, "ok=", "gm_step nginx", map[string]string{"docker": stubDockerPS}, "PS_JSON="+ps)
		return bootmarker.Parse("GEUSEMAKER BOOT status=started step=services\n" + console), console
	}
	healthy := `{"Service":"ollama","State":"running","Health":"healthy"}\n{"Service":"qdrant","State":"running","Health":"healthy"}\n`
	if rep, console := run(healthy); rep.Failed {
		t.Fatalf("healthy containers failed the step: %+v\n%s", rep, console)
	}
	// Older compose releases print one JSON array.
	if rep, console := run(`[{"Service":"ollama","State":"running","Health":"healthy"},{"Service":"qdrant","State":"running","Health":"healthy"}]`); rep.Failed {
		t.Fatalf("array output failed the step: %+v\n%s", rep, console)
	}
	rep, console := run(`{"Service":"ollama","State":"running","Health":"healthy"}\n{"Service":"qdrant","State":"restarting","Health":"unhealthy"}\n`)
	if !rep.Failed || !strings.Contains(rep.Reason, "containers not healthy") || !strings.Contains(rep.Reason, "qdrant=restarting/unhealthy") {
		t.Fatalf("unhealthy qdrant: %+v\n%s", rep, console)
	}
	if rep, _ := run(`{"Service":"ollama","State":"running","Health":"healthy"}\n`); !rep.Failed {
		t.Fatal("a missing container passed")
	}
}

func TestHealthStepSendsCrawl4AIToken(t *testing.T) {
	p := configs[0].p
	dir := t.TempDir()
	secrets := filepath.Join(dir, "secrets.env")
	if err := os.WriteFile(secrets, []byte("POSTGRES_PASSWORD='aa'\nCRAWL4AI_API_TOKEN='0123abcd'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Logs its arguments, then what it read on stdin (the headers).
	curl := "#!/bin/bash\nprintf '%s | %s\\n' \"$*\" \"$(cat)\" >>" + shellQuote(filepath.Join(dir, "curl.log")) + "\n"
	docker := "#!/bin/bash\nexit 0\n"
	console, code := runSection(t, p, "gm_step health", "gm_complete", map[string]string{"curl": curl, "docker": docker}, "S="+secrets)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, console)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "curl.log"))
	for _, want := range []string{
		"http://127.0.0.1/healthz",
		"http://127.0.0.1/api/ollama/api/version",
		"http://127.0.0.1/qdrant/readyz",
		"-H @- http://127.0.0.1/crawl4ai/health | Authorization: Bearer 0123abcd",
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("health checks lack %q:\n%s", want, log)
		}
	}
	// The token reaches curl on stdin, never on its command line.
	for _, line := range strings.Split(string(log), "\n") {
		if args, _, _ := strings.Cut(line, " | "); strings.Contains(args, "0123abcd") {
			t.Errorf("token on curl's command line: %s", line)
		}
	}
}

// A later boot (the script runs again as cloud-init's per-boot script once
// the first boot completed) installs nothing: it reports the GPU and waits
// for the stack's health, then prints the complete marker again, so a
// provider waiting after a stop and start sees fresh markers.
func TestLaterBootRechecks(t *testing.T) {
	p := configs[1].p
	if !p.GPU {
		t.Fatal("configs[1] is expected to be a GPU configuration")
	}
	body := ": >\"$GM_STATE/complete\"\n" + between(t, render(t, p).Script, "if [[ -f $GM_STATE/complete ]]", "rm -f \"$GM_STATE/failed\"")
	stubs := func(curl string) map[string]string {
		return map[string]string{"nvidia-smi": stubNvidiaSMI, "curl": curl, "apt-get": "#!/bin/bash\necho apt-get must not run >&2\nexit 1\n"}
	}
	console, code := runScript(t, p, body, stubs("#!/bin/bash\nexit 0\n"), "GPU_CSV=NVIDIA A10G, 23028, 550.54.15\\n")
	rep := bootmarker.Parse(console)
	if code != 0 || !rep.Complete || rep.Failed || rep.GPU == nil || rep.GPU.Status != bootmarker.GPUHealthy || rep.GPU.Model != "NVIDIA A10G" {
		t.Fatalf("healthy later boot: exit %d report %+v console:\n%s", code, rep, console)
	}
	console, code = runScript(t, p, body, stubs("#!/bin/bash\nexit 7\n"), "GPU_CSV=NVIDIA A10G, 23028, 550.54.15\\n")
	rep = bootmarker.Parse(console)
	if code == 0 || rep.Complete || !rep.Failed || rep.FailedStep != "health" || !strings.Contains(rep.Reason, "after a restart") {
		t.Fatalf("unhealthy later boot: exit %d report %+v console:\n%s", code, rep, console)
	}
	// The first boot installs the script for every later boot.
	if !strings.Contains(render(t, p).Script, "install -D -m 0700 \"$0\" /var/lib/cloud/scripts/per-boot/") {
		t.Fatal("the boot script does not install itself as a per-boot script")
	}
	if m, ok := bootmarker.ParseManifest(render(t, p).Script); !ok || !m.PerBoot {
		t.Fatalf("manifest does not say per_boot: %+v", m)
	}
}
