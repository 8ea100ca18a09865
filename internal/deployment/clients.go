package deployment

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
)

// Clients are the AWS clients a deployment uses, all for one region except
// the global services and ACM, which is looked up per region (the load
// balancer's certificate is regional, CloudFront's lives in us-east-1).
type Clients struct {
	EC2        *ec2.Client
	EFS        *efs.Client
	ELBV2      *elasticloadbalancingv2.Client
	CloudFront *cloudfront.Client
	IAM        *iam.Client
	SSM        *ssm.Client
	// Route53 is global (its requests are signed for us-east-1).
	Route53 *route53.Client
	ACM     func(region string) *acm.Client
	// ServiceQuotas is looked up per region like ACM (CloudFront's quotas
	// are read in us-east-1); WAFV2 reads web ACLs of scope CLOUDFRONT, in
	// us-east-1. Only the plan-time checks use them.
	ServiceQuotas func(region string) *servicequotas.Client
	WAFV2         *wafv2.Client
	// HTTP makes the reachability check's requests; nil is Go's default
	// client (proxy from the environment, system CA certificates).
	HTTP *http.Client

	// Catalog keeps instance type, offering and image answers for the
	// provider process (nil: none kept).
	Catalog *Catalog

	Region string
	// Account returns the caller's account id (STS, asked once per
	// provider configuration, when first needed); nil when the provider may
	// not ask (skip_requesting_account_id).
	Account   func(ctx context.Context) (string, error)
	Partition string
	// LeaseTTL is how long a create's lease on its name lasts unless
	// renewed (DefaultLeaseTTL when zero; tests shorten it).
	LeaseTTL time.Duration
}
