package awsemu

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
)

// efsService emulates Amazon EFS for one region: file systems with
// CreationToken idempotency, throughput and performance modes, encryption,
// tags, lifecycle and backup policies, and mount targets whose network
// interfaces live in the EC2 emulator (Network interface, requester
// "amazon-elasticfilesystem").
//
// Lifecycles (all durations virtual):
//
//	file system   creating → available after efs.create_duration (10s);
//	              UpdateFileSystem: updating → available after
//	              efs.update_duration (5s);
//	              DeleteFileSystem: deleting → gone after efs.delete_duration (10s)
//	mount target  creating → available after efs.mount_target_create_duration (90s);
//	              DeleteMountTarget: deleting → gone after
//	              efs.mount_target_delete_duration (60s), when its network
//	              interface is released too.
//
// Any of the knobs can be "never" to keep the resource in its transitional
// state. Errors are EFS's modelled errors with their statuses
// (FileSystemNotFound 404, FileSystemAlreadyExists 409 with FileSystemId,
// FileSystemInUse 409 while mount targets exist, including deleting ones,
// IncorrectFileSystemLifeCycleState 409, MountTargetConflict 409,
// MountTargetNotFound 404, IncorrectMountTargetState 409, SubnetNotFound,
// SecurityGroupNotFound, SecurityGroupLimitExceeded and AvailabilityZonesMismatch
// 400, BadRequest 400,
// TooManyRequests 429 for a second throughput mode change within 24 hours).
type efsService struct {
	e      *Emulator
	region string
	fss    map[string]*efsFileSystem
	mts    map[string]*efsMountTarget
	seq    int
}

type efsFileSystem struct {
	id, arn, token     string
	seq                int
	created            time.Time
	tl                 Timeline
	performance        efstypes.PerformanceMode
	throughput         efstypes.ThroughputMode
	provisioned        float64
	encrypted          bool
	kmsKeyID           string
	azName, azID       string // One Zone file systems
	tags               map[string]string
	tagOrder           []string
	lifecycle          []efstypes.LifecyclePolicy
	backup             efstypes.Status
	lastThroughputEdit time.Time
}

type efsMountTarget struct {
	id, fsID, subnetID, vpcID string
	az, azID, ip, eni         string
	seq                       int
	tl                        Timeline
	groups                    []string
}

const (
	efsMaxSecurityGroups  = 5
	efsInitialSize        = 6144 // metadata of an empty file system, in bytes
	efsThroughputCooldown = 24 * time.Hour
)

// EFS quota codes (Service Quotas, service code elasticfilesystem).
const (
	quotaEFSFileSystems = "L-848C634D"
)

func init() {
	RegisterQuota(QuotaDef{ServiceCode: "elasticfilesystem", Code: quotaEFSFileSystems, Name: "File systems per account", Default: 1000, Adjustable: true})
}

func init() {
	Register(ServiceInfo{
		Name:         "efs",
		SigningName:  "elasticfilesystem",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/efs",
		ThrottleCode: "ThrottlingException",
	}, func(e *Emulator, region string) *efsService {
		return &efsService{e: e, region: region, fss: map[string]*efsFileSystem{}, mts: map[string]*efsMountTarget{}}
	})
}

// ---- errors

func efsErr(status int, code, format string, args ...any) *APIError {
	return ErrorfStatus(status, code, format, args...)
}

func efsBadRequest(format string, args ...any) *APIError {
	return efsErr(http.StatusBadRequest, "BadRequest", format, args...)
}

func efsFSNotFound(id string) *APIError {
	return efsErr(http.StatusNotFound, "FileSystemNotFound", "File system '%s' does not exist.", id)
}

func efsMTNotFound(id string) *APIError {
	return efsErr(http.StatusNotFound, "MountTargetNotFound", "Mount target '%s' does not exist.", id)
}

// ---- lookups and views

func (s *efsService) nextSeq() int {
	s.seq++
	return s.seq
}

func (f *efsFileSystem) state(now time.Time) efstypes.LifeCycleState {
	return efstypes.LifeCycleState(f.tl.State(now))
}

func (m *efsMountTarget) state(now time.Time) efstypes.LifeCycleState {
	return efstypes.LifeCycleState(m.tl.State(now))
}

// fs finds a file system that has not finished deleting.
func (s *efsService) fs(id string, now time.Time) (*efsFileSystem, *APIError) {
	f := s.fss[id]
	if f == nil || f.state(now) == efstypes.LifeCycleStateDeleted {
		return nil, efsFSNotFound(id)
	}
	return f, nil
}

func (s *efsService) mt(id string, now time.Time) (*efsMountTarget, *APIError) {
	m := s.mts[id]
	if m == nil || m.state(now) == efstypes.LifeCycleStateDeleted {
		return nil, efsMTNotFound(id)
	}
	return m, nil
}

// mountTargetsOf lists the mount targets of a file system that still exist
// (creating, available or deleting), in creation order.
func (s *efsService) mountTargetsOf(fsID string, now time.Time) []*efsMountTarget {
	var out []*efsMountTarget
	for _, m := range s.mts {
		if m.fsID == fsID && m.state(now) != efstypes.LifeCycleStateDeleted {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func (f *efsFileSystem) tagList() []efstypes.Tag {
	out := []efstypes.Tag{}
	for _, k := range f.tagOrder {
		out = append(out, efstypes.Tag{Key: aws.String(k), Value: aws.String(f.tags[k])})
	}
	return out
}

func (s *efsService) describe(f *efsFileSystem, now time.Time) efstypes.FileSystemDescription {
	d := efstypes.FileSystemDescription{
		FileSystemId: aws.String(f.id), FileSystemArn: aws.String(f.arn), CreationToken: aws.String(f.token),
		CreationTime: aws.Time(f.created), LifeCycleState: f.state(now), OwnerId: aws.String(AccountID),
		NumberOfMountTargets: int32(len(s.mountTargetsOf(f.id, now))), PerformanceMode: f.performance,
		ThroughputMode: f.throughput, Encrypted: aws.Bool(f.encrypted), Tags: f.tagList(),
		SizeInBytes:          &efstypes.FileSystemSize{Value: efsInitialSize, ValueInStandard: aws.Int64(efsInitialSize), ValueInIA: aws.Int64(0), ValueInArchive: aws.Int64(0)},
		FileSystemProtection: &efstypes.FileSystemProtectionDescription{ReplicationOverwriteProtection: efstypes.ReplicationOverwriteProtectionEnabled},
	}
	if f.encrypted {
		d.KmsKeyId = aws.String(f.kmsKeyID)
	}
	if name, ok := f.tags["Name"]; ok {
		d.Name = aws.String(name)
	}
	if f.throughput == efstypes.ThroughputModeProvisioned {
		d.ProvisionedThroughputInMibps = aws.Float64(f.provisioned)
	}
	if f.azName != "" {
		d.AvailabilityZoneName, d.AvailabilityZoneId = aws.String(f.azName), aws.String(f.azID)
	}
	return d
}

func (s *efsService) describeMT(m *efsMountTarget, now time.Time) efstypes.MountTargetDescription {
	return efstypes.MountTargetDescription{
		MountTargetId: aws.String(m.id), FileSystemId: aws.String(m.fsID), SubnetId: aws.String(m.subnetID),
		LifeCycleState: m.state(now), IpAddress: aws.String(m.ip), NetworkInterfaceId: aws.String(m.eni),
		AvailabilityZoneName: aws.String(m.az), AvailabilityZoneId: aws.String(m.azID), VpcId: aws.String(m.vpcID),
		OwnerId: aws.String(AccountID),
	}
}

// defaultKMSKey is the ARN of the AWS-managed aws/elasticfilesystem key.
func (s *efsService) defaultKMSKey() string {
	sum := sha256.Sum256([]byte(s.region + "/aws/elasticfilesystem"))
	h := hex.EncodeToString(sum[:16])
	return "arn:aws:kms:" + s.region + ":" + AccountID + ":key/" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *efsService) kmsKeyARN(id string) string {
	switch {
	case strings.HasPrefix(id, "arn:"):
		return id
	case strings.HasPrefix(id, "alias/"):
		if id == "alias/aws/elasticfilesystem" {
			return s.defaultKMSKey()
		}
		return "arn:aws:kms:" + s.region + ":" + AccountID + ":" + id
	}
	return "arn:aws:kms:" + s.region + ":" + AccountID + ":key/" + id
}

// applyTags validates and merges tags (at most 50, no aws: prefix).
func (f *efsFileSystem) applyTags(tags []efstypes.Tag) *APIError {
	next := map[string]string{}
	for k, v := range f.tags {
		next[k] = v
	}
	order := append([]string(nil), f.tagOrder...)
	for _, t := range tags {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		if len(k) < 1 || len(k) > 128 || len(v) > 256 {
			return efsBadRequest("Tag key or value has an invalid length: %s", k)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return efsBadRequest("Tag keys starting with 'aws:' are reserved for internal use.")
		}
		if !taggingPattern.MatchString(k) || !taggingPattern.MatchString(v) {
			return efsBadRequest("Tag key or value contains invalid characters: %s (allowed: letters, digits, spaces and _ . : / = + - @)", k)
		}
		if _, ok := next[k]; !ok {
			order = append(order, k)
		}
		next[k] = v
	}
	if len(next) > 50 {
		return efsBadRequest("The maximum number of tags per resource is 50.")
	}
	f.tags, f.tagOrder = next, order
	return nil
}

// ---- file systems

func (s *efsService) CreateFileSystem(c *Call, in *efs.CreateFileSystemInput) (*efs.CreateFileSystemOutput, error) {
	now := c.Now()
	token := aws.ToString(in.CreationToken)
	if len(token) < 1 || len(token) > 64 {
		return nil, efsBadRequest("1 validation error detected: Value '%s' at 'creationToken' failed to satisfy constraint: Member must have length between 1 and 64", token)
	}
	for _, f := range s.fss {
		if f.token == token && f.state(now) != efstypes.LifeCycleStateDeleted {
			err := efsErr(http.StatusConflict, "FileSystemAlreadyExists", "File system '%s' already exists with creation token '%s'", f.id, token)
			err.Fields = map[string]string{"FileSystemId": f.id}
			return nil, err
		}
	}
	live := 0
	for _, other := range s.fss {
		if other.state(now) != efstypes.LifeCycleStateDeleted {
			live++
		}
	}
	if limit := int(c.Emu.Quota(quotaEFSFileSystems)); live >= limit {
		return nil, efsErr(http.StatusForbidden, "FileSystemLimitExceeded", "You have reached the maximum number of file systems allowed per account (%d).", limit)
	}
	f := &efsFileSystem{
		token: token, created: now, performance: in.PerformanceMode, throughput: in.ThroughputMode,
		encrypted: aws.ToBool(in.Encrypted), backup: efstypes.StatusDisabled, tags: map[string]string{},
	}
	switch f.performance {
	case "":
		f.performance = efstypes.PerformanceModeGeneralPurpose
	case efstypes.PerformanceModeGeneralPurpose, efstypes.PerformanceModeMaxIo:
	default:
		return nil, efsBadRequest("1 validation error detected: Value '%s' at 'performanceMode' failed to satisfy constraint: Member must satisfy enum value set: [generalPurpose, maxIO]", f.performance)
	}
	switch f.throughput {
	case "":
		f.throughput = efstypes.ThroughputModeBursting
	case efstypes.ThroughputModeBursting, efstypes.ThroughputModeElastic, efstypes.ThroughputModeProvisioned:
	default:
		return nil, efsBadRequest("1 validation error detected: Value '%s' at 'throughputMode' failed to satisfy constraint: Member must satisfy enum value set: [bursting, provisioned, elastic]", f.throughput)
	}
	if err := efsCheckThroughput(f.throughput, in.ProvisionedThroughputInMibps); err != nil {
		return nil, err
	}
	if f.throughput == efstypes.ThroughputModeProvisioned {
		f.provisioned = *in.ProvisionedThroughputInMibps
	}
	if f.performance == efstypes.PerformanceModeMaxIo && f.throughput == efstypes.ThroughputModeElastic {
		return nil, efsBadRequest("Elastic throughput mode is not supported for file systems using the Max I/O performance mode.")
	}
	if in.KmsKeyId != nil {
		if !f.encrypted {
			return nil, efsBadRequest("KmsKeyId requires Encrypted to be true.")
		}
		f.kmsKeyID = s.kmsKeyARN(aws.ToString(in.KmsKeyId))
	} else if f.encrypted {
		f.kmsKeyID = s.defaultKMSKey()
	}
	if az := aws.ToString(in.AvailabilityZoneName); az != "" {
		var found bool
		for _, z := range ZonesOf(s.region) {
			if z.Name == az {
				f.azName, f.azID, found = z.Name, z.ID, true
			}
		}
		if !found {
			return nil, efsErr(http.StatusBadRequest, "UnsupportedAvailabilityZone", "The requested Availability Zone '%s' is not supported.", az)
		}
		if f.performance == efstypes.PerformanceModeMaxIo {
			return nil, efsBadRequest("One Zone file systems do not support the Max I/O performance mode.")
		}
		f.backup = efstypes.StatusEnabled // One Zone file systems back up by default
	}
	if in.Backup != nil {
		f.backup = efstypes.StatusDisabled
		if *in.Backup {
			f.backup = efstypes.StatusEnabled
		}
	}
	if err := f.applyTags(in.Tags); err != nil {
		return nil, err
	}
	f.id = c.Emu.ID("fs")
	f.arn = "arn:aws:elasticfilesystem:" + s.region + ":" + AccountID + ":file-system/" + f.id
	f.seq = s.nextSeq()
	f.tl = NewTimeline(string(efstypes.LifeCycleStateCreating), now)
	f.tl.Then(string(efstypes.LifeCycleStateAvailable), c.Emu.KnobDuration("efs.create_duration", 10*time.Second))
	c.timelineChange("file-system", f.id, &f.tl, []string{f.arn}, "efs.DescribeFileSystems")
	s.fss[f.id] = f
	return efsFSOutput[efs.CreateFileSystemOutput](s.describe(f, now)), nil
}

// efsFSOutput copies a description into CreateFileSystemOutput or
// UpdateFileSystemOutput, which have the same members.
func efsFSOutput[T efs.CreateFileSystemOutput | efs.UpdateFileSystemOutput](d efstypes.FileSystemDescription) *T {
	out := new(T)
	switch o := any(out).(type) {
	case *efs.CreateFileSystemOutput:
		*o = efs.CreateFileSystemOutput{CreationTime: d.CreationTime, CreationToken: d.CreationToken, FileSystemId: d.FileSystemId,
			LifeCycleState: d.LifeCycleState, NumberOfMountTargets: d.NumberOfMountTargets, OwnerId: d.OwnerId, PerformanceMode: d.PerformanceMode,
			SizeInBytes: d.SizeInBytes, Tags: d.Tags, AvailabilityZoneId: d.AvailabilityZoneId, AvailabilityZoneName: d.AvailabilityZoneName,
			Encrypted: d.Encrypted, FileSystemArn: d.FileSystemArn, FileSystemProtection: d.FileSystemProtection, KmsKeyId: d.KmsKeyId,
			Name: d.Name, ProvisionedThroughputInMibps: d.ProvisionedThroughputInMibps, ThroughputMode: d.ThroughputMode}
	case *efs.UpdateFileSystemOutput:
		*o = efs.UpdateFileSystemOutput{CreationTime: d.CreationTime, CreationToken: d.CreationToken, FileSystemId: d.FileSystemId,
			LifeCycleState: d.LifeCycleState, NumberOfMountTargets: d.NumberOfMountTargets, OwnerId: d.OwnerId, PerformanceMode: d.PerformanceMode,
			SizeInBytes: d.SizeInBytes, Tags: d.Tags, AvailabilityZoneId: d.AvailabilityZoneId, AvailabilityZoneName: d.AvailabilityZoneName,
			Encrypted: d.Encrypted, FileSystemArn: d.FileSystemArn, FileSystemProtection: d.FileSystemProtection, KmsKeyId: d.KmsKeyId,
			Name: d.Name, ProvisionedThroughputInMibps: d.ProvisionedThroughputInMibps, ThroughputMode: d.ThroughputMode}
	}
	return out
}

func efsCheckThroughput(mode efstypes.ThroughputMode, mibps *float64) *APIError {
	if mode == efstypes.ThroughputModeProvisioned {
		if mibps == nil {
			return efsBadRequest("ProvisionedThroughputInMibps is required when ThroughputMode is provisioned.")
		}
		if *mibps < 1 || *mibps > 3414 {
			return efsErr(http.StatusBadRequest, "ThroughputLimitExceeded", "The requested provisioned throughput %s MiB/s is outside the allowed range of 1 to 3414 MiB/s.", strconv.FormatFloat(*mibps, 'f', -1, 64))
		}
		return nil
	}
	if mibps != nil {
		return efsBadRequest("ProvisionedThroughputInMibps can only be set when ThroughputMode is provisioned.")
	}
	return nil
}

func (s *efsService) DescribeFileSystems(c *Call, in *efs.DescribeFileSystemsInput) (*efs.DescribeFileSystemsOutput, error) {
	now := c.Now()
	var max int32
	if in.MaxItems != nil {
		if *in.MaxItems < 1 {
			return nil, efsBadRequest("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.MaxItems)
		}
		max = *in.MaxItems
	}
	var all []*efsFileSystem
	if id := aws.ToString(in.FileSystemId); id != "" {
		f, err := s.fs(id, now)
		if err != nil {
			return nil, err
		}
		all = append(all, f)
	} else {
		for _, f := range s.fss {
			if f.state(now) != efstypes.LifeCycleStateDeleted {
				all = append(all, f)
			}
		}
		sort.Slice(all, func(i, j int) bool { return all[i].seq < all[j].seq })
	}
	if token := aws.ToString(in.CreationToken); token != "" {
		var kept []*efsFileSystem
		for _, f := range all {
			if f.token == token {
				kept = append(kept, f)
			}
		}
		all = kept
	}
	page, next, err := Paginate(all, in.Marker, max, 100)
	if err != nil {
		return nil, efsBadRequest("The Marker '%s' is not valid.", aws.ToString(in.Marker))
	}
	out := &efs.DescribeFileSystemsOutput{FileSystems: []efstypes.FileSystemDescription{}, Marker: in.Marker, NextMarker: next}
	for _, f := range page {
		out.FileSystems = append(out.FileSystems, s.describe(f, now))
	}
	return out, nil
}

func (s *efsService) DeleteFileSystem(c *Call, in *efs.DeleteFileSystemInput) (*efs.DeleteFileSystemOutput, error) {
	now := c.Now()
	f, err := s.fs(aws.ToString(in.FileSystemId), now)
	if err != nil {
		return nil, err
	}
	if len(s.mountTargetsOf(f.id, now)) > 0 {
		return nil, efsErr(http.StatusConflict, "FileSystemInUse", "The file system '%s' cannot be deleted because it has mount targets. You must delete the mount targets, and then try again.", f.id)
	}
	if f.state(now) == efstypes.LifeCycleStateDeleting {
		return &efs.DeleteFileSystemOutput{}, nil
	}
	f.tl.Reset(string(efstypes.LifeCycleStateDeleting), now)
	f.tl.Then(string(efstypes.LifeCycleStateDeleted), c.Emu.KnobDuration("efs.delete_duration", 10*time.Second))
	c.timelineChange("file-system", f.id, &f.tl, []string{f.arn}, "efs.DescribeFileSystems")
	return &efs.DeleteFileSystemOutput{}, nil
}

// requireAvailable returns the file system if it is available.
func (s *efsService) requireAvailable(id string, now time.Time) (*efsFileSystem, *APIError) {
	f, err := s.fs(id, now)
	if err != nil {
		return nil, err
	}
	if st := f.state(now); st != efstypes.LifeCycleStateAvailable {
		return nil, efsErr(http.StatusConflict, "IncorrectFileSystemLifeCycleState", "File system '%s' is in the '%s' state; it must be 'available'.", f.id, st)
	}
	return f, nil
}

func (s *efsService) UpdateFileSystem(c *Call, in *efs.UpdateFileSystemInput) (*efs.UpdateFileSystemOutput, error) {
	now := c.Now()
	f, err := s.requireAvailable(aws.ToString(in.FileSystemId), now)
	if err != nil {
		return nil, err
	}
	mode := in.ThroughputMode
	if mode == "" {
		mode = f.throughput
	}
	switch mode {
	case efstypes.ThroughputModeBursting, efstypes.ThroughputModeElastic, efstypes.ThroughputModeProvisioned:
	default:
		return nil, efsBadRequest("1 validation error detected: Value '%s' at 'throughputMode' failed to satisfy constraint: Member must satisfy enum value set: [bursting, provisioned, elastic]", mode)
	}
	if in.ThroughputMode == "" && in.ProvisionedThroughputInMibps == nil {
		return nil, efsBadRequest("At least one of ThroughputMode or ProvisionedThroughputInMibps must be specified.")
	}
	if err := efsCheckThroughput(mode, in.ProvisionedThroughputInMibps); err != nil {
		return nil, err
	}
	if mode == efstypes.ThroughputModeElastic && f.performance == efstypes.PerformanceModeMaxIo {
		return nil, efsBadRequest("Elastic throughput mode is not supported for file systems using the Max I/O performance mode.")
	}
	// Changing the mode or lowering provisioned throughput is allowed once
	// every 24 hours.
	restricted := mode != f.throughput || (mode == efstypes.ThroughputModeProvisioned && *in.ProvisionedThroughputInMibps < f.provisioned)
	if restricted && !f.lastThroughputEdit.IsZero() && now.Sub(f.lastThroughputEdit) < efsThroughputCooldown {
		return nil, efsErr(http.StatusTooManyRequests, "TooManyRequests",
			"You have reached the limit of throughput mode changes or throughput decreases for file system '%s'. Try again after %s.",
			f.id, f.lastThroughputEdit.Add(efsThroughputCooldown).UTC().Format(time.RFC3339))
	}
	if restricted {
		f.lastThroughputEdit = now
	}
	f.throughput = mode
	f.provisioned = 0
	if mode == efstypes.ThroughputModeProvisioned {
		f.provisioned = *in.ProvisionedThroughputInMibps
	}
	f.tl.Reset(string(efstypes.LifeCycleStateUpdating), now)
	f.tl.Then(string(efstypes.LifeCycleStateAvailable), c.Emu.KnobDuration("efs.update_duration", 5*time.Second))
	return efsFSOutput[efs.UpdateFileSystemOutput](s.describe(f, now)), nil
}

// ---- mount targets

// efsNetworkError turns an EC2 error from the Network contract into the EFS
// error a client of CreateMountTarget would see.
func efsNetworkError(err *APIError, subnetID string) *APIError {
	switch {
	case strings.HasPrefix(err.Code, "InvalidSubnetID"):
		return efsErr(http.StatusBadRequest, "SubnetNotFound", "The subnet ID '%s' does not exist", subnetID)
	case strings.HasPrefix(err.Code, "InvalidGroup"), err.Code == "InvalidParameterValue" && strings.Contains(err.Message, "Security group"):
		return efsErr(http.StatusBadRequest, "SecurityGroupNotFound", "%s", err.Message)
	case err.Code == "InsufficientFreeAddressesInSubnet":
		return efsErr(http.StatusConflict, "NoFreeAddressesInSubnet", "The subnet '%s' has no free IP addresses.", subnetID)
	case err.Code == "InvalidIPAddress.InUse":
		return efsErr(http.StatusConflict, "IpAddressInUse", "%s", err.Message)
	case err.Code == "InvalidParameterValue":
		return efsBadRequest("%s", err.Message)
	case strings.Contains(err.Code, "Limit"):
		return efsErr(http.StatusConflict, "NetworkInterfaceLimitExceeded", "%s", err.Message)
	}
	return efsErr(http.StatusInternalServerError, "InternalServerError", "%s", err.Message)
}

// checkGroups validates mount target security groups against the VPC.
func (s *efsService) checkGroups(net Network, groups []string, vpcID string) *APIError {
	if len(groups) > efsMaxSecurityGroups {
		return efsErr(http.StatusBadRequest, "SecurityGroupLimitExceeded", "The number of security groups (%d) exceeds the limit of %d per mount target.", len(groups), efsMaxSecurityGroups)
	}
	seen := map[string]bool{}
	for _, g := range groups {
		if seen[g] {
			return efsBadRequest("Duplicate security group '%s'.", g)
		}
		seen[g] = true
		view, ok := net.SecurityGroupInfo(g)
		if !ok {
			return efsErr(http.StatusBadRequest, "SecurityGroupNotFound", "The security group '%s' does not exist.", g)
		}
		if view.VPCID != vpcID {
			return efsErr(http.StatusBadRequest, "SecurityGroupNotFound", "The security group '%s' does not exist in VPC '%s'.", g, vpcID)
		}
	}
	return nil
}

func (s *efsService) CreateMountTarget(c *Call, in *efs.CreateMountTargetInput) (*efs.CreateMountTargetOutput, error) {
	now := c.Now()
	f, err := s.requireAvailable(aws.ToString(in.FileSystemId), now)
	if err != nil {
		return nil, err
	}
	if in.IpAddressType != "" && in.IpAddressType != efstypes.IpAddressTypeIpv4Only {
		return nil, efsBadRequest("Only IPV4_ONLY mount targets are emulated.")
	}
	net := Peer[Network](c, "ec2")
	subnetID := aws.ToString(in.SubnetId)
	sn, ok := net.SubnetInfo(subnetID)
	if !ok {
		return nil, efsErr(http.StatusBadRequest, "SubnetNotFound", "The subnet ID '%s' does not exist", subnetID)
	}
	if f.azName != "" && sn.AZ != f.azName {
		return nil, efsErr(http.StatusBadRequest, "AvailabilityZonesMismatch", "The subnet's Availability Zone '%s' does not match the Availability Zone '%s' of One Zone file system '%s'.", sn.AZ, f.azName, f.id)
	}
	existing := s.mountTargetsOf(f.id, now)
	for _, m := range existing {
		if m.vpcID != sn.VPCID {
			return nil, efsErr(http.StatusConflict, "MountTargetConflict", "All mount targets of file system '%s' must be in the same VPC ('%s').", f.id, m.vpcID)
		}
		if m.az == sn.AZ {
			return nil, efsErr(http.StatusConflict, "MountTargetConflict", "mount target already exists in this AZ")
		}
	}
	groups := in.SecurityGroups
	if len(groups) == 0 {
		return nil, efsBadRequest("At least one security group is required.")
	}
	if err := s.checkGroups(net, groups, sn.VPCID); err != nil {
		return nil, err
	}
	ip := aws.ToString(in.IpAddress)
	if ip != "" {
		a, perr := netip.ParseAddr(ip)
		p, cerr := netip.ParsePrefix(sn.CIDR)
		if perr != nil || cerr != nil || !p.Contains(a) {
			return nil, efsBadRequest("IP address '%s' is not within the CIDR block '%s' of subnet '%s'.", ip, sn.CIDR, sn.ID)
		}
	}
	m := &efsMountTarget{id: c.Emu.ID("fsmt"), fsID: f.id, subnetID: sn.ID, vpcID: sn.VPCID, az: sn.AZ, azID: sn.AZID,
		groups: append([]string(nil), groups...), seq: s.nextSeq()}
	view, apiErr := net.CreateManagedInterface(c, ManagedInterface{
		SubnetID: sn.ID, SecurityGroupIDs: m.groups, PrivateIP: ip, RequesterID: "amazon-elasticfilesystem",
		Description: "EFS mount target for " + f.id + " (" + m.id + ")", InterfaceType: "interface",
	})
	if apiErr != nil {
		return nil, efsNetworkError(apiErr, sn.ID)
	}
	m.ip, m.eni = view.PrivateIP, view.ID
	m.tl = NewTimeline(string(efstypes.LifeCycleStateCreating), now)
	m.tl.Then(string(efstypes.LifeCycleStateAvailable), c.Emu.KnobDuration("efs.mount_target_create_duration", 90*time.Second))
	c.timelineChange("mount-target", m.id, &m.tl, []string{f.id}, "efs.DescribeMountTargets")
	s.mts[m.id] = m
	d := s.describeMT(m, now)
	return &efs.CreateMountTargetOutput{
		MountTargetId: d.MountTargetId, FileSystemId: d.FileSystemId, SubnetId: d.SubnetId, LifeCycleState: d.LifeCycleState,
		IpAddress: d.IpAddress, NetworkInterfaceId: d.NetworkInterfaceId, AvailabilityZoneName: d.AvailabilityZoneName,
		AvailabilityZoneId: d.AvailabilityZoneId, VpcId: d.VpcId, OwnerId: d.OwnerId,
	}, nil
}

func (s *efsService) DescribeMountTargets(c *Call, in *efs.DescribeMountTargetsInput) (*efs.DescribeMountTargetsOutput, error) {
	now := c.Now()
	n := 0
	for _, p := range []*string{in.FileSystemId, in.MountTargetId, in.AccessPointId} {
		if aws.ToString(p) != "" {
			n++
		}
	}
	if n != 1 {
		return nil, efsBadRequest("You must specify exactly one of FileSystemId, MountTargetId or AccessPointId.")
	}
	if in.AccessPointId != nil {
		return nil, efsErr(http.StatusNotFound, "AccessPointNotFound", "Access point '%s' does not exist.", aws.ToString(in.AccessPointId))
	}
	var max int32
	if in.MaxItems != nil {
		if *in.MaxItems < 1 {
			return nil, efsBadRequest("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.MaxItems)
		}
		max = *in.MaxItems
	}
	var all []*efsMountTarget
	if id := aws.ToString(in.MountTargetId); id != "" {
		m, err := s.mt(id, now)
		if err != nil {
			return nil, err
		}
		all = []*efsMountTarget{m}
	} else {
		f, err := s.fs(aws.ToString(in.FileSystemId), now)
		if err != nil {
			return nil, err
		}
		all = s.mountTargetsOf(f.id, now)
	}
	page, next, err := Paginate(all, in.Marker, max, 10)
	if err != nil {
		return nil, efsBadRequest("The Marker '%s' is not valid.", aws.ToString(in.Marker))
	}
	out := &efs.DescribeMountTargetsOutput{MountTargets: []efstypes.MountTargetDescription{}, Marker: in.Marker, NextMarker: next}
	for _, m := range page {
		out.MountTargets = append(out.MountTargets, s.describeMT(m, now))
	}
	return out, nil
}

func (s *efsService) DeleteMountTarget(c *Call, in *efs.DeleteMountTargetInput) (*efs.DeleteMountTargetOutput, error) {
	now := c.Now()
	m, err := s.mt(aws.ToString(in.MountTargetId), now)
	if err != nil {
		return nil, err
	}
	// DeleteMountTarget models no state error: deleting a mount target that
	// is being deleted changes nothing, and one still being created is
	// deleted as well.
	if m.state(now) == efstypes.LifeCycleStateDeleting {
		return &efs.DeleteMountTargetOutput{}, nil
	}
	d := c.Emu.KnobDuration("efs.mount_target_delete_duration", 60*time.Second)
	m.tl.Reset(string(efstypes.LifeCycleStateDeleting), now)
	m.tl.Then(string(efstypes.LifeCycleStateDeleted), d)
	c.timelineChange("mount-target", m.id, &m.tl, []string{m.fsID}, "efs.DescribeMountTargets", "efs.DescribeFileSystems")
	if d >= 0 {
		Peer[Network](c, "ec2").ReleaseManagedInterface(m.eni, now.Add(d))
	}
	return &efs.DeleteMountTargetOutput{}, nil
}

func (s *efsService) DescribeMountTargetSecurityGroups(c *Call, in *efs.DescribeMountTargetSecurityGroupsInput) (*efs.DescribeMountTargetSecurityGroupsOutput, error) {
	now := c.Now()
	m, err := s.mt(aws.ToString(in.MountTargetId), now)
	if err != nil {
		return nil, err
	}
	if m.state(now) == efstypes.LifeCycleStateDeleting {
		return nil, efsErr(http.StatusConflict, "IncorrectMountTargetState", "Mount target does not have a network interface: %s", m.id)
	}
	return &efs.DescribeMountTargetSecurityGroupsOutput{SecurityGroups: append([]string{}, m.groups...)}, nil
}

func (s *efsService) ModifyMountTargetSecurityGroups(c *Call, in *efs.ModifyMountTargetSecurityGroupsInput) (*efs.ModifyMountTargetSecurityGroupsOutput, error) {
	now := c.Now()
	m, err := s.mt(aws.ToString(in.MountTargetId), now)
	if err != nil {
		return nil, err
	}
	if st := m.state(now); st != efstypes.LifeCycleStateAvailable {
		return nil, efsErr(http.StatusConflict, "IncorrectMountTargetState", "Mount target '%s' is in the '%s' state; it must be 'available'.", m.id, st)
	}
	if len(in.SecurityGroups) == 0 {
		return nil, efsBadRequest("At least one security group is required.")
	}
	net := Peer[Network](c, "ec2")
	if err := s.checkGroups(net, in.SecurityGroups, m.vpcID); err != nil {
		return nil, err
	}
	if apiErr := net.SetManagedInterfaceGroups(m.eni, in.SecurityGroups); apiErr != nil {
		return nil, efsNetworkError(apiErr, m.subnetID)
	}
	m.groups = append([]string(nil), in.SecurityGroups...)
	return &efs.ModifyMountTargetSecurityGroupsOutput{}, nil
}

// ---- tags

// taggable finds the file system a ResourceId names (access points are not
// emulated).
func (s *efsService) taggable(id string, now time.Time) (*efsFileSystem, *APIError) {
	if strings.HasPrefix(id, "fsap-") {
		return nil, efsErr(http.StatusNotFound, "AccessPointNotFound", "Access point '%s' does not exist.", id)
	}
	return s.fs(id, now)
}

func (s *efsService) TagResource(c *Call, in *efs.TagResourceInput) (*efs.TagResourceOutput, error) {
	f, err := s.taggable(aws.ToString(in.ResourceId), c.Now())
	if err != nil {
		return nil, err
	}
	if err := f.applyTags(in.Tags); err != nil {
		return nil, err
	}
	return &efs.TagResourceOutput{}, nil
}

func (s *efsService) UntagResource(c *Call, in *efs.UntagResourceInput) (*efs.UntagResourceOutput, error) {
	f, err := s.taggable(aws.ToString(in.ResourceId), c.Now())
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		if _, ok := f.tags[k]; !ok {
			continue
		}
		delete(f.tags, k)
		for i, o := range f.tagOrder {
			if o == k {
				f.tagOrder = append(f.tagOrder[:i], f.tagOrder[i+1:]...)
				break
			}
		}
	}
	return &efs.UntagResourceOutput{}, nil
}

func (s *efsService) ListTagsForResource(c *Call, in *efs.ListTagsForResourceInput) (*efs.ListTagsForResourceOutput, error) {
	f, err := s.taggable(aws.ToString(in.ResourceId), c.Now())
	if err != nil {
		return nil, err
	}
	var max int32
	if in.MaxResults != nil {
		if *in.MaxResults < 1 {
			return nil, efsBadRequest("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1", *in.MaxResults)
		}
		max = *in.MaxResults
	}
	page, next, perr := Paginate(f.tagList(), in.NextToken, max, 100)
	if perr != nil {
		return nil, efsBadRequest("The NextToken '%s' is not valid.", aws.ToString(in.NextToken))
	}
	return &efs.ListTagsForResourceOutput{Tags: page, NextToken: next}, nil
}

// ---- lifecycle and backup policies

func (s *efsService) PutLifecycleConfiguration(c *Call, in *efs.PutLifecycleConfigurationInput) (*efs.PutLifecycleConfigurationOutput, error) {
	f, err := s.requireAvailable(aws.ToString(in.FileSystemId), c.Now())
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, p := range in.LifecyclePolicies {
		var set []string
		if p.TransitionToIA != "" {
			set = append(set, "TransitionToIA")
		}
		if p.TransitionToArchive != "" {
			set = append(set, "TransitionToArchive")
		}
		if p.TransitionToPrimaryStorageClass != "" {
			set = append(set, "TransitionToPrimaryStorageClass")
		}
		if len(set) != 1 {
			return nil, efsBadRequest("Each LifecyclePolicy object must have exactly one transition set.")
		}
		if seen[set[0]] {
			return nil, efsBadRequest("Only one %s policy may be set.", set[0])
		}
		seen[set[0]] = true
		if p.TransitionToIA != "" && !efsEnumOK(string(p.TransitionToIA), efstypes.TransitionToIARules("").Values()) ||
			p.TransitionToArchive != "" && !efsEnumOK(string(p.TransitionToArchive), efstypes.TransitionToArchiveRules("").Values()) ||
			p.TransitionToPrimaryStorageClass != "" && !efsEnumOK(string(p.TransitionToPrimaryStorageClass), efstypes.TransitionToPrimaryStorageClassRules("").Values()) {
			return nil, efsBadRequest("Invalid lifecycle transition value.")
		}
	}
	if seen["TransitionToArchive"] && !seen["TransitionToIA"] {
		return nil, efsBadRequest("A TransitionToArchive policy requires a TransitionToIA policy.")
	}
	if seen["TransitionToArchive"] && f.throughput != efstypes.ThroughputModeElastic {
		return nil, efsBadRequest("Transitioning files to Archive storage requires Elastic throughput mode.")
	}
	f.lifecycle = append([]efstypes.LifecyclePolicy{}, in.LifecyclePolicies...)
	return &efs.PutLifecycleConfigurationOutput{LifecyclePolicies: append([]efstypes.LifecyclePolicy{}, f.lifecycle...)}, nil
}

func efsEnumOK[T ~string](v string, values []T) bool {
	for _, x := range values {
		if string(x) == v {
			return true
		}
	}
	return false
}

func (s *efsService) DescribeLifecycleConfiguration(c *Call, in *efs.DescribeLifecycleConfigurationInput) (*efs.DescribeLifecycleConfigurationOutput, error) {
	f, err := s.fs(aws.ToString(in.FileSystemId), c.Now())
	if err != nil {
		return nil, err
	}
	return &efs.DescribeLifecycleConfigurationOutput{LifecyclePolicies: append([]efstypes.LifecyclePolicy{}, f.lifecycle...)}, nil
}

func (s *efsService) PutBackupPolicy(c *Call, in *efs.PutBackupPolicyInput) (*efs.PutBackupPolicyOutput, error) {
	f, err := s.requireAvailable(aws.ToString(in.FileSystemId), c.Now())
	if err != nil {
		return nil, err
	}
	if in.BackupPolicy == nil {
		return nil, efsBadRequest("BackupPolicy is required.")
	}
	switch in.BackupPolicy.Status {
	case efstypes.StatusEnabled, efstypes.StatusDisabled:
	default:
		return nil, efsBadRequest("Backup policy status must be ENABLED or DISABLED.")
	}
	f.backup = in.BackupPolicy.Status
	return &efs.PutBackupPolicyOutput{BackupPolicy: &efstypes.BackupPolicy{Status: f.backup}}, nil
}

func (s *efsService) DescribeBackupPolicy(c *Call, in *efs.DescribeBackupPolicyInput) (*efs.DescribeBackupPolicyOutput, error) {
	f, err := s.fs(aws.ToString(in.FileSystemId), c.Now())
	if err != nil {
		return nil, err
	}
	return &efs.DescribeBackupPolicyOutput{BackupPolicy: &efstypes.BackupPolicy{Status: f.backup}}, nil
}

// ---- clock and inventory

// Tick forgets file systems and mount targets whose deletion has finished.
func (s *efsService) Tick(now time.Time) {
	for id, m := range s.mts {
		if m.state(now) == efstypes.LifeCycleStateDeleted {
			delete(s.mts, id)
		}
	}
	for id, f := range s.fss {
		if f.state(now) == efstypes.LifeCycleStateDeleted {
			delete(s.fss, id)
		}
	}
}

// Inventory lists file systems and mount targets until their deletion has
// finished (a deleting one still exists in AWS).
func (s *efsService) Inventory(now time.Time) []Resource {
	s.Tick(now)
	var fss []*efsFileSystem
	for _, f := range s.fss {
		fss = append(fss, f)
	}
	sort.Slice(fss, func(i, j int) bool { return fss[i].seq < fss[j].seq })
	var out []Resource
	for _, f := range fss {
		var tags map[string]string
		if len(f.tags) > 0 {
			tags = map[string]string{}
			for k, v := range f.tags {
				tags[k] = v
			}
		}
		out = append(out, Resource{Service: "efs", Region: s.region, Type: "file-system", ID: f.id, State: string(f.state(now)), Tags: tags})
		for _, m := range s.mountTargetsOf(f.id, now) {
			out = append(out, Resource{Service: "efs", Region: s.region, Type: "mount-target", ID: m.id, State: string(m.state(now))})
		}
	}
	return out
}
