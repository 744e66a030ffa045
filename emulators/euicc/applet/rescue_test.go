package applet

import (
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
