package iam

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awstypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// StatusInstanceProfile reports "ready" once the profile exists and holds
// roleName, "pending" while it exists without it, and nothing when it does
// not exist (yet).
func StatusInstanceProfile(conn *iam.Client, name, roleName string) retry.Refresh[awstypes.InstanceProfile] {
	return retry.StatusOf(func(ctx context.Context) (*awstypes.InstanceProfile, error) {
		return FindInstanceProfileByName(ctx, conn, name)
	},
		func(p *awstypes.InstanceProfile) string {
			if hasRole(p, roleName) {
				return instanceProfileStateReady
			}
			return instanceProfileStatePending
		})
}

func hasRole(p *awstypes.InstanceProfile, roleName string) bool {
	for _, r := range p.Roles {
		if strings.EqualFold(aws.ToString(r.RoleName), roleName) {
			return true
		}
	}
	return false
}
