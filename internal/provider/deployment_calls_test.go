package provider_test

import (
	"os"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
)

// The API calls of a tier-3 GPU deployment through the Terraform CLI, on
// the real poll schedules (the emulator's dilated clock, no poll cap): a
// create stays within maxCreateCalls, and an unchanged `terraform plan`
// within maxPlanCalls (the refresh and its drift checks included), without
// asking EC2 about the unchanged instance type again and without polling.
//
// The create's budget is the 130 (127 measured: the plan-time
// checks run in the plan and again in the apply's re-plan, one permission
// simulation each). The plan's is the 16, every call counted: one
// read per kind of object the drift checks compare, and no STS call (the
// caller's identity is asked for only by a plan that changes something).
const (
	maxCreateCalls = 130
	maxPlanCalls   = 16
)

func TestAccDeployment_tier3CallBudget(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	acctest.PreCheck(t)
	t.Parallel()
	r := acctest.BenchDeployments(t, acctest.BenchSpeed, 1)
	if c := r.Create.TotalCalls(); c > maxCreateCalls {
		t.Errorf("the create made %d calls, want at most %d: %v", c, maxCreateCalls, r.Create.Calls)
	}
	if r.Create.Calls["ec2.DescribeInstanceTypes"] == 0 {
		t.Errorf("the create never checked the instance type: %v", r.Create.Calls)
	}
	if c := r.Refresh.TotalCalls(); c > maxPlanCalls {
		t.Errorf("the unchanged plan made %d calls, want at most %d: %v", c, maxPlanCalls, r.Refresh.Calls)
	}
	if n := r.Refresh.Calls["ec2.DescribeInstanceTypes"]; n != 0 {
		t.Errorf("the unchanged plan checked the unchanged instance type again (%d calls)", n)
	}
	if r.Refresh.Polls != 0 {
		t.Errorf("the unchanged plan polled %d times", r.Refresh.Polls)
	}
	if r.Destroy.TotalCalls() == 0 || len(r.Create.Waits) == 0 {
		t.Errorf("nothing measured: create %+v, destroy %+v", r.Create, r.Destroy)
	}
}
