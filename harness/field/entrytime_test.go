package field

import (
	"fmt"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestEntryTime: an entry without a time takes the time of the last
// timed entry before it, and the log's origin when none is; the index
// place builds gives what a walk back gives.
func TestEntryTime(t *testing.T) {
	t0 := time.Date(2026, 5, 2, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	for _, c := range []struct {
		name  string
		times []time.Time // zero: no time
		want  []time.Duration
	}{
		{"none", []time.Time{{}, {}, {}}, []time.Duration{0, 0, 0}},
		{"all", []time.Time{at(0), at(1), at(3)}, []time.Duration{0, time.Second, 3 * time.Second}},
		{"gaps", []time.Time{{}, at(0), {}, {}, at(5), {}}, []time.Duration{0, 0, 0, 0, 5 * time.Second, 5 * time.Second}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := &fieldlog.Transcript{Clock: fieldlog.Absolute}
			for k, tm := range c.times {
				tr.Entries = append(tr.Entries, fieldlog.Entry{Line: k + 1, Time: tm})
			}
			f := &Fixture{Logs: []*fieldlog.Transcript{tr}}
			f.place()
			for k, want := range c.want {
				if got := f.EntryTime(0, k); got != want {
					t.Errorf("EntryTime(0, %d) = %v, want %v", k, got, want)
				}
			}
		})
	}
}

// BenchmarkEntryTimeUntimed: every entry of a log without times, as the
// draft asks (facts.extractAT): a walk back from each entry made drafting
// a 100,000-line log take two minutes (t79 F3); flat per entry now.
func BenchmarkEntryTimeUntimed(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			tr := &fieldlog.Transcript{Entries: make([]fieldlog.Entry, n)}
			f := &Fixture{Logs: []*fieldlog.Transcript{tr}}
			f.place()
			b.ResetTimer()
			for i := range b.N {
				f.EntryTime(0, i%n)
			}
		})
	}
}
