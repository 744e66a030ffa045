package eventlog

import (
	"fmt"
	"maps"
	"sort"
	"sync"
	"sync/atomic"
)

// Kind names what happened ("attach_result", "fallback", …). Every kind an
// actor logs is a constant declared by the package that logs it and added
// to the registry with Register, so that tests can check the documented
// event table against the code and helpers can refuse a kind nobody logs
// (a typo would otherwise match nothing and pass).
type Kind string

// registry holds every registered kind, per actor.
var registry = struct {
	mu      sync.RWMutex
	byActor map[string]map[Kind]bool
}{byActor: map[string]map[Kind]bool{}}

// Register adds kinds to the registry for actor and returns them, so a
// package can declare and register in one var block:
//
//	var _ = eventlog.Register(eventlog.World, KindAreaChanged, KindAttachResult)
//
// Registering a kind twice for the same actor is harmless; an empty kind
// panics (a programming error caught at init).
func Register(actor string, kinds ...Kind) []Kind {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	m := registry.byActor[actor]
	if m == nil {
		m = map[Kind]bool{}
		registry.byActor[actor] = m
	}
	next := map[actorKind]bool{}
	if old := known.Load(); old != nil {
		maps.Copy(next, *old)
	}
	for _, k := range kinds {
		if k == "" {
			panic(fmt.Sprintf("eventlog: empty kind registered for actor %q", actor))
		}
		m[k] = true
		next[actorKind{actor, k}] = true
	}
	known.Store(&next)
	return kinds
}

// known is the registry as a set, replaced whole by Register (at init),
// for Known to read without the registry's lock: every event asks.
var known atomic.Pointer[map[actorKind]bool]

type actorKind struct {
	actor string
	kind  Kind
}

// Known reports whether kind is registered for actor.
func Known(actor string, kind Kind) bool {
	m := known.Load()
	return m != nil && (*m)[actorKind{actor, kind}]
}

// KnownKind reports whether any actor registered kind.
func KnownKind(kind Kind) bool {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	for _, m := range registry.byActor {
		if m[kind] {
			return true
		}
	}
	return false
}

// CheckKind returns an error naming kind when no actor registered it.
func CheckKind(kind Kind) error {
	if KnownKind(kind) {
		return nil
	}
	return fmt.Errorf("event kind %q is not registered by any actor (see eventlog.Registered)", kind)
}

// Registered returns the registry: every actor's kinds, sorted. Only the
// packages linked into the program have registered theirs.
func Registered() map[string][]Kind {
	registry.mu.RLock()
	defer registry.mu.RUnlock()
	out := make(map[string][]Kind, len(registry.byActor))
	for actor, m := range registry.byActor {
		ks := make([]Kind, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
		out[actor] = ks
	}
	return out
}

// The harness's own kinds (harness/ logs them; declared here so that the
// emulators' tests can use them without importing the harness).
const (
	KindRunStarted    Kind = "run_started"
	KindRunIncomplete Kind = "run_incomplete" // {reason}: the run did not finish
	KindFault         Kind = "fault"          // {fault, target, at, entry, ...}: an injected fault (also the world's)
	KindError         Kind = "error"
	// KindEndedInCycle {started, trigger, operators}: the run reached its
	// horizon inside a cycle the card had not ended; the end state was
	// read mid-switch. {started, trigger, awaiting, serving_plmn} when it
	// reached it inside a check still awaiting its preferred list.
	KindEndedInCycle Kind = "run_ended_in_cycle"
	// KindRunEnded {registration, plmn?, imsi?, pin?, owed_kinds,
	// owed_reports, owed_smdp}: the run reached its horizon, and the host
	// read this end state (the registration expect.final is held to), so
	// the verdict can be checked again from the log alone; with the notes
	// the card still owed the platform and the SM-DP+s then.
	KindRunEnded Kind = "run_ended"
)

var _ = Register(Harness, KindRunStarted, KindRunIncomplete, KindFault, KindError, KindEndedInCycle, KindRunEnded, LimitKind)
