package applet

import (
	"slices"
	"strings"
	"testing"
)

// TestRescueHomeFirst: the never-stranded rescue tries the first-boot home
// profile first, wherever the card lists it, then the others in card
// order (README "Never stranded"; tester t139 M27: with home always first
// on the card, card order passed for home first).
func TestRescueHomeFirst(t *testing.T) {
	tests := []struct {
		name, card string
		want       string // the rescue's cycle_started operators
	}{
		{"home listed last", "orange-fr sfr+ cmcc^", `["cmcc","orange-fr"]`},
		{"home listed between the others", "orange-fr cmcc^ sfr+", `["cmcc","orange-fr"]`},
		{"home listed first", "cmcc^ orange-fr sfr+", `["cmcc","orange-fr"]`},
		{"home is the profile without service: card order", "orange-fr sfr cmcc*", `["orange-fr","sfr"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			var got string
			for _, cmd := range []string{"card " + tt.card, "boot", "check", "info none", "check", "info none"} {
				for _, l := range strings.Split(r.do(t, scriptCase{Cmd: cmd}), "\n") {
					if strings.HasPrefix(l, "log cycle_started ") && field(l, "trigger") == TriggerRescue {
						got = field(l, "operators")
					}
				}
			}
			if got != tt.want {
				t.Errorf("rescue operators %s, want %s", got, tt.want)
			}
		})
	}
}

// TestFallbackToTheAttemptServedAbroad: an attempt a network across the
// border served failed (claim 3), but it is a bearer; when the original
// cannot take the device back it is the last fallback candidate, already
// enabled and attached, and is judged at once — the cycle ends as the
// device having left the list's area — not after an attach wait with no
// event to end it, and a back-off in the list's country for a failure
// abroad (tester t139 M30: no test reached the branch; dropping it failed
// TestExplore's backoff-where-failed once the generator drew a world that
// did).
func TestFallbackToTheAttemptServedAbroad(t *testing.T) {
	// Roaming on Orange, the list [sfr]: SFR's profile is served by
	// Germany's 26201, China Mobile's enable is refused.
	toAbroad := []string{"card cmcc* sfr", "boot", "check", "info normal 20801 cells=20801:-80",
		"enabled sfr", "boot"}
	tests := []struct {
		name   string
		script []string
		want   []string // the card's fallback, fallback_attached, backoff and cycle_ended lines, their key fields
	}{
		{"served abroad: judged at once, the device left",
			append(slices.Clone(toAbroad), "location normal 26201", "enabled cmcc result=1"),
			[]string{"fallback sfr>cmcc", "backoff cmcc", "fallback cmcc>sfr", "fallback_attached sfr 26201", "cycle_ended list-exhausted left"}},
		{"refused abroad: no bearer, no fallback to it",
			append(slices.Clone(toAbroad), "location limited 26201", "enabled cmcc result=1"),
			[]string{"fallback sfr>cmcc", "backoff cmcc", "cycle_ended list-exhausted "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			var got []string
			for _, l := range runAnswered(t, r, "sfr", tt.script) {
				f := strings.Fields(l)
				if len(f) < 2 {
					continue
				}
				switch f[1] {
				case "fallback":
					got = append(got, "fallback "+field(l, "from_operator")+">"+field(l, "to_operator"))
				case "fallback_attached":
					got = append(got, "fallback_attached "+field(l, "operator")+" "+field(l, "plmn"))
				case "backoff":
					got = append(got, "backoff "+field(l, "operator"))
				case "cycle_ended":
					left := ""
					if strings.Contains(l, ReasonLeftArea) {
						left = "left"
					}
					got = append(got, "cycle_ended "+field(l, "outcome")+" "+left)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
