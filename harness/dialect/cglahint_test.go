package dialect

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/atclient"
)

// A +CGLA line's length field against its APDU's hex characters: a line
// the host malformed (t238 M8: the length in bytes) is named as the
// host's fault, not a modem without +CGLA.
func TestCGLALength(t *testing.T) {
	for _, tc := range []struct {
		line          string
		length, chars int
		ok            bool
	}{
		{`AT+CGLA=1,10,"80CA005A00"`, 10, 10, true},
		{`AT+CGLA=1,5,"80CA005A00"`, 5, 10, true},
		{`AT+CGLA=000000000385a7cf,4,"0070"`, 4, 4, true},
		{`AT+CGLA=1,,"80CA005A00"`, 0, 0, false},
		{`AT+CGLA=1,10,80CA005A00`, 0, 0, false},
		{`AT+CGLA=1`, 0, 0, false},
		{`AT+CSIM=10,"80CA005A00"`, 0, 0, false},
	} {
		if n, c, ok := cglaLength(tc.line); n != tc.length || c != tc.chars || ok != tc.ok {
			t.Errorf("cglaLength(%s) = %d, %d, %v; want %d, %d, %v", tc.line, n, c, ok, tc.length, tc.chars, tc.ok)
		}
	}
	ch := Channel{Session: "1"}
	for _, tc := range []struct {
		name, line string
		err        error
		want       string
	}{
		{"malformed as sent", `AT+CGLA=1,5,"80CA005A00"`, atclient.ErrError, "(the command as sent is malformed: its length field is 5, its APDU 10 hex characters, which 27.007 §8.43 says it counts: the host's fault, not the modem's)"},
		{"well formed, the first", `AT+CGLA=1,10,"80CA005A00"`, atclient.ErrError, "the modem refused the first +CGLA on session 1"},
		{"another cause", `AT+CGLA=1,5,"80CA005A00"`, &atclient.CMEError{Code: 10}, ""},
	} {
		got := ch.cglaRefusedHint(tc.line, tc.err)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
