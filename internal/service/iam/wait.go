package iam

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	awstypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// WaitInstanceProfileReady waits until the instance profile is readable and
// holds roleName (IAM is eventually consistent: a profile just created or a
// role just added may not be visible to every reader yet).
func WaitInstanceProfileReady(ctx context.Context, conn *iam.Client, name, roleName string, timeout time.Duration) (*awstypes.InstanceProfile, error) {
	conf := retry.StateChangeConf[awstypes.InstanceProfile]{
		Pending: []string{instanceProfileStatePending},
		Target:  []string{instanceProfileStateReady},
		Refresh: StatusInstanceProfile(conn, name, roleName),
		Timeout: timeout,
		MinPoll: instanceProfileWaitMinPoll,
		MaxPoll: instanceProfileWaitMaxPoll,
	}
	return conf.WaitForState(ctx)
}
