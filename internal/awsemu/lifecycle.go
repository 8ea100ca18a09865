package awsemu

import (
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/bootmarker"
)

// LifecycleEvent is one change an object goes through on the virtual clock
// (a VPC becoming available, a load balancer active, a distribution
// Deployed, an instance's boot complete, a deletion finished, a deleted
// load balancer's interfaces released): when it began, when it completed,
// and the first call after that which could see it. Benchmarks derive the
// critical path of an operation from these events and measure how late the
// client noticed each one.
type LifecycleEvent struct {
	Seq     int    `json:"seq"`
	Service string `json:"service"`
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Event   string `json:"event"`
	// Began is when the change started (the request that caused it, or the
	// event it follows, as a boot follows the instance running).
	Began time.Time `json:"began"`
	// At is when it completes.
	At time.Time `json:"at"`
	// Refs are the strings a request may name the object by (its id, ARN,
	// name, a parent's id); Observers are the operations ("ec2.DescribeVpcs")
	// whose answer shows the change.
	Refs      []string `json:"refs"`
	Observers []string `json:"observers"`
	// SeenAt is the virtual time of the first call after At made by an
	// observer operation that names the object: the poll that saw the
	// change. Zero until then.
	SeenAt  time.Time `json:"seen_at,omitzero"`
	SeenBy  string    `json:"seen_by,omitempty"`
	SeenSeq int       `json:"seen_seq,omitempty"`
	// PendingPolls counts the observer calls naming the object before the
	// change completed. Zero means nobody waited for it: the first look
	// came after it was done (an instance profile that had long propagated
	// when the instance launched).
	PendingPolls int `json:"pending_polls"`
	// Polls are the call seqs of the observer calls naming the object
	// until and including the one that saw the change.
	Polls []int `json:"polls,omitempty"`

	cancelled bool // replaced or cancelled before it completed
}

// Key names the kind of change: "service/kind/event".
func (ev LifecycleEvent) Key() string { return ev.Service + "/" + ev.Kind + "/" + ev.Event }

// Duration is how long the change took.
func (ev LifecycleEvent) Duration() time.Duration { return ev.At.Sub(ev.Began) }

// Waited reports whether a client polled for the change: it looked while
// the change was pending and saw it done.
func (ev LifecycleEvent) Waited() bool { return ev.PendingPolls > 0 && !ev.SeenAt.IsZero() }

// Overshoot is how long after the change the poll that saw it came (zero
// when nothing saw it yet).
func (ev LifecycleEvent) Overshoot() time.Duration {
	if ev.SeenAt.IsZero() {
		return 0
	}
	return ev.SeenAt.Sub(ev.At)
}

// Lifecycle event keys.
const (
	EventVPCAvailable         = "ec2/vpc/available"
	EventInstanceRunning      = "ec2/instance/running"
	EventInstanceStopped      = "ec2/instance/stopped"
	EventInstanceTerminated   = "ec2/instance/terminated"
	EventBootComplete         = "ec2/instance/boot-complete"
	EventFileSystemAvailable  = "efs/file-system/available"
	EventFileSystemDeleted    = "efs/file-system/deleted"
	EventMountTargetAvailable = "efs/mount-target/available"
	EventMountTargetDeleted   = "efs/mount-target/deleted"
	EventProfilePropagated    = "iam/instance-profile/propagated"
	EventLoadBalancerActive   = "elbv2/load-balancer/active"
	EventInterfacesReleased   = "elbv2/load-balancer/interfaces-released"
	EventTargetHealthy        = "elbv2/target/healthy"
	EventDistributionDeployed = "cloudfront/distribution/Deployed"
	EventDistributionDeleted  = "cloudfront/distribution/deleted"
	EventCertificateIssued    = "acm/certificate/ISSUED"
)

// lifecycleLog is the emulator's record of lifecycle events. It has its own
// lock: events are recorded from handlers (which hold the emulator's lock)
// and from the data plane.
type lifecycleLog struct {
	mu      sync.Mutex
	events  []LifecycleEvent
	pending []int // indexes of events not seen yet
}

func (l *lifecycleLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events, l.pending = nil, nil
}

// change records that an object goes through a change. The call's service
// is the event's; key is "kind/event". A change recorded again for the same
// object replaces one that has not completed yet (an update restarting a
// rollout). Changes that never complete (a negative duration knob) are not
// recorded.
func (c *Call) change(kind, id, event string, began, at time.Time, refs []string, observers ...string) {
	c.changeWith(LifecycleEvent{Kind: kind, ID: id, Event: event, Began: began, At: at, Refs: refs, Observers: observers})
}

// changeWith records ev (its service is the call's); see change.
func (c *Call) changeWith(ev LifecycleEvent) {
	if c == nil || c.Emu == nil {
		return
	}
	ev.Service = c.Service
	c.Emu.life.record(c.now, ev)
}

func (l *lifecycleLog) record(now time.Time, ev LifecycleEvent) {
	if ev.At.Before(ev.Began) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ev.Refs = append([]string{ev.ID}, ev.Refs...)
	l.cancelLocked(now, ev.Service, ev.Kind, ev.ID, ev.Event)
	ev.Seq = len(l.events) + 1
	l.events = append(l.events, ev)
	l.pending = append(l.pending, len(l.events)-1)
}

// cancelChanges drops an object's recorded changes that have not completed
// by now (a stop cancelling a boot, a termination cancelling a start); with
// no events named, every one of them.
func (c *Call) cancelChanges(kind, id string, events ...string) {
	if c == nil || c.Emu == nil {
		return
	}
	l := &c.Emu.life
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cancelLocked(c.now, c.Service, kind, id, events...)
}

func (l *lifecycleLog) cancelLocked(now time.Time, service, kind, id string, events ...string) {
	kept := l.pending[:0]
	for _, i := range l.pending {
		ev := &l.events[i]
		if ev.Service == service && ev.Kind == kind && ev.ID == id && ev.At.After(now) && (len(events) == 0 || slices.Contains(events, ev.Event)) {
			ev.cancelled = true
			continue
		}
		kept = append(kept, i)
	}
	l.pending = kept
}

// observe counts the calls that look at a change: an observer operation
// naming the object before the change completed is a poll that saw it
// pending; the first one after is the poll that saw it done.
func (l *lifecycleLog) observe(now time.Time, op string, seq int, in reflect.Value) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var watching []int
	for _, i := range l.pending {
		if slices.Contains(l.events[i].Observers, op) {
			watching = append(watching, i)
		}
	}
	if len(watching) == 0 {
		return
	}
	named := map[string]bool{}
	collectStrings(in, named, 0)
	seen := map[int]bool{}
	for _, i := range watching {
		ev := &l.events[i]
		if !slices.ContainsFunc(ev.Refs, func(r string) bool { return r != "" && named[r] }) {
			continue
		}
		ev.Polls = append(ev.Polls, seq)
		if ev.At.After(now) {
			ev.PendingPolls++
			continue
		}
		ev.SeenAt, ev.SeenBy, ev.SeenSeq = now, op, seq
		seen[i] = true
	}
	if len(seen) == 0 {
		return
	}
	kept := l.pending[:0]
	for _, i := range l.pending {
		if !seen[i] {
			kept = append(kept, i)
		}
	}
	l.pending = kept
}

// collectStrings gathers every string in a request's input.
func collectStrings(v reflect.Value, out map[string]bool, depth int) {
	if depth > 8 || !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			collectStrings(v.Elem(), out, depth+1)
		}
	case reflect.String:
		out[v.String()] = true
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				collectStrings(v.Field(i), out, depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			collectStrings(v.Index(i), out, depth+1)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			collectStrings(k, out, depth+1)
			collectStrings(v.MapIndex(k), out, depth+1)
		}
	}
}

// Lifecycle returns the lifecycle events recorded so far, in the order they
// were recorded; those with seq > since when since is positive.
func (e *Emulator) Lifecycle(since int) []LifecycleEvent {
	l := &e.life
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []LifecycleEvent
	for _, ev := range l.events {
		if ev.Seq > since && !ev.cancelled {
			ev.Refs = append([]string(nil), ev.Refs...)
			ev.Observers = append([]string(nil), ev.Observers...)
			ev.Polls = append([]int(nil), ev.Polls...)
			out = append(out, ev)
		}
	}
	return out
}

// instanceChanges records an instance's coming changes after its timeline
// was (re)scheduled: the state it is heading to and, when that is running,
// the boot that follows. Changes scheduled before (a boot cut short by a
// stop) are dropped.
func (s *ec2Service) instanceChanges(c *Call, inst *ec2Instance) {
	c.cancelChanges("instance", inst.id)
	phases := inst.tl.phases
	if len(phases) < 2 {
		return
	}
	began, final := phases[len(phases)-2].At, phases[len(phases)-1]
	if !final.At.After(c.now) {
		return // a change that never completes (a "never" knob) or already did
	}
	c.change("instance", inst.id, final.State, began, final.At, nil, "ec2.DescribeInstances", "ec2.DescribeInstanceStatus")
	if final.State != "running" {
		return
	}
	if _, ok := bootmarker.ParseManifest(decodeScript(inst.userData)); !ok {
		return
	}
	all := boots(&inst.tl, final.At)
	if len(all) == 0 {
		return
	}
	if p := s.planBoot(inst, all[len(all)-1], len(all) == 1); p.manifest && p.final == BootComplete {
		c.change("instance", inst.id, "boot-complete", final.At, final.At.Add(p.finalAt), nil, "ec2.GetConsoleOutput")
	}
}

// timelineChange records the change a timeline was just scheduled to make:
// to its final state, from the phase before it. A timeline whose last phase
// never comes (a "never" knob) or has come already records nothing.
func (c *Call) timelineChange(kind, id string, tl *Timeline, refs []string, observers ...string) {
	if len(tl.phases) < 2 {
		return
	}
	began, final := tl.phases[len(tl.phases)-2].At, tl.phases[len(tl.phases)-1]
	if !final.At.After(c.now) {
		return
	}
	c.change(kind, id, final.State, began, final.At, refs, observers...)
}

// targetLife follows one registration of a target towards healthy: health
// is computed when asked, so the change is recorded when an answer first
// finds it healthy, with the answers that found it not healthy yet. The
// change begins when the checks can start passing: the target registered,
// its group in use, a load balancer active and the instance serving.
type targetLife struct {
	polls    []int
	recorded bool
}

// poll counts an answer that found the target not healthy yet.
func (l *targetLife) poll(c *Call) {
	if c.record != nil && !l.recorded {
		l.polls = append(l.polls, c.record.Seq)
	}
}

func (l *targetLife) healthy(c *Call, tgARN string, t *elbTarget, began, at time.Time) {
	if l.recorded || c == nil || c.Emu == nil {
		return
	}
	l.recorded = true
	id := tgARN + "/" + t.id
	c.changeWith(LifecycleEvent{Kind: "target", ID: id, Event: "healthy", Began: began, At: at,
		Refs: []string{tgARN}, Observers: []string{"elbv2.DescribeTargetHealth"}, PendingPolls: len(l.polls), Polls: l.polls})
}
