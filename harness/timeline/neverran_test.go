package timeline

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestQueuedLineNeverRan (t185 F9): a line the host sent while a command
// ran that the modem never ran (a boot dropped it, the log ended, the
// modem took a later line unmarked) keeps its "sent while the command
// before it ran" note, and its row and answer say why it went unanswered.
func TestQueuedLineNeverRan(t *testing.T) {
	q := at.QueuedMark
	const events = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n"
	tests := []struct {
		name string
		log  []string // "<seconds> <dir> <text>"
		want string   // in the detail of the queued line's row and its answer's
	}{
		{"a boot", []string{`1 > AT+COPS=1,2,"20810"`, "2 > AT+CGMI" + q, "3 < RDY"}, "the modem booted (RDY, at.log:3)"},
		{"the log's end", []string{`1 > AT+COPS=1,2,"20810"`, "2 > AT+CGMI" + q}, "the log ends"},
		{"an unmarked line", []string{`1 > AT+COPS=1,2,"20810"`, "2 > AT+CGMI" + q, "3 > AT", "3 < OK"}, "the host's next line (at.log:3) unmarked"},
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log strings.Builder
			for _, l := range tc.log {
				sec, rest, _ := strings.Cut(l, " ")
				d, _ := time.ParseDuration(sec + "s")
				fmt.Fprintf(&log, "%s %s\n", t0.Add(d).Format(time.RFC3339Nano), rest)
			}
			dir := writeArtifacts(t, map[string]string{"events.jsonl": events, "at.log": log.String()})
			tl, err := Build(dir, Run{Name: "x"})
			if err != nil {
				t.Fatal(err)
			}
			var row, answer *Item
			for i, it := range tl.Items {
				if it.Kind == KindAT && it.Source == "at.log:2" {
					if it.Reply {
						answer = &tl.Items[i]
					} else {
						row = &tl.Items[i]
					}
				}
			}
			if row == nil || answer == nil {
				t.Fatalf("no row or answer for at.log:2: %+v", tl.Items)
			}
			if !strings.Contains(row.Detail, "sent while the command before it ran; it never ran: ") || !strings.Contains(row.Detail, tc.want) {
				t.Errorf("row detail %q, want the note and %q", row.Detail, tc.want)
			}
			if !strings.Contains(answer.Detail, tc.want) || answer.Label != "(no final result)" {
				t.Errorf("answer %q / %q, want (no final result) and %q", answer.Label, answer.Detail, tc.want)
			}
		})
	}
}
