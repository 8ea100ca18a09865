package awsemu

//go:generate go run ./internal/wiregen

import (
	"reflect"
	"strings"
	"time"
)

// wireOp is what the SDK's serializers say about one operation: its REST route
// and HTTP bindings (REST protocols), its API version (query protocols) and
// where the response members go.
type wireOp struct {
	Method, Path    string
	Version         string
	Payload         string
	PayloadRoot     string
	OutPayload      string
	ResultWrapper   string
	Labels, Query   map[string]string
	Headers         map[string]string
	OutHeaders      map[string]string
	literalQuery    map[string]string
	pathSegs        []string
	operation, spkg string
}

// wireField names one struct member on the wire.
type wireField struct {
	In   string // request member name
	Out  string // response element or key
	Item string // list item element (xml protocols)
	Flat bool   // flattened xml list
	Time string // timestamp format when not the protocol default: date, epoch, http
}

type wirePackage struct {
	protocol string
	ops      map[string]*wireOp
	types    map[string]map[string]wireField
}

var wireTables = map[string]*wirePackage{}

func registerWire(pkg, protocol string, ops map[string]wireOp, types map[string]map[string]wireField) {
	wp := &wirePackage{protocol: protocol, ops: map[string]*wireOp{}, types: types}
	for name, op := range ops {
		op := op
		op.operation, op.spkg = name, pkg
		if op.Path != "" {
			path, query, _ := strings.Cut(op.Path, "?")
			op.pathSegs = strings.Split(strings.Trim(path, "/"), "/")
			if query != "" {
				op.literalQuery = map[string]string{}
				for _, kv := range strings.Split(query, "&") {
					k, v, _ := strings.Cut(kv, "=")
					op.literalQuery[k] = v
				}
			}
		}
		wp.ops[name] = &op
	}
	wireTables[pkg] = wp
}

// fieldsOf lists the serializable fields of a struct type with their wire names.
func (wp *wirePackage) fieldsOf(t reflect.Type) []fieldMeta {
	key := t.PkgPath() + "." + t.Name()
	names := wp.types[key]
	var out []fieldMeta
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous || f.Name == "ResultMetadata" {
			continue
		}
		w, ok := names[f.Name]
		if !ok {
			w = wireField{}
		}
		if w.In == "" {
			w.In = f.Name
		}
		if w.Out == "" {
			w.Out = f.Name
			if wp.protocol == "ec2query" {
				w.Out = lowerFirst(f.Name)
			}
		}
		out = append(out, fieldMeta{index: i, name: f.Name, wire: w, typ: f.Type})
	}
	return out
}

type fieldMeta struct {
	index int
	name  string
	wire  wireField
	typ   reflect.Type
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

var timeType = reflect.TypeOf(time.Time{})

// isUnset reports whether a value should be left out of a response: nil
// pointers, slices and maps, and zero value-typed scalars (the SDK models
// optional members as pointers, so a zero enum or number means "not set").
func isUnset(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return v.IsNil()
	case reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return v.IsZero()
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).IsZero()
		}
	}
	return false
}

func formatTime(t time.Time, format string) string {
	switch format {
	case "http":
		return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
	case "epoch":
		return formatEpoch(t)
	default:
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
}

func formatEpoch(t time.Time) string {
	ms := t.UnixMilli()
	s := ms / 1000
	frac := ms % 1000
	if frac == 0 {
		return itoa(s)
	}
	return itoa(s) + "." + strings.TrimRight(pad3(frac), "0")
}
