package fieldlog

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLateAnswerAfterTimeout: a +CGLA answer that comes after
// ModemManager gave up on its command ("timed out") is refused naming
// that command and the timeout, not as a line of another port (outside
// tester t178 N10): the answer during the next command, or with none
// awaiting.
func TestLateAnswerAfterTimeout(t *testing.T) {
	for _, tc := range []struct {
		log, want string
	}{
		{"mm-late-cgla.log", `mm-late-cgla.log:7: +CGLA: 46,"BF3E125A10890490321234512345123456789012359000" during AT+CSQ (line 6): the late answer to AT+CGLA=1,22,"81E2910006BF3E035C015A" (line 3), which the host gave up on at line 4 (its own timeout)`},
		{"mm-late-cgla2.log", `mm-late-cgla2.log:6: +CGLA: 46,"BF3E125A10890490321234512345123456789012359000" while no command awaits its result: the late answer to AT+CGLA=1,22,"81E2910006BF3E035C015A" (line 3), which the host gave up on at line 4`},
	} {
		t.Run(tc.log, func(t *testing.T) {
			_, err := ReadFile(filepath.Join("testdata", tc.log), "")
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "another AT port") {
				t.Errorf("error %v\nwant %q, no other port", err, tc.want)
			}
		})
	}
}
