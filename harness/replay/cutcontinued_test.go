package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/harness/fieldlog"
)

// TestCutCommandContinued: a cut command line whose exchange goes on past
// its own answer — answered 61xx and fetched by a GET RESPONSE, or block 0
// of a STORE DATA chain — is read as one exchange: the GET RESPONSE's
// answer and the last block's are the cut command's, decoded by their tag
// (the enable's failure found), the next block is no "block 0 not in the
// log", and the replay sends none of it, so neither verdict passes at the
// failure those lines show (outside tester t178 N5: "failure none found",
// a false mid-chain to-do, and "fixed" passed on the replay's 6F00/6A86).
func TestCutCommandContinued(t *testing.T) {
	for _, tc := range []struct {
		log     string
		failure int    // the line with the enable's answer
		summary string // esimhil log's reading of it
		cont    string // the continuation named in the cut to-do
	}{
		{"minicom-csim-cut-61.log", 34, "EnableProfile: enableResult 1 iccidOrAidNotFound, SW 9000", "nor what continues it (line 33: "},
		{"minicom-cut-block0.log", 14, "EnableProfile: enableResult 1 iccidOrAidNotFound, SW 9000", "nor what continues it (line 13: "},
	} {
		t.Run(tc.log+"/draft", func(t *testing.T) {
			d, err := Draft(t.TempDir(), "d", "", []string{filepath.Join("testdata", tc.log)})
			if err != nil {
				t.Fatal(err)
			}
			if !d.Found || d.Failure.Line != tc.failure {
				t.Errorf("failure %v (found %v), want line %d", d.Failure, d.Found, tc.failure)
			}
			todo := strings.Join(d.Limits, "\n")
			if strings.Contains(todo, "block 0 the logs do not hold") || !strings.Contains(todo, tc.cont) {
				t.Errorf("to do:\n%s\nwant %q and no mid-chain limit", todo, tc.cont)
			}
			ts, err := fieldlog.ReadFile(filepath.Join("testdata", tc.log), "")
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, e := range ts.Entries {
				if e.Line == tc.failure && e.APDU != nil {
					got = e.APDU.Summary
				}
			}
			if got != tc.summary {
				t.Errorf("line %d read as %q, want %q", tc.failure, got, tc.summary)
			}
		})
		log, err := os.ReadFile(filepath.Join("testdata", tc.log))
		if err != nil {
			t.Fatal(err)
		}
		for _, expect := range []string{"fixed", "reproduces"} {
			t.Run(tc.log+"/"+expect, func(t *testing.T) {
				manifest := fmt.Sprintf(`name: cut
source: "outside tester t178"
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
failure: {log: %s, line: %d, what: "EnableProfile answered iccidOrAidNotFound"}
expect: %s
`, tc.log, tc.log, tc.failure, expect)
				res := replay(t, newFixture(t, "cut", map[string]string{tc.log: string(log), field.ManifestFile: manifest}))
				if res.OK || !strings.Contains(res.Why, "can show neither") || !strings.Contains(res.Why, "nor those that continue them") {
					t.Errorf("OK %v, why %q: want neither verdict, the continuation assumed\n%s", res.OK, res.Why, Report(res))
				}
			})
		}
	}
}
