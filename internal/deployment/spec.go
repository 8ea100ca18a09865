// Package deployment orchestrates a GeuseMaker deployment on AWS: the desired
// Spec, the observed State, the step graphs that create, reconcile and tear
// down each tier, discovery by tag, and the GPU logic. It knows nothing of
// Terraform; internal/provider translates to and from it.
package deployment

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// Tiers, by the GeuseMaker CLI's names for them. What a tier contains is
// for package tier to say: ask Spec.HasLoadBalancer and Spec.HasCDN rather
// than comparing numbers. (TierGPU is the CLI's name for the CloudFront
// tier; GPUs are Spec.GPU, on any tier.)
const (
	TierDev        = tier.Min
	TierAutomation = tier.LoadBalanced
	TierGPU        = tier.CDN
	MaxTier        = tier.Max
)

// HasLoadBalancer reports whether the spec's tier has a load balancer.
func (s *Spec) HasLoadBalancer() bool { return tier.Tier(s.Tier).HasLoadBalancer() }

// HasCDN reports whether the spec's tier has CloudFront.
func (s *Spec) HasCDN() bool { return tier.Tier(s.Tier).HasCDN() }

// Defaults for inputs the user leaves unset.
const (
	DefaultInstanceType      = "t3.large"
	DefaultGPUInstanceType   = "g5.xlarge"
	DefaultRootVolumeGiB     = 100
	DefaultVPCCIDR           = "10.0.0.0/16"
	DefaultSSLPolicy         = "ELBSecurityPolicy-TLS13-1-2-2021-06"
	DefaultIdleTimeout       = 300
	DefaultHealthCheckPath   = "/healthz"
	DefaultPriceClass        = "PriceClass_100"
	DefaultOriginReadTimeout = 60
	OriginVerifyHeader       = "X-Origin-Verify"
)

// Spec is the desired deployment.
type Spec struct {
	Name         string
	Region       string
	Tier         int
	InstanceType string
	// GPU says the workload uses NVIDIA GPUs (the instance type must have them).
	GPU           bool
	AMIID         string // "" resolves the Ubuntu or Deep Learning AMI from SSM
	KeyName       string
	RootVolumeGiB int32
	VPCID         string   // "" creates a dedicated VPC
	SubnetIDs     []string // with VPCID: the public subnets to use
	VPCCIDR       string   // for a dedicated VPC
	AllowedCIDRs  []string
	SSHCIDRs      []string
	EFS           EFSSpec
	Services      []string
	Models        []string
	LoadBalancer  LoadBalancerSpec
	CDN           CDNSpec
	Capacity      CapacitySpec
	// Domain is a custom domain whose certificates and records the
	// deployment makes (domain.go); zero when the user brings their own.
	Domain         DomainSpec
	WaitForReady   bool
	RollbackOnFail bool
	// OwnerEmail is the n8n owner's login ("" is DefaultOwnerEmail).
	OwnerEmail string
	// CredentialsRotation: a value other than the one the credentials were
	// generated under regenerates them (and so replaces the instance).
	CredentialsRotation string
	// VerifyReachability checks after the apply that the public URL answers
	// its health path (and, with origin protection, that the load balancer
	// refuses a direct request): see reachability.go.
	VerifyReachability bool
	// Tags are the user's tags (provider default_tags merged under the
	// resource's own); the deployment adds its geusemaker:* tags.
	Tags map[string]string
	// Timeout bounds the whole operation.
	Timeout time.Duration
}

// EFSSpec configures the file system.
type EFSSpec struct {
	PerformanceMode string // generalPurpose | maxIO
	ThroughputMode  string // bursting | elastic
	RetainOnDelete  bool
}

// LoadBalancerSpec configures the ALB (tier ≥ 2).
type LoadBalancerSpec struct {
	CertificateARN     string
	DomainName         string
	SSLPolicy          string
	IdleTimeoutSeconds int32
	HealthCheckPath    string
	DeletionProtection bool
}

// HTTPS reports whether the ALB terminates TLS.
func (l LoadBalancerSpec) HTTPS() bool { return l.CertificateARN != "" }

// CDNSpec configures CloudFront (tier 3).
type CDNSpec struct {
	PriceClass               string
	Aliases                  []string
	CertificateARN           string // ACM, us-east-1
	OriginReadTimeoutSeconds int32
	WebACLID                 string
	WaitForDeployment        bool
	RetainOnDelete           bool
	RestrictOrigin           bool
}

// FieldError is an invalid input, named by its attribute path.
type FieldError struct {
	Path    string // e.g. "load_balancer.certificate_arn"
	Summary string
	Detail  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Detail }

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,26}[a-z0-9]$`)

// MaxNameLength keeps every derived name within AWS limits: the ALB and the
// target group ("<name>-alb", "<name>-tg") must fit in 32 characters.
const MaxNameLength = 28

// ValidateName checks a deployment name.
func ValidateName(name string) error {
	switch {
	case len(name) > MaxNameLength:
		return fmt.Errorf("%q is %d characters; at most %d fit the load balancer and target group names (%q is the longest derived name)", name, len(name), MaxNameLength, name+"-alb")
	case !namePattern.MatchString(name):
		return fmt.Errorf("%q must be 2-%d characters: lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen", name, MaxNameLength)
	case strings.Contains(name, "--"):
		return fmt.Errorf("%q must not contain consecutive hyphens", name)
	case strings.HasPrefix(name, "internal-"):
		return fmt.Errorf("%q must not start with \"internal-\" (reserved by Elastic Load Balancing)", name)
	case strings.HasPrefix(name, "sg-"):
		// The security groups are named "<name>-instance" etc.
		return fmt.Errorf("%q must not start with \"sg-\" (EC2 reserves it for security group ids and refuses group names that start with it)", name)
	}
	return nil
}

// Validate checks the parts of a spec that need no AWS call. It returns
// every problem, each tied to its attribute.
func (s *Spec) Validate() []*FieldError {
	var errs []*FieldError
	add := func(path, summary, format string, args ...any) {
		errs = append(errs, &FieldError{Path: path, Summary: summary, Detail: fmt.Sprintf(format, args...)})
	}
	if err := ValidateName(s.Name); err != nil {
		add("name", "Invalid deployment name", "%v.", err)
	}
	if !tier.Tier(s.Tier).Valid() {
		add("tier", "Invalid tier", "tier must be 1 (instance + EFS), 2 (+ load balancer) or 3 (+ CloudFront), got %d.", s.Tier)
	}
	for i, c := range s.AllowedCIDRs {
		if _, _, err := net.ParseCIDR(c); err != nil || strings.Contains(c, ":") {
			add(fmt.Sprintf("allowed_cidr_blocks[%d]", i), "Invalid CIDR block", "%q is not an IPv4 CIDR block such as 203.0.113.0/24.", c)
		} else if fe := hostBits(fmt.Sprintf("allowed_cidr_blocks[%d]", i), c); fe != nil {
			errs = append(errs, fe)
		}
	}
	for i, c := range s.SSHCIDRs {
		if _, _, err := net.ParseCIDR(c); err != nil || strings.Contains(c, ":") {
			add(fmt.Sprintf("ssh_cidr_blocks[%d]", i), "Invalid CIDR block", "%q is not an IPv4 CIDR block such as 203.0.113.7/32.", c)
		} else if fe := hostBits(fmt.Sprintf("ssh_cidr_blocks[%d]", i), c); fe != nil {
			errs = append(errs, fe)
		}
	}
	if s.VPCID == "" && len(s.SubnetIDs) > 0 {
		add("subnet_ids", "Subnets without a VPC", "subnet_ids needs vpc_id: set both to deploy into an existing VPC, or neither to let the deployment create one.")
	}
	if s.VPCID != "" {
		need := 1
		if s.HasLoadBalancer() {
			need = 2
		}
		if len(s.SubnetIDs) < need {
			add("subnet_ids", "Not enough subnets", "With vpc_id, tier %d needs at least %d public subnet(s) in distinct availability zones; got %d.", s.Tier, need, len(s.SubnetIDs))
		}
	}
	if s.VPCID == "" {
		if _, n, err := net.ParseCIDR(s.VPCCIDR); err != nil {
			add("vpc_cidr", "Invalid VPC CIDR", "%q is not an IPv4 CIDR block.", s.VPCCIDR)
		} else if ones, _ := n.Mask.Size(); ones < 16 || ones > 24 {
			add("vpc_cidr", "Invalid VPC CIDR", "%q must be between /16 and /24 so two /26 public subnets fit.", s.VPCCIDR)
		} else if fe := hostBits("vpc_cidr", s.VPCCIDR); fe != nil {
			errs = append(errs, fe)
		}
	}
	if s.RootVolumeGiB < 30 || s.RootVolumeGiB > 16384 {
		add("root_volume_size", "Invalid root volume size", "root_volume_size must be between 30 and 16384 GiB (the stack's images need about 20 GiB), got %d.", s.RootVolumeGiB)
	}
	if !s.HasLoadBalancer() && s.LoadBalancer.CertificateARN != "" {
		add("load_balancer.certificate_arn", "Load balancer settings on tier 1", "Tier 1 has no load balancer; set tier = 2 or 3 to use certificate_arn.")
	}
	if s.LoadBalancer.DomainName != "" && s.LoadBalancer.CertificateARN == "" && !s.Domain.Enabled() {
		where := "the deployment's region"
		if s.Region != "" {
			where = s.Region
		}
		add("load_balancer.domain_name", "Domain without certificate", "domain_name is served over HTTPS and needs load_balancer.certificate_arn (an ACM certificate in %s covering it).", where)
	}
	if s.LoadBalancer.IdleTimeoutSeconds < 1 || s.LoadBalancer.IdleTimeoutSeconds > 4000 {
		add("load_balancer.idle_timeout_seconds", "Invalid idle timeout", "idle_timeout_seconds must be between 1 and 4000, got %d.", s.LoadBalancer.IdleTimeoutSeconds)
	}
	if p := s.LoadBalancer.HealthCheckPath; !strings.HasPrefix(p, "/") || len(p) > 1024 {
		add("load_balancer.health_check_path", "Invalid health check path", "health_check_path must start with / and be at most 1024 characters, got %q.", p)
	}
	if len(s.CDN.Aliases) > 0 && s.CDN.CertificateARN == "" && !s.Domain.Enabled() {
		add("cdn.aliases", "Aliases without certificate", "CloudFront serves aliases only with an ACM certificate in us-east-1 that covers them: set cdn.certificate_arn.")
	}
	if arn := s.CDN.CertificateARN; arn != "" && ARNRegion(arn) != "us-east-1" {
		add("cdn.certificate_arn", "CloudFront certificate outside us-east-1", "CloudFront only uses ACM certificates from us-east-1; %s is in %q. Request or import the certificate in us-east-1.", arn, ARNRegion(arn))
	}
	if arn := s.LoadBalancer.CertificateARN; arn != "" && ARNRegion(arn) != s.Region {
		add("load_balancer.certificate_arn", "Certificate in another region", "The load balancer can only use an ACM certificate from its own region %s; %s is in %q.", s.Region, arn, ARNRegion(arn))
	}
	errs = append(errs, s.Domain.validate(s)...)
	if s.HasCDN() && !s.CDN.RestrictOrigin && len(s.AllowedCIDRs) == 0 {
		add("cdn.restrict_origin", "Load balancer unreachable", "With restrict_origin = false the load balancer admits only allowed_cidr_blocks, which is empty, so CloudFront could not reach it. Keep restrict_origin = true (only CloudFront may reach the load balancer) or set allowed_cidr_blocks.")
	}
	if s.HasCDN() && s.lbHTTPS() && s.lbDomainName() == "" {
		// CloudFront would reach the load balancer on port 80, whose listener
		// redirects to https://#{host}: CloudFront's own name, for ever.
		add("load_balancer.domain_name", "Certificate without domain name in tier 3",
			"In tier 3 CloudFront reaches the load balancer over HTTPS only at load_balancer.domain_name, a name the certificate covers (the load balancer's own *.elb.amazonaws.com name cannot be validated). Without it CloudFront would connect on port 80, whose listener redirects every request to HTTPS on the host it was asked for — the CloudFront domain — in an endless loop. Set load_balancer.domain_name to a name the certificate covers and point it at the load balancer, or remove load_balancer.certificate_arn: viewers still get HTTPS from CloudFront, which then reaches the load balancer over HTTP with the origin secret.")
	}
	if id := s.CDN.WebACLID; id != "" && !WebACLARNPattern.MatchString(id) {
		why := "It must be the ARN of a WAFv2 web ACL of scope CLOUDFRONT, such as arn:aws:wafv2:us-east-1:123456789012:global/webacl/my-acl/a1b2c3d4-5678-90ab-cdef-111122223333 (WAF Classic ids are not supported)."
		if strings.Contains(id, ":regional/webacl/") {
			why = "It is a REGIONAL web ACL, which cannot protect CloudFront: create the web ACL with scope CLOUDFRONT (in us-east-1) and use its ARN (…:global/webacl/…)."
		} else if strings.Contains(id, ":global/webacl/") && !strings.Contains(id, ":us-east-1:") {
			why = "Web ACLs of scope CLOUDFRONT live in us-east-1: their ARN is arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>."
		}
		add("cdn.web_acl_id", "Invalid web ACL", "%q is not a CloudFront web ACL ARN. %s", id, why)
	}
	if t := s.CDN.OriginReadTimeoutSeconds; t < 1 || t > 180 {
		add("cdn.origin_read_timeout_seconds", "Invalid origin read timeout", "origin_read_timeout_seconds must be between 1 and 180 (above 60 needs a CloudFront quota increase), got %d.", t)
	}
	if m := s.Capacity.Market; m != "" && m != MarketOnDemand && m != MarketSpot {
		add("capacity.market", "Invalid market", "capacity.market must be %q or %q, got %q.", MarketOnDemand, MarketSpot, m)
	}
	if p := s.Capacity.MaxSpotPrice; p < 0 || (p > 0 && !s.Capacity.Spot()) {
		add("capacity.max_spot_price", "Spot price cap without Spot", "capacity.max_spot_price caps the hourly Spot price and applies only with capacity.market = %q; it must be positive.", MarketSpot)
	}
	if slices.Contains(s.Services, userdata.ServiceN8N) {
		if err := userdata.CheckCredential(userdata.ParamN8NOwnerEmail, s.ownerEmail()); err != nil {
			add("n8n_owner_email", "Invalid owner email", "%v.", err)
		}
	}
	if r := s.CredentialsRotation; r != "" && !RotationPattern.MatchString(r) {
		add("credentials_rotation", "Invalid credentials rotation value", "credentials_rotation is stored as a tag value: use 1-256 characters from letters, digits, spaces and _ . : / = + @ -, got %q.", r)
	}
	if !slices.Contains([]string{"PriceClass_100", "PriceClass_200", "PriceClass_All"}, s.CDN.PriceClass) {
		add("cdn.price_class", "Invalid price class", "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All, got %q.", s.CDN.PriceClass)
	}
	return errs
}

// HostBits refuses a CIDR block whose address has bits outside its prefix
// (10.0.0.1/16): AWS takes only the network address.
func HostBits(path, c string) *FieldError { return hostBits(path, c) }

func hostBits(path, c string) *FieldError {
	ip, n, err := net.ParseCIDR(c)
	if err != nil {
		return nil //nolint:nilerr // a malformed block is Validate's other error
	}
	if ip.Equal(n.IP) {
		return nil
	}
	ones, _ := n.Mask.Size()
	detail := fmt.Sprintf("%q has host bits set: AWS accepts only a network address. Use %q, the /%d network %s belongs to", c, n.String(), ones, ip)
	if ones != 32 && !strings.HasPrefix(path, "vpc_cidr") {
		detail += fmt.Sprintf(", or %q for that one address", ip.String()+"/32")
	}
	return &FieldError{Path: path, Summary: "CIDR block with host bits", Detail: detail + "."}
}

// ARNRegion returns the region field of an ARN ("" for global ARNs or
// malformed input).
func ARNRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}
