package deployment

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// The IAM actions a deployment uses over its life (create, refresh, import,
// update, rollback, destroy), in one place: the plan-time permission check
// simulates them for the caller, and TestPermissionsCoverLifecycle compares
// them with the actions the emulator's call log shows a deployment using.
// The plan-time checks' own reads (Service Quotas, DescribeKeyPairs,
// DescribeSSLPolicies, wafv2:GetWebACL, iam:SimulatePrincipalPolicy) are not
// here: when one is denied, its check says so in a warning.

// needs says when a deployment uses a permission.
type needs int

const (
	always         needs = iota
	ownedNetwork         // a dedicated VPC (no vpc_id)
	loadBalancer         // tier 2 and 3
	cdn                  // tier 3
	defaultAMI           // no ami_id: the AMI comes from an SSM public parameter
	certificates         // a certificate for the load balancer or CloudFront
	svcCredentials       // service credentials kept in SSM Parameter Store
	customDomain         // domain: ACM certificates and Route 53 records made by the deployment
)

// resource kinds an action is authorized on; none means "*" (the action has
// no resource-level permissions, or acts on objects the plan cannot name).
type resKind string

const (
	resVPC          resKind = "vpc"
	resSubnet       resKind = "subnet"
	resGateway      resKind = "internet-gateway"
	resRouteTable   resKind = "route-table"
	resGroup        resKind = "security-group"
	resGroupRule    resKind = "security-group-rule"
	resInstance     resKind = "instance"
	resVolume       resKind = "volume"
	resInterface    resKind = "network-interface"
	resImage        resKind = "image"
	resKeyPair      resKind = "key-pair"
	resFileSystem   resKind = "file-system"
	resRole         resKind = "role"
	resProfile      resKind = "instance-profile"
	resLoadBalancer resKind = "loadbalancer"
	resTargetGroup  resKind = "targetgroup"
	resListener     resKind = "listener"
	resRule         resKind = "listener-rule"
	resDistribution resKind = "distribution"
	resParameter    resKind = "parameter"
	resCertificate  resKind = "certificate"
	resCredentials  resKind = "credentials"
	resLease        resKind = "lease"
	resAnyCert      resKind = "any-certificate"
	resHostedZone   resKind = "hostedzone"
	resChange       resKind = "change"
)

// ec2Tagged are the EC2 objects the deployment tags.
var ec2Tagged = []resKind{resVPC, resSubnet, resGateway, resRouteTable, resGroup, resInstance, resVolume, resInterface}

type permission struct {
	action string
	need   needs
	on     []resKind
}

func perms(need needs, on []resKind, actions ...string) []permission {
	out := make([]permission, len(actions))
	for i, a := range actions {
		out[i] = permission{action: a, need: need, on: on}
	}
	return out
}

func on(kinds ...resKind) []resKind { return kinds }

var permissionTable = slices.Concat(
	// Reads: EC2's Describe calls have no resource-level permissions.
	perms(always, nil, "sts:GetCallerIdentity",
		"ec2:DescribeAvailabilityZones", "ec2:DescribeImages", "ec2:DescribeInstanceTypeOfferings", "ec2:DescribeInstanceTypes",
		"ec2:DescribeInstances", "ec2:DescribeInternetGateways", "ec2:DescribeNetworkInterfaces", "ec2:DescribeRouteTables",
		"ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeTags", "ec2:DescribeVpcs",
		"ec2:DescribeVolumes"),
	// The network of a dedicated VPC.
	perms(ownedNetwork, on(resVPC), "ec2:CreateVpc", "ec2:ModifyVpcAttribute", "ec2:DeleteVpc"),
	perms(ownedNetwork, on(resSubnet, resVPC), "ec2:CreateSubnet"),
	perms(ownedNetwork, on(resSubnet), "ec2:ModifySubnetAttribute", "ec2:DeleteSubnet"),
	perms(ownedNetwork, on(resGateway), "ec2:CreateInternetGateway", "ec2:DeleteInternetGateway"),
	perms(ownedNetwork, on(resGateway, resVPC), "ec2:AttachInternetGateway", "ec2:DetachInternetGateway"),
	perms(ownedNetwork, on(resRouteTable, resVPC), "ec2:CreateRouteTable"),
	perms(ownedNetwork, on(resRouteTable), "ec2:CreateRoute", "ec2:DeleteRouteTable"),
	perms(ownedNetwork, on(resRouteTable, resSubnet), "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable"),
	// Security groups.
	perms(always, on(resGroup, resVPC), "ec2:CreateSecurityGroup"),
	perms(always, on(resGroup), "ec2:DeleteSecurityGroup"),
	perms(always, on(resGroup, resGroupRule), "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"),
	// Tags of every EC2 object, on create and when tags change.
	perms(always, ec2Tagged, "ec2:CreateTags", "ec2:DeleteTags"),
	// The instance.
	perms(always, on(resInstance, resImage, resSubnet, resGroup, resInterface, resVolume, resKeyPair), "ec2:RunInstances"),
	perms(always, on(resInstance), "ec2:TerminateInstances", "ec2:StopInstances", "ec2:StartInstances",
		"ec2:ModifyInstanceAttribute", "ec2:GetConsoleOutput", "ec2:DescribeInstanceAttribute"),
	perms(always, on(resRole), "iam:PassRole"),
	perms(defaultAMI, on(resParameter), "ssm:GetParameter"),
	// Service credentials under /geusemaker/NAME/ in Parameter Store.
	perms(svcCredentials, on(resCredentials), "ssm:PutParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
		"ssm:DeleteParameters", "ssm:AddTagsToResource", "ssm:RemoveTagsFromResource", "ssm:ListTagsForResource"),
	// The create lease on the deployment's name (lease.go).
	perms(always, on(resLease), "ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource"),
	// IAM: the instance role and its profile.
	perms(always, on(resRole), "iam:CreateRole", "iam:GetRole", "iam:DeleteRole", "iam:TagRole", "iam:UntagRole",
		"iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
		"iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole"),
	perms(always, on(resProfile), "iam:CreateInstanceProfile", "iam:GetInstanceProfile", "iam:DeleteInstanceProfile",
		"iam:TagInstanceProfile", "iam:UntagInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"),
	// EFS.
	perms(always, nil, "elasticfilesystem:DescribeFileSystems"),
	perms(always, on(resFileSystem), "elasticfilesystem:CreateFileSystem", "elasticfilesystem:DeleteFileSystem",
		"elasticfilesystem:UpdateFileSystem", "elasticfilesystem:CreateMountTarget", "elasticfilesystem:DeleteMountTarget",
		"elasticfilesystem:DescribeMountTargets", "elasticfilesystem:DescribeMountTargetSecurityGroups",
		"elasticfilesystem:TagResource", "elasticfilesystem:UntagResource"),
	// The load balancer (tier 2 and 3).
	perms(loadBalancer, nil, "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
		"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
		"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules"),
	perms(loadBalancer, on(resLoadBalancer), "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
		"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:CreateListener"),
	perms(loadBalancer, on(resTargetGroup), "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
		"elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
		"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"),
	perms(loadBalancer, on(resListener), "elasticloadbalancing:ModifyListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule"),
	perms(loadBalancer, on(resRule), "elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule"),
	perms(loadBalancer, on(resLoadBalancer, resTargetGroup, resListener, resRule), "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"),
	// CloudFront (tier 3).
	perms(cdn, nil, "ec2:DescribeManagedPrefixLists", "cloudfront:ListDistributions"),
	perms(cdn, on(resDistribution), "cloudfront:CreateDistribution", "cloudfront:GetDistribution", "cloudfront:GetDistributionConfig",
		"cloudfront:UpdateDistribution", "cloudfront:DeleteDistribution", "cloudfront:TagResource", "cloudfront:UntagResource",
		"cloudfront:ListTagsForResource"),
	// A custom domain: the deployment requests its certificates (in the
	// region and in us-east-1 for CloudFront) and writes records in the zone.
	perms(customDomain, nil, "acm:RequestCertificate", "acm:ListCertificates", "route53:ListHostedZonesByName"),
	perms(customDomain, on(resAnyCert), "acm:DescribeCertificate", "acm:AddTagsToCertificate", "acm:DeleteCertificate"),
	perms(customDomain, on(resHostedZone), "route53:GetHostedZone", "route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"),
	perms(customDomain, on(resChange), "route53:GetChange"),
	// Certificates given for HTTPS are checked at plan time.
	perms(certificates, on(resCertificate), "acm:DescribeCertificate"),
)

// RequiredActions lists the IAM actions the deployment uses, sorted.
func RequiredActions(s *Spec) []string {
	var out []string
	for _, p := range permissionTable {
		if s.uses(p.need) && !slices.Contains(out, p.action) {
			out = append(out, p.action)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Spec) uses(n needs) bool {
	switch n {
	case ownedNetwork:
		return s.VPCID == ""
	case loadBalancer:
		return s.HasLoadBalancer()
	case cdn:
		return s.HasCDN()
	case defaultAMI:
		return s.AMIID == ""
	case certificates:
		return len(s.certificateARNs()) > 0
	case svcCredentials:
		return len(userdata.CredentialParams(s.Services)) > 0
	case customDomain:
		return s.Domain.Enabled()
	}
	return true
}

func (s *Spec) certificateARNs() []string {
	var out []string
	if s.HasLoadBalancer() && s.LoadBalancer.CertificateARN != "" {
		out = append(out, s.LoadBalancer.CertificateARN)
	}
	if s.HasCDN() && s.CDN.CertificateARN != "" {
		out = append(out, s.CDN.CertificateARN)
	}
	return out
}

// arns names the objects of a kind the deployment will act on, as the plan
// knows them: exact where the name is derived from the deployment's (IAM),
// with "*" for the ids AWS assigns at create. A policy that allows the
// action on a pattern such as ".../loadbalancer/app/NAME-alb/*" matches them.
func (s *Spec) arns(k resKind, partition, account string) []string {
	ec2 := func(t string) []string {
		return []string{fmt.Sprintf("arn:%s:ec2:%s:%s:%s/*", partition, s.Region, account, t)}
	}
	elb := func(suffix string) []string {
		return []string{fmt.Sprintf("arn:%s:elasticloadbalancing:%s:%s:%s", partition, s.Region, account, suffix)}
	}
	switch k {
	case resImage:
		if s.AMIID != "" {
			return []string{fmt.Sprintf("arn:%s:ec2:%s::image/%s", partition, s.Region, s.AMIID)}
		}
		return []string{fmt.Sprintf("arn:%s:ec2:%s::image/*", partition, s.Region)}
	case resKeyPair:
		if s.KeyName == "" {
			return nil
		}
		return []string{fmt.Sprintf("arn:%s:ec2:%s:%s:key-pair/%s", partition, s.Region, account, s.KeyName)}
	case resFileSystem:
		return []string{fmt.Sprintf("arn:%s:elasticfilesystem:%s:%s:file-system/*", partition, s.Region, account)}
	case resRole:
		return []string{fmt.Sprintf("arn:%s:iam::%s:role%s%s", partition, account, IAMPath, s.roleName())}
	case resProfile:
		return []string{fmt.Sprintf("arn:%s:iam::%s:instance-profile%s%s", partition, account, IAMPath, s.roleName())}
	case resLoadBalancer:
		return elb("loadbalancer/app/" + s.loadBalancerName() + "/*")
	case resTargetGroup:
		return elb("targetgroup/" + s.targetGroupName() + "/*")
	case resListener:
		return elb("listener/app/" + s.loadBalancerName() + "/*/*")
	case resRule:
		return elb("listener-rule/app/" + s.loadBalancerName() + "/*/*/*")
	case resDistribution:
		return []string{fmt.Sprintf("arn:%s:cloudfront::%s:distribution/*", partition, account)}
	case resParameter:
		return []string{fmt.Sprintf("arn:%s:ssm:%s::parameter/aws/service/*", partition, s.Region)}
	case resCertificate:
		return s.certificateARNs()
	case resAnyCert:
		out := []string{fmt.Sprintf("arn:%s:acm:%s:%s:certificate/*", partition, s.Region, account)}
		if s.HasCDN() && s.Region != "us-east-1" {
			out = append(out, fmt.Sprintf("arn:%s:acm:us-east-1:%s:certificate/*", partition, account))
		}
		return out
	case resHostedZone:
		zone := s.Domain.ZoneID
		if zone == "" {
			zone = "*"
		}
		return []string{fmt.Sprintf("arn:%s:route53:::hostedzone/%s", partition, zone)}
	case resChange:
		return []string{fmt.Sprintf("arn:%s:route53:::change/*", partition)}
	case resLease:
		return []string{fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s", partition, s.Region, account, leaseParameter(s.Name))}
	case resCredentials:
		// The path itself (GetParametersByPath) and the parameters under it.
		path := strings.TrimSuffix(userdata.CredentialsPathFor(s.Name), "/")
		return []string{fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s", partition, s.Region, account, path),
			fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s/*", partition, s.Region, account, path)}
	}
	return ec2(string(k))
}

// simulation is the one SimulatePrincipalPolicy request that asks about
// every action the deployment uses: the simulator evaluates each action
// against each resource of the request, and an action is judged only on its
// own resources (ResourceSpecificResults), so one request stands for many.
type simulation struct {
	actions   []string
	resources []string            // every resource any action acts on
	on        map[string][]string // action -> its own resources
}

// simulation gathers the spec's permissions into one request.
func (s *Spec) simulation(partition, account string) simulation {
	sim := simulation{on: map[string][]string{}}
	for _, p := range permissionTable {
		if !s.uses(p.need) {
			continue
		}
		var res []string
		for _, k := range p.on {
			res = append(res, s.arns(k, partition, account)...)
		}
		if len(res) == 0 {
			res = []string{"*"}
		}
		if _, ok := sim.on[p.action]; !ok {
			sim.actions = append(sim.actions, p.action)
		}
		for _, r := range res {
			if !slices.Contains(sim.on[p.action], r) {
				sim.on[p.action] = append(sim.on[p.action], r)
			}
			if !slices.Contains(sim.resources, r) {
				sim.resources = append(sim.resources, r)
			}
		}
	}
	return sim
}

// decision is an action's verdict over its own resources: the most
// restrictive of their decisions (explicit deny, then implicit deny).
func (sim simulation) decision(r iamtypes.EvaluationResult) iamtypes.PolicyEvaluationDecisionType {
	own := sim.on[aws.ToString(r.EvalActionName)]
	if len(r.ResourceSpecificResults) == 0 {
		return r.EvalDecision
	}
	worst, seen := iamtypes.PolicyEvaluationDecisionTypeAllowed, false
	for _, rr := range r.ResourceSpecificResults {
		if !slices.Contains(own, aws.ToString(rr.EvalResourceName)) {
			continue
		}
		seen = true
		switch d := rr.EvalResourceDecision; {
		case d == iamtypes.PolicyEvaluationDecisionTypeExplicitDeny:
			return d
		case d != iamtypes.PolicyEvaluationDecisionTypeAllowed:
			worst = d
		}
	}
	if !seen {
		return r.EvalDecision
	}
	return worst
}

// PolicySourceARN is the IAM principal whose policies decide for a caller:
// a user or role as it is, the role behind an assumed-role session
// (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION, whose path the session ARN
// does not carry: roles under a path are looked up by name). "" for callers
// the simulator cannot take (the root user, federated users).
func PolicySourceARN(callerARN string) (arn, roleName string) {
	parts := strings.SplitN(callerARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", ""
	}
	partition, service, account, res := parts[1], parts[2], parts[4], parts[5]
	switch {
	case service == "iam" && (strings.HasPrefix(res, "user/") || strings.HasPrefix(res, "role/")):
		return callerARN, ""
	case service == "sts" && strings.HasPrefix(res, "assumed-role/"):
		name, _, _ := strings.Cut(strings.TrimPrefix(res, "assumed-role/"), "/")
		return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, name), name
	}
	return "", ""
}

// CheckPermissions simulates the caller's policies over every action the
// deployment uses, with the resources the plan can name. Actions that are
// denied are one error; actions whose outcome depends on conditions the
// simulation cannot know (tags, create actions) are a warning; a caller the
// simulator cannot take, or that may not simulate, gets a warning.
func CheckPermissions(ctx context.Context, c *Clients, callerARN string, s *Spec) []Finding {
	warn := func(detail string) []Finding {
		return []Finding{{Warning: true, Summary: "Permissions not checked", Detail: detail}}
	}
	if callerARN == "" {
		return warn("The provider does not know who the caller is (skip_requesting_account_id, or STS failed under skip_credentials_validation), so it could not simulate the caller's IAM permissions; a missing permission fails the apply halfway, and the rollback deletes what was made.")
	}
	source, roleName := PolicySourceARN(callerARN)
	if source == "" {
		if strings.HasSuffix(callerARN, ":root") {
			return nil // the root user may do everything an SCP does not deny
		}
		return warn(fmt.Sprintf("IAM cannot simulate the policies of %s (only users and roles can be simulated), so the deployment's permissions were not checked.", callerARN))
	}
	account := ""
	if parts := strings.Split(source, ":"); len(parts) > 4 {
		account = parts[4]
	}
	denied, conditional := map[string]string{}, map[string][]string{}
	sim := s.simulation(c.Partition, account)
	results, err := simulate(ctx, c.IAM, source, sim)
	if err != nil && roleName != "" && errs.IsA[*iamtypes.NoSuchEntityException](err) {
		// A role under a path: the session ARN does not show it.
		if role, rerr := tfiam.FindRoleByName(ctx, c.IAM, roleName); rerr == nil {
			source = aws.ToString(role.Arn)
			results, err = simulate(ctx, c.IAM, source, sim)
		}
	}
	if err != nil {
		return warn(fmt.Sprintf("Simulating the permissions of %s failed (%s), so the deployment's permissions were not checked. The check needs iam:SimulatePrincipalPolicy on the caller (and iam:GetRole for a role under a path).", source, codeAndMessage(err)))
	}
	for _, r := range results {
		action := aws.ToString(r.EvalActionName)
		switch d := sim.decision(r); {
		case d == iamtypes.PolicyEvaluationDecisionTypeAllowed:
		case d == iamtypes.PolicyEvaluationDecisionTypeExplicitDeny:
			denied[action] = "explicit deny"
		case r.OrganizationsDecisionDetail != nil && !r.OrganizationsDecisionDetail.AllowedByOrganizations:
			denied[action] = "denied by an Organizations policy"
		case len(r.MissingContextValues) > 0:
			conditional[action] = r.MissingContextValues
		default:
			denied[action] = ""
		}
	}
	var out []Finding
	if len(denied) > 0 {
		var lines []string
		for _, a := range slices.Sorted(maps.Keys(denied)) {
			line := "  - " + a
			if why := denied[a]; why != "" {
				line += " (" + why + ")"
			}
			lines = append(lines, line)
		}
		out = append(out, Finding{Summary: "Missing IAM permissions",
			Detail: fmt.Sprintf("IAM's policy simulator says %s may not perform %d action(s) this deployment (tier %d) needs:\n%s\n\nGrant them to %s (the README lists every permission the provider uses), or deploy with credentials that have them. Nothing was created.",
				source, len(denied), s.Tier, strings.Join(lines, "\n"), source)})
	}
	if len(conditional) > 0 {
		var lines []string
		for _, a := range slices.Sorted(maps.Keys(conditional)) {
			lines = append(lines, fmt.Sprintf("  - %s (depends on %s)", a, strings.Join(conditional[a], ", ")))
		}
		out = append(out, Finding{Warning: true, Summary: "IAM permissions depend on conditions",
			Detail: fmt.Sprintf("The policies of %s allow these actions only under conditions the simulation cannot evaluate before the objects exist:\n%s\nThe apply fails if the conditions do not hold.", source, strings.Join(lines, "\n"))})
	}
	return out
}

// simulate asks the simulator about every action (all pages). iam:PassRole
// is asked as the launch passes the role, to EC2; the context key matters
// only to policies that test it, which only PassRole statements do.
func simulate(ctx context.Context, conn *iam.Client, source string, sim simulation) ([]iamtypes.EvaluationResult, error) {
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(source), ActionNames: sim.actions,
		ResourceArns: sim.resources, MaxItems: aws.Int32(1000)}
	if slices.Contains(sim.actions, "iam:PassRole") {
		in.ContextEntries = []iamtypes.ContextEntry{{ContextKeyName: aws.String("iam:PassedToService"),
			ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{"ec2.amazonaws.com"}}}
	}
	var out []iamtypes.EvaluationResult
	p := iam.NewSimulatePrincipalPolicyPaginator(conn, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.EvaluationResults...)
	}
	return out, nil
}

// codeAndMessage renders an AWS error as "Code: message".
func codeAndMessage(err error) string {
	if c := errs.Code(err); c != "" {
		return c + ": " + errs.Message(err)
	}
	return err.Error()
}
