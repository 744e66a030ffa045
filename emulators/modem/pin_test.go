package modem

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/personality"
)

// pinRig is a modem on the virtual eUICC (the real card, its PIN1 1234,
// enabled or not), reached through its contacts, echo off, numeric CME
// errors.
func pinRig(t *testing.T, enabled bool, pers string) (*rig, *euicc.Card) {
	t.Helper()
	cfg := euicc.Config{EID: "89049032000001000000000000000171", Profiles: []euicc.ProfileSpec{
		{ICCID: "89330123456789012342", Operator: "orange-fr", IMSI: "208011234567890", Enabled: true, PIN1: "1234", PIN1Enabled: enabled},
		{ICCID: "89331000000000000029", Operator: "sfr", IMSI: "208101234567890"},
	}}
	card, err := euicc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := personality.Personality{}
	if pers != "" {
		if p, err = personality.Load(pers); err != nil {
			t.Fatal(err)
		}
	}
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	r := &rig{loop: loop, log: eventlog.New(loop.Now), net: &fakeNet{reg: roaming()}, atlog: &syncBuf{}}
	r.start(t, card, p)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CMEE=1")
	return r, card
}

type pinStep struct{ line, want string }

func (r *rig) steps(t *testing.T, steps []pinStep) {
	t.Helper()
	for i, s := range steps {
		if got := r.answer(s.line); got != s.want {
			t.Fatalf("step %d: %s → %q, want %q", i, s.line, got, s.want)
		}
	}
}

// +CPIN, +CPINR, +CLCK "SC" and +CPWD against the card, each case from a
// fresh boot (27.007 §8.3, §8.65, §7.4, §7.5; CME 11 SIM PIN required, 12
// SIM PUK required, 16 incorrect password and 3 not allowed, as modules
// answer; the client shows each code's text).
func TestPINCommands(t *testing.T) {
	tests := []struct {
		name    string
		enabled bool
		steps   []pinStep
	}{
		{"disabled: READY, registered, no PIN to enter", false, []pinStep{
			{"AT+CPIN?", "+CPIN: READY|OK"},
			{"AT+CIMI", "208011234567890|OK"},
			{"AT+CEREG?", "+CEREG: 0,5|OK"},
			{`AT+CPIN="1234"`, "+CME ERROR: operation not allowed"},
			{"AT+CLCK=\"SC\",2", "+CLCK: 0|OK"},
			{"AT+CPINR", "+CPINR: SIM PIN,3,3|+CPINR: SIM PUK,10,10|+CPINR: SIM PIN2,3,3|+CPINR: SIM PUK2,10,10|OK"},
			{`AT+CPINR="*PUK*"`, "+CPINR: SIM PUK,10,10|+CPINR: SIM PUK2,10,10|OK"}, // "*" anywhere (§8.65)
			{`AT+CPINR="SIM P*2"`, "+CPINR: SIM PIN2,3,3|+CPINR: SIM PUK2,10,10|OK"},
			{`AT+CPINR="*2"`, "+CPINR: SIM PIN2,3,3|+CPINR: SIM PUK2,10,10|OK"},
			{`AT+CPINR="PH*"`, "+CME ERROR: incorrect parameters"},              // no code of this modem's
			{`AT+CPWD="SC","1234","5678"`, "+CME ERROR: operation not allowed"}, // a disabled PIN does not change
			// A wrong PIN spends an attempt though the card, the PIN
			// disabled or verified, answers an empty VERIFY with 9000.
			{`AT+CLCK="SC",1,"1111"`, "+CME ERROR: incorrect password"},
			{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,2,3|OK"},
			{`AT+CLCK="SC",1,"1111"`, "+CME ERROR: incorrect password"},
			{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,1,3|OK"},
			{`AT+CLCK="SC",1,"1234"`, "OK"},
			{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,3,3|OK"},
			{`AT+CPWD="SC","1111","5678"`, "+CME ERROR: incorrect password"},
			{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,2,3|OK"},
			{`AT+CPWD="SC","1234","5678"`, "OK"},
			{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,3,3|OK"},
		}},
		{"enabled: SIM PIN until entered, then registered", true, []pinStep{
			{"AT+CPIN?", "+CPIN: SIM PIN|OK"},
			{"AT+CIMI", "+CME ERROR: SIM PIN required"},
			{"AT+CEREG?", "+CEREG: 0,0|OK"},
			{"AT+CRSM=176,28423,0,0,9", "+CRSM: 105,130|OK"}, // EF IMSI: security status not satisfied
			{"AT+CCID", "+CCID: 89330123456789012342|OK"},    // EF ICCID reads always
			{"AT+CLCK=\"SC\",2", "+CLCK: 1|OK"},
			{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,3,3|OK"},
			{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"},
			{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,2,3|OK"},
			{`AT+CPIN="1234"`, "OK"},
			{"AT+CPIN?", "+CPIN: READY|OK"},
			{"AT+CIMI", "208011234567890|OK"},
			{`AT+CPIN="1234"`, "+CME ERROR: operation not allowed"},
			{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,3,3|OK"},
		}},
		{"blocked: SIM PUK, then a new PIN with the PUK", true, []pinStep{
			{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"},
			{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"},
			{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"},
			{"AT+CPIN?", "+CPIN: SIM PUK|OK"},
			{`AT+CPIN="1234"`, "+CME ERROR: SIM PUK required"},
			{"AT+CPINR=\"SIM*\"", "+CPINR: SIM PIN,0,3|+CPINR: SIM PUK,10,10|+CPINR: SIM PIN2,3,3|+CPINR: SIM PUK2,10,10|OK"},
			{`AT+CPIN="87654321","5678"`, "+CME ERROR: incorrect password"},
			{`AT+CPINR="SIM PUK"`, "+CPINR: SIM PUK,9,10|OK"},
			{`AT+CPIN="12345678","5678"`, "OK"},
			{"AT+CPIN?", "+CPIN: READY|OK"},
			{"AT+CIMI", "208011234567890|OK"},
			{`AT+CPWD="SC","5678","2468"`, "OK"},
			{`AT+CPWD="SC","5678","1357"`, "+CME ERROR: incorrect password"},
		}},
		{"+CLCK locks and unlocks", true, []pinStep{
			{`AT+CLCK="SC",0,"1111"`, "+CME ERROR: incorrect password"},
			{`AT+CLCK="SC",0,"1234"`, "OK"}, // unlocking reads the USIM too
			{"AT+CPIN?", "+CPIN: READY|OK"},
			{"AT+CIMI", "208011234567890|OK"},
			{`AT+CLCK="SC",2`, "+CLCK: 0|OK"},
			{`AT+CLCK="SC",1,"1234"`, "OK"},
			{`AT+CLCK="SC",2`, "+CLCK: 1|OK"},
			{"AT+CPIN?", "+CPIN: READY|OK"}, // verified by the ENABLE
		}},
		{"bad input", true, []pinStep{
			{"AT+CPIN=", "+CME ERROR: incorrect parameters"},
			{`AT+CPIN="12"`, "+CME ERROR: incorrect parameters"},
			{`AT+CPIN="123456789"`, "+CME ERROR: incorrect parameters"},
			{`AT+CPIN="12a4"`, "+CME ERROR: incorrect parameters"},
			{`AT+CPIN=""`, "+CME ERROR: incorrect parameters"},
			{`AT+CPIN="1234","5678","9"`, "+CME ERROR: incorrect parameters"},
			{`AT+CPIN="1234","56"`, "+CME ERROR: incorrect parameters"},
			{`AT+CPIN="12345678","5678"`, "+CME ERROR: operation not allowed"}, // SIM PIN takes no new PIN
			{`AT+CPIN="1234`, "ERROR"},                                         // an unterminated string
			{"AT+CPIN=?", "OK"},
			{`AT+CLCK="SC"`, "+CME ERROR: incorrect parameters"},
			{`AT+CLCK="SC",3`, "+CME ERROR: incorrect parameters"},
			{`AT+CLCK="SC",0`, "+CME ERROR: incorrect parameters"},
			{`AT+CLCK="SC",0,"x"`, "+CME ERROR: incorrect parameters"},
			{`AT+CLCK="AO",2`, "+CME ERROR: operation not supported"},
			{"AT+CLCK=?", `+CLCK: ("SC")|OK`},
			{`AT+CPWD="SC","1234"`, "+CME ERROR: incorrect parameters"},
			{`AT+CPWD="SC","1234","12"`, "+CME ERROR: incorrect parameters"},
			{`AT+CPWD="XX","1234","5678"`, "+CME ERROR: operation not supported"},
			{"AT+CPWD=?", `+CPWD: ("SC",8),("P2",8)|OK`},
			{`AT+CPINR="PH-SIM PIN"`, "+CME ERROR: incorrect parameters"},
			{"AT+CPINR=?", "OK"},
			{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,3,3|OK"}, // nothing above spent an attempt
			{"AT+CPIN?", "+CPIN: SIM PIN|OK"},
		}},
		{"PIN2", false, []pinStep{
			{`AT+CPWD="P2","1111","5678"`, "+CME ERROR: incorrect password"},
			{`AT+CPINR="SIM PIN2"`, "+CPINR: SIM PIN2,2,3|OK"},
			{`AT+CPWD="P2","1234","5678"`, "OK"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := pinRig(t, tc.enabled, "")
			r.advance(t, 3*time.Second) // past the attach delay
			r.steps(t, tc.steps)
		})
	}
}

// Entering the PIN is what lets the modem attach: nothing registers
// before it, the attach follows it.
func TestPINGatesAttach(t *testing.T) {
	r, _ := pinRig(t, true, "")
	r.cmd(t, "AT+CEREG=1")
	r.advance(t, time.Hour)
	if len(r.net.attaches) != 0 {
		t.Fatalf("attached before the PIN: %v", r.net.attaches)
	}
	r.steps(t, []pinStep{{`AT+CPIN="1234"`, "OK"}})
	r.advance(t, 3*time.Second)
	if len(r.net.attaches) != 1 || r.net.attaches[0] != "208011234567890" {
		t.Fatalf("attaches %v", r.net.attaches)
	}
	if _, err := r.c.WaitURC("+CEREG: 5", time.Second); err != nil {
		t.Fatal(err)
	}
	var card []eventlog.Event
	for _, e := range r.log.Events() {
		if e.Actor == eventlog.Modem && e.Kind == KindCard {
			card = append(card, e)
		}
	}
	if len(card) != 2 || card[0].Fields["pin"] != "SIM PIN" || card[1].Fields["imsi"] != "208011234567890" {
		t.Fatalf("card events %+v", card)
	}
}

// Enabled state and counters live on the card through a restart and a
// power cycle; the verification does not: SIM PIN again each time.
func TestPINAfterRestart(t *testing.T) {
	r, _ := pinRig(t, true, "")
	r.steps(t, []pinStep{{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"}, {`AT+CPIN="1234"`, "OK"}, {`AT+CPIN="1111"`, "+CME ERROR: operation not allowed"}})
	r.restart(t)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CMEE=1")
	r.steps(t, []pinStep{{"AT+CPIN?", "+CPIN: SIM PIN|OK"}, {"AT+CIMI", "+CME ERROR: SIM PIN required"},
		{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"}, {`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,2,3|OK"}})
	r.powerCycle(t)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CMEE=1")
	r.steps(t, []pinStep{{`AT+CPINR="SIM PIN"`, "+CPINR: SIM PIN,2,3|OK"}, {`AT+CLCK="SC",0,"1234"`, "OK"}})
	r.restart(t)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CMEE=1")
	r.steps(t, []pinStep{{"AT+CPIN?", "+CPIN: READY|OK"}, {"AT+CIMI", "208011234567890|OK"}})
}

// The personalities' card-state URCs say the PIN state after a restart:
// an EG25 "+CPIN: SIM PIN" where it says "+CPIN: READY", an A7600 the
// same; "+CPIN: READY" follows the PIN once entered.
func TestPINURCs(t *testing.T) {
	for _, tc := range []struct{ pers, urc string }{{"quectel-eg25", "+CPIN: SIM PIN"}, {"simcom-a7600", "+CPIN: SIM PIN"}} {
		t.Run(tc.pers, func(t *testing.T) {
			r, _ := pinRig(t, true, tc.pers)
			r.cmd(t, "AT+CFUN=1,1")
			r.advance(t, time.Minute)
			if _, err := r.c.WaitURC(tc.urc, 2*time.Second); err != nil {
				t.Fatal(err)
			}
			r.cmd(t, "ATE0")
			r.cmd(t, "AT+CMEE=1")
			r.steps(t, []pinStep{{`AT+CPIN="1234"`, "OK"}})
			r.advance(t, 0)
			if _, err := r.c.WaitURC("+CPIN: READY", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(r.atlog.String(), "+CPIN: READY\r\n+CPIN: SIM PIN") {
				t.Errorf("READY before SIM PIN")
			}
		})
	}
}

// After a REFRESH to a PIN-locked profile the personalities say so: an
// A7600's refresh URC "+CPIN: READY" becomes "+CPIN: SIM PIN", an EG25
// adds it before its "+QUSIM: 1"; generic, which reports no card state,
// says nothing.
func TestPINRefreshURCs(t *testing.T) {
	for _, tc := range []struct {
		pers string
		want []string
	}{
		{"simcom-a7600", []string{"+CPIN: SIM PIN"}},
		{"quectel-eg25", []string{"+CPIN: SIM PIN", "+QUSIM: 1"}},
		{"", nil},
	} {
		t.Run(tc.pers, func(t *testing.T) {
			r, _ := pinRig(t, true, tc.pers)
			var got []string
			r.loop.Do(func() { got = r.m.refreshURCs() })
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("refresh URCs %q, want %q", got, tc.want)
			}
		})
	}
}

// While PIN1 is required the modem refuses network selection and the PS
// attach with SIM PIN required (11), SIM PUK required (12) once PIN1 is
// blocked, as modules do; +COPS? still answers (the mode only) and
// +COPS=3 only sets the format. Nothing reaches the network.
func TestPINRefusesNetworkCommands(t *testing.T) {
	tests := []struct {
		name    string
		enabled bool
		steps   []pinStep
	}{
		{"SIM PIN", true, []pinStep{
			{"AT+COPS=0", "+CME ERROR: SIM PIN required"},
			{`AT+COPS=1,2,"20801"`, "+CME ERROR: SIM PIN required"},
			{`AT+COPS=4,2,"20801"`, "+CME ERROR: SIM PIN required"},
			{"AT+CGATT=1", "+CME ERROR: SIM PIN required"},
			{"AT+CGACT=1,1", "+CME ERROR: SIM PIN required"},
			{"AT+COPS?", "+COPS: 0|OK"},
			{"AT+COPS=3,2", "OK"},
			{`AT+COPS=1,2`, "+CME ERROR: incorrect parameters"}, // a malformed command is still one
		}},
		{"SIM PUK", true, []pinStep{
			{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"},
			{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"},
			{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"},
			{"AT+CPIN?", "+CPIN: SIM PUK|OK"},
			{"AT+COPS=0", "+CME ERROR: SIM PUK required"},
			{`AT+COPS=1,2,"20801"`, "+CME ERROR: SIM PUK required"},
			{"AT+CGATT=1", "+CME ERROR: SIM PUK required"},
			{"AT+COPS?", "+COPS: 0|OK"},
		}},
		{"PIN1 disabled: as before", false, []pinStep{
			{"AT+COPS=0", "OK"},
			{"AT+CGATT=1", "OK"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := pinRig(t, tt.enabled, "")
			r.steps(t, tt.steps)
			if tt.enabled && len(r.net.attaches) != 0 {
				t.Fatalf("attached while PIN1 was required: %v", r.net.attaches)
			}
		})
	}
}

// TestSignalPINLocked: with PIN1 required (or blocked) the modem reads no
// IMSI and so has no subscriber to register, as with no card: the UE
// camps in limited service on the strongest cell in reach (TS 23.122
// §3.1, §3.5), and +CSQ/+CESQ give that cell's signal, not 99,99; with
// the radio off or no cell in reach, none. t185 F8.
func TestSignalPINLocked(t *testing.T) {
	best := fmt.Sprintf("+CSQ: %d,99|OK", csqFromRSRP(-85)) // the fake's strongest cell, Orange's
	bestE := fmt.Sprintf("+CESQ: 99,99,255,255,20,%d|OK", rsrpIndex(-85))
	none, noneE := "+CSQ: 99,99|OK", "+CESQ: 99,99,255,255,255,255|OK"
	tests := []struct {
		name  string
		steps []pinStep // after the boot, PIN1 required
		cells []stkterm.Cell
		csq   string
		cesq  string
	}{
		{"PIN1 required: the strongest cell", nil, nil, best, bestE},
		{"PIN1 blocked: the strongest cell", []pinStep{
			{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"}, {`AT+CPIN="1111"`, "+CME ERROR: incorrect password"},
			{`AT+CPIN="1111"`, "+CME ERROR: incorrect password"}, {"AT+CPIN?", "+CPIN: SIM PUK|OK"}}, nil, best, bestE},
		{"PIN1 required, radio off", []pinStep{{"AT+CFUN=4", "OK"}}, nil, none, noneE},
		{"PIN1 required, no cell in reach", nil, []stkterm.Cell{}, none, noneE},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := pinRig(t, true, "")
			if tc.cells != nil {
				r.loop.Do(func() { r.net.cells = tc.cells })
			}
			r.steps(t, append(tc.steps,
				pinStep{"AT+CEREG?", "+CEREG: 0,0|OK"},
				pinStep{"AT+CSQ", tc.csq},
				pinStep{"AT+CESQ", tc.cesq}))
		})
	}
}
