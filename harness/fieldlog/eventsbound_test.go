package fieldlog

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
)

// An events.jsonl esimhil wrote is read here whatever its events held:
// the log keeps a line within eventlog.MaxLine (shortening an event that
// would be longer), which is within MaxLine, the bound of every field log.
func TestEventsLineBound(t *testing.T) {
	if eventlog.MaxLine > MaxLine {
		t.Fatalf("events.jsonl's lines are up to %d bytes, a field log's %d", eventlog.MaxLine, MaxLine)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := eventlog.New(func() time.Time { return now })
	var b bytes.Buffer
	if err := l.Stream(&b); err != nil {
		t.Fatal(err)
	}
	l.Emit(eventlog.Harness, eventlog.KindRunStarted, eventlog.F{"scenario": "x", "seed": 7})
	l.Emit(eventlog.SMDP, "es9_error", eventlog.F{"operator": "sfr", "message": strings.Repeat("\x01", 3<<20)})
	tr, err := Read("events.jsonl", b.Bytes(), Events)
	if err != nil || len(tr.RunEvents) != 2 {
		t.Fatalf("%v, %v", tr, err)
	}
	if _, ok := tr.RunEvents[1].Fields[eventlog.TruncatedKey]; !ok || !strings.HasSuffix(tr.RunEvents[1].Str("message"), eventlog.CutMark) {
		t.Errorf("es9_error not shortened: %.200v", tr.RunEvents[1].Fields)
	}
}
