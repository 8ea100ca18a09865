package awsemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// stsService issues temporary credentials. Every key it issues is recorded
// (Emulator.Credentials) and every later call names the key that signed it
// (CallRecord.AccessKey), so tests can prove which credentials were used.
//
// AssumeRole and AssumeRoleWithWebIdentity need a role that exists in the
// emulated IAM and whose trust policy allows the caller (and, for a caller of
// the same account named only by its account, an identity-based policy that
// allows sts:AssumeRole on the role); web identity needs an IAM OpenID
// Connect provider for the token's issuer listing its audience. Otherwise STS
// answers AccessDenied, as AWS does, without saying which part failed.
//
// Knob:
//
//	sts.external_id  when set, AssumeRole also requires this ExternalId
type stsService struct {
	e *Emulator
	// sessionPolicies are the session policies of issued keys (AssumeRole
	// Policy and PolicyArns), which intersect the role's permissions.
	sessionPolicies map[string][]*policyDoc
	// authMessages are the encoded authorization failure messages EC2
	// returned, for DecodeAuthorizationMessage.
	authMessages map[string]string
}

func init() {
	Register(ServiceInfo{
		Name:         "sts",
		SigningName:  "sts",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/sts",
		Global:       true,
		XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
		ThrottleCode: "Throttling",
	}, func(e *Emulator, _ string) *stsService {
		return &stsService{e: e, sessionPolicies: map[string][]*policyDoc{}, authMessages: map[string]string{}}
	})
}

func (e *Emulator) sts() *stsService {
	return e.instance("sts", "").(*stsService)
}

var (
	roleARNPattern     = regexp.MustCompile(`^arn:aws:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

func (s *stsService) GetCallerIdentity(c *Call, _ *sts.GetCallerIdentityInput) (*sts.GetCallerIdentityOutput, error) {
	return &sts.GetCallerIdentityOutput{
		Account: aws.String(c.Caller.Account),
		Arn:     aws.String(c.Caller.ARN),
		UserId:  aws.String(c.Caller.UserID),
	}, nil
}

// trustRequest describes an assume request for a trust policy.
func (s *stsService) trustRequest(c *Call, action string, p *trustPrincipal, extra map[string][]string) *authzRequest {
	ctx := map[string][]string{
		"aws:requestedregion":   {"us-east-1"},
		"aws:principalaccount":  {p.Account},
		"aws:securetransport":   {"true"},
		"aws:currenttime":       {time.Now().UTC().Format(time.RFC3339)},
		"aws:epochtime":         {strconv.FormatInt(time.Now().Unix(), 10)},
		"sts:externalid":        nil,
		"sts:sourceidentity":    nil,
		"aws:sourceidentity":    nil,
		"sts:transitivetagkeys": nil,
		"aws:requesttag":        nil,
		"aws:tagkeys":           nil,
		"aws:calledvia":         nil,
		"aws:viaawsservice":     {"false"},
	}
	if c.AccessKey != "" {
		ctx["aws:principalarn"] = []string{p.ARNs[0]}
		ctx["aws:userid"] = []string{c.Caller.UserID}
	}
	for k, v := range extra {
		ctx[k] = v
	}
	return &authzRequest{Action: action, Context: ctx, Principal: p, Strict: true}
}

// callerTrustPrincipal is how a trust policy may name the caller: its user
// ARN, or for a role session the role's ARN and the session's.
func (s *stsService) callerTrustPrincipal(c *Call) *trustPrincipal {
	p := &trustPrincipal{Account: c.Caller.Account}
	if role, _, ok := parseAssumedRoleARN(c.Caller.ARN); ok {
		p.ARNs = []string{s.e.iam().roleARNFor(role), c.Caller.ARN}
		return p
	}
	p.ARNs = []string{c.Caller.ARN}
	return p
}

func (s *stsService) AssumeRole(c *Call, in *sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) {
	roleARN := aws.ToString(in.RoleArn)
	_, session, ttl, err := validateAssume(roleARN, aws.ToString(in.RoleSessionName), in.DurationSeconds)
	if err != nil {
		return nil, err
	}
	denied := ErrorfStatus(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.Caller.ARN, roleARN)
	if want := s.e.Knob("sts.external_id", ""); want != "" && aws.ToString(in.ExternalId) != want {
		return nil, denied
	}
	session_, perr := s.sessionPolicy(in.Policy, in.PolicyArns)
	if perr != nil {
		return nil, perr
	}
	r := s.e.iam().roleByARN(roleARN)
	if r == nil {
		c.Note("authz", "no such role")
		return nil, denied
	}
	if err := checkSessionDuration(c, r, in.DurationSeconds); err != nil {
		return nil, err
	}
	p := s.callerTrustPrincipal(c)
	extra := map[string][]string{"sts:rolesessionname": {session}}
	if id := aws.ToString(in.ExternalId); id != "" {
		extra["sts:externalid"] = []string{id}
	}
	if si := aws.ToString(in.SourceIdentity); si != "" {
		extra["sts:sourceidentity"] = []string{si}
	}
	req := s.trustRequest(c, "sts:AssumeRole", p, extra)
	trust := evaluatePolicies([]*policyDoc{sourced(r.trust, "trust", "resource")}, req, true)
	// The caller's own permissions: an explicit deny always wins; within the
	// account a trust policy that names only the account (or everyone) also
	// needs an identity-based Allow.
	ps := s.e.principalPolicies(c.Caller, c.AccessKey)
	idReq := &authzRequest{Action: "sts:AssumeRole", Resource: r.arn, Context: s.e.baseContext(c, ps), Strict: true}
	for k, v := range extra {
		idReq.Context[k] = v
	}
	id := s.e.decide(ps, idReq)
	exact := false
	for _, st := range trust.Matched {
		if st.Effect == "Allow" && st.namesPrincipalExactly(p) {
			exact = true
		}
	}
	switch {
	case trust.Decision != decisionAllowed:
		c.Note("authz", "trust policy "+trust.Decision)
		return nil, denied
	case id.Decision == decisionExplicitDeny, id.Decision != decisionAllowed && !exact:
		c.Note("authz", "identity "+id.Decision)
		return nil, denied
	}
	if len(in.Tags) > 0 || len(in.TransitiveTagKeys) > 0 {
		tagReq := s.trustRequest(c, "sts:TagSession", p, extra)
		if evaluatePolicies([]*policyDoc{sourced(r.trust, "trust", "resource")}, tagReq, true).Decision != decisionAllowed {
			return nil, ErrorfStatus(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:TagSession on resource: %s", c.Caller.ARN, roleARN)
		}
	}
	pr := assumedPrincipal(r, session)
	cred := s.e.IssueCredential(c, pr, "AssumeRole", roleARN, session, "", ttl)
	if session_ != nil {
		s.sessionPolicies[cred.AccessKey] = session_
	}
	c.Note("issued", cred.AccessKey)
	out := &sts.AssumeRoleOutput{
		AssumedRoleUser: &ststypes.AssumedRoleUser{Arn: aws.String(pr.ARN), AssumedRoleId: aws.String(pr.UserID)},
		Credentials:     stsCredentials(cred),
	}
	if in.SourceIdentity != nil {
		out.SourceIdentity = in.SourceIdentity
	}
	if session_ != nil {
		out.PackedPolicySize = aws.Int32(int32(packedPolicyPercent(in.Policy, in.PolicyArns)))
	}
	return out, nil
}

// checkSessionDuration applies the role's MaxSessionDuration and the one-hour
// limit of role chaining.
func checkSessionDuration(c *Call, r *iamRole, d *int32) *APIError {
	if d == nil {
		return nil
	}
	if _, _, chained := parseAssumedRoleARN(c.Caller.ARN); chained && *d > 3600 {
		return Errorf("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if *d > r.maxSession {
		return Errorf("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	return nil
}

// sessionPolicy validates the session policies of an assume request.
func (s *stsService) sessionPolicy(doc *string, arns []ststypes.PolicyDescriptorType) ([]*policyDoc, *APIError) {
	if doc == nil && len(arns) == 0 {
		return nil, nil
	}
	var out []*policyDoc
	if doc != nil {
		if err := iamValidatePolicy(*doc, false); err != nil {
			return nil, err
		}
		if packedPolicyPercent(doc, arns) > 100 {
			return nil, Errorf("PackedPolicyTooLarge", "Packed policy consumes %d%% of allotted space, please use smaller policy for each call.", packedPolicyPercent(doc, arns))
		}
		out = append(out, sourced(*doc, "session", "none"))
	}
	if len(arns) > 10 {
		return nil, Errorf("ValidationError", "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	for _, a := range arns {
		p, ok := iamManagedPolicyByARN(aws.ToString(a.Arn))
		if !ok {
			return nil, Errorf("InvalidParameterValue", "Policy %s does not exist or is not attachable.", aws.ToString(a.Arn))
		}
		out = append(out, sourced(p.document, aws.ToString(a.Arn), "aws-managed"))
	}
	if out == nil {
		out = []*policyDoc{}
	}
	return out, nil
}

// packedPolicyPercent approximates how much of the 2,048-character packed
// session policy allotment the session policies use.
func packedPolicyPercent(doc *string, arns []ststypes.PolicyDescriptorType) int {
	n := 0
	if doc != nil {
		n += nonWhitespaceLen(*doc)
	}
	for _, a := range arns {
		n += len(aws.ToString(a.Arn))
	}
	return n * 100 / iamMaxSessionPolicy
}

func (s *stsService) AssumeRoleWithWebIdentity(c *Call, in *sts.AssumeRoleWithWebIdentityInput) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	roleARN := aws.ToString(in.RoleArn)
	_, session, ttl, err := validateAssume(roleARN, aws.ToString(in.RoleSessionName), in.DurationSeconds)
	if err != nil {
		return nil, err
	}
	claims, apiErr := parseWebIdentityToken(aws.ToString(in.WebIdentityToken), time.Now())
	if apiErr != nil {
		return nil, apiErr
	}
	iamSvc := s.e.iam()
	provider := iamSvc.oidcProviderFor(claims.Iss)
	if provider == nil {
		return nil, Errorf("InvalidIdentityToken", "No OpenIDConnect provider found in your account for %s", claims.Iss)
	}
	audOK := false
	for _, a := range claims.audiences() {
		for _, id := range provider.clientIDs {
			if a == id {
				audOK = true
			}
		}
	}
	if !audOK {
		return nil, Errorf("InvalidIdentityToken", "Incorrect token audience")
	}
	session_, perr := s.sessionPolicy(in.Policy, in.PolicyArns)
	if perr != nil {
		return nil, perr
	}
	denied := ErrorfStatus(http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	r := iamSvc.roleByARN(roleARN)
	if r == nil {
		c.Note("authz", "no such role")
		return nil, denied
	}
	if err := checkSessionDuration(c, r, in.DurationSeconds); err != nil {
		return nil, err
	}
	host := provider.url
	extra := map[string][]string{
		host + ":aud":           claims.audiences(),
		host + ":sub":           {claims.Sub},
		"aws:federatedprovider": {provider.arn},
		"sts:rolesessionname":   {session},
	}
	for k, v := range extra {
		delete(extra, k)
		extra[strings.ToLower(k)] = v
	}
	if claims.Amr != nil {
		if amr, ok := stringsOf(claims.Amr); ok {
			extra[strings.ToLower(host+":amr")] = amr
		}
	} else {
		extra[strings.ToLower(host+":amr")] = nil
	}
	req := s.trustRequest(c, "sts:AssumeRoleWithWebIdentity", &trustPrincipal{Account: AccountID, Federated: provider.arn}, extra)
	trust := evaluatePolicies([]*policyDoc{sourced(r.trust, "trust", "resource")}, req, true)
	if trust.Decision != decisionAllowed {
		c.Note("authz", "trust policy "+trust.Decision)
		return nil, denied
	}
	p := assumedPrincipal(r, session)
	cred := s.e.IssueCredential(c, p, "AssumeRoleWithWebIdentity", roleARN, session, claims.Sub, ttl)
	if session_ != nil {
		s.sessionPolicies[cred.AccessKey] = session_
	}
	c.Note("issued", cred.AccessKey)
	c.Note("subject", claims.Sub)
	return &sts.AssumeRoleWithWebIdentityOutput{
		AssumedRoleUser:             &ststypes.AssumedRoleUser{Arn: aws.String(p.ARN), AssumedRoleId: aws.String(p.UserID)},
		Credentials:                 stsCredentials(cred),
		SubjectFromWebIdentityToken: aws.String(claims.Sub),
		Audience:                    aws.String(claims.audience()),
		Provider:                    aws.String(claims.Iss),
	}, nil
}

// storeAuthorizationMessage keeps the details of a denied EC2 request and
// returns the token EC2 puts in its error message.
func (s *stsService) storeAuthorizationMessage(e *Emulator, c *Call, action, resource string, out authzOutcome) string {
	token := e.AlnumID("authz-message", 96)
	s.authMessages[token] = decodedAuthorizationMessage(c, action, resource, out)
	return token
}

func (s *stsService) DecodeAuthorizationMessage(c *Call, in *sts.DecodeAuthorizationMessageInput) (*sts.DecodeAuthorizationMessageOutput, error) {
	msg, ok := s.authMessages[aws.ToString(in.EncodedMessage)]
	if !ok {
		return nil, Errorf("InvalidAuthorizationMessageException", "The encoded authorization message is invalid.")
	}
	return &sts.DecodeAuthorizationMessageOutput{DecodedMessage: aws.String(msg)}, nil
}

func validateAssume(roleARN, session string, duration *int32) (role string, sess string, ttl time.Duration, err error) {
	m := roleARNPattern.FindStringSubmatch(roleARN)
	if m == nil {
		return "", "", 0, Errorf("ValidationError", "%s is invalid", roleARN)
	}
	if m[1] != AccountID {
		return "", "", 0, ErrorfStatus(http.StatusForbidden, "AccessDenied", "Roles may only be assumed in account %s", AccountID)
	}
	if !sessionNamePattern.MatchString(session) {
		return "", "", 0, Errorf("ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", session)
	}
	ttl = time.Hour
	if duration != nil {
		if *duration < 900 || *duration > 43200 {
			return "", "", 0, Errorf("ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200", *duration)
		}
		ttl = time.Duration(*duration) * time.Second
	}
	return m[2], session, ttl, nil
}

// assumedPrincipal is the session principal of a role: its unique id is the
// role's id and the session name.
func assumedPrincipal(r *iamRole, session string) Principal {
	return Principal{
		Account: AccountID,
		ARN:     "arn:aws:sts::" + AccountID + ":assumed-role/" + r.name + "/" + session,
		UserID:  r.id + ":" + session,
	}
}

func stsCredentials(c *Credential) *ststypes.Credentials {
	return &ststypes.Credentials{
		AccessKeyId:     aws.String(c.AccessKey),
		SecretAccessKey: aws.String(c.SecretKey),
		SessionToken:    aws.String(c.SessionToken),
		Expiration:      aws.Time(c.Expires),
	}
}

type tokenClaims struct {
	Sub string `json:"sub"`
	Iss string `json:"iss"`
	Aud any    `json:"aud"`
	Exp int64  `json:"exp"`
	Amr any    `json:"amr"`
}

func (t tokenClaims) audiences() []string {
	v, _ := stringsOf(t.Aud)
	return v
}

func (t tokenClaims) audience() string {
	switch a := t.Aud.(type) {
	case string:
		return a
	case []any:
		if len(a) > 0 {
			if s, ok := a[0].(string); ok {
				return s
			}
		}
	}
	return ""
}

// parseWebIdentityToken checks that the token is a JWT with subject, issuer
// and a future expiry, as STS does before it looks at the signature.
func parseWebIdentityToken(tok string, now time.Time) (tokenClaims, *APIError) {
	var claims tokenClaims
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return claims, Errorf("InvalidIdentityToken", "Couldn't parse the web identity token: it is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return claims, Errorf("InvalidIdentityToken", "Couldn't parse the web identity token payload")
	}
	if claims.Sub == "" || claims.Iss == "" {
		return claims, Errorf("InvalidIdentityToken", "The web identity token is missing the sub or iss claim")
	}
	if claims.Exp != 0 && now.After(time.Unix(claims.Exp, 0)) {
		return claims, Errorf("ExpiredTokenException", "Token is expired")
	}
	return claims, nil
}
