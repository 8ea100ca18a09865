package conns

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
)

// InsufficientInstanceCapacity is an HTTP 500 the SDK would retry in the same
// zone; the provider's retryer gives it back at once so that the launch can
// move to another zone. Another 500 is still retried.
func TestRetryerDoesNotRetryInsufficientCapacity(t *testing.T) {
	for _, tc := range []struct {
		code string
		want int32
	}{
		{"InsufficientInstanceCapacity", 1},
		{"InternalError", 3},
	} {
		t.Run(tc.code, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.Header().Set("Content-Type", "text/xml")
				w.WriteHeader(http.StatusInternalServerError)
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>no luck</Message></Error></Errors><RequestID>r-1</RequestID></Response>`, tc.code)
			}))
			defer srv.Close()
			c := &Config{MaxRetries: 3, RetryMaxBackoff: time.Millisecond}
			conn := ec2.NewFromConfig(aws.Config{Region: "us-east-1", Retryer: c.retryer, BaseEndpoint: aws.String(srv.URL),
				Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
			_, err := conn.RunInstances(context.Background(), &ec2.RunInstancesInput{ImageId: aws.String("ami-1"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
			if errs.Code(err) != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
			if got := calls.Load(); got != tc.want {
				t.Errorf("%s: %d requests, want %d", tc.code, got, tc.want)
			}
		})
	}
}
