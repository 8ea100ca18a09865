package awsemu

// The Application Load Balancer: listener by port, rules by priority with
// their conditions, and the forward, fixed-response and redirect actions;
// forwarding goes to healthy registered targets only, from the load
// balancer's own network interfaces, with the X-Forwarded headers.

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

var albStatusText = map[int]string{
	400: "400 Bad Request", 403: "403 Forbidden", 404: "404 Not Found", 408: "408 Request Time-out",
	500: "500 Internal Server Error", 502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable", 504: "504 Gateway Time-out",
}

// albErrorPage is the page the load balancer generates itself.
func albErrorPage(status int, extra string) *vresp {
	title := albStatusText[status]
	if title == "" {
		title = strconv.Itoa(status) + " " + http.StatusText(status)
	}
	head := title
	if extra != "" {
		head = strconv.Itoa(status) + " " + extra
	}
	body := "<html>\r\n<head><title>" + head + "</title></head>\r\n<body>\r\n<center><h1>" + title + "</h1></center>\r\n"
	if extra != "" {
		body += "<center>" + extra + "</center>\r\n"
	}
	body += "</body>\r\n</html>\r\n"
	r := textResponse(status, "text/html", body)
	r.header.Set("Server", "awselb/2.0")
	return r
}

func (fl *flow) alb(src source, ep *endpoint, r *vreq) *vresp {
	a := ep.alb
	l := a.listenerOn(r.port)
	if l.protocol == elbtypes.ProtocolEnumHttps && r.scheme == "http" {
		resp := albErrorPage(http.StatusBadRequest, "The plain HTTP request was sent to HTTPS port")
		resp.note("plain HTTP on the HTTPS listener")
		return resp
	}
	for _, rule := range a.rules(l) {
		if !rule.isDefault && !albMatches(rule.conditions, src, r) {
			continue
		}
		name := "default rule"
		if !rule.isDefault {
			name = "rule priority " + strconv.Itoa(rule.priority)
		}
		actions := append([]elbtypes.Action(nil), rule.actions...)
		sort.SliceStable(actions, func(i, j int) bool { return aws.ToInt32(actions[i].Order) < aws.ToInt32(actions[j].Order) })
		act := actions[len(actions)-1]
		var resp *vresp
		switch act.Type {
		case elbtypes.ActionTypeEnumFixedResponse:
			resp = albFixed(act.FixedResponseConfig)
			resp.note(name + ": fixed-response")
		case elbtypes.ActionTypeEnumRedirect:
			resp = albRedirect(act.RedirectConfig, l, r)
			resp.note(name + ": redirect")
		case elbtypes.ActionTypeEnumForward:
			resp = fl.albForward(src, a, l, rule, act, r)
			if resp.notes == "" {
				resp.note(name + ": forward")
			} else {
				resp.note(name + ": forward: " + resp.notes)
			}
		default:
			resp = albErrorPage(http.StatusInternalServerError, "")
			resp.note(name + ": action " + string(act.Type) + " is not emulated")
		}
		return resp
	}
	resp := albErrorPage(http.StatusInternalServerError, "")
	resp.note("listener has no default rule")
	return resp
}

func albFixed(cfg *elbtypes.FixedResponseActionConfig) *vresp {
	status, _ := strconv.Atoi(aws.ToString(cfg.StatusCode))
	ct := aws.ToString(cfg.ContentType)
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	resp := textResponse(status, ct, aws.ToString(cfg.MessageBody))
	resp.header.Set("Server", "awselb/2.0")
	return resp
}

// albRedirect builds the Location from the redirect's components, each
// with #{protocol}, #{host}, #{port}, #{path} (without its leading slash)
// and #{query} replaced by the request's.
func albRedirect(cfg *elbtypes.RedirectActionConfig, l *elbListener, r *vreq) *vresp {
	path := strings.TrimPrefix(r.path, "/")
	host := hostOnly(r.hostHeader)
	subst := strings.NewReplacer("#{protocol}", string(l.protocol), "#{host}", host, "#{port}", strconv.Itoa(int(l.port)),
		"#{path}", path, "#{query}", r.rawQuery)
	get := func(p *string, def string) string {
		if p == nil {
			return subst.Replace(def)
		}
		return subst.Replace(*p)
	}
	proto := strings.ToLower(get(cfg.Protocol, "#{protocol}"))
	loc := proto + "://" + get(cfg.Host, "#{host}") + ":" + get(cfg.Port, "#{port}") + get(cfg.Path, "/#{path}")
	if q := get(cfg.Query, "#{query}"); q != "" {
		loc += "?" + q
	}
	status := http.StatusFound
	if cfg.StatusCode == elbtypes.RedirectActionStatusCodeEnumHttp301 {
		status = http.StatusMovedPermanently
	}
	title := map[int]string{301: "301 Moved Permanently", 302: "302 Found"}[status]
	resp := textResponse(status, "text/html",
		"<html>\r\n<head><title>"+title+"</title></head>\r\n<body>\r\n<center><h1>"+title+"</h1></center>\r\n</body>\r\n</html>\r\n")
	resp.header.Set("Location", loc)
	resp.header.Set("Server", "awselb/2.0")
	return resp
}

// albMatches evaluates a rule's conditions: all must match; within one,
// any value. Host names, header values and query strings compare without
// case, paths and methods with; * and ? are wildcards.
func albMatches(conds []elbtypes.RuleCondition, src source, r *vreq) bool {
	anyFold := func(patterns []string, v string) bool {
		for _, p := range patterns {
			if wildcardMatch(strings.ToLower(p), strings.ToLower(v)) {
				return true
			}
		}
		return false
	}
	for _, c := range conds {
		ok := false
		switch aws.ToString(c.Field) {
		case "host-header":
			vals := c.Values
			if c.HostHeaderConfig != nil && len(c.HostHeaderConfig.Values) > 0 {
				vals = c.HostHeaderConfig.Values
			}
			ok = anyFold(vals, hostOnly(r.hostHeader))
		case "path-pattern":
			vals := c.Values
			if c.PathPatternConfig != nil && len(c.PathPatternConfig.Values) > 0 {
				vals = c.PathPatternConfig.Values
			}
			for _, p := range vals {
				if wildcardMatch(p, r.path) {
					ok = true
				}
			}
		case "http-header":
			if h := c.HttpHeaderConfig; h != nil {
				for _, v := range r.header.Values(aws.ToString(h.HttpHeaderName)) {
					if anyFold(h.Values, v) {
						ok = true
					}
				}
			}
		case "http-request-method":
			if c.HttpRequestMethodConfig != nil {
				for _, m := range c.HttpRequestMethodConfig.Values {
					if m == r.method {
						ok = true
					}
				}
			}
		case "query-string":
			if c.QueryStringConfig != nil {
				q, _ := url.ParseQuery(r.rawQuery)
				for _, kv := range c.QueryStringConfig.Values {
					for k, vs := range q {
						if kv.Key != nil && !wildcardMatch(strings.ToLower(*kv.Key), strings.ToLower(k)) {
							continue
						}
						if anyFold([]string{aws.ToString(kv.Value)}, strings.Join(vs, ",")) {
							ok = true
						}
					}
				}
			}
		case "source-ip":
			if c.SourceIpConfig != nil {
				for _, cidr := range c.SourceIpConfig.Values {
					if p, err := netip.ParsePrefix(cidr); err == nil && p.Contains(src.ip) {
						ok = true
					}
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// albForward sends the request to a healthy registered target of the
// action's target groups (weighted, then round-robin).
func (fl *flow) albForward(src source, a albView, l *elbListener, rule *elbRule, act elbtypes.Action, r *vreq) *vresp {
	type weighted struct {
		arn    string
		weight int
	}
	var groups []weighted
	total := 0
	if act.ForwardConfig != nil && len(act.ForwardConfig.TargetGroups) > 0 {
		for _, t := range act.ForwardConfig.TargetGroups {
			w := int(aws.ToInt32(t.Weight))
			if t.Weight == nil {
				w = 1
			}
			if w > 0 {
				groups = append(groups, weighted{aws.ToString(t.TargetGroupArn), w})
				total += w
			}
		}
	} else if arn := aws.ToString(act.TargetGroupArn); arn != "" {
		groups, total = []weighted{{arn, 1}}, 1
	}
	if total == 0 {
		resp := albErrorPage(http.StatusServiceUnavailable, "")
		resp.note("no target group with weight")
		return resp
	}
	n := fl.dp.rr["rule/"+rule.arn]
	fl.dp.rr["rule/"+rule.arn] = n + 1
	pick := n % total
	var tgARN string
	for _, g := range groups {
		if pick < g.weight {
			tgARN = g.arn
			break
		}
		pick -= g.weight
	}
	tg := a.targetGroup(tgARN)
	if tg == nil {
		resp := albErrorPage(http.StatusServiceUnavailable, "")
		resp.note("target group " + tgARN + " does not exist")
		return resp
	}
	var healthy []albTarget
	var states []string
	for _, t := range a.targets(tg, fl.now) {
		states = append(states, t.id+"="+t.state)
		if t.healthy {
			healthy = append(healthy, t)
		}
	}
	if len(healthy) == 0 {
		// Stricter than AWS, which fails open to unhealthy targets when
		// none is healthy: the emulator answers 503.
		resp := albErrorPage(http.StatusServiceUnavailable, "")
		resp.note("no healthy target in " + tg.name + " (" + strings.Join(states, ",") + ")")
		return resp
	}
	i := fl.dp.rr["tg/"+tg.arn]
	fl.dp.rr["tg/"+tg.arn] = i + 1
	t := healthy[i%len(healthy)]

	ec2 := a.ec2()
	target, ok := fl.dp.instanceByID(ec2, t.id)
	if !ok {
		resp := albErrorPage(http.StatusBadGateway, "")
		resp.note("target " + t.id + " does not exist")
		return resp
	}
	info := target.info(fl.now)
	targetIP, _ := netip.ParseAddr(info.PrivateIP)
	nodes := a.nodes()
	node := nodes[0]
	for _, n := range nodes {
		if n.AZ == info.AZ {
			node = n
		}
	}
	nodeIP, _ := netip.ParseAddr(node.PrivateIP)
	from := source{ip: nodeIP, vpc: a.lb.vpc, groups: a.lb.sgs, ec2: ec2, label: "alb " + a.lb.name}

	tr := &vreq{method: r.method, scheme: strings.ToLower(string(tg.protocol)), host: info.PrivateIP, port: t.port, path: r.path, rawQuery: r.rawQuery,
		header: r.header.Clone(), hostHeader: r.hostHeader, body: r.body}
	xff := src.ip.String()
	if v := r.header.Get("X-Forwarded-For"); v != "" {
		xff = v + ", " + xff
	}
	tr.header.Set("X-Forwarded-For", xff)
	tr.header.Set("X-Forwarded-Proto", strings.ToLower(string(l.protocol)))
	tr.header.Set("X-Forwarded-Port", strconv.Itoa(int(l.port)))
	tr.header.Set("X-Amzn-Trace-Id", fmt.Sprintf("Root=1-%08x-%024x", fl.now.Unix(), fl.rec.Seq))
	ep := &endpoint{kind: "instance", name: info.PrivateIP, id: t.id, inst: target, private: true, ip: targetIP}

	var nerr *netErr
	if !sgAdmits(ec2, a.lb.sgs, true, targetIP, info.SecurityGroupIDs, t.port) {
		nerr = errTimeout("connect to %s:%d: the load balancer's security groups %s allow no outbound traffic to it", info.PrivateIP, t.port, strings.Join(a.lb.sgs, ","))
	}
	// The load balancer does not validate target certificates.
	tresp, nerr := fl.callEndpoint("alb", from, ep, nerr, tr, func([]string) bool { return true })
	if nerr != nil {
		status := http.StatusBadGateway
		if nerr.kind == "timeout" {
			status = http.StatusGatewayTimeout
		}
		resp := albErrorPage(status, "")
		resp.note("target " + t.id + ": " + nerr.Error())
		return resp
	}
	if idle := a.idleTimeout(); tresp.latency > idle {
		resp := albErrorPage(http.StatusGatewayTimeout, "")
		resp.latency = idle
		resp.note(fmt.Sprintf("target %s took %s, idle timeout %s", t.id, tresp.latency, idle))
		return resp
	}
	resp := &vresp{status: tresp.status, header: tresp.header.Clone(), body: tresp.body, latency: tresp.latency}
	resp.note("target " + t.id)
	return resp
}
