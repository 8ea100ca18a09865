package elbv2

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awstypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// WaitLoadBalancerActive waits until a load balancer is active. A load
// balancer that ends up failed is an error carrying its State.Reason.
// progress, when set, is called after every poll with the state seen.
func WaitLoadBalancerActive(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string, timeout time.Duration, progress func(state string, elapsed time.Duration)) (*awstypes.LoadBalancer, error) {
	conf := retry.StateChangeConf[awstypes.LoadBalancer]{
		Pending:  []string{LoadBalancerStateProvisioning},
		Target:   []string{LoadBalancerStateActive},
		Refresh:  StatusLoadBalancer(conn, arn),
		Timeout:  timeout,
		Schedule: &ActiveSchedule,
		OnPoll:   progress,
	}
	lb, err := conf.WaitForState(ctx)
	var ue *retry.UnexpectedStateError
	if errors.As(err, &ue) && lb != nil && lb.State != nil && lb.State.Reason != nil {
		ue.LastError = errors.New(aws.ToString(lb.State.Reason))
	}
	if err != nil {
		return lb, fmt.Errorf("waiting for ELBv2 Load Balancer (%s) to become active: %w", arn, err)
	}
	return lb, nil
}

// WaitLoadBalancerDeleted waits until a load balancer is gone.
func WaitLoadBalancerDeleted(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string, timeout time.Duration) error {
	conf := retry.StateChangeConf[awstypes.LoadBalancer]{
		Pending:  []string{LoadBalancerStateProvisioning, LoadBalancerStateActive, LoadBalancerStateActiveImpaired, LoadBalancerStateFailed},
		Refresh:  StatusLoadBalancer(conn, arn),
		Timeout:  timeout,
		Schedule: &deletedSchedule,
	}
	if _, err := conf.WaitForState(ctx); err != nil {
		return fmt.Errorf("waiting for ELBv2 Load Balancer (%s) delete: %w", arn, err)
	}
	return nil
}

// InterfaceDescription is the description EC2 shows on the network
// interfaces of an Application Load Balancer: "ELB app/<name>/<id>".
func InterfaceDescription(lbARN string) (string, error) {
	_, rest, ok := strings.Cut(lbARN, ":loadbalancer/")
	if !ok || strings.Count(rest, "/") != 2 {
		return "", fmt.Errorf("%q is not a load balancer ARN", lbARN)
	}
	return "ELB " + rest, nil
}

// WaitLoadBalancerInterfacesDeleted waits until EC2 has released the network
// interfaces of a deleted load balancer; until then they keep its subnets
// and security groups from being deleted.
func WaitLoadBalancerInterfacesDeleted(ctx context.Context, ec2conn *ec2.Client, lbARN string, timeout time.Duration) error {
	return waitInterfacesReleased(ctx, ec2conn, lbARN, time.Time{}, timeout)
}

// waitInterfacesReleased waits for the release that began at began (zero:
// now), when the load balancer was deleted.
func waitInterfacesReleased(ctx context.Context, ec2conn *ec2.Client, lbARN string, began time.Time, timeout time.Duration) error {
	desc, err := InterfaceDescription(lbARN)
	if err != nil {
		return err
	}
	conf := retry.StateChangeConf[[]ec2types.NetworkInterface]{
		Pending: []string{"in-use"},
		Refresh: func(ctx context.Context) (*[]ec2types.NetworkInterface, string, error) {
			var enis []ec2types.NetworkInterface
			pages := ec2.NewDescribeNetworkInterfacesPaginator(ec2conn, &ec2.DescribeNetworkInterfacesInput{
				Filters: []ec2types.Filter{{Name: aws.String("description"), Values: []string{desc}}},
			})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					return nil, "", err
				}
				enis = append(enis, page.NetworkInterfaces...)
			}
			if len(enis) == 0 {
				return nil, "", nil
			}
			return &enis, "in-use", nil
		},
		Timeout:  timeout,
		Schedule: &InterfacesReleasedSchedule,
		Began:    began,
	}
	if _, err := conf.WaitForState(ctx); err != nil {
		return fmt.Errorf("waiting for the network interfaces of ELBv2 Load Balancer (%s) to be released: %w", lbARN, err)
	}
	return nil
}

// WaitTargetHealthy waits until an instance target of a target group is
// healthy. initial and unhealthy are waited out (a target fails its checks
// while its instance boots); any other state, or the timeout, is an error
// that lists each target's state, reason and description.
func WaitTargetHealthy(ctx context.Context, conn *elasticloadbalancingv2.Client, tgARN, instanceID string, timeout time.Duration, progress func(state string, elapsed time.Duration)) (*awstypes.TargetHealthDescription, error) {
	return WaitTargetHealthyOn(ctx, conn, tgARN, instanceID, timeout, HealthySchedule, time.Time{}, progress)
}

// WaitTargetHealthyOn is WaitTargetHealthy on a schedule that counts from
// serving, when the instance began to serve (see HealthyAfter; zero: now).
func WaitTargetHealthyOn(ctx context.Context, conn *elasticloadbalancingv2.Client, tgARN, instanceID string, timeout time.Duration, sched retry.Schedule, serving time.Time, progress func(state string, elapsed time.Duration)) (*awstypes.TargetHealthDescription, error) {
	conf := retry.StateChangeConf[awstypes.TargetHealthDescription]{
		Pending:  []string{TargetHealthStateInitial, TargetHealthStateUnhealthy},
		Target:   []string{TargetHealthStateHealthy},
		Refresh:  StatusTargetHealth(conn, tgARN, instanceID),
		Timeout:  timeout,
		Schedule: &sched,
		Began:    serving,
		OnPoll:   progress,
	}
	d, err := conf.WaitForState(ctx)
	if err == nil {
		return d, nil
	}
	if ctx.Err() != nil {
		return d, fmt.Errorf("waiting for target %s of ELBv2 Target Group (%s) to become healthy: %w", instanceID, tgARN, err)
	}
	return d, fmt.Errorf("waiting for target %s of ELBv2 Target Group (%s) to become healthy: %w; targets: %s",
		instanceID, tgARN, err, describeTargets(ctx, conn, tgARN, instanceID))
}

// describeTargets renders every target's health for an error message.
func describeTargets(ctx context.Context, conn *elasticloadbalancingv2.Client, tgARN, instanceID string) string {
	descs, err := FindTargetHealth(ctx, conn, tgARN)
	if err != nil {
		return "(unavailable: " + err.Error() + ")"
	}
	if len(descs) == 0 {
		descs, err = FindTargetHealth(ctx, conn, tgARN, awstypes.TargetDescription{Id: aws.String(instanceID)})
		if err != nil || len(descs) == 0 {
			return "(none registered)"
		}
	}
	parts := make([]string, 0, len(descs))
	for _, d := range descs {
		id, port := "?", int32(0)
		if d.Target != nil {
			id, port = aws.ToString(d.Target.Id), aws.ToInt32(d.Target.Port)
		}
		s := fmt.Sprintf("%s:%d", id, port)
		if h := d.TargetHealth; h != nil {
			s += " " + string(h.State)
			if h.Reason != "" || h.Description != nil {
				s += fmt.Sprintf(" (%s: %s)", h.Reason, aws.ToString(h.Description))
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
