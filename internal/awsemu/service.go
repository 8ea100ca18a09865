package awsemu

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// ServiceInfo describes one emulated AWS service. A service file registers it
// from init() with Register; every method of the service type shaped
//
//	func (s *svc) Op(c *Call, in *sdk.OpInput) (*sdk.OpOutput, error)
//
// is the handler for Op. Adding an operation means adding such a method (and
// re-running go generate so the wire tables cover its types).
type ServiceInfo struct {
	Name         string // name in the control API and fault rules: "ec2", "efs", ...
	SigningName  string // SigV4 credential-scope service: "ec2", "elasticfilesystem", ...
	SDKPackage   string // import path of the aws-sdk-go-v2 client the wire tables came from
	Global       bool   // one instance serves every region (IAM, CloudFront, STS)
	XMLNamespace string // response namespace for the XML protocols
	TargetPrefix string // X-Amz-Target prefix for JSON 1.1 services ("AmazonSSM")
	ThrottleCode string // the code this service uses for throttling
}

// Resource is one live object in the inventory.
type Resource struct {
	Service string            `json:"service"`
	Region  string            `json:"region"`
	Type    string            `json:"type"`
	ID      string            `json:"id"`
	State   string            `json:"state,omitempty"`
	Tags    map[string]string `json:"tags,omitempty"`
}

// Inventoried is implemented by services that own user-created resources.
// Only live resources are listed: terminated instances and deleted objects
// are not, nor are the fixtures every account has (AMIs, prefix lists).
type Inventoried interface {
	Inventory(now time.Time) []Resource
}

// Ticker lets a service settle lifecycle transitions (a deletion finishing,
// an ENI released) before each request is handled.
type Ticker interface {
	Tick(now time.Time)
}

var (
	registryMu sync.Mutex
	registry   = map[string]*serviceDef{}
)

type serviceDef struct {
	info     ServiceInfo
	newFn    func(e *Emulator, region string) any
	wire     *wirePackage
	handlers map[string]reflect.Method
}

var (
	callType  = reflect.TypeOf(&Call{})
	errorType = reflect.TypeOf((*error)(nil)).Elem()
)

// Register adds an emulated service; newFn builds its state for one region
// (once for a global service). It panics on a malformed handler so mistakes
// show up at the first test run.
func Register[T any](info ServiceInfo, newFn func(e *Emulator, region string) *T) {
	registryMu.Lock()
	defer registryMu.Unlock()
	sample := reflect.TypeOf((*T)(nil))
	def := &serviceDef{info: info, handlers: map[string]reflect.Method{}, newFn: func(e *Emulator, region string) any { return newFn(e, region) }}
	for i := 0; i < sample.NumMethod(); i++ {
		m := sample.Method(i)
		t := m.Type
		if t.NumIn() != 3 || t.In(1) != callType || t.NumOut() != 2 || t.Out(1) != errorType {
			continue
		}
		if t.In(2).Kind() != reflect.Pointer || t.In(2).Elem().Name() != m.Name+"Input" {
			continue
		}
		if t.Out(0).Kind() != reflect.Pointer || t.Out(0).Elem().Name() != m.Name+"Output" {
			panic(fmt.Sprintf("awsemu: %s.%s must return *%sOutput", info.Name, m.Name, m.Name))
		}
		def.handlers[m.Name] = m
	}
	registry[info.SigningName] = def
}

// bindWire attaches the generated wire tables; done lazily because the
// generated init may run after the service's init.
func (d *serviceDef) bindWire() error {
	if d.wire != nil {
		return nil
	}
	wp := wireTables[d.info.SDKPackage]
	if wp == nil {
		return fmt.Errorf("no wire tables for %s: run go generate ./internal/awsemu", d.info.SDKPackage)
	}
	for op := range d.handlers {
		if wp.ops[op] == nil {
			return fmt.Errorf("no wire table for %s.%s: run go generate ./internal/awsemu", d.info.Name, op)
		}
	}
	d.wire = wp
	return nil
}

// Services lists the registered services and their operations, sorted.
func Services() map[string][]string {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := map[string][]string{}
	for _, d := range registry {
		var ops []string
		for op := range d.handlers {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		out[d.info.Name] = ops
	}
	return out
}

// Call is the context of one request, handed to every handler.
type Call struct {
	Emu       *Emulator
	Service   string
	Operation string
	Region    string
	AccessKey string
	Caller    Principal
	RequestID string
	Header    http.Header

	ctx    context.Context
	now    time.Time
	record *CallRecord
}

// Now is the emulator's virtual time at the start of the call.
func (c *Call) Now() time.Time { return c.now }

// Context is the request's context.
func (c *Call) Context() context.Context { return c.ctx }

// Account is the account the caller belongs to.
func (c *Call) Account() string { return c.Caller.Account }

// Note attaches a fact to the call log entry (for example the ETag a request
// carried, or the state a describe call returned), for tests that check order.
func (c *Call) Note(key, value string) {
	if c.record.Notes == nil {
		c.record.Notes = map[string]string{}
	}
	c.record.Notes[key] = value
}

// Peer returns another service's instance for the caller's region, so that
// services can share state (EC2 network interfaces for ELB and EFS, instance
// boot state for target health). The emulator lock is already held.
func Peer[T any](c *Call, name string) T {
	return PeerOf[T](c.Emu, name, c.Region)
}

// PeerOf is Peer outside a call.
func PeerOf[T any](e *Emulator, name, region string) T {
	inst, ok := e.instance(name, region).(T)
	if !ok {
		panic(fmt.Sprintf("awsemu: service %s is not a %T", name, *new(T)))
	}
	return inst
}

// APIError is an AWS error response.
type APIError struct {
	Status  int
	Code    string
	Message string
	// Fields are further members of a modelled error shape (EFS
	// FileSystemAlreadyExists carries FileSystemId); the JSON protocols
	// write them next to the message.
	Fields map[string]string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Errorf returns a 400 error with an AWS error code.
func Errorf(code, format string, args ...any) *APIError {
	return &APIError{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorfStatus returns an error with an explicit HTTP status.
func ErrorfStatus(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// MatchTags reports whether tags satisfy tag filters (tag:Key → values, tag-key → keys).
func MatchTags(tags map[string]string, key string, values []string) bool {
	switch {
	case strings.HasPrefix(key, "tag:"):
		v, ok := tags[strings.TrimPrefix(key, "tag:")]
		return ok && matchAny(v, values)
	case key == "tag-key":
		for k := range tags {
			if matchAny(k, values) {
				return true
			}
		}
	}
	return false
}

// matchAny applies AWS filter matching: exact values with * and ? wildcards.
func matchAny(s string, patterns []string) bool {
	for _, p := range patterns {
		if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

func wildcardMatch(p, s string) bool {
	if p == "" {
		return s == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if wildcardMatch(p[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && wildcardMatch(p[1:], s[1:])
	}
	return s != "" && s[0] == p[0] && wildcardMatch(p[1:], s[1:])
}
