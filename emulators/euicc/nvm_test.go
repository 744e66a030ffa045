package euicc

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
)

// Restore reads the applet's state through applet.DecodeState and checks
// it against the image's profiles: the format before the explicit modes is
// migrated; a damaged state, or one that points at a profile the card does
// not hold, is refused with the field named.
func TestRestoreAppletState(t *testing.T) {
	c := newTestCard(t, testConfig())
	img, err := c.NVM()
	if err != nil {
		t.Fatal(err)
	}
	with := func(appletJSON string) []byte {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(img, &m); err != nil {
			t.Fatal(err)
		}
		m["applet"] = json.RawMessage(appletJSON)
		b, _ := json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name, applet, err string
		mode              applet.Mode
	}{
		{"never ran", `null`, "", applet.ModeIdle},
		{"version 1, idle with an owed note", `{"original":"89860000000000000019","last_req_id":3,"owed":[{"operator":"sfr","iccid":"89331000000000000029","seq":2}]}`, "", applet.ModeIdle},
		{"version 1, awaiting an attach", `{"profiles":[{"ICCID":"89860000000000000019","Operator":"cmcc","HomePLMN":"46000","Original":true},{"ICCID":"89331000000000000029","Operator":"sfr","HomePLMN":"20810","Enabled":true}],"original":"89860000000000000019","await":{"iccid":"89331000000000000029","operator":"sfr","plmn":"20810"},"list":{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"sfr","plmn":"20810"}]},"cycle":{"next":1,"phase":"attempt","current":"sfr","tried":["sfr"]}}`, "", applet.ModeAttemptAwaitAttach},
		{"version 1, bad owed kind", `{"owed":[{"kind":"gift"}]}`, "owed[0].kind", ""},
		{"unknown mode", `{"version":2,"mode":"dancing","last_req":0}`, `mode: unknown "dancing"`, ""},
		{"unknown field", `{"version":2,"mode":"idle","last_req":0,"colour":"blue"}`, `unknown field "colour"`, ""},
		{"future version", `{"version":3}`, "version: 3", ""},
		{"home not on the card", `{"version":2,"mode":"idle","last_req":0,"home":"89491000000000000013"}`, "home: ICCID 89491000000000000013 is not on the card", ""},
		{"target not on the card", `{"version":2,"mode":"attempt.await-attach","last_req":0,"profiles":[{"iccid":"89491000000000000013","operator":"x","home_plmn":"26201"}],` +
			`"cycle":{"trigger":"list","next":0,"current":"x","target":"89491000000000000013"}}`, "cycle.target: ICCID 89491000000000000013 is not on the card", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Restore(testConfig(), with(tc.applet))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "euicc: NVM: applet state") {
					t.Fatalf("Restore: %v, want an error naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.appletState.Mode != tc.mode && !(tc.mode == applet.ModeIdle && r.appletState.Version == 0) {
				t.Fatalf("mode %q, want %q", r.appletState.Mode, tc.mode)
			}
		})
	}
}
