package explore

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
	atcodec "github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// Invariant is one property every run must have, whatever the world.
type Invariant struct {
	Name string
	// Claim cites what the invariant follows from (the patent's claims,
	// the README's decisions on the open points, issue 4 §4).
	Claim string
	Check func(s *scenario.Scenario, o Outcome) []string
}

// Invariants are checked on every explored run, in this order.
var Invariants = []Invariant{
	{"one-enabled-profile", "issue 4 §4: at most one profile is enabled, always; power loss: none lost or half-installed", checkFinalProfiles},
	{"list-order", "claim 3: a cycle's attempts follow its list order, none repeated, none passed over without a logged reason, bounded by the list", checkListOrder},
	{"fallback-before-next", "claim 3, README \"Decisions on the open points\": after a failed attach the cycle's original (the profile serving when the cycle began) is tried first, and a fallback is attached (or none can be) before the next attempt", checkFallback},
	{"one-outcome-per-cycle", "issue 8, DESIGN (every cycle ends with one outcome report): every cycle ends once, with attach-success or list-exhausted — one that could attempt no operator too —, reported to the platform exactly once", checkOutcomes},
	{"mode-bounds", "issue 8: no mode of the applet lasts longer than its bound without an event (no wait forever)", checkModeBounds},
	{"download-notifications", "claim 2: each installed profile yields one download-success notification to its operator and one to the platform", checkDownloadNotifications},
	{"attempt-on-a-held-profile", "claim 2, SGP.22 §3.1.3.3 (a refused install leaves no profile): an attempt via a preinstalled profile names an operator whose profile the card holds — preinstalled, or installed (profile_installed) before it", checkAttemptHeld},
	{"capture-matches-platform", "issue 4 §4: the pcap and the platform's own log agree", checkCapture},
	{"fault-scope", "issue 9 §1: a fault hits only the operator, subscriber, tracking area, attempt and window its entry names, and an attach fault every attach they cover", checkFaultScope},
	{"pin-locked-no-service", "TS 31.102 §5.1.1, README (modem): a profile whose PIN1 is enabled reads no IMSI and never attaches (the host never enters a PIN): no attach attempt, no attach reported, no run ending attached on it", checkPINLockedNoService},
	{"pin-locked-falls-back", "claim 3: a switch to a PIN-locked profile fails when the attach wait runs out, and a failed attempt falls back before the next", checkPINLockedFallsBack},
	{"one-judgment-per-failure", "README \"Decisions on the open points\" (back-off: a failure counts once; one outcome: attach-failure reports say what happened to each attempt): within a cycle an operator's attempt is judged failed once and backed off once per area, a power cut between the judgment and the fallback included", checkOneJudgment},
	{"no-border-ping-pong", "README \"Decisions on the open points\" (a device that crosses a border; back-off): a device that does not move does not leave the list's area cycle after cycle — in a border area the card switches between two countries' lists at every check, with no back-off", checkNoBorderPingPong},
	{"note-not-cut", "docs/platform-api.md (delivery at least once: a lost answer, not the card's own doing): the card enables no profile while a note the platform took awaits its answer — the REFRESH would cut the answer and the note go twice — unless a power cut, restart or card loss cut it first", checkNoteNotCut},
	{"left-area-abroad", "claim 3, README \"Decisions on the open points\" (back-off: an area is a country): a cycle ends as the device having left the list's area only when its fallback attached in another country — one the scenario gives the network's operator —, not on another MCC of the list's country, nor, once the list named its country, on any network of it", checkLeftAreaAbroad},
	{"rescue-home-first", "README \"Decisions on the open points\" (never stranded): a rescue tries the card's other profiles home first — the first-boot home profile, wherever the card lists it — when it tries the home profile at all", checkRescueHomeFirst},
	{"backoff-forgotten-on-success", "README \"Decisions on the open points\" (back-off: the pauses grow for failures in a row; a late attach forgets the operator's back-off in that area, as a cycle's success does): an operator's first failure after it attached in a place counts as the first again", checkBackoffForgotten},
	{"attached-as-operator", "claims 3 and 7, README \"Decisions on the open points\" (Roaming is the network's, not the country's: an attempt attaches on its operator's own network or nationally roaming on a network of its country, TS 23.122 Annex B): no attempt is judged failed for normal service on a network of its operator's country, nor attached (a rescue's aside) on a network of another country", checkAttachedAsOperator},
	{"backoff-where-failed", "README \"Decisions on the open points\" (back-off): a failed operator is backed off in the area it failed in, not in one the device left before it attached (a border area's and a second leave's excepted)", checkBackoffArea},
	// The actors around the card, held to their specs (actors.go).
	{"registration-urcs", "TS 27.007 §7.2, §10.1.20, §10.1.22: a registration change (the <stat>, and from n=2 the cell) yields the +CREG/+CGREG/+CEREG URC the host asked for, at once", checkRegistrationURCs},
	{"location-status-to-card", "TS 102 223 §6.4.16, §7.5.4: once the card subscribed to the location status event, each change of service, network or cell reaches it as an ENVELOPE (EVENT DOWNLOAD) in the capture's APDU lane, in order", checkLocationStatusToCard},
	{"signal-report", "TS 31.111 §6.4.15 (NMR: the serving cell and up to eight others), README (platform order_by: signal): each list request's signal report names the networks with cells the device sees in its area then, each with the world's RSRP", checkSignalReport},
	{"attach-by-agreement", "fixtures/scenarios/README.md (network: home subscribers home, partners' roaming, others denied; an agreement {home, visited} is one way), TS 24.301 §9.9.3.9 cause #11: every world attach_result is what the scenario's operators and roaming agreements give, or what an attach fault fired on that attempt says", checkAttachByAgreement},
	{"hplmn-search-by-period", "TS 23.122 §4.4.3.3.1, TS 31.102 §4.2.6, README (modem: plmn_search): the search for a higher priority PLMN runs only in automatic mode, on the VPLMN the modem is registered on, with a USIM whose EF HPPLMN is not '00' (hplmn_search: off), and no sooner than its period T after the registration that began the stay on a VPLMN", checkHPLMNSearch},
	{"attach-attempt-counter", "TS 24.301 §5.5.1.2.6 c, §10.2, README (modem: attach_timeout, attach_retry): an unanswered attach is tried at most five times on one PLMN, each restart T3411 after the last T3410 expiry and on that PLMN alone, each expiry T3410 after its attempt", checkAttachAttempts},
	{"forbidden-lists-kept", "TS 23.122 §3.1, TS 24.301 §5.3.2, §5.5.1.2.5, README (modem: the ME's lists, plmn_blocked): after a #12, #13 or #15 automatic selection makes no attempt in that tracking area for that subscriber, after a #14 none in that PLMN, after a #42 none in that PLMN for 2 × T (TS 23.122 §4.4.3.3.1's T from the USIM's EF HPPLMN, 60 minutes for none or '00'), until the power off, a restart, the card out, another USIM read, a registration there or (tracking areas) emm.TAPeriod after the lists' first entry, when the modem's ta_lists_erased comes and no other instant; the modem's plmn_blocked comes at a #42's instant with its block's end", checkMELists},
}

// Check runs every invariant on one run and returns the violations, each
// prefixed with the invariant's name.
func Check(s *scenario.Scenario, o Outcome) []string {
	var out []string
	for _, inv := range Invariants {
		for _, v := range inv.Check(s, o) {
			out = append(out, inv.Name+": "+v)
		}
	}
	return out
}

// at formats an event for a violation message.
func at(e eventlog.Event) string {
	return fmt.Sprintf("%s %s/%s", e.T.UTC().Format("15:04:05.000"), e.Actor, e.Kind)
}

func boolField(e eventlog.Event, k string) bool {
	b, _ := e.Get(k).(bool)
	return b
}

func is(e eventlog.Event, actor string, kind eventlog.Kind) bool {
	return e.Actor == actor && e.Kind == kind
}

// cardRemoved reports a modem's card event that says the card is out of
// its reach (`card: absent`), which unpowers the card.
func cardRemoved(e eventlog.Event) bool {
	return is(e, eventlog.Modem, modem.KindCard) && e.Get("present") == false
}

// checkFinalProfiles: the card's own ProfileInfoList at the end holds exactly
// one enabled profile, the one the modem last read (or, in a run that ends
// unpowered or without its card, the one the card enabled after that
// read), and every preinstalled and every installed profile, nothing else.
func checkFinalProfiles(s *scenario.Scenario, o Outcome) []string {
	var v []string
	var enabled []string
	have := map[string]bool{}
	for _, p := range o.Profiles {
		have[p.ICCID] = true
		if p.Enabled {
			enabled = append(enabled, p.ICCID)
		}
	}
	if len(enabled) != 1 {
		v = append(v, fmt.Sprintf("ProfileInfoList has %d enabled profiles %v, want exactly 1", len(enabled), enabled))
	}
	lastCard := ""
	want := map[string]bool{}
	for _, p := range s.Device.Profiles {
		want[p.ICCID] = true
	}
	unread := "" // a profile the card enabled since the modem last read it
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.Modem, "card") && boolField(e, "present"):
			lastCard, unread = e.Str("iccid"), ""
		case is(e, eventlog.EUICC, applet.KindProfileEnabled):
			unread = e.Str("iccid")
		case is(e, eventlog.EUICC, "profile_installed"):
			want[e.Str("iccid")] = true
		}
	}
	// A run that ends without power, or with its card out of reach, may
	// end between an enable and the modem's read of it (a cut right after
	// the enable, before its REFRESH reached the modem): the card's NVM
	// holds the enable, which the modem reads as the power, or the card,
	// comes back (sweep 275508603342401355 case 6661).
	if end, _, ok := scenario.EndOf(o.Events); ok && unread != "" &&
		(end.Registration == scenario.RegistrationOff || end.Registration == scenario.RegistrationAbsent) {
		lastCard = unread
	}
	if len(enabled) == 1 && lastCard != "" && enabled[0] != lastCard {
		v = append(v, fmt.Sprintf("enabled profile %s is not the one the modem last read (%s)", enabled[0], lastCard))
	}
	for _, id := range slices.Sorted(maps.Keys(want)) {
		if !have[id] {
			v = append(v, fmt.Sprintf("profile %s lost: not in the final ProfileInfoList", id))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(have)) {
		if !want[id] {
			v = append(v, fmt.Sprintf("profile %s on the card was neither preinstalled nor reported installed", id))
		}
	}
	return v
}

// checkAttemptHeld: every attempt via a preinstalled profile, and every
// operator of a rescue or coming home (which walk the card's own
// profiles), is an operator the card holds a profile of: the scenario's,
// or one the card logged installed before. A card that took a refused
// install's profile into its list (tester t139 M20) names it there, a
// profile the card never installed.
func checkAttemptHeld(s *scenario.Scenario, o Outcome) []string {
	var v []string
	held := map[string]bool{}
	for _, p := range s.Device.Profiles {
		held[p.Operator] = true
	}
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.EUICC, "profile_installed"):
			held[e.Str("operator")] = true
		case is(e, eventlog.EUICC, applet.KindAttempt) && e.Str("via") == "preinstalled" && !held[e.Str("operator")]:
			v = append(v, fmt.Sprintf("%s: attempt on %s via a preinstalled profile, but the card holds none of its profiles", at(e), e.Str("operator")))
		case is(e, eventlog.EUICC, applet.KindCycleStarted) && e.Str("trigger") != applet.TriggerList:
			for _, op := range e.Strs("operators") {
				if !held[op] {
					v = append(v, fmt.Sprintf("%s: a %s cycle over the card's profiles names %s, but the card holds none of its profiles", at(e), e.Str("trigger"), op))
				}
			}
		}
	}
	return v
}

// cycle is one cycle of the card, as its log tells it: from cycle_started
// to cycle_ended, with what happened in between.
type cycle struct {
	start    eventlog.Event
	end      *eventlog.Event
	trigger  string
	ops      []string
	original string
	// events are the card's events of the cycle, in order (start and end
	// included), with their index in the whole log.
	events []int
}

// cycles splits the log into the card's cycles. A cycle_started while one
// is open is a violation of its own (reported by checkOutcomes); the open
// one is then closed there.
func cycles(events []eventlog.Event) (out []*cycle, nested []eventlog.Event) {
	var cur *cycle
	for i, e := range events {
		if e.Actor != eventlog.EUICC {
			continue
		}
		switch e.Kind {
		case applet.KindCycleStarted:
			if cur != nil {
				nested = append(nested, e)
			}
			cur = &cycle{start: e, trigger: e.Str("trigger"), ops: e.Strs("operators"), original: e.Str("original")}
			out = append(out, cur)
		case applet.KindCycleEnded:
			if cur != nil {
				cur.events = append(cur.events, i)
				cur.end = &events[i]
				cur = nil
			}
			continue
		}
		if cur != nil {
			cur.events = append(cur.events, i)
		}
	}
	return out, nested
}

// checkListOrder: a list cycle's list is the one the platform served
// (claim 3 follows the platform's order: the card's own copy, which
// cycle_started logs, could be wrong and then followed "in order" —
// tester t139 M03); within each cycle the attempts take the list in order,
// each at most once; an operator before an attempted one was attempted or
// logged as skipped with a reason; an exhausted list had every operator
// attempted or skipped. No attempt happens outside a cycle.
func checkListOrder(s *scenario.Scenario, o Outcome) []string {
	var v []string
	cs, _ := cycles(o.Events)
	served := map[int][]string{} // a list cycle's start → the list the platform last served before it
	var last []string
	for i, e := range o.Events {
		switch {
		case is(e, eventlog.Platform, platform.KindPreferredListServed):
			last = e.Strs("operators")
		case is(e, eventlog.EUICC, applet.KindCycleStarted) && e.Str("trigger") == applet.TriggerList && last != nil:
			served[i] = last
		}
	}
	in := map[int]bool{}
	for _, c := range cs {
		if p, ok := served[c.events[0]]; ok && !slices.Equal(p, c.ops) {
			v = append(v, fmt.Sprintf("%s: the card's list %v is not the one the platform served, %v", at(c.start), c.ops, p))
		}
		for _, i := range c.events {
			in[i] = true
		}
		pos := 0 // next list index not yet accounted for
		done := map[string]bool{}
		attempts := 0
		for _, i := range c.events {
			e := o.Events[i]
			switch e.Kind {
			case applet.KindAttemptSkipped:
				op := e.Str("operator")
				if idx := nextIndex(c.ops, op, pos); idx >= 0 {
					for _, passed := range c.ops[pos:idx] {
						if !done[passed] {
							v = append(v, fmt.Sprintf("%s: %s passed over without an attempt or a reason in %v", at(e), passed, c.ops))
						}
					}
					pos = idx + 1
				}
				if e.Str("reason") == "" {
					v = append(v, fmt.Sprintf("%s: %s skipped without a reason", at(e), op))
				}
				done[op] = true
			case applet.KindAttempt:
				op := e.Str("operator")
				attempts++
				idx := nextIndex(c.ops, op, pos)
				switch {
				case !slices.Contains(c.ops, op):
					v = append(v, fmt.Sprintf("%s: attempt on %s, not in the cycle's list %v", at(e), op, c.ops))
				case done[op] && idx < 0:
					v = append(v, fmt.Sprintf("%s: %s attempted twice in cycle %v", at(e), op, c.ops))
				case idx < 0:
					v = append(v, fmt.Sprintf("%s: %s attempted against list order %v", at(e), op, c.ops))
				default:
					for _, passed := range c.ops[pos:idx] {
						if !done[passed] {
							v = append(v, fmt.Sprintf("%s: %s passed over without an attempt or a reason before %s in %v", at(e), passed, op, c.ops))
						}
					}
					pos = idx + 1
				}
				done[op] = true
			}
		}
		if attempts > len(c.ops) {
			v = append(v, fmt.Sprintf("%s: %d attempts for a list of %d", at(c.start), attempts, len(c.ops)))
		}
		if c.end != nil && c.end.Str("outcome") == applet.OutcomeListExhausted && c.end.Str("reason") == "" {
			for _, op := range c.ops[min(pos, len(c.ops)):] {
				if !done[op] {
					v = append(v, fmt.Sprintf("%s: list exhausted with %s neither attempted nor skipped in %v", at(*c.end), op, c.ops))
				}
			}
		}
	}
	for i, e := range o.Events {
		if is(e, eventlog.EUICC, applet.KindAttempt) && !in[i] {
			v = append(v, fmt.Sprintf("%s: attempt on %s outside a cycle", at(e), e.Str("operator")))
		}
	}
	return v
}

// nextIndex is the index of op in ops at or after from, or -1.
func nextIndex(ops []string, op string, from int) int {
	for i := from; i < len(ops); i++ {
		if ops[i] == op {
			return i
		}
	}
	return -1
}

// checkFallback: a cycle's original is the profile enabled when it began
// (a list or home cycle: it was also serving); after an attach failure
// with a switch the first fallback goes to that original, and the next
// attempt comes only once a fallback attached (the world agrees) or none
// could (fallback_exhausted).
func checkFallback(s *scenario.Scenario, o Outcome) []string {
	var v []string
	enabledOp := s.EnabledProfile().Operator
	cs, _ := cycles(o.Events)
	byStart := map[int]*cycle{}
	for _, c := range cs {
		byStart[c.events[0]] = c
	}
	lastAttach := map[string]bool{} // subscriber → its last attach result was ok
	var cur *cycle
	pending := false // an attach failed; no fallback attached yet
	fellBack := false
	failed := map[string]bool{} // operators that failed in the cycle
	for i, e := range o.Events {
		if c, ok := byStart[i]; ok {
			cur, pending, fellBack = c, false, false
			failed = map[string]bool{}
			if c.original != enabledOp && c.original != "" {
				v = append(v, fmt.Sprintf("%s: cycle's original %s, but %s is enabled", at(e), c.original, enabledOp))
			}
		}
		switch {
		case is(e, eventlog.World, world.KindAttachResult):
			lastAttach[e.Str("operator")] = boolField(e, "ok")
		case is(e, eventlog.World, world.KindDetach), is(e, eventlog.World, world.KindLimitedService):
			// A selection that found only forbidden networks tries none
			// (no attach_result) and leaves the subscriber unattached.
			lastAttach[e.Str("operator")] = false
		case is(e, eventlog.EUICC, applet.KindProfileEnabled):
			enabledOp = e.Str("operator")
		case cur == nil:
		case is(e, eventlog.EUICC, applet.KindAttachFailed):
			failed[e.Str("operator")] = true
			if !strings.HasPrefix(e.Str("reason"), "enable refused") && cur.trigger != applet.TriggerRescue {
				pending = true
			}
		case is(e, eventlog.EUICC, applet.KindFallbackFailed):
			failed[e.Str("operator")] = true
		case is(e, eventlog.EUICC, applet.KindFallback):
			// The original first, unless it already failed in this cycle
			// (it is not tried twice in one cycle).
			if pending && !fellBack && e.Str("to_operator") != cur.original && cur.original != "" && !failed[cur.original] {
				v = append(v, fmt.Sprintf("%s: first fallback to %s, not the cycle's original %s", at(e), e.Str("to_operator"), cur.original))
			}
			fellBack = true
		case is(e, eventlog.EUICC, applet.KindFallbackAttached):
			if !lastAttach[enabledOp] {
				v = append(v, fmt.Sprintf("%s: fallback_attached on %s, but the world has no attach of it", at(e), enabledOp))
			}
			pending = false
		case is(e, eventlog.EUICC, applet.KindFallbackExhausted), is(e, eventlog.EUICC, applet.KindCycleResumed):
			pending = false
		case is(e, eventlog.EUICC, applet.KindAttempt):
			if pending {
				v = append(v, fmt.Sprintf("%s: attempt on %s before a fallback attached (or none could)", at(e), e.Str("operator")))
			}
			pending, fellBack = false, false
		case is(e, eventlog.EUICC, applet.KindCycleEnded):
			cur = nil
		}
	}
	return v
}

// checkRescueHomeFirst: a rescue cycle that lists the home profile's
// operator (the profile enabled at first boot; the rescue leaves it out
// when it is the one without service, or backed off out of its network's
// sight) lists it first, whatever the card's profile order.
func checkRescueHomeFirst(s *scenario.Scenario, o Outcome) []string {
	var v []string
	home := s.EnabledProfile().Operator
	cs, _ := cycles(o.Events)
	for _, c := range cs {
		if c.trigger == applet.TriggerRescue && slices.Contains(c.ops, home) && c.ops[0] != home {
			v = append(v, fmt.Sprintf("%s: rescue tries %v, the home profile's %s not first", at(c.start), c.ops, home))
		}
	}
	return v
}

// checkBackoffForgotten: an operator that attached — its cycle's
// attach-success, or its late_attach — has its back-off in that place
// forgotten, so its next backoff, when logged for the same place (area and
// country as the backoff event logs them), counts failures from 1 again.
// Only the next backoff of that operator is judged, and only in the same
// place: the card matches places by samePlace, which is not transitive, so
// another place, or an entry a later failure changed, may rightly go on.
func checkBackoffForgotten(s *scenario.Scenario, o Outcome) []string {
	var v []string
	for _, j := range afterAttach(o.Events) {
		if n, _ := j.e.Int("failures"); n != 1 {
			v = append(v, fmt.Sprintf("%s: %s backed off with failures %d in area %s %s, where it attached since its last failure (want 1)", at(j.e), j.e.Str("operator"), n, j.e.Str("area"), j.e.Str("country")))
		}
	}
	return v
}

// backoffAfterAttach is a backoff event checkBackoffForgotten judges;
// again: the operator had been backed off in that place before it
// attached there, so a card that kept that count would show it.
type backoffAfterAttach struct {
	e     eventlog.Event
	again bool
}

// afterAttach returns the backoff events that follow the operator's
// attach in the same place with no backoff of it between.
func afterAttach(events []eventlog.Event) []backoffAfterAttach {
	type place struct{ area, country string }
	type key struct {
		op string
		place
	}
	var out []backoffAfterAttach
	attached := map[string]place{} // operator → where it last attached, before its next backoff
	backedOff := map[key]bool{}    // backed off there before
	var cur place                  // the open cycle's place
	for _, e := range events {
		if e.Actor != eventlog.EUICC {
			continue
		}
		switch e.Kind {
		case applet.KindCycleStarted:
			cur = place{e.Str("area"), e.Str("country")}
		case applet.KindCycleEnded:
			if e.Str("outcome") == applet.OutcomeAttachSuccess && e.Str("operator") != "" {
				attached[e.Str("operator")] = cur
			}
		case applet.KindLateAttach:
			attached[e.Str("operator")] = place{e.Str("area"), e.Str("country")}
		case applet.KindBackoff:
			op, here := e.Str("operator"), place{e.Str("area"), e.Str("country")}
			p, ok := attached[op]
			delete(attached, op)
			if ok && p == here {
				out = append(out, backoffAfterAttach{e, backedOff[key{op, here}]})
			}
			backedOff[key{op, here}] = true
		}
	}
	return out
}

// checkOutcomes: cycles do not nest; each ends once, with an outcome that
// matches its attempts; an attach-success names the operator the device is
// attached with; each outcome's report reaches the platform once (exactly
// once when the run ends attached, late reports excepted).
func checkOutcomes(s *scenario.Scenario, o Outcome) []string {
	var v []string
	cs, nested := cycles(o.Events)
	for _, e := range nested {
		v = append(v, fmt.Sprintf("%s: a cycle started while another was open", at(e)))
	}
	received := map[uint64]int{}
	refused := map[uint64]string{} // the card dropped the note: the platform's reason
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.Platform, platform.KindNotificationReceived):
			if r, ok := reportOf(e); ok {
				received[r]++
			}
		case is(e, eventlog.EUICC, applet.KindNoteDropped):
			if r, ok := reportOf(e); ok {
				refused[r] = e.Str("reason")
			}
		}
	}
	for r, n := range received {
		if n > 1 {
			v = append(v, fmt.Sprintf("report %d received %d times by the platform", r, n))
		}
	}
	exact := endsAttached(s, o.Events)
	last := time.Time{}
	if len(o.Events) > 0 {
		last = o.Events[len(o.Events)-1].T
	}
	// What the card still owed the platform at the end, as run_ended
	// names it: a report neither received nor dropped must be there —
	// held, not lost (docs/platform-api.md, "Delivery": at least once).
	_, end, ended := scenario.EndOf(o.Events)
	owedEnd := map[string]bool{}
	for _, r := range end.Strs("owed_reports") {
		owedEnd[r] = true
	}
	down := platformOwes(s, o.Events)
	for _, c := range cs {
		if c.end == nil {
			continue // cut by the end of the run: mode-bounds judges it
		}
		attempts := 0
		for _, i := range c.events {
			if o.Events[i].Kind == applet.KindAttempt {
				attempts++
			}
		}
		ce := *c.end
		out := ce.Str("outcome")
		n, _ := ce.Get("attempts").(int)
		switch {
		case n != attempts:
			v = append(v, fmt.Sprintf("%s: cycle_ended says %d attempts, the log shows %d", at(ce), n, attempts))
		case out != applet.OutcomeAttachSuccess && out != applet.OutcomeListExhausted:
			v = append(v, fmt.Sprintf("%s: a cycle with %d attempts ended %q", at(ce), attempts, out))
			continue
		}
		v = append(v, outcomeAgrees(o.Events, c)...)
		r, ok := reportOf(ce)
		if !ok {
			v = append(v, fmt.Sprintf("%s: outcome %s without a report number", at(ce), out))
			continue
		}
		switch why, dropped := refused[r]; {
		case dropped && strings.HasPrefix(why, applet.ReasonOutboxFull):
			// The outbox is bounded (docs/platform-api.md, "Delivery"): an
			// outcome dropped for room is the documented loss, which the
			// run names beside its verdict.
		case dropped && !strings.Contains(why, "http status 401"):
			// Only a card the platform does not authenticate (an EID
			// outside its EUM's range) may see its reports refused.
			v = append(v, fmt.Sprintf("%s: outcome %s (report %d) refused by the platform: %s", at(ce), out, r, why))
		case dropped:
		case received[r] == 0 && ended && !owedEnd[fmt.Sprint(r)]:
			v = append(v, fmt.Sprintf("%s: outcome %s (report %d) never received by the platform, yet run_ended does not name it owed (owed_reports %v)", at(ce), out, r, end.Strs("owed_reports")))
		case received[r] == 0 && down != "":
			// The platform does not acknowledge notes at the end (down):
			// the card keeps the report, and run_ended names it owed.
		case exact && received[r] != 1 && ce.T.Before(last.Add(-time.Minute)):
			v = append(v, fmt.Sprintf("%s: outcome %s (report %d) received %d times by the platform, want 1", at(ce), out, r, received[r]))
		}
	}
	return v
}

// outcomeAgrees checks an outcome against what happened: attach-success
// names the subscriber the world last attached; a list exhausted had every
// attempt fail.
func outcomeAgrees(events []eventlog.Event, c *cycle) []string {
	end := *c.end
	var lastAttach *eventlog.Event
	for i := c.events[len(c.events)-1]; i >= 0; i-- {
		if is(events[i], eventlog.World, world.KindAttachResult) {
			lastAttach = &events[i]
			break
		}
	}
	switch end.Str("outcome") {
	case applet.OutcomeAttachSuccess:
		if lastAttach == nil || !boolField(*lastAttach, "ok") || lastAttach.Str("operator") != end.Str("operator") {
			return []string{fmt.Sprintf("%s: attach-success for %s, but the world's last attach is not an accepted one of it", at(end), end.Str("operator"))}
		}
	case applet.OutcomeListExhausted:
		open := ""
		for _, i := range c.events {
			e := events[i]
			switch {
			case e.Kind == applet.KindAttempt:
				if open != "" {
					return []string{fmt.Sprintf("%s: %s attempted while the attempt on %s had not failed", at(e), e.Str("operator"), open)}
				}
				open = e.Str("operator")
			case e.Kind == applet.KindAttachFailed, e.Kind == applet.KindDownloadResult && !boolField(e, "ok"):
				open = ""
			case e.Kind == applet.KindCycleResumed:
				open = "" // a reset in the middle: the attempt ended with it
			}
		}
		if open != "" && end.Str("reason") == "" {
			return []string{fmt.Sprintf("%s: list exhausted while the attempt on %s had not failed", at(end), open)}
		}
	}
	return nil
}

func reportOf(e eventlog.Event) (uint64, bool) {
	switch r := e.Get("report").(type) {
	case uint64:
		return r, r != 0
	case int:
		return uint64(r), r != 0
	case float64:
		return uint64(r), r != 0
	}
	return 0, false
}

// modeBound is how long the applet may stay in a mode without leaving it:
// a BIP exchange is bounded by the card's reply guard (30 s), a download by
// its dozen or so exchanges, an attach wait by attach_wait after the Boot
// that starts it (plus the modem's restart); slack covers the
// terminal's queueing.
func modeBound(s *scenario.Scenario, mode applet.Mode) time.Duration {
	wait := s.Device.AttachWait
	if wait <= 0 {
		wait = applet.DefaultAttachWait
	}
	switch mode {
	case applet.ModeIdle:
		return 0 // the check timer always runs
	case applet.ModeAttemptDownloading:
		return 15 * time.Minute
	case applet.ModeAttemptAwaitAttach, applet.ModeFallbackAwaitAttach:
		return wait + 2*time.Minute
	}
	return 2 * time.Minute
}

// checkModeBounds: every mode the card enters (its `mode` events) is left
// within its bound; time with the power off, or the card out of the
// modem's reach, does not count (the mode resumes at power on).
func checkModeBounds(s *scenario.Scenario, o Outcome) []string {
	var v []string
	var cur applet.Mode
	var since time.Time
	var entered eventlog.Event
	off, powerOff, cardOut := false, false, false
	check := func(now time.Time, what string) {
		if cur == "" || off {
			return
		}
		if b := modeBound(s, cur); b > 0 && now.Sub(since) > b {
			v = append(v, fmt.Sprintf("%s: mode %s lasted %v until %s, bound %v", at(entered), cur, now.Sub(since).Round(time.Second), what, b))
		}
	}
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.EUICC, applet.KindMode):
			check(e.T, "the next mode")
			cur, since, entered = applet.Mode(e.Str("mode")), e.T, e
		case is(e, eventlog.EUICC, applet.KindEnableHeld) && cur == applet.ModeAttemptEnabling:
			// After a reset the enable waits for the network the device
			// woke up on, as long as there is none: every check looks,
			// as in idle.
			cur = ""
		case is(e, eventlog.Modem, modem.KindPower):
			if boolField(e, "on") {
				if powerOff && !cardOut {
					since = e.T // the bound starts again at power on
				}
				powerOff = false
			} else {
				check(e.T, "the power cut")
				powerOff = true
			}
		case is(e, eventlog.Modem, modem.KindCard):
			// A card out of the modem's reach is unpowered too (README,
			// `card: absent`: "the card loses its power and checks
			// nothing"), to the end of the run if the window is open.
			if cardRemoved(e) {
				check(e.T, "the card's removal")
				cardOut = true
			} else if cardOut {
				cardOut = false
				if !powerOff {
					since = e.T
				}
			}
		}
		off = powerOff || cardOut
	}
	if n := len(o.Events); n > 0 {
		check(o.Events[n-1].T, "the end of the run")
	}
	return v
}

// endsAttached reports whether the device has service at the end of the
// run (its last attach worked, and no selection since found only forbidden
// networks: that one tries none, so logs no attach_result, and leaves the
// device in limited service). Only then must every owed notification have
// gone out: a card without a bearer keeps them (and retries) until it has
// one. Most fault windows close an hour before the end (see Generator);
// one still open may leave the device without service with no event of
// the network's: a dead zone, or an outage of the network it is on
// (README, `coverage: lost`: "the modem loses its registration without a
// reject or a detach the network hears") — the world's attach then still
// the last word, the device searching. An SM-DP+ unreachable at the end is
// checkDownloadNotifications' (it excepts it), a platform that does not
// acknowledge notes at the end platformOwes'.
func endsAttached(s *scenario.Scenario, events []eventlog.Event) bool {
	lost := map[string]bool{} // coverage lost since, to the end: "device" or a network's operator
	for i := len(events) - 1; i >= 0; i-- {
		switch e := events[i]; {
		case is(e, eventlog.World, "attach_result"):
			op, _ := operatorOfPLMN(s, e.Str("plmn"))
			return boolField(e, "ok") && !lost["device"] && !lost[op.ID]
		case is(e, eventlog.World, "detach"), is(e, eventlog.Modem, "power"), is(e, eventlog.World, world.KindLimitedService),
			is(e, eventlog.World, world.KindNoService):
			// Powered off, detached, in limited service or with no network
			// at all since the last attach (an area whose one network is
			// out to the end: make bench's case 276 of 1,000 after t247).
			return false
		case is(e, eventlog.Harness, eventlog.KindFault) && e.Str("fault") == string(scenario.CoverageLost):
			// The latest edge of each target counts (the scan is backwards).
			if _, seen := lost[e.Str("target")]; !seen {
				lost[e.Str("target")] = boolField(e, "on")
			}
		}
	}
	return false
}

// operatorOfPLMN is the scenario's operator of network plmn, its PLMN or
// one of its ehplmns; false (and the zero operator) for none.
func operatorOfPLMN(s *scenario.Scenario, plmn string) (scenario.Operator, bool) {
	for _, op := range s.Network.Operators {
		if op.Owns(plmn) {
			return op, true
		}
	}
	return scenario.Operator{}, false
}

// countOf counts x in xs.
func countOf(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// platformOwes names the platform fault of s in force to the end of the
// run that keeps the card's notes from being acknowledged, "" for none:
// README, "A platform that answers badly" and the faults list — a
// platform unreachable, one that takes notes without acknowledging them
// (no_ack naming no operator), garbles every answer ("an undelivered
// notification … kept, sent again"), errs on the notes' route (status)
// or holds its answers past the card's 30 s reply guard (slow: the card
// gives up on them). A note then stays owed to the end, which run_ended
// names (owed_kinds, owed_reports), though the device has a bearer.
// Unreachable is switched, its edges logged: read, as smdpDown and
// endsAttached read theirs, from its last edge. The others log only
// their injections, none at the end to read, so their windows tell.
func platformOwes(s *scenario.Scenario, events []eventlog.Event) string {
	for i := len(events) - 1; i >= 0; i-- {
		if e := events[i]; is(e, eventlog.Harness, eventlog.KindFault) && e.Str("fault") == string(scenario.PlatformUnreachable) {
			if boolField(e, "on") {
				return string(scenario.PlatformUnreachable)
			}
			break
		}
	}
	h := s.Horizon()
	for _, f := range s.Faults {
		if !f.Active(h - time.Nanosecond) {
			continue
		}
		switch {
		case f.Kind == scenario.PlatformGarbled,
			f.Kind == scenario.PlatformNoAck && f.Operator == "",
			f.Kind == scenario.PlatformStatus && (f.Path == "" || f.Path == platformapi.PathNotifications),
			f.Kind == scenario.PlatformSlow && f.Delay > scenario.CardReplyGuard:
			return string(f.Kind)
		}
	}
	return ""
}

// checkDownloadNotifications: per installed profile, exactly one
// download-success notification received by the platform (and sent by the
// card); per operator, an install notification at its SM-DP+ for every
// profile of it installed and none beyond the packages it sent. "At
// least" holds when the run ends attached (a card without a bearer keeps
// what it owes), and at an SM-DP+ when it is reachable at the end; "at
// most" always.
func checkDownloadNotifications(s *scenario.Scenario, o Outcome) []string {
	var v []string
	installs := map[string]string{} // iccid → operator
	perOp := map[string]int{}
	platformGot := map[string]int{}
	smdpGot := map[string]int{}
	bpps := map[string]int{}
	interrupted, smdpInterrupted := map[string]int{}, map[string]int{}
	// smdpDown: the operator's SM-DP+ unreachable at the end (its last
	// smdp_unreachable edge on): the card keeps what it owes it, as on a
	// run that ends without a bearer, and `esimhil run` names it owed
	// (outside tester t144 F5: a replay called that a violation).
	smdpDown := map[string]bool{}
	cardSent := 0
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.Harness, "fault") && e.Str("fault") == string(scenario.Download) && e.Str("name") == scenario.SMDPUnreachable:
			smdpDown[e.Str("target")] = boolField(e, "on")
		case is(e, eventlog.EUICC, "install_interrupted") && e.Get("seq") != nil:
			interrupted[e.Str("operator")]++
		case is(e, "smdp", "notification_received") && e.Str("kind") == "install" && intField(e, "error_reason") == es10.ReasonInstallInterrupted:
			smdpInterrupted[e.Str("operator")]++
			smdpGot[e.Str("operator")]++
		case is(e, eventlog.EUICC, "profile_installed"):
			installs[e.Str("iccid")] = e.Str("operator")
			perOp[e.Str("operator")]++
		case is(e, eventlog.Platform, "notification_received") && e.Str("kind") == "download-success":
			platformGot[e.Str("iccid")]++
		case is(e, "smdp", "bpp_sent"):
			bpps[e.Str("operator")]++
		case is(e, "smdp", "notification_received") && e.Str("kind") == "install":
			smdpGot[e.Str("operator")]++
		case is(e, eventlog.EUICC, "notification_sent") && e.Str("kind") == "download-success" && e.Str("to") == "platform":
			cardSent++
		}
	}
	exact := endsAttached(s, o.Events)
	// A platform that acknowledges no note at the end leaves the card
	// owing it what it did not take (platformOwes), which run_ended must
	// name: an install's download-success neither received nor named
	// owed was lost.
	down := platformOwes(s, o.Events)
	missing := 0
	for _, id := range slices.Sorted(maps.Keys(installs)) {
		n := platformGot[id]
		if n == 0 {
			missing++
		}
		if n > 1 || exact && n != 1 && !(n == 0 && down != "") {
			v = append(v, fmt.Sprintf("profile %s (%s) installed: platform received %d download-success notifications, want 1", id, installs[id], n))
		}
	}
	if _, end, ended := scenario.EndOf(o.Events); ended {
		if n := countOf(end.Strs("owed_kinds"), "download-success"); n < missing {
			v = append(v, fmt.Sprintf("%d installs' download-success never received by the platform, run_ended names %d owed (owed_kinds %v)", missing, n, end.Strs("owed_kinds")))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(platformGot)) {
		if _, ok := installs[id]; !ok {
			v = append(v, fmt.Sprintf("platform received download-success for %s, which the card never installed", id))
		}
	}
	if cardSent > len(installs) || exact && down == "" && cardSent != len(installs) {
		v = append(v, fmt.Sprintf("card sent %d download-success notifications to the platform for %d installs", cardSent, len(installs)))
	}
	ops := map[string]bool{}
	for k := range perOp {
		ops[k] = true
	}
	for k := range smdpGot {
		ops[k] = true
	}
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		// A failed install reports its result too (SGP.22 §3.1.3), so the
		// SM-DP+ gets one per installed profile, at most one per package.
		// Like the platform's, it needs a bearer: a run that does not end
		// attached may end with one still pending on the card (a power
		// cut right after the install, then no network that takes the
		// card for the rest of the run: found by make explore).
		// An interrupted install's failed result (below) stands for no
		// installed profile.
		if exact && !smdpDown[op] && smdpGot[op]-smdpInterrupted[op] < perOp[op] || smdpGot[op] > bpps[op] {
			v = append(v, fmt.Sprintf("%s: %d profiles installed from %d packages sent, its SM-DP+ received %d install notifications",
				op, perOp[op], bpps[op], smdpGot[op]))
		}
	}
	// An install a reset cut short is discarded, and its failed result
	// (installFailedDueToInterruption) is owed to the SM-DP+ as any
	// install result (SGP.22 §2.5.6, docs/conformance.md).
	for _, op := range slices.Sorted(maps.Keys(interrupted)) {
		if exact && !smdpDown[op] && smdpInterrupted[op] < interrupted[op] {
			v = append(v, fmt.Sprintf("%s: %d installs interrupted by a reset, its SM-DP+ received %d of their failed results", op, interrupted[op], smdpInterrupted[op]))
		}
	}
	return v
}

// KnownIssue marks a violation already reported and not yet fixed;
// TestExplore logs such violations instead of failing, unless
// ESIMHIL_EXPLORE_LENIENT is set.
const KnownIssue = "KNOWN ISSUE: "

// CaptureUndecodable starts the violation reported when the capture file
// itself does not decode (a capture bug rather than a card bug).
const CaptureUndecodable = KnownIssue + "capture does not decode: "

// checkCapture: every notification the capture shows the platform
// accepting (200) is in the platform's log and vice versa, as are the
// preferred lists served.
func checkCapture(s *scenario.Scenario, o Outcome) []string {
	if o.CaptureErr != nil {
		return []string{CaptureUndecodable + o.CaptureErr.Error()}
	}
	var v []string
	// A request whose answer the capture lacks was cut off (a power cut
	// mid-exchange): the platform may have served it before the device
	// went, and whether its answer reached the socket before the
	// connection did not is a race of real TCP. Such requests may account
	// for log entries the answered ones do not; nothing else may.
	var fromPcap, fromLog, cut []string
	lists, cutLists := 0, 0
	malformed := 0 // 200 answers whose body is not the API's
	acked := map[string]bool{}
	for _, m := range o.Traffic {
		switch {
		case m.Malformed != "":
			// Neither a list served nor a notification acknowledged: the
			// card got nothing it could read. Only a garbled platform
			// answers so (below).
			malformed++
		case m.Kind == capture.KindNotification && platformapi.Answered(m.Status) && m.Notification != nil:
			// Notifications are delivered at least once: the platform
			// answers a repeat with the acknowledgement id it gave the
			// first, and records it once.
			if m.Ack != nil && m.Ack.ID != "" {
				if acked[m.Ack.ID] {
					continue
				}
				acked[m.Ack.ID] = true
			}
			n := m.Notification
			fromPcap = append(fromPcap, n.Kind+"@"+n.Operator)
		case m.Kind == capture.KindNotification && m.Status == 0 && m.Notification != nil:
			cut = append(cut, m.Notification.Kind+"@"+m.Notification.Operator)
		case m.Kind == capture.KindPreferredList && platformapi.Answered(m.Status):
			lists++
		case m.Kind == capture.KindPreferredList && m.Status == 0:
			cutLists++
		}
	}
	served, garbled := 0, 0
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.Platform, "notification_received"):
			fromLog = append(fromLog, e.Str("kind")+"@"+e.Str("operator"))
		case is(e, eventlog.Platform, "preferred_list_served"):
			served++
		case e.Kind == eventlog.KindFault && e.Str("fault") == string(scenario.PlatformGarbled):
			garbled++
		}
	}
	// Each garbled injection is one malformed answer in the capture, or
	// one cut off unanswered; a malformed answer with none is the
	// platform's own bug.
	if malformed > garbled || garbled > malformed+cutLists+len(cut) {
		v = append(v, fmt.Sprintf("capture shows %d platform answers with a malformed body, the log %d garbled-platform injections", malformed, garbled))
	}
	sort.Strings(fromPcap)
	sort.Strings(fromLog)
	extra, missing := multisetDiff(fromLog, fromPcap)
	if unexplained, _ := multisetDiff(extra, cut); len(missing) > 0 || len(unexplained) > 0 {
		v = append(v, fmt.Sprintf("notifications in the capture [%s] differ from the platform's log [%s] (cut off unanswered: [%s])",
			strings.Join(fromPcap, " "), strings.Join(fromLog, " "), strings.Join(cut, " ")))
	}
	if served < lists || served > lists+cutLists {
		v = append(v, fmt.Sprintf("capture shows %d preferred lists served (%d more cut off unanswered), the platform's log %d", lists, cutLists, served))
	}
	return v
}

// multisetDiff returns what a has beyond b (extra) and what b has beyond a
// (missing), each element counted as often as it occurs.
func multisetDiff(a, b []string) (extra, missing []string) {
	n := map[string]int{}
	for _, x := range a {
		n[x]++
	}
	for _, x := range b {
		n[x]--
	}
	for _, x := range slices.Sorted(maps.Keys(n)) {
		for ; n[x] > 0; n[x]-- {
			extra = append(extra, x)
		}
		for ; n[x] < 0; n[x]++ {
			missing = append(missing, x)
		}
	}
	return extra, missing
}

// checkBackoffArea: a back-off in a list's area (its MCC) follows a
// failure there. When the terminal, since the switch to the failed
// profile, last reported a network (+CEREG: registered, or denied with
// the PLMN it camps on; TS 27.007 §10.1.22), that network is of the
// area: a device that crossed a border before the profile attached, and
// was refused by the next country's network, did not fail where the list
// is for (the README's decisions on the open points, back-off: "not retried in the same area"; found by
// the fast itineraries) — unless a fallback then attached in the area:
// the device never left it, and the attempt a neighbour's network served
// or refused failed there (a border area; outside tester sw48). A
// terminal left searching (no network answered, or one never answered
// the ATTACH REQUEST: T3410, TS 24.301 §5.5.1.2.6) names no network, and
// the card cannot place the failure: not judged.
// The area is the back-off's list country when it has one, else every
// country the scenario gives an operator of its MCC (countriesOfMCC); a
// network is of its operator's country. A failure on a network the card
// may take for the area's (cardMayPlace), or one a fallback attached on
// such a network then placed there, is not judged: the card cannot tell
// where that network is (README, back-off: a US list's device in San
// Juan on a PR network on 310, a 001 or 901 network).
func checkBackoffArea(s *scenario.Scenario, o Outcome) []string {
	type fail struct {
		ev   eventlog.Event
		plmn string // the network the terminal last reported before it
	}
	// A cycle that leaves its list's country for the second time in a row
	// backs off there the attempts a neighbour's network served both
	// times (README, back-off: "Once is the chance an attempt gets").
	type left struct {
		area, country string
		abroad        map[string]bool // operators a network of another country served or refused
	}
	type violation struct{ op, msg string }
	var v []string
	lastPLMN := ""                // the network the terminal last reported since the last switch
	failures := map[string]fail{} // by operator: its last failure in this cycle
	stayed := map[string]bool{}   // the countries a fallback attached in, this cycle
	var stayedOn []string         // the MCCs a fallback attached on, this cycle
	var pending []violation       // this cycle's violations, unless it ends as a border area or a second leave
	var cur, prev *left           // this cycle; the last, when it ended leaving its list's country
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.EUICC, applet.KindCycleStarted):
			cur = &left{area: e.Str("area"), country: e.Str("country"), abroad: map[string]bool{}}
		case is(e, eventlog.EUICC, applet.KindProfileEnabled):
			lastPLMN = ""
		case is(e, eventlog.Modem, modem.KindRegistration):
			lastPLMN = ""
			if st := intField(e, "stat"); st == 1 || st == 3 || st == 5 {
				lastPLMN = e.Str("plmn")
			}
		case is(e, eventlog.EUICC, applet.KindAttachFailed), is(e, eventlog.EUICC, applet.KindFallbackFailed):
			failures[e.Str("operator")] = fail{e, lastPLMN}
			if cur != nil && len(lastPLMN) >= 3 && !cardMayPlace(lastPLMN[:3], cur.area, cur.country) {
				cur.abroad[e.Str("operator")] = true
			}
		case is(e, eventlog.EUICC, applet.KindFallbackAttached):
			if p := e.Str("plmn"); len(p) >= 3 {
				stayed[networkCountry(s, p)] = true
				stayedOn = append(stayedOn, p[:3])
			}
		case is(e, eventlog.EUICC, applet.KindDownloadResult):
			clear(failures) // a download's failure is no network's
		case is(e, eventlog.EUICC, applet.KindCycleEnded):
			reason := e.Str("reason")
			again := reason == applet.ReasonLeftArea && cur != nil && prev != nil &&
				prev.country == cur.country && (cur.country != "" || cardMayPlace(prev.area, cur.area, ""))
			for _, p := range pending {
				if reason != applet.ReasonBorderArea && !(again && prev.abroad[p.op] && cur.abroad[p.op]) {
					v = append(v, p.msg)
				}
			}
			pending, prev = nil, nil
			if reason == applet.ReasonLeftArea {
				prev = cur
			}
			cur = nil
			clear(failures)
			clear(stayed)
			stayedOn = stayedOn[:0]
		case is(e, eventlog.EUICC, applet.KindBackoff):
			op, area, country := e.Str("operator"), e.Str("area"), e.Str("country")
			f, ok := failures[op]
			delete(failures, op)
			if !ok || area == "" || len(f.plmn) < 3 || cardMayPlace(f.plmn[:3], area, country) ||
				slices.ContainsFunc(stayedOn, func(m string) bool { return cardMayPlace(m, area, country) }) {
				continue
			}
			in := []string{country}
			if country == "" {
				in = countriesOfMCC(s, area)
			}
			if slices.Contains(in, networkCountry(s, f.plmn)) || slices.ContainsFunc(in, func(c string) bool { return stayed[c] }) {
				continue
			}
			pending = append(pending, violation{op, fmt.Sprintf("%s: %s backed off in %s (%s) for a failure on %s, a network of another country (%s: %s)",
				at(e), op, area, strings.Join(in, "/"), f.plmn, at(f.ev), f.ev.Str("reason"))})
		}
	}
	for _, p := range pending {
		v = append(v, p.msg)
	}
	return v
}

// checkAttachedAsOperator: an attempt's attach is normal service as its
// operator's subscription — on its own network, or a national partner's:
// the same MCC, or MCCs E.212 gives one country (TS 23.122 Annex B:
// ident.OneCountry, as the card's judge has it) —, both ways: the card judges no
// attempt failed for normal service on a network of its operator's
// country (outside tester o296, D1: Free on Orange in the Creuse judged
// failed, five attempts, the run ended on international roaming beside
// Free's cells; the attach_failed reason names what the card saw), and
// judges none attached on a network of another country (a border: the
// device is there on roaming terms). A rescue attempt attaches on any
// network, and a cycle whose walk reached the profile already serving
// (preferred_already_enabled) judged no attach: neither is held here.
// An MCC no country owns (001, 901, one ident does not know) has no
// domestic terms: there only the operator's own network is its attach.
func checkAttachedAsOperator(s *scenario.Scenario, o Outcome) []string {
	var v []string
	// The operator's own networks are its PLMN and its ehplmns (EF
	// EHPLMN, TS 23.122 §1.2).
	national := func(plmn, home string) bool {
		op, own := operatorOfPLMN(s, plmn)
		return plmn == home || own && op.PLMN == home || ident.OneCountry(plmn[:min(3, len(plmn))], home[:min(3, len(home))])
	}
	home := func(id string) (string, bool) {
		i := slices.IndexFunc(s.Network.Operators, func(op scenario.Operator) bool { return op.ID == id })
		if i < 0 {
			return "", false
		}
		return s.Network.Operators[i].PLMN, true
	}
	trigger, serving := "", ""
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.EUICC, applet.KindCycleStarted):
			trigger, serving = e.Str("trigger"), ""
		case is(e, eventlog.EUICC, applet.KindPreferredAlreadyEnabled):
			serving = e.Str("operator")
		case is(e, eventlog.EUICC, applet.KindAttachFailed):
			plmn, ok := strings.CutPrefix(e.Str("reason"), "normal service on another network ")
			if h, known := home(e.Str("operator")); ok && known && national(plmn, h) {
				v = append(v, fmt.Sprintf("%s: %s judged failed for normal service on %s, a network of its operator's country (its PLMN %s)",
					at(e), e.Str("operator"), plmn, h))
			}
		case is(e, eventlog.EUICC, applet.KindCycleEnded) && e.Str("outcome") == applet.OutcomeAttachSuccess:
			op, plmn := e.Str("operator"), e.Str("plmn")
			if trigger == applet.TriggerRescue || op == serving || plmn == "" {
				continue
			}
			if h, known := home(op); known && !national(plmn, h) {
				v = append(v, fmt.Sprintf("%s: %s judged attached on %s, not a network of its operator's country (its PLMN %s)",
					at(e), op, plmn, h))
			}
		}
	}
	return v
}

// cardMayPlace says whether the card may take a network of MCC m for the
// area of a cycle begun on MCC area under a list for country ("" for
// none), by the README's rule (back-off: an area is a country): E.212
// gives both MCCs one country, or, the list's country known, m may serve
// it (a territory on its parent's codes, 001, 901: ident.MCCServes); an
// MCC E.212 does not know is an area of its own. The rule as documented,
// not the card's code: an oracle that called the card's would excuse the
// card's bugs.
func cardMayPlace(m, area, country string) bool {
	if m == area {
		return true
	}
	cm, known := ident.CountryOfMCC(m)
	ca, _ := ident.CountryOfMCC(area)
	return known && (cm == ca && cm != "ZZ" || country != "" && ident.MCCServes(m, country))
}

// countriesOfMCC are the countries the scenario gives the operators of
// MCC mcc, sorted (an area is a country, a country may have several MCCs,
// and a territory's networks use another country's: the checks judge by
// the scenario's own word, not the card's table). An MCC two countries
// share (Puerto Rico's and the United States' 310) stands for both,
// whatever the order of the scenario's operators; one no operator has
// stands for itself.
func countriesOfMCC(s *scenario.Scenario, mcc string) []string {
	var cs []string
	for _, o := range s.Network.Operators {
		if strings.HasPrefix(o.PLMN, mcc) && !slices.Contains(cs, o.Country) {
			cs = append(cs, o.Country)
		}
	}
	if len(cs) == 0 {
		return []string{mcc}
	}
	slices.Sort(cs)
	return cs
}

// networkCountry is the country of the operator of PLMN plmn as the
// scenario gives it; for a PLMN no operator has, its MCC's countries.
func networkCountry(s *scenario.Scenario, plmn string) string {
	if op, ok := operatorOfPLMN(s, plmn); ok {
		return op.Country
	}
	return strings.Join(countriesOfMCC(s, plmn[:min(len(plmn), 3)]), "/")
}

// checkOneJudgment: within a cycle, each operator's attach_failed comes
// once and each (operator, area) back-off once (outside tester sw50: a
// power cut after an attempt served abroad was judged failed, its report
// already sent over that bearer, made the card judge it again — two
// reports and a doubled back-off for one failure).
func checkOneJudgment(s *scenario.Scenario, o Outcome) []string {
	var v []string
	judged := map[string]eventlog.Event{}
	backed := map[string]eventlog.Event{}
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.EUICC, applet.KindCycleStarted), is(e, eventlog.EUICC, applet.KindCycleEnded):
			clear(judged)
			clear(backed)
		case is(e, eventlog.EUICC, applet.KindAttachFailed):
			op := e.Str("operator")
			if first, ok := judged[op]; ok {
				v = append(v, fmt.Sprintf("%s: %s judged failed again in one cycle (first at %s: %s)", at(e), op, at(first), first.Str("reason")))
			}
			judged[op] = e
		case is(e, eventlog.EUICC, applet.KindBackoff):
			k := e.Str("operator") + " in " + e.Str("area")
			if first, ok := backed[k]; ok {
				v = append(v, fmt.Sprintf("%s: %s backed off again in one cycle (first at %s)", at(e), k, at(first)))
			}
			backed[k] = e
		}
	}
	return v
}

// checkNoBorderPingPong: two cycles in a row that end because the device
// left the list's area saw it move between them: the world logged an
// area change since the first began (a power cut's journey too: the world
// moves a device that is off). Once can be a network reselection in a
// border area (the fallback attached on the neighbour's network this
// time: the card cannot tell); twice in a row, with the device still, is
// the ping-pong the card fell into before it judged by the fallback
// (outside tester sw48: a switch at every check, one country's list and
// the other's, no back-off).
func checkNoBorderPingPong(s *scenario.Scenario, o Outcome) []string {
	var v []string
	var left *eventlog.Event // the last cycle's end, when it left the area
	var started *eventlog.Event
	moved := false
	for i, e := range o.Events {
		switch {
		case is(e, eventlog.World, world.KindAreaChanged):
			moved, left = true, nil
		case is(e, eventlog.EUICC, applet.KindCycleStarted):
			if started == nil || left == nil {
				started = &o.Events[i]
			}
			moved = false
		case is(e, eventlog.EUICC, applet.KindCycleEnded):
			if e.Str("reason") != applet.ReasonLeftArea {
				left, started = nil, nil
				continue
			}
			if left != nil && !moved {
				v = append(v, fmt.Sprintf("%s: a second cycle in a row ended as the device having left the area (the first at %s, begun at %s in %s), and the device did not move",
					at(e), at(*left), at(*started), started.Str("area")))
				left, started = nil, nil
				continue
			}
			left = &o.Events[i]
		}
	}
	return v
}

// checkLeftAreaAbroad: a cycle that ends as the device having left the
// list's area (applet.ReasonLeftArea) had its fallback attach on a network
// of another country than the cycle's area, by the countries the scenario
// gives its operators: a country with several MCCs is one area (outside
// tester t78: a US cycle begun on 311 ended so when the original profile
// attached on 310, the list's next operator never tried). Once the list
// named its country (cycle_started's country), a network of that country
// is in the area, whatever its MCC (Puerto Rico's on 330 and 310, a test
// network's 001, an international 901: outside tester t84 N1). Without
// one (the rescue, coming home) the MCCs are all the card has (README,
// back-off): a network is judged in the area only when E.212 gives its
// MCC and the area's the network's country. An MCC the card's table does
// not know is an area of its own (outside tester t87): not judged.
func checkLeftAreaAbroad(s *scenario.Scenario, o Outcome) []string {
	var v []string
	area, country, attached := "", "", ""
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.EUICC, applet.KindCycleStarted):
			area, country, attached = e.Str("area"), e.Str("country"), ""
		case is(e, eventlog.EUICC, applet.KindFallbackAttached):
			attached = e.Str("plmn")
		case is(e, eventlog.EUICC, applet.KindCycleEnded):
			if e.Str("reason") == applet.ReasonLeftArea && area != "" && len(attached) >= 3 && inCycleArea(s, attached, area, country) {
				in := country
				if in == "" {
					in = strings.Join(countriesOfMCC(s, area), "/")
				}
				v = append(v, fmt.Sprintf("%s: the cycle begun in %s (%s) ended as the device having left the list's area, its fallback attached on %s, a network of the same country",
					at(e), area, in, attached))
			}
			area, country, attached = "", "", ""
		}
	}
	return v
}

// inCycleArea says whether network plmn is, by the scenario, in the area
// of a cycle begun on MCC area whose list is for country ("" for none) —
// where the card can tell (checkLeftAreaAbroad).
func inCycleArea(s *scenario.Scenario, plmn, area, country string) bool {
	cm, known := ident.CountryOfMCC(plmn[:3])
	if !known {
		return false
	}
	x := networkCountry(s, plmn)
	if country != "" {
		return x == country
	}
	ca, _ := ident.CountryOfMCC(area)
	return cm == x && ca == x && slices.Contains(countriesOfMCC(s, area), x)
}

// intField reads a number field (an int in a live log, a float64 in one
// read back from JSON).
func intField(e eventlog.Event, k string) int {
	switch x := e.Get(k).(type) {
	case int:
		return x
	case float64:
		return int(x)
	}
	return -1
}

// checkNoteNotCut: between the platform's receipt of a note and the card's
// reading of the answer (notification_sent or notification_failed), the
// card enables no profile. A modem that loses power, restarts or loses its
// card ends the exchange first: the resend is then the documented at
// least once.
func checkNoteNotCut(s *scenario.Scenario, o Outcome) []string {
	var v []string
	open := map[string]eventlog.Event{} // report → the platform's receipt
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.Platform, platform.KindNotificationReceived):
			open[fmt.Sprint(e.Get("report"))] = e
		case e.Actor == eventlog.EUICC && (e.Kind == applet.KindNotificationSent || e.Kind == applet.KindNotificationFailed) && e.Str("to") == "platform":
			delete(open, fmt.Sprint(e.Get("report")))
		case e.Actor == eventlog.Modem && cutsExchange(e):
			clear(open)
		case is(e, eventlog.EUICC, applet.KindProfileEnabled):
			for _, r := range slices.Sorted(maps.Keys(open)) {
				rec := open[r]
				v = append(v, fmt.Sprintf("%s enabled %s while note report %s (%s, received at %s) awaited its answer", at(e), e.Str("operator"), r, rec.Str("kind"), rec.T.UTC().Format("15:04:05.000")))
			}
			clear(open)
		}
	}
	return v
}

// cutsExchange reports whether a modem event ends the card's HTTP exchange
// without an answer: power, a restart or CFUN change, the card gone.
func cutsExchange(e eventlog.Event) bool {
	switch e.Kind {
	case modem.KindPower, modem.KindRestart, modem.KindCFUN, modem.KindCardError:
		return true
	}
	return cardRemoved(e)
}

// meEntry is an entry of the ME's forbidden lists as the log shows it:
// the subscriber whose attach the network refused, and the refusal.
type meEntry struct {
	sub   string
	cause int
	at    eventlog.Event
}

// checkMELists: the ME's forbidden lists (TS 23.122 §3.1, TS 24.301
// §5.3.2, §5.5.1.2.5), held from the event log alone. After a reject with
// #12, #13 or #15 in a tracking area (the world's attach_result, the
// tracking area its attach_attempt's cell's), automatic selection makes
// no attach attempt in that tracking area for that subscriber, and after
// a #14 none in that PLMN (the HPLMN too), after a #42 none in that PLMN
// for 2 × T (the blocks the modem keeps with the lists: severe.go), until
// the lists go: the power
// off (modem power {on: false}), a restart, the card out of reach (card
// {present: false}), another USIM read (card {present: true} with another
// IMSI: a profile switch), a registration there (attach_result ok in that
// PLMN, in that tracking area for the TA lists), and for the TA lists
// emm.TAPeriod after their first entry since they were last empty. The
// modem stores a selection's rejects as the selection ends, at the same
// simulated instant, so the period counted from the reject's is never
// later than the modem's.
//
// A manual selection (+COPS=1 or 4, TS 23.122 §3.1: the user may choose
// a forbidden network) is exempt: from the host's command until its
// +COPS=0, a power off or a restart, attempts are not judged (mode 4's
// fallback to automatic selection neither: the log does not tell its
// attempts apart), though their rejects and registrations count.
// Explore's host sends none (its script reads +COPS? only).
func checkMELists(s *scenario.Scenario, o Outcome) []string {
	var v []string
	dev := newDevice(o.ATLog)
	eps := map[string]meEntry{}  // #14: PLMN → its reject
	tas := map[emm.TAI]meEntry{} // #12, #13, #15
	var taSince time.Time        // the TA lists' first entry since they were empty
	var expired time.Time        // when the period last emptied them, as seen here
	var blocked blocks           // #42s: PLMN → its block
	of := ""                     // the USIM the lists were learned with
	forget := func() {
		clear(eps)
		clear(tas)
		clear(blocked.on)
		taSince, of = time.Time{}, ""
	}
	expire := func(t time.Time) {
		if !taSince.IsZero() && !t.Before(taSince.Add(emm.TAPeriod)) {
			if len(tas) > 0 {
				expired = t
			}
			clear(tas)
			taSince = time.Time{}
		}
	}
	var try *eventlog.Event // the world's attempt awaiting its result
	for i, e := range o.Events {
		ended := dev.step(e)
		switch {
		case ended:
			forget()
		case is(e, eventlog.Modem, modem.KindCard) && boolField(e, "present"):
			if id := e.Str("imsi"); id != "" && of != "" && id != of {
				forget()
			}
		case is(e, eventlog.Modem, modem.KindTAListsErased):
			// The period's end, at its instant. A selection that read
			// or stored an entry at that instant came first (expired
			// then, here too): the erasure was that one, logged after
			// the world's events, and an entry stored since stays.
			switch due := taSince.Add(emm.TAPeriod); {
			case expired.Equal(e.T):
				continue
			case len(tas) == 0:
				v = append(v, fmt.Sprintf("%s: the modem erased its forbidden tracking-area lists, which held no entry by the log", at(e)))
			case !e.T.Equal(due):
				v = append(v, fmt.Sprintf("%s: the modem erased its forbidden tracking-area lists, whose period (%v from their first entry at %s) ends at %s",
					at(e), emm.TAPeriod, taSince.UTC().Format("15:04:05.000"), due.UTC().Format("15:04:05.000")))
			}
			clear(tas)
			taSince = time.Time{}
		case is(e, eventlog.Modem, modem.KindPLMNBlocked):
			v = append(v, blocked.logged(e)...)
		case is(e, eventlog.World, world.KindAttachAttempt):
			try = &o.Events[i]
			t := emm.TAI{PLMN: e.Str("plmn"), TAC: uint16(intField(e, "tac"))}
			sub := e.Str("operator")
			expire(e.T)
			if dev.manual {
				continue
			}
			if x, ok := eps[t.PLMN]; ok && x.sub == sub {
				v = append(v, fmt.Sprintf("%s: automatic selection tried %s's subscriber on PLMN %s, forbidden for EPS since %s (#%d) with none of power off, restart, card out, another USIM or a registration there since",
					at(e), orNone(sub), t.PLMN, at(x.at), x.cause))
			}
			if x, ok := tas[t]; ok && x.sub == sub {
				v = append(v, fmt.Sprintf("%s: automatic selection tried %s's subscriber in tracking area %s/%#04x, forbidden since %s (#%d) with none of power off, restart, card out, another USIM, a registration there or %v since",
					at(e), orNone(sub), t.PLMN, t.TAC, at(x.at), x.cause, emm.TAPeriod))
			}
			if b, ok := blocked.on[t.PLMN]; ok && b.sub == sub && e.T.Before(b.until) {
				v = append(v, fmt.Sprintf("%s: automatic selection tried %s's subscriber on PLMN %s, blocked since %s (#42) until %s, with none of power off, restart, card out, another USIM or a registration there since",
					at(e), orNone(sub), t.PLMN, at(b.at), b.until.UTC().Format("15:04:05.000")))
			}
		case is(e, eventlog.World, world.KindAttachResult) && try != nil:
			t := emm.TAI{PLMN: try.Str("plmn"), TAC: uint16(intField(*try, "tac"))}
			sub := try.Str("operator")
			try = nil
			if boolField(e, "ok") {
				delete(eps, t.PLMN)
				delete(tas, t)
				delete(blocked.on, t.PLMN)
				continue
			}
			cause := intField(e, "cause")
			list := emm.ForbidsTA(cause)
			if dev.imsi == "" || e.Str("registration") != "denied" || !emm.ForbidsPLMNForEPS(cause) && !emm.BlocksPLMN(cause) && list == emm.NoTAList {
				continue // none stored: no USIM read to hold it against, or no list's cause
			}
			if of != "" && of != dev.imsi {
				forget()
			}
			of = dev.imsi
			x := meEntry{sub: sub, cause: cause, at: e}
			switch {
			case emm.BlocksPLMN(cause):
				blocked.add(s, dev.imsi, t.PLMN, sub, e)
				continue
			case emm.ForbidsPLMNForEPS(cause):
				eps[t.PLMN] = x
				continue
			}
			expire(e.T)
			if len(tas) == 0 {
				taSince = e.T
			}
			if _, ok := tas[t]; !ok {
				tas[t] = x
			}
		}
	}
	return v
}

// device follows what the oracles of the ME's state read of the device
// beside their own events: the IMSI of the USIM in use and whether the
// host's network selection (at.log's +COPS) is manual.
type device struct {
	cops   []copsMode // the host's +COPS set commands not applied yet
	manual bool
	imsi   string
}

func newDevice(atLog []string) *device { return &device{cops: copsModes(atLog)} }

// step applies the host's +COPS commands up to e's instant (a command
// and the attempt it starts share one; 0 is automatic, 1 and 4 manual,
// 2 deregisters and 3 sets the format: the mode stays), then e, and
// reports whether e ended the modem's stack: a power off, a restart or
// the card taken out. The IMSI goes with all but a restart, which reads
// it again; +COPS goes back to its default, automatic, with all but the
// card taken out.
func (d *device) step(e eventlog.Event) (ended bool) {
	for ; len(d.cops) > 0 && !d.cops[0].t.After(e.T); d.cops = d.cops[1:] {
		switch d.cops[0].mode {
		case 0:
			d.manual = false
		case 1, 4:
			d.manual = true
		}
	}
	switch {
	case is(e, eventlog.Modem, modem.KindPower) && !boolField(e, "on"),
		is(e, eventlog.Modem, modem.KindRestart), cardRemoved(e):
		if !is(e, eventlog.Modem, modem.KindRestart) {
			d.imsi = ""
		}
		if !cardRemoved(e) {
			d.manual = false
		}
		return true
	case is(e, eventlog.Modem, modem.KindCard) && boolField(e, "present"):
		if id := e.Str("imsi"); id != "" {
			d.imsi = id
		}
	}
	return false
}

// copsMode is a host's +COPS=<mode> (TS 27.007 §7.3) in at.log: when,
// and the mode asked for.
type copsMode struct {
	t    time.Time
	mode int
}

// copsModes are at.log's host +COPS set commands, in order.
func copsModes(lines []string) []copsMode {
	var out []copsMode
	for _, l := range lines {
		if !strings.Contains(strings.ToUpper(l), "COPS=") {
			continue // most lines: no parse
		}
		al, err := atcodec.ParseLogLine(l)
		if err != nil || al.Dir != atcodec.LogHost {
			continue
		}
		text, _ := atcodec.CutQueued(al.Text)
		cmds, err := atcodec.Parse(text)
		if err != nil {
			continue
		}
		for _, c := range cmds {
			if c.Name != "+COPS" || c.Form != atcodec.Set || len(c.Args) == 0 {
				continue
			}
			if m, err := c.Args[0].Int(); err == nil {
				out = append(out, copsMode{al.T, m})
			}
		}
	}
	return out
}
