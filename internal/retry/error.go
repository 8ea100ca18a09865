// Package retry waits for AWS resources to reach a state and retries calls
// through eventual consistency. It replaces the Plugin SDK's helper/retry:
// generic over the result type, context-aware, and with injectable sleeping
// and poll caps so tests never wait on wall time.
package retry

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// NotFoundError says the resource does not exist (or no longer does).
type NotFoundError struct {
	LastError error
	Message   string
}

func (e *NotFoundError) Error() string {
	switch {
	case e.Message != "":
		return e.Message
	case e.LastError != nil:
		return e.LastError.Error()
	}
	return "couldn't find resource"
}

func (e *NotFoundError) Unwrap() error { return e.LastError }

// NotFound reports whether err is, or wraps, a NotFoundError.
func NotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// TimeoutError says a wait ran out of time; it keeps the last state seen.
type TimeoutError struct {
	LastError     error
	LastState     string
	ExpectedState []string
	Timeout       time.Duration
}

func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("timeout after %s", e.Timeout)
	if e.LastState != "" {
		msg += fmt.Sprintf(" (last state: %q, wanted: %s)", e.LastState, strings.Join(e.ExpectedState, ", "))
	}
	if e.LastError != nil {
		msg += ": " + e.LastError.Error()
	}
	return msg
}

func (e *TimeoutError) Unwrap() error { return e.LastError }

// TimedOut reports whether err is, or wraps, a TimeoutError.
func TimedOut(err error) bool {
	var te *TimeoutError
	return errors.As(err, &te)
}

// UnexpectedStateError says the resource reached a state that is neither
// pending nor a target (for example "failed").
type UnexpectedStateError struct {
	LastError     error
	State         string
	ExpectedState []string
}

func (e *UnexpectedStateError) Error() string {
	msg := fmt.Sprintf("unexpected state %q, wanted: %s", e.State, strings.Join(e.ExpectedState, ", "))
	if e.LastError != nil {
		msg += ": " + e.LastError.Error()
	}
	return msg
}

func (e *UnexpectedStateError) Unwrap() error { return e.LastError }
