package awsemu

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// xmlWriter renders SDK output structs as the XML the SDK deserializers read,
// using the wire names from the generated tables.
type xmlWriter struct {
	buf      bytes.Buffer
	wp       *wirePackage
	listItem string // default list item element: "item" (ec2) or "member" (query)
}

func (w *xmlWriter) open(name string, attrs string) {
	w.buf.WriteByte('<')
	w.buf.WriteString(name)
	w.buf.WriteString(attrs)
	w.buf.WriteByte('>')
}

func (w *xmlWriter) close(name string) {
	w.buf.WriteString("</")
	w.buf.WriteString(name)
	w.buf.WriteByte('>')
}

func (w *xmlWriter) text(s string) {
	_ = xml.EscapeText(&w.buf, []byte(s))
}

func (w *xmlWriter) element(name string, s string) {
	w.open(name, "")
	w.text(s)
	w.close(name)
}

// members writes the fields of struct value v as child elements.
func (w *xmlWriter) members(v reflect.Value) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	for _, f := range w.wp.fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		if isUnset(fv) {
			continue
		}
		w.value(f.wire.Out, fv, f.wire)
	}
}

func (w *xmlWriter) value(name string, v reflect.Value, wf wireField) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Type() == timeType || isScalarType(v.Type()):
		w.element(name, scalarText(v, wf.Time))
	case v.Kind() == reflect.Slice:
		item := wf.Item
		if item == "" {
			item = w.listItem
		}
		if wf.Flat {
			for i := 0; i < v.Len(); i++ {
				w.value(name, v.Index(i), wireField{})
			}
			return
		}
		w.open(name, "")
		for i := 0; i < v.Len(); i++ {
			w.value(item, v.Index(i), wireField{})
		}
		w.close(name)
	case v.Kind() == reflect.Map:
		w.open(name, "")
		iter := v.MapRange()
		for iter.Next() {
			w.open("entry", "")
			w.value("key", iter.Key(), wireField{})
			w.value("value", iter.Value(), wireField{})
			w.close("entry")
		}
		w.close(name)
	case v.Kind() == reflect.Struct:
		w.open(name, "")
		w.members(v)
		w.close(name)
	}
}

// xmlNode is a parsed request element.
type xmlNode struct {
	name     string
	text     string
	children []*xmlNode
}

func parseXML(r io.Reader) (*xmlNode, error) {
	dec := xml.NewDecoder(r)
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("empty XML document")
	}
	return root, nil
}

func (n *xmlNode) child(names ...string) []*xmlNode {
	var out []*xmlNode
	for _, c := range n.children {
		if equalFoldAny(c.name, names...) {
			out = append(out, c)
		}
	}
	return out
}

// decodeXMLInto fills struct v from the children of node n.
func decodeXMLInto(wp *wirePackage, n *xmlNode, v reflect.Value) error {
	v = settable(v)
	if v.Kind() != reflect.Struct {
		return setXMLValue(wp, n, v)
	}
	for _, f := range wp.fieldsOf(v.Type()) {
		matches := n.child(f.wire.In, f.name)
		if len(matches) == 0 {
			continue
		}
		fv := v.Field(f.index)
		if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.Uint8 {
			var items []*xmlNode
			if len(matches) > 1 || f.wire.Flat {
				items = matches
			} else {
				items = matches[0].children
			}
			sl := reflect.MakeSlice(fv.Type(), len(items), len(items))
			for i, it := range items {
				if err := setXMLValue(wp, it, sl.Index(i)); err != nil {
					return fmt.Errorf("%s: %w", f.name, err)
				}
			}
			fv.Set(sl)
			continue
		}
		if err := setXMLValue(wp, matches[0], fv); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

func setXMLValue(wp *wirePackage, n *xmlNode, v reflect.Value) error {
	if isScalarType(v.Type()) {
		return setScalar(settable(v), strings.TrimSpace(n.text))
	}
	t := v.Type()
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Map {
		m := reflect.MakeMap(t)
		for _, e := range n.children {
			k, val := e.child("key"), e.child("value")
			if len(k) == 0 || len(val) == 0 {
				continue
			}
			kv := reflect.New(t.Key()).Elem()
			vv := reflect.New(t.Elem()).Elem()
			if err := setXMLValue(wp, k[0], kv); err != nil {
				return err
			}
			if err := setXMLValue(wp, val[0], vv); err != nil {
				return err
			}
			m.SetMapIndex(kv, vv)
		}
		settable(v).Set(m)
		return nil
	}
	return decodeXMLInto(wp, n, v)
}
