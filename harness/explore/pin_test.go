package explore

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/dialect"
	"github.com/esimhil/esimhil/harness/scenario"
)

// pinWorld: cn1 preinstalled and enabled, fr1 preinstalled with PIN1
// enabled, fr2 with a PIN1 left disabled; attach wait 3 min.
func pinWorld() *scenario.Scenario {
	return &scenario.Scenario{
		Network: scenario.Network{Operators: []scenario.Operator{
			{ID: "cn1"},
			{ID: "fr1", PIN1: &scenario.PIN1{Code: "1234", Enabled: true}},
			{ID: "fr2", PIN1: &scenario.PIN1{Code: "1234"}},
		}},
		Device: scenario.Device{Profiles: []scenario.Profile{
			{ICCID: "I1", Operator: "cn1", Enabled: true},
			{ICCID: "I2", Operator: "fr1"},
			{ICCID: "I3", Operator: "fr2"},
		}},
	}
}

// after is e d later.
func after(e eventlog.Event, d time.Duration) eventlog.Event { e.T = e.T.Add(d); return e }

func enableAs(iccid, op, role string) eventlog.Event {
	e := enable(iccid, op, false)
	e.Fields["role"] = role
	return e
}

func card(iccid, imsi, pin string) eventlog.Event {
	e := ev(eventlog.Modem, "card", "present", true, "iccid", iccid, "imsi", imsi)
	if pin != "" {
		e.Fields["pin"] = pin
	}
	return e
}

func timedOut(op string) eventlog.Event {
	return ev(eventlog.EUICC, "attach_failed", "operator", op, "reason", "no normal service within 3m0s")
}

func TestPINLockedInvariants(t *testing.T) {
	const m = time.Minute
	// The field failure: the switch to fr1 reads no IMSI, times out after
	// the attach wait, falls back to cn1 and goes on.
	good := []eventlog.Event{
		start("list", "cn1", "fr1", "fr2"), try("fr1"), enableAs("I2", "fr1", "attempt"), card("I2", "", "SIM PIN"),
		after(timedOut("fr1"), 3*m), after(fallback("fr1", "cn1"), 3*m), after(enableAs("I1", "cn1", "fallback"), 3*m),
		after(attached("cn1", "roaming"), 3*m), after(fbAttached("cn1"), 3*m), after(try("fr2"), 3*m),
		after(enableAs("I3", "fr2", "attempt"), 3*m), after(card("I3", "208020000000003", ""), 3*m),
		after(attached("fr2", "home"), 3*m), after(ended("attach-success", 2, 1, "fr2"), 3*m),
	}
	replace := func(i int, e ...eventlog.Event) []eventlog.Event {
		return slices.Concat(good[:i], e, good[i+1:])
	}
	tests := []struct {
		name     string
		events   []eventlog.Event
		profiles []dialect.Profile
		want     string
	}{
		{"fallback then the next", good, nil, ""},
		{"imsi read", replace(3, card("I2", "208010000000002", "")), nil, "pin-locked-no-service: 00:00:00.000 modem/card: PIN-locked profile I2 (fr1) read with imsi"},
		{"attach attempt", replace(3, card("I2", "", "SIM PIN"), ev(eventlog.World, "attach_attempt", "operator", "fr1", "plmn", "20801")), nil,
			"pin-locked-no-service: 00:00:00.000 world/attach_attempt: attach attempt of PIN-locked subscriber fr1 on 20801"},
		{"success reported", replace(4, ended("attach-success", 1, 1, "fr1")), nil, "pin-locked-no-service: 00:00:00.000 euicc/cycle_ended: attach reported for PIN-locked fr1"},
		{"judged early", replace(4, after(timedOut("fr1"), m)), nil, "pin-locked-falls-back: 00:01:00.000 euicc/attach_failed: PIN-locked fr1 judged failed 1m0s after its switch"},
		{"judged late", replace(4, after(timedOut("fr1"), 6*m)), nil, "pin-locked-falls-back: 00:06:00.000 euicc/attach_failed: PIN-locked fr1 judged failed 6m0s"},
		{"no fallback", slices.Concat(good[:5], good[9:]), nil, "pin-locked-falls-back: 00:03:00.000 euicc/attempt: attempt after the failed attempt on PIN-locked fr1"},
		{"never judged", slices.Concat(good[:4], good[9:]), nil, "pin-locked-falls-back: 00:03:00.000 euicc/profile_enabled: switched to fr2 while the switch to PIN-locked fr1"},
		{"power cut: not timed", replace(4, power(false, m), power(true, 2*m), after(timedOut("fr1"), 5*m)), nil, ""},
		// card: absent unpowers the card; back, it waits again (sweep
		// 5560345582573946594 case 1960: judged 55 min after its switch,
		// 3 min after the card was back).
		{"card absent: not timed", replace(4, after(ev(eventlog.Modem, "card", "present", false), 2*m),
			after(card("I2", "", "SIM PIN"), 52*m), after(timedOut("fr1"), 55*m)), nil, ""},
		{"card read again, never absent: timed", replace(4, after(card("I2", "", "SIM PIN"), 2*m), after(timedOut("fr1"), 55*m)), nil,
			"pin-locked-falls-back: 00:55:00.000 euicc/attach_failed: PIN-locked fr1 judged failed 55m0s"},
		{"ends attached on it", good[:4], []dialect.Profile{{ICCID: "I2", Enabled: true}},
			""}, // the last attach is not after the switch: not attached
		{"ends attached on it (world)", append(slices.Clone(good[:4]), attached("cn1", "home")), []dialect.Profile{{ICCID: "I2", Enabled: true}},
			"pin-locked-no-service: run ends attached with PIN-locked profile I2 (fr1) enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Outcome{Events: tt.events, Profiles: tt.profiles}
			var got []string
			for _, inv := range Invariants {
				if strings.HasPrefix(inv.Name, "pin-locked-") {
					for _, v := range inv.Check(pinWorld(), o) {
						got = append(got, inv.Name+": "+v)
					}
				}
			}
			joined := strings.Join(got, "\n")
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("violations:\n%s", joined)
			case tt.want != "" && !strings.Contains(joined, tt.want):
				t.Errorf("violations:\n%s\nwant one starting: %s", joined, tt.want)
			}
		})
	}
}
