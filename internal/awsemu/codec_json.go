package awsemu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// decodeJSONInto fills v from a JSON document the SDK serialized.
func decodeJSONInto(wp *wirePackage, raw any, v reflect.Value) error {
	if raw == nil {
		return nil
	}
	if isScalarType(v.Type()) {
		dst := settable(v)
		switch x := raw.(type) {
		case string:
			if dst.Kind() == reflect.Slice {
				b, err := base64.StdEncoding.DecodeString(x)
				if err != nil {
					return fmt.Errorf("invalid base64 value")
				}
				dst.SetBytes(b)
				return nil
			}
			return setScalar(dst, x)
		case json.Number:
			if dst.Type() == timeType {
				f, err := x.Float64()
				if err != nil {
					return err
				}
				sec := int64(f)
				dst.Set(reflect.ValueOf(time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()))
				return nil
			}
			return setScalar(dst, x.String())
		case bool:
			return setScalar(dst, strconv.FormatBool(x))
		}
		return fmt.Errorf("unexpected JSON %T for %s", raw, v.Type())
	}
	t := v.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		arr, ok := raw.([]any)
		if !ok {
			return fmt.Errorf("expected JSON array for %s", t)
		}
		sl := reflect.MakeSlice(t, len(arr), len(arr))
		for i, e := range arr {
			if err := decodeJSONInto(wp, e, sl.Index(i)); err != nil {
				return err
			}
		}
		settable(v).Set(sl)
		return nil
	case reflect.Map:
		obj, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("expected JSON object for %s", t)
		}
		m := reflect.MakeMap(t)
		for k, e := range obj {
			vv := reflect.New(t.Elem()).Elem()
			if err := decodeJSONInto(wp, e, vv); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), vv)
		}
		settable(v).Set(m)
		return nil
	case reflect.Struct:
		obj, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("expected JSON object for %s", t)
		}
		dst := settable(v)
		for _, f := range wp.fieldsOf(t) {
			e, ok := obj[f.wire.In]
			if !ok {
				continue
			}
			if err := decodeJSONInto(wp, e, dst.Field(f.index)); err != nil {
				return fmt.Errorf("%s: %w", f.wire.In, err)
			}
		}
		return nil
	}
	return nil
}

// encodeJSON renders an SDK output value as the JSON its deserializer reads.
func encodeJSON(wp *wirePackage, buf *bytes.Buffer, v reflect.Value, wf wireField) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			buf.WriteString("null")
			return
		}
		v = v.Elem()
	}
	if v.Type() == timeType {
		f := wf.Time
		if f == "" {
			f = "epoch"
		}
		s := formatTime(v.Interface().(time.Time), f)
		if f == "epoch" {
			buf.WriteString(s)
		} else {
			b, _ := json.Marshal(s)
			buf.Write(b)
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		b, _ := json.Marshal(v.String())
		buf.Write(b)
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
		buf.WriteString(scalarText(v, ""))
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b, _ := json.Marshal(base64.StdEncoding.EncodeToString(v.Bytes()))
			buf.Write(b)
			return
		}
		buf.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			encodeJSON(wp, buf, v.Index(i), wireField{})
		}
		buf.WriteByte(']')
	case reflect.Map:
		buf.WriteByte('{')
		iter := v.MapRange()
		first := true
		for iter.Next() {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(fmt.Sprint(iter.Key().Interface()))
			buf.Write(k)
			buf.WriteByte(':')
			encodeJSON(wp, buf, iter.Value(), wireField{})
		}
		buf.WriteByte('}')
	case reflect.Struct:
		encodeJSONMembers(wp, buf, v, nil)
	default:
		buf.WriteString("null")
	}
}

// encodeJSONMembers writes struct v as an object, leaving out skip members
// (those bound to HTTP headers in REST protocols).
func encodeJSONMembers(wp *wirePackage, buf *bytes.Buffer, v reflect.Value, skip map[string]string) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			buf.WriteString("{}")
			return
		}
		v = v.Elem()
	}
	buf.WriteByte('{')
	first := true
	for _, f := range wp.fieldsOf(v.Type()) {
		if _, ok := skip[f.name]; ok {
			continue
		}
		fv := v.Field(f.index)
		if isUnset(fv) {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(f.wire.Out)
		buf.Write(k)
		buf.WriteByte(':')
		encodeJSON(wp, buf, fv, f.wire)
	}
	buf.WriteByte('}')
}
