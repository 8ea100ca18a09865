package bootmarker

import (
	"strings"
	"testing"
)

func TestFormatParseRoundTrip(t *testing.T) {
	console := "[   12.3] cloud-init: starting\n" +
		"[   13.0] " + Format(KindBoot, map[string]string{"status": StatusStarted, "step": "docker"}) + "\n" +
		Format(KindGPU, map[string]string{"status": GPUHealthy, "model": "NVIDIA A10G", "count": "1", "memory_mib": "23028", "driver": "550.54"}) + "\r\n" +
		Format(KindBoot, map[string]string{"status": StatusComplete, "elapsed_s": "211"}) + "\n"
	r := Parse(console)
	if !r.Complete || r.Failed || r.LastStep != "docker" {
		t.Fatalf("report = %+v", r)
	}
	if r.GPU == nil || r.GPU.Model != "NVIDIA A10G" || r.GPU.Count != 1 || r.GPU.MemoryMiB != 23028 || r.GPU.Status != GPUHealthy {
		t.Fatalf("gpu = %+v", r.GPU)
	}
}

func TestParseFailure(t *testing.T) {
	console := Format(KindBoot, map[string]string{"status": StatusStarted, "step": "efs"}) + "\n" +
		Format(KindBoot, map[string]string{"status": StatusFailed, "step": "efs", "reason": "mount.efs: connection timed out"}) + "\n"
	r := Parse(console)
	if !r.Failed || r.Complete || r.FailedStep != "efs" || r.Reason != "mount.efs: connection timed out" {
		t.Fatalf("report = %+v", r)
	}
}

func TestParseIgnoresNoise(t *testing.T) {
	r := Parse("GEUSEMAKERX BOOT status=complete\nGEUSEMAKER OTHER status=complete\nplain line\n")
	if r.Started || r.Complete {
		t.Fatalf("noise parsed as marker: %+v", r)
	}
}

func TestManifestRoundTrip(t *testing.T) {
	script := "#!/bin/bash\n" + FormatManifest(Manifest{Deployment: "demo", Tier: 3, GPU: true, Services: []string{"n8n", "ollama"}, EFSID: "fs-1"}) + "\nset -euo pipefail\n"
	m, ok := ParseManifest(script)
	if !ok || m.Deployment != "demo" || !m.GPU || m.Tier != 3 || len(m.Services) != 2 || m.EFSID != "fs-1" {
		t.Fatalf("manifest = %+v ok=%v", m, ok)
	}
	if _, ok := ParseManifest("#!/bin/bash\necho hi\n"); ok {
		t.Fatal("found a manifest in a script without one")
	}
}

func TestTail(t *testing.T) {
	if got := Tail("a\nb\nc\nd\n", 2); got != "c\nd" {
		t.Fatalf("tail = %q", got)
	}
}

func TestManifestCredentialsPath(t *testing.T) {
	line := FormatManifest(Manifest{Deployment: "ai-gpu", Tier: 3, CredentialsPath: "/geusemaker/ai-gpu/"})
	if !strings.Contains(line, `"credentials":"/geusemaker/ai-gpu/"`) {
		t.Fatalf("manifest line lacks the credentials field: %s", line)
	}
	m, ok := ParseManifest("#!/bin/bash\n" + line + "\n")
	if !ok || m.CredentialsPath != "/geusemaker/ai-gpu/" || m.Deployment != "ai-gpu" {
		t.Fatalf("manifest = %+v ok=%v", m, ok)
	}
	// An adopted or older instance has no credentials field, and its line
	// must not grow one.
	legacy := FormatManifest(Manifest{Deployment: "demo", Tier: 1})
	if strings.Contains(legacy, "credentials") {
		t.Fatalf("empty credentials path rendered: %s", legacy)
	}
	if m, ok := ParseManifest(legacy); !ok || m.CredentialsPath != "" {
		t.Fatalf("legacy manifest = %+v ok=%v", m, ok)
	}
}

func TestParseManifestTolerant(t *testing.T) {
	// A field this release does not know (a newer release's, e.g. per_boot)
	// and a missing one must not hide the manifest.
	script := "#!/bin/bash\n" + ManifestPrefix +
		`{"deployment":"x","tier":2,"services":["n8n"],"credentials":"/geusemaker/x/","per_boot":true,"future":{"a":1}}` + "\n"
	m, ok := ParseManifest(script)
	if !ok || m.Deployment != "x" || m.Tier != 2 || m.CredentialsPath != "/geusemaker/x/" || m.EFSID != "" {
		t.Fatalf("manifest = %+v ok=%v", m, ok)
	}
}

func TestManifestPerBoot(t *testing.T) {
	line := FormatManifest(Manifest{Deployment: "demo", PerBoot: true})
	if !strings.Contains(line, `"per_boot":true`) {
		t.Fatalf("per_boot not serialised: %s", line)
	}
	if m, ok := ParseManifest(line); !ok || !m.PerBoot {
		t.Fatalf("per_boot lost: %+v", m)
	}
	if line := FormatManifest(Manifest{Deployment: "demo"}); strings.Contains(line, "per_boot") {
		t.Fatalf("per_boot written when false: %s", line)
	}
	// A manifest written before the field existed still parses, once per instance.
	old := ManifestPrefix + `{"deployment":"demo","tier":2,"gpu":false,"services":["n8n"],"models":null,"efs_id":"fs-1"}`
	if m, ok := ParseManifest(old); !ok || m.PerBoot || m.Deployment != "demo" || m.EFSID != "fs-1" {
		t.Fatalf("old manifest = %+v ok=%v", m, ok)
	}
}
