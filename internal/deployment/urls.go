package deployment

import "github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"

// PublicURL is where users reach the stack: CloudFront (its first alias, or
// its domain) in tier 3, the load balancer in tier 2 (HTTPS when it has a
// certificate), the instance in tier 1; the custom domain in every tier
// (over HTTP in tier 1, which has no certificate).
func PublicURL(spec *Spec, st *State) string {
	switch {
	case spec.HasCDN() && st.DistributionDomain != "":
		host := st.DistributionDomain
		if a := spec.cdnAliases(); len(a) > 0 {
			host = a[0]
		}
		return "https://" + host
	case spec.HasLoadBalancer() && st.ALBDNSName != "":
		switch {
		case spec.lbHTTPS() && spec.lbDomainName() != "":
			return "https://" + spec.lbDomainName()
		case spec.lbHTTPS():
			return "https://" + st.ALBDNSName
		}
		return "http://" + st.ALBDNSName
	case !spec.HasLoadBalancer() && spec.Domain.Enabled() && (st.PublicIP != "" || st.PublicDNS != ""):
		return "http://" + spec.Domain.Name
	case !spec.HasLoadBalancer() && st.PublicDNS != "":
		return "http://" + st.PublicDNS
	case !spec.HasLoadBalancer() && st.PublicIP != "":
		return "http://" + st.PublicIP
	}
	return ""
}

// servicePaths are NGINX's routes to each service.
var servicePaths = map[string]map[string]string{
	userdata.ServiceN8N:      {"n8n": "/"},
	userdata.ServiceOllama:   {"ollama": "/api/ollama/"},
	userdata.ServiceQdrant:   {"qdrant": "/qdrant/", "qdrant_dashboard": "/qdrant-ui/"},
	userdata.ServiceCrawl4AI: {"crawl4ai": "/crawl4ai/"},
}

// ServiceURLs maps each selected service to its public URL.
func ServiceURLs(spec *Spec, st *State) map[string]string {
	return ServiceURLsAt(PublicURL(spec, st), spec.Services)
}

// ServiceURLsAt maps each service to its URL under the public URL base
// (none when base is empty).
func ServiceURLsAt(base string, services []string) map[string]string {
	out := map[string]string{}
	if base == "" {
		return out
	}
	for _, svc := range services {
		for name, p := range servicePaths[svc] {
			out[name] = base + p
		}
	}
	return out
}
