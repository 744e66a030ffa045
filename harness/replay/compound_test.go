package replay

import (
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
