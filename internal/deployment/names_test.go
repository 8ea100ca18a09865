package deployment

import (
	"strings"
	"testing"
)

// Every name the deployment derives from its own must be one AWS accepts;
// names AWS would refuse after earlier objects exist are refused up front.
func TestValidateName(t *testing.T) {
	for name, want := range map[string]string{
		"lab":                   "",
		"sg":                    "",
		"sgx-lab":               "",
		"my-sg-lab":             "",
		"internals":             "",
		"sg-lab":                `must not start with "sg-"`,
		"internal-lab":          `must not start with "internal-"`,
		"a--b":                  "consecutive hyphens",
		"Lab":                   "lowercase letters",
		"lab-":                  "lowercase letters",
		strings.Repeat("a", 28): "",
		strings.Repeat("a", 29): "at most 28",
	} {
		err := ValidateName(name)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", name, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: got %v, want an error saying %q", name, err, want)
		}
	}
}

// The derived names fit AWS's limits for the longest valid name and the
// longest region name.
func TestDerivedNamesFit(t *testing.T) {
	s := &Spec{Name: strings.Repeat("a", MaxNameLength), Region: "ap-southeast-5"}
	for _, c := range []struct {
		what, name string
		max        int
	}{
		{"load balancer", s.loadBalancerName(), 32},
		{"target group", s.targetGroupName(), 32},
		{"IAM role", s.roleName(), 64},
		{"EFS creation token", s.creationToken(), 64},
		{"security group", s.securityGroupName(CompInstanceSG), 255},
	} {
		if len(c.name) > c.max {
			t.Errorf("%s name %q is %d characters, over AWS's %d", c.what, c.name, len(c.name), c.max)
		}
	}
}
