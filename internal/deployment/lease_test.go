package deployment

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// countTypes counts the emulator's live objects by type.
func countTypes(env *testEnv) map[string]int {
	out := map[string]int{}
	for _, r := range env.emu.Inventory() {
		out[r.Type]++
	}
	return out
}

// A second create of a name whose create is running is refused, and does
// not touch anything.
func TestLeaseRefusesAParallelCreate(t *testing.T) {
	env := newTestEnv(t, map[string]string{"ec2.boot_duration": "1000h"})
	env.c.LeaseTTL = time.Second
	ctx, cancel := context.WithCancel(env.ctx)
	defer cancel()
	spec := testSpec("parallel", TierDev)
	done := make(chan error, 1)
	go func() { _, err := Create(ctx, env.c, spec); done <- err }()
	waitForCall(t, env.ctx, env.emu, "GetConsoleOutput")
	before := countTypes(env)
	_, err := Create(env.ctx, env.c, spec)
	var busy *LeaseBusyError
	if !errors.As(err, &busy) {
		t.Fatalf("second create: %v", err)
	}
	if de := asError(t, err); de.Step != "duplicate check" || de.Hint == "" {
		t.Fatalf("error = %+v", de)
	}
	if after := countTypes(env); after["vpc"] != before["vpc"] || after["instance"] != before["instance"] {
		t.Fatalf("the refused create changed AWS: %v -> %v", before, after)
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("the first create, cancelled, reported success")
	}
}

// A create that was killed (its lease left behind, expired) is finished by
// the next create of the name, which adopts what it made: nothing doubles.
func TestLeaseAdoptsAnAbandonedCreate(t *testing.T) {
	env := newTestEnv(t, map[string]string{"ec2.boot_duration": "1000h"})
	env.c.LeaseTTL = time.Second
	ctx, cancel := context.WithCancel(env.ctx)
	spec := testSpec("killed", TierGPU)
	var first *State
	done := make(chan struct{})
	go func() { first, _ = Create(ctx, env.c, spec); close(done) }()
	waitForCall(t, env.ctx, env.emu, "GetConsoleOutput")
	cancel()
	<-done
	if first == nil || first.InstanceID == "" {
		t.Fatalf("the first create left %+v", first)
	}
	// What a SIGKILL leaves: the lease, expired, with the create's nonce.
	raw, _ := json.Marshal(leaseValue{Create: "killed", Nonce: first.Nonce, Expires: time.Now().Add(-time.Hour)})
	if _, err := env.c.SSM.PutParameter(env.ctx, &ssm.PutParameterInput{Name: aws.String(leaseParameter(spec.Name)), Value: aws.String(string(raw)), Type: ssmtypes.ParameterTypeString}); err != nil {
		t.Fatal(err)
	}
	before := countTypes(env)
	env.emu.SetKnob("ec2.boot_duration", "4m")
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatalf("recovering create: %v", err)
	}
	if !st.Recovered || st.InstanceID != first.InstanceID || st.VPCID != first.VPCID || st.EFSID != first.EFSID {
		t.Fatalf("recovered %+v\nfrom %+v", st, first)
	}
	after := countTypes(env)
	for _, typ := range []string{"vpc", "subnet", "internet-gateway", "route-table", "security-group", "file-system", "mount-target", "instance", "role", "instance-profile"} {
		if after[typ] != before[typ] || after[typ] == 0 {
			t.Errorf("%s: %d before, %d after", typ, before[typ], after[typ])
		}
	}
	// The lease is gone; the credentials the killed create wrote (which the
	// instance read at boot) are kept, not made again.
	if after["loadbalancer"] != 1 || after["distribution"] != 1 || after["parameter"] != before["parameter"]-1 {
		t.Errorf("before: %v\nafter: %v", before, after)
	}
	if len(first.Credentials) == 0 || !maps.Equal(st.Credentials, first.Credentials) {
		t.Errorf("credentials %v, the killed create wrote %v", st.Credentials, first.Credentials)
	}
	if _, err := env.c.SSM.GetParameter(env.ctx, &ssm.GetParameterInput{Name: aws.String(leaseParameter(spec.Name))}); !errors.As(err, new(*ssmtypes.ParameterNotFound)) {
		t.Errorf("the lease is still there: %v", err)
	}
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatal(err)
	}
	env.requireEmpty(t)
}
