package emutest

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// Order is the order a deployment must keep between the changes AWS makes it
// wait for: each lifecycle event key (awsemu.Event*) lists the keys whose
// changes must complete before its change can begin. The floor of an
// operation is the longest chain of changes under this order, each taking
// as long as the emulator made it take.
type Order map[string][]string

// CreateOrder is the create sequence of SPEC §2: network → security groups →
// {file system → mount targets}, {instance profile} → instance → boot →
// registration (healthy); network → load balancer → active → listeners →
// CloudFront → Deployed. A mount target needs its file system available, and
// the instance the mount target's address.
var CreateOrder = Order{
	awsemu.EventVPCAvailable:         nil,
	awsemu.EventFileSystemAvailable:  nil,
	awsemu.EventProfilePropagated:    nil,
	awsemu.EventMountTargetAvailable: {awsemu.EventVPCAvailable, awsemu.EventFileSystemAvailable},
	awsemu.EventInstanceRunning:      {awsemu.EventVPCAvailable, awsemu.EventFileSystemAvailable, awsemu.EventProfilePropagated},
	awsemu.EventBootComplete:         {awsemu.EventInstanceRunning, awsemu.EventMountTargetAvailable},
	awsemu.EventLoadBalancerActive:   {awsemu.EventVPCAvailable},
	awsemu.EventTargetHealthy:        {awsemu.EventBootComplete, awsemu.EventLoadBalancerActive},
	awsemu.EventDistributionDeployed: {awsemu.EventLoadBalancerActive},
	awsemu.EventCertificateIssued:    nil,
}

// DeleteOrder is the delete order of SPEC §2: CloudFront disable → Deployed
// → delete, alongside listeners → load balancer → its interfaces released,
// and instance terminated → mount targets deleted → file system deleted;
// security groups, subnets and the VPC go once those are done (no waits of
// their own).
var DeleteOrder = Order{
	awsemu.EventDistributionDeployed: nil,
	awsemu.EventDistributionDeleted:  {awsemu.EventDistributionDeployed},
	awsemu.EventInterfacesReleased:   nil,
	awsemu.EventInstanceTerminated:   nil,
	awsemu.EventMountTargetDeleted:   {awsemu.EventInstanceTerminated},
	awsemu.EventFileSystemDeleted:    {awsemu.EventMountTargetDeleted},
}

// Mark is a point in an emulator's history: how many calls and lifecycle
// events it had recorded, and its virtual time.
type Mark struct {
	Calls, Events int
	At            time.Time
}

// MarkNow marks the emulator's present.
func MarkNow(emu *awsemu.Emulator) Mark {
	evs := emu.Lifecycle(0)
	m := Mark{Calls: len(emu.Calls()), At: emu.Now()}
	if len(evs) > 0 {
		m.Events = evs[len(evs)-1].Seq
	}
	return m
}

// Wait is one change the client waited for, and how well it noticed it.
type Wait struct {
	Key      string
	ID       string
	Duration time.Duration // how long the change took
	// Polls are the observer calls until the one that saw the change.
	Polls int
	// Overshoot is how long after the change the poll that saw it came.
	Overshoot time.Duration
	// PollTimes are when the polls came, counted from when the change
	// began.
	PollTimes []time.Duration
}

// OvershootPct is the overshoot as a percentage of the larger of the change's
// duration and 100 s: the bound "2% of the wait, or 2 s for waits under
// 100 s" is OvershootPct ≤ 2.
func (w Wait) OvershootPct() float64 {
	return 100 * w.Overshoot.Seconds() / max(w.Duration, 100*time.Second).Seconds()
}

// Phase is what one operation (create, refresh, destroy) cost on the
// emulator.
type Phase struct {
	Name string
	// Virtual is the operation's time on the emulator's clock; Floor the
	// longest chain of changes under the order, FloorPath its events.
	Virtual   time.Duration
	Floor     time.Duration
	FloorPath []string
	// Calls counts the calls by "service.Operation"; Polls is how many of
	// them were observer calls of a lifecycle change.
	Calls map[string]int
	Polls int
	// Waits are the changes the client polled for; Unwaited those it first
	// looked at after they were done (or never), with how late that was.
	Waits    []Wait
	Unwaited []Wait
	// PeakRate is the most calls in any second of virtual time.
	PeakRate int
}

// TotalCalls is the number of calls.
func (p *Phase) TotalCalls() int {
	n := 0
	for _, c := range p.Calls {
		n += c
	}
	return n
}

// Ratio is Virtual over Floor (0 without a floor).
func (p *Phase) Ratio() float64 {
	if p.Floor <= 0 {
		return 0
	}
	return p.Virtual.Seconds() / p.Floor.Seconds()
}

// MaxOvershootPct is the largest OvershootPct of the waits.
func (p *Phase) MaxOvershootPct() float64 {
	out := 0.0
	for _, w := range p.Waits {
		out = max(out, w.OvershootPct())
	}
	return out
}

// Measure reads what happened on the emulator between two marks: the calls
// made, the lifecycle events that began after from (the floor under order
// is computed from them), and the waits. virtual is the operation's own
// time on the emulator's clock; zero means to.At − from.At.
func Measure(emu *awsemu.Emulator, name string, from, to Mark, order Order, virtual time.Duration) *Phase {
	if virtual == 0 {
		virtual = to.At.Sub(from.At)
	}
	p := &Phase{Name: name, Virtual: virtual, Calls: map[string]int{}}
	calls := emu.Calls()
	if to.Calls > len(calls) {
		to.Calls = len(calls)
	}
	perSecond := map[int64]int{}
	for _, c := range calls[from.Calls:to.Calls] {
		p.Calls[c.Service+"."+c.Operation]++
		perSecond[c.Time.Unix()]++
	}
	for _, n := range perSecond {
		p.PeakRate = max(p.PeakRate, n)
	}
	var evs []awsemu.LifecycleEvent
	for _, ev := range emu.Lifecycle(from.Events) {
		if ev.Seq > to.Events {
			continue
		}
		evs = append(evs, ev)
	}
	callAt := map[int]time.Time{}
	for _, c := range calls {
		callAt[c.Seq] = c.Time
	}
	polls := map[int]bool{}
	for _, ev := range evs {
		for _, seq := range ev.Polls {
			if seq > from.Calls && seq <= to.Calls {
				polls[seq] = true
			}
		}
		if _, ok := order[ev.Key()]; !ok {
			continue
		}
		w := Wait{Key: ev.Key(), ID: ev.ID, Duration: ev.Duration(), Polls: len(ev.Polls), Overshoot: ev.Overshoot()}
		for _, seq := range ev.Polls {
			if at, ok := callAt[seq]; ok {
				w.PollTimes = append(w.PollTimes, at.Sub(ev.Began))
			}
		}
		switch {
		case ev.Waited():
			p.Waits = append(p.Waits, w)
		case ev.SeenAt.IsZero():
			w.Overshoot = -1
			p.Unwaited = append(p.Unwaited, w)
		default:
			p.Unwaited = append(p.Unwaited, w)
		}
	}
	p.Polls = len(polls)
	p.Floor, p.FloorPath = Floor(evs, order)
	return p
}

// Floor is the longest chain of changes under order: each key weighs the
// longest of its events' durations, and a key's chain is its weight plus
// the longest chain among the keys it follows.
func Floor(evs []awsemu.LifecycleEvent, order Order) (time.Duration, []string) {
	weight := map[string]time.Duration{}
	for _, ev := range evs {
		if _, ok := order[ev.Key()]; ok {
			weight[ev.Key()] = max(weight[ev.Key()], ev.Duration())
		}
	}
	type chain struct {
		d    time.Duration
		path []string
	}
	memo := map[string]chain{}
	var longest func(k string, depth int) chain
	longest = func(k string, depth int) chain {
		if c, ok := memo[k]; ok || depth > len(order) {
			return c
		}
		var best chain
		for _, p := range order[k] {
			if c := longest(p, depth+1); c.d > best.d {
				best = c
			}
		}
		c := best
		if w, ok := weight[k]; ok {
			c = chain{d: best.d + w, path: append(append([]string{}, best.path...), k)}
		}
		memo[k] = c
		return c
	}
	var out chain
	for _, k := range slices.Sorted(maps.Keys(order)) {
		if c := longest(k, 0); c.d > out.d {
			out = c
		}
	}
	return out.d, out.path
}

// Report renders a phase for people: time, floor and ratio, calls by
// operation, and each wait's polls and overshoot.
func (p *Phase) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "== %s: %.1f s virtual", p.Name, p.Virtual.Seconds())
	if p.Floor > 0 {
		fmt.Fprintf(&b, ", floor %.1f s (%s), ratio %.3f", p.Floor.Seconds(), strings.Join(p.FloorPath, " → "), p.Ratio())
	}
	fmt.Fprintf(&b, "\n   %d calls (%d polls, peak %d calls in one virtual second)\n", p.TotalCalls(), p.Polls, p.PeakRate)
	ops := slices.Sorted(maps.Keys(p.Calls))
	sort.SliceStable(ops, func(i, j int) bool { return p.Calls[ops[i]] > p.Calls[ops[j]] })
	for _, op := range ops {
		fmt.Fprintf(&b, "   %4d  %s\n", p.Calls[op], op)
	}
	if len(p.Waits) > 0 {
		fmt.Fprintf(&b, "   waits (overshoot: time from the change to the poll that saw it; %% of max(duration, 100 s), bound 2%%):\n")
	}
	for _, w := range p.sortedWaits(p.Waits) {
		fmt.Fprintf(&b, "   %-42s %8.1f s  %3d polls  overshoot %5.2f s = %4.2f%%  (polls at %s s)\n", w.Key, w.Duration.Seconds(), w.Polls, w.Overshoot.Seconds(), w.OvershootPct(), seconds(w.PollTimes))
	}
	for _, w := range p.sortedWaits(p.Unwaited) {
		if w.Overshoot < 0 {
			fmt.Fprintf(&b, "   %-42s %8.1f s  not waited for, not seen\n", w.Key, w.Duration.Seconds())
			continue
		}
		fmt.Fprintf(&b, "   %-42s %8.1f s  not waited for: first looked at %.1f s after it\n", w.Key, w.Duration.Seconds(), w.Overshoot.Seconds())
	}
	return b.String()
}

func (p *Phase) sortedWaits(ws []Wait) []Wait {
	out := append([]Wait(nil), ws...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// seconds lists durations in seconds with one decimal.
func seconds(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = fmt.Sprintf("%.1f", d.Seconds())
	}
	return strings.Join(parts, ", ")
}
