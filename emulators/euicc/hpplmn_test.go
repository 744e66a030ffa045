package euicc

import (
	"testing"
)

// A preinstalled profile's HPPLMN is its EF HPPLMN, kept through an NVM
// image; without it the default, 60 minutes ('0A').
func TestPreinstalledHPPLMN(t *testing.T) {
	read := []step{
		{"00A4040C07A0000000871002", "9000"},
		{"00A4000C026F31", "9000"},
		{"00B0000001", "00 9000"},
	}
	cfg := testConfig()
	cfg.Profiles[0].HPPLMN = new(byte(0x00)) // no search
	c := newTestCard(t, cfg)
	runScript(t, c, read)
	r := restored(t, cfg, c)
	r.Reset()
	runScript(t, r, read)

	read[2] = step{"00B0000001", "0A 9000"}
	runScript(t, newTestCard(t, testConfig()), read)
}
