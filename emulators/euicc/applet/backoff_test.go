package applet

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// runAnswered runs a script, answering each post the card makes: a list
// request with list, a notification with an acknowledgement. It returns
// the card's log lines.
func runAnswered(t *testing.T, r *scriptRun, list string, script []string) []string {
	t.Helper()
	post := regexp.MustCompile(`^HTTPPost #(\d+) seq=\d+ (/v1/[a-z-]+) `)
	var logs []string
	var run func(cmd string)
	run = func(cmd string) {
		for _, l := range strings.Split(r.do(t, scriptCase{Cmd: cmd}), "\n") {
			if strings.HasPrefix(l, "log ") {
				logs = append(logs, l)
			}
			if m := post.FindStringSubmatch(l); m != nil {
				if m[2] == "/v1/preferred-list" {
					run(fmt.Sprintf("http %s 200 list=%s", m[1], list))
				} else {
					run(fmt.Sprintf(`http %s 200 body={"ack":true,"id":"%s"}`, m[1], m[1]))
				}
			}
		}
	}
	for _, cmd := range script {
		run(cmd)
	}
	return logs
}

// TestBackoffForgottenOnSuccess: an operator's pauses grow for failures in
// a row (README, back-off); an attach — its cycle's success or a late
// attach — forgets its back-off in that area, so the next failure there
// is the first again (tester t139 M28: no test failed, succeeded and
// failed again in one area).
func TestBackoffForgottenOnSuccess(t *testing.T) {
	// Roaming on Orange, the list [sfr]: SFR is refused (failure 1).
	refused := []string{"card cmcc* sfr", "boot", "check", "info normal 20801 cells=20801:-80",
		"enabled sfr", "boot", "location limited 20810"}
	// Then SFR, enabled, loses normal service in France: at the second
	// check without it the rescue backs it off in 208 again.
	failsAgain := []string{"check", "info limited 20810", "check", "info limited 20810"}
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	tests := []struct {
		name   string
		script []string
		want   []string // operator:failures of the backoff events
		late   string   // the late_attach's place, area/country: the one its backoff named
	}{
		{"a cycle's success: SFR attaches at the list's next try",
			cat(refused, []string{"enabled cmcc", "boot", "location normal 20801",
				"check", "info normal 20801 cells=20801:-80", // backed off: passed over
				"check", "info normal 20801 cells=20801:-80", "enabled sfr", "boot", "location normal 20810"}, failsAgain),
			[]string{"sfr:1", "sfr:1"}, ""},
		{"a late attach: the fallback refused, SFR attaches on its own",
			cat(refused, []string{"enabled cmcc result=1", "location normal 20810"}, failsAgain),
			[]string{"sfr:1", "cmcc:1", "sfr:1"}, "208/FR"},
		{"no attach between: the list's next try is refused, the second failure in a row",
			cat(refused, []string{"enabled cmcc", "boot", "location normal 20801",
				"check", "info normal 20801 cells=20801:-80",
				"check", "info normal 20801 cells=20801:-80", "enabled sfr", "boot", "location limited 20810"}),
			[]string{"sfr:1", "sfr:2"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			var got []string
			late := ""
			for _, l := range runAnswered(t, r, "sfr", tt.script) {
				switch {
				case strings.HasPrefix(l, "log backoff "):
					got = append(got, field(l, "operator")+":"+field(l, "failures"))
				case strings.HasPrefix(l, "log late_attach "):
					late = field(l, "area") + "/" + field(l, "country")
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("backoff\n got %q\nwant %q", got, tt.want)
			}
			if late != tt.late {
				t.Errorf("late_attach place %q, want %q", late, tt.late)
			}
		})
	}
}

// TestBackoffTableFull: the back-off table holds maxBackoff entries; a
// failure in a new place when it is full drops the oldest entry, not the
// newest (tester t139 M37: no test filled it), and a failure of an entry
// already there drops none.
func TestBackoffTableFull(t *testing.T) {
	tests := []struct {
		name    string
		fill    int    // operators op0, op1 … failed in order in 208
		then    string // one more failure in 208
		gone    string // an operator with no entry after it ("" none)
		kept    []string
		entries int
	}{
		{"room for one more", maxBackoff - 1, "new", "", []string{"op0", "new"}, maxBackoff},
		{"full: the oldest goes", maxBackoff, "new", "op0", []string{"op1", fmt.Sprintf("op%d", maxBackoff-1), "new"}, maxBackoff},
		{"full, an operator already there: nothing goes", maxBackoff, "op0", "", []string{"op0", "op1", fmt.Sprintf("op%d", maxBackoff-1)}, maxBackoff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(testCfg, State{})
			for i := range tt.fill {
				a.backoffFailed(fmt.Sprintf("op%d", i), "208", "FR")
			}
			a.backoffFailed(tt.then, "208", "FR")
			if len(a.st.Backoff) != tt.entries {
				t.Errorf("%d entries, want %d", len(a.st.Backoff), tt.entries)
			}
			has := func(op string) bool { return a.backoffAt(op, "208", "FR", false) >= 0 }
			if tt.gone != "" && has(tt.gone) {
				t.Errorf("%s still backed off, want its entry dropped", tt.gone)
			}
			for _, op := range tt.kept {
				if !has(op) {
					t.Errorf("%s's entry dropped, want it kept", op)
				}
			}
		})
	}
}
