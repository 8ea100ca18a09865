package provider

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

var (
	regionPattern      = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$`)
	roleARNPattern     = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

// regionValidator accepts AWS region names.
func regionValidator() validator.String {
	return stringvalidator.RegexMatches(regionPattern, "must be an AWS region name such as us-east-1 or eu-west-2")
}

// roleARNValidator accepts IAM role ARNs.
func roleARNValidator() validator.String {
	return stringvalidator.RegexMatches(roleARNPattern, "must be an IAM role ARN such as arn:aws:iam::123456789012:role/deployer")
}

// sessionNameValidator accepts STS role session names.
func sessionNameValidator() validator.String {
	return stringvalidator.RegexMatches(sessionNamePattern, "must be 2-64 characters of letters, digits and +=,.@_-")
}

// durationBetween accepts Go durations between min and max seconds.
func durationBetween(minSeconds, maxSeconds int) validator.String {
	return durationValidator{min: time.Duration(minSeconds) * time.Second, max: time.Duration(maxSeconds) * time.Second}
}

type durationValidator struct{ min, max time.Duration }

func (v durationValidator) Description(context.Context) string {
	return fmt.Sprintf("must be a duration such as 1h or 45m between %s and %s", v.min, v.max)
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < v.min || d > v.max {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}

// tagMapValidators enforce AWS's tag rules: keys of 1-128 characters not
// starting with "aws:", values of at most 256 characters, both of the
// characters every tagged service accepts, and at most 40 tags
// (AWS allows 50; the provider adds its own geusemaker:* tags). Keys must
// also suit the instance, whose tags are in its metadata (instanceTagKey):
// resource tags and provider default_tags both reach it.
func tagMapValidators() []validator.Map {
	return []validator.Map{
		mapvalidator.SizeAtMost(40),
		mapvalidator.KeysAre(
			stringvalidator.LengthBetween(1, 128),
			stringvalidator.RegexMatches(regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`), "may contain only letters, digits, spaces and _.:/=+-@"),
			instanceTagKey{},
			notPrefix("aws:"),
			notPrefix("geusemaker:"),
		),
		// EC2 takes any value; IAM, EFS, ELB, CloudFront and SSM only these.
		mapvalidator.ValueStringsAre(stringvalidator.LengthAtMost(256),
			stringvalidator.RegexMatches(regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`), "may contain only letters, digits, spaces and _.:/=+-@ (IAM, EFS, Elastic Load Balancing, CloudFront and SSM refuse other characters)")),
	}
}

// metadataTagKey is what EC2 allows as an instance tag key while the
// instance's tags are visible in instance metadata.
var metadataTagKey = regexp.MustCompile(`^[0-9a-zA-Z\-_+=,.@:]+$`)

// instanceTagKey refuses tag keys EC2 rejects on an instance whose tags are
// in its metadata (RunInstances and CreateTags fail with
// InvalidParameterValue): only letters, digits and -_+=,.@: and not ".",
// ".." or "_index". The deployment keeps metadata tags on because the
// instance reads its public URL from a tag; and every tag is applied to the
// instance too, so cost allocation by tag covers its largest cost. So the
// key is refused at plan time rather than left off the instance.
type instanceTagKey struct{}

func (instanceTagKey) Description(context.Context) string {
	return "may contain only letters, digits and -_+=,.@: (instance tags are visible in instance metadata)"
}

func (v instanceTagKey) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (instanceTagKey) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	k := req.ConfigValue.ValueString()
	if metadataTagKey.MatchString(k) && k != "." && k != ".." && k != "_index" {
		return
	}
	detail := fmt.Sprintf("Tag key %q cannot be used: the deployment's tags also go on its EC2 instance, whose tags are visible in instance metadata (the instance reads its public URL from a tag), and EC2 then accepts only letters, digits and - _ + = , . @ : in tag keys, and not \".\", \"..\" or \"_index\".", k)
	if s := suggestTagKey(k); s != "" && s != k {
		detail += fmt.Sprintf(" Use %q instead.", s)
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Tag key not allowed on the instance", detail)
}

// suggestTagKey rewrites a key into one EC2 accepts on the instance:
// slashes become colons, other characters hyphens.
func suggestTagKey(k string) string {
	var b strings.Builder
	for _, r := range k {
		switch {
		case r < 128 && r != ',' && metadataTagKey.MatchString(string(r)):
			// (a comma suits the instance, not IAM, EFS or ELB)
			b.WriteRune(r)
		case r == '/':
			b.WriteRune(':')
		default:
			b.WriteRune('-')
		}
	}
	s := b.String()
	if s == "." || s == ".." || s == "_index" {
		return ""
	}
	return s
}

type prefixValidator struct{ prefix string }

func notPrefix(p string) validator.String { return prefixValidator{prefix: p} }

func (v prefixValidator) Description(context.Context) string {
	return fmt.Sprintf("must not start with %q (reserved)", v.prefix)
}

func (v prefixValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v prefixValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if strings.HasPrefix(strings.ToLower(req.ConfigValue.ValueString()), v.prefix) {
		resp.Diagnostics.AddAttributeError(req.Path, "Reserved tag key", fmt.Sprintf("Tag key %q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}

// cidrValidator accepts IPv4 CIDR blocks, with a prefix length between
// minPrefix and maxPrefix when those are set.
type cidrValidator struct {
	example              string
	minPrefix, maxPrefix int
}

func ipv4CIDR(example string) validator.String { return cidrValidator{example: example} }

func (v cidrValidator) Description(context.Context) string {
	if v.minPrefix > 0 {
		return fmt.Sprintf("must be an IPv4 CIDR block from /%d to /%d such as %s", v.minPrefix, v.maxPrefix, v.example)
	}
	return "must be an IPv4 CIDR block such as " + v.example
}

func (v cidrValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v cidrValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	ip, n, err := net.ParseCIDR(s)
	ok := err == nil && ip.To4() != nil && !strings.Contains(s, ":")
	if ok && v.minPrefix > 0 {
		ones, _ := n.Mask.Size()
		ok = ones >= v.minPrefix && ones <= v.maxPrefix
	}
	if !ok {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CIDR block", fmt.Sprintf("%s %s; got %q.", req.Path, v.Description(ctx), s))
	} else if fe := deployment.HostBits(req.Path.String(), s); fe != nil {
		resp.Diagnostics.AddAttributeError(req.Path, fe.Summary, fe.Detail)
	}
}

// timeoutValidator accepts operation timeouts: durations between
// minOperationTimeout and maxOperationTimeout.
type timeoutValidator struct{}

func (timeoutValidator) Description(context.Context) string {
	return `a duration between 1m and 24h, such as "90m" or "2h"`
}

func (v timeoutValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v timeoutValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < minOperationTimeout || d > maxOperationTimeout {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid timeout", fmt.Sprintf("%s must be %s; got %q.", req.Path, v.Description(ctx), req.ConfigValue.ValueString()))
	}
}

// uniqueStrings rejects a list that names a value twice, saying which
// attribute (Terraform shows only the enclosing block of a nested one).
type uniqueStrings struct{}

func (uniqueStrings) Description(context.Context) string               { return "must not repeat a value" }
func (v uniqueStrings) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (uniqueStrings) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]bool{}
	for _, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		if seen[s.ValueString()] {
			resp.Diagnostics.AddAttributeError(req.Path, "Duplicate value", fmt.Sprintf("%s lists %q more than once.", req.Path, s.ValueString()))
			return
		}
		seen[s.ValueString()] = true
	}
}

// cdnAliases applies CloudFront's rules for alternate domain names to each
// alias: a lowercase domain name without a trailing dot, at most 253
// characters, with a wildcard only as the whole leftmost label. The first
// alias is the deployment's url, so it may not be a wildcard.
type cdnAliases struct{}

var aliasName = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

func (cdnAliases) Description(context.Context) string {
	return "each must be a lowercase domain name such as ai.example.com (a wildcard only as the leftmost label, *.example.com, and not first)"
}
func (v cdnAliases) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v cdnAliases) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for i, e := range req.ConfigValue.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		name, at := s.ValueString(), req.Path.AtListIndex(i)
		switch {
		case len(name) > 253 || !aliasName.MatchString(name):
			resp.Diagnostics.AddAttributeError(at, "Invalid alternate domain name", fmt.Sprintf("%s: %q is not one CloudFront accepts: %s.", at, name, v.Description(ctx)))
		case i == 0 && strings.HasPrefix(name, "*."):
			resp.Diagnostics.AddAttributeError(at, "Wildcard alias first", fmt.Sprintf("%s: the first alias becomes the deployment's url, which cannot be the wildcard %q. Put a concrete name such as %q first.", at, name, "ai"+strings.TrimPrefix(name, "*")))
		}
	}
}

// ownerEmailValidator applies the boot script's rule for the n8n owner
// email (userdata.CheckCredential), so a bad address fails the plan rather
// than the instance's boot.
type ownerEmailValidator struct{}

func (ownerEmailValidator) Description(context.Context) string {
	return "must be an email address of the form name@example.com (letters, digits and . _ % + - only, at most 254 characters)"
}

func (v ownerEmailValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v ownerEmailValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := userdata.CheckCredential(userdata.ParamN8NOwnerEmail, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid owner email", fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}
