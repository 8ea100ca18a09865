package awsemu

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// IAM policy language: parsing a policy document and evaluating a request
// (action, resource, condition context) against it, as IAM's evaluation
// logic does for the identity-based and trust policies the emulator holds.
//
// Two modes: a simulation (SimulatePrincipalPolicy) evaluates exactly what it
// is given, with context keys that were not given treated as absent, as the
// simulator does. A real call is evaluated strictly: where the emulator does
// not know the resource a call acts on or the value of a condition key the
// real request would carry, an Allow statement that depends on it does not
// apply and a Deny statement that depends on it does, so the emulator never
// allows what AWS might refuse.

// policyDoc is a parsed policy document.
type policyDoc struct {
	Statements []policyStmt
}

type policyStmt struct {
	Sid            string
	Effect         string // Allow | Deny
	Actions        []string
	NotAction      bool
	Resources      []string
	NotResource    bool
	HasResource    bool
	Principals     map[string][]string // "AWS" | "Service" | "Federated" | "*" → values
	NotPrincipal   bool
	HasPrincipal   bool
	Conditions     []policyCondition
	index          int
	sourceID       string // policy name or ARN
	sourceType     string // PolicySourceType: user, role, aws-managed, user-managed, none
	sourceDocument string
}

type policyCondition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLike"
	Key      string
	Values   []string
}

// stringsOf reads a policy element that may be a string or a list of strings
// (numbers and booleans, as condition values may be, become their text).
func stringsOf(v any) ([]string, bool) {
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case bool:
		return []string{strconv.FormatBool(x)}, true
	case json.Number:
		return []string{x.String()}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := stringsOf(e)
			if !ok || len(s) != 1 {
				return nil, false
			}
			out = append(out, s[0])
		}
		return out, true
	}
	return nil, false
}

// parsePolicy reads a policy document; documents are validated when they are
// stored, so a parse failure here means nothing in it applies.
func parsePolicy(doc string) (*policyDoc, bool) {
	raw, err := decodeJSONAny([]byte(doc))
	if err != nil {
		return nil, false
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, false
	}
	var stmts []any
	switch st := obj["Statement"].(type) {
	case []any:
		stmts = st
	case map[string]any:
		stmts = []any{st}
	default:
		return nil, false
	}
	out := &policyDoc{}
	for i, s := range stmts {
		m, ok := s.(map[string]any)
		if !ok {
			return nil, false
		}
		st := policyStmt{index: i}
		st.Sid, _ = m["Sid"].(string)
		st.Effect, _ = m["Effect"].(string)
		if v, ok := m["Action"]; ok {
			st.Actions, _ = stringsOf(v)
		} else if v, ok := m["NotAction"]; ok {
			st.Actions, _ = stringsOf(v)
			st.NotAction = true
		}
		if v, ok := m["Resource"]; ok {
			st.Resources, _ = stringsOf(v)
			st.HasResource = true
		} else if v, ok := m["NotResource"]; ok {
			st.Resources, _ = stringsOf(v)
			st.NotResource, st.HasResource = true, true
		}
		pv, hasP := m["Principal"]
		if !hasP {
			pv, hasP = m["NotPrincipal"]
			st.NotPrincipal = hasP
		}
		if hasP {
			st.HasPrincipal = true
			st.Principals = map[string][]string{}
			switch p := pv.(type) {
			case string:
				st.Principals["*"] = []string{p}
			case map[string]any:
				for k, v := range p {
					vals, _ := stringsOf(v)
					st.Principals[k] = vals
				}
			}
		}
		if c, ok := m["Condition"].(map[string]any); ok {
			for op, block := range c {
				keys, ok := block.(map[string]any)
				if !ok {
					continue
				}
				for k, v := range keys {
					vals, _ := stringsOf(v)
					st.Conditions = append(st.Conditions, policyCondition{Operator: op, Key: k, Values: vals})
				}
			}
		}
		out.Statements = append(out.Statements, st)
	}
	return out, true
}

// tri is a three-valued truth: a strict evaluation may not know the answer.
type tri int

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func triOf(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

// authzRequest is what one evaluation asks.
type authzRequest struct {
	Action string
	// Resource is the ARN acted on; "" means unknown (strict mode) and "*"
	// the simulator's default.
	Resource string
	// Context holds condition keys by lower-case name. A key present with a
	// nil value is known to be absent from the request.
	Context map[string][]string
	// Principal describes the caller for trust policies.
	Principal *trustPrincipal
	// Strict: unknown resources and condition keys are evaluated
	// conservatively (real calls); otherwise missing keys are absent.
	Strict bool
}

// trustPrincipal is who asks to assume a role.
type trustPrincipal struct {
	Account   string
	ARNs      []string // caller ARNs that a trust policy may name (user, role, session)
	Federated string   // OIDC provider ARN for web identity
}

// actionMatches compares actions case-insensitively with * and ? wildcards.
func actionMatches(pattern, action string) bool {
	return wildcardMatch(strings.ToLower(pattern), strings.ToLower(action))
}

func (st *policyStmt) matchAction(action string) bool {
	any := false
	for _, p := range st.Actions {
		if actionMatches(p, action) {
			any = true
			break
		}
	}
	if st.NotAction {
		return !any
	}
	return any
}

func (st *policyStmt) matchResource(req *authzRequest) tri {
	if !st.HasResource {
		// Trust policies have no resource: the role is the resource.
		return triTrue
	}
	if req.Resource == "" {
		if st.NotResource {
			return triUnknown
		}
		for _, p := range st.Resources {
			if p == "*" {
				return triTrue
			}
		}
		return triUnknown
	}
	any := false
	for _, p := range st.Resources {
		if wildcardMatch(substituteVariables(p, req.Context), req.Resource) {
			any = true
			break
		}
	}
	if st.NotResource {
		return triOf(!any)
	}
	return triOf(any)
}

// substituteVariables replaces ${key} policy variables with the request's
// single-valued context keys.
func substituteVariables(p string, ctx map[string][]string) string {
	if !strings.Contains(p, "${") {
		return p
	}
	var b strings.Builder
	for {
		i := strings.Index(p, "${")
		if i < 0 {
			b.WriteString(p)
			return b.String()
		}
		j := strings.Index(p[i:], "}")
		if j < 0 {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:i])
		key := p[i+2 : i+j]
		switch key {
		case "*", "?", "$":
			b.WriteString(key)
		default:
			if v := ctx[strings.ToLower(key)]; len(v) == 1 {
				b.WriteString(v[0])
			} else {
				b.WriteString("\x00") // an unresolved variable matches nothing
			}
		}
		p = p[i+j+1:]
	}
}

func (st *policyStmt) matchPrincipal(p *trustPrincipal) bool {
	if !st.HasPrincipal || p == nil {
		return false
	}
	any := false
	for kind, vals := range st.Principals {
		for _, v := range vals {
			switch {
			case kind == "*" && v == "*":
				any = true
			case kind == "AWS":
				if v == "*" || v == p.Account || v == "arn:aws:iam::"+p.Account+":root" {
					any = any || len(p.ARNs) > 0
				}
				for _, a := range p.ARNs {
					if v == a {
						any = true
					}
				}
			case kind == "Federated":
				if p.Federated != "" && v == p.Federated {
					any = true
				}
			}
		}
	}
	if st.NotPrincipal {
		return !any
	}
	return any
}

// namesPrincipalExactly reports whether an Allow statement names the
// caller's own ARN (not its account or "*"): within one account such a grant
// in a role's trust policy needs no identity-based permission as well.
func (st *policyStmt) namesPrincipalExactly(p *trustPrincipal) bool {
	if st.NotPrincipal {
		return false
	}
	for _, v := range st.Principals["AWS"] {
		for _, a := range p.ARNs {
			if v == a {
				return true
			}
		}
	}
	return false
}

// matchConditions evaluates every condition of a statement (all must hold).
func (st *policyStmt) matchConditions(req *authzRequest) tri {
	result := triTrue
	for _, c := range st.Conditions {
		switch evalCondition(c, req) {
		case triFalse:
			return triFalse
		case triUnknown:
			result = triUnknown
		}
	}
	return result
}

func evalCondition(c policyCondition, req *authzRequest) tri {
	op := c.Operator
	set := ""
	if i := strings.Index(op, ":"); i > 0 {
		set, op = op[:i], op[i+1:]
	}
	ifExists := strings.HasSuffix(op, "IfExists")
	op = strings.TrimSuffix(op, "IfExists")
	vals, known := req.Context[strings.ToLower(c.Key)]
	if !known && req.Strict {
		return triUnknown
	}
	present := len(vals) > 0
	if op == "Null" {
		want := len(c.Values) > 0 && strings.EqualFold(c.Values[0], "true")
		return triOf(want != present)
	}
	negated := strings.Contains(op, "Not")
	if !present {
		switch {
		case ifExists:
			return triTrue
		case set == "ForAllValues":
			return triTrue
		case negated && set == "":
			return triTrue
		}
		return triFalse
	}
	positive := positiveOperator(op)
	match := func(v string) bool {
		hit := false
		for _, p := range c.Values {
			if conditionValueMatches(positive, p, v) {
				hit = true
				break
			}
		}
		return hit != negated
	}
	switch set {
	case "ForAllValues":
		for _, v := range vals {
			if !match(v) {
				return triFalse
			}
		}
		return triTrue
	case "ForAnyValue":
		for _, v := range vals {
			if match(v) {
				return triTrue
			}
		}
		return triFalse
	}
	if negated {
		// A negated operator holds when no request value matches a pattern.
		for _, v := range vals {
			if !match(v) {
				return triFalse
			}
		}
		return triTrue
	}
	for _, v := range vals {
		if match(v) {
			return triTrue
		}
	}
	return triFalse
}

// positiveOperator drops the negation from an operator name
// (StringNotLike → StringLike, NotIpAddress → IpAddress).
func positiveOperator(op string) string {
	if strings.HasPrefix(op, "Not") {
		return op[3:]
	}
	return strings.Replace(op, "Not", "", 1)
}

// conditionValueMatches applies a positive operator to a policy value and a
// request value.
func conditionValueMatches(op, policy, value string) bool {
	switch op {
	case "StringEquals", "ArnEquals", "BinaryEquals":
		return policy == value
	case "StringEqualsIgnoreCase":
		return strings.EqualFold(policy, value)
	case "StringLike", "ArnLike":
		return wildcardMatch(policy, value)
	case "Bool":
		return strings.EqualFold(policy, value)
	case "NumericEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals":
		p, err1 := strconv.ParseFloat(policy, 64)
		v, err2 := strconv.ParseFloat(value, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		return compareOrdered(op[len("Numeric"):], v, p)
	case "DateEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals":
		p, err1 := parsePolicyTime(policy)
		v, err2 := parsePolicyTime(value)
		if err1 != nil || err2 != nil {
			return false
		}
		return compareOrdered(op[len("Date"):], float64(v.UnixNano()), float64(p.UnixNano()))
	case "IpAddress":
		pfx, err := netip.ParsePrefix(policy)
		if err != nil {
			a, aerr := netip.ParseAddr(policy)
			if aerr != nil {
				return false
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		a, err := netip.ParseAddr(value)
		if err != nil {
			return false
		}
		return pfx.Contains(a)
	}
	return false // an unknown operator matches nothing
}

func compareOrdered(rel string, v, p float64) bool {
	switch rel {
	case "Equals":
		return v == p
	case "LessThan":
		return v < p
	case "LessThanEquals":
		return v <= p
	case "GreaterThan":
		return v > p
	case "GreaterThanEquals":
		return v >= p
	}
	return false
}

func parsePolicyTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, strconv.ErrSyntax
}

// stmtApplies evaluates a statement against a request: whether the statement
// matches it for sure, not at all, or possibly (strict mode).
func (st *policyStmt) applies(req *authzRequest, trust bool) tri {
	if !st.matchAction(req.Action) {
		return triFalse
	}
	if trust && !st.matchPrincipal(req.Principal) {
		return triFalse
	}
	r := st.matchResource(req)
	if r == triFalse {
		return triFalse
	}
	c := st.matchConditions(req)
	if c == triFalse {
		return triFalse
	}
	if r == triUnknown || c == triUnknown {
		return triUnknown
	}
	return triTrue
}

// Evaluation decisions, as SimulatePrincipalPolicy names them.
const (
	decisionAllowed      = "allowed"
	decisionExplicitDeny = "explicitDeny"
	decisionImplicitDeny = "implicitDeny"
)

// policyResult is the outcome of evaluating a set of policies.
type policyResult struct {
	Decision string
	Matched  []*policyStmt // the deciding statements
}

// evaluatePolicies applies IAM's rule within one policy type: an explicit
// Deny wins, else an Allow allows, else the request is implicitly denied.
func evaluatePolicies(docs []*policyDoc, req *authzRequest, trust bool) policyResult {
	var allows, denies []*policyStmt
	for _, d := range docs {
		for i := range d.Statements {
			st := &d.Statements[i]
			a := st.applies(req, trust)
			switch {
			case st.Effect == "Deny" && a != triFalse:
				denies = append(denies, st)
			case st.Effect == "Allow" && a == triTrue:
				allows = append(allows, st)
			}
		}
	}
	switch {
	case len(denies) > 0:
		return policyResult{Decision: decisionExplicitDeny, Matched: denies}
	case len(allows) > 0:
		return policyResult{Decision: decisionAllowed, Matched: allows}
	}
	return policyResult{Decision: decisionImplicitDeny}
}

// conditionKeys lists the condition keys the documents reference, for the
// simulator's MissingContextValues.
func conditionKeys(docs []*policyDoc, action string) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range docs {
		for _, st := range d.Statements {
			if !st.matchAction(action) {
				continue
			}
			for _, c := range st.Conditions {
				k := strings.ToLower(c.Key)
				if !seen[k] {
					seen[k] = true
					out = append(out, c.Key)
				}
			}
		}
	}
	return out
}
