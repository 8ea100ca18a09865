package deployment

import (
	"context"
	"fmt"
	"regexp"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfwafv2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/wafv2"
)

// checkKeyPair: the key pair must exist in the region (RunInstances fails
// with InvalidKeyPair.NotFound after the network, IAM and EFS exist).
func checkKeyPair(ctx context.Context, c *Clients, s *Spec) []Finding {
	if s.KeyName == "" {
		return nil
	}
	_, err := tfec2.FindKeyPairByName(ctx, c.EC2, s.KeyName)
	switch {
	case retry.NotFound(err):
		return []Finding{{Path: "key_name", Summary: "Key pair not found",
			Detail: fmt.Sprintf("EC2 has no key pair %q in %s (key pairs are per region). Import your public key there (`aws ec2 import-key-pair --key-name %s --public-key-material fileb://~/.ssh/id_ed25519.pub --region %s`), or remove key_name and reach the instance with SSM Session Manager.", s.KeyName, s.Region, s.KeyName, s.Region)}}
	case err != nil:
		return couldNotCheck("key pair "+s.KeyName, err, "ec2:DescribeKeyPairs")
	}
	return nil
}

// checkImage: the AMI (the user's, or the default the region publishes in
// SSM) must exist, match the instance type's architecture and fit in the
// root volume.
func checkImage(ctx context.Context, c *Clients, in PreflightInput) []Finding {
	s := in.Spec
	it, err := in.InstanceType(ctx, s.InstanceType)
	if err != nil {
		return couldNotCheck("the AMI against "+s.InstanceType, err, "ec2:DescribeInstanceTypes")
	}
	resolved := *s
	if resolved.AMIID == "" {
		param := DefaultAMIParameter(s.GPU, it.Arch)
		id, err := c.Catalog.parameter(ctx, c.SSM, param)
		switch {
		case retry.NotFound(err):
			return []Finding{{Path: "ami_id", Summary: "No default AMI in this region",
				Detail: fmt.Sprintf("%s does not publish the SSM public parameter %s that names the default AMI for %s. Set ami_id to an Ubuntu 22.04 AMI of the region (for GPUs, one with the NVIDIA driver).", s.Region, param, s.InstanceType)}}
		case err != nil:
			return couldNotCheck("the default AMI", err, "ssm:GetParameter on arn:aws:ssm:"+s.Region+"::parameter/aws/service/*")
		}
		resolved.AMIID = id
	}
	_, err = resolveImage(ctx, c, &resolved, it)
	switch {
	case err == nil:
		return nil
	case errs.IsCode(err, "InvalidAMIID.Malformed"):
		return []Finding{{Path: "ami_id", Summary: "Invalid AMI id", Detail: fmt.Sprintf("%q is not an AMI id: AMI ids look like ami-0abcdef1234567890.", resolved.AMIID)}}
	case retry.NotFound(err):
		return []Finding{{Path: "ami_id", Summary: "AMI not found",
			Detail: fmt.Sprintf("AMI %s does not exist in %s, is deregistered, or is not shared with this account. AMI ids differ per region: use one of %s.", resolved.AMIID, s.Region, s.Region)}}
	}
	return fromError("AMI "+resolved.AMIID, err, "ec2:DescribeImages")
}

// checkSSLPolicy: ELB refuses an HTTPS listener with an unknown policy
// (SSLPolicyNotFound), after the load balancer exists.
func checkSSLPolicy(ctx context.Context, c *Clients, s *Spec) []Finding {
	p := s.LoadBalancer.SSLPolicy
	if !s.HasLoadBalancer() || p == "" || p == DefaultSSLPolicy {
		return nil
	}
	err := findSSLPolicy(ctx, c, p)
	switch {
	case retry.NotFound(err):
		return []Finding{{Path: "load_balancer.ssl_policy", Summary: "Unknown TLS policy",
			Detail: fmt.Sprintf("Elastic Load Balancing has no security policy %q (names are case-sensitive; `aws elbv2 describe-ssl-policies` lists them). Use for example %s (the default: TLS 1.3 and 1.2) or ELBSecurityPolicy-TLS13-1-3-2021-06 (TLS 1.3 only).", p, DefaultSSLPolicy)}}
	case err != nil:
		return couldNotCheck("TLS policy "+p, err, "elasticloadbalancing:DescribeSSLPolicies")
	}
	return nil
}

// WebACLARNPattern is the form of a WAFv2 web ACL that can protect a
// CloudFront distribution: scope CLOUDFRONT ("global"), in us-east-1.
var WebACLARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/[\w-]{1,128}/[0-9a-f-]{36}$`)

// checkWebACL: CloudFront refuses a web ACL that does not exist
// (InvalidWebACLId) after the whole stack is built.
func checkWebACL(ctx context.Context, c *Clients, s *Spec) []Finding {
	id := s.CDN.WebACLID
	if !s.HasCDN() || id == "" || !WebACLARNPattern.MatchString(id) || c.WAFV2 == nil {
		return nil // the form is Validate's
	}
	_, err := tfwafv2.FindWebACLByARN(ctx, c.WAFV2, id)
	switch {
	case retry.NotFound(err):
		return []Finding{{Path: "cdn.web_acl_id", Summary: "Web ACL not found",
			Detail: fmt.Sprintf("WAF has no web ACL %s (web ACLs for CloudFront have scope CLOUDFRONT and live in us-east-1). Create it there, or copy its ARN from `aws wafv2 list-web-acls --scope CLOUDFRONT --region us-east-1`.", id)}}
	case err != nil:
		return couldNotCheck("web ACL "+id, err, "wafv2:GetWebACL")
	}
	return nil
}
