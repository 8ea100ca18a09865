package userdata

import (
	"fmt"
	"slices"
	"strings"
)

// Service names, in the canonical order used everywhere (compose file,
// manifest, NGINX routes).
const (
	ServiceN8N      = "n8n"
	ServiceOllama   = "ollama"
	ServiceQdrant   = "qdrant"
	ServiceCrawl4AI = "crawl4ai"
	ServicePostgres = "postgres"
)

var allServices = []string{ServiceN8N, ServiceOllama, ServiceQdrant, ServiceCrawl4AI, ServicePostgres}

// AllServices returns every service the boot script can run, in canonical
// order.
func AllServices() []string { return slices.Clone(allServices) }

// DefaultServices returns the services deployed when the user selects none:
// the whole stack.
func DefaultServices() []string { return slices.Clone(allServices) }

// Default Ollama models. Tags are pinned (never "latest") so that a replaced
// instance pulls the same weights as the one before it.
const (
	// ModelSmallInstruct is Qwen3.5 2B (Feb 2026, Apache 2.0, ~2.7 GB): a
	// current small instruct/tool-calling model that answers at usable speed
	// on CPU-only instances.
	ModelSmallInstruct = "qwen3.5:2b"
	// ModelEmbedding is nomic-embed-text v1.5 (137M parameters, ~270 MB,
	// 768 dimensions): the embedding model n8n's Ollama embeddings node and
	// most RAG templates assume; small enough for CPU.
	ModelEmbedding = "nomic-embed-text:v1.5"
	// ModelGPULarge is Qwen3.5 27B dense at Q4_K_M (~17 GB of weights): it
	// leaves room for the KV cache on a 24 GB GPU (A10G on g5, L4 on g6),
	// where the 35B-A3B variant (~22 GB) would not.
	ModelGPULarge = "qwen3.5:27b"
)

// DefaultModels returns the Ollama models pulled after boot when the user
// selects none: a small instruct model and an embedding model, plus a larger
// model that fits a 24 GB GPU when gpu is true.
func DefaultModels(gpu bool) []string {
	m := []string{ModelSmallInstruct, ModelEmbedding}
	if gpu {
		m = append(m, ModelGPULarge)
	}
	return m
}

// DefaultImages returns the pinned container image for every service.
// Checked September 2026 against each project's releases:
//   - n8n 2.40.2: current 2.x stable line.
//   - Ollama 0.34.0: current release (the "latest" tag has lagged releases
//     before, so pinning matters here).
//   - Qdrant v1.18.2: current 1.18 patch release.
//   - Crawl4AI 0.9.3: first 0.9 image that starts again (0.9.1 and 0.9.2
//     images failed to launch); 0.9 requires CRAWL4AI_API_TOKEN.
//   - PostgreSQL 18.6: current 18.x; 18+ keeps data under
//     /var/lib/postgresql/18/docker, so the volume is mounted at
//     /var/lib/postgresql.
func DefaultImages() map[string]string {
	return map[string]string{
		ServiceN8N:      "n8nio/n8n:2.40.2",
		ServiceOllama:   "ollama/ollama:0.34.0",
		ServiceQdrant:   "qdrant/qdrant:v1.18.2",
		ServiceCrawl4AI: "unclecode/crawl4ai:0.9.3",
		ServicePostgres: "postgres:18.6",
	}
}

// ValidateServices checks a service selection: at least one service, only
// known names, no duplicates, and n8n together with postgres (its database).
func ValidateServices(services []string) error {
	if len(services) == 0 {
		return fmt.Errorf("at least one service is required; choose from %s", strings.Join(allServices, ", "))
	}
	seen := map[string]bool{}
	for _, s := range services {
		if !slices.Contains(allServices, s) {
			return fmt.Errorf("unknown service %q; choose from %s", s, strings.Join(allServices, ", "))
		}
		if seen[s] {
			return fmt.Errorf("service %q is listed twice", s)
		}
		seen[s] = true
	}
	if seen[ServiceN8N] && !seen[ServicePostgres] {
		return fmt.Errorf("service %q requires %q (its database); add %q or remove %q", ServiceN8N, ServicePostgres, ServicePostgres, ServiceN8N)
	}
	return nil
}

// canonical returns services in canonical order.
func canonical(services []string) []string {
	var out []string
	for _, s := range allServices {
		if slices.Contains(services, s) {
			out = append(out, s)
		}
	}
	return out
}
