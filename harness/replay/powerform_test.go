package replay

import (
	"bytes"
	"testing"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
)

// TestHostFormAtEachBoot: the host's modes boot where the modem does —
// a power cut's power-on (its event), a restart's OK (the command) — and
// nowhere else: the modem loads the profile AT&W stored at its boot
// (V.250 §6.1.1), not at the boot URC that may follow it later. A
// stored ATV0 answers the command after the boot in digits whether or
// not the personality sends a boot URC (sierra-em7511 sends none; the
// generic modem's RDY). A line sent while the modem restarts is one it
// never took in, so it changes nothing the host reads after the boot.
// With no ATV0 stored the words come back.
func TestHostFormAtEachBoot(t *testing.T) {
	for _, tc := range []struct {
		name, personality string
		cut               bool     // a power cut at 20 s, else the restart below
		stored            bool     // ATV0 stored (AT&W) before ATV1
		restart           []string // sent after them
		final             string
	}{
		{"sierra-em7511, power cut, nothing stored", "sierra-em7511", true, false, nil, "OK"},
		{"sierra-em7511, power cut", "sierra-em7511", true, true, nil, "0"},
		{"generic, power cut", "generic", true, true, nil, "0"},
		{"sierra-em7511, +CFUN=1,1", "sierra-em7511", false, true, []string{"AT+CFUN=1,1"}, "0"},
		{"generic, +CFUN=1,1", "generic", false, true, []string{"AT+CFUN=1,1"}, "0"},
		{"sierra-em7511, ATV1 while restarting", "sierra-em7511", false, true, []string{"AT!RESET", "ATV1"}, "0"},
		{"generic, ATV1 while restarting", "generic", false, true, []string{"AT+CFUN=1,1", "ATV1"}, "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scenario.Parse(fixtures.DefaultScenarioName, fixtures.DefaultScenario)
			if err != nil {
				t.Fatal(err)
			}
			if tc.cut {
				s.Faults = append(s.Faults, scenario.Fault{Kind: scenario.PowerCut, Event: scenario.PowerCutAt, From: 20 * time.Second, Off: 5 * time.Second})
			}
			r, err := harness.NewRig(s, harness.Options{Seed: 1, Dir: t.TempDir(), Capture: capture.Tap, NoHost: true, Personality: tc.personality})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var log bytes.Buffer
			h, err := newHost(r, &log)
			if err != nil {
				t.Fatal(err)
			}
			defer h.close()
			lines := []string{"ATV0", "ATV1"}
			if tc.stored {
				lines = []string{"ATV0", "AT&W", "ATV1"}
			}
			for _, l := range append(lines, tc.restart...) {
				if _, err := h.send(l); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.until(r.Now() + 60*time.Second); err != nil {
				t.Fatal(err)
			}
			got, err := h.send("AT+CSQ")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || got[len(got)-1] != tc.final || len(h.open) != 0 {
				t.Errorf("AT+CSQ after the boot: %q (open %d), want its final %s\n%s", got, len(h.open), tc.final, log.String())
			}
		})
	}
}
