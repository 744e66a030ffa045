package explore

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// TestMEListsOracle feeds forbidden-lists-kept logs that break the ME
// lists' rule — an automatic attempt in a tracking area or PLMN a reject
// put on them, none of the clearing events between — and logs in which
// each clearing event, or another subscriber, area or cause, makes the
// same attempt right.
func TestMEListsOracle(t *testing.T) {
	at := atOffset
	const (
		imsiA = "208150000000001" // fr1's subscriber, the profile in use
		imsiB = "208020000000002" // another profile's
	)
	card := func(d time.Duration, imsi string) eventlog.Event {
		return at(d, ev(eventlog.Modem, "card", "present", true, "iccid", "8999000000000000005", "imsi", imsi))
	}
	attempt := func(d time.Duration, sub, plmn string, tac int) eventlog.Event {
		return at(d, ev(eventlog.World, "attach_attempt", "operator", sub, "plmn", plmn, "tac", tac))
	}
	reject := func(d time.Duration, sub, plmn string, cause int) eventlog.Event {
		return at(d, ev(eventlog.World, "attach_result", "operator", sub, "plmn", plmn, "ok", false, "cause", cause, "registration", "denied"))
	}
	ok := func(d time.Duration, sub, plmn string) eventlog.Event {
		return at(d, ev(eventlog.World, "attach_result", "operator", sub, "plmn", plmn, "ok", true, "cause", 0, "registration", "roaming"))
	}
	// The reject of cause in Free's 0x2001, fr1's subscriber, at 0.
	refused := func(cause int) []eventlog.Event {
		return []eventlog.Event{card(0, imsiA), attempt(0, "fr1", "20815", 0x2001), reject(0, "fr1", "20815", cause)}
	}
	// The modem's erasure of its tracking-area lists at d.
	erased := func(d time.Duration) []eventlog.Event {
		return []eventlog.Event{at(d, ev(eventlog.Modem, "ta_lists_erased", "regional", 0, "roaming", 1))}
	}
	// The same attempt again at d.
	again := func(d time.Duration) []eventlog.Event {
		return []eventlog.Event{attempt(d, "fr1", "20815", 0x2001), reject(d, "fr1", "20815", 17)}
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
		// Broken: the list's entry tried again by automatic selection.
		{"#15: its tracking area tried again", log(refused(15), again(10*time.Minute)), nil, "tracking area 20815/0x2001, forbidden since 00:00:00.000 world/attach_result (#15)"},
		{"#12: its tracking area tried again", log(refused(12), again(10*time.Minute)), nil, "(#12)"},
		{"#13: its tracking area tried again", log(refused(13), again(10*time.Minute)), nil, "(#13)"},
		{"#14: another tracking area of its PLMN tried", log(refused(14), one(attempt(time.Minute, "fr1", "20815", 0x2002))), nil, "PLMN 20815, forbidden for EPS since 00:00:00.000 world/attach_result (#14)"},
		{"#14 of the HPLMN: its own network tried again", log(one(card(0, imsiA), attempt(0, "fr1", "20801", 0x1000), reject(0, "fr1", "20801", 14), attempt(time.Hour, "fr1", "20801", 0x1000))), nil, "PLMN 20801, forbidden for EPS"},
		{"the same USIM read again keeps the lists", log(refused(15), one(card(5*time.Minute, imsiA)), again(10*time.Minute)), nil, "(#15)"},
		{"+CFUN=0 then 1 keeps the lists", log(refused(15), one(at(time.Minute, ev(eventlog.Modem, "cfun", "fun", 0)), at(2*time.Minute, ev(eventlog.Modem, "cfun", "fun", 1))), again(10*time.Minute)), nil, "(#15)"},
		{"a registration elsewhere keeps the lists", log(refused(15), one(attempt(time.Minute, "fr1", "20815", 0x2002), ok(time.Minute, "fr1", "20815")), again(10*time.Minute)), nil, "(#15)"},
		{"just before the period", log(refused(15), again(emm.TAPeriod-time.Second)), nil, "(#15)"},
		{"the period counts from the lists' first entry", log(refused(15), one(attempt(11*time.Hour, "fr1", "20815", 0x2002), reject(11*time.Hour, "fr1", "20815", 15)), one(attempt(emm.TAPeriod+time.Hour, "fr1", "20815", 0x2002))), nil, ""},
		{"a manual selection's attempt, then automatic again", log(refused(15), again(6*time.Minute), again(10*time.Minute)),
			[]string{host(5*time.Minute, `AT+COPS=1,2,"20815"`), host(7*time.Minute, "AT+COPS=0")}, "00:10:00.000 world/attach_attempt"},
		// Right: each clearing event, and what the lists do not hold.
		{"no reject of a list's cause", log(refused(17), again(10*time.Minute)), nil, ""},
		{"#11 goes on the USIM's list, not the ME's", log(refused(11), again(10*time.Minute)), nil, ""},
		{"#15: another tracking area of its PLMN", log(refused(15), one(attempt(time.Minute, "fr1", "20815", 0x2002))), nil, ""},
		{"another subscriber", log(refused(15), one(card(5*time.Minute, imsiA), attempt(10*time.Minute, "fr2", "20815", 0x2001))), nil, ""},
		{"power off", log(refused(15), one(at(time.Minute, ev(eventlog.Modem, "power", "on", false)), at(2*time.Minute, ev(eventlog.Modem, "power", "on", true)), card(2*time.Minute, imsiA)), again(10*time.Minute)), nil, ""},
		{"a restart", log(refused(14), one(at(time.Minute, ev(eventlog.Modem, "restart")), card(2*time.Minute, imsiA), attempt(10*time.Minute, "fr1", "20815", 0x2001))), nil, ""},
		{"the card out", log(refused(12), one(at(time.Minute, ev(eventlog.Modem, "card", "present", false)), card(2*time.Minute, imsiA)), again(10*time.Minute)), nil, ""},
		{"another USIM read (a profile switch), then back", log(refused(15), one(card(time.Minute, imsiB), card(2*time.Minute, imsiA)), again(10*time.Minute)), nil, ""},
		{"a registration there (manual selection)", log(refused(15), one(attempt(6*time.Minute, "fr1", "20815", 0x2001), ok(6*time.Minute, "fr1", "20815")), again(10*time.Minute)),
			[]string{host(5*time.Minute, `AT+COPS=1,2,"20815"`), host(7*time.Minute, "AT+COPS=0")}, ""},
		{"#14: a registration in the PLMN (manual selection)", log(refused(14), one(attempt(6*time.Minute, "fr1", "20815", 0x2002), ok(6*time.Minute, "fr1", "20815"), attempt(10*time.Minute, "fr1", "20815", 0x2001))),
			[]string{host(5*time.Minute, `AT+COPS=1,2,"20815"`), host(7*time.Minute, "AT+COPS=0")}, ""},
		{"the period since the lists' first entry", log(refused(13), again(emm.TAPeriod)), nil, ""},
		{"#14 has no period", log(refused(14), again(emm.TAPeriod+time.Hour)), nil, "(#14)"},
		{"in manual mode", log(refused(15), again(10*time.Minute)), []string{host(5*time.Minute, `AT+COPS=1,2,"20815"`)}, ""},
		// The modem's erasure (ta_lists_erased): at the period's end
		// and no other instant.
		{"erased at the period's end, the area tried then", log(refused(13), erased(emm.TAPeriod), again(emm.TAPeriod)), nil, ""},
		{"a selection at the period's end read them first", log(refused(15), one(attempt(emm.TAPeriod, "fr1", "20815", 0x2002)), erased(emm.TAPeriod)), nil, ""},
		{"a manual #15 at the period's end stored first: the new entry stays", log(refused(15), again(emm.TAPeriod)[:1], one(reject(emm.TAPeriod, "fr1", "20815", 15)), erased(emm.TAPeriod), again(emm.TAPeriod+10*time.Minute)),
			[]string{host(emm.TAPeriod-time.Minute, `AT+COPS=1,2,"20815"`), host(emm.TAPeriod+5*time.Minute, "AT+COPS=0")}, "forbidden since 12:00:00.000 world/attach_result (#15)"},
		{"erased before the period's end", log(refused(15), erased(time.Hour)), nil, "ends at 12:00:00.000"},
		{"erased after the period's end", log(refused(12), erased(emm.TAPeriod+time.Minute)), nil, "ends at 12:00:00.000"},
		{"erased with nothing on the lists", log(refused(17), erased(emm.TAPeriod)), nil, "held no entry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := checkMELists(testScenario(), Outcome{Events: tt.events, ATLog: tt.at})
			switch {
			case tt.want == "" && len(v) != 0:
				t.Errorf("violations %q, want none", v)
			case tt.want != "" && (len(v) != 1 || !strings.Contains(v[0], tt.want)):
				t.Errorf("violations %q, want one with %q", v, tt.want)
			}
		})
	}
}

// tableStart is when the oracles' table logs begin.
var tableStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// atOffset is e at d after tableStart.
func atOffset(d time.Duration, e eventlog.Event) eventlog.Event {
	e.T = tableStart.Add(d)
	return e
}

// hostLine is at.log's line of the host's cmd at d after tableStart.
func hostLine(d time.Duration, cmd string) string {
	return tableStart.Add(d).Format(time.RFC3339Nano) + " > " + cmd
}
