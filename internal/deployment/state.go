package deployment

import (
	"slices"
	"sync"
	"time"
)

// State is what a deployment consists of on AWS: every id, recorded the
// moment the object exists so that a failed create can always be rolled back
// or finished by a later destroy.
type State struct {
	Name   string
	Region string
	// Nonce makes idempotency tokens unique per create of the same name.
	Nonce string
	Tier  int

	// Network.
	OwnedNetwork             bool
	VPCID                    string
	SubnetIDs                []string
	InternetGatewayID        string
	RouteTableID             string
	RouteTableAssociationIDs []string
	// ExtraSubnetIDs are subnets of an owned network the deployment does not
	// place anything in (the private subnets of a VPC the GeuseMaker CLI
	// created); destroy deletes them with the VPC.
	ExtraSubnetIDs []string

	// Security groups. An adopted CLI deployment has one group in every
	// role: the same id may appear in two or three of these.
	InstanceSecurityGroupID string
	EFSSecurityGroupID      string
	ALBSecurityGroupID      string

	// IAM.
	RoleName, RoleARN       string
	ProfileName, ProfileARN string

	// Storage.
	EFSID          string
	MountTargetIDs []string
	// MountTargetIPs maps availability zone → mount target address.
	MountTargetIPs map[string]string

	// Compute.
	AMIID            string
	InstanceID       string
	InstanceType     string
	AvailabilityZone string
	PrivateIP        string
	PublicIP         string
	PublicDNS        string
	// UserDataHash identifies the rendered boot script, so a change of
	// services or models is detected.
	UserDataHash string
	KeyName      string
	RootVolumeID string
	// Launches counts instances launched, for unique client tokens.
	Launches int
	// AdoptedInstance says the instance was launched by the GeuseMaker CLI
	// (legacy import): its boot script prints none of the provider's
	// console markers, so nothing waits for them until the provider
	// launches an instance of its own.
	AdoptedInstance bool

	// Load balancer.
	ALBARN         string
	ALBDNSName     string
	ALBZoneID      string
	TargetGroupARN string
	ListenerARNs   []string
	RuleARNs       []string

	// CloudFront.
	DistributionID       string
	DistributionARN      string
	DistributionDomain   string
	DistributionStatus   string
	DistributionEnabled  bool
	DistributionRetained bool
	OriginSecret         string
	CallerReference      string

	// GPU facts from the boot markers.
	GPUModel     string
	GPUCount     int
	GPUMemoryMiB int
	GPUDriver    string
	GPUHealth    string

	Status    string
	CreatedAt time.Time
}

// Status values.
const (
	StatusCreating = "creating"
	StatusRunning  = "running"
	StatusDegraded = "degraded"
	StatusStopped  = "stopped"
	StatusFailed   = "failed"
)

// Empty reports whether no AWS object is recorded.
func (s *State) Empty() bool {
	return len(s.IDs()) == 0
}

// IDs lists every recorded AWS object as "kind id", for diagnostics.
func (s *State) IDs() []string {
	var out []string
	add := func(kind, id string) {
		if id != "" {
			out = append(out, kind+" "+id)
		}
	}
	add("cloudfront distribution", s.DistributionID)
	for _, l := range s.ListenerARNs {
		add("listener", l)
	}
	add("load balancer", s.ALBARN)
	add("target group", s.TargetGroupARN)
	add("instance", s.InstanceID)
	for _, m := range s.MountTargetIDs {
		add("mount target", m)
	}
	add("file system", s.EFSID)
	add("instance profile", s.ProfileName)
	add("iam role", s.RoleName)
	for _, g := range s.SecurityGroupIDs() {
		add("security group", g)
	}
	if s.OwnedNetwork {
		add("route table", s.RouteTableID)
		add("internet gateway", s.InternetGatewayID)
		for _, sn := range s.SubnetIDs {
			add("subnet", sn)
		}
		for _, sn := range s.ExtraSubnetIDs {
			add("subnet", sn)
		}
		add("vpc", s.VPCID)
	}
	return out
}

// SecurityGroupIDs lists the deployment's security groups once each: the
// load balancer's, the file system's, then the instance's.
func (s *State) SecurityGroupIDs() []string {
	var out []string
	for _, g := range []string{s.ALBSecurityGroupID, s.EFSSecurityGroupID, s.InstanceSecurityGroupID} {
		if g != "" && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// Clone returns a deep copy.
func (s *State) Clone() *State {
	c := *s
	c.SubnetIDs = slices.Clone(s.SubnetIDs)
	c.RouteTableAssociationIDs = slices.Clone(s.RouteTableAssociationIDs)
	c.ExtraSubnetIDs = slices.Clone(s.ExtraSubnetIDs)
	c.MountTargetIDs = slices.Clone(s.MountTargetIDs)
	c.ListenerARNs = slices.Clone(s.ListenerARNs)
	c.RuleARNs = slices.Clone(s.RuleARNs)
	if s.MountTargetIPs != nil {
		c.MountTargetIPs = make(map[string]string, len(s.MountTargetIPs))
		for k, v := range s.MountTargetIPs {
			c.MountTargetIPs[k] = v
		}
	}
	return &c
}

// recorder guards a State that concurrent steps write ids into.
type recorder struct {
	mu sync.Mutex
	s  *State
}

func newRecorder(s *State) *recorder { return &recorder{s: s} }

// set applies f to the state under the lock.
func (r *recorder) set(f func(s *State)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r.s)
}

// get returns a snapshot.
func (r *recorder) get() *State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s.Clone()
}
