package deployment

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
)

// notOfferedError explains that no usable zone offers the instance type:
// where says which zones were usable, zones where it is offered instead.
func notOfferedError(instanceType, region, where string, zones []string, hint string) *FieldError {
	if len(zones) == 0 {
		return &FieldError{Path: "instance_type", Summary: "Instance type not offered in this region",
			Detail: fmt.Sprintf("EC2 offers %s in none of the availability zones of %s. Choose another instance type or another region.", instanceType, region)}
	}
	return &FieldError{Path: "instance_type", Summary: "Instance type not offered where the instance would run",
		Detail: fmt.Sprintf("EC2 does not offer %s in %s; it does in %s. %s", instanceType, where, strings.Join(zones, ", "), hint)}
}

// Hints for an instance type missing from the zones at hand.
const (
	hintSubnets = "Choose another instance type, or give subnet_ids a subnet in one of those zones."
	hintInPlace = "Choose another instance type: a type change is made in place, and the instance stays in its zone."
)

// CheckInstanceTypeOffered verifies at plan time that the instance type can
// be launched in any zone of the region, or in one of subnetZones (the zones
// of the user's subnets), or in instanceZone where an existing instance
// changes type in place.
func CheckInstanceTypeOffered(ctx context.Context, c *Clients, instanceType string, subnetZones []string, instanceZone string) error {
	region := c.Region
	offered, err := c.Catalog.ZonesOffering(ctx, c.EC2, instanceType)
	if err != nil {
		return err
	}
	switch {
	case len(offered) == 0:
		return notOfferedError(instanceType, region, "", nil, "")
	case instanceZone != "":
		if !slices.Contains(offered, instanceZone) {
			return notOfferedError(instanceType, region, instanceZone+", the instance's zone", offered, hintInPlace)
		}
	case len(subnetZones) > 0:
		if !slices.ContainsFunc(subnetZones, func(z string) bool { return slices.Contains(offered, z) }) {
			return notOfferedError(instanceType, region, "the zones of subnet_ids ("+strings.Join(subnetZones, ", ")+")", offered, hintSubnets)
		}
	}
	return nil
}

// SubnetZones returns the zones of subnets, in their order.
func SubnetZones(ctx context.Context, conn *ec2.Client, ids []string) ([]string, error) {
	subnets, err := tfec2.FindSubnetsByIDs(ctx, conn, ids)
	if err != nil {
		return nil, err
	}
	var zones []string
	for _, id := range ids {
		for _, sn := range subnets {
			if aws.ToString(sn.SubnetId) == id {
				zones = append(zones, aws.ToString(sn.AvailabilityZone))
			}
		}
	}
	return zones, nil
}
