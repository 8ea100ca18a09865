package deployment

import (
	"context"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
)

// part selects components to tear down.
type part int

const (
	partCDN part = 1 << iota
	partLoadBalancer
	partCompute
	partStorage
	partIAM
	partSecurityGroups
	partNetwork
	partDomain
	partCredentials
)

const allParts = partCDN | partLoadBalancer | partCompute | partStorage | partIAM | partSecurityGroups | partNetwork | partDomain | partCredentials

// partsAbove is what a deployment at tier no longer has. (The domain's
// certificates and records follow the tier in Update's pruneDomain.)
func partsAbove(t int) part {
	var p part
	if !tier.Tier(t).HasCDN() {
		p |= partCDN
	}
	if !tier.Tier(t).HasLoadBalancer() {
		p |= partLoadBalancer
	}
	return p
}

// Teardown step names.
const (
	stepDeleteCDN       = "delete-cloudfront"
	stepDeleteListeners = "delete-listeners"
	stepDeleteLB        = "delete-load-balancer"
	stepDeleteTG        = "delete-target-group"
	stepDeleteALBSG     = "delete-alb-security-group"
	stepTerminate       = "terminate-instance"
	stepDeleteMounts    = "delete-mount-targets"
	stepDeleteFS        = "delete-file-system"
	stepDeleteIAM       = "delete-iam"
	stepDeleteCreds     = "delete-credentials"
	stepDeleteSGs       = "delete-security-groups"
	stepDeleteNetwork   = "delete-network"
)

// teardown deletes the selected components of the recorded state: CloudFront
// on its own path (it is the slow one), the load balancer, the instance and
// the storage concurrently, then IAM and the security groups once nothing
// uses them, and the network last. Every step treats "not found" as done,
// clears the ids it deleted and rides out transient errors (persistent); a
// step that fails stops only what depends on it, so everything else is
// still deleted, and a teardown run again resumes.
func (o *op) teardown(ctx context.Context, parts part) error {
	if err := o.adoptUntracked(ctx, parts); err != nil {
		return err
	}
	st := o.rec.get()
	g := newGraph()
	g.keepGoing = true
	var after []string // steps the network waits for
	add := func(s *step) {
		s.run = persistent(s.name, s.run)
		g.add(s)
		after = append(after, s.name)
	}

	if parts&partCDN != 0 && st.DistributionID != "" {
		add(&step{name: stepDeleteCDN, typical: typicalCloudFront, run: o.deleteDistribution})
	}
	var lbSteps []string
	if parts&partLoadBalancer != 0 {
		add(&step{name: stepDeleteListeners, run: o.deleteListeners})
		add(&step{name: stepDeleteLB, deps: []string{stepDeleteListeners}, run: o.deleteLoadBalancer})
		add(&step{name: stepDeleteTG, deps: []string{stepDeleteLB}, run: o.deleteTargetGroup})
		add(&step{name: stepDeleteALBSG, deps: []string{stepDeleteLB}, run: o.deleteALBSecurityGroup})
		lbSteps = []string{stepDeleteLB, stepDeleteALBSG}
	}
	if parts&partCompute != 0 {
		add(&step{name: stepTerminate, typical: typicalInstanceRunning, run: o.terminateInstance})
	}
	if parts&partStorage != 0 {
		add(&step{name: stepDeleteMounts, typical: time.Minute, run: o.deleteMountTargets})
		add(&step{name: stepDeleteFS, deps: []string{stepDeleteMounts}, run: o.deleteFileSystem})
	}
	if parts&partIAM != 0 {
		deps := []string{}
		if g.has(stepTerminate) {
			deps = append(deps, stepTerminate)
		}
		add(&step{name: stepDeleteIAM, deps: deps, run: o.deleteIAM})
	}
	if parts&partCredentials != 0 {
		deps := []string{}
		if g.has(stepTerminate) {
			deps = append(deps, stepTerminate)
		}
		add(&step{name: stepDeleteCreds, deps: deps, run: o.deleteCredentials})
	}
	if parts&partSecurityGroups != 0 {
		deps := append([]string{}, lbSteps...)
		for _, d := range []string{stepTerminate, stepDeleteMounts} {
			if g.has(d) {
				deps = append(deps, d)
			}
		}
		add(&step{name: stepDeleteSGs, deps: deps, run: o.deleteSecurityGroups})
	}
	if parts&partDomain != 0 && (len(st.DomainRecords) > 0 || len(st.DomainCertificates) > 0) {
		o.addDomainTeardown(g)
	}
	if parts&partNetwork != 0 && st.OwnedNetwork {
		deps := []string{}
		for _, n := range after {
			if n != stepDeleteCDN && n != stepDeleteIAM && n != stepDeleteCreds {
				deps = append(deps, n)
			}
		}
		g.add(&step{name: stepDeleteNetwork, deps: deps, run: persistent(stepDeleteNetwork, o.deleteNetwork)})
	}
	if len(g.order) == 0 {
		return nil
	}
	_, err := o.regional(g).execute(ctx, &progressLogger{ctx: ctx, g: g, start: time.Now()})
	return err
}

// addDomainTeardown adds the steps deleting the domain's DNS records and
// certificates to g, after the steps already in g that use them.
func (o *op) addDomainTeardown(g *graph) {
	// The records go first (nothing points at what is being deleted),
	// the certificates once the listeners and CloudFront released them.
	g.add(&step{name: stepDeleteDomainRecords, run: func(ctx context.Context) error { return o.pruneDomainRecords(ctx, nil) }})
	deps := []string{stepDeleteDomainRecords}
	for _, d := range []string{stepDeleteCDN, stepDeleteListeners, stepDeleteLB} {
		if g.has(d) {
			deps = append(deps, d)
		}
	}
	g.add(&step{name: stepDeleteDomainCertificates, deps: deps, run: func(ctx context.Context) error { return o.pruneDomainCertificates(ctx, nil) }})
}

// adoptUntracked fills in the ids of objects that exist but are missing from
// the record: a create call cancelled after AWS acted but before the id was
// recorded (a sibling step failed, the answer was lost, or the process
// died) leaves such objects. Everything carrying the deployment's tag,
// creation token, caller reference or derived name is the deployment's own,
// since Create refuses to start when such objects already exist.
func (o *op) adoptUntracked(ctx context.Context, parts part) error {
	for _, a := range []struct {
		parts part
		adopt func(context.Context) error
	}{
		{partNetwork, o.adoptNetwork},
		{partSecurityGroups | partLoadBalancer, o.adoptSecurityGroups},
		{partStorage, o.adoptFileSystem},
		{partCompute, o.adoptInstance},
		{partIAM, o.adoptIAM},
		{partLoadBalancer, o.adoptLoadBalancer},
		{partCDN, o.adoptDistribution},
	} {
		if parts&a.parts == 0 {
			continue
		}
		if err := a.adopt(ctx); err != nil {
			return err
		}
	}
	return nil
}

// retain records an object deliberately left behind (retain_on_delete).
func (o *op) retain(id string) {
	o.keptMu.Lock()
	defer o.keptMu.Unlock()
	o.kept = append(o.kept, id)
}

// retained lists what retain recorded, for the warning after a destroy.
func (o *op) retained() []string {
	o.keptMu.Lock()
	defer o.keptMu.Unlock()
	return append([]string(nil), o.kept...)
}
