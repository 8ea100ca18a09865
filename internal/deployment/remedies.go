package deployment

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/quota"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
)

// Remedies: for every AWS error code the provider can meet, what the user can
// do about it. A test lists the codes the emulator can answer the provider's
// operations with (read from its source) and fails when one has no remedy
// here; quota codes name the quota, its console page and the CLI request
// (quota.ForErrorCode).

// Texts shared by several codes.
const (
	remedyRetry = "AWS reported a temporary problem on its side. Run the command again; the deployment resumes where it stopped."
	remedyBusy  = "The object is still busy with an earlier change (AWS finishes it within minutes). Run the command again shortly; it resumes where it stopped."
	remedyGone  = "An object the deployment uses no longer exists (deleted outside Terraform, or not yet visible after its creation). " +
		"Run `terraform apply` again: the refresh notices what is missing and the apply recreates it."
	remedyCredentials = "AWS did not accept the credentials Terraform runs with (wrong, expired or revoked keys, or a session token missing). " +
		"Check the provider's credentials (access_key/secret_key, profile, assume_role, or the AWS_* environment variables), renew a session, and run the command again."
	remedyProviderBug = "AWS refused a request the provider made: this is a provider bug, not something in your configuration. " +
		"Report it to the provider's maintainers with this message; running the command again will not help."
	remedyAddresses = "A subnet of the deployment has no free IP address left. Free addresses there, give vpc_id/subnet_ids with larger subnets, or let the deployment create its own VPC (vpc_cidr)."
	remedyTags      = "AWS refused the tags: at most 50 per object (the provider adds 3 of its own, default_tags count too), keys of 1-128 and values of at most 256 characters, no aws: prefix. Shorten or remove entries of tags or the provider's default_tags."
	remedyThrottled = "AWS throttled the requests beyond the retries; raise max_retries in the provider block or retry the apply."
	remedyExists    = "An object with this deployment's name already exists from an earlier deployment that was not fully destroyed (or was made outside Terraform). " +
		"Import the deployment (`terraform import <address> NAME`), or delete that object, then run the command again."
	remedyDenied   = "The credentials Terraform runs with lack a permission. Grant it to the user or role Terraform uses (the message names the action and resource)."
	remedyCapacity = "AWS has no capacity for this instance type in the availability zone right now. Retry later, pick another instance_type, or deploy in another region."
	remedyWebACL   = "cdn.web_acl_id must be the ARN of an existing AWS WAF (v2) web ACL with scope CLOUDFRONT, managed in us-east-1 by this account. Create it there or correct the ARN."
)

// remedies maps an AWS error code to what to do. Codes with a Service Quotas
// quota get theirs from quotaRemedies.
var remedies = map[string]string{
	// Capacity and instance launch.
	"InsufficientInstanceCapacity":      remedyCapacity,
	"InstanceLimitExceeded":             "The account's instance quota is reached. Request an increase in Service Quotas or terminate unused instances.",
	"MaxSpotInstanceCountExceeded":      "The account's Spot vCPU quota for this instance family is reached (new accounts start at 0 for G, VT and P). Request an increase in Service Quotas or launch on-demand.",
	"SpotMaxPriceTooLow":                "The Spot price in the zone is above the maximum price set. Raise the maximum price or launch on-demand.",
	"Unsupported":                       "The instance type is not offered in the availability zone of the deployment's subnet. Pick an instance_type the zone offers (aws ec2 describe-instance-type-offerings --location-type availability-zone), or give subnet_ids in zones that offer it.",
	"UnsupportedAvailabilityZone":       "EFS is not available in one of the deployment's availability zones. Give subnet_ids in other zones, or deploy in another region.",
	"InvalidAMIID.NotFound":             "ami_id does not exist in this region or is not shared with the account. Remove ami_id to use the default Ubuntu or Deep Learning AMI.",
	"InvalidAMIID.Malformed":            "ami_id is not an AMI id (ami- followed by 8 or 17 hexadecimal digits). Correct it, or remove ami_id to use the default image.",
	"InvalidKeyPair.NotFound":           "key_name is not a key pair in this region. Create or import it (aws ec2 import-key-pair) or remove key_name and use SSM Session Manager.",
	"InvalidBlockDeviceMapping":         "root_volume_size is smaller than the AMI's root snapshot; raise it.",
	"InvalidUserData.Malformed":         userDataRemedy,
	"IdempotentParameterMismatch":       "EC2 saw the same launch request token with other parameters (a retried launch whose settings changed). Run the command again: the next launch uses a new token.",
	"DryRunOperation":                   remedyProviderBug,
	"InsufficientFreeAddressesInSubnet": remedyAddresses,
	"NoFreeAddressesInSubnet":           remedyAddresses,
	"IpAddressInUse":                    remedyAddresses,
	"InvalidIPAddress.InUse":            remedyAddresses,
	"IncorrectInstanceState":            "The instance is in a state that does not allow this change (for example still stopping). Run the command again; it waits for the instance first.",
	"UnsupportedOperation":              "EC2 does not support this operation for the instance (for example reading the latest console output of a Xen instance type, or stopping a Spot instance). Pick a current-generation (Nitro) instance_type such as t3, m6i or g5.",
	"OperationNotPermitted":             "AWS refused the change because a protection is on: termination protection (DisableApiTermination) on the instance, or deletion protection on the load balancer (load_balancer.deletion_protection). Turn it off, then run the command again.",

	// Network.
	"InvalidVpc.Range":           "vpc_cidr must be a private IPv4 block between /16 and /24 (for example 10.0.0.0/16).",
	"InvalidSubnet.Range":        "A subnet's CIDR block does not fit its VPC's. Pick a vpc_cidr the deployment's subnets fit in (the default 10.0.0.0/16 always does).",
	"InvalidSubnet.Conflict":     "A subnet of that CIDR block already exists in the VPC. Pick another vpc_cidr, or remove the conflicting subnet.",
	"VPCIdNotSpecified":          "EC2 needs a VPC for this request and the account has no default VPC. The deployment names its VPC on every request, so this is a provider bug: report it with this message.",
	"Resource.AlreadyAssociated": "The internet gateway or route table is already attached elsewhere (changed outside Terraform). Detach it there, or delete the deployment's network and let the next apply recreate it.",
	"RouteAlreadyExists":         remedyRetry,
	"Gateway.NotAttached":        remedyGone,
	"DependencyViolation":        "An AWS object is still in use by another one (often network interfaces of a deleted load balancer that AWS releases after a few minutes, or something made outside Terraform in the deployment's VPC). Run the command again; it resumes where it stopped. If it keeps failing, find what still uses the object (aws ec2 describe-network-interfaces --filters Name=vpc-id,Values=<vpc>) and remove it.",
	"CannotDelete":               "AWS does not let the default security group be deleted; it goes with its VPC. Run the command again.",

	// Security groups and rules.
	"InvalidGroup.Duplicate":      remedyExists,
	"InvalidPermission.Duplicate": remedyRetry,
	"InvalidPermission.NotFound":  remedyRetry,

	// Load balancer.
	"DuplicateLoadBalancerName":   "A load balancer with this deployment's name already exists. Import the deployment or delete the load balancer.",
	"DuplicateTargetGroupName":    "A target group with this deployment's name already exists. Import the deployment or delete it.",
	"DuplicateListener":           "A listener on this port already exists on the deployment's load balancer (added outside Terraform). Delete it, then run the command again.",
	"PriorityInUse":               "A listener rule with the deployment's priority already exists (added outside Terraform). Delete that rule, then run the command again.",
	"CertificateNotFound":         "load_balancer.certificate_arn must be an issued ACM certificate in the deployment's region.",
	"UnsupportedCertificate":      "load_balancer.certificate_arn must be an issued ACM certificate in the deployment's region.",
	"TooManyCertificates":         "The listener has more certificates than the load balancer allows; the deployment sets one. Remove certificates added outside Terraform from the HTTPS listener.",
	"SSLPolicyNotFound":           "load_balancer.ssl_policy is not a policy Elastic Load Balancing publishes (aws elbv2 describe-ssl-policies lists them). Correct it or remove it to use the default.",
	"InvalidConfigurationRequest": "The load balancer refused the configuration; the message says which setting. Correct that setting of load_balancer (or the subnets: two in different availability zones) and run the command again.",
	"InvalidSecurityGroup":        "A security group given to the load balancer does not exist or belongs to another VPC (deleted or changed outside Terraform). Run the command again: the refresh notices and the apply recreates it.",
	"ResourceInUse":               remedyBusy,
	"TargetGroupAssociationLimit": "The deployment's target group is already used by another load balancer (changed outside Terraform). Remove it from that load balancer's listeners, then run the command again.",
	"InvalidTarget":               "The instance cannot be registered with the load balancer (not running, or in another VPC). Run the command again once the instance runs; an instance stopped outside Terraform is started by the apply.",
	"IncompatibleProtocols":       remedyProviderBug,
	"InvalidLoadBalancerAction":   remedyProviderBug,
	"UnsupportedProtocol":         remedyProviderBug,
	"ValidationError":             "AWS refused a value of the configuration; the message names it. Correct that attribute and run the command again.",
	"ValidationException":         "AWS refused a value of the configuration; the message names it. Correct that attribute and run the command again.",

	// EFS.
	"FileSystemAlreadyExists":           remedyExists,
	"MountTargetConflict":               "A mount target of the file system already exists in that availability zone (made outside Terraform). Run the command again: the deployment adopts it.",
	"AvailabilityZonesMismatch":         "The file system is One Zone and cannot have a mount target in another zone; the deployment makes Regional file systems. Use subnets in the file system's zone, or let the deployment make its own.",
	"ThroughputLimitExceeded":           "EFS cannot provision that much throughput for the file system. Lower the provisioned throughput in efs, or use elastic throughput.",
	"TooManyRequests":                   "EFS allows one throughput mode change per 24 hours on a file system. Run the apply again after the period (the message says when), or keep the current efs.throughput_mode.",
	"IncorrectFileSystemLifeCycleState": remedyBusy,
	"IncorrectMountTargetState":         remedyBusy,
	"FileSystemInUse":                   "The file system still has mount targets, which EFS deletes in a minute or two. Run the command again; it resumes where it stopped.",

	// IAM.
	"EntityAlreadyExists":     "An IAM role or instance profile with this deployment's name exists from an earlier deployment. Import the deployment or delete them.",
	"DeleteConflict":          "The IAM role or instance profile is still in use (a role in a profile, a policy attached, or a profile on an instance). Run the command again; the deployment detaches them first.",
	"MalformedPolicyDocument": remedyProviderBug,

	// CloudFront.
	"InvalidViewerCertificate":       "cdn.certificate_arn must be an issued ACM certificate in us-east-1 that covers every alias in cdn.aliases.",
	"CNAMEAlreadyExists":             "One of cdn.aliases is already used by another CloudFront distribution; remove it there first.",
	"DistributionAlreadyExists":      "A distribution was already created with this request's caller reference (a create whose answer was lost). Run the command again: the deployment finds that distribution by its tags.",
	"DistributionNotDisabled":        "CloudFront is still rolling out the disabled distribution. Run the command again later; it resumes where it stopped.",
	"PreconditionFailed":             "The distribution changed between the provider's read and its write (someone else changed it). Run the command again.",
	"IllegalUpdate":                  remedyProviderBug,
	"InvalidWebACLId":                remedyWebACL,
	"WAFNonexistentItemException":    remedyWebACL,
	"WAFInvalidParameterException":   remedyWebACL,
	"TooManyDistributionCNAMEs":      "A distribution takes at most 100 alternate domain names; use fewer cdn.aliases.",
	"InvalidOriginKeepaliveTimeout":  "CloudFront refused the origin keep-alive timeout; this limit is raised through AWS Support, not Service Quotas.",
	"TooManyOriginCustomHeaders":     remedyProviderBug,
	"InvalidOrigin":                  "CloudFront refused the origin: load_balancer.domain_name must be a public DNS name that points to the deployment's load balancer.",
	"InvalidArgument":                "CloudFront refused a value of the configuration; the message names it (often an alias that is not a valid domain name). Correct that attribute of cdn and run the command again.",
	"InvalidTagging":                 remedyTags,
	"InvalidMinimumProtocolVersion":  remedyProviderBug,
	"InvalidProtocolSettings":        remedyProviderBug,
	"InvalidRelativePath":            remedyProviderBug,
	"InvalidTTLOrder":                remedyProviderBug,
	"InvalidForwardCookies":          remedyProviderBug,
	"InvalidGeoRestrictionParameter": remedyProviderBug,
	"InconsistentQuantities":         remedyProviderBug,
	"MissingBody":                    remedyProviderBug,
	"NoSuchOrigin":                   remedyProviderBug,
	"NoSuchCachePolicy":              "A CloudFront managed cache policy the deployment uses is not available to the account (managed policies exist in every account). Report it with this message.",
	"NoSuchOriginRequestPolicy":      "A CloudFront managed origin request policy the deployment uses is not available to the account (managed policies exist in every account). Report it with this message.",
	"NoSuchResponseHeadersPolicy":    remedyProviderBug,
	"InvalidIfMatchVersion":          remedyProviderBug,

	// SSM Parameter Store (the service credentials under /geusemaker/<name>/).
	"ParameterAlreadyExists":               "An SSM parameter under /geusemaker/<name>/ exists from an earlier deployment of this name that was not fully destroyed (or was made outside Terraform). Import the deployment (`terraform import <address> NAME`), or delete those parameters (aws ssm delete-parameters), then run the command again.",
	"ParameterLimitExceeded":               "The account reached SSM Parameter Store's limit of 10,000 standard parameters in the region. Delete unused parameters (aws ssm describe-parameters), then run the command again.",
	"InvalidKeyId":                         "SSM could not use the KMS key alias/aws/ssm for the SecureString credentials (the key is disabled, or a key policy or SCP denies kms:Encrypt to Terraform's credentials). Enable the key or allow kms:Encrypt and kms:Decrypt on it, then run the command again.",
	"InvalidResourceId":                    remedyGone,
	"InvalidTag":                           remedyTags,
	"TooManyTagsError":                     remedyTags,
	"HierarchyLevelLimitExceededException": remedyProviderBug,
	"ParameterPatternMismatchException":    remedyProviderBug,
	"InvalidResourceType":                  remedyProviderBug,
	"InvalidFilterKey":                     remedyProviderBug,
	"InvalidFilterOption":                  remedyProviderBug,
	"InvalidFilterValue":                   remedyProviderBug,

	// Route 53 and ACM (the custom domain).
	"NoSuchHostedZone":       "The Route 53 hosted zone of domain.name does not exist (or was deleted outside Terraform). Create a public hosted zone for the domain in this account, or correct domain.name.",
	"InvalidDomainName":      "Route 53 refused the domain name; domain.name must be a valid DNS name in a public hosted zone of the account.",
	"InvalidChangeBatch":     "Route 53 refused the record change; the message says why (often a record of the same name and type made outside Terraform, which the deployment never overwrites). Remove or rename that record, then run the command again.",
	"NoSuchChange":           remedyRetry,
	"ResourceInUseException": "The ACM certificate is still in use (by a listener or a distribution, which release it a few minutes after they change). Run the command again shortly; it resumes where it stopped.",
	"LimitExceededException": "ACM refused the certificate request: the account reached an ACM quota in the region (certificates, certificates requested in the last year, or names per certificate; the message says which). Delete unused certificates, or request an increase in Service Quotas (service acm, e.g. " + quota.Certificates.Label() + ").",
	"InvalidArgsException":   remedyProviderBug,

	// Service Quotas (plan-time checks only; a failed read becomes a warning).
	"NoSuchResourceException":  "Service Quotas does not know this quota in the region (some are not listed where the service is not offered); the plan could not check it, and the apply finds out.",
	"IllegalArgumentException": remedyProviderBug,

	// Tags.
	"TagLimitExceeded":          remedyTags,
	"TooManyTags":               remedyTags,
	"TooManyTagsException":      remedyTags,
	"InvalidTagException":       remedyTags,
	"DuplicateTagKeys":          remedyTags,
	"InvalidParameterValue":     "AWS rejected a parameter; the message names it.",
	"InvalidParameter":          "AWS rejected a parameter; the message names it.",
	"InvalidParameterException": "AWS rejected a parameter; the message names it.",
	"InvalidInput":              "AWS rejected a parameter; the message names it.",

	// Objects that are gone.
	"NoSuchEntity":                          remedyGone,
	"NoSuchDistribution":                    remedyGone,
	"NoSuchResource":                        remedyGone,
	"LoadBalancerNotFound":                  remedyGone,
	"TargetGroupNotFound":                   remedyGone,
	"ListenerNotFound":                      remedyGone,
	"RuleNotFound":                          remedyGone,
	"FileSystemNotFound":                    remedyGone,
	"MountTargetNotFound":                   remedyGone,
	"AccessPointNotFound":                   remedyGone,
	"SecurityGroupNotFound":                 remedyGone,
	"SubnetNotFound":                        "A subnet of the deployment does not exist (deleted outside Terraform, or a wrong subnet_ids entry). Correct subnet_ids, or run `terraform apply` again to recreate the deployment's own subnets.",
	"InvalidGroup.NotFound":                 remedyGone,
	"InvalidInstanceID.NotFound":            remedyGone,
	"InvalidInternetGatewayID.NotFound":     remedyGone,
	"InvalidGatewayID.NotFound":             remedyGone,
	"InvalidRouteTableID.NotFound":          remedyGone,
	"InvalidRoute.NotFound":                 remedyGone,
	"InvalidAssociationID.NotFound":         remedyGone,
	"InvalidNetworkInterfaceID.NotFound":    remedyGone,
	"InvalidSecurityGroupRuleId.NotFound":   remedyGone,
	"InvalidVolume.NotFound":                remedyGone,
	"InvalidSpotInstanceRequestID.NotFound": remedyGone,
	"InvalidPrefixListID.NotFound":          "The CloudFront origin-facing managed prefix list is not available in this region; restricting the load balancer to CloudFront needs it. Set cdn.restrict_origin = false with allowed_cidr_blocks, or deploy in another region.",
	"InvalidSubnetID.NotFound":              "A subnet in subnet_ids does not exist in this region. Correct subnet_ids (aws ec2 describe-subnets).",
	"InvalidVpcID.NotFound":                 "vpc_id does not exist in this region. Correct vpc_id (aws ec2 describe-vpcs), or remove vpc_id and subnet_ids to let the deployment create its own VPC.",
	"ParameterNotFound":                     "An SSM parameter the deployment reads does not exist in this region.",
	"ParameterVersionNotFound":              remedyProviderBug,
	"ParameterVersionLabelNotFound":         remedyProviderBug,
	"ResourceNotFoundException":             "An ACM certificate named in the configuration does not exist in its region. Correct load_balancer.certificate_arn or cdn.certificate_arn.",
	"InvalidInstanceType":                   "EC2 does not offer instance_type in this region. Pick another (aws ec2 describe-instance-type-offerings).",

	// Malformed ids: a value from the configuration, or a record damaged
	// outside Terraform.
	"InvalidVpcID.Malformed":               "vpc_id is not a VPC id (vpc- followed by 8 or 17 hexadecimal digits). Correct it.",
	"InvalidSubnetID.Malformed":            "An entry of subnet_ids is not a subnet id (subnet- followed by 8 or 17 hexadecimal digits). Correct it.",
	"InvalidGroupId.Malformed":             remedyProviderBug,
	"InvalidInstanceID.Malformed":          remedyProviderBug,
	"InvalidInternetGatewayID.Malformed":   remedyProviderBug,
	"InvalidRouteTableID.Malformed":        remedyProviderBug,
	"InvalidAssociationID.Malformed":       remedyProviderBug,
	"InvalidNetworkInterfaceID.Malformed":  remedyProviderBug,
	"InvalidSecurityGroupRuleId.Malformed": remedyProviderBug,
	"InvalidVolumeID.Malformed":            remedyProviderBug,
	"InvalidPrefixListId.Malformed":        remedyProviderBug,
	"InvalidUserID.Malformed":              remedyProviderBug,
	"InvalidID":                            remedyProviderBug,
	"InvalidArnException":                  "load_balancer.certificate_arn or cdn.certificate_arn is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>). Correct it.",

	// Requests the provider should never send.
	"MissingParameter":            remedyProviderBug,
	"InvalidParameterCombination": remedyProviderBug,
	"InvalidParameterDependency":  remedyProviderBug,
	"InvalidNextToken":            remedyProviderBug,
	"InvalidAction":               remedyProviderBug,
	"UnknownOperationException":   remedyProviderBug,
	"MalformedQueryString":        remedyProviderBug,
	"SerializationException":      remedyProviderBug,
	"BadRequest":                  remedyProviderBug,
	"UnknownService":              "The provider's endpoints point at something that does not serve this AWS service. Check the endpoints block of the provider configuration.",
	"PackedPolicyTooLarge":        "The session policy of assume_role is too large for STS. Shorten assume_role's policy or policy ARNs.",

	// Authentication and authorization.
	"AccessDenied":                remedyDenied,
	"AccessDeniedException":       remedyDenied,
	"UnauthorizedOperation":       remedyDenied,
	"UnauthorizedAccess":          remedyDenied,
	"InvalidClientTokenId":        remedyCredentials,
	"UnrecognizedClientException": remedyCredentials,
	"AuthFailure":                 remedyCredentials,
	"SignatureDoesNotMatch":       remedyCredentials,
	"IncompleteSignature":         remedyCredentials,
	"MissingAuthenticationToken":  remedyCredentials,
	"ExpiredToken":                remedyCredentials,
	"ExpiredTokenException":       remedyCredentials,
	"InvalidIdentityToken":        "STS refused the web identity token: its issuer needs an IAM OIDC provider in the account whose client ids include the token's audience, and the role's trust policy must allow its subject. Check assume_role_with_web_identity and the role's trust policy.",

	// AWS's side.
	"InternalFailure":          remedyRetry,
	"InternalError":            remedyRetry,
	"InternalServerError":      remedyRetry,
	"ServiceUnavailable":       remedyRetry,
	"Unavailable":              remedyRetry,
	"RequestLimitExceeded":     remedyThrottled,
	"Throttling":               remedyThrottled,
	"ThrottlingException":      remedyThrottled,
	"TooManyRequestsException": remedyThrottled,
	"RequestExpired":           "The request reached AWS after it expired: the clock of the machine running Terraform is off. Synchronise it (NTP) and run the command again.",
}

// quotaRemedies is what to do, besides raising the quota, when an error code
// says a quota was reached.
var quotaRemedies = map[string]string{
	"VpcLimitExceeded":                         "Delete unused VPCs in the region, or set vpc_id and subnet_ids to deploy into an existing VPC.",
	"InternetGatewayLimitExceeded":             "Delete unused internet gateways in the region, or set vpc_id and subnet_ids to deploy into an existing VPC.",
	"SubnetLimitExceeded":                      "Delete unused subnets of the VPC, or let the deployment create its own VPC.",
	"RouteTableLimitExceeded":                  "Delete unused route tables of the VPC, or let the deployment create its own VPC.",
	"SecurityGroupLimitExceeded":               "Delete unused security groups in the region.",
	"RulesPerSecurityGroupLimitExceeded":       "A security group reached its rule quota (a managed prefix list counts as its maximum size: CloudFront's origin-facing list weighs 55). Use fewer allowed_cidr_blocks or ssh_cidr_blocks.",
	"SecurityGroupsPerInterfaceLimitExceeded":  "Remove security groups added outside Terraform from the deployment's instance or load balancer.",
	"NetworkInterfaceLimitExceeded":            "Delete unused network interfaces in the region (aws ec2 describe-network-interfaces --filters Name=status,Values=available).",
	"AddressLimitExceeded":                     "Release unused Elastic IP addresses in the region.",
	"TooManyLoadBalancers":                     "Delete unused load balancers in the region, or use tier 1 (no load balancer).",
	"TooManyTargetGroups":                      "Delete unused target groups in the region.",
	"TooManyListeners":                         "Delete listeners added outside Terraform from the deployment's load balancer.",
	"TooManyRules":                             "Delete listener rules added outside Terraform from the deployment's load balancer.",
	"TooManyTargets":                           "Deregister targets added outside Terraform from the deployment's target group.",
	"TooManyUniqueTargetGroupsPerLoadBalancer": "Remove target groups added outside Terraform from the deployment's load balancer.",
	"FileSystemLimitExceeded":                  "Delete unused EFS file systems in the region.",
	"TooManyDistributions":                     "Delete unused CloudFront distributions (disabled ones count too), or use tier 2.",
	"InvalidOriginReadTimeout":                 "Lower cdn.origin_read_timeout_seconds to 60 or less.",
	"TooManyHostedZones":                       "Delete unused Route 53 hosted zones.",
}

// Messages that say more than their code.
var (
	userDataTooLarge   = regexp.MustCompile(`(?i)user ?data.*(limited|too large|exceed|16384|16 ?KB)`)
	cloudFrontVerify   = regexp.MustCompile(`(?i)account must be verified`)
	vcpuLimitInMessage = regexp.MustCompile(`current vCPU limit of (\d+)`)
)

const userDataRemedy = "The boot script is larger than EC2's 16 KB user data limit. Remove entries from ollama_models (each model adds a line) or services, then run the command again."

// remedy says what the user can do about err, or "" when nothing is known.
func remedy(err error) string {
	var r interface{ Remedy() string }
	if errors.As(err, &r) {
		if s := r.Remedy(); s != "" {
			return s
		}
	}
	code, msg, region := errs.Code(err), errs.Message(err), regionOf(err)
	switch {
	case code == "":
		return ""
	case cloudFrontVerify.MatchString(msg):
		return "AWS has not verified the account for CloudFront yet: this is not a missing permission, and no policy change helps. " +
			"Open a case with AWS Support (https://console.aws.amazon.com/support/home#/case/create, account and billing) asking to verify the account for CloudFront, " +
			"then run the apply again; meanwhile tier 2 works without CloudFront."
	case userDataTooLarge.MatchString(msg) && (code == "InvalidUserData.Malformed" || code == "InvalidParameterValue"):
		return userDataRemedy
	case code == "VcpuLimitExceeded":
		// Without the instance type (a QuotaError says it) only the
		// family's quota can be named in general terms.
		return "The account's On-Demand vCPU quota for this instance family is too low (new accounts start at 0 for G, VT and P instances). " +
			"Request an increase in Service Quotas (for example " + quota.OnDemandGVT.Label() + " for g4dn, g5 and g6)."
	case code == "LimitExceeded":
		if q, ok := quota.IAMLimit(msg); ok {
			return "The account reached the IAM quota " + q.Label() + ". Delete unused IAM roles, instance profiles or policy attachments. " + q.HowToRaise(region, 0)
		}
		return "An IAM limit is reached; the message names it. Delete unused IAM objects, or request an increase in Service Quotas (service iam)."
	case code == "AccessDenied" || code == "AccessDeniedException" || code == "UnauthorizedOperation" || code == "UnauthorizedAccess":
		return accessDeniedRemedy(err, code, msg)
	}
	if q, ok := quota.ForErrorCode(serviceCodeOf(err), code); ok {
		return fmt.Sprintf("The account reached the quota %s. %s %s", q.Label(), quotaRemedies[code], q.HowToRaise(region, 0))
	}
	return remedies[code]
}

// accessDeniedRemedy names the action that was refused, from the SDK call.
func accessDeniedRemedy(err error, code, msg string) string {
	action := errs.Action(err)
	var b strings.Builder
	if action != "" {
		fmt.Fprintf(&b, "The credentials Terraform runs with may not call %s. Grant it to the user or role Terraform uses", action)
	} else {
		b.WriteString("The credentials Terraform runs with lack a permission. Grant it to the user or role Terraform uses")
	}
	if strings.Contains(msg, "explicit deny") {
		b.WriteString("; an explicit Deny (in a policy of the user or role, a permissions boundary or an organization's service control policy) overrides any Allow, so remove or narrow that Deny")
	}
	b.WriteString(" (the message names the action and resource; the provider documentation lists every permission a deployment needs).")
	if code == "UnauthorizedOperation" && strings.Contains(msg, "Encoded authorization failure message") {
		b.WriteString(" Decode the message to see the policy that refused it: `aws sts decode-authorization-message --encoded-message <message>`.")
	}
	return b.String()
}

// serviceCodeOf is the Service Quotas service code of the service that
// answered err ("" when unknown).
func serviceCodeOf(err error) string {
	svc, _ := errs.Operation(err)
	switch svc {
	case "EFS":
		return "elasticfilesystem"
	case "EC2":
		return "ec2"
	case "Elastic Load Balancing v2":
		return "elasticloadbalancing"
	}
	return strings.ToLower(svc)
}

// Remedy says what to do about an error an AWS call returned (an empty string
// when nothing is known); region is the deployment's, for quota pages.
func Remedy(region string, err error) string {
	return remedy(inRegion(region, err))
}

// regionalError carries the deployment's region with a step's error, so that
// a quota remedy points at the region's quota page and CLI flag.
type regionalError struct {
	region string
	err    error
}

func (e *regionalError) Error() string { return e.err.Error() }
func (e *regionalError) Unwrap() error { return e.err }

func inRegion(region string, err error) error {
	var r *regionalError
	if err == nil || region == "" || errors.As(err, &r) {
		return err
	}
	return &regionalError{region: region, err: err}
}

func regionOf(err error) string {
	var r *regionalError
	if errors.As(err, &r) {
		return r.region
	}
	return ""
}

// regional makes every step of g report its errors with the deployment's
// region.
func (o *op) regional(g *graph) *graph {
	for _, s := range g.steps {
		run := s.run
		s.run = func(ctx context.Context) error { return inRegion(o.spec.Region, run(ctx)) }
	}
	return g
}

// QuotaError is a quota the deployment ran into, with what it needs: the
// diagnostic names the quota, its console page and the CLI request that
// raises it to a value that is enough.
type QuotaError struct {
	Quota  quota.Quota
	Region string
	// Need says what the deployment asked for ("4 vCPUs for one
	// g5.xlarge"); Desired is a quota value that is enough (0: unknown).
	Need    string
	Limit   int // the current value, -1 when unknown
	Desired int
	// Alternative is what else the user can do.
	Alternative string
	Err         error
}

func (e *QuotaError) Error() string { return e.Err.Error() }
func (e *QuotaError) Unwrap() error { return e.Err }

// Remedy names the quota and how to raise it.
func (e *QuotaError) Remedy() string {
	var b strings.Builder
	fmt.Fprintf(&b, "The account's quota %s", e.Quota.Label())
	if e.Limit >= 0 {
		fmt.Fprintf(&b, " allows %d", e.Limit)
		if e.Region != "" && !e.Quota.Global {
			fmt.Fprintf(&b, " in %s", e.Region)
		}
	} else {
		b.WriteString(" is too low")
	}
	if e.Need != "" {
		fmt.Fprintf(&b, ", and %s", e.Need)
	}
	b.WriteString(". ")
	b.WriteString(e.Quota.HowToRaise(e.Region, e.Desired))
	if e.Alternative != "" {
		b.WriteString(" ")
		b.WriteString(e.Alternative)
	}
	return b.String()
}

// vcpuQuotaError explains VcpuLimitExceeded for a launch or start of
// instanceType with vcpus vCPUs; other errors pass through.
func vcpuQuotaError(err error, region, instanceType string, vcpus int32) error {
	if !errs.IsCode(err, "VcpuLimitExceeded") {
		return err
	}
	q := quota.OnDemandVCPU(instanceType)
	e := &QuotaError{Quota: q, Region: region, Limit: -1, Err: err,
		Alternative: "AWS usually answers within hours (new accounts start at 0 vCPUs for G, VT and P instances); meanwhile pick an instance_type of a family with quota left."}
	if m := vcpuLimitInMessage.FindStringSubmatch(errs.Message(err)); m != nil {
		e.Limit, _ = strconv.Atoi(m[1])
	}
	if vcpus > 0 {
		e.Need = fmt.Sprintf("one %s needs %d more vCPUs", instanceType, vcpus)
		if e.Limit >= 0 {
			// Enough whatever already runs: what runs fits in the limit.
			e.Desired = e.Limit + int(vcpus)
		} else {
			e.Desired = int(vcpus)
		}
	}
	return e
}

// waits says, per step, what the step waits for and how long that usually
// takes on AWS, so that a timeout names the wait that ran out.
var waits = map[string]string{
	stepInstance:        "the instance to run (about a minute; an instance type change stops and starts it)",
	stepBoot:            "the instance's boot script to report on the serial console (about 5 minutes, 7 with GPUs; the GPU report comes first)",
	stepMountsReady:     "the EFS mount targets to become available (about 90 seconds)",
	stepLoadBalancer:    "the load balancer to become active (about 3 minutes)",
	stepReady:           "the load balancer's health check to pass on the instance (the stack's boot, about 5 minutes, 7 with GPUs)",
	stepDistribution:    "the CloudFront distribution to be created or changed",
	stepDeployed:        "CloudFront to roll the distribution out (15-30 minutes)",
	stepDeleteCDN:       "CloudFront to disable the distribution and roll that out before deleting it (15-30 minutes)",
	stepDeleteLB:        "the load balancer to be deleted",
	stepTerminate:       "the instance to terminate (about a minute)",
	stepDeleteMounts:    "the EFS mount targets to be deleted (about a minute)",
	stepDeleteFS:        "the EFS file system to be deleted",
	stepDeleteSGs:       "the security groups to be free of network interfaces (a deleted load balancer's interfaces go a few minutes later)",
	stepDeleteNetwork:   "the VPC's subnets and gateway to be free of network interfaces",
	stepDeleteALBSG:     "the load balancer's security group to be free of its network interfaces",
	stepDeleteListeners: "the load balancer's listeners to be deleted",
}

// timeoutHint names the wait that ran out of time in step.
func timeoutHint(step string) string {
	what := waits[step]
	if what == "" {
		what = "step " + strconv.Quote(step)
	}
	hint := "The operation ran out of time waiting for " + what + ". Raise the timeouts block (create, update or delete) and run the command again; it resumes where it stopped."
	switch step {
	case stepBoot, stepReady:
		hint += " If the boot is stuck, the console output (`aws ec2 get-console-output --instance-id <instance_id> --latest`) shows the last step the boot script reached."
	}
	return hint
}

// Explain turns any error of a deployment operation into an *Error with the
// failed step, the AWS error code and message, and the remedy; an *Error is
// returned as it is.
func Explain(err error) *Error {
	if de, ok := errs.As[*Error](err); ok {
		return de
	}
	return failure(err)
}
