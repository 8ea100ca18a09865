// Package awsemu is a stateful emulator of the AWS APIs the provider calls. It
// speaks the real wire protocols (EC2 query, AWS query, JSON 1.1, REST-JSON,
// REST-XML) to the real aws-sdk-go-v2 clients, routes requests by their SigV4
// credential scope and verifies their signatures, runs resource lifecycles on
// a virtual clock, and exposes a control API under /_emu/ for call counts, the
// live inventory, fault injection and the clock.
package awsemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure an Emulator.
type Options struct {
	// Speed is the virtual clock's speed factor (default 1).
	Speed float64
	// Seed makes generated ids differ between emulators (default "awsemu").
	Seed string
	// AcceptAnyCredentials accepts unknown access keys without checking the
	// signature; by default only registered or issued keys are accepted.
	AcceptAnyCredentials bool
	// Knobs tune service behaviour (see each service's documentation).
	Knobs map[string]string
	// ProxyListen is the address of the data plane's forward proxy
	// ("127.0.0.1:0" when empty; see dataplane.go).
	ProxyListen string
	// HoldClock stops the virtual clock while a request is being served,
	// so that the emulator's processing time, and with it the load of the
	// machine it runs on, does not count as virtual time; CallLatency is
	// then the virtual time each call takes instead (the answer comes that
	// long after the call took effect). Benchmarks set both, so that what
	// they measure does not depend on the machine.
	HoldClock   bool
	CallLatency time.Duration
	// CA signs the data plane's certificates; nil gives the emulator a CA
	// of its own. Emulators that share one CA can be trusted through one
	// SSL_CERT_FILE (a test process runs many).
	CA *DataPlaneCA
}

// Emulator is one emulated AWS account.
type Emulator struct {
	opts  Options
	clock *Clock
	ids   *idGen

	mu        sync.Mutex
	instances map[string]any // "signingName/region" → service state
	creds     map[string]*Credential
	credLog   []Credential
	faults    []*Fault
	faultSeq  int
	calls     []CallRecord
	counts    map[string]int
	knobs     map[string]string

	srv      *http.Server
	listener net.Listener

	dp *dataPlane // the data plane (dataplane.go)

	life lifecycleLog // lifecycle events (lifecycle.go)
}

// CallRecord is one entry of the call log.
type CallRecord struct {
	Seq       int               `json:"seq"`
	Time      time.Time         `json:"time"`
	Service   string            `json:"service"`
	Operation string            `json:"operation"`
	Region    string            `json:"region"`
	AccessKey string            `json:"access_key"`
	Error     string            `json:"error,omitempty"`
	Notes     map[string]string `json:"notes,omitempty"`
}

// New creates an emulator that is not yet listening.
func New(opts Options) *Emulator {
	if opts.Seed == "" {
		opts.Seed = "awsemu"
	}
	e := &Emulator{opts: opts}
	e.resetLocked()
	e.dp = newDataPlane(e)
	return e
}

func (e *Emulator) resetLocked() {
	if e.clock == nil {
		e.clock = newClock(time.Now().UTC().Truncate(time.Second), e.opts.Speed)
		e.ids = newIDGen(e.opts.Seed)
	}
	e.ids.reset()
	e.instances = map[string]any{}
	e.creds = map[string]*Credential{}
	e.credLog = nil
	e.faults = nil
	e.calls = nil
	e.counts = map[string]int{}
	e.life.reset()
	e.knobs = map[string]string{}
	for k, v := range e.opts.Knobs {
		e.knobs[k] = v
	}
	if e.dp != nil {
		e.dp.resetLocked()
	}
	e.addCredentialLocked(&Credential{
		AccessKey: DefaultAccessKey, SecretKey: DefaultSecretKey, Source: "static",
		Principal: Principal{Account: AccountID, ARN: "arn:aws:iam::" + AccountID + ":user/emulator", UserID: "AIDAEMULATORUSER00001"},
	})
}

// Reset drops every resource, credential, fault and log entry.
func (e *Emulator) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.resetLocked()
}

// Start listens on addr ("127.0.0.1:0" when empty) and serves in the background.
func (e *Emulator) Start(addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := e.dp.start(e.opts.ProxyListen); err != nil {
		_ = l.Close()
		return fmt.Errorf("data plane proxy: %w", err)
	}
	e.listener = l
	e.srv = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = e.srv.Serve(l) }()
	return nil
}

// URL is the base endpoint clients point at.
func (e *Emulator) URL() string {
	if e.listener == nil {
		return ""
	}
	return "http://" + e.listener.Addr().String()
}

// Close stops the listener.
func (e *Emulator) Close() error {
	if e.srv == nil {
		return nil
	}
	e.dp.close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return e.srv.Shutdown(ctx)
}

// Clock exposes the virtual clock.
func (e *Emulator) Clock() *Clock { return e.clock }

// Now is the current virtual time.
func (e *Emulator) Now() time.Time { return e.clock.Now() }

// Knob returns a behaviour setting, or def when unset.
func (e *Emulator) Knob(key, def string) string {
	if v, ok := e.knobs[key]; ok {
		return v
	}
	return def
}

// KnobDuration returns a duration setting; "never" is -1.
func (e *Emulator) KnobDuration(key string, def time.Duration) time.Duration {
	v, ok := e.knobs[key]
	if !ok {
		return def
	}
	if v == "never" {
		return -1
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def
	}
	return d
}

// SetKnob changes a behaviour setting ("" deletes it).
func (e *Emulator) SetKnob(key, value string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if value == "" {
		delete(e.knobs, key)
		return
	}
	e.knobs[key] = value
}

// instance returns the service state for a region, creating it on first use.
// The lock must be held.
func (e *Emulator) instance(name, region string) any {
	var def *serviceDef
	registryMu.Lock()
	for _, d := range registry {
		if d.info.Name == name {
			def = d
		}
	}
	registryMu.Unlock()
	if def == nil {
		panic("awsemu: unknown service " + name)
	}
	return e.instanceOf(def, region)
}

func (e *Emulator) instanceOf(def *serviceDef, region string) any {
	if def.info.Global {
		region = ""
	}
	key := def.info.Name + "/" + region
	inst, ok := e.instances[key]
	if !ok {
		inst = def.newFn(e, region)
		e.instances[key] = inst
	}
	return inst
}

// WithLock runs f with the emulator lock held, for tests and the control API
// that poke at service state directly.
func (e *Emulator) WithLock(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f()
}

func (e *Emulator) tickLocked(now time.Time) {
	keys := make([]string, 0, len(e.instances))
	for k := range e.instances {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t, ok := e.instances[k].(Ticker); ok {
			t.Tick(now)
		}
	}
}

// Inventory lists every live user-created resource.
func (e *Emulator) Inventory() []Resource {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.clock.Now()
	e.tickLocked(now)
	var out []Resource
	keys := make([]string, 0, len(e.instances))
	for k := range e.instances {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if inv, ok := e.instances[k].(Inventoried); ok {
			out = append(out, inv.Inventory(now)...)
		}
	}
	return out
}

// Calls returns the call log.
func (e *Emulator) Calls() []CallRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]CallRecord(nil), e.calls...)
}

// CallCounts returns the number of calls per "service.Operation".
func (e *Emulator) CallCounts() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]int, len(e.counts))
	for k, v := range e.counts {
		out[k] = v
	}
	return out
}

const maxBody = 16 << 20

func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emu/") {
		e.serveControl(w, r)
		return
	}
	if e.opts.HoldClock {
		release := e.clock.Hold()
		defer release()
		w = &latentWriter{ResponseWriter: w, e: e, release: release, ctx: r.Context()}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req, apiErr := e.authenticate(r, body)
	if req == nil {
		writeBareError(w, apiErr)
		return
	}
	if apiErr != nil {
		req.writeError(w, apiErr)
		return
	}
	e.dispatch(w, r, body, req)
}

// request is a request whose service is known.
type request struct {
	def       *serviceDef
	region    string
	accessKey string
	principal Principal
	requestID string
}

func (e *Emulator) authenticate(r *http.Request, body []byte) (*request, *APIError) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return e.anonymous(r, body)
	}
	sig, ok := parseAuthorization(auth)
	if !ok {
		return nil, ErrorfStatus(http.StatusForbidden, "IncompleteSignature", "Authorization header is not a valid AWS4-HMAC-SHA256 signature")
	}
	registryMu.Lock()
	def := registry[sig.service]
	registryMu.Unlock()
	if def == nil {
		return nil, ErrorfStatus(http.StatusBadRequest, "UnknownService", "the emulator does not implement service %q", sig.service)
	}
	if err := def.bindWire(); err != nil {
		return nil, ErrorfStatus(http.StatusInternalServerError, "InternalFailure", "%v", err)
	}
	req := &request{def: def, region: sig.region, accessKey: sig.accessKey, requestID: e.requestID()}

	e.mu.Lock()
	cred := e.creds[sig.accessKey]
	e.mu.Unlock()
	if cred == nil {
		if !e.opts.AcceptAnyCredentials {
			return req, invalidToken(def, "The security token included in the request is invalid.")
		}
		req.principal = Principal{Account: AccountID, ARN: "arn:aws:iam::" + AccountID + ":user/" + sig.accessKey, UserID: sig.accessKey}
		return req, nil
	}
	if cred.SessionToken != "" && r.Header.Get("X-Amz-Security-Token") != cred.SessionToken {
		return req, invalidToken(def, "The security token included in the request is invalid.")
	}
	if !cred.Expires.IsZero() && time.Now().After(cred.Expires) {
		return req, ErrorfStatus(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
	}
	if !verifySignature(r, body, sig, cred) {
		return req, ErrorfStatus(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	req.principal = cred.Principal
	return req, nil
}

func invalidToken(def *serviceDef, msg string) *APIError {
	code := "InvalidClientTokenId"
	switch wireTables[def.info.SDKPackage].protocol {
	case "ec2query":
		code = "AuthFailure"
	case "json", "restjson":
		code = "UnrecognizedClientException"
	}
	return ErrorfStatus(http.StatusForbidden, code, "%s", msg)
}

// anonymous routes an unsigned request. Only operations AWS serves without a
// signature are allowed (AssumeRoleWithWebIdentity); they are found by the
// Action and Version a query-protocol body carries.
func (e *Emulator) anonymous(r *http.Request, body []byte) (*request, *APIError) {
	form, err := parseForm(r, body)
	if err != nil {
		return nil, ErrorfStatus(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	action, version := form.Get("Action"), form.Get("Version")
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, def := range registry {
		if err := def.bindWire(); err != nil {
			continue
		}
		op := def.wire.ops[action]
		if op == nil || op.Version != version || !anonymousOps[action] {
			continue
		}
		return &request{def: def, region: "us-east-1", accessKey: "", requestID: e.requestID()}, nil
	}
	return nil, ErrorfStatus(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
}

var anonymousOps = map[string]bool{"AssumeRoleWithWebIdentity": true}

func (e *Emulator) dispatch(w http.ResponseWriter, r *http.Request, body []byte, req *request) {
	def := req.def
	op, input, apiErr := decodeRequest(def, r, body)
	if apiErr != nil {
		req.writeError(w, apiErr)
		return
	}
	if req.accessKey == "" && !anonymousOps[op.operation] {
		req.writeError(w, ErrorfStatus(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token"))
		return
	}
	method, ok := def.handlers[op.operation]
	if !ok {
		req.writeError(w, unknownOperation(def, op.operation))
		return
	}

	e.mu.Lock()
	now := e.clock.Now()
	rec := CallRecord{Seq: len(e.calls) + 1, Time: now, Service: def.info.Name, Operation: op.operation, Region: req.region, AccessKey: req.accessKey}
	e.counts[def.info.Name+"."+op.operation]++
	act := e.matchFaults(def, op.operation)
	faultErr, latency := act.err, act.latency
	e.mu.Unlock()

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}

	var out reflect.Value
	var err error
	e.mu.Lock()
	call := &Call{Emu: e, Service: def.info.Name, Operation: op.operation, Region: req.region, AccessKey: req.accessKey,
		Caller: req.principal, RequestID: req.requestID, Header: r.Header, ctx: r.Context(), now: e.clock.Now(), record: &rec}
	if faultErr != nil {
		err = faultErr
	} else if authErr := e.authorizeLocked(call, def, op.operation, input); authErr != nil {
		err = authErr
	} else {
		e.tickLocked(call.now)
		inst := e.instanceOf(def, req.region)
		res := method.Func.Call([]reflect.Value{reflect.ValueOf(inst), reflect.ValueOf(call), input})
		out = res[0]
		if ev := res[1]; !ev.IsNil() {
			err = ev.Interface().(error)
		}
		// An answer, even NotFound, shows the changes completed by now.
		e.life.observe(call.now, def.info.Name+"."+op.operation, rec.Seq, input)
	}
	if err != nil {
		var ae *APIError
		if !errors.As(err, &ae) {
			ae = ErrorfStatus(http.StatusInternalServerError, "InternalFailure", "%v", err)
		}
		err = ae
		rec.Error = ae.Code
	}
	if act.lost() && faultErr == nil {
		if rec.Notes == nil {
			rec.Notes = map[string]string{}
		}
		rec.Notes["fault"] = FaultLoseResponse
	}
	e.calls = append(e.calls, rec)
	e.mu.Unlock()

	if act.lost() && faultErr == nil {
		// The handler ran; its answer is lost on the way back.
		if act.drop {
			dropConnection(w)
			return
		}
		req.writeError(w, act.lose)
		return
	}

	if err != nil {
		req.writeError(w, err.(*APIError))
		return
	}
	if out.IsNil() {
		out = reflect.New(method.Type.Out(0).Elem())
	}
	encodeResponse(w, req, op, out)
}

func unknownOperation(def *serviceDef, op string) *APIError {
	switch def.wire.protocol {
	case "ec2query", "query":
		return Errorf("InvalidAction", "The action %s is not valid for this web service (not emulated).", op)
	}
	return Errorf("UnknownOperationException", "Operation %s is not emulated.", op)
}

func (req *request) String() string {
	return fmt.Sprintf("%s/%s", req.def.info.Name, req.region)
}

// latentWriter delivers an answer CallLatency of virtual time after the call
// took effect, with the clock running again meanwhile.
type latentWriter struct {
	http.ResponseWriter
	e       *Emulator
	release func()
	ctx     context.Context
	waited  bool
}

func (w *latentWriter) wait() {
	if w.waited {
		return
	}
	w.waited = true
	w.release()
	if d := w.e.opts.CallLatency; d > 0 {
		_ = w.e.clock.Sleep(w.ctx, d)
	}
}

func (w *latentWriter) WriteHeader(code int) {
	w.wait()
	w.ResponseWriter.WriteHeader(code)
}

func (w *latentWriter) Write(b []byte) (int, error) {
	w.wait()
	return w.ResponseWriter.Write(b)
}
