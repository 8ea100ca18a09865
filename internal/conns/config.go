// Package conns builds the AWS configuration and service clients once, in the
// provider's Configure, from the provider block, the environment and the
// shared config files, the same way the AWS provider resolves them.
package conns

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
)

// Services whose endpoints can be overridden in the provider's endpoints block.
var Services = []string{"acm", "cloudfront", "ec2", "efs", "elbv2", "iam", "route53", "servicequotas", "ssm", "sts", "wafv2"}

// Config is the provider configuration, free of Terraform types.
type Config struct {
	Region                    string
	Profile                   string
	SharedConfigFiles         []string
	SharedCredentialsFiles    []string
	AccessKey, SecretKey      string
	Token                     string
	AssumeRole                *AssumeRole
	WebIdentity               *WebIdentity
	MaxRetries                int
	RetryMode                 string
	DefaultTags               map[string]string
	Endpoints                 map[string]string
	SkipCredentialsValidation bool
	SkipRequestingAccountID   bool
	UserAgent                 string

	// PollCap caps every waiter's poll interval: max_poll_interval, for
	// endpoints whose operations finish faster than AWS's (and tests).
	PollCap time.Duration
	// Test seam (never set from HCL): cap the SDK's retry backoff, so tests
	// against a fast emulator do not sleep.
	RetryMaxBackoff time.Duration
	// WaitClock and WaitSpeed run every waiter on a dilated clock (an
	// emulator's virtual clock going WaitSpeed times faster than real
	// time), so a benchmark sees the real poll schedules; WaitSleep, when
	// set, sleeps on that clock.
	WaitClock func() time.Time
	WaitSleep func(ctx context.Context, d time.Duration) error
	WaitSpeed float64
	// LeaseTTL shortens a create's lease on its deployment name (tests that
	// kill a create must not wait minutes for it to expire).
	LeaseTTL time.Duration
	// TimeoutDivisor divides the operation timeouts (tests of a wait that
	// never ends run for seconds, not minutes; zero: as configured).
	TimeoutDivisor int
}

// AssumeRole is the assume_role block.
type AssumeRole struct {
	RoleARN, SessionName, ExternalID string
	Duration                         time.Duration
}

// WebIdentity is the assume_role_with_web_identity block.
type WebIdentity struct {
	RoleARN, SessionName string
	Token, TokenFile     string
	Duration             time.Duration
}

// ConfigError is a configuration problem tied to a provider argument, so the
// provider can report it on that attribute.
type ConfigError struct {
	Attribute string // provider argument, "" when it concerns the whole block
	Summary   string
	Detail    string
	Err       error
}

func (e *ConfigError) Error() string { return e.Summary + ": " + e.Detail }
func (e *ConfigError) Unwrap() error { return e.Err }

const defaultSessionName = "terraform-provider-geusemaker"

// Build resolves credentials and region, validates them unless told not to,
// and returns the client factory every resource uses.
func (c *Config) Build(ctx context.Context) (*AWSClient, error) {
	for svc, ep := range c.Endpoints {
		if ep == "" {
			continue
		}
		u, err := url.Parse(ep)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, &ConfigError{Attribute: "endpoints." + svc, Summary: "Invalid endpoint URL",
				Detail: fmt.Sprintf("%q is not an absolute URL such as https://ec2.eu-west-1.amazonaws.com or http://127.0.0.1:4566.", ep)}
		}
	}
	for attr, files := range map[string][]string{"shared_config_files": c.SharedConfigFiles, "shared_credentials_files": c.SharedCredentialsFiles} {
		for _, f := range files {
			if _, err := os.Stat(f); err != nil {
				// The SDK silently skips missing files; a file named explicitly
				// is a mistake worth reporting.
				return nil, &ConfigError{Attribute: attr, Summary: "Shared AWS file not readable", Detail: err.Error(), Err: err}
			}
		}
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		attr := "secret_key"
		if c.AccessKey == "" {
			attr = "access_key"
		}
		return nil, &ConfigError{Attribute: attr, Summary: "Incomplete static credentials",
			Detail: "access_key and secret_key must be set together (token is optional)."}
	}

	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(c.retryer),
		config.WithAPIOptions([]func(*middleware.Stack) error{addLogging}),
	}
	if c.UserAgent != "" {
		opts = append(opts, config.WithAppID(c.UserAgent))
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if len(c.SharedConfigFiles) > 0 {
		opts = append(opts, config.WithSharedConfigFiles(c.SharedConfigFiles))
	}
	if len(c.SharedCredentialsFiles) > 0 {
		opts = append(opts, config.WithSharedCredentialsFiles(c.SharedCredentialsFiles))
	}
	if c.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, c.Token)))
	}
	// cfg is filled in by LoadDefaultConfig below; the lazy STS client reads
	// it when the credential chain first calls STS, which is after loading.
	var cfg aws.Config
	if ep := c.Endpoints["sts"]; ep != "" {
		// The SDK's own web identity and assume-role chains (env vars, shared
		// config) must reach STS at the configured endpoint too.
		opts = append(opts,
			config.WithWebIdentityRoleCredentialOptions(func(o *stscreds.WebIdentityRoleOptions) {
				if o.Client == nil {
					o.Client = lazyWebIdentitySTS{cfg: &cfg, c: c}
				} else {
					o.Client = webIdentityEndpoint{o.Client, ep}
				}
			}),
			config.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
				o.Client = assumeRoleEndpoint{o.Client, ep}
			}),
		)
	}

	loaded, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, loadError(err)
	}
	cfg = loaded
	cfg.HTTPClient = WrapHTTPClient(cfg.HTTPClient)
	if cfg.Region == "" {
		return nil, &ConfigError{Attribute: "region", Summary: "Missing AWS region",
			Detail: "Set region in the provider block, the AWS_REGION environment variable, or a region in the shared config profile."}
	}

	if w := c.WebIdentity; w != nil {
		var tok stscreds.IdentityTokenRetriever = stscreds.IdentityTokenFile(w.TokenFile)
		if w.Token != "" {
			tok = staticToken(w.Token)
		}
		p := stscreds.NewWebIdentityRoleProvider(c.anonymousSTS(cfg), w.RoleARN, tok, func(o *stscreds.WebIdentityRoleOptions) {
			o.RoleSessionName = orDefault(w.SessionName, defaultSessionName)
			if w.Duration > 0 {
				o.Duration = w.Duration
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(p)
	}
	if a := c.AssumeRole; a != nil {
		stsClient := sts.NewFromConfig(cfg, c.endpointFor("sts"))
		p := stscreds.NewAssumeRoleProvider(stsClient, a.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = orDefault(a.SessionName, defaultSessionName)
			if a.ExternalID != "" {
				o.ExternalID = aws.String(a.ExternalID)
			}
			if a.Duration > 0 {
				o.Duration = a.Duration
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(p)
	}

	client := newAWSClient(cfg, c)
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, credentialError(c, err)
	}
	return client, nil
}

func (c *Config) retryer() aws.Retryer {
	mode := c.RetryMode
	maxAttempts := c.MaxRetries
	if maxAttempts <= 0 {
		maxAttempts = 25
	}
	std := func(o *awsretry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		// The client-side retry quota would fail a long apply outright after
		// a burst of throttling; the backoff alone paces the retries.
		o.RateLimiter = ratelimit.None
		o.Retryables = append([]awsretry.IsErrorRetryable{notRetried}, o.Retryables...)
		if c.RetryMaxBackoff > 0 {
			o.MaxBackoff = c.RetryMaxBackoff
			o.Backoff = awsretry.NewExponentialJitterBackoff(c.RetryMaxBackoff)
		}
	}
	if mode == string(aws.RetryModeAdaptive) {
		return awsretry.NewAdaptiveMode(func(o *awsretry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, std)
		})
	}
	return awsretry.NewStandard(std)
}

// notRetriedCodes are server errors the SDK would retry that a retry in
// place cannot fix. InsufficientInstanceCapacity (HTTP 500) means the zone
// has no capacity for the type: retrying the same RunInstances or
// StartInstances there only delays the failure by minutes, while the caller
// can try another zone or market at once.
var notRetriedCodes = map[string]bool{"InsufficientInstanceCapacity": true}

var notRetried = awsretry.IsErrorRetryableFunc(func(err error) aws.Ternary {
	if notRetriedCodes[errs.Code(err)] {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})

func (c *Config) endpointFor(svc string) func(*sts.Options) {
	return func(o *sts.Options) {
		if ep := c.Endpoints[svc]; ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	}
}

// anonymousSTS is the client for AssumeRoleWithWebIdentity, which AWS serves
// unsigned; it shares the loaded HTTP client (custom CA bundles included).
func (c *Config) anonymousSTS(cfg aws.Config) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Credentials = aws.AnonymousCredentials{}
		if ep := c.Endpoints["sts"]; ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
	})
}

// lazyWebIdentitySTS builds the web identity STS client from the loaded
// configuration at its first use.
type lazyWebIdentitySTS struct {
	cfg *aws.Config
	c   *Config
}

func (l lazyWebIdentitySTS) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return l.c.anonymousSTS(*l.cfg).AssumeRoleWithWebIdentity(ctx, in, optFns...)
}

type staticToken string

func (t staticToken) GetIdentityToken() ([]byte, error) { return []byte(t), nil }

type webIdentityEndpoint struct {
	inner    stscreds.AssumeRoleWithWebIdentityAPIClient
	endpoint string
}

func (w webIdentityEndpoint) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return w.inner.AssumeRoleWithWebIdentity(ctx, in, append(optFns, func(o *sts.Options) { o.BaseEndpoint = aws.String(w.endpoint) })...)
}

type assumeRoleEndpoint struct {
	inner    stscreds.AssumeRoleAPIClient
	endpoint string
}

func (a assumeRoleEndpoint) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return a.inner.AssumeRole(ctx, in, append(optFns, func(o *sts.Options) { o.BaseEndpoint = aws.String(a.endpoint) })...)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func loadError(err error) error {
	var noProfile config.SharedConfigProfileNotExistError
	if errors.As(err, &noProfile) {
		return &ConfigError{Attribute: "profile", Summary: "AWS profile not found",
			Detail: fmt.Sprintf("Profile %q is not in the shared config or credentials files (%v). Check profile, shared_config_files and shared_credentials_files.", noProfile.Profile, noProfile.Filename), Err: err}
	}
	return &ConfigError{Summary: "Cannot load the AWS configuration", Detail: err.Error(), Err: err}
}

func credentialError(c *Config, err error) error {
	detail := err.Error()
	attr := ""
	switch {
	case c.WebIdentity != nil:
		attr = "assume_role_with_web_identity"
	case c.AssumeRole != nil:
		attr = "assume_role"
	}
	if code := errs.Code(err); code != "" {
		detail = fmt.Sprintf("%s: %s", code, errs.Message(err))
	}
	return &ConfigError{Attribute: attr, Summary: "No valid AWS credentials",
		Detail: detail + "\n\nThe provider looks for credentials in the provider block (access_key/secret_key, assume_role, assume_role_with_web_identity), the AWS_* environment variables (including AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE), and the shared config and credentials files (profile, shared_config_files, shared_credentials_files). In HCP Terraform, enable dynamic credentials and pass var.tfc_aws_dynamic_credentials.default.shared_config_file in shared_config_files.",
		Err:    err}
}
