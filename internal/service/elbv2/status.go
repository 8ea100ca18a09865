package elbv2

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awstypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// StatusLoadBalancer reports a load balancer's state code; a missing load
// balancer is a nil result.
func StatusLoadBalancer(conn *elasticloadbalancingv2.Client, arn string) retry.Refresh[awstypes.LoadBalancer] {
	return retry.StatusOf(func(ctx context.Context) (*awstypes.LoadBalancer, error) {
		return FindLoadBalancerByARN(ctx, conn, arn)
	},
		func(lb *awstypes.LoadBalancer) string {
			if lb.State == nil {
				return ""
			}
			return string(lb.State.Code)
		})
}

// StatusTargetHealth reports the health state of one instance target; a
// missing target group is a nil result.
func StatusTargetHealth(conn *elasticloadbalancingv2.Client, tgARN, instanceID string) retry.Refresh[awstypes.TargetHealthDescription] {
	return func(ctx context.Context) (*awstypes.TargetHealthDescription, string, error) {
		descs, err := FindTargetHealth(ctx, conn, tgARN)
		if retry.NotFound(err) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		for i := range descs {
			d := &descs[i]
			if d.Target != nil && d.Target.Id != nil && *d.Target.Id == instanceID && d.TargetHealth != nil {
				return d, string(d.TargetHealth.State), nil
			}
		}
		// Not registered: ask about it explicitly to get its state.
		descs, err = FindTargetHealth(ctx, conn, tgARN, awstypes.TargetDescription{Id: &instanceID})
		if retry.NotFound(err) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		if len(descs) == 0 || descs[0].TargetHealth == nil {
			return nil, "", nil
		}
		return &descs[0], string(descs[0].TargetHealth.State), nil
	}
}
