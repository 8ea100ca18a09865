package awsemu

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// serveControl answers the control API:
//
//	GET    /_emu/health                 liveness
//	GET    /_emu/calls[?since=N]        {"counts": {"svc.Op": n}, "log": [CallRecord...]}
//	GET    /_emu/inventory              [Resource...] live user-created resources
//	GET    /_emu/lifecycle[?since=N]    [LifecycleEvent...] lifecycle events with seq > N
//	GET    /_emu/faults                 [Fault...]
//	POST   /_emu/faults                 Fault → {"id": n}
//	DELETE /_emu/faults[/ID]            remove one or all rules
//	GET    /_emu/clock                  {"now": t, "speed": s}
//	POST   /_emu/clock                  {"speed": s} and/or {"advance": "10m"}
//	GET    /_emu/credentials            [Credential...] static and issued keys
//	POST   /_emu/credentials            {"access_key","secret_key","user"}
//	GET    /_emu/knobs, POST /_emu/knobs {"key": "value"} ("" deletes)
//	GET    /_emu/services               {"svc": ["Op", ...]}
//	POST   /_emu/reset                  forget everything
//	GET    /_emu/ca.pem                 the data plane's CA certificate (PEM)
//	GET    /_emu/requests[?since=N]     [DataPlaneRequest...] data plane requests with seq > N, with their hops
//	POST   /_emu/spot/interrupt         {"instance_id": "i-…", "notice": "2m"} reclaim a Spot instance
func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/_emu/")
	switch {
	case path == "health":
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case path == "calls" && r.Method == http.MethodGet:
		since, _ := strconv.Atoi(r.URL.Query().Get("since"))
		log := e.Calls()
		if since > 0 && since <= len(log) {
			log = log[since:]
		}
		writeJSON(w, http.StatusOK, map[string]any{"counts": e.CallCounts(), "log": log})
	case path == "lifecycle" && r.Method == http.MethodGet:
		since, _ := strconv.Atoi(r.URL.Query().Get("since"))
		evs := e.Lifecycle(since)
		if evs == nil {
			evs = []LifecycleEvent{}
		}
		writeJSON(w, http.StatusOK, evs)
	case path == "inventory":
		inv := e.Inventory()
		if inv == nil {
			inv = []Resource{}
		}
		writeJSON(w, http.StatusOK, inv)
	case path == "faults" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, e.Faults())
	case path == "faults" && r.Method == http.MethodPost:
		var f Fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if err := f.Validate(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"id": e.InjectFault(f)})
	case path == "faults" && r.Method == http.MethodDelete:
		e.ClearFaults()
		writeJSON(w, http.StatusOK, map[string]string{"status": "cleared"})
	case strings.HasPrefix(path, "faults/") && r.Method == http.MethodDelete:
		id, err := strconv.Atoi(strings.TrimPrefix(path, "faults/"))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad fault id"})
			return
		}
		e.RemoveFault(id)
		writeJSON(w, http.StatusOK, map[string]string{"status": "removed"})
	case path == "clock" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"now": e.Now(), "speed": e.clock.Speed()})
	case path == "clock" && r.Method == http.MethodPost:
		var body struct {
			Speed   float64  `json:"speed"`
			Advance Duration `json:"advance"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if body.Speed > 0 {
			e.clock.SetSpeed(body.Speed)
		}
		if body.Advance > 0 {
			e.clock.Advance(time.Duration(body.Advance))
		}
		writeJSON(w, http.StatusOK, map[string]any{"now": e.Now(), "speed": e.clock.Speed()})
	case path == "credentials" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, e.Credentials())
	case path == "credentials" && r.Method == http.MethodPost:
		var body struct {
			AccessKey string `json:"access_key"`
			SecretKey string `json:"secret_key"`
			User      string `json:"user"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.AccessKey == "" || body.SecretKey == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "access_key and secret_key are required"})
			return
		}
		if body.User == "" {
			body.User = body.AccessKey
		}
		e.AddCredential(body.AccessKey, body.SecretKey, body.User)
		writeJSON(w, http.StatusOK, map[string]string{"status": "added"})
	case path == "knobs" && r.Method == http.MethodGet:
		e.mu.Lock()
		out := map[string]string{}
		for k, v := range e.knobs {
			out[k] = v
		}
		e.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	case path == "knobs" && r.Method == http.MethodPost:
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		for k, v := range body {
			e.SetKnob(k, v)
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "set"})
	case path == "services":
		writeJSON(w, http.StatusOK, Services())
	case path == "ca.pem" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(e.CAPEM())
	case path == "requests" && r.Method == http.MethodGet:
		since, _ := strconv.Atoi(r.URL.Query().Get("since"))
		writeJSON(w, http.StatusOK, e.DataPlaneRequests(since))
	case path == "spot/interrupt" && r.Method == http.MethodPost:
		var body struct {
			InstanceID string   `json:"instance_id"`
			Notice     Duration `json:"notice"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.InstanceID == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "instance_id is required"})
			return
		}
		if err := e.InterruptSpotInstance(body.InstanceID, time.Duration(body.Notice)); err != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "interrupted"})
	case path == "reset" && r.Method == http.MethodPost:
		e.Reset()
		writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown control endpoint " + r.Method + " " + r.URL.Path})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
