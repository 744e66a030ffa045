package explore

import (
	"fmt"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/scenario"
)

// checkFaultScope: a fault hits exactly what its entry names. Every
// injection logged as a `fault` event lies within its entry's operator,
// subscriber, tracking area, attempt and window (counted here from the log, apart from
// the code that injected it); and a download that fails had something in
// force against its own operator — a fault that fired on it, the platform
// or its SM-DP+ unreachable, the platform's answers garbled or held, a
// power cut, or a refusal that is no fault
// (no contract, quota) — never a fault aimed at another operator or time.
// Conversely, an attach that an attach fault's entry covers (its network,
// subscriber, attempt and window) has a fault fire on it: a window that
// starts late or ends early is as wrong as one that runs over.
func checkFaultScope(s *scenario.Scenario, o Outcome) []string {
	if len(o.Events) == 0 {
		return nil
	}
	var v []string
	start := o.Events[0].T
	netOf := map[string]string{} // PLMN → operator
	for _, op := range s.Network.Operators {
		netOf[op.PLMN] = op.ID
	}
	downloads := map[string]int{} // operator → the card's download requests so far
	attaches := map[string]int{}  // network → attach attempts so far
	type attempt struct {
		at        eventlog.Event
		explained bool
	}
	open := map[string]*attempt{} // operator → download in progress
	// try is the world's attach attempt under way, until its result.
	type attachTry struct {
		net, sub string
		tac      int
		n        int
		t        time.Duration
		fired    bool
	}
	var try *attachTry
	platformDown, powerOff := false, false
	smdpDown := map[string]bool{}
	explain := func(op string) {
		if a := open[op]; a != nil {
			a.explained = true
		}
	}
	explainAll := func() {
		for _, a := range open {
			a.explained = true
		}
	}
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.EUICC, "download_requested"):
			op := e.Str("operator")
			downloads[op]++
			open[op] = &attempt{at: e, explained: platformDown || smdpDown[op] || powerOff}
		case is(e, eventlog.World, "attach_attempt"):
			net := netOf[e.Str("plmn")]
			attaches[net]++
			try = &attachTry{net: net, sub: e.Str("operator"), tac: intField(e, "tac"), n: attaches[net], t: e.T.Sub(start)}
		case is(e, eventlog.World, "attach_result"):
			if try != nil && !try.fired {
				if i := attachFaultInForce(s, try.net, try.sub, try.tac, try.n, try.t); i >= 0 {
					v = append(v, fmt.Sprintf("%s: attempt %d on %s by %s's subscriber at %v, within faults[%d] (%s), but no fault fired on it",
						at(e), try.n, try.net, orNone(try.sub), try.t, i, s.Faults[i].Kind))
				}
			}
			try = nil
		case is(e, eventlog.Modem, "power"):
			powerOff = !boolField(e, "on")
			explainAll()
		case e.Kind == "fault":
			tac := 0 // the tracking area of the world's attempt it hit
			if e.Actor == eventlog.World && try != nil {
				try.fired, tac = true, try.tac
			}
			t := e.T.Sub(start)
			if msg := faultInScope(s, e, t, tac, downloads, attaches); msg != "" {
				v = append(v, fmt.Sprintf("%s: %s (%s)", at(e), msg, e))
			}
			target := e.Str("target")
			switch e.Str("fault") {
			case string(scenario.PlatformUnreachable):
				platformDown = boolField(e, "on")
				explainAll()
			case string(scenario.PlatformGarbled), string(scenario.PlatformSlow), string(scenario.PlatformStatus):
				// Per request: the answer to the download request, if
				// that is what it hit, was garbage, an error status or
				// came too late.
				explainAll()
			case string(scenario.Download):
				if e.Str("name") == scenario.SMDPUnreachable {
					smdpDown[target] = boolField(e, "on")
				}
				explain(target)
			case string(scenario.PowerCut):
				explainAll()
			}
		case is(e, eventlog.EUICC, "download_result"):
			op := e.Str("operator")
			a := open[op]
			delete(open, op)
			if a == nil || boolField(e, "ok") || a.explained {
				continue
			}
			reason := e.Str("reason")
			if strings.Contains(reason, "no contract") || strings.Contains(reason, "daily quota") {
				continue // the platform's own policy, not an injected fault
			}
			// The world's own limits, not injected faults: a card whose free
			// memory the scenario sets (device.free_nvm: SGP.22 errorReason
			// 10, insufficient memory, at install, or the SM-DP+'s 8.1/4.8
			// at authenticateClient), a platform that allows only some
			// EIDs (platform.eligibility.allow_eids). Scenarios written by
			// hand set them; TestReplay checks those too.
			if s.Device.FreeNVM > 0 && (strings.Contains(reason, "errorReason 10") || strings.Contains(reason, "subject 8.1 reason 4.8")) ||
				len(s.Platform.Eligibility.AllowEIDs) > 0 && strings.Contains(reason, "eid not allowed") {
				continue
			}
			v = append(v, fmt.Sprintf("%s: download from %s (asked at %s) failed with no fault in force against %s: %q",
				at(e), op, a.at.T.UTC().Format("15:04:05.000"), op, reason))
		}
	}
	return v
}

// faultInScope checks one `fault` event against the entry it names; it
// returns what is wrong, or "". tac is the tracking area of the world's
// attach attempt the event hit (its cell's, from the attempt's event), 0
// for none.
func faultInScope(s *scenario.Scenario, e eventlog.Event, t time.Duration, tac int, downloads, attaches map[string]int) string {
	i, ok := e.Get("entry").(int)
	if !ok {
		return "fault event names no entry of the plan"
	}
	// The edge that ends a window names the entry that began it.
	on, isSwitch := e.Get("on").(bool)
	ending := isSwitch && !on
	if i < 0 || i >= len(s.Faults) {
		return fmt.Sprintf("entry %d is not in the plan (%d faults)", i, len(s.Faults))
	}
	f := s.Faults[i]
	target := e.Str("target")
	switch {
	case e.Str("fault") != string(f.Kind):
		return fmt.Sprintf("logged as %s, faults[%d] is %s", e.Str("fault"), i, f.Kind)
	case f.Kind == scenario.Download && e.Str("name") != f.Name:
		return fmt.Sprintf("logged as %s, faults[%d] is %s", e.Str("name"), i, f.Name)
	case f.Kind == scenario.PowerCut:
		return "" // scoped by event and nth, checked where the cut is counted
	case f.Operator != "" && target != f.Operator:
		return fmt.Sprintf("hit %s, faults[%d] names %s", target, i, f.Operator)
	case f.Path != "" && e.Str("path") != f.Path:
		return fmt.Sprintf("hit %s, faults[%d] names %s", e.Str("path"), i, f.Path)
	case ending && t < f.From:
		return fmt.Sprintf("ended at %v, before faults[%d]'s window %v..%v began", t, i, f.From, f.Until)
	case ending:
		return ""
	case f.Kind != scenario.PowerCut && !f.Active(t):
		return fmt.Sprintf("at %v, outside faults[%d]'s window %v..%v", t, i, f.From, f.Until)
	case f.Subscriber != "" && e.Str("subscriber") != f.Subscriber:
		return fmt.Sprintf("hit subscriber %s, faults[%d] names %s", e.Str("subscriber"), i, f.Subscriber)
	case f.TAC != 0 && tac != 0 && tac != int(f.TAC):
		// A reject scoped to a tracking area fires only on an attempt
		// in it.
		return fmt.Sprintf("hit tracking area %#04x, faults[%d] names %#04x", tac, i, f.TAC)
	}
	if f.Attempt == 0 {
		return ""
	}
	n := 0
	switch {
	case f.Kind == scenario.Download:
		n = downloads[f.Operator]
	case f.Kind.IsAttach():
		n = attaches[f.Operator]
	}
	if n != f.Attempt {
		return fmt.Sprintf("during attempt %d on %s, faults[%d] names attempt %d", n, f.Operator, i, f.Attempt)
	}
	return ""
}

// attachFaultInForce is the first attach fault of the plan whose entry
// covers attempt n on network net by sub's subscriber in tracking area
// tac at t, or -1.
func attachFaultInForce(s *scenario.Scenario, net, sub string, tac, n int, t time.Duration) int {
	if net == "" {
		return -1
	}
	for i, f := range s.Faults {
		if f.Kind.IsAttach() && f.Operator == net && (f.Subscriber == "" || f.Subscriber == sub) &&
			(f.TAC == 0 || int(f.TAC) == tac) && (f.Attempt == 0 || f.Attempt == n) && f.Active(t) {
			return i
		}
	}
	return -1
}
