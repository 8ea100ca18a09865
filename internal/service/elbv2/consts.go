// Package elbv2 wraps the aws-sdk-go-v2 Elastic Load Balancing v2 client in
// the find/status/wait style of terraform-provider-aws: finders map the
// service's not-found errors to retry.NotFoundError, waiters poll on
// schedules that know how long each change takes, deletes treat NotFound as
// success and ride out ResourceInUse. Callers import it as tfelbv2.
package elbv2

import (
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

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

// What load balancer changes take, for the waiters' poll schedules (see
// retry.Schedule).
var (
	// ActiveSchedule: an Application Load Balancer provisions in about
	// three minutes.
	ActiveSchedule = retry.Schedule{Expected: 3 * time.Minute, First: time.Minute}
	// deletedSchedule: a deleted load balancer is gone at once.
	deletedSchedule = retry.Schedule{Expected: time.Second, Immediate: true}
	// InterfacesReleasedSchedule: EC2 releases a deleted load balancer's
	// network interfaces about 90 s later.
	InterfacesReleasedSchedule = retry.Schedule{Expected: 90 * time.Second}
	// HealthySchedule: a target whose instance has just booted passes the
	// health checks the group asks for (HealthyThresholdCount ×
	// HealthCheckIntervalSeconds, 2 × 15 s here) half a minute later; see
	// HealthyAfter.
	HealthySchedule = retry.Schedule{Expected: 30 * time.Second}
)

// HealthyAfter is the schedule of a target's health wait for a group whose
// checks run every interval and need threshold successes, counted from when
// the instance serves.
func HealthyAfter(interval, threshold int32) retry.Schedule {
	return retry.Schedule{Expected: time.Duration(interval*threshold) * time.Second}
}

// Error codes the wrappers react to.
const (
	errCodeLoadBalancerNotFound = "LoadBalancerNotFound"
	errCodeTargetGroupNotFound  = "TargetGroupNotFound"
	errCodeListenerNotFound     = "ListenerNotFound"
	errCodeRuleNotFound         = "RuleNotFound"
	errCodeSSLPolicyNotFound    = "SSLPolicyNotFound"
	errCodeResourceInUse        = "ResourceInUse"
)
