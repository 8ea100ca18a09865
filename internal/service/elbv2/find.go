package elbv2

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	awstypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

func notFound(err error, codes ...string) bool {
	return errs.IsCode(err, codes...)
}

func findLoadBalancer(ctx context.Context, conn *elasticloadbalancingv2.Client, in *elasticloadbalancingv2.DescribeLoadBalancersInput, what string) (*awstypes.LoadBalancer, error) {
	out, err := conn.DescribeLoadBalancers(ctx, in)
	if notFound(err, errCodeLoadBalancerNotFound) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading ELBv2 Load Balancer (%s): %w", what, err)
	}
	return retry.SingleResult(out.LoadBalancers, "ELBv2 Load Balancer ("+what+")")
}

// FindLoadBalancerByARN reads a load balancer.
func FindLoadBalancerByARN(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string) (*awstypes.LoadBalancer, error) {
	return findLoadBalancer(ctx, conn, &elasticloadbalancingv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}, arn)
}

// FindLoadBalancerByName reads a load balancer by its name.
func FindLoadBalancerByName(ctx context.Context, conn *elasticloadbalancingv2.Client, name string) (*awstypes.LoadBalancer, error) {
	return findLoadBalancer(ctx, conn, &elasticloadbalancingv2.DescribeLoadBalancersInput{Names: []string{name}}, name)
}

func findTargetGroup(ctx context.Context, conn *elasticloadbalancingv2.Client, in *elasticloadbalancingv2.DescribeTargetGroupsInput, what string) (*awstypes.TargetGroup, error) {
	out, err := conn.DescribeTargetGroups(ctx, in)
	if notFound(err, errCodeTargetGroupNotFound) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading ELBv2 Target Group (%s): %w", what, err)
	}
	return retry.SingleResult(out.TargetGroups, "ELBv2 Target Group ("+what+")")
}

// FindTargetGroupByARN reads a target group.
func FindTargetGroupByARN(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string) (*awstypes.TargetGroup, error) {
	return findTargetGroup(ctx, conn, &elasticloadbalancingv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}}, arn)
}

// FindTargetGroupByName reads a target group by its name.
func FindTargetGroupByName(ctx context.Context, conn *elasticloadbalancingv2.Client, name string) (*awstypes.TargetGroup, error) {
	return findTargetGroup(ctx, conn, &elasticloadbalancingv2.DescribeTargetGroupsInput{Names: []string{name}}, name)
}

// FindListenersByLoadBalancer lists a load balancer's listeners.
func FindListenersByLoadBalancer(ctx context.Context, conn *elasticloadbalancingv2.Client, lbARN string) ([]awstypes.Listener, error) {
	var out []awstypes.Listener
	pages := elasticloadbalancingv2.NewDescribeListenersPaginator(conn, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: aws.String(lbARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if notFound(err, errCodeLoadBalancerNotFound) {
			return nil, &retry.NotFoundError{LastError: err}
		}
		if err != nil {
			return nil, fmt.Errorf("listing ELBv2 Listeners of (%s): %w", lbARN, err)
		}
		out = append(out, page.Listeners...)
	}
	return out, nil
}

// FindRulesByListener lists a listener's rules, the default rule last.
func FindRulesByListener(ctx context.Context, conn *elasticloadbalancingv2.Client, listenerARN string) ([]awstypes.Rule, error) {
	var out []awstypes.Rule
	in := &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(listenerARN)}
	for {
		page, err := conn.DescribeRules(ctx, in)
		if notFound(err, errCodeListenerNotFound) {
			return nil, &retry.NotFoundError{LastError: err}
		}
		if err != nil {
			return nil, fmt.Errorf("listing ELBv2 Rules of (%s): %w", listenerARN, err)
		}
		out = append(out, page.Rules...)
		if page.NextMarker == nil || aws.ToString(page.NextMarker) == "" {
			return out, nil
		}
		in.Marker = page.NextMarker
	}
}

// FindTargetHealth describes the health of a target group's targets (all
// registered ones, or those named).
func FindTargetHealth(ctx context.Context, conn *elasticloadbalancingv2.Client, tgARN string, targets ...awstypes.TargetDescription) ([]awstypes.TargetHealthDescription, error) {
	out, err := conn.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN), Targets: targets})
	if notFound(err, errCodeTargetGroupNotFound) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading ELBv2 Target Group (%s) health: %w", tgARN, err)
	}
	return out.TargetHealthDescriptions, nil
}

// FindSSLPolicy reads a predefined security policy.
func FindSSLPolicy(ctx context.Context, conn *elasticloadbalancingv2.Client, name string) (*awstypes.SslPolicy, error) {
	out, err := conn.DescribeSSLPolicies(ctx, &elasticloadbalancingv2.DescribeSSLPoliciesInput{Names: []string{name}})
	if notFound(err, errCodeSSLPolicyNotFound) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading ELBv2 SSL Policy (%s): %w", name, err)
	}
	return retry.SingleResult(out.SslPolicies, "ELBv2 SSL Policy ("+name+")")
}

// FindLoadBalancerAttributes reads a load balancer's attributes as a map.
func FindLoadBalancerAttributes(ctx context.Context, conn *elasticloadbalancingv2.Client, arn string) (map[string]string, error) {
	out, err := conn.DescribeLoadBalancerAttributes(ctx, &elasticloadbalancingv2.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn)})
	if notFound(err, errCodeLoadBalancerNotFound) {
		return nil, &retry.NotFoundError{LastError: err}
	}
	if err != nil {
		return nil, fmt.Errorf("reading attributes of ELBv2 Load Balancer (%s): %w", arn, err)
	}
	attrs := make(map[string]string, len(out.Attributes))
	for _, a := range out.Attributes {
		attrs[aws.ToString(a.Key)] = aws.ToString(a.Value)
	}
	return attrs, nil
}

// FindLoadBalancers lists every load balancer of the region (all pages).
func FindLoadBalancers(ctx context.Context, conn *elasticloadbalancingv2.Client) ([]awstypes.LoadBalancer, error) {
	var out []awstypes.LoadBalancer
	pages := elasticloadbalancingv2.NewDescribeLoadBalancersPaginator(conn, &elasticloadbalancingv2.DescribeLoadBalancersInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing ELBv2 Load Balancers: %w", err)
		}
		out = append(out, page.LoadBalancers...)
	}
	return out, nil
}

// FindTargetGroups lists every target group of the region (all pages).
func FindTargetGroups(ctx context.Context, conn *elasticloadbalancingv2.Client) ([]awstypes.TargetGroup, error) {
	var out []awstypes.TargetGroup
	pages := elasticloadbalancingv2.NewDescribeTargetGroupsPaginator(conn, &elasticloadbalancingv2.DescribeTargetGroupsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing ELBv2 Target Groups: %w", err)
		}
		out = append(out, page.TargetGroups...)
	}
	return out, nil
}
