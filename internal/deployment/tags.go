package deployment

import (
	"context"
	"maps"
	"slices"

	tfec2 "github.com/geusemaker/terraform-provider-geusemaker/internal/service/ec2"
)

// updateTags moves every component from the tags it carries (built from
// priorTags and priorTier) to the spec's, in place.
func (o *op) updateTags(ctx context.Context, priorTags map[string]string, priorTier int) error {
	if maps.Equal(priorTags, o.spec.Tags) && priorTier == o.spec.Tier {
		return nil
	}
	old := *o.spec
	old.Tags, old.Tier = priorTags, priorTier
	st := o.rec.get()
	for _, retag := range []func(context.Context, *Spec, *State) error{
		o.retagNetwork,
		o.retagSecurityGroups,
		o.retagInstance,
		o.retagFileSystem,
		o.retagIAM,
		o.retagLoadBalancer,
		o.retagDistribution,
		o.retagDomain,
		o.retagCredentials,
	} {
		if err := retag(ctx, &old, st); err != nil {
			return err
		}
	}
	return nil
}

// retagEC2 moves EC2 objects of one component from old's tags to the
// spec's; empty ids are skipped.
func (o *op) retagEC2(ctx context.Context, old *Spec, component string, ids ...string) error {
	ids = nonEmpty(ids)
	if len(ids) == 0 {
		return nil
	}
	return tfec2.UpdateTags(ctx, o.c.EC2, ids, old.tagsFor(component), o.spec.tagsFor(component))
}

func nonEmpty(ids []string) []string {
	return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" })
}
