package replay

import (
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestChannelOpenedInTheAnswerTheLogBeginsInside: a log that begins
// inside the answer that opened a logical channel (a MANAGE CHANNEL open
// over +CSIM, ISO/IEC 7816-4 §11.1.2, or +CCHO, TS 27.007 §8.45) goes on
// on that channel. The replay opens it first the same way, saying so
// (outside tester t193: a Zariot minicom log's skipped "+CSIM:
// 6,\"019000\"" left the replay's SELECT on channel 1 answered 6881, a
// channel it never opened, with nothing said). An answer that opens
// nothing opens nothing.
func TestChannelOpenedInTheAnswerTheLogBeginsInside(t *testing.T) {
	const selectISDR = "AT+CSIM=42,\"01A4040010A0000005591010FFFFFFFF8900000100\"\n"
	for _, tc := range []struct {
		name, log, said string
		preamble        string // the preamble's channel command, "" for none
	}{
		{"MANAGE CHANNEL open over +CSIM", "+CSIM: 6,\"019000\"\nOK\n" + selectISDR + "+CSIM: 4,\"6121\"\nOK\n",
			"channel 1 open when the logs begin: the answer the log begins inside, +CSIM: 6,\"019000\", opened it (s.log:1), a MANAGE CHANNEL open over +CSIM", `AT+CSIM=10,"0070000001"`},
		{"+CCHO", "+CCHO: 1\nOK\nAT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n+CGLA: 46,\"BF3E125A10890490320000010000000000000001719000\"\nOK\n",
			"channel 1 open when the logs begin: the answer the log begins inside, +CCHO: 1, opened it (s.log:1)", `AT+CCHO=`},
		{"an answer that opens nothing", "+CSIM: 4,\"9000\"\nOK\n" + selectISDR + "+CSIM: 4,\"6881\"\nOK\n", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newFixture(t, "open-answer", map[string]string{"s.log": tc.log, field.ManifestFile: orangeFixture("open-answer", "generic", "s.log", "terminal", 4)})
			res := replay(t, dir)
			said := slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool { return tc.said != "" && strings.HasPrefix(a, tc.said) })
			opened := slices.ContainsFunc(res.Plan.Preamble, func(l string) bool {
				return strings.HasPrefix(l, "AT+CSIM=10,\"0070") || strings.HasPrefix(l, "AT+CCHO=")
			})
			if !res.OK || said != (tc.said != "") || opened != (tc.preamble != "") ||
				tc.preamble != "" && !slices.ContainsFunc(res.Plan.Preamble, func(l string) bool { return strings.HasPrefix(l, tc.preamble) }) {
				t.Errorf("OK %v, preamble %q\n%s\n%s", res.OK, res.Plan.Preamble, Report(res), strings.Join(res.Plan.Assumptions, "\n"))
			}
		})
	}
}
