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
