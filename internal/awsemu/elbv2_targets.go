package awsemu

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

type elbTargetGroup struct {
	arn, name       string
	protocol        elbtypes.ProtocolEnum
	protocolVersion string
	port            int32
	vpc             string
	targetType      elbtypes.TargetTypeEnum
	hc              elbHealthCheck
	attrs           map[string]string
	targets         []*elbTarget
	tags            map[string]string
	usedSince       time.Time // when a listener or rule started forwarding to it
}

type elbHealthCheck struct {
	enabled                      bool
	protocol                     elbtypes.ProtocolEnum
	port, path, matcher          string
	interval, timeout            int32
	healthyCount, unhealthyCount int32
}

type elbTarget struct {
	id           string
	port         int32
	registered   time.Time
	deregistered time.Time // zero while registered
	drainUntil   time.Time
	// life counts the health answers before healthy, for the lifecycle log.
	life targetLife
}

func (s *elbv2Service) tg(arn string) (*elbTargetGroup, *APIError) {
	if !elbTGARN.MatchString(arn) {
		return nil, elbValidation("'%s' is not a valid target group ARN", arn)
	}
	tg := s.tgs[arn]
	if tg == nil {
		return nil, Errorf("TargetGroupNotFound", "Target group '%s' not found", arn)
	}
	return tg, nil
}

var elbVPCID = regexp.MustCompile(`^vpc-[0-9a-f]{8,17}$`)

func elbCheckTGName(name string) *APIError {
	switch {
	case name == "":
		return elbValidation("A target group name must be specified")
	case len(name) > 32:
		return elbValidation("Target group name '%s' cannot be longer than '32' characters", name)
	case !elbNamePattern.MatchString(name):
		return elbValidation("Target group name '%s' can only contain characters that are alphanumeric characters or hyphens(-)", name)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return elbValidation("Target group name '%s' cannot begin or end with '-'", name)
	}
	return nil
}

func elbRangeErr(field string, v, lo, hi int32) *APIError {
	if v < lo {
		return elbValidation("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", v, field, lo)
	}
	return elbValidation("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", v, field, hi)
}

var elbMatcherCode = regexp.MustCompile(`^\d{3}$`)

// elbCheckMatcher validates an HTTP matcher ("200", "200,302", "200-299").
func elbCheckMatcher(m string) *APIError {
	if m == "" {
		return elbValidation("Health check matcher HTTP code '' must be within '200-499' range.")
	}
	for _, part := range strings.Split(m, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		if !elbMatcherCode.MatchString(lo) || !elbMatcherCode.MatchString(hi) {
			return elbValidation("Health check matcher HTTP code '%s' must be within '200-499' range.", m)
		}
		a, _ := strconv.Atoi(lo)
		b, _ := strconv.Atoi(hi)
		if a < 200 || b > 499 || a > b {
			return elbValidation("Health check matcher HTTP code '%s' must be within '200-499' range.", m)
		}
	}
	return nil
}

func elbHTTPProtocol(p elbtypes.ProtocolEnum) bool {
	return p == elbtypes.ProtocolEnumHttp || p == elbtypes.ProtocolEnumHttps
}

// applyHealthCheck validates health-check settings of a create or modify
// request and applies them to hc.
func elbApplyHealthCheck(hc *elbHealthCheck, enabled *bool, protocol elbtypes.ProtocolEnum, port, path *string,
	interval, timeout, healthy, unhealthy *int32, matcher *elbtypes.Matcher) *APIError {
	if enabled != nil {
		hc.enabled = *enabled
	}
	if protocol != "" {
		switch protocol {
		case elbtypes.ProtocolEnumHttp, elbtypes.ProtocolEnumHttps, elbtypes.ProtocolEnumTcp:
		default:
			return elbValidation("Health check protocol '%s' is not supported", protocol)
		}
		hc.protocol = protocol
	}
	if port != nil {
		if *port != "traffic-port" {
			n, err := strconv.Atoi(*port)
			if err != nil || n < 1 || n > 65535 {
				return elbValidation("Health check port '%s' must be 'traffic-port' or a port between 1 and 65535", *port)
			}
		}
		hc.port = *port
	}
	if path != nil {
		if !elbHTTPProtocol(hc.protocol) {
			return elbValidation("A health check path cannot be set with health check protocol '%s'", hc.protocol)
		}
		if !strings.HasPrefix(*path, "/") || len(*path) > 1024 {
			return elbValidation("Health check path '%s' must begin with '/' and be at most 1024 characters", *path)
		}
		hc.path = *path
	}
	if interval != nil {
		if *interval < 5 || *interval > 300 {
			return elbRangeErr("healthCheckIntervalSeconds", *interval, 5, 300)
		}
		hc.interval = *interval
	}
	if timeout != nil {
		if *timeout < 2 || *timeout > 120 {
			return elbRangeErr("healthCheckTimeoutSeconds", *timeout, 2, 120)
		}
		hc.timeout = *timeout
	}
	if healthy != nil {
		if *healthy < 2 || *healthy > 10 {
			return elbRangeErr("healthyThresholdCount", *healthy, 2, 10)
		}
		hc.healthyCount = *healthy
	}
	if unhealthy != nil {
		if *unhealthy < 2 || *unhealthy > 10 {
			return elbRangeErr("unhealthyThresholdCount", *unhealthy, 2, 10)
		}
		hc.unhealthyCount = *unhealthy
	}
	if hc.timeout >= hc.interval {
		return elbValidation("Health check interval must be greater than the timeout.")
	}
	if matcher != nil {
		if matcher.GrpcCode != nil {
			return elbValidation("A gRPC matcher can only be used with protocol version GRPC")
		}
		if matcher.HttpCode != nil {
			if err := elbCheckMatcher(*matcher.HttpCode); err != nil {
				return err
			}
			hc.matcher = *matcher.HttpCode
		}
	}
	return nil
}

func (s *elbv2Service) CreateTargetGroup(c *Call, in *elbv2.CreateTargetGroupInput) (*elbv2.CreateTargetGroupOutput, error) {
	name := aws.ToString(in.Name)
	if err := elbCheckTGName(name); err != nil {
		return nil, err
	}
	tt := in.TargetType
	switch tt {
	case "":
		tt = elbtypes.TargetTypeEnumInstance
	case elbtypes.TargetTypeEnumInstance:
	case elbtypes.TargetTypeEnumIp, elbtypes.TargetTypeEnumLambda, elbtypes.TargetTypeEnumAlb:
		return nil, elbValidation("Target type '%s' is not supported by this emulator", tt)
	default:
		return nil, elbValidation("1 validation error detected: Value '%s' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [instance, ip, lambda, alb]", tt)
	}
	switch in.Protocol {
	case "":
		return nil, elbValidation("A protocol must be specified")
	case elbtypes.ProtocolEnumHttp, elbtypes.ProtocolEnumHttps, elbtypes.ProtocolEnumTcp, elbtypes.ProtocolEnumTls,
		elbtypes.ProtocolEnumUdp, elbtypes.ProtocolEnumTcpUdp, elbtypes.ProtocolEnumGeneve:
	default:
		return nil, elbValidation("1 validation error detected: Value '%s' at 'protocol' failed to satisfy constraint: Member must satisfy enum value set: [HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, GENEVE]", in.Protocol)
	}
	if in.Port == nil {
		return nil, elbValidation("A port must be specified")
	}
	if *in.Port < 1 || *in.Port > 65535 {
		return nil, elbRangeErr("port", *in.Port, 1, 65535)
	}
	vpc := aws.ToString(in.VpcId)
	if vpc == "" {
		return nil, elbValidation("A VPC ID must be specified")
	}
	if !elbVPCID.MatchString(vpc) {
		return nil, elbValidation("The VPC ID '%s' is not valid", vpc)
	}
	version := aws.ToString(in.ProtocolVersion)
	if elbHTTPProtocol(in.Protocol) {
		switch strings.ToUpper(version) {
		case "":
			version = "HTTP1"
		case "HTTP1", "HTTP2", "GRPC":
			version = strings.ToUpper(version)
		default:
			return nil, elbValidation("Protocol version '%s' is not valid; valid values are HTTP1, HTTP2 and GRPC", version)
		}
	} else if version != "" {
		return nil, elbValidation("A protocol version can only be specified for HTTP and HTTPS target groups")
	}
	hc := elbHealthCheck{enabled: true, protocol: in.Protocol, port: "traffic-port", path: "/", matcher: "200",
		interval: 30, timeout: 5, healthyCount: 5, unhealthyCount: 2}
	if !elbHTTPProtocol(in.Protocol) {
		hc = elbHealthCheck{enabled: true, protocol: elbtypes.ProtocolEnumTcp, port: "traffic-port", interval: 30, timeout: 10, healthyCount: 5, unhealthyCount: 2}
	}
	if err := elbApplyHealthCheck(&hc, in.HealthCheckEnabled, in.HealthCheckProtocol, in.HealthCheckPort, in.HealthCheckPath,
		in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds, in.HealthyThresholdCount, in.UnhealthyThresholdCount, in.Matcher); err != nil {
		return nil, err
	}
	tags, err := elbTags(in.Tags)
	if err != nil {
		return nil, err
	}
	// Idempotent: the same name and settings return the existing group.
	for _, arn := range s.tgOrder {
		tg := s.tgs[arn]
		if tg.name != name {
			continue
		}
		if tg.protocol == in.Protocol && tg.port == *in.Port && tg.vpc == vpc && tg.targetType == tt && tg.hc == hc && tg.protocolVersion == version {
			return &elbv2.CreateTargetGroupOutput{TargetGroups: []elbtypes.TargetGroup{s.tgView(tg)}}, nil
		}
		return nil, Errorf("DuplicateTargetGroupName", "A target group with the same name '%s' exists, but with different settings", name)
	}
	if limit := s.quota(quotaELBTargetGroups); len(s.tgOrder) >= limit {
		return nil, Errorf("TooManyTargetGroups", "You've reached the limit on the number of target groups for your account")
	}
	tg := &elbTargetGroup{
		arn: s.arnPrefix(c) + "targetgroup/" + name + "/" + c.Emu.HexID("elbv2-targetgroup", 16), name: name,
		protocol: in.Protocol, protocolVersion: version, port: *in.Port, vpc: vpc, targetType: tt, hc: hc,
		attrs: elbDefaultTGAttributes(), tags: tags,
	}
	s.tgs[tg.arn] = tg
	s.tgOrder = append(s.tgOrder, tg.arn)
	return &elbv2.CreateTargetGroupOutput{TargetGroups: []elbtypes.TargetGroup{s.tgView(tg)}}, nil
}

// tgLoadBalancers lists the load balancers whose listeners or rules forward
// to a target group.
func (s *elbv2Service) tgLoadBalancers(tgARN string) []string {
	var out []string
	seen := map[string]bool{}
	for _, rarn := range s.ruleOrder {
		r := s.rules[rarn]
		if r == nil || !elbActionsUse(r.actions, tgARN) {
			continue
		}
		l := s.listeners[r.listenerARN]
		if l != nil && !seen[l.lbARN] {
			seen[l.lbARN] = true
			out = append(out, l.lbARN)
		}
	}
	return out
}

// refreshUsage records when each target group started being used, after a
// listener or rule changed.
func (s *elbv2Service) refreshUsage(now time.Time) {
	for _, tg := range s.tgs {
		used := len(s.tgLoadBalancers(tg.arn)) > 0
		switch {
		case used && tg.usedSince.IsZero():
			tg.usedSince = now
		case !used:
			tg.usedSince = time.Time{}
			// Deregistration of a group nobody uses needs no draining.
			kept := tg.targets[:0]
			for _, t := range tg.targets {
				if t.deregistered.IsZero() {
					kept = append(kept, t)
				}
			}
			tg.targets = kept
		}
	}
}

func (s *elbv2Service) tgView(tg *elbTargetGroup) elbtypes.TargetGroup {
	out := elbtypes.TargetGroup{
		TargetGroupArn:             aws.String(tg.arn),
		TargetGroupName:            aws.String(tg.name),
		Protocol:                   tg.protocol,
		Port:                       aws.Int32(tg.port),
		VpcId:                      aws.String(tg.vpc),
		TargetType:                 tg.targetType,
		IpAddressType:              elbtypes.TargetGroupIpAddressTypeEnumIpv4,
		HealthCheckEnabled:         aws.Bool(tg.hc.enabled),
		HealthCheckProtocol:        tg.hc.protocol,
		HealthCheckPort:            aws.String(tg.hc.port),
		HealthCheckIntervalSeconds: aws.Int32(tg.hc.interval),
		HealthCheckTimeoutSeconds:  aws.Int32(tg.hc.timeout),
		HealthyThresholdCount:      aws.Int32(tg.hc.healthyCount),
		UnhealthyThresholdCount:    aws.Int32(tg.hc.unhealthyCount),
		LoadBalancerArns:           s.tgLoadBalancers(tg.arn),
	}
	if out.LoadBalancerArns == nil {
		out.LoadBalancerArns = []string{}
	}
	if elbHTTPProtocol(tg.hc.protocol) {
		out.HealthCheckPath = aws.String(tg.hc.path)
		out.Matcher = &elbtypes.Matcher{HttpCode: aws.String(tg.hc.matcher)}
	}
	if tg.protocolVersion != "" {
		out.ProtocolVersion = aws.String(tg.protocolVersion)
	}
	return out
}

func (s *elbv2Service) DescribeTargetGroups(c *Call, in *elbv2.DescribeTargetGroupsInput) (*elbv2.DescribeTargetGroupsOutput, error) {
	n := 0
	for _, set := range []bool{len(in.TargetGroupArns) > 0, len(in.Names) > 0, in.LoadBalancerArn != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return nil, elbValidation("Target group ARNs, target group names and a load balancer ARN cannot be specified at the same time")
	}
	var list []*elbTargetGroup
	switch {
	case len(in.TargetGroupArns) > 0:
		for _, arn := range in.TargetGroupArns {
			if !elbTGARN.MatchString(arn) {
				return nil, elbValidation("'%s' is not a valid target group ARN", arn)
			}
			tg := s.tgs[arn]
			if tg == nil {
				return nil, Errorf("TargetGroupNotFound", "One or more target groups not found")
			}
			list = append(list, tg)
		}
	case len(in.Names) > 0:
		for _, name := range in.Names {
			found := false
			for _, arn := range s.tgOrder {
				if s.tgs[arn].name == name {
					list = append(list, s.tgs[arn])
					found = true
				}
			}
			if !found {
				return nil, Errorf("TargetGroupNotFound", "One or more target groups not found")
			}
		}
	case in.LoadBalancerArn != nil:
		lb, err := s.lb(aws.ToString(in.LoadBalancerArn))
		if err != nil {
			return nil, err
		}
		for _, arn := range s.tgOrder {
			for _, l := range s.tgLoadBalancers(arn) {
				if l == lb.arn {
					list = append(list, s.tgs[arn])
				}
			}
		}
	default:
		for _, arn := range s.tgOrder {
			list = append(list, s.tgs[arn])
		}
	}
	page, next, err := elbPage(list, in.Marker, in.PageSize)
	if err != nil {
		return nil, err
	}
	out := &elbv2.DescribeTargetGroupsOutput{TargetGroups: []elbtypes.TargetGroup{}, NextMarker: next}
	for _, tg := range page {
		out.TargetGroups = append(out.TargetGroups, s.tgView(tg))
	}
	return out, nil
}

func (s *elbv2Service) ModifyTargetGroup(c *Call, in *elbv2.ModifyTargetGroupInput) (*elbv2.ModifyTargetGroupOutput, error) {
	tg, err := s.tg(aws.ToString(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	hc := tg.hc
	if err := elbApplyHealthCheck(&hc, in.HealthCheckEnabled, in.HealthCheckProtocol, in.HealthCheckPort, in.HealthCheckPath,
		in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds, in.HealthyThresholdCount, in.UnhealthyThresholdCount, in.Matcher); err != nil {
		return nil, err
	}
	tg.hc = hc
	return &elbv2.ModifyTargetGroupOutput{TargetGroups: []elbtypes.TargetGroup{s.tgView(tg)}}, nil
}

func (s *elbv2Service) DeleteTargetGroup(c *Call, in *elbv2.DeleteTargetGroupInput) (*elbv2.DeleteTargetGroupOutput, error) {
	arn := aws.ToString(in.TargetGroupArn)
	if !elbTGARN.MatchString(arn) {
		return nil, elbValidation("'%s' is not a valid target group ARN", arn)
	}
	tg := s.tgs[arn]
	if tg == nil {
		c.Note("found", "false")
		return &elbv2.DeleteTargetGroupOutput{}, nil
	}
	c.Note("found", "true")
	if len(s.tgLoadBalancers(arn)) > 0 {
		return nil, Errorf("ResourceInUse", "Target group '%s' is currently in use by a listener or a rule", arn)
	}
	delete(s.tgs, arn)
	s.tgOrder = removeString(s.tgOrder, arn)
	return &elbv2.DeleteTargetGroupOutput{}, nil
}

// --- target group attributes ----------------------------------------------------

func elbDefaultTGAttributes() map[string]string {
	return map[string]string{
		"deregistration_delay.timeout_seconds":                                           "300",
		"stickiness.enabled":                                                             "false",
		"stickiness.type":                                                                "lb_cookie",
		"stickiness.lb_cookie.duration_seconds":                                          "86400",
		"stickiness.app_cookie.cookie_name":                                              "",
		"stickiness.app_cookie.duration_seconds":                                         "86400",
		"slow_start.duration_seconds":                                                    "0",
		"load_balancing.algorithm.type":                                                  "round_robin",
		"load_balancing.algorithm.anomaly_mitigation":                                    "off",
		"load_balancing.cross_zone.enabled":                                              "use_load_balancer_configuration",
		"target_group_health.dns_failover.minimum_healthy_targets.count":                 "1",
		"target_group_health.dns_failover.minimum_healthy_targets.percentage":            "off",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count":      "1",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
	}
}

func elbCheckTGAttribute(k, v string) *APIError {
	bad := func(rule string) *APIError {
		return elbValidation("Target group attribute value '%s' is not valid for key '%s': %s", v, k, rule)
	}
	switch k {
	case "deregistration_delay.timeout_seconds":
		if !elbIntIn(v, 0, 3600) {
			return bad("it must be an integer between 0 and 3600")
		}
	case "stickiness.enabled":
		if !elbBool(v) {
			return bad("it must be 'true' or 'false'")
		}
	case "stickiness.type":
		if v != "lb_cookie" && v != "app_cookie" {
			return bad("it must be lb_cookie or app_cookie")
		}
	case "stickiness.lb_cookie.duration_seconds", "stickiness.app_cookie.duration_seconds":
		if !elbIntIn(v, 1, 604800) {
			return bad("it must be an integer between 1 and 604800")
		}
	case "stickiness.app_cookie.cookie_name":
	case "slow_start.duration_seconds":
		if !(v == "0" || elbIntIn(v, 30, 900)) {
			return bad("it must be 0 or an integer between 30 and 900")
		}
	case "load_balancing.algorithm.type":
		if v != "round_robin" && v != "least_outstanding_requests" && v != "weighted_random" {
			return bad("it must be round_robin, least_outstanding_requests or weighted_random")
		}
	case "load_balancing.algorithm.anomaly_mitigation":
		if v != "on" && v != "off" {
			return bad("it must be on or off")
		}
	case "load_balancing.cross_zone.enabled":
		if v != "true" && v != "false" && v != "use_load_balancer_configuration" {
			return bad("it must be true, false or use_load_balancer_configuration")
		}
	case "target_group_health.dns_failover.minimum_healthy_targets.count", "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count":
		if !(v == "off" || elbIntIn(v, 1, 1000)) {
			return bad("it must be off or an integer of at least 1")
		}
	case "target_group_health.dns_failover.minimum_healthy_targets.percentage", "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage":
		if !(v == "off" || elbIntIn(v, 1, 100)) {
			return bad("it must be off or an integer between 1 and 100")
		}
	default:
		return elbValidation("Target group attribute key '%s' is not recognized", k)
	}
	return nil
}

func elbTGAttrList(m map[string]string) []elbtypes.TargetGroupAttribute {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]elbtypes.TargetGroupAttribute, 0, len(keys))
	for _, k := range keys {
		out = append(out, elbtypes.TargetGroupAttribute{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func (s *elbv2Service) DescribeTargetGroupAttributes(c *Call, in *elbv2.DescribeTargetGroupAttributesInput) (*elbv2.DescribeTargetGroupAttributesOutput, error) {
	tg, err := s.tg(aws.ToString(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	return &elbv2.DescribeTargetGroupAttributesOutput{Attributes: elbTGAttrList(tg.attrs)}, nil
}

func (s *elbv2Service) ModifyTargetGroupAttributes(c *Call, in *elbv2.ModifyTargetGroupAttributesInput) (*elbv2.ModifyTargetGroupAttributesOutput, error) {
	tg, err := s.tg(aws.ToString(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	if len(in.Attributes) == 0 {
		return nil, elbValidation("1 validation error detected: Value null at 'attributes' failed to satisfy constraint: Member must not be null")
	}
	next := map[string]string{}
	for k, v := range tg.attrs {
		next[k] = v
	}
	for _, a := range in.Attributes {
		k, v := aws.ToString(a.Key), aws.ToString(a.Value)
		if err := elbCheckTGAttribute(k, v); err != nil {
			return nil, err
		}
		next[k] = v
	}
	if next["stickiness.enabled"] == "true" && next["stickiness.type"] == "app_cookie" && next["stickiness.app_cookie.cookie_name"] == "" {
		return nil, Errorf("InvalidConfigurationRequest", "An application cookie name must be specified for app_cookie stickiness")
	}
	tg.attrs = next
	return &elbv2.ModifyTargetGroupAttributesOutput{Attributes: elbTGAttrList(tg.attrs)}, nil
}

// --- targets --------------------------------------------------------------------

func (tg *elbTargetGroup) find(id string, port int32) *elbTarget {
	for _, t := range tg.targets {
		if t.id == id && t.port == port {
			return t
		}
	}
	return nil
}

func (tg *elbTargetGroup) targetPort(d elbtypes.TargetDescription) (int32, *APIError) {
	if d.Port == nil {
		return tg.port, nil
	}
	if *d.Port < 1 || *d.Port > 65535 {
		return 0, elbRangeErr("targets.member.port", *d.Port, 1, 65535)
	}
	return *d.Port, nil
}

func (s *elbv2Service) RegisterTargets(c *Call, in *elbv2.RegisterTargetsInput) (*elbv2.RegisterTargetsOutput, error) {
	tg, err := s.tg(aws.ToString(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	if len(in.Targets) == 0 {
		return nil, elbValidation("1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null")
	}
	net := s.network(c)
	now := c.Now()
	var notRunning, otherVPC []string
	type reg struct {
		id   string
		port int32
	}
	var regs []reg
	for _, d := range in.Targets {
		id := aws.ToString(d.Id)
		port, err := tg.targetPort(d)
		if err != nil {
			return nil, err
		}
		inst, ok := net.InstanceInfo(id, now)
		if !ok || inst.State == "terminated" {
			return nil, Errorf("InvalidTarget", "The specified target does not exist, is not in the same VPC as the target group, or has an unsupported instance type: '%s'", id)
		}
		if inst.VPCID != tg.vpc {
			otherVPC = append(otherVPC, "'"+id+"'")
			continue
		}
		if inst.State != "running" {
			notRunning = append(notRunning, "'"+id+"'")
			continue
		}
		regs = append(regs, reg{id, port})
	}
	if len(otherVPC) > 0 {
		return nil, Errorf("InvalidTarget", "The following targets are not in the target group VPC '%s': %s", tg.vpc, strings.Join(otherVPC, ", "))
	}
	if len(notRunning) > 0 {
		return nil, Errorf("InvalidTarget", "The following targets are not in a running state and cannot be registered: %s", strings.Join(notRunning, ", "))
	}
	if len(tg.targets)+len(regs) > s.quota(quotaELBTargetsPerTG) {
		return nil, Errorf("TooManyTargets", "You've reached the limit on the number of targets.")
	}
	for _, r := range regs {
		if t := tg.find(r.id, r.port); t != nil {
			if !t.deregistered.IsZero() { // registering a draining target again
				t.registered, t.deregistered, t.drainUntil = now, time.Time{}, time.Time{}
			}
			continue
		}
		tg.targets = append(tg.targets, &elbTarget{id: r.id, port: r.port, registered: now})
	}
	return &elbv2.RegisterTargetsOutput{}, nil
}

func (s *elbv2Service) DeregisterTargets(c *Call, in *elbv2.DeregisterTargetsInput) (*elbv2.DeregisterTargetsOutput, error) {
	tg, err := s.tg(aws.ToString(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	if len(in.Targets) == 0 {
		return nil, elbValidation("1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null")
	}
	now := c.Now()
	net := s.network(c)
	delay, _ := strconv.Atoi(tg.attrs["deregistration_delay.timeout_seconds"])
	used := len(s.tgLoadBalancers(tg.arn)) > 0
	for _, d := range in.Targets {
		id := aws.ToString(d.Id)
		port, err := tg.targetPort(d)
		if err != nil {
			return nil, err
		}
		t := tg.find(id, port)
		if t == nil {
			if _, ok := net.InstanceInfo(id, now); !ok {
				return nil, Errorf("InvalidTarget", "The specified target does not exist, is not in the same VPC as the target group, or has an unsupported instance type: '%s'", id)
			}
			continue // not registered: nothing to do
		}
		if !t.deregistered.IsZero() {
			continue
		}
		t.deregistered = now
		t.drainUntil = now.Add(time.Duration(delay) * time.Second)
		if !used || delay == 0 {
			t.drainUntil = now
		}
	}
	s.Tick(now)
	return &elbv2.DeregisterTargetsOutput{}, nil
}

// health computes a target's health at now.
func (s *elbv2Service) health(c *Call, tg *elbTargetGroup, t *elbTarget, now time.Time) elbtypes.TargetHealth {
	h := func(state elbtypes.TargetHealthStateEnum, reason elbtypes.TargetHealthReasonEnum, desc string) elbtypes.TargetHealth {
		out := elbtypes.TargetHealth{State: state, Reason: reason}
		if desc != "" {
			out.Description = aws.String(desc)
		}
		return out
	}
	if !t.deregistered.IsZero() {
		return h(elbtypes.TargetHealthStateEnumDraining, elbtypes.TargetHealthReasonEnumDeregistrationInProgress, "Target deregistration is in progress")
	}
	lbs := s.tgLoadBalancers(tg.arn)
	if len(lbs) == 0 {
		return h(elbtypes.TargetHealthStateEnumUnused, elbtypes.TargetHealthReasonEnumNotInUse, "Target group is not configured to receive traffic from the load balancer")
	}
	inst, ok := s.network(c).InstanceInfo(t.id, now)
	switch {
	case !ok || inst.State == "terminated" || inst.State == "shutting-down":
		return h(elbtypes.TargetHealthStateEnumUnused, elbtypes.TargetHealthReasonEnumInvalidState, "Target is in the terminated state")
	case inst.State == "stopped" || inst.State == "stopping":
		return h(elbtypes.TargetHealthStateEnumUnused, elbtypes.TargetHealthReasonEnumInvalidState, "Target is in the stopped state")
	}
	if !tg.hc.enabled {
		return h(elbtypes.TargetHealthStateEnumUnavailable, elbtypes.TargetHealthReasonEnumHealthCheckDisabled, "Health checks are disabled")
	}
	// Health checks start once the target is registered, the group is in
	// use and one of its load balancers is active.
	var active time.Time
	for _, arn := range lbs {
		if lb := s.lbs[arn]; lb != nil && lb.state.State(now) == "active" {
			if since := lb.state.Since(now); active.IsZero() || since.Before(active) {
				active = since
			}
		}
	}
	if active.IsZero() {
		return h(elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumRegistrationInProgress, "Target registration is in progress")
	}
	start := latest(t.registered, tg.usedSince, active)
	if c.Emu.Knob("elbv2.target_health", "") == "unhealthy" {
		return h(elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumResponseCodeMismatch, "Health checks failed with these codes: [502]")
	}
	base := start
	switch inst.Boot {
	case BootFailed:
		return h(elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumFailedHealthChecks, "Health checks failed")
	case BootPending:
		return h(elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumInitialHealthChecking, "Initial health checks in progress")
	case BootComplete:
		base = latest(start, inst.BootCompleteAt)
	}
	if inst.State != "running" {
		return h(elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumInitialHealthChecking, "Initial health checks in progress")
	}
	healthyAt := base.Add(time.Duration(tg.hc.healthyCount*tg.hc.interval) * time.Second)
	if now.Before(healthyAt) {
		return h(elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumInitialHealthChecking, "Initial health checks in progress")
	}
	t.life.healthy(c, tg.arn, t, base, healthyAt)
	return elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumHealthy}
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

func (s *elbv2Service) DescribeTargetHealth(c *Call, in *elbv2.DescribeTargetHealthInput) (*elbv2.DescribeTargetHealthOutput, error) {
	tg, err := s.tg(aws.ToString(in.TargetGroupArn))
	if err != nil {
		return nil, err
	}
	now := c.Now()
	out := &elbv2.DescribeTargetHealthOutput{TargetHealthDescriptions: []elbtypes.TargetHealthDescription{}}
	hcPort := func(port int32) *string {
		if tg.hc.port == "traffic-port" {
			return aws.String(strconv.Itoa(int(port)))
		}
		return aws.String(tg.hc.port)
	}
	var notes []string
	add := func(id string, port int32, th elbtypes.TargetHealth) {
		if t := tg.find(id, port); t != nil && th.State != elbtypes.TargetHealthStateEnumHealthy {
			t.life.poll(c)
		}
		out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, elbtypes.TargetHealthDescription{
			Target:          &elbtypes.TargetDescription{Id: aws.String(id), Port: aws.Int32(port)},
			HealthCheckPort: hcPort(port),
			TargetHealth:    &th,
		})
		notes = append(notes, id+"="+string(th.State))
	}
	if len(in.Targets) > 0 {
		net := s.network(c)
		for _, d := range in.Targets {
			id := aws.ToString(d.Id)
			port, err := tg.targetPort(d)
			if err != nil {
				return nil, err
			}
			if t := tg.find(id, port); t != nil {
				add(id, port, s.health(c, tg, t, now))
				continue
			}
			if _, ok := net.InstanceInfo(id, now); !ok {
				return nil, Errorf("InvalidTarget", "The specified target does not exist, is not in the same VPC as the target group, or has an unsupported instance type: '%s'", id)
			}
			add(id, port, elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumUnused, Reason: elbtypes.TargetHealthReasonEnumNotRegistered,
				Description: aws.String("Target is not registered to the target group")})
		}
	} else {
		for _, t := range tg.targets {
			add(t.id, t.port, s.health(c, tg, t, now))
		}
	}
	c.Note("health", strings.Join(notes, ","))
	return out, nil
}
