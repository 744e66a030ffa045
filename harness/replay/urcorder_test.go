package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestURCOrderNamed: a URC the replay sends that the recording has too,
// later, is named as an order difference, not as a URC the recording
// lacks (outside tester t178 N7: an EG25's REFRESH, whose +CEREG: 0 the
// emulated modem sends before +QUSIM: 1 and +CPIN: READY and the field
// modem after them, four lines later).
func TestURCOrderNamed(t *testing.T) {
	log, err := os.ReadFile(filepath.Join("testdata", "teraterm-switch-nolist.log"))
	if err != nil {
		t.Fatal(err)
	}
	const manifest = `name: order
source: "outside tester t166"
logs:
  - {file: teraterm-switch-nolist.log, format: terminal}
device:
  personality: quectel-eg25
  profiles:
    - {iccid: "89340987654321098761", operator: op21407, imsi: "214071234567890"}
expected: "the channel closes"
failure: {log: teraterm-switch-nolist.log, line: 26, what: "AT+CCHC=1 answered +CME ERROR: 21"}
expect: reproduces
`
	res := replay(t, newFixture(t, "order", map[string]string{"teraterm-switch-nolist.log": string(log), field.ManifestFile: manifest}))
	d := res.Divergence
	if d == nil || d.Track != URCs || d.Replayed != "+CEREG: 0" {
		t.Fatalf("divergence %+v, want the replay's +CEREG: 0\n%s", d, Report(res))
	}
	for _, want := range []string{
		"the recording has it later, at teraterm-switch-nolist.log:31",
		"(nothing yet: the recording has it later, at teraterm-switch-nolist.log:31)",
	} {
		if r := Report(res); !strings.Contains(r, want) || strings.Contains(r, "the recording goes on without it") {
			t.Errorf("report lacks %q, or says the recording lacks it:\n%s", want, r)
		}
	}
}
