package applet

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A profile the card stayed on after reporting its attach failed, which
// attaches later, is reported attach-success once (claim 7, stranded.go),
// and its failure is counted in the back-off once.
func TestStranded(t *testing.T) {
	// The never-stranded rescue in a country where no network answers:
	// China Mobile loses service (two checks), SFR is tried and fails.
	rescueFails := []string{"card cmcc* sfr", "boot", "check", "info none", "check", "info none",
		"enabled sfr", "boot", "attach-timer"}
	// Two more checks without service: the next rescue, back to China Mobile.
	rescueAgain := []string{"check", "info none", "check", "info none", "enabled cmcc", "boot"}
	// Roaming on Orange, the list [sfr]: SFR is denied, the fallback to
	// China Mobile is refused (the card stays on SFR), the list is used up.
	listFails := []string{"card cmcc* sfr", "boot", "check", "info normal 20801 cells=20801:-80",
		"http 2 200 list=sfr", "enabled sfr", "boot", "location limited 20810", "enabled cmcc result=1"}
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	tests := []struct {
		name    string
		script  []string
		notes   []string // kind:operator as the platform took them, in order
		late    int      // late_attach events
		backoff []string // operator:failures of the backoff events
	}{
		{"the networks come back: the modem attaches SFR on its own, attach-success once",
			cat(rescueFails, []string{"location normal 20810", "location normal 20810", "check", "info normal 20810"}),
			[]string{"attach-failure:sfr", "list-exhausted:", "attach-success:sfr"}, 1, []string{"cmcc:1", "sfr:1"}},
		{"a periodic look sees the attach first",
			cat(rescueFails, []string{"check", "info normal 20810", "location normal 20810"}),
			[]string{"attach-failure:sfr", "list-exhausted:", "attach-success:sfr"}, 1, []string{"cmcc:1", "sfr:1"}},
		{"a power cut between the failure and the attach: still owed",
			cat(rescueFails, []string{"power-cut", "location normal 20810"}),
			[]string{"attach-failure:sfr", "list-exhausted:", "attach-success:sfr"}, 1, []string{"cmcc:1", "sfr:1"}},
		{"a rescue attempt counts any network: SFR roaming on Orange",
			cat(rescueFails, []string{"location normal 20801"}),
			[]string{"attach-failure:sfr", "list-exhausted:", "attach-success:sfr"}, 1, []string{"cmcc:1", "sfr:1"}},
		{"limited service is no attach",
			cat(rescueFails, []string{"location limited 20810", "location none"}),
			nil, 0, []string{"cmcc:1", "sfr:1"}},
		{"the next rescue does not count SFR again (the same outage); the home profile stranded in turn is reported too",
			cat(rescueFails, rescueAgain, []string{"attach-timer", "location normal 46000"}),
			[]string{"attach-failure:sfr", "list-exhausted:", "attach-failure:cmcc", "list-exhausted:", "attach-success:cmcc"},
			1, []string{"cmcc:1", "sfr:1", "cmcc:2"}},
		{"switched away before the attach: the next cycle's own outcome, nothing late",
			cat(rescueFails, rescueAgain, []string{"location normal 46000"}),
			[]string{"attach-failure:sfr", "list-exhausted:", "attach-success:cmcc"}, 0, []string{"cmcc:1", "sfr:1"}},
		{"a list's attempt the card stayed on attaches on its own network: attach-success",
			cat(listFails, []string{"location normal 20810"}),
			[]string{"attach-failure:sfr", "list-exhausted:", "attach-success:sfr"}, 1, []string{"sfr:1", "cmcc:1"}},
		{"a list's attempt the card stayed on attaches through national roaming (Orange, of SFR's country): attach-success",
			cat(listFails, []string{"location normal 20801"}),
			[]string{"attach-failure:sfr", "list-exhausted:", "attach-success:sfr"}, 1, []string{"sfr:1", "cmcc:1"}},
		{"a list's attempt on a network of another country is not its attach: nothing owed, and nothing later",
			cat(listFails, []string{"location normal 26201", "location normal 20810"}),
			[]string{"attach-failure:sfr", "list-exhausted:"}, 0, []string{"sfr:1", "cmcc:1"}},
		{"after a fallback that attached, the failed attempt is not the enabled profile: nothing late",
			[]string{"card cmcc* sfr orange-fr", "boot", "check", "info normal 20801 cells=20801:-80",
				"http 2 200 list=sfr", "enabled sfr", "boot", "location limited 20810", "enabled cmcc", "boot",
				"location normal 20801", "location normal 20801"},
			[]string{"attach-failure:sfr", "list-exhausted:"}, 0, []string{"sfr:1"}},
	}
	post := regexp.MustCompile(`^HTTPPost #(\d+) seq=\d+ /v1/notifications (\{.*\})$`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			var notes, backoff []string
			late := 0
			var run func(cmd string)
			run = func(cmd string) {
				out := r.do(t, scriptCase{Cmd: cmd})
				for _, l := range strings.Split(out, "\n") {
					switch {
					case strings.HasPrefix(l, "log late_attach "):
						late++
					case strings.HasPrefix(l, "log backoff "):
						backoff = append(backoff, field(l, "operator")+":"+field(l, "failures"))
					}
					if m := post.FindStringSubmatch(l); m != nil {
						var n map[string]any
						if err := json.Unmarshal([]byte(m[2]), &n); err != nil {
							t.Fatal(err)
						}
						op, _ := n["operator"].(string)
						notes = append(notes, fmt.Sprintf("%s:%s", n["kind"], op))
						run(fmt.Sprintf(`http %s 200 body={"ack":true,"id":"%s"}`, m[1], m[1]))
					}
				}
			}
			for _, cmd := range tt.script {
				run(cmd)
			}
			if !slices.Equal(notes, tt.notes) {
				t.Errorf("notes to the platform\n got %q\nwant %q", notes, tt.notes)
			}
			if late != tt.late {
				t.Errorf("late_attach events: %d, want %d", late, tt.late)
			}
			if !slices.Equal(backoff, tt.backoff) {
				t.Errorf("backoff\n got %q\nwant %q", backoff, tt.backoff)
			}
		})
	}
}

// field is a log line's value for key ("log kind k=v k=v").
func field(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}
