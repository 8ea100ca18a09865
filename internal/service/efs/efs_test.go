package efs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	awstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/emutest"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfefs "github.com/geusemaker/terraform-provider-geusemaker/internal/service/efs"
)

type env struct {
	emu    *awsemu.Emulator
	conn   *efs.Client
	ec2    *ec2.Client
	ctx    context.Context
	vpc    string
	subnet map[string]string // AZ → subnet
	sg     string
}

func setup(t *testing.T, knobs map[string]string) *env {
	t.Helper()
	started := emutest.Start(t, emutest.Options{Knobs: knobs})
	e := &env{emu: started.Emu, conn: efs.NewFromConfig(started.Config), ec2: ec2.NewFromConfig(started.Config), ctx: started.Ctx, subnet: map[string]string{}}
	vpc, err := e.ec2.CreateVpc(e.ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	e.vpc = aws.ToString(vpc.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := e.ec2.CreateSubnet(e.ctx, &ec2.CreateSubnetInput{VpcId: aws.String(e.vpc), CidrBlock: aws.String("10.1." + string(rune('1'+i)) + ".0/24"), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		e.subnet[az] = aws.ToString(sn.Subnet.SubnetId)
	}
	sg, err := e.ec2.CreateSecurityGroup(e.ctx, &ec2.CreateSecurityGroupInput{VpcId: aws.String(e.vpc), GroupName: aws.String("efs"), Description: aws.String("efs")})
	if err != nil {
		t.Fatal(err)
	}
	e.sg = aws.ToString(sg.GroupId)
	return e
}

func (e *env) createFS(t *testing.T, token string) string {
	t.Helper()
	fs, err := tfefs.CreateFileSystem(e.ctx, e.conn, &efs.CreateFileSystemInput{CreationToken: aws.String(token), Encrypted: aws.Bool(true),
		Tags: tfefs.Tags(map[string]string{"Name": token, "geusemaker:deployment": "demo"})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tfefs.WaitFileSystemAvailable(e.ctx, e.conn, aws.ToString(fs.FileSystemId), time.Minute); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(fs.FileSystemId)
}

func (e *env) efsInventory() []awsemu.Resource {
	var out []awsemu.Resource
	for _, r := range e.emu.Inventory() {
		if r.Service == "efs" {
			out = append(out, r)
		}
	}
	return out
}

func TestFileSystemAndMountTargetsLifecycle(t *testing.T) {
	e := setup(t, nil)
	fs, err := tfefs.CreateFileSystem(e.ctx, e.conn, &efs.CreateFileSystemInput{CreationToken: aws.String("demo"), Encrypted: aws.Bool(true),
		ThroughputMode: awstypes.ThroughputModeElastic, Tags: tfefs.Tags(map[string]string{"Name": "demo"})})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(fs.FileSystemId)
	if fs.LifeCycleState != awstypes.LifeCycleStateCreating || aws.ToString(fs.Name) != "demo" {
		t.Fatalf("created = %+v", fs)
	}
	// Idempotent: the same token returns the same file system.
	again, err := tfefs.CreateFileSystem(e.ctx, e.conn, &efs.CreateFileSystemInput{CreationToken: aws.String("demo"), Encrypted: aws.Bool(true)})
	if err != nil || aws.ToString(again.FileSystemId) != id {
		t.Fatalf("second create = %+v %v", again, err)
	}
	var states []string
	avail, err := tfefs.WaitFileSystemAvailable(e.ctx, e.conn, id, time.Minute, func(state string, _ time.Duration) { states = append(states, state) })
	if err != nil || avail.LifeCycleState != awstypes.LifeCycleStateAvailable || len(states) == 0 || states[len(states)-1] != "available" {
		t.Fatalf("available = %+v %v (states %v)", avail, err, states)
	}
	if got, err := tfefs.FindFileSystemByCreationToken(e.ctx, e.conn, "demo"); err != nil || aws.ToString(got.FileSystemId) != id {
		t.Fatalf("by token = %+v %v", got, err)
	}
	if status, state, err := tfefs.StatusFileSystem(e.conn, id)(e.ctx); err != nil || status == nil || state != "available" {
		t.Fatalf("status = %v %q %v", status, state, err)
	}

	var mts []string
	for _, az := range []string{"us-east-1a", "us-east-1b"} {
		mt, err := tfefs.CreateMountTarget(e.ctx, e.conn, &efs.CreateMountTargetInput{FileSystemId: aws.String(id), SubnetId: aws.String(e.subnet[az]), SecurityGroups: []string{e.sg}}, az)
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(mt.AvailabilityZoneName) != az || mt.LifeCycleState != awstypes.LifeCycleStateCreating {
			t.Fatalf("mount target = %+v", mt)
		}
		mts = append(mts, aws.ToString(mt.MountTargetId))
	}
	for _, mt := range mts {
		got, err := tfefs.WaitMountTargetAvailable(e.ctx, e.conn, mt, time.Minute)
		if err != nil || got.LifeCycleState != awstypes.LifeCycleStateAvailable || aws.ToString(got.IpAddress) == "" {
			t.Fatalf("mount target available = %+v %v", got, err)
		}
	}
	list, err := tfefs.FindMountTargetsByFileSystemID(e.ctx, e.conn, id)
	if err != nil || len(list) != 2 {
		t.Fatalf("mount targets = %+v %v", list, err)
	}
	if inv := e.efsInventory(); len(inv) != 3 {
		t.Fatalf("inventory = %+v", inv)
	}

	if err := tfefs.UpdateTags(e.ctx, e.conn, id, map[string]string{"Name": "demo"}, map[string]string{"Name": "demo-2", "owner": "ops"}); err != nil {
		t.Fatal(err)
	}
	got, err := tfefs.FindFileSystemByID(e.ctx, e.conn, id)
	if tags := tfefs.TagsMap(got.Tags); err != nil || len(tags) != 2 || tags["Name"] != "demo-2" || aws.ToString(got.Name) != "demo-2" {
		t.Fatalf("tags = %v %v", tags, err)
	}

	// Teardown in the order the deployment uses: mount targets, then the
	// file system (which waits for the mount targets to be really gone).
	for _, mt := range mts {
		if err := tfefs.DeleteMountTarget(e.ctx, e.conn, mt); err != nil {
			t.Fatal(err)
		}
		if err := tfefs.DeleteMountTarget(e.ctx, e.conn, mt); err != nil {
			t.Fatalf("second delete while deleting: %v", err)
		}
	}
	if err := tfefs.DeleteFileSystem(e.ctx, e.conn, id, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := tfefs.FindFileSystemByID(e.ctx, e.conn, id); !retry.NotFound(err) {
		t.Fatalf("file system still there: %v", err)
	}
	for _, mt := range mts {
		if _, err := tfefs.FindMountTargetByID(e.ctx, e.conn, mt); !retry.NotFound(err) || errs.Code(err) != "MountTargetNotFound" {
			t.Fatalf("mount target %s: %v", mt, err)
		}
		if err := tfefs.WaitMountTargetDeleted(e.ctx, e.conn, mt, time.Second); err != nil {
			t.Fatal(err)
		}
		if err := tfefs.DeleteMountTarget(e.ctx, e.conn, mt); err != nil {
			t.Fatalf("deleting a gone mount target: %v", err)
		}
	}
	if err := tfefs.DeleteFileSystem(e.ctx, e.conn, id, time.Minute); err != nil {
		t.Fatalf("deleting a gone file system: %v", err)
	}
	if inv := e.efsInventory(); len(inv) != 0 {
		t.Fatalf("leftovers: %+v", inv)
	}
	// The interfaces are released too, so the group can go.
	if _, err := e.ec2.DeleteSecurityGroup(e.ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(e.sg)}); err != nil {
		t.Fatalf("security group still in use: %v", err)
	}
}

func TestFindersNotFound(t *testing.T) {
	e := setup(t, nil)
	if _, err := tfefs.FindFileSystemByID(e.ctx, e.conn, "fs-0123456789abcdef0"); !retry.NotFound(err) || errs.Code(err) != "FileSystemNotFound" {
		t.Fatalf("file system: %v", err)
	}
	if _, err := tfefs.FindFileSystemByCreationToken(e.ctx, e.conn, "nope"); !retry.NotFound(err) {
		t.Fatalf("by token: %v", err)
	}
	if _, err := tfefs.FindMountTargetsByFileSystemID(e.ctx, e.conn, "fs-0123456789abcdef0"); !retry.NotFound(err) {
		t.Fatalf("mount targets of a missing file system: %v", err)
	}
	if _, err := tfefs.FindMountTargetByID(e.ctx, e.conn, "fsmt-0123456789abcdef0"); !retry.NotFound(err) {
		t.Fatalf("mount target: %v", err)
	}
	if s, state, err := tfefs.StatusMountTarget(e.conn, "fsmt-0123456789abcdef0")(e.ctx); s != nil || state != "" || err != nil {
		t.Fatalf("status of a missing mount target = %v %q %v", s, state, err)
	}
	// Other errors are not NotFound and keep their code.
	e.emu.InjectFault(awsemu.Fault{Service: "efs", Operation: "DescribeFileSystems", Code: "AccessDeniedException", Status: 403, Times: 1})
	if _, err := tfefs.FindFileSystemByID(e.ctx, e.conn, "fs-0123456789abcdef0"); retry.NotFound(err) || errs.Code(err) != "AccessDeniedException" {
		t.Fatalf("access denied: %v", err)
	}
}

func TestCreateFileSystemAdoptsByToken(t *testing.T) {
	e := setup(t, nil)
	created, err := e.conn.CreateFileSystem(e.ctx, &efs.CreateFileSystemInput{CreationToken: aws.String("lost-response")})
	if err != nil {
		t.Fatal(err)
	}
	// A FileSystemAlreadyExists without FileSystemId falls back to the token.
	e.emu.InjectFault(awsemu.Fault{Service: "efs", Operation: "CreateFileSystem", Code: "FileSystemAlreadyExists", Status: 409, Times: 1})
	fs, err := tfefs.CreateFileSystem(e.ctx, e.conn, &efs.CreateFileSystemInput{CreationToken: aws.String("lost-response")})
	if err != nil || aws.ToString(fs.FileSystemId) != aws.ToString(created.FileSystemId) {
		t.Fatalf("adopted = %+v %v", fs, err)
	}
	// Other errors surface with their code.
	_, err = tfefs.CreateFileSystem(e.ctx, e.conn, &efs.CreateFileSystemInput{CreationToken: aws.String("x"), ThroughputMode: awstypes.ThroughputModeProvisioned})
	if errs.Code(err) != "BadRequest" {
		t.Fatalf("bad request: %v", err)
	}
}

func TestCreateMountTargetParallelSameAZ(t *testing.T) {
	e := setup(t, nil)
	id := e.createFS(t, "parallel")
	var wg sync.WaitGroup
	ids := make([]string, 4)
	errsOut := make([]error, 4)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			mt, err := tfefs.CreateMountTarget(e.ctx, e.conn, &efs.CreateMountTargetInput{FileSystemId: aws.String(id), SubnetId: aws.String(e.subnet["us-east-1a"]), SecurityGroups: []string{e.sg}}, "us-east-1a")
			errsOut[i] = err
			if err == nil {
				ids[i] = aws.ToString(mt.MountTargetId)
			}
		}(i)
	}
	wg.Wait()
	for i := range ids {
		if errsOut[i] != nil || ids[i] != ids[0] {
			t.Fatalf("parallel creates: ids %v errs %v", ids, errsOut)
		}
	}
	if n := e.emu.CallCounts()["efs.CreateMountTarget"]; n != 4 {
		t.Fatalf("CreateMountTarget calls = %d", n)
	}
	list, _ := tfefs.FindMountTargetsByFileSystemID(e.ctx, e.conn, id)
	if len(list) != 1 {
		t.Fatalf("mount targets = %d", len(list))
	}
	// A conflict with another subnet of the same AZ is a real error.
	other, err := e.ec2.CreateSubnet(e.ctx, &ec2.CreateSubnetInput{VpcId: aws.String(e.vpc), CidrBlock: aws.String("10.1.9.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tfefs.CreateMountTarget(e.ctx, e.conn, &efs.CreateMountTargetInput{FileSystemId: aws.String(id), SubnetId: other.Subnet.SubnetId, SecurityGroups: []string{e.sg}}, "us-east-1a")
	if !errs.IsA[*awstypes.MountTargetConflict](err) {
		t.Fatalf("want MountTargetConflict, got %v", err)
	}
	// A missing subnet keeps its code.
	_, err = tfefs.CreateMountTarget(e.ctx, e.conn, &efs.CreateMountTargetInput{FileSystemId: aws.String(id), SubnetId: aws.String("subnet-0123456789abcdef0"), SecurityGroups: []string{e.sg}}, "")
	if errs.Code(err) != "SubnetNotFound" {
		t.Fatalf("missing subnet: %v", err)
	}
}

func TestDeleteMountTargetWhileCreating(t *testing.T) {
	e := setup(t, nil)
	id := e.createFS(t, "rollback")
	mt, err := tfefs.CreateMountTarget(e.ctx, e.conn, &efs.CreateMountTargetInput{FileSystemId: aws.String(id), SubnetId: aws.String(e.subnet["us-east-1b"]), SecurityGroups: []string{e.sg}}, "us-east-1b")
	if err != nil {
		t.Fatal(err)
	}
	// A rollback right after create deletes the mount target while it is
	// still being created.
	if err := tfefs.DeleteMountTarget(e.ctx, e.conn, aws.ToString(mt.MountTargetId)); err != nil {
		t.Fatal(err)
	}
	if got, err := tfefs.FindMountTargetByID(e.ctx, e.conn, aws.ToString(mt.MountTargetId)); err != nil || got.LifeCycleState != awstypes.LifeCycleStateDeleting {
		t.Fatalf("after delete = %+v %v", got, err)
	}
	if err := tfefs.WaitMountTargetDeleted(e.ctx, e.conn, aws.ToString(mt.MountTargetId), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := tfefs.DeleteFileSystem(e.ctx, e.conn, id, time.Minute); err != nil {
		t.Fatal(err)
	}
	if inv := e.efsInventory(); len(inv) != 0 {
		t.Fatalf("leftovers: %+v", inv)
	}
}

func TestDeleteFileSystemWaitsForMountTargetsAndRetriesInUse(t *testing.T) {
	e := setup(t, nil)
	id := e.createFS(t, "in-use")
	mt, err := tfefs.CreateMountTarget(e.ctx, e.conn, &efs.CreateMountTargetInput{FileSystemId: aws.String(id), SubnetId: aws.String(e.subnet["us-east-1a"]), SecurityGroups: []string{e.sg}}, "us-east-1a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tfefs.WaitMountTargetAvailable(e.ctx, e.conn, aws.ToString(mt.MountTargetId), time.Minute); err != nil {
		t.Fatal(err)
	}
	mtDeleted := e.emu.Now()
	if err := tfefs.DeleteMountTarget(e.ctx, e.conn, aws.ToString(mt.MountTargetId)); err != nil {
		t.Fatal(err)
	}
	// The mount target is still deleting: DeleteFileSystem must wait for it
	// rather than fail, and must ride out a stale FileSystemInUse.
	e.emu.InjectFault(awsemu.Fault{Service: "efs", Operation: "DeleteFileSystem", Code: "FileSystemInUse", Status: 409, Times: 2})
	if err := tfefs.DeleteFileSystem(e.ctx, e.conn, id, time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := e.emu.CallCounts()["efs.DeleteFileSystem"]; n != 3 {
		t.Fatalf("DeleteFileSystem calls = %d", n)
	}
	if _, err := tfefs.FindFileSystemByID(e.ctx, e.conn, id); !retry.NotFound(err) {
		t.Fatalf("file system still there: %v", err)
	}
	// The first DeleteFileSystem came only after the mount target was gone
	// (its deletion takes 60 s of virtual time).
	for _, c := range e.emu.Calls() {
		if c.Operation == "DeleteFileSystem" {
			if c.Time.Before(mtDeleted.Add(60 * time.Second)) {
				t.Fatalf("DeleteFileSystem at %v, mount target gone only at %v", c.Time, mtDeleted.Add(60*time.Second))
			}
			break
		}
	}
}

func TestWaitersTimeOutOnStuckResources(t *testing.T) {
	e := setup(t, map[string]string{"efs.mount_target_create_duration": "never", "efs.delete_duration": "never"})
	id := e.createFS(t, "stuck")
	mt, err := tfefs.CreateMountTarget(e.ctx, e.conn, &efs.CreateMountTargetInput{FileSystemId: aws.String(id), SubnetId: aws.String(e.subnet["us-east-1a"]), SecurityGroups: []string{e.sg}}, "us-east-1a")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tfefs.WaitMountTargetAvailable(e.ctx, e.conn, aws.ToString(mt.MountTargetId), 200*time.Millisecond)
	if !retry.TimedOut(err) {
		t.Fatalf("want a timeout, got %v", err)
	}
	// DeleteFileSystem with a mount target that never goes away times out
	// instead of deleting.
	err = tfefs.DeleteFileSystem(e.ctx, e.conn, id, 200*time.Millisecond)
	if !retry.TimedOut(err) {
		t.Fatalf("want a timeout while mount targets exist, got %v", err)
	}
	if e.emu.CallCounts()["efs.DeleteFileSystem"] != 0 {
		t.Fatal("DeleteFileSystem called while mount targets existed")
	}
	// A deletion that never finishes: WaitFileSystemDeleted times out.
	id2 := e.createFS(t, "stuck-2")
	if _, err := e.conn.DeleteFileSystem(e.ctx, &efs.DeleteFileSystemInput{FileSystemId: aws.String(id2)}); err != nil {
		t.Fatal(err)
	}
	if err := tfefs.WaitFileSystemDeleted(e.ctx, e.conn, id2, 200*time.Millisecond); !retry.TimedOut(err) {
		t.Fatalf("want a timeout, got %v", err)
	}
}
