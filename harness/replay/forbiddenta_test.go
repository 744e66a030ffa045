package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestTrackingAreaRejectInTheField: a field log where the network refuses
// the device in one tracking area (EMM cause #15 or #13, TS 24.301
// §5.5.1.2.5) and the device then registers in another — of the same
// PLMN after #15, on another PLMN after #13 — replays to that
// registration: the draft's reject is limited to the refused TA (tac:),
// the operator's other TA the log shows is a cell of its own, the refused
// cell is tried first, and the world's event log has the reject in that
// TA. Before, the draft kept one cell per operator (the refused TA's) and
// a reject of the whole operator: after a #15 the modem's forbidden TA
// list left it no cell to register on.
func TestTrackingAreaRejectInTheField(t *testing.T) {
	const head = "[0.000] > AT+CEREG=3\n[0.010] < OK\n[0.400] > AT+CIMI\n[0.410] < %s\n[0.420] < OK\n"
	cmcc := `name: %s
source: "a tracker's Python logger (SIMCom A7600E), roaming in France"
logs:
  - {file: session.log, format: plain}
device:
  personality: generic
  profiles:
    - {iccid: "89860000150066201009", operator: cmcc, imsi: "460001500662010", enabled: true}
network:
  operators:
    - {id: cmcc, plmn: "46000", country: CN, name: China Mobile}
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}
expected: "the tracker stays registered"
failure: {log: session.log, line: %d, what: "the line to look at"}
expect: reproduces
`
	for _, tc := range []struct {
		name, fixture, manifest, log string
		want                         []string // in the scenario
		events                       []string // in the world's event log, in order
	}{
		{"#15, then another TA of the same PLMN", "ta15", orangeFixture("ta15", "quectel-eg25", "session.log", "plain", 17),
			strings.Replace(head, "%s", "208015021044451", 1) +
				"[0.600] > AT+CEREG?\n[0.610] < +CEREG: 3,1,\"1A2B\",\"01A2D301\",7\n[0.620] < OK\n" +
				"[100.000] < +CEREG: 2\n" +
				"[112.000] < +CEREG: 3,\"1A2B\",\"01A2D301\",7,0,15\n" +
				"[118.500] < +CEREG: 1,\"1A2C\",\"01A2D402\",7\n" +
				"[120.000] > AT+CEREG?\n[120.010] < +CEREG: 3,1,\"1A2C\",\"01A2D402\",7\n[120.020] < OK\n" +
				"[120.200] > AT+COPS?\n[120.210] < +COPS: 0,2,\"20801\",7\n[120.220] < OK\n",
			[]string{"{attach_reject: 15, operator: orange-fr, subscriber: orange-fr, tac: 0x1A2B, from: 2m1s, until: 2m3s}",
				"{area: FR, operator: orange-fr, rsrp: -90, tac: 0x1A2B, cell_id: 0x01A2D301}",
				"{area: FR, operator: orange-fr, rsrp: -90, tac: 0x1A2C, cell_id: 0x01A2D402}"},
			[]string{`"cause":15,"entry":0,"fault":"attach_reject","subscriber":"orange-fr","tac":6699`, `"plmn":"20801","stat":1,"tac":6700`}},
		{"#13, then another visited PLMN", "ta13", strings.ReplaceAll(strings.Replace(cmcc, "%d", "20", 1), "%s", "ta13"),
			strings.Replace(head, "%s", "460001500662010", 1) +
				"[0.600] > AT+CEREG?\n[0.610] < +CEREG: 3,5,\"2B3C\",\"00ABCDEF\",7\n[0.620] < OK\n" +
				"[0.800] > AT+COPS?\n[0.810] < +COPS: 0,2,\"20810\",7\n[0.820] < OK\n" +
				"[100.000] < +CEREG: 2\n" +
				"[112.000] < +CEREG: 3,\"2B3C\",\"00ABCDEF\",7,0,13\n" +
				"[118.500] < +CEREG: 5,\"0E1F\",\"02C1A301\",7\n" +
				"[120.000] > AT+CEREG?\n[120.010] < +CEREG: 3,5,\"0E1F\",\"02C1A301\",7\n[120.020] < OK\n" +
				"[120.200] > AT+COPS?\n[120.210] < +COPS: 0,2,\"20801\",7\n[120.220] < OK\n",
			[]string{"{attach_reject: 13, operator: sfr, subscriber: cmcc, tac: 0x2B3C,",
				"{area: FR, operator: sfr, rsrp: -89, tac: 0x2B3C, cell_id: 0x00ABCDEF}",
				"{area: FR, operator: orange-fr, rsrp: -90, tac: 0x0E1F, cell_id: 0x02C1A301}"},
			[]string{`"cause":13,"entry":0,"fault":"attach_reject","subscriber":"cmcc","tac":11068`, `"plmn":"20801","stat":5,"tac":3615`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := replay(t, newFixture(t, tc.fixture, map[string]string{"session.log": tc.log, field.ManifestFile: tc.manifest}))
			sc, all := string(res.Plan.ScenarioYAML), strings.Join(res.Plan.Assumptions, "\n")
			if !res.OK {
				t.Fatalf("%s\n%s\n%s\n%s", res.Why, Report(res), sc, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(sc, w) {
					t.Errorf("scenario lacks %s:\n%s\n%s", w, sc, all)
				}
			}
			b, err := os.ReadFile(filepath.Join(res.Dir, "events.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			rest := string(b)
			for _, w := range tc.events {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("event log lacks %s after the events before it:\n%s", w, b)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}
