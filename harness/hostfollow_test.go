package harness

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/capture"
	"github.com/esimhil/esimhil/harness/scenario"
)

// followBase is the outside tester's scenario (issue D1, D2, D4): home in
// Beijing, Paris at 1h, where the platform prefers SFR, then Orange; its
// faults and expect.final come from each case.
var followBase = "name: host-follows\nseed: 1\n" + cnToParis("", `    - {iccid: "89331000000000000029", operator: sfr}
`, "[sfr, orange-fr]") + `faults:
  - FAULT
expect:
  within: 3h
FINAL`

// The CLI's host follows the device as a host does, so that a run whose
// device starts without its card, with its AT port hung, ends without its
// card, or loses its power gets a verdict and at.log tells its story: it
// takes SIM not inserted and reads the card's identities once the card is
// there (D1), sends nothing to a hung port and sets the modem up once it
// answers, in simulated time (D1), reads the end without a card as
// "absent" (D2), and sets its URCs again after every boot (D4).
func TestHostFollowsTheDevice(t *testing.T) {
	for _, tt := range []struct {
		name, fault, final string
		mismatch           string
		// at.log lines (timestamp and line, in order, not necessarily
		// next to each other)
		want []string
		// at.log lines that must not be there
		not []string
	}{
		{
			name: "card absent from the start", fault: "{card: absent, from: 0s, until: 30m}",
			final: "{operator: sfr, registration: home}",
			want: []string{
				"00:00:00Z > AT+CPIN?", "00:00:00Z < +CME ERROR: SIM not inserted",
				"00:30:00Z > AT+CPIN?", "00:30:00Z < +CPIN: READY",
				"00:30:00Z > AT+CCID", "00:30:00Z < +CCID: 89860000000000000019",
				"00:30:00Z > AT+CIMI", "00:30:00Z < 460000000000019",
				`< +CEREG: 1,"`, `03:00:00Z < +CEREG: 2,1,`,
			},
		},
		{
			name: "AT port hung from the start", fault: "{at_port: hang, from: 0s, until: 10m}",
			final: "{operator: sfr, registration: home}",
			want:  []string{"00:10:00Z > ATE0", "00:10:00Z > AT+CEREG=2", "00:10:00Z > AT+CIMI", `< +CEREG: 5,"`},
			not:   []string{"00:00:00Z > ATE0"},
		},
		{
			name: "card absent at the end, expected", fault: "{card: absent, from: 2h}",
			final: "{registration: absent}",
			want:  []string{"03:00:00Z > AT+CEREG?", "03:00:00Z > AT+CCID", "03:00:00Z < +CME ERROR: SIM not inserted"},
		},
		{
			name: "card absent at the end, home expected", fault: "{card: absent, from: 2h}",
			final:    "{operator: sfr, registration: home}",
			mismatch: "final: got absent (the device's card was absent at the end of the run; no subscriber to read), want home (subscriber sfr)",
		},
		{
			name: "power cut", fault: "{power_cut: profile_enabled, nth: 1, off: 2m}",
			final: "{operator: sfr, registration: home}",
			want: []string{
				"01:02:00Z < RDY", "01:02:00Z > ATE0", "01:02:00Z > AT+CMEE=2", "01:02:00Z > AT+CEREG=2",
				"01:02:00Z > AT+CCID", `< +CEREG: 1,"`, "03:00:00Z < +CEREG: 2,1,",
			},
			not: []string{"+CEREG: 0,1"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(followBase, "FAULT", tt.fault, 1)
			text = strings.Replace(text, "FINAL", "  final: "+tt.final+"\n", 1)
			s, err := scenario.Parse("host-follows.yaml", []byte(text))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			start := time.Now()
			res := RunScenario(s, Options{Dir: dir, Capture: capture.Tap})
			if res.Err != nil {
				t.Fatalf("run: %v (%v simulated, %v wall)", res.Err, res.Simulated, time.Since(start))
			}
			if res.Simulated != 3*time.Hour {
				t.Errorf("simulated %v, want the horizon, 3h", res.Simulated)
			}
			var want []string
			if tt.mismatch != "" {
				want = []string{tt.mismatch}
			}
			if !slices.Equal(res.Mismatches, want) {
				t.Errorf("mismatches %q, want %q", res.Mismatches, want)
			}
			b, err := os.ReadFile(filepath.Join(dir, ATLogFile))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(b), "\n")
			at := 0
			for _, w := range tt.want {
				i := slices.IndexFunc(lines[at:], func(l string) bool { return strings.Contains(l, w) })
				if i < 0 {
					t.Fatalf("at.log has no %q after line %d:\n%s", w, at+1, b)
				}
				at += i + 1
			}
			for _, n := range tt.not {
				if strings.Contains(string(b), n) {
					t.Errorf("at.log has %q:\n%s", n, b)
				}
			}
		})
	}
}
