package deployment

import (
	"errors"
	"strings"
	"testing"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
)

func TestZonesForSubnets(t *testing.T) {
	zones := []string{"a", "b", "c", "d", "e"}
	for _, tc := range []struct {
		offering []string
		want     string
	}{
		{[]string{"a", "b", "c", "d", "e"}, "a b c d e"},
		{[]string{"c", "e"}, "c e a b d"},
		{[]string{"b"}, "b a c d e"},
	} {
		if got := strings.Join(zonesForSubnets(zones, tc.offering), " "); got != tc.want {
			t.Errorf("zonesForSubnets(%v) = %q, want %q", tc.offering, got, tc.want)
		}
	}
}

// A dedicated VPC is laid out so that the instance runs in a zone offering
// its type; with the user's subnets the instance goes to the first one whose
// zone offers it.
func TestInstancePlacedWhereTheTypeIsOffered(t *testing.T) {
	env := newTestEnv(t, map[string]string{"ec2.unoffered": "g5.xlarge@us-east-1a,g5.xlarge@us-east-1b"})
	spec := testSpec("placed", TierDev)
	spec.InstanceType, spec.GPU, spec.Models = "g5.xlarge", true, nil
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if st.AvailabilityZone != "us-east-1c" || len(st.SubnetIDs) != 2 {
		t.Fatalf("instance in %q with subnets %v, want us-east-1c first", st.AvailabilityZone, st.SubnetIDs)
	}
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("delete: %v", err)
	}
	env.requireEmpty(t)

	// Bring-your-own subnets in a, b and c: the instance skips a and b.
	net := emutest.CreateUserNetwork(t, env.emu, "us-east-1a", "us-east-1b", "us-east-1c")
	spec = testSpec("byo", TierDev)
	spec.InstanceType, spec.GPU, spec.Models = "g5.xlarge", true, nil
	spec.VPCID, spec.SubnetIDs = net.VPCID, net.SubnetIDs
	st, err = Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("create in own subnets: %v", err)
	}
	if st.AvailabilityZone != "us-east-1c" {
		t.Fatalf("instance in %q, want us-east-1c", st.AvailabilityZone)
	}
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("delete: %v", err)
	}

	// Only a and b: nothing can run there, and the plan-time check says so.
	err = CheckInstanceTypeOffered(env.ctx, env.c, "g5.xlarge", []string{"us-east-1a", "us-east-1b"}, "")
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "instance_type" || !strings.Contains(fe.Detail, "it does in us-east-1c, us-east-1d, us-east-1f") {
		t.Fatalf("check = %v", err)
	}
	if err := CheckInstanceTypeOffered(env.ctx, env.c, "g5.xlarge", []string{"us-east-1a", "us-east-1d"}, ""); err != nil {
		t.Fatalf("check with one usable subnet: %v", err)
	}
	err = CheckInstanceTypeOffered(env.ctx, env.c, "g5.xlarge", nil, "us-east-1b")
	if !errors.As(err, &fe) || !strings.Contains(fe.Detail, "us-east-1b, the instance's zone") {
		t.Fatalf("in-place check = %v", err)
	}
	// p5 is in no zone of the emulated us-east-1 once the knob removes it.
	env.emu.SetKnob("ec2.unoffered", "p5@us-east-1")
	err = CheckInstanceTypeOffered(env.ctx, env.c, "p5.48xlarge", nil, "")
	if !errors.As(err, &fe) || fe.Summary != "Instance type not offered in this region" {
		t.Fatalf("region check = %v", err)
	}
}
