package modem

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/personality"
)

// wire runs a line and renders its information lines and final result
// code as sent: "a|b|OK", "+CME ERROR: 50".
func (r *rig) wire(line string) string {
	rsp, err := r.c.Command(line)
	if rsp == nil {
		return "<" + err.Error() + ">"
	}
	return strings.Join(append(slices.Clone(rsp.Lines), rsp.Final), "|")
}

type exchange struct{ line, want string }

func (r *rig) exchanges(t *testing.T, steps []exchange) {
	t.Helper()
	for _, s := range steps {
		if got := r.wire(s.line); got != s.want {
			t.Errorf("%s: %q, want %q", s.line, got, s.want)
		}
	}
}

const defaultContext = `+CGDCONT: 1,"IPV4V6","","",0,0`

// TestPacketDataDefaults: at boot cid 1 is defined (IPv4v6, the network's
// APN) and inactive until the attach, which activates it.
func TestPacketDataDefaults(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0")
	r.exchanges(t, []exchange{
		{"AT+CGDCONT?", defaultContext + "|OK"},
		{"AT+CGATT?", "+CGATT: 0|OK"},
		{"AT+CGACT?", "+CGACT: 1,0|OK"},
	})
	r.advance(t, 2*time.Second)
	r.exchanges(t, []exchange{
		{"AT+CGATT?", "+CGATT: 1|OK"},
		{"AT+CGACT?", "+CGACT: 1,1|OK"},
		{"AT+CEREG?", "+CEREG: 0,5|OK"},
	})
}

// TestPacketDataCommands runs the set, read and test forms and the
// malformed input on an attached modem, one table in order.
func TestPacketDataCommands(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CMEE=1")
	r.advance(t, 2*time.Second)
	apn100 := strings.Repeat("a", 100)
	r.exchanges(t, []exchange{
		{"AT+CGDCONT=?", `+CGDCONT: (1-15),"IP",,,(0-2),(0-4)|+CGDCONT: (1-15),"IPV6",,,(0-2),(0-4)|+CGDCONT: (1-15),"IPV4V6",,,(0-2),(0-4)|OK`},
		{"AT+CGATT=?", "+CGATT: (0,1)|OK"},
		{"AT+CGACT=?", "+CGACT: (0,1)|OK"},
		// Define, replace (the attach context while attached too), in
		// cid order, types answered upper case.
		{`AT+CGDCONT=1,"IP","iot.example"`, "OK"},
		{`AT+CGDCONT=5,"ipv6","ims","fd00::1",1,3`, "OK"},
		{`AT+CGDCONT=3,"IPv4v6"`, "OK"},
		{`AT+CGDCONT=2,"IP",,,,`, "OK"},
		{"AT+CGDCONT?", `+CGDCONT: 1,"IP","iot.example","",0,0|+CGDCONT: 2,"IP","","",0,0|+CGDCONT: 3,"IPV4V6","","",0,0|+CGDCONT: 5,"IPV6","ims","fd00::1",1,3|OK`},
		{`AT+CGDCONT=15,"IP","` + apn100 + `"`, "OK"},
		{"AT+CGDCONT=15", "OK"},
		{"AT+CGDCONT=4", "OK"}, // undefining an undefined context
		// The parameters later releases add after <h_comp>, as a
		// module's eight-field read line sent back: taken, not modelled.
		{`AT+CGDCONT=4,"IP","m2m","0.0.0.0",0,0,0,0`, "OK"},
		{`AT+CGDCONT=4,"IP","m2m",,,,,,,,,,,,,,"01.000001"`, "OK"},
		{`AT+CGDCONT?`, `+CGDCONT: 1,"IP","iot.example","",0,0|+CGDCONT: 2,"IP","","",0,0|+CGDCONT: 3,"IPV4V6","","",0,0|+CGDCONT: 4,"IP","m2m","",0,0|+CGDCONT: 5,"IPV6","ims","fd00::1",1,3|OK`},
		{"AT+CGDCONT=4", "OK"},
		// Activation: the attach context is active, others on demand.
		{"AT+CGACT?", "+CGACT: 1,1|+CGACT: 2,0|+CGACT: 3,0|+CGACT: 5,0|OK"},
		{"AT+CGACT=1,2,5", "OK"},
		{"AT+CGACT=1,2", "OK"}, // already active: unchanged
		{"AT+CGACT?", "+CGACT: 1,1|+CGACT: 2,1|+CGACT: 3,0|+CGACT: 5,1|OK"},
		{"AT+CGACT=0,2;+CGACT?", "+CGACT: 1,1|+CGACT: 2,0|+CGACT: 3,0|+CGACT: 5,1|OK"},
		{"AT+CGACT=0,4", "OK"},            // undefined, so not active: unchanged
		{"AT+CGDCONT=5", "+CME ERROR: 3"}, // active: deactivate first
		{"AT+CGACT=0,1;+CGACT?", "+CGACT: 1,0|+CGACT: 2,0|+CGACT: 3,0|+CGACT: 5,1|OK"},
		// Not the last PDN connection; now it would be.
		{"AT+CGACT=0,5", "+CME ERROR: 171"},
		{"AT+CGACT=0", "+CME ERROR: 171"},
		{"AT+CGACT=1;+CGACT?", "+CGACT: 1,1|+CGACT: 2,1|+CGACT: 3,1|+CGACT: 5,1|OK"},
		{"AT+CGACT=0,1,2,3,5", "+CME ERROR: 171"},
		{"AT+CGACT?", "+CGACT: 1,1|+CGACT: 2,1|+CGACT: 3,1|+CGACT: 5,1|OK"}, // nothing changed
		{"AT+CGACT=1,4", "+CME ERROR: 50"},                                  // not defined
		{"AT+CGACT=1,2,4", "+CME ERROR: 50"},
		{"AT+CGATT?", "+CGATT: 1|OK"},
		{"AT+CGATT=1", "OK"}, // already attached: nothing happens
		// Malformed.
		{"AT+CGDCONT=", "+CME ERROR: 50"},
		{"AT+CGDCONT=0", "+CME ERROR: 50"},
		{"AT+CGDCONT=16", "+CME ERROR: 50"},
		{"AT+CGDCONT=x", "+CME ERROR: 50"},
		{`AT+CGDCONT="1"`, "+CME ERROR: 50"},
		{"AT+CGDCONT=1,", "+CME ERROR: 50"},
		{`AT+CGDCONT=1,"PPP"`, "+CME ERROR: 50"},
		{`AT+CGDCONT=1,IP,"apn"`, "+CME ERROR: 50"},
		{`AT+CGDCONT=1,"IP",apn`, "+CME ERROR: 50"},
		{`AT+CGDCONT=1,"IP","` + apn100 + `b"`, "+CME ERROR: 50"},
		{`AT+CGDCONT=1,"IP","apn","",3`, "+CME ERROR: 50"},
		{`AT+CGDCONT=1,"IP","apn","",0,5`, "+CME ERROR: 50"},
		{`AT+CGDCONT=1,"IP","apn","",x`, "+CME ERROR: 50"},
		{`AT+CGDCONT=1,"IP","apn","",0,0,x`, "+CME ERROR: 50"},
		{`AT+CGDCONT=1,"IP","apn","",0,0` + strings.Repeat(",", 23), "+CME ERROR: 50"}, // more than Rel-17 defines
		{`AT+CGDCONT=1,"IP","apn`, "ERROR"},                                            // unterminated quote: a syntax error
		{"AT+CGDCONT", "ERROR"},
		{"AT+CGATT=", "+CME ERROR: 50"},
		{"AT+CGATT=2", "+CME ERROR: 50"},
		{"AT+CGATT=1,1", "+CME ERROR: 50"},
		{`AT+CGATT="1"`, "+CME ERROR: 50"},
		{"AT+CGATT", "ERROR"},
		{"AT+CGACT=", "+CME ERROR: 50"},
		{"AT+CGACT=2,1", "+CME ERROR: 50"},
		{"AT+CGACT=1,0", "+CME ERROR: 50"},
		{"AT+CGACT=1,16", "+CME ERROR: 50"},
		{"AT+CGACT=1,x", "+CME ERROR: 50"},
		{"AT+CGACT=1,", "+CME ERROR: 50"},
		{"AT+CGACT=1" + strings.Repeat(",1", 16), "+CME ERROR: 50"},
		{"AT+CGACT", "ERROR"},
		// The failed lines changed nothing.
		{"AT+CGDCONT?", `+CGDCONT: 1,"IP","iot.example","",0,0|+CGDCONT: 2,"IP","","",0,0|+CGDCONT: 3,"IPV4V6","","",0,0|+CGDCONT: 5,"IPV6","ims","fd00::1",1,3|OK`},
		// The +CMEE modes.
		{"AT+CMEE=0;+CGACT=1,9", "ERROR"},
		{"AT+CMEE=2;+CGACT=0", "+CME ERROR: last PDN disconnection not allowed"},
		{"AT+CGATT=5", "+CME ERROR: incorrect parameters"},
	})
}

// TestCGPADDR: +CGPADDR (27.007 §10.1.14) shows the addresses the
// network gave each active context — IPv4, IPv6 in 16 dotted decimal
// octets (+CGPIAF's default), both for IPV4V6 —, kept until it is
// deactivated or the modem detaches; an inactive context shows its static
// +CGDCONT <PDP_addr> or nothing; every defined context without a list;
// the test form lists the defined cids.
func TestCGPADDR(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CMEE=1")
	const (
		v4cid1 = `"100.64.0.1"`
		v6cid1 = `"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"`
	)
	r.exchanges(t, []exchange{
		{"AT+CGPADDR=1", "+CGPADDR: 1|OK"}, // not attached yet
	})
	r.advance(t, 2*time.Second)
	r.exchanges(t, []exchange{
		{"AT+CGPADDR=?", "+CGPADDR: (1)|OK"},
		{"AT+CGPADDR=1", "+CGPADDR: 1," + v4cid1 + "," + v6cid1 + "|OK"},
		{`AT+CGDCONT=2,"IP","iot"`, "OK"},
		{`AT+CGDCONT=3,"IPV6"`, "OK"},
		{`AT+CGDCONT=4,"IP","static","10.1.2.3"`, "OK"},
		{"AT+CGPADDR=?", "+CGPADDR: (1,2,3,4)|OK"},
		{"AT+CGPADDR", "+CGPADDR: 1," + v4cid1 + "," + v6cid1 + `|+CGPADDR: 2|+CGPADDR: 3|+CGPADDR: 4,"10.1.2.3"|OK`},
		{"AT+CGACT=1,2,3", "OK"},
		{"AT+CGPADDR=3,2", `+CGPADDR: 3,"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.3"|+CGPADDR: 2,"100.64.0.2"|OK`},
		{"AT+CGACT=0,2;+CGPADDR=2", "+CGPADDR: 2|OK"},
		{"AT+CGPADDR=", "+CGPADDR: 1," + v4cid1 + "," + v6cid1 + `|+CGPADDR: 2|+CGPADDR: 3,"32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.3"|+CGPADDR: 4,"10.1.2.3"|OK`},
		// A redefinition serves the next activation: the address stays.
		{`AT+CGDCONT=1,"IP","iot"`, "OK"},
		{"AT+CGPADDR=1", "+CGPADDR: 1," + v4cid1 + "," + v6cid1 + "|OK"},
		// Detached, nothing is active; attached again, the attach
		// context gets its address of its type now.
		{"AT+CGATT=0;+CGPADDR=1,3", "+CGPADDR: 1|+CGPADDR: 3|OK"},
		{"AT+CGATT=1;+CGPADDR=1", "+CGPADDR: 1," + v4cid1 + "|OK"},
		// Bad input.
		{"AT+CGPADDR=5", "+CME ERROR: 50"}, // not defined
		{"AT+CGPADDR=1,5", "+CME ERROR: 50"},
		{"AT+CGPADDR=0", "+CME ERROR: 50"},
		{"AT+CGPADDR=16", "+CME ERROR: 50"},
		{"AT+CGPADDR=x", "+CME ERROR: 50"},
		{`AT+CGPADDR="1"`, "+CME ERROR: 50"},
		{"AT+CGPADDR=1" + strings.Repeat(",1", 15), "+CME ERROR: 50"},
		{"AT+CGPADDR?", "ERROR"},
	})
	// The addresses are the network's for this subscriber and cid.
	r.loop.Do(func() {
		if v4, _ := r.net.PDNAddress("208011234567890", 1); v4.String() != "100.64.0.1" {
			t.Errorf("the fake network's address %v", v4)
		}
	})
}

// TestControlCharsInAPN: the splitter refuses control bytes on the wire; a
// line that reaches the interpreter another way is refused there too.
func TestControlCharsInAPN(t *testing.T) {
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	card := newFakeCard()
	m, err := New(Options{Loop: loop, Card: card, Network: &fakeNet{reg: roaming()}, STK: &fakeSTK{card: card}})
	if err != nil {
		t.Fatal(err)
	}
	loop.Do(func() {
		m.st.fun = 1
		m.boot()
		m.handleLine(at.Line{Text: "ATE0+CMEE=1"}, nil)
		before := len(m.out.q)
		for _, apn := range []string{"a\x01b", "a\x7fb", "a\u00e9b"} {
			m.handleLine(at.Line{Text: `AT+CGDCONT=2,"IP","` + apn + `"`}, nil)
		}
		var b strings.Builder
		for _, q := range m.out.q[before:] {
			b.Write(q)
		}
		if got, want := b.String(), strings.Repeat("\r\n+CME ERROR: 50\r\n", 3); got != want {
			t.Errorf("answers %q, want %q", got, want)
		}
		if _, ok := m.st.pdp.ctx[2]; ok {
			t.Error("cid 2 defined")
		}
	})
	r := newRig(t)
	if got := r.wire(`AT+CGDCONT=2,"IP","a` + "\x01" + `b"`); got != "ERROR" {
		t.Errorf("control byte on the wire: %q", got)
	}
}

// TestCGATTDetachAttach: +CGATT=0 deregisters as +COPS=2 does (URC,
// event, network detach, no re-attach later) but leaves +COPS's mode,
// +CGATT=1 registers again at once, and +CGATT?, +CEREG?, +COPS? and
// +CGACT? agree.
func TestCGATTDetachAttach(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CEREG=1")
	r.advance(t, 2*time.Second)
	if u, err := r.c.WaitURC("+CEREG:", 2*time.Second); err != nil || u != "+CEREG: 5" {
		t.Fatalf("attach URC %q, %v", u, err)
	}
	r.exchanges(t, []exchange{
		{"AT+CGACT=1,1", "OK"},
		{"AT+CGATT=0", "OK"},
		{"AT+CGATT?", "+CGATT: 0|OK"},
		{"AT+CEREG?", "+CEREG: 1,0|OK"},
		{"AT+COPS?", "+COPS: 0|OK"}, // automatic still, no <oper> detached
		{"AT+CGACT?", "+CGACT: 1,0|OK"},
		{"AT+CGACT=0", "OK"}, // nothing active
		{"AT+CGATT=0", "OK"}, // already detached
	})
	if u, err := r.c.WaitURC("+CEREG:", 2*time.Second); err != nil || u != "+CEREG: 0" {
		t.Errorf("detach URC %q, %v", u, err)
	}
	// Detached stays detached: no retry, no attach timer.
	r.advance(t, T3402+time.Minute)
	r.exchanges(t, []exchange{{"AT+CGATT?", "+CGATT: 0|OK"}})
	now := r.loop.Now()
	r.exchanges(t, []exchange{
		{"AT+CGATT=1", "OK"},
		{"AT+CGATT?", "+CGATT: 1|OK"},
		{"AT+CEREG?", "+CEREG: 1,5|OK"},
		{"AT+COPS?", `+COPS: 0,2,"20801",7|OK`},
		{"AT+CGACT?", "+CGACT: 1,1|OK"},
	})
	if u, err := r.c.WaitURC("+CEREG:", 2*time.Second); err != nil || u != "+CEREG: 5" {
		t.Errorf("re-attach URC %q, %v", u, err)
	}
	if !r.loop.Now().Equal(now) {
		t.Errorf("the attach took simulated time: %v", r.loop.Now().Sub(now))
	}
	if got := regStats(r); !slices.Equal(got, []int{5, 0, 5}) {
		t.Errorf("registration events %v, want [5 0 5]", got)
	}
	r.loop.Do(func() {
		if len(r.net.attaches) != 2 || r.net.detaches != 1 {
			t.Errorf("network saw %d attaches, %d detaches; want 2, 1", len(r.net.attaches), r.net.detaches)
		}
	})
	// +COPS=0 undoes +CGATT=0 and +CGATT=1 undoes +COPS=2: one mode.
	r.exchanges(t, []exchange{
		{"AT+CGATT=0;+COPS=0;+CGATT?", "+CGATT: 1|OK"},
		{"AT+COPS=2;+CGATT=1;+COPS?", `+COPS: 0,2,"20801",7|OK`},
	})
}

// TestRestartUndoesDetach: a +CFUN=1,1 restart is a reboot and comes up in
// automatic selection, as a power cycle does: +CGATT=0 (or +COPS=2) does
// not outlive it.
func TestRestartUndoesDetach(t *testing.T) {
	for _, detach := range []string{"AT+CGATT=0", "AT+COPS=2"} {
		t.Run(detach, func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "ATE0")
			r.advance(t, 2*time.Second)
			r.exchanges(t, []exchange{{detach, "OK"}, {"AT+CGATT?", "+CGATT: 0|OK"}, {"AT+CFUN=1,1", "OK"}})
			r.advance(t, time.Minute) // restart and boot attach
			r.exchanges(t, []exchange{{"AT+CGATT?", "+CGATT: 1|OK"}, {"AT+COPS?", `+COPS: 0,2,"20801",7|OK`}})
		})
	}
}

// TestCGATTDuringBootAttach: +CGATT=0 before the boot attach cancels it;
// +CGATT=1 before it attaches at once.
func TestCGATTDuringBootAttach(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0")
	r.exchanges(t, []exchange{{"AT+CGATT=0", "OK"}})
	r.advance(t, 10*time.Second)
	r.exchanges(t, []exchange{{"AT+CGATT?", "+CGATT: 0|OK"}})

	r2 := newRig(t)
	r2.cmd(t, "ATE0")
	r2.exchanges(t, []exchange{
		{"AT+CGATT=1", "OK"},
		{"AT+CGATT?", "+CGATT: 1|OK"},
	})
	r2.advance(t, 10*time.Second)
	r2.loop.Do(func() {
		if len(r2.net.attaches) != 1 {
			t.Errorf("%d attaches, want 1 (the boot attach cancelled)", len(r2.net.attaches))
		}
	})
}

// TestPacketDataNoNetwork: with the network refusing or silent, +CGATT=1
// and +CGACT=1 try the attach, and +CGATT? stays 0: neither reaches the
// state asked for, so both answer +CME ERROR: 30 (§10.1.9, t185 F6).
func TestPacketDataNoNetwork(t *testing.T) {
	for _, tc := range []struct {
		name string
		reg  Registration
		stat int
	}{
		{"denied", Registration{Stat: 3, PLMN: "20801", Cause: 11}, 3},
		{"no cell", Registration{}, 0},
		{"timeout", Registration{Stat: 2, PLMN: "20801", Timeout: true}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.net.reg = tc.reg
			r.cmd(t, "ATE0;+CMEE=1")
			r.advance(t, 2*time.Second)
			stat := fmt.Sprintf("+CEREG: 0,%d|OK", tc.stat)
			r.exchanges(t, []exchange{
				{"AT+CGATT?", "+CGATT: 0|OK"},
				{"AT+CGATT=1", "+CME ERROR: 30"},
				{"AT+CEREG?", stat},
				{"AT+CGATT?", "+CGATT: 0|OK"},
				{"AT+CGACT=1,1", "+CME ERROR: 30"},
				{"AT+CGACT=1", "+CME ERROR: 30"},
				{"AT+CGACT?", "+CGACT: 1,0|OK"},
				{"AT+CGACT=0,1", "OK"},
			})
			r.loop.Do(func() {
				if n := len(r.net.attaches); n != 4 {
					t.Errorf("%d attach attempts, want 4 (boot, +CGATT=1, two +CGACT=1)", n)
				}
			})
			// The network comes back: +CGACT=1 attaches, then activates.
			r.net.reg = roaming()
			r.exchanges(t, []exchange{
				{"AT+CGACT=1,1", "OK"},
				{"AT+CGATT?", "+CGATT: 1|OK"},
				{"AT+CGACT?", "+CGACT: 1,1|OK"},
			})
		})
	}
}

// TestCGACTAttachesFirst: after +CGATT=0, +CGACT=1 attaches (27.007
// §10.1.10) and activates what it names; with no cid, every defined one.
func TestCGACTAttachesFirst(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CMEE=1")
	r.advance(t, 2*time.Second)
	r.exchanges(t, []exchange{
		{`AT+CGDCONT=2,"IP","b"`, "OK"},
		{"AT+CGATT=0", "OK"},
		{"AT+CGACT=1,2", "OK"},
		{"AT+CGATT?;+CGACT?", "+CGATT: 1|+CGACT: 1,1|+CGACT: 2,1|OK"},
		{"AT+CGATT=0;+CGACT=1;+CGACT?", "+CGACT: 1,1|+CGACT: 2,1|OK"},
		// Without cid 1 the attach activates nothing by itself.
		{"AT+CGATT=0;+CGDCONT=1;+CGATT=1;+CGACT?", "+CGACT: 2,0|OK"},
		{"AT+CGACT=0", "OK"},
		{"AT+CGACT=1,2;+CGACT=0,2", "+CME ERROR: 171"},
	})
}

// TestPacketDataRadioOff: +CFUN=4 and +CFUN=0 detach and deactivate;
// +CGATT=1 and +CGACT=1 then answer +CME ERROR: 30 and change nothing;
// +CGATT=0 is fine. Back at +CFUN=1 the modem attaches as it does after
// +CFUN=4, unless +CGATT=0 said to stay detached.
func TestPacketDataRadioOff(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CMEE=1")
	r.advance(t, 2*time.Second)
	for _, fun := range []string{"4", "0"} {
		r.exchanges(t, []exchange{
			{"AT+CFUN=" + fun, "OK"},
			{"AT+CGATT?", "+CGATT: 0|OK"},
			{"AT+CGACT?", "+CGACT: 1,0|OK"},
			{"AT+CGATT=1", "+CME ERROR: 30"},
			{"AT+CGACT=1,1", "+CME ERROR: 30"},
			{"AT+CGACT=1", "+CME ERROR: 30"},
			{"AT+CGACT=0", "OK"},
			{"AT+COPS?", "+COPS: 0|OK"}, // the refused +CGATT=1 left the mode alone
			{"AT+CGDCONT?", defaultContext + "|OK"},
			{"AT+CFUN=1", "OK"},
		})
		r.advance(t, 2*time.Second)
		r.exchanges(t, []exchange{{"AT+CGATT?;+CGACT?", "+CGATT: 1|+CGACT: 1,1|OK"}})
	}
	r.exchanges(t, []exchange{
		{"AT+CGATT=0;+CFUN=4", "OK"},
		{"AT+CGATT=0", "OK"},
		{"AT+CFUN=1", "OK"},
	})
	r.advance(t, 10*time.Second)
	r.exchanges(t, []exchange{{"AT+CGATT?", "+CGATT: 0|OK"}})
}

// TestPacketDataNoCard: without a card there is no subscriber to attach.
func TestPacketDataNoCard(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0;+CMEE=1")
	r.loop.Do(func() { r.m.st.cardOn = false; r.m.st.imsi = "" })
	r.advance(t, 2*time.Second)
	r.exchanges(t, []exchange{
		{"AT+CGATT=1", "+CME ERROR: 10"},
		{"AT+CGACT=1", "+CME ERROR: 10"},
	})
	r.loop.Do(func() { r.m.st.cardOn = true })
	r.exchanges(t, []exchange{{"AT+CGATT=1", "+CME ERROR: 13"}})
}

// TestPacketDataVolatile: contexts survive ATZ, +CFUN and a REFRESH, and go
// back to the default at the +CFUN=1,1 restart and a power cycle.
func TestPacketDataVolatile(t *testing.T) {
	r := newRig(t)
	r.advance(t, 2*time.Second)
	define := []exchange{
		{"ATE0", "OK"},
		{`AT+CGDCONT=1,"IP","iot";+CGDCONT=2,"IPV6","x"`, "OK"},
	}
	kept := `+CGDCONT: 1,"IP","iot","",0,0|+CGDCONT: 2,"IPV6","x","",0,0|OK`
	r.exchanges(t, define)
	r.exchanges(t, []exchange{
		{"ATZ;E0", "OK"},
		{"AT+CGDCONT?", kept},
		{"AT+CFUN=0;+CFUN=1;+CGDCONT?", kept},
	})
	r.loop.Do(func() { r.m.Refresh(4) })
	r.advance(t, 2*time.Second)
	r.exchanges(t, []exchange{{"AT+CGDCONT?;+CGACT?", strings.TrimSuffix(kept, "OK") + "+CGACT: 1,1|+CGACT: 2,0|OK"}})

	r.cmd(t, "AT+CFUN=1,1")
	r.advance(t, 11*time.Second)
	if _, err := r.c.WaitURC("RDY", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	r.exchanges(t, []exchange{
		{"ATE0", "OK"},
		{"AT+CGDCONT?", defaultContext + "|OK"},
		{"AT+CGACT?", "+CGACT: 1,0|OK"},
	})
	r.advance(t, 2*time.Second)
	r.exchanges(t, []exchange{{"AT+CGACT?", "+CGACT: 1,1|OK"}})

	r.exchanges(t, define)
	r.loop.Do(func() { r.m.PowerOff(); r.m.PowerOn() })
	r.advance(t, 0)
	if _, err := r.c.WaitURC("RDY", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	r.exchanges(t, []exchange{
		{"ATE0", "OK"},
		{"AT+CGDCONT?", defaultContext + "|OK"},
	})
}

// TestPacketDataPersonalities: every dialect has the commands (none of the
// personality files takes them away); the one without "=?" forms answers
// ERROR to their test forms as to every other.
func TestPacketDataPersonalities(t *testing.T) {
	for _, name := range personality.Names() {
		t.Run(name, func(t *testing.T) {
			r := newPersonalityRig(t, name)
			r.advance(t, 2*time.Second)
			test := "+CGATT: (0,1)|OK"
			p, _ := personality.Load(name)
			if p.NoTestForms {
				test = "ERROR"
			}
			r.exchanges(t, []exchange{
				{`AT+CGDCONT=1,"IP","iot.example"`, "OK"},
				{"AT+CGDCONT?", `+CGDCONT: 1,"IP","iot.example","",0,0|OK`},
				{"AT+CGATT?", "+CGATT: 1|OK"},
				{"AT+CGACT=1,1;+CGACT?", "+CGACT: 1,1|OK"},
				// The attach's context, redefined while active: the
				// addresses of its activation stay.
				{"AT+CGPADDR=1", `+CGPADDR: 1,"100.64.0.1","32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.1"|OK`},
				{"AT+CGATT=?", test},
			})
		})
	}
}

// TestRegistrationRejectCause: with <n> 3 or 5 a denied registration shows
// its EMM cause after the location (27.007 §10.1.22: <cause_type> 0),
// in the URC and the read form; n=2 and 4 do not, and a registration that
// is not denied shows none.
func TestRegistrationRejectCause(t *testing.T) {
	for _, tc := range []struct {
		set       string
		urc, read string
	}{
		{"AT+CEREG=3", `+CEREG: 3,"3a9b","0000c33d",7,0,15`, `+CEREG: 3,3,"3a9b","0000c33d",7,0,15`},
		{"AT+CEREG=5", `+CEREG: 3,"3a9b","0000c33d",7,0,15`, `+CEREG: 5,3,"3a9b","0000c33d",7,0,15`},
		{"AT+CEREG=4", `+CEREG: 3,"3a9b","0000c33d",7`, `+CEREG: 4,3,"3a9b","0000c33d",7`},
		{"AT+CEREG=2", `+CEREG: 3,"3a9b","0000c33d",7`, `+CEREG: 2,3,"3a9b","0000c33d",7`},
		{"AT+CREG=3", `+CREG: 3,"3a9b","0000c33d",7,0,15`, `+CREG: 3,3,"3a9b","0000c33d",7,0,15`},
		// +CGREG's <rac> comes before the cause (§10.1.20): empty on LTE.
		{"AT+CGREG=3", `+CGREG: 3,"3a9b","0000c33d",7,,0,15`, `+CGREG: 3,3,"3a9b","0000c33d",7,,0,15`},
		{"AT+CGREG=2", `+CGREG: 3,"3a9b","0000c33d",7`, `+CGREG: 2,3,"3a9b","0000c33d",7`},
	} {
		t.Run(tc.set, func(t *testing.T) {
			checkRegistration(t, newRig(t), Registration{Stat: 3, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, AcT: 7, Cause: 15}, tc.set, tc.urc, tc.read)
		})
	}
}

// checkRegistration puts r's network in reg, sets the URCs with set and
// checks the URC and the read answer that follow.
func checkRegistration(t *testing.T, r *rig, reg Registration, set, urc, read string) {
	t.Helper()
	r.net.reg = reg
	r.cmd(t, "ATE0")
	r.cmd(t, set)
	r.advance(t, 2*time.Second)
	name := urc[:strings.Index(urc, ":")]
	if u, err := r.c.WaitURC(name+":", 2*time.Second); err != nil || u != urc {
		t.Errorf("URC %q, %v; want %q", u, err, urc)
	}
	r.exchanges(t, []exchange{{"AT" + name + "?", read + "|OK"}})
}

// TestRegistrationWithoutAcT: a modem of 27.007 before Release 7
// (reg_no_act) shows the location without <AcT>; a reject cause keeps
// its place after the empty field.
func TestRegistrationWithoutAcT(t *testing.T) {
	for _, tc := range []struct {
		set       string
		reg       Registration
		urc, read string
	}{
		{"AT+CREG=2", Registration{Stat: 1, PLMN: "26201", TAC: 0x0b5a, CellID: 0xc3f21e, AcT: 7},
			`+CREG: 1,"0b5a","00c3f21e"`, `+CREG: 2,1,"0b5a","00c3f21e"`},
		{"AT+CEREG=2", Registration{Stat: 5, PLMN: "26201", TAC: 0x0b5a, CellID: 0xc3f21e, AcT: 7},
			`+CEREG: 5,"0b5a","00c3f21e"`, `+CEREG: 2,5,"0b5a","00c3f21e"`},
		{"AT+CEREG=3", Registration{Stat: 3, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, AcT: 7, Cause: 15},
			`+CEREG: 3,"3a9b","0000c33d",,0,15`, `+CEREG: 3,3,"3a9b","0000c33d",,0,15`},
		{"AT+CGREG=3", Registration{Stat: 3, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, AcT: 7, Cause: 15},
			`+CGREG: 3,"3a9b","0000c33d",,,0,15`, `+CGREG: 3,3,"3a9b","0000c33d",,,0,15`},
	} {
		t.Run(tc.set, func(t *testing.T) {
			p := personality.Generic()
			p.RegNoAcT = true
			checkRegistration(t, newRigWith(t, p), tc.reg, tc.set, tc.urc, tc.read)
		})
	}
}

// TestSearchingURC: a modem with searching_urc reports <stat> 2 as it
// starts to scan (at boot, and after +CFUN=4 → 1), then the outcome
// AttachDelay later, and before the outcome of the host's attach
// (+CGATT=1 after +CGATT=0, which has it at once); without it, not
// registered goes straight to the outcome.
func TestSearchingURC(t *testing.T) {
	for _, tc := range []struct {
		on                  bool
		boot                string
		afterFun1, afterAtt []string
	}{
		{false, "+CEREG: 0,0", []string{"+CEREG: 0", "+CEREG: 5"}, []string{"+CEREG: 0", "+CEREG: 5"}},
		{true, "+CEREG: 0,2", []string{"+CEREG: 0", "+CEREG: 2", "+CEREG: 5"}, []string{"+CEREG: 0", "+CEREG: 2", "+CEREG: 5"}},
	} {
		t.Run(fmt.Sprint(tc.on), func(t *testing.T) {
			p := personality.Generic()
			p.SearchingURC = tc.on
			r := newRigWith(t, p)
			r.cmd(t, "ATE0")
			r.exchanges(t, []exchange{{"AT+CEREG?", tc.boot + "|OK"}})
			r.cmd(t, "AT+CEREG=1")
			r.advance(t, 2*time.Second)
			if _, err := r.c.WaitURC("+CEREG: 5", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			mark := len(r.atlog.String())
			r.cmd(t, "AT+CFUN=4")
			r.cmd(t, "AT+CFUN=1")
			r.advance(t, 2*time.Second)
			r.cmd(t, "AT") // the URCs before it are out
			got := ceregURCs(r, mark)
			if !slices.Equal(got, tc.afterFun1) {
				t.Errorf("URCs %q, want %q", got, tc.afterFun1)
			}
			mark = len(r.atlog.String())
			r.cmd(t, "AT+CGATT=0")
			r.cmd(t, "AT+CGATT=1")
			got = ceregURCs(r, mark)
			if !slices.Equal(got, tc.afterAtt) {
				t.Errorf("URCs of the host's attach %q, want %q", got, tc.afterAtt)
			}
		})
	}
}

// TestNoURCForAnUnseenChange: an attach that finds no cell leaves the
// modem searching as it was: no second "+CEREG: 2", though the state
// behind it changed in what the URC does not show (outside tester sw103:
// a BG95 replay searched twice).
func TestNoURCForAnUnseenChange(t *testing.T) {
	p := personality.Generic()
	p.SearchingURC = true
	r := newRigWith(t, p)
	r.net.reg = Registration{Stat: 2, AcT: 7}
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CEREG=2")
	mark := len(r.atlog.String())
	r.cmd(t, "AT+CFUN=4")
	r.cmd(t, "AT+CFUN=1")
	r.advance(t, 5*time.Second)
	r.cmd(t, "AT") // the URCs before it are out
	got := ceregURCs(r, mark)
	if want := []string{"+CEREG: 0", "+CEREG: 2"}; !slices.Equal(got, want) {
		t.Errorf("URCs %q, want %q", got, want)
	}
}

// ceregURCs are the +CEREG lines the modem sent past byte mark of at.log.
func ceregURCs(r *rig, mark int) []string {
	var got []string
	for _, l := range strings.Split(r.atlog.String()[mark:], "\n") {
		if _, text, ok := strings.Cut(l, " < "); ok && strings.HasPrefix(text, "+CEREG: ") {
			got = append(got, text)
		}
	}
	return got
}

// TestRefreshStat: a REFRESH's detach shows as not registered by default
// and as searching under refresh_stat 2, straight after the old
// registration; the scan after the card's reset then adds no second
// "+CEREG: 2" (searching_urc or not). With the radio off there is no
// scan to show, so the quirk leaves the registration alone.
func TestRefreshStat(t *testing.T) {
	for _, tc := range []struct {
		searching, refresh2 bool
		fun4, noIMSI        bool
		want                []string
		warm                bool // eUICC Profile State Change: no electrical reset
	}{
		{false, false, false, false, []string{"+CEREG: 0", "+CEREG: 5"}, false},
		{true, false, false, false, []string{"+CEREG: 0", "+CEREG: 2", "+CEREG: 5"}, false},
		{false, true, false, false, []string{"+CEREG: 2", "+CEREG: 5"}, false},
		{true, true, false, false, []string{"+CEREG: 2", "+CEREG: 5"}, false},
		{false, true, true, false, nil, false},
		// No subscriber to scan for after the switch (its IMSI
		// unread: a PIN, a card error): the detach is said after all
		// (outside tester sw122: the URCs kept the old registration).
		{true, true, false, true, []string{"+CEREG: 0"}, false},
		{false, true, false, false, []string{"+CEREG: 2", "+CEREG: 5"}, true},
		{false, false, false, false, []string{"+CEREG: 0", "+CEREG: 5"}, true},
	} {
		t.Run(fmt.Sprint(tc.searching, tc.refresh2, tc.fun4, tc.noIMSI, tc.warm), func(t *testing.T) {
			p := personality.Generic()
			p.SearchingURC, p.RefreshSearching = tc.searching, tc.refresh2
			r := newRigWith(t, p)
			r.cmd(t, "ATE0")
			r.cmd(t, "AT+CEREG=1")
			r.advance(t, 2*time.Second)
			if _, err := r.c.WaitURC("+CEREG: 5", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			if tc.fun4 {
				r.cmd(t, "AT+CFUN=4")
			}
			mark := len(r.atlog.String())
			r.loop.Do(func() {
				if tc.noIMSI {
					r.card.mu.Lock()
					delete(r.card.files, 0x6F07)
					r.card.mu.Unlock()
				}
				if tc.warm {
					r.stk.held = true
					r.m.Refresh(stk.RefreshEUICCProfileChange)
					return
				}
				r.m.Refresh(4)
			})
			r.advance(t, 2*time.Second)
			r.cmd(t, "AT") // the URCs before it are out
			if got := ceregURCs(r, mark); !slices.Equal(got, tc.want) {
				t.Errorf("URCs %q, want %q", got, tc.want)
			}
			if tc.fun4 {
				r.exchanges(t, []exchange{{"AT+CEREG?", "+CEREG: 1,0|OK"}})
			}
		})
	}
}

// TestRefreshStatAlreadyUnregistered: under refresh_stat 2 a REFRESH
// that finds the modem unregistered owes no detach: none is said again,
// whatever an earlier REFRESH left (reviewer sw125: a second +CEREG: 0).
func TestRefreshStatAlreadyUnregistered(t *testing.T) {
	p := personality.Generic()
	p.RefreshSearching, p.NoServiceStat0 = true, true
	r := newRigWith(t, p)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CEREG=1")
	r.advance(t, 2*time.Second)
	r.loop.Do(func() { r.m.Refresh(4) }) // registered: 2, then 5 again
	r.advance(t, 5*time.Second)
	r.loop.Do(func() {
		r.net.reg = Registration{Stat: 2}
		r.m.Reselect() // the cell lost: +CEREG: 0 (no_service_stat 0)
	})
	r.advance(t, time.Second)
	mark := len(r.atlog.String())
	r.loop.Do(func() {
		r.card.mu.Lock()
		delete(r.card.files, 0x6F07) // the new profile's IMSI unread
		r.card.mu.Unlock()
		r.m.Refresh(4)
	})
	r.advance(t, 5*time.Second)
	r.cmd(t, "AT")
	if got := ceregURCs(r, mark); len(got) != 0 {
		t.Errorf("URCs %q, want none: the detach was said at the loss", got)
	}
}

// TestCGATTKeepsSelectionMode: +CGATT=0|1 attach and detach the packet
// domain (27.007 §10.1.9) and leave the PLMN selection mode the host set
// with +COPS (§7.3): +COPS? reads that mode, with no <oper> while
// detached, and +CGATT=1 (or +CGACT=1's attach) attaches in it — on the
// host's network in manual mode. Only a +COPS=2 is mode 2, which
// +CGATT=1 ends in automatic mode, as +COPS=0 does. t169 F3.
func TestCGATTKeepsSelectionMode(t *testing.T) {
	tests := []struct {
		name     string
		sel      string // the host's +COPS before the detach
		detached string // +COPS? after +CGATT=0
		attach   string // the command that attaches again
		after    string // +COPS? after it
		manual   bool   // the re-attach is on 20801 by hand
	}{
		{"automatic", "AT+COPS=0", "+COPS: 0", "AT+CGATT=1", `+COPS: 0,2,"20801",7`, false},
		{"manual", `AT+COPS=1,2,"20801"`, "+COPS: 1", "AT+CGATT=1", `+COPS: 1,2,"20801",7`, true},
		{"manual/automatic", `AT+COPS=4,2,"20801"`, "+COPS: 4", "AT+CGATT=1", `+COPS: 4,2,"20801",7`, true},
		{"manual, +CGACT=1 attaches", `AT+COPS=1,2,"20801"`, "+COPS: 1", "AT+CGACT=1,1", `+COPS: 1,2,"20801",7`, true},
		{"deregistered by +COPS=2", "AT+COPS=2", "+COPS: 2", "AT+CGATT=1", `+COPS: 0,2,"20801",7`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "ATE0;+CMEE=1")
			r.advance(t, 2*time.Second)
			r.exchanges(t, []exchange{
				{tc.sel, "OK"},
				{"AT+CGATT=0", "OK"},
				{"AT+COPS?", tc.detached + "|OK"},
				{"AT+CGATT?", "+CGATT: 0|OK"},
			})
			var before int
			r.loop.Do(func() { before = len(r.net.attaches) })
			r.exchanges(t, []exchange{
				{tc.attach, "OK"},
				{"AT+COPS?", tc.after + "|OK"},
				{"AT+CGATT?", "+CGATT: 1|OK"},
			})
			r.loop.Do(func() {
				got := r.net.attaches[before:]
				if len(got) != 1 || strings.HasSuffix(got[0], "@20801") != tc.manual {
					t.Errorf("attaches %q, want one, manual on 20801: %v", got, tc.manual)
				}
			})
		})
	}
}

// TestCGATTAttachFails: +CGATT=1 whose attach does not register answers
// +CME ERROR, not OK (27.007 §10.1.9: "if the requested state cannot be
// achieved, an ERROR or +CME ERROR response is returned"), with the code
// +CGACT=1's attach gives, 30 (no network service). t185 F6.
func TestCGATTAttachFails(t *testing.T) {
	registered := Registration{Stat: 1, PLMN: "20801", TAC: 1, CellID: 2, AcT: 7}
	rejects := Registration{Stat: 3, PLMN: "20801", TAC: 1, CellID: 2, AcT: 7, Cause: 11}
	elsewhere := Registration{Stat: 1, PLMN: "20810", TAC: 3, CellID: 4, AcT: 7}
	tests := []struct {
		name   string
		sel    string       // the host's +COPS, then +CGATT=0
		net    Registration // what the network answers the next attach
		attach string
		want   string
		cgatt  string // +CGATT? after
	}{
		{"manual, the network rejects", `AT+COPS=1,2,"20801"`, rejects, "AT+CGATT=1", "+CME ERROR: 30", "+CGATT: 0"},
		{"manual, the network is not there", `AT+COPS=1,2,"20801"`, elsewhere, "AT+CGATT=1", "+CME ERROR: 30", "+CGATT: 0"},
		{"automatic, the only network rejects", "AT+COPS=0", rejects, "AT+CGATT=1", "+CME ERROR: 30", "+CGATT: 0"},
		{"manual, +CGACT=1's attach alike", `AT+COPS=1,2,"20801"`, rejects, "AT+CGACT=1,1", "+CME ERROR: 30", "+CGATT: 0"},
		{"manual, the network accepts", `AT+COPS=1,2,"20801"`, registered, "AT+CGATT=1", "OK", "+CGATT: 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.cmd(t, "ATE0;+CMEE=1")
			r.advance(t, 2*time.Second)
			r.exchanges(t, []exchange{{tc.sel, "OK"}, {"AT+CGATT=0", "OK"}})
			r.loop.Do(func() { r.net.reg = tc.net })
			r.exchanges(t, []exchange{{tc.attach, tc.want}, {"AT+CGATT?", tc.cgatt + "|OK"}})
		})
	}
	t.Run("attached already: OK, no attach", func(t *testing.T) {
		r := newRig(t)
		r.cmd(t, "ATE0;+CMEE=1")
		r.advance(t, 2*time.Second)
		var before int
		r.loop.Do(func() { before = len(r.net.attaches) })
		r.exchanges(t, []exchange{{"AT+CGATT=1", "OK"}, {"AT+CGATT?", "+CGATT: 1|OK"}})
		r.loop.Do(func() {
			if n := len(r.net.attaches) - before; n != 0 {
				t.Errorf("%d attaches, want none", n)
			}
		})
	})
}
