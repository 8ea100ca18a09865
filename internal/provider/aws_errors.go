package provider

import (
	"fmt"
	"strings"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
)

// awsErrorDetail describes an error of an AWS call for a diagnostic: the
// call, the AWS error code and AWS's own message, and what to do; not the
// SDK's chain of wrapped errors with request ids and HTTP statuses.
func awsErrorDetail(region string, err error) string {
	code := errs.Code(err)
	if code == "" {
		return err.Error()
	}
	var b strings.Builder
	if svc, op := errs.Operation(err); op != "" {
		fmt.Fprintf(&b, "%s %s failed with AWS error %s", svc, op, code)
	} else {
		fmt.Fprintf(&b, "AWS error %s", code)
	}
	if msg := errs.Message(err); msg != "" {
		fmt.Fprintf(&b, ": %s", msg)
	}
	b.WriteString(".")
	if hint := deployment.Remedy(region, err); hint != "" {
		fmt.Fprintf(&b, "\n\nWhat to do: %s", hint)
	}
	return b.String()
}
