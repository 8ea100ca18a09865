package deployment

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
)

// DistributionDetails is the live configuration of a deployment's CloudFront
// distribution that inspection shows: where it sends requests and what it
// caches.
type DistributionDetails struct {
	Origin OriginDetails
	// Behaviors lists the default cache behavior first (path pattern "*"),
	// then the path-specific ones in CloudFront's order of precedence.
	Behaviors []CacheBehaviorDetails
}

// OriginDetails describes the distribution's (first) origin.
type OriginDetails struct {
	DomainName         string
	ProtocolPolicy     string // http-only | https-only | match-viewer
	ReadTimeoutSeconds int32
}

// CacheBehaviorDetails describes one cache behavior.
type CacheBehaviorDetails struct {
	PathPattern           string
	CachePolicyID         string
	OriginRequestPolicyID string
	ViewerProtocolPolicy  string
}

// DefaultBehaviorPattern is the path pattern shown for the default behavior.
const DefaultBehaviorPattern = "*"

// InspectDistribution reads a distribution's configuration (one
// GetDistributionConfig call). A deleted distribution is a
// retry.NotFoundError.
func InspectDistribution(ctx context.Context, c *Clients, id string) (*DistributionDetails, error) {
	out, err := tfcloudfront.FindDistributionConfigByID(ctx, c.CloudFront, id)
	if err != nil {
		return nil, err
	}
	cfg := out.DistributionConfig
	d := &DistributionDetails{}
	if cfg.Origins != nil && len(cfg.Origins.Items) > 0 {
		o := cfg.Origins.Items[0]
		d.Origin.DomainName = aws.ToString(o.DomainName)
		if co := o.CustomOriginConfig; co != nil {
			d.Origin.ProtocolPolicy = string(co.OriginProtocolPolicy)
			d.Origin.ReadTimeoutSeconds = aws.ToInt32(co.OriginReadTimeout)
		}
	}
	if b := cfg.DefaultCacheBehavior; b != nil {
		d.Behaviors = append(d.Behaviors, CacheBehaviorDetails{
			PathPattern: DefaultBehaviorPattern, CachePolicyID: aws.ToString(b.CachePolicyId),
			OriginRequestPolicyID: aws.ToString(b.OriginRequestPolicyId), ViewerProtocolPolicy: string(b.ViewerProtocolPolicy),
		})
	}
	if cfg.CacheBehaviors != nil {
		for _, b := range cfg.CacheBehaviors.Items {
			d.Behaviors = append(d.Behaviors, CacheBehaviorDetails{
				PathPattern: aws.ToString(b.PathPattern), CachePolicyID: aws.ToString(b.CachePolicyId),
				OriginRequestPolicyID: aws.ToString(b.OriginRequestPolicyId), ViewerProtocolPolicy: string(b.ViewerProtocolPolicy),
			})
		}
	}
	return d, nil
}
