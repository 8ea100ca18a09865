package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment"
)

var indexedPath = regexp.MustCompile(`^([a-z_]+)\[(\d+)\]$`)

// fieldPath turns "load_balancer.certificate_arn" or "subnet_ids[1]" into an
// attribute path.
func fieldPath(p string) path.Path {
	parts := strings.Split(p, ".")
	var out path.Path
	for i, part := range parts {
		name, idx := part, -1
		if m := indexedPath.FindStringSubmatch(part); m != nil {
			name = m[1]
			idx, _ = strconv.Atoi(m[2])
		}
		if i == 0 {
			out = path.Root(name)
		} else {
			out = out.AtName(name)
		}
		if idx >= 0 {
			out = out.AtListIndex(idx)
		}
	}
	return out
}

// addDeploymentError reports a failed operation: the step, the AWS error code
// and message, what to do, the console tail of a failed boot, the other
// steps that failed, why a rollback did not finish, and whether everything
// was rolled back or exactly what is left in AWS. An operation the user
// interrupted says so.
func addDeploymentError(diags *diag.Diagnostics, action, name string, err error) {
	var fe *deployment.FieldError
	summary := fmt.Sprintf("%s GeuseMaker deployment (%s)", action, name)
	var de *deployment.Error
	if !errors.As(err, &de) {
		if errors.As(err, &fe) {
			diags.AddAttributeError(fieldPath(fe.Path), fe.Summary, fe.Detail)
			return
		}
		// Not a step's error: still the AWS code, message and remedy
		// when it came from AWS.
		de = deployment.Explain(err)
	}
	if errors.As(de.Err, &fe) {
		// An input AWS refused at apply: on its attribute, with the step
		// and what happened to the objects made so far.
		diags.AddAttributeError(fieldPath(fe.Path), fe.Summary, fmt.Sprintf("Step %q failed: %s\n%s", de.Step, fe.Detail, outcome(action, de)))
		return
	}
	var b strings.Builder
	stoppedFirst := de.Interrupted && isStopped(de) // the interruption is the failure
	if de.Interrupted {
		summary += " interrupted"
	}
	if stoppedFirst {
		running := []string{fmt.Sprintf("%q", de.Step)}
		for _, also := range de.Also {
			if isStopped(also) {
				running = append(running, fmt.Sprintf("%q", also.Step))
			}
		}
		fmt.Fprintf(&b, "The %s was interrupted (Terraform was asked to stop, e.g. with Ctrl-C) during %s; it stopped within seconds instead of finishing.\n", operationNoun(action), strings.Join(running, ", "))
	} else {
		writeStepFailure(&b, de)
	}
	for _, also := range de.Also {
		if isStopped(also) {
			continue
		}
		b.WriteString("\nAlso ")
		writeStepFailure(&b, also)
	}
	switch rb := de.Rollback; {
	case rb != nil && isStopped(rb):
		b.WriteString("\nThe rollback was interrupted (Terraform was asked to stop, e.g. with Ctrl-C) before it finished; it stopped within seconds.\n")
	case rb != nil:
		b.WriteString("\nThe rollback did not finish either. ")
		writeStepFailure(&b, rb)
		for _, also := range rb.Also {
			if !isStopped(also) {
				b.WriteString("Also ")
				writeStepFailure(&b, also)
			}
		}
	}
	switch {
	case de.RolledBack && stoppedFirst:
		b.WriteString("\nNothing this apply created is left in AWS.")
	case de.Leftovers != nil && stoppedFirst:
		fmt.Fprintf(&b, "\n%s\n  - %s", leftoversNote(action, true), strings.Join(de.Leftovers, "\n  - "))
	case de.RolledBack, len(de.Leftovers) > 0:
		b.WriteString(outcome(action, de))
	case action == "Updating" && de.Interrupted:
		b.WriteString("\nThe deployment is kept in the state as it stands; the next apply finishes the change.")
	}
	diags.AddError(summary, b.String())
}

// writeStepFailure writes one failed step: its name, AWS error code and
// message, and what to do (with the console tail of a failed boot).
func writeStepFailure(b *strings.Builder, de *deployment.Error) {
	fmt.Fprintf(b, "Step %q failed", de.Step)
	if de.Code != "" {
		fmt.Fprintf(b, " with AWS error %s", de.Code)
	}
	fmt.Fprintf(b, ":\n%s\n", de.Message)
	var be *deployment.BootError
	var ge *deployment.GPUError
	switch {
	case errors.As(de.Err, &be):
		fmt.Fprintf(b, "\nWhat to do: the instance's boot script failed at step %q. Read the console tail below; connect with Session Manager (`aws ssm start-session --target %s`) and see /var/log/geusemaker-boot.log.\n", be.Step, be.InstanceID)
		fmt.Fprintf(b, "\nConsole output (last lines):\n%s\n", be.ConsoleTail)
	case errors.As(de.Err, &ge):
		fmt.Fprintf(b, "\nWhat to do: the instance type's GPU did not pass validation. Check that instance_type has NVIDIA GPUs and that ami_id (if set) ships the NVIDIA driver, or leave ami_id unset to use the Deep Learning AMI.\n")
		fmt.Fprintf(b, "\nConsole output (last lines):\n%s\n", ge.ConsoleTail)
	case de.Hint != "":
		fmt.Fprintf(b, "\nWhat to do: %s\n", de.Hint)
	}
}

// isStopped reports whether a step only stopped because the operation did.
func isStopped(de *deployment.Error) bool {
	return errors.Is(de.Err, context.Canceled)
}

func operationNoun(action string) string {
	switch action {
	case "Destroying":
		return "destroy"
	case "Reading":
		return "refresh"
	}
	return "apply"
}

// leftoversNote says what happens to the objects still in AWS: checked there
// after the operation, and kept in the state so that the next run finishes
// the job. noRollback says a create was interrupted before any rollback.
func leftoversNote(action string, noRollback bool) string {
	if action == "Destroying" {
		return "Still in AWS (checked after the destroy stopped) and kept in the Terraform state; run `terraform destroy` again to resume:"
	}
	if noRollback {
		return "Left in AWS and kept in the Terraform state, without a rollback (checked in AWS after the interruption). The resource is tainted: `terraform destroy` removes these, or the next `terraform apply` replaces the deployment:"
	}
	return "Left in AWS and kept in the Terraform state (checked in AWS after the rollback). The resource is tainted: `terraform destroy` removes these, or the next `terraform apply` replaces the deployment:"
}

// outcome says what a failure left: nothing after a rollback, or the
// objects kept in the state.
func outcome(action string, de *deployment.Error) string {
	switch {
	case de.RolledBack:
		return "\nRollback: every AWS object this apply created was deleted again; nothing is left behind."
	case len(de.Leftovers) > 0:
		return fmt.Sprintf("\n%s\n  - %s", leftoversNote(action, false), strings.Join(de.Leftovers, "\n  - "))
	}
	return ""
}

func addRetainedWarning(diags *diag.Diagnostics, name string, retained []string) {
	diags.AddWarning(fmt.Sprintf("GeuseMaker deployment (%s) left objects in AWS on purpose", name),
		"As configured (retain_on_delete), these were kept and are no longer managed by Terraform:\n  - "+strings.Join(retained, "\n  - ")+
			"\nDelete them in the AWS console or CLI when you no longer need them; they may incur charges.")
}
