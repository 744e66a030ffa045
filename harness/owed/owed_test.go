package owed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
)

// TestNotes: the notes a card still owed at the end, read from
// run_ended as the log keeps it (written, then read back), and what each
// record of the run says of them: a note apiece, the page's banner, what
// a recheck cannot hold to an older esimhil's log, a record filled in
// from its log (r85 #10: one type for every site).
func TestNotes(t *testing.T) {
	platform := PlatformNote([]string{"attach-success", "download-success"}, []string{"1", "2"})
	smdp := SMDPNote([]string{SMDPEntry("enable", "smdp.sfr.test", 2)})
	const olderPlatform = "its owed notes were not checked again: its run_ended names none (an earlier esimhil's)"
	const olderSMDP = "its notes owed SM-DP+s were not checked again: its run_ended does not name them (an earlier esimhil's)"
	for _, tc := range []struct {
		name      string
		end       eventlog.F // run_ended's fields; nil: no run_ended
		want      Notes
		said      []string
		unchecked string
	}{
		{"no run_ended", nil, Notes{}, nil, olderPlatform},
		{"an older esimhil's run_ended", eventlog.F{"registration": "home"}, Notes{}, nil, olderPlatform},
		{"one before t78 F2", eventlog.F{"owed_kinds": []string{"attach-success", "download-success"}, "owed_reports": []string{"1", "2"}},
			Notes{Platform: platform, PlatformKnown: true}, []string{platform}, olderSMDP},
		{"none owed", eventlog.F{"owed_kinds": []string{}, "owed_reports": []string{}, "owed_smdp": []string{}},
			Notes{PlatformKnown: true, SMDPKnown: true}, nil, ""},
		{"the SM-DP+s' alone", eventlog.F{"owed_kinds": []string{}, "owed_reports": []string{}, "owed_smdp": []string{"enable@smdp.sfr.test seq 2"}},
			Notes{SMDP: smdp, PlatformKnown: true, SMDPKnown: true}, []string{smdp}, ""},
		{"both", AtEnd{Kinds: []string{"attach-success", "download-success"}, Reports: []string{"1", "2"}, SMDP: []string{"enable@smdp.sfr.test seq 2"}}.fields(),
			Notes{Platform: platform, SMDP: smdp, PlatformKnown: true, SMDPKnown: true}, []string{platform, smdp}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var end *eventlog.Event
			if tc.end != nil {
				// Through the log's own lines, as a recheck reads them.
				ev := readBack(t, eventlog.Event{T: clock.Epoch.Add(time.Hour), Actor: eventlog.Harness, Kind: eventlog.KindRunEnded, Fields: tc.end})
				end = &ev
			}
			got := Of(end)
			if got != tc.want {
				t.Errorf("Of %+v\nwant %+v", got, tc.want)
			}
			if !slices.Equal(got.Said(), tc.said) || got.Banner() != strings.Join(tc.said, "; ") || got.AllSaid() != (len(tc.said) == 2) {
				t.Errorf("said %q, banner %q, all said %v; want %q", got.Said(), got.Banner(), got.AllSaid(), tc.said)
			}
			if u := got.Unchecked(); u != tc.unchecked {
				t.Errorf("unchecked %q, want %q", u, tc.unchecked)
			}
		})
	}
}

// writeLine is ev as the event log writes it: one line.
func writeLine(t *testing.T, ev eventlog.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := eventlog.WriteLines(&b, []eventlog.Event{ev}); err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("%+v written as %q, not one line", ev, b.String())
	}
	return b.Bytes()
}

// readBack is ev through the log's own line, as a recheck reads it.
func readBack(t *testing.T, ev eventlog.Event) eventlog.Event {
	t.Helper()
	line := writeLine(t, ev)
	got, err := eventlog.ParseLine(bytes.TrimSuffix(line, []byte("\n")))
	if err != nil {
		t.Fatalf("read back %q: %v", line, err)
	}
	return got
}

// fields are the run_ended fields AtEnd.Log sets.
func (o AtEnd) fields() eventlog.F {
	f := eventlog.F{}
	o.Log(f)
	return f
}

// A run's own words for what it owed are a recheck's of its log; none
// owed is logged as such ([], not absent: an older esimhil's).
func TestAtEndIsWhatTheLogSays(t *testing.T) {
	for _, o := range []AtEnd{
		{},
		{Kinds: []string{"attach-success"}, Reports: []string{"7"}},
		{SMDP: []string{"enable@smdp.sfr.test seq 2", "disable@smdp.sfr.test seq 4"}},
	} {
		ev := eventlog.Event{T: clock.Epoch, Actor: eventlog.Harness, Kind: eventlog.KindRunEnded, Fields: o.fields()}
		if line := string(writeLine(t, ev)); !strings.Contains(line, `"owed_kinds":[`) || !strings.Contains(line, `"owed_smdp":[`) {
			t.Errorf("%+v: run_ended %s does not name every kind", o, line)
		}
		end := readBack(t, ev)
		if got, want := Of(&end), o.Notes(); got != want {
			t.Errorf("%+v: the log says %+v, the run %+v", o, got, want)
		}
	}
}

// A record that names some kinds keeps them; the others are its log's.
func TestNotesOr(t *testing.T) {
	log := Notes{Platform: "log's", SMDP: "log's too", PlatformKnown: true, SMDPKnown: true}
	for _, tc := range []struct {
		name         string
		record, want Notes
	}{
		{"none recorded", Notes{}, log},
		{"the platform's recorded", Notes{Platform: "recorded"}, Notes{Platform: "recorded", SMDP: "log's too", SMDPKnown: true}},
		{"both recorded", Notes{Platform: "recorded", SMDP: "recorded too"}, Notes{Platform: "recorded", SMDP: "recorded too"}},
	} {
		if got := tc.record.Or(log); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := (Notes{}).Or(Notes{}); got != (Notes{}) {
		t.Errorf("nothing from nothing: %+v", got)
	}
}

// The JSON form (results.json's, through report.Entry) names each kind by
// its Key, in Kinds' order, and keeps no "known".
func TestNotesJSONKeysAreTheKinds(t *testing.T) {
	o := Notes{Platform: "p", SMDP: "s", PlatformKnown: true, SMDPKnown: true}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	want := "{"
	for i, k := range o.Kinds() {
		if i > 0 {
			want += ","
		}
		want += `"` + k.Key + `":"` + *k.Words + `"`
	}
	if want += "}"; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
	if b, _ := json.Marshal(Notes{}); string(b) != "{}" {
		t.Errorf("none owed: %s, want {}", b)
	}
}

// TestSMDPNote: run_ended's owed_smdp in words — none says nothing,
// the first eight are listed, the count is of all (t78 F2).
func TestSMDPNote(t *testing.T) {
	const why = "the card still owed SM-DP+s %d notification(s) at the end, which it had not seen acknowledged (an SM-DP+ may have taken one whose answer was lost; the card keeps them and sends them again once it has a bearer and the SM-DP+ answers): "
	var many []string
	for i := range 10 {
		many = append(many, SMDPEntry("disable", "smdp.sfr.test", i+1))
	}
	for _, tc := range []struct {
		name string
		owed []string
		want string
	}{
		{"none", nil, ""},
		{"none logged", []string{}, ""},
		{"two", []string{SMDPEntry("enable", "smdp.bouygues.test", 2), SMDPEntry("disable", "smdp.bouygues.test", 4)},
			fmt.Sprintf(why, 2) + "enable@smdp.bouygues.test seq 2, disable@smdp.bouygues.test seq 4"},
		{"many: the first eight", many, fmt.Sprintf(why, 10) + strings.Join(many[:8], ", ") + ", …"},
	} {
		if got := SMDPNote(tc.owed); got != tc.want {
			t.Errorf("%s: %q\nwant %q", tc.name, got, tc.want)
		}
	}
	if many[8] != SMDPEntry("disable", "smdp.sfr.test", 9) {
		t.Errorf("SMDPNote wrote over its argument: %q", many[8])
	}
}
