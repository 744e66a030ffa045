package replay

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/field"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestPowerCutBehindTypedAhead: the host typed lines ahead of a running
// +COPS=1 (the queued mark) and the modem booted by itself before
// answering any of them: the power went while it held them. The replay
// cuts the power after the last of them reached the emulated modem, so
// they are queued there and lost with the power, unanswered, as in the
// field; the plan says so, and asks nothing of the manifest. A command
// sent alone and unanswered before a boot is still asked about: the
// emulated modem would have answered it before any cut (t207).
func TestPowerCutBehindTypedAhead(t *testing.T) {
	const head = "2026-01-01T00:00:10Z > AT+CEREG=2\n2026-01-01T00:00:10Z < OK\n" +
		"2026-01-01T00:00:11Z > AT+COPS?\n2026-01-01T00:00:11Z < +COPS: 0,2,\"20801\",7\n2026-01-01T00:00:11Z < OK\n"
	const tail = "2026-01-01T00:00:40Z < RDY\n" +
		"2026-01-01T00:00:45Z > AT+COPS?\n2026-01-01T00:00:45Z < +COPS: 0,2,\"20801\",7\n2026-01-01T00:00:45Z < OK\n"
	for _, tc := range []struct {
		name, log string
		assumed   string // among the assumptions
		lost      []string
		toDo      string // among the to-dos, "" for none about the boot
	}{
		{"two lines typed ahead of +COPS=1",
			head + "2026-01-01T00:00:20Z > AT+COPS=1,2,\"20810\"\n2026-01-01T00:00:20Z < +CEREG: 2\n" +
				"2026-01-01T00:00:20.5Z > AT+CGMI" + at.QueuedMark + "\n2026-01-01T00:00:20.7Z > AT+CSQ" + at.QueuedMark + "\n" + tail,
			`the modem booted by itself at at.log:10 with AT+COPS=1,2,"20810" (at.log:6) running and the lines typed ahead behind it (at.log:8, at.log:9) unanswered: they were queued when the power went, and are lost with it`,
			[]string{"AT+CGMI", "AT+CSQ"}, ""},
		{"a command alone, unanswered (control)",
			head + "2026-01-01T00:00:20Z > AT+CSQ\n" + tail,
			"the replay cuts the power just after the modem's last line before it (at.log:5)",
			nil, "the modem booted by itself at at.log:7, with at.log:6 unanswered: the emulated modem answers a command the instant it takes it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := strings.Replace(orangeFixture("typed-ahead-cut", "generic", "at.log", "atlog", 5),
				`    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}`,
				`    - {id: orange-fr, plmn: "20801", country: FR, name: Orange}
    - {id: sfr, plmn: "20810", country: FR, name: SFR}
  cells:
    - {area: FR, operator: orange-fr, rsrp: -85}
    - {area: FR, operator: sfr, rsrp: -101}`, 1)
			res := replay(t, newFixture(t, "typed-ahead-cut", map[string]string{"at.log": tc.log, field.ManifestFile: m}))
			if all := strings.Join(res.Plan.Assumptions, "\n"); !strings.Contains(all, tc.assumed) {
				t.Errorf("assumptions\n%s\nwant %q", all, tc.assumed)
			}
			toDo := strings.Join(res.Plan.ToDo, "\n")
			if tc.toDo == "" && strings.Contains(toDo, "booted by itself") || !strings.Contains(toDo, tc.toDo) {
				t.Errorf("to do\n%s\nwant %q", toDo, tc.toDo)
			}
			host, err := os.ReadFile(filepath.Join(res.Dir, HostLog))
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range tc.lost {
				// Reached the modem while +COPS=1 ran, echoed, never
				// answered: the next line after its echo is no answer.
				if !strings.Contains(string(host), " > "+l+at.QueuedMark+"\n") {
					t.Errorf("host.log does not send %s typed ahead of the running +COPS=1:\n%s", l, host)
				}
			}
			if tc.lost != nil && (strings.Contains(string(host), "< esimhil\n") || strings.Contains(string(host), "< +CSQ:")) {
				t.Errorf("host.log answers a line the power cut should have lost:\n%s", host)
			}
			// host.log says at the boot what the power took (t209).
			note := regexp.MustCompile(`(?m) < RDY\n.* # the power went with AT\+COPS=1,2,"20810" \(host\.log:\d+\) running and AT\+CGMI \(host\.log:\d+\), AT\+CSQ \(host\.log:\d+\) typed ahead, queued: lost with it, unanswered\n`)
			if said := note.Match(host); said != (tc.lost != nil) || tc.lost == nil && strings.Contains(string(host), "the power went") {
				t.Errorf("host.log's note of the lines lost with the power: %v, want %v:\n%s", said, tc.lost != nil, host)
			}
			if !res.OK {
				t.Errorf("%s\n%s", Report(res), host)
			}
		})
	}
}
