package deployment

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// apiError is what the SDK returns: an API error inside the operation error
// that names the service and operation.
func apiError(service, operation, code, message string) error {
	return &smithy.OperationError{ServiceID: service, OperationName: operation,
		Err: fmt.Errorf("https response error StatusCode: 400, RequestID: r-1, api error: %w", &smithy.GenericAPIError{Code: code, Message: message})}
}

// The codes the issues list, and more the provider meets, each have a
// remedy that says what to do; quota codes name the quota, its console page
// and the CLI request.
func TestRemedyForEveryListedCode(t *testing.T) {
	quotaPage := "https://console.aws.amazon.com/servicequotas/home/services/"
	for _, tc := range []struct {
		service, op, code, message string
		want                       []string
	}{
		{"EC2", "CreateVpc", "VpcLimitExceeded", "The maximum number of VPCs has been reached.", []string{`"VPCs per Region" (L-F678F1CE)`, quotaPage + "vpc/quotas/L-F678F1CE?region=eu-west-1", "--service-code vpc --quota-code L-F678F1CE", "vpc_id"}},
		{"EC2", "CreateSubnet", "SubnetLimitExceeded", "", []string{`"Subnets per VPC" (L-407747CB)`, quotaPage + "vpc/quotas/L-407747CB"}},
		{"EC2", "CreateSecurityGroup", "SecurityGroupLimitExceeded", "", []string{`"VPC security groups per Region" (L-E79EC296)`, quotaPage + "vpc/quotas/L-E79EC296"}},
		{"EC2", "AuthorizeSecurityGroupIngress", "RulesPerSecurityGroupLimitExceeded", "", []string{`(L-0EA8095F)`, "allowed_cidr_blocks", "55"}},
		{"EC2", "RunInstances", "NetworkInterfaceLimitExceeded", "", []string{`"Network interfaces per Region" (L-DF5E4CA3)`, quotaPage + "vpc/quotas/L-DF5E4CA3"}},
		{"EC2", "CreateInternetGateway", "InternetGatewayLimitExceeded", "", []string{`"Internet gateways per Region" (L-A4707A72)`}},
		{"EC2", "AllocateAddress", "AddressLimitExceeded", "", []string{`"EC2-VPC Elastic IPs" (L-0263D0A3)`, quotaPage + "ec2/quotas/L-0263D0A3"}},
		{"EC2", "CreateRouteTable", "RouteTableLimitExceeded", "", []string{`(L-589F43AA)`}},
		{"Elastic Load Balancing v2", "CreateTargetGroup", "TooManyTargetGroups", "", []string{`"Target Groups per Region" (L-B22855CB)`, quotaPage + "elasticloadbalancing/quotas/L-B22855CB"}},
		{"Elastic Load Balancing v2", "CreateListener", "TooManyListeners", "", []string{`(L-B6DF7632)`}},
		{"Elastic Load Balancing v2", "CreateRule", "TooManyRules", "", []string{`(L-7EED9B64)`}},
		{"Elastic Load Balancing v2", "CreateLoadBalancer", "TooManyLoadBalancers", "", []string{`"Application Load Balancers per Region" (L-53DA6B97)`}},
		{"IAM", "CreateRole", "LimitExceeded", "Cannot exceed quota for RolesPerAccount: 1000", []string{`"Roles per account" (L-FE177D64)`, quotaPage + "iam/quotas/L-FE177D64?region=us-east-1"}},
		{"IAM", "CreateInstanceProfile", "LimitExceeded", "Cannot exceed quota for InstanceProfilesPerAccount: 1000", []string{`(L-6E65F664)`}},
		{"EFS", "CreateFileSystem", "FileSystemLimitExceeded", "", []string{`"File systems per account" (L-848C634D)`, quotaPage + "elasticfilesystem/quotas/L-848C634D"}},
		{"CloudFront", "CreateDistributionWithTags", "TooManyDistributions", "", []string{`(L-24B04930)`, "account-wide", "?region=us-east-1"}},
		{"CloudFront", "CreateDistributionWithTags", "InvalidOriginReadTimeout", "", []string{`"Response timeout per origin" (L-AECE9FA7)`, "origin_read_timeout_seconds"}},
		{"EC2", "RunInstances", "VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of 0 allows", []string{"Service Quotas", "L-DB2E81BA"}},
		{"EC2", "RunInstances", "Unsupported", "", []string{"instance_type", "describe-instance-type-offerings"}},
		{"CloudFront", "CreateDistributionWithTags", "InvalidWebACLId", "Web ACL is not accessible by the requester.", []string{"cdn.web_acl_id", "CLOUDFRONT", "us-east-1"}},
		{"EC2", "RunInstances", "InvalidAMIID.Malformed", `Invalid id: "ami-xyz"`, []string{"ami_id"}},
		{"EC2", "RunInstances", "InvalidAMIID.NotFound", "", []string{"ami_id"}},
		{"EC2", "RunInstances", "InvalidKeyPair.NotFound", "", []string{"key_name"}},
		{"EC2", "TerminateInstances", "OperationNotPermitted", "", []string{"termination protection", "deletion_protection"}},
		{"Elastic Load Balancing v2", "DeleteLoadBalancer", "OperationNotPermitted", "", []string{"deletion_protection"}},
		{"EC2", "RunInstances", "InsufficientInstanceCapacity", "", []string{"instance_type", "another region"}},
		{"EC2", "DeleteSubnet", "DependencyViolation", "", []string{"Run the command again"}},
		{"EC2", "RunInstances", "InvalidUserData.Malformed", "User data is limited to 16384 bytes.", []string{"ollama_models", "16 KB"}},
		{"EC2", "RunInstances", "InvalidParameterValue", "User data is limited to 16384 bytes.", []string{"ollama_models"}},
		{"EC2", "RunInstances", "UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: abc", []string{"ec2:RunInstances", "decode-authorization-message"}},
		{"Elastic Load Balancing v2", "CreateLoadBalancer", "AccessDenied", "User: arn:aws:iam::1:user/x is not authorized to perform: elasticloadbalancing:CreateLoadBalancer", []string{"elasticloadbalancing:CreateLoadBalancer", "Grant"}},
		{"EFS", "CreateFileSystem", "AccessDeniedException", "", []string{"elasticfilesystem:CreateFileSystem"}},
		{"CloudFront", "CreateDistributionWithTags", "AccessDenied", "User: x is not authorized to perform: cloudfront:TagResource with an explicit deny in a service control policy", []string{"cloudfront:CreateDistribution and cloudfront:TagResource", "explicit Deny"}},
		{"SSM", "GetParameter", "ParameterNotFound", "", []string{"SSM parameter"}},
		{"STS", "GetCallerIdentity", "ExpiredToken", "", []string{"credentials"}},
		{"EC2", "DescribeInstanceTypes", "RequestLimitExceeded", "", []string{"max_retries"}},
	} {
		t.Run(tc.code+"/"+tc.op, func(t *testing.T) {
			got := Remedy("eu-west-1", apiError(tc.service, tc.op, tc.code, tc.message))
			if got == "" {
				t.Fatal("no remedy")
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("remedy lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// A new account's CloudFront refusal is no permission problem: its remedy
// sends the user to AWS Support and never asks for a grant; a real denial
// of the same code names the action to grant.
func TestCloudFrontAccountVerificationIsNotAPermission(t *testing.T) {
	verify := Remedy("us-east-1", apiError("CloudFront", "CreateDistributionWithTags", "AccessDenied",
		"Your account must be verified before you can add new CloudFront resources. To verify your account, please contact AWS Support (https://console.aws.amazon.com/support/home#/) and include this error message."))
	if !strings.Contains(verify, "AWS Support") || !strings.Contains(verify, "not a missing permission") || strings.Contains(verify, "Grant") {
		t.Errorf("verification remedy: %s", verify)
	}
	denied := Remedy("us-east-1", apiError("CloudFront", "CreateDistributionWithTags", "AccessDenied",
		"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudfront:CreateDistribution because no identity-based policy allows the cloudfront:CreateDistribution action"))
	if !strings.Contains(denied, "Grant") || strings.Contains(denied, "AWS Support") {
		t.Errorf("permission remedy: %s", denied)
	}
}

// VcpuLimitExceeded at launch names the family's quota, the current limit,
// the vCPUs needed and a value that is enough.
func TestVCPUQuotaError(t *testing.T) {
	err := vcpuQuotaError(apiError("EC2", "RunInstances", "VcpuLimitExceeded",
		"You have requested more vCPU capacity than your current vCPU limit of 8 allows for the instance bucket that the specified instance type belongs to."),
		"eu-central-1", "g5.2xlarge", 8)
	e := describe(stepInstance, fmt.Errorf("launching instance: %w", err))
	for _, want := range []string{
		`"Running On-Demand G and VT instances" (L-DB2E81BA) allows 8 in eu-central-1`,
		"one g5.2xlarge needs 8 more vCPUs",
		"https://console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-DB2E81BA?region=eu-central-1",
		"`aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-DB2E81BA --desired-value 16 --region eu-central-1`",
	} {
		if !strings.Contains(e.Hint, want) {
			t.Errorf("hint lacks %q:\n%s", want, e.Hint)
		}
	}
	if e.Code != "VcpuLimitExceeded" || !strings.HasPrefix(e.Message, "You have requested more vCPU capacity") {
		t.Errorf("code %q message %q", e.Code, e.Message)
	}
	if other := apiError("EC2", "RunInstances", "InsufficientInstanceCapacity", "x"); vcpuQuotaError(other, "r", "g5.xlarge", 4) != other { //nolint:errorlint // the very same value, not a wrapped one
		t.Error("other errors must pass through unchanged")
	}
}

// A step error carries the deployment's region to the quota page.
func TestStepErrorsCarryTheRegion(t *testing.T) {
	o := &op{spec: &Spec{Region: "ap-south-1"}}
	g := newGraph()
	g.add(&step{name: stepNetwork, run: func(ctx context.Context) error {
		return fmt.Errorf("creating VPC: %w", apiError("EC2", "CreateVpc", "VpcLimitExceeded", "The maximum number of VPCs has been reached."))
	}})
	_, err := o.regional(g).execute(context.Background(), nil)
	e := failure(err)
	if e.Step != stepNetwork || !strings.Contains(e.Hint, "--region ap-south-1") || !strings.Contains(e.Hint, "?region=ap-south-1") {
		t.Errorf("step %q hint %s", e.Step, e.Hint)
	}
}

// A timeout names the wait that ran out: a boot is not a CloudFront rollout.
func TestTimeoutHintNamesTheWait(t *testing.T) {
	timeout := &retry.TimeoutError{LastState: "booting", ExpectedState: []string{"done"}}
	boot := describe(stepBoot, timeout).Hint
	if !strings.Contains(boot, "boot script") || strings.Contains(boot, "CloudFront") || !strings.Contains(boot, "get-console-output") {
		t.Errorf("boot timeout hint: %s", boot)
	}
	cdn := describe(stepDeployed, timeout).Hint
	if !strings.Contains(cdn, "CloudFront to roll the distribution out") {
		t.Errorf("cloudfront timeout hint: %s", cdn)
	}
	for step := range waits {
		if h := describe(step, timeout).Hint; !strings.Contains(h, waits[step]) || !strings.Contains(h, "timeouts") {
			t.Errorf("%s: %s", step, h)
		}
	}
}

// A default AMI parameter the region does not publish is not an object
// deleted outside Terraform.
func TestMissingAMIParameterHint(t *testing.T) {
	nf := &retry.NotFoundError{LastError: apiError("SSM", "GetParameter", "ParameterNotFound", ""), Message: "SSM parameter /aws/service/x not found"}
	err := &amiParameterError{param: "/aws/service/x", region: "ap-southeast-7", gpu: true, arch: "x86_64", err: fmt.Errorf("resolving: %w", nf)}
	e := describe(stepAMI, err)
	for _, want := range []string{"ap-southeast-7 does not publish", "/aws/service/x", "ami_id", "Deep Learning"} {
		if !strings.Contains(e.Hint, want) {
			t.Errorf("hint lacks %q: %s", want, e.Hint)
		}
	}
	if strings.Contains(e.Hint, "outside Terraform") {
		t.Errorf("hint blames a deletion: %s", e.Hint)
	}
	if e.Code != "ParameterNotFound" || e.Message == "" {
		t.Errorf("code %q, message %q (SSM's own message is empty)", e.Code, e.Message)
	}
}

// Every error code the emulator can answer an operation the provider calls
// with has a remedy. The codes come from the emulator's source and the
// operations from the provider's (awscodes_test.go), so a new operation or
// a new code without a remedy fails here.
func TestRemedyForEveryCodeTheEmulatorCanReturn(t *testing.T) {
	codes, missing := emulatorCodesForProvider(t)
	if len(missing) > 0 {
		t.Errorf("the provider calls operations the emulator does not serve: %v", missing)
	}
	if len(codes) < 100 {
		t.Fatalf("only %d codes found: the source analysis is broken", len(codes))
	}
	var none []string
	for code, ops := range codes {
		if Remedy("us-east-1", apiError("EC2", "RunInstances", code, "")) == "" {
			sort.Strings(ops)
			none = append(none, fmt.Sprintf("%s (from %s)", code, strings.Join(ops, ", ")))
		}
	}
	sort.Strings(none)
	if len(none) > 0 {
		t.Errorf("%d error codes have no remedy (add them to remedies in remedies.go):\n  %s", len(none), strings.Join(none, "\n  "))
	}
	// The analysis finds what the issues named.
	for _, code := range []string{"VpcLimitExceeded", "SubnetLimitExceeded", "SecurityGroupLimitExceeded", "RulesPerSecurityGroupLimitExceeded",
		"NetworkInterfaceLimitExceeded", "InternetGatewayLimitExceeded", "TooManyTargetGroups", "TooManyListeners", "TooManyRules",
		"TooManyLoadBalancers", "LimitExceeded", "FileSystemLimitExceeded", "TooManyDistributions", "Unsupported", "InvalidWebACLId",
		"InvalidAMIID.Malformed", "InvalidAMIID.NotFound", "InvalidKeyPair.NotFound", "OperationNotPermitted", "UnauthorizedOperation",
		"AccessDenied", "InsufficientInstanceCapacity", "VcpuLimitExceeded", "DependencyViolation", "InvalidUserData.Malformed"} {
		if _, ok := codes[code]; !ok {
			t.Errorf("the emulator analysis does not find %s", code)
		}
	}
}

// Wrapping keeps what describe needs.
func TestRegionalErrorUnwraps(t *testing.T) {
	inner := apiError("EC2", "RunInstances", "InvalidKeyPair.NotFound", "The key pair 'x' does not exist")
	err := inRegion("eu-west-1", fmt.Errorf("launching: %w", inner))
	if !errors.Is(err, inner) || regionOf(err) != "eu-west-1" || inRegion("us-east-1", err) != err { //nolint:errorlint // the very same value, not a wrapped one
		t.Fatal("regional wrapping")
	}
	if inRegion("eu-west-1", nil) != nil {
		t.Fatal("nil stays nil")
	}
}
