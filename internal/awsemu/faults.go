package awsemu

import (
	"fmt"
	"net/http"
	"time"
)

// Fault makes matching requests fail with an AWS error or slow down. Matching
// calls are counted; the first After of them pass, then every Every-th one
// (default every one) fires, at most Times times (0: without limit).
//
// With Mode "lose-response" the request is executed (the change is made)
// and then its answer is lost, as on a real network: the client gets a
// server error (Code and Status, by default InternalError with HTTP 500,
// which the SDKs retry), or with Drop the connection is closed without an
// answer. A client that retries without an idempotency token then makes the
// change twice.
type Fault struct {
	ID        int      `json:"id"`
	Service   string   `json:"service,omitempty"`   // "" matches every service
	Operation string   `json:"operation,omitempty"` // "" matches every operation
	Code      string   `json:"code,omitempty"`      // AWS error code; "@throttle" uses the service's own throttling code
	Message   string   `json:"message,omitempty"`
	Status    int      `json:"status,omitempty"` // default 400, or 500/503 for server codes
	Latency   Duration `json:"latency,omitempty"`
	After     int      `json:"after,omitempty"`
	Every     int      `json:"every,omitempty"`
	Times     int      `json:"times,omitempty"`
	Mode      string   `json:"mode,omitempty"` // "" (fail instead of executing) or FaultLoseResponse
	Drop      bool     `json:"drop,omitempty"` // lose-response: close the connection instead of answering

	Matched int `json:"matched"`
	Fired   int `json:"fired"`
}

// Duration is a time.Duration that reads and writes "1.5s"-style JSON.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

func (d *Duration) UnmarshalJSON(b []byte) error {
	s := string(b)
	if len(s) >= 2 && s[0] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// FaultLoseResponse is the Fault mode that executes a request and loses its
// answer.
const FaultLoseResponse = "lose-response"

// faultAction is what the matching rules ask of one call.
type faultAction struct {
	err     *APIError     // answer with this instead of executing
	latency time.Duration // wait this long first
	lose    *APIError     // execute, then answer with this instead
	drop    bool          // execute, then close the connection
}

// lost reports whether the call's answer is to be lost.
func (a faultAction) lost() bool { return a.lose != nil || a.drop }

// Validate reports a rule the emulator cannot apply.
func (f Fault) Validate() error {
	switch {
	case f.Mode != "" && f.Mode != FaultLoseResponse:
		return fmt.Errorf("unknown fault mode %q (want %q or none)", f.Mode, FaultLoseResponse)
	case f.Drop && f.Mode != FaultLoseResponse:
		return fmt.Errorf("drop needs mode %q", FaultLoseResponse)
	}
	return nil
}

// InjectFault adds a fault rule and returns its id.
func (e *Emulator) InjectFault(f Fault) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faultSeq++
	f.ID = e.faultSeq
	if f.Every <= 0 {
		f.Every = 1
	}
	e.faults = append(e.faults, &f)
	return f.ID
}

// ClearFaults removes every fault rule.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = nil
}

// RemoveFault removes one rule.
func (e *Emulator) RemoveFault(id int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.faults {
		if f.ID == id {
			e.faults = append(e.faults[:i], e.faults[i+1:]...)
			return
		}
	}
}

// Faults returns a snapshot of the rules with their counters.
func (e *Emulator) Faults() []Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Fault, len(e.faults))
	for i, f := range e.faults {
		out[i] = *f
	}
	return out
}

// matchFaults is called with the lock held; it returns what the matching
// rules do to the call.
func (e *Emulator) matchFaults(def *serviceDef, op string) faultAction {
	var act faultAction
	for _, f := range e.faults {
		if f.Service != "" && f.Service != def.info.Name {
			continue
		}
		if f.Operation != "" && f.Operation != op {
			continue
		}
		f.Matched++
		if f.Matched <= f.After || (f.Matched-f.After-1)%f.Every != 0 {
			continue
		}
		if f.Times > 0 && f.Fired >= f.Times {
			continue
		}
		f.Fired++
		act.latency += time.Duration(f.Latency)
		switch {
		case f.Mode == FaultLoseResponse && f.Drop:
			act.drop = true
		case f.Mode == FaultLoseResponse && act.lose == nil:
			lf := *f
			if lf.Code == "" {
				lf.Code = "@5xx"
			}
			act.lose = faultError(def, &lf)
		case f.Mode == "" && f.Code != "" && act.err == nil:
			act.err = faultError(def, f)
		}
	}
	return act
}

// dropConnection closes a request's connection without an answer, as a
// network failure after the server acted would.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func faultError(def *serviceDef, f *Fault) *APIError {
	code, status := f.Code, f.Status
	switch code {
	case "@throttle":
		code = def.info.ThrottleCode
		if code == "" {
			code = "Throttling"
		}
	case "@5xx":
		code = "InternalError"
		if status == 0 {
			status = http.StatusInternalServerError
		}
	}
	if status == 0 {
		status = http.StatusBadRequest
		switch code {
		case "InternalError", "InternalFailure", "InternalServerError":
			status = http.StatusInternalServerError
		case "ServiceUnavailable", "Unavailable":
			status = http.StatusServiceUnavailable
		}
	}
	msg := f.Message
	if msg == "" {
		msg = "Injected fault: " + code
	}
	return &APIError{Status: status, Code: code, Message: msg}
}
