package applet

import (
	"strings"
	"testing"
)

// A list that arrives after the device left the country it was asked
// from is dropped, and its reason says what the next check does there:
// abroad it asks again; home it asks none, as coming home needs no list
// (outside tester t264: home in the 25 s a slow platform held the list,
// the reason said the next check asks again, and none asked).
func TestStaleListSaysWhatTheNextCheckDoes(t *testing.T) {
	tests := []struct {
		name string
		now  string
		want string
	}{
		{"home on the enabled profile", "46000",
			`reason="the list is for FR (208), and the device is now served by 46000: the device is home, where no list is asked"`},
		{"another country", "26202",
			`reason="the list is for FR (208), and the device is now served by 26202: the next check asks again"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := New(testCfg, State{})
			for _, ev := range roamToSFR[:5] { // the list asked in Paris
				a.Step(ev)
			}
			a.Step(LocationStatus{Service: NormalService, PLMN: tt.now})
			got := render(a.Step(ok200(2, frList)))
			if !strings.Contains(got, "log preferred_list_failed "+tt.want) {
				t.Errorf("effects %s\nwant preferred_list_failed %s", got, tt.want)
			}
			if p, ok := a.enabled(); !ok || p.Operator != "cmcc" {
				t.Errorf("acted on the stale list: %s enabled", p.Operator)
			}
		})
	}
}
