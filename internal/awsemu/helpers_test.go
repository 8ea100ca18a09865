package awsemu

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
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
