package deployment

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
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
	// File systems (not being deleted) by deployment name.
	fileSystems map[string]efstypes.FileSystemDescription
	// Instance profile names under IAMPath.
	profiles map[string]bool
	// GPU workload per instance id (only for types that have GPUs).
	gpu map[string]bool
	// Load balancers and target groups by name.
	lbs map[string]elbtypes.LoadBalancer
	tgs map[string]elbtypes.TargetGroup
	// Distributions by deployment name.
	distributions map[string]cftypes.DistributionSummary
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
		tier, known := l.taggedTier(n)
		needELB = needELB || !known || tier >= TierAutomation
		needCF = needCF || !known || tier == TierGPU
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
	l.tagged = map[string]*taggedResource{}
	p := ec2.NewDescribeTagsPaginator(c.EC2, &ec2.DescribeTagsInput{Filters: []ec2types.Filter{
		{Name: aws.String("key"), Values: []string{TagDeployment, TagComponent}},
		{Name: aws.String("resource-type"), Values: []string{string(ec2types.ResourceTypeVpc), string(ec2types.ResourceTypeSecurityGroup)}},
	}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing EC2 tags: %w", err)
		}
		for _, t := range page.Tags {
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
	}
	return nil
}

func (l *listing) collectInstances(ctx context.Context, c *Clients) error {
	l.instances = map[string]ec2types.Instance{}
	p := ec2.NewDescribeInstancesPaginator(c.EC2, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag-key"), Values: []string{TagDeployment}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}},
	}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing EC2 instances: %w", err)
		}
		for _, r := range page.Reservations {
			for _, inst := range r.Instances {
				tags := tagMap(inst.Tags)
				name := tags[TagDeployment]
				if name == "" || tags[TagComponent] != CompInstance {
					continue
				}
				// A deployment runs one instance; should a replacement
				// overlap, the newer one is the deployment's.
				if prev, ok := l.instances[name]; ok && aws.ToTime(prev.LaunchTime).After(aws.ToTime(inst.LaunchTime)) {
					continue
				}
				l.instances[name] = inst
			}
		}
	}
	return nil
}

func (l *listing) collectFileSystems(ctx context.Context, c *Clients) error {
	l.fileSystems = map[string]efstypes.FileSystemDescription{}
	p := efs.NewDescribeFileSystemsPaginator(c.EFS, &efs.DescribeFileSystemsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing EFS file systems: %w", err)
		}
		for _, fs := range page.FileSystems {
			if fs.LifeCycleState == efstypes.LifeCycleStateDeleting || fs.LifeCycleState == efstypes.LifeCycleStateDeleted {
				continue
			}
			for _, t := range fs.Tags {
				if aws.ToString(t.Key) == TagDeployment {
					l.fileSystems[aws.ToString(t.Value)] = fs
				}
			}
		}
	}
	return nil
}

func (l *listing) collectProfiles(ctx context.Context, c *Clients) error {
	l.profiles = map[string]bool{}
	p := iam.NewListInstanceProfilesPaginator(c.IAM, &iam.ListInstanceProfilesInput{PathPrefix: aws.String(IAMPath)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing IAM instance profiles: %w", err)
		}
		for _, ip := range page.InstanceProfiles {
			l.profiles[aws.ToString(ip.InstanceProfileName)] = true
		}
	}
	return nil
}

// collectGPU tells which instances run the GPU workload: those whose type has
// GPUs and whose boot script's manifest says so.
func (l *listing) collectGPU(ctx context.Context, c *Clients) error {
	l.gpu = map[string]bool{}
	var typeNames []string
	seen := map[string]bool{}
	for _, inst := range l.instances {
		if t := string(inst.InstanceType); t != "" && !seen[t] {
			seen[t] = true
			typeNames = append(typeNames, t)
		}
	}
	sort.Strings(typeNames)
	if len(typeNames) == 0 {
		return nil
	}
	types, err := tfec2.FindInstanceTypes(ctx, c.EC2, typeNames...)
	if err != nil {
		return fmt.Errorf("describing instance types: %w", err)
	}
	for _, inst := range l.instances {
		t, ok := types[string(inst.InstanceType)]
		if !ok || !typeInfo(t).HasGPU() {
			continue
		}
		m, found, err := InstanceManifest(ctx, c, aws.ToString(inst.InstanceId))
		if err != nil {
			return err
		}
		// Without a readable manifest, a GPU type means the GPU workload
		// (the resource's default).
		l.gpu[aws.ToString(inst.InstanceId)] = !found || m.GPU
	}
	return nil
}

// InstanceManifest reads the manifest line of an instance's boot script;
// found is false when the instance has no user data or no manifest.
func InstanceManifest(ctx context.Context, c *Clients, instanceID string) (m bootmarker.Manifest, found bool, err error) {
	attr, err := c.EC2.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(instanceID), Attribute: ec2types.InstanceAttributeNameUserData})
	if err != nil {
		return m, false, fmt.Errorf("reading the boot script of %s: %w", instanceID, err)
	}
	if attr.UserData == nil || aws.ToString(attr.UserData.Value) == "" {
		return m, false, nil
	}
	raw, err := base64.StdEncoding.DecodeString(aws.ToString(attr.UserData.Value))
	if err != nil {
		return m, false, fmt.Errorf("decoding the boot script of %s: %w", instanceID, err)
	}
	script, err := userdata.Decompress(raw)
	if err != nil {
		return m, false, err
	}
	m, found = bootmarker.ParseManifest(script)
	return m, found, nil
}

func (l *listing) collectLoadBalancers(ctx context.Context, c *Clients) error {
	l.lbs, l.tgs = map[string]elbtypes.LoadBalancer{}, map[string]elbtypes.TargetGroup{}
	lbPages := elbv2.NewDescribeLoadBalancersPaginator(c.ELBV2, &elbv2.DescribeLoadBalancersInput{})
	for lbPages.HasMorePages() {
		page, err := lbPages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing load balancers: %w", err)
		}
		for _, lb := range page.LoadBalancers {
			l.lbs[aws.ToString(lb.LoadBalancerName)] = lb
		}
	}
	tgPages := elbv2.NewDescribeTargetGroupsPaginator(c.ELBV2, &elbv2.DescribeTargetGroupsInput{})
	for tgPages.HasMorePages() {
		page, err := tgPages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing target groups: %w", err)
		}
		for _, tg := range page.TargetGroups {
			l.tgs[aws.ToString(tg.TargetGroupName)] = tg
		}
	}
	return nil
}

// collectDistributions finds each deployment's distribution in one listing:
// the deployment sets the comment "geusemaker:<name>", and the
// geusemaker:deployment tag confirms it (one ListTagsForResource per such
// distribution, not per distribution in the account). CloudFront is global,
// so a distribution whose origin is a load balancer of another region
// belongs to a namesake deployment there.
func (l *listing) collectDistributions(ctx context.Context, c *Clients, names []string) error {
	l.distributions = map[string]cftypes.DistributionSummary{}
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	candidates := map[string][]cftypes.DistributionSummary{}
	p := cloudfront.NewListDistributionsPaginator(c.CloudFront, &cloudfront.ListDistributionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("listing CloudFront distributions: %w", err)
		}
		if page.DistributionList == nil {
			continue
		}
		for _, d := range page.DistributionList.Items {
			name, ok := strings.CutPrefix(aws.ToString(d.Comment), "geusemaker:")
			if !ok || !wanted[name] || !l.sameRegion(name, d) {
				continue
			}
			candidates[name] = append(candidates[name], d)
		}
	}
	for name, ds := range candidates {
		// Prefer the distribution in front of this region's load balancer,
		// then an enabled one (a retained distribution is disabled).
		sort.SliceStable(ds, func(i, j int) bool { return l.distributionRank(name, ds[i]) > l.distributionRank(name, ds[j]) })
		for _, d := range ds {
			out, err := c.CloudFront.ListTagsForResource(ctx, &cloudfront.ListTagsForResourceInput{Resource: d.ARN})
			if errs.IsCode(err, "NoSuchResource", "NoSuchDistribution") {
				continue // deleted while we listed
			}
			if err != nil {
				return fmt.Errorf("listing tags of CloudFront distribution %s: %w", aws.ToString(d.Id), err)
			}
			if out.Tags != nil && cfTag(out.Tags.Items, TagDeployment) == name {
				l.distributions[name] = d
				break
			}
		}
	}
	return nil
}

func cfTag(tags []cftypes.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func originDomain(d cftypes.DistributionSummary) string {
	if d.Origins == nil || len(d.Origins.Items) == 0 {
		return ""
	}
	return aws.ToString(d.Origins.Items[0].DomainName)
}

// sameRegion rejects a distribution whose origin is a load balancer other
// than this region's <name>-alb.
func (l *listing) sameRegion(name string, d cftypes.DistributionSummary) bool {
	var albDNS string
	if lb, ok := l.lbs[(&Spec{Name: name}).loadBalancerName()]; ok {
		albDNS = aws.ToString(lb.DNSName)
	}
	return frontsRegion(d, albDNS, l.region)
}

// frontsRegion reports whether a deployment's distribution can belong to the
// deployment of that name in region, whose load balancer (if any) has the
// DNS name albDNS. CloudFront is global and the tags do not name the region,
// so the origin decides: the region's own load balancer, or any custom
// domain (the origin of a load balancer with a certificate), but not a load
// balancer of another region or another load balancer of this one.
func frontsRegion(d cftypes.DistributionSummary, albDNS, region string) bool {
	origin := originDomain(d)
	switch {
	case !strings.HasSuffix(origin, ".elb.amazonaws.com"):
		return true
	case albDNS != "":
		return origin == albDNS
	}
	return strings.Contains(origin, "."+region+".")
}

func (l *listing) distributionRank(name string, d cftypes.DistributionSummary) int {
	rank := 0
	if lb, ok := l.lbs[(&Spec{Name: name}).loadBalancerName()]; ok && originDomain(d) == aws.ToString(lb.DNSName) {
		rank += 2
	}
	if aws.ToBool(d.Enabled) {
		rank++
	}
	return rank
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
func (l *listing) taggedTier(name string) (int, bool) {
	inst, ok := l.instances[name]
	if !ok {
		return 0, false
	}
	t, err := strconv.Atoi(tagMap(inst.Tags)[TagTier])
	if err != nil || t < TierDev || t > TierGPU {
		return 0, false
	}
	return t, true
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
	fs, hasFS := l.fileSystems[name]
	lb, hasLB := l.lbs[spec.loadBalancerName()]
	tg, hasTG := l.tgs[spec.targetGroupName()]
	dist, hasDist := l.distributions[name]

	tier, known := l.taggedTier(name)
	if !known {
		// As Discover decides it: the load balancer and CloudFront tell.
		tier = TierDev
		if hasLB {
			tier = TierAutomation
		}
		if hasDist {
			tier = TierGPU
		}
	}
	s.Tier = tier

	var created []time.Time
	if hasInstance {
		s.InstanceID, s.InstanceType = aws.ToString(inst.InstanceId), string(inst.InstanceType)
		s.GPU = l.gpu[s.InstanceID]
		created = append(created, aws.ToTime(inst.LaunchTime))
	}
	if hasFS {
		created = append(created, aws.ToTime(fs.CreationTime))
	}
	if hasLB {
		created = append(created, aws.ToTime(lb.CreatedTime))
	}
	for _, t := range created {
		if !t.IsZero() && (s.CreatedAt.IsZero() || t.Before(s.CreatedAt)) {
			s.CreatedAt = t.UTC()
		}
	}

	// The URL as PublicURL computes it for the resource.
	switch {
	case tier == TierGPU && hasDist:
		s.CloudFrontDomain = aws.ToString(dist.DomainName)
		host := s.CloudFrontDomain
		if dist.Aliases != nil && len(dist.Aliases.Items) > 0 {
			host = dist.Aliases.Items[0]
		}
		s.URL = "https://" + host
	case tier >= TierAutomation && hasLB:
		// HTTPS and a custom domain depend on the listeners; the instance's
		// public-url tag, which every apply sets, records the outcome.
		s.URL = "http://" + aws.ToString(lb.DNSName)
		if u := tagMap(inst.Tags)[TagPublicURL]; hasInstance && u != "" && !strings.HasSuffix(u, ".cloudfront.net") {
			s.URL = u
		}
	case tier == TierDev && hasInstance && aws.ToString(inst.PublicDnsName) != "":
		s.URL = "http://" + aws.ToString(inst.PublicDnsName)
	case tier == TierDev && hasInstance && aws.ToString(inst.PublicIpAddress) != "":
		s.URL = "http://" + aws.ToString(inst.PublicIpAddress)
	}

	// The status as summarize decides it for the resource.
	hasVPC := hasInstance || l.component(name, CompVPC)
	complete := hasInstance && hasFS && hasVPC && l.component(name, CompInstanceSG) && l.profiles[spec.roleName()]
	if tier >= TierAutomation {
		complete = complete && hasLB && hasTG && attached(tg, aws.ToString(lb.LoadBalancerArn))
	}
	if tier == TierGPU {
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

// attached reports whether a listener of the load balancer forwards to the
// target group (AWS lists such load balancers on the target group).
func attached(tg elbtypes.TargetGroup, lbARN string) bool {
	for _, a := range tg.LoadBalancerArns {
		if a == lbARN {
			return true
		}
	}
	return false
}
