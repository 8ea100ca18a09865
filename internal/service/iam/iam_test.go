package iam_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
)

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func setup(t *testing.T) (*awsemu.Emulator, *iam.Client, context.Context) {
	t.Helper()
	env := emutest.Start(t, emutest.Options{Region: "", Timeout: 30 * time.Second})
	return env.Emu, iam.NewFromConfig(env.Config), env.Ctx
}

func TestRoleAndInstanceProfileLifecycle(t *testing.T) {
	emu, conn, ctx := setup(t)
	tags := map[string]string{"geusemaker:deployment": "demo", "geusemaker:managed-by": "terraform"}
	role, err := tfiam.CreateRole(ctx, conn, "demo-role", "/geusemaker/", trust, "GeuseMaker instance role", tags)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(role.Arn) != "arn:aws:iam::123456789012:role/geusemaker/demo-role" {
		t.Fatalf("role = %+v", role)
	}
	if err := tfiam.PutRolePolicy(ctx, conn, "demo-role", "efs", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"elasticfilesystem:ClientMount","Resource":"*"}]}`); err != nil {
		t.Fatal(err)
	}
	for _, arn := range []string{
		"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
		"arn:aws:iam::aws:policy/AmazonElasticFileSystemClientReadWriteAccess",
		"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", // again: a no-op
	} {
		if err := tfiam.AttachRolePolicy(ctx, conn, "demo-role", arn); err != nil {
			t.Fatal(err)
		}
	}
	if err := tfiam.AttachRolePolicy(ctx, conn, "demo-role", "arn:aws:iam::aws:policy/NoSuchPolicy"); !errs.IsCode(err, "NoSuchEntity") {
		t.Fatalf("unknown policy: %v", err)
	}

	profile, err := tfiam.CreateInstanceProfile(ctx, conn, "demo-profile", "/geusemaker/", tags)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(profile.Arn) != "arn:aws:iam::123456789012:instance-profile/geusemaker/demo-profile" {
		t.Fatalf("profile = %+v", profile)
	}
	if _, err := tfiam.CreateInstanceProfile(ctx, conn, "demo-profile", "", nil); !errs.IsCode(err, "EntityAlreadyExists") {
		t.Fatalf("duplicate profile: %v", err)
	}
	for i := 0; i < 2; i++ { // the second add is tolerated
		if err := tfiam.AddRoleToInstanceProfile(ctx, conn, "demo-profile", "demo-role"); err != nil {
			t.Fatalf("add #%d: %v", i+1, err)
		}
	}
	if _, err := tfiam.CreateRole(ctx, conn, "other-role", "", trust, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := tfiam.AddRoleToInstanceProfile(ctx, conn, "demo-profile", "other-role"); !errs.IsCode(err, "LimitExceeded") {
		t.Fatalf("second role: %v", err)
	}
	ready, err := tfiam.WaitInstanceProfileReady(ctx, conn, "demo-profile", "demo-role", time.Minute)
	if err != nil || len(ready.Roles) != 1 {
		t.Fatalf("ready = %+v %v", ready, err)
	}

	got, err := tfiam.FindRoleByName(ctx, conn, "demo-role")
	if err != nil || tfiam.TagsMap(got.Tags)["geusemaker:deployment"] != "demo" {
		t.Fatalf("find = %+v %v", got, err)
	}
	roles, err := tfiam.FindRolesByPathPrefix(ctx, conn, "/geusemaker/")
	if err != nil || len(roles) != 1 || aws.ToString(roles[0].RoleName) != "demo-role" {
		t.Fatalf("by prefix = %+v %v", roles, err)
	}
	all, err := tfiam.FindRolesByPathPrefix(ctx, conn, "/")
	if err != nil || len(all) != 2 {
		t.Fatalf("all roles = %d %v", len(all), err)
	}

	newTags := map[string]string{"geusemaker:deployment": "demo", "owner": "ops"}
	if err := tfiam.UpdateRoleTags(ctx, conn, "demo-role", tags, newTags); err != nil {
		t.Fatal(err)
	}
	if err := tfiam.UpdateInstanceProfileTags(ctx, conn, "demo-profile", tags, newTags); err != nil {
		t.Fatal(err)
	}
	got, _ = tfiam.FindRoleByName(ctx, conn, "demo-role")
	gotProfile, _ := tfiam.FindInstanceProfileByName(ctx, conn, "demo-profile")
	for name, m := range map[string]map[string]string{"role": tfiam.TagsMap(got.Tags), "profile": tfiam.TagsMap(gotProfile.Tags)} {
		if len(m) != 2 || m["owner"] != "ops" || m["geusemaker:managed-by"] != "" {
			t.Fatalf("%s tags = %v", name, m)
		}
	}

	// The role is still in the profile and has policies: DeleteRole clears all of it.
	if err := tfiam.DeleteRole(ctx, conn, "demo-role", time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := tfiam.FindRoleByName(ctx, conn, "demo-role"); !retry.NotFound(err) {
		t.Fatalf("role still there: %v", err)
	}
	if err := tfiam.DeleteRole(ctx, conn, "demo-role", time.Minute); err != nil {
		t.Fatalf("deleting a missing role: %v", err)
	}
	if err := tfiam.DeleteRole(ctx, conn, "other-role", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := tfiam.DeleteInstanceProfile(ctx, conn, "demo-profile"); err != nil {
		t.Fatal(err)
	}
	if err := tfiam.DeleteInstanceProfile(ctx, conn, "demo-profile"); err != nil {
		t.Fatalf("deleting a missing profile: %v", err)
	}
	if inv := emu.Inventory(); len(inv) != 0 {
		t.Fatalf("leftovers: %+v", inv)
	}
}

func TestFindersNotFound(t *testing.T) {
	_, conn, ctx := setup(t)
	_, err := tfiam.FindRoleByName(ctx, conn, "missing")
	if !retry.NotFound(err) || errs.Code(err) != "NoSuchEntity" {
		t.Fatalf("role: %v", err)
	}
	_, err = tfiam.FindInstanceProfileByName(ctx, conn, "missing")
	if !retry.NotFound(err) || errs.Code(err) != "NoSuchEntity" {
		t.Fatalf("profile: %v", err)
	}
	roles, err := tfiam.FindRolesByPathPrefix(ctx, conn, "/nothing/")
	if err != nil || len(roles) != 0 {
		t.Fatalf("empty prefix: %v %v", roles, err)
	}
}

func TestDeleteInstanceProfileRemovesRole(t *testing.T) {
	emu, conn, ctx := setup(t)
	if _, err := tfiam.CreateRole(ctx, conn, "r", "", trust, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tfiam.CreateInstanceProfile(ctx, conn, "p", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := tfiam.AddRoleToInstanceProfile(ctx, conn, "p", "r"); err != nil {
		t.Fatal(err)
	}
	if err := tfiam.DeleteInstanceProfile(ctx, conn, "p"); err != nil {
		t.Fatal(err)
	}
	if _, err := tfiam.FindInstanceProfileByName(ctx, conn, "p"); !retry.NotFound(err) {
		t.Fatalf("profile still there: %v", err)
	}
	if counts := emu.CallCounts(); counts["iam.RemoveRoleFromInstanceProfile"] != 1 {
		t.Fatalf("counts = %v", counts)
	}
}

func TestDeleteRoleRetriesDeleteConflict(t *testing.T) {
	emu, conn, ctx := setup(t)
	if _, err := tfiam.CreateRole(ctx, conn, "r", "", trust, "", nil); err != nil {
		t.Fatal(err)
	}
	emu.InjectFault(awsemu.Fault{Service: "iam", Operation: "DeleteRole", Code: "DeleteConflict", Status: 409, Message: "Cannot delete entity, must detach all policies first.", Times: 2})
	if err := tfiam.DeleteRole(ctx, conn, "r", time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := emu.CallCounts()["iam.DeleteRole"]; n != 3 {
		t.Fatalf("DeleteRole called %d times", n)
	}
	if _, err := tfiam.FindRoleByName(ctx, conn, "r"); !retry.NotFound(err) {
		t.Fatalf("role still there: %v", err)
	}
}

func TestDeleteRoleGivesUp(t *testing.T) {
	emu, conn, ctx := setup(t)
	if _, err := tfiam.CreateRole(ctx, conn, "r", "", trust, "", nil); err != nil {
		t.Fatal(err)
	}
	emu.InjectFault(awsemu.Fault{Service: "iam", Operation: "DeleteRole", Code: "DeleteConflict", Status: 409})
	err := tfiam.DeleteRole(ctx, conn, "r", 300*time.Millisecond)
	if !errs.IsCode(err, "DeleteConflict") {
		t.Fatalf("want DeleteConflict after the timeout, got %v", err)
	}
	if emu.CallCounts()["iam.DeleteRole"] < 2 {
		t.Fatal("DeleteConflict was not retried")
	}
}

func TestWaitInstanceProfileReady(t *testing.T) {
	_, conn, ctx := setup(t)
	if _, err := tfiam.CreateRole(ctx, conn, "r", "", trust, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tfiam.CreateInstanceProfile(ctx, conn, "p", "", nil); err != nil {
		t.Fatal(err)
	}
	// Without the role the wait times out, keeping the last state.
	_, err := tfiam.WaitInstanceProfileReady(ctx, conn, "p", "r", 200*time.Millisecond)
	if !retry.TimedOut(err) {
		t.Fatalf("want timeout, got %v", err)
	}
	// The role arrives while waiting.
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = tfiam.AddRoleToInstanceProfile(context.Background(), conn, "p", "r")
	}()
	p, err := tfiam.WaitInstanceProfileReady(ctx, conn, "p", "r", 10*time.Second)
	if err != nil || len(p.Roles) != 1 {
		t.Fatalf("ready = %+v %v", p, err)
	}
	// A profile that never appears ends as NotFound or timeout, never success.
	if _, err := tfiam.WaitInstanceProfileReady(ctx, conn, "ghost", "r", 200*time.Millisecond); err == nil {
		t.Fatal("a missing profile was ready")
	}
}
