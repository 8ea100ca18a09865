package ec2

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// isProfilePropagation reports whether err is EC2 not seeing an instance
// profile yet: InvalidParameterValue about the IAM instance profile, which a
// freshly created (or freshly role-attached) profile causes for a while.
// Other InvalidParameterValue errors are real mistakes and are not retried.
func isProfilePropagation(err error) bool {
	if !errs.IsCode(err, ErrCodeInvalidParameterValue) {
		return false
	}
	msg := errs.Message(err)
	return strings.Contains(msg, "IAM Instance Profile") || strings.Contains(msg, "iamInstanceProfile") ||
		strings.Contains(msg, "has no associated IAM Roles")
}

// RunInstance launches one instance (MinCount = MaxCount = 1), retrying for
// up to propagationTimeout while EC2 does not see the IAM instance profile
// yet. A ClientToken is set when the input has none, so that the SDK's own
// retries cannot launch twice.
func RunInstance(ctx context.Context, conn *ec2.Client, input *ec2.RunInstancesInput, propagationTimeout time.Duration) (*types.Instance, error) {
	in := *input
	in.MinCount, in.MaxCount = aws.Int32(1), aws.Int32(1)
	if in.ClientToken == nil {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		in.ClientToken = aws.String(hex.EncodeToString(b))
	}
	out, err := retry.Until(ctx, propagationTimeout, retry.DefaultBackoff, func(ctx context.Context) (*ec2.RunInstancesOutput, error) {
		return conn.RunInstances(ctx, &in)
	}, isProfilePropagation)
	if err != nil {
		return nil, fmt.Errorf("running EC2 instance: %w", err)
	}
	if len(out.Instances) == 0 {
		return nil, fmt.Errorf("running EC2 instance: no instance in reservation %s", aws.ToString(out.ReservationId))
	}
	return &out.Instances[0], nil
}

// TerminateInstance terminates an instance and waits until it is terminated.
// An instance that does not exist counts as terminated.
func TerminateInstance(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, progress ...ProgressFunc) error {
	_, err := conn.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if errs.IsCode(err, ErrCodeInvalidInstanceIDNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("terminating EC2 instance (%s): %w", id, err)
	}
	if _, err := WaitInstanceTerminated(ctx, conn, id, timeout, progress...); err != nil {
		return fmt.Errorf("waiting for EC2 instance (%s) to terminate: %w", id, err)
	}
	return nil
}

// StopInstance stops an instance and waits until it is stopped.
func StopInstance(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, progress ...ProgressFunc) error {
	if _, err := conn.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		return fmt.Errorf("stopping EC2 instance (%s): %w", id, err)
	}
	if _, err := WaitInstanceStopped(ctx, conn, id, timeout, progress...); err != nil {
		return fmt.Errorf("waiting for EC2 instance (%s) to stop: %w", id, err)
	}
	return nil
}

// StartInstance starts an instance and waits until it is running.
func StartInstance(ctx context.Context, conn *ec2.Client, id string, timeout time.Duration, progress ...ProgressFunc) (*types.Instance, error) {
	if _, err := conn.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		return nil, fmt.Errorf("starting EC2 instance (%s): %w", id, err)
	}
	inst, err := WaitInstanceRunning(ctx, conn, id, timeout, progress...)
	if err != nil {
		return nil, fmt.Errorf("waiting for EC2 instance (%s) to start: %w", id, err)
	}
	return inst, nil
}

// ChangeInstanceType changes an instance's type the only way EC2 allows:
// stop, wait until stopped, modify, start, wait until running. timeout
// bounds each wait. An instance already of that type is left alone.
func ChangeInstanceType(ctx context.Context, conn *ec2.Client, id, newType string, timeout time.Duration, progress ...ProgressFunc) (*types.Instance, error) {
	inst, err := FindInstanceByID(ctx, conn, id)
	if err != nil {
		return nil, fmt.Errorf("reading EC2 instance (%s): %w", id, err)
	}
	if string(inst.InstanceType) == newType {
		return inst, nil
	}
	if inst.State == nil || inst.State.Name != types.InstanceStateNameStopped {
		if inst.State != nil && inst.State.Name == types.InstanceStateNamePending {
			if _, err := WaitInstanceRunning(ctx, conn, id, timeout, progress...); err != nil {
				return nil, fmt.Errorf("waiting for EC2 instance (%s) to run before stopping it: %w", id, err)
			}
		}
		if err := StopInstance(ctx, conn, id, timeout, progress...); err != nil {
			return nil, err
		}
	}
	if _, err := conn.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		InstanceType: &types.AttributeValue{Value: aws.String(newType)}}); err != nil {
		return nil, fmt.Errorf("changing EC2 instance (%s) type to %s: %w", id, newType, err)
	}
	return StartInstance(ctx, conn, id, timeout, progress...)
}

// ConsoleOutput returns an instance's serial console output, decoded; "" while
// the console has nothing yet.
func ConsoleOutput(ctx context.Context, conn *ec2.Client, id string) (string, error) {
	out, _, err := ConsoleOutputAt(ctx, conn, id)
	return out, err
}

// ConsoleOutputAt is ConsoleOutput with the time the output was last
// written (zero when EC2 does not say).
func ConsoleOutputAt(ctx context.Context, conn *ec2.Client, id string) (string, time.Time, error) {
	out, err := conn.GetConsoleOutput(ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(id), Latest: aws.Bool(true)})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("reading console output of EC2 instance (%s): %w", id, err)
	}
	if out.Output == nil {
		return "", time.Time{}, nil
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("decoding console output of EC2 instance (%s): %w", id, err)
	}
	return string(raw), aws.ToTime(out.Timestamp), nil
}
