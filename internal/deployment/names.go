package deployment

import (
	"maps"
	"strconv"
)

// Tag keys the deployment owns. Every AWS object carries the first three, so
// that discovery, import and the duplicate check find it.
const (
	TagDeployment = "geusemaker:deployment"
	TagManagedBy  = "geusemaker:managed-by"
	TagComponent  = "geusemaker:component"
	TagTier       = "geusemaker:tier"
	TagPublicURL  = "geusemaker:public-url"
	ManagedBy     = "terraform"
)

// Component names, used in the component tag and in derived names.
const (
	CompVPC    = "vpc"
	CompSubnet = "subnet"
	// CompPrivateSubnet marks the private subnets of a VPC the GeuseMaker CLI
	// created and the deployment adopted: owned (deleted with the VPC) but
	// not used.
	CompPrivateSubnet   = "private-subnet"
	CompInternetGateway = "internet-gateway"
	CompRouteTable      = "route-table"
	CompInstanceSG      = "instance-sg"
	CompEFSSG           = "efs-sg"
	CompALBSG           = "alb-sg"
	CompFileSystem      = "file-system"
	CompMountTarget     = "mount-target"
	CompRole            = "iam-role"
	CompProfile         = "instance-profile"
	CompInstance        = "instance"
	CompLoadBalancer    = "load-balancer"
	CompTargetGroup     = "target-group"
	CompListener        = "listener"
	CompDistribution    = "distribution"
	// CompCredentials marks the SSM parameters holding the service
	// credentials.
	CompCredentials = "credentials"
)

// IAMPath holds every role and instance profile the provider creates.
const IAMPath = "/geusemaker/"

// Names derived from the deployment name. IAM is global, so the role and
// profile names carry the region: the same name may be deployed in two.
func (s *Spec) roleName() string                  { return "geusemaker-" + s.Name + "-" + s.Region }
func (s *Spec) securityGroupName(c string) string { return s.Name + "-" + trimSG(c) }
func (s *Spec) loadBalancerName() string          { return s.Name + "-alb" }
func (s *Spec) targetGroupName() string           { return s.Name + "-tg" }
func (s *Spec) creationToken() string             { return "geusemaker-" + s.Name }

func trimSG(component string) string {
	switch component {
	case CompInstanceSG:
		return "instance"
	case CompEFSSG:
		return "efs"
	case CompALBSG:
		return "alb"
	}
	return component
}

// tagsFor returns the tags of one component: the user's tags, then the
// deployment's own, which win. Name is "<deployment>-<component>" (the
// instance is just "<deployment>") so the console lists objects readably.
func (s *Spec) tagsFor(component string) map[string]string {
	t := maps.Clone(s.Tags)
	if t == nil {
		t = map[string]string{}
	}
	t["Name"] = s.Name + "-" + component
	if component == CompInstance {
		t["Name"] = s.Name
		t[TagTier] = strconv.Itoa(s.Tier)
	}
	t[TagDeployment] = s.Name
	t[TagManagedBy] = ManagedBy
	t[TagComponent] = component
	return t
}

// UserTags removes the deployment's own tags (and Name) from an object's
// tags, leaving what the user configured. The bookkeeping tags the
// GeuseMaker CLI put on the objects of an adopted deployment go too: its
// geusemaker:created-* tags, and Stack, Tier and ManagedBy when they carry
// the CLI's values.
func UserTags(tags map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range tags {
		switch k {
		case TagDeployment, TagManagedBy, TagComponent, TagTier, TagPublicURL, TagCredentialsRotation, TagCapacity, "Name", "geusemaker:created-at", "geusemaker:created-by":
			continue
		case "Stack":
			if v == tags[TagDeployment] {
				continue
			}
		case "Tier":
			if _, cli := legacyTiers[v]; cli && tags["Stack"] == tags[TagDeployment] {
				continue
			}
		case "ManagedBy":
			if v == "GeuseMaker" {
				continue
			}
		}
		out[k] = v
	}
	return out
}
