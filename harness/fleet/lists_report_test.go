package fleet

import (
	"strings"
	"testing"
)

// --lists report passes a platform whose lists depart from the template's
// on its other figures, its devices judged against the list they got,
// and says what it served and how each departs; a list the card refuses
// or one naming the operator in use is named as the cause of a device
// that stayed, not "no failure logged (a dwell …?)" (t146 F1, F2).
func TestWrongListsReported(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		ok         bool
		want       []string
	}{
		{"first left out", `{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"orange-fr","plmn":"20801","tariff":0.8}]}`, true, []string{
			"lists      4 lists the cards got, 4 of them not the template's (--lists report: counted, not failed):",
			"list            4 FR tariff [orange-fr]",
			"departure       4 FR's list [orange-fr] is not the template's [sfr orange-fr]: sfr left out"}},
		{"another country's", `{"list_id":"1","country":"CN","order_by":"tariff","operators":[{"id":"cmcc","plmn":"46000"}]}`, false, []string{
			"stayed on its original profile, nothing injected: preferred list: the list is for CN, and the device is served by 20801, a network that does not serve CN: another country's list, not acted on"}},
		{"the operator in use first", `{"list_id":"1","country":"FR","order_by":"tariff","operators":[{"id":"cmcc","plmn":"46000"}]}`, false, []string{
			"FAILED          4 stayed on its original profile, nothing injected: preferred list: its first operator cmcc is the one in use: nothing to switch to"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp, url := listServer(t, 4, tc.body)
			r, out := runReport(t, Config{Template: tp, Platform: url, Lists: ListsReport})
			if r.OK() != tc.ok {
				t.Errorf("OK %v, want %v:\n%s", r.OK(), tc.ok, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("want %q in the report:\n%s", w, out.String())
				}
			}
		})
	}
}
