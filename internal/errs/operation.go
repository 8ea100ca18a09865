package errs

import (
	"errors"

	"github.com/aws/smithy-go"
)

// Operation returns the AWS service and operation a failed call was made to
// ("EC2", "RunInstances"), as the SDK records them, or "" when err did not
// come from an SDK call.
func Operation(err error) (service, operation string) {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return oe.ServiceID, oe.OperationName
	}
	return "", ""
}

// iamPrefixes are the IAM action prefixes of the SDK's service ids.
var iamPrefixes = map[string]string{
	"EC2": "ec2", "Elastic Load Balancing v2": "elasticloadbalancing", "EFS": "elasticfilesystem",
	"CloudFront": "cloudfront", "IAM": "iam", "SSM": "ssm", "STS": "sts", "ACM": "acm",
	"Route 53": "route53", "WAFV2": "wafv2", "Service Quotas": "servicequotas",
}

// Action is the IAM action of the call that failed with err
// ("ec2:RunInstances"), or "" when it is not known. An operation that stands
// for two actions names both (CloudFront's CreateDistributionWithTags needs
// cloudfront:CreateDistribution and cloudfront:TagResource).
func Action(err error) string {
	svc, op := Operation(err)
	prefix, ok := iamPrefixes[svc]
	if !ok || op == "" {
		return ""
	}
	if svc == "CloudFront" && op == "CreateDistributionWithTags" {
		return "cloudfront:CreateDistribution and cloudfront:TagResource"
	}
	return prefix + ":" + op
}
