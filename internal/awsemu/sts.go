package awsemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// stsService issues temporary credentials. Every key it issues is recorded
// (Emulator.Credentials) and every later call names the key that signed it
// (CallRecord.AccessKey), so tests can prove which credentials were used.
type stsService struct {
	e *Emulator
}

func init() {
	Register(ServiceInfo{
		Name:         "sts",
		SigningName:  "sts",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/sts",
		Global:       true,
		XMLNamespace: "https://sts.amazonaws.com/doc/2011-06-15/",
		ThrottleCode: "Throttling",
	}, func(e *Emulator, _ string) *stsService { return &stsService{e: e} })
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

func (s *stsService) AssumeRole(c *Call, in *sts.AssumeRoleInput) (*sts.AssumeRoleOutput, error) {
	role, session, ttl, err := validateAssume(aws.ToString(in.RoleArn), aws.ToString(in.RoleSessionName), in.DurationSeconds)
	if err != nil {
		return nil, err
	}
	if want := s.e.Knob("sts.external_id", ""); want != "" && aws.ToString(in.ExternalId) != want {
		return nil, ErrorfStatus(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.Caller.ARN, aws.ToString(in.RoleArn))
	}
	p := assumedPrincipal(s.e, role, session)
	cred := s.e.IssueCredential(c, p, "AssumeRole", aws.ToString(in.RoleArn), session, "", ttl)
	c.Note("issued", cred.AccessKey)
	return &sts.AssumeRoleOutput{
		AssumedRoleUser: &ststypes.AssumedRoleUser{Arn: aws.String(p.ARN), AssumedRoleId: aws.String(p.UserID)},
		Credentials:     stsCredentials(cred),
	}, nil
}

func (s *stsService) AssumeRoleWithWebIdentity(c *Call, in *sts.AssumeRoleWithWebIdentityInput) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	role, session, ttl, err := validateAssume(aws.ToString(in.RoleArn), aws.ToString(in.RoleSessionName), in.DurationSeconds)
	if err != nil {
		return nil, err
	}
	claims, apiErr := parseWebIdentityToken(aws.ToString(in.WebIdentityToken), time.Now())
	if apiErr != nil {
		return nil, apiErr
	}
	p := assumedPrincipal(s.e, role, session)
	cred := s.e.IssueCredential(c, p, "AssumeRoleWithWebIdentity", aws.ToString(in.RoleArn), session, claims.Sub, ttl)
	c.Note("issued", cred.AccessKey)
	c.Note("subject", claims.Sub)
	return &sts.AssumeRoleWithWebIdentityOutput{
		AssumedRoleUser:             &ststypes.AssumedRoleUser{Arn: aws.String(p.ARN), AssumedRoleId: aws.String(p.UserID)},
		Credentials:                 stsCredentials(cred),
		SubjectFromWebIdentityToken: aws.String(claims.Sub),
		Audience:                    aws.String(claims.audience()),
		Provider:                    aws.String(strings.TrimPrefix(claims.Iss, "https://")),
	}, nil
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

func assumedPrincipal(e *Emulator, role, session string) Principal {
	return Principal{
		Account: AccountID,
		ARN:     "arn:aws:sts::" + AccountID + ":assumed-role/" + role + "/" + session,
		UserID:  "AROA" + e.AlnumID("role:"+role, 17) + ":" + session,
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
