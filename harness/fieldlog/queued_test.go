package fieldlog

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestQueuedLinesInATLog: the emulated modem logs a line the host sent
// while a command ran when it came, marked (at.QueuedMark), before the
// running command's answer (t169 F1). The reader takes the mark off and
// pairs each such line with the answer after the running one's final
// result, in order; the line before it is not left unanswered.
func TestQueuedLinesInATLog(t *testing.T) {
	q := at.QueuedMark
	tests := []struct {
		name string
		log  []string // "<second> <dir> <text>"
		want []string // each command: "<text>[ (queued)]: <answer lines>"
	}{
		{"one line sent during +COPS=1", []string{
			`4 > AT+COPS=1,2,"20810"`, "5 > AT+CGMI" + q, "7 < ERROR", "7 < esimhil", "7 < OK"}, []string{
			`AT+COPS=1,2,"20810": ERROR`, "AT+CGMI (queued): esimhil|OK"}},
		{"three lines, each answered in turn", []string{
			`1 > AT+COPS=1,2,"20810"`, "2 > AT+CEREG?" + q, "3 > AT+CSQ" + q, "4 > AT" + q,
			"5 < +CME ERROR: 111", "5 < +CEREG: 0,3", "5 < OK", "5 < +CSQ: 20,99", "5 < OK", "5 < OK", "6 > AT+CGMI", "6 < esimhil", "6 < OK"}, []string{
			`AT+COPS=1,2,"20810": +CME ERROR: 111`, "AT+CEREG? (queued): +CEREG: 0,3|OK", "AT+CSQ (queued): +CSQ: 20,99|OK", "AT (queued): OK", "AT+CGMI: esimhil|OK"}},
		{"a URC while they wait", []string{
			`1 > AT+COPS=1,2,"20810"`, "2 > AT+CSQ" + q, "3 < +CEREG: 2", "4 < OK", "4 < +CSQ: 20,99", "4 < OK"}, []string{
			`AT+COPS=1,2,"20810": OK`, "AT+CSQ (queued): +CSQ: 20,99|OK"}},
		{"with the echo, as a replay's host.log shows it", []string{
			`1 > AT+COPS=1,2,"20810"`, `1 < AT+COPS=1,2,"20810"`, "2 > AT+CGMI" + q, "2 < AT+CGMI", "3 < ERROR", "3 < esimhil", "3 < OK"}, []string{
			`AT+COPS=1,2,"20810": AT+COPS=1,2,"20810"|ERROR`, "AT+CGMI (queued): AT+CGMI|esimhil|OK"}},
		{"the same line queued twice: each echo its own", []string{
			`1 > AT+COPS=1,2,"20810"`, `1 < AT+COPS=1,2,"20810"`, "2 > AT+CSQ" + q, "2 < AT+CSQ", "3 > AT+CSQ" + q, "3 < AT+CSQ",
			"4 < OK", "4 < +CSQ: 20,99", "4 < OK", "4 < +CSQ: 21,99", "4 < OK"}, []string{
			`AT+COPS=1,2,"20810": AT+COPS=1,2,"20810"|OK`, "AT+CSQ (queued): AT+CSQ|+CSQ: 20,99|OK", "AT+CSQ (queued): AT+CSQ|+CSQ: 21,99|OK"}},
		{"a boot drops what waits", []string{
			`1 > AT+COPS=1,2,"20810"`, "2 > AT+CGMI" + q, "3 < RDY", "4 > AT", "4 < OK"}, []string{
			`AT+COPS=1,2,"20810": `, "AT+CGMI (queued): ", "AT: OK"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log strings.Builder
			for _, l := range tc.log {
				sec, rest, _ := strings.Cut(l, " ")
				fmt.Fprintf(&log, "2026-01-01T00:00:%02sZ %s\n", sec, rest)
			}
			tr, err := Read("at.log", []byte(log.String()), ATLog)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, i := range tr.Commands() {
				e := tr.Entries[i]
				s := e.Text
				if e.Queued {
					s += " (queued)"
				}
				var answer []string
				for _, a := range tr.Answer(i) {
					answer = append(answer, a.Text)
				}
				got = append(got, s+": "+strings.Join(answer, "|"))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("commands:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// A lab run's at.log marks the lines its client took for URCs
// (at.URCMark): the reader takes the mark off, and the log reads as the
// same log without marks does.
func TestURCMarkInATLog(t *testing.T) {
	lines := []string{"> AT+CGMM", "< +QIND: PB DONE", "< EG25", "< OK", "< +CEREG: 5", "> AT+CPIN?", "< RDY", "< +CPIN: READY", "< OK"}
	marked := map[int]bool{1: true, 4: true, 6: true}
	var plain, withMarks strings.Builder
	for i, l := range lines {
		fmt.Fprintf(&plain, "2026-01-01T00:00:%02dZ %s\n", i, l)
		if marked[i] {
			l += at.URCMark
		}
		fmt.Fprintf(&withMarks, "2026-01-01T00:00:%02dZ %s\n", i, l)
	}
	a, err := Read("at.log", []byte(plain.String()), ATLog)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Read("at.log", []byte(withMarks.String()), ATLog)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Entries) != len(b.Entries) {
		t.Fatalf("%d entries marked, %d not", len(b.Entries), len(a.Entries))
	}
	for i := range a.Entries {
		if a.Entries[i].Text != b.Entries[i].Text || a.Entries[i].Role != b.Entries[i].Role {
			t.Errorf("entry %d: marked %q (%v), plain %q (%v)", i, b.Entries[i].Text, b.Entries[i].Role, a.Entries[i].Text, a.Entries[i].Role)
		}
	}
}
