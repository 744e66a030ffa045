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
// the reason said the next check asks again, and none asked).
func TestStaleListSaysWhatTheNextCheckDoes(t *testing.T) {
	const home, other = "the device is home, where no list is asked", "the next check asks again"
	tests := []struct {
		name    string
		enabled string // the enabled profile's operator; cmcc is the home profile
		now     string
		want    string
	}{
		{"home on the enabled profile", "cmcc", "46000", home},
		{"another country", "cmcc", "26202", other},
		{"on the enabled profile's network, not the home profile's", "telekom-de", "26201", home},
		{"on the home profile's network, not the enabled profile's", "telekom-de", "46000", home},
		{"another country, neither profile's", "telekom-de", "26202", other},
	}
	post := regexp.MustCompile(`HTTPPost #(\d+) seq=\d+ /v1/preferred-list `)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := []Profile{fixture(t, "cmcc"), fixture(t, "sfr"), fixture(t, "telekom-de")}
			ps[0].Original = true
			for i := range ps {
				ps[i].Enabled = ps[i].Operator == tt.enabled
			}
			a := New(testCfg, State{})
			a.Step(Boot{Profiles: ps})
			a.Step(TimerExpired{ID: CheckTimer})
			m := post.FindStringSubmatch(render(a.Step(parisInfo))) // the list asked in Paris
			if m == nil {
				t.Fatalf("no list asked in Paris")
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
		})
	}
}
