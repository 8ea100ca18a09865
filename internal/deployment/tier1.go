package deployment

import (
	"context"
	"time"
)

// Step names of tier 1.
const (
	stepNetwork        = "network"
	stepSecurityGroups = "security-groups"
	stepFileSystem     = "file-system"
	stepMountTargets   = "mount-targets"
	stepMountsReady    = "mount-targets-available"
	stepIAM            = "iam"
	stepCredentials    = "credentials"
	stepEFSPolicy      = "iam-efs-policy"
	stepAMI            = "ami"
	stepInstance       = "instance"
	stepBoot           = "boot"
	stepPublicURL      = "public-url"
)

// addTier1 adds the network, security groups, EFS, IAM, the credentials in
// SSM and the instance.
// EFS, IAM and the AMI lookup do not wait on the network; the instance
// launches as soon as its mount target has an address, while the mount
// targets become available during the boot.
func addTier1(g *graph, o *op) {
	var img image
	g.add(&step{name: stepNetwork, typical: 20 * time.Second, run: o.ensureNetwork})
	g.add(&step{name: stepSecurityGroups, deps: []string{stepNetwork}, run: o.ensureSecurityGroups})
	g.add(&step{name: stepFileSystem, typical: 15 * time.Second, run: o.ensureFileSystem})
	g.add(&step{name: stepMountTargets, deps: []string{stepFileSystem, stepSecurityGroups}, run: o.ensureMountTargets})
	g.add(&step{name: stepMountsReady, deps: []string{stepMountTargets}, typical: 90 * time.Second, run: o.waitMountTargets})
	g.add(&step{name: stepIAM, typical: 10 * time.Second, run: o.ensureIAM})
	g.add(&step{name: stepEFSPolicy, deps: []string{stepIAM, stepFileSystem}, run: o.ensureEFSPolicy})
	g.add(&step{name: stepCredentials, run: o.ensureCredentials})
	g.add(&step{name: stepAMI, run: func(ctx context.Context) (err error) { img, err = o.resolveAMI(ctx); return err }})
	// The boot script reads the credentials from SSM: they are written first.
	g.add(&step{name: stepInstance, deps: []string{stepSecurityGroups, stepMountTargets, stepEFSPolicy, stepCredentials, stepAMI}, typical: typicalInstanceRunning,
		run: func(ctx context.Context) error { return o.ensureInstance(ctx, img) }})
	g.add(&step{name: stepBoot, deps: []string{stepInstance}, typical: typicalBoot, run: o.waitBoot})
}
