package elbv2

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// DeleteTargetGroup deletes a target group, retrying while it is still in
// use by a listener or rule (a load balancer being deleted releases it a
// moment later). A target group that does not exist is success.
func DeleteTargetGroup(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string, timeout time.Duration) error {
	_, err := retry.WhenCode(ctx, timeout, func(ctx context.Context) (*elasticloadbalancingv2.DeleteTargetGroupOutput, error) {
		return conn.DeleteTargetGroup(ctx, &elasticloadbalancingv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)})
	}, errCodeResourceInUse)
	if notFound(err, errCodeTargetGroupNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting ELBv2 Target Group (%s): %w", arn, err)
	}
	return nil
}
