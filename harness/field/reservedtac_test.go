package field

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/scenario"
)

// TestReservedTACInTheLogs: a location whose TAC is one TS 23.003
// §19.4.2.3 reserves (0000, FFFE: a deleted TAI, which some modems
// report while they have none) names no cell: the draft keeps the
// cell without it, and loads.
func TestReservedTACInTheLogs(t *testing.T) {
	for _, tac := range []string{"FFFE", "0000", "fffe"} {
		if !reservedTAC(tac) {
			t.Errorf("reservedTAC(%q) false", tac)
		}
		t.Run(tac, func(t *testing.T) {
			log := "[0.000] > AT+CEREG=3\n[0.010] < OK\n[0.400] > AT+CIMI\n[0.410] < 208015021044451\n[0.420] < OK\n" +
				"[0.600] > AT+CEREG?\n[0.610] < +CEREG: 3,1,\"" + tac + "\",\"01A2D301\",7\n[0.620] < OK\n"
			p := reconstruct(t, writeFixture(t, "rt", map[string]string{ManifestFile: cnFRManifest("rt", "quectel-eg25"), "plain.log": log}), Options{})
			y := string(p.ScenarioYAML)
			if strings.Contains(strings.ToLower(y), "tac: 0x"+strings.ToLower(tac)) {
				t.Errorf("a cell drafted with the reserved TAC %s:\n%s", tac, y)
			}
			if _, err := scenario.Parse("scenario.yaml", p.ScenarioYAML); err != nil {
				t.Errorf("the draft does not load: %v\n%s", err, y)
			}
		})
	}
	for _, tac := range []string{"FFFF", "1A2B", "0001", "00FFFE", "FFFD"} {
		if reservedTAC(tac) {
			t.Errorf("reservedTAC(%q) true: a TAC a cell may have", tac)
		}
	}
}
