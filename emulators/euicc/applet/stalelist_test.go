package applet

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// A list that arrives after the device left the country it was asked
// from is dropped, and its reason says what the next check does there:
// abroad it asks again; home it asks none, as coming home needs no list
// (outside tester t264: home in the 25 s a slow platform held the list,
// the reason said the next check asks again, and none asked). The words
// are the check's own decision (homeVisible): a home profile backed off
// where its network serves is no coming home, and one whose network the
// terminal only measures is (t273). Each row then runs that next check,
// which must do as the reason said.
func TestStaleListSaysWhatTheNextCheckDoes(t *testing.T) {
	const home, other = "the device is home, where no list is asked", "the next check asks again"
	strasbourg := LocalInfo{Service: NormalService, PLMN: "20801", Cells: []Measurement{{PLMN: "20801", RSRP: -85}, {PLMN: "26201", RSRP: -110}}}
	tests := []struct {
		name    string
		home    string // the home profile's operator ("" cmcc)
		enabled string // the enabled profile's operator
		asked   LocalInfo
		backoff []BackoffEntry
		now     string
		next    []Measurement // the cells the next check measures ("" now's alone)
		want    string
	}{
		{name: "home on the enabled profile", enabled: "cmcc", now: "46000", want: home},
		{name: "another country", enabled: "cmcc", now: "26202", want: other},
		{name: "on the enabled profile's network, not the home profile's", enabled: "telekom-de", now: "26201", want: home},
		{name: "on the home profile's network, not the enabled profile's", enabled: "telekom-de", now: "46000", want: home},
		{name: "another country, neither profile's", enabled: "telekom-de", now: "26202", want: other},
		// The home profile failed here, its one try in sight spent: the
		// check roams on, and asks for the country's list.
		{name: "on the home profile's network, backed off there", enabled: "telekom-de", now: "46000", want: other,
			backoff: []BackoffEntry{{Operator: "cmcc", Area: "460", Failures: 1, Until: 100, Rescued: true}}},
		// Asked at Strasbourg with Telekom's cells across the border, its
		// profile backed off in France; in Germany, on Vodafone, the home
		// network measured is coming home.
		{name: "the home profile's network measured, not serving", home: "telekom-de", enabled: "cmcc", asked: strasbourg, now: "26202",
			next:    []Measurement{{PLMN: "26202", RSRP: -90}, {PLMN: "26201", RSRP: -100}},
			backoff: []BackoffEntry{{Operator: "telekom-de", Area: "208", Failures: 1, Until: 100, Rescued: true}}, want: home},
	}
	post := regexp.MustCompile(`HTTPPost #(\d+) seq=\d+ /v1/preferred-list `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.home == "" {
				tt.home = "cmcc"
			}
			if tt.asked.PLMN == "" {
				tt.asked = parisInfo
			}
			if tt.next == nil {
				tt.next = []Measurement{{PLMN: tt.now, RSRP: -90}}
			}
			ps := []Profile{fixture(t, "cmcc"), fixture(t, "sfr"), fixture(t, "telekom-de")}
			for i := range ps {
				ps[i].Original = ps[i].Operator == tt.home
				ps[i].Enabled = ps[i].Operator == tt.enabled
			}
			a := New(testCfg, State{Backoff: tt.backoff})
			a.Step(Boot{Profiles: ps})
			a.Step(TimerExpired{ID: CheckTimer})
			m := post.FindStringSubmatch(render(a.Step(tt.asked))) // the list asked in France
			if m == nil {
				t.Fatalf("no list asked in France")
			}
			a.Step(LocationStatus{Service: NormalService, PLMN: tt.now})
			got := render(a.Step(ok200(atoi(t, m[1]), frList)))
			want := fmt.Sprintf(`reason="the list is for FR (208), and the device is now served by %s: %s"`, tt.now, tt.want)
			if !strings.Contains(got, "log preferred_list_failed "+want) {
				t.Errorf("effects %s\nwant preferred_list_failed %s", got, want)
			}
			if p, ok := a.enabled(); !ok || p.Operator != tt.enabled {
				t.Errorf("acted on the stale list: %s enabled", p.Operator)
			}
			a.Step(TimerExpired{ID: CheckTimer})
			next := render(a.Step(LocalInfo{Service: NormalService, PLMN: tt.now, Cells: tt.next}))
			if asks := post.MatchString(next); asks != (tt.want == other) {
				t.Errorf("the next check, which the reason said of %q: list asked %v:\n%s", tt.want, asks, next)
			}
		})
	}
}
