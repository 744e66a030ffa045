package field

import (
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/scenario"
)

// TestRefusedFirstWithinRSRPRange: the cell of a tracking area a #15
// refused is tried first (refusedFirst) by a signal above the cell the
// device registered on next — but never above what a cell may read
// (-44 dBm, TS 36.133 §9.1.4): with the next cell at -44 the draft
// still loads, and says the replay registers there without the reject.
func TestRefusedFirstWithinRSRPRange(t *testing.T) {
	const head = "[0.000] > AT+CEREG=3\n[0.010] < OK\n[0.400] > AT+CIMI\n[0.410] < 208015021044451\n[0.420] < OK\n" +
		"[0.600] > AT+CEREG?\n[0.610] < +CEREG: 3,1,\"1A2B\",\"01A2D301\",7\n[0.620] < OK\n" +
		"[100.000] < +CEREG: 2\n" +
		"[112.000] < +CEREG: 3,\"1A2B\",\"01A2D301\",7,0,15\n" +
		"[118.500] < +CEREG: 1,\"1A2C\",\"01A2D402\",7\n"
	for _, tc := range []struct {
		name, cesq string
		refused    string // the refused cell's line in the scenario
		assumed    string
	}{
		{"the next cell at -60 dBm: the refused one 1 dB above", "+CESQ: 99,99,255,255,30,81",
			"{area: FR, operator: orange-fr, rsrp: -59, tac: 0x1A2B, cell_id: 0x01A2D301}", "1 dB above"},
		{"the next cell at -44 dBm: none above it", "+CESQ: 99,99,255,255,30,97",
			"{area: FR, operator: orange-fr, rsrp: -90, tac: 0x1A2B, cell_id: 0x01A2D301}", "the strongest a cell reads"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := head + "[120.000] > AT+CESQ\n[120.010] < " + tc.cesq + "\n[120.020] < OK\n"
			p := reconstruct(t, writeFixture(t, "rf", map[string]string{ManifestFile: cnFRManifest("rf", "quectel-eg25"), "plain.log": log}), Options{})
			y, all := string(p.ScenarioYAML), strings.Join(p.Assumptions, "\n")
			if !strings.Contains(y, tc.refused) {
				t.Errorf("scenario lacks %s:\n%s\n%s", tc.refused, y, all)
			}
			if !strings.Contains(all, tc.assumed) {
				t.Errorf("no assumption with %q:\n%s", tc.assumed, all)
			}
			if _, err := scenario.Parse("scenario.yaml", p.ScenarioYAML); err != nil {
				t.Errorf("the draft does not load: %v\n%s", err, y)
			}
		})
	}
}
