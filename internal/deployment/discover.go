package deployment

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
)

func tagMap(tags []ec2types.Tag) map[string]string {
	return tfec2.KeyValueTags(tags)
}

// FindExisting lists live AWS objects that belong to a deployment name: the
// EC2 objects and file systems tagged with it, the IAM role, load balancer
// and target group named after it, and the SSM parameters under its path.
func FindExisting(ctx context.Context, c *Clients, name string) ([]string, error) {
	spec := &Spec{Name: name, Region: c.Region}
	var out []string
	for _, find := range []func(context.Context, *Clients, *Spec) ([]string, error){
		existingEC2, existingFileSystem, existingRole, existingLoadBalancer, existingCredentials,
	} {
		found, err := find(ctx, c, spec)
		if err != nil {
			return nil, err
		}
		out = append(out, found...)
	}
	sort.Strings(out)
	return out, nil
}

// existingEC2 lists the EC2 objects tagged with the deployment's name; the
// volumes and network interfaces of an instance go with it, and an instance
// counts while it is not terminated.
func existingEC2(ctx context.Context, c *Clients, spec *Spec) ([]string, error) {
	tagged, err := tfec2.FindTaggedResources(ctx, c.EC2, TagDeployment, spec.Name)
	if err != nil && !retry.NotFound(err) {
		return nil, err
	}
	var out []string
	instances := false
	for _, t := range tagged {
		switch t.ResourceType {
		case ec2types.ResourceTypeInstance:
			instances = true
		case ec2types.ResourceTypeVolume, ec2types.ResourceTypeNetworkInterface:
		default:
			out = append(out, string(t.ResourceType)+" "+aws.ToString(t.ResourceId))
		}
	}
	if instances {
		live, err := tfec2.FindInstancesByTag(ctx, c.EC2, TagDeployment, spec.Name)
		if err != nil && !retry.NotFound(err) {
			return nil, err
		}
		for _, i := range live {
			out = append(out, "instance "+aws.ToString(i.InstanceId))
		}
	}
	return out, nil
}

// discovery is a Discover in progress: each component's discover method
// (in its own file) reads what the earlier ones found and adds its part of
// the spec and the record.
type discovery struct {
	c    *Clients
	spec *Spec
	st   *State
	// inst is the deployment's instance, which anchors the rest: its VPC,
	// subnet, groups and boot script. Nil when it is gone.
	inst *ec2types.Instance
	// The instance's and the load balancer's security groups, for the
	// CIDR blocks they admit.
	instanceSG, albSG *ec2types.SecurityGroup
}

// sharedGroup reports whether groups include the instance's group: an
// adopted CLI deployment uses its one group in every role.
func (d *discovery) sharedGroup(groups []string) bool {
	return d.st.InstanceSecurityGroupID != "" && slices.Contains(groups, d.st.InstanceSecurityGroupID)
}

// Discover finds a deployment by name (for import): every component by its
// tags or derived name, and the settings that produced them. Settings AWS
// does not record (wait_for_ready, rollback_on_failure, retain flags) come
// back as their defaults.
func Discover(ctx context.Context, c *Clients, name string) (*Spec, *State, error) {
	d := &discovery{
		c: c,
		spec: &Spec{
			Name:           name,
			Region:         c.Region,
			Tier:           TierDev,
			VPCCIDR:        DefaultVPCCIDR,
			RootVolumeGiB:  DefaultRootVolumeGiB,
			WaitForReady:   true,
			RollbackOnFail: true,
			LoadBalancer:   LoadBalancerSpec{SSLPolicy: DefaultSSLPolicy, IdleTimeoutSeconds: DefaultIdleTimeout, HealthCheckPath: DefaultHealthCheckPath},
			CDN:            CDNSpec{PriceClass: DefaultPriceClass, OriginReadTimeoutSeconds: DefaultOriginReadTimeout, WaitForDeployment: true, RestrictOrigin: true},
			EFS:            EFSSpec{PerformanceMode: "generalPurpose", ThroughputMode: "bursting"},
		},
		st: &State{Name: name, Region: c.Region, Status: StatusRunning},
	}
	// The order matters: each step reads what the ones before it found.
	for _, step := range []func(context.Context) error{
		d.findInstance,
		d.discoverNetwork,
		d.discoverSecurityGroups,
		d.discoverStorage,
		d.discoverIAM,
		d.discoverCredentials, // before the instance: its key hashes them
		d.discoverInstance,
		d.discoverLoadBalancer, // decides tier 2
		d.discoverDistribution, // decides tier 3
		d.discoverDomain,       // needs the tier and the endpoints
	} {
		if err := step(ctx); err != nil {
			return nil, nil, err
		}
	}
	spec, st := d.spec, d.st
	spec.AllowedCIDRs, spec.SSHCIDRs = observedCIDRs(spec, d.instanceSG, d.albSG)
	if spec.AllowedCIDRs == nil {
		spec.AllowedCIDRs = []string{"0.0.0.0/0"}
	}
	st.Tier = spec.Tier
	st.Status = summarize(spec, st)
	if st.Nonce == "" {
		st.Nonce = newNonce()
	}
	return spec, st, nil
}

// notFoundError is Discover's answer when nothing anchors a deployment.
func (d *discovery) notFoundError() error {
	name := d.spec.Name
	return &retry.NotFoundError{Message: fmt.Sprintf("no deployment named %q in %s: no instance or VPC carries the tag %s=%s", name, d.c.Region, TagDeployment, name)}
}
