package eventlog

import (
	"io"
	"testing"
	"time"
)

// An event as the card logs one, streamed to events.jsonl.
func BenchmarkEmit(b *testing.B) {
	l := New(func() time.Time { return time.Date(2026, 1, 1, 0, 13, 0, 0, time.UTC) })
	if err := l.Stream(io.Discard); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		l.Emit(EUICC, "stk_error", F{"reason": "proactive command 26: result 20/04", "result": "20/04", "mode": "idle"})
		if l.Count() < 0 {
			b.Fatal("count")
		}
	}
}

// Emit asks it of every event.
func BenchmarkKnown(b *testing.B) {
	for b.Loop() {
		if !Known(Harness, KindRunStarted) || Known(Harness, "no_such_kind") {
			b.Fatal("registry")
		}
	}
}
