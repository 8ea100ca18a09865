package awsemu

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The IAM authorization layer: every signed request is authorized before its
// handler runs, as AWS does, by evaluating the caller's policies against the
// IAM action the operation maps to.
//
// Who is evaluated:
//
//   - a session of a role (STS AssumeRole, AssumeRoleWithWebIdentity): the
//     role's inline and attached managed policies as the emulated IAM holds
//     them now (a deleted role allows nothing), intersected with the session
//     policy passed to AssumeRole;
//   - an IAM user created in the emulated IAM (CreateUser, CreateAccessKey, or
//     a static key registered for a user name that IAM also has): its policies;
//   - any other static key (the default key of user "emulator", keys added
//     with AddCredential or POST /_emu/credentials for users that do not exist
//     in the emulated IAM): an administrator.
//
// Knob:
//
//	iam.deny  comma-separated IAM actions (wildcards allowed, e.g.
//	          "elasticloadbalancing:CreateLoadBalancer,ec2:Run*") denied to
//	          every principal of the account, like a service control policy
//	          with a Deny statement: real calls fail with the service's
//	          access-denied error and SimulatePrincipalPolicy answers
//	          explicitDeny for them.
//
// The IAM action is "<prefix>:<Operation>", the prefix derived from the
// service's SigV4 signing name (the same for every service the emulator has
// but the exceptions in iamPrefixExceptions); operations that need another or
// a further action are in authzActionOverrides and authzExtraActions.

// iamPrefixExceptions maps signing names whose IAM prefix differs.
var iamPrefixExceptions = map[string]string{
	"tagging":    "tag",
	"monitoring": "cloudwatch",
	"email":      "ses",
}

// IAMActionPrefix returns the IAM service prefix of a SigV4 signing name.
func IAMActionPrefix(signingName string) string {
	if p, ok := iamPrefixExceptions[signingName]; ok {
		return p
	}
	return signingName
}

// authzActionOverrides lists operations whose IAM actions are not just their
// own name ("signingName.Operation" → actions). An empty list means the
// operation needs no permission or is authorized by its handler.
var authzActionOverrides = map[string][]string{
	// CreateDistributionWithTags needs both permissions.
	"cloudfront.CreateDistributionWithTags": {"cloudfront:CreateDistribution", "cloudfront:TagResource"},
	// No permission is required (and a Deny does not apply).
	"sts.GetCallerIdentity": {},
	// Evaluated by the handler together with the role's trust policy.
	"sts.AssumeRole": {},
	// Unsigned: the trust policy alone decides.
	"sts.AssumeRoleWithWebIdentity": {},
}

// authzCheck is one permission a call needs.
type authzCheck struct {
	Action    string
	Resources []string // ARNs; nil when the emulator does not know them
	Context   map[string][]string
}

// principalPolicySet is what decides for one caller.
type principalPolicySet struct {
	admin     bool   // administrator outside the emulated IAM
	kind      string // "User" | "AssumedRole"
	entityARN string // the user or role whose policies apply
	userName  string
	docs      []*policyDoc
	session   []*policyDoc
}

// authzOutcome is a decision and why.
type authzOutcome struct {
	Decision string
	Reason   string // "identity-based policy" | "service control policy" | "session policy"
	Matched  []*policyStmt
}

func (e *Emulator) iam() *iamService {
	return e.instance("iam", "").(*iamService)
}

// principalPolicies finds the policies of the principal a key belongs to.
// The lock must be held.
func (e *Emulator) principalPolicies(p Principal, accessKey string) principalPolicySet {
	s := e.iam()
	if role, _, ok := parseAssumedRoleARN(p.ARN); ok {
		ps := principalPolicySet{kind: "AssumedRole"}
		if r := s.roles[strings.ToLower(role)]; r != nil {
			ps.entityARN = r.arn
			ps.docs = s.rolePolicies(r)
		} else {
			ps.entityARN = "arn:aws:iam::" + p.Account + ":role/" + role
		}
		if sp, ok := e.sts().sessionPolicies[accessKey]; ok {
			ps.session = sp
		}
		return ps
	}
	name := p.ARN[strings.LastIndex(p.ARN, "/")+1:]
	if u := s.users[strings.ToLower(name)]; u != nil && strings.HasPrefix(p.ARN, "arn:aws:iam::") && name != "emulator" {
		return principalPolicySet{kind: "User", entityARN: u.arn, userName: u.name, docs: s.userPolicies(u)}
	}
	return principalPolicySet{admin: true, kind: "User", entityARN: p.ARN, userName: name}
}

// parseAssumedRoleARN splits arn:aws:sts::<account>:assumed-role/<role>/<session>.
func parseAssumedRoleARN(arn string) (role, session string, ok bool) {
	_, rest, found := strings.Cut(arn, ":assumed-role/")
	if !found || !strings.HasPrefix(arn, "arn:aws:sts::") {
		return "", "", false
	}
	role, session, ok = strings.Cut(rest, "/")
	return role, session, ok
}

// knobDenyPolicy turns iam.deny into a service-control-policy-like document.
func (e *Emulator) knobDenyPolicy() *policyDoc {
	v := strings.TrimSpace(e.knobs["iam.deny"])
	if v == "" {
		return nil
	}
	var actions []string
	for _, a := range strings.Split(v, ",") {
		if a = strings.TrimSpace(a); a != "" {
			actions = append(actions, a)
		}
	}
	if len(actions) == 0 {
		return nil
	}
	return &policyDoc{Statements: []policyStmt{{
		Sid: "EmulatorKnobIamDeny", Effect: "Deny", Actions: actions, Resources: []string{"*"}, HasResource: true,
		sourceID: "iam.deny", sourceType: "none",
	}}}
}

var adminPolicy = &policyDoc{Statements: []policyStmt{{
	Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}, HasResource: true,
	sourceID: "AdministratorAccess", sourceType: "aws-managed",
}}}

// decide evaluates one request for a principal: the account-wide deny knob
// first (as an SCP), then the principal's identity-based policies, then its
// session policy.
func (e *Emulator) decide(ps principalPolicySet, req *authzRequest) authzOutcome {
	if scp := e.knobDenyPolicy(); scp != nil {
		// The knob names actions only: it applies whatever the resource.
		r := evaluatePolicies([]*policyDoc{scp}, &authzRequest{Action: req.Action, Resource: "*", Context: req.Context}, false)
		if r.Decision == decisionExplicitDeny {
			return authzOutcome{Decision: decisionExplicitDeny, Reason: "service control policy", Matched: r.Matched}
		}
	}
	docs := ps.docs
	if ps.admin {
		docs = []*policyDoc{adminPolicy}
	}
	r := evaluatePolicies(docs, req, false)
	if r.Decision != decisionAllowed {
		return authzOutcome{Decision: r.Decision, Reason: "identity-based policy", Matched: r.Matched}
	}
	if ps.session != nil {
		s := evaluatePolicies(ps.session, req, false)
		if s.Decision != decisionAllowed {
			return authzOutcome{Decision: s.Decision, Reason: "session policy", Matched: s.Matched}
		}
	}
	return authzOutcome{Decision: decisionAllowed, Matched: r.Matched}
}

// baseContext is the global condition keys AWS puts in every request.
func (e *Emulator) baseContext(c *Call, ps principalPolicySet) map[string][]string {
	region := c.Region
	if region == "" {
		region = "us-east-1"
	}
	now := time.Now().UTC()
	ctx := map[string][]string{
		"aws:requestedregion":       {region},
		"aws:principalaccount":      {c.Caller.Account},
		"aws:principalarn":          {ps.entityARN},
		"aws:principaltype":         {ps.kind},
		"aws:userid":                {c.Caller.UserID},
		"aws:securetransport":       {"true"},
		"aws:currenttime":           {now.Format(time.RFC3339)},
		"aws:epochtime":             {strconv.FormatInt(now.Unix(), 10)},
		"aws:viaawsservice":         {"false"},
		"aws:principalisawsservice": {"false"},
		"aws:calledvia":             nil,
		"aws:calledviafirst":        nil,
		"aws:calledvialast":         nil,
		"aws:principalorgid":        nil,
		"aws:principalorgpaths":     nil,
		"aws:sourcevpc":             nil,
		"aws:sourcevpce":            nil,
	}
	if ps.kind == "User" {
		ctx["aws:username"] = []string{ps.userName}
		ctx["aws:multifactorauthpresent"] = nil
		ctx["aws:tokenissuetime"] = nil
	}
	return ctx
}

// authorizeLocked is the dispatch hook: it fails a call its caller may not
// make with the error the service returns. The lock must be held.
func (e *Emulator) authorizeLocked(c *Call, def *serviceDef, op string, in reflect.Value) *APIError {
	if c.AccessKey == "" {
		return nil // anonymous operations are authorized by their handler
	}
	checks := e.authzChecks(c, def, op, in)
	if len(checks) == 0 {
		return nil
	}
	// The call log names the actions each call needed, so a test can
	// compare a least-privilege policy with what a workflow really does.
	var names []string
	for _, chk := range checks {
		names = appendIfMissing(names, chk.Action)
	}
	c.Note("iam_actions", strings.Join(names, ","))
	ps := e.principalPolicies(c.Caller, c.AccessKey)
	base := e.baseContext(c, ps)
	for _, chk := range checks {
		ctx := base
		if len(chk.Context) > 0 {
			ctx = make(map[string][]string, len(base)+len(chk.Context))
			for k, v := range base {
				ctx[k] = v
			}
			for k, v := range chk.Context {
				ctx[k] = v
			}
		}
		resources := chk.Resources
		if len(resources) == 0 {
			resources = []string{""}
		}
		for _, res := range resources {
			req := &authzRequest{Action: chk.Action, Resource: res, Context: ctx, Strict: true}
			out := e.decide(ps, req)
			if out.Decision == decisionAllowed {
				continue
			}
			c.Note("authz", out.Decision+" "+chk.Action)
			return e.accessDenied(c, def, chk.Action, res, out)
		}
	}
	return nil
}

// authzChecks lists the permissions a call needs.
func (e *Emulator) authzChecks(c *Call, def *serviceDef, op string, in reflect.Value) []authzCheck {
	prefix := IAMActionPrefix(def.info.SigningName)
	actions, overridden := authzActionOverrides[def.info.SigningName+"."+op]
	if !overridden {
		actions = []string{prefix + ":" + op}
	}
	if len(actions) == 0 {
		return nil
	}
	resources := e.authzResources(c, def, op, in)
	var out []authzCheck
	for _, a := range actions {
		out = append(out, authzCheck{Action: a, Resources: resources})
	}
	return append(out, e.authzExtraChecks(c, def, op, in)...)
}

// field reads a top-level string member of an input struct.
func inputString(in reflect.Value, name string) string {
	if !in.IsValid() {
		return ""
	}
	v := reflect.Indirect(in)
	if v.Kind() != reflect.Struct {
		return ""
	}
	f := v.FieldByName(name)
	if !f.IsValid() {
		return ""
	}
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return ""
		}
		f = f.Elem()
	}
	if f.Kind() == reflect.String {
		return f.String()
	}
	return ""
}

// inputHas reports whether a top-level member of an input is set and not empty.
func inputHas(in reflect.Value, name string) bool {
	v := reflect.Indirect(in)
	if v.Kind() != reflect.Struct {
		return false
	}
	f := v.FieldByName(name)
	if !f.IsValid() {
		return false
	}
	switch f.Kind() {
	case reflect.Slice, reflect.Map:
		return f.Len() > 0
	case reflect.Pointer, reflect.Interface:
		return !f.IsNil()
	}
	return !f.IsZero()
}

// authzResources derives the ARNs a call acts on, where the emulator knows
// them: from the input's ARN members and, per service, from its names and
// ids. nil means unknown.
func (e *Emulator) authzResources(c *Call, def *serviceDef, op string, in reflect.Value) []string {
	acct := c.Caller.Account
	if acct == "" {
		acct = AccountID
	}
	str := func(n string) string { return inputString(in, n) }
	switch def.info.SigningName {
	case "iam":
		s := e.iam()
		switch {
		case str("RoleName") != "":
			return []string{s.roleARNFor(str("RoleName"))}
		case str("InstanceProfileName") != "":
			return []string{s.profileARNFor(str("InstanceProfileName"))}
		case str("UserName") != "":
			return []string{s.userARNFor(str("UserName"))}
		case str("OpenIDConnectProviderArn") != "":
			return []string{str("OpenIDConnectProviderArn")}
		case str("PolicySourceArn") != "":
			return []string{str("PolicySourceArn")}
		case str("PolicyArn") != "":
			return []string{str("PolicyArn")}
		case op == "GetUser":
			return []string{c.Caller.ARN}
		case op == "CreateOpenIDConnectProvider":
			return []string{"arn:aws:iam::" + acct + ":oidc-provider/" + oidcProviderHost(str("Url"))}
		}
		return nil
	case "cloudfront":
		if id := str("Id"); id != "" && strings.Contains(op, "Distribution") {
			return []string{"arn:aws:cloudfront::" + acct + ":distribution/" + id}
		}
		if r := str("Resource"); r != "" {
			return []string{r}
		}
		return nil
	case "elasticfilesystem":
		fsARN := func(id string) string {
			return "arn:aws:elasticfilesystem:" + c.Region + ":" + acct + ":file-system/" + id
		}
		if id := str("FileSystemId"); id != "" {
			return []string{fsARN(id)}
		}
		if id := str("ResourceId"); strings.HasPrefix(id, "fs-") {
			return []string{fsARN(id)}
		}
		if id := str("MountTargetId"); id != "" {
			if svc, ok := e.instance("efs", c.Region).(*efsService); ok {
				if m := svc.mts[id]; m != nil {
					return []string{fsARN(m.fsID)}
				}
			}
		}
		return nil
	case "ssm":
		paramARN := func(name string) string {
			owner := acct
			if strings.HasPrefix(name, "/aws/") {
				owner = "" // public parameters belong to no account
			}
			return "arn:aws:ssm:" + c.Region + ":" + owner + ":parameter" + ensureSlash(name)
		}
		if strings.Contains(op, "Parameter") {
			if n := str("Name"); n != "" {
				return []string{paramARN(n)}
			}
			v := reflect.Indirect(in).FieldByName("Names")
			if v.IsValid() && v.Kind() == reflect.Slice && v.Len() > 0 {
				var out []string
				for i := 0; i < v.Len(); i++ {
					out = append(out, paramARN(v.Index(i).String()))
				}
				return out
			}
		}
	case "wafv2":
		if a := str("ResourceARN"); a != "" {
			return []string{a}
		}
		if name, id := str("Name"), str("Id"); name != "" && id != "" {
			return []string{wafACLARN(c.Region, acct, str("Scope"), name, id)}
		}
		return nil
	}
	return genericARNs(in)
}

func ensureSlash(name string) string {
	if strings.HasPrefix(name, "/") {
		return name
	}
	return "/" + name
}

// genericARNs collects the top-level members named *Arn / *Arns that hold
// ARNs (ELBv2 LoadBalancerArn, ListenerArn, ResourceArns, ACM CertificateArn).
func genericARNs(in reflect.Value) []string {
	v := reflect.Indirect(in)
	if v.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		fv := v.Field(i)
		switch {
		case strings.HasSuffix(f.Name, "Arn") && fv.Kind() == reflect.Pointer && !fv.IsNil() && fv.Elem().Kind() == reflect.String:
			if s := fv.Elem().String(); strings.HasPrefix(s, "arn:") {
				out = append(out, s)
			}
		case strings.HasSuffix(f.Name, "Arns") && fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
			for j := 0; j < fv.Len(); j++ {
				if s := fv.Index(j).String(); strings.HasPrefix(s, "arn:") {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// authzExtraChecks lists permissions a call needs beyond its own action:
// tagging on create, and passing a role to EC2.
func (e *Emulator) authzExtraChecks(c *Call, def *serviceDef, op string, in reflect.Value) []authzCheck {
	var out []authzCheck
	switch def.info.SigningName {
	case "ec2":
		if inputHas(in, "TagSpecifications") {
			out = append(out, authzCheck{Action: "ec2:CreateTags", Context: map[string][]string{"ec2:createaction": {op}}})
		}
		if op == "RunInstances" || op == "AssociateIamInstanceProfile" || op == "ReplaceIamInstanceProfileAssociation" {
			v := reflect.Indirect(in).FieldByName("IamInstanceProfile")
			if v.IsValid() && v.Kind() == reflect.Pointer && !v.IsNil() {
				ref := inputString(v, "Arn")
				if ref == "" {
					ref = inputString(v, "Name")
				}
				if roleARN := e.iam().roleOfProfile(ref); roleARN != "" {
					out = append(out, authzCheck{Action: "iam:PassRole", Resources: []string{roleARN},
						Context: map[string][]string{"iam:passedtoservice": {"ec2.amazonaws.com"}}})
				}
			}
		}
	case "elasticloadbalancing":
		if strings.HasPrefix(op, "Create") && inputHas(in, "Tags") {
			out = append(out, authzCheck{Action: "elasticloadbalancing:AddTags", Context: map[string][]string{"elasticloadbalancing:createaction": {op}}})
		}
	case "elasticfilesystem":
		if strings.HasPrefix(op, "Create") && inputHas(in, "Tags") {
			out = append(out, authzCheck{Action: "elasticfilesystem:TagResource", Context: map[string][]string{"elasticfilesystem:createaction": {op}}})
		}
	case "iam":
		if strings.HasPrefix(op, "Create") && inputHas(in, "Tags") {
			out = append(out, authzCheck{Action: "iam:Tag" + strings.TrimPrefix(op, "Create"), Resources: e.authzResources(c, def, op, in)})
		}
	case "acm":
		if op == "RequestCertificate" && inputHas(in, "Tags") {
			out = append(out, authzCheck{Action: "acm:AddTagsToCertificate"})
		}
	case "ssm":
		if op == "PutParameter" && inputHas(in, "Tags") {
			out = append(out, authzCheck{Action: "ssm:AddTagsToResource", Resources: e.authzResources(c, def, op, in)})
		}
	}
	return out
}

// accessDenied builds the error each service returns for a denied request.
func (e *Emulator) accessDenied(c *Call, def *serviceDef, action, resource string, out authzOutcome) *APIError {
	msg := "User: " + c.Caller.ARN + " is not authorized to perform: " + action
	if resource != "" && resource != "*" {
		msg += " on resource: " + resource
	}
	if out.Decision == decisionExplicitDeny {
		msg += " with an explicit deny in a" + article(out.Reason) + " " + out.Reason
	} else {
		msg += " because no " + out.Reason + " allows the " + action + " action"
	}
	protocol := ""
	if wp := wireTables[def.info.SDKPackage]; wp != nil {
		protocol = wp.protocol
	}
	switch protocol {
	case "ec2query":
		token := e.sts().storeAuthorizationMessage(e, c, action, resource, out)
		full := "You are not authorized to perform this operation. " + msg + "."
		if !strings.HasPrefix(strings.TrimPrefix(action, "ec2:"), "Describe") {
			full += " Encoded authorization failure message: " + token
		}
		return ErrorfStatus(http.StatusForbidden, "UnauthorizedOperation", "%s", full)
	case "json":
		return ErrorfStatus(http.StatusBadRequest, "AccessDeniedException", "%s", msg)
	case "restjson":
		return ErrorfStatus(http.StatusForbidden, "AccessDeniedException", "%s", msg)
	}
	return ErrorfStatus(http.StatusForbidden, "AccessDenied", "%s", msg)
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "n"
	}
	return ""
}

// decodedAuthorizationMessage is what sts:DecodeAuthorizationMessage returns.
func decodedAuthorizationMessage(c *Call, action, resource string, out authzOutcome) string {
	type item struct {
		Key    string `json:"key"`
		Values struct {
			Items []struct {
				Value string `json:"value"`
			} `json:"items"`
		} `json:"values"`
	}
	matched := []map[string]any{}
	for _, st := range out.Matched {
		matched = append(matched, map[string]any{"statementId": st.Sid, "effect": st.Effect, "source": st.sourceID})
	}
	conds := []item{}
	for _, kv := range [][2]string{{"aws:Region", c.Region}, {"aws:Account", c.Caller.Account}, {"aws:Service", strings.SplitN(action, ":", 2)[0]}} {
		var it item
		it.Key = kv[0]
		it.Values.Items = append(it.Values.Items, struct {
			Value string `json:"value"`
		}{kv[1]})
		conds = append(conds, it)
	}
	sort.Slice(conds, func(i, j int) bool { return conds[i].Key < conds[j].Key })
	res := resource
	if res == "" {
		res = "*"
	}
	doc := map[string]any{
		"allowed":           false,
		"explicitDeny":      out.Decision == decisionExplicitDeny,
		"matchedStatements": map[string]any{"items": matched},
		"failures":          map[string]any{"items": []any{}},
		"context": map[string]any{
			"principal":  map[string]string{"id": c.Caller.UserID, "arn": c.Caller.ARN},
			"action":     action,
			"resource":   res,
			"conditions": map[string]any{"items": conds},
		},
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

func appendIfMissing(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}
