package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/scenario"
)

// TestPowerCutInTheAttachAttempts: the power cut points inside the attach
// attempt counter (TS 24.301 §5.5.1.2.6). A cut at attach_rejected lands
// while T3411 runs: the restart dies with the stack, and the boot
// selects afresh (a new selection, the counter from 0: the fault's second
// attempt, the boot's, registers). A cut at attach_retry lands once the
// restart's attach is made (registered here), and the boot attaches
// again. The China Mobile roamer reaches Paris at 1h; Orange is its
// partner there.
func TestPowerCutInTheAttachAttempts(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "fixtures", "scenarios", "abnormal-reject-restarts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const reject = "  - {attach_reject: 17, operator: orange-fr, subscriber: cmcc, attempt: 1}\n"
	for _, tc := range []struct {
		name, faults string
		want         []string // event lines, in order, from the arrival on (substrings)
		never        string   // no event line has it
	}{
		{"cut while T3411 runs", reject + "  - {power_cut: attach_rejected, off: 30s}\n",
			[]string{
				`"event":"attach_rejected","attempt":1,"cause":17,"plmn":"20801"`,
				`"fault":"power_cut","name":"attach_rejected"`,
				`"event":"power","on":true`,
				`"event":"attach_result","cause":0,"ok":true,"operator":"cmcc","plmn":"20801"`,
			}, `"attach_retry"`},
		{"cut at the T3411 restart", "  - {attach: timeout, operator: orange-fr, attempt: 1}\n  - {power_cut: attach_retry, off: 30s}\n",
			[]string{
				`"event":"attach_timeout","attempt":1,"plmn":"20801"`,
				`"event":"attach_retry","attempt":2,"plmn":"20801"`,
				`"event":"attach_result","cause":0,"ok":true,"operator":"cmcc","plmn":"20801"`,
				`"fault":"power_cut","name":"attach_retry"`,
				`"event":"power","on":true`,
				`"event":"attach_result","cause":0,"ok":true,"operator":"cmcc","plmn":"20801"`,
			}, `"attach_timeout","attempt":2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(string(base), reject, tc.faults, 1)
			if text == string(base) {
				t.Fatal("the fixture's fault line moved")
			}
			text = strings.Replace(text, "within: 1h01m", "within: 1h03m", 1)
			s, err := scenario.Parse("attach-cut.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			runClosed(t, s, dir)
			b, err := os.ReadFile(filepath.Join(dir, EventsFile))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(b), "\n")
			at := 0
			for at < len(lines) && !strings.Contains(lines[at], `"area":"FR-Paris"`) {
				at++
			}
			for _, w := range tc.want {
				for at < len(lines) && !strings.Contains(lines[at], w) {
					at++
				}
				if at == len(lines) {
					t.Fatalf("no %s in order after the arrival:\n%s", w, b)
				}
			}
			if strings.Contains(string(b), tc.never) {
				t.Errorf("events have %s:\n%s", tc.never, b)
			}
		})
	}
}
