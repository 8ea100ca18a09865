package deployment

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
	tfssm "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ssm"
)

// Catalog remembers what EC2 and SSM said about instance types, the zones
// offering them, the images a launch uses and AWS-managed prefix lists, for
// one provider process.
// Terraform starts the provider once per walk, and in the apply walk the
// re-plan checks these right before the create launches with them: the
// create reuses the answers instead of asking again, and launches the image
// the plan checked. Failures are not kept. A nil Catalog asks every time.
type Catalog struct {
	mu     sync.Mutex
	types  map[string]InstanceTypeInfo
	zones  map[string][]string
	params map[string]string
	images map[string]*ec2types.Image
	lists  map[string]*ec2types.ManagedPrefixList
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	return &Catalog{types: map[string]InstanceTypeInfo{}, zones: map[string][]string{}, params: map[string]string{}, images: map[string]*ec2types.Image{}, lists: map[string]*ec2types.ManagedPrefixList{}}
}

// remember returns the value kept under key in m, or reads and keeps it.
func remember[V any](k *Catalog, m map[string]V, key string, read func() (V, error)) (V, error) {
	if k == nil {
		return read()
	}
	k.mu.Lock()
	v, ok := m[key]
	k.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	k.mu.Lock()
	m[key] = v
	k.mu.Unlock()
	return v, nil
}

// InstanceType is LookupInstanceType through the catalog.
func (k *Catalog) InstanceType(ctx context.Context, conn *ec2.Client, name string) (InstanceTypeInfo, error) {
	var m map[string]InstanceTypeInfo
	if k != nil {
		m = k.types
	}
	return remember(k, m, name, func() (InstanceTypeInfo, error) { return LookupInstanceType(ctx, conn, name) })
}

// ZonesOffering lists, sorted, the zones that offer the instance type.
func (k *Catalog) ZonesOffering(ctx context.Context, conn *ec2.Client, instanceType string) ([]string, error) {
	var m map[string][]string
	if k != nil {
		m = k.zones
	}
	return remember(k, m, instanceType, func() ([]string, error) { return tfec2.FindZonesOffering(ctx, conn, instanceType) })
}

// parameter reads an SSM parameter's value (the default AMI's).
func (k *Catalog) parameter(ctx context.Context, conn *ssm.Client, name string) (string, error) {
	var m map[string]string
	if k != nil {
		m = k.params
	}
	return remember(k, m, name, func() (string, error) { return tfssm.FindParameterValue(ctx, conn, name) })
}

// image describes an AMI.
func (k *Catalog) image(ctx context.Context, conn *ec2.Client, id string) (*ec2types.Image, error) {
	var m map[string]*ec2types.Image
	if k != nil {
		m = k.images
	}
	return remember(k, m, id, func() (*ec2types.Image, error) { return tfec2.FindImageByID(ctx, conn, id) })
}

// PrefixList finds an AWS-managed prefix list by name (its id and weight).
func (k *Catalog) PrefixList(ctx context.Context, conn *ec2.Client, name string) (*ec2types.ManagedPrefixList, error) {
	var m map[string]*ec2types.ManagedPrefixList
	if k != nil {
		m = k.lists
	}
	return remember(k, m, name, func() (*ec2types.ManagedPrefixList, error) { return tfec2.FindManagedPrefixListByName(ctx, conn, name) })
}
