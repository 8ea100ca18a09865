package ec2

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// What EC2 changes typically take, for the waiters' poll schedules (see
// retry.Schedule): each wait polls densely around its expected end.
var (
	// RunningSchedule: most instance types run 20 s after launch or start.
	RunningSchedule = retry.Schedule{Expected: 20 * time.Second}
	// GPURunningSchedule: GPU instances, with their larger images, take
	// about 45 s.
	GPURunningSchedule = retry.Schedule{Expected: 45 * time.Second}
	// StoppedSchedule: a stop takes about 30 s.
	StoppedSchedule = retry.Schedule{Expected: 30 * time.Second}
	// TerminatedSchedule: a termination takes about 45 s.
	TerminatedSchedule = retry.Schedule{Expected: 45 * time.Second}
	// VPCAvailableSchedule: a new VPC is available within a second.
	VPCAvailableSchedule = retry.Schedule{Expected: time.Second}
	// InterfacesReleasedSchedule: the interfaces of a deleted load balancer
	// or mount target are released about 90 s after the delete.
	InterfacesReleasedSchedule = retry.Schedule{Expected: 90 * time.Second}
)

// ProgressFunc is told the state seen at each poll and the time waited so far.
type ProgressFunc func(state string, elapsed time.Duration)

func onPoll(progress []ProgressFunc) func(string, time.Duration) {
	if len(progress) == 0 {
		return nil
	}
	return func(state string, elapsed time.Duration) {
		for _, p := range progress {
			if p != nil {
				p(state, elapsed)
			}
		}
	}
}

// withStateReason adds the instance's StateReason to a wait error, which is
// what explains an instance that went to stopped or terminated on its own.
func withStateReason(inst *types.Instance, err error) error {
	if err == nil || inst == nil || inst.StateReason == nil || aws.ToString(inst.StateReason.Message) == "" {
		return err
	}
	return fmt.Errorf("%w (state reason: %s)", err, aws.ToString(inst.StateReason.Message))
}

func waitInstance(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, sched retry.Schedule, pending, target []string, progress []ProgressFunc) (*types.Instance, error) {
	conf := retry.StateChangeConf[types.Instance]{
		Pending: pending, Target: target, Refresh: StatusInstance(conn, id), Timeout: timeout,
		Schedule: &sched, OnPoll: onPoll(progress),
	}
	inst, err := conf.WaitForState(ctx)
	return inst, withStateReason(inst, err)
}

// WaitInstanceRunning waits until the instance is running; stopping,
// stopped or terminated on the way is an error carrying the state reason.
func WaitInstanceRunning(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, progress ...ProgressFunc) (*types.Instance, error) {
	return WaitInstanceRunningOn(ctx, conn, id, timeout, RunningSchedule, progress...)
}

// WaitInstanceRunningOn is WaitInstanceRunning with the poll schedule of
// the instance's kind (GPURunningSchedule for GPU types).
func WaitInstanceRunningOn(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, sched retry.Schedule, progress ...ProgressFunc) (*types.Instance, error) {
	return waitInstance(ctx, conn, id, timeout, sched, []string{"pending"}, []string{"running"}, progress)
}

// WaitInstanceStopped waits until the instance is stopped.
func WaitInstanceStopped(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, progress ...ProgressFunc) (*types.Instance, error) {
	return waitInstance(ctx, conn, id, timeout, StoppedSchedule, []string{"pending", "running", "stopping"}, []string{"stopped"}, progress)
}

// WaitInstanceTerminated waits until the instance is terminated (or purged).
func WaitInstanceTerminated(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, progress ...ProgressFunc) (*types.Instance, error) {
	refresh := StatusInstance(conn, id)
	conf := retry.StateChangeConf[types.Instance]{
		Pending: []string{"pending", "running", "shutting-down", "stopping", "stopped"}, Target: []string{"terminated"},
		Refresh: func(ctx context.Context) (*types.Instance, string, error) {
			inst, state, err := refresh(ctx)
			if err == nil && inst == nil {
				// Purged after termination: as terminated as it gets.
				return &types.Instance{InstanceId: aws.String(id), State: &types.InstanceState{Name: types.InstanceStateNameTerminated}}, "terminated", nil
			}
			return inst, state, err
		},
		Timeout: timeout, Schedule: &TerminatedSchedule, OnPoll: onPoll(progress),
	}
	inst, err := conf.WaitForState(ctx)
	return inst, withStateReason(inst, err)
}

// WaitNetworkInterfacesGone waits until no network interface matches filters,
// e.g. the interfaces of a deleted load balancer
// (description "ELB app/<name>/<id>"), which EC2 releases asynchronously and
// which block deleting their subnets and security groups until then.
func WaitNetworkInterfacesGone(ctx context.Context, conn *ec2.Client, filters []types.Filter, timeout time.Duration) error {
	conf := retry.StateChangeConf[networkInterfaces]{
		Pending: []string{"present"}, Refresh: statusNetworkInterfaces(conn, filters),
		Timeout: timeout, Schedule: &InterfacesReleasedSchedule,
	}
	_, err := conf.WaitForState(ctx)
	if err != nil {
		return fmt.Errorf("waiting for network interfaces to be released: %w", err)
	}
	return nil
}
