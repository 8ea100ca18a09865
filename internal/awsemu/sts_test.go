package awsemu

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
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
