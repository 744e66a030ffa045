package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestWrongLeReplayedAsRecorded: a host driving +CSIM by hand sends GET
// RESPONSE with P3 00, its card answers 6Cxx, and it sends the command
// again with P3 xx (T=0, TS 102 221 §7.3.1.1.4). The emulated card does
// the same, so the replay sends the P3 00 as recorded and compares the
// 6Cxx as 6Cxx (its length is the card's: the emulated ISD-R's FCP is not
// the field card's 28 bytes): the replay reaches the recorded failure,
// the EnableProfile answered iccidOrAidNotFound (outside tester t166 F1:
// the GET RESPONSE went out as 81C0000015, took the data at once, and the
// recorded repeat got 6F00; the draft blamed +CGLA).
func TestWrongLeReplayedAsRecorded(t *testing.T) {
	for _, tc := range []struct {
		log       string
		failure   int
		recorded  string // the P3 00 GET RESPONSE, which goes out as is
		noAdapted bool   // no command went out otherwise
	}{
		{"minicom-csim-6c-eid.log", 34, `AT+CSIM=10,"81C0000000"`, true},
		// The SELECT's FCP too: its repeat asks for the emulated card's
		// own length, the one its 6Cxx named.
		{"minicom-csim-6c.log", 37, `AT+CSIM=10,"01C0000000"`, false},
	} {
		t.Run(tc.log, func(t *testing.T) {
			log, err := os.ReadFile(filepath.Join("testdata", tc.log))
			if err != nil {
				t.Fatal(err)
			}
			manifest := fmt.Sprintf(`name: csim6c
source: "outside tester t166"
logs:
  - {file: %s, format: terminal}
device:
  personality: generic
  profiles:
    - {iccid: "89330123456789012342", operator: orange-fr, enabled: true}
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: movistar-es, plmn: "21407", country: ES, name: Movistar}
expected: "the roaming profile is found"
failure: {log: %s, line: %d, what: "the card answered EnableProfile: enableResult 1 iccidOrAidNotFound, SW 9000"}
expect: reproduces
`, tc.log, tc.log, tc.failure)
			dir := newFixture(t, "csim6c", map[string]string{tc.log: string(log), field.ManifestFile: manifest})
			res := replay(t, dir)
			if !res.OK || res.Divergence != nil {
				t.Errorf("OK %v, divergence %+v: want the replay through the failure\n%s", res.OK, res.Divergence, Report(res))
			}
			for _, a := range res.Adapted {
				if strings.HasPrefix(a, tc.recorded) {
					t.Errorf("adapted %q: the field card answered it with 6Cxx, which goes out as recorded", a)
				}
			}
			if tc.noAdapted && len(res.Adapted) > 0 {
				t.Errorf("adapted %q, want none", res.Adapted)
			}
			for _, todo := range res.Plan.ToDo {
				if strings.Contains(todo, "6C") {
					t.Errorf("to do %q: the emulated card answers the 6Cxx too", todo)
				}
			}
		})
	}
}
