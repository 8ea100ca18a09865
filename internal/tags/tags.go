// Package tags holds the tag logic every AWS service wrapper shares: the
// change between two tag sets and the conversion of a map to a service's own
// tag type. Each API wants its own struct, but the rules are the same.
package tags

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
)

// Keys returns the keys of m in sorted order, so requests are deterministic.
func Keys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// Diff returns what turns before into after: the keys to remove (sorted) and
// the tags to set, which are the new keys and those whose value changed.
func Diff(before, after map[string]string) (removed []string, set map[string]string) {
	for k := range before {
		if _, ok := after[k]; !ok {
			removed = append(removed, k)
		}
	}
	sort.Strings(removed)
	set = map[string]string{}
	for k, v := range after {
		if ov, ok := before[k]; !ok || ov != v {
			set[k] = v
		}
	}
	return removed, set
}

// Convert builds a service's tag list from m, sorted by key; nil for no tags
// because several APIs reject an empty tag list.
func Convert[T any](m map[string]string, tag func(key, value string) T) []T {
	if len(m) == 0 {
		return nil
	}
	out := make([]T, 0, len(m))
	for _, k := range Keys(m) {
		out = append(out, tag(k, m[k]))
	}
	return out
}

// Map turns a service's tag list back into a map.
func Map[T any](list []T, kv func(T) (key, value string)) map[string]string {
	out := make(map[string]string, len(list))
	for _, t := range list {
		k, v := kv(t)
		out[k] = v
	}
	return out
}

// Update moves an object's tags from before to after, the way every service's tag
// update works: untag receives the keys that went (sorted), tag the tags that
// are new or changed, and neither is called when it has nothing to do. what
// names the object in errors ("EFS resource (fs-1)").
func Update(ctx context.Context, what string, before, after map[string]string,
	untag func(ctx context.Context, keys []string) error,
	tag func(ctx context.Context, set map[string]string) error,
) error {
	removed, set := Diff(before, after)
	if len(removed) > 0 {
		if err := untag(ctx, removed); err != nil {
			return fmt.Errorf("untagging %s: %w", what, err)
		}
	}
	if len(set) > 0 {
		if err := tag(ctx, set); err != nil {
			return fmt.Errorf("tagging %s: %w", what, err)
		}
	}
	return nil
}
