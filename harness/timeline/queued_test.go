package timeline

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestQueuedLinesPairWithTheirAnswers: a line the host sent while a
// command ran is in at.log at the time it came, marked queued, before
// the running command's answer (t169 F1). Its row is at that time, with
// the answer that follows the running one's final result; an APDU it
// carries goes to the card when it ran, after that result. One the modem
// never ran (a boot, the log's end) has none.
func TestQueuedLinesPairWithTheirAnswers(t *testing.T) {
	q := at.QueuedMark
	const events = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n"
	tests := []struct {
		name string
		log  []string // "<seconds> <dir> <text>"
		want []string // "<seconds> <from>→<to> <label>[ (failed)]" of the AT lane's rows
	}{
		{"one line sent during +COPS=1", []string{
			`4.3 > AT+COPS=1,2,"20810"`, "4.81 > AT+CGMI" + q, "7.18 < ERROR", "7.18 < esimhil", "7.18 < OK"}, []string{
			`4.3 host→modem AT+COPS=1,2,"20810"`, "4.81 host→modem AT+CGMI", "7.18 modem→host ERROR (failed)", "7.18 modem→host esimhil · OK"}},
		{"three lines, answered in order", []string{
			`1 > AT+COPS=1,2,"20810"`, "1.5 > AT+CEREG?" + q, "2 > A/" + q, "2.5 > AT" + q,
			"3 < +CME ERROR: 111", "3 < +CEREG: 0,3", "3 < OK", "3 < +CEREG: 0,3", "3 < OK", "3 < OK"}, []string{
			`1 host→modem AT+COPS=1,2,"20810"`, "1.5 host→modem AT+CEREG?", "2 host→modem A/", "2.5 host→modem AT",
			"3 modem→host +CME ERROR: 111 (failed)", "3 modem→host +CEREG: 0,3 · OK", "3 modem→host +CEREG: 0,3 · OK", "3 modem→host OK"}},
		{"an APDU sent during +COPS=1 reaches the card when it runs", []string{
			`1 > AT+COPS=1,2,"20810"`, `1.5 > AT+CGLA=1,22,"81E2910006BF3E035C015A"` + q,
			"3 < OK", `3 < +CGLA: 4,"6A88"`, "3 < OK"}, []string{
			`1 host→modem AT+COPS=1,2,"20810"`, `1.5 host→modem AT+CGLA=1,22,"81E2910006BF3E035C015A"`,
			"3 modem→host OK", "3 modem→card ES10 GetEID (BF3E)", "3 card→modem SW 6A88 (failed)", `3 modem→host +CGLA: 4,"6A88" · OK`}},
		{"a boot drops what waits", []string{
			`1 > AT+COPS=1,2,"20810"`, "1.5 > AT+CGMI" + q, "2 < RDY", "3 > AT", "3 < OK"}, []string{
			`1 host→modem AT+COPS=1,2,"20810"`, "1 modem→host (no final result) (failed)", "1.5 host→modem AT+CGMI", "1.5 modem→host (no final result) (failed)",
			"2 modem→host RDY", "3 host→modem AT", "3 modem→host OK"}},
		// A lab run's client marks the lines it took for URCs
		// (at.URCMark): a row of its own, not part of the answer.
		{"a URC the lab client marked inside an answer", []string{
			"1 > AT+CGMM", "1.5 < MODEM READY" + at.URCMark, "2 < EG25", "2 < OK"}, []string{
			"1 host→modem AT+CGMM", "1.5 modem→host MODEM READY", "2 modem→host EG25 · OK"}},
		{"the same line unmarked is the answer's", []string{
			"1 > AT+CGMM", "1.5 < MODEM READY", "2 < EG25", "2 < OK"}, []string{
			"1 host→modem AT+CGMM", "2 modem→host MODEM READY · EG25 · OK"}},
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log strings.Builder
			for _, l := range tc.log {
				sec, rest, _ := strings.Cut(l, " ")
				d, err := time.ParseDuration(sec + "s")
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&log, "%s %s\n", t0.Add(d).Format(time.RFC3339Nano), rest)
			}
			dir := writeArtifacts(t, map[string]string{"events.jsonl": events, "at.log": log.String()})
			tl, err := Build(dir, Run{Name: "x"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range tl.Items {
				if it.Kind != KindAT && it.Kind != KindES10 {
					continue
				}
				s := fmt.Sprintf("%s %s→%s %s", strings.TrimSuffix(it.T.Sub(t0).String(), "s"), it.From, it.To, it.Label)
				if it.Failed {
					s += " (failed)"
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
