package deployment

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// Error is a deployment failure with what the user needs to act on it.
type Error struct {
	Step      string
	Code      string // AWS error code, "" when not an AWS error
	Message   string
	Hint      string
	Err       error
	Leftovers []string // ids of objects that could not be cleaned up
	// RolledBack says every object created was deleted again.
	RolledBack bool
	// Also are the other steps that failed (a teardown carries on past a
	// failed delete, so several may fail).
	Also []*Error
	// Rollback is why the rollback after a failed create did not finish.
	Rollback *Error
	// Interrupted says the operation was cancelled (Ctrl-C) rather than
	// failing on its own.
	Interrupted bool
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s failed", e.Step)
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	fmt.Fprintf(&b, ": %s", e.Message)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// describe turns a step failure into an Error with code, message and hint.
func describe(stepName string, err error) *Error {
	e := &Error{Step: stepName, Err: err, Code: errs.Code(err), Message: err.Error()}
	var de *Error
	if errors.As(err, &de) && de != e {
		return de
	}
	if m := errs.Message(err); e.Code != "" && m != "" {
		e.Message = m // AWS's message; some are empty (SSM's ParameterNotFound)
	}
	e.Hint = remedy(err)
	if h := spotCodeHints[e.Code]; h != "" {
		// Spot's remedies name the capacity settings that help.
		e.Hint = h
	}
	var ce *CapacityError
	if errors.As(err, &ce) {
		e.Message, e.Hint = ce.Error(), ce.Hint()
	}
	var remedy interface{ Remedy() string }
	if errors.As(err, &remedy) {
		e.Hint = remedy.Remedy()
	}
	switch {
	case retry.TimedOut(err) || errors.Is(err, context.DeadlineExceeded):
		e.Hint = timeoutHint(stepName)
	case retry.NotFound(err) && e.Hint == "":
		e.Hint = "An object disappeared while the deployment was waiting for it (deleted outside Terraform?). Run the command again."
	}
	return e
}
