package euicc

import (
	"strings"
	"testing"
)

// A profile's EHPLMNs are its EF EHPLMN (TS 31.102 §4.2.84): 3 bytes a
// PLMN in order, 8 entries, the rest FFFFFF, and EF UST announces service
// n°71; a profile without them has the file empty and the service off. A
// bad entry, one twice or too many are refused at New.
func TestPreinstalledEHPLMNs(t *testing.T) {
	cfg := testConfig()
	cfg.Profiles[0].EHPLMNs = []string{"46000", "46002", "46007"}
	c := newTestCard(t, cfg)
	runScript(t, c, []step{
		{"00A4040C07A0000000871002", "9000"},
		{"00A4000C026FD9", "9000"},
		{"00B0000018", "64F000 64F020 64F070" + strings.Repeat(" FFFFFF", 5) + " 9000"},
		// EF UST's byte 9 holds services 65-72: 71 is b7.
		{"00A4000C026F38", "9000"},
		{"00B0000801", "40 9000"},
	})
	c = newTestCard(t, testConfig())
	runScript(t, c, []step{
		{"00A4040C07A0000000871002", "9000"},
		{"00A4000C026FD9", "9000"},
		{"00B0000018", strings.Repeat("FFFFFF ", 8) + "9000"},
		{"00A4000C026F38", "9000"},
		{"00B0000801", "00 9000"},
	})
	for _, tc := range []struct {
		plmns []string
		want  string
	}{
		{[]string{"46000", "4600"}, `EHPLMN "4600"`},
		{[]string{"46000", "46007", "46000"}, "EHPLMN 46000 twice"},
		{strings.Split("46000,46001,46002,46003,46004,46005,46006,46007,46008", ","), "9 EHPLMNs, at most 8"},
	} {
		cfg := testConfig()
		cfg.Profiles[0].EHPLMNs = tc.plmns
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: New: %v, want %q", tc.plmns, err, tc.want)
		}
	}
}
