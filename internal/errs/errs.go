// Package errs holds helpers for matching AWS errors by type and code.
package errs

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// IsA reports whether err is, or wraps, an error of type T (for example a
// modelled SDK error such as *cftypes.NoSuchDistribution).
func IsA[T error](err error) bool {
	_, ok := As[T](err)
	return ok
}

// As returns the first error of type T in err's chain.
func As[T error](err error) (T, bool) {
	var target T
	ok := errors.As(err, &target)
	return target, ok
}

// Code returns the AWS error code of err, or "".
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Message returns the AWS error message of err, or err.Error().
func Message(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// IsCode reports whether err carries one of the AWS error codes.
func IsCode(err error, codes ...string) bool {
	c := Code(err)
	if c == "" {
		return false
	}
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}

// IsCodeWithMessage reports whether err has code and its message contains part.
func IsCodeWithMessage(err error, code, part string) bool {
	return IsCode(err, code) && strings.Contains(Message(err), part)
}

// Transient reports whether err is one the AWS SDK itself treats as worth
// retrying: throttling, a 5xx, a request timeout or a broken connection. A
// cancelled context is not transient.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return awsretry.IsErrorRetryables(awsretry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// Throttled reports whether err is AWS refusing the request for its rate
// (Throttling, RequestLimitExceeded, ...): the request was not carried out.
func Throttled(err error) bool {
	return err != nil && awsretry.IsErrorThrottles(awsretry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary
}

// AccessDenied reports whether err is an authorization failure of any AWS
// service.
func AccessDenied(err error) bool {
	return IsCode(err, "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "AuthFailure")
}
