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

// TestHostFormAfterPowerCut: the replay's own power cut (a manifest's
// power_cut) boots the host's modes where the modem comes back on, as a
// power URC or a restart's OK does: the modem loads the profile AT&W
// stored (V.250 §6.1.1), whose ATV0 ends its lines with a CR alone — a
// Sierra with no boot URC to say so, and a generic modem whose RDY
// itself comes so ended. The host reads the final result of the command
// after the boot; with no ATV0 stored the words come back.
func TestHostFormAfterPowerCut(t *testing.T) {
	for _, tc := range []struct {
		name, personality string
		stored            bool
		final             string
	}{
		{"sierra-em7511, ATV0 stored", "sierra-em7511", true, "0"},
		{"generic, ATV0 stored", "generic", true, "0"},
		{"sierra-em7511, nothing stored", "sierra-em7511", false, "OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scenario.Parse(fixtures.DefaultScenarioName, fixtures.DefaultScenario)
			if err != nil {
				t.Fatal(err)
			}
			s.Faults = append(s.Faults, scenario.Fault{Kind: scenario.PowerCut, Event: scenario.PowerCutAt, From: 20 * time.Second, Off: 5 * time.Second})
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
			for _, l := range lines {
				if _, err := h.send(l); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.until(60 * time.Second); err != nil {
				t.Fatal(err)
			}
			got, err := h.send("AT+CSQ")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || got[len(got)-1] != tc.final || len(h.open) != 0 {
				t.Errorf("AT+CSQ after the power cut: %q (open %d), want its final %s\n%s", got, len(h.open), tc.final, log.String())
			}
		})
	}
}
