package deployment

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"net"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
)

// NetworkState is the network's part of the record.
type NetworkState struct {
	// OwnedNetwork says the deployment created the VPC (and deletes it);
	// otherwise VPCID and SubnetIDs are the user's.
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
}

// ids lists the network's objects; a network the user gave is not the
// deployment's to list.
func (n *NetworkState) ids(add func(kind, id string)) {
	if !n.OwnedNetwork {
		return
	}
	add("route table", n.RouteTableID)
	add("internet gateway", n.InternetGatewayID)
	for _, sn := range n.SubnetIDs {
		add("subnet", sn)
	}
	for _, sn := range n.ExtraSubnetIDs {
		add("subnet", sn)
	}
	add("vpc", n.VPCID)
}

// forget drops the VPC and everything in it, which went with it. Whether the
// deployment owns the network, and the unused subnets, stay.
func (n *NetworkState) forget() {
	n.VPCID, n.SubnetIDs, n.InternetGatewayID, n.RouteTableID, n.RouteTableAssociationIDs = "", nil, "", "", nil
}

// SubnetInfo is what the deployment needs to know about a subnet.
type SubnetInfo struct {
	ID, VPCID, AZ, CIDR string
	Public              bool // has a route to an internet gateway
}

// CheckSubnets verifies user-supplied subnets: they exist, belong to the
// VPC, reach the internet through a gateway, and (tier ≥ 2, for the load
// balancer) lie in at least two availability zones. The provider calls it at
// plan time so that a bad choice fails before anything is created.
func CheckSubnets(ctx context.Context, conn *ec2.Client, vpcID string, subnetIDs []string, t int) ([]SubnetInfo, error) {
	vpc, err := tfec2.FindVPCByID(ctx, conn, vpcID)
	if err != nil {
		if retry.NotFound(err) {
			return nil, &FieldError{Path: "vpc_id", Summary: "VPC not found", Detail: fmt.Sprintf("VPC %s does not exist in this region.", vpcID)}
		}
		return nil, err
	}
	if vpc.State != ec2types.VpcStateAvailable {
		return nil, &FieldError{Path: "vpc_id", Summary: "VPC not available", Detail: fmt.Sprintf("VPC %s is %s, not available.", vpcID, vpc.State)}
	}
	subnets, err := tfec2.FindSubnetsByIDs(ctx, conn, subnetIDs)
	if err != nil {
		if retry.NotFound(err) {
			return nil, &FieldError{Path: "subnet_ids", Summary: "Subnet not found", Detail: err.Error()}
		}
		return nil, err
	}
	tables, err := tfec2.FindRouteTablesByVPCID(ctx, conn, vpcID)
	if err != nil {
		return nil, err
	}
	var out []SubnetInfo
	azs := map[string]bool{}
	for _, id := range subnetIDs {
		var sn *ec2types.Subnet
		for i := range subnets {
			if aws.ToString(subnets[i].SubnetId) == id {
				sn = &subnets[i]
			}
		}
		if sn == nil {
			return nil, &FieldError{Path: "subnet_ids", Summary: "Subnet not found", Detail: fmt.Sprintf("Subnet %s does not exist in this region.", id)}
		}
		if aws.ToString(sn.VpcId) != vpcID {
			return nil, &FieldError{Path: "subnet_ids", Summary: "Subnet in another VPC", Detail: fmt.Sprintf("Subnet %s belongs to %s, not to vpc_id %s.", id, aws.ToString(sn.VpcId), vpcID)}
		}
		info := SubnetInfo{ID: id, VPCID: vpcID, AZ: aws.ToString(sn.AvailabilityZone), CIDR: aws.ToString(sn.CidrBlock), Public: routesToInternet(tables, id)}
		if !info.Public {
			return nil, &FieldError{Path: "subnet_ids", Summary: "Private subnet", Detail: fmt.Sprintf("Subnet %s has no 0.0.0.0/0 route to an internet gateway; the instance needs one to pull the stack's images and the load balancer needs public subnets. Use public subnets or omit vpc_id to create a dedicated VPC.", id)}
		}
		azs[info.AZ] = true
		out = append(out, info)
	}
	if tier.Tier(t).HasLoadBalancer() && len(azs) < 2 {
		return nil, &FieldError{Path: "subnet_ids", Summary: "Subnets in one availability zone",
			Detail: fmt.Sprintf("An Application Load Balancer needs subnets in at least two availability zones; subnet_ids are all in %s.", strings.Join(slices.Sorted(maps.Keys(azs)), ", "))}
	}
	return out, nil
}

func routesToInternet(tables []ec2types.RouteTable, subnetID string) bool {
	var main, explicit *ec2types.RouteTable
	for i := range tables {
		for _, a := range tables[i].Associations {
			if aws.ToBool(a.Main) {
				main = &tables[i]
			}
			if aws.ToString(a.SubnetId) == subnetID {
				explicit = &tables[i]
			}
		}
	}
	rt := explicit
	if rt == nil {
		rt = main
	}
	if rt == nil {
		return false
	}
	for _, r := range rt.Routes {
		if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" && strings.HasPrefix(aws.ToString(r.GatewayId), "igw-") && r.State != ec2types.RouteStateBlackhole {
			return true
		}
	}
	return false
}

// ensureNetwork makes the VPC and its public subnets exist: the user's, or
// a dedicated VPC with two public subnets in distinct zones, an internet
// gateway and a route table.
func (o *op) ensureNetwork(ctx context.Context) error {
	if o.spec.VPCID != "" {
		infos, err := CheckSubnets(ctx, o.c.EC2, o.spec.VPCID, o.spec.SubnetIDs, o.spec.Tier)
		if err != nil {
			return err
		}
		o.rec.set(func(s *State) {
			s.OwnedNetwork = false
			s.VPCID = o.spec.VPCID
			s.SubnetIDs = nil
			for _, i := range infos {
				s.SubnetIDs = append(s.SubnetIDs, i.ID)
			}
		})
		return nil
	}
	return o.ensureOwnedNetwork(ctx)
}

func (o *op) ensureOwnedNetwork(ctx context.Context) error {
	conn := o.c.EC2
	st := o.rec.get()
	vpcID := st.VPCID
	if vpcID != "" {
		if _, err := tfec2.FindVPCByID(ctx, conn, vpcID); retry.NotFound(err) {
			// The VPC is gone: everything in it went with it.
			vpcID = ""
			o.rec.set(func(s *State) { s.NetworkState.forget() })
		} else if err != nil {
			return err
		}
	}
	if vpcID == "" {
		vpc, err := tfec2.CreateOnce(ctx, "VPC", func(ctx context.Context, opts ...func(*ec2.Options)) (*ec2types.Vpc, error) {
			out, err := conn.CreateVpc(ctx, &ec2.CreateVpcInput{
				CidrBlock:         aws.String(o.spec.VPCCIDR),
				TagSpecifications: tfec2.TagSpecifications(o.spec.tagsFor(CompVPC), ec2types.ResourceTypeVpc),
			}, opts...)
			if err != nil {
				return nil, err
			}
			return out.Vpc, nil
		}, func(ctx context.Context) (*ec2types.Vpc, error) {
			vpcs, err := tfec2.FindVPCs(ctx, conn, o.componentFilters(CompVPC)...)
			if err != nil {
				return nil, err
			}
			return retry.SingleResult(vpcs, "the deployment's VPC")
		})
		if err != nil {
			return fmt.Errorf("creating VPC: %w", err)
		}
		vpcID = aws.ToString(vpc.VpcId)
		o.rec.set(func(s *State) { s.OwnedNetwork, s.VPCID = true, vpcID })
		if err := waitVPCAvailable(ctx, conn, vpcID); err != nil {
			return err
		}
		// DNS resolution is on in a new VPC; DNS host names are not.
		if _, err := conn.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{
			VpcId: aws.String(vpcID), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)},
		}); err != nil {
			return fmt.Errorf("enabling DNS host names on VPC (%s): %w", vpcID, err)
		}
	}

	igwID, err := o.ensureInternetGateway(ctx, vpcID)
	if err != nil {
		return err
	}
	subnets, err := o.ensureSubnets(ctx, vpcID)
	if err != nil {
		return err
	}
	return o.ensureRouteTable(ctx, vpcID, igwID, subnets)
}

func waitVPCAvailable(ctx context.Context, conn *ec2.Client, id string) error {
	conf := retry.StateChangeConf[ec2types.Vpc]{
		Pending: []string{string(ec2types.VpcStatePending)}, Target: []string{string(ec2types.VpcStateAvailable)},
		Timeout: 5 * time.Minute, Schedule: &tfec2.VPCAvailableSchedule,
		Refresh: func(ctx context.Context) (*ec2types.Vpc, string, error) {
			v, err := tfec2.FindVPCByID(ctx, conn, id)
			if retry.NotFound(err) {
				return nil, "", nil
			}
			if err != nil {
				return nil, "", err
			}
			return v, string(v.State), nil
		},
	}
	_, err := conf.WaitForState(ctx)
	if err != nil {
		return fmt.Errorf("waiting for VPC (%s) to become available: %w", id, err)
	}
	return nil
}

func (o *op) ensureInternetGateway(ctx context.Context, vpcID string) (string, error) {
	conn := o.c.EC2
	id := o.rec.get().InternetGatewayID
	if id != "" {
		igw, err := tfec2.FindInternetGatewayByID(ctx, conn, id)
		switch {
		case retry.NotFound(err):
			id = ""
		case err != nil:
			return "", err
		default:
			attached := false
			for _, a := range igw.Attachments {
				if aws.ToString(a.VpcId) == vpcID {
					attached = true
				}
			}
			if attached {
				return id, nil
			}
		}
	}
	if id == "" {
		igw, err := tfec2.CreateOnce(ctx, "internet gateway", func(ctx context.Context, opts ...func(*ec2.Options)) (*ec2types.InternetGateway, error) {
			out, err := conn.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{
				TagSpecifications: tfec2.TagSpecifications(o.spec.tagsFor(CompInternetGateway), ec2types.ResourceTypeInternetGateway),
			}, opts...)
			if err != nil {
				return nil, err
			}
			return out.InternetGateway, nil
		}, func(ctx context.Context) (*ec2types.InternetGateway, error) {
			igws, err := tfec2.FindInternetGateways(ctx, conn, o.componentFilters(CompInternetGateway)...)
			if err != nil {
				return nil, err
			}
			return retry.SingleResult(igws, "the deployment's internet gateway")
		})
		if err != nil {
			return "", fmt.Errorf("creating internet gateway: %w", err)
		}
		id = aws.ToString(igw.InternetGatewayId)
		o.rec.set(func(s *State) { s.InternetGatewayID = id })
	}
	_, err := conn.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpcID)})
	if errs.IsCode(err, "Resource.AlreadyAssociated") {
		// Attached by an earlier try whose answer was lost?
		if igw, ferr := tfec2.FindInternetGatewayByID(ctx, conn, id); ferr == nil && igwAttached(igw, vpcID) {
			err = nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("attaching internet gateway (%s) to %s: %w", id, vpcID, err)
	}
	return id, nil
}

// componentFilters select the EC2 objects of one of the deployment's
// components by their tags.
func (o *op) componentFilters(component string) []ec2types.Filter {
	return []ec2types.Filter{tfec2.TagFilter(TagDeployment, o.spec.Name), tfec2.TagFilter(TagComponent, component)}
}

// ensureSubnets keeps two public subnets in two availability zones, the
// first in a zone that offers the instance type, recreating any that
// disappeared.
func (o *op) ensureSubnets(ctx context.Context, vpcID string) ([]string, error) {
	existing := map[string]ec2types.Subnet{} // by zone
	if ids := o.rec.get().SubnetIDs; len(ids) > 0 {
		subs, err := tfec2.FindSubnetsByVPCID(ctx, o.c.EC2, vpcID)
		if err != nil {
			return nil, err
		}
		for _, sn := range subs {
			if slices.Contains(ids, aws.ToString(sn.SubnetId)) {
				existing[aws.ToString(sn.AvailabilityZone)] = sn
				o.known.setSubnetZone(aws.ToString(sn.SubnetId), aws.ToString(sn.AvailabilityZone))
			}
		}
	}
	zones, err := o.subnetZones(ctx, existing)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, az := range zones {
		if sn, ok := existing[az]; ok {
			used[aws.ToString(sn.CidrBlock)] = true
		}
	}
	var ids []string
	next := 0
	for _, az := range zones {
		if sn, ok := existing[az]; ok {
			ids = append(ids, aws.ToString(sn.SubnetId))
			if !aws.ToBool(sn.MapPublicIpOnLaunch) {
				if err := o.mapPublicIPs(ctx, aws.ToString(sn.SubnetId)); err != nil {
					return nil, err
				}
			}
			continue
		}
		var cidr string
		for ; cidr == "" || used[cidr]; next++ {
			if cidr, err = subnetCIDR(o.spec.VPCCIDR, next); err != nil {
				return nil, err
			}
		}
		used[cidr] = true
		id, err := o.createSubnet(ctx, vpcID, cidr, az)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	o.rec.set(func(s *State) { s.SubnetIDs = ids })
	return ids, nil
}

// subnetZones picks the two zones of a dedicated VPC's subnets: the zones of
// subnets that still exist (moving them would strand the instance, the
// mount targets and the load balancer's interfaces), then zones that offer
// the instance type, then the others.
func (o *op) subnetZones(ctx context.Context, existing map[string]ec2types.Subnet) ([]string, error) {
	zones, err := tfec2.FindAvailabilityZones(ctx, o.c.EC2)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, z := range zones {
		if z.State == ec2types.AvailabilityZoneStateAvailable && aws.ToString(z.ZoneType) == "availability-zone" {
			names = append(names, aws.ToString(z.ZoneName))
		}
	}
	sort.Strings(names)
	if len(names) < 2 {
		return nil, fmt.Errorf("region %s offers fewer than two availability zones", o.spec.Region)
	}
	offering, err := o.zonesOffering(ctx)
	if err != nil {
		return nil, err
	}
	if len(offering) == 0 {
		return nil, notOfferedError(o.spec.InstanceType, o.spec.Region, "", nil, "")
	}
	var kept []string
	for _, id := range o.rec.get().SubnetIDs {
		for az, sn := range existing {
			if aws.ToString(sn.SubnetId) == id && slices.Contains(names, az) {
				kept = append(kept, az)
			}
		}
	}
	rest := slices.DeleteFunc(names, func(z string) bool { return slices.Contains(kept, z) })
	return append(kept, zonesForSubnets(rest, offering)...)[:2], nil
}

// createSubnet creates a public subnet and records it.
func (o *op) createSubnet(ctx context.Context, vpcID, cidr, az string) (string, error) {
	sn, err := tfec2.CreateOnce(ctx, "subnet", func(ctx context.Context, opts ...func(*ec2.Options)) (*ec2types.Subnet, error) {
		out, err := o.c.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{
			VpcId:             aws.String(vpcID),
			CidrBlock:         aws.String(cidr),
			AvailabilityZone:  aws.String(az),
			TagSpecifications: tfec2.TagSpecifications(o.spec.tagsFor(CompSubnet), ec2types.ResourceTypeSubnet),
		}, opts...)
		if err != nil {
			return nil, err
		}
		return out.Subnet, nil
	}, func(ctx context.Context) (*ec2types.Subnet, error) {
		subs, err := tfec2.FindSubnets(ctx, o.c.EC2, ec2types.Filter{Name: aws.String("vpc-id"), Values: []string{vpcID}},
			ec2types.Filter{Name: aws.String("cidr-block"), Values: []string{cidr}})
		if err != nil {
			return nil, err
		}
		return retry.SingleResult(subs, "subnet "+cidr)
	})
	if err != nil {
		return "", fmt.Errorf("creating subnet %s in %s: %w", cidr, az, err)
	}
	id := aws.ToString(sn.SubnetId)
	o.rec.set(func(s *State) { s.SubnetIDs = appendUnique(s.SubnetIDs, id) })
	o.known.setSubnetZone(id, az)
	return id, o.mapPublicIPs(ctx, id)
}

// mapPublicIPs makes a subnet give its instances public addresses.
func (o *op) mapPublicIPs(ctx context.Context, id string) error {
	_, err := o.c.EC2.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{
		SubnetId:            aws.String(id),
		MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("enabling public IPs on subnet (%s): %w", id, err)
	}
	return nil
}

// subnetCIDR carves the i-th public subnet out of the VPC range: /24s for a
// /16-/22 VPC, quarters of smaller ones.
func subnetCIDR(vpcCIDR string, i int) (string, error) {
	_, n, err := net.ParseCIDR(vpcCIDR)
	if err != nil {
		return "", err
	}
	ones, _ := n.Mask.Size()
	size := max(ones+2, 24)
	base := binary.BigEndian.Uint32(n.IP.To4())
	base += uint32(i) << (32 - size)
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, base)
	return fmt.Sprintf("%s/%d", ip, size), nil
}

func (o *op) ensureRouteTable(ctx context.Context, vpcID, igwID string, subnets []string) error {
	conn := o.c.EC2
	id := o.rec.get().RouteTableID
	var rt *ec2types.RouteTable
	if id != "" {
		found, err := tfec2.FindRouteTableByID(ctx, conn, id)
		switch {
		case retry.NotFound(err):
			id = ""
		case err != nil:
			return err
		default:
			rt = found
		}
	}
	if id == "" {
		created, err := tfec2.CreateOnce(ctx, "route table", func(ctx context.Context, opts ...func(*ec2.Options)) (*ec2types.RouteTable, error) {
			out, err := conn.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{
				VpcId:             aws.String(vpcID),
				TagSpecifications: tfec2.TagSpecifications(o.spec.tagsFor(CompRouteTable), ec2types.ResourceTypeRouteTable),
			}, opts...)
			if err != nil {
				return nil, err
			}
			return out.RouteTable, nil
		}, func(ctx context.Context) (*ec2types.RouteTable, error) {
			rts, err := tfec2.FindRouteTables(ctx, conn, append(o.componentFilters(CompRouteTable), ec2types.Filter{Name: aws.String("vpc-id"), Values: []string{vpcID}})...)
			if err != nil {
				return nil, err
			}
			return retry.SingleResult(rts, "the deployment's route table")
		})
		if err != nil {
			return fmt.Errorf("creating route table: %w", err)
		}
		id = aws.ToString(created.RouteTableId)
		rt = created
		o.rec.set(func(s *State) { s.RouteTableID, s.RouteTableAssociationIDs = id, nil })
	}
	switch route := internetRoute(rt); {
	case route == nil:
		_, err := conn.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(id), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igwID)})
		if errs.IsCode(err, "RouteAlreadyExists") {
			// Added by an earlier try whose answer was lost?
			if now, ferr := tfec2.FindRouteTableByID(ctx, conn, id); ferr == nil {
				if r := internetRoute(now); r != nil && aws.ToString(r.GatewayId) == igwID {
					err = nil
				}
			}
		}
		if err != nil {
			return fmt.Errorf("adding the internet route to route table (%s): %w", id, err)
		}
	case aws.ToString(route.GatewayId) != igwID || route.State == ec2types.RouteStateBlackhole:
		// A route elsewhere (or to a gateway that is gone) replaced ours.
		if _, err := conn.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(id), DestinationCidrBlock: aws.String("0.0.0.0/0")}); err != nil && !errs.IsCode(err, "InvalidRoute.NotFound") {
			return fmt.Errorf("removing the stale internet route of route table (%s): %w", id, err)
		}
		if _, err := conn.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(id), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igwID)}); err != nil {
			return fmt.Errorf("restoring the internet route of route table (%s): %w", id, err)
		}
	}
	return o.associateSubnets(ctx, rt, id, subnets)
}

// associateSubnets associates each subnet with the route table id (rt as
// read or created), keeping the associations that exist, and records them.
func (o *op) associateSubnets(ctx context.Context, rt *ec2types.RouteTable, id string, subnets []string) error {
	associated := map[string]string{}
	for _, a := range rt.Associations {
		associated[aws.ToString(a.SubnetId)] = aws.ToString(a.RouteTableAssociationId)
	}
	var assocs []string
	for _, sn := range subnets {
		if a, ok := associated[sn]; ok {
			assocs = append(assocs, a)
			continue
		}
		assoc, err := o.associate(ctx, id, sn)
		if err != nil {
			return err
		}
		assocs = append(assocs, assoc)
		o.rec.set(func(s *State) { s.RouteTableAssociationIDs = appendUnique(s.RouteTableAssociationIDs, assoc) })
	}
	o.rec.set(func(s *State) { s.RouteTableAssociationIDs = assocs })
	return nil
}

// associate associates a subnet with the route table; an association an
// earlier try made (its answer lost) is found and kept.
func (o *op) associate(ctx context.Context, rtID, subnetID string) (string, error) {
	out, err := o.c.EC2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rtID), SubnetId: aws.String(subnetID)})
	if err == nil {
		return aws.ToString(out.AssociationId), nil
	}
	if errs.IsCode(err, "Resource.AlreadyAssociated") {
		if rt, ferr := tfec2.FindRouteTableByID(ctx, o.c.EC2, rtID); ferr == nil {
			for _, a := range rt.Associations {
				if aws.ToString(a.SubnetId) == subnetID {
					return aws.ToString(a.RouteTableAssociationId), nil
				}
			}
		}
	}
	return "", fmt.Errorf("associating route table (%s) with subnet %s: %w", rtID, subnetID, err)
}

// zonesForSubnets orders a region's zones for a dedicated VPC's two subnets:
// those offering the instance type first, so that the instance can run in
// the first subnet; the second subnet only has to exist for the load balancer.
func zonesForSubnets(zones, offering []string) []string {
	var first, rest []string
	for _, z := range zones {
		if slices.Contains(offering, z) {
			first = append(first, z)
		} else {
			rest = append(rest, z)
		}
	}
	return append(first, rest...)
}

func (o *op) deleteNetwork(ctx context.Context) error {
	st := o.rec.get()
	conn := o.c.EC2
	// Something the deployment did not create in its VPC (an instance
	// launched into a subnet) blocks these deletes for good: name it.
	blocked := func(object string) tfec2.DependencyCheck {
		return o.blockerCheck(object, o.networkBlockers(st.VPCID))
	}
	if st.RouteTableID != "" {
		if err := tfec2.DeleteRouteTable(ctx, conn, st.RouteTableID, o.remaining(ctx), blocked("route table "+st.RouteTableID)); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.RouteTableID, s.RouteTableAssociationIDs = "", nil })
	}
	if st.InternetGatewayID != "" {
		if err := tfec2.DeleteInternetGateway(ctx, conn, st.InternetGatewayID, st.VPCID, o.remaining(ctx), blocked("internet gateway "+st.InternetGatewayID)); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.InternetGatewayID = "" })
	}
	for _, sn := range st.SubnetIDs {
		if err := tfec2.DeleteSubnet(ctx, conn, sn, o.remaining(ctx), blocked("subnet "+sn)); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.SubnetIDs = remove(s.SubnetIDs, sn) })
	}
	for _, sn := range st.ExtraSubnetIDs {
		if err := tfec2.DeleteSubnet(ctx, conn, sn, o.remaining(ctx), blocked("subnet "+sn)); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.ExtraSubnetIDs = remove(s.ExtraSubnetIDs, sn) })
	}
	if st.VPCID != "" {
		if err := tfec2.DeleteVPC(ctx, conn, st.VPCID, o.remaining(ctx), blocked("vpc "+st.VPCID)); err != nil {
			return err
		}
	}
	o.rec.set(func(s *State) { s.NetworkState = NetworkState{} })
	return nil
}

// refreshNetwork reads a dedicated VPC with two calls: its route tables (a
// VPC always has its main one, so none means the VPC is gone; the
// deployment's table, its routes and associations; an active default route
// to the internet gateway shows the gateway attached) and its subnets. The
// gateway is read on its own only when its route is not active. The drift
// checks (public addresses of the subnets, the internet route, the
// associations, the gateway's attachment) use these answers.
func (o *op) refreshNetwork(ctx context.Context) error {
	st := o.rec.get()
	if !st.OwnedNetwork {
		return o.refreshUserNetwork(ctx)
	}
	conn := o.c.EC2
	tables, err := tfec2.FindRouteTablesByVPCID(ctx, conn, st.VPCID)
	if err != nil {
		return err
	}
	if len(tables) == 0 {
		o.rec.set(func(s *State) { s.NetworkState.forget() })
		return nil
	}
	subs, err := tfec2.FindSubnetsByVPCID(ctx, conn, st.VPCID)
	if err != nil && !gone(err) {
		return err
	}
	if o.seen != nil {
		o.seen.routeTables, o.seen.subnets = tables, subs
	}
	keep := existingSubnets(st.SubnetIDs, subs)
	o.rec.set(func(s *State) { s.SubnetIDs = keep })
	for _, sn := range subs {
		if slices.Contains(keep, aws.ToString(sn.SubnetId)) && !aws.ToBool(sn.MapPublicIpOnLaunch) {
			o.drifted(DriftNetwork, "subnet %s no longer gives instances a public address", aws.ToString(sn.SubnetId))
		}
	}
	var table *ec2types.RouteTable
	for i := range tables {
		if aws.ToString(tables[i].RouteTableId) == st.RouteTableID {
			table = &tables[i]
		}
	}
	switch {
	case st.RouteTableID == "":
	case table == nil:
		o.rec.set(func(s *State) { s.RouteTableID, s.RouteTableAssociationIDs = "", nil })
	default:
		switch route := internetRoute(table); {
		case route != nil && aws.ToString(route.GatewayId) == st.InternetGatewayID && route.State != ec2types.RouteStateBlackhole:
		case route == nil && st.InternetGatewayID != "":
			o.drifted(DriftNetwork, "route table %s has no route to the internet (0.0.0.0/0 via %s)", st.RouteTableID, st.InternetGatewayID)
		case route != nil && aws.ToString(route.GatewayId) != st.InternetGatewayID:
			o.drifted(DriftNetwork, "route table %s sends 0.0.0.0/0 to %s instead of %s", st.RouteTableID, routeTarget(route), st.InternetGatewayID)
		}
		associated := map[string]bool{}
		for _, a := range table.Associations {
			associated[aws.ToString(a.SubnetId)] = true
		}
		for _, id := range keep {
			if !associated[id] {
				o.drifted(DriftNetwork, "subnet %s is no longer associated with route table %s", id, st.RouteTableID)
			}
		}
	}
	// An active route through the gateway proves it there and attached.
	if igw := st.InternetGatewayID; igw != "" && !routesThrough(tables, igw) {
		gw, err := tfec2.FindInternetGatewayByID(ctx, conn, igw)
		switch {
		case gone(err):
			o.rec.set(func(s *State) { s.InternetGatewayID = "" })
		case err != nil:
			return err
		case !igwAttached(gw, st.VPCID):
			o.drifted(DriftNetwork, "internet gateway %s is detached from %s", igw, st.VPCID)
		}
	}
	return nil
}

// existingSubnets keeps the recorded subnets that still exist, in order.
func existingSubnets(recorded []string, subs []ec2types.Subnet) []string {
	var keep []string
	for _, id := range recorded {
		for _, sn := range subs {
			if aws.ToString(sn.SubnetId) == id {
				keep = append(keep, id)
			}
		}
	}
	return keep
}

// routesThrough reports whether an active route goes through gateway: the
// gateway exists and is attached to the VPC (a detached or deleted one
// leaves its routes blackholed).
func routesThrough(tables []ec2types.RouteTable, gateway string) bool {
	for _, t := range tables {
		for _, r := range t.Routes {
			if aws.ToString(r.GatewayId) == gateway && r.State == ec2types.RouteStateActive {
				return true
			}
		}
	}
	return false
}

// refreshUserNetwork checks that the user's VPC and subnets still exist:
// the subnets of the VPC (a VPC holding them exists; only when none are
// left is the VPC itself looked up).
func (o *op) refreshUserNetwork(ctx context.Context) error {
	st := o.rec.get()
	conn := o.c.EC2
	subs, err := tfec2.FindSubnetsByVPCID(ctx, conn, st.VPCID)
	if err != nil && !gone(err) {
		return err
	}
	if len(subs) == 0 {
		if _, err := tfec2.FindVPCByID(ctx, conn, st.VPCID); gone(err) {
			o.rec.set(func(s *State) { s.NetworkState.forget() })
			return nil
		} else if err != nil {
			return err
		}
	}
	if o.seen != nil {
		o.seen.subnets = subs
	}
	if len(st.SubnetIDs) > 0 {
		o.rec.set(func(s *State) { s.SubnetIDs = existingSubnets(st.SubnetIDs, subs) })
	}
	if st.InternetGatewayID != "" {
		if _, err := tfec2.FindInternetGatewayByID(ctx, conn, st.InternetGatewayID); gone(err) {
			o.rec.set(func(s *State) { s.InternetGatewayID = "" })
		} else if err != nil {
			return err
		}
	}
	if st.RouteTableID != "" {
		if _, err := tfec2.FindRouteTableByID(ctx, conn, st.RouteTableID); gone(err) {
			o.rec.set(func(s *State) { s.RouteTableID, s.RouteTableAssociationIDs = "", nil })
		} else if err != nil {
			return err
		}
	}
	return nil
}

// internetRoute is a route table's 0.0.0.0/0 route, or nil.
func internetRoute(rt *ec2types.RouteTable) *ec2types.Route {
	for i, r := range rt.Routes {
		if aws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" {
			return &rt.Routes[i]
		}
	}
	return nil
}

func routeTarget(r *ec2types.Route) string {
	for _, t := range []*string{r.GatewayId, r.NatGatewayId, r.NetworkInterfaceId, r.TransitGatewayId, r.VpcPeeringConnectionId, r.InstanceId} {
		if aws.ToString(t) != "" {
			return aws.ToString(t)
		}
	}
	return "another target"
}

func igwAttached(igw *ec2types.InternetGateway, vpcID string) bool {
	for _, a := range igw.Attachments {
		if aws.ToString(a.VpcId) == vpcID {
			return true
		}
	}
	return false
}

// discoverNetwork finds the VPC: one the deployment owns carries its
// component tag (the GeuseMaker CLI also tagged VPCs it was given with
// geusemaker:deployment, and those are not the deployment's to delete);
// otherwise it is the instance's.
func (d *discovery) discoverNetwork(ctx context.Context) error {
	name := d.spec.Name
	vpcs, err := tfec2.FindVPCs(ctx, d.c.EC2, tfec2.TagFilter(TagDeployment, name), tfec2.TagFilter(TagComponent, CompVPC))
	if err != nil {
		return fmt.Errorf("finding the deployment's VPC: %w", err)
	}
	switch {
	case len(vpcs) > 0:
		d.st.OwnedNetwork, d.st.VPCID, d.spec.VPCCIDR = true, aws.ToString(vpcs[0].VpcId), aws.ToString(vpcs[0].CidrBlock)
		return discoverOwnedNetwork(ctx, d.c.EC2, name, d.st)
	case d.inst != nil:
		d.st.VPCID = aws.ToString(d.inst.VpcId)
		d.spec.VPCID = d.st.VPCID
		return nil
	}
	return d.notFoundError()
}

// discoverOwnedNetwork finds the subnets, internet gateway and route table
// of a VPC the deployment owns by their component tags.
func discoverOwnedNetwork(ctx context.Context, conn *ec2.Client, name string, st *State) error {
	tagged := func(component string) []ec2types.Filter {
		return []ec2types.Filter{tfec2.TagFilter(TagDeployment, name), tfec2.TagFilter(TagComponent, component)}
	}
	subs, err := tfec2.FindSubnets(ctx, conn, tfec2.TagFilter(TagDeployment, name))
	if err != nil {
		return fmt.Errorf("finding the deployment's subnets: %w", err)
	}
	sort.Slice(subs, func(i, j int) bool {
		a, b := subs[i], subs[j]
		if aws.ToString(a.AvailabilityZone) != aws.ToString(b.AvailabilityZone) {
			return aws.ToString(a.AvailabilityZone) < aws.ToString(b.AvailabilityZone)
		}
		return aws.ToString(a.SubnetId) < aws.ToString(b.SubnetId)
	})
	for _, sn := range subs {
		switch tagMap(sn.Tags)[TagComponent] {
		case CompSubnet:
			st.SubnetIDs = append(st.SubnetIDs, aws.ToString(sn.SubnetId))
		case CompPrivateSubnet:
			st.ExtraSubnetIDs = append(st.ExtraSubnetIDs, aws.ToString(sn.SubnetId))
		}
	}
	igws, err := tfec2.FindInternetGateways(ctx, conn, tagged(CompInternetGateway)...)
	if err != nil {
		return fmt.Errorf("finding the deployment's internet gateway: %w", err)
	}
	if len(igws) > 0 {
		st.InternetGatewayID = aws.ToString(igws[0].InternetGatewayId)
	}
	rts, err := tfec2.FindRouteTables(ctx, conn, tagged(CompRouteTable)...)
	if err != nil {
		return fmt.Errorf("finding the deployment's route table: %w", err)
	}
	if len(rts) > 0 {
		st.RouteTableID = aws.ToString(rts[0].RouteTableId)
		for _, a := range rts[0].Associations {
			if id := aws.ToString(a.RouteTableAssociationId); id != "" && !aws.ToBool(a.Main) {
				st.RouteTableAssociationIDs = append(st.RouteTableAssociationIDs, id)
			}
		}
	}
	return nil
}

// adoptNetwork records a dedicated VPC (and its parts) that a create made
// but did not record.
func (o *op) adoptNetwork(ctx context.Context) error {
	st := o.rec.get()
	if o.spec.VPCID != "" || (st.VPCID != "" && !st.OwnedNetwork) {
		return nil
	}
	vpcs, err := tfec2.FindVPCs(ctx, o.c.EC2, tfec2.TagFilter(TagDeployment, o.spec.Name))
	if err != nil || len(vpcs) == 0 {
		return err
	}
	found := &State{NetworkState: NetworkState{VPCID: aws.ToString(vpcs[0].VpcId), OwnedNetwork: true}}
	if err := discoverOwnedNetwork(ctx, o.c.EC2, o.spec.Name, found); err != nil {
		return err
	}
	o.rec.set(func(s *State) {
		if s.VPCID == "" {
			s.VPCID, s.OwnedNetwork = found.VPCID, true
		}
		for _, sn := range found.SubnetIDs {
			s.SubnetIDs = appendUnique(s.SubnetIDs, sn)
		}
		if s.InternetGatewayID == "" {
			s.InternetGatewayID = found.InternetGatewayID
		}
		if s.RouteTableID == "" {
			s.RouteTableID = found.RouteTableID
		}
	})
	return nil
}

// retagNetwork moves the network's tags from old's to the spec's; a VPC the
// user gave keeps its tags, and its subnets too.
func (o *op) retagNetwork(ctx context.Context, old *Spec, st *State) error {
	if st.OwnedNetwork {
		if err := o.retagEC2(ctx, old, CompVPC, st.VPCID); err != nil {
			return err
		}
		if err := o.retagEC2(ctx, old, CompSubnet, st.SubnetIDs...); err != nil {
			return err
		}
	}
	if err := o.retagEC2(ctx, old, CompInternetGateway, st.InternetGatewayID); err != nil {
		return err
	}
	return o.retagEC2(ctx, old, CompRouteTable, st.RouteTableID)
}
