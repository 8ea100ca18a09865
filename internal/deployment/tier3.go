package deployment

// Step names of tier 3.
const (
	stepDistribution = "cloudfront"
	stepDeployed     = "cloudfront-deployed"
)

// addTier3 adds CloudFront once the load balancer is active and its
// listeners (with the origin secret rule) are in place. The rollout overlaps
// the instance's boot and the target's health checks.
func addTier3(g *graph, o *op) {
	g.add(&step{name: stepDistribution, deps: []string{stepListeners}, run: o.ensureDistribution})
	if o.spec.CDN.WaitForDeployment {
		g.add(&step{name: stepDeployed, deps: []string{stepDistribution}, typical: typicalCloudFront, run: o.waitDistributionDeployed})
	}
}

// ensureGraph is the whole deployment for the spec's tier: every step
// creates what is missing and converges what exists, so the same graph
// creates a deployment, repairs drift, and moves a tier up.
func (o *op) ensureGraph() *graph {
	g := newGraph()
	addTier1(g, o)
	urlDeps := []string{stepInstance}
	if o.spec.Tier >= TierAutomation {
		addTier2(g, o)
		urlDeps = append(urlDeps, stepLoadBalancer)
	}
	if o.spec.Tier >= TierGPU {
		addTier3(g, o)
		urlDeps = append(urlDeps, stepDistribution)
	}
	g.add(&step{name: stepPublicURL, deps: urlDeps, run: o.tagPublicURL})
	return g
}
