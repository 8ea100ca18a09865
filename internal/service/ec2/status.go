package ec2

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// StatusInstance reads an instance's state name. Terminated instances are
// reported as "terminated" (not as gone) so that waiters can target that
// state; an instance EC2 no longer knows gives (nil, "", nil).
func StatusInstance(conn *ec2.Client, id string) retry.Refresh[types.Instance] {
	return retry.StatusOf(func(ctx context.Context) (*types.Instance, error) { return findInstance(ctx, conn, id) },
		func(inst *types.Instance) string {
			if inst.State == nil {
				return ""
			}
			return string(inst.State.Name)
		})
}

// networkInterfacesPresent is the state of a set of interfaces being released.
type networkInterfaces struct {
	items []types.NetworkInterface
}

// statusNetworkInterfaces reports "present" while any interface matches
// filters, and (nil, "", nil) once none does.
func statusNetworkInterfaces(conn *ec2.Client, filters []types.Filter) retry.Refresh[networkInterfaces] {
	return func(ctx context.Context) (*networkInterfaces, string, error) {
		items, err := FindNetworkInterfaces(ctx, conn, filters)
		if err != nil {
			return nil, "", err
		}
		if len(items) == 0 {
			return nil, "", nil
		}
		return &networkInterfaces{items: items}, "present", nil
	}
}
