package deployment

import (
	"context"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// Refresh reads every recorded component at once and returns what exists
// now: ids of components deleted outside Terraform are cleared (so the next
// plan shows them as drift and apply recreates them), mutable facts such as
// addresses and the CloudFront status are updated, and Status summarises.
func Refresh(ctx context.Context, c *Clients, spec *Spec, st *State) (*State, error) {
	ctx = logContext(ctx, spec.Name)
	o := &op{c: c, spec: spec, rec: newRecorder(st.Clone())}
	g := newGraph()
	check := func(name string, present bool, f func(context.Context) error) {
		if present {
			g.add(&step{name: name, run: f})
		}
	}
	check("vpc", st.VPCID != "", o.refreshNetwork)
	check("security-groups", st.InstanceSecurityGroupID != "" || st.EFSSecurityGroupID != "" || st.ALBSecurityGroupID != "", o.refreshSecurityGroups)
	check("file-system", st.EFSID != "", o.refreshFileSystem)
	check("iam", st.RoleName != "" || st.ProfileName != "", o.refreshIAM)
	check("instance", st.InstanceID != "", o.refreshInstance)
	check("credentials", len(st.CredentialParams) > 0, o.refreshCredentials)
	check("load-balancer", st.ALBARN != "" || st.TargetGroupARN != "", o.refreshLoadBalancer)
	check("cloudfront", st.DistributionID != "", o.refreshDistribution)
	check("domain", len(st.DomainCertificates) > 0 || len(st.DomainRecords) > 0, o.refreshDomain)
	if _, err := g.execute(ctx, nil); err != nil {
		return st, err
	}
	out := o.rec.get()
	out.Status = summarize(spec, out)
	return out, nil
}

// summarize says whether everything the tier needs is there and running.
func summarize(spec *Spec, st *State) string {
	if st.InstanceID == "" || st.EFSID == "" || st.VPCID == "" || st.InstanceSecurityGroupID == "" || st.ProfileName == "" || !credentialsComplete(spec, st) {
		return StatusDegraded
	}
	if spec.HasLoadBalancer() && (st.ALBARN == "" || st.TargetGroupARN == "" || len(st.ListenerARNs) == 0) {
		return StatusDegraded
	}
	if spec.HasCDN() && st.DistributionID == "" {
		return StatusDegraded
	}
	if !domainComplete(spec, st) {
		return StatusDegraded
	}
	if st.Status == StatusStopped {
		return StatusStopped
	}
	return StatusRunning
}

// Missing lists the components the tier needs that the state lacks.
func Missing(spec *Spec, st *State) []string {
	var out []string
	need := func(ok bool, what string) {
		if !ok {
			out = append(out, what)
		}
	}
	need(st.VPCID != "", CompVPC)
	need(st.InstanceSecurityGroupID != "" && st.EFSSecurityGroupID != "", "security groups")
	need(st.EFSID != "", CompFileSystem)
	need(len(st.MountTargetIDs) > 0, CompMountTarget)
	need(st.RoleName != "" && st.ProfileName != "", CompProfile)
	need(credentialsComplete(spec, st), CompCredentials)
	need(st.InstanceID != "", CompInstance)
	if spec.HasLoadBalancer() {
		need(st.ALBSecurityGroupID != "", CompALBSG)
		need(st.ALBARN != "", CompLoadBalancer)
		need(st.TargetGroupARN != "", CompTargetGroup)
		need(len(st.ListenerARNs) > 0, CompListener)
	}
	if spec.HasCDN() {
		need(st.DistributionID != "", CompDistribution)
	}
	return append(out, missingDomain(spec, st)...)
}

func gone(err error) bool { return retry.NotFound(err) }
