package awsemu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strings"
)

func parseForm(r *http.Request, body []byte) (url.Values, error) {
	if r.Method == http.MethodGet {
		return r.URL.Query(), nil
	}
	return url.ParseQuery(string(body))
}

// decodeRequest finds the operation a request names and decodes its input.
func decodeRequest(def *serviceDef, r *http.Request, body []byte) (*wireOp, reflect.Value, *APIError) {
	wp := def.wire
	var op *wireOp
	switch wp.protocol {
	case "ec2query", "query":
		form, err := parseForm(r, body)
		if err != nil {
			return nil, reflect.Value{}, Errorf("MalformedQueryString", "%v", err)
		}
		action := form.Get("Action")
		if op = wp.ops[action]; op == nil {
			return nil, reflect.Value{}, unknownOperation(def, action)
		}
		in, apiErr := newInput(def, op)
		if apiErr != nil {
			return op, in, apiErr
		}
		if err := decodeQueryInto(wp, parseQueryTree(form), in); err != nil {
			return op, in, Errorf("InvalidParameterValue", "%v", err)
		}
		return op, in, nil
	case "json":
		target := r.Header.Get("X-Amz-Target")
		_, name, _ := strings.Cut(target, ".")
		if op = wp.ops[name]; op == nil {
			return nil, reflect.Value{}, unknownOperation(def, target)
		}
		in, apiErr := newInput(def, op)
		if apiErr != nil {
			return op, in, apiErr
		}
		if len(bytes.TrimSpace(body)) > 0 {
			raw, err := decodeJSONAny(body)
			if err != nil {
				return op, in, Errorf("SerializationException", "%v", err)
			}
			if err := decodeJSONInto(wp, raw, in); err != nil {
				return op, in, Errorf("ValidationException", "%v", err)
			}
		}
		return op, in, nil
	default:
		labels := map[string]string{}
		if op = matchRoute(wp, r, labels); op == nil {
			return nil, reflect.Value{}, ErrorfStatus(http.StatusNotFound, "UnknownOperationException", "no emulated operation for %s %s", r.Method, r.URL.Path)
		}
		in, apiErr := newInput(def, op)
		if apiErr != nil {
			return op, in, apiErr
		}
		if err := decodeREST(wp, op, r, body, labels, in); err != nil {
			code := "InvalidArgument"
			if wp.protocol == "restjson" {
				code = "BadRequest"
			}
			return op, in, Errorf(code, "%v", err)
		}
		return op, in, nil
	}
}

func newInput(def *serviceDef, op *wireOp) (reflect.Value, *APIError) {
	m, ok := def.handlers[op.operation]
	if !ok {
		return reflect.Value{}, unknownOperation(def, op.operation)
	}
	return reflect.New(m.Type.In(2).Elem()), nil
}

func decodeJSONAny(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw any
	err := dec.Decode(&raw)
	return raw, err
}

// matchRoute picks the REST operation for a request: method and path segments
// must match, and every literal query parameter of the route must be present;
// the most specific route wins.
func matchRoute(wp *wirePackage, r *http.Request, labels map[string]string) *wireOp {
	segs := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	q := r.URL.Query()
	var best *wireOp
	var bestLabels map[string]string
	bestScore := -1
	names := make([]string, 0, len(wp.ops))
	for n := range wp.ops {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		op := wp.ops[n]
		if op.Method != r.Method {
			continue
		}
		got := map[string]string{}
		if !matchSegments(op.pathSegs, segs, got) {
			continue
		}
		ok := true
		for k, v := range op.literalQuery {
			if _, present := q[k]; !present || (v != "" && q.Get(k) != v) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		score := len(op.literalQuery)*100 + len(op.pathSegs)
		for _, s := range op.pathSegs {
			if !strings.HasPrefix(s, "{") {
				score += 10
			}
		}
		if score > bestScore {
			best, bestLabels, bestScore = op, got, score
		}
	}
	for k, v := range bestLabels {
		labels[k] = v
	}
	return best
}

func matchSegments(pattern, segs []string, labels map[string]string) bool {
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}") {
			if i >= len(segs) {
				return false
			}
			v, err := url.PathUnescape(strings.Join(segs[i:], "/"))
			if err != nil {
				return false
			}
			labels[strings.Trim(p, "{+}")] = v
			return true
		}
		if i >= len(segs) {
			return false
		}
		if strings.HasPrefix(p, "{") {
			v, err := url.PathUnescape(segs[i])
			if err != nil || v == "" {
				return false
			}
			labels[strings.Trim(p, "{}")] = v
			continue
		}
		if p != segs[i] {
			return false
		}
	}
	return len(pattern) == len(segs)
}

func decodeREST(wp *wirePackage, op *wireOp, r *http.Request, body []byte, labels map[string]string, in reflect.Value) error {
	v := in.Elem()
	t := v.Type()
	q := r.URL.Query()
	for field, label := range op.Labels {
		if f, ok := t.FieldByName(field); ok {
			if err := setScalar(settable(v.FieldByIndex(f.Index)), labels[label]); err != nil {
				return err
			}
		}
	}
	for field, param := range op.Query {
		vals, present := q[param]
		if !present {
			continue
		}
		f, ok := t.FieldByName(field)
		if !ok {
			continue
		}
		fv := v.FieldByIndex(f.Index)
		if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() != reflect.Uint8 {
			sl := reflect.MakeSlice(fv.Type(), len(vals), len(vals))
			for i, s := range vals {
				if err := setScalar(settable(sl.Index(i)), s); err != nil {
					return err
				}
			}
			fv.Set(sl)
			continue
		}
		if err := setScalar(settable(fv), vals[0]); err != nil {
			return err
		}
	}
	for field, header := range op.Headers {
		hv := r.Header.Get(header)
		if hv == "" {
			continue
		}
		if f, ok := t.FieldByName(field); ok {
			if err := setScalar(settable(v.FieldByIndex(f.Index)), hv); err != nil {
				return err
			}
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	target := v
	if op.Payload != "" {
		f, ok := t.FieldByName(op.Payload)
		if !ok {
			return nil
		}
		target = v.FieldByIndex(f.Index)
		if target.Kind() == reflect.Slice && target.Type().Elem().Kind() == reflect.Uint8 {
			target.SetBytes(body)
			return nil
		}
	}
	if wp.protocol == "restjson" {
		raw, err := decodeJSONAny(body)
		if err != nil {
			return err
		}
		return decodeJSONInto(wp, raw, target.Addr())
	}
	root, err := parseXML(bytes.NewReader(body))
	if err != nil {
		return err
	}
	return decodeXMLInto(wp, root, target.Addr())
}

// encodeResponse writes a successful response in the service's protocol.
func encodeResponse(w http.ResponseWriter, req *request, op *wireOp, out reflect.Value) {
	def := req.def
	wp := def.wire
	ns := ""
	if def.info.XMLNamespace != "" {
		ns = ` xmlns="` + def.info.XMLNamespace + `"`
	}
	w.Header().Set("X-Amzn-Requestid", req.requestID)
	switch wp.protocol {
	case "ec2query":
		xw := &xmlWriter{wp: wp, listItem: "item"}
		xw.buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
		xw.open(op.operation+"Response", ns)
		xw.element("requestId", req.requestID)
		xw.members(out)
		xw.close(op.operation + "Response")
		writeBody(w, "text/xml;charset=UTF-8", http.StatusOK, xw.buf.Bytes())
	case "query":
		xw := &xmlWriter{wp: wp, listItem: "member"}
		xw.open(op.operation+"Response", ns)
		if op.ResultWrapper != "" {
			xw.open(op.ResultWrapper, "")
			xw.members(out)
			xw.close(op.ResultWrapper)
		}
		xw.open("ResponseMetadata", "")
		xw.element("RequestId", req.requestID)
		xw.close("ResponseMetadata")
		xw.close(op.operation + "Response")
		writeBody(w, "text/xml", http.StatusOK, xw.buf.Bytes())
	case "json":
		var buf bytes.Buffer
		encodeJSONMembers(wp, &buf, out, nil)
		writeBody(w, "application/x-amz-json-1.1", http.StatusOK, buf.Bytes())
	case "restjson", "restxml":
		v := out.Elem()
		for field, header := range op.OutHeaders {
			fv := v.FieldByName(field)
			if fv.IsValid() && !isUnset(fv) {
				w.Header().Set(header, scalarText(reflect.Indirect(fv), "http"))
			}
		}
		var buf bytes.Buffer
		if wp.protocol == "restjson" {
			if op.OutPayload != "" {
				if pv := v.FieldByName(op.OutPayload); !isUnset(pv) {
					encodeJSON(wp, &buf, pv, wireField{})
				}
			} else {
				encodeJSONMembers(wp, &buf, out, op.OutHeaders)
			}
			writeBody(w, "application/json", http.StatusOK, buf.Bytes())
			return
		}
		xw := &xmlWriter{wp: wp, listItem: "member"}
		if op.OutPayload != "" {
			pv := v.FieldByName(op.OutPayload)
			if !isUnset(pv) {
				root := reflect.Indirect(pv).Type().Name()
				xw.buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
				xw.open(root, ns)
				xw.members(pv)
				xw.close(root)
			}
		} else if hasBodyMembers(wp, v, op.OutHeaders) {
			xw.open(op.operation+"Result", ns)
			xw.members(out)
			xw.close(op.operation + "Result")
		}
		writeBody(w, "text/xml", http.StatusOK, xw.buf.Bytes())
	}
}

func hasBodyMembers(wp *wirePackage, v reflect.Value, skip map[string]string) bool {
	for _, f := range wp.fieldsOf(v.Type()) {
		if _, ok := skip[f.name]; !ok && !isUnset(v.Field(f.index)) {
			return true
		}
	}
	return false
}

func writeBody(w http.ResponseWriter, contentType string, status int, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError writes an error in the envelope the service's protocol uses.
func (req *request) writeError(w http.ResponseWriter, e *APIError) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("X-Amzn-Requestid", req.requestID)
	var buf bytes.Buffer
	switch req.def.wire.protocol {
	case "ec2query":
		buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Response><Errors><Error><Code>")
		_ = xmlEscape(&buf, e.Code)
		buf.WriteString("</Code><Message>")
		_ = xmlEscape(&buf, e.Message)
		buf.WriteString("</Message></Error></Errors><RequestID>" + req.requestID + "</RequestID></Response>")
		writeBody(w, "text/xml;charset=UTF-8", status, buf.Bytes())
	case "query", "restxml":
		kind := "Sender"
		if status >= 500 {
			kind = "Receiver"
		}
		buf.WriteString("<ErrorResponse><Error><Type>" + kind + "</Type><Code>")
		_ = xmlEscape(&buf, e.Code)
		buf.WriteString("</Code><Message>")
		_ = xmlEscape(&buf, e.Message)
		buf.WriteString("</Message></Error><RequestId>" + req.requestID + "</RequestId></ErrorResponse>")
		writeBody(w, "text/xml", status, buf.Bytes())
	default:
		w.Header().Set("X-Amzn-Errortype", e.Code)
		fields := map[string]string{"__type": e.Code, "message": e.Message, "ErrorCode": e.Code}
		for k, v := range e.Fields {
			if _, taken := fields[k]; !taken {
				fields[k] = v
			}
		}
		body, _ := json.Marshal(fields)
		ct := "application/x-amz-json-1.1"
		if req.def.wire.protocol == "restjson" {
			ct = "application/json"
		}
		writeBody(w, ct, status, body)
	}
}

// writeBareError answers a request whose service could not be determined.
func writeBareError(w http.ResponseWriter, e *APIError) {
	var buf bytes.Buffer
	buf.WriteString("<ErrorResponse><Error><Type>Sender</Type><Code>")
	_ = xmlEscape(&buf, e.Code)
	buf.WriteString("</Code><Message>")
	_ = xmlEscape(&buf, e.Message)
	buf.WriteString("</Message></Error></ErrorResponse>")
	w.Header().Set("X-Amzn-Errortype", e.Code)
	writeBody(w, "text/xml", e.Status, buf.Bytes())
}

func xmlEscape(buf *bytes.Buffer, s string) error {
	xw := xmlWriter{}
	xw.text(s)
	_, err := buf.Write(xw.buf.Bytes())
	return err
}
