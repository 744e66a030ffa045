package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestSelectionRejectInTheField: a field log, beginning after the
// device's power-on, where the host selects a network by hand
// (+COPS=1) and that network refuses the device in a tracking area
// (EMM cause #15), replays to the refusal, whether the network is the
// subscriber's own or a visited one: the draft's window is on the run's
// clock, as its other faults are. Before, the own network's window was
// on the logs' clock (the run time less where the logs begin): it closed
// before the command, the world accepted the attempt, and the replay
// registered where the log was refused.
func TestSelectionRejectInTheField(t *testing.T) {
	const manifest = `name: %s
source: "a gateway's re-registration script log"
logs:
  - {file: session.log, format: plain}
device:
  personality: generic
  profiles:
    - {iccid: "89331500123456789013", operator: free, imsi: "208150012345678", enabled: true}
network:
  operators:
    - {id: free, plmn: "20815", country: FR, name: Free}
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}
expected: "the device registers on the network the host selected"
failure: {log: session.log, line: 19, what: "the network the host selected refuses the device with #15"}
expect: reproduces
`
	// selected is the log: at home on Free, the host deregisters and
	// selects plmn by hand, which refuses the device with #15 in the
	// tracking area tac.
	selected := func(plmn, tac, cell string) string {
		return "[0.000] > AT+CMEE=1\n[0.010] < OK\n[0.200] > AT+CEREG=3\n[0.210] < OK\n" +
			"[0.400] > AT+CIMI\n[0.410] < 208150012345678\n[0.420] < OK\n" +
			"[0.600] > AT+CEREG?\n[0.610] < +CEREG: 3,1,\"1A2C\",\"01A2D402\",7\n[0.620] < OK\n" +
			"[0.800] > AT+COPS?\n[0.810] < +COPS: 0,2,\"20815\",7\n[0.820] < OK\n" +
			"[50.000] > AT+COPS=2\n[50.010] < +CEREG: 0\n[50.020] < OK\n" +
			"[100.000] > AT+COPS=1,2,\"" + plmn + "\"\n[100.010] < +CEREG: 2\n" +
			"[103.000] < +CEREG: 3,\"" + tac + "\",\"" + cell + "\",7,0,15\n[103.010] < +CME ERROR: 30\n" +
			"[110.000] > AT+CEREG?\n[110.010] < +CEREG: 3,3,\"" + tac + "\",\"" + cell + "\",7,0,15\n[110.020] < OK\n"
	}
	for _, tc := range []struct {
		name, fixture, log string
		want               string // the fault in the scenario: the logs begin 10 s into the run
		event              string // the world's reject in its event log
	}{
		{"the subscriber's own network", "own", selected("20815", "1A2C", "01A2D402"),
			"{attach_reject: 15, operator: free, subscriber: free, tac: 0x1A2C, from: 1m50s, until: 1m54s}",
			`"cause":15,"entry":0,"fault":"attach_reject","subscriber":"free","tac":6700`},
		{"a visited network", "visited", selected("20810", "2B3C", "00ABCDEF"),
			"{attach_reject: 15, operator: sfr, subscriber: free, tac: 0x2B3C, from: 1m50s, until: 1m54s}",
			`"cause":15,"entry":0,"fault":"attach_reject","subscriber":"free","tac":11068`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := replay(t, newFixture(t, tc.fixture, map[string]string{"session.log": tc.log,
				field.ManifestFile: strings.ReplaceAll(manifest, "%s", tc.fixture)}))
			sc, all := string(res.Plan.ScenarioYAML), strings.Join(res.Plan.Assumptions, "\n")
			if res.Plan.Start == 0 {
				t.Fatalf("the logs begin at the run's start: no test of the clocks\n%s", sc)
			}
			if !strings.Contains(sc, tc.want) {
				t.Errorf("scenario lacks %s:\n%s\n%s", tc.want, sc, all)
			}
			if !res.OK {
				t.Fatalf("%s\n%s\n%s\n%s", res.Why, Report(res), sc, all)
			}
			b, err := os.ReadFile(filepath.Join(res.Dir, "events.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), tc.event) {
				t.Errorf("event log lacks %s:\n%s", tc.event, b)
			}
		})
	}
}
