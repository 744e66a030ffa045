package replay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
)

// TestAbnormalRejectReplays: field logs with an abnormal ATTACH REJECT
// (#17, TS 24.301 §5.5.1.2.6 d) replay as the field modem behaved. A
// modem that shows its T3411 restart (+CEREG: 2 10.5 s after the reject,
// registered 0.5 s later) gets restart_searching; one that registers on
// another network 3 s after the reject abnormal_reject_moves_on; five
// rejects 10 s apart and then another network are the standard counter,
// no quirk; a single reject and the next state T3411s later, the
// restarts between refused with no URC, no quirk either. A modem showing
// its restarts after T3410 gets restart_searching too, and its restart's
// attach the time the logs show. A home registration on another cell 3 s after the reject,
// whose network the logs do not name, is a limit the report names at its
// line. Before, the first two diverged (the replay registered silently
// at T3411; it restarted on Free and never showed the other network),
// and the third at the second reject's URC.
func TestAbnormalRejectReplays(t *testing.T) {
	const manifest = `name: %s
source: "a gateway's log"
logs:
  - {file: session.log, format: plain}
device:
  personality: quectel-eg25
  profiles:
    - {iccid: "89331500123456789013", operator: free, imsi: "208150012345678", enabled: true}
network:
  operators:
    - {id: free, plmn: "20815", country: FR, name: Free}
    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}
expected: "the device registers"
failure: {log: session.log, line: 12, what: "refused #17"}
expect: reproduces
`
	const head = "[0.000] > AT+CMEE=1\n[0.010] < OK\n[0.200] > AT+CEREG=3\n[0.210] < OK\n" +
		"[0.400] > AT+CIMI\n[0.410] < 208150012345678\n[0.420] < OK\n" +
		"[0.600] > AT+CEREG?\n[0.610] < +CEREG: 3,1,\"1A2C\",\"01A2D402\",7\n[0.620] < OK\n" +
		"[100.000] < +CEREG: 2\n"
	rej := func(at string) string { return "[" + at + "] < +CEREG: 3,\"1A2C\",\"01A2D402\",7,0,17\n" }
	orange := func(at, named string) string {
		return "[" + at + "] < +CEREG: 5,\"2B3C\",\"00ABCDEF\",7\n[" + named + "] > AT+COPS=3,2\n[" + named + "] < OK\n" +
			"[" + named + "] > AT+COPS?\n[" + named + "] < +COPS: 0,2,\"20801\",7\n[" + named + "] < OK\n"
	}
	for _, tc := range []struct {
		name, log string
		quirk     string // the derived quirk in personality.yaml ("" none)
		ok        bool
		rejects   int // the modem's attach_rejected events
		limit     int // the divergence's line when not ok, a known limit
	}{
		{"restart-shown", head + rej("103.000") + "[113.500] < +CEREG: 2\n[114.000] < +CEREG: 1,\"1A2C\",\"01A2D402\",7\n",
			"restart_searching: true", true, 1, 0},
		// T3410 runs out twice, each restart shown searching; the
		// restart's attach takes the time the logs show (0.5 s).
		{"restart-shown-after-t3410", strings.TrimSuffix(head, "[100.000] < +CEREG: 2\n") +
			"[50.000] > AT+CFUN=4\n[50.010] < +CEREG: 0\n[50.020] < OK\n[100.000] > AT+CFUN=1\n[100.005] < OK\n" +
			"[100.010] < +CEREG: 2\n[115.010] < +CEREG: 0\n[125.500] < +CEREG: 2\n[140.500] < +CEREG: 0\n[150.500] < +CEREG: 2\n[151.000] < +CEREG: 1,\"1A2C\",\"01A2D402\",7\n",
			"restart_searching: true", true, 0, 0},
		{"moves-on", head + rej("103.000") + orange("106.000", "110.000"),
			"abnormal_reject_moves_on: true", true, 1, 0},
		{"standard", head + rej("103.000") + rej("113.000") + rej("123.500") + rej("133.500") + rej("144.000") + orange("144.500", "150.000"),
			"", true, 5, 0},
		{"silent-restarts", head + rej("103.000") + "[134.000] < +CEREG: 1,\"1A2C\",\"01A2D402\",7\n",
			"", true, 3, 0},
		{"silent-fifth", head + rej("103.000") + orange("144.500", "150.000"),
			"", true, 5, 0},
		{"moves-on-unnamed", head + rej("103.000") + "[106.000] < +CEREG: 1,\"2B3C\",\"00ABCDEF\",7\n",
			"", false, 1, 13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := replay(t, newFixture(t, tc.name, map[string]string{"session.log": tc.log,
				field.ManifestFile: strings.ReplaceAll(manifest, "%s", tc.name)}))
			all := strings.Join(res.Plan.Assumptions, "\n")
			pers, err := os.ReadFile(filepath.Join(res.Dir, PersonalityFile))
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{"restart_searching", "abnormal_reject_moves_on"} {
				if has := strings.Contains(string(pers), q); has != (tc.quirk != "" && strings.HasPrefix(tc.quirk, q)) {
					t.Errorf("personality.yaml has %s: %v, want the quirk %q:\n%s", q, has, tc.quirk, pers)
				}
			}
			if tc.quirk != "" && !strings.Contains(string(pers), tc.quirk) {
				t.Errorf("personality.yaml lacks %s:\n%s", tc.quirk, pers)
			}
			if res.OK != tc.ok {
				t.Fatalf("OK %v, want %v: %s\n%s\n%s\n%s", res.OK, tc.ok, res.Why, Report(res), res.Plan.ScenarioYAML, all)
			}
			if !tc.ok {
				if res.Divergence == nil || res.Divergence.Src.Line != tc.limit {
					t.Fatalf("divergence %+v, want at session.log:%d", res.Divergence, tc.limit)
				}
				if _, known := res.Plan.LimitAt(res.Divergence.Src); !known || !strings.Contains(Report(res), "known    the registration at session.log:13") {
					t.Errorf("the divergence is no known limit:\n%s", Report(res))
				}
			}
			b, err := os.ReadFile(filepath.Join(res.Dir, "events.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), `"event":"attach_rejected"`); n != tc.rejects {
				t.Errorf("%d attach_rejected events, want %d", n, tc.rejects)
			}
		})
	}
}
