package ec2

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// DependencyCheck is called with the attempt number each time a delete is
// refused with DependencyViolation (or InvalidGroup.InUse); an error ends
// the retries with that error (a blocker the caller will not wait for).
type DependencyCheck func(ctx context.Context, attempt int) error

// whileInUse retries call while it fails with one of codes, until timeout
// or until a check gives up.
func whileInUse[T any](ctx context.Context, timeout time.Duration, checks []DependencyCheck, call func(context.Context) (T, error), codes ...string) (T, error) {
	attempt := 0
	return retry.WhenCode(ctx, timeout, func(ctx context.Context) (T, error) {
		out, err := call(ctx)
		if errs.IsCode(err, codes...) {
			attempt++
			for _, check := range checks {
				if cerr := check(ctx, attempt); cerr != nil {
					return out, cerr
				}
			}
		}
		return out, err
	}, codes...)
}

// deleteRetrying runs a delete, retrying DependencyViolation until timeout
// (or until a check gives up) and treating the not-found codes as success.
func deleteRetrying(ctx context.Context, timeout time.Duration, what, id string, checks []DependencyCheck, del func(context.Context) error) error {
	_, err := whileInUse(ctx, timeout, checks, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, del(ctx)
	}, ErrCodeDependencyViolation)
	if err == nil || isNotFound(err) {
		return nil
	}
	return fmt.Errorf("deleting %s (%s): %w", what, id, err)
}

// DeleteSubnet deletes a subnet, retrying while interfaces (of terminating
// instances, released load balancers or mount targets) remain in it. A
// subnet that does not exist counts as deleted.
func DeleteSubnet(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, checks ...DependencyCheck) error {
	return deleteRetrying(ctx, timeout, "subnet", id, checks, func(ctx context.Context) error {
		_, err := conn.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)})
		return err
	})
}

// DeleteVPC deletes a VPC (its main route table and default group go with
// it), retrying DependencyViolation until timeout. NotFound is success.
func DeleteVPC(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, checks ...DependencyCheck) error {
	return deleteRetrying(ctx, timeout, "VPC", id, checks, func(ctx context.Context) error {
		_, err := conn.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)})
		return err
	})
}

// DeleteRouteTable removes a route table's subnet associations, then the
// table, retrying DependencyViolation until timeout. NotFound is success.
func DeleteRouteTable(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, checks ...DependencyCheck) error {
	rt, err := FindRouteTableByID(ctx, conn, id)
	if retry.NotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading route table (%s): %w", id, err)
	}
	for _, a := range rt.Associations {
		if aws.ToBool(a.Main) {
			continue
		}
		_, err := conn.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId})
		if err != nil && !isNotFound(err) {
			return fmt.Errorf("disassociating route table (%s) from %s: %w", id, aws.ToString(a.SubnetId), err)
		}
	}
	return deleteRetrying(ctx, timeout, "route table", id, checks, func(ctx context.Context) error {
		_, err := conn.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(id)})
		return err
	})
}

// DeleteInternetGateway detaches a gateway from vpcID (retrying while the
// VPC still has mapped public addresses, i.e. instances being terminated)
// and deletes it. A gateway that is gone or already detached is fine.
func DeleteInternetGateway(ctx context.Context, conn *ec2.Client, igwID, vpcID string, timeout time.Duration, checks ...DependencyCheck) error {
	if vpcID != "" {
		_, err := whileInUse(ctx, timeout, checks, func(ctx context.Context) (*ec2.DetachInternetGatewayOutput, error) {
			return conn.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igwID), VpcId: aws.String(vpcID)})
		}, ErrCodeDependencyViolation)
		switch {
		case errs.IsCode(err, ErrCodeInvalidInternetGatewayIDNotFound):
			return nil
		case err != nil && !errs.IsCode(err, ErrCodeGatewayNotAttached, ErrCodeInvalidVPCIDNotFound):
			return fmt.Errorf("detaching internet gateway (%s) from VPC (%s): %w", igwID, vpcID, err)
		}
	}
	return deleteRetrying(ctx, timeout, "internet gateway", igwID, checks, func(ctx context.Context) error {
		_, err := conn.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igwID)})
		return err
	})
}
