// Package tier says what each deployment tier consists of. It imports
// nothing, so that every layer — the deployment, the boot script, the cost
// estimator, the provider's validators and plan — asks it instead of
// comparing tier numbers of its own.
package tier

// Tier is a deployment tier: an instance with EFS storage in a VPC, plus an
// Application Load Balancer from LoadBalanced on, plus CloudFront from CDN
// on. GPUs are a separate setting of any tier.
type Tier int

// The tiers. They are untyped so that int and int64 tier values compare with
// them directly.
const (
	Min          = 1 // instance + EFS in a VPC
	LoadBalanced = 2 // + Application Load Balancer
	CDN          = 3 // + CloudFront in front of the load balancer
	Max          = CDN
)

// Valid reports whether t is a tier.
func (t Tier) Valid() bool { return t >= Min && t <= Max }

// HasLoadBalancer reports whether the tier puts a load balancer in front of
// the instance.
func (t Tier) HasLoadBalancer() bool { return t >= LoadBalanced }

// HasCDN reports whether the tier puts CloudFront in front of the load
// balancer.
func (t Tier) HasCDN() bool { return t >= CDN }
