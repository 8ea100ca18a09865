package ec2

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

var errEmpty = errors.New("empty result")

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

// TagFilter matches resources carrying the tag key=value.
func TagFilter(key, value string) types.Filter {
	return filter("tag:"+key, value)
}

// FindVPCByID returns a VPC, or a retry.NotFoundError.
func FindVPCByID(ctx context.Context, conn *ec2.Client, id string) (*types.Vpc, error) {
	out, err := conn.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	if errs.IsCode(err, ErrCodeInvalidVPCIDNotFound) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, err
	}
	return retry.SingleResult(out.Vpcs, "EC2 VPC ("+id+")")
}

// FindVPCs lists the VPCs matching filters (all pages).
func FindVPCs(ctx context.Context, conn *ec2.Client, filters ...types.Filter) ([]types.Vpc, error) {
	var out []types.Vpc
	p := ec2.NewDescribeVpcsPaginator(conn, &ec2.DescribeVpcsInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing EC2 VPCs: %w", err)
		}
		out = append(out, page.Vpcs...)
	}
	return out, nil
}

// FindSubnetByID returns a subnet, or a retry.NotFoundError.
func FindSubnetByID(ctx context.Context, conn *ec2.Client, id string) (*types.Subnet, error) {
	subnets, err := FindSubnetsByIDs(ctx, conn, []string{id})
	if err != nil {
		return nil, err
	}
	return &subnets[0], nil
}

// FindSubnetsByIDs returns the subnets with the given ids; if any does not
// exist it returns a retry.NotFoundError.
func FindSubnetsByIDs(ctx context.Context, conn *ec2.Client, ids []string) ([]types.Subnet, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := conn.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: ids})
	if errs.IsCode(err, ErrCodeInvalidSubnetIDNotFound) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, err
	}
	if len(out.Subnets) == 0 {
		return nil, notFound(errEmpty)
	}
	return out.Subnets, nil
}

// FindSubnetsByVPCID lists every subnet of a VPC (all pages); none is an
// empty slice, not an error.
func FindSubnetsByVPCID(ctx context.Context, conn *ec2.Client, vpcID string) ([]types.Subnet, error) {
	return FindSubnets(ctx, conn, filter("vpc-id", vpcID))
}

// FindSubnets lists the subnets matching filters (all pages).
func FindSubnets(ctx context.Context, conn *ec2.Client, filters ...types.Filter) ([]types.Subnet, error) {
	var out []types.Subnet
	p := ec2.NewDescribeSubnetsPaginator(conn, &ec2.DescribeSubnetsInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Subnets...)
	}
	return out, nil
}

// FindSecurityGroupByID returns a security group, or a retry.NotFoundError.
func FindSecurityGroupByID(ctx context.Context, conn *ec2.Client, id string) (*types.SecurityGroup, error) {
	out, err := conn.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if errs.IsCode(err, ErrCodeInvalidGroupNotFound) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, err
	}
	return retry.SingleResult(out.SecurityGroups, "EC2 Security Group ("+id+")")
}

// FindSecurityGroupsByIDs reads several security groups with one call; the
// ones that do not exist are simply missing from the result (a group-id
// filter, where GroupIds would fail the whole call on the first missing
// one).
func FindSecurityGroupsByIDs(ctx context.Context, conn *ec2.Client, ids []string) ([]types.SecurityGroup, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return FindSecurityGroups(ctx, conn, filter("group-id", ids...))
}

// FindSecurityGroups lists the security groups matching filters (all pages).
func FindSecurityGroups(ctx context.Context, conn *ec2.Client, filters ...types.Filter) ([]types.SecurityGroup, error) {
	var out []types.SecurityGroup
	p := ec2.NewDescribeSecurityGroupsPaginator(conn, &ec2.DescribeSecurityGroupsInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing EC2 Security Groups: %w", err)
		}
		out = append(out, page.SecurityGroups...)
	}
	return out, nil
}

// FindSecurityGroupRulesByGroupID lists a security group's rules, ingress
// and egress (all pages).
func FindSecurityGroupRulesByGroupID(ctx context.Context, conn *ec2.Client, groupID string) ([]types.SecurityGroupRule, error) {
	var out []types.SecurityGroupRule
	p := ec2.NewDescribeSecurityGroupRulesPaginator(conn, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", groupID)}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading rules of EC2 Security Group (%s): %w", groupID, err)
		}
		out = append(out, page.SecurityGroupRules...)
	}
	return out, nil
}

// FindSecurityGroupByNameAndVPC finds a group by name in a VPC (names are
// unique per VPC), or returns a retry.NotFoundError.
func FindSecurityGroupByNameAndVPC(ctx context.Context, conn *ec2.Client, name, vpcID string) (*types.SecurityGroup, error) {
	out, err := conn.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", name), filter("vpc-id", vpcID)}})
	if err != nil {
		return nil, err
	}
	return retry.SingleResult(out.SecurityGroups, "EC2 Security Group ("+name+" in "+vpcID+")")
}

// FindInternetGatewayByID returns an internet gateway, or a retry.NotFoundError.
func FindInternetGatewayByID(ctx context.Context, conn *ec2.Client, id string) (*types.InternetGateway, error) {
	out, err := conn.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
	if errs.IsCode(err, ErrCodeInvalidInternetGatewayIDNotFound) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, err
	}
	return retry.SingleResult(out.InternetGateways, "EC2 Internet Gateway ("+id+")")
}

// FindInternetGatewaysByVPCID lists the gateways attached to a VPC.
func FindInternetGatewaysByVPCID(ctx context.Context, conn *ec2.Client, vpcID string) ([]types.InternetGateway, error) {
	return FindInternetGateways(ctx, conn, filter("attachment.vpc-id", vpcID))
}

// FindInternetGateways lists the internet gateways matching filters (all pages).
func FindInternetGateways(ctx context.Context, conn *ec2.Client, filters ...types.Filter) ([]types.InternetGateway, error) {
	var out []types.InternetGateway
	p := ec2.NewDescribeInternetGatewaysPaginator(conn, &ec2.DescribeInternetGatewaysInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.InternetGateways...)
	}
	return out, nil
}

// FindRouteTableByID returns a route table, or a retry.NotFoundError.
func FindRouteTableByID(ctx context.Context, conn *ec2.Client, id string) (*types.RouteTable, error) {
	out, err := conn.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
	if errs.IsCode(err, ErrCodeInvalidRouteTableIDNotFound) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, err
	}
	return retry.SingleResult(out.RouteTables, "EC2 Route Table ("+id+")")
}

// FindRouteTablesByVPCID lists every route table of a VPC, the main one included.
func FindRouteTablesByVPCID(ctx context.Context, conn *ec2.Client, vpcID string) ([]types.RouteTable, error) {
	return FindRouteTables(ctx, conn, filter("vpc-id", vpcID))
}

// FindRouteTables lists the route tables matching filters (all pages).
func FindRouteTables(ctx context.Context, conn *ec2.Client, filters ...types.Filter) ([]types.RouteTable, error) {
	var out []types.RouteTable
	p := ec2.NewDescribeRouteTablesPaginator(conn, &ec2.DescribeRouteTablesInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.RouteTables...)
	}
	return out, nil
}

// findInstance returns an instance in any state, terminated included.
func findInstance(ctx context.Context, conn *ec2.Client, id string) (*types.Instance, error) {
	out, err := conn.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if errs.IsCode(err, ErrCodeInvalidInstanceIDNotFound) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, err
	}
	for _, r := range out.Reservations {
		for i := range r.Instances {
			if aws.ToString(r.Instances[i].InstanceId) == id {
				return &r.Instances[i], nil
			}
		}
	}
	return nil, notFound(errEmpty)
}

// FindInstanceByID returns an instance that is not terminated; a terminated
// or unknown one is a retry.NotFoundError.
func FindInstanceByID(ctx context.Context, conn *ec2.Client, id string) (*types.Instance, error) {
	inst, err := findInstance(ctx, conn, id)
	if err != nil {
		return nil, err
	}
	if inst.State != nil && inst.State.Name == types.InstanceStateNameTerminated {
		return nil, &retry.NotFoundError{Message: "EC2 instance " + id + " is terminated"}
	}
	return inst, nil
}

// FindInstancesByTag lists the instances carrying tag key=value that are not
// shutting down or terminated (all pages).
func FindInstancesByTag(ctx context.Context, conn *ec2.Client, key, value string) ([]types.Instance, error) {
	return FindLiveInstances(ctx, conn, TagFilter(key, value))
}

// FindLiveInstances lists the instances matching filters that are not
// shutting down or terminated (all pages).
func FindLiveInstances(ctx context.Context, conn *ec2.Client, filters ...types.Filter) ([]types.Instance, error) {
	var out []types.Instance
	filters = append(filters, filter("instance-state-name", "pending", "running", "stopping", "stopped"))
	p := ec2.NewDescribeInstancesPaginator(conn, &ec2.DescribeInstancesInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Reservations {
			out = append(out, r.Instances...)
		}
	}
	return out, nil
}

// FindTaggedResources lists every EC2 resource tagged key=value (DescribeTags,
// all pages), e.g. to find what a deployment left behind.
func FindTaggedResources(ctx context.Context, conn *ec2.Client, key, value string) ([]types.TagDescription, error) {
	return FindTags(ctx, conn, filter("key", key), filter("value", value))
}

// FindTags lists the tags matching filters (DescribeTags, all pages).
func FindTags(ctx context.Context, conn *ec2.Client, filters ...types.Filter) ([]types.TagDescription, error) {
	var out []types.TagDescription
	p := ec2.NewDescribeTagsPaginator(conn, &ec2.DescribeTagsInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Tags...)
	}
	return out, nil
}

// FindInstanceTypes describes instance types by name. An unknown type fails
// with EC2's InvalidInstanceType error.
func FindInstanceTypes(ctx context.Context, conn *ec2.Client, names ...string) (map[string]types.InstanceTypeInfo, error) {
	out := map[string]types.InstanceTypeInfo{}
	if len(names) == 0 {
		return out, nil
	}
	in := &ec2.DescribeInstanceTypesInput{}
	for _, n := range names {
		in.InstanceTypes = append(in.InstanceTypes, types.InstanceType(n))
	}
	p := ec2.NewDescribeInstanceTypesPaginator(conn, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.InstanceTypes {
			out[string(it.InstanceType)] = it
		}
	}
	return out, nil
}

// FindImageByID returns an image, or a retry.NotFoundError.
func FindImageByID(ctx context.Context, conn *ec2.Client, id string) (*types.Image, error) {
	out, err := conn.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if errs.IsCode(err, ErrCodeInvalidAMIIDNotFound) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, err
	}
	img, err := retry.SingleResult(out.Images, "EC2 AMI ("+id+")")
	if err != nil {
		return nil, err
	}
	if img.State == types.ImageStateDeregistered {
		return nil, &retry.NotFoundError{Message: "EC2 AMI " + id + " is deregistered"}
	}
	return img, nil
}

// FindVolumeByID returns an EBS volume, or a retry.NotFoundError.
func FindVolumeByID(ctx context.Context, conn *ec2.Client, id string) (*types.Volume, error) {
	out, err := conn.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
	if errs.IsCode(err, ErrCodeInvalidVolumeNotFound) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading EC2 Volume (%s): %w", id, err)
	}
	return retry.SingleResult(out.Volumes, "EC2 Volume ("+id+")")
}

// FindInstanceUserData returns an instance's user data as EC2 holds it
// (base64); "" when it has none.
func FindInstanceUserData(ctx context.Context, conn *ec2.Client, id string) (string, error) {
	out, err := conn.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: types.InstanceAttributeNameUserData})
	if errs.IsCode(err, ErrCodeInvalidInstanceIDNotFound) {
		return "", notFound(err)
	}
	if err != nil {
		return "", fmt.Errorf("reading the user data of EC2 Instance (%s): %w", id, err)
	}
	if out.UserData == nil {
		return "", nil
	}
	return aws.ToString(out.UserData.Value), nil
}

// FindManagedPrefixListByName finds a prefix list by name (for example
// com.amazonaws.global.cloudfront.origin-facing), or a retry.NotFoundError.
func FindManagedPrefixListByName(ctx context.Context, conn *ec2.Client, name string) (*types.ManagedPrefixList, error) {
	out, err := conn.DescribeManagedPrefixLists(ctx, &ec2.DescribeManagedPrefixListsInput{Filters: []types.Filter{filter("prefix-list-name", name)}})
	if err != nil {
		return nil, err
	}
	return retry.SingleResult(out.PrefixLists, "EC2 Managed Prefix List ("+name+")")
}

// FindNetworkInterfaces lists the network interfaces matching filters (all pages).
func FindNetworkInterfaces(ctx context.Context, conn *ec2.Client, filters []types.Filter) ([]types.NetworkInterface, error) {
	var out []types.NetworkInterface
	p := ec2.NewDescribeNetworkInterfacesPaginator(conn, &ec2.DescribeNetworkInterfacesInput{Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.NetworkInterfaces...)
	}
	return out, nil
}

// FindZonesOffering returns, sorted, the region's availability zones where
// the instance type can be launched (none when the region lacks it). Newer
// and GPU families are often missing from some zones, where RunInstances
// fails with Unsupported.
func FindZonesOffering(ctx context.Context, conn *ec2.Client, instanceType string) ([]string, error) {
	var zones []string
	p := ec2.NewDescribeInstanceTypeOfferingsPaginator(conn, &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: types.LocationTypeAvailabilityZone,
		Filters:      []types.Filter{filter("instance-type", instanceType)},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.InstanceTypeOfferings {
			zones = append(zones, aws.ToString(o.Location))
		}
	}
	sort.Strings(zones)
	return zones, nil
}

// FindAvailabilityZones lists the available availability zones of the region.
func FindAvailabilityZones(ctx context.Context, conn *ec2.Client) ([]types.AvailabilityZone, error) {
	out, err := conn.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{
		filter("state", "available"), filter("zone-type", "availability-zone"),
	}})
	if err != nil {
		return nil, err
	}
	return out.AvailabilityZones, nil
}

// FindKeyPairByName reads a key pair by name, or returns a
// retry.NotFoundError for InvalidKeyPair.NotFound.
func FindKeyPairByName(ctx context.Context, conn *ec2.Client, name string) (*types.KeyPairInfo, error) {
	out, err := conn.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{name}})
	if errs.IsCode(err, ErrCodeInvalidKeyPairNotFound) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading EC2 key pair (%s): %w", name, err)
	}
	return retry.SingleResult(out.KeyPairs, "EC2 key pair ("+name+")")
}

// FindCapacityInstances lists the region's instances that hold capacity,
// on-demand and Spot: pending, running or stopping (all pages).
func FindCapacityInstances(ctx context.Context, conn *ec2.Client) ([]types.Instance, error) {
	var out []types.Instance
	p := ec2.NewDescribeInstancesPaginator(conn, &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("instance-state-name", "pending", "running", "stopping")}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Reservations {
			out = append(out, r.Instances...)
		}
	}
	return out, nil
}
