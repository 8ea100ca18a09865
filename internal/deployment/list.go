package deployment

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
)

// Summary is one deployment as the region's listing shows it.
type Summary struct {
	Name   string
	Tier   int
	Status string // StatusRunning, StatusStopped or StatusDegraded
	// URL is the public URL, as the resource's url attribute computes it.
	URL string
	// CloudFrontDomain is the distribution's domain, tier 3 only.
	CloudFrontDomain string
	// GPU says the instance runs the GPU workload.
	GPU          bool
	InstanceType string
	InstanceID   string
	// CreatedAt is the oldest creation time among the instance (its launch),
	// the file system and the load balancer: the file system and load
	// balancer outlive a replaced instance. Zero when none is left.
	CreatedAt time.Time
}

// listing gathers, per deployment name, the facts the region's describe
// calls return. Every field is written by exactly one collector.
type listing struct {
	region string

	// EC2 tags of VPCs and security groups: resource id → name, component.
	tagged map[string]*taggedResource
	// Instances (not terminated) by deployment name.
	instances map[string]ec2types.Instance
	// Creation times of file systems (not being deleted) by deployment name.
	fileSystems map[string]time.Time
	// Instance profile names under IAMPath.
	profiles map[string]bool
	// GPU workload per instance id (only for types that have GPUs).
	gpu map[string]bool
	// Load balancers by name, and the load balancers each target group
	// (by name) is attached to.
	lbs map[string]listedLoadBalancer
	tgs map[string][]string
	// Distributions by deployment name.
	distributions map[string]listedDistribution
}

type taggedResource struct {
	rtype           ec2types.ResourceType
	name, component string
}

// List finds every deployment in the region by its geusemaker:deployment tag
// (on the instance, the dedicated VPC, the security groups or the EFS file
// system, so that degraded deployments are listed too) and summarises each
// without a per-deployment Discover. The calls, each paginated:
//
//   - EC2 DescribeTags (VPCs and security groups), DescribeInstances, EFS
//     DescribeFileSystems and IAM ListInstanceProfiles, concurrently;
//   - then, only when there is something to look at, EC2
//     DescribeInstanceTypes for the instances' types (plus the boot script,
//     DescribeInstanceAttribute, of each instance whose type has GPUs, to
//     tell the GPU workload from a CPU workload on a GPU type); ELBv2
//     DescribeLoadBalancers and DescribeTargetGroups when a deployment is
//     tier 2 or 3 or has lost its instance; CloudFront ListDistributions plus
//     ListTagsForResource for each distribution whose comment names one of
//     the deployments, when a deployment is tier 3 or has lost its instance.
//
// The result is sorted by name.
func List(ctx context.Context, c *Clients) ([]Summary, error) {
	l := &listing{region: c.Region}
	if err := parallel(ctx,
		func(ctx context.Context) error { return l.collectTags(ctx, c) },
		func(ctx context.Context) error { return l.collectInstances(ctx, c) },
		func(ctx context.Context) error { return l.collectFileSystems(ctx, c) },
		func(ctx context.Context) error { return l.collectProfiles(ctx, c) },
	); err != nil {
		return nil, err
	}
	names := l.names()
	if len(names) == 0 {
		return []Summary{}, nil
	}
	var needELB, needCF bool
	for _, n := range names {
		t, known := l.taggedTier(n)
		needELB = needELB || !known || t.HasLoadBalancer()
		needCF = needCF || !known || t.HasCDN()
	}
	if err := parallel(ctx,
		func(ctx context.Context) error { return l.collectGPU(ctx, c) },
		func(ctx context.Context) error {
			// CloudFront after the load balancers: a distribution's origin
			// tells which region's deployment it fronts.
			if needELB {
				if err := l.collectLoadBalancers(ctx, c); err != nil {
					return err
				}
			}
			if needCF {
				return l.collectDistributions(ctx, c, names)
			}
			return nil
		},
	); err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(names))
	for _, n := range names {
		out = append(out, l.summary(n))
	}
	return out, nil
}

// parallel runs fs concurrently and returns the first error.
func parallel(ctx context.Context, fs ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errsCh := make(chan error, len(fs))
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil {
				errsCh <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errsCh)
	return <-errsCh // nil when the channel is empty
}

func (l *listing) collectTags(ctx context.Context, c *Clients) error {
	tags, err := tfec2.FindTags(ctx, c.EC2,
		ec2types.Filter{Name: aws.String("key"), Values: []string{TagDeployment, TagComponent}},
		ec2types.Filter{Name: aws.String("resource-type"), Values: []string{string(ec2types.ResourceTypeVpc), string(ec2types.ResourceTypeSecurityGroup)}},
	)
	if err != nil {
		return fmt.Errorf("listing EC2 tags: %w", err)
	}
	l.tagged = map[string]*taggedResource{}
	for _, t := range tags {
		id := aws.ToString(t.ResourceId)
		r := l.tagged[id]
		if r == nil {
			r = &taggedResource{rtype: t.ResourceType}
			l.tagged[id] = r
		}
		switch aws.ToString(t.Key) {
		case TagDeployment:
			r.name = aws.ToString(t.Value)
		case TagComponent:
			r.component = aws.ToString(t.Value)
		}
	}
	return nil
}

// names lists every deployment name found, sorted.
func (l *listing) names() []string {
	set := map[string]bool{}
	for n := range l.instances {
		set[n] = true
	}
	for n := range l.fileSystems {
		set[n] = true
	}
	for _, r := range l.tagged {
		if r.name != "" {
			set[r.name] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// taggedTier is the tier on the deployment's instance, when it has one.
func (l *listing) taggedTier(name string) (tier.Tier, bool) {
	inst, ok := l.instances[name]
	if !ok {
		return 0, false
	}
	t, err := strconv.Atoi(tagMap(inst.Tags)[TagTier])
	if err != nil || !tier.Tier(t).Valid() {
		return 0, false
	}
	return tier.Tier(t), true
}

// component reports whether an EC2 VPC or security group of the deployment
// carries the component tag.
func (l *listing) component(name, component string) bool {
	for _, r := range l.tagged {
		if r.name == name && r.component == component {
			return true
		}
	}
	return false
}

func (l *listing) summary(name string) Summary {
	spec := &Spec{Name: name, Region: l.region}
	s := Summary{Name: name}
	inst, hasInstance := l.instances[name]
	fsCreated, hasFS := l.fileSystems[name]
	lb, hasLB := l.lbs[spec.loadBalancerName()]
	tgLBs, hasTG := l.tgs[spec.targetGroupName()]
	dist, hasDist := l.distributions[name]

	t, known := l.taggedTier(name)
	if !known {
		// As Discover decides it: the load balancer and CloudFront tell.
		t = TierDev
		if hasLB {
			t = TierAutomation
		}
		if hasDist {
			t = TierGPU
		}
	}
	s.Tier = int(t)

	var created []time.Time
	if hasInstance {
		s.InstanceID, s.InstanceType = aws.ToString(inst.InstanceId), string(inst.InstanceType)
		s.GPU = l.gpu[s.InstanceID]
		created = append(created, aws.ToTime(inst.LaunchTime))
	}
	if hasFS {
		created = append(created, fsCreated)
	}
	if hasLB {
		created = append(created, lb.created)
	}
	s.CreatedAt = earliest(created)

	// The URL as PublicURL computes it for the resource.
	switch {
	case t.HasCDN() && hasDist:
		s.CloudFrontDomain = dist.domain
		host := s.CloudFrontDomain
		if len(dist.aliases) > 0 {
			host = dist.aliases[0]
		}
		s.URL = "https://" + host
	case t.HasLoadBalancer() && hasLB:
		// HTTPS and a custom domain depend on the listeners; the instance's
		// public-url tag, which every apply sets, records the outcome.
		s.URL = "http://" + lb.dnsName
		if u := tagMap(inst.Tags)[TagPublicURL]; hasInstance && u != "" && !strings.HasSuffix(u, ".cloudfront.net") {
			s.URL = u
		}
	case !t.HasLoadBalancer() && hasInstance && aws.ToString(inst.PublicDnsName) != "":
		s.URL = "http://" + aws.ToString(inst.PublicDnsName)
	case !t.HasLoadBalancer() && hasInstance && aws.ToString(inst.PublicIpAddress) != "":
		s.URL = "http://" + aws.ToString(inst.PublicIpAddress)
	}

	// The status as summarize decides it for the resource.
	hasVPC := hasInstance || l.component(name, CompVPC)
	complete := hasInstance && hasFS && hasVPC && l.component(name, CompInstanceSG) && l.profiles[spec.roleName()]
	if t.HasLoadBalancer() {
		complete = complete && hasLB && hasTG && slices.Contains(tgLBs, lb.arn)
	}
	if t.HasCDN() {
		complete = complete && hasDist
	}
	switch {
	case !complete:
		s.Status = StatusDegraded
	case inst.State != nil && (inst.State.Name == ec2types.InstanceStateNameStopped || inst.State.Name == ec2types.InstanceStateNameStopping):
		s.Status = StatusStopped
	default:
		s.Status = StatusRunning
	}
	return s
}

// earliest is the earliest of times that are set, in UTC; zero when none is.
func earliest(times []time.Time) time.Time {
	var out time.Time
	for _, t := range times {
		if !t.IsZero() && (out.IsZero() || t.Before(out)) {
			out = t.UTC()
		}
	}
	return out
}
