package replay

import (
	"path/filepath"
	"strings"
	"testing"
)

// A +CEREG URC whose <stat> (TS 27.007 §10.1.22: 0 not registered,
// 1 home, 2 searching, 5 roaming) differs from the recording's is a
// divergence on the URC track, named at its line with both texts: the
// registration state is what a field failure turns on, not a volatile
// value to mask (t235 F3: a replay comparing URCs without the stat
// survived every layer).
func TestCEREGStatDiverges(t *testing.T) {
	const mm = `Mar 14 09:44:%s gw-1042 ModemManager[731]: <dbg> [%s] [ttyUSB2/at] <-- '<CR><LF>%s<CR><LF>'`
	for _, tc := range []struct {
		name           string
		line           int
		stamp, at, urc string // the altered line's
		recorded       string
		replayed       string // "": the alignment pairs the replay's with a later one
	}{
		{"roaming recorded as home", 48, "44", "1773481484.930249", `+CEREG: 1,"3A9B","0000C33D",7`, "+CEREG: 1,", "+CEREG: 5,"},
		{"deregistered recorded as searching", 24, "12", "1773481452.530249", `+CEREG: 2`, "+CEREG: 2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t, "reattach-slower-than-wait")
			editLine(t, filepath.Join(dir, "modemmanager.log"), tc.line, strings.Replace(strings.Replace(strings.Replace(mm, "%s", tc.stamp, 1), "%s", tc.at, 1), "%s", tc.urc, 1))
			res := replay(t, dir)
			d := res.Divergence
			if res.OK || d == nil {
				t.Fatalf("a recording whose +CEREG stat differs still reproduces: %s", res.Why)
			}
			if d.Track != URCs || d.Src.File != "modemmanager.log" || d.Src.Line != tc.line ||
				!strings.HasPrefix(d.Recorded, tc.recorded) || !strings.HasPrefix(d.Replayed, tc.replayed) {
				t.Fatalf("divergence %+v, want the URC at modemmanager.log:%d, recorded %q…, replayed %q…\n%s", d, tc.line, tc.recorded, tc.replayed, Report(res))
			}
		})
	}
}
