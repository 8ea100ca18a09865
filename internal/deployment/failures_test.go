package deployment

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// inventoryIDs lists the emulator's live objects a deployment owns (the
// network interfaces and volumes of an instance go with it).
func inventoryIDs(emu *awsemu.Emulator) []string {
	var out []string
	for _, r := range emu.Inventory() {
		switch {
		case r.Type == "network-interface", r.Type == "volume":
			continue
		case strings.HasPrefix(r.ID, "/geusemaker-create-lease/"):
			continue // held while the create runs
		}
		out = append(out, r.ID)
	}
	sort.Strings(out)
	return out
}

// leftoverIDs strips the kinds from Error.Leftovers ("vpc vpc-1" → "vpc-1").
func leftoverIDs(left []string) []string {
	var out []string
	for _, l := range left {
		out = append(out, l[strings.LastIndex(l, " ")+1:])
	}
	sort.Strings(out)
	return out
}

func asError(t *testing.T, err error) *Error {
	t.Helper()
	var de *Error
	if !errors.As(err, &de) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	return de
}

// A delete that keeps failing during the rollback stops only what depends
// on it: everything else is deleted, the leftovers are exactly what AWS
// still holds, and the rollback's own error comes with the create's.
func TestRollbackCarriesOnPastAFailedDelete(t *testing.T) {
	env := newTestEnv(t, nil)
	env.emu.InjectFault(awsemu.Fault{Service: "cloudfront", Operation: "CreateDistributionWithTags", Code: "TooManyDistributions"})
	env.emu.InjectFault(awsemu.Fault{Service: "elbv2", Operation: "DeleteLoadBalancer", Code: "AccessDenied", Status: 403,
		Message: "User is not authorized to perform: elasticloadbalancing:DeleteLoadBalancer"})
	spec := testSpec("rbfail", TierGPU)
	left, err := Create(env.ctx, env.c, spec)
	de := asError(t, err)
	if de.Step != stepDistribution || de.Code != "TooManyDistributions" || de.RolledBack || de.Interrupted {
		t.Fatalf("error = %+v", de)
	}
	if de.Rollback == nil || de.Rollback.Step != stepDeleteLB || de.Rollback.Code != "AccessDenied" {
		t.Fatalf("rollback error = %+v", de.Rollback)
	}
	if left == nil || !slices.Equal(leftoverIDs(de.Leftovers), leftoverIDs(left.IDs())) {
		t.Fatalf("leftovers %v, state %v", de.Leftovers, left)
	}
	if got, want := leftoverIDs(de.Leftovers), inventoryIDs(env.emu); !slices.Equal(got, want) {
		t.Fatalf("leftovers %v\nAWS holds  %v", got, want)
	}
	// What does not depend on the load balancer went: the instance, the
	// file system, IAM. What does (its target group and security group, the
	// groups and the network after them) stayed.
	for _, r := range env.emu.Inventory() {
		switch r.Type {
		case "instance", "file-system", "mount-target", "role", "instance-profile", "distribution":
			t.Fatalf("%s %s was not deleted", r.Type, r.ID)
		}
	}
	if !slices.ContainsFunc(de.Leftovers, func(s string) bool { return strings.HasPrefix(s, "load balancer ") }) {
		t.Fatalf("the load balancer is not among the leftovers: %v", de.Leftovers)
	}
	// The access denial was retried before it was reported.
	if n := env.emu.CallCounts()["elbv2.DeleteLoadBalancer"]; n < 1+accessDeniedRetries {
		t.Fatalf("DeleteLoadBalancer called %d times", n)
	}
	// A destroy with the permission back finishes the job.
	env.emu.ClearFaults()
	if _, _, err := Delete(env.ctx, env.c, spec, left); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.requireEmpty(t)
}

// Transient errors during a rollback (throttling beyond the SDK's retries,
// 5xx) are ridden out: the rollback finishes.
func TestRollbackRidesOutTransientErrors(t *testing.T) {
	env := newTestEnv(t, nil)
	env.emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "RunInstances", Code: "InsufficientInstanceCapacity", Status: 500})
	for _, op := range []string{"DeleteSecurityGroup", "DeleteSubnet", "DeleteVpc"} {
		env.emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: op, Code: "@5xx", Times: 12})
	}
	env.emu.InjectFault(awsemu.Fault{Service: "efs", Operation: "DeleteFileSystem", Code: "@throttle", Times: 12})
	_, err := Create(env.ctx, env.c, testSpec("rbtransient", TierDev))
	de := asError(t, err)
	if !de.RolledBack || de.Rollback != nil {
		t.Fatalf("error = %+v (rollback %+v)", de, de.Rollback)
	}
	for _, f := range env.emu.Faults()[1:] {
		if f.Fired == 0 {
			t.Fatalf("fault on %s never fired", f.Operation)
		}
	}
	env.requireEmpty(t)
}

// waitForCall polls the emulator's call log until a successful call of op.
func waitForCall(t *testing.T, ctx context.Context, emu *awsemu.Emulator, op string) {
	t.Helper()
	for {
		for _, c := range emu.Calls() {
			if c.Operation == op && c.Error == "" {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no successful %s before the test's deadline", op)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Ctrl-C during a rollback that cannot finish (CloudFront never confirms the
// disable) stops it: Create returns, interrupted, with exactly what is left.
func TestCancelStopsAStuckRollback(t *testing.T) {
	env := newTestEnv(t, map[string]string{"cloudfront.create_deploy_duration": "1m", "cloudfront.deploy_duration": "never"})
	// The last step fails, after the distribution is deployed.
	env.emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "CreateTags", Code: "UnauthorizedOperation", Status: 403})
	ctx, cancel := context.WithCancel(env.ctx)
	defer cancel()
	type result struct {
		st  *State
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := Create(ctx, env.c, testSpec("rbstuck", TierGPU))
		done <- result{st, err}
	}()
	waitForCall(t, env.ctx, env.emu, "UpdateDistribution") // the disable
	// Everything but the distribution goes meanwhile.
	for deadline := env.ctx.Done(); ; {
		if ids := inventoryIDs(env.emu); len(ids) == 1 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("the rest of the rollback did not finish: %v", inventoryIDs(env.emu))
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	var r result
	select {
	case r = <-done:
	case <-env.ctx.Done():
		t.Fatal("Create did not return after the cancellation")
	}
	de := asError(t, r.err)
	if !de.Interrupted || de.RolledBack || de.Step != stepPublicURL {
		t.Fatalf("error = %+v", de)
	}
	if r.st == nil || len(de.Leftovers) != 1 || !strings.HasPrefix(de.Leftovers[0], "cloudfront distribution ") {
		t.Fatalf("leftovers = %v", de.Leftovers)
	}
	if got := leftoverIDs(de.Leftovers); !slices.Equal(got, inventoryIDs(env.emu)) {
		t.Fatalf("leftovers %v, AWS holds %v", got, inventoryIDs(env.emu))
	}
}

// Ctrl-C during a create stops it without a rollback: what exists is
// returned (Terraform keeps it, tainted), and a destroy removes it.
func TestCancelDuringCreateKeepsWhatExists(t *testing.T) {
	env := newTestEnv(t, map[string]string{"ec2.boot_duration": "1000h"})
	ctx, cancel := context.WithCancel(env.ctx)
	defer cancel()
	spec := testSpec("interrupt", TierDev)
	done := make(chan error, 1)
	var st *State
	go func() {
		var err error
		st, err = Create(ctx, env.c, spec)
		done <- err
	}()
	waitForCall(t, env.ctx, env.emu, "GetConsoleOutput") // waiting for the boot
	seq := len(env.emu.Calls())
	cancel()
	var err error
	select {
	case err = <-done:
	case <-env.ctx.Done():
		t.Fatal("Create did not return after the cancellation")
	}
	de := asError(t, err)
	if !de.Interrupted || de.RolledBack {
		t.Fatalf("error = %+v", de)
	}
	for _, c := range env.emu.Calls()[seq:] {
		if c.Service != "ssm" && (strings.HasPrefix(c.Operation, "Delete") || strings.HasPrefix(c.Operation, "Terminate")) {
			t.Fatalf("call #%d %s: an interruption must not roll back", c.Seq, c.Operation)
		}
	}
	if got, want := leftoverIDs(de.Leftovers), inventoryIDs(env.emu); !slices.Equal(got, want) || len(got) < 10 {
		t.Fatalf("leftovers %v, AWS holds %v", got, want)
	}
	if _, _, err := Delete(env.ctx, env.c, spec, st); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.requireEmpty(t)
}

// An instance someone launched into the deployment's subnet makes the
// destroy stop soon, naming it, instead of retrying DependencyViolation
// until the timeout; the network stays in the state and a destroy run after
// the instance is gone finishes.
func TestDestroyNamesAForeignInstance(t *testing.T) {
	env := newTestEnv(t, nil)
	spec := testSpec("foreign", TierDev)
	st, err := Create(env.ctx, env.c, spec)
	if err != nil {
		t.Fatal(err)
	}
	run, err := env.c.EC2.RunInstances(env.ctx, &ec2.RunInstancesInput{
		ImageId: aws.String(st.AMIID), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(st.SubnetIDs[0]),
	})
	if err != nil {
		t.Fatal(err)
	}
	foreign := aws.ToString(run.Instances[0].InstanceId)
	left, _, err := Delete(env.ctx, env.c, spec, st)
	de := asError(t, err)
	var be *BlockedError
	if !errors.As(de, &be) || !strings.Contains(be.Error(), foreign) || !strings.Contains(de.Hint, "terraform destroy") {
		t.Fatalf("error = %v (hint %q)", err, de.Hint)
	}
	if left == nil || left.VPCID != st.VPCID || left.InstanceID != "" || left.EFSID != "" {
		t.Fatalf("left = %+v", left)
	}
	if got := env.emu.CallCounts()["ec2.DetachInternetGateway"]; got > 3*blockerCheckEvery {
		t.Fatalf("DetachInternetGateway was retried %d times before the blocker was named", got)
	}
	if _, err := env.c.EC2.TerminateInstances(env.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{foreign}}); err != nil {
		t.Fatal(err)
	}
	env.emu.Clock().Advance(2 * time.Minute)
	if _, _, err := Delete(env.ctx, env.c, spec, left); err != nil {
		t.Fatalf("second destroy: %v", err)
	}
	env.requireEmpty(t)
}
