package acctest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
)

// SDKConfig is an aws.Config for calling the emulator directly from a test,
// to change things "outside Terraform".
var SDKConfig = emutest.Config

// mutating reports whether an operation creates or changes something.
func mutating(op string) bool {
	for _, p := range []string{"Create", "Run", "Put", "Attach", "Associate", "Authorize", "Modify", "Register", "Request", "Import", "Add", "Tag", "Update", "Start", "Stop", "Set"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// CheckNothingCreated fails if any call that creates or changes something
// reached the emulator: bad input must be refused at plan time.
func CheckNothingCreated(emu *awsemu.Emulator) func(*terraform.State) error {
	return func(*terraform.State) error {
		var calls []string
		for _, c := range emu.Calls() {
			if mutating(c.Operation) {
				calls = append(calls, c.Service+"."+c.Operation)
			}
		}
		if len(calls) > 0 {
			sort.Strings(calls)
			return fmt.Errorf("bad input reached AWS: %s", strings.Join(calls, ", "))
		}
		return CheckInventoryEmpty(emu)(nil)
	}
}
