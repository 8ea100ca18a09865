package awsemu

import (
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// queryNode is one level of a flattened query request (Filter.1.Value.2=x).
type queryNode struct {
	value    *string
	children map[string]*queryNode
}

func parseQueryTree(form url.Values) *queryNode {
	root := &queryNode{children: map[string]*queryNode{}}
	for key, vals := range form {
		if key == "Action" || key == "Version" || len(vals) == 0 {
			continue
		}
		n := root
		for _, part := range strings.Split(key, ".") {
			if n.children == nil {
				n.children = map[string]*queryNode{}
			}
			c := n.children[part]
			if c == nil {
				c = &queryNode{}
				n.children[part] = c
			}
			n = c
		}
		v := vals[0]
		n.value = &v
	}
	return root
}

func (n *queryNode) get(names ...string) *queryNode {
	for _, name := range names {
		if c, ok := n.children[name]; ok {
			return c
		}
	}
	for k, c := range n.children {
		if equalFoldAny(k, names...) {
			return c
		}
	}
	return nil
}

// items returns the numbered children of a list node, looking through the
// member/item wrapper the query protocol uses for non-flattened lists.
func (n *queryNode) items() []*queryNode {
	if w := n.get("member", "item"); w != nil && len(n.children) == 1 {
		n = w
	}
	type kv struct {
		i int
		n *queryNode
	}
	var list []kv
	for k, c := range n.children {
		i, err := strconv.Atoi(k)
		if err != nil {
			continue
		}
		list = append(list, kv{i, c})
	}
	sort.Slice(list, func(a, b int) bool { return list[a].i < list[b].i })
	out := make([]*queryNode, len(list))
	for i, e := range list {
		out[i] = e.n
	}
	return out
}

func decodeQueryInto(wp *wirePackage, n *queryNode, v reflect.Value) error {
	v = settable(v)
	if v.Kind() != reflect.Struct {
		return setQueryValue(wp, n, v)
	}
	for _, f := range wp.fieldsOf(v.Type()) {
		c := n.get(f.wire.In, f.name)
		if c == nil {
			continue
		}
		if err := setQueryValue(wp, c, v.Field(f.index)); err != nil {
			return fmt.Errorf("%s: %w", f.wire.In, err)
		}
	}
	return nil
}

func setQueryValue(wp *wirePackage, n *queryNode, v reflect.Value) error {
	if isScalarType(v.Type()) {
		if n.value == nil {
			return nil
		}
		return setScalar(settable(v), *n.value)
	}
	t := v.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		items := n.items()
		sl := reflect.MakeSlice(t, len(items), len(items))
		for i, it := range items {
			if err := setQueryValue(wp, it, sl.Index(i)); err != nil {
				return err
			}
		}
		settable(v).Set(sl)
		return nil
	case reflect.Map:
		m := reflect.MakeMap(t)
		entries := n
		if e := n.get("entry"); e != nil {
			entries = e
		}
		for _, e := range entries.items() {
			k, val := e.get("key", "Key"), e.get("value", "Value")
			if k == nil || val == nil {
				continue
			}
			kv := reflect.New(t.Key()).Elem()
			vv := reflect.New(t.Elem()).Elem()
			if err := setQueryValue(wp, k, kv); err != nil {
				return err
			}
			if err := setQueryValue(wp, val, vv); err != nil {
				return err
			}
			m.SetMapIndex(kv, vv)
		}
		settable(v).Set(m)
		return nil
	}
	return decodeQueryInto(wp, n, v)
}
