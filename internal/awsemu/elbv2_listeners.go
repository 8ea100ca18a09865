package awsemu

import (
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

type elbListener struct {
	arn, lbARN, id string
	port           int32
	protocol       elbtypes.ProtocolEnum
	sslPolicy      string
	certARN        string
	alpn           []string
	defaultRule    string
	tags           map[string]string
}

type elbRule struct {
	arn, listenerARN string
	priority         int // 0 for the default rule
	isDefault        bool
	conditions       []elbtypes.RuleCondition
	actions          []elbtypes.Action
	tags             map[string]string
}

// elbDefaultSSLPolicy is the policy an HTTPS listener gets through the API
// when none is named.
const elbDefaultSSLPolicy = "ELBSecurityPolicy-2016-08"

func (s *elbv2Service) listener(arn string) (*elbListener, *APIError) {
	if !elbListenerARN.MatchString(arn) {
		return nil, elbValidation("'%s' is not a valid listener ARN", arn)
	}
	l := s.listeners[arn]
	if l == nil {
		return nil, Errorf("ListenerNotFound", "Listener '%s' not found", arn)
	}
	return l, nil
}

func (s *elbv2Service) rule(arn string) (*elbRule, *APIError) {
	if !elbRuleARN.MatchString(arn) {
		return nil, elbValidation("'%s' is not a valid rule ARN", arn)
	}
	r := s.rules[arn]
	if r == nil {
		return nil, Errorf("RuleNotFound", "Rule '%s' not found", arn)
	}
	return r, nil
}

// certificates returns ACM's instance in this region when an ACM service
// is registered.
func (s *elbv2Service) certificates() Certificates {
	if _, ok := Services()["acm"]; !ok {
		return nil
	}
	certs, _ := s.e.instance("acm", s.region).(Certificates)
	return certs
}

var elbACMARN = regexp.MustCompile(`^arn:aws:acm:([a-z0-9-]+):(\d{12}):certificate/[0-9a-f-]{36}$`)

// checkCertificate checks an HTTPS listener's certificate as ELB does: it
// must be an ACM certificate of this region that is issued.
func (s *elbv2Service) checkCertificate(arn string) *APIError {
	m := elbACMARN.FindStringSubmatch(arn)
	if m == nil || m[1] != s.region {
		return Errorf("CertificateNotFound", "Certificate '%s' not found", arn)
	}
	certs := s.certificates()
	if certs == nil {
		return nil
	}
	info, ok := certs.CertificateInfo(arn)
	if !ok || info.Status == "PENDING_VALIDATION" {
		// A certificate that is not issued yet is not found either.
		return Errorf("CertificateNotFound", "Certificate '%s' not found", arn)
	}
	if info.Status != "ISSUED" {
		return Errorf("UnsupportedCertificate", "The certificate '%s' must have a fully-qualified domain name, a supported signature, and a supported key size.", arn)
	}
	return nil
}

// --- actions ----------------------------------------------------------------------

func elbActionsUse(actions []elbtypes.Action, tgARN string) bool {
	for _, a := range actions {
		if a.Type != elbtypes.ActionTypeEnumForward {
			continue
		}
		if aws.ToString(a.TargetGroupArn) == tgARN {
			return true
		}
		if a.ForwardConfig != nil {
			for _, t := range a.ForwardConfig.TargetGroups {
				if aws.ToString(t.TargetGroupArn) == tgARN {
					return true
				}
			}
		}
	}
	return false
}

var (
	elbFixedStatus   = regexp.MustCompile(`^(2|4|5)\d\d$`)
	elbContentTypes  = map[string]bool{"text/plain": true, "text/css": true, "text/html": true, "application/javascript": true, "application/json": true}
	elbRedirectPlain = regexp.MustCompile(`^[^#]*(#\{(protocol|host|port|path|query)\}[^#]*)*$`)
)

// checkActions validates listener or rule actions for a load balancer and
// returns them as ELB stores them (orders assigned, single-group forwards
// with their ForwardConfig).
func (s *elbv2Service) checkActions(lb *elbLoadBalancer, actions []elbtypes.Action, field string) ([]elbtypes.Action, *APIError) {
	if len(actions) == 0 {
		return nil, elbValidation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	out := make([]elbtypes.Action, 0, len(actions))
	orders := map[int32]bool{}
	terminal := 0
	for i, in := range actions {
		a := *sdkClone(&in)
		if a.Order == nil {
			a.Order = aws.Int32(int32(i + 1))
		}
		if *a.Order < 1 || *a.Order > 50000 {
			return nil, elbRangeErr(field+".member.order", *a.Order, 1, 50000)
		}
		if orders[*a.Order] {
			return nil, elbValidation("The action order '%d' is specified more than once", *a.Order)
		}
		orders[*a.Order] = true
		switch a.Type {
		case elbtypes.ActionTypeEnumForward:
			terminal++
			if err := s.checkForward(lb, &a); err != nil {
				return nil, err
			}
		case elbtypes.ActionTypeEnumRedirect:
			terminal++
			if err := elbCheckRedirect(&a); err != nil {
				return nil, err
			}
		case elbtypes.ActionTypeEnumFixedResponse:
			terminal++
			if err := elbCheckFixedResponse(&a); err != nil {
				return nil, err
			}
		case elbtypes.ActionTypeEnumAuthenticateOidc, elbtypes.ActionTypeEnumAuthenticateCognito, elbtypes.ActionTypeEnumJwtValidation:
			return nil, Errorf("InvalidLoadBalancerAction", "Action type '%s' is not supported by this emulator", a.Type)
		default:
			return nil, elbValidation("1 validation error detected: Value '%s' at '%s.%d.member.type' failed to satisfy constraint: Member must satisfy enum value set: [forward, authenticate-oidc, authenticate-cognito, redirect, fixed-response, jwt-validation]", a.Type, field, i+1)
		}
		out = append(out, a)
	}
	if terminal != 1 {
		return nil, Errorf("InvalidLoadBalancerAction", "You must specify exactly one action of type 'forward', 'redirect' or 'fixed-response'")
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].Order < *out[j].Order })
	last := out[len(out)-1].Type
	if last != elbtypes.ActionTypeEnumForward && last != elbtypes.ActionTypeEnumRedirect && last != elbtypes.ActionTypeEnumFixedResponse {
		return nil, Errorf("InvalidLoadBalancerAction", "The last action must be of type 'forward', 'redirect' or 'fixed-response'")
	}
	return out, nil
}

func (s *elbv2Service) checkForward(lb *elbLoadBalancer, a *elbtypes.Action) *APIError {
	var arns []string
	if a.ForwardConfig != nil {
		if len(a.ForwardConfig.TargetGroups) == 0 {
			return elbValidation("A forward config must specify at least one target group")
		}
		if limit := s.quota(quotaELBTGsPerAction); len(a.ForwardConfig.TargetGroups) > limit {
			return elbValidation("1 validation error detected: Value at 'forwardConfig.targetGroups' failed to satisfy constraint: Member must have length less than or equal to %d", limit)
		}
		for i := range a.ForwardConfig.TargetGroups {
			t := &a.ForwardConfig.TargetGroups[i]
			if t.Weight == nil {
				t.Weight = aws.Int32(1)
			}
			if *t.Weight < 0 || *t.Weight > 999 {
				return elbRangeErr("forwardConfig.targetGroups.member.weight", *t.Weight, 0, 999)
			}
			arns = append(arns, aws.ToString(t.TargetGroupArn))
		}
		if st := a.ForwardConfig.TargetGroupStickinessConfig; st != nil && st.DurationSeconds != nil && (*st.DurationSeconds < 1 || *st.DurationSeconds > 604800) {
			return elbRangeErr("forwardConfig.targetGroupStickinessConfig.durationSeconds", *st.DurationSeconds, 1, 604800)
		}
	}
	if arn := aws.ToString(a.TargetGroupArn); arn != "" {
		if len(arns) > 0 && (len(arns) != 1 || arns[0] != arn) {
			return elbValidation("You cannot specify a target group ARN together with a forward config that names other target groups")
		}
		arns = []string{arn}
	}
	if len(arns) == 0 {
		return elbValidation("A target group ARN must be specified for a forward action")
	}
	var limited []string
	for _, arn := range arns {
		tg, err := s.tg(arn)
		if err != nil {
			return err
		}
		if tg.vpc != lb.vpc {
			return Errorf("InvalidConfigurationRequest", "Target group '%s' is in a different VPC than load balancer '%s'", arn, lb.arn)
		}
		if !elbHTTPProtocol(tg.protocol) {
			return Errorf("IncompatibleProtocols", "Target group '%s' uses protocol '%s', which is not supported by load balancers of type 'application'", arn, tg.protocol)
		}
		for _, other := range s.tgLoadBalancers(arn) {
			if other != lb.arn {
				limited = append(limited, "'"+arn+"'")
			}
		}
	}
	if len(limited) > 0 {
		return Errorf("TargetGroupAssociationLimit", "The following target groups cannot be associated with more than one load balancer: %s", strings.Join(limited, ", "))
	}
	// Unique target groups per load balancer, across its listeners and rules.
	unique := map[string]bool{}
	for _, arn := range arns {
		unique[arn] = true
	}
	for _, tgARN := range s.tgOrder {
		for _, other := range s.tgLoadBalancers(tgARN) {
			if other == lb.arn {
				unique[tgARN] = true
			}
		}
	}
	if len(unique) > s.quota(quotaELBTGsPerALB) {
		return Errorf("TooManyUniqueTargetGroupsPerLoadBalancer", "You've reached the limit on the number of unique target groups per load balancer across all listeners")
	}
	if len(arns) == 1 {
		a.TargetGroupArn = aws.String(arns[0])
		if a.ForwardConfig == nil {
			a.ForwardConfig = &elbtypes.ForwardActionConfig{TargetGroups: []elbtypes.TargetGroupTuple{{TargetGroupArn: aws.String(arns[0]), Weight: aws.Int32(1)}}}
		}
	}
	if a.ForwardConfig.TargetGroupStickinessConfig == nil {
		a.ForwardConfig.TargetGroupStickinessConfig = &elbtypes.TargetGroupStickinessConfig{Enabled: aws.Bool(false)}
	}
	return nil
}

func elbCheckRedirect(a *elbtypes.Action) *APIError {
	r := a.RedirectConfig
	if r == nil {
		return elbValidation("A redirect config must be specified for a redirect action")
	}
	switch r.StatusCode {
	case elbtypes.RedirectActionStatusCodeEnumHttp301, elbtypes.RedirectActionStatusCodeEnumHttp302:
	default:
		return elbValidation("1 validation error detected: Value '%s' at 'redirectConfig.statusCode' failed to satisfy constraint: Member must satisfy enum value set: [HTTP_301, HTTP_302]", r.StatusCode)
	}
	def := func(p **string, v string) {
		if *p == nil {
			*p = aws.String(v)
		}
	}
	def(&r.Protocol, "#{protocol}")
	def(&r.Port, "#{port}")
	def(&r.Host, "#{host}")
	def(&r.Path, "/#{path}")
	def(&r.Query, "#{query}")
	switch p := aws.ToString(r.Protocol); p {
	case "HTTP", "HTTPS", "#{protocol}":
	default:
		return elbValidation("The redirect protocol '%s' is not valid; it must be HTTP, HTTPS or #{protocol}", p)
	}
	if p := aws.ToString(r.Port); p != "#{port}" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return elbValidation("The redirect port '%s' is not valid; it must be between 1 and 65535 or #{port}", p)
		}
	}
	for name, v := range map[string]string{"host": aws.ToString(r.Host), "path": aws.ToString(r.Path), "query": aws.ToString(r.Query)} {
		if len(v) > 128 {
			return elbValidation("The redirect %s '%s' cannot be longer than 128 characters", name, v)
		}
		if !elbRedirectPlain.MatchString(v) {
			return elbValidation("The redirect %s '%s' contains an unknown placeholder; valid ones are #{protocol}, #{host}, #{port}, #{path} and #{query}", name, v)
		}
	}
	if aws.ToString(r.Host) == "" {
		return elbValidation("The redirect host cannot be empty")
	}
	if !strings.HasPrefix(aws.ToString(r.Path), "/") {
		return elbValidation("The redirect path '%s' must begin with '/'", aws.ToString(r.Path))
	}
	if strings.HasPrefix(aws.ToString(r.Query), "?") {
		return elbValidation("The redirect query '%s' must not begin with '?'", aws.ToString(r.Query))
	}
	if aws.ToString(r.Protocol) == "#{protocol}" && aws.ToString(r.Port) == "#{port}" && aws.ToString(r.Host) == "#{host}" &&
		aws.ToString(r.Path) == "/#{path}" && aws.ToString(r.Query) == "#{query}" {
		return Errorf("InvalidLoadBalancerAction", "The redirect configuration is not valid: it redirects to the original URL, which would cause a loop")
	}
	return nil
}

func elbCheckFixedResponse(a *elbtypes.Action) *APIError {
	f := a.FixedResponseConfig
	if f == nil {
		return elbValidation("A fixed response config must be specified for a fixed-response action")
	}
	if !elbFixedStatus.MatchString(aws.ToString(f.StatusCode)) {
		return elbValidation("1 validation error detected: Value '%s' at 'fixedResponseConfig.statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(2|4|5)\\d\\d$", aws.ToString(f.StatusCode))
	}
	if ct := aws.ToString(f.ContentType); ct != "" && !elbContentTypes[ct] {
		return elbValidation("The content type '%s' is not valid; it must be one of text/plain, text/css, text/html, application/javascript, application/json", ct)
	}
	if len(aws.ToString(f.MessageBody)) > 1024 {
		return elbValidation("1 validation error detected: Value at 'fixedResponseConfig.messageBody' failed to satisfy constraint: Member must have length less than or equal to 1024")
	}
	return nil
}

// --- conditions -------------------------------------------------------------------

var (
	elbHostValue   = regexp.MustCompile(`^[A-Za-z0-9\-.*?]{1,128}$`)
	elbPathValue   = regexp.MustCompile(`^[A-Za-z0-9_\-.$/~"'@:+&*?;=%]{1,128}$`)
	elbHeaderName  = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,40}$")
	elbMethodValue = regexp.MustCompile(`^[A-Z_\-]{1,40}$`)
)

// checkConditions validates rule conditions (each match value counts
// towards the limit of five per rule) and returns them as ELB stores them.
func elbCheckConditions(conds []elbtypes.RuleCondition, maxValues, maxWildcards int) ([]elbtypes.RuleCondition, *APIError) {
	if len(conds) == 0 {
		return nil, elbValidation("A rule must have at least one condition")
	}
	seen := map[string]bool{}
	total := 0
	out := make([]elbtypes.RuleCondition, 0, len(conds))
	pick := func(field string, legacy, config []string) ([]string, *APIError) {
		if len(legacy) > 0 && len(config) > 0 {
			return nil, elbValidation("You cannot specify both 'Values' and a '%s' config in the same condition", field)
		}
		if len(config) > 0 {
			return config, nil
		}
		if len(legacy) == 0 {
			return nil, elbValidation("A '%s' condition must have at least one value", field)
		}
		return legacy, nil
	}
	for _, in := range conds {
		c := *sdkClone(&in)
		field := aws.ToString(c.Field)
		switch field {
		case "host-header", "path-pattern", "http-request-method", "source-ip":
			if seen[field] {
				return nil, elbValidation("A rule can only have one '%s' condition", field)
			}
		case "http-header", "query-string":
		default:
			return nil, elbValidation("Condition field '%s' must be one of '[http-header, http-request-method, host-header, path-pattern, query-string, source-ip]'", field)
		}
		seen[field] = true
		var n int
		switch field {
		case "host-header":
			var cfg []string
			if c.HostHeaderConfig != nil {
				cfg = c.HostHeaderConfig.Values
			}
			vals, err := pick(field, c.Values, cfg)
			if err != nil {
				return nil, err
			}
			for _, v := range vals {
				if !elbHostValue.MatchString(v) {
					return nil, elbValidation("The host header value '%s' is not valid: it must be 1 to 128 characters of A-Z, a-z, 0-9, '-', '.', '*' and '?'", v)
				}
			}
			c.Values, c.HostHeaderConfig = vals, &elbtypes.HostHeaderConditionConfig{Values: vals}
			n = len(vals)
		case "path-pattern":
			var cfg []string
			if c.PathPatternConfig != nil {
				cfg = c.PathPatternConfig.Values
			}
			vals, err := pick(field, c.Values, cfg)
			if err != nil {
				return nil, err
			}
			for _, v := range vals {
				if !elbPathValue.MatchString(v) {
					return nil, elbValidation("The path pattern '%s' is not valid: it must be 1 to 128 characters of A-Z, a-z, 0-9, _ - . $ / ~ \" ' @ : + & * ?", v)
				}
			}
			c.Values, c.PathPatternConfig = vals, &elbtypes.PathPatternConditionConfig{Values: vals}
			n = len(vals)
		case "http-header":
			h := c.HttpHeaderConfig
			if h == nil || len(c.Values) > 0 {
				return nil, elbValidation("An 'http-header' condition must be specified with an HttpHeaderConfig")
			}
			name := aws.ToString(h.HttpHeaderName)
			if !elbHeaderName.MatchString(name) {
				return nil, elbValidation("The HTTP header name '%s' is not valid: it must be 1 to 40 characters", name)
			}
			if strings.EqualFold(name, "host") {
				return nil, elbValidation("You cannot use an 'http-header' condition for the Host header; use a 'host-header' condition")
			}
			if len(h.Values) == 0 {
				return nil, elbValidation("An 'http-header' condition must have at least one value")
			}
			for _, v := range h.Values {
				if v == "" || len(v) > 128 {
					return nil, elbValidation("The HTTP header value '%s' is not valid: it must be 1 to 128 characters", v)
				}
			}
			n = len(h.Values)
		case "http-request-method":
			if c.HttpRequestMethodConfig == nil || len(c.HttpRequestMethodConfig.Values) == 0 {
				return nil, elbValidation("An 'http-request-method' condition must have at least one value")
			}
			for _, v := range c.HttpRequestMethodConfig.Values {
				if !elbMethodValue.MatchString(v) {
					return nil, elbValidation("The HTTP request method '%s' is not valid", v)
				}
			}
			n = len(c.HttpRequestMethodConfig.Values)
		case "query-string":
			if c.QueryStringConfig == nil || len(c.QueryStringConfig.Values) == 0 {
				return nil, elbValidation("A 'query-string' condition must have at least one key/value pair")
			}
			for _, kv := range c.QueryStringConfig.Values {
				if aws.ToString(kv.Value) == "" || len(aws.ToString(kv.Value)) > 128 || len(aws.ToString(kv.Key)) > 128 {
					return nil, elbValidation("A query string condition value must be 1 to 128 characters")
				}
			}
			n = len(c.QueryStringConfig.Values)
		case "source-ip":
			if c.SourceIpConfig == nil || len(c.SourceIpConfig.Values) == 0 {
				return nil, elbValidation("A 'source-ip' condition must have at least one CIDR block")
			}
			for _, v := range c.SourceIpConfig.Values {
				if _, err := netip.ParsePrefix(v); err != nil {
					return nil, elbValidation("The source IP '%s' is not a valid CIDR block", v)
				}
			}
			n = len(c.SourceIpConfig.Values)
		}
		total += n
		out = append(out, c)
	}
	if total > maxValues {
		return nil, elbValidation("A rule can only have '%d' condition values", maxValues)
	}
	wildcards := 0
	for _, c := range out {
		var vals []string
		if c.HostHeaderConfig != nil {
			vals = append(vals, c.HostHeaderConfig.Values...)
		}
		if c.PathPatternConfig != nil {
			vals = append(vals, c.PathPatternConfig.Values...)
		}
		if c.HttpHeaderConfig != nil {
			vals = append(vals, c.HttpHeaderConfig.Values...)
		}
		if c.QueryStringConfig != nil {
			for _, kv := range c.QueryStringConfig.Values {
				vals = append(vals, aws.ToString(kv.Key), aws.ToString(kv.Value))
			}
		}
		for _, v := range vals {
			wildcards += strings.Count(v, "*") + strings.Count(v, "?")
		}
	}
	if wildcards > maxWildcards {
		return nil, elbValidation("A rule can only have '%d' wildcards", maxWildcards)
	}
	return out, nil
}

// --- listeners --------------------------------------------------------------------

func (s *elbv2Service) listenerView(l *elbListener) elbtypes.Listener {
	out := elbtypes.Listener{
		ListenerArn:     aws.String(l.arn),
		LoadBalancerArn: aws.String(l.lbARN),
		Port:            aws.Int32(l.port),
		Protocol:        l.protocol,
		DefaultActions:  cloneActions(s.rules[l.defaultRule].actions),
	}
	if l.protocol == elbtypes.ProtocolEnumHttps {
		out.SslPolicy = aws.String(l.sslPolicy)
		out.Certificates = []elbtypes.Certificate{{CertificateArn: aws.String(l.certARN)}}
	}
	if len(l.alpn) > 0 {
		out.AlpnPolicy = append([]string(nil), l.alpn...)
	}
	return out
}

func cloneActions(in []elbtypes.Action) []elbtypes.Action {
	out := make([]elbtypes.Action, len(in))
	for i := range in {
		out[i] = *sdkClone(&in[i])
	}
	return out
}

func (s *elbv2Service) checkListenerTLS(protocol elbtypes.ProtocolEnum, certs []elbtypes.Certificate, policy *string) (certARN, sslPolicy string, err *APIError) {
	switch protocol {
	case elbtypes.ProtocolEnumHttps:
		if len(certs) == 0 {
			return "", "", elbValidation("A certificate must be specified for HTTPS listeners")
		}
		if len(certs) > 1 {
			return "", "", Errorf("TooManyCertificates", "You can specify only one certificate, the default certificate, for a listener")
		}
		certARN = aws.ToString(certs[0].CertificateArn)
		if err := s.checkCertificate(certARN); err != nil {
			return "", "", err
		}
		sslPolicy = elbDefaultSSLPolicy
		if policy != nil {
			sslPolicy = *policy
		}
		if elbFindSSLPolicy(sslPolicy) == nil {
			return "", "", Errorf("SSLPolicyNotFound", "SSL policy '%s' not found", sslPolicy)
		}
	case elbtypes.ProtocolEnumHttp:
		if len(certs) > 0 {
			return "", "", elbValidation("A certificate can only be specified for HTTPS listeners")
		}
		if policy != nil {
			return "", "", elbValidation("An SSL policy can only be specified for HTTPS listeners")
		}
	}
	return certARN, sslPolicy, nil
}

func elbCheckListenerProtocol(p elbtypes.ProtocolEnum, port *int32) *APIError {
	switch p {
	case elbtypes.ProtocolEnumHttp, elbtypes.ProtocolEnumHttps:
	case "":
		return elbValidation("A listener protocol must be specified")
	case elbtypes.ProtocolEnumTcp, elbtypes.ProtocolEnumTls, elbtypes.ProtocolEnumUdp, elbtypes.ProtocolEnumTcpUdp, elbtypes.ProtocolEnumGeneve:
		return Errorf("UnsupportedProtocol", "Protocol '%s' is not supported for load balancers of type 'application'", p)
	default:
		return elbValidation("1 validation error detected: Value '%s' at 'protocol' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, GENEVE]", p)
	}
	if port == nil {
		return elbValidation("A listener port must be specified")
	}
	if *port < 1 || *port > 65535 {
		return elbRangeErr("port", *port, 1, 65535)
	}
	return nil
}

func (s *elbv2Service) CreateListener(c *Call, in *elbv2.CreateListenerInput) (*elbv2.CreateListenerOutput, error) {
	lb, err := s.lb(aws.ToString(in.LoadBalancerArn))
	if err != nil {
		return nil, err
	}
	if err := elbCheckListenerProtocol(in.Protocol, in.Port); err != nil {
		return nil, err
	}
	if in.MutualAuthentication != nil && in.MutualAuthentication.Mode != nil && *in.MutualAuthentication.Mode != "off" {
		return nil, elbValidation("Mutual authentication is not supported by this emulator")
	}
	certARN, policy, err := s.checkListenerTLS(in.Protocol, in.Certificates, in.SslPolicy)
	if err != nil {
		return nil, err
	}
	actions, err := s.checkActions(lb, in.DefaultActions, "defaultActions")
	if err != nil {
		return nil, err
	}
	tags, err := elbTags(in.Tags)
	if err != nil {
		return nil, err
	}
	count := 0
	for _, arn := range s.listenerOrder {
		l := s.listeners[arn]
		if l.lbARN != lb.arn {
			continue
		}
		count++
		if l.port != *in.Port {
			continue
		}
		// Idempotent: the same port with the same settings returns the
		// existing listener.
		if l.protocol == in.Protocol && l.certARN == certARN && l.sslPolicy == policy && actionsEqual(s.rules[l.defaultRule].actions, actions) {
			return &elbv2.CreateListenerOutput{Listeners: []elbtypes.Listener{s.listenerView(l)}}, nil
		}
		return nil, Errorf("DuplicateListener", "A listener already exists on this port for this load balancer '%s'", lb.arn)
	}
	if count >= s.quota(quotaELBListenersPerALB) {
		return nil, Errorf("TooManyListeners", "You've reached the limit on the number of listeners per load balancer")
	}
	id := c.Emu.HexID("elbv2-listener", 16)
	l := &elbListener{
		arn:   s.arnPrefix(c) + "listener/app/" + lb.name + "/" + lb.id + "/" + id,
		lbARN: lb.arn, id: id, port: *in.Port, protocol: in.Protocol, sslPolicy: policy, certARN: certARN,
		alpn: in.AlpnPolicy, tags: tags,
	}
	def := &elbRule{arn: s.ruleARN(c, lb, l), listenerARN: l.arn, isDefault: true, actions: actions, tags: map[string]string{}}
	l.defaultRule = def.arn
	s.listeners[l.arn] = l
	s.listenerOrder = append(s.listenerOrder, l.arn)
	s.rules[def.arn] = def
	s.ruleOrder = append(s.ruleOrder, def.arn)
	if certARN != "" {
		if certs := s.certificates(); certs != nil {
			certs.UseCertificate(certARN, l.arn)
		}
	}
	s.refreshUsage(c.Now())
	return &elbv2.CreateListenerOutput{Listeners: []elbtypes.Listener{s.listenerView(l)}}, nil
}

func actionsEqual(a, b []elbtypes.Action) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || aws.ToString(a[i].TargetGroupArn) != aws.ToString(b[i].TargetGroupArn) ||
			!redirectEqual(a[i].RedirectConfig, b[i].RedirectConfig) || !fixedEqual(a[i].FixedResponseConfig, b[i].FixedResponseConfig) {
			return false
		}
	}
	return true
}

func redirectEqual(a, b *elbtypes.RedirectActionConfig) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.StatusCode == b.StatusCode && aws.ToString(a.Protocol) == aws.ToString(b.Protocol) && aws.ToString(a.Port) == aws.ToString(b.Port) &&
		aws.ToString(a.Host) == aws.ToString(b.Host) && aws.ToString(a.Path) == aws.ToString(b.Path) && aws.ToString(a.Query) == aws.ToString(b.Query)
}

func fixedEqual(a, b *elbtypes.FixedResponseActionConfig) bool {
	if a == nil || b == nil {
		return a == b
	}
	return aws.ToString(a.StatusCode) == aws.ToString(b.StatusCode) && aws.ToString(a.ContentType) == aws.ToString(b.ContentType) &&
		aws.ToString(a.MessageBody) == aws.ToString(b.MessageBody)
}

func (s *elbv2Service) ruleARN(c *Call, lb *elbLoadBalancer, l *elbListener) string {
	return s.arnPrefix(c) + "listener-rule/app/" + lb.name + "/" + lb.id + "/" + l.id + "/" + c.Emu.HexID("elbv2-rule", 16)
}

func (s *elbv2Service) DescribeListeners(c *Call, in *elbv2.DescribeListenersInput) (*elbv2.DescribeListenersOutput, error) {
	var list []*elbListener
	switch {
	case len(in.ListenerArns) > 0 && in.LoadBalancerArn != nil:
		return nil, elbValidation("Listener ARNs and a load balancer ARN cannot be specified at the same time")
	case len(in.ListenerArns) > 0:
		for _, arn := range in.ListenerArns {
			if !elbListenerARN.MatchString(arn) {
				return nil, elbValidation("'%s' is not a valid listener ARN", arn)
			}
			l := s.listeners[arn]
			if l == nil {
				return nil, Errorf("ListenerNotFound", "One or more listeners not found")
			}
			list = append(list, l)
		}
	case in.LoadBalancerArn != nil:
		lb, err := s.lb(aws.ToString(in.LoadBalancerArn))
		if err != nil {
			return nil, err
		}
		for _, arn := range s.listenerOrder {
			if l := s.listeners[arn]; l.lbARN == lb.arn {
				list = append(list, l)
			}
		}
	default:
		return nil, elbValidation("You must specify either listener ARNs or a load balancer ARN")
	}
	page, next, err := elbPage(list, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elbv2.DescribeListenersOutput{Listeners: []elbtypes.Listener{}, NextMarker: next}
	for _, l := range page {
		out.Listeners = append(out.Listeners, s.listenerView(l))
	}
	return out, nil
}

func (s *elbv2Service) ModifyListener(c *Call, in *elbv2.ModifyListenerInput) (*elbv2.ModifyListenerOutput, error) {
	l, err := s.listener(aws.ToString(in.ListenerArn))
	if err != nil {
		return nil, err
	}
	lb := s.lbs[l.lbARN]
	port, protocol := l.port, l.protocol
	if in.Port != nil {
		port = *in.Port
	}
	if in.Protocol != "" {
		protocol = in.Protocol
	}
	if err := elbCheckListenerProtocol(protocol, &port); err != nil {
		return nil, err
	}
	certs := in.Certificates
	policy := in.SslPolicy
	if protocol == elbtypes.ProtocolEnumHttps {
		if len(certs) == 0 && l.certARN != "" {
			certs = []elbtypes.Certificate{{CertificateArn: aws.String(l.certARN)}}
		}
		if policy == nil && l.sslPolicy != "" {
			policy = aws.String(l.sslPolicy)
		}
	}
	certARN, sslPolicy, err := s.checkListenerTLS(protocol, certs, policy)
	if err != nil {
		return nil, err
	}
	def := s.rules[l.defaultRule]
	actions := def.actions
	if len(in.DefaultActions) > 0 {
		if actions, err = s.checkActions(lb, in.DefaultActions, "defaultActions"); err != nil {
			return nil, err
		}
	}
	if port != l.port {
		for _, arn := range s.listenerOrder {
			if other := s.listeners[arn]; other != l && other.lbARN == l.lbARN && other.port == port {
				return nil, Errorf("DuplicateListener", "A listener already exists on this port for this load balancer '%s'", l.lbARN)
			}
		}
	}
	if certARN != l.certARN {
		if acm := s.certificates(); acm != nil {
			if l.certARN != "" {
				acm.ReleaseCertificate(l.certARN, l.arn)
			}
			if certARN != "" {
				acm.UseCertificate(certARN, l.arn)
			}
		}
	}
	l.port, l.protocol, l.certARN, l.sslPolicy = port, protocol, certARN, sslPolicy
	if in.AlpnPolicy != nil {
		l.alpn = in.AlpnPolicy
	}
	def.actions = actions
	s.refreshUsage(c.Now())
	return &elbv2.ModifyListenerOutput{Listeners: []elbtypes.Listener{s.listenerView(l)}}, nil
}

func (s *elbv2Service) DeleteListener(c *Call, in *elbv2.DeleteListenerInput) (*elbv2.DeleteListenerOutput, error) {
	l, err := s.listener(aws.ToString(in.ListenerArn))
	if err != nil {
		return nil, err
	}
	s.removeListener(c, l)
	return &elbv2.DeleteListenerOutput{}, nil
}

// removeListener deletes a listener and its rules.
func (s *elbv2Service) removeListener(c *Call, l *elbListener) {
	for _, rarn := range append([]string(nil), s.ruleOrder...) {
		if r := s.rules[rarn]; r != nil && r.listenerARN == l.arn {
			delete(s.rules, rarn)
			s.ruleOrder = removeString(s.ruleOrder, rarn)
		}
	}
	if l.certARN != "" {
		if acm := s.certificates(); acm != nil {
			acm.ReleaseCertificate(l.certARN, l.arn)
		}
	}
	delete(s.listeners, l.arn)
	s.listenerOrder = removeString(s.listenerOrder, l.arn)
	s.refreshUsage(c.Now())
}

// --- rules ------------------------------------------------------------------------

func (s *elbv2Service) ruleView(r *elbRule) elbtypes.Rule {
	out := elbtypes.Rule{
		RuleArn:    aws.String(r.arn),
		IsDefault:  aws.Bool(r.isDefault),
		Actions:    cloneActions(r.actions),
		Conditions: []elbtypes.RuleCondition{},
	}
	if r.isDefault {
		out.Priority = aws.String("default")
	} else {
		out.Priority = aws.String(strconv.Itoa(r.priority))
		for i := range r.conditions {
			out.Conditions = append(out.Conditions, *sdkClone(&r.conditions[i]))
		}
	}
	return out
}

func (s *elbv2Service) CreateRule(c *Call, in *elbv2.CreateRuleInput) (*elbv2.CreateRuleOutput, error) {
	l, err := s.listener(aws.ToString(in.ListenerArn))
	if err != nil {
		return nil, err
	}
	lb := s.lbs[l.lbARN]
	if in.Priority == nil {
		return nil, elbValidation("1 validation error detected: Value null at 'priority' failed to satisfy constraint: Member must not be null")
	}
	prio := *in.Priority
	if prio < 1 || prio > 50000 {
		return nil, elbRangeErr("priority", prio, 1, 50000)
	}
	conds, err := elbCheckConditions(in.Conditions, s.quota(quotaELBConditionValues), s.quota(quotaELBConditionWildcard))
	if err != nil {
		return nil, err
	}
	actions, err := s.checkActions(lb, in.Actions, "actions")
	if err != nil {
		return nil, err
	}
	tags, err := elbTags(in.Tags)
	if err != nil {
		return nil, err
	}
	// The rules quota counts the non-default rules of every listener of the
	// load balancer.
	count := 0
	for _, arn := range s.ruleOrder {
		r := s.rules[arn]
		if r.isDefault {
			continue
		}
		if rl := s.listeners[r.listenerARN]; rl != nil && rl.lbARN == lb.arn {
			count++
		}
		if r.listenerARN == l.arn && r.priority == int(prio) {
			return nil, Errorf("PriorityInUse", "Priority '%d' is currently in use", prio)
		}
	}
	if count >= s.quota(quotaELBRulesPerALB) {
		return nil, Errorf("TooManyRules", "You've reached the limit on the number of rules per load balancer")
	}
	r := &elbRule{arn: s.ruleARN(c, lb, l), listenerARN: l.arn, priority: int(prio), conditions: conds, actions: actions, tags: tags}
	s.rules[r.arn] = r
	s.ruleOrder = append(s.ruleOrder, r.arn)
	s.refreshUsage(c.Now())
	return &elbv2.CreateRuleOutput{Rules: []elbtypes.Rule{s.ruleView(r)}}, nil
}

// listenerRules returns a listener's rules by priority, the default last.
func (s *elbv2Service) listenerRules(listenerARN string) []*elbRule {
	var out []*elbRule
	for _, arn := range s.ruleOrder {
		if r := s.rules[arn]; r.listenerARN == listenerARN {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].isDefault != out[j].isDefault {
			return !out[i].isDefault
		}
		return out[i].priority < out[j].priority
	})
	return out
}

func (s *elbv2Service) DescribeRules(c *Call, in *elbv2.DescribeRulesInput) (*elbv2.DescribeRulesOutput, error) {
	var list []*elbRule
	switch {
	case len(in.RuleArns) > 0 && in.ListenerArn != nil:
		return nil, elbValidation("Rule ARNs and a listener ARN cannot be specified at the same time")
	case len(in.RuleArns) > 0:
		for _, arn := range in.RuleArns {
			if !elbRuleARN.MatchString(arn) {
				return nil, elbValidation("'%s' is not a valid rule ARN", arn)
			}
			r := s.rules[arn]
			if r == nil {
				return nil, Errorf("RuleNotFound", "One or more rules not found")
			}
			list = append(list, r)
		}
	case in.ListenerArn != nil:
		l, err := s.listener(aws.ToString(in.ListenerArn))
		if err != nil {
			return nil, err
		}
		list = s.listenerRules(l.arn)
	default:
		return nil, elbValidation("You must specify either listener rule ARNs or a listener ARN")
	}
	page, next, err := elbPage(list, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elbv2.DescribeRulesOutput{Rules: []elbtypes.Rule{}, NextMarker: next}
	for _, r := range page {
		out.Rules = append(out.Rules, s.ruleView(r))
	}
	return out, nil
}

func (s *elbv2Service) ModifyRule(c *Call, in *elbv2.ModifyRuleInput) (*elbv2.ModifyRuleOutput, error) {
	r, err := s.rule(aws.ToString(in.RuleArn))
	if err != nil {
		return nil, err
	}
	if len(in.Conditions) == 0 && len(in.Actions) == 0 {
		return nil, elbValidation("Either conditions or actions must be specified")
	}
	conds, actions := r.conditions, r.actions
	if len(in.Conditions) > 0 {
		if r.isDefault {
			return nil, Errorf("OperationNotPermitted", "The conditions of the default rule cannot be modified")
		}
		if conds, err = elbCheckConditions(in.Conditions, s.quota(quotaELBConditionValues), s.quota(quotaELBConditionWildcard)); err != nil {
			return nil, err
		}
	}
	if len(in.Actions) > 0 {
		lb := s.lbs[s.listeners[r.listenerARN].lbARN]
		if actions, err = s.checkActions(lb, in.Actions, "actions"); err != nil {
			return nil, err
		}
	}
	r.conditions, r.actions = conds, actions
	s.refreshUsage(c.Now())
	return &elbv2.ModifyRuleOutput{Rules: []elbtypes.Rule{s.ruleView(r)}}, nil
}

func (s *elbv2Service) DeleteRule(c *Call, in *elbv2.DeleteRuleInput) (*elbv2.DeleteRuleOutput, error) {
	r, err := s.rule(aws.ToString(in.RuleArn))
	if err != nil {
		return nil, err
	}
	if r.isDefault {
		return nil, Errorf("OperationNotPermitted", "The default rule cannot be deleted")
	}
	delete(s.rules, r.arn)
	s.ruleOrder = removeString(s.ruleOrder, r.arn)
	s.refreshUsage(c.Now())
	return &elbv2.DeleteRuleOutput{}, nil
}

func (s *elbv2Service) SetRulePriorities(c *Call, in *elbv2.SetRulePrioritiesInput) (*elbv2.SetRulePrioritiesOutput, error) {
	if len(in.RulePriorities) == 0 {
		return nil, elbValidation("1 validation error detected: Value null at 'rulePriorities' failed to satisfy constraint: Member must not be null")
	}
	want := map[string]int{}
	used := map[string]map[int]bool{} // listener → priorities in the request
	var order []*elbRule
	for _, p := range in.RulePriorities {
		r, err := s.rule(aws.ToString(p.RuleArn))
		if err != nil {
			return nil, err
		}
		if r.isDefault {
			return nil, Errorf("OperationNotPermitted", "The default rule's priority cannot be modified")
		}
		if p.Priority == nil || *p.Priority < 1 || *p.Priority > 50000 {
			return nil, elbRangeErr("rulePriorities.member.priority", aws.ToInt32(p.Priority), 1, 50000)
		}
		prio := int(*p.Priority)
		if used[r.listenerARN] == nil {
			used[r.listenerARN] = map[int]bool{}
		}
		if used[r.listenerARN][prio] {
			return nil, elbValidation("Priority '%d' was provided multiple times", prio)
		}
		used[r.listenerARN][prio] = true
		want[r.arn] = prio
		order = append(order, r)
	}
	for _, arn := range s.ruleOrder {
		r := s.rules[arn]
		if r.isDefault || used[r.listenerARN] == nil {
			continue
		}
		if _, moving := want[r.arn]; !moving && used[r.listenerARN][r.priority] {
			return nil, Errorf("PriorityInUse", "Priority '%d' is currently in use", r.priority)
		}
	}
	out := &elbv2.SetRulePrioritiesOutput{Rules: []elbtypes.Rule{}}
	for _, r := range order {
		r.priority = want[r.arn]
		out.Rules = append(out.Rules, s.ruleView(r))
	}
	return out, nil
}

// --- SSL policies -------------------------------------------------------------------

var (
	elbTLS13Ciphers = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
	// FIPS policies leave out ChaCha20-Poly1305, which is not FIPS-approved.
	elbFIPSTLS13Ciphers = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"}
	elbGCMCiphers       = []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"}
	elbStrongCiphers    = []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384"}
	elbLegacyCiphers    = []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA", "AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA", "AES256-GCM-SHA384", "AES256-SHA256", "AES256-SHA"}
	elbFSCiphers        = []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA"}
	elbTLS12Protocols   = []string{"TLSv1.2"}
)

type elbSSLPolicySpec struct {
	name      string
	protocols []string
	ciphers   []string
}

func joinCiphers(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// elbSSLPolicies are the predefined security policies of Application Load
// Balancers, by their real names (the cipher lists are close to, not exactly,
// AWS's: the emulator does not negotiate TLS with them).
var elbSSLPolicies = []elbSSLPolicySpec{
	{"ELBSecurityPolicy-TLS13-1-3-2021-06", []string{"TLSv1.3"}, elbTLS13Ciphers},
	{"ELBSecurityPolicy-TLS13-1-2-2021-06", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbStrongCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbGCMCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbFSCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbLegacyCiphers)},
	{"ELBSecurityPolicy-TLS13-1-1-2021-06", []string{"TLSv1.1", "TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbLegacyCiphers)},
	{"ELBSecurityPolicy-TLS13-1-0-2021-06", []string{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbLegacyCiphers)},
	{"ELBSecurityPolicy-2016-08", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, elbLegacyCiphers},
	{"ELBSecurityPolicy-TLS-1-0-2015-04", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, append(append([]string(nil), elbLegacyCiphers...), "DES-CBC3-SHA")},
	{"ELBSecurityPolicy-2015-05", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, elbLegacyCiphers},
	{"ELBSecurityPolicy-TLS-1-1-2017-01", []string{"TLSv1.1", "TLSv1.2"}, elbLegacyCiphers},
	{"ELBSecurityPolicy-TLS-1-2-2017-01", elbTLS12Protocols, joinCiphers(elbStrongCiphers, []string{"AES128-GCM-SHA256", "AES128-SHA256", "AES256-GCM-SHA384", "AES256-SHA256"})},
	{"ELBSecurityPolicy-TLS-1-2-Ext-2018-06", elbTLS12Protocols, elbLegacyCiphers},
	{"ELBSecurityPolicy-FS-2018-06", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, elbFSCiphers},
	{"ELBSecurityPolicy-FS-1-1-2019-08", []string{"TLSv1.1", "TLSv1.2"}, elbFSCiphers},
	{"ELBSecurityPolicy-FS-1-2-2019-08", elbTLS12Protocols, elbFSCiphers},
	{"ELBSecurityPolicy-FS-1-2-Res-2019-08", elbTLS12Protocols, elbStrongCiphers},
	{"ELBSecurityPolicy-FS-1-2-Res-2020-10", elbTLS12Protocols, elbGCMCiphers},
	// FIPS policies (2023-04).
	{"ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", []string{"TLSv1.3"}, elbFIPSTLS13Ciphers},
	{"ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbStrongCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbGCMCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbFSCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbFSCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbLegacyCiphers)},
	{"ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04", []string{"TLSv1.1", "TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbLegacyCiphers)},
	{"ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", []string{"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbLegacyCiphers)},
	// Hybrid post-quantum policies (2025-09).
	{"ELBSecurityPolicy-TLS13-1-3-PQ-2025-09", []string{"TLSv1.3"}, elbTLS13Ciphers},
	{"ELBSecurityPolicy-TLS13-1-2-PQ-2025-09", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbStrongCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbGCMCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbFSCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbTLS13Ciphers, elbLegacyCiphers)},
	{"ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09", []string{"TLSv1.3"}, elbFIPSTLS13Ciphers},
	{"ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbStrongCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbGCMCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbFSCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbFSCiphers)},
	{"ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09", []string{"TLSv1.2", "TLSv1.3"}, joinCiphers(elbFIPSTLS13Ciphers, elbLegacyCiphers)},
}

func elbFindSSLPolicy(name string) *elbSSLPolicySpec {
	for i := range elbSSLPolicies {
		if elbSSLPolicies[i].name == name {
			return &elbSSLPolicies[i]
		}
	}
	return nil
}

func (p *elbSSLPolicySpec) view() elbtypes.SslPolicy {
	out := elbtypes.SslPolicy{Name: aws.String(p.name), SslProtocols: append([]string(nil), p.protocols...),
		SupportedLoadBalancerTypes: []string{"application", "network"}}
	for i, c := range p.ciphers {
		out.Ciphers = append(out.Ciphers, elbtypes.Cipher{Name: aws.String(c), Priority: aws.Int32(int32(i + 1))})
	}
	return out
}

func (s *elbv2Service) DescribeSSLPolicies(c *Call, in *elbv2.DescribeSSLPoliciesInput) (*elbv2.DescribeSSLPoliciesOutput, error) {
	switch in.LoadBalancerType {
	case "", elbtypes.LoadBalancerTypeEnumApplication, elbtypes.LoadBalancerTypeEnumNetwork:
	default:
		return nil, elbValidation("1 validation error detected: Value '%s' at 'loadBalancerType' failed to satisfy constraint: Member must satisfy enum value set: [application, network]", in.LoadBalancerType)
	}
	var list []*elbSSLPolicySpec
	if len(in.Names) > 0 {
		for _, name := range in.Names {
			p := elbFindSSLPolicy(name)
			if p == nil {
				return nil, Errorf("SSLPolicyNotFound", "SSL policy '%s' not found", name)
			}
			list = append(list, p)
		}
	} else {
		for i := range elbSSLPolicies {
			list = append(list, &elbSSLPolicies[i])
		}
	}
	page, next, err := elbPage(list, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elbv2.DescribeSSLPoliciesOutput{SslPolicies: []elbtypes.SslPolicy{}, NextMarker: next}
	for _, p := range page {
		out.SslPolicies = append(out.SslPolicies, p.view())
	}
	return out, nil
}
