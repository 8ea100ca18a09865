package awsemu

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
)

func efsClient(e *Emulator) *efs.Client { return efs.NewFromConfig(sdkConfig(e, testRegion)) }

func createTestFS(t *testing.T, e *Emulator, client *efs.Client, token string) string {
	t.Helper()
	out, err := client.CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{CreationToken: aws.String(token), Encrypted: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.FileSystemId)
}

func describeFS(t *testing.T, client *efs.Client, id string) efstypes.FileSystemDescription {
	t.Helper()
	out, err := client.DescribeFileSystems(ctx(t), &efs.DescribeFileSystemsInput{FileSystemId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FileSystems) != 1 {
		t.Fatalf("describe %s: %d file systems", id, len(out.FileSystems))
	}
	return out.FileSystems[0]
}

func TestEFSFileSystemLifecycle(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := efsClient(e)
	out, err := client.CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{
		CreationToken: aws.String("geusemaker-demo"), Encrypted: aws.Bool(true), PerformanceMode: efstypes.PerformanceModeGeneralPurpose,
		ThroughputMode: efstypes.ThroughputModeElastic,
		Tags:           []efstypes.Tag{{Key: aws.String("Name"), Value: aws.String("demo-efs")}, {Key: aws.String("geusemaker:deployment"), Value: aws.String("demo")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.FileSystemId)
	if !strings.HasPrefix(id, "fs-") || len(id) != 20 || out.LifeCycleState != efstypes.LifeCycleStateCreating || aws.ToString(out.Name) != "demo-efs" {
		t.Fatalf("created = %+v", out)
	}
	if aws.ToString(out.FileSystemArn) != "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/"+id || aws.ToString(out.OwnerId) != AccountID {
		t.Fatalf("arn = %s", aws.ToString(out.FileSystemArn))
	}
	if !strings.HasPrefix(aws.ToString(out.KmsKeyId), "arn:aws:kms:us-east-1:123456789012:key/") || !aws.ToBool(out.Encrypted) {
		t.Fatalf("default kms key = %s", aws.ToString(out.KmsKeyId))
	}

	// Same creation token: the modelled error carries the existing id.
	_, err = client.CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{CreationToken: aws.String("geusemaker-demo")})
	var exists *efstypes.FileSystemAlreadyExists
	if !errors.As(err, &exists) || aws.ToString(exists.FileSystemId) != id || aws.ToString(exists.ErrorCode_) != "FileSystemAlreadyExists" {
		t.Fatalf("want FileSystemAlreadyExists with FileSystemId %s, got %v", id, err)
	}
	wantAPIError(t, err, "FileSystemAlreadyExists", 409, "")

	d := describeFS(t, client, id)
	if d.LifeCycleState != efstypes.LifeCycleStateCreating || d.NumberOfMountTargets != 0 || d.SizeInBytes == nil || d.SizeInBytes.Value != efsInitialSize ||
		d.ThroughputMode != efstypes.ThroughputModeElastic || d.PerformanceMode != efstypes.PerformanceModeGeneralPurpose || len(d.Tags) != 2 {
		t.Fatalf("describe = %+v", d)
	}
	byToken, err := client.DescribeFileSystems(ctx(t), &efs.DescribeFileSystemsInput{CreationToken: aws.String("geusemaker-demo")})
	if err != nil || len(byToken.FileSystems) != 1 || aws.ToString(byToken.FileSystems[0].FileSystemId) != id {
		t.Fatalf("by token = %+v %v", byToken, err)
	}
	none, err := client.DescribeFileSystems(ctx(t), &efs.DescribeFileSystemsInput{CreationToken: aws.String("other")})
	if err != nil || len(none.FileSystems) != 0 {
		t.Fatalf("unknown token = %+v %v", none, err)
	}

	e.Clock().Advance(10 * time.Second)
	if d := describeFS(t, client, id); d.LifeCycleState != efstypes.LifeCycleStateAvailable {
		t.Fatalf("after create duration: %s", d.LifeCycleState)
	}
	if inv := e.Inventory(); len(inv) != 1 || inv[0].Type != "file-system" || inv[0].ID != id || inv[0].State != "available" || inv[0].Tags["Name"] != "demo-efs" {
		t.Fatalf("inventory = %+v", inv)
	}

	if _, err := client.DeleteFileSystem(ctx(t), &efs.DeleteFileSystemInput{FileSystemId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if d := describeFS(t, client, id); d.LifeCycleState != efstypes.LifeCycleStateDeleting {
		t.Fatalf("after delete: %s", d.LifeCycleState)
	}
	if _, err := client.DeleteFileSystem(ctx(t), &efs.DeleteFileSystemInput{FileSystemId: aws.String(id)}); err != nil {
		t.Fatalf("second delete while deleting: %v", err)
	}
	e.Clock().Advance(10 * time.Second)
	_, err = client.DescribeFileSystems(ctx(t), &efs.DescribeFileSystemsInput{FileSystemId: aws.String(id)})
	var nf *efstypes.FileSystemNotFound
	if !errors.As(err, &nf) || aws.ToString(nf.ErrorCode_) != "FileSystemNotFound" {
		t.Fatalf("want FileSystemNotFound, got %v", err)
	}
	wantAPIError(t, err, "FileSystemNotFound", 404, "File system '"+id+"' does not exist.")
	_, err = client.DeleteFileSystem(ctx(t), &efs.DeleteFileSystemInput{FileSystemId: aws.String(id)})
	if !errors.As(err, &nf) {
		t.Fatalf("delete of a gone file system: %v", err)
	}
	if inv := e.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory = %+v", inv)
	}
	// The creation token is free again once the file system is gone.
	if _, err := client.CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{CreationToken: aws.String("geusemaker-demo")}); err != nil {
		t.Fatalf("token reuse: %v", err)
	}
}

func TestEFSCreateValidation(t *testing.T) {
	e := startEmu(t, Options{})
	client := efsClient(e)
	for _, tc := range []struct {
		name string
		in   efs.CreateFileSystemInput
		code string
	}{
		{"provisioned without throughput", efs.CreateFileSystemInput{CreationToken: aws.String("a"), ThroughputMode: efstypes.ThroughputModeProvisioned}, "BadRequest"},
		{"throughput without provisioned", efs.CreateFileSystemInput{CreationToken: aws.String("a"), ProvisionedThroughputInMibps: aws.Float64(10)}, "BadRequest"},
		{"too much throughput", efs.CreateFileSystemInput{CreationToken: aws.String("a"), ThroughputMode: efstypes.ThroughputModeProvisioned, ProvisionedThroughputInMibps: aws.Float64(5000)}, "ThroughputLimitExceeded"},
		{"kms key unencrypted", efs.CreateFileSystemInput{CreationToken: aws.String("a"), KmsKeyId: aws.String("alias/mine")}, "BadRequest"},
		{"maxIO elastic", efs.CreateFileSystemInput{CreationToken: aws.String("a"), PerformanceMode: efstypes.PerformanceModeMaxIo, ThroughputMode: efstypes.ThroughputModeElastic}, "BadRequest"},
		{"long token", efs.CreateFileSystemInput{CreationToken: aws.String(strings.Repeat("t", 65))}, "BadRequest"},
		{"unknown zone", efs.CreateFileSystemInput{CreationToken: aws.String("a"), AvailabilityZoneName: aws.String("us-east-1z")}, "UnsupportedAvailabilityZone"},
		{"aws tag", efs.CreateFileSystemInput{CreationToken: aws.String("a"), Tags: []efstypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}}, "BadRequest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := client.CreateFileSystem(ctx(t), &in)
			wantAPIError(t, err, tc.code, 400, "")
			if tc.code == "BadRequest" {
				var br *efstypes.BadRequest
				if !errors.As(err, &br) {
					t.Fatalf("not the modelled BadRequest: %T", err)
				}
			}
		})
	}
	// A provisioned file system with a customer key, and a One Zone one.
	out, err := client.CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{CreationToken: aws.String("p"), Encrypted: aws.Bool(true), KmsKeyId: aws.String("1234abcd-12ab-34cd-56ef-1234567890ab"),
		ThroughputMode: efstypes.ThroughputModeProvisioned, ProvisionedThroughputInMibps: aws.Float64(128), PerformanceMode: efstypes.PerformanceModeMaxIo})
	if err != nil || aws.ToFloat64(out.ProvisionedThroughputInMibps) != 128 || aws.ToString(out.KmsKeyId) != "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" {
		t.Fatalf("provisioned = %+v %v", out, err)
	}
	oz, err := client.CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{CreationToken: aws.String("oz"), AvailabilityZoneName: aws.String("us-east-1b")})
	if err != nil || aws.ToString(oz.AvailabilityZoneId) != "use1-az2" {
		t.Fatalf("one zone = %+v %v", oz, err)
	}
	if len(e.Inventory()) != 2 {
		t.Fatalf("inventory = %+v", e.Inventory())
	}
}

func TestEFSMountTargets(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client, ec2c := efsClient(e), ec2Client(e)
	n := makeNet(t, ec2c, "10.0.0.0/16")
	other := makeNet(t, ec2c, "10.9.0.0/16")
	sg := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(ec2c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc), GroupName: aws.String("efs"), Description: aws.String("efs")})).GroupId)
	sg2 := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(ec2c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc), GroupName: aws.String("efs2"), Description: aws.String("efs2")})).GroupId)
	otherSG := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(ec2c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(other.vpc), GroupName: aws.String("x"), Description: aws.String("x")})).GroupId)
	sameAZ := aws.ToString(must[*ec2.CreateSubnetOutput](t)(ec2c.CreateSubnet(ctx(t), &ec2.CreateSubnetInput{VpcId: aws.String(n.vpc), CidrBlock: aws.String("10.0.3.0/24"), AvailabilityZone: aws.String("us-east-1a")})).Subnet.SubnetId)

	fsID := createTestFS(t, e, client, "mt")
	_, err := client.CreateMountTarget(ctx(t), &efs.CreateMountTargetInput{FileSystemId: aws.String(fsID), SubnetId: aws.String(n.subnetA), SecurityGroups: []string{sg}})
	var wrongState *efstypes.IncorrectFileSystemLifeCycleState
	if !errors.As(err, &wrongState) {
		t.Fatalf("mount target on a creating file system: %v", err)
	}
	wantAPIError(t, err, "IncorrectFileSystemLifeCycleState", 409, "")
	e.Clock().Advance(10 * time.Second)

	mt, err := client.CreateMountTarget(ctx(t), &efs.CreateMountTargetInput{FileSystemId: aws.String(fsID), SubnetId: aws.String(n.subnetA), SecurityGroups: []string{sg}})
	if err != nil {
		t.Fatal(err)
	}
	mtID := aws.ToString(mt.MountTargetId)
	if !strings.HasPrefix(mtID, "fsmt-") || mt.LifeCycleState != efstypes.LifeCycleStateCreating || aws.ToString(mt.VpcId) != n.vpc ||
		aws.ToString(mt.AvailabilityZoneName) != "us-east-1a" || aws.ToString(mt.AvailabilityZoneId) != "use1-az1" || !strings.HasPrefix(aws.ToString(mt.IpAddress), "10.0.1.") ||
		aws.ToString(mt.OwnerId) != AccountID {
		t.Fatalf("mount target = %+v", mt)
	}
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(ec2c.DescribeNetworkInterfaces(ctx(t), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{aws.ToString(mt.NetworkInterfaceId)}}))
	eni := enis.NetworkInterfaces[0]
	if aws.ToString(eni.RequesterId) != "amazon-elasticfilesystem" || aws.ToString(eni.Description) != "EFS mount target for "+fsID+" ("+mtID+")" ||
		aws.ToString(eni.PrivateIpAddress) != aws.ToString(mt.IpAddress) || aws.ToString(eni.Groups[0].GroupId) != sg {
		t.Fatalf("eni = %+v", eni)
	}

	for _, tc := range []struct {
		name, subnet string
		groups       []string
		code         string
		status       int
	}{
		{"same AZ", sameAZ, []string{sg}, "MountTargetConflict", 409},
		{"other VPC", other.subnetA, []string{otherSG}, "MountTargetConflict", 409},
		{"unknown subnet", "subnet-0123456789abcdef0", []string{sg}, "SubnetNotFound", 400},
		{"too many groups", n.subnetB, []string{sg, sg2, "sg-1", "sg-2", "sg-3", "sg-4"}, "SecurityGroupLimitExceeded", 400},
		{"group of another VPC", n.subnetB, []string{otherSG}, "SecurityGroupNotFound", 400},
		{"unknown group", n.subnetB, []string{"sg-0123456789abcdef0"}, "SecurityGroupNotFound", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.CreateMountTarget(ctx(t), &efs.CreateMountTargetInput{FileSystemId: aws.String(fsID), SubnetId: aws.String(tc.subnet), SecurityGroups: tc.groups})
			wantAPIError(t, err, tc.code, tc.status, "")
		})
	}
	var conflict *efstypes.MountTargetConflict
	_, err = client.CreateMountTarget(ctx(t), &efs.CreateMountTargetInput{FileSystemId: aws.String(fsID), SubnetId: aws.String(sameAZ), SecurityGroups: []string{sg}})
	if !errors.As(err, &conflict) {
		t.Fatalf("not the modelled MountTargetConflict: %v", err)
	}
	var snf *efstypes.SubnetNotFound
	_, err = client.CreateMountTarget(ctx(t), &efs.CreateMountTargetInput{FileSystemId: aws.String(fsID), SubnetId: aws.String("subnet-0123456789abcdef0"), SecurityGroups: []string{sg}})
	if !errors.As(err, &snf) {
		t.Fatalf("not the modelled SubnetNotFound: %v", err)
	}
	mtB, err := client.CreateMountTarget(ctx(t), &efs.CreateMountTargetInput{FileSystemId: aws.String(fsID), SubnetId: aws.String(n.subnetB), SecurityGroups: []string{sg}, IpAddress: aws.String("10.0.2.100")})
	if err != nil || aws.ToString(mtB.IpAddress) != "10.0.2.100" {
		t.Fatalf("fixed address: %+v %v", mtB, err)
	}

	list, err := client.DescribeMountTargets(ctx(t), &efs.DescribeMountTargetsInput{FileSystemId: aws.String(fsID)})
	if err != nil || len(list.MountTargets) != 2 || aws.ToString(list.MountTargets[0].MountTargetId) != mtID {
		t.Fatalf("by file system = %+v %v", list, err)
	}
	one, err := client.DescribeMountTargets(ctx(t), &efs.DescribeMountTargetsInput{MountTargetId: aws.String(mtID)})
	if err != nil || len(one.MountTargets) != 1 || aws.ToString(one.MountTargets[0].NetworkInterfaceId) != aws.ToString(mt.NetworkInterfaceId) {
		t.Fatalf("by id = %+v %v", one, err)
	}
	_, err = client.DescribeMountTargets(ctx(t), &efs.DescribeMountTargetsInput{MountTargetId: aws.String("fsmt-0123456789abcdef0")})
	var mtnf *efstypes.MountTargetNotFound
	if !errors.As(err, &mtnf) {
		t.Fatalf("want MountTargetNotFound, got %v", err)
	}
	wantAPIError(t, err, "MountTargetNotFound", 404, "")
	_, err = client.DescribeMountTargets(ctx(t), &efs.DescribeMountTargetsInput{})
	wantAPIError(t, err, "BadRequest", 400, "")
	if d := describeFS(t, client, fsID); d.NumberOfMountTargets != 2 {
		t.Fatalf("number of mount targets = %d", d.NumberOfMountTargets)
	}

	_, err = client.DeleteFileSystem(ctx(t), &efs.DeleteFileSystemInput{FileSystemId: aws.String(fsID)})
	var inUse *efstypes.FileSystemInUse
	if !errors.As(err, &inUse) {
		t.Fatalf("want FileSystemInUse, got %v", err)
	}
	wantAPIError(t, err, "FileSystemInUse", 409, "The file system '"+fsID+"' cannot be deleted because it has mount targets. You must delete the mount targets, and then try again.")

	groups, err := client.DescribeMountTargetSecurityGroups(ctx(t), &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID)})
	if err != nil || len(groups.SecurityGroups) != 1 || groups.SecurityGroups[0] != sg {
		t.Fatalf("groups = %+v %v", groups, err)
	}
	_, err = client.ModifyMountTargetSecurityGroups(ctx(t), &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID), SecurityGroups: []string{sg2}})
	var mtState *efstypes.IncorrectMountTargetState
	if !errors.As(err, &mtState) {
		t.Fatalf("modify while creating: %v", err)
	}
	e.Clock().Advance(90 * time.Second)
	one, _ = client.DescribeMountTargets(ctx(t), &efs.DescribeMountTargetsInput{MountTargetId: aws.String(mtID)})
	if one.MountTargets[0].LifeCycleState != efstypes.LifeCycleStateAvailable {
		t.Fatalf("after create duration: %s", one.MountTargets[0].LifeCycleState)
	}
	if _, err := client.ModifyMountTargetSecurityGroups(ctx(t), &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID), SecurityGroups: []string{sg, sg2}}); err != nil {
		t.Fatal(err)
	}
	enis = must[*ec2.DescribeNetworkInterfacesOutput](t)(ec2c.DescribeNetworkInterfaces(ctx(t), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{aws.ToString(mt.NetworkInterfaceId)}}))
	if len(enis.NetworkInterfaces[0].Groups) != 2 {
		t.Fatalf("eni groups not updated: %+v", enis.NetworkInterfaces[0].Groups)
	}
	_, err = client.ModifyMountTargetSecurityGroups(ctx(t), &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID), SecurityGroups: []string{otherSG}})
	wantAPIError(t, err, "SecurityGroupNotFound", 400, "")

	inv := e.Inventory()
	kinds := map[string]int{}
	for _, r := range inv {
		if r.Service == "efs" {
			kinds[r.Type]++
		}
	}
	if kinds["file-system"] != 1 || kinds["mount-target"] != 2 {
		t.Fatalf("inventory = %+v", inv)
	}

	// Deleting: the mount target and its interface linger, and still block.
	for _, id := range []string{mtID, aws.ToString(mtB.MountTargetId)} {
		if _, err := client.DeleteMountTarget(ctx(t), &efs.DeleteMountTargetInput{MountTargetId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	one, _ = client.DescribeMountTargets(ctx(t), &efs.DescribeMountTargetsInput{MountTargetId: aws.String(mtID)})
	if one.MountTargets[0].LifeCycleState != efstypes.LifeCycleStateDeleting {
		t.Fatalf("after delete: %s", one.MountTargets[0].LifeCycleState)
	}
	// Deleting again changes nothing (DeleteMountTarget models no state error).
	if _, err := client.DeleteMountTarget(ctx(t), &efs.DeleteMountTargetInput{MountTargetId: aws.String(mtID)}); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	_, err = client.ModifyMountTargetSecurityGroups(ctx(t), &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID), SecurityGroups: []string{sg}})
	wantAPIError(t, err, "IncorrectMountTargetState", 409, "")
	_, err = client.DescribeMountTargetSecurityGroups(ctx(t), &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID)})
	wantAPIError(t, err, "IncorrectMountTargetState", 409, "")
	_, err = client.DeleteFileSystem(ctx(t), &efs.DeleteFileSystemInput{FileSystemId: aws.String(fsID)})
	wantAPIError(t, err, "FileSystemInUse", 409, "")
	_, err = ec2c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sg2)})
	wantCode(t, err, "DependencyViolation")

	e.Clock().Advance(60 * time.Second)
	_, err = client.DescribeMountTargets(ctx(t), &efs.DescribeMountTargetsInput{MountTargetId: aws.String(mtID)})
	wantAPIError(t, err, "MountTargetNotFound", 404, "")
	left := must[*ec2.DescribeNetworkInterfacesOutput](t)(ec2c.DescribeNetworkInterfaces(ctx(t), &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{filter("requester-id", "amazon-elasticfilesystem")}}))
	if len(left.NetworkInterfaces) != 0 {
		t.Fatalf("mount target interfaces not released: %d", len(left.NetworkInterfaces))
	}
	must[*ec2.DeleteSecurityGroupOutput](t)(ec2c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sg2)}))
	if d := describeFS(t, client, fsID); d.NumberOfMountTargets != 0 {
		t.Fatalf("number of mount targets = %d", d.NumberOfMountTargets)
	}
	if _, err := client.DeleteFileSystem(ctx(t), &efs.DeleteFileSystemInput{FileSystemId: aws.String(fsID)}); err != nil {
		t.Fatal(err)
	}
}

func TestEFSUpdateFileSystem(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := efsClient(e)
	id := createTestFS(t, e, client, "upd")
	_, err := client.UpdateFileSystem(ctx(t), &efs.UpdateFileSystemInput{FileSystemId: aws.String(id), ThroughputMode: efstypes.ThroughputModeElastic})
	wantAPIError(t, err, "IncorrectFileSystemLifeCycleState", 409, "")
	e.Clock().Advance(10 * time.Second)

	out, err := client.UpdateFileSystem(ctx(t), &efs.UpdateFileSystemInput{FileSystemId: aws.String(id), ThroughputMode: efstypes.ThroughputModeProvisioned, ProvisionedThroughputInMibps: aws.Float64(64)})
	if err != nil || out.LifeCycleState != efstypes.LifeCycleStateUpdating || out.ThroughputMode != efstypes.ThroughputModeProvisioned || aws.ToFloat64(out.ProvisionedThroughputInMibps) != 64 {
		t.Fatalf("update = %+v %v", out, err)
	}
	e.Clock().Advance(5 * time.Second)
	if d := describeFS(t, client, id); d.LifeCycleState != efstypes.LifeCycleStateAvailable || aws.ToFloat64(d.ProvisionedThroughputInMibps) != 64 {
		t.Fatalf("after update = %+v", d)
	}
	// Raising provisioned throughput is always allowed.
	if _, err := client.UpdateFileSystem(ctx(t), &efs.UpdateFileSystemInput{FileSystemId: aws.String(id), ProvisionedThroughputInMibps: aws.Float64(128)}); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(5 * time.Second)
	// Another mode change within 24 hours is refused.
	_, err = client.UpdateFileSystem(ctx(t), &efs.UpdateFileSystemInput{FileSystemId: aws.String(id), ThroughputMode: efstypes.ThroughputModeBursting})
	var tooMany *efstypes.TooManyRequests
	if !errors.As(err, &tooMany) {
		t.Fatalf("want TooManyRequests, got %v", err)
	}
	wantAPIError(t, err, "TooManyRequests", 429, "")
	e.Clock().Advance(24 * time.Hour)
	if _, err := client.UpdateFileSystem(ctx(t), &efs.UpdateFileSystemInput{FileSystemId: aws.String(id), ThroughputMode: efstypes.ThroughputModeBursting}); err != nil {
		t.Fatalf("after the cooldown: %v", err)
	}
	e.Clock().Advance(5 * time.Second)
	if d := describeFS(t, client, id); d.ThroughputMode != efstypes.ThroughputModeBursting || d.ProvisionedThroughputInMibps != nil {
		t.Fatalf("bursting = %+v", d)
	}
	_, err = client.UpdateFileSystem(ctx(t), &efs.UpdateFileSystemInput{FileSystemId: aws.String(id)})
	wantAPIError(t, err, "BadRequest", 400, "")
	_, err = client.UpdateFileSystem(ctx(t), &efs.UpdateFileSystemInput{FileSystemId: aws.String("fs-0123456789abcdef0"), ThroughputMode: efstypes.ThroughputModeElastic})
	wantAPIError(t, err, "FileSystemNotFound", 404, "")
}

func TestEFSTagsLifecycleAndBackupPolicies(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client := efsClient(e)
	id := createTestFS(t, e, client, "tags")
	var tags []efstypes.Tag
	for i := 0; i < 5; i++ {
		tags = append(tags, efstypes.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	tags = append(tags, efstypes.Tag{Key: aws.String("Name"), Value: aws.String("renamed")})
	if _, err := client.TagResource(ctx(t), &efs.TagResourceInput{ResourceId: aws.String(id), Tags: tags}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.UntagResource(ctx(t), &efs.UntagResourceInput{ResourceId: aws.String(id), TagKeys: []string{"k0", "k1"}}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	p := efs.NewListTagsForResourcePaginator(client, &efs.ListTagsForResourceInput{ResourceId: aws.String(id), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range page.Tags {
			keys = append(keys, aws.ToString(tg.Key))
		}
	}
	if strings.Join(keys, ",") != "k2,k3,k4,Name" {
		t.Fatalf("tags = %v", keys)
	}
	if d := describeFS(t, client, id); aws.ToString(d.Name) != "renamed" {
		t.Fatalf("name = %s", aws.ToString(d.Name))
	}
	_, err := client.TagResource(ctx(t), &efs.TagResourceInput{ResourceId: aws.String("fs-0123456789abcdef0"), Tags: tags})
	wantAPIError(t, err, "FileSystemNotFound", 404, "")

	// Policies need an available file system.
	_, err = client.PutLifecycleConfiguration(ctx(t), &efs.PutLifecycleConfigurationInput{FileSystemId: aws.String(id),
		LifecyclePolicies: []efstypes.LifecyclePolicy{{TransitionToIA: efstypes.TransitionToIARulesAfter30Days}}})
	wantAPIError(t, err, "IncorrectFileSystemLifeCycleState", 409, "")
	e.Clock().Advance(10 * time.Second)
	lc, err := client.PutLifecycleConfiguration(ctx(t), &efs.PutLifecycleConfigurationInput{FileSystemId: aws.String(id), LifecyclePolicies: []efstypes.LifecyclePolicy{
		{TransitionToIA: efstypes.TransitionToIARulesAfter30Days}, {TransitionToPrimaryStorageClass: efstypes.TransitionToPrimaryStorageClassRulesAfter1Access},
	}})
	if err != nil || len(lc.LifecyclePolicies) != 2 {
		t.Fatalf("put lifecycle = %+v %v", lc, err)
	}
	got, err := client.DescribeLifecycleConfiguration(ctx(t), &efs.DescribeLifecycleConfigurationInput{FileSystemId: aws.String(id)})
	if err != nil || len(got.LifecyclePolicies) != 2 || got.LifecyclePolicies[0].TransitionToIA != efstypes.TransitionToIARulesAfter30Days {
		t.Fatalf("lifecycle = %+v %v", got, err)
	}
	for name, policies := range map[string][]efstypes.LifecyclePolicy{
		"two in one":   {{TransitionToIA: efstypes.TransitionToIARulesAfter30Days, TransitionToPrimaryStorageClass: efstypes.TransitionToPrimaryStorageClassRulesAfter1Access}},
		"duplicate":    {{TransitionToIA: efstypes.TransitionToIARulesAfter30Days}, {TransitionToIA: efstypes.TransitionToIARulesAfter7Days}},
		"bad value":    {{TransitionToIA: "AFTER_2_DAYS"}},
		"archive only": {{TransitionToArchive: efstypes.TransitionToArchiveRulesAfter90Days}},
	} {
		_, err := client.PutLifecycleConfiguration(ctx(t), &efs.PutLifecycleConfigurationInput{FileSystemId: aws.String(id), LifecyclePolicies: policies})
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		wantAPIError(t, err, "BadRequest", 400, "")
	}
	if _, err := client.PutLifecycleConfiguration(ctx(t), &efs.PutLifecycleConfigurationInput{FileSystemId: aws.String(id), LifecyclePolicies: []efstypes.LifecyclePolicy{}}); err != nil {
		t.Fatal(err)
	}
	got, _ = client.DescribeLifecycleConfiguration(ctx(t), &efs.DescribeLifecycleConfigurationInput{FileSystemId: aws.String(id)})
	if len(got.LifecyclePolicies) != 0 {
		t.Fatalf("lifecycle not cleared: %+v", got.LifecyclePolicies)
	}

	bp, err := client.DescribeBackupPolicy(ctx(t), &efs.DescribeBackupPolicyInput{FileSystemId: aws.String(id)})
	if err != nil || bp.BackupPolicy.Status != efstypes.StatusDisabled {
		t.Fatalf("default backup = %+v %v", bp, err)
	}
	put, err := client.PutBackupPolicy(ctx(t), &efs.PutBackupPolicyInput{FileSystemId: aws.String(id), BackupPolicy: &efstypes.BackupPolicy{Status: efstypes.StatusEnabled}})
	if err != nil || put.BackupPolicy.Status != efstypes.StatusEnabled {
		t.Fatalf("put backup = %+v %v", put, err)
	}
	bp, _ = client.DescribeBackupPolicy(ctx(t), &efs.DescribeBackupPolicyInput{FileSystemId: aws.String(id)})
	if bp.BackupPolicy.Status != efstypes.StatusEnabled {
		t.Fatalf("backup = %s", bp.BackupPolicy.Status)
	}
	_, err = client.DescribeBackupPolicy(ctx(t), &efs.DescribeBackupPolicyInput{FileSystemId: aws.String("fs-0123456789abcdef0")})
	wantAPIError(t, err, "FileSystemNotFound", 404, "")
}

func TestEFSDescribeFileSystemsPaging(t *testing.T) {
	e := startEmu(t, Options{})
	client := efsClient(e)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, createTestFS(t, e, client, fmt.Sprintf("tok-%d", i)))
	}
	first, err := client.DescribeFileSystems(ctx(t), &efs.DescribeFileSystemsInput{MaxItems: aws.Int32(2)})
	if err != nil || len(first.FileSystems) != 2 || first.NextMarker == nil {
		t.Fatalf("first page = %+v %v", first, err)
	}
	var seen []string
	p := efs.NewDescribeFileSystemsPaginator(client, &efs.DescribeFileSystemsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.FileSystems {
			seen = append(seen, aws.ToString(f.FileSystemId))
		}
	}
	if strings.Join(seen, ",") != strings.Join(ids, ",") {
		t.Fatalf("paged = %v, want %v", seen, ids)
	}
	_, err = client.DescribeFileSystems(ctx(t), &efs.DescribeFileSystemsInput{Marker: aws.String("bogus")})
	wantAPIError(t, err, "BadRequest", 400, "")
}

func TestEFSStuckKnobs(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"efs.create_duration": "never"}})
	client := efsClient(e)
	id := createTestFS(t, e, client, "stuck")
	e.Clock().Advance(time.Hour)
	if d := describeFS(t, client, id); d.LifeCycleState != efstypes.LifeCycleStateCreating {
		t.Fatalf("state = %s", d.LifeCycleState)
	}
	e.SetKnob("efs.delete_duration", "never")
	if _, err := client.DeleteFileSystem(ctx(t), &efs.DeleteFileSystemInput{FileSystemId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(time.Hour)
	if d := describeFS(t, client, id); d.LifeCycleState != efstypes.LifeCycleStateDeleting {
		t.Fatalf("state = %s", d.LifeCycleState)
	}
	if inv := e.Inventory(); len(inv) != 1 || inv[0].State != "deleting" {
		t.Fatalf("inventory = %+v", inv)
	}
}

func TestEFSOneZoneAndEarlyMountTargetDelete(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	client, ec2c := efsClient(e), ec2Client(e)
	n := makeNet(t, ec2c, "10.0.0.0/16")
	sg := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(ec2c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(n.vpc), GroupName: aws.String("efs"), Description: aws.String("efs")})).GroupId)
	oz, err := client.CreateFileSystem(ctx(t), &efs.CreateFileSystemInput{CreationToken: aws.String("oz"), AvailabilityZoneName: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock().Advance(10 * time.Second)
	_, err = client.CreateMountTarget(ctx(t), &efs.CreateMountTargetInput{FileSystemId: oz.FileSystemId, SubnetId: aws.String(n.subnetB), SecurityGroups: []string{sg}})
	var mismatch *efstypes.AvailabilityZonesMismatch
	if !errors.As(err, &mismatch) {
		t.Fatalf("want AvailabilityZonesMismatch, got %v", err)
	}
	bp, err := client.DescribeBackupPolicy(ctx(t), &efs.DescribeBackupPolicyInput{FileSystemId: oz.FileSystemId})
	if err != nil || bp.BackupPolicy.Status != efstypes.StatusEnabled {
		t.Fatalf("one zone backups = %+v %v", bp, err)
	}
	mt, err := client.CreateMountTarget(ctx(t), &efs.CreateMountTargetInput{FileSystemId: oz.FileSystemId, SubnetId: aws.String(n.subnetA), SecurityGroups: []string{sg}})
	if err != nil {
		t.Fatal(err)
	}
	// A mount target still being created can be deleted (a rollback).
	if _, err := client.DeleteMountTarget(ctx(t), &efs.DeleteMountTargetInput{MountTargetId: mt.MountTargetId}); err != nil {
		t.Fatal(err)
	}
	got, err := client.DescribeMountTargets(ctx(t), &efs.DescribeMountTargetsInput{MountTargetId: mt.MountTargetId})
	if err != nil || got.MountTargets[0].LifeCycleState != efstypes.LifeCycleStateDeleting {
		t.Fatalf("after early delete = %+v %v", got, err)
	}
	e.Clock().Advance(2 * time.Minute) // past the original creation time too
	_, err = client.DescribeMountTargets(ctx(t), &efs.DescribeMountTargetsInput{MountTargetId: mt.MountTargetId})
	wantAPIError(t, err, "MountTargetNotFound", 404, "")
}
