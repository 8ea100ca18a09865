package elbv2

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// DeleteLoadBalancer deletes a load balancer (its listeners and rules go
// with it), waits until it is gone, then waits through ec2conn until EC2 has
// released its network interfaces, which otherwise block deleting its
// subnets and security groups. A load balancer that does not exist is
// success.
func DeleteLoadBalancer(ctx context.Context, conn *elasticloadbalancingv2.Client, ec2conn *ec2.Client, arn string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	_, err := conn.DeleteLoadBalancer(ctx, &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)})
	if notFound(err, errCodeLoadBalancerNotFound) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("deleting ELBv2 Load Balancer (%s): %w", arn, err)
	}
	// The interfaces' release counts from the delete's answer: the release
	// began no later, so the poll at its expected end does not come before
	// it (counted from before the call, a slow answer put that poll a
	// moment early, and one more poll followed).
	began := retry.Now(ctx)
	if err := WaitLoadBalancerDeleted(ctx, conn, arn, time.Until(deadline)); err != nil && !retry.NotFound(err) {
		return err
	}
	return waitInterfacesReleased(ctx, ec2conn, arn, began, time.Until(deadline))
}
