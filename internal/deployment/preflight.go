package deployment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
)

// Preflight: read-only checks at plan time, so that nothing is created
// unless all of it can be. Each check compares the planned deployment with
// what AWS has (quotas, permissions, the inputs that must exist) and reports
// every problem it finds, tied to the attribute it comes from, with the
// remedy. A check that cannot decide (its own read is denied, the API fails)
// reports a warning, never an error: the apply would find out anyway.
//
// Checks run only when something they depend on changed: each has a Key, a
// digest of its inputs, which the provider keeps in private state after the
// apply; an unchanged plan makes no preflight call at all.

// Finding is one problem a check found.
type Finding struct {
	Path    string // attribute path ("load_balancer.ssl_policy"); "" for the deployment as a whole
	Warning bool
	Summary string
	Detail  string
}

// Check is one plan-time check.
type Check struct {
	Name string
	// Key is a digest of what the check depends on: the same key gives the
	// same answer, so a check whose key was recorded after the last apply
	// need not run again.
	Key string
	// Needs lists the top-level attributes the check reads; when one is
	// unknown at plan time the check is skipped (and runs at the next plan).
	Needs []string
	Run   func(ctx context.Context) []Finding
}

// PreflightInput is what the checks look at.
type PreflightInput struct {
	Spec *Spec
	// Prior is the deployment's record, nil when creating: its own objects
	// do not count against the quotas (an update keeps them, a replacement
	// deletes them first), and an adopted CLI deployment's single security
	// group is known from it.
	Prior *State
	// Replacing says the deployment is replaced: everything is made anew.
	Replacing bool
	// CallerARN is the identity the provider runs as (STS GetCallerIdentity).
	CallerARN string
	// InstanceType describes an instance type (cached by the caller).
	InstanceType func(ctx context.Context, name string) (InstanceTypeInfo, error)
}

func checkKey(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%v\x00", p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// PreflightChecks lists the checks of a planned deployment. Building them
// calls nothing; Run does.
func PreflightChecks(c *Clients, in PreflightInput) []Check {
	s := in.Spec
	var prior State
	if in.Prior != nil {
		prior = *in.Prior
	}
	single := !in.Replacing && prior.InstanceSecurityGroupID != "" && (prior.InstanceSecurityGroupID == prior.ALBSecurityGroupID || prior.InstanceSecurityGroupID == prior.EFSSecurityGroupID)
	lb, cf := s.HasLoadBalancer(), s.HasCDN()
	checks := []Check{
		{Name: "vcpu-quota", Key: checkKey(s.Region, s.InstanceType, s.Capacity.Spot(), s.Capacity.OnDemandFallback), Needs: []string{"instance_type", "capacity"},
			Run: func(ctx context.Context) []Finding { return checkVCPUQuota(ctx, c, in, prior.InstanceID) }},
		{Name: "vpc-quota", Key: checkKey(s.Region, s.VPCID == ""), Needs: []string{"vpc_id"},
			Run: func(ctx context.Context) []Finding { return checkVPCQuota(ctx, c, s, prior.VPCID) }},
		{Name: "efs-quota", Key: checkKey(s.Region), Needs: nil,
			Run: func(ctx context.Context) []Finding { return checkFileSystemQuota(ctx, c, s, prior.EFSID) }},
		{Name: "lb-quota", Key: checkKey(s.Region, lb), Needs: []string{"tier"},
			Run: func(ctx context.Context) []Finding { return checkLoadBalancerQuotas(ctx, c, s, prior) }},
		{Name: "cdn-quota", Key: checkKey(cf), Needs: []string{"tier"},
			Run: func(ctx context.Context) []Finding { return checkDistributionQuota(ctx, c, s, prior.DistributionID) }},
		{Name: "origin-timeout", Key: checkKey(cf, s.CDN.OriginReadTimeoutSeconds), Needs: []string{"tier", "cdn"},
			Run: func(ctx context.Context) []Finding { return checkOriginTimeout(ctx, c, s) }},
		{Name: "security-group-rules", Key: checkKey(s.Region, s.Tier, s.restrictsOrigin(), s.originPort(), s.lbHTTPS(), len(s.AllowedCIDRs), len(s.SSHCIDRs), single),
			Needs: []string{"tier", "allowed_cidr_blocks", "ssh_cidr_blocks", "load_balancer", "cdn"},
			Run:   func(ctx context.Context) []Finding { return checkRuleQuota(ctx, c, s, single) }},
		{Name: "permissions", Key: checkKey(s.Region, in.CallerARN, RequiredActions(s), s.KeyName, s.AMIID, s.certificateARNs(), s.Domain.ZoneID),
			Needs: []string{"tier", "vpc_id", "key_name", "ami_id", "load_balancer", "cdn"},
			Run:   func(ctx context.Context) []Finding { return CheckPermissions(ctx, c, in.CallerARN, s) }},
		{Name: "key-pair", Key: checkKey(s.Region, s.KeyName), Needs: []string{"key_name"},
			Run: func(ctx context.Context) []Finding { return checkKeyPair(ctx, c, s) }},
		{Name: "ami", Key: checkKey(s.Region, s.AMIID, s.InstanceType, s.GPU, s.RootVolumeGiB),
			Needs: []string{"ami_id", "instance_type", "gpu", "root_volume_size"},
			Run:   func(ctx context.Context) []Finding { return checkImage(ctx, c, in) }},
		{Name: "ssl-policy", Key: checkKey(s.Region, lb, s.LoadBalancer.SSLPolicy), Needs: []string{"tier", "load_balancer"},
			Run: func(ctx context.Context) []Finding { return checkSSLPolicy(ctx, c, s) }},
		{Name: "web-acl", Key: checkKey(cf, s.CDN.WebACLID), Needs: []string{"tier", "cdn"},
			Run: func(ctx context.Context) []Finding { return checkWebACL(ctx, c, s) }},
	}
	return checks
}

// RunChecks runs checks at most parallel at a time and returns their
// findings in the checks' order.
func RunChecks(ctx context.Context, checks []Check, parallel int) []Finding {
	results := make([][]Finding, len(checks))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, chk := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = chk.Run(ctx)
		}()
	}
	wg.Wait()
	var out []Finding
	for _, r := range results {
		out = append(out, r...)
	}
	return out
}

// couldNotCheck turns an error of a check's own reads into a warning: the
// check could not decide, and the apply will find out.
func couldNotCheck(what string, err error, permission string) []Finding {
	detail := fmt.Sprintf("The provider could not check %s before creating anything: %s.", what, codeAndMessage(err))
	if isAccessDenied(err) && permission != "" {
		detail += fmt.Sprintf(" Grant %s to let the plan check it.", permission)
	}
	detail += " If it is a problem, the apply fails and rolls back what it made."
	return []Finding{{Warning: true, Summary: "Preflight check skipped", Detail: detail}}
}

func isAccessDenied(err error) bool {
	return errs.IsCode(err, "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "AuthorizationError")
}

// fromError turns a check's error into findings: a FieldError is an input
// problem, anything else means the check could not decide.
func fromError(what string, err error, permission string) []Finding {
	if fe, ok := errs.As[*FieldError](err); ok {
		return []Finding{{Path: fe.Path, Summary: fe.Summary, Detail: fe.Detail}}
	}
	return couldNotCheck(what, err, permission)
}
