package explore

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/simtrace"
	atcodec "github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/stk"
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

func regAt(d time.Duration, stat int, plmn string, cell ...int) eventlog.Event {
	e := ev(eventlog.Modem, "registration", "stat", stat, "plmn", plmn)
	if len(cell) == 2 {
		e.Fields["tac"], e.Fields["cell"] = cell[0], cell[1]
	}
	e.T = e.T.Add(d)
	return e
}

func atAt(d time.Duration, dir, text string) string {
	return clock0.Add(d).Format(time.RFC3339Nano) + " " + dir + " " + text
}

var clock0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestRegistrationURCs: 27.007 §10.1.22 — a change of <stat>, and under
// n=2 of the cell, is reported at once as the URC shows it.
func TestRegistrationURCs(t *testing.T) {
	set2 := atAt(0, ">", "AT+CEREG=2")
	tests := []struct {
		name   string
		events []eventlog.Event
		at     []string
		want   string
	}{
		{"each change reported", []eventlog.Event{regAt(2*time.Second, 1, "20801", 0x1000, 0x10001), regAt(time.Hour, 5, "26201", 0x1002, 0x30006)},
			[]string{set2, atAt(2*time.Second, "<", `+CEREG: 1,"1000","00010001",7`), atAt(time.Hour, "<", `+CEREG: 5,"1002","00030006",7`)}, ""},
		{"a new cell with the same stat under n=2 (t153 N50)", []eventlog.Event{regAt(2*time.Second, 5, "20801", 0x1000, 0x10001), regAt(time.Hour, 5, "26201", 0x1002, 0x30006)},
			[]string{set2, atAt(2*time.Second, "<", `+CEREG: 5,"1000","00010001",7`)}, `no +CEREG: 5,"1002","00030006"`},
		{"a new cell under n=1 shows nothing", []eventlog.Event{regAt(2*time.Second, 5, "20801", 0x1000, 0x10001), regAt(time.Hour, 5, "26201", 0x1002, 0x30006)},
			[]string{atAt(0, ">", "AT+CEREG=1"), atAt(2*time.Second, "<", `+CEREG: 5`)}, ""},
		{"the URC a minute late", []eventlog.Event{regAt(2*time.Second, 1, "20801", 0x1000, 0x10001)},
			[]string{set2, atAt(time.Minute, "<", `+CEREG: 1,"1000","00010001",7`)}, "no +CEREG: 1"},
		{"a URC with the wrong cell", []eventlog.Event{regAt(2*time.Second, 1, "20801", 0x1000, 0x10001)},
			[]string{set2, atAt(2*time.Second, "<", `+CEREG: 1,"1000","00010002",7`)}, "no +CEREG: 1"},
		{"a read answer is no URC", []eventlog.Event{regAt(2*time.Second, 1, "20801", 0x1000, 0x10001)},
			[]string{set2, atAt(2*time.Second, ">", "AT+CEREG?"), atAt(2*time.Second, "<", `+CEREG: 2,1,"1000","00010001",7`)}, "no +CEREG: 1"},
		{"n set on a line logged as queued", []eventlog.Event{regAt(2*time.Second, 1, "20801", 0x1000, 0x10001)},
			[]string{atAt(0, ">", "AT+CEREG=2"+atcodec.QueuedMark)}, "no +CEREG: 1"},
		{"n set among other commands", []eventlog.Event{regAt(2*time.Second, 1, "20801", 0x1000, 0x10001)},
			[]string{atAt(0, ">", "ATE0 +CMEE=2;+CEREG=2")}, "no +CEREG: 1"},
		{"a harness note is no modem line", []eventlog.Event{regAt(2*time.Second, 1, "20801", 0x1000, 0x10001)},
			[]string{set2, atAt(2*time.Second, "#", `+CEREG: 1,"1000","00010001",7`)}, "no +CEREG: 1"},
		{"no n set: no URC owed", []eventlog.Event{regAt(2*time.Second, 1, "20801", 0x1000, 0x10001)}, []string{atAt(0, ">", "ATE0")}, ""},
		{"a boot sets n to 0 until the host sets it again", []eventlog.Event{power(false, time.Minute), power(true, 2*time.Minute), regAt(2*time.Minute+2*time.Second, 1, "20801", 0x1000, 0x10001)},
			[]string{set2}, ""},
		{"a hung AT port says nothing", []eventlog.Event{ev(eventlog.Harness, eventlog.KindFault, "fault", "at_port_hang", "on", true), regAt(2*time.Second, 1, "20801", 0x1000, 0x10001)},
			[]string{set2}, ""},
		{"searching shows no cell", []eventlog.Event{regAt(2*time.Second, 1, "20801", 0x1000, 0x10001), regAt(time.Hour, 2, "")},
			[]string{set2, atAt(2*time.Second, "<", `+CEREG: 1,"1000","00010001",7`), atAt(time.Hour, "<", `+CEREG: 2`)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := checkRegistrationURCs(actorsScenario(), Outcome{Events: tc.events, ATLog: tc.at})
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("want no violation, got %q", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("want one violation containing %q, got %q", tc.want, got)
			}
		})
	}
}

// lane builds a card lane from items placed among the events: each
// item's pos is the count of events before it.
func lane(items ...cardItem) (*simtrace.Lane, map[int]capture.Mark) {
	l := &simtrace.Lane{}
	marks := map[int]capture.Mark{}
	for i, it := range items {
		frame := i + 1
		marks[frame] = capture.Mark{Events: it.pos, OK: true, Command: it.pos, CommandOK: true}
		if it.atr {
			l.ATRs = append(l.ATRs, simtrace.ATR{Frame: frame})
			continue
		}
		a := *it.apdu
		a.Frame = frame
		l.APDUs = append(l.APDUs, a)
	}
	return l, marks
}

func setUpEvents(pos int, evs ...byte) []cardItem {
	c := stk.Command{Details: stk.CommandDetails{Type: stk.CmdSetUpEventList}, Events: evs}
	tr := stk.TerminalResponse{Details: stk.CommandDetails{Type: stk.CmdSetUpEventList}}
	return []cardItem{{pos: pos, apdu: &simtrace.APDU{Proactive: &c}}, {pos: pos, apdu: &simtrace.APDU{TR: &tr}}}
}

func locEnv(pos int, status byte, plmn string, tac, ci int) cardItem {
	e := stk.NewLocationStatusEvent(status, &stk.LocationInfo{PLMN: plmn, TAC: uint16(tac), CellID: uint32(ci)})
	return cardItem{pos: pos, apdu: &simtrace.APDU{Envelope: &e}}
}

// TestLocationStatusToCard: TS 102 223 §7.5.4 — once subscribed, each
// change of service, network or cell reaches the card.
func TestLocationStatusToCard(t *testing.T) {
	evs := []eventlog.Event{
		regAt(2*time.Second, 1, "46000", 0x1000, 0x10001), // 0
		regAt(time.Hour, 5, "20801", 0x1001, 0x20002),     // 1: same service, another network
		regAt(time.Hour, 0, ""),                           // 2: the detach before a switch
	}
	sub := setUpEvents(0, stk.EventLocationStatus, stk.EventDataAvailable)
	tests := []struct {
		name  string
		items []cardItem
		want  string
	}{
		{"every change reaches the card", append(sub, locEnv(1, stk.LocNormal, "46000", 0x1000, 0x10001), locEnv(2, stk.LocNormal, "20801", 0x1001, 0x20002),
			locEnv(3, stk.LocNone, "", 0, 0)), ""},
		{"a change of network with the same service swallowed (t153 N02)", append(sub, locEnv(1, stk.LocNormal, "46000", 0x1000, 0x10001),
			locEnv(3, stk.LocNone, "", 0, 0)), "owed a location status event for normal service on 20801 1001/00020002 (TS 102 223 §7.5.4), but the next one it got"},
		{"the last change never sent", append(sub, locEnv(1, stk.LocNormal, "46000", 0x1000, 0x10001), locEnv(2, stk.LocNormal, "20801", 0x1001, 0x20002)),
			"owed an event for no service and got none"},
		{"the wrong cell", append(sub, locEnv(1, stk.LocNormal, "46000", 0x1000, 0x10009), locEnv(2, stk.LocNormal, "20801", 0x1001, 0x20002),
			locEnv(3, stk.LocNone, "", 0, 0)), "says normal service on 46000 1000/00010009"},
		{"not subscribed: nothing owed", setUpEvents(0, stk.EventDataAvailable), ""},
		{"a reset ends the subscription", append(sub, locEnv(1, stk.LocNormal, "46000", 0x1000, 0x10001), cardItem{pos: 2, atr: true}), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, marks := lane(tc.items...)
			got := checkLocationStatusToCard(actorsScenario(), Outcome{Events: evs, Card: l, CardMarks: marks})
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("want no violation, got %q", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("want one violation containing %q, got %q", tc.want, got)
			}
		})
	}
}

// TestLocationStatusCardGone: the card out of the modem's reach (card
// {present: false}) ends the subscription as a reset does: the detach
// its loss causes, logged just before, is owed to no card; the same
// detach with the card there is owed to it.
func TestLocationStatusCardGone(t *testing.T) {
	gone := ev(eventlog.Modem, "card", "present", false)
	gone.T = gone.T.Add(time.Hour)
	evs := []eventlog.Event{
		regAt(2*time.Second, 1, "46000", 0x1000, 0x10001), // 0
		regAt(time.Hour, 0, ""),                           // 1: a detach
	}
	items := append(setUpEvents(0, stk.EventLocationStatus), locEnv(1, stk.LocNormal, "46000", 0x1000, 0x10001))
	for _, tc := range []struct {
		name   string
		events []eventlog.Event
		want   string
	}{
		{"the detach the card's loss causes, owed to no card", append(slices.Clone(evs), gone), ""},
		{"the card there: the detach owed", evs, "owed an event for no service and got none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, marks := lane(items...)
			got := checkLocationStatusToCard(actorsScenario(), Outcome{Events: tc.events, Card: l, CardMarks: marks})
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("want no violation, got %q", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("want one violation containing %q, got %q", tc.want, got)
			}
		})
	}
}

func servedWith(sig ...any) eventlog.Event {
	var l []eventlog.F
	for i := 0; i+1 < len(sig); i += 2 {
		l = append(l, eventlog.F{"plmn": sig[i], "rsrp": sig[i+1]})
	}
	return ev(eventlog.Platform, "preferred_list_served", "operators", []string{"orange"}, "signal", l)
}

// TestSignalReport: TS 31.111 §6.4.15 — the serving cell and up to eight
// others, each with the world's RSRP.
func TestSignalReport(t *testing.T) {
	s := actorsScenario()
	s.Network.Cells = []scenario.Cell{{Area: "FR-A", Operator: "orange", RSRP: -90}, {Area: "FR-A", Operator: "sfr", RSRP: -100}, {Area: "CN-A", Operator: "cmcc", RSRP: -70}}
	inFR := []eventlog.Event{area("FR-A"), regAt(time.Second, 5, "20801", 0x1001, 0x20001), ev(eventlog.EUICC, "roaming_detected", "serving_plmn", "20801")}
	tests := []struct {
		name   string
		events []eventlog.Event
		want   string
	}{
		{"every visible network, the world's RSRP", append(slices.Clone(inFR), servedWith("20801", -90, "20810", -100)), ""},
		{"a network left out (t153 N40)", append(slices.Clone(inFR), servedWith("20801", -90)), "leaves out 20810"},
		{"a network of another area", append(slices.Clone(inFR), servedWith("20801", -90, "20810", -100, "46000", -70)), "46000 (-70 dBm), which has no cell in FR-A"},
		{"the wrong RSRP", append(slices.Clone(inFR), servedWith("20801", -90, "20810", -95)), "the world has it at -100 dBm"},
		{"a signal change followed", append(slices.Clone(inFR), ev(eventlog.World, "signal_changed", "area", "FR-A", "operator", "sfr", "rsrp", -80),
			ev(eventlog.EUICC, "roaming_detected", "serving_plmn", "20801"), servedWith("20801", -90, "20810", -80)), ""},
		{"an outage hides the network", append([]eventlog.Event{ev(eventlog.Harness, eventlog.KindFault, "fault", "coverage_lost", "target", "sfr", "on", true)},
			append(slices.Clone(inFR), servedWith("20801", -90))...), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := checkSignalReport(s, Outcome{Events: tc.events})
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("want no violation, got %q", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)):
				t.Errorf("want one violation containing %q, got %q", tc.want, got)
			}
		})
	}
}
