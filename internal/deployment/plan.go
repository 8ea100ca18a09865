package deployment

import (
	"slices"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/deployment/tier"
)

// Changes are what a configuration change touches, as the plan sees it.
type Changes struct {
	FromTier, ToTier int
	// OwnedNetwork says the deployment has (or gets) its own VPC.
	OwnedNetwork bool
	// Workload says the GPU setting, the services or the models change: the
	// boot script changes, so the instance is replaced.
	Workload bool
	// Services says the services change (their URLs change with them).
	Services bool
	// InstanceType says the instance type changes (in place).
	InstanceType bool
	// LoadBalancer and CDN say the load_balancer or cdn settings change.
	LoadBalancer, CDN bool
	// Market says capacity.market changes so that the instance no longer
	// fits it (MarketReplaces): the instance is replaced.
	Market bool
	// SpotInstance says the instance is a Spot instance: one-time Spot
	// instances cannot be stopped, so a type change replaces it.
	SpotInstance bool
	// Domain says domain changes (set, removed, another name or zone);
	// DomainEnabled says the new configuration has one.
	Domain, DomainEnabled bool
	// Credentials says the service credentials change: generated for the
	// first time (a deployment of an earlier release), regenerated
	// (credentials_rotation), a service needing one added, or the owner
	// email changed. The boot script reads them, so the instance is
	// replaced.
	Credentials bool
	// CredentialParams are the SSM parameters the configured services need.
	CredentialParams []string
}

// UpdatePlan says what an update creates anew or changes, so that the plan
// can show those attributes as known only after apply. An update recreates
// what the last refresh found missing (drift) besides what the
// configuration changes.
type UpdatePlan struct {
	// Network: a dedicated VPC, its subnets, gateway and route table are
	// created anew.
	Network bool
	// SecurityGroups: the instance's and the file system's groups.
	SecurityGroups bool
	FileSystem     bool
	MountTargets   bool
	// IAM: the role and the instance profile.
	IAM bool
	// Instance: a new instance (new id, addresses, zone and AMI).
	Instance bool
	// Resize: the instance changes type in place (a new public address).
	Resize bool

	LoadBalancer     bool
	ALBSecurityGroup bool
	TargetGroup      bool
	Listeners        bool

	// Distribution: a new CloudFront distribution.
	Distribution bool
	// Rollout: the distribution's configuration changes, so its status
	// goes through InProgress.
	Rollout bool
	// OriginSecret: a new origin secret (when the origin is restricted).
	OriginSecret bool

	// DomainCertificates: the domain's certificates change (new ones are
	// requested, or some are deleted).
	DomainCertificates bool

	// URL: the public URL and the service URLs may change.
	URL bool

	// Credentials: the service credentials get new values.
	Credentials bool
	// CredentialParams: SSM parameters are written or deleted.
	CredentialParams bool
}

// PublicPath says the update changes what serves the public URL, so the
// reachability check runs after it.
func (p UpdatePlan) PublicPath() bool {
	return p.URL || p.Instance || p.Resize || p.SecurityGroups || p.LoadBalancer || p.ALBSecurityGroup || p.TargetGroup || p.Listeners ||
		p.Distribution || p.Rollout
}

// PlanUpdate decides what an update does, from the changes and prior, the
// deployment as the last refresh saw it (ids of missing components empty).
func PlanUpdate(ch Changes, prior *State) UpdatePlan {
	from, to := tier.Tier(ch.FromTier), tier.Tier(ch.ToTier)
	networkMissing := prior.VPCID == "" || len(prior.SubnetIDs) == 0 ||
		(ch.OwnedNetwork && (prior.InternetGatewayID == "" || prior.RouteTableID == ""))
	efsMissing := prior.EFSID == ""
	mountsMissing := len(prior.MountTargetIDs) == 0 || len(prior.MountTargetIDs) < len(prior.SubnetIDs)

	p := UpdatePlan{
		Network:        networkMissing && ch.OwnedNetwork,
		SecurityGroups: networkMissing || prior.InstanceSecurityGroupID == "" || prior.EFSSecurityGroupID == "",
		FileSystem:     efsMissing,
		MountTargets:   efsMissing || networkMissing || mountsMissing,
		IAM:            prior.RoleName == "" || prior.ProfileName == "",
		// The instance's boot script names the file system and its mount
		// target's address.
		Instance: prior.InstanceID == "" || ch.Workload || ch.Credentials || efsMissing || networkMissing || mountsMissing ||
			ch.Market || (ch.InstanceType && ch.SpotInstance),

		Credentials:      ch.Credentials,
		CredentialParams: ch.Credentials || !sameElements(prior.CredentialParams, ch.CredentialParams),
	}
	p.Resize = ch.InstanceType && !ch.SpotInstance
	if to.HasLoadBalancer() {
		gained := !from.HasLoadBalancer()
		p.LoadBalancer = gained || prior.ALBARN == "" || networkMissing
		p.ALBSecurityGroup = gained || prior.ALBSecurityGroupID == "" || networkMissing
		p.TargetGroup = gained || prior.TargetGroupARN == "" || networkMissing
		p.Listeners = p.LoadBalancer || p.TargetGroup || ch.LoadBalancer || len(prior.ListenerARNs) == 0
	}
	if to.HasCDN() {
		p.Distribution = !from.HasCDN() || prior.DistributionID == ""
		p.Rollout = p.Distribution || ch.CDN || p.LoadBalancer || ch.LoadBalancer
		p.OriginSecret = prior.OriginSecret == ""
	}
	if ch.DomainEnabled || len(prior.DomainCertificates) > 0 {
		// The load balancer's certificate follows the name; CloudFront's
		// comes and goes with tier 3. A certificate the refresh found gone
		// is requested again.
		had := map[string]bool{}
		for _, c := range prior.DomainCertificates {
			had[c.Use] = true
		}
		wantLB, wantCDN := ch.DomainEnabled && to.HasLoadBalancer(), ch.DomainEnabled && to.HasCDN()
		p.DomainCertificates = (ch.Domain && (wantLB || len(prior.DomainCertificates) > 0)) ||
			had[CertificateUseLoadBalancer] != wantLB || had[CertificateUseCloudFront] != wantCDN
	}
	switch {
	case from != to || ch.Services || ch.Domain:
		p.URL = true
	case to.HasCDN():
		p.URL = p.Distribution || ch.CDN
	case to.HasLoadBalancer():
		p.URL = p.LoadBalancer || ch.LoadBalancer
	default:
		p.URL = p.Instance || p.Resize
	}
	return p
}

func sameElements(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
