package awsemu

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

// The serial console of an instance is simulated from its user data. Every
// boot (launch, or start after a stop) prints kernel and cloud-init lines;
// when the user data carries a GeuseMaker manifest the boot script's markers
// follow, one "started" per step spread over ec2.boot_duration, then
// "complete" (or "failed" at the step named by ec2.boot_failure). The lines
// a boot has printed by virtual time now are what GetConsoleOutput returns,
// and InstanceInfo's Boot state is derived from the same lines.
//
// cloud-init runs user data once per instance: only the first boot runs the
// script and prints markers. Later boots (a start after a stop, for example
// after an instance type change) print the kernel and cloud-init lines of the
// new boot and no markers, unless the manifest says the script installed a
// unit that runs at every boot (per_boot). The application the first boot
// brought up comes back on its own at later boots (docker restarts its
// containers), so InstanceInfo reports such an instance complete again
// appRestart after the later boot began; an instance whose first boot failed,
// or was stopped before it finished, never serves (Boot failed).

const (
	scriptStart  = 20 * time.Second // the user script starts after cloud-init's early stages
	appRestart   = 45 * time.Second // docker brings the containers back after a later boot
	nvidiaDriver = "570.172.08"
)

type consoleLine struct {
	at   time.Duration // since the boot began (the instance became running)
	text string
}

type bootPlan struct {
	lines    []consoleLine
	manifest bool
	final    string        // BootComplete or BootFailed (manifest only)
	finalAt  time.Duration // when the final marker is printed
}

var stepFailureReasons = map[string]string{
	"base":     "apt-get install failed: Temporary failure resolving 'archive.ubuntu.com'",
	"gpu":      "nvidia-container-toolkit configuration failed",
	"efs":      "mount.efs: connection timed out",
	"docker":   "docker.service failed to start",
	"services": "docker compose up failed: n8n exited with code 1",
	"nginx":    "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)",
	"health":   "health check timed out: http://127.0.0.1/healthz returned 502",
}

// decodeScript returns the text of user data, gunzipping it when needed.
func decodeScript(raw []byte) string {
	if len(raw) >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err == nil {
			if b, err := io.ReadAll(io.LimitReader(zr, 1<<20)); err == nil {
				return string(b)
			}
		}
	}
	return string(raw)
}

func (s *ec2Service) bootDuration(t *ec2InstanceType) time.Duration {
	def := 4 * time.Minute
	if t != nil && t.isGPU() {
		def = 6 * time.Minute
	}
	d := s.e.KnobDuration("ec2.boot_duration", def)
	if d < scriptStart+10*time.Second {
		d = scriptStart + 10*time.Second
	}
	return d
}

// plan builds every line one boot prints, with its offset: the boot of
// instance type typeName that starts at bootStart, running the user data
// script when runScript (the first boot, or every boot with per_boot).
func (s *ec2Service) plan(inst *ec2Instance, bootStart time.Time, typeName string, runScript bool) bootPlan {
	itype, _ := lookupInstanceType(typeName)
	ami, _ := s.ami(inst.imageID)
	var p bootPlan
	stamp := func(d time.Duration) string {
		return bootStart.Add(d).UTC().Format("Mon, 02 Jan 2006 15:04:05 +0000")
	}
	add := func(d time.Duration, text string) {
		p.lines = append(p.lines, consoleLine{at: d, text: fmt.Sprintf("[%12.6f] %s", d.Seconds(), text)})
	}
	gcc := "x86_64-linux-gnu-gcc-12"
	if inst.arch == "arm64" {
		gcc = "aarch64-linux-gnu-gcc-12"
	}
	mem := int64(1024)
	if itype != nil {
		mem = itype.memMiB
	}
	add(0, "Linux version 6.8.0-1019-aws (buildd@lcy02-amd64-082) ("+gcc+" (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #21~22.04.1-Ubuntu SMP")
	add(0, "Command line: BOOT_IMAGE=/boot/vmlinuz-6.8.0-1019-aws root=PARTUUID=8a1e6b2c-01 ro console=tty1 console=ttyS0 nvme_core.io_timeout=4294967295 panic=-1")
	add(300*time.Millisecond, "DMI: Amazon EC2 "+typeName+"/, BIOS 1.0 10/16/2017")
	add(1200*time.Millisecond, fmt.Sprintf("Memory: %dK/%dK available", mem*1024-262144, mem*1024))
	add(2800*time.Millisecond, "nvme nvme0: pci function 0000:00:04.0")
	add(3500*time.Millisecond, "EXT4-fs (nvme0n1p1): mounted filesystem with ordered data mode. Quota mode: none.")
	add(6100*time.Millisecond, "systemd[1]: systemd 249.11-0ubuntu3.12 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP)")
	add(8400*time.Millisecond, "cloud-init[412]: Cloud-init v. 24.4-0ubuntu1~22.04.1 running 'init-local' at "+stamp(8400*time.Millisecond)+". Up 8.40 seconds.")
	add(11200*time.Millisecond, "cloud-init[520]: Cloud-init v. 24.4-0ubuntu1~22.04.1 running 'init' at "+stamp(11200*time.Millisecond)+". Up 11.20 seconds.")
	add(11300*time.Millisecond, "cloud-init[520]: ci-info: +++++++++++++++++++++++++++Net device info++++++++++++++++++++++++++++")
	add(11300*time.Millisecond, fmt.Sprintf("cloud-init[520]: ci-info: |  ens5  | True | %s | global |", inst.privateIP))
	add(15*time.Second, "cloud-init[700]: Cloud-init v. 24.4-0ubuntu1~22.04.1 running 'modules:config' at "+stamp(15*time.Second)+". Up 15.00 seconds.")
	add(18*time.Second, "cloud-init[800]: Cloud-init v. 24.4-0ubuntu1~22.04.1 running 'modules:final' at "+stamp(18*time.Second)+". Up 18.00 seconds.")
	add(18500*time.Millisecond, "-----BEGIN SSH HOST KEY FINGERPRINTS-----")
	add(18500*time.Millisecond, "256 SHA256:"+base64.RawStdEncoding.EncodeToString([]byte(inst.id + "-ed25519-host-key")[:24])+" root@ip-"+strings.ReplaceAll(inst.privateIP, ".", "-")+" (ED25519)")
	add(18500*time.Millisecond, "-----END SSH HOST KEY FINGERPRINTS-----")

	finished := func(d time.Duration) {
		add(d, fmt.Sprintf("cloud-init[800]: Cloud-init v. 24.4-0ubuntu1~22.04.1 finished at %s. Datasource DataSourceEc2Local.  Up %.2f seconds", stamp(d), d.Seconds()))
	}
	m, ok := bootmarker.ParseManifest(decodeScript(inst.userData))
	if !ok || !runScript {
		// No script ran (none given, or cloud-init skips user data on a
		// later boot): cloud-init finishes without output of its own.
		finished(25 * time.Second)
		return p
	}
	p.manifest = true
	marker := func(d time.Duration, kind string, kv map[string]string) {
		add(d, "cloud-init[1187]: "+bootmarker.Format(kind, kv))
	}
	var steps []string
	for _, st := range bootmarker.Steps {
		if st == "gpu" && !m.GPU {
			continue
		}
		steps = append(steps, st)
	}
	total := s.bootDuration(itype)
	interval := (total - scriptStart) / time.Duration(len(steps))
	failStep := s.e.Knob("ec2.boot_failure", "")
	for i, st := range steps {
		at := scriptStart + time.Duration(i)*interval
		marker(at, bootmarker.KindBoot, map[string]string{"status": bootmarker.StatusStarted, "step": st})
		if st == "gpu" {
			reason := ""
			switch {
			case itype == nil || !itype.isGPU():
				reason = "no NVIDIA GPU detected"
			case !ami.GPUDriver:
				reason = "nvidia-smi: command not found"
			case s.e.Knob("ec2.gpu_health", "") == "failed":
				reason = "nvidia-smi reported ERR! on GPU 0"
			}
			gpuAt := at + interval/3
			if reason != "" {
				marker(gpuAt, bootmarker.KindGPU, map[string]string{"status": bootmarker.GPUFailed, "reason": reason})
				marker(gpuAt, bootmarker.KindBoot, map[string]string{"status": bootmarker.StatusFailed, "step": "gpu", "reason": reason})
				p.final, p.finalAt = BootFailed, gpuAt
				return p
			}
			marker(gpuAt, bootmarker.KindGPU, map[string]string{"status": bootmarker.GPUHealthy, "model": "NVIDIA " + itype.gpuName,
				"count": strconv.Itoa(int(itype.gpuCount)), "memory_mib": strconv.Itoa(int(itype.totalGPUMemMiB())), "driver": nvidiaDriver})
		}
		if st == failStep {
			failAt := at + interval/2
			marker(failAt, bootmarker.KindBoot, map[string]string{"status": bootmarker.StatusFailed, "step": st, "reason": stepFailureReasons[st]})
			p.final, p.finalAt = BootFailed, failAt
			return p
		}
	}
	marker(total, bootmarker.KindBoot, map[string]string{"status": bootmarker.StatusComplete, "elapsed_s": strconv.Itoa(int((total - scriptStart).Seconds()))})
	finished(total + time.Second)
	p.final, p.finalAt = BootComplete, total
	return p
}

// bootSpan is one boot: from when the instance became running to when it
// left running (or now).
type bootSpan struct{ start, end time.Time }

// boots lists the instance's boots up to now, the first one first.
func boots(tl *Timeline, now time.Time) []bootSpan {
	var out []bootSpan
	for i, ph := range tl.phases {
		if ph.At.After(now) {
			break
		}
		if ph.State != "running" {
			continue
		}
		b := bootSpan{start: ph.At, end: now}
		if i+1 < len(tl.phases) && !tl.phases[i+1].At.After(now) {
			b.end = tl.phases[i+1].At
		}
		out = append(out, b)
	}
	return out
}

// currentBoot is the boot whose console is current at now, whether it is the
// instance's first, and how to plan it.
func (s *ec2Service) currentBoot(inst *ec2Instance, now time.Time) (b bootSpan, first, ok bool) {
	all := boots(&inst.tl, now)
	if len(all) == 0 {
		return bootSpan{}, false, false
	}
	return all[len(all)-1], len(all) == 1, true
}

// planBoot plans a boot of the instance: the first with its launch type
// and the script, a later one with its current type and the script only
// when the manifest asks for every boot.
func (s *ec2Service) planBoot(inst *ec2Instance, b bootSpan, first bool) bootPlan {
	if first {
		return s.plan(inst, b.start, inst.launchType, true)
	}
	m, _ := bootmarker.ParseManifest(decodeScript(inst.userData))
	return s.plan(inst, b.start, inst.instType, m.PerBoot)
}

type bootInfo struct {
	state      string
	completeAt time.Time
}

// simulateBoot is the state of the application the user data sets up, at
// now: what the boot markers say on a boot that runs the script, and on a
// later boot that does not, what the first boot left behind.
func (s *ec2Service) simulateBoot(inst *ec2Instance, now time.Time) bootInfo {
	m, ok := bootmarker.ParseManifest(decodeScript(inst.userData))
	if !ok {
		return bootInfo{state: BootNone}
	}
	all := boots(&inst.tl, now)
	if len(all) == 0 {
		return bootInfo{state: BootPending}
	}
	cur := all[len(all)-1]
	outcome := func(b bootSpan, p bootPlan) bootInfo {
		switch {
		case b.start.Add(p.finalAt).After(b.end):
			return bootInfo{state: BootPending}
		case p.final == BootComplete:
			return bootInfo{state: BootComplete, completeAt: b.start.Add(p.finalAt)}
		}
		return bootInfo{state: BootFailed}
	}
	if len(all) == 1 || m.PerBoot {
		return outcome(cur, s.planBoot(inst, cur, len(all) == 1))
	}
	first := outcome(all[0], s.planBoot(inst, all[0], true))
	if inst.firstBoot != nil {
		first = *inst.firstBoot // as it was when the instance stopped
	}
	switch first.state {
	case BootComplete:
		// The containers come back with docker's restart policy.
		if at := cur.start.Add(appRestart); !at.After(cur.end) {
			return bootInfo{state: BootComplete, completeAt: at}
		}
		return bootInfo{state: BootPending}
	default:
		// The first boot failed, or was cut short by a stop: the script
		// never runs again, so the application never comes up.
		return bootInfo{state: BootFailed}
	}
}

// console returns what the serial console shows at now and when it was
// last written; ok is false while it has nothing yet.
func (s *ec2Service) console(inst *ec2Instance, now time.Time) (text string, at time.Time, ok bool) {
	boot, first, found := s.currentBoot(inst, now)
	if !found {
		return "", time.Time{}, false
	}
	start, end := boot.start, boot.end
	if end.Sub(start) < s.e.KnobDuration("ec2.console_delay", scriptStart) {
		return "", time.Time{}, false
	}
	var b strings.Builder
	last := start
	for _, l := range s.planBoot(inst, boot, first).lines {
		t := start.Add(l.at)
		if t.After(end) {
			break
		}
		b.WriteString(l.text)
		b.WriteString("\n")
		last = t
	}
	return b.String(), last, true
}

func (s *ec2Service) GetConsoleOutput(c *Call, in *ec2.GetConsoleOutputInput) (*ec2.GetConsoleOutputOutput, error) {
	insts, err := s.instancesByIDs([]string{aws.ToString(in.InstanceId)})
	if err != nil {
		return nil, err
	}
	now := c.Now()
	inst := insts[0]
	if t, ok := lookupInstanceType(inst.instType); ok && t.xen && aws.ToBool(in.Latest) {
		return nil, Errorf("UnsupportedOperation", "The latest console output is only available for instances built on the Nitro System; instance type %s runs on the Xen hypervisor. Retry without Latest to get the buffered output.", t.name)
	}
	out := &ec2.GetConsoleOutputOutput{InstanceId: aws.String(inst.id), Timestamp: aws.Time(now)}
	text, at, ok := s.console(inst, now)
	if !ok {
		return out, nil
	}
	out.Output = aws.String(base64.StdEncoding.EncodeToString([]byte(text)))
	out.Timestamp = aws.Time(at)
	return out, nil
}
