package deployment

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfefs "github.com/geusemaker/terraform-provider-geusemaker/internal/service/efs"
)

// StorageState is the file system's part of the record.
type StorageState struct {
	EFSID          string
	MountTargetIDs []string
	// MountTargetIPs maps availability zone → mount target address.
	MountTargetIPs map[string]string
}

func (s *StorageState) ids(add func(kind, id string)) {
	for _, m := range s.MountTargetIDs {
		add("mount target", m)
	}
	add("file system", s.EFSID)
}

// forget drops the file system and its mount targets, which go with it.
func (s *StorageState) forget() { *s = StorageState{} }

// creationToken makes CreateFileSystem idempotent under SDK retries, and
// unique per create so a deleted deployment's token never collides.
func (o *op) creationToken() string {
	return o.spec.creationToken() + "-" + o.rec.get().Nonce
}

// ensureFileSystem keeps an encrypted file system for the stack's data.
func (o *op) ensureFileSystem(ctx context.Context) error {
	conn := o.c.EFS
	id := o.rec.get().EFSID
	var fs *efstypes.FileSystemDescription
	if id != "" {
		found, err := tfefs.FindFileSystemByID(ctx, conn, id)
		switch {
		case retry.NotFound(err):
			id = ""
			o.rec.set(func(s *State) { s.StorageState.forget() })
		case err != nil:
			return err
		default:
			fs = found
		}
	}
	if id == "" {
		created, err := tfefs.CreateFileSystem(ctx, conn, &efs.CreateFileSystemInput{
			CreationToken:   aws.String(o.creationToken()),
			Encrypted:       aws.Bool(true),
			PerformanceMode: efstypes.PerformanceMode(o.spec.EFS.PerformanceMode),
			ThroughputMode:  efstypes.ThroughputMode(o.spec.EFS.ThroughputMode),
			Tags:            tfefs.Tags(o.spec.tagsFor(CompFileSystem)),
		})
		if err != nil {
			return fmt.Errorf("creating EFS file system: %w", err)
		}
		id = aws.ToString(created.FileSystemId)
		fs = created
		o.rec.set(func(s *State) { s.EFSID = id })
	}
	if fs.LifeCycleState != efstypes.LifeCycleStateAvailable {
		if _, err := tfefs.WaitFileSystemAvailable(ctx, conn, id, o.remaining(ctx)); err != nil {
			return err
		}
	}
	if want := efstypes.ThroughputMode(o.spec.EFS.ThroughputMode); fs.ThroughputMode != want && want != "" {
		if _, err := conn.UpdateFileSystem(ctx, &efs.UpdateFileSystemInput{FileSystemId: aws.String(id), ThroughputMode: want}); err != nil {
			return fmt.Errorf("changing the throughput mode of file system (%s): %w", id, err)
		}
	}
	return nil
}

// ensureMountTargets puts one mount target in each subnet's availability
// zone, guarded by the EFS security group. It records each target and its
// address as soon as it is created, without waiting for it to be available:
// the instance can launch meanwhile, and its boot script retries the mount.
func (o *op) ensureMountTargets(ctx context.Context) error {
	conn := o.c.EFS
	st := o.rec.get()
	subnets, err := tfec2.FindSubnetsByIDs(ctx, o.c.EC2, st.SubnetIDs)
	if err != nil {
		return err
	}
	existing, err := tfefs.FindMountTargetsByFileSystemID(ctx, conn, st.EFSID)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	byAZ := map[string]efstypes.MountTargetDescription{}
	for _, mt := range existing {
		if mt.LifeCycleState == efstypes.LifeCycleStateDeleting || mt.LifeCycleState == efstypes.LifeCycleStateDeleted {
			continue
		}
		byAZ[aws.ToString(mt.AvailabilityZoneName)] = mt
	}
	ids := []string{}
	ips := map[string]string{}
	for _, sn := range subnets {
		az := aws.ToString(sn.AvailabilityZone)
		if _, done := ips[az]; done {
			continue
		}
		mt, ok := byAZ[az]
		if ok {
			if err := o.reconcileMountTargetGroups(ctx, aws.ToString(mt.MountTargetId), st.EFSSecurityGroupID); err != nil {
				return err
			}
		} else {
			created, err := tfefs.CreateMountTarget(ctx, conn, &efs.CreateMountTargetInput{
				FileSystemId: aws.String(st.EFSID), SubnetId: sn.SubnetId, SecurityGroups: []string{st.EFSSecurityGroupID},
			}, az)
			if err != nil {
				return fmt.Errorf("creating EFS mount target in %s: %w", az, err)
			}
			mt = *created
		}
		ids = append(ids, aws.ToString(mt.MountTargetId))
		ips[az] = aws.ToString(mt.IpAddress)
		o.rec.set(func(s *State) {
			s.MountTargetIDs = appendUnique(s.MountTargetIDs, aws.ToString(mt.MountTargetId))
			if s.MountTargetIPs == nil {
				s.MountTargetIPs = map[string]string{}
			}
			s.MountTargetIPs[az] = aws.ToString(mt.IpAddress)
		})
	}
	o.rec.set(func(s *State) { s.MountTargetIDs, s.MountTargetIPs = ids, ips })
	return nil
}

func (o *op) reconcileMountTargetGroups(ctx context.Context, mtID, group string) error {
	out, err := o.c.EFS.DescribeMountTargetSecurityGroups(ctx, &efs.DescribeMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID)})
	if err != nil {
		return fmt.Errorf("reading security groups of mount target (%s): %w", mtID, err)
	}
	if slices.Equal(out.SecurityGroups, []string{group}) {
		return nil
	}
	_, err = o.c.EFS.ModifyMountTargetSecurityGroups(ctx, &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID), SecurityGroups: []string{group}})
	if err != nil {
		return fmt.Errorf("setting the security group of mount target (%s): %w", mtID, err)
	}
	return nil
}

// waitMountTargets waits until every mount target is available.
func (o *op) waitMountTargets(ctx context.Context) error {
	for _, id := range o.rec.get().MountTargetIDs {
		start := time.Now()
		if _, err := tfefs.WaitMountTargetAvailable(ctx, o.c.EFS, id, o.remaining(ctx)); err != nil {
			return err
		}
		info(ctx, "EFS mount target available", map[string]any{"mount_target_id": id, "wait_s": round1(time.Since(start).Seconds())})
	}
	return nil
}
