package euicc

import (
	"strings"
	"testing"
)

// A preinstalled profile's OperatorPLMNs are its EF OPLMNwAcT, E-UTRAN
// entries in order, the rest empty; without them the home network alone.
// A bad entry or too many are refused at New.
func TestPreinstalledOperatorPLMNs(t *testing.T) {
	cfg := testConfig()
	cfg.Profiles[0].OperatorPLMNs = []string{"46000", "20810", "262020"}
	c := newTestCard(t, cfg)
	runScript(t, c, []step{
		{"00A4040C07A0000000871002", "9000"},
		{"00A4000C026F61", "9000"},
		{"00B0000014", "64F000 4000 02F801 4000 620220 4000 FFFFFF0000 9000"},
	})
	if _, err := New(testConfig()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		plmns []string
		want  string
	}{
		{[]string{"46000", "2081"}, `operator PLMN "2081"`},
		{strings.Split(strings.Repeat("46000,", 33)[:33*6-1], ","), "33 operator PLMNs, at most 32"},
	} {
		cfg := testConfig()
		cfg.Profiles[0].OperatorPLMNs = tc.plmns
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: New: %v, want %q", tc.plmns, err, tc.want)
		}
	}
}
