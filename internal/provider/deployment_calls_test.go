package provider_test

import (
	"os"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/acctest"
)

// The API calls of a tier-3 GPU deployment through the Terraform CLI, on
// the real poll schedules (the emulator's dilated clock, no poll cap): a
// create stays within 130 calls, and an unchanged `terraform plan` within
// 16 (provider configuration, STS and the refresh included), without asking
// EC2 about the unchanged instance type again and without polling.
func TestAccDeployment_tier3CallBudget(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1")
	}
	acctest.PreCheck(t)
	t.Parallel()
	r := acctest.BenchDeployments(t, acctest.BenchSpeed, 1)
	if c := r.Create.TotalCalls(); c > 130 {
		t.Errorf("the create made %d calls, want at most 130: %v", c, r.Create.Calls)
	}
	if r.Create.Calls["ec2.DescribeInstanceTypes"] == 0 {
		t.Errorf("the create never checked the instance type: %v", r.Create.Calls)
	}
	if c := r.Refresh.TotalCalls(); c > 16 {
		t.Errorf("the unchanged plan made %d calls, want at most 16: %v", c, r.Refresh.Calls)
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
