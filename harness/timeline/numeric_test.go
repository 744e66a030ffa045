package timeline

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestNumericResultCodes (t185 F4): under ATV0 the modem sends its basic
// result codes as digits (V.250 §6.2.6, §5.7.1: 0 OK, 4 ERROR), and the
// AT lane reads them as the final results they stand for, as esimhil log
// does: the command that sets V may answer in either form, +CME ERROR
// stays in words, a boot or a restart brings back V1 (nothing stored), a queued line
// pairs with its own digit, and under V1 a bare digit stays information
// text, as does +CCHO's bare <sessionid>.
func TestNumericResultCodes(t *testing.T) {
	q := at.QueuedMark
	const events = `{"t":"2026-01-01T00:00:00Z","actor":"harness","event":"run_started","scenario":"x","seed":1}` + "\n"
	tests := []struct {
		name string
		log  []string // "<seconds> <dir> <text>"
		want []string // "<seconds> <from>→<to> <label>[ (failed)]" of the AT lane's rows
	}{
		{"ATV0 and what follows", []string{
			"1 > ATV0", "1 < 0", "2 > AT+FOO", "2 < 4", "3 > AT+CGMI", "3 < esimhil", "3 < 0", "4 > AT+CPIN?", "4 < +CME ERROR: 10"}, []string{
			"1 host→modem ATV0", "1 modem→host 0 [OK]", "2 host→modem AT+FOO", "2 modem→host 4 [ERROR] (failed)",
			"3 host→modem AT+CGMI", "3 modem→host esimhil · 0 [OK]", "4 host→modem AT+CPIN?", "4 modem→host +CME ERROR: 10 (failed)"}},
		{"ATV0 answered in words, then digits", []string{
			"1 > ATE0V0", "1 < OK", "2 > AT", "2 < 0"}, []string{
			"1 host→modem ATE0V0", "1 modem→host OK", "2 host→modem AT", "2 modem→host 0 [OK]"}},
		{"queued lines under V0", []string{
			"7 > ATV0", "7 < 0", `7.5 > AT+COPS=1,2,"20810"`, "8 > AT+CGMI" + q, "8.2 > AT+FOO" + q, "8.5 > AT+CSQ" + q,
			"10 < +CME ERROR: 111", "10 < esimhil", "10 < 0", "10 < 4", "10 < +CSQ: 20,99", "10 < 0"}, []string{
			"7 host→modem ATV0", "7 modem→host 0 [OK]", `7.5 host→modem AT+COPS=1,2,"20810"`, "8 host→modem AT+CGMI",
			"8.2 host→modem AT+FOO", "8.5 host→modem AT+CSQ", "10 modem→host +CME ERROR: 111 (failed)",
			"10 modem→host esimhil · 0 [OK]", "10 modem→host 4 [ERROR] (failed)", "10 modem→host +CSQ: 20,99 · 0 [OK]"}},
		{"a boot brings back V1", []string{
			"1 > ATV0", "1 < 0", "2 < RDY", "3 > AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "3 < 1", "3 < OK"}, []string{
			"1 host→modem ATV0", "1 modem→host 0 [OK]", "2 modem→host RDY",
			"3 host→modem AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "3 modem→host 1 · OK"}},
		// A restart answered OK is a boot too (V.250 §6.1.1), with no
		// boot URC after it from a Sierra or a Fibocom.
		{"a restart brings back V1", []string{
			"1 > ATV0", "1 < 0", "2 > AT+CFUN=1,1", "2 < 0", "20 > AT+CGMR", "20 < 0", "20 < OK"}, []string{
			"1 host→modem ATV0", "1 modem→host 0 [OK]", "2 host→modem AT+CFUN=1,1", "2 modem→host 0 [OK]",
			"20 host→modem AT+CGMR", "20 modem→host 0 · OK"}},
		{"V1: a digit is information text", []string{
			"1 > ATV1", "1 < OK", "2 > AT+CGMR", "2 < 0", "2 < OK"}, []string{
			"1 host→modem ATV1", "1 modem→host OK", "2 host→modem AT+CGMR", "2 modem→host 0 · OK"}},
		{"+CCHO's bare session id under V0", []string{
			"1 > ATV0", "1 < 0", "2 > AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "2 < 0", "2 < 0"}, []string{
			"1 host→modem ATV0", "1 modem→host 0 [OK]", "2 host→modem AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"", "2 modem→host 0 · 0 [OK]"}},
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
				if it.Kind != KindAT {
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
