// Package bootmarker is the contract between the instance boot script and the
// provider: the script prints these lines on the serial console, the provider
// reads them back through EC2 GetConsoleOutput, and the AWS emulator prints
// them when it simulates a boot. Keeping the format in one place keeps the
// three honest with each other.
package bootmarker

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Prefix starts every marker line.
const Prefix = "GEUSEMAKER"

// Kinds of marker.
const (
	KindBoot = "BOOT"
	KindGPU  = "GPU"
)

// Boot statuses.
const (
	StatusStarted  = "started"
	StatusComplete = "complete"
	StatusFailed   = "failed"
)

// GPU health values, as stored in gpu_health_status.
const (
	GPUHealthy = "healthy"
	GPUFailed  = "failed"
	GPUUnknown = "unknown"
)

// Steps of the boot script in order; a failure names one of them.
var Steps = []string{"base", "gpu", "efs", "docker", "services", "nginx", "health"}

// ManifestPrefix starts the comment line in the user data that describes the
// deployment (non-secret settings), so an instance can be recognised and
// imported, and so the emulator knows what the script would do.
const ManifestPrefix = "# geusemaker-manifest: "

// Manifest is what the boot script was rendered for.
type Manifest struct {
	Deployment string   `json:"deployment"`
	Tier       int      `json:"tier"`
	GPU        bool     `json:"gpu"`
	Services   []string `json:"services"`
	Models     []string `json:"models"`
	EFSID      string   `json:"efs_id"`
	// CredentialsPath is the SSM Parameter Store path the instance reads its
	// service credentials from (e.g. "/geusemaker/ai-gpu/"). Empty for an
	// adopted GeuseMaker-CLI instance or an older release: its routes are
	// served without credentials. Omitted from the line when empty, so such
	// manifests stay byte-identical.
	CredentialsPath string `json:"credentials,omitempty"`
	// PerBoot says the script installed a unit that runs at every boot and
	// prints the boot (and GPU) markers again. Without it the markers are
	// printed once per instance: cloud-init runs user data only on the
	// first boot, so a stopped and started instance prints none. Serialised
	// as "per_boot":true, and left out when false so that manifests written
	// before it existed read back unchanged.
	PerBoot bool `json:"per_boot,omitempty"`
}

// FormatManifest renders the manifest comment line.
func FormatManifest(m Manifest) string {
	b, _ := json.Marshal(m)
	return ManifestPrefix + string(b)
}

// ParseManifest finds the manifest line in a boot script. Fields it does
// not know are ignored and missing ones stay zero, so manifests written by
// older or newer releases still parse.
func ParseManifest(script string) (Manifest, bool) {
	var m Manifest
	for _, line := range strings.Split(script, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), ManifestPrefix); ok {
			if json.Unmarshal([]byte(rest), &m) == nil {
				return m, true
			}
		}
	}
	return m, false
}

// Format renders one marker line: PREFIX KIND key=value ... with values quoted
// when they contain spaces.
func Format(kind string, kv map[string]string) string {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(Prefix + " " + kind)
	for _, k := range keys {
		v := kv[k]
		if v == "" || strings.ContainsAny(v, " \t\"") {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(&b, " %s=%s", k, v)
	}
	return b.String()
}

// Marker is one parsed marker line.
type Marker struct {
	Kind   string
	Fields map[string]string
}

// parseLine reads a marker from a console line, which may carry a prefix
// such as a cloud-init timestamp before the marker.
func parseLine(line string) (Marker, bool) {
	i := strings.Index(line, Prefix+" ")
	if i < 0 {
		return Marker{}, false
	}
	rest := strings.TrimSpace(line[i+len(Prefix)+1:])
	kind, rest, _ := strings.Cut(rest, " ")
	if kind != KindBoot && kind != KindGPU {
		return Marker{}, false
	}
	m := Marker{Kind: kind, Fields: map[string]string{}}
	for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
		k, after, ok := strings.Cut(rest, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			break
		}
		var v string
		if strings.HasPrefix(after, `"`) {
			q, err := strconv.QuotedPrefix(after)
			if err != nil {
				break
			}
			v, _ = strconv.Unquote(q)
			rest = after[len(q):]
		} else {
			v, rest, _ = strings.Cut(after, " ")
		}
		m.Fields[k] = v
	}
	return m, true
}

// GPUReport is what the GPU markers say.
type GPUReport struct {
	Status    string
	Model     string
	Count     int
	MemoryMiB int
	Driver    string
	Reason    string
}

// Report summarises the markers found in console output.
type Report struct {
	Started    bool
	Complete   bool
	Failed     bool
	FailedStep string
	Reason     string
	LastStep   string
	GPU        *GPUReport
}

// Parse reads every marker in console output; later markers win.
func Parse(console string) Report {
	var r Report
	for _, line := range strings.Split(console, "\n") {
		m, ok := parseLine(strings.TrimRight(line, "\r"))
		if !ok {
			continue
		}
		switch m.Kind {
		case KindBoot:
			r.Started = true
			switch m.Fields["status"] {
			case StatusStarted:
				r.LastStep = m.Fields["step"]
			case StatusComplete:
				r.Complete, r.Failed = true, false
			case StatusFailed:
				r.Failed, r.Complete = true, false
				r.FailedStep, r.Reason = m.Fields["step"], m.Fields["reason"]
			}
		case KindGPU:
			g := &GPUReport{Status: m.Fields["status"], Model: m.Fields["model"], Driver: m.Fields["driver"], Reason: m.Fields["reason"]}
			g.Count, _ = strconv.Atoi(m.Fields["count"])
			g.MemoryMiB, _ = strconv.Atoi(m.Fields["memory_mib"])
			r.GPU = g
		}
	}
	return r
}

// Tail returns the last n lines of console output, for diagnostics.
func Tail(console string, n int) string {
	lines := strings.Split(strings.TrimRight(console, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
