package field

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestCardsOwnSwitch: a switch of the card's own that the logs show as
// the card leaving and coming back (a modem reporting the reset as the
// card's state), then another operator's subscriber, is the method's
// when the device roams in that operator's country — the platform's list
// there is derived from it, as from a REFRESH — and a to-do naming the
// switch and its signs when it cannot be (at home): the replay's card
// would keep its profile, and nothing said why (outside tester sw101).
func TestCardsOwnSwitch(t *testing.T) {
	read := func(at int, imsi string) string {
		return "[" + itoa(at) + ".000] > AT+CIMI\n[" + itoa(at) + ".010] < " + imsi + "\n[" + itoa(at) + ".011] < OK\n"
	}
	reg := func(at int, stat, plmn string) string {
		return "[" + itoa(at) + ".000] > AT+COPS?\n[" + itoa(at) + ".010] < +COPS: 0,2,\"" + plmn + "\",7\n[" + itoa(at) + ".011] < OK\n" +
			"[" + itoa(at) + ".100] > AT+CEREG?\n[" + itoa(at) + ".110] < +CEREG: 0," + stat + "\n[" + itoa(at) + ".111] < OK\n"
	}
	reset := "[60.000] < +QSIMSTAT: 1,0\n[62.000] < +QSIMSTAT: 1,1\n"
	for _, tc := range []struct {
		name, log string
		derived   bool   // the list derived from the switch
		todo      string // the to-do, "" for none
	}{
		{"roaming where the new operator is", read(0, "460001234567890") + reg(1, "5", "20801") + reset + read(70, "208019876543210") + reg(90, "1", "20801"),
			true, ""},
		{"at home", read(0, "460001234567890") + reg(1, "1", "46000") + reset + read(70, "208019876543210"),
			false, "plain.log:13: the card's own switch to orange-fr's profile, plain.log:2 read cmcc's (its signs: plain.log:10, plain.log:11): the emulated card switches only when its periodic check finds the device roaming"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := reconstruct(t, writeFixture(t, "switch", map[string]string{ManifestFile: cnFRManifest("switch", "quectel-eg25"), "plain.log": tc.log}), Options{})
			y := string(p.ScenarioYAML)
			if got := strings.Contains(y, "preferred: {FR: [orange-fr]}"); got != tc.derived {
				t.Errorf("list derived %v, want %v:\n%s", got, tc.derived, y)
			}
			got := ""
			for _, td := range p.ToDo {
				if strings.Contains(td, "own switch") {
					got = td
				}
			}
			if tc.todo == "" && got != "" || !strings.Contains(got, tc.todo) {
				t.Errorf("to-do %q, want %q\nall: %q", got, tc.todo, p.ToDo)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestSlotSwitch: the host putting the modem on another SIM slot
// (Fibocom's AT+GTDUALSIM=1) is another card, which the emulated device
// does not have: a to-do naming it and what shows it, not the card's own
// switch refused for want of a REFRESH (outside tester sw107).
func TestSlotSwitch(t *testing.T) {
	log := "> AT+CIMI\n< 460001234567890\n< OK\n> AT+GTDUALSIM=1\n< OK\n< +SIMST: 0\n< +CEREG: 0\n< +SIMST: 1\n" +
		"> AT+CIMI\n< 208019876543210\n< OK\n"
	p := reconstruct(t, writeFixture(t, "slot", map[string]string{ManifestFile: cnFRManifest("slot", "generic"), "plain.log": log}), Options{})
	want := "plain.log:4: the host put the modem on another SIM slot (its signs: plain.log:7, plain.log:10 (the other card's identity)): the emulated device holds one card"
	if !slices.ContainsFunc(p.ToDo, func(td string) bool { return strings.HasPrefix(td, want) }) {
		t.Errorf("to-dos lack %q:\n%s", want, strings.Join(p.ToDo, "\n"))
	}
	if assumed(p, "own switch") {
		t.Errorf("read as the card's own switch:\n%s", strings.Join(p.Assumptions, "\n"))
	}
}

// TestBootWithACommandInFlight: a modem that booted by itself with a
// command unanswered is a to-do naming that command: the emulated modem
// answers at once, so the replay shows an answer the field modem never
// gave (outside tester sw113: a FAIL with nothing said).
func TestBootWithACommandInFlight(t *testing.T) {
	log := "[0.000] > AT+CIMI\n[0.010] < 460001234567890\n[0.011] < OK\n[5.000] > AT+CSQ\n[9.000] < RDY\n[11.000] < +CPIN: READY\n"
	p := reconstruct(t, writeFixture(t, "wdog", map[string]string{ManifestFile: cnFRManifest("wdog", "quectel-eg25"), "plain.log": log}), Options{})
	want := "the modem booted by itself at plain.log:5, with plain.log:4 unanswered"
	if !slices.ContainsFunc(p.ToDo, func(td string) bool { return strings.HasPrefix(td, want) }) {
		t.Errorf("to-dos lack %q:\n%s", want, strings.Join(p.ToDo, "\n"))
	}
}
