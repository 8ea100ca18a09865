package awsemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const maxUserData = 16384

// ec2Instance is one instance; its state is a Timeline on the virtual clock.
type ec2Instance struct {
	id, reservationID, imageID, instType, arch string
	launchType                                 string // the type of the first boot
	keyName                                    string
	lifecycle, spotRequestID                   string    // "spot" and its request, or "" for on-demand
	spotInterruptAt                            time.Time // when EC2 reclaims the Spot instance
	firstBoot                                  *bootInfo // how the first boot ended, recorded when it did
	subnetID, vpcID, az                        string
	privateIP, publicIP                        string
	wantPublic                                 bool
	rootDevice, rootVolumeID                   string
	volumeIDs                                  []string
	groups                                     []string
	userData                                   []byte
	tl                                         Timeline
	launched                                   time.Time
	profileARN, profileID                      string
	meta                                       types.InstanceMetadataOptionsResponse
	disableAPITermination                      bool
	ebsOptimized                               bool
	clientToken                                string
	launchIndex                                int32
	transitionReason                           string
	stateReason                                *types.StateReason
	tags                                       map[string]string
	seq                                        int
	cleaned                                    bool
}

func (i *ec2Instance) order() int { return i.seq }

// publicIPAt is the public address mapped to the instance at now: it is
// held from launch (or start) until the instance is stopped or terminated.
func (i *ec2Instance) publicIPAt(now time.Time) string {
	switch i.tl.State(now) {
	case "pending", "running", "stopping", "shutting-down":
		return i.publicIP
	}
	return ""
}

// everRan reports whether the instance reached running at or before now.
func (i *ec2Instance) everRan(now time.Time) bool {
	for _, p := range i.tl.phases {
		if !p.At.After(now) && p.State == "running" {
			return true
		}
	}
	return false
}

var instanceStateCodes = map[string]int32{"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}

func instanceState(name string) *types.InstanceState {
	return &types.InstanceState{Code: aws.Int32(instanceStateCodes[name]), Name: types.InstanceStateName(name)}
}

// ec2Volume is an EBS volume created with an instance.
type ec2Volume struct {
	id, az, instanceID, device   string
	volType, snapshotID, kmsKey  string
	size, iops, throughput       int32
	encrypted, deleteOnTerminate bool
	created                      time.Time
	seq                          int
	tags                         map[string]string
}

func (v *ec2Volume) order() int { return v.seq }

func (v *ec2Volume) state(s *ec2Service) string {
	if v.instanceID != "" {
		return "in-use"
	}
	return "available"
}

// ec2RunToken remembers a RunInstances ClientToken and what it launched.
type ec2RunToken struct {
	hash          string
	reservationID string
	instanceIDs   []string
}

// cleanupTerminated releases what a terminated instance held: its network
// interface (and private address), its public address and the volumes
// marked DeleteOnTermination; other volumes are detached.
func (s *ec2Service) cleanupTerminated(inst *ec2Instance) {
	inst.cleaned = true
	for _, n := range sortedBySeq(s.enis) {
		if n.attach == nil || n.attach.instanceID != inst.id {
			continue
		}
		if n.attach.deleteOnTermination {
			s.deleteENI(n)
		} else {
			n.attach = nil
		}
	}
	delete(s.publicIPs, inst.publicIP)
	for _, id := range inst.volumeIDs {
		v, ok := s.volumes[id]
		if !ok {
			continue
		}
		if v.deleteOnTerminate {
			delete(s.volumes, id)
		} else {
			v.instanceID, v.device = "", ""
		}
	}
}

// InstanceInfo describes an instance, terminated ones included until they
// are purged. Boot agrees with what GetConsoleOutput prints at now.
func (s *ec2Service) InstanceInfo(id string, now time.Time) (InstanceView, bool) {
	s.Tick(now)
	inst, ok := s.instances[id]
	if !ok {
		return InstanceView{}, false
	}
	boot := s.simulateBoot(inst, now)
	return InstanceView{
		ID: inst.id, State: inst.tl.State(now), InstanceType: inst.instType, VPCID: inst.vpcID, SubnetID: inst.subnetID, AZ: inst.az,
		PrivateIP: inst.privateIP, PublicIP: inst.publicIPAt(now), SecurityGroupIDs: append([]string(nil), inst.groups...),
		Boot: boot.state, BootCompleteAt: boot.completeAt, IAMInstanceProfileARN: inst.profileARN,
	}, true
}

// ---------------------------------------------------------------------------
// IAM instance profiles

// instanceProfiles returns the IAM service's side of the InstanceProfiles
// contract, or false while no IAM emulation is registered (or it does not
// implement the contract yet). It looks at the registry first because
// PeerOf panics on an unknown service.
func instanceProfiles(e *Emulator) (InstanceProfiles, bool) {
	registryMu.Lock()
	found := false
	for _, d := range registry {
		found = found || d.info.Name == "iam"
	}
	registryMu.Unlock()
	if !found {
		return nil, false
	}
	p, ok := e.instance("iam", "").(InstanceProfiles)
	return p, ok
}

// resolveProfile checks the IamInstanceProfile of a RunInstances call.
func (s *ec2Service) resolveProfile(c *Call, spec *types.IamInstanceProfileSpecification) (arn, id string, err error) {
	if spec == nil || (spec.Name == nil && spec.Arn == nil) {
		return "", "", nil
	}
	if spec.Name != nil && spec.Arn != nil {
		return "", "", Errorf("InvalidParameterCombination", "The parameter 'iamInstanceProfile.name' may not be used in combination with 'iamInstanceProfile.arn'")
	}
	ref := aws.ToString(spec.Name)
	if spec.Arn != nil {
		ref = aws.ToString(spec.Arn)
	}
	if iam, ok := instanceProfiles(c.Emu); ok {
		a, i, apiErr := iam.ResolveInstanceProfile(c, ref)
		if apiErr != nil {
			return "", "", apiErr
		}
		return a, i, nil
	}
	// No IAM emulation: accept any profile and make up its ARN and id.
	if spec.Arn != nil {
		if !strings.HasPrefix(ref, "arn:aws:iam::") || !strings.Contains(ref, ":instance-profile/") {
			return "", "", Errorf("InvalidParameterValue", "Value (%s) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN", ref)
		}
		return ref, "AIPA" + c.Emu.AlnumID("profile:"+ref, 17), nil
	}
	return "arn:aws:iam::" + AccountID + ":instance-profile/" + ref, "AIPA" + c.Emu.AlnumID("profile:"+ref, 17), nil
}

// ---------------------------------------------------------------------------
// RunInstances

type volumePlan struct {
	device                                 string
	size, iops, throughput                 int32
	volType, snapshot, kmsKey              string
	encrypted, deleteOnTermination, isRoot bool
}

var volumeTypes = map[string]bool{"standard": true, "gp2": true, "gp3": true, "io1": true, "io2": true, "st1": true, "sc1": true}

// planVolumes validates the block device mappings against the AMI.
func planVolumes(ami AMI, bdms []types.BlockDeviceMapping) ([]volumePlan, error) {
	root := volumePlan{device: ami.RootDevice, size: ami.RootSizeGiB, volType: string(amiVolumeType(ami)), snapshot: amiSnapshot(ami),
		deleteOnTermination: true, isRoot: true}
	plans := []volumePlan{root}
	for _, m := range bdms {
		dev := aws.ToString(m.DeviceName)
		if dev == "" {
			return nil, missingParam("BlockDeviceMapping.DeviceName")
		}
		if m.Ebs == nil {
			continue // NoDevice / instance store
		}
		p := volumePlan{device: dev, volType: "gp2", deleteOnTermination: true}
		idx := -1
		for i := range plans {
			if plans[i].device == dev {
				idx = i
				p = plans[i]
			}
		}
		ebs := m.Ebs
		if ebs.VolumeType != "" {
			if !volumeTypes[string(ebs.VolumeType)] {
				return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter volumeType is invalid. Valid values are standard, gp2, gp3, io1, io2, st1, sc1.", ebs.VolumeType)
			}
			p.volType = string(ebs.VolumeType)
		}
		if ebs.VolumeSize != nil {
			if p.isRoot && *ebs.VolumeSize < ami.RootSizeGiB {
				return nil, Errorf("InvalidBlockDeviceMapping", "Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", *ebs.VolumeSize, p.snapshot, ami.RootSizeGiB)
			}
			p.size = *ebs.VolumeSize
		}
		if p.size == 0 {
			return nil, Errorf("InvalidBlockDeviceMapping", "Either snapshot ID or volume size must be provided for: %s", dev)
		}
		if p.size > 65536 || (p.volType != "gp3" && p.size > 16384) {
			return nil, Errorf("InvalidParameterValue", "Volume size %d GiB is too large for volume type %s", p.size, p.volType)
		}
		if ebs.DeleteOnTermination != nil {
			p.deleteOnTermination = *ebs.DeleteOnTermination
		}
		if ebs.Encrypted != nil {
			p.encrypted = *ebs.Encrypted
		}
		if ebs.KmsKeyId != nil {
			if !p.encrypted {
				return nil, Errorf("InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set.")
			}
			p.kmsKey = *ebs.KmsKeyId
		}
		if ebs.Throughput != nil && p.volType != "gp3" {
			return nil, Errorf("InvalidParameterCombination", "throughput can only be specified for volumeType gp3.")
		}
		if ebs.Iops != nil && p.volType != "gp3" && p.volType != "io1" && p.volType != "io2" {
			return nil, Errorf("InvalidParameterCombination", "The parameter iops is not supported for %s volumes.", p.volType)
		}
		p.iops, p.throughput = 0, 0
		if ebs.Iops != nil {
			p.iops = *ebs.Iops
		}
		if ebs.Throughput != nil {
			p.throughput = *ebs.Throughput
		}
		if p.volType == "gp3" {
			if p.iops == 0 {
				p.iops = 3000
			}
			if p.throughput == 0 {
				p.throughput = 125
			}
			switch {
			case p.iops < 3000:
				return nil, Errorf("InvalidParameterValue", "Volume iops of %d is too low; minimum is 3000.", p.iops)
			case p.iops > 80000:
				return nil, Errorf("InvalidParameterValue", "Volume iops of %d is too high; maximum is 80000.", p.iops)
			case p.iops > 3000 && float64(p.iops)/float64(p.size) > 500:
				return nil, Errorf("InvalidParameterValue", "Iops to volume size ratio of %f is too high; maximum is 500.000000", float64(p.iops)/float64(p.size))
			case p.throughput < 125:
				return nil, Errorf("InvalidParameterValue", "Volume throughput of %d is too low; minimum is 125.", p.throughput)
			case p.throughput > 2000:
				return nil, Errorf("InvalidParameterValue", "Volume throughput of %d is too high; maximum is 2000.", p.throughput)
			case p.throughput > 125 && float64(p.throughput)/float64(p.iops) > 0.25:
				return nil, Errorf("InvalidParameterValue", "Throughput (MiBps) to iops ratio of %f is too high; maximum is 0.250000 MiBps per iops", float64(p.throughput)/float64(p.iops))
			}
		}
		if (p.volType == "io1" || p.volType == "io2") && p.iops == 0 {
			return nil, Errorf("InvalidParameterCombination", "The parameter iops must be specified for %s volumes.", p.volType)
		}
		if p.volType == "gp2" {
			p.iops = max(100, min(16000, 3*p.size))
		}
		if idx >= 0 {
			plans[idx] = p
		} else {
			plans = append(plans, p)
		}
	}
	return plans, nil
}

// metadataOptions validates MetadataOptions and fills in the defaults.
func metadataOptions(in *types.InstanceMetadataOptionsRequest) (types.InstanceMetadataOptionsResponse, error) {
	out := types.InstanceMetadataOptionsResponse{HttpTokens: types.HttpTokensStateOptional, HttpPutResponseHopLimit: aws.Int32(1),
		HttpEndpoint: types.InstanceMetadataEndpointStateEnabled, HttpProtocolIpv6: types.InstanceMetadataProtocolStateDisabled,
		InstanceMetadataTags: types.InstanceMetadataTagsStateDisabled, State: types.InstanceMetadataOptionsStateApplied}
	if in == nil {
		return out, nil
	}
	switch in.HttpTokens {
	case "":
	case types.HttpTokensStateOptional, types.HttpTokensStateRequired:
		out.HttpTokens = in.HttpTokens
	default:
		return out, Errorf("InvalidParameterValue", "Value (%s) for parameter HttpTokens is invalid. Valid values are optional, required.", in.HttpTokens)
	}
	if in.HttpPutResponseHopLimit != nil {
		if h := *in.HttpPutResponseHopLimit; h < 1 || h > 64 {
			return out, Errorf("InvalidParameterValue", "Value (%d) for parameter HttpPutResponseHopLimit is invalid. Expected a value between 1 and 64.", h)
		}
		out.HttpPutResponseHopLimit = in.HttpPutResponseHopLimit
	}
	switch in.HttpEndpoint {
	case "":
	case types.InstanceMetadataEndpointStateEnabled, types.InstanceMetadataEndpointStateDisabled:
		out.HttpEndpoint = in.HttpEndpoint
	default:
		return out, Errorf("InvalidParameterValue", "Value (%s) for parameter HttpEndpoint is invalid. Valid values are enabled, disabled.", in.HttpEndpoint)
	}
	switch in.InstanceMetadataTags {
	case "":
	case types.InstanceMetadataTagsStateEnabled, types.InstanceMetadataTagsStateDisabled:
		out.InstanceMetadataTags = in.InstanceMetadataTags
	default:
		return out, Errorf("InvalidParameterValue", "Value (%s) for parameter InstanceMetadataTags is invalid. Valid values are enabled, disabled.", in.InstanceMetadataTags)
	}
	if in.HttpProtocolIpv6 != "" {
		out.HttpProtocolIpv6 = in.HttpProtocolIpv6
	}
	return out, nil
}

func decodeUserData(b64 string) ([]byte, error) {
	if b64 == "" {
		return nil, nil
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, Errorf("InvalidParameterValue", "Invalid BASE64 encoding of user data.")
	}
	if len(raw) > maxUserData {
		return nil, userDataTooLarge()
	}
	return raw, nil
}

// userDataTooLarge is EC2's answer to more than 16 KB of (decoded) user data.
func userDataTooLarge() *APIError {
	return Errorf("InvalidUserData.Malformed", "User data is limited to %d bytes.", maxUserData)
}

func (s *ec2Service) pendingDuration(t *ec2InstanceType) time.Duration {
	def := 20 * time.Second
	if t.isGPU() {
		def = 45 * time.Second
	}
	return s.e.KnobDuration("ec2.instance_pending", def)
}

// allocPublicIP hands out a region-unique public address.
func (s *ec2Service) allocPublicIP(c *Call) string {
	for {
		h := c.Emu.HexID("public-ip", 6)
		var b [3]int
		fmt.Sscanf(h, "%02x%02x%02x", &b[0], &b[1], &b[2])
		ip := fmt.Sprintf("3.%d.%d.%d", 80+b[0]%160, b[1], 1+b[2]%253)
		if !s.publicIPs[ip] {
			s.publicIPs[ip] = true
			return ip
		}
	}
}

func runHash(in *ec2.RunInstancesInput) string {
	cp := *in
	cp.ClientToken, cp.DryRun = nil, nil
	b, _ := json.Marshal(cp)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (s *ec2Service) RunInstances(c *Call, in *ec2.RunInstancesInput) (*ec2.RunInstancesOutput, error) {
	now := c.Now()
	token := aws.ToString(in.ClientToken)
	if token != "" {
		if len(token) > 64 {
			return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter clientToken is invalid. The client token must be at most 64 characters.", token)
		}
		if prev, ok := s.tokens[token]; ok {
			if prev.hash != runHash(in) {
				return nil, Errorf("IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
			}
			out := &ec2.RunInstancesOutput{ReservationId: aws.String(prev.reservationID), OwnerId: aws.String(AccountID), Groups: []types.GroupIdentifier{}}
			for _, id := range prev.instanceIDs {
				if inst, ok := s.instances[id]; ok {
					out.Instances = append(out.Instances, s.instanceView(inst, now))
				}
			}
			return out, nil
		}
	}
	if in.MinCount == nil {
		return nil, missingParam("MinCount")
	}
	if in.MaxCount == nil {
		return nil, missingParam("MaxCount")
	}
	minCount, maxCount := *in.MinCount, *in.MaxCount
	if minCount < 1 {
		return nil, Errorf("InvalidParameterValue", "Value (%d) for parameter minCount is invalid. Expected a value greater than 0.", minCount)
	}
	if maxCount < minCount {
		return nil, Errorf("InvalidParameterValue", "Value (%d) for parameter maxCount is invalid. Expected a value greater than or equal to minCount (%d).", maxCount, minCount)
	}
	imageID := aws.ToString(in.ImageId)
	if imageID == "" {
		return nil, missingParam("ImageId")
	}
	if malformed(imageID, "ami") {
		return nil, malformedErr("InvalidAMIID.Malformed", imageID, "ami")
	}
	ami, ok := s.ami(imageID)
	if !ok {
		return nil, Errorf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", imageID)
	}
	typeName := string(in.InstanceType)
	if typeName == "" {
		typeName = "m1.small"
	}
	itype, ok := lookupInstanceType(typeName)
	if !ok {
		return nil, Errorf("InvalidParameterValue", "Invalid value '%s' for InstanceType.", typeName)
	}
	if itype.arch != ami.Architecture {
		return nil, Errorf("InvalidParameterValue", "The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.", itype.arch, ami.Architecture)
	}

	// Network: the subnet and groups, from the top level or the primary interface.
	subnetID, groups, privateIP := aws.ToString(in.SubnetId), in.SecurityGroupIds, aws.ToString(in.PrivateIpAddress)
	var assocPublic *bool
	eniDeleteOnTermination, eniDesc := true, ""
	if len(in.NetworkInterfaces) > 0 {
		if subnetID != "" {
			return nil, Errorf("InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request")
		}
		if len(groups) > 0 || len(in.SecurityGroups) > 0 {
			return nil, Errorf("InvalidParameterCombination", "Network interfaces and an instance-level security groups may not be specified on the same request")
		}
		if len(in.NetworkInterfaces) > 1 {
			return nil, Errorf("InvalidParameterValue", "Only the primary network interface (device index 0) is emulated")
		}
		ni := in.NetworkInterfaces[0]
		if aws.ToInt32(ni.DeviceIndex) != 0 {
			return nil, Errorf("InvalidParameterValue", "Each network interface requires a device index; the primary interface must have device index 0.")
		}
		if ni.NetworkInterfaceId != nil {
			return nil, Errorf("InvalidParameterValue", "Attaching an existing network interface at launch is not emulated")
		}
		subnetID, groups, assocPublic = aws.ToString(ni.SubnetId), ni.Groups, ni.AssociatePublicIpAddress
		if ni.PrivateIpAddress != nil {
			privateIP = aws.ToString(ni.PrivateIpAddress)
		}
		if ni.DeleteOnTermination != nil {
			eniDeleteOnTermination = *ni.DeleteOnTermination
		}
		eniDesc = aws.ToString(ni.Description)
	}
	if subnetID == "" {
		return nil, Errorf("VPCIdNotSpecified", "No default VPC for this user")
	}
	sn, err := s.subnet(subnetID)
	if err != nil {
		return nil, err
	}
	if len(in.SecurityGroups) > 0 {
		return nil, Errorf("InvalidParameterCombination", "The parameter groupName cannot be used with the parameter subnet")
	}
	if len(groups) == 0 {
		groups = []string{s.vpcs[sn.vpcID].defaultSG}
	}
	if err := s.checkGroupsPerInterface(groups); err != nil {
		return nil, err
	}
	for _, g := range groups {
		if malformed(g, "sg") {
			return nil, malformedErr("InvalidGroupId.Malformed", g, "sg")
		}
		sg, ok := s.sgs[g]
		if !ok {
			return nil, sgNotFound(g)
		}
		if sg.vpcID != sn.vpcID {
			return nil, Errorf("InvalidParameter", "Security group %s and subnet %s belong to different networks.", g, sn.id)
		}
	}
	if pl := in.Placement; pl != nil && aws.ToString(pl.AvailabilityZone) != "" && aws.ToString(pl.AvailabilityZone) != sn.az {
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter availabilityZone is invalid. Subnet '%s' is in the availability zone %s", aws.ToString(pl.AvailabilityZone), sn.id, sn.az)
	}
	if !s.offered(itype, sn.az) {
		return nil, Errorf("Unsupported", "Your requested instance type (%s) is not supported in your requested Availability Zone (%s). Please retry your request by not specifying an Availability Zone or choosing %s.", itype.name, sn.az, strings.Join(s.zonesOffering(itype), ", "))
	}
	if kn := aws.ToString(in.KeyName); kn != "" {
		if _, ok := s.keyPairs[kn]; !ok {
			return nil, Errorf("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", kn)
		}
	}
	userData, err := decodeUserData(aws.ToString(in.UserData))
	if err != nil {
		return nil, err
	}
	plans, err := planVolumes(ami, in.BlockDeviceMappings)
	if err != nil {
		return nil, err
	}
	meta, err := metadataOptions(in.MetadataOptions)
	if err != nil {
		return nil, err
	}
	tagsBy, err := tagsByType(in.TagSpecifications, types.ResourceTypeInstance, types.ResourceTypeVolume, types.ResourceTypeNetworkInterface,
		types.ResourceTypeSpotInstancesRequest)
	if err != nil {
		return nil, err
	}
	if metadataTagsEnabled(meta) {
		if err := checkIMDSTagKeys(tagKeys(tagsBy[types.ResourceTypeInstance])); err != nil {
			return nil, err
		}
	}
	spot, err := s.spotLaunch(c, in.InstanceMarketOptions, tagsBy[types.ResourceTypeSpotInstancesRequest])
	if err != nil {
		return nil, err
	}
	profileARN, profileID, err := s.resolveProfile(c, in.IamInstanceProfile)
	if err != nil {
		return nil, err
	}
	free := prefixSize(sn.prefix) - 5 - len(sn.used)
	if int(minCount) > free {
		return nil, Errorf("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", sn.id)
	}
	if aws.ToBool(in.DryRun) {
		return nil, ErrorfStatus(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
	}
	// A dry run checks permissions and parameters, not capacity or quotas.
	if spot != nil {
		if err := s.checkSpotLaunch(spot, itype, sn.az, int(minCount), now); err != nil {
			return nil, err
		}
	} else {
		if err := s.checkOnDemandCapacity(itype, sn.az); err != nil {
			return nil, err
		}
		od, _ := vcpuQuotas(typeName)
		if err := s.checkVCPUs(od, int(minCount)*int(itype.vcpus), now, nil); err != nil {
			return nil, err
		}
	}
	count := int(maxCount)
	if count > free {
		count = free
	}
	if room := int(c.Emu.Quota(quotaInterfaces)) - len(s.enis); room < int(minCount) {
		return nil, Errorf("NetworkInterfaceLimitExceeded", "The maximum number of network interfaces has been reached.")
	} else if count > room {
		count = room
	}
	// Launch as many as the quota allows, at least minCount (checked above).
	for count > int(minCount) {
		code, _ := vcpuQuotas(typeName)
		if spot != nil {
			_, code = vcpuQuotas(typeName)
		}
		if s.checkVCPUs(code, count*int(itype.vcpus), now, nil) == nil {
			break
		}
		count--
	}
	if privateIP != "" && count > 1 {
		return nil, Errorf("InvalidParameterCombination", "A private IP address may only be specified when launching a single instance")
	}

	wantPublic := sn.mapPublic
	if assocPublic != nil {
		wantPublic = *assocPublic
	}
	reservation := c.Emu.ID("r")
	out := &ec2.RunInstancesOutput{ReservationId: aws.String(reservation), OwnerId: aws.String(AccountID), Groups: []types.GroupIdentifier{}}
	var ids []string
	for i := 0; i < count; i++ {
		n, err := s.newENI(c, sn, groups, privateIP)
		if err != nil {
			return nil, err
		}
		inst := &ec2Instance{
			id: c.Emu.ID("i"), reservationID: reservation, imageID: ami.ID, instType: typeName, launchType: typeName, arch: ami.Architecture,
			keyName: aws.ToString(in.KeyName), subnetID: sn.id, vpcID: sn.vpcID, az: sn.az, privateIP: n.privateIP,
			wantPublic: wantPublic, rootDevice: ami.RootDevice, groups: append([]string(nil), groups...), userData: userData,
			launched: now, profileARN: profileARN, profileID: profileID, meta: meta,
			disableAPITermination: aws.ToBool(in.DisableApiTermination), ebsOptimized: aws.ToBool(in.EbsOptimized), clientToken: token,
			launchIndex: int32(i), stateReason: &types.StateReason{Code: aws.String("pending"), Message: aws.String("pending")},
			tags: copyTags(tagsBy[types.ResourceTypeInstance]), seq: s.nextSeq(),
		}
		if inst.tags == nil {
			inst.tags = map[string]string{}
		}
		inst.tl = NewTimeline("pending", now)
		inst.tl.Then("running", s.pendingDuration(itype))
		s.instanceChanges(c, inst)
		if wantPublic {
			inst.publicIP = s.allocPublicIP(c)
		}
		n.desc = eniDesc
		n.attach = &eniAttach{id: "eni-attach-" + c.Emu.HexID("eni-attach", 17), instanceID: inst.id, ownerID: AccountID, deleteOnTermination: eniDeleteOnTermination, at: now}
		if t := tagsBy[types.ResourceTypeNetworkInterface]; t != nil {
			n.tags = copyTags(t)
		}
		for _, p := range plans {
			v := &ec2Volume{id: c.Emu.ID("vol"), az: sn.az, instanceID: inst.id, device: p.device, volType: p.volType, snapshotID: p.snapshot,
				kmsKey: p.kmsKey, size: p.size, iops: p.iops, throughput: p.throughput, encrypted: p.encrypted,
				deleteOnTerminate: p.deleteOnTermination, created: now, seq: s.nextSeq(), tags: copyTags(tagsBy[types.ResourceTypeVolume])}
			if v.tags == nil {
				v.tags = map[string]string{}
			}
			if v.encrypted && v.kmsKey == "" {
				v.kmsKey = "arn:aws:kms:" + s.region + ":" + AccountID + ":key/" + c.Emu.HexID("kms-default", 8) + "-aws-ebs-default"
			}
			s.volumes[v.id] = v
			inst.volumeIDs = append(inst.volumeIDs, v.id)
			if p.isRoot {
				inst.rootVolumeID = v.id
			}
		}
		if spot != nil {
			s.newSpotRequest(c, inst, spot)
		}
		s.instances[inst.id] = inst
		ids = append(ids, inst.id)
		out.Instances = append(out.Instances, s.instanceView(inst, now))
		privateIP = ""
	}
	if token != "" {
		s.tokens[token] = &ec2RunToken{hash: runHash(in), reservationID: reservation, instanceIDs: ids}
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// DescribeInstances

func (s *ec2Service) instanceView(inst *ec2Instance, now time.Time) types.Instance {
	state := inst.tl.State(now)
	itype, _ := lookupInstanceType(inst.instType)
	threads := int32(2)
	if inst.arch == "arm64" {
		threads = 1
	}
	out := types.Instance{
		InstanceId: aws.String(inst.id), ImageId: aws.String(inst.imageID), InstanceType: types.InstanceType(inst.instType),
		Architecture: types.ArchitectureValues(inst.arch), AmiLaunchIndex: aws.Int32(inst.launchIndex), LaunchTime: aws.Time(inst.launched),
		State: instanceState(state), StateTransitionReason: aws.String(inst.transitionReason), StateReason: inst.stateReason,
		Placement:      &types.Placement{AvailabilityZone: aws.String(inst.az), GroupName: aws.String(""), Tenancy: types.TenancyDefault},
		Monitoring:     &types.Monitoring{State: types.MonitoringStateDisabled},
		RootDeviceName: aws.String(inst.rootDevice), RootDeviceType: types.DeviceTypeEbs, VirtualizationType: types.VirtualizationTypeHvm,
		Hypervisor: types.HypervisorTypeXen, EnaSupport: aws.Bool(true), EbsOptimized: aws.Bool(inst.ebsOptimized),
		SourceDestCheck: aws.Bool(true), PlatformDetails: aws.String("Linux/UNIX"), UsageOperation: aws.String("RunInstances"),
		UsageOperationUpdateTime: aws.Time(inst.launched), Tags: ec2Tags(inst.tags), MetadataOptions: &inst.meta,
		CpuOptions:                       &types.CpuOptions{CoreCount: aws.Int32(itype.vcpus / threads), ThreadsPerCore: aws.Int32(threads)},
		CapacityReservationSpecification: &types.CapacityReservationSpecificationResponse{CapacityReservationPreference: types.CapacityReservationPreferenceOpen},
		HibernationOptions:               &types.HibernationOptions{Configured: aws.Bool(false)},
		EnclaveOptions:                   &types.EnclaveOptions{Enabled: aws.Bool(false)},
		MaintenanceOptions:               &types.InstanceMaintenanceOptions{AutoRecovery: types.InstanceAutoRecoveryStateDefault},
		BootMode:                         types.BootModeValuesUefiPreferred, CurrentInstanceBootMode: types.InstanceBootModeValuesLegacyBios,
		PrivateDnsNameOptions: &types.PrivateDnsNameOptionsResponse{HostnameType: types.HostnameTypeIpName,
			EnableResourceNameDnsARecord: aws.Bool(false), EnableResourceNameDnsAAAARecord: aws.Bool(false)},
		SecurityGroups: []types.GroupIdentifier{}, NetworkInterfaces: []types.InstanceNetworkInterface{}, BlockDeviceMappings: []types.InstanceBlockDeviceMapping{},
		ProductCodes: []types.ProductCode{},
	}
	if inst.clientToken != "" {
		out.ClientToken = aws.String(inst.clientToken)
	}
	if inst.lifecycle == "spot" {
		out.InstanceLifecycle = types.InstanceLifecycleTypeSpot
		out.SpotInstanceRequestId = aws.String(inst.spotRequestID)
		if at := inst.spotInterruptAt; !at.IsZero() && !now.Before(at) {
			out.StateTransitionReason, out.StateReason = aws.String(serviceInitiated(at)), spotTermination
		}
	}
	if inst.keyName != "" {
		out.KeyName = aws.String(inst.keyName)
	}
	if inst.profileARN != "" {
		out.IamInstanceProfile = &types.IamInstanceProfile{Arn: aws.String(inst.profileARN), Id: aws.String(inst.profileID)}
	}
	if state == "terminated" && inst.cleaned {
		// A terminated instance keeps no network or storage.
		out.PrivateDnsName, out.PublicDnsName = aws.String(""), aws.String("")
		return out
	}
	out.SubnetId, out.VpcId = aws.String(inst.subnetID), aws.String(inst.vpcID)
	out.PrivateIpAddress, out.PrivateDnsName = aws.String(inst.privateIP), aws.String(s.privateDNS(inst.privateIP))
	pub := inst.publicIPAt(now)
	out.PublicDnsName = aws.String(s.publicDNS(inst.vpcID, pub))
	if pub != "" {
		out.PublicIpAddress = aws.String(pub)
	}
	out.SecurityGroups = s.groupIdentifiers(inst.groups)
	for _, n := range sortedBySeq(s.enis) {
		if n.attach == nil || n.attach.instanceID != inst.id {
			continue
		}
		ni := types.InstanceNetworkInterface{
			NetworkInterfaceId: aws.String(n.id), SubnetId: aws.String(n.subnetID), VpcId: aws.String(n.vpcID), Description: aws.String(n.desc),
			Groups: s.groupIdentifiers(n.groups), MacAddress: aws.String(n.mac), OwnerId: aws.String(AccountID), PrivateIpAddress: aws.String(n.privateIP),
			PrivateDnsName: aws.String(s.privateDNS(n.privateIP)), SourceDestCheck: aws.Bool(true), Status: n.status(), InterfaceType: aws.String(n.ifType),
			Ipv6Addresses: []types.InstanceIpv6Address{},
			Attachment: &types.InstanceNetworkInterfaceAttachment{AttachmentId: aws.String(n.attach.id), AttachTime: aws.Time(n.attach.at),
				DeleteOnTermination: aws.Bool(n.attach.deleteOnTermination), DeviceIndex: aws.Int32(n.attach.deviceIndex), NetworkCardIndex: aws.Int32(0),
				Status: types.AttachmentStatusAttached},
		}
		addr := types.InstancePrivateIpAddress{Primary: aws.Bool(true), PrivateIpAddress: aws.String(n.privateIP), PrivateDnsName: aws.String(s.privateDNS(n.privateIP))}
		if pub != "" {
			assoc := &types.InstanceNetworkInterfaceAssociation{PublicIp: aws.String(pub), IpOwnerId: aws.String("amazon"), PublicDnsName: aws.String(s.publicDNS(n.vpcID, pub))}
			ni.Association, addr.Association = assoc, assoc
		}
		ni.PrivateIpAddresses = []types.InstancePrivateIpAddress{addr}
		out.NetworkInterfaces = append(out.NetworkInterfaces, ni)
	}
	for _, id := range inst.volumeIDs {
		v, ok := s.volumes[id]
		if !ok || v.instanceID != inst.id {
			continue
		}
		out.BlockDeviceMappings = append(out.BlockDeviceMappings, types.InstanceBlockDeviceMapping{DeviceName: aws.String(v.device),
			Ebs: &types.EbsInstanceBlockDevice{VolumeId: aws.String(v.id), AttachTime: aws.Time(v.created), DeleteOnTermination: aws.Bool(v.deleteOnTerminate),
				Status: types.AttachmentStatusAttached}})
	}
	return out
}

// instances resolves instance ids for the lifecycle calls.
func (s *ec2Service) instancesByIDs(ids []string) ([]*ec2Instance, error) {
	if len(ids) == 0 {
		return nil, missingParam("instanceId")
	}
	var out []*ec2Instance
	var missing []string
	for _, id := range ids {
		if malformed(id, "i") {
			return nil, Errorf("InvalidInstanceID.Malformed", "Invalid id: \"%s\"", id)
		}
		inst, ok := s.instances[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		out = append(out, inst)
	}
	if len(missing) > 0 {
		return nil, notFoundIDs("InvalidInstanceID.NotFound", "instance", missing)
	}
	return out, nil
}

// instancesOrAll returns the named instances, or every instance in launch
// order when no ids are given, as the Describe operations do.
func (s *ec2Service) instancesOrAll(ids []string) ([]*ec2Instance, error) {
	if len(ids) > 0 {
		return s.instancesByIDs(ids)
	}
	return sortedBySeq(s.instances), nil
}

func (s *ec2Service) DescribeInstances(c *Call, in *ec2.DescribeInstancesInput) (*ec2.DescribeInstancesOutput, error) {
	now := c.Now()
	s.Tick(now)
	items, err := s.instancesOrAll(in.InstanceIds)
	if err != nil {
		return nil, err
	}
	str := func(f func(i *ec2Instance) string) func(i *ec2Instance) []string {
		return func(i *ec2Instance) []string { return one(f(i)) }
	}
	eniGroups := func(i *ec2Instance) []string {
		var out []string
		for _, n := range s.enis {
			if n.attach != nil && n.attach.instanceID == i.id {
				out = append(out, n.groups...)
			}
		}
		return out
	}
	spec := filterSpec[*ec2Instance]{
		"instance-id":              str(func(i *ec2Instance) string { return i.id }),
		"instance-state-name":      str(func(i *ec2Instance) string { return i.tl.State(now) }),
		"instance-state-code":      str(func(i *ec2Instance) string { return fmt.Sprint(instanceStateCodes[i.tl.State(now)]) }),
		"vpc-id":                   str(func(i *ec2Instance) string { return i.vpcID }),
		"subnet-id":                str(func(i *ec2Instance) string { return i.subnetID }),
		"instance-type":            str(func(i *ec2Instance) string { return i.instType }),
		"image-id":                 str(func(i *ec2Instance) string { return i.imageID }),
		"key-name":                 str(func(i *ec2Instance) string { return i.keyName }),
		"availability-zone":        str(func(i *ec2Instance) string { return i.az }),
		"architecture":             str(func(i *ec2Instance) string { return i.arch }),
		"reservation-id":           str(func(i *ec2Instance) string { return i.reservationID }),
		"client-token":             str(func(i *ec2Instance) string { return i.clientToken }),
		"private-ip-address":       str(func(i *ec2Instance) string { return i.privateIP }),
		"ip-address":               str(func(i *ec2Instance) string { return i.publicIPAt(now) }),
		"iam-instance-profile.arn": str(func(i *ec2Instance) string { return i.profileARN }),
		"instance-lifecycle":       str(func(i *ec2Instance) string { return i.lifecycle }),
		"spot-instance-request-id": str(func(i *ec2Instance) string { return i.spotRequestID }),
		"instance.group-id":        func(i *ec2Instance) []string { return i.groups },
		"instance.group-name": func(i *ec2Instance) []string {
			var out []string
			for _, g := range i.groups {
				if sg, ok := s.sgs[g]; ok {
					out = append(out, sg.name)
				}
			}
			return out
		},
		"network-interface.group-id": eniGroups,
		"network-interface.network-interface-id": func(i *ec2Instance) []string {
			var out []string
			for _, n := range s.enis {
				if n.attach != nil && n.attach.instanceID == i.id {
					out = append(out, n.id)
				}
			}
			return out
		},
	}
	items, err = applyFilters(items, in.Filters, spec, func(i *ec2Instance) map[string]string { return i.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 1000, idsParam("instancesSet", in.InstanceIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstancesOutput{NextToken: next, Reservations: []types.Reservation{}}
	index := map[string]int{}
	for _, inst := range page {
		i, ok := index[inst.reservationID]
		if !ok {
			out.Reservations = append(out.Reservations, types.Reservation{ReservationId: aws.String(inst.reservationID), OwnerId: aws.String(AccountID), Groups: []types.GroupIdentifier{}})
			i = len(out.Reservations) - 1
			index[inst.reservationID] = i
		}
		out.Reservations[i].Instances = append(out.Reservations[i].Instances, s.instanceView(inst, now))
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Lifecycle

func userInitiated(now time.Time) string {
	return "User initiated (" + now.UTC().Format("2006-01-02 15:04:05") + " GMT)"
}

var userShutdown = &types.StateReason{Code: aws.String("Client.UserInitiatedShutdown"), Message: aws.String("Client.UserInitiatedShutdown: User initiated shutdown")}

func stateChange(id, prev, cur string) types.InstanceStateChange {
	return types.InstanceStateChange{InstanceId: aws.String(id), PreviousState: instanceState(prev), CurrentState: instanceState(cur)}
}

func (s *ec2Service) StopInstances(c *Call, in *ec2.StopInstancesInput) (*ec2.StopInstancesOutput, error) {
	now := c.Now()
	insts, err := s.instancesByIDs(in.InstanceIds)
	if err != nil {
		return nil, err
	}
	for _, inst := range insts {
		switch st := inst.tl.State(now); st {
		case "pending":
			if !inst.everRan(now) {
				return nil, Errorf("IncorrectInstanceState", "Instance '%s' cannot be stopped as it has never reached the 'running' state.", inst.id)
			}
			return nil, Errorf("IncorrectInstanceState", "This instance '%s' is not in a state from which it can be stopped.", inst.id)
		case "shutting-down", "terminated":
			return nil, Errorf("IncorrectInstanceState", "This instance '%s' is not in a state from which it can be stopped.", inst.id)
		}
		if inst.lifecycle == "spot" {
			return nil, Errorf("UnsupportedOperation", "You can't stop the Spot Instance '%s' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.", inst.id)
		}
	}
	out := &ec2.StopInstancesOutput{}
	for _, inst := range insts {
		prev := inst.tl.State(now)
		if prev == "running" {
			if inst.firstBoot == nil {
				// The first boot ends here; later boots depend on how it ended.
				b := s.simulateBoot(inst, now)
				inst.firstBoot = &b
			}
			inst.tl.Reset("stopping", now).Then("stopped", s.e.KnobDuration("ec2.stop_duration", 30*time.Second))
			s.instanceChanges(c, inst)
			inst.transitionReason, inst.stateReason = userInitiated(now), userShutdown
		}
		out.StoppingInstances = append(out.StoppingInstances, stateChange(inst.id, prev, inst.tl.State(now)))
	}
	return out, nil
}

func (s *ec2Service) StartInstances(c *Call, in *ec2.StartInstancesInput) (*ec2.StartInstancesOutput, error) {
	now := c.Now()
	insts, err := s.instancesByIDs(in.InstanceIds)
	if err != nil {
		return nil, err
	}
	for _, inst := range insts {
		switch inst.tl.State(now) {
		case "stopping", "shutting-down", "terminated":
			return nil, Errorf("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be started.", inst.id)
		}
	}
	// Starting needs capacity in the instance's zone and room in the quota
	// of its (possibly changed) type, as a launch does.
	starting := map[string]bool{}
	want := map[string]int{}
	for _, inst := range insts {
		if inst.tl.State(now) != "stopped" || starting[inst.id] {
			continue
		}
		starting[inst.id] = true
		itype, _ := lookupInstanceType(inst.instType)
		if err := s.checkOnDemandCapacity(itype, inst.az); err != nil {
			return nil, err
		}
		od, _ := vcpuQuotas(inst.instType)
		want[od] += int(itype.vcpus)
	}
	for _, code := range sortedKeys(want) {
		if err := s.checkVCPUs(code, want[code], now, starting); err != nil {
			return nil, err
		}
	}
	out := &ec2.StartInstancesOutput{}
	for _, inst := range insts {
		prev := inst.tl.State(now)
		// Starting a running or pending instance changes nothing, as on AWS.
		if prev == "stopped" {
			itype, _ := lookupInstanceType(inst.instType)
			inst.tl.Reset("pending", now).Then("running", s.pendingDuration(itype))
			s.instanceChanges(c, inst)
			inst.transitionReason, inst.stateReason = "", &types.StateReason{Code: aws.String("pending"), Message: aws.String("pending")}
			if inst.wantPublic {
				delete(s.publicIPs, inst.publicIP)
				inst.publicIP = s.allocPublicIP(c)
			}
		}
		out.StartingInstances = append(out.StartingInstances, stateChange(inst.id, prev, inst.tl.State(now)))
	}
	return out, nil
}

func (s *ec2Service) TerminateInstances(c *Call, in *ec2.TerminateInstancesInput) (*ec2.TerminateInstancesOutput, error) {
	now := c.Now()
	insts, err := s.instancesByIDs(in.InstanceIds)
	if err != nil {
		return nil, err
	}
	for _, inst := range insts {
		if inst.disableAPITermination {
			return nil, Errorf("OperationNotPermitted", "The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", inst.id)
		}
	}
	out := &ec2.TerminateInstancesOutput{}
	for _, inst := range insts {
		prev := inst.tl.State(now)
		if prev != "shutting-down" && prev != "terminated" {
			inst.tl.Reset("shutting-down", now).Then("terminated", s.e.KnobDuration("ec2.terminate_duration", 45*time.Second))
			s.instanceChanges(c, inst)
			inst.transitionReason, inst.stateReason = userInitiated(now), userShutdown
			s.spotInstanceTerminatedByUser(inst, now)
		}
		out.TerminatingInstances = append(out.TerminatingInstances, stateChange(inst.id, prev, inst.tl.State(now)))
	}
	return out, nil
}

func (s *ec2Service) DescribeInstanceAttribute(c *Call, in *ec2.DescribeInstanceAttributeInput) (*ec2.DescribeInstanceAttributeOutput, error) {
	insts, err := s.instancesByIDs([]string{aws.ToString(in.InstanceId)})
	if err != nil {
		return nil, err
	}
	inst := insts[0]
	out := &ec2.DescribeInstanceAttributeOutput{InstanceId: aws.String(inst.id)}
	switch in.Attribute {
	case types.InstanceAttributeNameUserData:
		out.UserData = &types.AttributeValue{}
		if len(inst.userData) > 0 {
			out.UserData.Value = aws.String(base64.StdEncoding.EncodeToString(inst.userData))
		}
	case types.InstanceAttributeNameInstanceType:
		out.InstanceType = &types.AttributeValue{Value: aws.String(inst.instType)}
	case types.InstanceAttributeNameDisableApiTermination:
		out.DisableApiTermination = &types.AttributeBooleanValue{Value: aws.Bool(inst.disableAPITermination)}
	case types.InstanceAttributeNameDisableApiStop:
		out.DisableApiStop = &types.AttributeBooleanValue{Value: aws.Bool(false)}
	case types.InstanceAttributeNameRootDeviceName:
		out.RootDeviceName = &types.AttributeValue{Value: aws.String(inst.rootDevice)}
	case types.InstanceAttributeNameGroupSet:
		out.Groups = s.groupIdentifiers(inst.groups)
	case types.InstanceAttributeNameEbsOptimized:
		out.EbsOptimized = &types.AttributeBooleanValue{Value: aws.Bool(inst.ebsOptimized)}
	case types.InstanceAttributeNameInstanceInitiatedShutdownBehavior:
		out.InstanceInitiatedShutdownBehavior = &types.AttributeValue{Value: aws.String("stop")}
	case types.InstanceAttributeNameSourceDestCheck:
		out.SourceDestCheck = &types.AttributeBooleanValue{Value: aws.Bool(true)}
	case "":
		return nil, missingParam("attribute")
	default:
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter attribute is invalid. The attribute is not emulated.", in.Attribute)
	}
	return out, nil
}

func (s *ec2Service) ModifyInstanceAttribute(c *Call, in *ec2.ModifyInstanceAttributeInput) (*ec2.ModifyInstanceAttributeOutput, error) {
	now := c.Now()
	insts, err := s.instancesByIDs([]string{aws.ToString(in.InstanceId)})
	if err != nil {
		return nil, err
	}
	inst := insts[0]
	state := inst.tl.State(now)
	notStopped := func() error {
		return Errorf("IncorrectInstanceState", "The instance '%s' is not in the 'stopped' state.", inst.id)
	}
	// The Attribute/Value form names one attribute.
	switch in.Attribute {
	case "":
	case types.InstanceAttributeNameInstanceType:
		in.InstanceType = &types.AttributeValue{Value: in.Value}
	case types.InstanceAttributeNameDisableApiTermination:
		in.DisableApiTermination = &types.AttributeBooleanValue{Value: aws.Bool(aws.ToString(in.Value) == "true")}
	case types.InstanceAttributeNameUserData:
		in.UserData = &types.SecureBlobAttributeValue{Value: []byte(aws.ToString(in.Value))}
	default:
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter attribute is invalid. The attribute is not emulated.", in.Attribute)
	}
	set := 0
	for _, b := range []bool{in.InstanceType != nil, in.DisableApiTermination != nil, in.UserData != nil, in.EbsOptimized != nil, len(in.Groups) > 0} {
		if b {
			set++
		}
	}
	if set == 0 {
		return nil, Errorf("MissingParameter", "The request must contain a parameter to modify")
	}
	if set > 1 {
		return nil, Errorf("InvalidParameterCombination", "Only one attribute may be modified per request")
	}
	if state == "terminated" || state == "shutting-down" {
		return nil, Errorf("IncorrectInstanceState", "The instance '%s' is not in a state from which it can be modified.", inst.id)
	}
	switch {
	case in.InstanceType != nil:
		name := aws.ToString(in.InstanceType.Value)
		if state != "stopped" {
			return nil, notStopped()
		}
		t, ok := lookupInstanceType(name)
		if !ok {
			return nil, Errorf("InvalidParameterValue", "Invalid value '%s' for InstanceType.", name)
		}
		if t.arch != inst.arch {
			return nil, Errorf("InvalidParameterValue", "The requested instance type's architecture (%s) does not match the architecture in the manifest for %s (%s)", t.arch, inst.imageID, inst.arch)
		}
		inst.instType = name
	case in.DisableApiTermination != nil:
		inst.disableAPITermination = aws.ToBool(in.DisableApiTermination.Value)
	case in.UserData != nil:
		if state != "stopped" {
			return nil, notStopped()
		}
		if len(in.UserData.Value) > maxUserData {
			return nil, userDataTooLarge()
		}
		inst.userData = append([]byte(nil), in.UserData.Value...)
	case in.EbsOptimized != nil:
		if state != "stopped" {
			return nil, notStopped()
		}
		inst.ebsOptimized = aws.ToBool(in.EbsOptimized.Value)
	case len(in.Groups) > 0:
		if err := s.checkGroups(in.Groups, inst.vpcID); err != nil {
			return nil, err
		}
		if err := s.checkGroupsPerInterface(in.Groups); err != nil {
			return nil, err
		}
		inst.groups = append([]string(nil), in.Groups...)
		for _, n := range s.enis {
			if n.attach != nil && n.attach.instanceID == inst.id && n.attach.deviceIndex == 0 {
				n.groups = append([]string(nil), in.Groups...)
			}
		}
	}
	return &ec2.ModifyInstanceAttributeOutput{}, nil
}

// ---------------------------------------------------------------------------
// Volumes and instance status

func (s *ec2Service) volumeView(v *ec2Volume) types.Volume {
	out := types.Volume{VolumeId: aws.String(v.id), AvailabilityZone: aws.String(v.az), CreateTime: aws.Time(v.created), Size: aws.Int32(v.size),
		VolumeType: types.VolumeType(v.volType), Encrypted: aws.Bool(v.encrypted), State: types.VolumeState(v.state(s)),
		MultiAttachEnabled: aws.Bool(false), Tags: ec2Tags(v.tags), Attachments: []types.VolumeAttachment{}}
	if v.iops > 0 {
		out.Iops = aws.Int32(v.iops)
	}
	if v.throughput > 0 {
		out.Throughput = aws.Int32(v.throughput)
	}
	if v.kmsKey != "" {
		out.KmsKeyId = aws.String(v.kmsKey)
	}
	out.SnapshotId = aws.String(v.snapshotID)
	if v.instanceID != "" {
		out.Attachments = append(out.Attachments, types.VolumeAttachment{VolumeId: aws.String(v.id), InstanceId: aws.String(v.instanceID),
			Device: aws.String(v.device), State: types.VolumeAttachmentStateAttached, AttachTime: aws.Time(v.created), DeleteOnTermination: aws.Bool(v.deleteOnTerminate)})
	}
	return out
}

func (s *ec2Service) DescribeVolumes(c *Call, in *ec2.DescribeVolumesInput) (*ec2.DescribeVolumesOutput, error) {
	s.Tick(c.Now())
	var items []*ec2Volume
	if len(in.VolumeIds) > 0 {
		for _, id := range in.VolumeIds {
			if malformed(id, "vol") {
				return nil, Errorf("InvalidVolumeID.Malformed", "Invalid id: \"%s\" (expecting \"vol-...\")", id)
			}
			v, ok := s.volumes[id]
			if !ok {
				return nil, Errorf("InvalidVolume.NotFound", "The volume '%s' does not exist.", id)
			}
			items = append(items, v)
		}
	} else {
		items = sortedBySeq(s.volumes)
	}
	att := func(f func(v *ec2Volume) string) func(v *ec2Volume) []string {
		return func(v *ec2Volume) []string {
			if v.instanceID == "" {
				return nil
			}
			return one(f(v))
		}
	}
	spec := filterSpec[*ec2Volume]{
		"volume-id":                        func(v *ec2Volume) []string { return one(v.id) },
		"status":                           func(v *ec2Volume) []string { return one(v.state(s)) },
		"availability-zone":                func(v *ec2Volume) []string { return one(v.az) },
		"volume-type":                      func(v *ec2Volume) []string { return one(v.volType) },
		"size":                             func(v *ec2Volume) []string { return one(itoa(int64(v.size))) },
		"encrypted":                        func(v *ec2Volume) []string { return boolStr(v.encrypted) },
		"snapshot-id":                      func(v *ec2Volume) []string { return one(v.snapshotID) },
		"attachment.instance-id":           att(func(v *ec2Volume) string { return v.instanceID }),
		"attachment.device":                att(func(v *ec2Volume) string { return v.device }),
		"attachment.status":                att(func(v *ec2Volume) string { return "attached" }),
		"attachment.delete-on-termination": att(func(v *ec2Volume) string { return boolStr(v.deleteOnTerminate)[0] }),
	}
	items, err := applyFilters(items, in.Filters, spec, func(v *ec2Volume) map[string]string { return v.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 500, idsParam("volumeIds", in.VolumeIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeVolumesOutput{NextToken: next, Volumes: []types.Volume{}}
	for _, v := range page {
		out.Volumes = append(out.Volumes, s.volumeView(v))
	}
	return out, nil
}

// DescribeInstanceStatus reports status checks: initializing for the first
// ec2.status_checks (default 2m) of running, then ok.
func (s *ec2Service) DescribeInstanceStatus(c *Call, in *ec2.DescribeInstanceStatusInput) (*ec2.DescribeInstanceStatusOutput, error) {
	now := c.Now()
	s.Tick(now)
	items, err := s.instancesOrAll(in.InstanceIds)
	if err != nil {
		return nil, err
	}
	checks := s.e.KnobDuration("ec2.status_checks", 2*time.Minute)
	status := func(i *ec2Instance) string {
		if i.tl.State(now) != "running" {
			return "not-applicable"
		}
		if checks < 0 || now.Before(i.tl.Since(now).Add(checks)) {
			return "initializing"
		}
		return "ok"
	}
	var kept []*ec2Instance
	for _, i := range items {
		if aws.ToBool(in.IncludeAllInstances) || i.tl.State(now) == "running" {
			kept = append(kept, i)
		}
	}
	spec := filterSpec[*ec2Instance]{
		"instance-state-name":    func(i *ec2Instance) []string { return one(i.tl.State(now)) },
		"availability-zone":      func(i *ec2Instance) []string { return one(i.az) },
		"instance-status.status": func(i *ec2Instance) []string { return one(status(i)) },
		"system-status.status":   func(i *ec2Instance) []string { return one(status(i)) },
	}
	kept, err = applyFilters(kept, in.Filters, spec, nil)
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(kept, in.NextToken, in.MaxResults, 5, 1000, idsParam("instanceIds", in.InstanceIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeInstanceStatusOutput{NextToken: next, InstanceStatuses: []types.InstanceStatus{}}
	for _, i := range page {
		st := status(i)
		detail := types.StatusTypePassed
		switch st {
		case "initializing":
			detail = types.StatusTypeInitializing
		case "not-applicable":
			detail = types.StatusTypeInsufficientData
		}
		sum := func() *types.InstanceStatusSummary {
			return &types.InstanceStatusSummary{Status: types.SummaryStatus(st), Details: []types.InstanceStatusDetails{{Name: types.StatusNameReachability, Status: detail}}}
		}
		out.InstanceStatuses = append(out.InstanceStatuses, types.InstanceStatus{InstanceId: aws.String(i.id), AvailabilityZone: aws.String(i.az),
			InstanceState: instanceState(i.tl.State(now)), InstanceStatus: sum(), SystemStatus: sum(), Events: []types.InstanceStatusEvent{}})
	}
	return out, nil
}
