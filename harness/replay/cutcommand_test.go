package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestCutCommandNotSent: a minicom paste lost the tail of an
// EnableProfile's +CGLA line (Lc 20, 17 bytes, no closing quote) that the
// field modem answered ok: the replay does not send the cut line (the
// emulated modem would answer ERROR, and "fixed" passed on that), its
// host.log says why, and the verdict names the assumption (outside
// tester t166 F5).
func TestCutCommandNotSent(t *testing.T) {
	log, err := os.ReadFile(filepath.Join("testdata", "minicom-cut-cmd.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		expect string
		ok     bool
	}{
		{"reproduces", true},
		{"fixed", false}, // the replay follows the rest: nothing is fixed
	} {
		t.Run(tc.expect, func(t *testing.T) {
			manifest := fmt.Sprintf(`name: cut
source: "outside tester t166"
logs:
  - {file: minicom-cut-cmd.log, format: terminal}
device:
  personality: generic
  profiles:
    - {iccid: "89330123456789012342", operator: orange-fr, enabled: true}
    - {iccid: "89340987654321098761", operator: movistar-es}
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: movistar-es, plmn: "21407", country: ES, name: Movistar}
expected: "the channel closes"
failure: {log: minicom-cut-cmd.log, line: 10, what: "the close answered OK"}
expect: %s
`, tc.expect)
			res := replay(t, newFixture(t, "cut", map[string]string{"minicom-cut-cmd.log": string(log), field.ManifestFile: manifest}))
			const assumed = "assumed: the command(s) at minicom-cut-cmd.log:5 not played, their lines cut in the log though the field modem took them whole"
			if res.OK != tc.ok || !strings.Contains(res.Why, assumed) {
				t.Errorf("OK %v, why %q: want OK %v and %q\n%s", res.OK, res.Why, tc.ok, assumed, Report(res))
			}
			host, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(host), `> AT+CGLA=1,50,"81E2910014BF3111A00C5A0A98439078563412907816`) ||
				!strings.Contains(string(host), "not played: AT+CGLA=1,50") {
				t.Errorf("host.log sends the cut line, or does not say why not:\n%s", host)
			}
		})
	}
}
