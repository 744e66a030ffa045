package timeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
)

// An event logged with a field of any length reaches the page: the log
// writes it shortened to eventlog.MaxLine, which the page reads, so it
// is a row like any other, not an unreadable line; and ReadLogEnds finds
// a last line that long (run_incomplete with a long reason).
func TestLongEventIsARow(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		size int
		cut  bool
	}{
		{"short", 100, false},
		{"2 MiB", 2 << 20, true},
		{"17 MiB", 17 << 20, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f, err := os.Create(filepath.Join(dir, "events.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			now := start
			l := eventlog.New(func() time.Time { return now })
			if err := l.Stream(f); err != nil {
				t.Fatal(err)
			}
			long := strings.Repeat("x", tc.size)
			l.Emit(eventlog.Harness, eventlog.KindRunStarted, eventlog.F{"scenario": "x", "seed": 7})
			now = now.Add(time.Second)
			l.Emit(eventlog.SMDP, "es9_error", eventlog.F{"operator": "sfr", "function": "initiateAuthentication", "subject": "8.8.1", "reason": "3.8", "message": "smdpAddress " + long})
			now = now.Add(time.Second)
			l.Emit(eventlog.Harness, eventlog.KindRunIncomplete, eventlog.F{"reason": "stopped: " + long})
			if err := f.Close(); err != nil || l.StreamErr() != nil {
				t.Fatal(err, l.StreamErr())
			}
			evs, lines, err := scanEventLog(filepath.Join(dir, "events.jsonl"), nil, nil)
			if err != nil || len(evs) != 3 || lines != 3 {
				t.Fatalf("%d events of %d lines, %v; want 3 of 3, no error", len(evs), lines, err)
			}
			msg := evs[1].str("message")
			if _, cut := evs[1].Fields[eventlog.TruncatedKey]; cut != tc.cut || strings.HasSuffix(msg, eventlog.CutMark) != tc.cut || !strings.HasPrefix(msg, "smdpAddress xxx") {
				t.Errorf("es9_error's message %.40q…, %s %v; want cut: %v", msg, eventlog.TruncatedKey, evs[1].Fields[eventlog.TruncatedKey], tc.cut)
			}
			tl, err := Build(dir, Run{Name: "long"})
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			for _, it := range tl.Items {
				if it.Kind == KindEvent {
					rows++
				}
			}
			if notes := strings.Join(tl.Notes, "\n"); rows != 3 || strings.Contains(notes, "events.jsonl") {
				t.Errorf("%d event rows, want 3; notes %.300q", rows, notes)
			}
			ends, err := ReadLogEnds(filepath.Join(dir, "events.jsonl"))
			if err != nil || !ends.HasSeed || ends.Seed != 7 || !ends.Incomplete || !ends.Last.Equal(start.Add(2*time.Second)) || ends.Cut {
				t.Errorf("ReadLogEnds = %+v, %v; want seed 7, incomplete, last at +2s", ends, err)
			}
		})
	}
}
