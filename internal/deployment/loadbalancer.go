package deployment

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfelbv2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/elbv2"
)

// findSSLPolicy looks up the ELB security (TLS) policy name: nil when it
// exists, a NotFound error when it does not (the preflight's input check).
func findSSLPolicy(ctx context.Context, c *Clients, name string) error {
	_, err := tfelbv2.FindSSLPolicy(ctx, c.ELBV2, name)
	return err
}

// LoadBalancerState is the load balancer's part of the record.
type LoadBalancerState struct {
	ALBARN         string
	ALBDNSName     string
	ALBZoneID      string
	TargetGroupARN string
	ListenerARNs   []string
	RuleARNs       []string
}

func (l *LoadBalancerState) ids(add func(kind, id string)) {
	for _, arn := range l.ListenerARNs {
		add("listener", arn)
	}
	add("load balancer", l.ALBARN)
	add("target group", l.TargetGroupARN)
}

// forgetLoadBalancer drops the load balancer and its listeners and rules,
// which go with it; the target group is separate.
func (l *LoadBalancerState) forgetLoadBalancer() {
	l.ALBARN, l.ALBDNSName, l.ALBZoneID, l.ListenerARNs, l.RuleARNs = "", "", "", nil, nil
}

const (
	typicalALBActive     = 3 * time.Minute
	typicalTargetHealthy = 5 * time.Minute
	// originRulePriority is the listener rule that admits requests carrying
	// the CloudFront origin secret.
	originRulePriority = 10
	// The target group's health checks: every 15 s, healthy after 2.
	healthCheckInterval = 15
	healthyThreshold    = 2
)

// ensureTargetGroup keeps the target group: HTTP to NGINX on port 80, with a
// health check NGINX proxies to n8n's own health endpoint.
func (o *op) ensureTargetGroup(ctx context.Context) error {
	tg, err := o.findTargetGroup(ctx)
	if retry.NotFound(err) {
		return o.createTargetGroup(ctx)
	}
	if err != nil {
		return err
	}
	arn := aws.ToString(tg.TargetGroupArn)
	o.rec.set(func(s *State) { s.TargetGroupARN = arn })
	if aws.ToString(tg.HealthCheckPath) == o.spec.LoadBalancer.HealthCheckPath {
		return nil
	}
	_, err = o.c.ELBV2.ModifyTargetGroup(ctx, &elbv2.ModifyTargetGroupInput{
		TargetGroupArn:  aws.String(arn),
		HealthCheckPath: aws.String(o.spec.LoadBalancer.HealthCheckPath),
	})
	if err != nil {
		return fmt.Errorf("changing the health check of target group (%s): %w", arn, err)
	}
	return nil
}

// findTargetGroup finds the recorded target group, else the one named after
// the deployment (made by an attempt that failed before recording it).
func (o *op) findTargetGroup(ctx context.Context) (*elbtypes.TargetGroup, error) {
	if arn := o.rec.get().TargetGroupARN; arn != "" {
		tg, err := tfelbv2.FindTargetGroupByARN(ctx, o.c.ELBV2, arn)
		if !retry.NotFound(err) {
			return tg, err
		}
	} else if o.fresh {
		return nil, &retry.NotFoundError{Message: "no target group yet"}
	}
	return tfelbv2.FindTargetGroupByName(ctx, o.c.ELBV2, o.spec.targetGroupName())
}

func (o *op) createTargetGroup(ctx context.Context) error {
	out, err := o.c.ELBV2.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
		Name:                       aws.String(o.spec.targetGroupName()),
		Protocol:                   elbtypes.ProtocolEnumHttp,
		Port:                       aws.Int32(80),
		VpcId:                      aws.String(o.rec.get().VPCID),
		TargetType:                 elbtypes.TargetTypeEnumInstance,
		HealthCheckEnabled:         aws.Bool(true),
		HealthCheckProtocol:        elbtypes.ProtocolEnumHttp,
		HealthCheckPort:            aws.String("traffic-port"),
		HealthCheckPath:            aws.String(o.spec.LoadBalancer.HealthCheckPath),
		HealthCheckIntervalSeconds: aws.Int32(healthCheckInterval),
		HealthCheckTimeoutSeconds:  aws.Int32(5),
		HealthyThresholdCount:      aws.Int32(healthyThreshold),
		UnhealthyThresholdCount:    aws.Int32(3),
		Matcher:                    &elbtypes.Matcher{HttpCode: aws.String("200-399")},
		Tags:                       tfelbv2.Tags(o.spec.tagsFor(CompTargetGroup)),
	})
	if err != nil {
		return fmt.Errorf("creating target group: %w", err)
	}
	arn := aws.ToString(out.TargetGroups[0].TargetGroupArn)
	o.rec.set(func(s *State) { s.TargetGroupARN = arn })
	// Replaced instances leave quickly; the default 300 s drain would hold
	// up every replacement.
	_, err = o.c.ELBV2.ModifyTargetGroupAttributes(ctx, &elbv2.ModifyTargetGroupAttributesInput{
		TargetGroupArn: aws.String(arn),
		Attributes: []elbtypes.TargetGroupAttribute{{
			Key:   aws.String("deregistration_delay.timeout_seconds"),
			Value: aws.String("30"),
		}},
	})
	if err != nil {
		return fmt.Errorf("setting the deregistration delay of target group (%s): %w", arn, err)
	}
	return nil
}

// ensureLoadBalancer keeps an internet-facing ALB in two public subnets and
// waits until it is active.
func (o *op) ensureLoadBalancer(ctx context.Context) error {
	conn := o.c.ELBV2
	st := o.rec.get()
	lb, err := o.findLoadBalancer(ctx)
	created := false
	if retry.NotFound(err) {
		lb, err = o.createLoadBalancer(ctx, st)
		created = true
	}
	if err != nil {
		return err
	}
	arn := aws.ToString(lb.LoadBalancerArn)
	o.rec.set(func(s *State) {
		s.ALBARN, s.ALBDNSName, s.ALBZoneID = arn, aws.ToString(lb.DNSName), aws.ToString(lb.CanonicalHostedZoneId)
	})
	if !slices.Equal(lb.SecurityGroups, []string{st.ALBSecurityGroupID}) {
		_, err := conn.SetSecurityGroups(ctx, &elbv2.SetSecurityGroupsInput{LoadBalancerArn: aws.String(arn), SecurityGroups: []string{st.ALBSecurityGroupID}})
		if err != nil {
			return fmt.Errorf("setting the security group of load balancer (%s): %w", arn, err)
		}
	}
	if lb.State == nil || lb.State.Code != elbtypes.LoadBalancerStateEnumActive {
		_, err := tfelbv2.WaitLoadBalancerActive(ctx, conn, arn, o.remaining(ctx), func(state string, elapsed time.Duration) {
			info(ctx, "waiting for load balancer", map[string]any{
				"load_balancer":     o.spec.loadBalancerName(),
				"state":             state,
				"elapsed_s":         int(elapsed.Seconds()),
				"estimated_percent": percent(elapsed, typicalALBActive),
			})
		})
		if err != nil {
			return err
		}
	}
	return o.reconcileLoadBalancerAttributes(ctx, arn, created)
}

// findLoadBalancer finds the recorded load balancer, else the one named
// after the deployment.
func (o *op) findLoadBalancer(ctx context.Context) (*elbtypes.LoadBalancer, error) {
	if arn := o.rec.get().ALBARN; arn != "" {
		lb, err := tfelbv2.FindLoadBalancerByARN(ctx, o.c.ELBV2, arn)
		if !retry.NotFound(err) {
			return lb, err
		}
	} else if o.fresh {
		return nil, &retry.NotFoundError{Message: "no load balancer yet"}
	}
	return tfelbv2.FindLoadBalancerByName(ctx, o.c.ELBV2, o.spec.loadBalancerName())
}

func (o *op) createLoadBalancer(ctx context.Context, st *State) (*elbtypes.LoadBalancer, error) {
	info(ctx, "creating load balancer", map[string]any{"name": o.spec.loadBalancerName()})
	out, err := o.c.ELBV2.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{
		Name:           aws.String(o.spec.loadBalancerName()),
		Type:           elbtypes.LoadBalancerTypeEnumApplication,
		Scheme:         elbtypes.LoadBalancerSchemeEnumInternetFacing,
		IpAddressType:  elbtypes.IpAddressTypeIpv4,
		Subnets:        st.SubnetIDs,
		SecurityGroups: []string{st.ALBSecurityGroupID},
		Tags:           tfelbv2.Tags(o.spec.tagsFor(CompLoadBalancer)),
	})
	if err != nil {
		return nil, fmt.Errorf("creating load balancer: %w", err)
	}
	return &out.LoadBalancers[0], nil
}

// newLoadBalancerAttributes are the attributes of a new Application Load
// Balancer, as AWS documents their defaults.
var newLoadBalancerAttributes = map[string]string{
	"idle_timeout.timeout_seconds":                    "60",
	"deletion_protection.enabled":                     "false",
	"routing.http.drop_invalid_header_fields.enabled": "false",
}

// wantedLoadBalancerAttributes are the load balancer attributes the
// deployment sets.
func (o *op) wantedLoadBalancerAttributes() map[string]string {
	return map[string]string{
		"idle_timeout.timeout_seconds":                    strconv.Itoa(int(o.spec.LoadBalancer.IdleTimeoutSeconds)),
		"deletion_protection.enabled":                     strconv.FormatBool(o.spec.LoadBalancer.DeletionProtection),
		"routing.http.drop_invalid_header_fields.enabled": "true",
	}
}

// reconcileLoadBalancerAttributes sets the attributes the deployment
// manages; one just created has AWS's defaults, which need no reading.
func (o *op) reconcileLoadBalancerAttributes(ctx context.Context, arn string, created bool) error {
	want := o.wantedLoadBalancerAttributes()
	have := newLoadBalancerAttributes
	if !created {
		var err error
		if have, err = tfelbv2.FindLoadBalancerAttributes(ctx, o.c.ELBV2, arn); err != nil {
			return err
		}
	}
	var change []elbtypes.LoadBalancerAttribute
	for _, k := range []string{"idle_timeout.timeout_seconds", "deletion_protection.enabled", "routing.http.drop_invalid_header_fields.enabled"} {
		if have[k] != want[k] {
			change = append(change, elbtypes.LoadBalancerAttribute{Key: aws.String(k), Value: aws.String(want[k])})
		}
	}
	if len(change) == 0 {
		return nil
	}
	if _, err := o.c.ELBV2.ModifyLoadBalancerAttributes(ctx, &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn), Attributes: change}); err != nil {
		return fmt.Errorf("setting attributes of load balancer (%s): %w", arn, err)
	}
	return nil
}

type listenerWant struct {
	port        int32
	protocol    elbtypes.ProtocolEnum
	certificate string
	sslPolicy   string
	action      elbtypes.Action
	originRule  bool // add the rule forwarding requests with the origin secret
}

// wantedListeners: HTTP forward; or HTTPS with a redirect from HTTP when a
// certificate is set. In tier 3 with restrict_origin the serving listener
// answers 403 unless the CloudFront origin secret header is present.
func (o *op) wantedListeners(tgARN string) []listenerWant {
	forward := elbtypes.Action{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}
	serve, restricted := forward, o.spec.HasCDN() && o.spec.CDN.RestrictOrigin
	if restricted {
		serve = elbtypes.Action{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{
			StatusCode: aws.String("403"), ContentType: aws.String("text/plain"),
			MessageBody: aws.String("Forbidden: this load balancer only serves its CloudFront distribution."),
		}}
	}
	if !o.spec.lbHTTPS() {
		return []listenerWant{{port: 80, protocol: elbtypes.ProtocolEnumHttp, action: serve, originRule: restricted}}
	}
	return []listenerWant{
		{port: 443, protocol: elbtypes.ProtocolEnumHttps, certificate: o.lbCertificateARN(), sslPolicy: o.spec.LoadBalancer.SSLPolicy, action: serve, originRule: restricted},
		{port: 80, protocol: elbtypes.ProtocolEnumHttp, action: elbtypes.Action{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &elbtypes.RedirectActionConfig{
			Protocol: aws.String("HTTPS"), Port: aws.String("443"), Host: aws.String("#{host}"), Path: aws.String("/#{path}"), Query: aws.String("#{query}"),
			StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301,
		}}},
	}
}

// ensureListeners converges the load balancer's listeners and the origin
// secret rule to wantedListeners.
func (o *op) ensureListeners(ctx context.Context) error {
	conn := o.c.ELBV2
	st := o.rec.get()
	var existing []elbtypes.Listener
	if !o.fresh || len(st.ListenerARNs) > 0 {
		var err error
		if existing, err = tfelbv2.FindListenersByLoadBalancer(ctx, conn, st.ALBARN); err != nil && !retry.NotFound(err) {
			return err
		}
	}
	byPort := map[int32]elbtypes.Listener{}
	for _, l := range existing {
		byPort[aws.ToInt32(l.Port)] = l
	}
	var listenerARNs, ruleARNs []string
	wanted := map[int32]bool{}
	for _, w := range o.wantedListeners(st.TargetGroupARN) {
		wanted[w.port] = true
		var certs []elbtypes.Certificate
		if w.certificate != "" {
			certs = []elbtypes.Certificate{{CertificateArn: aws.String(w.certificate)}}
		}
		var arn string
		created := false
		if l, ok := byPort[w.port]; ok {
			arn = aws.ToString(l.ListenerArn)
			if !listenerMatches(l, w) {
				in := &elbv2.ModifyListenerInput{ListenerArn: aws.String(arn), Protocol: w.protocol, Port: aws.Int32(w.port), DefaultActions: []elbtypes.Action{w.action}, Certificates: certs}
				if w.sslPolicy != "" {
					in.SslPolicy = aws.String(w.sslPolicy)
				}
				if _, err := conn.ModifyListener(ctx, in); err != nil {
					return fmt.Errorf("updating the port %d listener: %w", w.port, err)
				}
			}
		} else {
			in := &elbv2.CreateListenerInput{LoadBalancerArn: aws.String(st.ALBARN), Protocol: w.protocol, Port: aws.Int32(w.port),
				DefaultActions: []elbtypes.Action{w.action}, Certificates: certs, Tags: tfelbv2.Tags(o.spec.tagsFor(CompListener))}
			if w.sslPolicy != "" {
				in.SslPolicy = aws.String(w.sslPolicy)
			}
			out, err := conn.CreateListener(ctx, in)
			if err != nil {
				return fmt.Errorf("creating the port %d listener: %w", w.port, err)
			}
			arn, created = aws.ToString(out.Listeners[0].ListenerArn), true
		}
		listenerARNs = append(listenerARNs, arn)
		o.rec.set(func(s *State) { s.ListenerARNs = appendUnique(s.ListenerARNs, arn) })
		rules, err := o.reconcileOriginRule(ctx, arn, w.originRule, st, created)
		if err != nil {
			return err
		}
		ruleARNs = append(ruleARNs, rules...)
	}
	for port, l := range byPort {
		if !wanted[port] {
			if err := tfelbv2.DeleteListener(ctx, conn, aws.ToString(l.ListenerArn)); err != nil {
				return err
			}
		}
	}
	o.rec.set(func(s *State) { s.ListenerARNs, s.RuleARNs = listenerARNs, ruleARNs })
	return nil
}

func listenerMatches(l elbtypes.Listener, w listenerWant) bool {
	if l.Protocol != w.protocol || len(l.DefaultActions) != 1 || !sameAction(l.DefaultActions[0], w.action) {
		return false
	}
	if w.certificate != "" {
		if len(l.Certificates) == 0 || aws.ToString(l.Certificates[0].CertificateArn) != w.certificate || aws.ToString(l.SslPolicy) != w.sslPolicy {
			return false
		}
	}
	return true
}

func sameAction(a, b elbtypes.Action) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case elbtypes.ActionTypeEnumForward:
		return forwardTarget(a) == forwardTarget(b)
	case elbtypes.ActionTypeEnumRedirect:
		return a.RedirectConfig != nil && b.RedirectConfig != nil && aws.ToString(a.RedirectConfig.Protocol) == aws.ToString(b.RedirectConfig.Protocol) &&
			aws.ToString(a.RedirectConfig.Port) == aws.ToString(b.RedirectConfig.Port) && a.RedirectConfig.StatusCode == b.RedirectConfig.StatusCode
	case elbtypes.ActionTypeEnumFixedResponse:
		return a.FixedResponseConfig != nil && b.FixedResponseConfig != nil && aws.ToString(a.FixedResponseConfig.StatusCode) == aws.ToString(b.FixedResponseConfig.StatusCode)
	}
	return false
}

func forwardTarget(a elbtypes.Action) string {
	if arn := aws.ToString(a.TargetGroupArn); arn != "" {
		return arn
	}
	if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) == 1 {
		return aws.ToString(a.ForwardConfig.TargetGroups[0].TargetGroupArn)
	}
	return ""
}

// reconcileOriginRule keeps (want) or removes the rule that forwards requests
// carrying the origin secret header. A listener just created has only its
// default rule.
func (o *op) reconcileOriginRule(ctx context.Context, listenerARN string, want bool, st *State, created bool) ([]string, error) {
	conn := o.c.ELBV2
	var rules []elbtypes.Rule
	if !created {
		var err error
		if rules, err = tfelbv2.FindRulesByListener(ctx, conn, listenerARN); err != nil && !retry.NotFound(err) {
			return nil, err
		}
	}
	forward := elbtypes.Action{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(st.TargetGroupARN)}
	cond := elbtypes.RuleCondition{Field: aws.String("http-header"), HttpHeaderConfig: &elbtypes.HttpHeaderConditionConfig{
		HttpHeaderName: aws.String(OriginVerifyHeader), Values: []string{st.OriginSecret}}}
	var keep []string
	for _, r := range rules {
		if aws.ToBool(r.IsDefault) {
			continue
		}
		arn := aws.ToString(r.RuleArn)
		matches := want && o.isOriginRule(r, st)
		switch {
		case matches && len(keep) == 0:
			keep = append(keep, arn)
		case want && aws.ToString(r.Priority) == strconv.Itoa(originRulePriority) && len(keep) == 0:
			if _, err := conn.ModifyRule(ctx, &elbv2.ModifyRuleInput{RuleArn: aws.String(arn), Conditions: []elbtypes.RuleCondition{cond}, Actions: []elbtypes.Action{forward}}); err != nil {
				return nil, fmt.Errorf("updating the origin rule: %w", err)
			}
			keep = append(keep, arn)
		default:
			if _, err := conn.DeleteRule(ctx, &elbv2.DeleteRuleInput{RuleArn: aws.String(arn)}); err != nil && !retry.NotFound(err) {
				return nil, fmt.Errorf("removing listener rule (%s): %w", arn, err)
			}
		}
	}
	if want && len(keep) == 0 {
		arn, err := o.createOriginRule(ctx, listenerARN, cond, forward, st)
		if err != nil {
			return nil, err
		}
		keep = append(keep, arn)
	}
	return keep, nil
}

// createOriginRule creates the origin-secret rule. A rule at its priority
// that a retry finds (the first answer lost) is the one it made when it is
// exactly the origin rule.
func (o *op) createOriginRule(ctx context.Context, listenerARN string, cond elbtypes.RuleCondition, forward elbtypes.Action, st *State) (string, error) {
	out, err := o.c.ELBV2.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: aws.String(listenerARN), Priority: aws.Int32(originRulePriority),
		Conditions: []elbtypes.RuleCondition{cond}, Actions: []elbtypes.Action{forward}})
	if err == nil {
		return aws.ToString(out.Rules[0].RuleArn), nil
	}
	if errs.IsCode(err, "PriorityInUse") {
		if rules, ferr := tfelbv2.FindRulesByListener(ctx, o.c.ELBV2, listenerARN); ferr == nil {
			for _, r := range rules {
				if o.isOriginRule(r, st) {
					return aws.ToString(r.RuleArn), nil
				}
			}
		}
	}
	return "", fmt.Errorf("creating the origin rule: %w", err)
}

func ruleHasSecret(r elbtypes.Rule, secret string) bool {
	for _, c := range r.Conditions {
		if h := c.HttpHeaderConfig; h != nil && aws.ToString(h.HttpHeaderName) == OriginVerifyHeader && slices.Equal(h.Values, []string{secret}) {
			return true
		}
	}
	return false
}

// ensureRegistration makes the current instance the target group's only
// target.
func (o *op) ensureRegistration(ctx context.Context) error {
	conn := o.c.ELBV2
	st := o.rec.get()
	var health []elbtypes.TargetHealthDescription
	if !o.fresh {
		var err error
		if health, err = tfelbv2.FindTargetHealth(ctx, conn, st.TargetGroupARN); err != nil && !retry.NotFound(err) {
			return err
		}
	}
	registered := false
	var stale []elbtypes.TargetDescription
	for _, h := range health {
		id := aws.ToString(h.Target.Id)
		switch {
		case id == st.InstanceID:
			registered = true
		case h.TargetHealth == nil || h.TargetHealth.State != elbtypes.TargetHealthStateEnumDraining:
			stale = append(stale, elbtypes.TargetDescription{Id: aws.String(id), Port: h.Target.Port})
		}
	}
	if !registered {
		if _, err := conn.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: aws.String(st.TargetGroupARN),
			Targets: []elbtypes.TargetDescription{{Id: aws.String(st.InstanceID), Port: aws.Int32(80)}}}); err != nil {
			return fmt.Errorf("registering instance (%s) with the target group: %w", st.InstanceID, err)
		}
	}
	if len(stale) > 0 {
		if _, err := conn.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{TargetGroupArn: aws.String(st.TargetGroupARN), Targets: stale}); err != nil && !retry.NotFound(err) {
			return fmt.Errorf("deregistering old targets: %w", err)
		}
	}
	return nil
}

// waitReady waits until the target is healthy: first for the boot-complete
// marker on the console (a boot or GPU failure fails the wait at once with
// its cause, and the GPU report is recorded on the way), then for the health
// checks, which pass a known time after the stack serves.
func (o *op) waitReady(ctx context.Context) error {
	st := o.rec.get()
	typical := typicalTargetHealthy
	if o.spec.GPU {
		typical = typicalGPUBoot
	}
	var serving time.Time
	// An instance launched by an older release and restarted by this
	// operation prints no markers after its first boot (waitBoot): only the
	// health checks tell.
	noMarkers := o.restarted.Load() && !st.MarkersEveryBoot
	if !st.AdoptedInstance && !noMarkers {
		var err error
		serving, err = o.watchConsole(ctx, func(r bootmarker.Report) bool { return r.Complete && (!o.spec.GPU || r.GPU != nil) }, typical)
		if err != nil {
			return err
		}
	}
	// The group checks every 15 s and wants 2 successes (createTargetGroup),
	// counted from when the console showed the stack serving.
	sched := tfelbv2.HealthyAfter(healthCheckInterval, healthyThreshold)
	sched.Immediate = serving.IsZero()
	_, err := tfelbv2.WaitTargetHealthyOn(ctx, o.c.ELBV2, st.TargetGroupARN, st.InstanceID, o.remaining(ctx), sched, serving, func(state string, elapsed time.Duration) {
		info(ctx, "waiting for the target to be healthy", map[string]any{"instance_id": st.InstanceID, "state": state, "elapsed_s": int(elapsed.Seconds())})
	})
	return err
}

func (o *op) deleteListeners(ctx context.Context) error {
	for _, arn := range o.rec.get().ListenerARNs {
		if err := tfelbv2.DeleteListener(ctx, o.c.ELBV2, arn); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.ListenerARNs = remove(s.ListenerARNs, arn) })
	}
	o.rec.set(func(s *State) { s.ListenerARNs, s.RuleARNs = nil, nil })
	return nil
}

func (o *op) deleteLoadBalancer(ctx context.Context) error {
	st := o.rec.get()
	arn := st.ALBARN
	if arn == "" {
		// A load balancer created but not recorded (a crash between the
		// call and the record) still carries the deployment's name.
		lb, err := tfelbv2.FindLoadBalancerByName(ctx, o.c.ELBV2, o.spec.loadBalancerName())
		if retry.NotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		arn = *lb.LoadBalancerArn
	}
	if err := tfelbv2.DeleteLoadBalancer(ctx, o.c.ELBV2, o.c.EC2, arn, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.forgetLoadBalancer() })
	return nil
}

func (o *op) deleteTargetGroup(ctx context.Context) error {
	arn := o.rec.get().TargetGroupARN
	if arn == "" {
		tg, err := tfelbv2.FindTargetGroupByName(ctx, o.c.ELBV2, o.spec.targetGroupName())
		if retry.NotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		arn = *tg.TargetGroupArn
	}
	if err := tfelbv2.DeleteTargetGroup(ctx, o.c.ELBV2, arn, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.TargetGroupARN = "" })
	return nil
}

// refreshLoadBalancer reads the target group, the load balancer's
// listeners (which fail with LoadBalancerNotFound once the load balancer is
// gone) and, for the drift checks of a converged deployment, the load
// balancer itself (its security groups), its attributes and the rules of
// each listener, and compares their settings with what the deployment
// wants. Without the drift checks the load balancer is read only for a
// record that lacks its address (its name, address and zone never change
// while it exists).
func (o *op) refreshLoadBalancer(ctx context.Context) error {
	st := o.rec.get()
	conn := o.c.ELBV2
	if st.TargetGroupARN != "" {
		tg, err := tfelbv2.FindTargetGroupByARN(ctx, conn, st.TargetGroupARN)
		switch {
		case gone(err):
			o.rec.set(func(s *State) { s.TargetGroupARN = "" })
		case err != nil:
			return err
		default:
			if o.seen != nil {
				o.seen.targetGroup = tg
			}
			if o.spec.HasLoadBalancer() && aws.ToString(tg.HealthCheckPath) != o.spec.LoadBalancer.HealthCheckPath {
				o.drifted(DriftLoadBalancer, "target group %s checks health at %s, configured %s", aws.ToString(tg.TargetGroupName), aws.ToString(tg.HealthCheckPath), o.spec.LoadBalancer.HealthCheckPath)
			}
		}
	}
	if st.ALBARN == "" {
		return nil
	}
	ls, err := tfelbv2.FindListenersByLoadBalancer(ctx, conn, st.ALBARN)
	if gone(err) {
		o.rec.set(func(s *State) { s.forgetLoadBalancer() })
		return nil
	} else if err != nil {
		return err
	}
	if o.seen != nil {
		o.seen.listeners = ls
	}
	var arns []string
	for _, l := range ls {
		arns = append(arns, aws.ToString(l.ListenerArn))
	}
	o.rec.set(func(s *State) { s.ListenerARNs = sortedByRecorded(st.ListenerARNs, arns) })
	checks := o.spec.HasLoadBalancer() && st.Converged
	if !checks && st.ALBDNSName != "" && st.ALBZoneID != "" {
		return nil
	}
	lb, err := tfelbv2.FindLoadBalancerByARN(ctx, conn, st.ALBARN)
	if gone(err) {
		o.rec.set(func(s *State) { s.forgetLoadBalancer() })
		return nil
	} else if err != nil {
		return err
	}
	o.rec.set(func(s *State) {
		s.ALBDNSName, s.ALBZoneID = aws.ToString(lb.DNSName), aws.ToString(lb.CanonicalHostedZoneId)
	})
	if !checks {
		return nil
	}
	name := aws.ToString(lb.LoadBalancerName)
	if want := st.ALBSecurityGroupID; want != "" && !slices.Equal(lb.SecurityGroups, []string{want}) {
		o.drifted(DriftLoadBalancer, "%s has security groups %v, want %s", name, lb.SecurityGroups, want)
	}
	attrs, err := tfelbv2.FindLoadBalancerAttributes(ctx, conn, st.ALBARN)
	if err != nil && !gone(err) {
		return err
	}
	for k, want := range o.wantedLoadBalancerAttributes() {
		if attrs != nil && attrs[k] != want {
			o.drifted(DriftLoadBalancer, "%s has %s = %s, want %s", name, k, attrs[k], want)
		}
	}
	return o.listenerDrift(ctx, name, ls)
}

// listenerDrift compares the listeners and their rules with what the
// deployment wants: one listener per wanted port with its default action
// and certificate, and on the serving listener of a restricted origin
// exactly the origin-secret rule.
func (o *op) listenerDrift(ctx context.Context, lbName string, ls []elbtypes.Listener) error {
	st := o.rec.get()
	byPort := map[int32]elbtypes.Listener{}
	for _, l := range ls {
		byPort[aws.ToInt32(l.Port)] = l
	}
	wanted := map[int32]bool{}
	for _, w := range o.wantedListeners(st.TargetGroupARN) {
		wanted[w.port] = true
		l, ok := byPort[w.port]
		if !ok {
			o.drifted(DriftLoadBalancer, "%s has no %s listener on port %d", lbName, w.protocol, w.port)
			continue
		}
		if !listenerMatches(l, w) {
			o.drifted(DriftLoadBalancer, "the port %d listener of %s was changed outside Terraform (protocol, default action or certificate)", w.port, lbName)
		}
		rules, err := tfelbv2.FindRulesByListener(ctx, o.c.ELBV2, aws.ToString(l.ListenerArn))
		if err != nil && !gone(err) {
			return err
		}
		origin := 0
		for _, r := range rules {
			switch {
			case aws.ToBool(r.IsDefault):
			case w.originRule && o.isOriginRule(r, st):
				origin++
			default:
				o.drifted(DriftLoadBalancer, "the port %d listener of %s has a rule added outside Terraform (priority %s)", w.port, lbName, aws.ToString(r.Priority))
			}
		}
		if w.originRule && origin == 0 {
			o.drifted(DriftLoadBalancer, "the port %d listener of %s lost the rule that admits only requests with the CloudFront origin secret", w.port, lbName)
		}
	}
	for port := range byPort {
		if !wanted[port] {
			o.drifted(DriftLoadBalancer, "%s has a listener on port %d added outside Terraform", lbName, port)
		}
	}
	return nil
}

// isOriginRule reports whether a rule is the deployment's origin-secret
// rule as reconcileOriginRule makes it.
func (o *op) isOriginRule(r elbtypes.Rule, st *State) bool {
	forward := elbtypes.Action{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(st.TargetGroupARN)}
	return aws.ToString(r.Priority) == strconv.Itoa(originRulePriority) && ruleHasSecret(r, st.OriginSecret) && len(r.Conditions) == 1 &&
		len(r.Actions) == 1 && sameAction(r.Actions[0], forward)
}

// discoverLoadBalancer finds the load balancer and its parts by name; it
// returns the load balancer's security groups.
// existingLoadBalancer lists the load balancer and target group named after
// the deployment, if they exist.
func existingLoadBalancer(ctx context.Context, c *Clients, spec *Spec) ([]string, error) {
	var out []string
	if lb, err := tfelbv2.FindLoadBalancerByName(ctx, c.ELBV2, spec.loadBalancerName()); err == nil {
		out = append(out, "load-balancer "+aws.ToString(lb.LoadBalancerArn))
	} else if !retry.NotFound(err) {
		return nil, err
	}
	if tg, err := tfelbv2.FindTargetGroupByName(ctx, c.ELBV2, spec.targetGroupName()); err == nil {
		out = append(out, "target-group "+aws.ToString(tg.TargetGroupArn))
	} else if !retry.NotFound(err) {
		return nil, err
	}
	return out, nil
}

// discoverLoadBalancer finds the load balancer and its parts by name (a
// load balancer makes the deployment tier 2 at least) and reads back their
// settings and the origin secret of the listener rule.
func (d *discovery) discoverLoadBalancer(ctx context.Context) error {
	conn, spec, st := d.c.ELBV2, d.spec, d.st
	lb, err := tfelbv2.FindLoadBalancerByName(ctx, conn, spec.loadBalancerName())
	if retry.NotFound(err) {
		spec.LoadBalancer.DomainName = ""
		return nil
	} else if err != nil {
		return err
	}
	spec.Tier = max(spec.Tier, TierAutomation)
	st.ALBARN, st.ALBDNSName, st.ALBZoneID = aws.ToString(lb.LoadBalancerArn), aws.ToString(lb.DNSName), aws.ToString(lb.CanonicalHostedZoneId)
	if st.ALBSecurityGroupID == "" && d.sharedGroup(lb.SecurityGroups) {
		st.ALBSecurityGroupID, d.albSG = st.InstanceSecurityGroupID, d.instanceSG
	}
	if tg, err := tfelbv2.FindTargetGroupByName(ctx, conn, spec.targetGroupName()); err == nil {
		st.TargetGroupARN = aws.ToString(tg.TargetGroupArn)
		spec.LoadBalancer.HealthCheckPath = aws.ToString(tg.HealthCheckPath)
	} else if !retry.NotFound(err) {
		return err
	}
	attrs, err := tfelbv2.FindLoadBalancerAttributes(ctx, conn, st.ALBARN)
	if err != nil {
		return err
	}
	if v, err := strconv.Atoi(attrs["idle_timeout.timeout_seconds"]); err == nil {
		spec.LoadBalancer.IdleTimeoutSeconds = int32(v)
	}
	if v, ok := attrs["deletion_protection.enabled"]; ok {
		spec.LoadBalancer.DeletionProtection = v == "true"
	}
	ls, err := tfelbv2.FindListenersByLoadBalancer(ctx, conn, st.ALBARN)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	sort.Slice(ls, func(i, j int) bool { return aws.ToInt32(ls[i].Port) > aws.ToInt32(ls[j].Port) })
	for _, l := range ls {
		st.ListenerARNs = append(st.ListenerARNs, aws.ToString(l.ListenerArn))
		if l.Protocol == elbtypes.ProtocolEnumHttps && len(l.Certificates) > 0 {
			spec.LoadBalancer.CertificateARN = aws.ToString(l.Certificates[0].CertificateArn)
			spec.LoadBalancer.SSLPolicy = aws.ToString(l.SslPolicy)
		}
		if err := d.discoverRules(ctx, aws.ToString(l.ListenerArn)); err != nil {
			return err
		}
	}
	return nil
}

// discoverRules records a listener's rules and the origin secret one of
// them checks.
func (d *discovery) discoverRules(ctx context.Context, listenerARN string) error {
	rules, err := tfelbv2.FindRulesByListener(ctx, d.c.ELBV2, listenerARN)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	for _, r := range rules {
		if aws.ToBool(r.IsDefault) {
			continue
		}
		d.st.RuleARNs = append(d.st.RuleARNs, aws.ToString(r.RuleArn))
		for _, cond := range r.Conditions {
			if h := cond.HttpHeaderConfig; h != nil && aws.ToString(h.HttpHeaderName) == OriginVerifyHeader && len(h.Values) == 1 {
				d.st.OriginSecret = h.Values[0]
			}
		}
	}
	return nil
}

// listedLoadBalancer is what List needs of a load balancer.
type listedLoadBalancer struct {
	arn, dnsName string
	created      time.Time
}

// collectLoadBalancers lists the region's load balancers and target groups
// by name, for List.
func (l *listing) collectLoadBalancers(ctx context.Context, c *Clients) error {
	lbs, err := tfelbv2.FindLoadBalancers(ctx, c.ELBV2)
	if err != nil {
		return err
	}
	tgs, err := tfelbv2.FindTargetGroups(ctx, c.ELBV2)
	if err != nil {
		return err
	}
	l.lbs, l.tgs = map[string]listedLoadBalancer{}, map[string][]string{}
	for _, lb := range lbs {
		l.lbs[aws.ToString(lb.LoadBalancerName)] = listedLoadBalancer{
			arn:     aws.ToString(lb.LoadBalancerArn),
			dnsName: aws.ToString(lb.DNSName),
			created: aws.ToTime(lb.CreatedTime),
		}
	}
	for _, tg := range tgs {
		// A listener of each load balancer here forwards to the group.
		l.tgs[aws.ToString(tg.TargetGroupName)] = tg.LoadBalancerArns
	}
	return nil
}

// retagLoadBalancer moves the load balancer's, target group's and listeners'
// tags from old's to the spec's.
func (o *op) retagLoadBalancer(ctx context.Context, old *Spec, st *State) error {
	elb := map[string]string{st.ALBARN: CompLoadBalancer, st.TargetGroupARN: CompTargetGroup}
	for _, l := range st.ListenerARNs {
		elb[l] = CompListener
	}
	for arn, comp := range elb {
		if arn == "" {
			continue
		}
		if err := tfelbv2.UpdateTags(ctx, o.c.ELBV2, arn, old.tagsFor(comp), o.spec.tagsFor(comp)); err != nil {
			return err
		}
	}
	return nil
}

// adoptLoadBalancer records the load balancer and target group named after
// the deployment that a create made but did not record.
func (o *op) adoptLoadBalancer(ctx context.Context) error {
	st := o.rec.get()
	if st.ALBARN == "" {
		lb, err := tfelbv2.FindLoadBalancerByName(ctx, o.c.ELBV2, o.spec.loadBalancerName())
		switch {
		case err == nil:
			o.rec.set(func(s *State) {
				s.ALBARN, s.ALBDNSName, s.ALBZoneID = aws.ToString(lb.LoadBalancerArn), aws.ToString(lb.DNSName), aws.ToString(lb.CanonicalHostedZoneId)
			})
		case !retry.NotFound(err):
			return err
		}
	}
	if st.TargetGroupARN == "" {
		tg, err := tfelbv2.FindTargetGroupByName(ctx, o.c.ELBV2, o.spec.targetGroupName())
		switch {
		case err == nil:
			o.rec.set(func(s *State) { s.TargetGroupARN = aws.ToString(tg.TargetGroupArn) })
		case !retry.NotFound(err):
			return err
		}
	}
	return nil
}

// checkDeletionProtection refuses a destroy, before anything is touched,
// when the load balancer has deletion protection on in AWS: AWS would
// refuse its delete only after the instance and the storage were gone.
func (o *op) checkDeletionProtection(ctx context.Context) error {
	arn := o.rec.get().ALBARN
	if arn == "" {
		return nil
	}
	attrs, err := tfelbv2.FindLoadBalancerAttributes(ctx, o.c.ELBV2, arn)
	if retry.NotFound(err) {
		return nil
	} else if err != nil {
		return describe("deletion protection check", err)
	}
	if attrs["deletion_protection.enabled"] != "true" {
		return nil
	}
	return &Error{Step: "deletion protection check", Message: fmt.Sprintf("load balancer %s has deletion protection on; nothing was deleted.", arn),
		Hint: "Set load_balancer.deletion_protection = false and run `terraform apply` (it only turns the protection off), then run `terraform destroy` again."}
}

// disableDeletionProtection turns off the protection of a load balancer the
// rollback deletes; should that fail, the delete reports why.
func (o *op) disableDeletionProtection(ctx context.Context, arn string) {
	_, err := o.c.ELBV2.ModifyLoadBalancerAttributes(context.WithoutCancel(ctx), &elbv2.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn),
		Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String("deletion_protection.enabled"), Value: aws.String("false")}}})
	if err != nil {
		info(ctx, "could not turn off the load balancer's deletion protection", map[string]any{"error": err.Error()})
	}
}
