package awsemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
)

// startEmu starts an emulator for one test and stops it afterwards.
func startEmu(t *testing.T, opts Options) *Emulator {
	t.Helper()
	if opts.Speed == 0 {
		opts.Speed = 1000
	}
	e := New(opts)
	if err := e.Start(""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// sdkConfig is an aws.Config for the default emulator key pair; every client
// built from it talks to the emulator.
func sdkConfig(e *Emulator, region string) aws.Config {
	return sdkConfigWith(e, region, credentials.NewStaticCredentialsProvider(DefaultAccessKey, DefaultSecretKey, ""))
}

func sdkConfigWith(e *Emulator, region string, creds aws.CredentialsProvider) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  creds,
		BaseEndpoint: aws.String(e.URL()), HTTPClient: conns.NewHTTPClient(),
		Retryer: func() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 1) },
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// testJWT builds an unsigned JWT with the given claims.
func testJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims) + ".c2lnbmF0dXJl"
}

// accountTrust lets principals of the emulator's account assume a role (with
// an identity-based permission to do so).
const accountTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// adminInline allows everything.
const adminInline = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// tfcTrust trusts HCP Terraform's OIDC provider for workspaces matching sub.
func tfcTrust(sub string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/app.terraform.io"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"app.terraform.io:aud":"aws.workload.identity"},"StringLike":{"app.terraform.io:sub":"` + sub + `"}}}]}`
}

// createRoleWith creates a role with a trust policy and, when given, one
// inline identity policy, through the emulator's IAM with the default key.
func createRoleWith(t *testing.T, e *Emulator, name, trust, policy string) string {
	t.Helper()
	client := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	out, err := client.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust), MaxSessionDuration: aws.Int32(43200)})
	if err != nil {
		t.Fatal(err)
	}
	if policy != "" {
		if _, err := client.PutRolePolicy(ctx(t), &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(out.Role.Arn)
}

// createOIDCProvider registers an OpenID Connect provider for an issuer.
func createOIDCProvider(t *testing.T, e *Emulator, url string, audiences ...string) string {
	t.Helper()
	out, err := iam.NewFromConfig(sdkConfig(e, "us-east-1")).CreateOpenIDConnectProvider(ctx(t), &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(url), ClientIDList: audiences,
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.OpenIDConnectProviderArn)
}
