package explore

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/scenario"
)

// ev builds an event; fields alternate key, value.
func ev(actor, kind string, kv ...any) eventlog.Event {
	f := eventlog.F{}
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i].(string)] = kv[i+1]
	}
	return eventlog.Event{T: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Actor: actor, Kind: kind, Fields: f}
}

func list(ops ...string) eventlog.Event {
	return ev(eventlog.EUICC, "preferred_list_received", "operators", ops)
}
func enable(iccid, op string, orig bool) eventlog.Event {
	return ev(eventlog.EUICC, "profile_enabled", "iccid", iccid, "operator", op, "original", orig)
}
func attached(op, reg string) eventlog.Event {
	return ev(eventlog.World, "attach_result", "operator", op, "ok", true, "registration", reg)
}
func failed(op string) eventlog.Event {
	return ev(eventlog.EUICC, "attach_failed", "operator", op, "reason", "limited_service")
}
func fallback(from string) eventlog.Event {
	return ev(eventlog.EUICC, "fallback", "from_operator", from, "to_operator", "cn1")
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
func TestInvariantsCatchViolations(t *testing.T) {
	const orig, fr1 = "89990000000000000006", "89990000000000000014"
	tests := []struct {
		name, claim string
		check       func(*scenario.Scenario, Outcome) []string
		o           Outcome
		want        string // substring of the one violation; "" = none
	}{
		{"first preferred rejects, second downloaded attaches", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			list("fr1", "fr2"), enable(fr1, "fr1", false), failed("fr1"), fallback("fr1"), enable(orig, "cn1", true), attached("cn1", "roaming"),
			dlReq("fr2"), enable("x", "fr2", false), attached("fr2", "home")}}, ""},
		{"download fails then next operator", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			list("fr1", "fr2"), dlReq("fr1"), dlFail("fr1"), dlReq("fr2")}}, ""},
		{"operator skipped", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			list("fr1", "fr2", "fr3"), enable(fr1, "fr1", false), failed("fr1"), dlReq("fr3")}}, "fr2 skipped"},
		{"out of order", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			list("fr1", "fr2"), dlReq("fr2"), dlFail("fr2"), dlReq("fr1")}}, "against list order"},
		{"repeated in one list", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			list("fr1", "fr2"), enable(fr1, "fr1", false), failed("fr1"), enable(fr1, "fr1", false)}}, "attempted twice"},
		{"next before failure", "claim 3", checkListOrder, Outcome{Events: []eventlog.Event{
			list("fr1", "fr2"), enable(fr1, "fr1", false), dlReq("fr2")}}, "had not failed"},
		{"attempt without list", "claim 1 step 3", checkListOrder, Outcome{Events: []eventlog.Event{dlReq("fr1")}}, "without a stored"},
		{"new list starts over", "issue 4 §2", checkListOrder, Outcome{Events: []eventlog.Event{
			list("fr1"), enable(fr1, "fr1", false), list("fr1"), enable(fr1, "fr1", false)}}, ""},
		{"fallback completes before next", "claim 3", checkFallback, Outcome{Events: []eventlog.Event{
			list("fr1", "fr2"), enable(fr1, "fr1", false), failed("fr1"), fallback("fr1"), enable(orig, "cn1", true), attached("cn1", "roaming"), dlReq("fr2")}}, ""},
		{"next attempt without fallback attach", "claim 3", checkFallback, Outcome{Events: []eventlog.Event{
			list("fr1", "fr2"), enable(fr1, "fr1", false), failed("fr1"), fallback("fr1"), enable(orig, "cn1", true), dlReq("fr2")}}, "before the original"},
		{"next attempt straight from the failed profile", "claim 3", checkFallback, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), failed("fr1"), attached("cn1", "roaming"), dlReq("fr2")}}, "before the original"},
		{"the listed original fails, no enable follows its fallback", "claim 3", checkFallback, Outcome{Events: []eventlog.Event{
			list("cn2", "cn1"), dlReq("cn2"), dlFail("cn2"), enable(orig, "cn1", true), failed("cn1"), fallback("cn1"),
			attached("cn1", "home"), ev(eventlog.EUICC, "list_exhausted"), list("fr1"), dlReq("fr1")}}, ""},
		{"the listed original fails, then a later switch counts", "claim 1 step 7", checkAttachSuccess, Outcome{Events: []eventlog.Event{
			list("cn1"), enable(orig, "cn1", true), failed("cn1"), fallback("cn1"), attached("cn1", "home"),
			list("fr1"), enable(fr1, "fr1", false), attached("fr1", "home")}}, "fr1: 1 successful preferred attaches, platform received 0"},
		{"exhausted on a preferred profile", "issue 4 §2", checkFallback, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), ev(eventlog.EUICC, "list_exhausted")}}, "list exhausted"},
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
		{"failed install reports its result, no more", "claim 2 / SGP.22", checkDownloadNotifications, Outcome{Events: []eventlog.Event{
			ev("smdp", "bpp_sent", "iccid", "i1", "operator", "fr2"),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2"),
			ev("smdp", "notification_received", "kind", "install", "operator", "fr2")}}, "0 profiles installed from 1 packages sent"},
		{"attach-success missing", "claim 1 step 7", checkAttachSuccess, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), attached("fr1", "home")}}, "1 successful preferred attaches, platform received 0"},
		{"no service at the end: the report is still owed", "claim 1 step 7", checkAttachSuccess, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), attached("fr1", "home"),
			ev(eventlog.World, "attach_result", "operator", "fr1", "ok", false, "registration", "denied")}}, ""},
		{"attach-success once", "claim 1 step 7", checkAttachSuccess, Outcome{Events: []eventlog.Event{
			enable(fr1, "fr1", false), attached("fr1", "home"), attached("fr1", "home"),
			ev(eventlog.Platform, "notification_received", "kind", "attach-success", "operator", "fr1")}}, ""},
		{"coming home: switch to the listed original is reported", "claim 1 step 7", checkAttachSuccess, Outcome{Events: []eventlog.Event{
			list("cn1"), enable(orig, "cn1", true), attached("cn1", "home")}}, "1 successful preferred attaches, platform received 0"},
		{"fallback attach is not a preferred attach", "claim 3", checkAttachSuccess, Outcome{Events: []eventlog.Event{
			list("fr1"), enable(fr1, "fr1", false), failed("fr1"), fallback("fr1"), enable(orig, "cn1", true), attached("cn1", "home")}}, ""},
		{"two enabled on the card", "issue 4 §4", checkFinalProfiles, Outcome{Profiles: []dialect.Profile{
			{ICCID: orig, Enabled: true}, {ICCID: fr1, Enabled: true}}}, "2 enabled"},
		{"profile lost", "issue 4 §5", checkFinalProfiles, Outcome{Profiles: []dialect.Profile{{ICCID: orig, Enabled: true}}}, "lost"},
		{"capture and platform log differ", "issue 4 §4", checkCapture, Outcome{
			Events: []eventlog.Event{ev(eventlog.Platform, "notification_received", "kind", "attach-success", "operator", "fr1")}},
			"differ"},
		{"capture and platform log agree", "issue 4 §4", checkCapture, Outcome{
			Events:  []eventlog.Event{ev(eventlog.Platform, "preferred_list_served")},
			Traffic: []capture.Message{{Kind: capture.KindPreferredList, Status: 200}}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.claim+"/"+tc.name, func(t *testing.T) {
			got := tc.check(testScenario(), tc.o)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no violation, got %q", got)
				}
				return
			}
			for _, g := range got {
				if strings.Contains(g, tc.want) {
					return
				}
			}
			t.Fatalf("want a violation containing %q, got %q", tc.want, got)
		})
	}
}
