package deployment

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
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
	zoneOf, err := o.subnetZonesOf(ctx, st.SubnetIDs)
	if err != nil {
		return err
	}
	var existing []efstypes.MountTargetDescription
	if !o.fresh || len(st.MountTargetIDs) > 0 {
		existing, err = tfefs.FindMountTargetsByFileSystemID(ctx, conn, st.EFSID)
		if err != nil && !retry.NotFound(err) {
			return err
		}
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
	for _, subnet := range st.SubnetIDs {
		az, ok := zoneOf[subnet]
		if !ok {
			continue // gone: the network step recreates it
		}
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
				FileSystemId: aws.String(st.EFSID), SubnetId: aws.String(subnet), SecurityGroups: []string{st.EFSSecurityGroupID},
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
	groups, err := tfefs.FindMountTargetSecurityGroups(ctx, o.c.EFS, mtID)
	if err != nil {
		return err
	}
	if slices.Equal(groups, []string{group}) {
		return nil
	}
	_, err = o.c.EFS.ModifyMountTargetSecurityGroups(ctx, &efs.ModifyMountTargetSecurityGroupsInput{MountTargetId: aws.String(mtID), SecurityGroups: []string{group}})
	if err != nil {
		return fmt.Errorf("setting the security group of mount target (%s): %w", mtID, err)
	}
	return nil
}

// waitMountTargets waits until every mount target is available, reading
// them all with one call per poll.
func (o *op) waitMountTargets(ctx context.Context) error {
	st := o.rec.get()
	start := time.Now()
	if err := tfefs.WaitMountTargetsAvailable(ctx, o.c.EFS, st.EFSID, st.MountTargetIDs, o.remaining(ctx)); err != nil {
		return err
	}
	info(ctx, "EFS mount targets available", map[string]any{"mount_target_ids": st.MountTargetIDs, "wait_s": round1(time.Since(start).Seconds())})
	return nil
}

func (o *op) deleteMountTargets(ctx context.Context) error {
	st := o.rec.get()
	ids := append([]string{}, st.MountTargetIDs...)
	if st.EFSID != "" {
		found, err := tfefs.FindMountTargetsByFileSystemID(ctx, o.c.EFS, st.EFSID)
		if err != nil && !retry.NotFound(err) {
			return err
		}
		for _, mt := range found {
			ids = appendUnique(ids, *mt.MountTargetId)
		}
	}
	for _, id := range ids {
		if err := tfefs.DeleteMountTarget(ctx, o.c.EFS, id); err != nil {
			return err
		}
	}
	if st.EFSID != "" {
		if err := tfefs.WaitMountTargetsDeleted(ctx, o.c.EFS, st.EFSID, ids, o.remaining(ctx)); err != nil {
			return err
		}
	} else {
		for _, id := range ids {
			if err := tfefs.WaitMountTargetDeleted(ctx, o.c.EFS, id, o.remaining(ctx)); err != nil {
				return err
			}
		}
	}
	o.rec.set(func(s *State) { s.MountTargetIDs, s.MountTargetIPs = nil, nil })
	return nil
}

// deleteFileSystem deletes the data, unless efs.retain_on_delete keeps the
// file system (its mount targets go either way, so the network can).
func (o *op) deleteFileSystem(ctx context.Context) error {
	id := o.rec.get().EFSID
	if id == "" {
		return nil
	}
	if o.spec.EFS.RetainOnDelete {
		o.retain("efs file system " + id)
	} else if err := tfefs.DeleteFileSystem(ctx, o.c.EFS, id, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.EFSID = "" })
	return nil
}

func (o *op) refreshFileSystem(ctx context.Context) error {
	st := o.rec.get()
	fs, err := tfefs.FindFileSystemByID(ctx, o.c.EFS, st.EFSID)
	if gone(err) {
		o.rec.set(func(s *State) { s.StorageState.forget() })
		return nil
	} else if err != nil {
		return err
	}
	if want := o.spec.EFS.ThroughputMode; want != "" && string(fs.ThroughputMode) != want {
		o.drifted(DriftFileSystem, "%s has throughput mode %s, configured %s", st.EFSID, fs.ThroughputMode, want)
	}
	mts, err := tfefs.FindMountTargetsByFileSystemID(ctx, o.c.EFS, st.EFSID)
	if err != nil && !gone(err) {
		return err
	}
	if o.seen != nil {
		o.seen.fileSystem, o.seen.mountTargets = fs, mts
	}
	var ids []string
	ips := map[string]string{}
	for _, mt := range mts {
		if mt.LifeCycleState == efstypes.LifeCycleStateDeleting || mt.LifeCycleState == efstypes.LifeCycleStateDeleted {
			continue
		}
		ids = append(ids, aws.ToString(mt.MountTargetId))
		ips[aws.ToString(mt.AvailabilityZoneName)] = aws.ToString(mt.IpAddress)
	}
	o.rec.set(func(s *State) { s.MountTargetIDs, s.MountTargetIPs = ids, ips })
	return nil
}

// findFileSystemByTag returns the id of the file system tagged with the
// deployment's name ("" when there is none).
func findFileSystemByTag(ctx context.Context, c *Clients, name string) (string, error) {
	all, err := tfefs.FindFileSystems(ctx, c.EFS)
	if err != nil {
		return "", err
	}
	for _, fs := range all {
		if v, ok := tfefs.TagsMap(fs.Tags)[TagDeployment]; ok && v == name {
			return aws.ToString(fs.FileSystemId), nil
		}
	}
	return "", nil
}

// existingFileSystem is the file system tagged with the deployment's name,
// if there is one.
func existingFileSystem(ctx context.Context, c *Clients, spec *Spec) ([]string, error) {
	fs, err := findFileSystemByTag(ctx, c, spec.Name)
	if err != nil || fs == "" {
		return nil, err
	}
	return []string{"file-system " + fs}, nil
}

// discoverStorage finds the file system by its tag, its settings and mount
// targets; with the user's VPC, the mount targets' subnets are the
// deployment's.
func (d *discovery) discoverStorage(ctx context.Context) error {
	c, spec, st := d.c, d.spec, d.st
	var err error
	if st.EFSID, err = findFileSystemByTag(ctx, c, spec.Name); err != nil || st.EFSID == "" {
		return err
	}
	fs, err := tfefs.FindFileSystemByID(ctx, c.EFS, st.EFSID)
	if err != nil {
		return err
	}
	spec.EFS.PerformanceMode, spec.EFS.ThroughputMode = string(fs.PerformanceMode), string(fs.ThroughputMode)
	if nonce, ok := strings.CutPrefix(aws.ToString(fs.CreationToken), spec.creationToken()+"-"); ok {
		st.Nonce = nonce
	}
	mts, err := tfefs.FindMountTargetsByFileSystemID(ctx, c.EFS, st.EFSID)
	if err != nil && !retry.NotFound(err) {
		return err
	}
	st.MountTargetIPs = map[string]string{}
	var mtSubnets []string
	for _, mt := range mts {
		st.MountTargetIDs = append(st.MountTargetIDs, aws.ToString(mt.MountTargetId))
		st.MountTargetIPs[aws.ToString(mt.AvailabilityZoneName)] = aws.ToString(mt.IpAddress)
		mtSubnets = append(mtSubnets, aws.ToString(mt.SubnetId))
	}
	if st.EFSSecurityGroupID == "" && len(mts) > 0 {
		// An adopted CLI deployment's mount targets use the instance's group.
		groups, err := tfefs.FindMountTargetSecurityGroups(ctx, c.EFS, aws.ToString(mts[0].MountTargetId))
		if err != nil {
			return err
		}
		if d.sharedGroup(groups) {
			st.EFSSecurityGroupID = st.InstanceSecurityGroupID
		}
	}
	if !st.OwnedNetwork {
		st.SubnetIDs = orderSubnets(mtSubnets, d.inst)
		spec.SubnetIDs = st.SubnetIDs
	}
	return nil
}

// adoptFileSystem records the file system a create made but did not record,
// by its creation token.
func (o *op) adoptFileSystem(ctx context.Context) error {
	st := o.rec.get()
	if st.EFSID != "" || st.Nonce == "" {
		return nil
	}
	fs, err := tfefs.FindFileSystemByCreationToken(ctx, o.c.EFS, o.creationToken())
	if err == nil {
		o.rec.set(func(s *State) { s.EFSID = aws.ToString(fs.FileSystemId) })
	} else if !retry.NotFound(err) {
		return err
	}
	return nil
}

// retagFileSystem moves the file system's tags from old's to the spec's.
func (o *op) retagFileSystem(ctx context.Context, old *Spec, st *State) error {
	if st.EFSID == "" {
		return nil
	}
	return tfefs.UpdateTags(ctx, o.c.EFS, st.EFSID, old.tagsFor(CompFileSystem), o.spec.tagsFor(CompFileSystem))
}

// orderSubnets puts the instance's subnet first, as the deployment does.
func orderSubnets(subnets []string, inst *ec2types.Instance) []string {
	out := slices.Clone(subnets)
	sort.Strings(out)
	if inst != nil {
		if i := slices.Index(out, aws.ToString(inst.SubnetId)); i > 0 {
			out = append([]string{out[i]}, append(out[:i:i], out[i+1:]...)...)
		}
	}
	return out
}

// collectFileSystems lists the deployments' file systems, for List.
func (l *listing) collectFileSystems(ctx context.Context, c *Clients) error {
	all, err := tfefs.FindFileSystems(ctx, c.EFS)
	if err != nil {
		return err
	}
	l.fileSystems = map[string]time.Time{}
	for _, fs := range all {
		if fs.LifeCycleState == efstypes.LifeCycleStateDeleting || fs.LifeCycleState == efstypes.LifeCycleStateDeleted {
			continue
		}
		if name, ok := tfefs.TagsMap(fs.Tags)[TagDeployment]; ok {
			l.fileSystems[name] = aws.ToTime(fs.CreationTime)
		}
	}
	return nil
}
