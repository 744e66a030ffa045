package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestCSIMOpenWithP3Zero: a minicom session opens its channel with
// AT+CSIM=10,"0070000000" and the field modem answers 019000 (lpac issue
// 164's DW5821e is driven so): the replay's modem, given
// csim_open_repeats_6cxx from that line, answers the same, and the replay
// reaches the recorded failure (outside tester t166 F6: it answered 6C01
// and failed there).
func TestCSIMOpenWithP3Zero(t *testing.T) {
	log, err := os.ReadFile(filepath.Join("testdata", "minicom-mc00.log"))
	if err != nil {
		t.Fatal(err)
	}
	manifest := `name: mc00
source: "outside tester t166"
logs:
  - {file: minicom-mc00.log, format: terminal}
device:
  personality: generic
  profiles:
    - {iccid: "89330123456789012342", operator: orange-fr, enabled: true}
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: movistar-es, plmn: "21407", country: ES, name: Movistar}
expected: "the roaming profile is found"
failure: {log: minicom-mc00.log, line: 34, what: "the card answered EnableProfile: enableResult 1 iccidOrAidNotFound, SW 9000"}
expect: reproduces
`
	res := replay(t, newFixture(t, "mc00", map[string]string{"minicom-mc00.log": string(log), field.ManifestFile: manifest}))
	if !res.OK || res.Divergence != nil || !res.Plan.Dialect.CSIMOpenRepeats6Cxx {
		t.Errorf("OK %v, divergence %+v, csim_open_repeats_6cxx %v: want the replay through the failure\n%s",
			res.OK, res.Divergence, res.Plan.Dialect.CSIMOpenRepeats6Cxx, Report(res))
	}
	if !strings.Contains(strings.Join(res.Plan.Assumptions, "\n"), "device.quirks.csim_open_repeats_6cxx: true") {
		t.Errorf("assumptions do not name the quirk:\n%s", strings.Join(res.Plan.Assumptions, "\n"))
	}
}
