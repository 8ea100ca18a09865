package deployment

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// Remediation hints by AWS error code: what the user can do about it.
var codeHints = map[string]string{
	"InsufficientInstanceCapacity":       "AWS has no capacity for this instance type in the availability zone right now. Retry later, pick another instance_type, or deploy in another region.",
	"VcpuLimitExceeded":                  "The account's On-Demand vCPU quota for this instance family is too low (GPU families often start at 0). Request an increase in Service Quotas (for example 'Running On-Demand G and VT instances').",
	"InstanceLimitExceeded":              "The account's instance quota is reached. Request an increase in Service Quotas or terminate unused instances.",
	"UnauthorizedOperation":              "The credentials Terraform runs with lack the EC2 permission named in the message. Grant it to the user or role.",
	"AccessDenied":                       "The credentials Terraform runs with lack the permission named in the message. Grant it to the user or role.",
	"AccessDeniedException":              "The credentials Terraform runs with lack the permission named in the message. Grant it to the user or role.",
	"InvalidAMIID.NotFound":              "ami_id does not exist in this region or is not shared with the account. Remove ami_id to use the default Ubuntu or Deep Learning AMI.",
	"InvalidKeyPair.NotFound":            "key_name is not a key pair in this region. Create or import it (aws ec2 import-key-pair) or remove key_name and use SSM Session Manager.",
	"InvalidParameterValue":              "AWS rejected a parameter; the message names it.",
	"InvalidBlockDeviceMapping":          "root_volume_size is smaller than the AMI's root snapshot; raise it.",
	"RequestLimitExceeded":               "AWS throttled the requests beyond the retries; raise max_retries in the provider block or retry the apply.",
	"Throttling":                         "AWS throttled the requests beyond the retries; raise max_retries in the provider block or retry the apply.",
	"ThrottlingException":                "AWS throttled the requests beyond the retries; raise max_retries in the provider block or retry the apply.",
	"DuplicateLoadBalancerName":          "A load balancer with this deployment's name already exists. Import the deployment or delete the load balancer.",
	"DuplicateTargetGroupName":           "A target group with this deployment's name already exists. Import the deployment or delete it.",
	"EntityAlreadyExists":                "An IAM role or instance profile with this deployment's name exists from an earlier deployment. Import the deployment or delete them.",
	"CertificateNotFound":                "load_balancer.certificate_arn must be an issued ACM certificate in the deployment's region.",
	"UnsupportedCertificate":             "load_balancer.certificate_arn must be an issued ACM certificate in the deployment's region.",
	"InvalidViewerCertificate":           "cdn.certificate_arn must be an issued ACM certificate in us-east-1 that covers every alias in cdn.aliases.",
	"CNAMEAlreadyExists":                 "One of cdn.aliases is already used by another CloudFront distribution; remove it there first.",
	"TooManyDistributions":               "The account's CloudFront distribution quota is reached; delete unused distributions or request an increase.",
	"TooManyLoadBalancers":               "The account's load balancer quota is reached in this region; delete unused ones or request an increase.",
	"FileSystemLimitExceeded":            "The account's EFS file system quota is reached in this region; delete unused file systems or request an increase.",
	"RulesPerSecurityGroupLimitExceeded": "A security group reached its rule quota; use fewer allowed_cidr_blocks or request a higher 'Inbound or outbound rules per security group' quota.",
	"DependencyViolation":                "An AWS object is still in use by another one (often network interfaces of a deleted load balancer that AWS releases after a few minutes). Run the command again; it resumes where it stopped.",
	"DistributionNotDisabled":            "CloudFront is still rolling out the disabled distribution. Run the command again later; it resumes where it stopped.",
}

// Error is a deployment failure with what the user needs to act on it.
type Error struct {
	Step      string
	Code      string // AWS error code, "" when not an AWS error
	Message   string
	Hint      string
	Err       error
	Leftovers []string // ids of objects that could not be cleaned up
	// RolledBack says every object created was deleted again.
	RolledBack bool
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s failed", e.Step)
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	fmt.Fprintf(&b, ": %s", e.Message)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// describe turns a step failure into an Error with code, message and hint.
func describe(stepName string, err error) *Error {
	e := &Error{Step: stepName, Err: err, Code: errs.Code(err), Message: err.Error()}
	var de *Error
	if errors.As(err, &de) && de != e {
		return de
	}
	if e.Code != "" {
		e.Message = errs.Message(err)
		e.Hint = codeHints[e.Code]
		if e.Hint == "" {
			e.Hint = spotCodeHints[e.Code]
		}
	}
	var ce *CapacityError
	if errors.As(err, &ce) {
		e.Message, e.Hint = ce.Error(), ce.Hint()
	}
	switch {
	case retry.TimedOut(err) || errors.Is(err, context.DeadlineExceeded):
		e.Hint = "The operation did not finish within the timeout. Raise the timeouts block (create, update or delete) — CloudFront rollouts take 15-30 minutes — and run the command again."
	case retry.NotFound(err) && e.Hint == "":
		e.Hint = "An object disappeared while the deployment was waiting for it (deleted outside Terraform?). Run the command again."
	}
	return e
}
