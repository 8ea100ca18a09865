package conns

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// AWSClient holds the resolved configuration and builds each service client
// once, on first use.
type AWSClient struct {
	Region      string
	DefaultTags map[string]string

	// skipValidation and skipAccount are skip_credentials_validation and
	// skip_requesting_account_id.
	skipValidation, skipAccount bool
	identityMu                  sync.Mutex
	identity                    *Identity

	cfg       aws.Config
	endpoints map[string]string
	pollCap   time.Duration
	waitClock func() time.Time
	waitSleep func(ctx context.Context, d time.Duration) error
	waitSpeed float64
	// LeaseTTL is the test seam of Config.LeaseTTL (zero: the default).
	LeaseTTL time.Duration
	// TimeoutDivisor is the test seam of Config.TimeoutDivisor.
	TimeoutDivisor int
	// Shared holds what other packages keep for the life of this client,
	// one configuration of the provider (the deployment catalog).
	Shared sync.Map

	once       sync.Mutex
	ec2        *ec2.Client
	efs        *efs.Client
	elbv2      *elasticloadbalancingv2.Client
	cloudfront *cloudfront.Client
	iam        *iam.Client
	route53    *route53.Client
	ssm        *ssm.Client
	sts        *sts.Client
	wafv2      *wafv2.Client
	acm        map[string]*acm.Client
	quotas     map[string]*servicequotas.Client
}

func newAWSClient(cfg aws.Config, c *Config) *AWSClient {
	tags := map[string]string{}
	for k, v := range c.DefaultTags {
		tags[k] = v
	}
	return &AWSClient{
		Region:         cfg.Region,
		DefaultTags:    tags,
		skipValidation: c.SkipCredentialsValidation,
		skipAccount:    c.SkipRequestingAccountID,
		cfg:            cfg,
		endpoints:      c.Endpoints,
		pollCap:        c.PollCap,
		waitClock:      c.WaitClock,
		waitSleep:      c.WaitSleep,
		waitSpeed:      c.WaitSpeed,
		LeaseTTL:       c.LeaseTTL,
		TimeoutDivisor: c.TimeoutDivisor,
		acm:            map[string]*acm.Client{},
		quotas:         map[string]*servicequotas.Client{},
	}
}

// Partition is the AWS partition of the region.
func (c *AWSClient) Partition() string {
	switch {
	case strings.HasPrefix(c.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(c.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// WaitContext applies the client's test-only seams to ctx: the poll cap, or
// the dilated clock of a benchmark.
func (c *AWSClient) WaitContext(ctx context.Context) context.Context {
	switch {
	case c.waitClock != nil && c.waitSleep != nil:
		ctx = retry.WithVirtualTime(ctx, c.waitClock, c.waitSleep, c.waitSpeed)
	case c.waitClock != nil:
		ctx = retry.WithDilatedTime(ctx, c.waitClock, c.waitSpeed)
	}
	if c.pollCap > 0 {
		return retry.WithPollCap(ctx, c.pollCap)
	}
	return ctx
}

func (c *AWSClient) endpoint(svc string) *string {
	if ep := c.endpoints[svc]; ep != "" {
		return aws.String(ep)
	}
	return nil
}

// EC2 returns the EC2 client.
func (c *AWSClient) EC2() *ec2.Client {
	c.once.Lock()
	defer c.once.Unlock()
	if c.ec2 == nil {
		c.ec2 = ec2.NewFromConfig(c.cfg, func(o *ec2.Options) { o.BaseEndpoint = c.endpoint("ec2") })
	}
	return c.ec2
}

// EFS returns the EFS client.
func (c *AWSClient) EFS() *efs.Client {
	c.once.Lock()
	defer c.once.Unlock()
	if c.efs == nil {
		c.efs = efs.NewFromConfig(c.cfg, func(o *efs.Options) { o.BaseEndpoint = c.endpoint("efs") })
	}
	return c.efs
}

// ELBV2 returns the Elastic Load Balancing v2 client.
func (c *AWSClient) ELBV2() *elasticloadbalancingv2.Client {
	c.once.Lock()
	defer c.once.Unlock()
	if c.elbv2 == nil {
		c.elbv2 = elasticloadbalancingv2.NewFromConfig(c.cfg, func(o *elasticloadbalancingv2.Options) { o.BaseEndpoint = c.endpoint("elbv2") })
	}
	return c.elbv2
}

// CloudFront returns the CloudFront client (a global service).
func (c *AWSClient) CloudFront() *cloudfront.Client {
	c.once.Lock()
	defer c.once.Unlock()
	if c.cloudfront == nil {
		c.cloudfront = cloudfront.NewFromConfig(c.cfg, func(o *cloudfront.Options) { o.BaseEndpoint = c.endpoint("cloudfront") })
	}
	return c.cloudfront
}

// IAM returns the IAM client (a global service).
func (c *AWSClient) IAM() *iam.Client {
	c.once.Lock()
	defer c.once.Unlock()
	if c.iam == nil {
		c.iam = iam.NewFromConfig(c.cfg, func(o *iam.Options) { o.BaseEndpoint = c.endpoint("iam") })
	}
	return c.iam
}

// Route53 returns the Route 53 client. Route 53 is global: its requests are
// signed for the partition's global region whatever the provider's region.
func (c *AWSClient) Route53() *route53.Client {
	c.once.Lock()
	defer c.once.Unlock()
	if c.route53 == nil {
		region := "us-east-1"
		switch c.Partition() {
		case "aws-cn":
			region = "cn-northwest-1"
		case "aws-us-gov":
			region = "us-gov-west-1"
		}
		c.route53 = route53.NewFromConfig(c.cfg, func(o *route53.Options) {
			o.Region = region
			o.BaseEndpoint = c.endpoint("route53")
		})
	}
	return c.route53
}

// SSM returns the SSM client.
func (c *AWSClient) SSM() *ssm.Client {
	c.once.Lock()
	defer c.once.Unlock()
	if c.ssm == nil {
		c.ssm = ssm.NewFromConfig(c.cfg, func(o *ssm.Options) { o.BaseEndpoint = c.endpoint("ssm") })
	}
	return c.ssm
}

// STS returns the STS client.
func (c *AWSClient) STS() *sts.Client {
	c.once.Lock()
	defer c.once.Unlock()
	if c.sts == nil {
		c.sts = sts.NewFromConfig(c.cfg, func(o *sts.Options) { o.BaseEndpoint = c.endpoint("sts") })
	}
	return c.sts
}

// ACM returns the ACM client for a region ("" for the provider's region):
// ALB certificates live in the deployment's region, CloudFront's in us-east-1.
func (c *AWSClient) ACM(region string) *acm.Client {
	if region == "" {
		region = c.Region
	}
	c.once.Lock()
	defer c.once.Unlock()
	if c.acm[region] == nil {
		c.acm[region] = acm.NewFromConfig(c.cfg, func(o *acm.Options) {
			o.Region = region
			o.BaseEndpoint = c.endpoint("acm")
		})
	}
	return c.acm[region]
}

// ServiceQuotas returns the Service Quotas client for a region ("" for the
// provider's region): CloudFront's global quotas are read in us-east-1.
func (c *AWSClient) ServiceQuotas(region string) *servicequotas.Client {
	if region == "" {
		region = c.Region
	}
	c.once.Lock()
	defer c.once.Unlock()
	if c.quotas[region] == nil {
		c.quotas[region] = servicequotas.NewFromConfig(c.cfg, func(o *servicequotas.Options) {
			o.Region = region
			o.BaseEndpoint = c.endpoint("servicequotas")
		})
	}
	return c.quotas[region]
}

// WAFV2 returns the WAFv2 client for web ACLs of scope CLOUDFRONT, which
// are managed through us-east-1 whatever the provider's region.
func (c *AWSClient) WAFV2() *wafv2.Client {
	c.once.Lock()
	defer c.once.Unlock()
	if c.wafv2 == nil {
		c.wafv2 = wafv2.NewFromConfig(c.cfg, func(o *wafv2.Options) {
			o.Region = "us-east-1"
			o.BaseEndpoint = c.endpoint("wafv2")
		})
	}
	return c.wafv2
}

// Identity is who the credentials belong to (STS GetCallerIdentity).
type Identity struct {
	AccountID, ARN, UserID string
}

// Identity asks STS who the caller is, once per configuration: not when
// the provider is configured but when something first needs it (the
// plan-time permission check, a new role's policy, the caller identity data
// source), so a plan that changes nothing makes no STS call. A refresh's
// first read fails on bad credentials just as this would. A failure is a
// ConfigError ("Invalid AWS credentials") and is not kept: the next call
// asks again.
func (c *AWSClient) Identity(ctx context.Context) (Identity, error) {
	c.identityMu.Lock()
	defer c.identityMu.Unlock()
	if c.identity != nil {
		return *c.identity, nil
	}
	out, err := c.STS().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, &ConfigError{Summary: "Invalid AWS credentials",
			Detail: fmt.Sprintf("STS GetCallerIdentity failed (%s): %s\n\nCheck the credentials the provider resolved (provider block, AWS_* environment variables, shared config profile, assume_role). To run without calling STS, set skip_credentials_validation and skip_requesting_account_id.", orDefault(errs.Code(err), "error"), errs.Message(err)),
			Err:    err}
	}
	c.identity = &Identity{AccountID: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}
	return *c.identity, nil
}

// SkipsAccountID says the provider may not ask STS for the account
// (skip_requesting_account_id).
func (c *AWSClient) SkipsAccountID() bool { return c.skipAccount }

// Caller is Identity for the provider's own use, under its skip settings:
// the zero Identity with skip_requesting_account_id (the deployment then
// writes "*" for the account and does not simulate the caller's policies),
// and with skip_credentials_validation when STS fails.
func (c *AWSClient) Caller(ctx context.Context) (Identity, error) {
	if c.skipAccount {
		return Identity{}, nil
	}
	id, err := c.Identity(ctx)
	if err != nil && c.skipValidation {
		return Identity{}, nil
	}
	return id, err
}
