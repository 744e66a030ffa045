package replay

import (
	"slices"
	"strings"
	"testing"
)

// TestCompoundLine: a command line of several commands (V.250 §5.2.1)
// replays as the recording shows it, each information line an answer on
// both sides: the failure after it reproduces, and "expect: fixed" fails
// (outside tester t79: the recording's +CPIN: READY read as a URC, the
// replay's as a URC the recording lacks, so "fixed" passed on an
// identical replay).
func TestCompoundLine(t *testing.T) {
	const log = "AT+CMEE=2\r\nOK\r\nAT+CSQ;+CPIN?\r\n+CSQ: 11,99\r\n\r\n+CPIN: READY\r\n\r\nOK\r\n" +
		"AT+CGLA=1,10,\"81E2910003BF2E00\"\r\n+CME ERROR: incorrect parameters\r\n"
	for _, tc := range []struct {
		expect string
		ok     bool
	}{
		{"reproduces", true},
		{"fixed", false},
	} {
		t.Run(tc.expect, func(t *testing.T) {
			manifest := strings.Replace(orangeFixture("compound", "generic", "term.log", "terminal", 10), "expect: reproduces", "expect: "+tc.expect, 1)
			res := replay(t, newFixture(t, "compound", map[string]string{"manifest.yaml": manifest, "term.log": log}))
			if res.OK != tc.ok {
				t.Errorf("verdict %v, want %v:\n%s", res.OK, tc.ok, Report(res))
			}
			if d := res.Divergence; d != nil && d.Src.Line < 10 {
				t.Errorf("divergence before the failure:\n%s", Report(res))
			}
		})
	}
}

// TestCompoundLineIdentity: on a line of several commands each answer is
// masked as its command's alone would be — the field module's identity
// (ATI, +CGMM) not compared, the IMSI after it compared — so a line
// replays as the same commands one a line do; and where the log cannot
// tell which command gave a line without a name, those lines are not
// compared, and the replay says so (outside tester t83: AT+CSQ;+CGMM
// failed on the model's name, ATI's later lines went to +CIMI).
func TestCompoundLineIdentity(t *testing.T) {
	const imsi = "208015021044451" // the emulated card's
	const failure = "AT+CGLA=1,10,\"81E2910003BF2E00\"\r\n+CME ERROR: incorrect parameters\r\n"
	for _, tc := range []struct {
		name, log string
		failure   int
		note      string // an assumption the replay must state
	}{
		{"a reading, then the model", "AT+CMEE=2\r\nOK\r\nAT+CSQ;+CGMM\r\n+CSQ: 20,99\r\n\r\nEG25\r\n\r\nOK\r\n" + failure, 9,
			"the field module's identity"},
		{"the model, then the IMSI", "AT+CMEE=2\r\nOK\r\nAT+CGMM;+CIMI\r\nEG25\r\n\r\n" + imsi + "\r\n\r\nOK\r\n" + failure, 9,
			"the field module's identity"},
		{"ATI's lines, then the IMSI", "AT+CMEE=2\r\nOK\r\nATI;+CIMI\r\nQuectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G\r\n\r\n" + imsi + "\r\n\r\nOK\r\n" + failure, 11,
			"the field module's identity"},
		{"the same, one a line", "AT+CMEE=2\r\nOK\r\nATI\r\nQuectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G\r\n\r\nOK\r\nAT+CIMI\r\n" + imsi + "\r\n\r\nOK\r\n" + failure, 14,
			"the field module's identity"},
		// ATI's last line, six digits, may be an IMSI: which is +CIMI's
		// the log cannot tell.
		{"ATI's digits, then the IMSI", "AT+CMEE=2\r\nOK\r\nATI;+CIMI\r\nQuectel\r\n123456\r\n\r\n" + imsi + "\r\n\r\nOK\r\n" + failure, 10,
			"the answer to ATI;+CIMI (term.log:3) runs over lines without a name that AT+CIMI or ATI may have given (from line 5): the log cannot tell which"},
	} {
		for _, expect := range []string{"reproduces", "fixed"} {
			t.Run(tc.name+": "+expect, func(t *testing.T) {
				manifest := strings.Replace(orangeFixture("identity", "generic", "term.log", "terminal", tc.failure), "expect: reproduces", "expect: "+expect, 1)
				res := replay(t, newFixture(t, "identity", map[string]string{"manifest.yaml": manifest, "term.log": tc.log}))
				if res.OK != (expect == "reproduces") {
					t.Errorf("verdict %v under %s:\n%s", res.OK, expect, Report(res))
				}
				if d := res.Divergence; d != nil && d.Src.Line < tc.failure {
					t.Errorf("divergence before the failure:\n%s", Report(res))
				}
				if !slices.ContainsFunc(res.Plan.Assumptions, func(a string) bool { return strings.Contains(a, tc.note) }) {
					t.Errorf("no assumption %q in %q", tc.note, res.Plan.Assumptions)
				}
			})
		}
	}
}
