package seedflag

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/scenario"
)

// The flag and the scenario file read a seed alike (outside tester t195:
// the file took 0x10, the flag refused it; esimhil-pki made "010" octal 8,
// another PKI than esimhil's seed 10).
func TestSeedAsScenario(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		err  string // in the refusal; "" when read
	}{
		{"0", 0, ""},
		{"010", 10, ""},
		{"-5", -5, ""},
		{"+7", 7, ""},
		{"0x10", 16, ""},
		{"0X1f", 31, ""},
		{"-0x5f", -95, ""},
		{"0o17", 15, ""},
		{"0x7fffffffffffffff", 1<<63 - 1, ""},
		{"-0x8000000000000000", -1 << 63, ""},
		{"0x8000000000000000", 0, "out of range"},
		{"99999999999999999999", 0, "out of range"},
		{"ten", 0, "want an integer"},
		{"0b10", 0, "want an integer"},
		{"1e3", 0, "want an integer"},
		{"", 0, "want an integer"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		seed := Var(fs, "seed", 1, "")
		err := fs.Parse([]string{"--seed", tc.in})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("--seed %q: %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || *seed != tc.want {
			t.Errorf("--seed %q = %d (%v), want %d", tc.in, *seed, err, tc.want)
		}
		s, err := scenario.Parse("s.yaml", []byte("name: t\nseed: "+tc.in+"\nnetwork:\n  operators:\n    - {id: a, plmn: \"00101\", country: FR}\n  cells:\n    - {area: X, operator: a, rsrp: -80}\ndevice:\n  eid: \"89049032000001000000000000000171\"\n  check_interval: 5m\n  profiles:\n    - {iccid: \"89860000000000000019\", operator: a, enabled: true}\nitinerary:\n  - {at: 0s, area: X}\n"))
		switch {
		case err != nil:
			t.Errorf("seed: %s in a scenario: %v", tc.in, err)
		case s.Seed != *seed:
			t.Errorf("seed: %s in a scenario = %d, --seed %d", tc.in, s.Seed, *seed)
		}
	}
}
