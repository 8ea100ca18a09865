package conns

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// stsServer answers GetCallerIdentity, refusing the first failures calls
// with InvalidClientTokenId, and counts the requests.
func stsServer(t *testing.T, failures int32) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if err := r.ParseForm(); err != nil || r.Form.Get("Action") != "GetCallerIdentity" {
			t.Errorf("unexpected request %v %v", r.Form, err)
		}
		w.Header().Set("Content-Type", "text/xml")
		if n <= failures {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`))
			return
		}
		_, _ = w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
			`<Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>` +
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func identityClient(srv *httptest.Server, c Config) *AWSClient {
	c.Endpoints = map[string]string{"sts": srv.URL}
	c.MaxRetries = 1
	c.RetryMaxBackoff = time.Millisecond
	cfg := aws.Config{Region: "us-east-1", Retryer: c.retryer,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "SECRET", "")}
	return newAWSClient(cfg, &c)
}

// The caller's identity is asked for when first needed, once: a failure is
// "Invalid AWS credentials" with the AWS code and is asked again next time;
// the skip settings keep it from failing or from being asked at all.
func TestIdentityIsAskedOnceWhenNeeded(t *testing.T) {
	ctx := context.Background()
	srv, calls := stsServer(t, 1)
	c := identityClient(srv, Config{})
	if calls.Load() != 0 {
		t.Fatalf("building the client called STS %d times", calls.Load())
	}
	_, err := c.Caller(ctx)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Summary != "Invalid AWS credentials" || !strings.Contains(ce.Detail, "InvalidClientTokenId") {
		t.Fatalf("first lookup: %v", err)
	}
	for i := 0; i < 3; i++ {
		id, err := c.Caller(ctx)
		if err != nil || id.AccountID != "123456789012" || id.ARN != "arn:aws:iam::123456789012:user/ci" || id.UserID != "AIDAEXAMPLE" {
			t.Fatalf("lookup %d: %+v %v", i, id, err)
		}
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("STS was asked %d times, want 2 (the failure and one success)", got)
	}

	srv, calls = stsServer(t, 100)
	if id, err := identityClient(srv, Config{SkipRequestingAccountID: true}).Caller(ctx); err != nil || id != (Identity{}) || calls.Load() != 0 {
		t.Errorf("skip_requesting_account_id: %+v %v after %d calls", id, err, calls.Load())
	}
	if id, err := identityClient(srv, Config{SkipCredentialsValidation: true}).Caller(ctx); err != nil || id != (Identity{}) || calls.Load() != 1 {
		t.Errorf("skip_credentials_validation: %+v %v after %d calls", id, err, calls.Load())
	}
	// The data source always asks, and reports the failure.
	if _, err := identityClient(srv, Config{SkipCredentialsValidation: true, SkipRequestingAccountID: true}).Identity(ctx); !errors.As(err, &ce) {
		t.Errorf("Identity under both skips: %v", err)
	}
}
