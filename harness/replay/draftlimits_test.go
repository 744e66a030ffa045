package replay

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDraftSaysWhereTheReplayDiverges: where the draft already knows the
// first replay leaves the recording, it prints a to-do, not only an
// assumption replay -v shows (outside tester t166 F9): an lpac log pasted
// from block 1 of an AuthenticateServer, which the emulated card refuses
// having never seen block 0 (said even while the manifest still lacks
// its profiles), and an OpenWrt ModemManager log that shows a device
// without a cell as searching (+CEREG: 2) and as not registered (0).
func TestDraftSaysWhereTheReplayDiverges(t *testing.T) {
	for _, tc := range []struct {
		log, want string
	}{
		{"lpac-midsession.log", "lpac-midsession.log:3 is STORE DATA block 1 of a command whose block 0 the logs do not hold"},
		{"mm-openwrt-logread.log", "the emulated modem gives one of them, 0, so its answer differs at mm-openwrt-logread.log:4"},
	} {
		t.Run(tc.log, func(t *testing.T) {
			d, err := Draft(t.TempDir(), "d", "", []string{filepath.Join("testdata", tc.log)})
			if err != nil {
				t.Fatal(err)
			}
			todo := d.Limits
			if d.Plan != nil {
				todo = append(todo, d.Plan.ToDo...)
			}
			if !strings.Contains(strings.Join(todo, "\n"), tc.want) {
				t.Errorf("to do (problem %v):\n%s\nwant one saying %q", d.Problem, strings.Join(todo, "\n"), tc.want)
			}
		})
	}
}
