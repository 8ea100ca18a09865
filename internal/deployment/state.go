package deployment

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// State is what a deployment consists of on AWS: every id, recorded the
// moment the object exists so that a failed create can always be rolled back
// or finished by a later destroy.
//
// Each component keeps its part of the record in its own struct, defined in
// its file (network.go, security_groups.go, ...) and embedded here, so its
// fields read as st.VPCID and serialise flat: the JSON in Terraform's
// private state has one key per field, whatever struct holds it.
type State struct {
	Name   string
	Region string
	// Nonce makes idempotency tokens unique per create of the same name.
	Nonce string
	Tier  int

	NetworkState
	SecurityGroupState
	IAMState
	StorageState
	InstanceState
	CredentialsState
	LoadBalancerState
	CDNState
	DomainState

	Status    string
	CreatedAt time.Time
	// Converged says an apply of this provider set every managed setting;
	// until then (a deployment adopted from the GeuseMaker CLI keeps the
	// CLI's settings until the next apply) a refresh reports no drift in
	// settings.
	Converged bool `json:",omitempty"`

	// Drift lists the managed settings a refresh found changed in AWS,
	// each as "<component>: <what differs>"; the next apply puts them back.
	// It describes AWS at the last refresh and is not part of the record.
	Drift []string `json:"-"`
	// Recovered says the create that returned this state finished an
	// earlier create of the same name that was killed, adopting what it had
	// made. Not part of the record.
	Recovered bool `json:"-"`
}

// Status values.
const (
	StatusCreating = "creating"
	StatusRunning  = "running"
	StatusDegraded = "degraded"
	StatusStopped  = "stopped"
	StatusFailed   = "failed"
)

// Empty reports whether no AWS object is recorded.
func (s *State) Empty() bool {
	return len(s.IDs()) == 0
}

// IDs lists every recorded AWS object as "kind id", for diagnostics, in the
// order a teardown deletes them.
func (s *State) IDs() []string {
	var out []string
	add := func(kind, id string) {
		if id != "" {
			out = append(out, kind+" "+id)
		}
	}
	s.DomainState.ids(add)
	s.CDNState.ids(add)
	s.LoadBalancerState.ids(add)
	s.InstanceState.ids(add)
	s.CredentialsState.ids(add)
	s.StorageState.ids(add)
	s.IAMState.ids(add)
	s.SecurityGroupState.ids(add)
	s.NetworkState.ids(add)
	return out
}

// Clone returns a deep copy.
func (s *State) Clone() *State {
	c := *s
	c.SubnetIDs = slices.Clone(s.SubnetIDs)
	c.RouteTableAssociationIDs = slices.Clone(s.RouteTableAssociationIDs)
	c.ExtraSubnetIDs = slices.Clone(s.ExtraSubnetIDs)
	c.MountTargetIDs = slices.Clone(s.MountTargetIDs)
	c.MountTargetIPs = maps.Clone(s.MountTargetIPs)
	c.ListenerARNs = slices.Clone(s.ListenerARNs)
	c.RuleARNs = slices.Clone(s.RuleARNs)
	c.Drift = slices.Clone(s.Drift)
	c.DomainState = s.DomainState.clone()
	c.Credentials = maps.Clone(s.Credentials)
	c.CredentialParams = slices.Clone(s.CredentialParams)
	return &c
}

// recorder guards a State that concurrent steps write ids into.
type recorder struct {
	mu sync.Mutex
	s  *State
}

func newRecorder(s *State) *recorder { return &recorder{s: s} }

// set applies f to the state under the lock.
func (r *recorder) set(f func(s *State)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r.s)
}

// get returns a snapshot.
func (r *recorder) get() *State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.s.Clone()
}

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// remove returns list without v, as a new slice (list may be shared).
func remove(list []string, v string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(x string) bool { return x == v })
}

// sortedByRecorded keeps the recorded order of the ids that still exist and
// appends new ones, so a refresh does not reorder a list attribute.
func sortedByRecorded(recorded, live []string) []string {
	var out []string
	for _, r := range recorded {
		for _, l := range live {
			if r == l {
				out = append(out, r)
			}
		}
	}
	for _, l := range live {
		out = appendUnique(out, l)
	}
	return out
}
