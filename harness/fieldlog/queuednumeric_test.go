package fieldlog

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestQueuedLinesUnderATV0 (t185 F3): under ATV0 a line the host sent
// while a command ran pairs with its own digit final result, not with
// the next one's: the finals after the running command's are the queued
// lines' in turn, so a bare digit is information text only when more
// finals follow than lines wait for one (a bare +CCHO session id). A log
// cut down to such an exchange is read whole, not as truncated.
func TestQueuedLinesUnderATV0(t *testing.T) {
	q := at.QueuedMark
	const ccho = `AT+CCHO="A0000005591010FFFFFFFF8900000100"`
	tests := []struct {
		name string
		log  []string // "<second> <dir> <text>"
		want []string // each command: "<text>[ (queued)]: <answer lines>"
	}{
		{"three lines during +COPS=1", []string{
			"1 > ATV0", "1 < 0", `2 > AT+COPS=1,2,"20810"`, "2 > AT+CGMI" + q, "3 > AT+FOO" + q, "3 > AT+CSQ" + q,
			"5 < +CME ERROR: 111", "5 < esimhil", "5 < 0", "5 < 4", "5 < +CSQ: 20,99", "5 < 0"}, []string{
			"ATV0: 0", `AT+COPS=1,2,"20810": +CME ERROR: 111`, "AT+CGMI (queued): esimhil|0", "AT+FOO (queued): 4", "AT+CSQ (queued): +CSQ: 20,99|0"}},
		{"a bare +CCHO session id, a line queued behind it", []string{
			"1 > ATV0", "1 < 0", "2 > " + ccho, "2 > AT+CGMI" + q,
			"5 < 4", "5 < 0", "5 < esimhil", "5 < 0"}, []string{
			"ATV0: 0", ccho + ": 4|0", "AT+CGMI (queued): esimhil|0"}},
		// The look ahead passes a line queued after the digit: it waits
		// for a final of its own, after the ones before it.
		{"a bare +CCHO session id, a line queued after it", []string{
			"1 > ATV0", "1 < 0", "2 > " + ccho, "2 > AT+CGMI" + q,
			"5 < 4", "6 > AT+CSQ" + q, "6 < 0", "6 < esimhil", "6 < 0", "6 < +CSQ: 20,99", "6 < 0"}, []string{
			"ATV0: 0", ccho + ": 4|0", "AT+CGMI (queued): esimhil|0", "AT+CSQ (queued): +CSQ: 20,99|0"}},
		{"two bare finals in a row", []string{
			"1 > ATV0", "1 < 0", `2 > AT+COPS=1,2,"20810"`, "2 > AT" + q, "3 > AT+FOO" + q,
			"5 < +CME ERROR: 111", "5 < 0", "5 < 4"}, []string{
			"ATV0: 0", `AT+COPS=1,2,"20810": +CME ERROR: 111`, "AT (queued): 0", "AT+FOO (queued): 4"}},
		{"a line queued while a queued one runs", []string{
			"1 > ATV0", "1 < 0", `2 > AT+COPS=1,2,"20810"`, "2 > AT+CGMI" + q,
			"5 < 4", "5 < esimhil", "6 > AT+CSQ" + q, "6 < 0", "6 < +CSQ: 20,99", "6 < 0"}, []string{
			"ATV0: 0", `AT+COPS=1,2,"20810": 4`, "AT+CGMI (queued): esimhil|0", "AT+CSQ (queued): +CSQ: 20,99|0"}},
		{"not queued, as before", []string{
			"1 > ATV0", "1 < 0", "2 > AT+CGMI", "2 < esimhil", "2 < 0", "3 > " + ccho, "3 < 1", "3 < 0"}, []string{
			"ATV0: 0", "AT+CGMI: esimhil|0", ccho + ": 1|0"}},
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
