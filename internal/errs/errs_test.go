package errs

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/smithy-go"
)

type myErr struct{}

func (myErr) Error() string { return "mine" }

func TestMatching(t *testing.T) {
	api := &smithy.GenericAPIError{Code: "DependencyViolation", Message: "resource sg-1 has a dependent object"}
	wrapped := fmt.Errorf("deleting: %w", api)
	if Code(wrapped) != "DependencyViolation" || !IsCode(wrapped, "X", "DependencyViolation") || IsCode(wrapped, "X") {
		t.Fatal("code matching")
	}
	if !IsCodeWithMessage(wrapped, "DependencyViolation", "dependent object") || IsCodeWithMessage(wrapped, "DependencyViolation", "other") {
		t.Fatal("message matching")
	}
	if Code(errors.New("plain")) != "" || IsCode(nil, "") {
		t.Fatal("non-API errors have no code")
	}
	if !IsA[myErr](fmt.Errorf("x: %w", myErr{})) || IsA[myErr](wrapped) {
		t.Fatal("type matching")
	}
	if Message(wrapped) != "resource sg-1 has a dependent object" || Message(errors.New("plain")) != "plain" {
		t.Fatal("message")
	}
}

func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&smithy.GenericAPIError{Code: "Throttling"}, true},
		{&smithy.GenericAPIError{Code: "RequestLimitExceeded"}, true},
		{&smithy.GenericAPIError{Code: "RequestTimeout"}, true},
		{fmt.Errorf("deleting: %w", &smithy.GenericAPIError{Code: "ThrottlingException"}), true},
		{&smithy.GenericAPIError{Code: "DependencyViolation"}, false},
		{&smithy.GenericAPIError{Code: "AccessDenied"}, false},
		{context.Canceled, false},
		{errors.New("plain"), false},
		{nil, false},
	} {
		if got := Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if !AccessDenied(&smithy.GenericAPIError{Code: "UnauthorizedOperation"}) || AccessDenied(&smithy.GenericAPIError{Code: "Throttling"}) {
		t.Error("AccessDenied")
	}
}

func TestThrottled(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&smithy.GenericAPIError{Code: "RequestLimitExceeded"}, true},
		{fmt.Errorf("creating: %w", &smithy.GenericAPIError{Code: "Throttling"}), true},
		{&smithy.GenericAPIError{Code: "InternalError"}, false},
		{nil, false},
	} {
		if got := Throttled(tc.err); got != tc.want {
			t.Errorf("Throttled(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
