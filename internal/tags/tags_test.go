package tags

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"
)

func TestDiff(t *testing.T) {
	cases := []struct {
		name        string
		old, new    map[string]string
		wantRemoved []string
		wantSet     map[string]string
	}{
		{"nothing to do", map[string]string{"a": "1"}, map[string]string{"a": "1"}, nil, map[string]string{}},
		{"add to empty", nil, map[string]string{"a": "1"}, nil, map[string]string{"a": "1"}},
		{"remove all", map[string]string{"b": "2", "a": "1"}, nil, []string{"a", "b"}, map[string]string{}},
		{"change and add and remove", map[string]string{"keep": "x", "change": "old", "drop": "y"},
			map[string]string{"keep": "x", "change": "new", "add": "z"}, []string{"drop"}, map[string]string{"change": "new", "add": "z"}},
		{"empty value is a value", map[string]string{"a": "1"}, map[string]string{"a": ""}, nil, map[string]string{"a": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			removed, set := Diff(tc.old, tc.new)
			if !reflect.DeepEqual(removed, tc.wantRemoved) || !reflect.DeepEqual(set, tc.wantSet) {
				t.Fatalf("Diff = %v, %v; want %v, %v", removed, set, tc.wantRemoved, tc.wantSet)
			}
		})
	}
}

type pair struct{ k, v string }

func TestConvertAndMap(t *testing.T) {
	mk := func(k, v string) pair { return pair{k, v} }
	if got := Convert(map[string]string{}, mk); got != nil {
		t.Fatalf("empty map converts to %v, want nil", got)
	}
	in := map[string]string{"b": "2", "a": "1", "c": ""}
	got := Convert(in, mk)
	want := []pair{{"a", "1"}, {"b", "2"}, {"c", ""}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Convert = %v, want %v (sorted by key)", got, want)
	}
	back := Map(got, func(p pair) (string, string) { return p.k, p.v })
	if !reflect.DeepEqual(back, in) {
		t.Fatalf("Map(Convert(m)) = %v, want %v", back, in)
	}
}

func TestUpdate(t *testing.T) {
	var untagged []string
	var tagged map[string]string
	untag := func(_ context.Context, keys []string) error { untagged = keys; return nil }
	tag := func(_ context.Context, set map[string]string) error { tagged = set; return nil }
	err := Update(context.Background(), "thing", map[string]string{"a": "1", "b": "2", "c": "3"}, map[string]string{"b": "2", "c": "4", "d": "5"}, untag, tag)
	if err != nil || !slices.Equal(untagged, []string{"a"}) || !maps.Equal(tagged, map[string]string{"c": "4", "d": "5"}) {
		t.Fatalf("err=%v untagged=%v tagged=%v", err, untagged, tagged)
	}
	calls := 0
	count := func(context.Context, []string) error { calls++; return nil }
	countSet := func(context.Context, map[string]string) error { calls++; return nil }
	if err := Update(context.Background(), "thing", map[string]string{"a": "1"}, map[string]string{"a": "1"}, count, countSet); err != nil || calls != 0 {
		t.Fatalf("no change made %d calls (err %v)", calls, err)
	}
	boom := errors.New("boom")
	err = Update(context.Background(), "EFS resource (fs-1)", nil, map[string]string{"a": "1"}, count,
		func(context.Context, map[string]string) error { return boom })
	if !errors.Is(err, boom) || err.Error() != "tagging EFS resource (fs-1): boom" {
		t.Fatalf("err = %v", err)
	}
}
