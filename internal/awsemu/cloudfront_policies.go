package awsemu

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// CloudFront's managed policies, with the ids and names AWS publishes in the
// developer guide ("Use managed cache policies", "Use managed origin request
// policies", "Use managed response headers policies"). Every account sees
// them; a cache behavior may name them without creating anything.

var cfManagedPolicyTime = time.Date(2021, 11, 2, 0, 0, 0, 0, time.UTC)

func cfStrings(items ...string) ([]string, *int32) {
	if len(items) == 0 {
		return nil, aws.Int32(0)
	}
	return items, aws.Int32(int32(len(items)))
}

func cfHeaders(items ...string) *cftypes.Headers {
	it, q := cfStrings(items...)
	return &cftypes.Headers{Items: it, Quantity: q}
}

func cfQueryNames(items ...string) *cftypes.QueryStringNames {
	it, q := cfStrings(items...)
	return &cftypes.QueryStringNames{Items: it, Quantity: q}
}

type cfCacheSpec struct {
	id, name, comment       string
	min, def, max           int64
	headers                 []string
	cookies, queries        string // none | all | whitelist
	queryNames              []string
	gzip, brotli            bool
	headerBehaviorWhitelist bool
}

var cfManagedCacheSpecs = []cfCacheSpec{
	{id: "658327ea-f89d-4fab-a63d-7e88639e58f6", name: "Managed-CachingOptimized", comment: "Policy with caching enabled. Supports Gzip and Brotli compression.",
		min: 1, def: 86400, max: 31536000, cookies: "none", queries: "none", gzip: true, brotli: true},
	{id: "b2884449-e4de-46a7-ac36-70bc7f1ddd6d", name: "Managed-CachingOptimizedForUncompressedObjects", comment: "Default policy when compression is disabled",
		min: 1, def: 86400, max: 31536000, cookies: "none", queries: "none"},
	{id: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", name: "Managed-CachingDisabled", comment: "Policy with caching disabled",
		min: 0, def: 0, max: 0, cookies: "none", queries: "none"},
	{id: "08627262-05a9-4f76-9ded-b50ca2e3a84f", name: "Managed-Elemental-MediaPackage", comment: "Policy for Elemental MediaPackage Origin",
		min: 0, def: 86400, max: 31536000, headers: []string{"origin"}, headerBehaviorWhitelist: true, cookies: "none", queries: "whitelist",
		queryNames: []string{"aws.manifestfilter", "start", "end", "m"}, gzip: true},
	{id: "2e54312d-136d-493c-8eb9-b001f22f67d2", name: "Managed-Amplify", comment: "Policy for Amplify Origin",
		min: 2, def: 2, max: 31536000, headers: []string{"Authorization", "CloudFront-Viewer-Country", "Host"}, headerBehaviorWhitelist: true,
		cookies: "all", queries: "all", gzip: true, brotli: true},
	{id: "83da9c7e-98b4-4e11-a168-04f0df8e2c65", name: "UseOriginCacheControlHeaders", comment: "Policy for origins that return Cache-Control headers. Query strings are not included in the cache key.",
		min: 0, def: 0, max: 31536000, headers: []string{"host", "origin", "x-http-method-override", "x-http-method", "x-method-override"}, headerBehaviorWhitelist: true,
		cookies: "all", queries: "none", gzip: true, brotli: true},
	{id: "4cc15a8a-d715-48a4-82b8-cc0b614638fe", name: "UseOriginCacheControlHeaders-QueryStrings", comment: "Policy for origins that return Cache-Control headers and serve different content based on values present in the query string.",
		min: 0, def: 0, max: 31536000, headers: []string{"host", "origin", "x-http-method-override", "x-http-method", "x-method-override"}, headerBehaviorWhitelist: true,
		cookies: "all", queries: "all", gzip: true, brotli: true},
}

func (p cfCacheSpec) policy() *cftypes.CachePolicy {
	hb := cftypes.CachePolicyHeaderBehaviorNone
	var headers *cftypes.Headers
	if p.headerBehaviorWhitelist {
		hb = cftypes.CachePolicyHeaderBehaviorWhitelist
		headers = cfHeaders(p.headers...)
	}
	var qs *cftypes.QueryStringNames
	if len(p.queryNames) > 0 {
		qs = cfQueryNames(p.queryNames...)
	}
	return &cftypes.CachePolicy{
		Id:               aws.String(p.id),
		LastModifiedTime: aws.Time(cfManagedPolicyTime),
		CachePolicyConfig: &cftypes.CachePolicyConfig{
			Name: aws.String(p.name), Comment: aws.String(p.comment),
			MinTTL: aws.Int64(p.min), DefaultTTL: aws.Int64(p.def), MaxTTL: aws.Int64(p.max),
			ParametersInCacheKeyAndForwardedToOrigin: &cftypes.ParametersInCacheKeyAndForwardedToOrigin{
				EnableAcceptEncodingGzip:   aws.Bool(p.gzip),
				EnableAcceptEncodingBrotli: aws.Bool(p.brotli),
				HeadersConfig:              &cftypes.CachePolicyHeadersConfig{HeaderBehavior: hb, Headers: headers},
				CookiesConfig:              &cftypes.CachePolicyCookiesConfig{CookieBehavior: cftypes.CachePolicyCookieBehavior(p.cookies)},
				QueryStringsConfig:         &cftypes.CachePolicyQueryStringsConfig{QueryStringBehavior: cftypes.CachePolicyQueryStringBehavior(p.queries), QueryStrings: qs},
			},
		},
	}
}

type cfOriginRequestSpec struct {
	id, name, comment string
	headerBehavior    string
	headers           []string
	cookies, queries  string
}

var cfManagedOriginRequestSpecs = []cfOriginRequestSpec{
	{id: "216adef6-5c7f-47e4-b989-5492eafa07d3", name: "Managed-AllViewer", comment: "Policy to forward all parameters in viewer requests",
		headerBehavior: "allViewer", cookies: "all", queries: "all"},
	{id: "b689b0a8-53d0-40ab-baf2-68738e2966ac", name: "Managed-AllViewerExceptHostHeader", comment: "Policy to forward all parameters in viewer requests except for the Host header",
		headerBehavior: "allExcept", headers: []string{"host"}, cookies: "all", queries: "all"},
	{id: "33f36d7e-f396-46d9-90e0-52428a34d9dc", name: "Managed-AllViewerAndCloudFrontHeaders-2022-06", comment: "Policy to forward all parameters in viewer requests and all CloudFront headers that were released through June 2022",
		headerBehavior: "allViewerAndWhitelistCloudFront", headers: []string{
			"CloudFront-Viewer-Address", "CloudFront-Viewer-ASN", "CloudFront-Viewer-City", "CloudFront-Viewer-Country", "CloudFront-Viewer-Country-Name",
			"CloudFront-Viewer-Country-Region", "CloudFront-Viewer-Country-Region-Name", "CloudFront-Viewer-Http-Version", "CloudFront-Viewer-Latitude",
			"CloudFront-Viewer-Longitude", "CloudFront-Viewer-Metro-Code", "CloudFront-Viewer-Postal-Code", "CloudFront-Viewer-Time-Zone",
			"CloudFront-Viewer-TLS", "CloudFront-Forwarded-Proto", "CloudFront-Is-Android-Viewer", "CloudFront-Is-Desktop-Viewer",
			"CloudFront-Is-IOS-Viewer", "CloudFront-Is-Mobile-Viewer", "CloudFront-Is-SmartTV-Viewer", "CloudFront-Is-Tablet-Viewer",
			"CloudFront-Viewer-JA3-Fingerprint", "CloudFront-Viewer-Header-Order", "CloudFront-Viewer-Header-Count"},
		cookies: "all", queries: "all"},
	{id: "59781a5b-3903-41f3-afcb-af62929ccde1", name: "Managed-CORS-CustomOrigin", comment: "Policy for origin with CORS",
		headerBehavior: "whitelist", headers: []string{"origin"}, cookies: "none", queries: "none"},
	{id: "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", name: "Managed-CORS-S3Origin", comment: "Policy for S3 origin with CORS",
		headerBehavior: "whitelist", headers: []string{"origin", "access-control-request-headers", "access-control-request-method"}, cookies: "none", queries: "none"},
	{id: "775133bc-15f2-49f9-abea-afb2e0bf67d2", name: "Managed-Elemental-MediaTailor-PersonalizedManifests", comment: "Policy for Elemental MediaTailor Personalized Manifests",
		headerBehavior: "whitelist", headers: []string{"origin", "access-control-request-headers", "x-forwarded-for", "access-control-request-method", "user-agent"}, cookies: "none", queries: "all"},
	{id: "acba4595-bd28-49b8-b9fe-13317c0390fa", name: "Managed-UserAgentRefererHeaders", comment: "Policy for forwarding user-agent and referer headers",
		headerBehavior: "whitelist", headers: []string{"user-agent", "referer"}, cookies: "none", queries: "all"},
}

func (p cfOriginRequestSpec) policy() *cftypes.OriginRequestPolicy {
	var headers *cftypes.Headers
	if len(p.headers) > 0 {
		headers = cfHeaders(p.headers...)
	}
	return &cftypes.OriginRequestPolicy{
		Id:               aws.String(p.id),
		LastModifiedTime: aws.Time(cfManagedPolicyTime),
		OriginRequestPolicyConfig: &cftypes.OriginRequestPolicyConfig{
			Name: aws.String(p.name), Comment: aws.String(p.comment),
			HeadersConfig:      &cftypes.OriginRequestPolicyHeadersConfig{HeaderBehavior: cftypes.OriginRequestPolicyHeaderBehavior(p.headerBehavior), Headers: headers},
			CookiesConfig:      &cftypes.OriginRequestPolicyCookiesConfig{CookieBehavior: cftypes.OriginRequestPolicyCookieBehavior(p.cookies)},
			QueryStringsConfig: &cftypes.OriginRequestPolicyQueryStringsConfig{QueryStringBehavior: cftypes.OriginRequestPolicyQueryStringBehavior(p.queries)},
		},
	}
}

type cfResponseHeadersSpec struct {
	id, name, comment string
	cors, preflight   bool
	security          bool
}

var cfManagedResponseHeadersSpecs = []cfResponseHeadersSpec{
	{id: "60669652-455b-4ae9-85a4-c4c02393f86c", name: "Managed-SimpleCORS", comment: "Allows all origins for simple CORS requests", cors: true},
	{id: "5cc3b908-e619-4b99-88e5-2cf7f45965bd", name: "Managed-CORS-With-Preflight", comment: "Allows all origins for CORS requests, including preflight requests", cors: true, preflight: true},
	{id: "67f7725c-6f97-4210-82d7-5512b31e9d03", name: "Managed-SecurityHeadersPolicy", comment: "Adds a set of security headers to every response", security: true},
	{id: "e61eb60c-9c35-4d20-a928-2b84e02af89c", name: "Managed-CORS-and-SecurityHeadersPolicy", comment: "Allows all origins for simple CORS requests and adds security headers", cors: true, security: true},
	{id: "eaab4381-ed33-4a86-88ca-d9558dc6cd63", name: "Managed-CORS-with-preflight-and-SecurityHeadersPolicy", comment: "Allows all origins for CORS requests, including preflight requests, and adds security headers", cors: true, preflight: true, security: true},
}

func (p cfResponseHeadersSpec) policy() *cftypes.ResponseHeadersPolicy {
	cfg := &cftypes.ResponseHeadersPolicyConfig{Name: aws.String(p.name), Comment: aws.String(p.comment)}
	if p.cors {
		methods := []cftypes.ResponseHeadersPolicyAccessControlAllowMethodsValues{"GET", "HEAD"}
		headers := []string{"*"}
		if p.preflight {
			methods = []cftypes.ResponseHeadersPolicyAccessControlAllowMethodsValues{"ALL"}
		}
		cfg.CorsConfig = &cftypes.ResponseHeadersPolicyCorsConfig{
			AccessControlAllowCredentials: aws.Bool(false),
			AccessControlAllowHeaders:     &cftypes.ResponseHeadersPolicyAccessControlAllowHeaders{Items: headers, Quantity: aws.Int32(1)},
			AccessControlAllowMethods:     &cftypes.ResponseHeadersPolicyAccessControlAllowMethods{Items: methods, Quantity: aws.Int32(int32(len(methods)))},
			AccessControlAllowOrigins:     &cftypes.ResponseHeadersPolicyAccessControlAllowOrigins{Items: []string{"*"}, Quantity: aws.Int32(1)},
			AccessControlExposeHeaders:    &cftypes.ResponseHeadersPolicyAccessControlExposeHeaders{Items: []string{"*"}, Quantity: aws.Int32(1)},
			OriginOverride:                aws.Bool(false),
		}
	}
	if p.security {
		cfg.SecurityHeadersConfig = &cftypes.ResponseHeadersPolicySecurityHeadersConfig{
			ContentTypeOptions: &cftypes.ResponseHeadersPolicyContentTypeOptions{Override: aws.Bool(false)},
			FrameOptions:       &cftypes.ResponseHeadersPolicyFrameOptions{FrameOption: cftypes.FrameOptionsListSameorigin, Override: aws.Bool(false)},
			ReferrerPolicy:     &cftypes.ResponseHeadersPolicyReferrerPolicy{ReferrerPolicy: cftypes.ReferrerPolicyListStrictOriginWhenCrossOrigin, Override: aws.Bool(false)},
			StrictTransportSecurity: &cftypes.ResponseHeadersPolicyStrictTransportSecurity{
				AccessControlMaxAgeSec: aws.Int32(31536000), IncludeSubdomains: aws.Bool(false), Preload: aws.Bool(false), Override: aws.Bool(false)},
			XSSProtection: &cftypes.ResponseHeadersPolicyXSSProtection{Protection: aws.Bool(true), ModeBlock: aws.Bool(true), Override: aws.Bool(false)},
		}
	}
	return &cftypes.ResponseHeadersPolicy{Id: aws.String(p.id), LastModifiedTime: aws.Time(cfManagedPolicyTime), ResponseHeadersPolicyConfig: cfg}
}

// cfManagedETag is the fixed version identifier of a managed policy.
func cfManagedETag(id string) string {
	return "E" + upperHex(id)[:13]
}

func upperHex(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z':
			out = append(out, ch-32)
		case ch >= '0' && ch <= '9', ch >= 'A' && ch <= 'Z':
			out = append(out, ch)
		}
	}
	return string(out)
}
