package harness

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/harness/scenario"
)

// TestSlowSMDPTakesSimulatedTime: an SM-DP+ made slow (smdp: slow)
// holds its ES9+ answers on the simulated clock (outside tester o296,
// G1: every ES9+ exchange took no simulated time, so a slow SM-DP+ and a
// device leaving mid-download could not be written). Each fixture's run
// has these events, in this order, at these instants (an event matches
// the first line after the previous match that holds all its parts), and
// a second run of it the same event log.
func TestSlowSMDPTakesSimulatedTime(t *testing.T) {
	tests := []struct {
		fixture string
		want    [][]string // each: the instant and the parts of one line
	}{
		{"smdp-slow-within-guard.yaml", [][]string{
			{"01:00:00Z", `"function":"initiateAuthentication"`, `"fault":"smdp_slow"`},
			{"01:00:20Z", `"actor":"smdp","event":"mutual_auth"`},
			{"01:00:20Z", `"function":"authenticateClient"`, `"fault":"smdp_slow"`},
			{"01:00:40Z", `"function":"getBoundProfilePackage"`, `"fault":"smdp_slow"`},
			{"01:01:00Z", `"event":"bpp_segment_stored"`},
			{"01:01:00Z", `"function":"handleNotification"`, `"fault":"smdp_slow"`},
			{"01:01:20Z", `"event":"download_result","ok":true`},
		}},
		{"smdp-slow-past-guard.yaml", [][]string{
			{"01:00:00Z", `"function":"getBoundProfilePackage"`, `"fault":"smdp_slow"`, `"delay":"45s"`},
			{"01:00:30Z", `"event":"bip_error"`, `getBoundProfilePackage: no reply within 30s`},
			{"01:00:30Z", `"event":"download_result","ok":false`, `"reason":"getBoundProfilePackage: no reply within 30s"`},
			{"01:00:30Z", `"event":"attempt","operator":"bouygues"`},
			{"01:00:45Z", `"event":"answer_dropped"`, `"function":"getBoundProfilePackage"`, `"status":200`},
		}},
		{"smdp-slow-leaves-area.yaml", [][]string{
			{"01:00:00Z", `"function":"getBoundProfilePackage"`, `"fault":"smdp_slow"`},
			{"01:00:10Z", `"event":"area_changed","area":"DE-Kehl"`},
			{"01:00:20Z", `"event":"profile_installed"`},
			{"01:00:20Z", `"event":"cycle_ended"`, `"outcome":"list-exhausted"`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			s, err := scenario.Load(filepath.Join("..", "fixtures", "scenarios", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			lines := eventLines(t, s, 0)
			i := 0
			for _, w := range tt.want {
				for ; i < len(lines) && !lineHas(lines[i], w); i++ {
				}
				if i == len(lines) {
					t.Fatalf("no line at %s with %q after the previous one; the log:\n%s", w[0], w[1:], strings.Join(lines, "\n"))
				}
				i++
			}
			if again := eventLines(t, s, 0); !slices.Equal(lines, again) {
				t.Errorf("a second run's event log differs")
			}
		})
	}
}

// lineHas reports whether an event line is at 2026-01-01T<at> and holds
// every part.
func lineHas(line string, w []string) bool {
	if !strings.HasPrefix(line, `{"t":"2026-01-01T`+w[0]+`"`) {
		return false
	}
	for _, p := range w[1:] {
		if !strings.Contains(line, p) {
			return false
		}
	}
	return true
}
