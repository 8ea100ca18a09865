package awsemu

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

func TestEC2InstanceTypes(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	out := must[*ec2.DescribeInstanceTypesOutput](t)(c.DescribeInstanceTypes(ctx(t), &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"g5.xlarge", "t3.medium", "g4dn.12xlarge"}}))
	byName := map[string]types.InstanceTypeInfo{}
	for _, it := range out.InstanceTypes {
		byName[string(it.InstanceType)] = it
	}
	g5 := byName["g5.xlarge"]
	if aws.ToInt32(g5.VCpuInfo.DefaultVCpus) != 4 || aws.ToInt64(g5.MemoryInfo.SizeInMiB) != 16384 || g5.GpuInfo == nil ||
		aws.ToString(g5.GpuInfo.Gpus[0].Name) != "A10G" || aws.ToString(g5.GpuInfo.Gpus[0].Manufacturer) != "NVIDIA" ||
		aws.ToInt32(g5.GpuInfo.Gpus[0].MemoryInfo.SizeInMiB) != 24576 || aws.ToInt32(g5.GpuInfo.TotalGpuMemoryInMiB) != 24576 ||
		g5.ProcessorInfo.SupportedArchitectures[0] != types.ArchitectureTypeX8664 || aws.ToString(g5.ProcessorInfo.Manufacturer) != "AMD" {
		t.Fatalf("g5.xlarge = %+v", g5)
	}
	if g4 := byName["g4dn.12xlarge"]; aws.ToInt32(g4.GpuInfo.Gpus[0].Count) != 4 || aws.ToInt32(g4.GpuInfo.TotalGpuMemoryInMiB) != 65536 || aws.ToInt32(g4.VCpuInfo.DefaultVCpus) != 48 {
		t.Fatalf("g4dn.12xlarge = %+v", g4.GpuInfo)
	}
	if t3 := byName["t3.medium"]; t3.GpuInfo != nil || aws.ToInt64(t3.MemoryInfo.SizeInMiB) != 4096 || !aws.ToBool(t3.BurstablePerformanceSupported) {
		t.Fatalf("t3.medium = %+v", t3)
	}
	_, err := c.DescribeInstanceTypes(ctx(t), &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"t3.medium", "x9.huge"}})
	wantCode(t, err, "InvalidInstanceType", "x9.huge")
	g5s := must[*ec2.DescribeInstanceTypesOutput](t)(c.DescribeInstanceTypes(ctx(t), &ec2.DescribeInstanceTypesInput{Filters: []types.Filter{filter("instance-type", "g5.*")}}))
	if len(g5s.InstanceTypes) != 8 {
		t.Fatalf("g5.* = %d", len(g5s.InstanceTypes))
	}
	arm := must[*ec2.DescribeInstanceTypesOutput](t)(c.DescribeInstanceTypes(ctx(t), &ec2.DescribeInstanceTypesInput{Filters: []types.Filter{filter("processor-info.supported-architecture", "arm64")}}))
	if len(arm.InstanceTypes) != 10 {
		t.Fatalf("arm64 types = %d", len(arm.InstanceTypes))
	}
	for _, it := range arm.InstanceTypes {
		if string(it.InstanceType) == "g5g.xlarge" && aws.ToString(it.GpuInfo.Gpus[0].Name) != "T4g" {
			t.Fatalf("g5g = %+v", it.GpuInfo)
		}
	}
	var total, pages int
	p := ec2.NewDescribeInstanceTypesPaginator(c, &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(20)})
	for p.HasMorePages() {
		total += len(must[*ec2.DescribeInstanceTypesOutput](t)(p.NextPage(ctx(t))).InstanceTypes)
		pages++
	}
	if total != 78 || pages != 4 {
		t.Fatalf("paged %d types in %d pages", total, pages)
	}
	_, err = c.DescribeInstanceTypes(ctx(t), &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(101)})
	wantCode(t, err, "InvalidParameterValue")
}

func TestEC2Images(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	amazon := must[*ec2.DescribeImagesOutput](t)(c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []types.Filter{filter("name", "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) *"), filter("architecture", "x86_64"), filter("state", "available")}}))
	if len(amazon.Images) != 1 {
		t.Fatalf("DLAMI = %d images", len(amazon.Images))
	}
	img := amazon.Images[0]
	root := img.BlockDeviceMappings[0]
	if aws.ToString(img.ImageOwnerAlias) != "amazon" || aws.ToString(img.RootDeviceName) != "/dev/sda1" || img.RootDeviceType != types.DeviceTypeEbs ||
		aws.ToInt32(root.Ebs.VolumeSize) != 75 || !strings.HasPrefix(aws.ToString(root.Ebs.SnapshotId), "snap-") || !aws.ToBool(root.Ebs.DeleteOnTermination) ||
		!aws.ToBool(img.Public) || img.VirtualizationType != types.VirtualizationTypeHvm || !aws.ToBool(img.EnaSupport) || !strings.HasPrefix(aws.ToString(img.CreationDate), "2026-11-09") {
		t.Fatalf("image = %+v", img)
	}
	canonical := must[*ec2.DescribeImagesOutput](t)(c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{Owners: []string{"099720109477"}, Filters: []types.Filter{filter("name", "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-*-server-*")}}))
	if len(canonical.Images) != 2 || canonical.Images[0].ImageOwnerAlias != nil {
		t.Fatalf("ubuntu = %+v", canonical.Images)
	}
	self := must[*ec2.DescribeImagesOutput](t)(c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{Owners: []string{"self"}}))
	if len(self.Images) != 0 {
		t.Fatal("self owns no images")
	}
	byID := must[*ec2.DescribeImagesOutput](t)(c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{ImageIds: []string{aws.ToString(img.ImageId)}}))
	if len(byID.Images) != 1 {
		t.Fatal("by id")
	}
	_, err := c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef0"}})
	wantCode(t, err, "InvalidAMIID.NotFound", "[ami-0123456789abcdef0]")
	_, err = c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{ImageIds: []string{"ami-xyz"}})
	wantCode(t, err, "InvalidAMIID.Malformed")
	alias := must[*ec2.DescribeImagesOutput](t)(c.DescribeImages(ctx(t), &ec2.DescribeImagesInput{Filters: []types.Filter{filter("owner-alias", "amazon")}}))
	if len(alias.Images) != 2 {
		t.Fatalf("owner-alias = %d", len(alias.Images))
	}
}

func TestEC2KeyPairs(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	kp := must[*ec2.CreateKeyPairOutput](t)(c.CreateKeyPair(ctx(t), &ec2.CreateKeyPairInput{KeyName: aws.String("demo"), TagSpecifications: tagSpec(types.ResourceTypeKeyPair, "a", "b")}))
	if !strings.HasPrefix(aws.ToString(kp.KeyMaterial), "-----BEGIN RSA PRIVATE KEY-----") || !strings.HasPrefix(aws.ToString(kp.KeyPairId), "key-") || aws.ToString(kp.KeyFingerprint) == "" {
		t.Fatalf("key pair = %+v", kp)
	}
	_, err := c.CreateKeyPair(ctx(t), &ec2.CreateKeyPairInput{KeyName: aws.String("demo")})
	wantCode(t, err, "InvalidKeyPair.Duplicate")
	pub := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdlbmVyYXRlZC1mb3ItdGVzdHMtb25seS0xMjM0NTY3 test@example"
	imp := must[*ec2.ImportKeyPairOutput](t)(c.ImportKeyPair(ctx(t), &ec2.ImportKeyPairInput{KeyName: aws.String("imported"), PublicKeyMaterial: []byte(pub)}))
	if strings.Count(aws.ToString(imp.KeyFingerprint), ":") != 15 {
		t.Fatalf("imported fingerprint = %s", aws.ToString(imp.KeyFingerprint))
	}
	_, err = c.ImportKeyPair(ctx(t), &ec2.ImportKeyPairInput{KeyName: aws.String("bad"), PublicKeyMaterial: []byte("not a key")})
	wantCode(t, err, "InvalidKey.Format")
	d := must[*ec2.DescribeKeyPairsOutput](t)(c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{KeyNames: []string{"imported"}, IncludePublicKey: aws.Bool(true)}))
	if len(d.KeyPairs) != 1 || d.KeyPairs[0].KeyType != types.KeyTypeEd25519 || aws.ToString(d.KeyPairs[0].PublicKey) != pub {
		t.Fatalf("describe = %+v", d.KeyPairs)
	}
	_, err = c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{KeyNames: []string{"nope"}})
	wantCode(t, err, "InvalidKeyPair.NotFound")
	must[*ec2.DeleteKeyPairOutput](t)(c.DeleteKeyPair(ctx(t), &ec2.DeleteKeyPairInput{KeyName: aws.String("demo")}))
	must[*ec2.DeleteKeyPairOutput](t)(c.DeleteKeyPair(ctx(t), &ec2.DeleteKeyPairInput{KeyName: aws.String("demo")}))
	all := must[*ec2.DescribeKeyPairsOutput](t)(c.DescribeKeyPairs(ctx(t), &ec2.DescribeKeyPairsInput{}))
	if len(all.KeyPairs) != 1 {
		t.Fatalf("left = %d", len(all.KeyPairs))
	}
}

// computeEnv is a public subnet with a group, and the region's AMIs.
type computeEnv struct {
	testNet
	sg                                       string
	ubuntuX86, ubuntuArm, dlamiX86, dlamiArm string
}

func makeComputeEnv(t *testing.T, e *Emulator, c *ec2.Client) computeEnv {
	t.Helper()
	env := computeEnv{testNet: makeNet(t, c, "10.0.0.0/16")}
	must[*ec2.ModifySubnetAttributeOutput](t)(c.ModifySubnetAttribute(ctx(t), &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(env.subnetA), MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	env.sg = aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(env.vpc), GroupName: aws.String("instance"), Description: aws.String("instance")})).GroupId)
	amis := AMIsOf(testRegion)
	env.ubuntuX86, env.ubuntuArm, env.dlamiX86, env.dlamiArm = amis[0].ID, amis[1].ID, amis[2].ID, amis[3].ID
	return env
}

func (env computeEnv) input(typ string) *ec2.RunInstancesInput {
	ami := env.ubuntuX86
	return &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: types.InstanceType(typ), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(env.subnetA), SecurityGroupIds: []string{env.sg}}
}

func runOne(t *testing.T, c *ec2.Client, in *ec2.RunInstancesInput) types.Instance {
	t.Helper()
	out := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx(t), in))
	if len(out.Instances) != 1 {
		t.Fatalf("launched %d", len(out.Instances))
	}
	return out.Instances[0]
}

func describeInstance(t *testing.T, c *ec2.Client, id string) types.Instance {
	t.Helper()
	out := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}))
	return out.Reservations[0].Instances[0]
}

func TestEC2RunInstancesValidation(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	other := makeNet(t, c, "10.9.0.0/16")
	otherSG := aws.ToString(must[*ec2.CreateSecurityGroupOutput](t)(c.CreateSecurityGroup(ctx(t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(other.vpc), GroupName: aws.String("o"), Description: aws.String("o")})).GroupId)
	big := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("x"), 16385))
	for _, tc := range []struct {
		name string
		mod  func(in *ec2.RunInstancesInput)
		code string
		msg  string
	}{
		{"unknown ami", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("ami-0123456789abcdef0") }, "InvalidAMIID.NotFound", "ami-0123456789abcdef0"},
		{"malformed ami", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("ami-zz") }, "InvalidAMIID.Malformed", ""},
		{"unknown type", func(in *ec2.RunInstancesInput) { in.InstanceType = "t3.gigantic" }, "InvalidParameterValue", "Invalid value 't3.gigantic' for InstanceType"},
		{"arch mismatch", func(in *ec2.RunInstancesInput) { in.InstanceType = "t4g.small" }, "InvalidParameterValue", "The architecture 'arm64' of the specified instance type does not match the architecture 'x86_64' of the specified AMI"},
		{"no subnet", func(in *ec2.RunInstancesInput) { in.SubnetId = nil; in.SecurityGroupIds = nil }, "VPCIdNotSpecified", ""},
		{"unknown subnet", func(in *ec2.RunInstancesInput) { in.SubnetId = aws.String("subnet-0123456789abcdef0") }, "InvalidSubnetID.NotFound", ""},
		{"group of another vpc", func(in *ec2.RunInstancesInput) { in.SecurityGroupIds = []string{otherSG} }, "InvalidParameter", "different networks"},
		{"unknown group", func(in *ec2.RunInstancesInput) { in.SecurityGroupIds = []string{"sg-0123456789abcdef0"} }, "InvalidGroup.NotFound", ""},
		{"group names", func(in *ec2.RunInstancesInput) { in.SecurityGroupIds = nil; in.SecurityGroups = []string{"instance"} }, "InvalidParameterCombination", ""},
		{"unknown key", func(in *ec2.RunInstancesInput) { in.KeyName = aws.String("nope") }, "InvalidKeyPair.NotFound", "nope"},
		{"user data too big", func(in *ec2.RunInstancesInput) { in.UserData = aws.String(big) }, "InvalidUserData.Malformed", "User data is limited to 16384 bytes."},
		{"user data not base64", func(in *ec2.RunInstancesInput) { in.UserData = aws.String("#!/bin/bash\necho hi") }, "InvalidParameterValue", "BASE64"},
		{"root too small", func(in *ec2.RunInstancesInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sda1"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(4)}}}
		}, "InvalidBlockDeviceMapping", "Volume of size 4GB is smaller than snapshot 'snap-"},
		{"gp3 iops too low", func(in *ec2.RunInstancesInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sda1"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(30), VolumeType: types.VolumeTypeGp3, Iops: aws.Int32(100)}}}
		}, "InvalidParameterValue", "minimum is 3000"},
		{"gp3 throughput too high", func(in *ec2.RunInstancesInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sda1"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(30), VolumeType: types.VolumeTypeGp3, Throughput: aws.Int32(4000)}}}
		}, "InvalidParameterValue", "maximum is 2000"},
		{"throughput on gp2", func(in *ec2.RunInstancesInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sda1"), Ebs: &types.EbsBlockDevice{VolumeType: types.VolumeTypeGp2, Throughput: aws.Int32(200)}}}
		}, "InvalidParameterCombination", "gp3"},
		{"hop limit", func(in *ec2.RunInstancesInput) {
			in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpPutResponseHopLimit: aws.Int32(65)}
		}, "InvalidParameterValue", "HttpPutResponseHopLimit"},
		{"http tokens", func(in *ec2.RunInstancesInput) {
			in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpTokens: "always"}
		}, "InvalidParameterValue", "HttpTokens"},
		{"placement az", func(in *ec2.RunInstancesInput) {
			in.Placement = &types.Placement{AvailabilityZone: aws.String("us-east-1c")}
		}, "InvalidParameterValue", "us-east-1a"},
		{"tag spec type", func(in *ec2.RunInstancesInput) { in.TagSpecifications = tagSpec(types.ResourceTypeVpc, "a", "b") }, "InvalidParameterValue", "not a valid taggable resource type"},
		{"max below min", func(in *ec2.RunInstancesInput) { in.MinCount = aws.Int32(2) }, "InvalidParameterValue", "maxCount"},
		{"interfaces and subnet", func(in *ec2.RunInstancesInput) {
			in.NetworkInterfaces = []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: aws.String(env.subnetA)}}
		}, "InvalidParameterCombination", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := env.input("t3.medium")
			tc.mod(in)
			_, err := c.RunInstances(ctx(t), in)
			if tc.msg != "" {
				wantCode(t, err, tc.code, tc.msg)
			} else {
				wantCode(t, err, tc.code)
			}
		})
	}
	e.SetKnob("ec2.insufficient_capacity", "g5.xlarge, p5.48xlarge")
	in := env.input("g5.xlarge")
	in.ImageId = aws.String(env.dlamiX86)
	_, err := c.RunInstances(ctx(t), in)
	wantCode(t, err, "InsufficientInstanceCapacity", "g5.xlarge capacity")
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
		t.Fatalf("InsufficientInstanceCapacity status: %v", err)
	}
	in.DryRun = aws.Bool(true)
	in.InstanceType = "g6.xlarge"
	_, err = c.RunInstances(ctx(t), in)
	wantCode(t, err, "DryRunOperation")
	out := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{}))
	if len(out.Reservations) != 0 {
		t.Fatal("a failed launch left an instance")
	}
	if inv := e.Inventory(); len(inv) != 8 { // 2 VPCs, 4 subnets, 2 groups
		t.Fatalf("inventory after failed launches = %+v", inv)
	}
}

func TestEC2RunInstancesAndDescribe(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"iam.propagation": "0s", "quota.L-1216C47A": "64"}})
	c := ec2Client(e)
	// RunInstances checks the profile with the IAM emulator, as EC2 does.
	ic := iam.NewFromConfig(sdkConfig(e, "us-east-1"))
	must[*iam.CreateRoleOutput](t)(ic.CreateRole(ctx(t), &iam.CreateRoleInput{RoleName: aws.String("demo-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}))
	must[*iam.CreateInstanceProfileOutput](t)(ic.CreateInstanceProfile(ctx(t), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("demo-profile")}))
	must[*iam.AddRoleToInstanceProfileOutput](t)(ic.AddRoleToInstanceProfile(ctx(t), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("demo-profile"), RoleName: aws.String("demo-role")}))
	env := makeComputeEnv(t, e, c)
	must[*ec2.CreateKeyPairOutput](t)(c.CreateKeyPair(ctx(t), &ec2.CreateKeyPairInput{KeyName: aws.String("kp")}))
	in := env.input("t3.medium")
	in.KeyName = aws.String("kp")
	in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String("demo-profile")}
	in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(2)}
	in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/sda1"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(30), VolumeType: types.VolumeTypeGp3, Encrypted: aws.Bool(true)}}}
	in.TagSpecifications = append(append(tagSpec(types.ResourceTypeInstance, "Name", "demo", "geusemaker:deployment", "demo"),
		tagSpec(types.ResourceTypeVolume, "geusemaker:deployment", "demo")...), tagSpec(types.ResourceTypeNetworkInterface, "geusemaker:deployment", "demo")...)
	in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\necho hello\n")))
	launched := runOne(t, c, in)
	id := aws.ToString(launched.InstanceId)
	if launched.State.Name != types.InstanceStateNamePending || aws.ToInt32(launched.State.Code) != 0 || aws.ToString(launched.PrivateIpAddress) != "10.0.1.4" ||
		aws.ToString(launched.PublicIpAddress) == "" || aws.ToString(launched.IamInstanceProfile.Arn) != "arn:aws:iam::123456789012:instance-profile/demo-profile" ||
		launched.MetadataOptions.HttpTokens != types.HttpTokensStateRequired || aws.ToInt32(launched.MetadataOptions.HttpPutResponseHopLimit) != 2 ||
		aws.ToString(launched.KeyName) != "kp" || launched.Architecture != types.ArchitectureValuesX8664 || aws.ToString(launched.Placement.AvailabilityZone) != "us-east-1a" ||
		aws.ToString(launched.StateReason.Code) != "pending" {
		t.Fatalf("launched = %+v", launched)
	}
	if len(launched.NetworkInterfaces) != 1 || !aws.ToBool(launched.NetworkInterfaces[0].Attachment.DeleteOnTermination) || len(launched.BlockDeviceMappings) != 1 ||
		aws.ToString(launched.BlockDeviceMappings[0].DeviceName) != "/dev/sda1" || aws.ToString(launched.SecurityGroups[0].GroupId) != env.sg || len(launched.Tags) != 2 {
		t.Fatalf("launched network/storage = %+v %+v", launched.NetworkInterfaces, launched.BlockDeviceMappings)
	}
	vols := must[*ec2.DescribeVolumesOutput](t)(c.DescribeVolumes(ctx(t), &ec2.DescribeVolumesInput{Filters: []types.Filter{filter("attachment.instance-id", id)}}))
	v := vols.Volumes[0]
	if len(vols.Volumes) != 1 || aws.ToInt32(v.Size) != 30 || v.VolumeType != types.VolumeTypeGp3 || aws.ToInt32(v.Iops) != 3000 || aws.ToInt32(v.Throughput) != 125 ||
		!aws.ToBool(v.Encrypted) || v.State != types.VolumeStateInUse || len(v.Tags) != 1 {
		t.Fatalf("volume = %+v", v)
	}
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(c.DescribeNetworkInterfaces(ctx(t), &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("attachment.instance-id", id)}}))
	if len(enis.NetworkInterfaces) != 1 || len(enis.NetworkInterfaces[0].TagSet) != 1 || aws.ToString(enis.NetworkInterfaces[0].Association.PublicIp) != aws.ToString(launched.PublicIpAddress) {
		t.Fatalf("eni = %+v", enis.NetworkInterfaces)
	}
	_, err := c.DeleteNetworkInterface(ctx(t), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: enis.NetworkInterfaces[0].NetworkInterfaceId})
	wantCode(t, err, "InvalidNetworkInterface.InUse")

	e.Clock().Advance(21 * time.Second)
	got := describeInstance(t, c, id)
	if got.State.Name != types.InstanceStateNameRunning || aws.ToInt32(got.State.Code) != 16 || got.LaunchTime == nil {
		t.Fatalf("after 21s: %+v", got.State)
	}
	attr := must[*ec2.DescribeInstanceAttributeOutput](t)(c.DescribeInstanceAttribute(ctx(t), &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameUserData}))
	if aws.ToString(attr.UserData.Value) != aws.ToString(in.UserData) {
		t.Fatalf("user data = %q", aws.ToString(attr.UserData.Value))
	}

	// Filters and errors.
	second := runOne(t, c, env.input("m5.large"))
	for _, tc := range []struct {
		f    types.Filter
		want int
	}{
		{filter("instance-state-name", "running"), 1},
		{filter("instance-state-name", "pending", "running"), 2},
		{filter("tag:Name", "demo"), 1},
		{filter("tag-key", "geusemaker:deployment"), 1},
		{filter("instance-type", "m5.large"), 1},
		{filter("vpc-id", env.vpc), 2},
		{filter("subnet-id", env.subnetA), 2},
		{filter("instance.group-id", env.sg), 2},
		{filter("network-interface.group-id", env.sg), 2},
		{filter("availability-zone", "us-east-1a"), 2},
		{filter("instance-id", id), 1},
	} {
		out := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{Filters: []types.Filter{tc.f}}))
		n := 0
		for _, r := range out.Reservations {
			n += len(r.Instances)
		}
		if n != tc.want {
			t.Fatalf("filter %s=%v: %d, want %d", aws.ToString(tc.f.Name), tc.f.Values, n, tc.want)
		}
	}
	_, err = c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
	wantCode(t, err, "InvalidInstanceID.NotFound", "i-0123456789abcdef0")
	_, err = c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{"i-nope"}})
	wantCode(t, err, "InvalidInstanceID.Malformed")
	_, err = c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}, MaxResults: aws.Int32(5)})
	wantCode(t, err, "InvalidParameterCombination")
	_, err = c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(1001)})
	wantCode(t, err, "InvalidParameterValue")

	// Pagination over several launches.
	more := env.input("t3.micro")
	more.MinCount, more.MaxCount = aws.Int32(5), aws.Int32(5)
	batch := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx(t), more))
	if len(batch.Instances) != 5 || aws.ToInt32(batch.Instances[4].AmiLaunchIndex) != 4 {
		t.Fatalf("batch = %d", len(batch.Instances))
	}
	seen := 0
	pager := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	pages := 0
	for pager.HasMorePages() {
		for _, r := range must[*ec2.DescribeInstancesOutput](t)(pager.NextPage(ctx(t))).Reservations {
			seen += len(r.Instances)
		}
		pages++
	}
	if seen != 7 || pages != 2 {
		t.Fatalf("paged %d instances in %d pages", seen, pages)
	}
	_ = second
}

func TestEC2RunInstancesIdempotency(t *testing.T) {
	e := startEmu(t, Options{})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	in := env.input("t3.small")
	in.ClientToken = aws.String("geusemaker-demo-instance")
	first := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx(t), in))
	again := must[*ec2.RunInstancesOutput](t)(c.RunInstances(ctx(t), in))
	if aws.ToString(first.ReservationId) != aws.ToString(again.ReservationId) || aws.ToString(first.Instances[0].InstanceId) != aws.ToString(again.Instances[0].InstanceId) {
		t.Fatalf("replay launched anew: %s vs %s", aws.ToString(first.ReservationId), aws.ToString(again.ReservationId))
	}
	out := must[*ec2.DescribeInstancesOutput](t)(c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{}))
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 || aws.ToString(out.Reservations[0].Instances[0].ClientToken) != "geusemaker-demo-instance" {
		t.Fatalf("instances = %+v", out.Reservations)
	}
	in.InstanceType = "t3.large"
	_, err := c.RunInstances(ctx(t), in)
	wantCode(t, err, "IdempotentParameterMismatch")
}

func TestEC2InstanceLifecycle(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	igw := aws.ToString(must[*ec2.CreateInternetGatewayOutput](t)(c.CreateInternetGateway(ctx(t), &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId)
	must[*ec2.AttachInternetGatewayOutput](t)(c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(env.vpc)}))
	in := env.input("t3.medium")
	in.DisableApiTermination = aws.Bool(true)
	inst := runOne(t, c, in)
	id := aws.ToString(inst.InstanceId)
	firstIP := aws.ToString(inst.PublicIpAddress)

	_, err := c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState", "never reached the 'running' state")
	// The mapped public address keeps the gateway attached.
	_, err = c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(env.vpc)})
	wantCode(t, err, "DependencyViolation", "has some mapped public address(es)")
	e.Clock().Advance(20 * time.Second)
	if st := describeInstance(t, c, id).State.Name; st != types.InstanceStateNameRunning {
		t.Fatalf("state = %s", st)
	}
	// Starting a running instance changes nothing.
	st := must[*ec2.StartInstancesOutput](t)(c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{id}}))
	if st.StartingInstances[0].CurrentState.Name != types.InstanceStateNameRunning {
		t.Fatalf("start of running = %+v", st.StartingInstances[0])
	}
	_, err = c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), InstanceType: &types.AttributeValue{Value: aws.String("t3.large")}})
	wantCode(t, err, "IncorrectInstanceState", "is not in the 'stopped' state")
	_, err = c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), UserData: &types.SecureBlobAttributeValue{Value: []byte("x")}})
	wantCode(t, err, "IncorrectInstanceState")

	stop := must[*ec2.StopInstancesOutput](t)(c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	if stop.StoppingInstances[0].PreviousState.Name != types.InstanceStateNameRunning || stop.StoppingInstances[0].CurrentState.Name != types.InstanceStateNameStopping {
		t.Fatalf("stop = %+v", stop.StoppingInstances[0])
	}
	_, err = c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState", "from which it can be started")
	e.Clock().Advance(30 * time.Second)
	stopped := describeInstance(t, c, id)
	if stopped.State.Name != types.InstanceStateNameStopped || aws.ToInt32(stopped.State.Code) != 80 || stopped.PublicIpAddress != nil ||
		aws.ToString(stopped.StateReason.Code) != "Client.UserInitiatedShutdown" || !strings.HasPrefix(aws.ToString(stopped.StateTransitionReason), "User initiated (") ||
		aws.ToString(stopped.PrivateIpAddress) != "10.0.1.4" {
		t.Fatalf("stopped = %+v", stopped)
	}
	must[*ec2.DetachInternetGatewayOutput](t)(c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(env.vpc)}))
	must[*ec2.AttachInternetGatewayOutput](t)(c.AttachInternetGateway(ctx(t), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(env.vpc)}))

	_, err = c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), InstanceType: &types.AttributeValue{Value: aws.String("m7g.large")}})
	wantCode(t, err, "InvalidParameterValue", "architecture")
	must[*ec2.ModifyInstanceAttributeOutput](t)(c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), InstanceType: &types.AttributeValue{Value: aws.String("m6i.large")}}))
	must[*ec2.ModifyInstanceAttributeOutput](t)(c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), UserData: &types.SecureBlobAttributeValue{Value: []byte("#!/bin/bash\necho new\n")}}))
	ud := must[*ec2.DescribeInstanceAttributeOutput](t)(c.DescribeInstanceAttribute(ctx(t), &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameUserData}))
	if raw, _ := base64.StdEncoding.DecodeString(aws.ToString(ud.UserData.Value)); string(raw) != "#!/bin/bash\necho new\n" {
		t.Fatalf("user data after modify = %q", raw)
	}
	typ := must[*ec2.DescribeInstanceAttributeOutput](t)(c.DescribeInstanceAttribute(ctx(t), &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameInstanceType}))
	if aws.ToString(typ.InstanceType.Value) != "m6i.large" {
		t.Fatalf("type = %s", aws.ToString(typ.InstanceType.Value))
	}
	start := must[*ec2.StartInstancesOutput](t)(c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{id}}))
	if start.StartingInstances[0].CurrentState.Name != types.InstanceStateNamePending {
		t.Fatalf("start = %+v", start.StartingInstances[0])
	}
	e.Clock().Advance(20 * time.Second)
	restarted := describeInstance(t, c, id)
	if restarted.State.Name != types.InstanceStateNameRunning || aws.ToString(restarted.PublicIpAddress) == "" || aws.ToString(restarted.PublicIpAddress) == firstIP {
		t.Fatalf("restarted = %s %s (was %s)", restarted.State.Name, aws.ToString(restarted.PublicIpAddress), firstIP)
	}

	_, err = c.TerminateInstances(ctx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "OperationNotPermitted", "disableApiTermination")
	dat := must[*ec2.DescribeInstanceAttributeOutput](t)(c.DescribeInstanceAttribute(ctx(t), &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameDisableApiTermination}))
	if !aws.ToBool(dat.DisableApiTermination.Value) {
		t.Fatal("disableApiTermination attribute")
	}
	must[*ec2.ModifyInstanceAttributeOutput](t)(c.ModifyInstanceAttribute(ctx(t), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), DisableApiTermination: &types.AttributeBooleanValue{Value: aws.Bool(false)}}))
	term := must[*ec2.TerminateInstancesOutput](t)(c.TerminateInstances(ctx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	if term.TerminatingInstances[0].CurrentState.Name != types.InstanceStateNameShuttingDown {
		t.Fatalf("terminate = %+v", term.TerminatingInstances[0])
	}
	// While shutting down the interface still holds the group and subnet.
	_, err = c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(env.sg)})
	wantCode(t, err, "DependencyViolation")
	_, err = c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState")
	e.Clock().Advance(45 * time.Second)
	gone := describeInstance(t, c, id)
	if gone.State.Name != types.InstanceStateNameTerminated || aws.ToInt32(gone.State.Code) != 48 || gone.PrivateIpAddress != nil || len(gone.NetworkInterfaces) != 0 {
		t.Fatalf("terminated = %+v", gone)
	}
	vols := must[*ec2.DescribeVolumesOutput](t)(c.DescribeVolumes(ctx(t), &ec2.DescribeVolumesInput{}))
	if len(vols.Volumes) != 0 {
		t.Fatalf("root volume survived: %+v", vols.Volumes)
	}
	again := must[*ec2.TerminateInstancesOutput](t)(c.TerminateInstances(ctx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	if again.TerminatingInstances[0].PreviousState.Name != types.InstanceStateNameTerminated {
		t.Fatal("terminating a terminated instance")
	}
	must[*ec2.DeleteSecurityGroupOutput](t)(c.DeleteSecurityGroup(ctx(t), &ec2.DeleteSecurityGroupInput{GroupId: aws.String(env.sg)}))
	must[*ec2.DetachInternetGatewayOutput](t)(c.DetachInternetGateway(ctx(t), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(env.vpc)}))
	must[*ec2.DeleteSubnetOutput](t)(c.DeleteSubnet(ctx(t), &ec2.DeleteSubnetInput{SubnetId: aws.String(env.subnetA)}))
	for _, r := range e.Inventory() {
		if r.Type == "instance" || r.Type == "volume" || r.Type == "network-interface" {
			t.Fatalf("inventory still lists %+v", r)
		}
	}
	// Terminated instances stay visible for an hour, then are purged.
	e.Clock().Advance(59 * time.Minute)
	describeInstance(t, c, id)
	e.Clock().Advance(2 * time.Minute)
	_, err = c.DescribeInstances(ctx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}

func TestEC2InstanceStatusAndGPUPending(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"quota.L-DB2E81BA": "8"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	in := env.input("g5.xlarge")
	in.ImageId = aws.String(env.dlamiX86)
	id := aws.ToString(runOne(t, c, in).InstanceId)
	e.Clock().Advance(30 * time.Second)
	if st := describeInstance(t, c, id).State.Name; st != types.InstanceStateNamePending {
		t.Fatalf("GPU instance running after 30s: %s", st)
	}
	e.Clock().Advance(16 * time.Second)
	status := must[*ec2.DescribeInstanceStatusOutput](t)(c.DescribeInstanceStatus(ctx(t), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}}))
	if len(status.InstanceStatuses) != 1 || status.InstanceStatuses[0].InstanceStatus.Status != types.SummaryStatusInitializing {
		t.Fatalf("status = %+v", status.InstanceStatuses)
	}
	e.Clock().Advance(3 * time.Minute)
	status = must[*ec2.DescribeInstanceStatusOutput](t)(c.DescribeInstanceStatus(ctx(t), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}}))
	if status.InstanceStatuses[0].SystemStatus.Status != types.SummaryStatusOk {
		t.Fatalf("status after 3m = %+v", status.InstanceStatuses[0].SystemStatus)
	}
}

// ---------------------------------------------------------------------------
// Console output and the simulated boot

func manifestUserData(m bootmarker.Manifest, gz bool) string {
	script := "#!/bin/bash\n" + bootmarker.FormatManifest(m) + "\nset -euo pipefail\n"
	raw := []byte(script)
	if gz {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		_, _ = w.Write(raw)
		_ = w.Close()
		raw = b.Bytes()
	}
	return base64.StdEncoding.EncodeToString(raw)
}

func consoleText(t *testing.T, c *ec2.Client, id string) (string, bool) {
	t.Helper()
	out := must[*ec2.GetConsoleOutputOutput](t)(c.GetConsoleOutput(ctx(t), &ec2.GetConsoleOutputInput{InstanceId: aws.String(id), Latest: aws.Bool(true)}))
	if out.Timestamp == nil || aws.ToString(out.InstanceId) != id {
		t.Fatalf("console output = %+v", out)
	}
	if out.Output == nil {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw), true
}

func bootOf(t *testing.T, e *Emulator, id string) InstanceView {
	t.Helper()
	var v InstanceView
	e.WithLock(func() {
		var ok bool
		if v, ok = PeerOf[Network](e, "ec2", testRegion).InstanceInfo(id, e.Now()); !ok {
			t.Fatalf("InstanceInfo(%s) not found", id)
		}
	})
	return v
}

func TestEC2ConsoleWithoutManifest(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	in := env.input("t3.small")
	in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\necho plain\n")))
	id := aws.ToString(runOne(t, c, in).InstanceId)
	if _, ok := consoleText(t, c, id); ok {
		t.Fatal("console output while pending")
	}
	e.Clock().Advance(20*time.Second + 10*time.Second)
	if _, ok := consoleText(t, c, id); ok {
		t.Fatal("console output 10 s into running")
	}
	e.Clock().Advance(20 * time.Second)
	text, ok := consoleText(t, c, id)
	if !ok || !strings.Contains(text, "Linux version") || !strings.Contains(text, "Cloud-init v.") || strings.Contains(text, bootmarker.Prefix) {
		t.Fatalf("console = %q", text)
	}
	if r := bootmarker.Parse(text); r.Started {
		t.Fatal("markers without a manifest")
	}
	if v := bootOf(t, e, id); v.Boot != BootNone || v.State != "running" {
		t.Fatalf("instance info = %+v", v)
	}
}

func TestEC2ConsoleBootComplete(t *testing.T) {
	e := startEmu(t, Options{Speed: 1})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	in := env.input("t3.medium")
	in.UserData = aws.String(manifestUserData(bootmarker.Manifest{Deployment: "demo", Tier: 1, Services: []string{"n8n"}}, true))
	id := aws.ToString(runOne(t, c, in).InstanceId)
	if v := bootOf(t, e, id); v.Boot != BootPending {
		t.Fatalf("boot while pending = %s", v.Boot)
	}
	e.Clock().Advance(20*time.Second + 2*time.Minute)
	text, _ := consoleText(t, c, id)
	r := bootmarker.Parse(text)
	if !r.Started || r.Complete || r.Failed || r.LastStep == "" || r.LastStep == "health" {
		t.Fatalf("mid-boot report = %+v\n%s", r, text)
	}
	if strings.Contains(text, "step=gpu") {
		t.Fatal("gpu step without manifest.GPU")
	}
	if v := bootOf(t, e, id); v.Boot != BootPending {
		t.Fatalf("InstanceInfo mid-boot = %s", v.Boot)
	}
	e.Clock().Advance(2 * time.Minute)
	text, _ = consoleText(t, c, id)
	r = bootmarker.Parse(text)
	if !r.Complete || r.LastStep != "health" || r.GPU != nil {
		t.Fatalf("final report = %+v\n%s", r, text)
	}
	for _, step := range []string{"base", "efs", "docker", "services", "nginx", "health"} {
		if !strings.Contains(text, "step="+step) {
			t.Fatalf("step %s missing", step)
		}
	}
	v := bootOf(t, e, id)
	if v.Boot != BootComplete || v.BootCompleteAt.IsZero() {
		t.Fatalf("InstanceInfo = %+v", v)
	}
	if !strings.Contains(text, "elapsed_s=220") {
		t.Fatalf("elapsed: %s", bootmarker.Tail(text, 3))
	}
}

func TestEC2ConsoleBootFailureKnob(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"ec2.boot_failure": "efs", "ec2.boot_duration": "2m"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	in := env.input("t3.medium")
	in.UserData = aws.String(manifestUserData(bootmarker.Manifest{Deployment: "demo", Tier: 1}, false))
	id := aws.ToString(runOne(t, c, in).InstanceId)
	e.Clock().Advance(20*time.Second + 5*time.Minute)
	text, _ := consoleText(t, c, id)
	r := bootmarker.Parse(text)
	if !r.Failed || r.FailedStep != "efs" || r.Reason == "" || strings.Contains(text, "step=docker") {
		t.Fatalf("report = %+v\n%s", r, text)
	}
	if v := bootOf(t, e, id); v.Boot != BootFailed {
		t.Fatalf("InstanceInfo boot = %s", v.Boot)
	}
}

func TestEC2ConsoleGPU(t *testing.T) {
	for _, tc := range []struct {
		name, typ, ami string
		knob           string
		healthy        bool
		reason         string
	}{
		{"healthy A10G", "g5.xlarge", "dlami", "", true, ""},
		{"multi GPU", "g4dn.12xlarge", "dlami", "", true, ""},
		{"arm T4g", "g5g.xlarge", "dlami-arm", "", true, ""},
		{"cpu type", "t3.large", "dlami", "", false, "no NVIDIA GPU detected"},
		{"ami without driver", "g5.xlarge", "ubuntu", "", false, "nvidia-smi: command not found"},
		{"health knob", "g6.xlarge", "dlami", "failed", false, "nvidia-smi reported ERR! on GPU 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"quota.L-DB2E81BA": "64"}})
			if tc.knob != "" {
				e.SetKnob("ec2.gpu_health", tc.knob)
			}
			c := ec2Client(e)
			env := makeComputeEnv(t, e, c)
			in := env.input(tc.typ)
			in.ImageId = aws.String(map[string]string{"dlami": env.dlamiX86, "dlami-arm": env.dlamiArm, "ubuntu": env.ubuntuX86}[tc.ami])
			in.UserData = aws.String(manifestUserData(bootmarker.Manifest{Deployment: "demo", Tier: 3, GPU: true}, false))
			id := aws.ToString(runOne(t, c, in).InstanceId)
			e.Clock().Advance(45*time.Second + 7*time.Minute)
			text, _ := consoleText(t, c, id)
			r := bootmarker.Parse(text)
			if r.GPU == nil {
				t.Fatalf("no GPU marker:\n%s", text)
			}
			it, _ := lookupInstanceType(tc.typ)
			if tc.healthy {
				if !r.Complete || r.GPU.Status != bootmarker.GPUHealthy || r.GPU.Model != "NVIDIA "+it.gpuName || r.GPU.Count != int(it.gpuCount) ||
					r.GPU.MemoryMiB != int(it.totalGPUMemMiB()) || r.GPU.Driver == "" {
					t.Fatalf("report = %+v gpu = %+v", r, r.GPU)
				}
				if v := bootOf(t, e, id); v.Boot != BootComplete {
					t.Fatalf("boot = %s", v.Boot)
				}
				return
			}
			if !r.Failed || r.FailedStep != "gpu" || r.GPU.Status != bootmarker.GPUFailed || r.GPU.Reason != tc.reason || r.Reason != tc.reason || strings.Contains(text, "step=efs") {
				t.Fatalf("report = %+v gpu = %+v\n%s", r, r.GPU, text)
			}
			if v := bootOf(t, e, id); v.Boot != BootFailed {
				t.Fatalf("boot = %s", v.Boot)
			}
		})
	}
}

func TestEC2ConsoleAfterRestart(t *testing.T) {
	e := startEmu(t, Options{Speed: 1, Knobs: map[string]string{"ec2.boot_duration": "1m"}})
	c := ec2Client(e)
	env := makeComputeEnv(t, e, c)
	in := env.input("t3.medium")
	in.UserData = aws.String(manifestUserData(bootmarker.Manifest{Deployment: "demo", Tier: 2}, false))
	id := aws.ToString(runOne(t, c, in).InstanceId)
	e.Clock().Advance(20*time.Second + 2*time.Minute)
	if v := bootOf(t, e, id); v.Boot != BootComplete {
		t.Fatalf("first boot = %s", v.Boot)
	}
	must[*ec2.StopInstancesOutput](t)(c.StopInstances(ctx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	e.Clock().Advance(time.Minute)
	// A stopped instance keeps its last console output.
	if text, ok := consoleText(t, c, id); !ok || !bootmarker.Parse(text).Complete {
		t.Fatal("stopped instance lost its console output")
	}
	must[*ec2.StartInstancesOutput](t)(c.StartInstances(ctx(t), &ec2.StartInstancesInput{InstanceIds: []string{id}}))
	e.Clock().Advance(20*time.Second + 30*time.Second)
	if v := bootOf(t, e, id); v.Boot != BootPending {
		t.Fatalf("second boot mid-way = %s", v.Boot)
	}
	e.Clock().Advance(time.Minute)
	if v := bootOf(t, e, id); v.Boot != BootComplete {
		t.Fatalf("second boot = %s", v.Boot)
	}
}

func TestEC2InstanceTypeOfferings(t *testing.T) {
	e := startEmu(t, Options{Knobs: map[string]string{"ec2.unoffered": "g5.xlarge@us-east-1a, p5@us-east-1", "quota.L-DB2E81BA": "4"}})
	c := ec2Client(e)
	zonesOf := func(lt types.LocationType, typ string) []string {
		t.Helper()
		var out []string
		p := ec2.NewDescribeInstanceTypeOfferingsPaginator(c, &ec2.DescribeInstanceTypeOfferingsInput{LocationType: lt, MaxResults: aws.Int32(5),
			Filters: []types.Filter{{Name: aws.String("instance-type"), Values: []string{typ}}}})
		for p.HasMorePages() {
			page := must[*ec2.DescribeInstanceTypeOfferingsOutput](t)(p.NextPage(ctx(t)))
			for _, o := range page.InstanceTypeOfferings {
				if string(o.InstanceType) != typ || o.LocationType != lt {
					t.Fatalf("offering %+v for filter %s/%s", o, lt, typ)
				}
				out = append(out, aws.ToString(o.Location))
			}
		}
		return out
	}
	for _, tc := range []struct {
		lt   types.LocationType
		typ  string
		want string
	}{
		{types.LocationTypeAvailabilityZone, "t3.medium", "us-east-1a us-east-1b us-east-1c us-east-1d us-east-1e us-east-1f"},
		{types.LocationTypeAvailabilityZone, "g5.xlarge", "us-east-1b us-east-1c us-east-1d us-east-1f"}, // 1e: fixture gap, 1a: knob
		{types.LocationTypeAvailabilityZone, "g5.2xlarge", "us-east-1a us-east-1b us-east-1c us-east-1d us-east-1f"},
		{types.LocationTypeAvailabilityZoneId, "g4dn.xlarge", "use1-az1 use1-az2 use1-az3 use1-az4 use1-az5 use1-az6"},
		{types.LocationTypeRegion, "g5.xlarge", "us-east-1"},
		{types.LocationTypeRegion, "p5.48xlarge", ""},
	} {
		if got := strings.Join(zonesOf(tc.lt, tc.typ), " "); got != tc.want {
			t.Errorf("%s %s offered in %q, want %q", tc.lt, tc.typ, got, tc.want)
		}
	}
	// Without a filter every type is listed once per region; a bad filter or
	// location type is refused as EC2 does.
	all := must[*ec2.DescribeInstanceTypeOfferingsOutput](t)(c.DescribeInstanceTypeOfferings(ctx(t), &ec2.DescribeInstanceTypeOfferingsInput{}))
	if len(all.InstanceTypeOfferings) != len(ec2InstanceTypes)-1 {
		t.Errorf("region offerings = %d, want %d (every type but p5)", len(all.InstanceTypeOfferings), len(ec2InstanceTypes)-1)
	}
	_, err := c.DescribeInstanceTypeOfferings(ctx(t), &ec2.DescribeInstanceTypeOfferingsInput{Filters: []types.Filter{{Name: aws.String("vcpus"), Values: []string{"4"}}}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeInstanceTypeOfferings(ctx(t), &ec2.DescribeInstanceTypeOfferingsInput{LocationType: "planet"})
	wantCode(t, err, "InvalidParameterValue")

	// RunInstances in a zone without the type fails with Unsupported and
	// names the zones that have it.
	env := makeComputeEnv(t, e, c)
	in := env.input("g5.xlarge")
	in.ImageId = aws.String(env.dlamiX86)
	_, err = c.RunInstances(ctx(t), in)
	wantCode(t, err, "Unsupported", "(g5.xlarge) is not supported in your requested Availability Zone (us-east-1a)", "us-east-1b, us-east-1c, us-east-1d, us-east-1f")
	in.SubnetId = aws.String(env.subnetB)
	runOne(t, c, in)
}
