package explore

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/scenario"
)

// TestSevereBlocksOracle feeds forbidden-lists-kept logs that break the
// #42 rule — an automatic attempt on the PLMN within 2 × T of its #42,
// none of the clearing events between; a plmn_blocked with another end,
// or with no #42 — and logs that keep it: the attempt at or after 2 × T
// (T the USIM's: default, 30 minutes, off), after each clearing event,
// by another subscriber, in manual mode.
func TestSevereBlocksOracle(t *testing.T) {
	at := atOffset
	off, half := time.Duration(0), 30*time.Minute
	s := &scenario.Scenario{Network: scenario.Network{Operators: []scenario.Operator{
		{ID: "free", PLMN: "20815", Country: "FR"},                     // the default T, 60 min
		{ID: "iot", PLMN: "20816", Country: "FR", HPLMNSearch: &off},   // no search: the default's 2 h
		{ID: "half", PLMN: "20817", Country: "FR", HPLMNSearch: &half}, // 30 min: blocked 1 h
		{ID: "orange", PLMN: "20801", Country: "FR"},
	}}}
	const free, iot, half2, other = "208150000000001", "208160000000001", "208170000000001", "208160000000002"
	card := func(d time.Duration, imsi string) eventlog.Event {
		return at(d, ev(eventlog.Modem, "card", "present", true, "iccid", "8999000000000000005", "imsi", imsi))
	}
	attempt := func(d time.Duration, sub, plmn string) eventlog.Event {
		return at(d, ev(eventlog.World, "attach_attempt", "operator", sub, "plmn", plmn, "tac", 0x1000))
	}
	reject := func(d time.Duration, sub, plmn string, cause int) eventlog.Event {
		return at(d, ev(eventlog.World, "attach_result", "operator", sub, "plmn", plmn, "ok", false, "cause", cause, "registration", "denied"))
	}
	ok := func(d time.Duration, sub, plmn string) eventlog.Event {
		return at(d, ev(eventlog.World, "attach_result", "operator", sub, "plmn", plmn, "ok", true, "cause", 0, "registration", "roaming"))
	}
	blocked := func(d time.Duration, plmn string, until time.Duration) eventlog.Event {
		return at(d, ev(eventlog.Modem, "plmn_blocked", "plmn", plmn, "cause", 42, "until", tableStart.Add(until).Format(time.RFC3339Nano)))
	}
	// Orange's #42 to sub (USIM imsi) at 0, blocked for period.
	refused := func(imsi, sub string, period time.Duration) []eventlog.Event {
		return []eventlog.Event{card(0, imsi), attempt(0, sub, "20801"), reject(0, sub, "20801", 42), blocked(0, "20801", period)}
	}
	again := func(d time.Duration, sub string) []eventlog.Event {
		return []eventlog.Event{attempt(d, sub, "20801"), ok(d, sub, "20801")}
	}
	log := slices.Concat[[]eventlog.Event]
	one := func(es ...eventlog.Event) []eventlog.Event { return es }
	host := hostLine
	tests := []struct {
		name   string
		events []eventlog.Event
		at     []string
		want   string // substring of the one violation; "" = none
	}{
		// Broken: tried within the block.
		{"tried at T3402, 12 minutes on", log(refused(free, "free", 2*time.Hour), again(12*time.Minute, "free")), nil,
			"PLMN 20801, blocked since 00:00:00.000 world/attach_result (#42) until 02:00:00.000"},
		{"tried a second short of 2 h", log(refused(free, "free", 2*time.Hour), again(2*time.Hour-time.Second, "free")), nil, "until 02:00:00.000"},
		{"EF HPPLMN off: the default T still", log(refused(iot, "iot", 2*time.Hour), again(90*time.Minute, "iot")), nil, "until 02:00:00.000"},
		{"T 30 min: a second short of 1 h", log(refused(half2, "half", time.Hour), again(time.Hour-time.Second, "half")), nil, "until 01:00:00.000"},
		{"+CFUN=0 then 1 keeps it", log(refused(free, "free", 2*time.Hour), one(at(time.Minute, ev(eventlog.Modem, "cfun", "fun", 0)), at(2*time.Minute, ev(eventlog.Modem, "cfun", "fun", 1))), again(10*time.Minute, "free")), nil, "(#42)"},
		{"the same USIM read again keeps it", log(refused(free, "free", 2*time.Hour), one(card(5*time.Minute, free)), again(10*time.Minute, "free")), nil, "(#42)"},
		{"a registration elsewhere keeps it", log(refused(free, "free", 2*time.Hour), one(attempt(time.Minute, "free", "20815"), ok(time.Minute, "free", "20815")), again(10*time.Minute, "free")), nil, "(#42)"},
		{"a manual attempt, then automatic again", log(refused(free, "free", 2*time.Hour), one(attempt(6*time.Minute, "free", "20801"), reject(6*time.Minute, "free", "20801", 17)), again(10*time.Minute, "free")),
			[]string{host(5*time.Minute, `AT+COPS=1,2,"20801"`), host(7*time.Minute, "AT+COPS=0")}, "00:10:00.000 world/attach_attempt"},
		// The modem's plmn_blocked.
		{"blocked until another end", log(one(card(0, free), attempt(0, "free", "20801"), reject(0, "free", "20801", 42), blocked(0, "20801", time.Hour))), nil,
			"blocked 20801 until 01:00:00.000, not 2 × T after 00:00:00.000 world/attach_result: 02:00:00.000"},
		{"blocked with no #42", log(one(card(0, free), attempt(0, "free", "20801"), reject(0, "free", "20801", 17), blocked(0, "20801", 2*time.Hour))), nil, "with no #42 from it"},
		{"blocked later than the #42", log(one(card(0, free), attempt(0, "free", "20801"), reject(0, "free", "20801", 42), blocked(time.Second, "20801", 2*time.Hour))), nil, "with no #42 from it"},
		// Right.
		{"tried at 2 h", log(refused(free, "free", 2*time.Hour), again(2*time.Hour, "free")), nil, ""},
		{"T 30 min: tried at 1 h", log(refused(half2, "half", time.Hour), again(time.Hour, "half")), nil, ""},
		{"another cause blocks nothing", log(one(card(0, free), attempt(0, "free", "20801"), reject(0, "free", "20801", 17)), again(time.Minute, "free")), nil, ""},
		{"another PLMN", log(refused(free, "free", 2*time.Hour), one(attempt(time.Minute, "free", "20815"))), nil, ""},
		{"another subscriber", log(refused(free, "free", 2*time.Hour), again(10*time.Minute, "iot")), nil, ""},
		{"power off", log(refused(free, "free", 2*time.Hour), one(at(time.Minute, ev(eventlog.Modem, "power", "on", false)), at(2*time.Minute, ev(eventlog.Modem, "power", "on", true)), card(2*time.Minute, free)), again(10*time.Minute, "free")), nil, ""},
		{"a restart", log(refused(free, "free", 2*time.Hour), one(at(time.Minute, ev(eventlog.Modem, "restart")), card(2*time.Minute, free)), again(10*time.Minute, "free")), nil, ""},
		{"the card out", log(refused(free, "free", 2*time.Hour), one(at(time.Minute, ev(eventlog.Modem, "card", "present", false)), card(2*time.Minute, free)), again(10*time.Minute, "free")), nil, ""},
		{"another USIM read (a profile switch), then back", log(refused(iot, "iot", 2*time.Hour), one(card(time.Minute, other), card(2*time.Minute, iot)), again(10*time.Minute, "iot")), nil, ""},
		{"a registration there (manual selection)", log(refused(free, "free", 2*time.Hour), again(6*time.Minute, "free"), again(10*time.Minute, "free")),
			[]string{host(5*time.Minute, `AT+COPS=1,2,"20801"`), host(7*time.Minute, "AT+COPS=0")}, ""},
		{"in manual mode", log(refused(free, "free", 2*time.Hour), one(attempt(10*time.Minute, "free", "20801"))), []string{host(5*time.Minute, `AT+COPS=1,2,"20801"`)}, ""},
		{"no USIM read: nothing blocked", log(one(attempt(0, "free", "20801"), reject(0, "free", "20801", 42)), again(time.Minute, "free")), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := checkMELists(s, Outcome{Events: tt.events, ATLog: tt.at})
			switch {
			case tt.want == "" && len(v) != 0:
				t.Errorf("violations %q, want none", v)
			case tt.want != "" && (len(v) != 1 || !strings.Contains(v[0], tt.want)):
				t.Errorf("violations %q, want one with %q", v, tt.want)
			}
		})
	}
}
