package efs

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	awstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
)

// mountTargetLocks serialises CreateMountTarget per file system and
// Availability Zone, as terraform-provider-aws does: parallel requests for
// the same AZ could otherwise both appear to create the one mount target
// EFS allows there.
var mountTargetLocks sync.Map // "efs-mt-<fs>-<az>" → *sync.Mutex

func lockMountTarget(fsID, az string) func() {
	m, _ := mountTargetLocks.LoadOrStore("efs-mt-"+fsID+"-"+az, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// CreateMountTarget creates a mount target in a subnet of availabilityZone
// (the subnet's AZ, used to serialise creates; the subnet id is used when it
// is empty). If the file system already has a live mount target in that
// subnet (a retried create), that one is returned instead of the
// MountTargetConflict error.
func CreateMountTarget(ctx context.Context, conn *efs.Client, in *efs.CreateMountTargetInput, availabilityZone string) (*awstypes.MountTargetDescription, error) {
	fsID, subnetID := aws.ToString(in.FileSystemId), aws.ToString(in.SubnetId)
	key := availabilityZone
	if key == "" {
		key = subnetID
	}
	defer lockMountTarget(fsID, key)()

	out, err := conn.CreateMountTarget(ctx, in)
	if errs.IsA[*awstypes.MountTargetConflict](err) {
		existing, findErr := FindMountTargetsByFileSystemID(ctx, conn, fsID)
		if findErr == nil {
			for _, mt := range existing {
				if aws.ToString(mt.SubnetId) == subnetID && string(mt.LifeCycleState) != stateDeleting {
					return &mt, nil
				}
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("creating EFS mount target (%s) in subnet (%s): %w", fsID, subnetID, err)
	}
	return &awstypes.MountTargetDescription{
		FileSystemId: out.FileSystemId, LifeCycleState: out.LifeCycleState, MountTargetId: out.MountTargetId, SubnetId: out.SubnetId,
		AvailabilityZoneId: out.AvailabilityZoneId, AvailabilityZoneName: out.AvailabilityZoneName, IpAddress: out.IpAddress,
		Ipv6Address: out.Ipv6Address, NetworkInterfaceId: out.NetworkInterfaceId, OwnerId: out.OwnerId, VpcId: out.VpcId,
	}, nil
}

// DeleteMountTarget starts deleting a mount target (one still being created
// is deleted too; deleting one twice changes nothing). A missing mount target
// is success. Use WaitMountTargetDeleted to wait for the deletion to finish:
// until then its network interface still blocks the subnet and security
// groups.
func DeleteMountTarget(ctx context.Context, conn *efs.Client, id string) error {
	_, err := conn.DeleteMountTarget(ctx, &efs.DeleteMountTargetInput{MountTargetId: aws.String(id)})
	if errs.IsA[*awstypes.MountTargetNotFound](err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting EFS mount target (%s): %w", id, err)
	}
	return nil
}
