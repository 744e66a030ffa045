package fieldlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCSIMFetchesCGLASession: a GET RESPONSE sent over +CSIM whose CLA
// names channel n fetches what waits from a +CGLA on session n — one
// logical channel, as the AT lane keys them (the modem puts its
// session's channel in the CLA) — so the answer is the session's, read as
// such; on another channel it is still a partial answer (outside tester
// t166 F8: "its start is not in the trace", and the EID not read).
func TestCSIMFetchesCGLASession(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "plain-cgla-then-csim.log"))
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	for _, tc := range []struct {
		name, log, summary string
	}{
		{"its session's channel", log, "EID 89049032123451234512345678901235"},
		{"another channel", strings.Replace(log, `"81C0000015"`, `"82C0000015"`, 1), "partial answer (its start is not in the trace)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("x.log", []byte(tc.log), Plain)
			if err != nil {
				t.Fatal(err)
			}
			a := tr.Entries[7].APDU
			if a == nil || !strings.Contains(a.Summary, tc.summary) {
				t.Fatalf("line 8's APDU %+v, want a summary with %q", a, tc.summary)
			}
		})
	}
}
