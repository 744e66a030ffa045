package scenario

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
)

// TestOwedNotes: the notes a card still owed at the end, read from
// run_ended as the log keeps it (written, then read back), and what each
// record of the run says of them: a note apiece, the page's banner, what
// a recheck cannot hold to an older esimhil's log, a record filled in
// from its log (r85 #10: one type for every site).
func TestOwedNotes(t *testing.T) {
	platform := OwedNote([]string{"attach-success", "download-success"}, []string{"1", "2"})
	smdp := OwedSMDPNote([]string{OwedSMDPEntry("enable", "smdp.sfr.test", 2)})
	const olderPlatform = "its owed notes were not checked again: its run_ended names none (an earlier esimhil's)"
	const olderSMDP = "its notes owed SM-DP+s were not checked again: its run_ended does not name them (an earlier esimhil's)"
	for _, tc := range []struct {
		name      string
		end       eventlog.F // run_ended's fields; nil: no run_ended
		want      OwedNotes
		said      []string
		unchecked string
	}{
		{"no run_ended", nil, OwedNotes{}, nil, olderPlatform},
		{"an older esimhil's run_ended", eventlog.F{"registration": "home"}, OwedNotes{}, nil, olderPlatform},
		{"one before t78 F2", eventlog.F{"owed_kinds": []string{"attach-success", "download-success"}, "owed_reports": []string{"1", "2"}},
			OwedNotes{Platform: platform, PlatformKnown: true}, []string{platform}, olderSMDP},
		{"none owed", eventlog.F{"owed_kinds": []string{}, "owed_reports": []string{}, "owed_smdp": []string{}},
			OwedNotes{PlatformKnown: true, SMDPKnown: true}, nil, ""},
		{"the SM-DP+s' alone", eventlog.F{"owed_kinds": []string{}, "owed_reports": []string{}, "owed_smdp": []string{"enable@smdp.sfr.test seq 2"}},
			OwedNotes{SMDP: smdp, PlatformKnown: true, SMDPKnown: true}, []string{smdp}, ""},
		{"both", OwedAtEnd{Kinds: []string{"attach-success", "download-success"}, Reports: []string{"1", "2"}, SMDP: []string{"enable@smdp.sfr.test seq 2"}}.fields(),
			OwedNotes{Platform: platform, SMDP: smdp, PlatformKnown: true, SMDPKnown: true}, []string{platform, smdp}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var end *eventlog.Event
			if tc.end != nil {
				// Through the log's own lines, as a recheck reads them.
				var b bytes.Buffer
				ev := eventlog.Event{T: clock.Epoch.Add(time.Hour), Actor: eventlog.Harness, Kind: eventlog.KindRunEnded, Fields: tc.end}
				if err := eventlog.WriteLines(&b, []eventlog.Event{ev}); err != nil {
					t.Fatal(err)
				}
				events, err := ReadEvents(&b)
				if err != nil || len(events) != 1 {
					t.Fatalf("read back: %v, %v", events, err)
				}
				end = &events[0]
			}
			got := OwedOf(end)
			if got != tc.want {
				t.Errorf("OwedOf %+v\nwant %+v", got, tc.want)
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

// fields are the run_ended fields OwedAtEnd.Log sets.
func (o OwedAtEnd) fields() eventlog.F {
	f := eventlog.F{}
	o.Log(f)
	return f
}

// A run's own words for what it owed are a recheck's of its log; none
// owed is logged as such ([], not absent: an older esimhil's).
func TestOwedAtEndIsWhatTheLogSays(t *testing.T) {
	for _, o := range []OwedAtEnd{
		{},
		{Kinds: []string{"attach-success"}, Reports: []string{"7"}},
		{SMDP: []string{"enable@smdp.sfr.test seq 2", "disable@smdp.sfr.test seq 4"}},
	} {
		var b bytes.Buffer
		ev := eventlog.Event{T: clock.Epoch, Actor: eventlog.Harness, Kind: eventlog.KindRunEnded, Fields: o.fields()}
		if err := eventlog.WriteLines(&b, []eventlog.Event{ev}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), `"owed_kinds":[`) || !strings.Contains(b.String(), `"owed_smdp":[`) {
			t.Errorf("%+v: run_ended %s does not name every kind", o, b.String())
		}
		events, err := ReadEvents(&b)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := OwedOf(&events[0]), o.Notes(); got != want {
			t.Errorf("%+v: the log says %+v, the run %+v", o, got, want)
		}
	}
}

// A record that names some kinds keeps them; the others are its log's.
func TestOwedNotesOr(t *testing.T) {
	log := OwedNotes{Platform: "log's", SMDP: "log's too", PlatformKnown: true, SMDPKnown: true}
	for _, tc := range []struct {
		name         string
		record, want OwedNotes
	}{
		{"none recorded", OwedNotes{}, log},
		{"the platform's recorded", OwedNotes{Platform: "recorded"}, OwedNotes{Platform: "recorded", SMDP: "log's too", SMDPKnown: true}},
		{"both recorded", OwedNotes{Platform: "recorded", SMDP: "recorded too"}, OwedNotes{Platform: "recorded", SMDP: "recorded too"}},
	} {
		if got := tc.record.Or(log); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := (OwedNotes{}).Or(OwedNotes{}); got != (OwedNotes{}) {
		t.Errorf("nothing from nothing: %+v", got)
	}
}

// The JSON form (results.json's, through report.Entry) names each kind by
// its Key, in Kinds' order, and keeps no "known".
func TestOwedNotesJSONKeysAreTheKinds(t *testing.T) {
	o := OwedNotes{Platform: "p", SMDP: "s", PlatformKnown: true, SMDPKnown: true}
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
	if b, _ := json.Marshal(OwedNotes{}); string(b) != "{}" {
		t.Errorf("none owed: %s, want {}", b)
	}
}
