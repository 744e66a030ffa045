package explore

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/scenario"
)

// TestFaultScopeCatchesViolations feeds the fault-scope invariant logs in
// which a fault hits what its entry names, and logs in which it does not.
func TestFaultScopeCatchesViolations(t *testing.T) {
	s := testScenario()
	s.Network.Operators = []scenario.Operator{{ID: "de1", PLMN: "26201"}, {ID: "de2", PLMN: "26202"}}
	s.Faults = []scenario.Fault{
		{Kind: scenario.Download, Name: scenario.EligibilityRefused, Operator: "de1", Until: 90 * time.Minute},
		{Kind: scenario.Download, Name: scenario.TLSFailure, Operator: "de2", Attempt: 2},
		{Kind: scenario.AttachReject, Operator: "de2", Subscriber: "de2", Cause: 15, Attempt: 1},
		{Kind: scenario.PlatformGarbled, Until: 2 * time.Hour},
		{Kind: scenario.PlatformSlow, Delay: 45 * time.Second},
		{Kind: scenario.AttachNoService, Operator: "de1", From: time.Hour, Until: 2 * time.Hour},
		{Kind: scenario.AttachReject, Operator: "de1", Cause: 12, TAC: 0x2001, From: 3 * time.Hour, Until: 4 * time.Hour},
	}
	at := func(d time.Duration, e eventlog.Event) eventlog.Event {
		e.T = e.T.Add(d)
		return e
	}
	start := ev(eventlog.Harness, "run_started")
	fired := func(entry int, name, target string) eventlog.Event {
		return ev(eventlog.Harness, "fault", "fault", "download", "name", name, "target", target, "at", "platform", "entry", entry)
	}
	ok := func(op string) eventlog.Event {
		return ev(eventlog.EUICC, "download_result", "operator", op, "ok", true, "reason", "")
	}
	try := func(d time.Duration, sub, plmn string) eventlog.Event {
		return at(d, ev(eventlog.World, "attach_attempt", "operator", sub, "plmn", plmn))
	}
	result := func(d time.Duration, sub, plmn, reg string) eventlog.Event {
		return at(d, ev(eventlog.World, "attach_result", "operator", sub, "plmn", plmn, "registration", reg))
	}
	tryIn := func(d time.Duration, sub, plmn string, tac int) eventlog.Event {
		return at(d, ev(eventlog.World, "attach_attempt", "operator", sub, "plmn", plmn, "tac", tac))
	}
	regional := at(3*time.Hour, ev(eventlog.World, "fault", "fault", "attach_reject", "target", "de1", "subscriber", "de1", "entry", 6, "attempt", 1, "cause", 12, "tac", 0x2001))
	noService := at(time.Hour, ev(eventlog.World, "fault", "fault", "attach_no_service", "target", "de1", "subscriber", "cn1", "entry", 5, "attempt", 1))
	tests := []struct {
		name   string
		events []eventlog.Event
		want   string // substring of the one violation; "" = none
	}{
		{"de1 refused in its window, de2 downloads meanwhile", []eventlog.Event{start,
			at(time.Hour, dlReq("de1")), at(time.Hour, fired(0, scenario.EligibilityRefused, "de1")), at(time.Hour, dlFail("de1")),
			at(time.Hour, dlReq("de2")), at(time.Hour, ok("de2")),
		}, ""},
		{"a fault hits another operator", []eventlog.Event{start,
			at(time.Hour, dlReq("de2")), at(time.Hour, fired(0, scenario.EligibilityRefused, "de2")), at(time.Hour, dlFail("de2")),
		}, "hit de2, faults[0] names de1"},
		{"a fault fires after its window", []eventlog.Event{start,
			at(2*time.Hour, dlReq("de1")), at(2*time.Hour, fired(0, scenario.EligibilityRefused, "de1")), at(2*time.Hour, dlFail("de1")),
		}, "outside faults[0]'s window"},
		{"a window's end names its entry", []eventlog.Event{start,
			at(90*time.Minute, ev(eventlog.Harness, "fault", "fault", "download", "name", scenario.EligibilityRefused, "target", "de1", "at", "smdp", "on", false, "entry", 0)),
		}, ""},
		{"a window's end names no entry", []eventlog.Event{start,
			at(90*time.Minute, ev(eventlog.Harness, "fault", "fault", "download", "name", scenario.EligibilityRefused, "target", "de1", "at", "smdp", "on", false)),
		}, "names no entry"},
		{"a window's end names another operator's entry", []eventlog.Event{start,
			at(90*time.Minute, ev(eventlog.Harness, "fault", "fault", "download", "name", scenario.EligibilityRefused, "target", "de2", "at", "smdp", "on", false, "entry", 0)),
		}, "hit de2, faults[0] names de1"},
		{"a download fails with nothing in force against its operator", []eventlog.Event{start,
			at(time.Hour, dlReq("de2")), at(time.Hour, dlFail("de2")),
		}, "failed with no fault in force against de2"},
		{"an attempt-scoped fault fires on another attempt", []eventlog.Event{start,
			at(time.Hour, dlReq("de2")), at(time.Hour, fired(1, scenario.TLSFailure, "de2")), at(time.Hour, dlFail("de2")),
		}, "during attempt 1 on de2, faults[1] names attempt 2"},
		{"an attempt-scoped fault on its attempt", []eventlog.Event{start,
			at(time.Hour, dlReq("de2")), at(time.Hour, ok("de2")),
			at(2*time.Hour, dlReq("de2")), at(2*time.Hour, fired(1, scenario.TLSFailure, "de2")), at(2*time.Hour, dlFail("de2")),
		}, ""},
		{"an attach fault on another subscriber", []eventlog.Event{start,
			ev(eventlog.World, "attach_attempt", "operator", "cn1", "plmn", "26202"),
			ev(eventlog.World, "fault", "fault", "attach_reject", "target", "de2", "subscriber", "cn1", "entry", 2, "attempt", 1),
		}, "hit subscriber cn1, faults[2] names de2"},
		// The converse (tester t239 M04: a window that began a step late
		// went unnoticed): an attempt the entry covers has a fault fire.
		{"an attach fault fires on its attempt", []eventlog.Event{start,
			try(0, "de2", "26202"), ev(eventlog.World, "fault", "fault", "attach_reject", "target", "de2", "subscriber", "de2", "entry", 2, "attempt", 1), result(0, "de2", "26202", "denied"),
		}, ""},
		{"an attach fault does not fire on its attempt", []eventlog.Event{start,
			try(0, "de2", "26202"), result(0, "de2", "26202", "home"),
		}, "attempt 1 on de2 by de2's subscriber at 0s, within faults[2] (attach_reject), but no fault fired on it"},
		{"another subscriber's attempt is not the fault's", []eventlog.Event{start,
			try(0, "cn1", "26202"), result(0, "cn1", "26202", "denied"),
		}, ""},
		{"an attach fault fires at its window's start", []eventlog.Event{start,
			try(time.Hour, "cn1", "26201"), noService, result(time.Hour, "cn1", "26201", "none"),
		}, ""},
		{"an attach fault silent at its window's start", []eventlog.Event{start,
			try(time.Hour, "cn1", "26201"), result(time.Hour, "cn1", "26201", "denied"),
		}, "within faults[5] (attach_no_service), but no fault fired on it"},
		{"an attach fault over at its window's end", []eventlog.Event{start,
			try(2*time.Hour, "cn1", "26201"), result(2*time.Hour, "cn1", "26201", "denied"),
		}, ""},
		// A reject scoped to a tracking area (tac): its area's attempts
		// and no other's.
		{"a tracking area's reject fires there", []eventlog.Event{start,
			tryIn(3*time.Hour, "de1", "26201", 0x2001), regional, result(3*time.Hour, "de1", "26201", "denied"),
		}, ""},
		{"a tracking area's reject silent there", []eventlog.Event{start,
			tryIn(3*time.Hour, "de1", "26201", 0x2001), result(3*time.Hour, "de1", "26201", "home"),
		}, "within faults[6] (attach_reject), but no fault fired on it"},
		{"another tracking area of the network is not the reject's", []eventlog.Event{start,
			tryIn(3*time.Hour, "de1", "26201", 0x2002), result(3*time.Hour, "de1", "26201", "home"),
		}, ""},
		{"a tracking area's reject fires in another", []eventlog.Event{start,
			tryIn(3*time.Hour, "de1", "26201", 0x2002), regional, result(3*time.Hour, "de1", "26201", "denied"),
		}, "hit tracking area 0x2002, faults[6] names 0x2001"},
		{"a download answered with garbage", []eventlog.Event{start,
			at(time.Hour, dlReq("de2")), at(time.Hour, ev(eventlog.Harness, "fault", "fault", "platform_garbled", "target", "platform", "at", "platform", "entry", 3)), at(time.Hour, dlFail("de2")),
		}, ""},
		{"a download answered too late", []eventlog.Event{start,
			at(time.Hour, dlReq("de2")), at(time.Hour, ev(eventlog.Harness, "fault", "fault", "platform_slow", "target", "platform", "at", "platform", "entry", 4, "delay", "45s")), at(time.Hour+30*time.Second, dlFail("de2")),
		}, ""},
		{"a garbled answer outside its window", []eventlog.Event{start,
			at(3*time.Hour, ev(eventlog.Harness, "fault", "fault", "platform_garbled", "target", "platform", "at", "platform", "entry", 3)),
		}, "outside faults[3]'s window"},
		{"a slow answer logged as another entry's kind", []eventlog.Event{start,
			at(time.Hour, ev(eventlog.Harness, "fault", "fault", "platform_slow", "target", "platform", "at", "platform", "entry", 3)),
		}, "logged as platform_slow, faults[3] is platform_garbled"},
		{"a platform refusal that is no fault", []eventlog.Event{start,
			at(time.Hour, dlReq("de2")),
			ev(eventlog.EUICC, "download_result", "operator", "de2", "ok", false, "reason", "eligibility: no contract with operator de2"),
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := checkFaultScope(s, Outcome{Events: tt.events})
			switch {
			case tt.want == "" && len(v) != 0:
				t.Errorf("violations %q, want none", v)
			case tt.want != "" && (len(v) != 1 || !strings.Contains(v[0], tt.want)):
				t.Errorf("violations %q, want one with %q", v, tt.want)
			}
		})
	}
}

// TestFaultScopeFreeNVM: a card whose free memory the scenario sets fails
// a download for lack of room with no fault in force, whether its ISD-R
// refused the install (errorReason 10) or the SM-DP+ refused it at
// authenticateClient (8.1/4.8); without free_nvm either is a violation.
func TestFaultScopeFreeNVM(t *testing.T) {
	fail := func(reason string) []eventlog.Event {
		return []eventlog.Event{ev(eventlog.Harness, "run_started"), dlReq("de1"),
			ev(eventlog.EUICC, "download_result", "operator", "de1", "ok", false, "reason", reason)}
	}
	install := "install failed: bppCommandId 2 storeMetadata, errorReason 10 installFailedDueToInsufficientMemoryForProfile"
	smdp := "authenticateClient: status Failed subject 8.1 reason 4.8: eUICC does not have sufficient space for this Profile"
	for _, tt := range []struct {
		name      string
		freeNVM   int
		reason    string
		violation bool
	}{
		{"install refused, free_nvm set", 2048, install, false},
		{"SM-DP+ refused, free_nvm set", 2048, smdp, false},
		{"install refused, no free_nvm", 0, install, true},
		{"SM-DP+ refused, no free_nvm", 0, smdp, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := testScenario()
			s.Network.Operators = []scenario.Operator{{ID: "de1", PLMN: "26201"}}
			s.Device.FreeNVM = tt.freeNVM
			v := checkFaultScope(s, Outcome{Events: fail(tt.reason)})
			if got := len(v) > 0; got != tt.violation {
				t.Errorf("violations %q, want any: %v", v, tt.violation)
			}
		})
	}
}
