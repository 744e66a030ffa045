package applet

import "testing"

// Claim 2 and power loss: a reset that interrupts the download after the
// install reached the card's NVM must not lose the platform's
// download-success notification; one before the install counts as failed.
func TestBootAfterInterruptedDownload(t *testing.T) {
	installed := Profile{ICCID: "89208010000000000012", Operator: "orange-fr", HomePLMN: "20801"}
	for _, tc := range []struct {
		name     string
		profiles []Profile
		ok       bool
		owed     int
	}{
		{"install reached NVM", append(testProfiles(), installed), true, 1},
		{"install did not", testProfiles(), false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := toDownload(t)
			st := a.State()
			if st.DL == nil {
				t.Fatal("no download in progress")
			}
			b := New(testCfg, st) // the card was reset: rebuilt from NVM
			var result *Log
			for _, e := range b.Step(Boot{Profiles: tc.profiles}) {
				if l, ok := e.(Log); ok && l.Kind == "download_result" {
					result = &l
				}
			}
			if result == nil || result.Fields["ok"] != tc.ok {
				t.Fatalf("download_result %+v, want ok=%v", result, tc.ok)
			}
			if got := len(b.State().Owed); got != tc.owed {
				t.Fatalf("owed notifications %d, want %d", got, tc.owed)
			}
			if b.State().DL != nil {
				t.Fatal("download still in progress after the reset")
			}
			if tc.ok && b.State().Owed[0].ICCID != installed.ICCID {
				t.Fatalf("owed %+v", b.State().Owed)
			}
		})
	}
}

// Claim 1's attach-success report is never lost: when a newer switch
// overtakes one whose report the platform has not taken, the old report is
// owed and sent with the other owed notifications.
func TestOvertakenAttachSuccessIsOwed(t *testing.T) {
	a := New(testCfg, State{Profiles: testProfiles()})
	a.st.Await = &AttachCheck{ICCID: "89331000000000000027", Operator: "sfr", PLMN: "20810", Attached: true}
	a.st.Enabling = "89860000000000000019"
	a.Step(ProfileEnabled{ICCID: "89860000000000000019", Result: 0})
	owed := a.State().Owed
	if len(owed) != 1 || owed[0].Kind != "attach-success" || owed[0].ICCID != "89331000000000000027" || owed[0].PLMN != "20810" {
		t.Fatalf("owed %+v", owed)
	}
	if got := string(owed[0].body(testCfg.EID)); got != `{"eid":"89049032000001000000000000000123","kind":"attach-success","iccid":"89331000000000000027","operator":"sfr","plmn":"20810"}` {
		t.Fatalf("body %s", got)
	}
}
