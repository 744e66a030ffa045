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

// TestListBackoffInSight: a back-off earned where the operator's network
// had no cell does not keep a list's cycle off it where that network is
// visible — tried once, as the rescue and coming home do (outside tester
// t215 W3: Vodafone UK, backed off at sea on a 901 network under the UK
// list, passed over for an hour at Southampton beside its own cells).
// A failure earned in sight, or with no switch, spends that one try.
func TestListBackoffInSight(t *testing.T) {
	const (
		sea       = "info normal 90112 cells=90112:-105"
		port      = "info normal 20801 cells=20801:-80,20810:-90" // SFR's cell in sight
		portBlind = "info normal 20801 cells=20801:-80"
	)
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	boot := []string{"card cmcc* sfr", "boot"}
	// At sea, the French list's SFR gets no service of its own: backed
	// off in 901 under FR, out of its network's sight.
	seaFail := []string{"check", sea, "enabled sfr", "boot", "location limited 90112",
		"enabled cmcc", "boot", "location normal 90112"}
	// In port SFR, its cell in sight, is refused.
	portFail := []string{"check", port, "enabled sfr", "boot", "location limited 20810",
		"enabled cmcc", "boot", "location normal 20801"}
	tests := []struct {
		name  string
		setup []string
		then  string // the location of the check judged
		want  string // "attempt" (SFR tried) or "passed over"
	}{
		{"backed off at sea, in sight in port: tried", cat(boot, seaFail), port, "attempt"},
		{"backed off at sea, still out of sight in port: passed over", cat(boot, seaFail), portBlind, "passed over"},
		{"its one try in sight spent, refused: passed over", cat(boot, seaFail, portFail), port, "passed over"},
		{"failed in sight in a list's cycle: passed over", cat(boot, portFail), port, "passed over"},
		{"refused by its own network until the rescue left it: passed over in sight",
			cat(boot, []string{"check", port, "enabled sfr", "boot", "location normal 20810",
				"check", "info limited 20810 cells=20810:-90,20801:-80", "check", "info limited 20810 cells=20810:-90,20801:-80",
				"enabled cmcc", "boot", "location normal 20801"}), port, "passed over"},
		{"no network at all until the rescue left it: tried once its cell is back",
			cat(boot, []string{"check", port, "enabled sfr", "boot", "location normal 20810",
				"check", "info none", "check", "info none",
				"enabled cmcc", "boot", "location normal 20801"}), port, "attempt"},
		{"failed with no switch (enable refused) at sea: passed over in sight",
			cat(boot, []string{"check", sea, "enabled sfr result=1"}), port, "passed over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			list := "sfr country=FR" // the platform names France for 901 too
			var backoffs []string
			for _, l := range runAnswered(t, r, list, tt.setup) {
				if strings.HasPrefix(l, "log backoff ") {
					backoffs = append(backoffs, l)
				}
			}
			if len(backoffs) == 0 {
				t.Fatalf("setup backed nothing off")
			}
			got := ""
			for _, l := range runAnswered(t, r, list, []string{"check", tt.then}) {
				switch {
				case strings.HasPrefix(l, "log attempt ") && field(l, "operator") == "sfr":
					got = "attempt"
				case strings.HasPrefix(l, "log list_passed_over "):
					got = "passed over"
				}
			}
			if got != tt.want {
				t.Errorf("SFR at the check in port: %q, want %q (setup's back-offs %q)", got, tt.want, backoffs)
			}
		})
	}
}

// TestBorderBackoffInSight: an attempt a neighbour's network took in a
// border area is backed off there once the fallback attaches at home
// (README, a device that crosses a border); that back-off spends the
// one try in sight when the operator's own network was visible beside
// the neighbour's (its profile chose the neighbour: trying it again
// would only cost a REFRESH pair), and keeps it when it was not.
func TestBorderBackoffInSight(t *testing.T) {
	tests := []struct {
		name       string
		strasbourg string // Telekom serves, Orange's cell in reach
		want       string
	}{
		{"Vodafone's cell out of reach in Strasbourg: tried in Berlin",
			"info normal 26201 cells=26201:-70,20801:-80", "attempt"},
		{"Vodafone's cell in reach in Strasbourg: passed over in Berlin",
			"info normal 26201 cells=26201:-70,20801:-80,26202:-100", "passed over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			list := "vodafone-de"
			setup := []string{"card cmcc* vodafone-de", "boot", "check", tt.strasbourg,
				"enabled vodafone-de", "boot", "location normal 20801", // Orange takes it
				"enabled cmcc", "boot", "location normal 26201"} // the fallback at home in DE
			var backoffs []string
			for _, l := range runAnswered(t, r, list, setup) {
				if strings.HasPrefix(l, "log backoff ") {
					backoffs = append(backoffs, field(l, "operator")+"@"+field(l, "area"))
				}
			}
			if !slices.Equal(backoffs, []string{"vodafone-de@262"}) {
				t.Fatalf("setup's back-offs %q, want [vodafone-de@262]", backoffs)
			}
			got := ""
			for _, l := range runAnswered(t, r, list, []string{"check", "info normal 26201 cells=26201:-70,26202:-80"}) {
				switch {
				case strings.HasPrefix(l, "log attempt ") && field(l, "operator") == "vodafone-de":
					got = "attempt"
				case strings.HasPrefix(l, "log list_passed_over "):
					got = "passed over"
				}
			}
			if got != tt.want {
				t.Errorf("Vodafone at the check in Berlin: %q, want %q", got, tt.want)
			}
		})
	}
}

// TestBorderAreaBackoffInSightByProfile: when two cycles across one
// border make a border area (border.go), each attempt a neighbour's
// network served is backed off in its list's country, spending the try
// in sight when the attempted profile's network was visible — the
// network of the profile the attempt enabled, as at a fallback that
// attaches at home (fallbackAttached), not that of the first profile of
// its operator (v233: a card with two SFR profiles on 20811 and 20810,
// the list's SFR being 20810, took 20811 and kept the try).
func TestBorderAreaBackoffInSightByProfile(t *testing.T) {
	// Cycle 1 in France: SFR is served by Telekom and the fallback
	// attaches in Germany (the device left the area). Cycle 2 in
	// Germany, SFR's 20810 in sight: SFR is refused by Orange (served
	// by Orange, a network of SFR's country, it would have attached:
	// attachedAs) and the fallback attaches in France — back the way
	// cycle 1 came.
	setup := []string{"card cmcc* 89331011000000000034 sfr", "boot",
		"check", "info normal 20801 cells=20801:-70",
		"enabled sfr", "boot", "location normal 26201",
		"enabled cmcc", "boot", "location normal 26201",
		"check", "info normal 26201 cells=26201:-70,20810:-90",
		"enabled sfr", "boot", "location limited 20801",
		"enabled cmcc", "boot", "location normal 20801"}
	tests := []struct {
		name  string
		check string
	}{
		{"in France, the last cycle's attempt", "info normal 20801 cells=20801:-70,20810:-80"},
		{"in Germany, this cycle's attempt", "info normal 26201 cells=26201:-70,20810:-80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			var ended []string
			for _, l := range runAnswered(t, r, "sfr", setup) {
				if strings.HasPrefix(l, "log cycle_ended ") {
					ended = append(ended, l)
				}
			}
			if len(ended) != 2 || !strings.Contains(ended[0], ReasonLeftArea) || !strings.Contains(ended[1], ReasonBorderArea) {
				t.Fatalf("setup's cycles ended %q, want left the area, then a border area", ended)
			}
			got := ""
			for _, l := range runAnswered(t, r, "sfr", []string{"check", tt.check}) {
				switch {
				case strings.HasPrefix(l, "log attempt ") && field(l, "operator") == "sfr":
					got = "attempt"
				case strings.HasPrefix(l, "log list_passed_over "):
					got = "passed over"
				}
			}
			if got != "passed over" {
				t.Errorf("SFR at the check: %q, want passed over (its 20810 was in sight)", got)
			}
		})
	}
}

// TestLeftSameCountryTwiceBacksOff: two cycles in a row that both leave
// the same list's country (border.go, outside tester t264: back and forth
// across the Rhine, Vodafone silent in Kehl) back off there the attempts
// a neighbour's network served in both — only those: an operator served
// abroad in the second cycle alone had one chance, and is not. Whether
// the lists named their country or not (samePlace: the list's country, or
// else the MCC the cycle began on, not the one the last cycle reached).
func TestLeftSameCountryTwiceBacksOff(t *testing.T) {
	// Each cycle begins in Germany on Telekom's 26201; its first attempt
	// is served by Orange France, and the fallback attaches in France.
	cycle := func(op string) []string {
		return []string{"check", "info normal 26201 cells=26201:-70",
			"enabled " + op, "boot", "location normal 20801",
			"enabled cmcc", "boot", "location normal 20801"}
	}
	tests := []struct {
		name    string
		second  string // the second cycle's list (the first's: vodafone-de)
		country string // the lists' country argument
		want    []string
	}{
		{"Vodafone twice", "vodafone-de", "", []string{"vodafone-de@262"}},
		{"Vodafone twice, lists naming no country", "vodafone-de", " country=", []string{"vodafone-de@262"}},
		{"Vodafone, then Telekom", "telekom-de", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &scriptRun{cfg: testCfg}
			r.a = New(r.cfg, State{})
			logs := runAnswered(t, r, "vodafone-de"+tt.country, append([]string{"card cmcc* vodafone-de telekom-de", "boot"}, cycle("vodafone-de")...))
			logs = append(logs, runAnswered(t, r, tt.second+tt.country, cycle(tt.second))...)
			var ended, backoffs []string
			for _, l := range logs {
				switch {
				case strings.HasPrefix(l, "log cycle_ended "):
					ended = append(ended, l)
				case strings.HasPrefix(l, "log backoff "):
					backoffs = append(backoffs, field(l, "operator")+"@"+field(l, "area"))
				}
			}
			if len(ended) != 2 || !strings.Contains(ended[0], ReasonLeftArea) || !strings.Contains(ended[1], ReasonLeftArea) {
				t.Fatalf("cycles ended %q, want left the area twice", ended)
			}
			if !slices.Equal(backoffs, tt.want) {
				t.Errorf("back-offs %q, want %q", backoffs, tt.want)
			}
		})
	}
}

// A LeftArea kept with its attempts' networks gives those; one from an
// image written before they were kept gives the operator's first
// profile's network.
func TestLeftAreaPLMN(t *testing.T) {
	a := New(testCfg, State{Profiles: []Profile{fixture(t, "cmcc"), fixture(t, "89331011000000000034"), fixture(t, "sfr")}})
	for _, tc := range []struct {
		name string
		l    LeftArea
		want string
	}{
		{"kept", LeftArea{Operators: []string{"sfr"}, PLMNs: []string{"20810"}}, "20810"},
		{"an older image: the first profile's", LeftArea{Operators: []string{"sfr"}}, "20811"},
		{"a damaged image: the first profile's", LeftArea{Operators: []string{"sfr"}, PLMNs: []string{"20810", "20801"}}, "20811"},
	} {
		if got := tc.l.plmn(a, 0); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
