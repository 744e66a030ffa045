package explore

import (
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/scenario"
)

// TestHPLMNSearchOracle feeds hplmn-search-by-period logs of a search at
// each place the standard forbids it — too soon after the stay on a VPLMN
// began, with EF HPPLMN '00', off a VPLMN, in manual mode — and of
// searches in order.
func TestHPLMNSearchOracle(t *testing.T) {
	at := atOffset
	off, six := time.Duration(0), 6*time.Minute
	s := &scenario.Scenario{Network: scenario.Network{Operators: []scenario.Operator{
		{ID: "free", PLMN: "20815", Country: "FR"},                     // the default, 60 min
		{ID: "iot", PLMN: "20816", Country: "FR", HPLMNSearch: &off},   // off
		{ID: "fast", PLMN: "208170", Country: "FR", HPLMNSearch: &six}, // 6 min, a 3-digit MNC
		{ID: "orange", PLMN: "20801", Country: "FR"},
	}}}
	const free, iot, fast = "208150000000001", "208160000000001", "208170000000001"
	card := func(d time.Duration, imsi string) eventlog.Event {
		return at(d, ev(eventlog.Modem, "card", "present", true, "iccid", "8999000000000000005", "imsi", imsi))
	}
	reg := func(d time.Duration, stat int, plmn string) eventlog.Event {
		return at(d, ev(eventlog.Modem, "registration", "stat", stat, "plmn", plmn))
	}
	search := func(d time.Duration, plmn string) eventlog.Event {
		return at(d, ev(eventlog.Modem, "plmn_search", "plmn", plmn))
	}
	host := hostLine
	tests := []struct {
		name   string
		events []eventlog.Event
		at     []string
		want   string // substring of the one violation; "" = none
	}{
		{"default T after the registration", []eventlog.Event{card(0, free), reg(0, 5, "20801"), search(time.Hour, "20801")}, nil, ""},
		{"again 2T later", []eventlog.Event{card(0, free), reg(0, 5, "20801"), search(time.Hour, "20801"), reg(time.Hour, 5, "20801"), search(3*time.Hour, "20801")}, nil, ""},
		{"a move to another VPLMN keeps the stay", []eventlog.Event{card(0, free), reg(0, 5, "20801"), reg(30*time.Minute, 5, "20802"), search(time.Hour, "20802")}, nil, ""},
		{"6 minutes", []eventlog.Event{card(0, fast), reg(0, 5, "20801"), search(six, "20801")}, nil, ""},
		{"sooner than the default T", []eventlog.Event{card(0, free), reg(0, 5, "20801"), search(59*time.Minute, "20801")}, nil, "sooner than free's period T 1h0m0s"},
		{"sooner than T after a stay began again", []eventlog.Event{card(0, free), reg(0, 5, "20801"), reg(time.Hour, 1, "20815"), reg(90*time.Minute, 5, "20801"), search(2*time.Hour, "20801")}, nil, "sooner than"},
		{"sooner than 6 minutes", []eventlog.Event{card(0, fast), reg(0, 5, "20801"), search(5*time.Minute, "20801")}, nil, "fast's period T 6m0s"},
		{"hplmn_search off", []eventlog.Event{card(0, iot), reg(0, 5, "20801"), search(8*time.Hour, "20801")}, nil, "iot's hplmn_search is off"},
		{"on the HPLMN", []eventlog.Event{card(0, free), reg(0, 1, "20815"), search(time.Hour, "20815")}, nil, "not registered on a VPLMN"},
		{"after a power off", []eventlog.Event{card(0, free), reg(0, 5, "20801"), at(time.Minute, ev(eventlog.Modem, "power", "on", false)), search(time.Hour, "20801")}, nil, "not registered on a VPLMN"},
		{"naming another PLMN", []eventlog.Event{card(0, free), reg(0, 5, "20801"), search(time.Hour, "20802")}, nil, "registered on 20801"},
		{"in manual mode", []eventlog.Event{card(0, free), reg(0, 5, "20801"), search(time.Hour, "20801")}, []string{host(time.Minute, `AT+COPS=1,2,"20801"`)}, "manual mode"},
		{"manual, then automatic again", []eventlog.Event{card(0, free), reg(0, 5, "20801"), search(time.Hour, "20801")}, []string{host(time.Minute, `AT+COPS=1,2,"20801"`), host(2*time.Minute, "AT+COPS=0")}, ""},
		{"no operator's IMSI", []eventlog.Event{card(0, "001010000000001"), reg(0, 5, "20801"), search(time.Hour, "20801")}, nil, "no operator's"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := checkHPLMNSearch(s, Outcome{Events: tt.events, ATLog: tt.at})
			switch {
			case tt.want == "" && len(v) != 0:
				t.Errorf("violations %q, want none", v)
			case tt.want != "" && (len(v) != 1 || !strings.Contains(v[0], tt.want)):
				t.Errorf("violations %q, want one with %q", v, tt.want)
			}
		})
	}
}
