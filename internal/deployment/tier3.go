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
