package awsemu

import "time"

// Contracts between emulated services. AWS services depend on each other
// (an ALB puts network interfaces in EC2 subnets, RunInstances checks the IAM
// instance profile, a listener needs an ACM certificate), so each provider of
// such facts implements one of these interfaces and consumers reach it with
// Peer / PeerOf. All methods run with the emulator lock held.

// Network is implemented by the EC2 service ("ec2").
type Network interface {
	// SubnetInfo describes a subnet of the region.
	SubnetInfo(id string) (SubnetView, bool)
	// SecurityGroupInfo describes a security group of the region.
	SecurityGroupInfo(id string) (SecurityGroupView, bool)
	// CreateManagedInterface creates a requester-managed network interface,
	// as ELB and EFS do for load balancer nodes and mount targets. It fails
	// with the EC2 error codes (InvalidSubnetID.NotFound,
	// InvalidGroup.NotFound, InvalidParameterValue for a group of another VPC).
	CreateManagedInterface(c *Call, spec ManagedInterface) (InterfaceView, *APIError)
	// ReleaseManagedInterface deletes the interface at virtual time at (ALB
	// interfaces linger for a while after their load balancer is deleted).
	// Until then it still counts as a dependent object of its subnet and
	// security groups.
	ReleaseManagedInterface(id string, at time.Time)
	// SetManagedInterfaceGroups replaces the security groups of an interface
	// (ModifyMountTargetSecurityGroups, SetSecurityGroups).
	SetManagedInterfaceGroups(id string, groups []string) *APIError
	// InstanceInfo describes an instance (including terminated ones until
	// they are purged).
	InstanceInfo(id string, now time.Time) (InstanceView, bool)
}

// SubnetView is what other services need to know about a subnet.
type SubnetView struct {
	ID, VPCID, CIDR string
	AZ, AZID        string
}

// SecurityGroupView is what other services need to know about a group.
type SecurityGroupView struct {
	ID, VPCID, Name string
}

// ManagedInterface asks for a requester-managed network interface.
type ManagedInterface struct {
	SubnetID         string
	SecurityGroupIDs []string
	Description      string // "ELB app/<name>/<id>", "EFS mount target for fs-… (fsmt-…)"
	RequesterID      string // "amazon-elb", "amazon-elasticfilesystem"
	InterfaceType    string // "interface" unless AWS uses another
	PrivateIP        string // optional fixed address
}

// InterfaceView is a created interface.
type InterfaceView struct {
	ID, PrivateIP, SubnetID, VPCID, AZ string
}

// Boot states of an instance's user data, as its console markers would show.
// User data runs at the first boot only (unless the manifest says per_boot):
// at a later boot, complete means the application the first boot set up is
// serving again, and failed that the first boot failed or was cut short, so
// it never will (ec2_console.go).
const (
	BootPending  = "pending"  // not running yet, or still booting
	BootComplete = "complete" // boot-complete marker printed (or the app is back after a later boot)
	BootFailed   = "failed"   // boot-failure marker printed (or the first boot never finished)
	BootNone     = "none"     // no GeuseMaker user data: nothing to wait for
)

// InstanceView is what other services need to know about an instance.
type InstanceView struct {
	ID, State             string // pending | running | stopping | stopped | shutting-down | terminated
	InstanceType          string
	VPCID, SubnetID, AZ   string
	PrivateIP, PublicIP   string
	SecurityGroupIDs      []string
	Boot                  string // one of the Boot* constants
	BootCompleteAt        time.Time
	IAMInstanceProfileARN string
}

// InstanceProfiles is implemented by the IAM service ("iam").
type InstanceProfiles interface {
	// ResolveInstanceProfile checks that RunInstances may use a profile (by
	// name or ARN) at this moment, as EC2 does: unknown, roleless or not yet
	// propagated profiles fail with InvalidParameterValue and the message
	// EC2 uses. It returns the profile ARN and id.
	ResolveInstanceProfile(c *Call, nameOrARN string) (arn, id string, err *APIError)
}

// Certificates is implemented by the ACM service ("acm"), per region.
type Certificates interface {
	// CertificateInfo describes a certificate of this region.
	CertificateInfo(arn string) (CertificateView, bool)
	// UseCertificate and ReleaseCertificate record that a listener or a
	// distribution uses a certificate, so DeleteCertificate answers
	// ResourceInUseException while it does.
	UseCertificate(arn, user string)
	ReleaseCertificate(arn, user string)
}

// CertificateView is what other services need to know about a certificate.
type CertificateView struct {
	ARN, Domain string
	SANs        []string
	Status      string // PENDING_VALIDATION | ISSUED | EXPIRED | ...
	Region      string
	InUseBy     []string
}
