package deployment

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfcloudfront "github.com/geusemaker/terraform-provider-geusemaker/internal/service/cloudfront"
)

// CDNState is the CloudFront distribution's part of the record.
type CDNState struct {
	DistributionID       string
	DistributionARN      string
	DistributionDomain   string
	DistributionStatus   string
	DistributionEnabled  bool
	DistributionRetained bool
	// OriginSecret is the X-Origin-Verify value CloudFront sends and the
	// load balancer's listener rule requires; it outlives a distribution.
	OriginSecret    string
	CallerReference string
}

func (c *CDNState) ids(add func(kind, id string)) {
	add("cloudfront distribution", c.DistributionID)
}

// forget drops the distribution; the origin secret stays for the next one.
func (c *CDNState) forget() {
	c.DistributionID, c.DistributionARN, c.DistributionDomain, c.DistributionStatus, c.CallerReference = "", "", "", "", ""
}

// CloudFront managed policies (ids are the same in every account).
const (
	cachePolicyCachingDisabled             = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	cachePolicyCachingOptimized            = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	originRequestPolicyAllViewer           = "216adef6-5c7f-47e4-b989-5492eafa07d3"
	originRequestPolicyAllViewerExceptHost = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	// CloudFrontHostedZoneID is the Route 53 zone of every distribution.
	CloudFrontHostedZoneID = "Z2FDTNDATAQYW2"
	originID               = "geusemaker-alb"
	typicalCloudFront      = 12 * time.Minute
)

// staticPaths are cached at the edge: the n8n editor's assets.
var staticPaths = []string{"/assets/*", "/static/*"}

// newOriginSecret returns the value CloudFront sends in X-Origin-Verify and
// the load balancer requires.
func newOriginSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// distributionConfig is the CloudFront configuration the deployment wants.
// The origin is the load balancer: HTTP to its AWS name, or HTTPS to the
// custom domain its certificate covers (CloudFront cannot validate a
// certificate against *.elb.amazonaws.com). Everything dynamic is uncached
// with every viewer header, cookie and query passed through; only static
// assets are cached.
func (o *op) distributionConfig(st *State, callerRef string) *cftypes.DistributionConfig {
	originDomain, policy, requestPolicy := st.ALBDNSName, cftypes.OriginProtocolPolicyHttpOnly, originRequestPolicyAllViewer
	if o.spec.originPort() == 443 {
		// The viewer's Host would make CloudFront validate the origin
		// certificate against the viewer's name, so send the origin's.
		originDomain, policy, requestPolicy = o.spec.LoadBalancer.DomainName, cftypes.OriginProtocolPolicyHttpsOnly, originRequestPolicyAllViewerExceptHost
	}
	origin := cftypes.Origin{
		Id: aws.String(originID), DomainName: aws.String(originDomain),
		CustomOriginConfig: &cftypes.CustomOriginConfig{
			HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: policy,
			OriginSslProtocols:     &cftypes.OriginSslProtocols{Quantity: aws.Int32(1), Items: []cftypes.SslProtocol{cftypes.SslProtocolTLSv12}},
			OriginReadTimeout:      aws.Int32(o.spec.CDN.OriginReadTimeoutSeconds),
			OriginKeepaliveTimeout: aws.Int32(5),
		},
		CustomHeaders:      &cftypes.CustomHeaders{Quantity: aws.Int32(0), Items: []cftypes.OriginCustomHeader{}},
		ConnectionAttempts: aws.Int32(3), ConnectionTimeout: aws.Int32(10),
		OriginPath: aws.String(""),
	}
	if o.spec.CDN.RestrictOrigin {
		origin.CustomHeaders = &cftypes.CustomHeaders{Quantity: aws.Int32(1), Items: []cftypes.OriginCustomHeader{{HeaderName: aws.String(OriginVerifyHeader), HeaderValue: aws.String(st.OriginSecret)}}}
	}
	allMethods := &cftypes.AllowedMethods{Quantity: aws.Int32(7), Items: []cftypes.Method{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"},
		CachedMethods: &cftypes.CachedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"}}}
	var behaviors []cftypes.CacheBehavior
	for _, p := range staticPaths {
		behaviors = append(behaviors, cftypes.CacheBehavior{
			PathPattern: aws.String(p), TargetOriginId: aws.String(originID), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId: aws.String(cachePolicyCachingOptimized), Compress: aws.Bool(true),
			AllowedMethods: &cftypes.AllowedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"},
				CachedMethods: &cftypes.CachedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"}}},
		})
	}
	cfg := &cftypes.DistributionConfig{
		CallerReference: aws.String(callerRef),
		Comment:         aws.String("geusemaker:" + o.spec.Name),
		Enabled:         aws.Bool(true),
		Origins:         &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{origin}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
			TargetOriginId: aws.String(originID), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId: aws.String(cachePolicyCachingDisabled), OriginRequestPolicyId: aws.String(requestPolicy),
			Compress: aws.Bool(true), AllowedMethods: allMethods,
		},
		CacheBehaviors:    &cftypes.CacheBehaviors{Quantity: aws.Int32(int32(len(behaviors))), Items: behaviors},
		PriceClass:        cftypes.PriceClass(o.spec.CDN.PriceClass),
		HttpVersion:       cftypes.HttpVersionHttp2and3,
		IsIPV6Enabled:     aws.Bool(true),
		Aliases:           &cftypes.Aliases{Quantity: aws.Int32(int32(len(o.spec.CDN.Aliases))), Items: append([]string{}, o.spec.CDN.Aliases...)},
		DefaultRootObject: aws.String(""),
		WebACLId:          aws.String(o.spec.CDN.WebACLID),
		Restrictions:      &cftypes.Restrictions{GeoRestriction: &cftypes.GeoRestriction{RestrictionType: cftypes.GeoRestrictionTypeNone, Quantity: aws.Int32(0)}},
	}
	if o.spec.CDN.CertificateARN != "" {
		cfg.ViewerCertificate = &cftypes.ViewerCertificate{ACMCertificateArn: aws.String(o.spec.CDN.CertificateARN),
			SSLSupportMethod: cftypes.SSLSupportMethodSniOnly, MinimumProtocolVersion: cftypes.MinimumProtocolVersionTLSv122021}
	} else {
		cfg.ViewerCertificate = &cftypes.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true)}
	}
	return cfg
}

// ensureDistribution keeps the CloudFront distribution in front of the load
// balancer, converging its configuration (with a fresh ETag) when it differs.
func (o *op) ensureDistribution(ctx context.Context) error {
	conn := o.c.CloudFront
	st := o.rec.get()
	if st.DistributionID != "" {
		out, err := tfcloudfront.FindDistributionConfigByID(ctx, conn, st.DistributionID)
		switch {
		case retry.NotFound(err):
			o.rec.set(func(s *State) { s.CDNState.forget() })
		case err != nil:
			return err
		default:
			want := o.distributionConfig(st, aws.ToString(out.DistributionConfig.CallerReference))
			if !managedConfigEqual(out.DistributionConfig, want) {
				info(ctx, "updating CloudFront distribution", map[string]any{"distribution_id": st.DistributionID})
				if _, err := tfcloudfront.UpdateDistribution(ctx, conn, st.DistributionID, func(c *cftypes.DistributionConfig) { applyManaged(c, want) }); err != nil {
					return err
				}
			}
			return o.recordDistribution(ctx)
		}
	}
	ref := o.rec.get().CallerReference
	if ref == "" {
		ref = fmt.Sprintf("geusemaker-%s-%s-%s", o.spec.Name, o.spec.Region, o.rec.get().Nonce)
		o.rec.set(func(s *State) { s.CallerReference = ref })
	}
	start := time.Now()
	info(ctx, "creating CloudFront distribution", map[string]any{"origin": o.rec.get().ALBDNSName, "price_class": o.spec.CDN.PriceClass})
	d, err := tfcloudfront.CreateDistribution(ctx, conn, o.distributionConfig(o.rec.get(), ref), o.spec.tagsFor(CompDistribution))
	if err != nil {
		return fmt.Errorf("creating CloudFront distribution: %w", err)
	}
	o.rec.set(func(s *State) {
		s.DistributionID, s.DistributionARN, s.DistributionDomain = aws.ToString(d.Id), aws.ToString(d.ARN), aws.ToString(d.DomainName)
		s.DistributionStatus, s.DistributionEnabled = aws.ToString(d.Status), true
	})
	info(ctx, "CloudFront distribution created", map[string]any{"distribution_id": aws.ToString(d.Id), "domain": aws.ToString(d.DomainName), "elapsed_s": round1(time.Since(start).Seconds())})
	return nil
}

func (o *op) recordDistribution(ctx context.Context) error {
	out, err := tfcloudfront.FindDistributionByID(ctx, o.c.CloudFront, o.rec.get().DistributionID)
	if err != nil {
		return err
	}
	d := out.Distribution
	o.rec.set(func(s *State) {
		s.DistributionARN, s.DistributionDomain, s.DistributionStatus = aws.ToString(d.ARN), aws.ToString(d.DomainName), aws.ToString(d.Status)
		s.DistributionEnabled = d.DistributionConfig != nil && aws.ToBool(d.DistributionConfig.Enabled)
	})
	return nil
}

// waitDistributionDeployed waits for the rollout, logging progress.
func (o *op) waitDistributionDeployed(ctx context.Context) error {
	id := o.rec.get().DistributionID
	info(ctx, "waiting for CloudFront deployment", map[string]any{"distribution_id": id, "estimated_minutes": int(typicalCloudFront.Minutes())})
	_, err := tfcloudfront.WaitDistributionDeployed(ctx, o.c.CloudFront, id, o.remaining(ctx), func(status string, elapsed time.Duration) {
		info(ctx, "waiting for CloudFront deployment", map[string]any{"distribution_id": id, "status": status, "elapsed_s": int(elapsed.Seconds()), "estimated_percent": percent(elapsed, typicalCloudFront)})
	})
	if err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.DistributionStatus = "Deployed" })
	info(ctx, "CloudFront deployed", map[string]any{"distribution_id": id, "domain": o.rec.get().DistributionDomain})
	return nil
}

// managedConfigEqual compares the settings the deployment manages, by value,
// so that defaults CloudFront fills in never cause a (15-minute) update.
func managedConfigEqual(have, want *cftypes.DistributionConfig) bool {
	return reflect.DeepEqual(fingerprint(have), fingerprint(want))
}

type cdnFingerprint struct {
	Comment, PriceClass, HTTPVersion, WebACL, Certificate string
	Enabled, IPv6                                         bool
	Aliases, Origins, Behaviors                           []string
	Default                                               string
}

func fingerprint(c *cftypes.DistributionConfig) cdnFingerprint {
	f := cdnFingerprint{Comment: aws.ToString(c.Comment), PriceClass: string(c.PriceClass), HTTPVersion: string(c.HttpVersion),
		WebACL: aws.ToString(c.WebACLId), Enabled: aws.ToBool(c.Enabled), IPv6: aws.ToBool(c.IsIPV6Enabled)}
	if c.ViewerCertificate != nil {
		f.Certificate = aws.ToString(c.ViewerCertificate.ACMCertificateArn)
	}
	if c.Aliases != nil {
		f.Aliases = append(f.Aliases, c.Aliases.Items...)
	}
	if c.Origins != nil {
		for _, o := range c.Origins.Items {
			desc := fmt.Sprintf("%s|%s", aws.ToString(o.Id), aws.ToString(o.DomainName))
			if co := o.CustomOriginConfig; co != nil {
				desc += fmt.Sprintf("|%s|%d", co.OriginProtocolPolicy, aws.ToInt32(co.OriginReadTimeout))
			}
			if o.CustomHeaders != nil {
				for _, h := range o.CustomHeaders.Items {
					desc += "|" + aws.ToString(h.HeaderName) + "=" + aws.ToString(h.HeaderValue)
				}
			}
			f.Origins = append(f.Origins, desc)
		}
	}
	if d := c.DefaultCacheBehavior; d != nil {
		f.Default = fmt.Sprintf("%s|%s|%s|%s", aws.ToString(d.TargetOriginId), d.ViewerProtocolPolicy, aws.ToString(d.CachePolicyId), aws.ToString(d.OriginRequestPolicyId))
	}
	if c.CacheBehaviors != nil {
		for _, b := range c.CacheBehaviors.Items {
			f.Behaviors = append(f.Behaviors, fmt.Sprintf("%s|%s|%s", aws.ToString(b.PathPattern), aws.ToString(b.TargetOriginId), aws.ToString(b.CachePolicyId)))
		}
	}
	return f
}

func applyManaged(c, want *cftypes.DistributionConfig) {
	c.Comment, c.Enabled, c.Origins = want.Comment, want.Enabled, want.Origins
	c.DefaultCacheBehavior, c.CacheBehaviors = want.DefaultCacheBehavior, want.CacheBehaviors
	c.PriceClass, c.HttpVersion, c.IsIPV6Enabled = want.PriceClass, want.HttpVersion, want.IsIPV6Enabled
	c.Aliases, c.WebACLId, c.ViewerCertificate = want.Aliases, want.WebACLId, want.ViewerCertificate
}
