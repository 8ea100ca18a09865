package awsemu

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

func TestSTSGetCallerIdentity(t *testing.T) {
	e := startEmu(t, Options{})
	out, err := sts.NewFromConfig(sdkConfig(e, "us-east-1")).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != AccountID || aws.ToString(out.Arn) != "arn:aws:iam::123456789012:user/emulator" {
		t.Fatalf("unexpected identity %s %s", aws.ToString(out.Account), aws.ToString(out.Arn))
	}
	calls := e.Calls()
	if len(calls) != 1 || calls[0].Operation != "GetCallerIdentity" || calls[0].AccessKey != DefaultAccessKey || calls[0].Region != "us-east-1" {
		t.Fatalf("call log = %+v", calls)
	}
}

func TestSTSRejectsWrongSecretAndUnknownKey(t *testing.T) {
	e := startEmu(t, Options{})
	for name, creds := range map[string]aws.CredentialsProvider{
		"wrong secret": credentials.NewStaticCredentialsProvider(DefaultAccessKey, "not-the-secret", ""),
		"unknown key":  credentials.NewStaticCredentialsProvider("AKIAUNKNOWN000000000", "x", ""),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := sts.NewFromConfig(sdkConfigWith(e, "us-east-1", creds)).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want API error, got %v", err)
			}
			want := map[string]string{"wrong secret": "SignatureDoesNotMatch", "unknown key": "InvalidClientTokenId"}[name]
			if ae.ErrorCode() != want {
				t.Fatalf("code = %s, want %s", ae.ErrorCode(), want)
			}
		})
	}
}

func TestSTSAssumeRoleIssuesUsableKeys(t *testing.T) {
	e := startEmu(t, Options{})
	createRoleWith(t, e, "deployer", accountTrust, adminInline)
	base := sdkConfig(e, "us-west-2")
	provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), "arn:aws:iam::123456789012:role/deployer", func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "ci-run"
	})
	cfg := sdkConfigWith(e, "us-west-2", aws.NewCredentialsCache(provider))
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Arn); got != "arn:aws:sts::123456789012:assumed-role/deployer/ci-run" {
		t.Fatalf("arn = %s", got)
	}
	creds := e.Credentials()
	issued := creds[len(creds)-1]
	if issued.Source != "AssumeRole" || !strings.HasPrefix(issued.AccessKey, "ASIA") || issued.IssuedBy != DefaultAccessKey {
		t.Fatalf("issued = %+v", issued)
	}
	calls := e.Calls()
	last := calls[len(calls)-1]
	if last.Operation != "GetCallerIdentity" || last.AccessKey != issued.AccessKey {
		t.Fatalf("last call not signed with the issued key: %+v", last)
	}
}

func TestSTSAssumeRoleValidation(t *testing.T) {
	e := startEmu(t, Options{})
	client := sts.NewFromConfig(sdkConfig(e, "us-east-1"))
	for _, tc := range []struct {
		name, arn, session string
		duration           int32
		code               string
	}{
		{"bad arn", "arn:aws:iam::123456789012:user/bob", "s1", 0, "ValidationError"},
		{"other account", "arn:aws:iam::999999999999:role/x", "s1", 0, "AccessDenied"},
		{"bad session", "arn:aws:iam::123456789012:role/x", "a b", 0, "ValidationError"},
		{"short duration", "arn:aws:iam::123456789012:role/x", "s1", 60, "ValidationError"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &sts.AssumeRoleInput{RoleArn: aws.String(tc.arn), RoleSessionName: aws.String(tc.session)}
			if tc.duration != 0 {
				in.DurationSeconds = aws.Int32(tc.duration)
			}
			_, err := client.AssumeRole(ctx(t), in)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
				t.Fatalf("want %s, got %v", tc.code, err)
			}
		})
	}
}

func TestSTSAssumeRoleWithWebIdentityUnsigned(t *testing.T) {
	e := startEmu(t, Options{})
	createOIDCProvider(t, e, "https://app.terraform.io", "aws.workload.identity")
	createRoleWith(t, e, "tfc", tfcTrust("organization:acme:project:p:workspace:*:run_phase:*"), adminInline)
	token := testJWT(map[string]any{"sub": "organization:acme:project:p:workspace:w:run_phase:apply", "iss": "https://app.terraform.io", "aud": "aws.workload.identity", "exp": time.Now().Add(time.Hour).Unix()})
	// The web identity provider signs nothing: its client has anonymous credentials.
	client := sts.NewFromConfig(sdkConfigWith(e, "us-east-1", aws.AnonymousCredentials{}))
	out, err := client.AssumeRoleWithWebIdentity(ctx(t), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/tfc"), RoleSessionName: aws.String("hcp-run"), WebIdentityToken: aws.String(token),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.SubjectFromWebIdentityToken) != "organization:acme:project:p:workspace:w:run_phase:apply" || aws.ToString(out.Audience) != "aws.workload.identity" {
		t.Fatalf("out = %+v", out)
	}
	if out.Credentials.Expiration == nil || time.Until(*out.Credentials.Expiration) < 50*time.Minute {
		t.Fatalf("expiration = %v", out.Credentials.Expiration)
	}
	cfg := sdkConfigWith(e, "us-east-1", credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken)))
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(id.Arn) != "arn:aws:sts::123456789012:assumed-role/tfc/hcp-run" {
		t.Fatalf("arn = %s", aws.ToString(id.Arn))
	}
	// The session token is part of the credential: without it the key is refused.
	noToken := sdkConfigWith(e, "us-east-1", credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), ""))
	if _, err := sts.NewFromConfig(noToken).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{}); err == nil {
		t.Fatal("a session key without its token was accepted")
	}
}

func TestSTSWebIdentityRejectsBadTokens(t *testing.T) {
	e := startEmu(t, Options{})
	client := sts.NewFromConfig(sdkConfigWith(e, "us-east-1", aws.AnonymousCredentials{}))
	for name, tc := range map[string]struct{ token, code string }{
		"not a jwt": {"abc", "InvalidIdentityToken"},
		"no sub":    {testJWT(map[string]any{"iss": "https://x"}), "InvalidIdentityToken"},
		"expired":   {testJWT(map[string]any{"sub": "s", "iss": "https://x", "exp": time.Now().Add(-time.Hour).Unix()}), "ExpiredTokenException"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := client.AssumeRoleWithWebIdentity(ctx(t), &sts.AssumeRoleWithWebIdentityInput{
				RoleArn: aws.String("arn:aws:iam::123456789012:role/tfc"), RoleSessionName: aws.String("s1"), WebIdentityToken: aws.String(tc.token),
			})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
				t.Fatalf("want %s, got %v", tc.code, err)
			}
		})
	}
}

func TestUnsignedRequestRefusedForSignedOperations(t *testing.T) {
	e := startEmu(t, Options{})
	_, err := sts.NewFromConfig(sdkConfigWith(e, "us-east-1", aws.AnonymousCredentials{})).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "MissingAuthenticationToken" {
		t.Fatalf("want MissingAuthenticationToken, got %v", err)
	}
}

// AssumeRole needs a role that exists and a trust policy that allows the
// caller; a trust policy naming only the account also needs the caller's
// identity-based permission. AWS answers AccessDenied in every case.
func TestSTSAssumeRoleTrust(t *testing.T) {
	e := startEmu(t, Options{})
	admin := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	client := sts.NewFromConfig(sdkConfig(e, "us-east-1"))
	assume := func(c *sts.Client, arn string, mod func(*sts.AssumeRoleInput)) error {
		in := &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1")}
		if mod != nil {
			mod(in)
		}
		_, err := c.AssumeRole(ctx(t), in)
		return err
	}
	denied := func(err error, arn string) {
		t.Helper()
		wantAPIError(t, err, "AccessDenied", http.StatusForbidden, "User: arn:aws:iam::123456789012:user/emulator is not authorized to perform: sts:AssumeRole on resource: "+arn)
	}
	// No such role.
	denied(assume(client, "arn:aws:iam::123456789012:role/missing", nil), "arn:aws:iam::123456789012:role/missing")
	// A service role: its trust policy names EC2, not the caller.
	createTestRole(t, admin, "ec2-only", "")
	denied(assume(client, "arn:aws:iam::123456789012:role/ec2-only", nil), "arn:aws:iam::123456789012:role/ec2-only")
	// The right name but the wrong path.
	createTestRole(t, admin, "pathed", "/team/")
	denied(assume(client, "arn:aws:iam::123456789012:role/pathed", nil), "arn:aws:iam::123456789012:role/pathed")

	// External id as a trust condition.
	arn := createRoleWith(t, e, "partner", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}]}`, "")
	denied(assume(client, arn, nil), arn)
	denied(assume(client, arn, func(in *sts.AssumeRoleInput) { in.ExternalId = aws.String("wrong") }), arn)
	if err := assume(client, arn, func(in *sts.AssumeRoleInput) { in.ExternalId = aws.String("ext-123") }); err != nil {
		t.Fatal(err)
	}
	// A user with no permissions: an account-wide trust is not enough, a
	// trust policy naming the user is.
	if _, err := admin.CreateUser(ctx(t), &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx(t), &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	dev := sts.NewFromConfig(sdkConfigWith(e, "us-east-1", credentials.NewStaticCredentialsProvider(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")))
	acct := createRoleWith(t, e, "by-account", accountTrust, adminInline)
	wantAPIError(t, assume(dev, acct, nil), "AccessDenied", http.StatusForbidden, "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole on resource: "+acct)
	named := createRoleWith(t, e, "by-name", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/dev"},"Action":"sts:AssumeRole"}]}`, adminInline)
	if err := assume(dev, named, nil); err != nil {
		t.Fatal(err)
	}
	// Session tags need sts:TagSession in the trust policy.
	err = assume(dev, named, func(in *sts.AssumeRoleInput) {
		in.Tags = []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("ml")}}
	})
	wantDenied(t, err, "AccessDenied", http.StatusForbidden, "sts:TagSession")
	// An identity-based explicit deny wins even over a trust policy naming the user.
	if _, err := admin.PutUserPolicy(ctx(t), &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("no-assume"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, assume(dev, named, nil), "AccessDenied", http.StatusForbidden, "")
	// So does the account-wide knob.
	e.SetKnob("iam.deny", "sts:AssumeRole")
	denied(assume(client, acct, nil), acct)
}

func TestSTSSessionDurationAndPolicies(t *testing.T) {
	e := startEmu(t, Options{})
	admin := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	out, err := admin.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String("hour"), AssumeRolePolicyDocument: aws.String(accountTrust)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.Role.Arn)
	if _, err := admin.PutRolePolicy(ctx(t), &iam.PutRolePolicyInput{RoleName: aws.String("hour"), PolicyName: aws.String("all"), PolicyDocument: aws.String(adminInline)}); err != nil {
		t.Fatal(err)
	}
	client := sts.NewFromConfig(sdkConfig(e, "us-east-1"))
	_, err = client.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7200)})
	wantAPIError(t, err, "ValidationError", http.StatusBadRequest, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	// A session policy narrows the session to what both allow.
	sess, err := client.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("s1"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if sess.PackedPolicySize == nil {
		t.Fatal("no PackedPolicySize")
	}
	c := sess.Credentials
	cfg := sdkConfigWith(e, "us-east-1", credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	if _, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = ec2.NewFromConfig(cfg).DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{})
	wantAPIError(t, err, "UnauthorizedOperation", http.StatusForbidden, "")
	var ae smithy.APIError
	if errors.As(err, &ae); !strings.Contains(ae.ErrorMessage(), "because no session policy allows the ec2:DescribeSubnets action") {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	// Role chaining: a session assuming a role gets at most an hour.
	_, err = sts.NewFromConfig(cfg).AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("chain"), DurationSeconds: aws.Int32(3601)})
	wantAPIError(t, err, "ValidationError", http.StatusBadRequest, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	// The session's unique id is the role's id and the session name.
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.UserId) != aws.ToString(out.Role.RoleId)+":s1" {
		t.Fatalf("user id %v %v", id, err)
	}
}

// AssumeRoleWithWebIdentity needs an IAM OIDC provider for the issuer whose
// client ids list the token's audience, and a trust policy for that provider
// whose conditions the token's claims meet.
func TestSTSWebIdentityTrust(t *testing.T) {
	e := startEmu(t, Options{})
	client := sts.NewFromConfig(sdkConfigWith(e, "us-east-1", aws.AnonymousCredentials{}))
	token := func(sub, aud string) string {
		return testJWT(map[string]any{"sub": sub, "iss": "https://app.terraform.io", "aud": aud, "exp": time.Now().Add(time.Hour).Unix()})
	}
	assume := func(tok string) error {
		_, err := client.AssumeRoleWithWebIdentity(ctx(t), &sts.AssumeRoleWithWebIdentityInput{
			RoleArn: aws.String("arn:aws:iam::123456789012:role/tfc"), RoleSessionName: aws.String("run"), WebIdentityToken: aws.String(tok)})
		return err
	}
	const sub = "organization:acme:project:ai:workspace:prod:run_phase:apply"
	wantAPIError(t, assume(token(sub, "aws.workload.identity")), "InvalidIdentityToken", http.StatusBadRequest, "No OpenIDConnect provider found in your account for https://app.terraform.io")
	createOIDCProvider(t, e, "https://app.terraform.io", "aws.workload.identity")
	wantAPIError(t, assume(token(sub, "other-audience")), "InvalidIdentityToken", http.StatusBadRequest, "Incorrect token audience")
	// No role yet.
	wantAPIError(t, assume(token(sub, "aws.workload.identity")), "AccessDenied", http.StatusForbidden, "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	createRoleWith(t, e, "tfc", tfcTrust("organization:acme:project:ai:workspace:prod:run_phase:*"), "")
	// Another workspace's token does not meet the sub condition.
	wantAPIError(t, assume(token("organization:acme:project:ai:workspace:dev:run_phase:apply", "aws.workload.identity")), "AccessDenied", http.StatusForbidden, "")
	if err := assume(token(sub, "aws.workload.identity")); err != nil {
		t.Fatal(err)
	}
	// A provider is listed and counted; a second for the same URL is refused.
	admin := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	_, err := admin.CreateOpenIDConnectProvider(ctx(t), &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://app.terraform.io"), ClientIDList: []string{"x"}})
	wantAPIError(t, err, "EntityAlreadyExists", http.StatusConflict, "")
	got, err := admin.GetOpenIDConnectProvider(ctx(t), &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::123456789012:oidc-provider/app.terraform.io")})
	if err != nil || aws.ToString(got.Url) != "app.terraform.io" || strings.Join(got.ClientIDList, ",") != "aws.workload.identity" {
		t.Fatalf("provider %+v %v", got, err)
	}
	_, err = admin.CreateOpenIDConnectProvider(ctx(t), &iam.CreateOpenIDConnectProviderInput{Url: aws.String("http://insecure.example.com"), ClientIDList: []string{"x"}})
	wantAPIError(t, err, "InvalidInput", http.StatusBadRequest, "")
	e.SetKnob("quota.L-858F3967", "1")
	_, err = admin.CreateOpenIDConnectProvider(ctx(t), &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://token.actions.githubusercontent.com"), ClientIDList: []string{"sts.amazonaws.com"}})
	wantAPIError(t, err, "LimitExceeded", http.StatusConflict, "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 1")
}
