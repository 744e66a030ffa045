package explore

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/scenario"
)

// actorsScenario: China Mobile's and Orange's subscribers, one agreement
// one way (Orange may roam on China Mobile, not the reverse: the
// roaming-one-way fixture), SFR with none.
func actorsScenario() *scenario.Scenario {
	return &scenario.Scenario{Network: scenario.Network{
		Operators: []scenario.Operator{
			{ID: "cmcc", PLMN: "46000", Country: "CN"},
			{ID: "orange", PLMN: "20801", Country: "FR"},
			{ID: "sfr", PLMN: "20810", Country: "FR"},
		},
		Roaming: []scenario.Agreement{{Home: "orange", Visited: "cmcc"}},
	}}
}

func attachResult(sub, plmn string, ok bool, reg string, cause int) eventlog.Event {
	return ev(eventlog.World, "attach_result", "operator", sub, "plmn", plmn, "ok", ok, "registration", reg, "cause", cause)
}

func attachTry(sub, plmn string) eventlog.Event {
	return ev(eventlog.World, "attach_attempt", "operator", sub, "plmn", plmn)
}

func worldFault(kind, target, sub string, cause int) eventlog.Event {
	return ev(eventlog.World, eventlog.KindFault, "fault", kind, "target", target, "subscriber", sub, "cause", cause, "at", "world", "entry", 0, "attempt", 1)
}

func imsiRead(imsi string) eventlog.Event {
	return ev(eventlog.Modem, "card", "present", true, "imsi", imsi)
}

// TestActorInvariants feeds the invariants on the actors around the card
// hand-written logs, good and bad: each row names the source it holds the
// actor to.
func TestActorInvariants(t *testing.T) {
	tests := []struct {
		name, source string
		check        func(*scenario.Scenario, Outcome) []string
		events       []eventlog.Event
		want         string // substring of the one violation; "" = none
	}{
		{"home on its own network", "scenarios README: home subscribers register home", checkAttachByAgreement, []eventlog.Event{
			imsiRead("460000000000019"), attachTry("cmcc", "46000"), attachResult("cmcc", "46000", true, "home", 0)}, ""},
		{"roaming by an agreement", "scenarios README: partners' subscribers roaming", checkAttachByAgreement, []eventlog.Event{
			attachTry("orange", "46000"), attachResult("orange", "46000", true, "roaming", 0)}, ""},
		{"an agreement read backwards (t153 N17)", "scenarios README: {home, visited} is one way", checkAttachByAgreement, []eventlog.Event{
			attachTry("cmcc", "20801"), attachResult("cmcc", "20801", true, "roaming", 0)},
			"cmcc's subscriber on 20801 (orange): roaming, want denied with cause #11 (no agreement {home: cmcc, visited: orange})"},
		{"no agreement: denied #11", "TS 24.301 §9.9.3.9 #11", checkAttachByAgreement, []eventlog.Event{
			attachTry("cmcc", "20810"), attachResult("cmcc", "20810", false, "denied", 11)}, ""},
		{"no agreement, another cause", "TS 24.301 §9.9.3.9 #11", checkAttachByAgreement, []eventlog.Event{
			attachTry("cmcc", "20810"), attachResult("cmcc", "20810", false, "denied", 13)}, "want denied with cause #11"},
		{"a partner's subscriber denied without a fault", "scenarios README: partners' subscribers roaming", checkAttachByAgreement, []eventlog.Event{
			attachTry("orange", "46000"), attachResult("orange", "46000", false, "denied", 11)}, "want roaming"},
		{"home taken for roaming", "scenarios README: home subscribers register home", checkAttachByAgreement, []eventlog.Event{
			attachTry("sfr", "20810"), attachResult("sfr", "20810", true, "roaming", 0)}, "want home"},
		{"a reject fault on the attempt", "README faults: attach_reject: <cause>", checkAttachByAgreement, []eventlog.Event{
			attachTry("orange", "46000"), worldFault("attach_reject", "cmcc", "orange", 13), attachResult("orange", "46000", false, "denied", 13)}, ""},
		{"a reject fault's cause not shown", "README faults: attach_reject: <cause>", checkAttachByAgreement, []eventlog.Event{
			attachTry("orange", "46000"), worldFault("attach_reject", "cmcc", "orange", 13), attachResult("orange", "46000", false, "denied", 11)},
			"want denied with cause #13"},
		{"a fault on the attempt before does not excuse this one", "README faults: attempt", checkAttachByAgreement, []eventlog.Event{
			attachTry("orange", "46000"), worldFault("attach_reject", "cmcc", "orange", 17), attachResult("orange", "46000", false, "denied", 17),
			attachTry("orange", "46000"), attachResult("orange", "46000", false, "denied", 17)}, "want roaming"},
		{"no service and timeout faults", "README faults: attach: no_service | timeout", checkAttachByAgreement, []eventlog.Event{
			attachTry("sfr", "20810"), worldFault("attach_no_service", "sfr", "sfr", 0), attachResult("sfr", "20810", false, "none", 0),
			attachTry("sfr", "20810"), worldFault("attach_timeout", "sfr", "sfr", 0), attachResult("sfr", "20810", false, "timeout", 0)}, ""},
		{"a timeout with no fault", "README faults: attach: timeout", checkAttachByAgreement, []eventlog.Event{
			attachTry("sfr", "20810"), attachResult("sfr", "20810", false, "timeout", 0)}, "want home"},
		{"the world's subscriber is not the IMSI's", "TS 23.003 §2.2: the IMSI's MCC+MNC is the home PLMN", checkAttachByAgreement, []eventlog.Event{
			imsiRead("208100000000029"), attachTry("orange", "20801"), attachResult("orange", "20801", true, "home", 0)},
			"but the modem read an IMSI of sfr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.check(actorsScenario(), Outcome{Events: tc.events})
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("%s: want no violation, got %q", tc.source, got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("%s: want one violation containing %q, got %q", tc.source, tc.want, got)
			}
		})
	}
}
