package userdata

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

// bootRun is one execution of a driver script that sources the rendered
// marker functions and traps, the way the boot script does, with the console,
// log and state redirected into a temporary directory.
type bootRun struct {
	console string
	log     string
	state   string
	code    int
}

func runDriver(t *testing.T, gpu bool, body string) bootRun {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	p := configs[0].p
	p.GPU = gpu
	lib, err := renderPart("markers.sh.tmpl", p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	libPath := filepath.Join(dir, "markers.sh")
	if err := os.WriteFile(libPath, []byte(lib), 0o644); err != nil {
		t.Fatal(err)
	}
	driver := "#!/bin/bash\nset -Eeuo pipefail\nsource " + shellQuote(libPath) + "\n" + body + "\n"
	driverPath := filepath.Join(dir, "driver.sh")
	if err := os.WriteFile(driverPath, []byte(driver), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", driverPath)
	cmd.Env = append(os.Environ(),
		"GEUSEMAKER_CONSOLE="+filepath.Join(dir, "console"),
		"GEUSEMAKER_LOG="+filepath.Join(dir, "log", "boot.log"),
		"GEUSEMAKER_STATE="+filepath.Join(dir, "state"),
	)
	out, err := cmd.CombinedOutput()
	r := bootRun{state: filepath.Join(dir, "state")}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	if len(out) > 0 {
		t.Errorf("driver wrote to stdout/stderr instead of the log: %q", out)
	}
	c, _ := os.ReadFile(filepath.Join(dir, "console"))
	l, _ := os.ReadFile(filepath.Join(dir, "log", "boot.log"))
	r.console, r.log = string(c), string(l)
	return r
}

func (r bootRun) exists(name string) bool {
	_, err := os.Stat(filepath.Join(r.state, name))
	return err == nil
}

// markerLines returns the console lines that are markers, and checks that
// each one is byte-identical to what bootmarker.Format prints for its fields.
func markerLines(t *testing.T, console string) []string {
	t.Helper()
	var lines []string
	for _, line := range strings.Split(strings.TrimRight(console, "\n"), "\n") {
		if !strings.Contains(line, bootmarker.Prefix+" ") {
			continue
		}
		lines = append(lines, line)
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != bootmarker.Prefix {
			t.Errorf("marker does not start its line: %q", line)
			continue
		}
		single := bootmarker.Parse(line)
		kv := map[string]string{}
		switch fields[1] {
		case bootmarker.KindBoot:
			if f := single.FailedStep; single.Failed {
				kv["status"], kv["step"], kv["reason"] = bootmarker.StatusFailed, f, single.Reason
			} else if single.Complete {
				kv["status"] = bootmarker.StatusComplete
				kv["elapsed_s"] = strings.TrimPrefix(fields[2], "elapsed_s=")
			} else {
				kv["status"], kv["step"] = bootmarker.StatusStarted, single.LastStep
			}
		case bootmarker.KindGPU:
			g := single.GPU
			kv["status"] = g.Status
			if g.Status == bootmarker.GPUFailed {
				kv["reason"] = g.Reason
			} else {
				kv["model"], kv["driver"] = g.Model, g.Driver
				kv["count"], kv["memory_mib"] = strings.TrimPrefix(fields[2], "count="), ""
				for _, f := range fields {
					if v, ok := strings.CutPrefix(f, "memory_mib="); ok {
						kv["memory_mib"] = v
					}
				}
			}
		}
		if want := bootmarker.Format(fields[1], kv); line != want {
			t.Errorf("marker line differs from bootmarker.Format:\n got %q\nwant %q", line, want)
		}
	}
	return lines
}

func countFailed(lines []string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, "status=failed") && strings.HasPrefix(l, bootmarker.Prefix+" "+bootmarker.KindBoot) {
			n++
		}
	}
	return n
}

func TestMarkersCompleteRun(t *testing.T) {
	r := runDriver(t, true, `for s in base gpu efs docker services nginx health; do gm_step "$s"; done
gm_emit GPU count=1 driver=550.54.15 memory_mib=23028 "model=$(gm_q "NVIDIA A10G")" status=healthy
gm_complete
echo "after the marker"`)
	if r.code != 0 {
		t.Fatalf("exit %d; log:\n%s", r.code, r.log)
	}
	rep := bootmarker.Parse(r.console)
	if !rep.Complete || rep.Failed || rep.LastStep != "health" {
		t.Fatalf("report %+v; console:\n%s", rep, r.console)
	}
	if rep.GPU == nil || rep.GPU.Model != "NVIDIA A10G" || rep.GPU.Count != 1 || rep.GPU.MemoryMiB != 23028 || rep.GPU.Status != bootmarker.GPUHealthy {
		t.Fatalf("gpu %+v", rep.GPU)
	}
	lines := markerLines(t, r.console)
	if len(lines) != 9 || countFailed(lines) != 0 {
		t.Fatalf("marker lines %q", lines)
	}
	if !r.exists("complete") || r.exists("failed") {
		t.Error("complete guard not written")
	}
	if !strings.Contains(r.log, "after the marker") || !strings.Contains(r.log, "status=complete") {
		t.Errorf("log lacks script output or markers:\n%s", r.log)
	}
}

func TestMarkersExplicitExitInDocker(t *testing.T) {
	r := runDriver(t, false, `for s in base efs docker; do gm_step "$s"; done
echo "docker: something went wrong"
exit 1
gm_step services`)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	rep := bootmarker.Parse(r.console)
	if !rep.Failed || rep.Complete || rep.FailedStep != "docker" || rep.LastStep != "docker" {
		t.Fatalf("report %+v; console:\n%s", rep, r.console)
	}
	if !strings.Contains(rep.Reason, "exit 1") {
		t.Errorf("reason %q does not name the command", rep.Reason)
	}
	lines := markerLines(t, r.console)
	if n := countFailed(lines); n != 1 {
		t.Fatalf("%d failed lines, want exactly 1:\n%s", n, r.console)
	}
	if !strings.HasSuffix(strings.TrimRight(r.console, "\n"), lines[len(lines)-1]) || !strings.Contains(lines[len(lines)-1], "status=failed") {
		t.Errorf("the failed marker is not the last console line:\n%s", r.console)
	}
	if !strings.Contains(r.console, "geusemaker-boot: docker: something went wrong") {
		t.Errorf("console lacks the log tail:\n%s", r.console)
	}
	if !r.exists("failed") || r.exists("complete") {
		t.Error("failed guard not written")
	}
}

func TestMarkersFailingCommand(t *testing.T) {
	r := runDriver(t, false, `gm_step base
gm_step efs
gm_step docker
install_it() {
  echo installing
  false
  echo "not reached"
}
install_it
gm_step services`)
	rep := bootmarker.Parse(r.console)
	if r.code == 0 || !rep.Failed || rep.FailedStep != "docker" {
		t.Fatalf("exit %d report %+v; console:\n%s", r.code, rep, r.console)
	}
	if !strings.HasPrefix(rep.Reason, "line ") || !strings.Contains(rep.Reason, ": false (exit 1)") {
		t.Errorf("reason %q should name the line and the failing command", rep.Reason)
	}
	if n := countFailed(markerLines(t, r.console)); n != 1 {
		t.Fatalf("%d failed lines:\n%s", n, r.console)
	}
	if strings.Contains(r.log, "not reached") {
		t.Error("the script kept going after a failure")
	}
}

func TestMarkersFailingSubstitution(t *testing.T) {
	r := runDriver(t, false, `gm_step base
v=$(grep -q nothing /nonexistent)
echo "$v"`)
	rep := bootmarker.Parse(r.console)
	if !rep.Failed || rep.FailedStep != "base" || !strings.Contains(rep.Reason, "grep -q nothing /nonexistent") {
		t.Fatalf("report %+v", rep)
	}
	if n := countFailed(markerLines(t, r.console)); n != 1 {
		t.Fatalf("%d failed lines:\n%s", n, r.console)
	}
}

func TestMarkersDieReasonQuoting(t *testing.T) {
	r := runDriver(t, false, `gm_step efs
gm_die "mount.efs said \"no\" at C:\\path	with tab"`)
	rep := bootmarker.Parse(r.console)
	if !rep.Failed || rep.FailedStep != "efs" {
		t.Fatalf("report %+v", rep)
	}
	want := `mount.efs said "no" at C:\path with tab`
	if !strings.HasPrefix(rep.Reason, "line ") || !strings.HasSuffix(rep.Reason, want) {
		t.Errorf("reason %q, want line N: %q", rep.Reason, want)
	}
	markerLines(t, r.console)
}

func TestMarkersLongReasonIsTruncated(t *testing.T) {
	r := runDriver(t, false, `gm_step health
gm_die "$(printf 'x%.0s' {1..500})"`)
	rep := bootmarker.Parse(r.console)
	if !rep.Failed || len(rep.Reason) != 200 {
		t.Fatalf("reason of %d bytes: %+v", len(rep.Reason), rep)
	}
}

func TestMarkersFailureAfterCompleteIsIgnored(t *testing.T) {
	r := runDriver(t, false, `gm_step health
gm_complete
false`)
	rep := bootmarker.Parse(r.console)
	if !rep.Complete || rep.Failed || countFailed(markerLines(t, r.console)) != 0 {
		t.Fatalf("report %+v; console:\n%s", rep, r.console)
	}
}

func TestMarkersSignal(t *testing.T) {
	start := time.Now()
	r := runDriver(t, false, `gm_step services
( sleep 0.2; kill -TERM $$ ) &
sleep 5 &
wait $!`)
	if time.Since(start) > 4*time.Second {
		t.Fatal("the TERM trap did not end the script")
	}
	rep := bootmarker.Parse(r.console)
	if r.code != 143 || !rep.Failed || rep.FailedStep != "services" || !strings.Contains(rep.Reason, "terminated") {
		t.Fatalf("exit %d report %+v", r.code, rep)
	}
}

func TestMarkersDefaultToDevConsole(t *testing.T) {
	lib, err := renderPart("markers.sh.tmpl", configs[0].p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"GM_CONSOLE=${GEUSEMAKER_CONSOLE:-/dev/console}", "GM_LOG=${GEUSEMAKER_LOG:-/var/log/geusemaker-boot.log}"} {
		if !strings.Contains(lib, want) {
			t.Errorf("marker functions lack %q", want)
		}
	}
}
