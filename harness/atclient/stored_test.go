package atclient_test

import (
	"testing"
	"time"

	"github.com/esimhil/esimhil/fixtures"
	"github.com/esimhil/esimhil/harness"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
)

// TestStoredFormAfterRestart: over the emulated modem on a pty (which
// keeps what AT&W stored across a restart, as real modems do, V.250
// §6.1.1), a client that stored ATV0 itself reads the restarted modem's
// digits as result codes: the boot loads the profile its AT&W stored, not
// the factory's V1. AT&F then AT&W stores V1 again; an ATV0 not stored is
// lost at the restart.
func TestStoredFormAfterRestart(t *testing.T) {
	for _, tc := range []struct {
		name    string
		before  []string
		numeric bool
	}{
		{"ATV0&W", []string{"ATV0&W"}, true},
		{"ATV0, then AT&W", []string{"ATV0", "AT&W"}, true},
		{"ATV0 not stored", []string{"ATV0"}, false},
		{"ATV0&W, then AT&F&W", []string{"ATV0&W", "AT&F&W"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := scenario.Parse(fixtures.DefaultScenarioName, fixtures.DefaultScenario)
			if err != nil {
				t.Fatal(err)
			}
			r, err := harness.NewRig(s, harness.Options{Seed: 1, Dir: t.TempDir(), Capture: capture.Tap, NoHost: true, Personality: "quectel-eg25"})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			noSetUp := func(func(string) (*atclient.Response, error)) error { return nil }
			c, err := atclient.Open(r.Modem.Path(), atclient.WithTimeout(2*time.Second), atclient.WithSetUp(noSetUp, "RDY"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for _, l := range append(tc.before, "AT+CFUN=1,1") {
				if rsp, err := c.Command(l); err != nil || rsp.Final != "OK" {
					t.Fatalf("%s: %v %v", l, rsp, err)
				}
			}
			if err := r.Advance(30 * time.Second); err != nil {
				t.Fatal(err)
			}
			if _, err := c.WaitURC("RDY", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			if rsp, err := c.Command("AT+CSQ"); err != nil || rsp.Final != "OK" {
				t.Fatalf("AT+CSQ after the restart: %v %v", rsp, err)
			}
			if got := c.Numeric(); got != tc.numeric || c.Boots() != 1 {
				t.Errorf("after the restart: numeric %v, want %v (boots %d)", got, tc.numeric, c.Boots())
			}
		})
	}
}
