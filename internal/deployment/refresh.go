package deployment

import (
	"context"
	"fmt"
	"sort"
	"strings"

	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// observed is what a refresh read, component by component. Each component's
// refresh function reads its objects once, batched where the API allows
// (one DescribeSecurityGroups for every group, one DescribeRouteTables for
// the VPC, its route table, routes and gateway, ...), and keeps them here:
// a check of a component's settings (drift) compares against what its
// refresh read instead of calling AWS again. Each field is written only by
// its component's refresh function; nil means not read (not recorded, or
// gone).
type observed struct {
	routeTables    []ec2types.RouteTable // every table of an owned VPC
	subnets        []ec2types.Subnet     // the VPC's subnets
	securityGroups map[string]ec2types.SecurityGroup
	fileSystem     *efstypes.FileSystemDescription
	mountTargets   []efstypes.MountTargetDescription
	profile        *iamtypes.InstanceProfile // with its role
	instance       *ec2types.Instance
	listeners      []elbtypes.Listener
	targetGroup    *elbtypes.TargetGroup
	distribution   *cftypes.Distribution // with its config
}

// Refresh reads every recorded component at once and returns what exists
// now: ids of components deleted outside Terraform are cleared (so the next
// plan shows them as drift and apply recreates them), mutable facts such as
// addresses and the CloudFront status are updated, managed settings changed
// outside Terraform are listed in Drift (the apply puts them back), and
// Status summarises. It reads each kind of object once, for every component
// of that kind (one DescribeSecurityGroups for all groups, ...), and takes
// the settings from the answers that prove existence.
func Refresh(ctx context.Context, c *Clients, spec *Spec, st *State) (*State, error) {
	ctx = logContext(ctx, spec.Name)
	o := &op{c: c, spec: spec, rec: newRecorder(st.Clone()), seen: &observed{}}
	o.rec.set(func(s *State) { s.Drift = nil })
	if err := o.refresh(ctx); err != nil {
		return st, err
	}
	out := o.rec.get()
	out.Status = summarize(spec, out)
	sort.Strings(out.Drift)
	return out, nil
}

// Components as drift reports name them.
const (
	DriftNetwork        = "network"
	DriftSecurityGroups = "security groups"
	DriftFileSystem     = "file system"
	DriftIAM            = "iam"
	DriftInstance       = "instance"
	DriftInstanceType   = "instance type"
	DriftLoadBalancer   = "load balancer"
	DriftCloudFront     = "cloudfront"
)

// drifted notes a managed setting that differs in AWS from what the
// deployment set, once an apply of this provider has set them all.
func (o *op) drifted(component, format string, args ...any) {
	line := component + ": " + fmt.Sprintf(format, args...)
	o.rec.set(func(s *State) {
		if s.Converged {
			s.Drift = appendUnique(s.Drift, line)
		}
	})
}

// Drifted reports whether a refresh found drift in a component.
func Drifted(drift []string, component string) bool {
	for _, d := range drift {
		if strings.HasPrefix(d, component+": ") {
			return true
		}
	}
	return false
}

// refresh reads every recorded component at once and clears the ids of
// those that no longer exist.
func (o *op) refresh(ctx context.Context) error {
	st := o.rec.get()
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
	_, err := g.execute(ctx, nil)
	return err
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
