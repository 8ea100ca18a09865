package efs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	awstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
)

// CreateFileSystem creates a file system, idempotently: when a file system
// with the same CreationToken already exists (an SDK retry after a lost
// response, or a re-run), it returns that one.
func CreateFileSystem(ctx context.Context, conn *efs.Client, in *efs.CreateFileSystemInput) (*awstypes.FileSystemDescription, error) {
	token := aws.ToString(in.CreationToken)
	out, err := conn.CreateFileSystem(ctx, in)
	if exists, ok := errs.As[*awstypes.FileSystemAlreadyExists](err); ok {
		var fs *awstypes.FileSystemDescription
		var findErr error
		if id := aws.ToString(exists.FileSystemId); id != "" {
			fs, findErr = FindFileSystemByID(ctx, conn, id)
		} else {
			fs, findErr = FindFileSystemByCreationToken(ctx, conn, token)
		}
		if findErr != nil {
			return nil, fmt.Errorf("reading existing EFS file system with creation token (%s): %w", token, errors.Join(err, findErr))
		}
		return fs, nil
	}
	if err != nil {
		return nil, fmt.Errorf("creating EFS file system (%s): %w", token, err)
	}
	return &awstypes.FileSystemDescription{
		CreationTime: out.CreationTime, CreationToken: out.CreationToken, FileSystemId: out.FileSystemId,
		LifeCycleState: out.LifeCycleState, NumberOfMountTargets: out.NumberOfMountTargets, OwnerId: out.OwnerId,
		PerformanceMode: out.PerformanceMode, SizeInBytes: out.SizeInBytes, Tags: out.Tags,
		AvailabilityZoneId: out.AvailabilityZoneId, AvailabilityZoneName: out.AvailabilityZoneName, Encrypted: out.Encrypted,
		FileSystemArn: out.FileSystemArn, FileSystemProtection: out.FileSystemProtection, KmsKeyId: out.KmsKeyId, Name: out.Name,
		ProvisionedThroughputInMibps: out.ProvisionedThroughputInMibps, ThroughputMode: out.ThroughputMode,
	}, nil
}

// DeleteFileSystem deletes a file system and waits until it is gone. It
// first waits until the file system reports no mount targets (a mount target
// being deleted still blocks), retries FileSystemInUse, and treats a missing
// file system as success. Everything happens within timeout.
func DeleteFileSystem(ctx context.Context, conn *efs.Client, id string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	remaining := func() time.Duration { return time.Until(deadline) }

	if err := waitFileSystemWithoutMountTargets(ctx, conn, id, remaining()); err != nil {
		return fmt.Errorf("waiting for EFS file system (%s) mount targets to be deleted: %w", id, err)
	}
	_, err := retry.WhenCode(ctx, remaining(), func(ctx context.Context) (*efs.DeleteFileSystemOutput, error) {
		return conn.DeleteFileSystem(ctx, &efs.DeleteFileSystemInput{FileSystemId: aws.String(id)})
	}, errCodeFileSystemInUse)
	if errs.IsA[*awstypes.FileSystemNotFound](err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting EFS file system (%s): %w", id, err)
	}
	if err := WaitFileSystemDeleted(ctx, conn, id, remaining()); err != nil {
		return fmt.Errorf("waiting for EFS file system (%s) delete: %w", id, err)
	}
	return nil
}
