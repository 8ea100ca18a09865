package deployment

// Step names of tier 2.
const (
	stepTargetGroup  = "target-group"
	stepLoadBalancer = "load-balancer"
	stepListeners    = "listeners"
	stepRegister     = "register-target"
	stepReady        = "target-healthy"
)

// addTier2 adds the load balancer in front of the instance. The load
// balancer provisions while the instance launches and boots.
func addTier2(g *graph, o *op) {
	g.add(&step{name: stepTargetGroup, deps: []string{stepNetwork}, run: o.ensureTargetGroup})
	g.add(&step{name: stepLoadBalancer, deps: []string{stepSecurityGroups}, typical: typicalALBActive, run: o.ensureLoadBalancer})
	listenerDeps := []string{stepLoadBalancer, stepTargetGroup}
	if len(o.spec.domainCertificates()) > 0 {
		// HTTPS with the domain's certificate, once ACM has issued it.
		listenerDeps = append(listenerDeps, stepDomainCertificates)
	}
	g.add(&step{name: stepListeners, deps: listenerDeps, run: o.ensureListeners})
	g.add(&step{name: stepRegister, deps: []string{stepInstance, stepTargetGroup}, run: o.ensureRegistration})
	if o.spec.WaitForReady {
		g.add(&step{name: stepReady, deps: []string{stepRegister, stepListeners}, typical: typicalTargetHealthy, run: o.waitReady})
	}
}
