package scenario

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
)

// A run whose events carry a field of any length is read back from its
// events.jsonl as the run held it: the log wrote the event shortened to
// eventlog.MaxLine, and the check from memory and the recheck from the
// file see the same events (the same bytes written again), the same
// dropped notes and the same last word on an operator.
func TestReadEventsOfALongEvent(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		cut  bool
	}{
		{"short", 100, false},
		{"2 MiB", 2 << 20, true},
		{"17 MiB, over the old 16 MiB bound", 17 << 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "events.jsonl")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			l := eventlog.New(func() time.Time { return now })
			if err := l.Stream(f); err != nil {
				t.Fatal(err)
			}
			long := strings.Repeat("x", tc.size)
			l.Emit(eventlog.Harness, eventlog.KindRunStarted, eventlog.F{"scenario": "x", "seed": 7})
			now = now.Add(time.Minute)
			l.Emit(eventlog.EUICC, "download_result", eventlog.F{"operator": "sfr", "ok": false, "reason": "http status 403: " + long})
			l.Emit(eventlog.EUICC, applet.KindNoteDropped, eventlog.F{"kind": "attach-failure", "report": 3, "reason": applet.ReasonOutboxFull + ": " + long})
			now = now.Add(time.Minute)
			l.Emit(eventlog.Harness, eventlog.KindRunEnded, eventlog.F{"registration": "home", "owed_kinds": []string{}, "owed_reports": []string{}})
			if err := f.Close(); err != nil || l.StreamErr() != nil {
				t.Fatal(err, l.StreamErr())
			}
			r, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			read, err := ReadEvents(r)
			if err != nil || len(read) != 4 {
				t.Fatalf("ReadEvents: %d events, %v; want 4", len(read), err)
			}
			held := l.Events()
			var again, file bytes.Buffer
			if err := eventlog.WriteLines(&again, read); err != nil {
				t.Fatal(err)
			}
			if err := eventlog.WriteLines(&file, held); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), file.Bytes()) {
				t.Errorf("the events read back write %d bytes, those the run held %d", again.Len(), file.Len())
			}
			for i, e := range read {
				if _, cut := e.Fields[eventlog.TruncatedKey]; cut != (tc.cut && (i == 1 || i == 2)) {
					t.Errorf("event %d (%s): %s %v", i+1, e.Kind, eventlog.TruncatedKey, e.Fields[eventlog.TruncatedKey])
				}
			}
			if m, f := lastWordOn(held, "sfr"), lastWordOn(read, "sfr"); m != f || !strings.Contains(f, "http status 403: xxx") {
				t.Errorf("last word on sfr: from memory %.80q…, from the file %.80q…", m, f)
			}
			if _, err := r.Seek(0, 0); err != nil {
				t.Fatal(err)
			}
			n, err := NotesInLog(r)
			if want := DroppedNotes(held); err != nil || n.Dropped != want || want != DroppedNotes(read) || !strings.Contains(want, "(reports 3)") {
				t.Errorf("NotesInLog dropped %q, %v; from memory %q", n.Dropped, err, want)
			}
		})
	}
}
