package scenario

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
)

// runLog is the event log of a successful roam-fr-preinstalled run.
func runLog() []eventlog.Event {
	at := func(d time.Duration) time.Time { return clock.Epoch.Add(d) }
	ev := func(d time.Duration, actor string, kind eventlog.Kind, f eventlog.F) eventlog.Event {
		return eventlog.Event{T: at(d), Actor: actor, Kind: kind, Fields: f}
	}
	return []eventlog.Event{
		ev(0, eventlog.World, "area_changed", eventlog.F{"area": "CN-Beijing"}),
		ev(0, eventlog.World, "attach_result", eventlog.F{"operator": "cmcc", "plmn": "46000", "ok": true, "cause": 0, "registration": "home"}),
		ev(time.Hour, eventlog.World, "attach_result", eventlog.F{"operator": "cmcc", "plmn": "20801", "ok": true, "cause": 0, "registration": "roaming"}),
		ev(time.Hour+5*time.Minute, eventlog.EUICC, "preferred_list_requested", eventlog.F{"serving_plmn": "20801"}),
		ev(time.Hour+5*time.Minute, eventlog.EUICC, "attempt", eventlog.F{"operator": "sfr", "via": "preinstalled"}),
		ev(time.Hour+5*time.Minute, eventlog.EUICC, "profile_enabled", eventlog.F{"iccid": "89331000000000000029", "operator": "sfr", "original": false, "role": "attempt"}),
		ev(time.Hour+5*time.Minute, eventlog.World, "attach_result", eventlog.F{"operator": "sfr", "plmn": "20810", "ok": false, "cause": 15, "registration": "denied"}),
		ev(time.Hour+6*time.Minute, eventlog.World, "attach_result", eventlog.F{"operator": "sfr", "plmn": "20810", "ok": true, "cause": 0, "registration": "home"}),
		ev(time.Hour+6*time.Minute, eventlog.EUICC, "notification_sent", eventlog.F{"kind": "attach-success", "to": "platform"}),
		// Switching back to the original profile is not an attempt.
		ev(time.Hour+7*time.Minute, eventlog.EUICC, "profile_enabled", eventlog.F{"iccid": "89860000000000000019", "operator": "cmcc", "original": true, "role": "fallback"}),
	}
}

// scn is the world of runLog, for the IMSI's operator.
var scn = Scenario{Network: Network{Operators: []Operator{{ID: "cmcc", PLMN: "46000"}, {ID: "sfr", PLMN: "20810"}, {ID: "orange-fr", PLMN: "20801"}}}}

// atHome is what the host reads at the end of runLog: home on SFR.
var atHome = EndRegistration{Registration: "home", PLMN: "20810", IMSI: "208100000000027"}

func TestCheck(t *testing.T) {
	two := 2
	tests := []struct {
		name   string
		expect Expect
		end    EndRegistration
		want   []string
	}{
		{"all match", Expect{
			Attempts: []string{"sfr"}, Final: &Final{Registration: "home", Operator: "sfr", PLMN: "20810"}, LastAttach: &LastAttach{"sfr", "home"},
			Notifications: []string{"attach-success@platform"}, ListRequests: new(int), Within: 2 * time.Hour,
		}, atHome, []string{"list_requests: got 1, want 0"}},
		{"nothing expected", Expect{}, atHome, nil},
		{"attempts differ", Expect{Attempts: []string{"sfr", "orange-fr"}}, atHome, []string{"attempts: got [sfr], want [sfr, orange-fr]"}},
		{"no attempts expected", Expect{Attempts: []string{}}, atHome, []string{"attempts: got [sfr], want []"}},
		{"final operator differs", Expect{Final: &Final{Registration: "home", Operator: "orange-fr"}}, atHome,
			[]string{"final: got home (subscriber sfr on 20810), want home (subscriber orange-fr)"}},
		// issue 8: the last successful attach is not where the run ends.
		{"final: unregistered at the end", Expect{Final: &Final{Registration: "home", Operator: "sfr"}, LastAttach: &LastAttach{"sfr", "home"}},
			EndRegistration{Registration: "denied", IMSI: "208100000000027"},
			[]string{"final: got denied (subscriber sfr), want home (subscriber sfr)"}},
		{"final: the card wants its PIN", Expect{Final: &Final{Registration: "home", Operator: "sfr"}},
			EndRegistration{Registration: "none", PIN: "SIM PIN"},
			[]string{"final: got none (subscriber none; the card wants its SIM PIN, which the host does not enter), want home (subscriber sfr)"}},
		{"final: searching expected", Expect{Final: &Final{Registration: "searching"}}, EndRegistration{Registration: "searching", IMSI: "460000000000019"}, nil},
		{"final plmn differs", Expect{Final: &Final{Registration: "home", PLMN: "20801"}}, atHome,
			[]string{"final: got home (subscriber sfr on 20810), want home on 20801"}},
		{"last attach differs", Expect{LastAttach: &LastAttach{"orange-fr", "home"}}, atHome, []string{"last_attach: got sfr (home) on 20810, want orange-fr (home)"}},
		{"notifications differ", Expect{Notifications: []string{"download-success@sfr", "attach-success@platform"}}, atHome,
			[]string{"notifications: got [attach-success@platform], want [download-success@sfr, attach-success@platform]"}},
		{"list requests", Expect{ListRequests: &two}, atHome, []string{"list_requests: got 1, want 2"}},
		{"too late", Expect{Within: time.Hour}, atHome, []string{"within: last successful attach at 1h6m0s, want no later than 1h0m0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scn
			s.Expect = tt.expect
			got := Check(&s, runLog(), tt.end)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// Duplicates count what the receivers logged as already taken, the
// card's own resends of an unanswered note included.
func TestCheckDuplicates(t *testing.T) {
	at := clock.Epoch.Add(time.Hour + 6*time.Minute)
	dup := append(runLog(),
		eventlog.Event{T: at, Actor: eventlog.Platform, Kind: "notification_duplicate", Fields: eventlog.F{"kind": "attach-failure", "report": 2}},
		eventlog.Event{T: at, Actor: eventlog.SMDP, Kind: "notification_duplicate", Fields: eventlog.F{"kind": "install", "operator": "sfr", "seq": 1}},
		// The card's event of the same name is no receiver's.
		eventlog.Event{T: at, Actor: eventlog.EUICC, Kind: "notification_duplicate", Fields: eventlog.F{}})
	zero, two := 0, 2
	tests := []struct {
		name   string
		events []eventlog.Event
		want   *int
		bad    []string
	}{
		{"none, none expected", runLog(), &zero, nil},
		{"two, none expected", dup, &zero, []string{"duplicates: got 2, want 0: attach-failure@platform report 2 again at 01:06:00, install@sfr seq 1 again at 01:06:00"}},
		{"two, two expected", dup, &two, nil},
		{"not checked", dup, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scn
			s.Expect = Expect{Duplicates: tt.want}
			if got := Check(&s, tt.events, atHome); !reflect.DeepEqual(got, tt.bad) {
				t.Errorf("Check = %q, want %q", got, tt.bad)
			}
		})
	}
}

func TestCheckNoAttach(t *testing.T) {
	evs := []eventlog.Event{{T: clock.Epoch, Actor: eventlog.World, Kind: "no_service", Fields: eventlog.F{}}}
	end := EndRegistration{Registration: "searching", IMSI: "208100000000027"}
	got := Check(&Scenario{Network: scn.Network, Expect: Expect{LastAttach: &LastAttach{"sfr", "home"}, Within: time.Hour}}, evs, end)
	want := []string{"last_attach: no successful attach, want sfr (home)", "within: no successful attach within 1h0m0s"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Check = %q", got)
	}
	if got := Check(&Scenario{Expect: Expect{Within: time.Hour}}, nil, end); len(got) != 1 {
		t.Errorf("Check(no events) = %q", got)
	}
}

// A run shorter than one check period fails every expectation of the
// method, and the first failure says why (outside tester sw75): once, not
// as one more failure; a run long enough has no such note.
func TestCheckRunShorterThanACheck(t *testing.T) {
	end := EndRegistration{Registration: "home", IMSI: "460000000000019"}
	for _, tc := range []struct {
		within, interval time.Duration
		note             bool
	}{
		{3 * time.Minute, 5 * time.Minute, true},
		{5 * time.Minute, 5 * time.Minute, false},
		{time.Hour, 5 * time.Minute, false},
	} {
		s := &Scenario{Network: scn.Network, Device: Device{CheckInterval: tc.interval}, Expect: Expect{Attempts: []string{"sfr"}, Within: tc.within}}
		got := Check(s, runLog()[:1], end)
		has := len(got) > 0 && strings.Contains(got[0], "the card made no periodic check")
		if len(got) != 2 || has != tc.note {
			t.Errorf("within %v, interval %v: %q (want the note: %v)", tc.within, tc.interval, got, tc.note)
		}
	}
}

func TestRegistrationOf(t *testing.T) {
	for stat, want := range map[int]string{0: "none", 1: "home", 2: "searching", 3: "denied", 4: "unknown", 5: "roaming"} {
		if got := RegistrationOf(stat); got != want {
			t.Errorf("stat %d: %s, want %s", stat, got, want)
		}
	}
	s := Scenario{Network: Network{Operators: []Operator{{ID: "a", PLMN: "31041"}, {ID: "b", PLMN: "310410"}}}}
	if got := s.OperatorOfIMSI("310410123456789"); got != "b" {
		t.Errorf("3-digit MNC: %s", got)
	}
}

// Unfired names the plan's entries no fault event names.
func TestUnfired(t *testing.T) {
	s := &Scenario{Faults: []Fault{
		{Kind: PowerCut, Event: "attach_attempt", Nth: 300},
		{Kind: AttachReject, Operator: "sfr", Attempt: 2, Cause: 15},
		{Kind: PowerCut, Event: "refresh", Nth: 1, Actor: "modem"},
	}}
	events := []eventlog.Event{
		{T: clock.Epoch.Add(time.Hour), Actor: eventlog.World, Kind: eventlog.KindFault, Fields: eventlog.F{"fault": "attach_reject", "entry": 1}},
		{T: clock.Epoch.Add(time.Hour), Actor: eventlog.Harness, Kind: eventlog.KindFault, Fields: eventlog.F{"fault": "power_cut", "entry": 7}}, // no such entry
	}
	got := Unfired(s, events)
	want := []string{"faults[0] (power_cut: attach_attempt, nth: 300) never fired", "faults[2] (power_cut: refresh, nth: 1, actor: modem) never fired"}
	if !slices.Equal(got, want) {
		t.Errorf("Unfired %q, want %q", got, want)
	}
}

// An unfired entry is named with what limits it: a subscriber, an
// attempt, a window (outside tester t268: "attach_reject, operator: sfr,
// attempt: 1" never fired though SFR's first attach was refused — it
// was limited to SFR's subscribers).
func TestUnfiredNamesItsLimits(t *testing.T) {
	s := &Scenario{Faults: []Fault{
		{Kind: AttachReject, Operator: "sfr", Subscriber: "sfr", Attempt: 1, Cause: 15},
		{Kind: Download, Name: "tampered_bpp", Operator: "sfr", Attempt: 2, From: time.Hour, Until: 90 * time.Minute},
		{Kind: CoverageLost, From: 2 * time.Hour},
		{Kind: AttachReject, Operator: "sfr", TAC: 0x2001, Cause: 13},
	}}
	want := []string{
		"faults[0] (attach_reject: 15, operator: sfr, subscriber: sfr, attempt: 1) never fired",
		"faults[1] (download: tampered_bpp, operator: sfr, attempt: 2, from: 1h0m0s, until: 1h30m0s) never fired",
		"faults[2] (coverage_lost, from: 2h0m0s) never fired",
		"faults[3] (attach_reject: 13, operator: sfr, tac: 0x2001) never fired",
	}
	if got := Unfired(s, []eventlog.Event{{T: clock.Epoch, Actor: eventlog.Harness, Kind: "run_started"}}); !slices.Equal(got, want) {
		t.Errorf("Unfired %q, want %q", got, want)
	}
}

// Overlapping windows of one kind and target make one window: an entry
// inside another's was in force though no edge names it; one in a window
// of another target, or starting after the run, was not.
func TestUnfiredMergedWindows(t *testing.T) {
	s := &Scenario{Faults: []Fault{
		{Kind: CoverageLost, Operator: "sfr", From: time.Hour},                       // fires (its edge)
		{Kind: CoverageLost, Operator: "sfr", From: 90 * time.Minute},                // inside 0: in force
		{Kind: CoverageLost, Operator: "orange-fr", From: 90 * time.Minute},          // another network's: never fired
		{Kind: CoverageLost, Operator: "sfr", From: 10 * time.Hour},                  // after the run's end
		{Kind: ATPortHang, From: time.Hour, Until: 2 * time.Hour},                    // fires
		{Kind: ATPortHang, From: 2 * time.Hour, Until: 3 * time.Hour},                // adjacent, not overlapping
		{Kind: CardAbsent, From: 30 * time.Minute, Until: 40 * time.Minute},          // alone, never fired
		{Kind: PlatformUnreachable, From: 20 * time.Minute, Until: 3 * time.Hour},    // fires
		{Kind: PlatformUnreachable, From: 40 * time.Minute, Until: 50 * time.Minute}, // inside 7
		{Kind: AttachReject, Operator: "sfr", From: time.Hour, Cause: 15},            // fires
		{Kind: AttachReject, Operator: "sfr", From: 90 * time.Minute, Cause: 11},     // shadowed: attach faults do not merge
	}}
	at := func(d time.Duration, entry int) eventlog.Event {
		return eventlog.Event{T: clock.Epoch.Add(d), Actor: eventlog.World, Kind: eventlog.KindFault, Fields: eventlog.F{"entry": entry}}
	}
	events := []eventlog.Event{
		{T: clock.Epoch, Actor: eventlog.Harness, Kind: "run_started"},
		at(20*time.Minute, 7), at(time.Hour, 0), at(time.Hour, 4), at(time.Hour, 9), at(3*time.Hour, 7),
		{T: clock.Epoch.Add(4 * time.Hour), Actor: eventlog.Harness, Kind: "run_ended"},
	}
	var got []int
	for _, u := range Unfired(s, events) {
		var i int
		fmt.Sscanf(u, "faults[%d]", &i)
		got = append(got, i)
	}
	if want := []int{2, 3, 5, 6, 10}; !slices.Equal(got, want) {
		t.Errorf("never fired: %v, want %v (%q)", got, want, Unfired(s, events))
	}
}

// A notification its receiver answered with a refusal is not delivered:
// expect.notifications does not count it, and the mismatch says why.
func TestCheckRefusedNotification(t *testing.T) {
	log := append(runLog(), eventlog.Event{T: clock.Epoch.Add(time.Hour + 8*time.Minute), Actor: eventlog.EUICC, Kind: "notification_sent",
		Fields: eventlog.F{"kind": "install", "to": "smdp.sfr.test", "seq": 4, "refused": "handleNotification: Failed 8.10.1/3.9: install result for an unknown transactionId"}})
	s := scn
	s.Expect = Expect{Notifications: []string{"attach-success@platform", "install@smdp.sfr.test"}}
	want := []string{"notifications: got [attach-success@platform], want [attach-success@platform, install@smdp.sfr.test]; refused by their receiver, so not delivered: " +
		"install@smdp.sfr.test (handleNotification: Failed 8.10.1/3.9: install result for an unknown transactionId)"}
	if got := Check(&s, log, atHome); !reflect.DeepEqual(got, want) {
		t.Errorf("Check =\n%q\nwant\n%q", got, want)
	}
	s.Expect = Expect{Notifications: []string{"attach-success@platform"}}
	if got := Check(&s, log, atHome); got != nil {
		t.Errorf("Check = %q, want nothing: the refused one is not delivered", got)
	}
}

func TestDroppedNotes(t *testing.T) {
	drop := func(kind string, report int, reason string) eventlog.Event {
		return eventlog.Event{T: clock.Epoch, Actor: eventlog.EUICC, Kind: "note_dropped", Fields: eventlog.F{"kind": kind, "report": report, "reason": reason}}
	}
	full := "outbox full: 64 notes owed, the oldest list-exhausted makes room"
	many := []eventlog.Event{}
	for i := range 10 {
		many = append(many, drop("list-exhausted", i+1, full))
	}
	tests := []struct {
		name   string
		events []eventlog.Event
		want   string
	}{
		{"none", runLog(), ""},
		{"a refusal is not counted", []eventlog.Event{drop("attach-failure", 1, "http status 400: plmn")}, ""},
		{"two kinds", []eventlog.Event{drop("list-exhausted", 3, full), drop("attach-failure", 4, full), drop("list-exhausted", 5, full)},
			"the card dropped 3 notes from its full outbox, which the platform never got: 1 attach-failure, 2 list-exhausted (reports 3, 4, 5)"},
		{"many: the first eight", many,
			"the card dropped 10 notes from its full outbox, which the platform never got: 10 list-exhausted (reports 1, 2, 3, 4, 5, 6, 7, 8, …)"},
	}
	for _, tc := range tests {
		if got := DroppedNotes(tc.events); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		// The same log written and read back line by line says the same.
		var b bytes.Buffer
		if err := eventlog.WriteLines(&b, tc.events); err != nil {
			t.Fatal(err)
		}
		if n, err := NotesInLog(&b); err != nil || n.Dropped != tc.want {
			t.Errorf("%s: NotesInLog dropped %q, %v; want %q", tc.name, n.Dropped, err, tc.want)
		}
	}
	// A note_dropped line that does not decode is named, not skipped.
	bad := `{"t":"2026-01-01T00:00:00Z","actor":"euicc","event":"note_dropped","kind":` + "\n"
	if _, err := NotesInLog(strings.NewReader("{}\n" + bad)); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("NotesInLog of a cut line: %v, want an error naming line 2", err)
	}
	// A line over the bound is named by number and length, not as
	// bufio.Scanner's "token too long", and the notes after it are still
	// found (outside tester sw127 F3).
	var b bytes.Buffer
	if err := eventlog.WriteLines(&b, []eventlog.Event{drop("list-exhausted", 3, full)}); err != nil {
		t.Fatal(err)
	}
	huge := `{"t":"2026-01-01T00:00:00Z","actor":"euicc","event":"ignored","input":"` + strings.Repeat("A", eventlog.MaxLine) + `"}` + "\n"
	n, err := NotesInLog(strings.NewReader("{}\n" + huge + b.String()))
	if want := "line 2: " + eventlog.TooLong(int64(len(huge)-1)).Error(); err == nil || err.Error() != want {
		t.Errorf("NotesInLog past an over-long line: error %v, want %q", err, want)
	}
	if !strings.Contains(n.Dropped, "list-exhausted (reports 3)") {
		t.Errorf("NotesInLog past an over-long line: %q, want the note after it", n.Dropped)
	}
	if _, err := ReadEvents(strings.NewReader(b.String() + huge)); err == nil || !strings.HasPrefix(err.Error(), "line 2: ") {
		t.Errorf("ReadEvents of an over-long line: %v, want an error naming line 2", err)
	}
	// A t that is no string is quoted as it is (outside tester sw127 F14).
	for in, want := range map[string]string{
		`{"t": 12345, "actor":"euicc","event":"x"}`: "line 1: t: 12345 is no RFC 3339 time (a JSON number, want a string)",
		`{"actor":"euicc","event":"x"}`:             "line 1: t: missing (want an RFC 3339 time)",
		`{"t":"soon","actor":"euicc","event":"x"}`:  `line 1: t: "soon" is no RFC 3339 time`,
	} {
		if _, err := ReadEvents(strings.NewReader(in + "\n")); err == nil || err.Error() != want {
			t.Errorf("ReadEvents(%s): %v, want %q", in, err, want)
		}
	}
}

// Long lists are worded by where they first differ, short ones whole.
func TestGotWant(t *testing.T) {
	seq := func(n int, last string) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("n%d", i)
		}
		if last != "" {
			s[n-1] = last
		}
		return s
	}
	tests := []struct {
		name      string
		got, want []string
		msg       string
	}{
		{"short", []string{"a", "b"}, []string{"a", "c"}, "got [a, b], want [a, c]"},
		{"long, differs at 1", append([]string{"cmcc"}, seq(47, "")...), []string{"cmcc", "kddi"},
			"got 48, want 2; they first differ at [1]: got n0, want kddi (got [cmcc, n0, n1, n2 …], want [cmcc, kddi])"},
		{"long, one more", seq(12, ""), seq(11, ""), "got 12, want 11; they first differ at [11]: got n11, want nothing more (got [… n9, n10, n11], want [… n9, n10])"},
		{"long, last differs", seq(12, "x"), seq(12, ""), "got 12, want 12; they first differ at [11]: got x, want n11 (got [… n9, n10, x], want [… n9, n10, n11])"},
	}
	for _, tc := range tests {
		if got := gotWant(tc.got, tc.want); got != tc.msg {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.msg)
		}
	}
}

// TestCheckFinalSaysWhy: a final state on another operator than expected
// says the card's last word on the one expected (outside tester sw80: a
// quota's 403 was only in download_result).
func TestCheckFinalSaysWhy(t *testing.T) {
	evs := append(runLog(),
		eventlog.Event{T: clock.Epoch.Add(time.Hour + 20*time.Minute), Actor: eventlog.EUICC, Kind: "download_result",
			Fields: eventlog.F{"operator": "orange-fr", "ok": false, "reason": "http status 403: eligibility: daily quota reached (3 per day)"}},
		eventlog.Event{T: clock.Epoch.Add(time.Hour + 21*time.Minute), Actor: eventlog.EUICC, Kind: "attempt_skipped",
			Fields: eventlog.F{"operator": "sfr", "reason": "repeated in list"}})
	s := scn
	s.Expect = Expect{Final: &Final{Registration: "home", Operator: "orange-fr"}}
	want := []string{"final: got home (subscriber sfr on 20810), want home (subscriber orange-fr); the card's last word on orange-fr: download_result at 1h20m0s: http status 403: eligibility: daily quota reached (3 per day)"}
	if got := Check(&s, evs, atHome); !reflect.DeepEqual(got, want) {
		t.Errorf("Check = %q\nwant %q", got, want)
	}
}

// The card's last word may be a list it passed over, each operator's
// reason in it (outside tester sw83: an older failure was named).
func TestCheckFinalSaysWhyPassedOver(t *testing.T) {
	evs := append(runLog(),
		eventlog.Event{T: clock.Epoch.Add(time.Hour + 20*time.Minute), Actor: eventlog.EUICC, Kind: "download_result",
			Fields: eventlog.F{"operator": "orange-fr", "ok": false, "reason": "install failed: bppCommandId 2 errorReason 10"}},
		eventlog.Event{T: clock.Epoch.Add(time.Hour + 25*time.Minute), Actor: eventlog.EUICC, Kind: "list_passed_over",
			Fields: eventlog.F{"trigger": "list", "operators": []string{"orange-fr"}, "reasons": []string{"orange-fr: no room on the card"}}})
	s := scn
	s.Expect = Expect{Final: &Final{Registration: "home", Operator: "orange-fr"}}
	want := []string{"final: got home (subscriber sfr on 20810), want home (subscriber orange-fr); the card's last word on orange-fr: list_passed_over at 1h25m0s: no room on the card"}
	if got := Check(&s, evs, atHome); !reflect.DeepEqual(got, want) {
		t.Errorf("Check = %q\nwant %q", got, want)
	}
}
