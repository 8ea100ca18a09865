package awsemu

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ec2ENI is a network interface: the primary interface of an instance, or a
// requester-managed one that ELB or EFS asked for through the Network
// contract.
type ec2ENI struct {
	id, subnetID, vpcID, az, azID string
	privateIP, mac                string
	desc, requesterID, ifType     string
	managed                       bool
	groups                        []string
	seq                           int
	tags                          map[string]string
	attach                        *eniAttach
	releaseAt                     time.Time // managed interfaces being released linger until then
}

type eniAttach struct {
	id, instanceID, ownerID string
	deviceIndex             int32
	deleteOnTermination     bool
	at                      time.Time
}

func (n *ec2ENI) order() int { return n.seq }

func (n *ec2ENI) status() types.NetworkInterfaceStatus {
	if n.attach != nil {
		return types.NetworkInterfaceStatusInUse
	}
	return types.NetworkInterfaceStatusAvailable
}

func (s *ec2Service) privateDNS(ip string) string {
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if s.region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + s.region + ".compute.internal"
}

func (s *ec2Service) publicDNS(vpcID, ip string) string {
	if ip == "" {
		return ""
	}
	if v, ok := s.vpcs[vpcID]; !ok || !v.dnsHostname {
		return ""
	}
	host := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if s.region == "us-east-1" {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + s.region + ".compute.amazonaws.com"
}

func (s *ec2Service) newMAC(c *Call) string {
	h := c.Emu.HexID("mac", 10)
	return "0e:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10]
}

// newENI allocates an interface and its private address in a subnet.
func (s *ec2Service) newENI(c *Call, sn *ec2Subnet, groups []string, privateIP string) (*ec2ENI, error) {
	if err := s.countLimit(quotaInterfaces, len(s.enis), "NetworkInterfaceLimitExceeded", "network interfaces"); err != nil {
		return nil, err
	}
	ip, apiErr := sn.allocIP(privateIP)
	if apiErr != nil {
		return nil, apiErr
	}
	n := &ec2ENI{id: c.Emu.ID("eni"), subnetID: sn.id, vpcID: sn.vpcID, az: sn.az, azID: sn.azID, privateIP: ip,
		mac: s.newMAC(c), ifType: "interface", groups: append([]string(nil), groups...), seq: s.nextSeq(), tags: map[string]string{}}
	s.enis[n.id] = n
	return n, nil
}

func (s *ec2Service) deleteENI(n *ec2ENI) {
	if sn, ok := s.subnets[n.subnetID]; ok {
		sn.freeIP(n.privateIP)
	}
	delete(s.enis, n.id)
}

func (s *ec2Service) groupIdentifiers(ids []string) []types.GroupIdentifier {
	out := []types.GroupIdentifier{}
	for _, id := range ids {
		gi := types.GroupIdentifier{GroupId: aws.String(id)}
		if g, ok := s.sgs[id]; ok {
			gi.GroupName = aws.String(g.name)
		}
		out = append(out, gi)
	}
	return out
}

// eniPublicIP is the public address mapped to an interface: its instance's.
func (s *ec2Service) eniPublicIP(n *ec2ENI, now time.Time) string {
	if n.attach == nil {
		return ""
	}
	if inst, ok := s.instances[n.attach.instanceID]; ok {
		return inst.publicIPAt(now)
	}
	return ""
}

func (s *ec2Service) eniView(n *ec2ENI, now time.Time) types.NetworkInterface {
	out := types.NetworkInterface{
		NetworkInterfaceId: aws.String(n.id), SubnetId: aws.String(n.subnetID), VpcId: aws.String(n.vpcID),
		AvailabilityZone: aws.String(n.az), AvailabilityZoneId: aws.String(n.azID), Description: aws.String(n.desc),
		Groups: s.groupIdentifiers(n.groups), InterfaceType: types.NetworkInterfaceType(n.ifType), MacAddress: aws.String(n.mac),
		OwnerId: aws.String(AccountID), PrivateIpAddress: aws.String(n.privateIP), PrivateDnsName: aws.String(s.privateDNS(n.privateIP)),
		RequesterManaged: aws.Bool(n.managed), SourceDestCheck: aws.Bool(true), Status: n.status(), TagSet: ec2Tags(n.tags),
		Ipv6Addresses: []types.NetworkInterfaceIpv6Address{},
	}
	if n.requesterID != "" {
		out.RequesterId = aws.String(n.requesterID)
	}
	addr := types.NetworkInterfacePrivateIpAddress{Primary: aws.Bool(true), PrivateIpAddress: aws.String(n.privateIP), PrivateDnsName: aws.String(s.privateDNS(n.privateIP))}
	if pub := s.eniPublicIP(n, now); pub != "" {
		assoc := &types.NetworkInterfaceAssociation{PublicIp: aws.String(pub), IpOwnerId: aws.String("amazon")}
		if dns := s.publicDNS(n.vpcID, pub); dns != "" {
			assoc.PublicDnsName = aws.String(dns)
		}
		out.Association, addr.Association = assoc, assoc
	}
	out.PrivateIpAddresses = []types.NetworkInterfacePrivateIpAddress{addr}
	if a := n.attach; a != nil {
		out.Attachment = &types.NetworkInterfaceAttachment{AttachmentId: aws.String(a.id), AttachTime: aws.Time(a.at),
			DeleteOnTermination: aws.Bool(a.deleteOnTermination), DeviceIndex: aws.Int32(a.deviceIndex), NetworkCardIndex: aws.Int32(0),
			InstanceOwnerId: aws.String(a.ownerID), Status: types.AttachmentStatusAttached}
		if a.instanceID != "" {
			out.Attachment.InstanceId = aws.String(a.instanceID)
		}
	}
	return out
}

func (s *ec2Service) DescribeNetworkInterfaces(c *Call, in *ec2.DescribeNetworkInterfacesInput) (*ec2.DescribeNetworkInterfacesOutput, error) {
	now := c.Now()
	s.Tick(now)
	items, err := pickByIDs(s.enis, in.NetworkInterfaceIds, "eni", "InvalidNetworkInterfaceID.Malformed", "InvalidNetworkInterfaceID.NotFound", "networkInterface")
	if err != nil {
		return nil, err
	}
	attach := func(f func(a *eniAttach) string) func(n *ec2ENI) []string {
		return func(n *ec2ENI) []string {
			if n.attach == nil {
				return nil
			}
			return one(f(n.attach))
		}
	}
	spec := filterSpec[*ec2ENI]{
		"network-interface-id":             func(n *ec2ENI) []string { return one(n.id) },
		"subnet-id":                        func(n *ec2ENI) []string { return one(n.subnetID) },
		"vpc-id":                           func(n *ec2ENI) []string { return one(n.vpcID) },
		"availability-zone":                func(n *ec2ENI) []string { return one(n.az) },
		"group-id":                         func(n *ec2ENI) []string { return n.groups },
		"description":                      func(n *ec2ENI) []string { return []string{n.desc} },
		"requester-id":                     func(n *ec2ENI) []string { return one(n.requesterID) },
		"requester-managed":                func(n *ec2ENI) []string { return boolStr(n.managed) },
		"status":                           func(n *ec2ENI) []string { return one(string(n.status())) },
		"interface-type":                   func(n *ec2ENI) []string { return one(n.ifType) },
		"owner-id":                         func(n *ec2ENI) []string { return one(AccountID) },
		"mac-address":                      func(n *ec2ENI) []string { return one(n.mac) },
		"private-ip-address":               func(n *ec2ENI) []string { return one(n.privateIP) },
		"addresses.private-ip-address":     func(n *ec2ENI) []string { return one(n.privateIP) },
		"association.public-ip":            func(n *ec2ENI) []string { return one(s.eniPublicIP(n, now)) },
		"attachment.instance-id":           attach(func(a *eniAttach) string { return a.instanceID }),
		"attachment.instance-owner-id":     attach(func(a *eniAttach) string { return a.ownerID }),
		"attachment.attachment-id":         attach(func(a *eniAttach) string { return a.id }),
		"attachment.status":                attach(func(a *eniAttach) string { return "attached" }),
		"attachment.device-index":          attach(func(a *eniAttach) string { return fmt.Sprint(a.deviceIndex) }),
		"attachment.delete-on-termination": attach(func(a *eniAttach) string { return boolStr(a.deleteOnTermination)[0] }),
	}
	items, err = applyFilters(items, in.Filters, spec, func(n *ec2ENI) map[string]string { return n.tags })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 1000, idsParam("networkInterfaceIds", in.NetworkInterfaceIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeNetworkInterfacesOutput{NextToken: next, NetworkInterfaces: []types.NetworkInterface{}}
	for _, n := range page {
		out.NetworkInterfaces = append(out.NetworkInterfaces, s.eniView(n, now))
	}
	return out, nil
}

func (s *ec2Service) DeleteNetworkInterface(c *Call, in *ec2.DeleteNetworkInterfaceInput) (*ec2.DeleteNetworkInterfaceOutput, error) {
	id := aws.ToString(in.NetworkInterfaceId)
	if id == "" {
		return nil, missingParam("networkInterfaceId")
	}
	if malformed(id, "eni") {
		return nil, malformedErr("InvalidNetworkInterfaceID.Malformed", id, "eni")
	}
	s.Tick(c.Now())
	n, ok := s.enis[id]
	if !ok {
		return nil, notFoundIDs("InvalidNetworkInterfaceID.NotFound", "networkInterface", []string{id})
	}
	if n.attach != nil {
		return nil, Errorf("InvalidNetworkInterface.InUse", "The network interface '%s' is currently in use.", id)
	}
	if n.managed {
		return nil, Errorf("OperationNotPermitted", "You are not allowed to delete the requester-managed network interface '%s'.", id)
	}
	s.deleteENI(n)
	return &ec2.DeleteNetworkInterfaceOutput{}, nil
}

// ---------------------------------------------------------------------------
// The crossservice Network contract

var _ Network = (*ec2Service)(nil)

func asAPIError(err error) *APIError {
	if err == nil {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return ErrorfStatus(500, "InternalError", "%v", err)
}

// SubnetInfo describes a subnet of the region.
func (s *ec2Service) SubnetInfo(id string) (SubnetView, bool) {
	sn, ok := s.subnets[id]
	if !ok {
		return SubnetView{}, false
	}
	return SubnetView{ID: sn.id, VPCID: sn.vpcID, CIDR: sn.cidr, AZ: sn.az, AZID: sn.azID}, true
}

// SecurityGroupInfo describes a security group of the region.
func (s *ec2Service) SecurityGroupInfo(id string) (SecurityGroupView, bool) {
	g, ok := s.sgs[id]
	if !ok {
		return SecurityGroupView{}, false
	}
	return SecurityGroupView{ID: g.id, VPCID: g.vpcID, Name: g.name}, true
}

// checkGroups validates security groups for an interface in vpcID.
func (s *ec2Service) checkGroups(groups []string, vpcID string) error {
	for _, id := range groups {
		if malformed(id, "sg") {
			return malformedErr("InvalidGroupId.Malformed", id, "sg")
		}
		g, ok := s.sgs[id]
		if !ok {
			return sgNotFound(id)
		}
		if g.vpcID != vpcID {
			return Errorf("InvalidParameterValue", "Security group %s and subnet %s belong to different networks.", id, vpcID)
		}
	}
	return nil
}

// CreateManagedInterface creates a requester-managed interface for ELB or EFS.
func (s *ec2Service) CreateManagedInterface(c *Call, spec ManagedInterface) (InterfaceView, *APIError) {
	sn, err := s.subnet(spec.SubnetID)
	if err != nil {
		return InterfaceView{}, asAPIError(err)
	}
	for _, id := range spec.SecurityGroupIDs {
		if err := s.checkGroups([]string{id}, sn.vpcID); err != nil {
			ae := asAPIError(err)
			if ae.Code == "InvalidParameterValue" {
				ae = Errorf("InvalidParameterValue", "Security group %s and subnet %s belong to different networks.", id, sn.id)
			}
			return InterfaceView{}, ae
		}
	}
	n, err := s.newENI(c, sn, spec.SecurityGroupIDs, spec.PrivateIP)
	if err != nil {
		return InterfaceView{}, asAPIError(err)
	}
	n.managed, n.desc, n.requesterID = true, spec.Description, spec.RequesterID
	if spec.InterfaceType != "" {
		n.ifType = spec.InterfaceType
	}
	n.attach = &eniAttach{id: "ela-attach-" + c.Emu.HexID("ela-attach", 17), ownerID: spec.RequesterID, deviceIndex: 1, at: c.Now()}
	return InterfaceView{ID: n.id, PrivateIP: n.privateIP, SubnetID: n.subnetID, VPCID: n.vpcID, AZ: n.az}, nil
}

// ReleaseManagedInterface deletes a managed interface at virtual time at;
// until then it still blocks its subnet and security groups.
func (s *ec2Service) ReleaseManagedInterface(id string, at time.Time) {
	if n, ok := s.enis[id]; ok && n.managed {
		n.releaseAt = at
	}
}

// SetManagedInterfaceGroups replaces the security groups of an interface.
func (s *ec2Service) SetManagedInterfaceGroups(id string, groups []string) *APIError {
	n, ok := s.enis[id]
	if !ok {
		return notFoundIDs("InvalidNetworkInterfaceID.NotFound", "networkInterface", []string{id})
	}
	if err := s.checkGroups(groups, n.vpcID); err != nil {
		return asAPIError(err)
	}
	n.groups = append([]string(nil), groups...)
	return nil
}
