package explore

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// ev builds an event; fields alternate key, value.
func ev(actor string, kind eventlog.Kind, kv ...any) eventlog.Event {
	f := eventlog.F{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i].(string)] = kv[i+1]
	}
	return eventlog.Event{T: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Actor: actor, Kind: kind, Fields: f}
}

// smdpUnreachable is the harness's edge of an smdp_unreachable fault on
// op's SM-DP+ (harness faultPlan.syncSMDP).
func smdpUnreachable(op string, on bool) eventlog.Event {
	return ev(eventlog.Harness, eventlog.KindFault, "fault", "download", "name", "smdp_unreachable", "target", op, "at", "smdp", "on", on, "entry", 0)
}

func list(ops ...string) eventlog.Event {
	return ev(eventlog.EUICC, "preferred_list_received", "operators", ops)
}
func start(trigger, original string, ops ...string) eventlog.Event {
	return ev(eventlog.EUICC, "cycle_started", "trigger", trigger, "original", original, "operators", ops)
}
func try(op string) eventlog.Event {
	return ev(eventlog.EUICC, "attempt", "operator", op, "via", "preinstalled")
}
func skipped(op string) eventlog.Event {
	return ev(eventlog.EUICC, "attempt_skipped", "operator", op, "reason", "backed off until check 4")
}
func enable(iccid, op string, orig bool) eventlog.Event {
	return ev(eventlog.EUICC, "profile_enabled", "iccid", iccid, "operator", op, "original", orig)
}
func attached(op, reg string) eventlog.Event {
	return ev(eventlog.World, "attach_result", "operator", op, "ok", true, "registration", reg)
}
func failed(op string) eventlog.Event {
	return ev(eventlog.EUICC, "attach_failed", "operator", op, "reason", "registration denied (limited service)")
}
func denied(plmn string) eventlog.Event {
	return ev(eventlog.Modem, "registration", "plmn", plmn, "stat", 3)
}
func served(plmn string) eventlog.Event {
	return ev(eventlog.Modem, "registration", "plmn", plmn, "stat", 5)
}
func area(a string) eventlog.Event { return ev(eventlog.World, "area_changed", "area", a) }
func started(area string) eventlog.Event {
	return ev(eventlog.EUICC, "cycle_started", "trigger", "list", "area", area)
}
func leftArea() eventlog.Event {
	return ev(eventlog.EUICC, "cycle_ended", "outcome", "list-exhausted", "reason", "the device left the area of the list")
}
func backoff(op, area string) eventlog.Event {
	return ev(eventlog.EUICC, "backoff", "operator", op, "area", area)
}
func backoffN(op, area, country string, failures int) eventlog.Event {
	return ev(eventlog.EUICC, "backoff", "operator", op, "area", area, "country", country, "failures", failures)
}
func placed(area, country string) eventlog.Event {
	return ev(eventlog.EUICC, "cycle_started", "trigger", "list", "area", area, "country", country)
}
func listServed(ops ...string) eventlog.Event {
	return ev(eventlog.Platform, "preferred_list_served", "operators", ops)
}
func fallback(from, to string) eventlog.Event {
	return ev(eventlog.EUICC, "fallback", "from_operator", from, "to_operator", to)
}
func fbAttached(op string) eventlog.Event {
	return ev(eventlog.EUICC, "fallback_attached", "operator", op, "plmn", "20801")
}
func ended(outcome string, attempts int, report uint64, operator ...string) eventlog.Event {
	e := ev(eventlog.EUICC, "cycle_ended", "outcome", outcome, "attempts", attempts)
	if len(operator) > 0 {
		e.Fields["operator"] = operator[0]
	}
	if report != 0 {
		e.Fields["report"] = report
	}
	return e
}
func received(kind string, report uint64) eventlog.Event {
	return ev(eventlog.Platform, "notification_received", "kind", kind, "report", report)
}
func mode(m string, d time.Duration) eventlog.Event {
	e := ev(eventlog.EUICC, "mode", "mode", m)
	e.T = e.T.Add(d)
	return e
}
func power(on bool, d time.Duration) eventlog.Event {
	e := ev(eventlog.Modem, "power", "on", on)
	e.T = e.T.Add(d)
	return e
}
func dlReq(op string) eventlog.Event { return ev(eventlog.EUICC, "download_requested", "operator", op) }
func dlFail(op string) eventlog.Event {
	return ev(eventlog.EUICC, "download_result", "operator", op, "ok", false, "reason", "x")
}

func testScenario() *scenario.Scenario {
	return &scenario.Scenario{Device: scenario.Device{Profiles: []scenario.Profile{
		{ICCID: "89990000000000000006", Operator: "cn1", Enabled: true},
		{ICCID: "89990000000000000014", Operator: "fr1"},
	}}}
}

// TestInvariantsCatchViolations feeds each invariant hand-written logs, good
// and bad, for the paths of claims 2 and 3.
// noteIn is the platform's receipt of note report r; noteRead the card's
// reading of its answer.
func noteIn(r uint64) eventlog.Event {
	return ev(eventlog.Platform, "notification_received", "kind", "attach-failure", "report", r)
}
func noteRead(r uint64, kind eventlog.Kind) eventlog.Event {
	return ev(eventlog.EUICC, kind, "kind", "attach-failure", "report", r, "to", "platform")
}

func TestInvariantsCatchViolations(t *testing.T) {
	const orig, fr1 = "89990000000000000006", "89990000000000000014"
	tests := []struct {
		name, claim string
		check       func(*scenario.Scenario, Outcome) []string
		o           Outcome
		want        string // substring of the one violation; "" = none
	}{
		{"first rejects, fallback, second attaches", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), try("fr1"), failed("fr1"), try("fr2"), ended("attach-success", 2, 2)}}, ""},
		{"backed-off operator skipped with its reason", "issue 8", checkListOrder, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), skipped("fr1"), try("fr2"), ended("list-exhausted", 1, 1)}}, ""},
		{"operator passed over silently", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2", "fr3"), try("fr1"), failed("fr1"), try("fr3")}}, "fr2 passed over"},
		{"out of order", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), try("fr2"), try("fr1")}}, "against list order"},
		{"repeated in one cycle", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), try("fr1"), failed("fr1"), try("fr1")}}, "attempted twice"},
		{"exhausted with an operator never considered", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), try("fr1"), ended("list-exhausted", 1, 1)}}, "fr2 neither attempted nor skipped"},
		{"attempt outside a cycle", "claim 1 step 3", checkListOrder, Outcome{Events: []eventlog.Event{try("fr1")}}, "outside a cycle"},
		{"a repeated operator in the list is tried once", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr1"), try("fr1"), ev(eventlog.EUICC, "attempt_skipped", "operator", "fr1", "reason", "repeated in list"),
			ended("list-exhausted", 1, 1)}}, ""},
		// The card's copy of the list against the platform's (tester t139
		// M03: a card that re-sorts the list follows its own copy in order).
		{"the card follows the list the platform served", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			listServed("fr2", "fr1"), list("fr2", "fr1"), start("list", "cn1", "fr2", "fr1"), try("fr2"), ended("attach-success", 1, 2)}}, ""},
		{"the card re-sorted the platform's list", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			listServed("fr2", "fr1"), list("fr2", "fr1"), start("list", "cn1", "fr1", "fr2"), try("fr1"), ended("attach-success", 1, 2)}},
			"the card's list [fr1 fr2] is not the one the platform served, [fr2 fr1]"},
		{"a rescue has no platform list", "README decisions", checkListOrder, Outcome{Events: []eventlog.Event{
			listServed("fr2", "fr1"), start("rescue", "fr1", "cn1"), try("cn1"), ended("attach-success", 1, 2)}}, ""},
		{"fallback to the original attaches before the next", "claim 3", checkFallback, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), try("fr1"), enable(fr1, "fr1", false), failed("fr1"), fallback("fr1", "cn1"),
			enable(orig, "cn1", true), attached("cn1", "roaming"), fbAttached("cn1"), try("fr2")}}, ""},
		{"next attempt without a fallback attached", "claim 3", checkFallback, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), try("fr1"), enable(fr1, "fr1", false), failed("fr1"), fallback("fr1", "cn1"),
			enable(orig, "cn1", true), try("fr2")}}, "before a fallback attached"},
		{"no fallback possible: the list goes on", "issue 8", checkFallback, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), try("fr1"), enable(fr1, "fr1", false), failed("fr1"), fallback("fr1", "cn1"),
			enable(orig, "cn1", true), ev(eventlog.EUICC, "fallback_failed", "operator", "cn1"), ev(eventlog.EUICC, "fallback_exhausted"), try("fr2")}}, ""},
		{"first fallback not to the cycle's original", "issue 8 / README decisions", checkFallback, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), start("list", "fr1", "de1", "de2"), try("de1"), failed("de1"), fallback("de1", "cn1")}},
			"not the cycle's original fr1"},
		{"the original failed earlier in the cycle: another fallback first", "issue 8", checkFallback, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), start("list", "fr1", "de1", "de2"), try("de1"), failed("de1"), fallback("de1", "fr1"),
			ev(eventlog.EUICC, "fallback_failed", "operator", "fr1"), fallback("fr1", "cn1"), enable(orig, "cn1", true), attached("cn1", "roaming"), fbAttached("cn1"),
			try("de2"), failed("de2"), fallback("de2", "cn1")}}, ""},
		{"original is not the enabled profile", "issue 8", checkFallback, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), start("list", "cn1", "de1")}}, "cycle's original cn1, but fr1 is enabled"},
		{"fallback_attached the world does not show", "claim 3", checkFallback, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1"), try("fr1"), enable(fr1, "fr1", false), failed("fr1"), fallback("fr1", "cn1"),
			enable(orig, "cn1", true), fbAttached("cn1")}}, "the world has no attach"},
		{"a download failure needs no fallback", "claim 3", checkFallback, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), try("fr1"), dlFail("fr1"), try("fr2")}}, ""},
		{"one outcome, delivered once", "issue 8", checkOutcomes, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1"), try("fr1"), attached("fr1", "home"), ended("attach-success", 1, 3, "fr1"), received("attach-success", 3)}}, ""},
		{"outcome never delivered though the run ends attached", "issue 8", checkOutcomes, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1"), try("fr1"), attached("fr1", "home"), ended("attach-success", 1, 3, "fr1"), mode("idle", time.Hour)}},
			"received 0 times"},
		{"success the world does not show", "issue 8", checkOutcomes, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1"), try("fr1"), ev(eventlog.World, "attach_result", "operator", "fr1", "ok", false, "registration", "denied"),
			ended("attach-success", 1, 3, "fr1"), received("attach-success", 3)}}, "not an accepted one"},
		{"exhausted with an attempt that did not fail", "issue 8", checkOutcomes, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1", "fr2"), try("fr1"), try("fr2"), failed("fr2"), ended("list-exhausted", 2, 3), received("list-exhausted", 3)}},
			"had not failed"},
		{"report taken twice", "issue 8", checkOutcomes, Outcome{Events: []eventlog.Event{
			received("attach-success", 3), received("attach-success", 3)}}, "received 2 times"},
		{"attempted cycle ended without an outcome", "issue 8", checkOutcomes, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1"), try("fr1"), ended("none", 1, 0)}}, "ended \"none\""},
		{"nested cycles", "issue 8", checkOutcomes, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1"), start("home", "fr1", "cn1")}}, "while another was open"},
		{"a cycle without attempts ends none", "DESIGN: every cycle ends with one outcome report", checkOutcomes, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1"), skipped("fr1"), ended("none", 0, 0)}}, "ended \"none\""},
		{"a cycle without attempts ends list-exhausted, reported", "DESIGN: every cycle ends with one outcome report", checkOutcomes, Outcome{Events: []eventlog.Event{
			start("list", "cn1", "fr1"), skipped("fr1"), ended("list-exhausted", 0, 3), received("list-exhausted", 3)}}, ""},
		{"attach wait within its bound", "issue 8", checkModeBounds, Outcome{Events: []eventlog.Event{
			mode("attempt.await-attach", 0), mode("idle", 4*time.Minute)}}, ""},
		{"a mode that waits forever", "issue 8", checkModeBounds, Outcome{Events: []eventlog.Event{
			mode("fallback.await-attach", 0), mode("idle", 2*time.Hour)}}, "mode fallback.await-attach lasted 2h0m0s"},
		{"a mode still open at the end of the run", "issue 8", checkModeBounds, Outcome{Events: []eventlog.Event{
			mode("awaiting-list", 0), power(true, time.Hour)}}, "mode awaiting-list lasted"},
		{"time without power does not count", "issue 8", checkModeBounds, Outcome{Events: []eventlog.Event{
			mode("attempt.await-attach", 0), power(false, time.Minute), power(true, 3*time.Hour), mode("idle", 3*time.Hour+time.Minute)}}, ""},
		{"one download-success each side", "claim 2", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2"),
			ev(eventlog.Platform, "notification_received", "kind", "download-success", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "notification_sent", "kind", "download-success", "to", "platform")}}, ""},
		{"download-success twice at the platform", "claim 2", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2"),
			ev(eventlog.Platform, "notification_received", "kind", "download-success", "iccid", "i1"),
			ev(eventlog.Platform, "notification_received", "kind", "download-success", "iccid", "i1"),
			ev(eventlog.EUICC, "notification_sent", "kind", "download-success", "to", "platform")}}, "received 2"},
		// The card sent it, the platform never took it, and the run ends
		// attached: the card owed it a retry (tester t239 M13: the check
		// only counted what the platform did receive).
		{"download-success never reaches the platform, run ends attached", "claim 2", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2"),
			ev(eventlog.EUICC, "notification_sent", "kind", "download-success", "to", "platform"),
			ev(eventlog.World, "attach_result", "operator", "fr2", "ok", true)}}, "platform received 0 download-success notifications, want 1"},
		{"install notification missing, run ends attached", "claim 2", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.Platform, "notification_received", "kind", "download-success", "iccid", "i1"),
			ev(eventlog.EUICC, "notification_sent", "kind", "download-success", "to", "platform"),
			ev(eventlog.World, "attach_result", "operator", "fr2", "ok", true)}}, "its SM-DP+ received 0 install notifications"},
		{"install notification still owed, no bearer at the end", "claim 2", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.Modem, "power", "on", false),
			ev(eventlog.Modem, "power", "on", true),
			ev(eventlog.World, "attach_result", "operator", "fr2", "ok", false)}}, ""},
		{"failed install reports its result, no more", "claim 2 / SGP.22", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2"),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2")}}, "0 profiles installed from 1 packages sent"},
		// A reset mid-install (outside tester t137 F2): the SM-DP+ is owed
		// the failed result, installFailedDueToInterruption.
		{"interrupted install told, run ends attached", "SGP.22 §2.5.6", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "install_interrupted", "operator", "fr2", "command", 5, "seq", 1),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2", "ok", false, "error_reason", 11),
			ev(eventlog.World, "attach_result", "operator", "fr1", "ok", true)}}, ""},
		{"interrupted install never told, run ends attached", "SGP.22 §2.5.6", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "install_interrupted", "operator", "fr2", "command", 5, "seq", 1),
			ev(eventlog.World, "attach_result", "operator", "fr1", "ok", true)}}, "fr2: 1 installs interrupted by a reset, its SM-DP+ received 0"},
		// An interrupted install's failed result is no installed profile's:
		// it does not stand for the next install's missing result.
		{"interrupted install told, the next install's result missing", "SGP.22 §2.5.6", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "install_interrupted", "operator", "fr2", "command", 5, "seq", 1),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2", "ok", false, "error_reason", 11),
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.Platform, "notification_received", "kind", "download-success", "iccid", "i1"),
			ev(eventlog.EUICC, "notification_sent", "kind", "download-success", "to", "platform"),
			ev(eventlog.World, "attach_result", "operator", "fr2", "ok", true)}}, "fr2: 1 profiles installed from 2 packages sent, its SM-DP+ received 1 install notifications"},
		// The SM-DP+ unreachable to the end (outside tester t144 F5): the
		// card keeps the result, and the run names it owed; back before
		// the end, it must have it.
		{"interrupted install owed to an SM-DP+ unreachable to the end", "SGP.22 §2.5.6", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "install_interrupted", "operator", "fr2", "command", 5, "seq", 1),
			smdpUnreachable("fr2", true),
			ev(eventlog.World, "attach_result", "operator", "fr1", "ok", true)}}, ""},
		{"install result owed to an SM-DP+ unreachable to the end", "claim 2", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"),
			smdpUnreachable("fr2", true),
			ev(eventlog.Platform, "notification_received", "kind", "download-success", "iccid", "i1"),
			ev(eventlog.EUICC, "notification_sent", "kind", "download-success", "to", "platform"),
			ev(eventlog.World, "attach_result", "operator", "fr2", "ok", true)}}, ""},
		{"interrupted install never told, its SM-DP+ back before the end", "SGP.22 §2.5.6", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "install_interrupted", "operator", "fr2", "command", 5, "seq", 1),
			smdpUnreachable("fr2", true), smdpUnreachable("fr2", false),
			ev(eventlog.World, "attach_result", "operator", "fr1", "ok", true)}}, "fr2: 1 installs interrupted by a reset, its SM-DP+ received 0"},
		{"interrupted install never told, another SM-DP+ unreachable", "SGP.22 §2.5.6", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev(eventlog.EUICC, "install_interrupted", "operator", "fr2", "command", 5, "seq", 1),
			smdpUnreachable("fr1", true),
			ev(eventlog.World, "attach_result", "operator", "fr1", "ok", true)}}, "fr2: 1 installs interrupted by a reset, its SM-DP+ received 0"},
		// A refused install leaves no profile to attempt (tester t139 M20).
		{"an attempt on a preinstalled profile", "claim 3", checkAttemptHeld, Outcome{Events: []eventlog.Event{try("fr1")}}, ""},
		{"an attempt on a profile installed before", "claim 2", checkAttemptHeld, Outcome{Events: []eventlog.Event{
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"), try("fr2")}}, ""},
		{"an attempt on a profile the card never installed", "claim 2, SGP.22 §3.1.3.3", checkAttemptHeld, Outcome{Events: []eventlog.Event{
			ev(eventlog.EUICC, "download_result", "operator", "fr2", "ok", false), try("fr2")}}, "attempt on fr2 via a preinstalled profile, but the card holds none"},
		{"a rescue over profiles the card holds", "README decisions (never stranded)", checkAttemptHeld, Outcome{Events: []eventlog.Event{
			ev(eventlog.EUICC, "profile_installed", "iccid", "i1", "operator", "fr2"), start("rescue", "fr1", "cn1", "fr2")}}, ""},
		{"a rescue naming a refused install's operator", "README decisions (never stranded), SGP.22 §3.1.3.3", checkAttemptHeld, Outcome{Events: []eventlog.Event{
			ev(eventlog.EUICC, "download_result", "operator", "fr2", "ok", false), start("rescue", "fr1", "cn1", "fr2")}},
			"a rescue cycle over the card's profiles names fr2, but the card holds none"},
		{"two enabled on the card", "issue 4 §4", checkFinalProfiles, Outcome{Profiles: []dialect.Profile{
			{ICCID: orig, Enabled: true}, {ICCID: fr1, Enabled: true}}}, "2 enabled"},
		{"profile lost", "issue 4 §5", checkFinalProfiles, Outcome{Profiles: []dialect.Profile{{ICCID: orig, Enabled: true}}}, "lost"},
		// A cut right after an enable, before its REFRESH reached the
		// modem, the power still off at the end: the card holds the
		// enable, which the modem reads at power-on (sweep
		// 275508603342401355 case 6661).
		{"ends unpowered after an enable the modem did not read", "issue 4 §5", checkFinalProfiles, Outcome{
			Events: []eventlog.Event{ev(eventlog.Modem, "card", "present", true, "iccid", orig), enable(fr1, "fr1", false),
				power(false, 0), ev(eventlog.Harness, "run_ended", "registration", "off")},
			Profiles: []dialect.Profile{{ICCID: orig}, {ICCID: fr1, Enabled: true}}}, ""},
		{"ends powered with an enable the modem did not read", "issue 4 §5", checkFinalProfiles, Outcome{
			Events: []eventlog.Event{ev(eventlog.Modem, "card", "present", true, "iccid", orig), enable(fr1, "fr1", false),
				ev(eventlog.Harness, "run_ended", "registration", "roaming")},
			Profiles: []dialect.Profile{{ICCID: orig}, {ICCID: fr1, Enabled: true}}}, "is not the one the modem last read"},
		{"capture and platform log differ", "issue 4 §4", checkCapture, Outcome{
			Events: []eventlog.Event{ev(eventlog.Platform, "notification_received", "kind", "attach-success", "operator", "fr1")}},
			"differ"},
		{"capture and platform log agree", "issue 4 §4", checkCapture, Outcome{
			Events:  []eventlog.Event{ev(eventlog.Platform, "preferred_list_served")},
			Traffic: []capture.Message{{Kind: capture.KindPreferredList, Status: 200}}}, ""},
		// A power cut as the platform serves: the answer may or may not
		// have left before the connection went (found by make explore).
		{"a list served as the power was cut, its answer cut off", "issue 4 §4", checkCapture, Outcome{
			Events:  []eventlog.Event{ev(eventlog.Platform, "preferred_list_served"), ev(eventlog.Platform, "preferred_list_served")},
			Traffic: []capture.Message{{Kind: capture.KindPreferredList, Status: 200}, {Kind: capture.KindPreferredList}}}, ""},
		{"a list cut off the platform never served", "issue 4 §4", checkCapture, Outcome{
			Events:  []eventlog.Event{ev(eventlog.Platform, "preferred_list_served")},
			Traffic: []capture.Message{{Kind: capture.KindPreferredList, Status: 200}, {Kind: capture.KindPreferredList}}}, ""},
		{"more lists served than the capture holds requests", "issue 4 §4", checkCapture, Outcome{
			Events:  []eventlog.Event{ev(eventlog.Platform, "preferred_list_served"), ev(eventlog.Platform, "preferred_list_served")},
			Traffic: []capture.Message{{Kind: capture.KindPreferredList, Status: 200}}}, "1 preferred lists served (0 more cut off"},
		{"an answered list the platform did not log", "issue 4 §4", checkCapture, Outcome{
			Traffic: []capture.Message{{Kind: capture.KindPreferredList, Status: 200}}}, "platform's log 0"},
		{"a notification received as the power was cut, its ack cut off", "issue 4 §4", checkCapture, Outcome{
			Events: []eventlog.Event{ev(eventlog.Platform, "notification_received", "kind", "attach-success", "operator", "fr1")},
			Traffic: []capture.Message{{Kind: capture.KindNotification,
				Notification: &platformapi.Notification{Kind: "attach-success", Operator: "fr1"}}}}, ""},
		{"a logged notification cut off for another operator", "issue 4 §4", checkCapture, Outcome{
			Events: []eventlog.Event{ev(eventlog.Platform, "notification_received", "kind", "attach-success", "operator", "fr1")},
			Traffic: []capture.Message{{Kind: capture.KindNotification,
				Notification: &platformapi.Notification{Kind: "attach-success", Operator: "fr2"}}}}, "differ"},
		// A garbled platform answers 200 with a body that is not the API's:
		// the capture shows it malformed, neither a list nor an ack.
		{"a garbled list answer, injected", "garbled platform", checkCapture, Outcome{
			Events:  []eventlog.Event{ev(eventlog.Harness, "fault", "fault", "platform_garbled", "target", "platform", "at", "platform", "entry", 0)},
			Traffic: []capture.Message{{Kind: capture.KindPreferredList, Status: 200, Malformed: "malformed JSON: unexpected EOF"}}}, ""},
		{"a malformed answer nobody injected", "garbled platform", checkCapture, Outcome{
			Events:  []eventlog.Event{ev(eventlog.Platform, "preferred_list_served")},
			Traffic: []capture.Message{{Kind: capture.KindPreferredList, Status: 200, Malformed: "malformed JSON: unexpected EOF"}}}, "1 platform answers with a malformed body, the log 0 garbled"},
		{"a garbled injection the capture lacks", "garbled platform", checkCapture, Outcome{
			Events:  []eventlog.Event{ev(eventlog.Harness, "fault", "fault", "platform_garbled", "target", "platform", "at", "platform", "entry", 0)},
			Traffic: []capture.Message{{Kind: capture.KindPreferredList, Status: 200}}}, "0 platform answers with a malformed body, the log 1 garbled"},
		{"backed off where it was refused", "README decisions", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), denied("20801"), failed("fr1"), backoff("fr1", "208")}}, ""},
		{"backed off in the list's area, refused across the border", "README decisions", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), denied("46001"), failed("fr1"), backoff("fr1", "208")}}, "network of another country"},
		{"a refusal before the switch does not count", "README decisions", checkBackoffArea, Outcome{Events: []eventlog.Event{
			denied("46001"), enable(fr1, "fr1", false), failed("fr1"), backoff("fr1", "208")}}, ""},
		{"left searching across the border: no network to place it in", "README decisions / TS 24.301 §5.5.1.2.6", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), denied("46001"), ev(eventlog.Modem, "registration", "plmn", "", "stat", 2),
			failed("fr1"), backoff("fr1", "208")}}, ""},
		{"a download failure's back-off", "README decisions", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), denied("46001"), failed("fr1"),
			ev(eventlog.EUICC, "download_result", "operator", "fr1", "ok", false), backoff("fr1", "208")}}, ""},
		{"served across the border, the fallback attached in the area again: a border area", "README decisions (sw48)", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), served("26201"), failed("fr1"), enable(orig, "cn1", true), served("20801"),
			ev(eventlog.EUICC, "fallback_attached", "operator", "cn1", "plmn", "20801"), backoff("fr1", "208")}}, ""},
		{"served across the border, the fallback attached there too", "README decisions", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), served("26201"), failed("fr1"), enable(orig, "cn1", true), served("26201"),
			ev(eventlog.EUICC, "fallback_attached", "operator", "cn1", "plmn", "26201"), backoff("fr1", "208")}}, "network of another country"},
		{"served abroad, the fallback back in the last cycle's country: a border area", "README decisions (sw50)", checkBackoffArea, Outcome{Events: []eventlog.Event{
			started("208"), enable(fr1, "fr1", false), served("26201"), failed("fr1"), enable(orig, "cn1", true), served("26201"),
			ev(eventlog.EUICC, "fallback_attached", "operator", "cn1", "plmn", "26201"), backoff("fr1", "208"),
			ev(eventlog.EUICC, "cycle_ended", "outcome", "list-exhausted", "reason", applet.ReasonBorderArea)}}, ""},
		// The second leave of one list's country in a row backs off there
		// the attempts a neighbour's network served both times (README,
		// back-off; outside tester t264): exploration seed 460, a device
		// moved to China right after each French attempt.
		{"served abroad in two cycles in a row that both left the list's country", "README decisions (t264)", checkBackoffArea, Outcome{Events: secondLeave(true, false)}, ""},
		{"served abroad in the second only", "README decisions (t264)", checkBackoffArea, Outcome{Events: secondLeave(false, false)}, "network of another country"},
		{"served abroad twice, a cycle ended at home between", "README decisions (t264)", checkBackoffArea, Outcome{Events: secondLeave(true, true)}, "network of another country"},
		// The rescue's home first, wherever the card lists it (tester t139
		// M27); testScenario's home is cn1.
		{"rescue tries the home profile first", "README decisions (never stranded)", checkRescueHomeFirst, Outcome{Events: []eventlog.Event{
			start("rescue", "fr1", "cn1", "de1")}}, ""},
		{"rescue tries the home profile after another", "README decisions (never stranded)", checkRescueHomeFirst, Outcome{Events: []eventlog.Event{
			start("rescue", "fr1", "de1", "cn1")}}, "rescue tries [de1 cn1], the home profile's cn1 not first"},
		{"rescue from the home profile itself", "README decisions (never stranded)", checkRescueHomeFirst, Outcome{Events: []eventlog.Event{
			start("rescue", "cn1", "de1", "fr1")}}, ""},
		{"a list cycle need not start with home", "claim 3", checkRescueHomeFirst, Outcome{Events: []eventlog.Event{
			start("list", "fr1", "de1", "cn1")}}, ""},
		// A success forgets the operator's back-off in its place (tester
		// t139 M28): the next failure there is the first again.
		{"attached, then refused again: the first failure again", "README decisions (back-off)", checkBackoffForgotten, Outcome{Events: []eventlog.Event{
			placed("208", "FR"), failed("fr1"), backoffN("fr1", "208", "FR", 1), ended("list-exhausted", 1, 1),
			placed("208", "FR"), try("fr1"), ended("attach-success", 1, 2, "fr1"),
			placed("208", "FR"), failed("fr1"), backoffN("fr1", "208", "FR", 1)}}, ""},
		{"attached, then refused again: failures go on counting", "README decisions (back-off)", checkBackoffForgotten, Outcome{Events: []eventlog.Event{
			placed("208", "FR"), failed("fr1"), backoffN("fr1", "208", "FR", 1), ended("list-exhausted", 1, 1),
			placed("208", "FR"), try("fr1"), ended("attach-success", 1, 2, "fr1"),
			placed("208", "FR"), failed("fr1"), backoffN("fr1", "208", "FR", 2)}}, "fr1 backed off with failures 2 in area 208 FR"},
		{"a late attach forgets it too", "README decisions (late attach)", checkBackoffForgotten, Outcome{Events: []eventlog.Event{
			placed("208", "FR"), failed("fr1"), backoffN("fr1", "208", "FR", 1), ended("list-exhausted", 1, 1),
			ev(eventlog.EUICC, "late_attach", "operator", "fr1", "area", "208", "country", "FR"),
			placed("208", "FR"), failed("fr1"), backoffN("fr1", "208", "FR", 2)}}, "fr1 backed off with failures 2"},
		{"failures in a row, no success between", "README decisions (back-off)", checkBackoffForgotten, Outcome{Events: []eventlog.Event{
			placed("208", "FR"), failed("fr1"), backoffN("fr1", "208", "FR", 1), ended("list-exhausted", 1, 1),
			placed("208", "FR"), failed("fr1"), backoffN("fr1", "208", "FR", 2)}}, ""},
		{"attached in another place: that back-off is not its", "README decisions (back-off)", checkBackoffForgotten, Outcome{Events: []eventlog.Event{
			placed("262", "DE"), try("fr1"), ended("attach-success", 1, 2, "fr1"),
			placed("208", "FR"), failed("fr1"), backoffN("fr1", "208", "FR", 3)}}, ""},
		{"one failure judged once", "README decisions (sw50)", checkOneJudgment, Outcome{Events: []eventlog.Event{
			started("208"), failed("fr1"), backoff("fr1", "208"), failed("fr2"), backoff("fr2", "208")}}, ""},
		{"a failure judged twice in a cycle", "README decisions (sw50)", checkOneJudgment, Outcome{Events: []eventlog.Event{
			started("208"), failed("fr1"), ev(eventlog.EUICC, "cycle_resumed", "mode", "attempt.await-attach"), failed("fr1")}}, "judged failed again"},
		{"backed off twice in a cycle", "README decisions (sw50)", checkOneJudgment, Outcome{Events: []eventlog.Event{
			started("208"), failed("fr1"), backoff("fr1", "208"), backoff("fr1", "208")}}, "backed off again"},
		{"the same failure in two cycles", "README decisions", checkOneJudgment, Outcome{Events: []eventlog.Event{
			started("208"), failed("fr1"), backoff("fr1", "208"), leftArea(), started("208"), failed("fr1"), backoff("fr1", "208")}}, ""},
		{"a device that does not move leaves the area twice in a row", "README decisions (sw48)", checkNoBorderPingPong, Outcome{Events: []eventlog.Event{
			area("FRDE-B"), started("262"), leftArea(), started("208"), leftArea()}}, "did not move"},
		{"left the area twice, moving between", "README decisions", checkNoBorderPingPong, Outcome{Events: []eventlog.Event{
			area("FR-A"), started("262"), leftArea(), area("DE-A"), started("208"), leftArea()}}, ""},
		{"left the area once, then a cycle that ends otherwise", "README decisions", checkNoBorderPingPong, Outcome{Events: []eventlog.Event{
			area("FRDE-B"), started("262"), leftArea(), started("208"), ev(eventlog.EUICC, "cycle_ended", "outcome", "attach-success"),
			started("208"), leftArea()}}, ""},
		{"a note answered, then the switch", "platform API, sw64 F2", checkNoteNotCut, Outcome{Events: []eventlog.Event{
			noteIn(2), noteRead(2, applet.KindNotificationSent), enable(orig, "cn1", true)}}, ""},
		{"a note failed, then the switch", "platform API", checkNoteNotCut, Outcome{Events: []eventlog.Event{
			noteIn(2), noteRead(2, applet.KindNotificationFailed), enable(orig, "cn1", true)}}, ""},
		{"the switch cuts a note's answer", "platform API, sw64 F2", checkNoteNotCut, Outcome{Events: []eventlog.Event{
			noteIn(1), noteRead(1, applet.KindNotificationSent), noteIn(2), enable(orig, "cn1", true), noteIn(2), noteRead(2, applet.KindNotificationSent)}},
			"enabled cn1 while note report 2 (attach-failure"},
		{"a power cut cut it first", "platform API (at least once)", checkNoteNotCut, Outcome{Events: []eventlog.Event{
			noteIn(2), ev(eventlog.Modem, "power", "on", false), ev(eventlog.Modem, "power", "on", true), enable(orig, "cn1", true)}}, ""},
		{"the card pulled first", "platform API (at least once)", checkNoteNotCut, Outcome{Events: []eventlog.Event{
			noteIn(2), ev(eventlog.Modem, "card", "present", false), enable(orig, "cn1", true)}}, ""},
		{"the card read again, still there: no excuse", "platform API", checkNoteNotCut, Outcome{Events: []eventlog.Event{
			noteIn(2), ev(eventlog.Modem, "card", "present", true), enable(orig, "cn1", true)}}, "awaited its answer"},
	}
	for _, tc := range tests {
		t.Run(tc.claim+"/"+tc.name, func(t *testing.T) {
			wantViolation(t, tc.check(testScenario(), tc.o), tc.want)
		})
	}
}

// worldsScenario is a world of every kind the generator draws: the US on
// 310 and 311, Puerto Rico on 330 and the US's 310, France with a test
// network on 001, Germany with an international one on 901 — its
// operators as listed, or in reverse order.
func worldsScenario(reversed bool) *scenario.Scenario {
	ops := []scenario.Operator{
		{ID: "us1", PLMN: "31001", Country: "US"}, {ID: "us2", PLMN: "31102", Country: "US"},
		{ID: "pr1", PLMN: "33001", Country: "PR"}, {ID: "pr2", PLMN: "31002", Country: "PR"},
		{ID: "fr1", PLMN: "20801", Country: "FR"}, {ID: "fr2", PLMN: "00102", Country: "FR"},
		{ID: "de1", PLMN: "26201", Country: "DE"}, {ID: "de2", PLMN: "90102", Country: "DE"},
	}
	if reversed {
		slices.Reverse(ops)
	}
	s := testScenario()
	s.Network.Operators = ops
	return s
}

// TestAreaChecksInWorlds: the two invariants that place networks in
// countries judge territory, 001 and 901 worlds by the scenario's
// countries where the card can tell — by the list's country once it came,
// by E.212 alone for a cycle without one (README, back-off) — and the
// same whatever the order of the scenario's operators: an MCC two
// countries share (310) stands for both.
func TestAreaChecksInWorlds(t *testing.T) {
	cycle := func(area, country string) eventlog.Event {
		e := started(area)
		if country != "" {
			e.Fields["country"] = country
		} else {
			e.Fields["trigger"] = "rescue"
		}
		return e
	}
	fbOn := func(plmn string) eventlog.Event {
		return ev(eventlog.EUICC, "fallback_attached", "operator", "cn1", "plmn", plmn)
	}
	backoffIn := func(op, area, country string) eventlog.Event {
		e := backoff(op, area)
		if country != "" {
			e.Fields["country"] = country
		}
		return e
	}
	const fr1 = "89990000000000000014"
	tests := []struct {
		name  string
		check func(*scenario.Scenario, Outcome) []string
		o     Outcome
		want  string // substring of the one violation; "" = none
	}{
		// left-area-abroad
		{"PR list on 330, the fallback on a PR network on 310", checkLeftAreaAbroad, Outcome{Events: []eventlog.Event{
			cycle("330", "PR"), fbOn("31002"), leftArea()}}, "network of the same country"},
		{"PR list on 330, the fallback on a US network on 310", checkLeftAreaAbroad, Outcome{Events: []eventlog.Event{
			cycle("330", "PR"), fbOn("31001"), leftArea()}}, ""},
		{"a rescue on 330, the fallback on a PR network on 310: the MCCs alone", checkLeftAreaAbroad, Outcome{Events: []eventlog.Event{
			cycle("330", ""), fbOn("31002"), leftArea()}}, ""},
		{"a rescue on 310, the fallback on a US network on 311", checkLeftAreaAbroad, Outcome{Events: []eventlog.Event{
			cycle("310", ""), fbOn("31102"), leftArea()}}, "network of the same country"},
		{"US list on 311, the fallback on 310", checkLeftAreaAbroad, Outcome{Events: []eventlog.Event{
			cycle("311", "US"), fbOn("31001"), leftArea()}}, "network of the same country"},
		{"FR list on 208, the fallback on France's 001", checkLeftAreaAbroad, Outcome{Events: []eventlog.Event{
			cycle("208", "FR"), fbOn("00102"), leftArea()}}, "network of the same country"},
		{"a rescue on 208, the fallback on France's 001: no country's code", checkLeftAreaAbroad, Outcome{Events: []eventlog.Event{
			cycle("208", ""), fbOn("00102"), leftArea()}}, ""},
		{"DE list on 262, the fallback on Germany's 901", checkLeftAreaAbroad, Outcome{Events: []eventlog.Event{
			cycle("262", "DE"), fbOn("90102"), leftArea()}}, "network of the same country"},
		{"DE list on 901, the fallback in France", checkLeftAreaAbroad, Outcome{Events: []eventlog.Event{
			cycle("901", "DE"), fbOn("20801"), leftArea()}}, ""},
		// backoff-where-failed
		{"PR list: refused by a PR network on 310, backed off on 330", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "pr1", false), denied("31002"), failed("pr1"), backoffIn("pr1", "330", "PR")}}, ""},
		{"PR list: refused on a US network, which may serve PR: the card's limit", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "pr1", false), denied("31102"), failed("pr1"), backoffIn("pr1", "330", "PR")}}, ""},
		{"PR list: refused in France", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "pr1", false), denied("20801"), failed("pr1"), backoffIn("pr1", "330", "PR")}}, "network of another country"},
		{"a rescue on 310: refused on a PR network on 330", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "pr1", false), denied("33001"), failed("pr1"), backoffIn("pr1", "310", "")}}, ""},
		{"a rescue on 310: refused in Germany", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "de1", false), denied("26201"), failed("de1"), backoffIn("de1", "310", "")}}, "network of another country"},
		{"FR list: refused by France's 001", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr2", false), denied("00102"), failed("fr2"), backoffIn("fr2", "208", "FR")}}, ""},
		{"US list: refused in PR on 330, the fallback on a PR network on 310: the card's limit", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "us2", false), denied("33001"), failed("us2"), fbOn("31002"), backoffIn("us2", "310", "US")}}, ""},
		{"US list: refused in PR on 330, the fallback there too", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "us2", false), denied("33001"), failed("us2"), fbOn("33001"), backoffIn("us2", "310", "US")}}, "network of another country"},
		{"FR list: refused in Germany, the fallback on Germany's 901: the card's limit", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr2", false), denied("26201"), failed("fr2"), fbOn("90102"), backoffIn("fr2", "208", "FR")}}, ""},
		{"FR list: refused in Germany, the fallback there too", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr2", false), denied("26201"), failed("fr2"), fbOn("26201"), backoffIn("fr2", "208", "FR")}}, "network of another country"},
		{"a rescue on 311: refused in PR on 330, the fallback on a PR network on 310: the MCCs alone", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "us2", false), denied("33001"), failed("us2"), fbOn("31002"), backoffIn("us2", "311", "")}}, ""},
		{"a rescue on 311: refused by a PR network on 310: the MCCs alone", checkBackoffArea, Outcome{Events: []eventlog.Event{
			enable(fr1, "us2", false), denied("31002"), failed("us2"), backoffIn("us2", "311", "")}}, ""},
	}
	for _, tc := range tests {
		for _, reversed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reversed=%t", tc.name, reversed), func(t *testing.T) {
				got := tc.check(worldsScenario(reversed), tc.o)
				if tc.want == "" {
					if len(got) != 0 {
						t.Fatalf("want no violation, got %q", got)
					}
					return
				}
				if len(got) != 1 || !strings.Contains(got[0], tc.want) {
					t.Fatalf("want one violation containing %q, got %q", tc.want, got)
				}
			})
		}
	}
}

// TestCountriesOfMCC: an MCC stands for every country the scenario gives
// an operator of it, sorted, whatever the operators' order.
func TestCountriesOfMCC(t *testing.T) {
	for _, c := range []struct {
		mcc  string
		want []string
	}{
		{"310", []string{"PR", "US"}},
		{"311", []string{"US"}},
		{"330", []string{"PR"}},
		{"001", []string{"FR"}},
		{"999", []string{"999"}}, // no operator's: itself
	} {
		for _, reversed := range []bool{false, true} {
			if got := countriesOfMCC(worldsScenario(reversed), c.mcc); !slices.Equal(got, c.want) {
				t.Errorf("countriesOfMCC(%s), reversed=%t = %q, want %q", c.mcc, reversed, got, c.want)
			}
		}
	}
}

// TestNetworkCountry: a network's country is its operator's; a PLMN no
// operator has stands for its MCC's countries (310: two), or the MCC
// itself when no operator has that either.
func TestNetworkCountry(t *testing.T) {
	for _, c := range []struct{ plmn, op, want string }{
		{"31002", "pr2", "PR"},
		{"00102", "fr2", "FR"},
		{"31099", "", "PR/US"},
		{"99901", "", "999"},
	} {
		s := worldsScenario(false)
		if op, ok := operatorOfPLMN(s, c.plmn); op.ID != c.op || ok != (c.op != "") {
			t.Errorf("operatorOfPLMN(%s) = %q, %t; want %q", c.plmn, op.ID, ok, c.op)
		}
		if got := networkCountry(s, c.plmn); got != c.want {
			t.Errorf("networkCountry(%s) = %q, want %q", c.plmn, got, c.want)
		}
	}
}

// wantViolation fails t unless got holds a violation containing want, or
// none at all for a want of "".
func wantViolation(t *testing.T, got []string, want string) {
	t.Helper()
	if want == "" {
		if len(got) != 0 {
			t.Fatalf("want no violation, got %q", got)
		}
		return
	}
	for _, g := range got {
		if strings.Contains(g, want) {
			return
		}
	}
	t.Fatalf("want a violation containing %q, got %q", want, got)
}

// secondLeave is two French cycles, each ending with the device in China
// ("the device left the area of the list"), the second backing fr1 off in
// France for its attach on China's network; in the first, fr1 was served
// in China (abroad) or refused in France; between, a cycle ended at home
// when between is set.
func secondLeave(abroad, between bool) []eventlog.Event {
	const fr1, orig = "89990000000000000014", "89860000000000000019"
	first := served("46001")
	if !abroad {
		first = denied("20801")
	}
	es := []eventlog.Event{
		placed("208", "FR"), enable(fr1, "fr1", false), first, failed("fr1"), enable(orig, "cn1", true),
		served("46001"), ev(eventlog.EUICC, "fallback_attached", "operator", "cn1", "plmn", "46001"), leftArea(),
	}
	if between {
		es = append(es, placed("208", "FR"), enable(fr1, "fr1", false), served("20801"), ended("attach-success", 1, 3, "fr1"))
	}
	return append(es,
		placed("208", "FR"), enable(fr1, "fr1", false), served("46001"), failed("fr1"), enable(orig, "cn1", true),
		served("46001"), ev(eventlog.EUICC, "fallback_attached", "operator", "cn1", "plmn", "46001"),
		backoffN("fr1", "208", "FR", 1), leftArea())
}

// TestAttachedAsOperator: attached-as-operator flags an attempt judged
// failed for normal service on a network of its operator's country (its
// own, one of its ehplmns, or a national partner's: one MCC, or MCCs
// E.212 gives one country), and one judged attached on a network of
// another country; not one served
// abroad or refused, a rescue's attach anywhere, nor a walk that reached
// the profile already serving (outside tester o296, D1).
func TestAttachedAsOperator(t *testing.T) {
	s := &scenario.Scenario{Network: scenario.Network{Operators: []scenario.Operator{
		{ID: "free", PLMN: "20815", Country: "FR"}, {ID: "orange-fr", PLMN: "20801", Country: "FR"},
		{ID: "tmo-us", PLMN: "310260", Country: "US"}, {ID: "telekom-de", PLMN: "26201", Country: "DE"},
		{ID: "iot", PLMN: "90128", Country: "FR", EHPLMNs: []string{"90129"}}, {ID: "mcp", PLMN: "90112", Country: "FR"},
	}}}
	judged := func(op, reason string) []eventlog.Event {
		return []eventlog.Event{ev(eventlog.EUICC, applet.KindAttachFailed, "operator", op, "reason", reason)}
	}
	started := func(trigger string) eventlog.Event {
		return ev(eventlog.EUICC, applet.KindCycleStarted, "trigger", trigger)
	}
	ended := func(op, plmn string) eventlog.Event {
		return ev(eventlog.EUICC, applet.KindCycleEnded, "outcome", applet.OutcomeAttachSuccess, "operator", op, "plmn", plmn)
	}
	already := func(op string) eventlog.Event {
		return ev(eventlog.EUICC, applet.KindPreferredAlreadyEnabled, "operator", op)
	}
	tests := []struct {
		name string
		es   []eventlog.Event
		want string // substring of the one violation; "" = none
	}{
		{"Free failed on Orange, national roaming", judged("free", "normal service on another network 20801"), "free judged failed for normal service on 20801"},
		{"T-Mobile failed on Verizon's 311: one country", judged("tmo-us", "normal service on another network 311480"), "tmo-us judged failed for normal service on 311480"},
		{"Free failed on Telekom, across the border", judged("free", "normal service on another network 26201"), ""},
		{"Telekom failed on Orange, international roaming", judged("telekom-de", "normal service on another network 20801"), ""},
		{"Free refused by Orange", judged("free", "registration denied (limited service, camped on 20801)"), ""},
		{"an operator the scenario does not have", judged("sfr", "normal service on another network 20801"), ""},
		{"Free attached on Orange, national roaming", []eventlog.Event{started(applet.TriggerList), ended("free", "20801")}, ""},
		{"Free attached on Telekom, across the border", []eventlog.Event{started(applet.TriggerList), ended("free", "26201")}, "free judged attached on 26201"},
		{"the home profile attached abroad, coming home", []eventlog.Event{started(applet.TriggerHome), ended("free", "26201")}, "free judged attached on 26201"},
		{"the IoT operator failed on another 901 network: no country's, international roaming", judged("iot", "normal service on another network 90112"), ""},
		{"the IoT operator attached on another 901 network", []eventlog.Event{started(applet.TriggerList), ended("iot", "90112")}, "iot judged attached on 90112"},
		{"the IoT operator attached on its own 901 network", []eventlog.Event{started(applet.TriggerList), ended("iot", "90128")}, ""},
		{"the IoT operator attached on its equivalent home 901 network", []eventlog.Event{started(applet.TriggerList), ended("iot", "90129")}, ""},
		{"the IoT operator failed on its equivalent home 901 network", judged("iot", "normal service on another network 90129"), "iot judged failed for normal service on 90129"},
		{"a rescue attempt attached abroad", []eventlog.Event{started(applet.TriggerRescue), ended("free", "26201")}, ""},
		{"the walk reached Telekom, already serving on Orange", []eventlog.Event{started(applet.TriggerList), already("telekom-de"), ended("telekom-de", "20801")}, ""},
		{"a rescue's trigger does not outlast its cycle", []eventlog.Event{started(applet.TriggerRescue), started(applet.TriggerList), ended("free", "26201")}, "free judged attached on 26201"},
		{"nor does a walk's serving profile", []eventlog.Event{started(applet.TriggerList), already("free"), started(applet.TriggerList), ended("free", "26201")}, "free judged attached on 26201"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := checkAttachedAsOperator(s, Outcome{Events: tt.es})
			switch {
			case tt.want == "" && len(v) != 0:
				t.Errorf("violations %q, want none", v)
			case tt.want != "" && (len(v) != 1 || !strings.Contains(v[0], tt.want)):
				t.Errorf("violations %q, want one with %q", v, tt.want)
			}
		})
	}
}
