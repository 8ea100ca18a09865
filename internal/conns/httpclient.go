package conns

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// NewHTTPClient returns the SDK's HTTP client with request bodies that do
// not expose io.WriterTo.
//
// smithy-go closes a request's body as soon as the response headers arrive,
// and its closed body answers WriteTo with io.EOF as an error. net/http's
// transport reads the body once more after sending it (to detect extra
// bytes) and, when that read goes through WriteTo and fails, closes the
// connection while the response body is still being read: "use of closed
// network connection". A fast server (an emulator on loopback, an endpoint in
// the same VPC) answers quickly enough to lose that race, and a retried,
// non-idempotent create could then run twice. Hiding WriterTo makes the
// transport use Read, which the closed body answers with a clean io.EOF.
func NewHTTPClient() aws.HTTPClient {
	return WrapHTTPClient(awshttp.NewBuildableClient())
}

// WrapHTTPClient applies the same fix to a client the SDK configured (for
// example with a custom CA bundle from AWS_CA_BUNDLE, which the SDK only
// applies to its own client type, so the wrapping must come after loading).
func WrapHTTPClient(inner aws.HTTPClient) aws.HTTPClient {
	if inner == nil {
		inner = awshttp.NewBuildableClient()
	}
	if _, done := inner.(bodySafeClient); done {
		return inner
	}
	return bodySafeClient{inner: inner}
}

type bodySafeClient struct {
	inner aws.HTTPClient
}

// requestGrace bounds a request that outlives its caller's cancellation.
const requestGrace = 2 * time.Minute

func (c bodySafeClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = readOnlyBody{r.Body}
	}
	// A request already on its way finishes even when the caller gives up
	// (a sibling step failed, Terraform was interrupted): AWS acts on a
	// create it has received whether or not anyone reads the answer, and
	// only the answer tells the caller which id to record and roll back.
	// Cancellation takes effect before the next call instead.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), requestGrace)
	resp, err := c.inner.Do(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases a detached request's context with its response.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// readOnlyBody is an io.ReadCloser and nothing more.
type readOnlyBody struct {
	io.ReadCloser
}
