// Package elbv2 wraps the aws-sdk-go-v2 Elastic Load Balancing v2 client in
// the find/status/wait style of terraform-provider-aws: finders map the
// service's not-found errors to retry.NotFoundError, waiters poll fast first
// and settle at 10 s, deletes treat NotFound as success and ride out
// ResourceInUse. Callers import it as tfelbv2.
package elbv2

import "time"

// Load balancer states.
const (
	LoadBalancerStateProvisioning   = "provisioning"
	LoadBalancerStateActive         = "active"
	LoadBalancerStateActiveImpaired = "active_impaired"
	LoadBalancerStateFailed         = "failed"
)

// Target health states.
const (
	TargetHealthStateInitial     = "initial"
	TargetHealthStateHealthy     = "healthy"
	TargetHealthStateUnhealthy   = "unhealthy"
	TargetHealthStateUnused      = "unused"
	TargetHealthStateDraining    = "draining"
	TargetHealthStateUnavailable = "unavailable"
)

const (
	pollMin = 500 * time.Millisecond
	pollMax = 10 * time.Second
)

// Error codes the wrappers react to.
const (
	errCodeLoadBalancerNotFound = "LoadBalancerNotFound"
	errCodeTargetGroupNotFound  = "TargetGroupNotFound"
	errCodeListenerNotFound     = "ListenerNotFound"
	errCodeRuleNotFound         = "RuleNotFound"
	errCodeSSLPolicyNotFound    = "SSLPolicyNotFound"
	errCodeResourceInUse        = "ResourceInUse"
)
