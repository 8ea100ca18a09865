package awsemu

import "reflect"

// sdkClone deep-copies an SDK value (a struct of pointers, slices and maps),
// so that a service can keep what a request carried without sharing memory
// with the request or with the responses it hands out later.
func sdkClone[T any](v *T) *T {
	if v == nil {
		return nil
	}
	out := reflect.New(reflect.TypeOf(v).Elem())
	cloneInto(out.Elem(), reflect.ValueOf(v).Elem())
	return out.Interface().(*T)
}

func cloneInto(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		n := reflect.New(src.Type().Elem())
		cloneInto(n.Elem(), src.Elem())
		dst.Set(n)
	case reflect.Struct:
		if src.Type() == timeType {
			dst.Set(src)
			return
		}
		t := src.Type()
		for i := 0; i < t.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			cloneInto(dst.Field(i), src.Field(i))
		}
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		n := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := 0; i < src.Len(); i++ {
			cloneInto(n.Index(i), src.Index(i))
		}
		dst.Set(n)
	case reflect.Map:
		if src.IsNil() {
			return
		}
		n := reflect.MakeMapWithSize(src.Type(), src.Len())
		iter := src.MapRange()
		for iter.Next() {
			v := reflect.New(src.Type().Elem()).Elem()
			cloneInto(v, iter.Value())
			n.SetMapIndex(iter.Key(), v)
		}
		dst.Set(n)
	default:
		dst.Set(src)
	}
}
