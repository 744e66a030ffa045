package timeline

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/internal/codec/apdu"
	"github.com/esimhil/esimhil/internal/codec/gsmtap"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

func writeArtifacts(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const sampleEvents = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":7}
{"t":"2026-01-01T00:00:00Z","actor":"modem","event":"card","iccid":"89860000000000000019","present":true}
{"t":"2026-01-01T00:00:02.5Z","actor":"world","event":"attach_attempt","operator":"cmcc","plmn":"46000"}
{"t":"2026-01-01T00:00:02.5Z","actor":"world","event":"attach_result","ok":false,"operator":"cmcc","plmn":"46000","cause":15}
{"t":"2026-01-01T01:00:00Z","actor":"harness","event":"fault","download":"tls_failure","operator":"sfr","on":true}
{"t":"2026-01-01T01:00:00Z","actor":"smdp","event":"es9_error","operator":"sfr","function":"initiateAuthentication","subject":"8.1","reason":"3.8"}
{"t":"2026-01-01T01:30:00Z","actor":"harness","event":"fault","download":"tls_failure","operator":"sfr","on":false}
{"t":"2026-01-01T02:00:00Z","actor":"harness","event":"fault","power_cut":"bpp_sent","nth":1,"off":"30s"}
{"t":"2026-01-01T03:00:00Z","actor":"harness","event":"fault","at":"smdp","entry":0,"fault":"download","name":"tampered_bpp","target":"sfr"}
`

const sampleAT = `2026-01-01T00:00:00Z > ATE0
2026-01-01T00:00:00Z < OK
2026-01-01T00:00:00Z > AT+CCHO="A0000005591010FFFFFFFF8900000100"
2026-01-01T00:00:00Z < +CCHO: 1
2026-01-01T00:00:00Z < OK
2026-01-01T00:00:00Z > AT+CGLA=1,22,"81E2910006BF3E035C015A"
2026-01-01T00:00:00Z < +CGLA: 46,"BF3E125A10890490320000010000000000000001719000"
2026-01-01T00:00:00Z < OK
2026-01-01T00:00:01Z > AT+CGLA=1,16,"81E2910003BF2D00"
2026-01-01T00:00:01Z < +CGLA: 4,"6A88"
2026-01-01T00:00:01Z < OK
2026-01-01T00:00:02.5Z < +CEREG: 3,"1000","00010001",7
2026-01-01T00:00:03Z > AT+FOO
2026-01-01T00:00:03Z < ERROR
2026-01-01T00:00:04Z > AT+CFUN? (ignored: powered off)
`

func TestBuildReadsEveryArtifact(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{"events.jsonl": sampleEvents, "at.log": sampleAT})
	tl, err := Build(dir, Run{Name: "x", Verdict: "fail", Mismatches: []string{"attempts: got [], want [sfr]"}})
	if err != nil {
		t.Fatal(err)
	}
	// The capture is missing: the page says so instead of pretending.
	if !strings.Contains(strings.Join(tl.Notes, "\n"), "traffic.pcapng: not in the run's directory") {
		t.Errorf("notes %q do not report the missing capture", tl.Notes)
	}
	var lanes []string
	for _, l := range tl.Lanes {
		lanes = append(lanes, l.ID)
	}
	if got, want := strings.Join(lanes, " "), "world host modem card platform smdp:sfr"; got != want {
		t.Errorf("lanes %q, want %q", got, want)
	}
	find := func(label string) Item {
		t.Helper()
		for _, it := range tl.Items {
			if it.Label == label {
				return it
			}
		}
		t.Fatalf("no row %q in %v", label, labels(tl))
		return Item{}
	}
	tests := []struct {
		label        string
		from, to     string
		kind         Kind
		failed, rply bool
	}{
		{"ATE0", LaneHost, LaneModem, KindAT, false, false},
		{"OK", LaneModem, LaneHost, KindAT, false, true},
		{"ES10 GetEID (BF3E)", LaneModem, LaneCard, KindES10, false, false},
		{"SW 9000 · 21 bytes · EID 89049032000001000000000000000171", LaneCard, LaneModem, KindES10, false, true},
		{"ES10 GetProfilesInfo (BF2D)", LaneModem, LaneCard, KindES10, false, false},
		{"SW 6A88", LaneCard, LaneModem, KindES10, true, true},
		{`+CEREG: 3,"1000","00010001",7`, LaneModem, LaneHost, KindAT, false, true},
		{"ERROR", LaneModem, LaneHost, KindAT, true, true},
		{"AT+CFUN? (ignored: powered off)", LaneHost, LaneModem, KindAT, true, false},
		{"attach_attempt operator=cmcc plmn=46000", LaneModem, LaneWorld, KindEvent, false, false},
		{"attach_result cause=15 ok=false operator=cmcc plmn=46000", LaneWorld, LaneModem, KindEvent, true, true},
		{"es9_error function=initiateAuthentication operator=sfr reason=3.8 subject=8.1", "smdp:sfr", "", KindEvent, true, false},
		{"fault download=tls_failure on=true operator=sfr", "smdp:sfr", "", KindFault, false, false},
		{"fault nth=1 off=30s power_cut=bpp_sent", LaneModem, "", KindFault, false, false},
		{"fault at=smdp entry=0 fault=download name=tampered_bpp target=sfr", "smdp:sfr", "", KindFault, false, false},
	}
	for _, tc := range tests {
		it := find(tc.label)
		if it.From != tc.from || it.To != tc.to || it.Kind != tc.kind || it.Failed != tc.failed || it.Reply != tc.rply {
			t.Errorf("%q: got %s→%s %s failed=%v reply=%v, want %s→%s %s failed=%v reply=%v",
				tc.label, it.From, it.To, it.Kind, it.Failed, it.Reply, tc.from, tc.to, tc.kind, tc.failed, tc.rply)
		}
	}
	// The rig's start comes before the host's first command.
	if tl.Items[0].Label != "run_started scenario=x seed=7" {
		t.Errorf("first row %q", tl.Items[0].Label)
	}
	for i := 1; i < len(tl.Items); i++ {
		if tl.Items[i].T.Before(tl.Items[i-1].T) {
			t.Fatalf("row %d (%s) before row %d in time", i, tl.Items[i].Label, i-1)
		}
	}
}

func labels(tl *Timeline) []string {
	var out []string
	for _, it := range tl.Items {
		out = append(out, it.Label)
	}
	return out
}

func TestFaultWindows(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	var fw faultWindows
	for _, e := range []event{
		{T: at(10), Actor: "harness", Kind: "fault", Fields: map[string]any{"platform": "unreachable"}},
		{T: at(20), Actor: "harness", Kind: "fault", Fields: map[string]any{"platform": "reachable"}},
		{T: at(30), Actor: "harness", Kind: "fault", Fields: map[string]any{"download": "tampered_bpp", "operator": "sfr", "on": true}},
		{T: at(40), Actor: "harness", Kind: "fault", Fields: map[string]any{"download": "eligibility_refused", "operator": "sfr"}},
		{T: at(50), Actor: "harness", Kind: "fault", Fields: map[string]any{"at": "platform", "fault": "platform_unreachable", "target": "platform", "on": true}},
		{T: at(55), Actor: "harness", Kind: "fault", Fields: map[string]any{"at": "smdp", "fault": "download", "name": "truncated_bpp", "target": "sfr"}},
		{T: at(60), Actor: "harness", Kind: "fault", Fields: map[string]any{"at": "platform", "fault": "platform_unreachable", "target": "platform", "on": false}},
	} {
		fw.add(e)
	}
	tests := []struct {
		lane string
		min  int
		want string
	}{
		{LanePlatform, 5, ""},
		{LanePlatform, 10, "unreachable"},
		{LanePlatform, 19, "unreachable"},
		{LanePlatform, 20, ""},
		{SMDPLane("sfr"), 29, ""},
		{SMDPLane("sfr"), 35, "tampered_bpp"},
		{SMDPLane("sfr"), 40, "tampered_bpp"}, // eligibility_refused: an injection at one moment (tagInstants)
		{SMDPLane("sfr"), 41, "tampered_bpp"},
		{SMDPLane("orange"), 35, ""},
		{LanePlatform, 52, "platform_unreachable"},
		{LanePlatform, 60, ""},
		{SMDPLane("sfr"), 55, "tampered_bpp"},
		{SMDPLane("sfr"), 56, "tampered_bpp"},
	}
	for _, tc := range tests {
		if got := strings.Join(fw.activeOn(tc.lane, at(tc.min)), " "); got != tc.want {
			t.Errorf("%s at %d min: %q, want %q", tc.lane, tc.min, got, tc.want)
		}
	}
}

// TestFaultTagsTheMessageItHit: a fault injected at one moment names the
// first message to or from its lane after its row, in its instant — not
// every message of the instant (a download is one simulated instant), and
// not a later one when the message it would have spoilt never came.
func TestFaultTagsTheMessageItHit(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	sfr := SMDPLane("sfr")
	var fw faultWindows
	fault := func(tm time.Time, f map[string]any) Item {
		lane, n := fw.add(event{T: tm, Actor: "harness", Kind: "fault", Fields: f})
		return Item{T: tm, From: lane, Kind: KindFault, Label: fmt.Sprint(f["name"]), fault: n}
	}
	msg := func(tm time.Time, from, to, label string) Item {
		return Item{T: tm, From: from, To: to, Kind: KindES9, Label: label, Reply: from != LaneCard}
	}
	later := t0.Add(10 * time.Minute)
	items := []Item{
		msg(t0, LaneCard, sfr, "initiateAuthentication"),
		msg(t0, sfr, LaneCard, "initiateAuthentication answer"),
		fault(t0, map[string]any{"at": "card", "fault": "download", "name": "bad_euicc_signature", "target": "sfr"}),
		msg(t0, LaneCard, sfr, "authenticateClient"),
		msg(t0, sfr, LaneCard, "authenticateClient answer"),
		msg(t0, LaneCard, sfr, "getBoundProfilePackage"),
		fault(t0, map[string]any{"at": "smdp", "fault": "download", "name": "tampered_bpp", "target": "sfr"}),
		{T: t0, From: LaneCard, Kind: KindEvent, Label: "an event between"},
		msg(t0, sfr, LaneCard, "getBoundProfilePackage answer"),
		msg(t0, LaneCard, sfr, "handleNotification"),
		fault(t0, map[string]any{"at": "smdp", "fault": "download", "name": "tls_failure", "target": "sfr"}),
		msg(later, LaneCard, sfr, "initiateAuthentication, later"),
		// A reset in flight is logged after the answer that never came.
		msg(later, LaneCard, sfr, "getBoundProfilePackage, reset"),
		{T: later, From: sfr, To: LaneCard, Kind: KindES9, Reply: true, Label: "no answer", unanswered: true},
		fault(later, map[string]any{"at": "smdp", "fault": "download", "name": "connection_reset", "target": "sfr"}),
		msg(later, LaneCard, sfr, "cancelSession"),
	}
	fw.tagInstants(items)
	var got []string
	for _, it := range items {
		if len(it.Faults) > 0 {
			got = append(got, it.Label+": "+strings.Join(it.Faults, " "))
		}
	}
	want := []string{"authenticateClient: bad_euicc_signature", "getBoundProfilePackage answer: tampered_bpp", "no answer: connection_reset"}
	if !slices.Equal(got, want) {
		t.Errorf("tagged %q, want %q", got, want)
	}
}

// TestRadioFaultTagsTheAttachResult: an attach fault (logged by the world
// between the attempt and the network's answer) names the attach_result
// arrow it decided, not the attempt before it, not a later attempt's, and
// a server's fault pending in the same instant still waits for its HTTP
// message.
func TestRadioFaultTagsTheAttachResult(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 1, 0, 2, 0, time.UTC)
	var fw faultWindows
	fault := func(f map[string]any) Item {
		lane, n := fw.add(event{T: t0, Actor: "world", Kind: "fault", Fields: f})
		return Item{T: t0, From: lane, Kind: KindFault, fault: n}
	}
	arrow := func(from, to, label string) Item {
		return Item{T: t0, From: from, To: to, Kind: KindEvent, Label: label, Reply: from == LaneWorld}
	}
	items := []Item{
		fault(map[string]any{"at": "platform", "fault": "no_ack", "target": "platform"}),
		arrow(LaneModem, LaneWorld, "attach_attempt 20810"),
		fault(map[string]any{"at": "world", "fault": "attach_reject", "cause": 15, "target": "sfr"}),
		arrow(LaneWorld, LaneModem, "attach_result 20810 denied"),
		arrow(LaneModem, LaneWorld, "attach_attempt 20801"),
		arrow(LaneWorld, LaneModem, "attach_result 20801 denied"),
		{T: t0, From: LaneCard, To: LanePlatform, Kind: KindHTTP, Label: "POST /v1/notifications"},
	}
	fw.tagInstants(items)
	var got []string
	for _, it := range items {
		if len(it.Faults) > 0 {
			got = append(got, it.Label+": "+strings.Join(it.Faults, " "))
		}
	}
	want := []string{"attach_result 20810 denied: attach_reject", "POST /v1/notifications: no_ack"}
	if !slices.Equal(got, want) {
		t.Errorf("tagged %q, want %q", got, want)
	}
}

// TestPowerCutNamesTheAnswerNeverRead: a power cut right after a server
// answered the card, before the card read the answer (no Data available
// envelope or RECEIVE DATA on its channel between; without an APDU lane,
// no event of the card), names that answer and ends its arrow at the
// modem; an answer the card went on to read, or one of another instant,
// keeps its arrow to the card.
func TestPowerCutNamesTheAnswerNeverRead(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)
	sfr := SMDPLane("sfr")
	req := Item{T: t0, From: LaneCard, To: sfr, Kind: KindES9, Label: "getBoundProfilePackage"}
	ans := Item{T: t0, From: sfr, To: LaneCard, Kind: KindES9, Reply: true, Label: "answer"}
	read := Item{T: t0, From: LaneAPDU, Kind: KindAPDU, Label: "ENVELOPE event download (data available)", bip: bipUse{read: true, ch: 1}}
	readOther := Item{T: t0, From: LaneAPDU, Kind: KindAPDU, Label: "ENVELOPE event download (data available) ch 2", bip: bipUse{read: true, ch: 2}}
	timer := Item{T: t0, From: LaneAPDU, Kind: KindAPDU, Label: "FETCH TIMER MANAGEMENT"}
	cardEvent := Item{T: t0, From: LaneCard, Kind: KindEvent, Label: "profile_installed"}
	smdpEvent := Item{T: t0, From: sfr, Kind: KindEvent, Label: "bpp_sent"}
	send := Item{T: t0, From: LaneAPDU, Kind: KindAPDU, Label: "FETCH SEND DATA", bip: bipUse{send: true, ch: 1}}
	for _, tc := range []struct {
		name   string
		fields map[string]any
		before []Item // between the answer and the cut
		late   bool   // the cut an instant after the answer
		noLane bool   // the capture has no APDU lane (no SEND DATA before the answer)
		unread bool
	}{
		{name: "cut at the server's event", fields: map[string]any{"fault": "power_cut", "name": "bpp_sent", "at": "modem", "target": "device"}, before: []Item{smdpEvent}, unread: true},
		{name: "cut in the older form", fields: map[string]any{"power_cut": "bpp_sent"}, unread: true},
		{name: "the card read it", fields: map[string]any{"fault": "power_cut", "name": "bpp_sent", "at": "modem"}, before: []Item{read}},
		{name: "the card acted on it, no lane", fields: map[string]any{"fault": "power_cut", "name": "profile_installed", "at": "modem"}, before: []Item{cardEvent}, noLane: true},
		{name: "no lane, nothing of the card", fields: map[string]any{"fault": "power_cut", "name": "bpp_sent", "at": "modem"}, before: []Item{smdpEvent}, noLane: true, unread: true},
		// The lane is the record of what the card took: other APDUs
		// (a timer, the tail of SEND DATA) and a read of another
		// channel are no read of this answer (sw53, F1).
		{name: "only a timer after it", fields: map[string]any{"fault": "power_cut", "name": "bpp_sent", "at": "modem"}, before: []Item{timer}, unread: true},
		{name: "a read of another channel", fields: map[string]any{"fault": "power_cut", "name": "bpp_sent", "at": "modem"}, before: []Item{readOther}, unread: true},
		{name: "a card event but no read on the lane", fields: map[string]any{"fault": "power_cut", "name": "bpp_sent", "at": "modem"}, before: []Item{timer, cardEvent}, unread: true},
		{name: "a later instant", fields: map[string]any{"fault": "power_cut", "name": "refresh", "at": "modem"}, late: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fw faultWindows
			ct := t0
			if tc.late {
				ct = t0.Add(time.Minute)
			}
			lane, n := fw.add(event{T: ct, Actor: "harness", Kind: "fault", Fields: tc.fields})
			items := []Item{req, send, ans}
			if tc.noLane {
				items = []Item{req, ans}
			}
			at := len(items) - 1
			items = append(items, tc.before...)
			items = append(items, Item{T: ct, From: lane, Kind: KindFault, fault: n})
			fw.tagInstants(items)
			a := items[at]
			if got := a.To == LaneModem; got != tc.unread {
				t.Errorf("answer's arrow ends at %s; unread %v, want %v", a.To, got, tc.unread)
			}
			if tc.unread {
				if !slices.Equal(a.Faults, []string{"power_cut after bpp_sent"}) || !strings.Contains(a.Label, "never read by the card") || !strings.Contains(a.Detail, "reached the device") {
					t.Errorf("unread answer: faults %q, label %q, detail %q", a.Faults, a.Label, a.Detail)
				}
			} else if len(a.Faults) > 0 || a.Label != "answer" {
				t.Errorf("answer tagged %q, label %q", a.Faults, a.Label)
			}
		})
	}
}

// TestDamagedLogsKeepRowsAtTheirTime: damage to one log neither takes
// the rows after it off the page nor moves rows away from their own time,
// and the page says what it did.
func TestDamagedLogsKeepRowsAtTheirTime(t *testing.T) {
	events := strings.SplitAfter(sampleEvents, "\n")
	events = events[:len(events)-1]
	lines := func(n int) string { // n lines of marks: every line after all the events
		return strings.Repeat(fmt.Sprintf("%d\n", len(events)), n)
	}
	atLines := strings.Count(sampleAT, "\n")
	for _, tc := range []struct {
		name   string
		files  map[string]string
		notes  []string // each must be in a note
		row    string   // a row that must be on the page …
		rowAt  string   // … at this time
		absent bool     // events.jsonl empty: no event rows
	}{
		{
			name:  "a bad line in the middle of at.log",
			files: map[string]string{"events.jsonl": sampleEvents, "at.log": strings.Replace(sampleAT, "2026-01-01T00:00:00Z < +CCHO: 1\n", "\xff\xfe garbage\n2026-01-01T00:00:00Z < +CCHO: 1\n", 1)},
			notes: []string{"at.log: line 4 unreadable", "left out, the rest of the file was read"},
			row:   "AT+FOO", rowAt: "2026-01-01T00:00:03Z",
		},
		{
			name:  "marks past every event, and lines added to events.jsonl",
			files: map[string]string{"events.jsonl": "not json\n" + strings.Join(events[:2], "") + "{\n" + strings.Join(events[2:], ""), "at.log": sampleAT, ATMarksFile: lines(atLines)},
			notes: []string{"events.jsonl: 2 lines unreadable", "at.log: ", "rows are at their own time, not where their at.marks marks put them"},
			row:   "ATE0", rowAt: "2026-01-01T00:00:00Z",
		},
		{
			name:  "at.marks that are not counts",
			files: map[string]string{"events.jsonl": sampleEvents, "at.log": sampleAT, ATMarksFile: "hello world\n"},
			notes: []string{`at.marks: line 1 is not a count of events ("hello world"); at.log's rows are at their own time`},
			row:   "AT+FOO", rowAt: "2026-01-01T00:00:03Z",
		},
		{
			name:  "at.marks shorter than at.log",
			files: map[string]string{"events.jsonl": sampleEvents, "at.log": sampleAT, ATMarksFile: "0\n0\n"},
			notes: []string{fmt.Sprintf("at.marks: 2 marks for the %d lines of at.log: the last %d rows are at their own time", atLines, atLines-2)},
			row:   "AT+FOO", rowAt: "2026-01-01T00:00:03Z",
		},
		{
			name:  "an empty events.jsonl",
			files: map[string]string{"events.jsonl": "", "at.log": sampleAT},
			notes: []string{"events.jsonl: empty"},
			row:   "AT+FOO", rowAt: "2026-01-01T00:00:03Z",
			absent: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl, err := Build(writeArtifacts(t, tc.files), Run{Name: "damaged"})
			if err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(tl.Notes, "\n")
			for _, want := range tc.notes {
				if !strings.Contains(notes, want) {
					t.Errorf("notes %q lack %q", notes, want)
				}
			}
			at, _ := time.Parse(time.RFC3339, tc.rowAt)
			found, evRows := false, 0
			for _, it := range tl.Items {
				found = found || it.Label == tc.row && it.T.Equal(at)
				if it.Kind == KindEvent {
					evRows++
				}
			}
			if !found {
				t.Errorf("no row %q at %s", tc.row, tc.rowAt)
			}
			if (evRows == 0) != tc.absent {
				t.Errorf("%d event rows", evRows)
			}
			// Every AT row keeps at.log's own time.
			for _, it := range tl.Items {
				if it.Kind == KindAT && !strings.HasPrefix(it.Source, "at.log:") {
					t.Errorf("AT row %q from %s", it.Label, it.Source)
				}
			}
		})
	}
}

func TestBadArtifactsAreNotedNotFatal(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{
		"events.jsonl":   sampleEvents + "{not json\n",
		"at.log":         "yesterday > AT\n",
		"traffic.pcapng": "not a capture",
	})
	tl, err := Build(dir, Run{Name: "bad"})
	if err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(tl.Notes, "\n")
	for _, want := range []string{"events.jsonl: line 10 unreadable", "at.log: line 1 unreadable (parsing time", "traffic.pcapng:"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	// What was read before the bad line is still shown.
	if len(tl.Items) < 8 {
		t.Errorf("%d rows, want the 8 events read before the bad line", len(tl.Items))
	}
	var page bytes.Buffer
	if err := tl.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "This page is incomplete or approximate") {
		t.Error("page does not say it is incomplete")
	}
}

// A bidi override in a run's name, a mismatch, a lane or a row is shown
// as its escape on the page, never obeyed: it would reverse the text
// after it, "want [orange-fr]" read as "[rf-egnaro] tnaw".
func TestPageShowsBidiOverrides(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{"events.jsonl": sampleEvents, "at.log": sampleAT})
	tl, err := Build(dir, Run{Name: "\u202eLMTH", Verdict: "fail", Mismatches: []string{"attempts: got [sfr\u202e], want [orange-fr]"},
		SMDP: map[string]string{"smdp.test": "sfr\u2067"}})
	if err != nil {
		t.Fatal(err)
	}
	tl.Items[0].Label = "row \u202e label"
	var page bytes.Buffer
	if err := tl.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	s := page.String()
	for _, r := range []rune{'\u202e', '\u2067'} {
		if strings.ContainsRune(s, r) {
			t.Errorf("page holds %U itself", r)
		}
	}
	for _, want := range []string{`got [sfr\u202e], want [orange-fr]`, `\u202eLMTH`, `row \\u202e label`} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// A C0 control in a hostile or odd log — the ESC a host sends before
// its command, a BEL or NUL in a peer's value — is shown as its escape,
// as a bidi control is: raw, the page would show nothing where it was.
// TAB and line ends stay white space.
func TestPageShowsC0Controls(t *testing.T) {
	for _, tc := range []struct {
		name         string
		events, at   string
		run          Run
		label, inRow string // a row's label, and what it or its detail holds
		head         string // what the page's head holds, if anything
	}{
		{name: "ESC before a command in at.log", at: "2026-01-01T00:00:00Z > \x1bAT+CMGF=0\n2026-01-01T00:00:00Z < OK\n",
			label: `\u001bAT+CMGF=0`, inRow: `\u001bAT+CMGF=0`},
		{name: "BEL in an event's value", events: `{"t":"2026-01-01T00:00:00Z","actor":"world","event":"attach_attempt","operator":"or\u0007ange"}` + "\n",
			label: `attach_attempt operator=or\u0007ange`, inRow: "operator: or\\u0007ange\n"},
		{name: "NUL and ESC in a quoted value", events: `{"t":"2026-01-01T00:00:00Z","actor":"world","event":"note","text":"a \u0000b\u001b[2J"}` + "\n",
			label: `note text="a \x00b\x1b[2J"`, inRow: `text: "a \x00b\x1b[2J"`}, // %q's own escapes
		{name: "ESC in the run's name and a mismatch", events: sampleEvents,
			run:  Run{Name: "x\x1b[31mred", Verdict: "fail", Mismatches: []string{"attempts: got [sfr\x07]"}},
			head: `x\u001b[31mred`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"events.jsonl": tc.events, "at.log": tc.at}
			if tc.events == "" {
				files["events.jsonl"] = sampleEvents
			}
			dir := writeArtifacts(t, files)
			run := tc.run
			if run.Name == "" {
				run = Run{Name: "c0", Verdict: "pass"}
			}
			tl, err := Build(dir, run)
			if err != nil {
				t.Fatal(err)
			}
			var page bytes.Buffer
			if err := tl.WriteHTML(&page); err != nil {
				t.Fatal(err)
			}
			if i := bytes.IndexFunc(page.Bytes(), func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }); i >= 0 {
				t.Errorf("page holds control 0x%02x itself: %q", page.Bytes()[i], page.Bytes()[max(i-20, 0):i+1])
			}
			head, _, _ := bytes.Cut(page.Bytes(), []byte(`<script id="data"`))
			if tc.head != "" && !bytes.Contains(head, []byte(tc.head)) {
				t.Errorf("head lacks %q", tc.head)
			}
			if tc.run.Mismatches != nil && !bytes.Contains(head, []byte(`got [sfr\u0007]`)) {
				t.Error("mismatch's BEL not shown")
			}
			m := regexp.MustCompile(`(?s)<script id="data" type="application/json">(.*?)</script>`).FindSubmatch(page.Bytes())
			if m == nil {
				t.Fatal("no data")
			}
			var d pageData
			if err := json.Unmarshal(m[1], &d); err != nil {
				t.Fatal(err)
			}
			if tc.label == "" {
				return
			}
			for _, it := range d.Items {
				if strings.Contains(it.Label, tc.label) {
					if !strings.Contains(it.Label+"\n"+it.Detail, tc.inRow) {
						t.Errorf("row %q, detail %q: lacks %q", it.Label, it.Detail, tc.inRow)
					}
					if strings.ContainsFunc(it.Label+it.Detail, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' }) {
						t.Errorf("row %q, detail %q: holds a control itself", it.Label, it.Detail)
					}
					return
				}
			}
			var labels []string
			for _, it := range d.Items {
				labels = append(labels, it.Label)
			}
			t.Errorf("no row shows %q: %q", tc.label, labels)
		})
	}
}

func TestPageIsSelfContained(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{"events.jsonl": sampleEvents, "at.log": sampleAT})
	tl, err := Build(dir, Run{Name: `<script>alert("x")</script>`, Verdict: "pass"})
	if err != nil {
		t.Fatal(err)
	}
	// A label that could close the data's script element.
	tl.Items[0].Label = "</script><script>alert(1)</script>"
	var page bytes.Buffer
	if err := tl.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	s := page.String()
	for _, bad := range []string{"<script>alert", "src=\"http", "href=\"http", "@import", "url(http"} {
		if strings.Contains(s, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	if n := strings.Count(s, "<script"); n != 2 {
		t.Errorf("%d script elements, want the data and the renderer", n)
	}
}

func TestAPDUCalls(t *testing.T) {
	pir := es10.ProfileInstallationResult{Data: es10.ProfileInstallationResultData{TransactionID: []byte{1}, CommandID: 3,
		ErrorReason: es10.ReasonPPRNotAllowed}, Signature: make([]byte, es10.SigLen)}.Encode()
	pirHex := fmt.Sprintf(`%d,"%X9000"`, 2*len(pir)+4, pir)
	pirLen := fmt.Sprint(len(pir))
	tests := []struct {
		cmd    string
		answer string
		req    string
		resp   string
		failed bool
		detail string // in the request's detail, when not ""
	}{
		{`AT+CGLA=1,16,"81E2910003BF2D00"`, `+CGLA: 14,"BF2D03A001009000"`, "ES10 GetProfilesInfo (BF2D)", "SW 9000 · 6 bytes", false, ""},
		// A refused ES10 call is a failure under 9000, its result named
		// (outside tester sw127 F4).
		{`AT+CGLA=1,34,"81E291000CBF3109A0075A0598000000F1"`, `+CGLA: 16,"BF31038001019000"`, "ES10 EnableProfile (BF31)", "SW 9000 · 6 bytes · enableResult 1 iccidOrAidNotFound", true, ""},
		{`AT+CGLA=1,34,"81E291000CBF3109A0075A0598000000F1"`, `+CGLA: 16,"BF31038001009000"`, "ES10 EnableProfile (BF31)", "SW 9000 · 6 bytes · enableResult 0 ok", false, ""},
		{`AT+CGLA=1,34,"81E291000CBF3209A0075A0598000000F1"`, `+CGLA: 16,"BF32038001039000"`, "ES10 DisableProfile (BF32)", "SW 9000 · 6 bytes · disableResult 3 disallowedByPolicy", true, ""},
		{`AT+CGLA=1,16,"81E2910003BF2900"`, `+CGLA: 16,"BF29038001019000"`, "ES10 SetNickname (BF29)", "SW 9000 · 6 bytes · setNicknameResult 1 iccidNotFound", true, ""},
		{`AT+CGLA=1,16,"81E2910003BF3400"`, `+CGLA: 16,"BF34038001019000"`, "ES10 eUICCMemoryReset (BF34)", "SW 9000 · 6 bytes · resetResult 1 nothingToDelete", true, ""},
		{`AT+CGLA=1,16,"81E2910003BF3800"`, `+CGLA: 26,"BF3808A1068001010201069000"`, "ES10 AuthenticateServer (BF38)", "SW 9000 · 11 bytes · authenticateErrorCode 6 euiccChallengeMismatch", true, ""},
		{`AT+CGLA=1,14,"81E2910102AABB"`, `+CGLA: ` + pirHex, "ES10 STORE DATA block 1", "SW 9000 · " + pirLen + " bytes · errorReason 15 pprNotAllowed, bppCommandId 3 storeMetadata2", true, ""},
		// LoadCRL's error alternative, LpaeActivation's notSupported; a
		// +CGLA's channel is its session's, not its CLA's (outside tester
		// sw130 N4).
		{`AT+CGLA=1,16,"80E2910003BF3500"`, `+CGLA: 16,"BF35038101019000"`, "ES10 LoadCRL (BF35)", "SW 9000 · 6 bytes · loadCRLResponseError 1 invalidSignature", true, ""},
		{`AT+CGLA=1,16,"80E2910003BF4200"`, `+CGLA: 16,"BF42038001019000"`, "ES10 LpaeActivation (BF42)", "SW 9000 · 6 bytes · lpaeActivationResult 1 notSupported", true, "(channel 1, +CGLA's <sessionid>)"},
		{`AT+CSIM=16,"81E2910003BF2D00"`, `+CSIM: 4,"6A88"`, "ES10 GetProfilesInfo (BF2D)", "SW 6A88", true, "(channel 1)"},
		{`AT+CSIM=10,"0070000001"`, `+CSIM: 6,"019000"`, "MANAGE CHANNEL open", "SW 9000 · 1 bytes", false, ""},
		{`AT+CSIM=42,"01A4040010A0000005591010FFFFFFFF8900000100"`, `+CSIM: 4,"6A82"`, "SELECT ISD-R", "SW 6A82", true, ""},
		{`AT+CGLA=1,10,"81E2110100"`, `+CGLA: 4,"9000"`, "ES10 STORE DATA block 1", "SW 9000", false, ""},
		// A SELECT names its file as the card's APDU lane does: by path
		// too, and no trailing blank when it names none (outside tester
		// sw127 F11).
		{`AT+CSIM=18,"00A4080C047FFF6FE3"`, `+CSIM: 4,"9000"`, "SELECT 3F00/7FFF/6FE3", "SW 9000", false, ""},
		{`AT+CSIM=14,"00A4000C023F00"`, `+CSIM: 4,"9000"`, "SELECT 3F00", "SW 9000", false, ""},
		{`AT+CSIM=10,"00A4030C00"`, `+CSIM: 4,"9000"`, "SELECT parent DF", "SW 9000", false, ""},
		{`AT+CSIM=22,"00A4080C063F007FFF6FE3"`, `+CSIM: 4,"6A82"`, "SELECT path 3F00/7FFF/6FE3 from the MF, naming the MF's own 3F00 (TS 102 221 §11.1.1.2 excludes it)", "SW 6A82", true, ""},
		{`AT+CGLA=1,3,"8"`, ``, "APDU (bad hex) · length 3 for 1 hex digits", "", true, ""},
		{`AT+CGLA=1,38,"81E2910011BF3111A00C5A0A98000000000000000000"`, ``, "ES10 EnableProfile (BF31) · malformed · length 38 for 44 hex digits", "", false, ""},
		{`AT+CGLA=1,16,"81E2910003FF0000"`, `+CGLA: 4,"6A80"`, "ES10 STORE DATA (undecodable)", "SW 6A80", true, ""},
	}
	for _, tc := range tests {
		c, ok := apduCall(tc.cmd, []string{tc.answer}, nil)
		if !ok {
			t.Errorf("%s: not decoded", tc.cmd)
			continue
		}
		if c.request != tc.req || c.response != tc.resp || c.failed != tc.failed {
			t.Errorf("%s → %q / %q failed=%v, want %q / %q failed=%v", tc.cmd, c.request, c.response, c.failed, tc.req, tc.resp, tc.failed)
		}
		if !strings.Contains(c.requestDetail, tc.detail) {
			t.Errorf("%s: request detail %q, want %q in it", tc.cmd, c.requestDetail, tc.detail)
		}
	}
	if _, ok := apduCall("AT+CEREG?", nil, nil); ok {
		t.Error("AT+CEREG? decoded as an APDU")
	}
}

// A +CGLA the modem refused, with no answer of the card, is no arrow to
// the card: it stays on the modem's lane, saying what the modem answered.
func TestRefusedAPDUStaysOnTheModem(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{
		"at.log": "2026-01-01T00:00:00Z > AT+CGLA=1,38,\"81E2910011BF3111A00C5A0A98000000000000000000\"\n" +
			"2026-01-01T00:00:00Z < +CME ERROR: incorrect parameters\n",
	})
	tl, err := Build(dir, Run{})
	if err != nil {
		t.Fatal(err)
	}
	var es10 []Item
	for _, it := range tl.Items {
		if it.Kind == KindES10 {
			es10 = append(es10, it)
		}
	}
	if len(es10) != 1 || es10[0].To != "" || es10[0].From != LaneModem ||
		!strings.HasSuffix(es10[0].Label, "not answered by the card: the modem said +CME ERROR: incorrect parameters") {
		t.Errorf("ES10 rows %+v", es10)
	}
}

// A request the card's end cut short is labelled as such, not as an answer
// cut by a reset; one cut in its request line has no method to show.
func TestCutExchangeLabels(t *testing.T) {
	b := &Builder{t: &Timeline{}, lanes: map[string]Lane{}, faults: &faultWindows{}}
	for _, tc := range []struct {
		e         capture.Exchange
		req, resp string
	}{
		{capture.Exchange{Cut: true, HeadCut: true, Status: 400}, "(request line cut short)", "request cut short in its headers · 400 Bad Request"},
		{capture.Exchange{Cut: true, HeadCut: true, Status: 400, Method: "POST", Path: "/esimhil/v1/notifications"},
			"POST /esimhil/v1/notifications", "request cut short in its headers · 400 Bad Request"},
		{capture.Exchange{Cut: true, Status: 400, Method: "POST", Path: "/esimhil/v1/notifications", ResponseBody: []byte(`{"error":"body: unexpected EOF"}`)},
			"POST /esimhil/v1/notifications", "request cut short · 400 Bad Request"},
		{capture.Exchange{Cut: true, Method: "POST", Path: "/esimhil/v1/preferred-list"}, "POST /esimhil/v1/preferred-list", "cut short: the connection ended"},
		{capture.Exchange{Method: "POST", Path: "/esimhil/v1/preferred-list"}, "POST /esimhil/v1/preferred-list", "no answer"},
	} {
		_, req, resp := b.exchangeItems(tc.e)
		if req.Label != tc.req || !strings.HasPrefix(resp.Label, tc.resp) || !resp.Failed {
			t.Errorf("%+v: request %q, answer %q (failed %v); want %q, %q", tc.e, req.Label, resp.Label, resp.Failed, tc.req, tc.resp)
		}
	}
}

// A damaged line of events.jsonl is skipped and the rest read; the note
// names the lines left out, a last line cut mid-write, or where reading
// stopped after too many bad lines.
func TestEventLogReadsPastBadLines(t *testing.T) {
	good := func(min int) string {
		return fmt.Sprintf(`{"t":"2026-01-01T00:%02d:00Z","actor":"card","event":"check"}`+"\n", min)
	}
	many := good(0)
	for range maxBadLines + 5 {
		many += "{bad\n"
	}
	many += good(1)
	tests := []struct {
		name, log string
		events    int
		note      string // "" for none
	}{
		{"whole", good(0) + good(1), 2, ""},
		{"bad middle line", good(0) + `{"t":"garbage` + "\n" + good(1) + good(2), 3, "line 2 unreadable (unexpected EOF); left out, the rest of the file was read"},
		{"two bad lines", good(0) + "x\n" + good(1) + "y\n" + good(2), 3, "2 lines unreadable (lines 2, 4;"},
		{"last line cut", good(0) + good(1) + `{"t":"2026-01-01T00:0`, 2, "line 3, the last, is cut short (no newline)"},
		{"bad line and last line cut", good(0) + "x\n" + good(1) + `{"t":"2026-01-01T00:0`, 2,
			"line 2 unreadable (invalid character 'x' looking for beginning of value); left out, the rest of the file was read; line 4, the last, is cut short (no newline)"},
		{"last line without newline", good(0) + strings.TrimSuffix(good(1), "\n"), 2, "line 2, the last, has no newline"},
		{"too many bad lines", many, 1, fmt.Sprintf("stopped reading at line %d: the events after it are not shown", maxBadLines+1)},
		// t's own value is named, not "" (outside tester sw127 F14).
		{"t a number", good(0) + `{"t": 12345, "actor":"card","event":"check"}` + "\n", 1, "line 2 unreadable (t: 12345 is no RFC 3339 time (a JSON number, want a string))"},
		{"t missing", good(0) + `{"actor":"card","event":"check"}` + "\n", 1, "line 2 unreadable (t: missing (want an RFC 3339 time))"},
		{"t not a time", good(0) + `{"t":"yesterday","actor":"card","event":"check"}` + "\n", 1, `line 2 unreadable (t: "yesterday" is no RFC 3339 time)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "events.jsonl")
			if err := os.WriteFile(path, []byte(tc.log), 0o644); err != nil {
				t.Fatal(err)
			}
			evs, _, err := scanEventLog(path, nil, nil)
			if len(evs) != tc.events {
				t.Errorf("%d events, want %d", len(evs), tc.events)
			}
			switch {
			case tc.note == "" && err != nil:
				t.Errorf("note %q, want none", err)
			case tc.note != "" && (err == nil || !strings.Contains(err.Error(), tc.note)):
				t.Errorf("note %v, want one containing %q", err, tc.note)
			}
		})
	}
}

// A page whose run recorded no seed and no times says so instead of
// showing zeros that look measured.
func TestPageSaysWhatWasNotRecorded(t *testing.T) {
	head := samplePage(t, Run{Name: "killed", NoSeed: true, TimesUnknown: true})
	for _, want := range []string{"no seed recorded", "simulated time not recorded (rows reach ≥ ", "wall time not recorded"} {
		if !strings.Contains(head, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"seed 0", "0s simulated", "0s wall"} {
		if strings.Contains(head, bad) {
			t.Errorf("page shows %q, which nobody recorded", bad)
		}
	}
	// A killed lab spec's page (its at.log names its clock) says it was
	// a lab run on the wall clock here too (reviewer r65 #3: "wall time
	// not recorded … · wall time not recorded", no lab run).
	head = samplePage(t, Run{Name: "killed lab", NoSeed: true, TimesUnknown: true, Speed: 1})
	if want := "lab run on the wall clock · its span not recorded (rows reach ≥ "; !strings.Contains(head, want) {
		t.Errorf("lab page lacks %q", want)
	}
}

// A lab run's page names its clock: with a real modem the rows are on
// the wall clock, and "simulated" there misreported the evidence.
func TestPageNamesItsClock(t *testing.T) {
	for _, tc := range []struct {
		name      string
		speed     float64
		want, bad []string
	}{
		{"emulated", 0, []string{"2h0m0s simulated · 3s wall", `data-time="simulated time"`}, []string{"lab run", "wall clock"}},
		{"lab with a real modem", 1, []string{"lab run on the wall clock · 2h0m0s with the servers up · 3s wall", `data-time="wall time"`}, []string{"simulated"}},
		{"lab with an emulated device", 60, []string{"lab run, its clock at 60× the wall clock · 2h0m0s simulated", `data-time="60× wall time"`}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head, _, _ := strings.Cut(samplePage(t, Run{Name: "clock", Seed: 1, Simulated: 2 * time.Hour, Wall: 3 * time.Second, Speed: tc.speed}), "<script")
			for _, want := range tc.want {
				if !strings.Contains(head, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			for _, bad := range tc.bad {
				if strings.Contains(head, bad) {
					t.Errorf("page says %q", bad)
				}
			}
		})
	}
}

// The INCOMPLETE banner tells a run that did not finish (a signal, the
// event limit, a killed process) from one that reached its horizon with
// an artifact not written whole (the key log's bound, a full disk): the
// latter was headed "The run stopped early" (sw53, F3).
func TestIncompleteBannerSaysWhy(t *testing.T) {
	const (
		stopped  = "The run stopped early; its artifacts are incomplete:"
		finished = "The run reached its end, but an artifact was not written whole:"
	)
	for _, tc := range []struct {
		why  string
		want string
	}{
		{"event limit reached: the run logged 250000 events, the most a run may (596h0m0s simulated so far)", stopped},
		{"run interrupted at 1h0m0s simulated: stopped by SIGINT", stopped},
		{"run not finished: started 2026-12-04T19:00:00Z by process 4242", stopped},
		{UnwrittenReason + "traffic.pcapng: capture: key log larger than 4194304 bytes", finished},
		{PageUnwrittenReason + "write timeline.html: no space left on device", finished},
		{"run interrupted at 1h0m0s simulated: stopped by SIGTERM; " + UnwrittenReason + "at.log: no space left on device", stopped},
	} {
		t.Run(tc.why, func(t *testing.T) {
			head := samplePage(t, Run{Name: "x", Verdict: "error", Incomplete: tc.why})
			if !strings.Contains(head, "<b>"+tc.want+"</b>") {
				t.Errorf("banner lacks %q", tc.want)
			}
			other := finished
			if tc.want == finished {
				other = stopped
			}
			if strings.Contains(head, other) {
				t.Errorf("banner says %q", other)
			}
		})
	}
}

// An INCOMPLETE or traffic.INCOMPLETE that was made but is empty (its
// write failed on a full disk, or a kill came between) is named on the
// page: an empty INCOMPLETE matched the empty reason of a rebuilt run
// and the page said nothing of it (outside tester o309, a 2 MiB tmpfs).
func TestEmptyIncompleteMarkerNamed(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{"events.jsonl": sampleEvents, "INCOMPLETE": "", "traffic.INCOMPLETE": "\n"})
	tl, err := Build(dir, Run{Name: "x", Verdict: "error"})
	if err != nil {
		t.Fatal(err)
	}
	for _, marker := range []string{"INCOMPLETE", "traffic.INCOMPLETE"} {
		if !slices.ContainsFunc(tl.Notes, func(n string) bool { return strings.HasPrefix(n, marker+": empty: ") }) {
			t.Errorf("no note of the empty %s: notes %q", marker, tl.Notes)
		}
		if !slices.Contains(tl.Artifacts, marker) {
			t.Errorf("%s not linked: %q", marker, tl.Artifacts)
		}
	}
}

// A stopped run's page says its stop once: INCOMPLETE's reason is the
// error's own text, so one banner, headed Stopped, says both (outside
// tester sw127 F14: "The run stopped early…" and "Stopped:" repeated it).
func TestStoppedRunOneBanner(t *testing.T) {
	const why = "run interrupted at 131h16m0s simulated: stopped by SIGTERM"
	for _, tc := range []struct {
		name    string
		run     Run
		banners []string // the error banners' text, in order
	}{
		{"stopped", Run{Incomplete: why, Err: why, ErrTitle: StoppedTitle},
			[]string{"<b>Stopped:</b> " + why + " — its artifacts are incomplete"}},
		{"not finished, apart", Run{Incomplete: "run not finished: started …", Err: "esimhil run was in this scenario …", ErrTitle: "Not finished"},
			[]string{"<b>The run stopped early; its artifacts are incomplete:</b> run not finished: started …", "<b>Not finished:</b> esimhil run was in this scenario …"}},
		{"the rig failed", Run{Err: "close: boom"}, []string{"<b>The rig failed:</b> close: boom"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.run.Name, tc.run.Verdict = "x", "error"
			head := samplePage(t, tc.run)
			var got []string
			for _, part := range strings.Split(head, `<div class="banner error">`)[1:] {
				got = append(got, part[:strings.Index(part, "</div>")])
			}
			if !slices.Equal(got, tc.banners) {
				t.Errorf("error banners\n got %q\nwant %q", got, tc.banners)
			}
		})
	}
}

// A notification its receiver answered with a refusal was not delivered:
// its row is a failure, a delivered one's is not.
func TestRefusedNotificationIsAFailure(t *testing.T) {
	dir := writeArtifacts(t, map[string]string{"events.jsonl": `{"t":"2026-01-01T00:00:00Z","actor":"euicc","event":"notification_sent","kind":"delete","seq":5,"to":"sfr"}
{"t":"2026-01-01T00:00:00Z","actor":"euicc","event":"notification_sent","kind":"install","refused":"unknown","seq":4,"to":"sfr"}
`})
	tl, err := Build(dir, Run{Name: "x", Verdict: "pass"})
	if err != nil {
		t.Fatal(err)
	}
	failed := map[string]bool{}
	for _, it := range tl.Items {
		failed[it.Label] = it.Failed
	}
	if f, ok := failed["notification_sent kind=delete seq=5 to=sfr"]; !ok || f {
		t.Errorf("delivered: %v %v (rows %v)", ok, f, labels(tl))
	}
	if f, ok := failed["notification_sent kind=install refused=unknown seq=4 to=sfr"]; !ok || !f {
		t.Errorf("refused: %v %v (rows %v)", ok, f, labels(tl))
	}
}

// A host's ES10 commands in several STORE DATA blocks, and a segmented
// LoadBoundProfilePackage's sequences (SGP.22 §2.5.5), are named by their
// function and part: the first block by its first tag, the blocks after
// it by the function their channel's sequence began (what an LPA's
// download over +CGLA sends).
func TestStoreDataSequencesNamed(t *testing.T) {
	cgla := func(cla, p1, p2 byte, data string) string {
		h := fmt.Sprintf("%02XE2%02X%02X%02X%s", cla, p1, p2, len(data)/2, data)
		return fmt.Sprintf(`AT+CGLA=1,%d,"%s"`, len(h), h)
	}
	open := newCallState()
	for _, tc := range []struct{ cmd, want string }{
		{cgla(0x81, 0x11, 0, "BF21820105"+strings.Repeat("00", 8)), "ES10 PrepareDownload (BF21, first block)"},
		{cgla(0x81, 0x11, 1, strings.Repeat("00", 8)), "ES10 PrepareDownload · block 1"},
		{cgla(0x81, 0x91, 2, strings.Repeat("00", 8)), "ES10 PrepareDownload · block 2"},
		{cgla(0x81, 0x91, 3, "00"), "ES10 STORE DATA block 3"}, // the sequence ended at block 2
		{cgla(0x81, 0x91, 0, "BF368201F0"+"BF2303800101"), "ES10 LoadBoundProfilePackage: InitialiseSecureChannel (BF36)"},
		{cgla(0x81, 0x91, 0, "A0058703010203"), "ES10 LoadBoundProfilePackage: firstSequenceOf87 (A0)"},
		{cgla(0x81, 0x91, 0, "A1820120"), "ES10 LoadBoundProfilePackage: sequenceOf88, its tag and length (A1)"},
		{cgla(0x81, 0x91, 0, "8803BF2500"), "ES10 LoadBoundProfilePackage: an 88 of sequenceOf88 (88)"},
		{cgla(0x81, 0x11, 0, "868201F0"+strings.Repeat("AA", 10)), "ES10 LoadBoundProfilePackage: an 86 of sequenceOf86 (86, first block)"},
		{cgla(0x81, 0x91, 1, strings.Repeat("AA", 10)), "ES10 LoadBoundProfilePackage: an 86 of sequenceOf86 · block 1"},
		{cgla(0x81, 0x91, 0, "BF2D03"), "ES10 GetProfilesInfo (BF2D) · malformed"},
	} {
		c, ok := apduCall(tc.cmd, []string{`+CGLA: 4,"9000"`}, open)
		if !ok || c.request != tc.want {
			t.Errorf("%s → %q, want %q", tc.cmd, c.request, tc.want)
		}
	}
}

// samplePage is the page of a run of sampleEvents described by run.
func samplePage(t *testing.T, run Run) string {
	t.Helper()
	tl, err := Build(writeArtifacts(t, map[string]string{"events.jsonl": sampleEvents}), run)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := tl.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	return page.String()
}

// A request of a client the tap did not dial (Mark.Outside: a host LPA,
// curl) is drawn from the host's lane, its answer to it; the card's own,
// dialed through the tap, from the card's. An SM-DP+ named in upper case
// is the same lane as in lower case (outside tester sw91).
func TestExchangeLanes(t *testing.T) {
	b := &Builder{t: &Timeline{Run: Run{SMDP: map[string]string{"smdp.sfr.test": "sfr"}}}, lanes: map[string]Lane{}, faults: &faultWindows{}}
	for _, tc := range []struct {
		e          capture.Exchange
		from, lane string
	}{
		{capture.Exchange{Method: "POST", Path: "/v1/preferred-list", Status: 200}, LaneCard, LanePlatform},
		{capture.Exchange{Method: "POST", Path: "/v1/preferred-list", Status: 200, Mark: capture.Mark{OK: true, Outside: true}}, LaneHost, LanePlatform},
		{capture.Exchange{Method: "POST", Path: "/gsma/rsp2/es9plus/initiateAuthentication", Host: "SMDP.SFR.TEST:8443", Status: 200,
			Mark: capture.Mark{OK: true, Outside: true}}, LaneHost, SMDPLane("sfr")},
		{capture.Exchange{Method: "POST", Path: "/gsma/rsp2/es9plus/initiateAuthentication", Host: "smdp.sfr.test", Status: 200}, LaneCard, SMDPLane("sfr")},
	} {
		lane, req, resp := b.exchangeItems(tc.e)
		if lane != tc.lane || req.From != tc.from || req.To != tc.lane || resp.From != tc.lane || resp.To != tc.from {
			t.Errorf("%s %s (outside %v): lane %s, request %s → %s, answer %s → %s; want %s ↔ %s",
				tc.e.Host, tc.e.Path, tc.e.Mark.Outside, lane, req.From, req.To, resp.From, resp.To, tc.from, tc.lane)
		}
	}
}

// A lab run's at.log holds the harness's "# ..." notes (the port and
// transport, port drops, reconnects, late answers): they are rows on the
// host's lane at their time, and no reason to call the log unreadable
// (outside tester sw128 F1: every lab page said "incomplete or
// approximate" and left the notes out).
func TestATLogNotesAreRows(t *testing.T) {
	const lab = `2026-12-05T10:00:00.000Z # lab run: modem rfc2217://127.0.0.1:23002, personality generic
2026-12-05T10:00:00.100Z > AT
2026-12-05T10:00:00.110Z < AT
2026-12-05T10:00:00.120Z < OK
2026-12-05T10:00:01.000Z > AT+CEREG?
2026-12-05T10:00:01.500Z # port dropped (EOF); reopening
2026-12-05T10:00:02.000Z # port back; AT+CEREG?, which the drop cut, is not answered yet
2026-12-05T10:00:02.100Z < +CEREG: 2,1
2026-12-05T10:00:02.110Z < OK
2026-12-05T10:00:03.000Z #
2026-12-05T10:00:04.000Z # port did not come back
`
	for _, tc := range []struct {
		name, log string
		want      []string // the at.log rows' labels, in order
	}{
		{"lab", lab, []string{
			"# lab run: modem rfc2217://127.0.0.1:23002, personality generic",
			"AT", "AT · OK",
			"AT+CEREG?", "# port dropped (EOF); reopening", "# port back; AT+CEREG?, which the drop cut, is not answered yet",
			"+CEREG: 2,1 · OK",
			"# ", "# port did not come back",
		}},
		{"note ends an unanswered log", "2026-01-01T00:00:00Z > AT+CSQ\n2026-01-01T00:00:00Z # no answer: AT+CSQ\n",
			[]string{"AT+CSQ", "(no final result)", "# no answer: AT+CSQ"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl, err := Build(writeArtifacts(t, map[string]string{"at.log": tc.log}), Run{Name: "lab"})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range tl.Notes {
				if strings.HasPrefix(n, "at.log") {
					t.Errorf("note %q", n)
				}
			}
			var got []string
			for _, it := range tl.Items {
				if !strings.HasPrefix(it.Source, "at.log:") {
					continue
				}
				got = append(got, it.Label)
				if strings.HasPrefix(it.Label, "# ") && (it.From != LaneHost || it.To != "" || it.Failed) {
					t.Errorf("note %q: %s→%q failed=%v, want a mark on the host's lane", it.Label, it.From, it.To, it.Failed)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("rows\n  %q\nwant\n  %q", got, tc.want)
			}
		})
	}
}

// A line of events.jsonl over eventlog.MaxLine is skipped, named and read
// past, and neither it nor unreadable last lines make at.log "another
// run's": its marks are held to the lines the log holds (outside tester
// sw127 F3: a 2 MiB line ended the read, and the page blamed at.log and
// the capture).
func TestOverLongEventLineReadPast(t *testing.T) {
	events := strings.SplitAfter(sampleEvents, "\n")
	events = events[:len(events)-1]
	huge := `{"t":"2026-01-01T00:00:01Z","actor":"euicc","event":"ignored","input":"` + strings.Repeat("A", 2<<20) + `","mode":"idle","reason":"x"}` + "\n"
	withHuge := strings.Join(events[:2], "") + huge + strings.Join(events[2:], "")
	marks := func(n int) string { return strings.Repeat(fmt.Sprintf("%d\n", n), strings.Count(sampleAT, "\n")) }
	for _, tc := range []struct {
		name, events, marks string
		rows                int    // event rows
		note                string // in the notes
		beyond              bool   // at.log said to name events the log lacks
	}{
		{"over-long line", withHuge, marks(len(events) + 1), len(events),
			fmt.Sprintf("events.jsonl: line 3 unreadable (%v); left out, the rest of the file was read", eventlog.TooLong(int64(len(huge)-1))), false},
		{"over-long last line", sampleEvents + huge, marks(len(events) + 1), len(events),
			fmt.Sprintf("events.jsonl: line %d unreadable (%d bytes long", len(events)+1, len(huge)-1), false}, // its newline not counted
		{"unreadable last line", sampleEvents + "{\n", marks(len(events) + 1), len(events), "events.jsonl: line 10 unreadable", false},
		{"a log that lost its end", sampleEvents, marks(len(events) + 3), len(events),
			"at.log: its marks name events up to line 12 of events.jsonl, which ends at line 9", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl, err := Build(writeArtifacts(t, map[string]string{"events.jsonl": tc.events, "at.log": sampleAT, ATMarksFile: tc.marks}), Run{Name: "long"})
			if err != nil {
				t.Fatal(err)
			}
			notes := strings.Join(tl.Notes, "\n")
			if !strings.Contains(notes, tc.note) {
				t.Errorf("notes %q lack %q", notes, tc.note)
			}
			if got := strings.Contains(notes, "another run's"); got != tc.beyond {
				t.Errorf("notes %q: at.log called another run's: %v, want %v", notes, got, tc.beyond)
			}
			n := 0
			for _, it := range tl.Items {
				if it.Kind == KindEvent || it.Kind == KindFault {
					n++
				}
			}
			if n != tc.rows {
				t.Errorf("%d event rows, want %d", n, tc.rows)
			}
		})
	}
}

// Over +CSIM the card's answer to an ES10 command comes in the GET
// RESPONSE after its 61xx (TS 102 221 §7.3.1.1.4): that row is decoded
// as the command's answer, as a +CGLA answer is (outside tester sw127
// F5: the simcom-a7600 pages showed no EID, no profile count, no result).
func TestCSIMAnswerInGetResponse(t *testing.T) {
	csim := func(h string) string { return fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(h), h) }
	answer := func(h string) string { return fmt.Sprintf(`+CSIM: %d,"%s"`, len(h), h) }
	const eid = "BF3E125A1089049032000001000000000000000171"
	type step struct{ cmd, answer, req, resp string }
	for _, tc := range []struct {
		name   string
		steps  []step
		failed bool // the last answer
	}{
		{"GetEID", []step{
			{csim("80E2910006BF3E035C015A"), answer("6115"), "ES10 GetEID (BF3E)", "SW 6115"},
			{csim("00C0000015"), answer(eid + "9000"), "GET RESPONSE · the answer to ES10 GetEID (BF3E)", "SW 9000 · 21 bytes · EID 89049032000001000000000000000171"},
		}, false},
		{"a refused DisableProfile", []step{
			{csim("80E291000CBF3209A0075A0598000000F1"), answer("6106"), "ES10 DisableProfile (BF32)", "SW 6106"},
			{csim("00C0000006"), answer("BF32038001039000"), "GET RESPONSE · the answer to ES10 DisableProfile (BF32)", "SW 9000 · 6 bytes · disableResult 3 disallowedByPolicy"},
		}, true},
		{"fetched in two parts", []step{
			{csim("80E2910006BF3E035C015A"), answer("6115"), "ES10 GetEID (BF3E)", "SW 6115"},
			{csim("00C0000005"), answer(eid[:10] + "6110"), "GET RESPONSE · the answer to ES10 GetEID (BF3E)", "SW 6110 · 5 bytes"},
			{csim("00C0000010"), answer(eid[10:] + "9000"), "GET RESPONSE · the answer to ES10 GetEID (BF3E)", "SW 9000 · 16 bytes · EID 89049032000001000000000000000171"},
		}, false},
		// The card refuses the GET RESPONSE then (6F00): nothing waits
		// on the card either, the host's protocol error (outside tester
		// t168 F1), as every reader says it (cardtrace.HostError).
		{"another command between drops the answer", []step{
			{csim("80E2910006BF3E035C015A"), answer("6115"), "ES10 GetEID (BF3E)", "SW 6115"},
			{csim("80F2000000"), answer("9000"), "STATUS", "SW 9000"},
			{csim("00C0000015"), answer("6F00"), "GET RESPONSE", "SW 6F00 · host protocol error"},
		}, true},
		// A log that begins (or lost a line) mid-answer: the parts it
		// holds are the end of an answer, said so, never decoded
		// (outside tester t83 F3), and the later parts name no answer
		// of a command (final71: "the answer to GET RESPONSE").
		{"GET RESPONSEs with no 61xx before them: a partial answer", []step{
			{csim("00C0000005"), answer(eid[:10] + "6110"), "GET RESPONSE", "SW 6110 · 5 bytes"},
			{csim("00C0000010"), answer(eid[10:] + "9000"), "GET RESPONSE · part of a partial answer", "SW 9000 · 16 bytes · partial answer (its start is not in the trace), not decoded"},
		}, false},
		{"three parts with no 61xx before them", []step{
			{csim("00C0000004"), answer(eid[:8] + "6112"), "GET RESPONSE", "SW 6112 · 4 bytes"},
			{csim("00C0000002"), answer(eid[8:12] + "6110"), "GET RESPONSE · part of a partial answer", "SW 6110 · 2 bytes"},
			{csim("00C0000010"), answer(eid[12:] + "9000"), "GET RESPONSE · part of a partial answer", "SW 9000 · 15 bytes · partial answer (its start is not in the trace), not decoded"},
		}, false},
		{"a partial chain, then a whole one", []step{
			{csim("00C0000005"), answer(eid[:10] + "9000"), "GET RESPONSE", "SW 9000 · 5 bytes · partial answer (its start is not in the trace), not decoded"},
			{csim("80E2910006BF3E035C015A"), answer("6115"), "ES10 GetEID (BF3E)", "SW 6115"},
			{csim("00C0000015"), answer(eid + "9000"), "GET RESPONSE · the answer to ES10 GetEID (BF3E)", "SW 9000 · 21 bytes · EID 89049032000001000000000000000171"},
		}, false},
		// As the field-log reader takes them (reviewer r65 #2): a
		// command the modem refused with +CME ERROR still went to the
		// channel, and a close drops what waited on the closed one.
		{"a command answered +CME ERROR between drops the answer", []step{
			{csim("80E2910006BF3E035C015A"), answer("6115"), "ES10 GetEID (BF3E)", "SW 6115"},
			{csim("80F2000000"), "+CME ERROR: 4", "STATUS", ""},
			{csim("00C0000015"), answer("6F00"), "GET RESPONSE", "SW 6F00 · host protocol error"},
		}, true},
		{"the channel closed from channel 0 drops the answer", []step{
			{csim("81E2910006BF3E035C015A"), answer("6115"), "ES10 GetEID (BF3E)", "SW 6115"},
			{csim("0070800100"), answer("9000"), "MANAGE CHANNEL close 1", "SW 9000"},
			{csim("81C0000015"), answer("6F00"), "GET RESPONSE", "SW 6F00 · host protocol error"},
		}, true},
		{"+CCHC between drops the answer", []step{
			{`AT+CGLA=1,22,"80E2910006BF3E035C015A"`, `+CGLA: 4,"6115"`, "ES10 GetEID (BF3E)", "SW 6115"},
			{`AT+CCHC=1`, "OK", "", ""},
			{`AT+CGLA=1,10,"80C0000015"`, `+CGLA: 4,"6F00"`, "GET RESPONSE", "SW 6F00 · host protocol error"},
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newCallState()
			var c call
			for _, s := range tc.steps {
				if strings.HasPrefix(s.cmd, "AT+CCHC") {
					if _, ok := apduCall(s.cmd, []string{s.answer}, st); ok {
						t.Errorf("%s taken for an APDU", s.cmd)
					}
					continue
				}
				var ok bool
				c, ok = apduCall(s.cmd, []string{s.answer}, st)
				if !ok || c.request != s.req || c.response != s.resp {
					t.Errorf("%s → %q / %q, want %q / %q", s.cmd, c.request, c.response, s.req, s.resp)
				}
			}
			if c.failed != tc.failed {
				t.Errorf("last answer failed=%v, want %v", c.failed, tc.failed)
			}
		})
	}
}

// A STORE DATA sequence over +CGLA continues on its <sessionid>, not on
// the CLA's channel, which a host leaves at 0 (CLA 80) for the modem to
// set: two sequences on two sessions keep their names (outside tester
// sw127 F6).
func TestStoreDataSequenceBySession(t *testing.T) {
	st := newCallState()
	for _, tc := range []struct{ cmd, want string }{
		{`AT+CGLA=1,20,"80E2110005BF38020101"`, "ES10 AuthenticateServer (BF38, first block)"},
		{`AT+CGLA=2,20,"80E2110005BF21020101"`, "ES10 PrepareDownload (BF21, first block)"},
		{`AT+CGLA=1,16,"80E2910103AABBCC"`, "ES10 AuthenticateServer · block 1"},
		{`AT+CGLA=2,14,"80E29101020A0B"`, "ES10 PrepareDownload · block 1"},
		// +CSIM has no session: the CLA's channel (81: 1) it is.
		{`AT+CSIM=20,"81E2110005BF2D020101"`, "ES10 GetProfilesInfo (BF2D, first block)"},
		{`AT+CSIM=14,"81E29101020A0B"`, "ES10 GetProfilesInfo · block 1"},
	} {
		c, ok := apduCall(tc.cmd, []string{`+CGLA: 4,"9000"`}, st)
		if !ok || c.request != tc.want {
			t.Errorf("%s → %q, want %q", tc.cmd, c.request, tc.want)
		}
	}
}

// The card's APDU lane judges an ES10 answer as the AT lane does — one
// decoding (es10.DescribeAnswer) of an answer put together the same way
// (apdu.Chains): a refused call is red under 9000 on both, its result
// named alike (outside tester sw127 F11's brief: the APDU lane judged by
// status word only).
func TestES10AnswerJudgedAlikeOnBothLanes(t *testing.T) {
	const eid = "BF3E125A1089049032000001000000000000000171"
	type ex = hexExchange
	for _, tc := range []struct {
		name    string
		exs     []ex
		outcome string // what the last exchange's row names
		failed  bool
	}{
		{"refused EnableProfile under 9000", []ex{{"80E291000CBF3109A0075A0598000000F1", "BF31038001039000"}},
			"enableResult 3 disallowedByPolicy", true},
		{"EnableProfile ok", []ex{{"80E291000CBF3109A0075A0598000000F1", "BF31038001009000"}},
			"enableResult 0 ok", false},
		{"refused DisableProfile through GET RESPONSE", []ex{
			{"80E291000CBF3209A0075A0598000000F1", "6106"},
			{"00C0000006", "BF32038001039000"},
		}, "disableResult 3 disallowedByPolicy", true},
		{"a two-block command, its answer in two parts", []ex{
			{"80E2110003BF3105", "9000"},
			{"80E2910105A0035A0100", "6106"},
			{"00C0000003", "BF31036103"},
			{"00C0000003", "8001029000"},
		}, "enableResult 2 profileNotInDisabledState", true},
		{"GetEID", []ex{{"80E2910006BF3E035C015A", "6115"}, {"00C0000015", eid + "9000"}},
			"EID 89049032000001000000000000000171", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The AT lane: the exchanges as +CSIM commands.
			st := newCallState()
			var c call
			for _, e := range tc.exs {
				c, _ = apduCall(fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(e.cmd), e.cmd), []string{fmt.Sprintf(`+CSIM: %d,"%s"`, len(e.resp), e.resp)}, st)
			}
			if !strings.HasSuffix(c.response, " · "+tc.outcome) || c.failed != tc.failed {
				t.Errorf("AT lane: %q failed=%v, want … · %s failed=%v", c.response, c.failed, tc.outcome, tc.failed)
			}
			// The card's APDU lane: the same exchanges sniffed.
			dgs := sniffed(tc.exs, false)
			dir := writeArtifacts(t, map[string]string{"events.jsonl": `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n", "traffic.pcapng": ""})
			tl, err := Build(dir, Run{Name: "x", Traffic: &Decoded{Datagrams: capture.Datagrams{List: dgs}}})
			if err != nil {
				t.Fatal(err)
			}
			last := fmt.Sprintf("traffic.pcapng frame %d", len(tc.exs)+1)
			found := false
			for _, it := range tl.Items {
				if it.Kind != KindAPDU || it.Source != last {
					continue
				}
				found = true
				if !strings.HasSuffix(it.Label, " · "+tc.outcome) || it.Failed != tc.failed {
					t.Errorf("APDU lane: %q failed=%v, want … · %s failed=%v", it.Label, it.Failed, tc.outcome, tc.failed)
				}
			}
			if !found {
				t.Errorf("no APDU lane row of %s", last)
			}
		})
	}
}

// Every SM-DP+ the scenario configures has a lane, in the order the
// scenario lists its operators, one nothing reached saying so; an SM-DP+
// it does not list comes after them (outside tester sw127 F13: only the
// contacted SM-DP+s had lanes, sorted by id).
func TestSMDPLanesInScenarioOrder(t *testing.T) {
	events := `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}
{"t":"2026-01-01T00:00:01Z","actor":"smdp","event":"profile_ordered","operator":"sfr"}
{"t":"2026-01-01T00:00:02Z","actor":"smdp","event":"profile_ordered","operator":"aa"}
`
	for _, tc := range []struct {
		name  string
		order []string
		want  string
	}{
		{"configured", []string{"vodafone-de", "orange-fr", "sfr"},
			"smdp:vodafone-de (nothing reached it) · smdp:orange-fr (nothing reached it) · smdp:sfr (ES9+) · smdp:aa (ES9+)"},
		{"not known (an older run's directory)", nil, "smdp:aa (ES9+) · smdp:sfr (ES9+)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeArtifacts(t, map[string]string{"events.jsonl": events})
			tl, err := Build(dir, Run{Name: "x", SMDPOrder: tc.order})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range tl.Lanes {
				if strings.HasPrefix(l.ID, "smdp:") {
					got = append(got, fmt.Sprintf("%s (%s)", l.ID, l.Sub))
				}
			}
			if g := strings.Join(got, " · "); g != tc.want {
				t.Errorf("SM-DP+ lanes\n got %s\nwant %s", g, tc.want)
			}
		})
	}
}

// The AT lane follows an ES10 request's STORE DATA blocks as the card's
// APDU lane and the field-log reader do (es10.StoreData; GlobalPlatform
// Card Specification 2.3 §11.11.2, SGP.22 §5.7.2): a block out of
// sequence, or after a SELECT, a session's close or a line whose hex the
// log lost on the channel, is no function's block; the last block sent
// again after 6Cxx (TS 102 221 §7.3.1.1.4) is still the function's.
func TestStoreDataSequenceRules(t *testing.T) {
	const (
		first = `AT+CGLA=1,20,"80E2110005BF38020101"`
		last  = `AT+CGLA=1,16,"80E2910103AABBCC"`
		named = "ES10 AuthenticateServer · block 1"
		none  = "ES10 STORE DATA block 1"
	)
	for _, tc := range []struct {
		name string
		cmds []string // answered 9000 but the one before the last, answered 6C05 when repeat is set
		want string   // the last command's label
	}{
		{"in sequence", []string{first, last}, named},
		{"out of sequence", []string{first, `AT+CGLA=1,14,"80E29102020A0B"`}, "ES10 STORE DATA block 2"},
		{"the last block after 6Cxx", []string{first, last, last}, named},
		{"a SELECT between", []string{first, `AT+CGLA=1,42,"00A4040010A0000005591010FFFFFFFF8900000100"`, last}, none},
		{"the session closed between", []string{first, `AT+CCHC=1`, `AT+CCHO="A0000005591010FFFFFFFF8900000100"`, last}, none},
		{"MANAGE CHANNEL close between", []string{first, `AT+CGLA=1,10,"0070800100"`, last}, none},
		{"a line of bad hex between", []string{first, `AT+CGLA=1,9,"80E291010"`, last}, none},
		{"a block that lost bytes between", []string{first, `AT+CGLA=1,20,"80E2910107A1A2A3A4A5A6"`, last}, none},
		{"a STATUS between", []string{first, `AT+CGLA=1,10,"80F2000000"`, last}, named},
		// The card resets with its modem (outside tester t66 #3).
		{"a reset between", []string{first, `AT+CFUN=1,1`, last}, none},
		{"a power-down between", []string{first, `AT+CFUN=0`, `AT+CFUN=1`, last}, none},
		{"radio off between", []string{first, `AT+CFUN=4`, last}, named},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newCallState()
			var c call
			for i, cmd := range tc.cmds {
				answer := `+CGLA: 4,"9000"`
				if tc.name == "the last block after 6Cxx" && i == 1 {
					answer = `+CGLA: 4,"6C05"`
				}
				c, _ = apduCall(cmd, []string{answer}, st)
			}
			if c.request != tc.want {
				t.Errorf("%q, want %q", c.request, tc.want)
			}
		})
	}
}

// A 6Cxx is T=0's "again with Le = xx" (ISO/IEC 7816-4 §5.6, TS 102 221
// §7.3.1.1.4), a step of the exchange as a 61xx is, not the command's
// failure: neither the AT lane nor the card's APDU lane draws it red, as
// the field-log reader does not mark it failed (apdu.Failed); the
// repeat's answer says how the command went.
func TestWrongLeIsAStep(t *testing.T) {
	const eid = "BF3E125A1089049032000001000000000000000171"
	type ex = hexExchange
	for _, tc := range []struct {
		name   string
		exs    []ex
		failed []bool // per exchange
	}{
		{"READ BINARY", []ex{{"00B0000000", "6C0A"}, {"00B000000A", "00112233445566778899" + "9000"}}, []bool{false, false}},
		{"GetEID", []ex{{"81E2910006BF3E035C015A00", "6C15"}, {"81E2910006BF3E035C015A15", eid + "9000"}}, []bool{false, false}},
		{"GET RESPONSE", []ex{{"81E2910006BF3E035C015A", "6115"}, {"01C0000020", "6C15"}, {"01C0000015", eid + "9000"}}, []bool{false, false, false}},
		{"an error is still one", []ex{{"00B0000000", "6B00"}}, []bool{true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newCallState()
			for i, e := range tc.exs {
				c, _ := apduCall(fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(e.cmd), e.cmd), []string{fmt.Sprintf(`+CSIM: %d,"%s"`, len(e.resp), e.resp)}, st)
				if c.failed != tc.failed[i] {
					t.Errorf("AT lane, exchange %d: %q failed=%v, want %v", i, c.response, c.failed, tc.failed[i])
				}
			}
			dgs := sniffed(tc.exs, true)
			dir := writeArtifacts(t, map[string]string{"events.jsonl": `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n", "traffic.pcapng": ""})
			tl, err := Build(dir, Run{Name: "x", Traffic: &Decoded{Datagrams: capture.Datagrams{List: dgs}}})
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			for _, it := range tl.Items {
				var i int
				if _, err := fmt.Sscanf(it.Source, "traffic.pcapng frame %d", &i); it.Kind != KindAPDU || err != nil || i < 2 {
					continue // the ATR's row is frame 1
				}
				rows++
				if it.Failed != tc.failed[i-2] {
					t.Errorf("APDU lane, exchange %d: %q failed=%v, want %v", i-2, it.Label, it.Failed, tc.failed[i-2])
				}
			}
			if rows != len(tc.exs) {
				t.Errorf("%d APDU lane rows, want %d", rows, len(tc.exs))
			}
		})
	}
}

// A boot URC in at.log (the modem booted on its own, its card with it)
// ends what the AT lane followed, as +CFUN's reset does (t66 #3).
func TestBootURCEndsTheSequences(t *testing.T) {
	const at = `2026-01-01T00:00:00Z > AT+CGLA=1,20,"80E2110005BF38020101"
2026-01-01T00:00:00Z < +CGLA: 4,"9000"
2026-01-01T00:00:00Z < OK
2026-01-01T00:00:01Z < RDY
2026-01-01T00:00:02Z > AT+CGLA=1,16,"80E2910103AABBCC"
2026-01-01T00:00:02Z < +CGLA: 4,"9000"
2026-01-01T00:00:02Z < OK
`
	tl, err := Build(writeArtifacts(t, map[string]string{"events.jsonl": sampleEvents, "at.log": at}), Run{Name: "boot"})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, it := range tl.Items {
		if strings.HasPrefix(it.Label, "ES10 ") {
			labels = append(labels, it.Label)
		}
	}
	if want := []string{"ES10 AuthenticateServer (BF38, first block)", "ES10 STORE DATA block 1"}; !slices.Equal(labels, want) {
		t.Errorf("ES10 rows %q, want %q", labels, want)
	}
}

// A boot URC while a command waits for its answer is no answer: the
// modem rebooted, and the blocks after it are no longer the request's
// (outside tester t67 A); a reset the modem refused reset nothing (B).
func TestResetsAroundACommand(t *testing.T) {
	const block0 = `2026-01-01T00:00:00Z > AT+CGLA=1,20,"80E2110005BF38020101"
`
	const block1 = `2026-01-01T00:00:02Z > AT+CGLA=1,16,"80E2910103AABBCC"
2026-01-01T00:00:02Z < +CGLA: 4,"9000"
2026-01-01T00:00:02Z < OK
`
	for _, tc := range []struct {
		name, at string
		want     []string
	}{
		{"a reboot mid-command", block0 + "2026-01-01T00:00:01Z < RDY\n" + block1,
			[]string{"ES10 AuthenticateServer (BF38, first block)", "ES10 STORE DATA block 1"}},
		// A readiness notice is no reboot: it may come in any exchange.
		{"SMS DONE mid-command", block0 + "2026-01-01T00:00:00Z < SMS DONE\n2026-01-01T00:00:00Z < +CGLA: 4,\"9000\"\n2026-01-01T00:00:00Z < OK\n" + block1,
			[]string{"ES10 AuthenticateServer (BF38, first block)", "ES10 AuthenticateServer · block 1"}},
		{"a refused reset", block0 + "2026-01-01T00:00:00Z < +CGLA: 4,\"9000\"\n2026-01-01T00:00:00Z < OK\n" +
			"2026-01-01T00:00:01Z > AT+CFUN=1,1\n2026-01-01T00:00:01Z < ERROR\n" + block1,
			[]string{"ES10 AuthenticateServer (BF38, first block)", "ES10 AuthenticateServer · block 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl, err := Build(writeArtifacts(t, map[string]string{"events.jsonl": sampleEvents, "at.log": tc.at}), Run{Name: "reset"})
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for _, it := range tl.Items {
				if strings.HasPrefix(it.Label, "ES10 ") {
					labels = append(labels, it.Label)
				}
			}
			if !slices.Equal(labels, tc.want) {
				t.Errorf("ES10 rows %q, want %q", labels, tc.want)
			}
		})
	}
}

// A 61xx chain that never ends is cut at apdu.MaxAnswer, and the AT lane
// says so rather than decode its first 64 KiB as the answer (reviewer
// r65 #4), as the field-log reader and the APDU lane say.
func TestEndlessChainNotDecodedOnTheATLane(t *testing.T) {
	csim := func(h string) string { return fmt.Sprintf(`AT+CSIM=%d,"%s"`, len(h), h) }
	answer := func(h string) string { return fmt.Sprintf(`+CSIM: %d,"%s"`, len(h), h) }
	st := newCallState()
	apduCall(csim("81E2910003BF2D00"), []string{answer("61FF")}, st)
	part := strings.Repeat("00", 255)
	for range apdu.MaxAnswer/255 + 2 {
		apduCall(csim("81C00000FF"), []string{answer(part + "61FF")}, st)
	}
	c, _ := apduCall(csim("81C00000FF"), []string{answer(part + "9000")}, st)
	if want := "answer of more than 65536 bytes, not decoded"; !strings.HasSuffix(c.response, want) || !c.failed {
		t.Errorf("last answer %q failed=%v, want one ending %q, failed", c.response, c.failed, want)
	}
}

// hexExchange is a command and its answer (with its SW), in hex.
type hexExchange struct{ cmd, resp string }

// sniffed is the card's APDU lane of exs as a SIMtrace2 sends it: an ATR,
// then a GSMTAP SIM datagram per exchange, 1 ms apart; tpdu sends each
// command as T=0 carries it (apdu.TPDU).
func sniffed(exs []hexExchange, tpdu bool) []capture.Datagram {
	at := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	atr := gsmtap.SIMHeader(gsmtap.SubATR)
	dgs := []capture.Datagram{{Frame: 1, Time: at, Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr, Payload: append(atr.Append(nil), 0x3B, 0x00)}}
	for i, e := range exs {
		cmd, _ := hex.DecodeString(e.cmd)
		if tpdu {
			cmd = apdu.TPDU(cmd)
		}
		resp, _ := hex.DecodeString(e.resp)
		g := gsmtap.SIMHeader(gsmtap.SubAPDU)
		dgs = append(dgs, capture.Datagram{Frame: i + 2, Time: at.Add(time.Duration(i+1) * time.Millisecond),
			Src: capture.SIMTapAddr, Dst: capture.SIMTapAddr, Payload: gsmtap.AppendExchange(g.Append(nil), cmd, resp)})
	}
	return dgs
}
