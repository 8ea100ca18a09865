package awsemu

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ec2Instance is one instance; its state is a Timeline on the virtual clock.
type ec2Instance struct {
	id, reservationID, imageID, instType, arch string
	keyName                                    string
	subnetID, vpcID, az                        string
	privateIP, publicIP                        string
	eniID, rootVolumeID                        string
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
// are purged.
func (s *ec2Service) InstanceInfo(id string, now time.Time) (InstanceView, bool) {
	inst, ok := s.instances[id]
	if !ok {
		return InstanceView{}, false
	}
	boot := s.bootState(inst, now)
	return InstanceView{
		ID: inst.id, State: inst.tl.State(now), InstanceType: inst.instType, VPCID: inst.vpcID, SubnetID: inst.subnetID, AZ: inst.az,
		PrivateIP: inst.privateIP, PublicIP: inst.publicIPAt(now), SecurityGroupIDs: append([]string(nil), inst.groups...),
		Boot: boot.state, BootCompleteAt: boot.completeAt, IAMInstanceProfileARN: inst.profileARN,
	}, true
}

type bootInfo struct {
	state      string
	completeAt time.Time
}

// bootState is replaced by the console simulation (ec2_console.go).
func (s *ec2Service) bootState(inst *ec2Instance, now time.Time) bootInfo {
	return bootInfo{state: BootNone}
}
