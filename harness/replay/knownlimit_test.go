package replay

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestFixedNotAtAKnownLimit: a divergence at a line the plan's own to-dos
// say the replay's answer differs at, whatever the manifest says, shows
// nothing of a fix: "fixed" does not pass there, nor does "reproduces"
// (outside tester t178 N1: an lpac log begun inside a STORE DATA chain,
// and a ModemManager log showing searching beside not registered, both
// passed "fixed" at that line; N3: so did a GET RESPONSE of fewer bytes
// than wait that the field card refused 6Cxx, with no to-do).
func TestFixedNotAtAKnownLimit(t *testing.T) {
	const neither = "can show neither that it reproduces nor that it is fixed"
	for _, tc := range []struct {
		name, log, format, device string
		failure                   int
		limit                     string // the limit the verdict names
	}{
		{"mid-chain", "lpac-midsession.log", "lpac", `personality: generic
  profiles:
    - {iccid: "89330123456789012342", operator: orange-fr, enabled: true}`, 13, "the limit at lpac-midsession.log:3"},
		{"searching beside not registered", "mm-openwrt-logread.log", "mm", "personality: quectel-eg25", 17, "the limit at mm-openwrt-logread.log:4"},
		// t178 N3: GET RESPONSE 81C0000010 with 21 bytes waiting, which
		// the field card refused 6C15 and the emulated card serves.
		{"GET RESPONSE of fewer bytes refused 6Cxx", "minicom-csim-le10-6c.log", "terminal", `personality: generic
  profiles:
    - {iccid: "89330123456789012342", operator: orange-fr, enabled: true}`, 34, "the limit at minicom-csim-le10-6c.log:25"},
	} {
		log, err := os.ReadFile(filepath.Join("testdata", tc.log))
		if err != nil {
			t.Fatal(err)
		}
		for _, expect := range []string{"fixed", "reproduces"} {
			t.Run(tc.name+"/"+expect, func(t *testing.T) {
				manifest := fmt.Sprintf(`name: limit
source: "outside tester t178"
logs:
  - {file: %s, format: %s}
device:
  %s
network:
  operators:
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange, smdp: smdp.orange.test}
expected: "what the fix does"
failure: {log: %s, line: %d, what: "the failure"}
expect: %s
`, tc.log, tc.format, tc.device, tc.log, tc.failure, expect)
				res := replay(t, newFixture(t, "limit", map[string]string{tc.log: string(log), field.ManifestFile: manifest}))
				if res.OK {
					t.Fatalf("passed: %s\n%s", res.Why, Report(res))
				}
				if expect == "fixed" && (!strings.Contains(res.Why, neither) || !strings.Contains(res.Why, tc.limit)) {
					t.Errorf("why %q: want %q and %q", res.Why, neither, tc.limit)
				}
				if !strings.Contains(Report(res), "    known    ") {
					t.Errorf("the report does not name the limit:\n%s", Report(res))
				}
			})
		}
	}
}
