package explore

import (
	"fmt"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/harness/scenario"
)

// lockedOperators are the operators whose profiles have PIN1 verification
// enabled (scenario pin1.enabled): nobody enters the code (the host never
// does), so none of their profiles can ever read its IMSI or attach.
func lockedOperators(s *scenario.Scenario) map[string]bool {
	out := map[string]bool{}
	for _, o := range s.Network.Operators {
		if o.PIN1 != nil && o.PIN1.Enabled {
			out[o.ID] = true
		}
	}
	return out
}

// profileOperators maps every ICCID the run knows to its operator: the
// preinstalled profiles and those the card reports installed.
func profileOperators(s *scenario.Scenario, events []eventlog.Event) map[string]string {
	out := map[string]string{}
	for _, p := range s.Device.Profiles {
		out[p.ICCID] = p.Operator
	}
	for _, e := range events {
		if is(e, eventlog.EUICC, "profile_installed") {
			out[e.Str("iccid")] = e.Str("operator")
		}
	}
	return out
}

// checkPINLockedNoService: a PIN-locked profile never has service
// (TS 31.102 §5.1.1: EF IMSI needs PIN1; README, modem: no IMSI, no
// registration while PIN1 is required, and the host never enters it).
func checkPINLockedNoService(s *scenario.Scenario, o Outcome) []string {
	locked := lockedOperators(s)
	if len(locked) == 0 {
		return nil
	}
	ops := profileOperators(s, o.Events)
	var v []string
	for _, e := range o.Events {
		switch {
		case is(e, eventlog.Modem, modem.KindCard) && boolField(e, "present") && locked[ops[e.Str("iccid")]]:
			// The modem must say why it has no IMSI: SIM PIN.
			if e.Str("imsi") != "" || e.Str("pin") == "" {
				v = append(v, fmt.Sprintf("%s: PIN-locked profile %s (%s) read with imsi %q, pin %q", at(e), e.Str("iccid"), ops[e.Str("iccid")], e.Str("imsi"), e.Str("pin")))
			}
		case is(e, eventlog.World, world.KindAttachAttempt) && locked[e.Str("operator")]:
			// No IMSI, no ATTACH REQUEST: the network never sees the subscriber.
			v = append(v, fmt.Sprintf("%s: attach attempt of PIN-locked subscriber %s on %s", at(e), e.Str("operator"), e.Str("plmn")))
		case is(e, eventlog.EUICC, applet.KindFallbackAttached) && locked[e.Str("operator")],
			is(e, eventlog.EUICC, applet.KindCycleEnded) && e.Str("outcome") == applet.OutcomeAttachSuccess && locked[e.Str("operator")]:
			// The card judges attach by the terminal's reports: none can be normal service.
			v = append(v, fmt.Sprintf("%s: attach reported for PIN-locked %s", at(e), e.Str("operator")))
		}
	}
	// A run that ends attached ends on a profile that can attach.
	if endsAttached(s, o.Events) {
		for _, p := range o.Profiles {
			if p.Enabled && locked[ops[p.ICCID]] {
				v = append(v, fmt.Sprintf("run ends attached with PIN-locked profile %s (%s) enabled", p.ICCID, ops[p.ICCID]))
			}
		}
	}
	return v
}

// checkPINLockedFallsBack: a switch to a PIN-locked profile is judged
// failed when the attach wait runs out, not before (the terminal reports
// no network, which only the timer can judge: applet judge) and not much
// after (the wait starts at the Boot that follows the REFRESH); a failed
// attempt then falls back (claim 3) before anything else is tried. A
// power cut, or the card's absence (which unpowers it), in between
// restarts the wait: that switch is not timed.
func checkPINLockedFallsBack(s *scenario.Scenario, o Outcome) []string {
	locked := lockedOperators(s)
	if len(locked) == 0 {
		return nil
	}
	wait := s.Device.AttachWait
	if wait <= 0 {
		wait = applet.DefaultAttachWait
	}
	const slack = 2 * time.Minute // the modem's restart and the terminal's queueing, as modeBound
	var v []string
	var enabled *eventlog.Event // the switch to a locked profile awaiting its judgement
	cutSince := false
	var failed *eventlog.Event // a locked attempt failed: its fallback is owed
	for i, e := range o.Events {
		switch {
		case is(e, eventlog.Modem, modem.KindPower):
			cutSince = true
		case cardRemoved(e):
			// A card out of the modem's reach loses its power too
			// (`card: absent`), and its wait starts again when it is
			// back, as after a cut (modeBound's exception).
			cutSince = true
		case e.Actor != eventlog.EUICC:
		case e.Kind == applet.KindProfileEnabled:
			if enabled != nil && !cutSince {
				v = append(v, fmt.Sprintf("%s: switched to %s while the switch to PIN-locked %s (%s) was not judged", at(e), e.Str("operator"), enabled.Str("operator"), at(*enabled)))
			}
			enabled, cutSince = nil, false
			if locked[e.Str("operator")] {
				enabled = &o.Events[i]
			}
		case e.Kind == applet.KindAttachFailed, e.Kind == applet.KindFallbackFailed:
			if enabled == nil || e.Str("operator") != enabled.Str("operator") {
				continue
			}
			if d := e.T.Sub(enabled.T); !cutSince && (d < wait || d > wait+slack) {
				v = append(v, fmt.Sprintf("%s: PIN-locked %s judged failed %v after its switch (%s), want the attach wait %v (up to %v more)",
					at(e), e.Str("operator"), d, at(*enabled), wait, slack))
			}
			if e.Kind == applet.KindAttachFailed && enabled.Str("role") == "attempt" {
				failed = &o.Events[i]
			}
			enabled = nil
		case e.Kind == applet.KindFallback, e.Kind == applet.KindFallbackExhausted, e.Kind == applet.KindCycleResumed:
			failed = nil
		case e.Kind == applet.KindAttempt, e.Kind == applet.KindCycleEnded:
			if failed != nil && !cutSince && cycleTrigger(o.Events, i) != applet.TriggerRescue {
				v = append(v, fmt.Sprintf("%s: %s after the failed attempt on PIN-locked %s (%s) without a fallback", at(e), e.Kind, failed.Str("operator"), at(*failed)))
			}
			failed = nil
		}
	}
	return v
}

// cycleTrigger is the trigger of the cycle event i belongs to ("" outside
// one); a rescue cycle does not fall back (applet: its original had no
// service), it goes on to its next operator.
func cycleTrigger(events []eventlog.Event, i int) string {
	for i--; i >= 0; i-- {
		switch e := events[i]; {
		case is(e, eventlog.EUICC, applet.KindCycleStarted):
			return e.Str("trigger")
		case is(e, eventlog.EUICC, applet.KindCycleEnded):
			return ""
		}
	}
	return ""
}
