package emutest

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// UserNetwork is a VPC the user brings: public subnets in distinct zones
// with a route to an internet gateway.
type UserNetwork struct {
	VPCID     string
	SubnetIDs []string
	ids       map[string]bool
}

// CreateUserNetwork builds a user's VPC in the emulator, outside Terraform.
func CreateUserNetwork(t testing.TB, emu *awsemu.Emulator, zones ...string) *UserNetwork {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn := ec2.NewFromConfig(Config(emu, ""))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	n := &UserNetwork{ids: map[string]bool{}}
	vpc, err := conn.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("172.31.0.0/16")})
	must(err)
	n.VPCID = aws.ToString(vpc.Vpc.VpcId)
	igw, err := conn.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must(err)
	igwID := aws.ToString(igw.InternetGateway.InternetGatewayId)
	_, err = conn.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(n.VPCID)})
	must(err)
	rt, err := conn.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(n.VPCID)})
	must(err)
	rtID := aws.ToString(rt.RouteTable.RouteTableId)
	_, err = conn.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(rtID), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igwID)})
	must(err)
	for i, z := range zones {
		sn, err := conn.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(n.VPCID), AvailabilityZone: aws.String(z), CidrBlock: aws.String(fmt.Sprintf("172.31.%d.0/24", 16*i))})
		must(err)
		id := aws.ToString(sn.Subnet.SubnetId)
		_, err = conn.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rtID), SubnetId: aws.String(id)})
		must(err)
		n.SubnetIDs = append(n.SubnetIDs, id)
		n.ids[id] = true
	}
	for _, id := range []string{n.VPCID, igwID, rtID} {
		n.ids[id] = true
	}
	return n
}

// CheckOnlyUserNetworkLeft is the destroy check of a deployment into a
// user's VPC: the user's network is untouched and nothing else is left.
func (n *UserNetwork) CheckOnlyUserNetworkLeft(emu *awsemu.Emulator) func(*terraform.State) error {
	return func(*terraform.State) error {
		var left, missing []string
		seen := map[string]bool{}
		for _, r := range emu.Inventory() {
			if n.ids[r.ID] {
				seen[r.ID] = true
				continue
			}
			left = append(left, r.Service+" "+r.Type+" "+r.ID)
		}
		for id := range n.ids {
			if !seen[id] {
				missing = append(missing, id)
			}
		}
		sort.Strings(left)
		sort.Strings(missing)
		if len(left) > 0 || len(missing) > 0 {
			return fmt.Errorf("after destroy: left behind %v; the user's network lost %v", left, missing)
		}
		return nil
	}
}

// Subnets renders the subnet ids as an HCL list.
func (n *UserNetwork) Subnets() string {
	s := "["
	for i, id := range n.SubnetIDs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", id)
	}
	return s + "]"
}
