package modem

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/harness/atclient"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/personality"
)

// regStats lists the <stat> of every registration event, in order.
func regStats(r *rig) []int {
	var out []int
	for _, e := range r.log.Kind("registration") {
		out = append(out, e.Get("stat").(int))
	}
	return out
}

// TestAttachTimeout: an ATTACH REQUEST the network never answers (issue 4
// §1, attach: timeout) shows as searching while T3410 (15 s, TS 24.301
// §10.2) runs, then as not registered (ATTEMPTING-TO-ATTACH), and the
// T3411 restart 10 s later says nothing of its own, as a field EG25 shows
// it (fixtures/field/reattach-slower-than-wait); the toolkit sees no
// service throughout. Five expiries with nothing else in sight leave it
// not registered.
func TestAttachTimeout(t *testing.T) {
	r := newRig(t)
	r.net.reg = Registration{Stat: 2, PLMN: "20801", Timeout: true}
	r.net.cells = []stkterm.Cell{{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -85}}
	r.cmd(t, "AT+CEREG=2")
	r.advance(t, 2*time.Second)
	if u, err := r.c.WaitURC("+CEREG:", 2*time.Second); err != nil || u != "+CEREG: 2" {
		t.Fatalf("URC at the attempt: %q, %v", u, err)
	}
	r.loop.Do(func() {
		if loc := r.m.Location(); loc.Service != stkterm.NoService {
			t.Errorf("location while T3410 runs: %+v", loc)
		}
	})
	// The literal 15 s and 10 s (TS 24.301 §10.2), not the constants: a
	// wrong timer must fail here rather than move the test along with it.
	r.advance(t, 15*time.Second-time.Millisecond)
	if n := len(r.log.Kind("attach_timeout")); n != 0 {
		t.Fatalf("T3410 expired early: %d events", n)
	}
	r.advance(t, time.Millisecond)
	if u, err := r.c.WaitURC("+CEREG:", 2*time.Second); err != nil || u != "+CEREG: 0" {
		t.Fatalf("URC at T3410 expiry: %q, %v", u, err)
	}
	evs := r.log.Kind("attach_timeout")
	if len(evs) != 1 || evs[0].Str("plmn") != "20801" || evs[0].Str("timer") != "T3410" ||
		evs[0].Get("attempt") != 1 || !evs[0].T.Equal(r.loop.Now()) {
		t.Errorf("attach_timeout events %v", evs)
	}
	r.advance(t, 10*time.Second-time.Millisecond)
	if n := len(r.net.attaches); n != 1 {
		t.Fatalf("T3411 expired early: %d attaches", n)
	}
	r.advance(t, time.Millisecond)
	if rs := r.log.Kind("attach_retry"); len(rs) != 1 || rs[0].Str("timer") != "T3411" || rs[0].Get("attempt") != 2 || len(r.net.attaches) != 2 {
		t.Fatalf("at T3411's expiry: retries %v, %d attaches", rs, len(r.net.attaches))
	}
	r.advance(t, 3*T3410+3*T3411+T3410) // the fifth expiry
	if n := len(r.log.Kind("attach_timeout")); n != 5 {
		t.Errorf("%d T3410 expiries, want 5", n)
	}
	r.cmd(t, "AT") // the URCs so far read
	if n := strings.Count(r.atlog.String(), "< +CEREG:"); n != 2 {
		t.Errorf("%d +CEREG URCs, want 2 (searching, then not registered):\n%s", n, r.atlog.String())
	}
	if got := regStats(r); !slices.Equal(got, []int{2, 0}) {
		t.Errorf("registration stats %v, want [2 0]", got)
	}
	r.loop.Do(func() {
		if loc := r.m.Location(); loc.Service != stkterm.NoService {
			t.Errorf("location after T3410: %+v", loc)
		}
		if r.stk.locationChgs != 2 {
			t.Errorf("%d location changes, want 2", r.stk.locationChgs)
		}
	})
	if got := r.cmd(t, "AT+COPS?"); got[0] != "+COPS: 0" {
		t.Errorf("COPS after timeout: %q", got)
	}
}

// TestQueuedWorkAfterPowerCut: work queued before a power cut (issue 4 §5)
// does nothing after it: a pending T3410, a posted REFRESH, the attach
// timer of a boot and the end of a +CFUN=1,1 restart.
func TestQueuedWorkAfterPowerCut(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, r *rig) // leaves work queued
	}{
		{"T3410 running", func(t *testing.T, r *rig) {
			r.net.reg = Registration{Stat: 2, PLMN: "20801", Timeout: true}
			r.advance(t, 2*time.Second)
		}},
		{"REFRESH posted", func(t *testing.T, r *rig) {
			r.advance(t, 2*time.Second)
			r.loop.Do(func() { r.m.Refresh(4) })
		}},
		{"attach scheduled", func(t *testing.T, r *rig) {}},
		{"restarting", func(t *testing.T, r *rig) {
			r.advance(t, 2*time.Second)
			r.cmd(t, "AT+CFUN=1,1")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			tt.setup(t, r)
			var attaches int
			r.loop.Do(func() {
				attaches = len(r.net.attaches)
				r.m.PowerOff()
			})
			r.advance(t, time.Minute)
			if n := len(r.log.Kind("attach_timeout")) + len(r.log.Kind("refresh")); n != 0 {
				t.Errorf("%d timeout/refresh events after the power cut", n)
			}
			r.loop.Do(func() {
				if len(r.net.attaches) != attaches || r.card.on || r.m.Powered() {
					t.Errorf("after power cut: attaches %d→%d, card on %v, powered %v", attaches, len(r.net.attaches), r.card.on, r.m.Powered())
				}
			})
			if strings.Contains(r.atlog.String(), "RDY") {
				t.Errorf("RDY while powered off:\n%s", r.atlog.String())
			}
		})
	}
}

// TestPowerCycle: PowerOff is silent towards the host and the network's
// registration ends; PowerOn boots afresh (issue 4 §5).
func TestPowerCycle(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "AT+CEREG=1;+CMEE=1")
	r.advance(t, 2*time.Second)
	if _, err := r.c.WaitURC("+CEREG: 5", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	r.loop.Do(func() {
		r.m.PowerOff()
		r.m.PowerOff() // already off: nothing more
	})
	if _, err := atclientCommand(r, "AT", 200*time.Millisecond); !errors.Is(err, atclient.ErrTimeout) {
		t.Fatalf("AT while powered off: %v", err)
	}
	if !strings.Contains(r.atlog.String(), "> AT (ignored: powered off)") {
		t.Errorf("AT log lacks the ignored line:\n%s", r.atlog.String())
	}
	r.advance(t, 30*time.Second)
	r.loop.Do(func() {
		if r.net.detaches != 1 || r.stk.stops != 1 || r.card.on || len(r.net.attaches) != 1 {
			t.Errorf("off: detaches %d stops %d card on %v attaches %d", r.net.detaches, r.stk.stops, r.card.on, len(r.net.attaches))
		}
		if r.m.Registration().Stat != 0 {
			t.Errorf("registration while off: %+v", r.m.Registration())
		}
		r.m.PowerOn()
		r.m.PowerOn() // already on: nothing more
	})
	if _, err := r.c.WaitURC("RDY", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	r.advance(t, 2*time.Second)
	r.loop.Do(func() {
		if r.card.resets != 2 || r.stk.starts != 2 || len(r.net.attaches) != 2 || !r.m.Registration().Registered() {
			t.Errorf("on: resets %d starts %d attaches %d reg %+v", r.card.resets, r.stk.starts, len(r.net.attaches), r.m.Registration())
		}
	})
	// A fresh boot: +CMEE and +CEREG are back to 0, so the only +CEREG
	// URCs are those sent before the cut.
	if rsp, err := r.c.Command(`AT+CSIM=6,"00A4"`); err == nil || rsp.Final != "ERROR" {
		t.Errorf("after power on: %+v, %v", rsp, err)
	}
	if n := strings.Count(r.atlog.String(), "< +CEREG:"); n != 1 {
		t.Errorf("%d +CEREG URCs, want 1 (no URC storm):\n%s", n, r.atlog.String())
	}
	var on []bool
	for _, e := range r.log.Kind("power") {
		on = append(on, e.Get("on").(bool))
	}
	if len(on) != 2 || on[0] || !on[1] {
		t.Errorf("power events %v, want [false true]", on)
	}
	// Registration events: the attach, and the one after power on; the cut
	// itself is not a registration change the host hears about.
	if got := regStats(r); !slices.Equal(got, []int{5, 5}) {
		t.Errorf("registration stats %v", got)
	}
}

func TestSignalChanged(t *testing.T) {
	r := newRig(t)
	r.advance(t, 2*time.Second)
	r.cmd(t, "ATE0")
	if got := r.cmd(t, "AT+CSQ"); got[0] != "+CSQ: 28,99" {
		t.Fatalf("before: %q", got)
	}
	r.loop.Do(func() {
		r.net.cells = []stkterm.Cell{{PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -101}}
		r.m.SignalChanged()
	})
	// rssi = -101 + 28 = -73 dBm → (−73 + 113) / 2 = 20.
	if got := r.cmd(t, "AT+CSQ"); got[0] != "+CSQ: 20,99" {
		t.Errorf("after: %q", got)
	}
	if n := len(r.log.Kind("registration")); n != 1 {
		t.Errorf("%d registration events, want 1 (no re-attach)", n)
	}
}

// TestLocationService: the toolkit's location status (TS 102 223 §8.27)
// from the registration: the card's attach judgement of claim 3 rests on it.
func TestLocationService(t *testing.T) {
	r := newRig(t)
	tests := []struct {
		name string
		reg  Registration
		want stkterm.Service
	}{
		{"roaming", roaming(), stkterm.NormalService},
		{"home", Registration{Stat: 1, PLMN: "20810"}, stkterm.NormalService},
		{"denied: camped, limited", Registration{Stat: 3, PLMN: "20810", Cause: 15}, stkterm.LimitedService},
		{"searching while T3410 runs", Registration{Stat: 2, PLMN: "20810"}, stkterm.NoService},
		{"searching, no cell", Registration{Stat: 2}, stkterm.NoService},
		{"not registered", Registration{}, stkterm.NoService},
	}
	for _, tt := range tests {
		r.loop.Do(func() {
			r.m.st.reg = tt.reg
			if got := r.m.Location().Service; got != tt.want {
				t.Errorf("%s: service %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

// TestCardAbsent: a card the modem cannot detect answers nothing: the
// modem detaches, the card's commands answer SIM not inserted, and there
// is no subscriber to attach; given back, it is read as at boot and the
// device attaches.
func TestCardAbsent(t *testing.T) {
	r := newRig(t)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CMEE=1")
	r.cmd(t, "AT+CEREG=1")
	r.advance(t, 2*time.Second)
	if _, err := r.c.WaitURC("+CEREG: 5", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	r.loop.Do(func() { r.m.SetCardPresent(false) })
	if _, err := r.c.WaitURC("+CEREG: 0", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	r.advance(t, time.Hour)
	r.exchanges(t, []exchange{
		{"AT+CPIN?", "+CME ERROR: 10"},
		{"AT+CIMI", "+CME ERROR: 10"},
		{"AT+CCID", "+CME ERROR: 10"},
		{`AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "+CME ERROR: 10"},
		{"AT+CEREG?", "+CEREG: 1,0|OK"},
	})
	r.loop.Do(func() { r.m.SetCardPresent(true) })
	r.exchanges(t, []exchange{{"AT+CPIN?", "+CPIN: READY|OK"}})
	r.advance(t, 2*time.Second)
	if _, err := r.c.WaitURC("+CEREG: 5", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	var present []any
	for _, e := range r.log.Events() {
		if e.Kind == KindCard {
			present = append(present, e.Fields["present"])
		}
	}
	if fmt.Sprint(present) != "[true false true]" {
		t.Errorf("card events present %v, want [true false true]", present)
	}
}

// TestCFUN0KeepsCard: with cfun0_keeps_card (SARA-R4) +CFUN=0 only turns
// the radio off, as +CFUN=4 does: the card stays readable, and +CFUN=1
// attaches without reading it again; without it the card goes down.
func TestCFUN0KeepsCard(t *testing.T) {
	for _, tc := range []struct {
		keeps bool
		cpin  string
	}{
		{false, "+CME ERROR: 10"},
		{true, "+CPIN: READY|OK"},
	} {
		t.Run(fmt.Sprint(tc.keeps), func(t *testing.T) {
			p := personality.Generic()
			p.CFUN0KeepsCard = tc.keeps
			r := newRigWith(t, p)
			r.cmd(t, "ATE0")
			r.cmd(t, "AT+CMEE=1")
			r.advance(t, 2*time.Second)
			r.cmd(t, "AT+CFUN=0")
			r.exchanges(t, []exchange{{"AT+CPIN?", tc.cpin}, {"AT+CEREG?", "+CEREG: 0,0|OK"}})
			cards := 0
			for _, e := range r.log.Events() {
				if e.Kind == KindCard {
					cards++
				}
			}
			r.cmd(t, "AT+CFUN=1")
			r.advance(t, 2*time.Second)
			r.exchanges(t, []exchange{{"AT+CPIN?", "+CPIN: READY|OK"}, {"AT+CEREG?", "+CEREG: 0,5|OK"}})
			read := 0
			for _, e := range r.log.Events() {
				if e.Kind == KindCard {
					read++
				}
			}
			if again := read - cards; again != map[bool]int{false: 1, true: 0}[tc.keeps] {
				t.Errorf("the card read %d times at +CFUN=1", again)
			}
		})
	}
}

// TestNoServiceStat: a module with no_service_stat 0 shows an attach that
// finds no cell (out of coverage, a dead zone) as not registered, not
// searching; the toolkit sees no service either way, and an unanswered
// attach (T3410 running) still shows searching.
func TestNoServiceStat(t *testing.T) {
	for _, tc := range []struct {
		stat0 bool
		reg   Registration
		want  string
	}{
		{false, Registration{Stat: 2}, "+CEREG: 2"},
		{true, Registration{Stat: 2}, "+CEREG: 0"},
		{true, Registration{Stat: 2, PLMN: "20801", Timeout: true}, "+CEREG: 2"},
	} {
		t.Run(fmt.Sprint(tc.stat0, tc.reg.Timeout), func(t *testing.T) {
			p := personality.Generic()
			p.NoServiceStat0 = tc.stat0
			r := newRigWith(t, p)
			r.net.reg = Registration{Stat: 1, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d}
			r.cmd(t, "AT+CEREG=1")
			r.advance(t, 2*time.Second)
			if _, err := r.c.WaitURC("+CEREG: 1", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			r.net.reg = tc.reg
			r.loop.Do(r.m.Reselect)
			if u, err := r.c.WaitURC("+CEREG:", 2*time.Second); err != nil || u != tc.want {
				t.Fatalf("URC as the cell is lost: %q, %v; want %q", u, err, tc.want)
			}
			r.loop.Do(func() {
				if loc := r.m.Location(); loc.Service != stkterm.NoService {
					t.Errorf("location: %+v", loc)
				}
			})
		})
	}
}

// TestCampedWhenDenied: a UE denied registration (limited service) stays
// camped on the cell that refused it (TS 23.122 §3.5), so +CSQ and +CESQ
// give that cell's signal; with no cell (no service) they give none.
func TestCampedWhenDenied(t *testing.T) {
	for _, tc := range []struct {
		reg       Registration
		csq, cesq string
	}{
		{Registration{Stat: 3, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, RSRP: -101, Cause: 15}, "+CSQ: 20,99", "+CESQ: 99,99,255,255,"},
		{Registration{Stat: 2}, "+CSQ: 99,99", "+CESQ: 99,99,255,255,255,255"},
	} {
		t.Run(fmt.Sprint(tc.reg.Stat), func(t *testing.T) {
			r := newRig(t)
			r.net.reg = tc.reg
			r.advance(t, 3*time.Second)
			if got := r.cmd(t, "AT+CSQ"); len(got) < 1 || got[0] != tc.csq {
				t.Errorf("AT+CSQ: %q, want %q", got, tc.csq)
			}
			if got := r.cmd(t, "AT+CESQ"); len(got) < 1 || !strings.HasPrefix(got[0], tc.cesq) || tc.reg.Stat == 3 && strings.HasSuffix(got[0], ",255,255") {
				t.Errorf("AT+CESQ: %q, want %q…", got, tc.cesq)
			}
		})
	}
}

// registeredRig is a rig of personality p, echo off, +CEREG URCs on,
// registered: its boot and first attach done.
func registeredRig(t *testing.T, p personality.Personality) *rig {
	t.Helper()
	r := newRigWith(t, p)
	r.cmd(t, "ATE0")
	r.cmd(t, "AT+CEREG=1")
	r.advance(t, 30*time.Second)
	return r
}

// TestCardGoneURCs: a dialect that says the card went (card_gone_urcs)
// says it first, then the detach follows; the card put back, its boot
// sequence from the card's state on comes again (an A7600's SMS DONE and
// PB DONE after its +CPIN: READY), as field logs of a pulled card show.
func TestCardGoneURCs(t *testing.T) {
	p, err := personality.Load("simcom-a7600")
	if err != nil {
		t.Fatal(err)
	}
	r := registeredRig(t, p)
	if _, err := r.c.WaitURC("+CEREG: 5", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	r.c.ClearURCs()
	r.loop.Do(func() { r.m.SetCardPresent(false) })
	if _, err := r.c.WaitURC("+CEREG: 0", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	r.loop.Do(func() { r.m.SetCardPresent(true) })
	if _, err := r.c.WaitURC("PB DONE", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	want := "+SIMCARD: NOT AVAILABLE|+CPIN: SIM REMOVED|+CPIN: READY|SMS DONE"
	if got := strings.Join(r.c.URCs(), "|"); got != want {
		t.Errorf("URCs %q, want %q (and PB DONE, taken)", got, want)
	}
}

// TestCFUNCycleSaysTheCardIsBack: +CFUN=0 takes the card's power and
// +CFUN=1 — or 4, the radio still off — reads it again; the modem says so
// as when a card comes back (outside tester sw118: a host waiting for
// +QUSIM: 1 after a radio cycle hung), after the OK, the card URCs before
// the scan (sw122), and the card answers at once. A module whose +CFUN=0
// keeps the card says nothing of it (its scan as at +CFUN=4 → 1).
func TestCFUNCycleSaysTheCardIsBack(t *testing.T) {
	for _, tc := range []struct {
		personality string
		keeps       bool
		fun         string
		want        []string
	}{
		{"quectel-eg25", false, "1", []string{"OK", "+CPIN: READY", "+QUSIM: 1", "+CEREG: 2", "+CEREG: 5"}},
		{"quectel-eg25", false, "4", []string{"OK", "+CPIN: READY", "+QUSIM: 1"}},
		{"simcom-a7600", false, "1", []string{"OK", "+CPIN: READY", "SMS DONE", "PB DONE", "+CEREG: 2", "+CEREG: 5"}},
		{"quectel-eg25", true, "1", []string{"OK", "+CEREG: 2", "+CEREG: 5"}},
	} {
		t.Run(fmt.Sprint(tc.personality, " ", tc.fun, " keeps ", tc.keeps), func(t *testing.T) {
			p, err := personality.Load(tc.personality)
			if err != nil {
				t.Fatal(err)
			}
			p.CFUN0KeepsCard, p.SearchingURC = tc.keeps, true
			r := registeredRig(t, p)
			r.cmd(t, "AT+CFUN=0")
			mark := len(r.atlog.String())
			r.cmd(t, "AT+CFUN="+tc.fun)
			r.advance(t, 5*time.Second)
			if got := sent(r.atlog.String()[mark:]); !slices.Equal(got, tc.want) {
				t.Errorf("after +CFUN=%s: %q, want %q", tc.fun, got, tc.want)
			}
			// Read at once: a +CPIN? right after the OK finds it ready.
			r.cmd(t, "AT+CFUN=0")
			r.cmd(t, "AT+CFUN="+tc.fun)
			if got := r.cmd(t, "AT+CPIN?"); got[0] != "+CPIN: READY" {
				t.Errorf("+CPIN? right after: %q", got)
			}
		})
	}
}

// TestProfileStateChangeOrder: an eUICC Profile State Change REFRESH is
// answered after the old subscriber's session ends — the detach, which
// the toolkit hears of first — and the card is then read again without
// an electrical reset; a card the modem keeps powered at +CFUN=0
// (cfun0_keeps_card) is read again too, though nothing attaches (outside
// tester sw121: the answer went first, and at +CFUN=0 the switched card
// was never read).
func TestProfileStateChangeOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fun0  bool
		calls []string
	}{
		{"registered", false, []string{"location", "answer"}},
		{"at +CFUN=0, the card kept", true, []string{"answer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := personality.Generic()
			p.CFUN0KeepsCard = tc.fun0
			r := newRigWith(t, p)
			r.cmd(t, "ATE0")
			r.advance(t, 2*time.Second)
			if tc.fun0 {
				r.cmd(t, "AT+CFUN=0")
			}
			var starts, resets int
			r.loop.Do(func() {
				starts, resets = r.stk.starts, r.card.resets
				r.stk.calls, r.stk.held = nil, true
				r.m.Refresh(stk.RefreshEUICCProfileChange)
			})
			r.advance(t, 2*time.Second)
			r.loop.Do(func() {
				// (The re-attach's location change may follow.)
				if len(r.stk.calls) < len(tc.calls) || !slices.Equal(r.stk.calls[:len(tc.calls)], tc.calls) {
					t.Errorf("calls %q, want %q first", r.stk.calls, tc.calls)
				}
				if r.stk.starts != starts+1 || r.card.resets != resets {
					t.Errorf("terminal started %d more times, card reset %d more times; want once and none", r.stk.starts-starts, r.card.resets-resets)
				}
			})
		})
	}
}

// TestRefreshDroppedIsLogged: a REFRESH refresh_delay holds, dropped by
// a restart, +CFUN=0 or a power cut before it runs, says so once in the
// event log (outside testers sw121, sw123) and is not run after it, nor
// reported again at a later reset; under cfun0_keeps_card +CFUN=0 does
// not drop it: it runs.
func TestRefreshDroppedIsLogged(t *testing.T) {
	for _, tc := range []struct {
		name    string
		keeps   bool
		drop    func(r *rig)
		dropped int
	}{
		{"restart", false, func(r *rig) { r.cmd(t, "AT+CFUN=1,1") }, 1},
		{"+CFUN=0", false, func(r *rig) { r.cmd(t, "AT+CFUN=0") }, 1},
		{"power cut", false, func(r *rig) { r.loop.Do(func() { r.m.PowerOff(); r.m.PowerOn() }) }, 1},
		{"+CFUN=0, the card kept", true, func(r *rig) { r.cmd(t, "AT+CFUN=0") }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := personality.Generic()
			p.RefreshDelay, p.CFUN0KeepsCard = 3*time.Second, tc.keeps
			r := newRigWith(t, p)
			r.cmd(t, "ATE0")
			r.advance(t, 2*time.Second)
			r.loop.Do(func() { r.m.Refresh(stk.RefreshUICCReset) })
			tc.drop(r)
			r.advance(t, time.Minute)
			if got := r.log.Kind(KindRefreshLost); len(got) != tc.dropped {
				t.Errorf("refresh_dropped events at the drop %+v, want %d", got, tc.dropped)
			}
			// Logged after its cause (outside tester sw124, reviewer
			// sw125): the power cut, +CFUN=0 or the restart.
			evs := r.log.Events()
			if i := slices.IndexFunc(evs, func(e eventlog.Event) bool { return e.Kind == KindRefreshLost }); i > 0 {
				if k := evs[i-1].Kind; k != KindPower && k != KindCFUN && k != KindRestart {
					t.Errorf("refresh_dropped after %s, want after its cause", k)
				}
			}
			r.cmd(t, "ATE0;+CFUN=1")
			r.cmd(t, "AT+CFUN=0") // a later reset reports nothing more
			r.advance(t, time.Minute)
			if got := r.log.Kind(KindRefreshLost); len(got) != tc.dropped {
				t.Errorf("refresh_dropped events %+v, want %d", got, tc.dropped)
			}
			if got := r.log.Kind(KindRefresh); len(got) != 1-tc.dropped {
				t.Errorf("refresh events %+v, want %d", got, 1-tc.dropped)
			}
		})
	}
}

// TestCFUNLines: +CFUN=1 after +CFUN=0 with a command after it on the
// line that attaches (+COPS=0) makes one attach, not a second after the
// card's URCs; every change of <fun> while the card is absent reads the
// empty holder only when the card was off (from 0), and each command is
// logged before what it causes (outside tester sw124).
func TestCFUNLines(t *testing.T) {
	p, err := personality.Load("quectel-eg25")
	if err != nil {
		t.Fatal(err)
	}
	r := newRigWith(t, p)
	r.cmd(t, "ATE0")
	r.advance(t, 30*time.Second)
	attaches := len(r.net.attaches)
	r.cmd(t, "AT+CFUN=0")
	r.cmd(t, "AT+CFUN=1;+COPS=0")
	r.advance(t, time.Minute)
	if n := len(r.net.attaches) - attaches; n != 1 {
		t.Errorf("%d attaches after +CFUN=1;+COPS=0 (%q), want 1", n, r.net.attaches[attaches:])
	}
	var kinds []string
	for _, e := range r.log.Events() {
		if e.Kind == KindCFUN || e.Kind == KindCard {
			kinds = append(kinds, string(e.Kind))
		}
	}
	if want := []string{"card", "cfun", "cfun", "card"}; !slices.Equal(kinds[len(kinds)-4:], want) {
		t.Errorf("events %q, want %q last", kinds, want)
	}

	// The card's URCs before the scan and the registration, though a
	// later command of the line attaches; said once, though the line
	// powers the card twice (outside tester sw125).
	p.SearchingURC = true
	for _, tc := range []struct {
		line string
		want []string
	}{
		// The URCs the line causes wait for its final result code
		// (outside tester t218).
		{"AT+CFUN=1;+COPS=0", []string{"OK", "+CPIN: READY", "+QUSIM: 1", "+CEREG: 2", "+CEREG: 5"}},
		{"AT+CFUN=4;+CFUN=1", []string{"OK", "+CPIN: READY", "+QUSIM: 1", "+CEREG: 2", "+CEREG: 5"}},
		{"AT+CFUN=1;+CFUN=0;+CFUN=1", []string{"OK", "+CPIN: READY", "+QUSIM: 1", "+CEREG: 2", "+CEREG: 5"}},
	} {
		q := registeredRig(t, p)
		q.cmd(t, "AT+CFUN=0")
		mark := len(q.atlog.String())
		q.cmd(t, tc.line)
		q.advance(t, time.Minute)
		if got := sent(q.atlog.String()[mark:]); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}

	r.loop.Do(func() { r.m.SetCardPresent(false) })
	mark := len(r.log.Events())
	for _, fun := range []string{"4", "1", "4", "1"} {
		r.cmd(t, "AT+CFUN="+fun)
	}
	r.advance(t, time.Second)
	for _, e := range r.log.Events()[mark:] {
		if e.Kind == KindCard {
			t.Errorf("a card event at a change of <fun> with the card absent and powered: %+v", e)
		}
	}
}

// TestNoRetryOnInvalidUSIM: after #3, #6, #7 or #8 the USIM is invalid
// until the UE is switched off or the UICC removed (TS 24.301
// §5.5.1.2.5): no T3402 retry, the denial and its cause stay; a power
// cycle reads the card again and attaches. After #11 the modem retries
// at T3402; after #17, with only that network in sight, at T3411 four
// times, then at T3402 (the attach attempt counter, §5.5.1.2.6 d): five
// attempts each 12 min.
func TestNoRetryOnInvalidUSIM(t *testing.T) {
	for _, tc := range []struct {
		cause, retries int
	}{{7, 0}, {3, 0}, {8, 0}, {17, 4 + 5 + 5}, {11, 2}} {
		r := newRig(t)
		r.net.cells = []stkterm.Cell{{PLMN: "20810", TAC: 0x0101, CellID: 0x0202, RSRP: -101}}
		r.net.reg = Registration{Stat: 3, PLMN: "20810", TAC: 0x0101, CellID: 0x0202, AcT: 7, Cause: tc.cause}
		r.advance(t, 2*time.Second)
		first := len(r.net.attaches)
		r.advance(t, 30*time.Minute)
		if got := len(r.net.attaches) - first; got != tc.retries {
			t.Errorf("#%d: %d attaches in 30 min after the denial, want %d", tc.cause, got, tc.retries)
		}
		if got := r.cmd(t, "AT+CEREG=3;+CEREG?"); !slices.Contains(got, fmt.Sprintf(`+CEREG: 3,3,"0101","00000202",7,0,%d`, tc.cause)) {
			t.Errorf("#%d: AT+CEREG? %q", tc.cause, got)
		}
		before := len(r.net.attaches)
		r.loop.Do(func() { r.m.PowerOff(); r.m.PowerOn() })
		r.advance(t, 5*time.Second)
		if len(r.net.attaches) == before {
			t.Errorf("#%d: no attach after a power cycle", tc.cause)
		}
	}
}

// TestWorkWhileRestarting: between a restart and its boot the MT has no
// stack (TS 24.301 §5.5.2.2: it detached switching off): a world that
// changes under it (Reselect: a move, a cell back) makes no attach, no
// registration and no +CEREG URC until the boot's own attach — with the
// card reset, or kept powered (card_kept_restarts), whose IMSI the
// modem still held.
func TestWorkWhileRestarting(t *testing.T) {
	p := laraRestarts(t, "")
	for _, tc := range []struct {
		name, restart string
	}{
		{"card kept", "AT+CFUN=15"},
		{"card reset", "AT+CFUN=16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := registeredRig(t, p)
			if _, err := r.c.WaitURC("+CEREG: 5", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			r.cmd(t, tc.restart)
			r.advance(t, time.Second)
			var attaches, regs int
			r.loop.Do(func() {
				attaches, regs = len(r.net.attaches), len(r.log.Kind(KindRegistration))
				r.m.Reselect()
			})
			r.advance(t, 5*time.Second) // the restart takes 10 s
			r.loop.Do(func() {
				if d := len(r.net.attaches) - attaches; d != 0 {
					t.Errorf("%d attaches while restarting", d)
				}
				if evs := r.log.Kind(KindRegistration)[regs:]; len(evs) != 0 {
					t.Errorf("registrations while restarting: %v", evs)
				}
				if !r.m.Restarting() || r.m.Registration().Stat != 0 {
					t.Errorf("restarting %v, registration %+v", r.m.Restarting(), r.m.Registration())
				}
			})
			r.advance(t, time.Minute)
			if _, err := r.c.WaitURC("+CPIN: READY", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			// Then the boot attaches, once.
			r.loop.Do(func() {
				if d := len(r.net.attaches) - attaches; d != 1 || !r.m.Registration().Registered() {
					t.Errorf("after the boot: %d attaches, registration %+v", d, r.m.Registration())
				}
			})
		})
	}
}

// TestRefreshCaughtByRestart: a REFRESH the card asked for, posted to run
// at once, that a restart overtakes (the host's +CFUN=1,1 already on its
// way) is left to the boot's card reset, as one a power cut overtakes:
// while restarting the modem resets no card, reads none and attaches
// nowhere; the boot then resets it once and attaches once.
func TestRefreshCaughtByRestart(t *testing.T) {
	for _, tc := range []struct {
		name    string
		restart func(m *Modem)
	}{
		{"+CFUN=1,1", func(m *Modem) { m.restart() }},
		{"card kept", func(m *Modem) { m.restartKeeping(true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := registeredRig(t, personality.Generic())
			var resets, attaches, regs int
			r.loop.Do(func() {
				resets, attaches, regs = r.card.resets, len(r.net.attaches), len(r.log.Kind(KindRegistration))
				r.m.Refresh(stk.RefreshUICCReset)
				tc.restart(r.m)
			})
			r.advance(t, 5*time.Second) // the restart takes 11 s
			r.loop.Do(func() {
				if d := r.card.resets - resets; d != 0 {
					t.Errorf("%d card resets while restarting", d)
				}
				if d := len(r.net.attaches) - attaches; d != 0 {
					t.Errorf("%d attaches while restarting", d)
				}
				if evs := r.log.Kind(KindRegistration)[regs:]; len(evs) != 0 {
					t.Errorf("registrations while restarting: %v", evs)
				}
				if evs := r.log.Kind(KindRefresh); len(evs) != 0 {
					t.Errorf("refresh run while restarting: %v", evs)
				}
			})
			r.advance(t, time.Minute)
			r.awaitRDY(t)
			r.loop.Do(func() {
				kept := tc.name == "card kept"
				if d := r.card.resets - resets; d != map[bool]int{true: 0, false: 1}[kept] {
					t.Errorf("%d card resets after the boot", d)
				}
				if d := len(r.net.attaches) - attaches; d != 1 {
					t.Errorf("%d attaches after the boot, want 1", d)
				}
			})
		})
	}
}

// TestCardGoneTellsItNothing: a card out of the modem's reach (a contact
// failure, SetCardPresent(false)) gets no APDU more: the detach that
// follows its loss is shown to the host (+CEREG: 0) and logged, but its
// location status event (TS 102 223 §7.5.4) has no card to go to, nor
// has any EF update; the toolkit stops first. A radio off (+CFUN=4) with
// the card there still tells the card (the fake toolkit sends no APDU;
// a detach writes no EF).
func TestCardGoneTellsItNothing(t *testing.T) {
	for _, tc := range []struct {
		name      string
		act       func(t *testing.T, r *rig)
		locations int // location status changes the toolkit is told of
	}{
		{"card gone", func(t *testing.T, r *rig) { r.loop.Do(func() { r.m.SetCardPresent(false) }) }, 0},
		{"+CFUN=4, the card there", func(t *testing.T, r *rig) { r.cmd(t, "AT+CFUN=4") }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := registeredRig(t, personality.Generic())
			if _, err := r.c.WaitURC("+CEREG: 5", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			var locs, apdus, regs int
			r.loop.Do(func() {
				r.card.mu.Lock()
				apdus = len(r.card.apdus)
				r.card.mu.Unlock()
				locs, regs = r.stk.locationChgs, len(r.log.Kind(KindRegistration))
			})
			tc.act(t, r)
			if _, err := r.c.WaitURC("+CEREG: 0", 2*time.Second); err != nil {
				t.Fatal(err)
			}
			r.loop.Do(func() {
				if d := r.stk.locationChgs - locs; d != tc.locations {
					t.Errorf("the toolkit told of %d location changes, want %d", d, tc.locations)
				}
				r.card.mu.Lock()
				got := r.card.apdus[apdus:]
				r.card.mu.Unlock()
				if len(got) > 0 {
					t.Errorf("APDUs to the card after it: %q", got)
				}
				if evs := r.log.Kind(KindRegistration)[regs:]; len(evs) != 1 || evs[0].Get("stat") != 0 {
					t.Errorf("registrations after it: %v, want one stat 0", evs)
				}
			})
		})
	}
}

// TestCardGoneWhileRestarting: the card lost in a restart's window — one
// the restart keeps powered (card_kept_restarts) or one it reset — is
// found gone at the boot, once: no card-gone URC from an MT with no
// stack, one card {present: false}, and the card's commands answer SIM
// not inserted.
func TestCardGoneWhileRestarting(t *testing.T) {
	p := laraRestarts(t, "card_gone_urcs: [\"+CPIN: SIM REMOVED\"]\n")
	for _, tc := range []struct{ name, restart string }{
		{"card kept", "AT+CFUN=15"},
		{"card reset", "AT+CFUN=16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := registeredRig(t, p)
			r.cmd(t, tc.restart)
			r.advance(t, time.Second)
			var cards int
			r.loop.Do(func() {
				cards = len(r.log.Kind(KindCard))
				r.m.SetCardPresent(false)
			})
			r.advance(t, time.Minute)
			if _, err := r.c.WaitURC("+CPIN: READY", 500*time.Millisecond); err == nil {
				t.Errorf("+CPIN: READY after the boot, the card gone")
			}
			if got := r.c.URCs(); slices.Contains(got, "+CPIN: SIM REMOVED") {
				t.Errorf("URCs %q: a card-gone URC from a restarting MT", got)
			}
			r.cmd(t, "ATE0;+CMEE=1") // the restart's defaults
			r.exchanges(t, []exchange{{"AT+CPIN?", "+CME ERROR: 10"}})
			var present []any
			for _, e := range r.log.Kind(KindCard)[cards:] {
				present = append(present, e.Get("present"))
			}
			if fmt.Sprint(present) != "[false]" {
				t.Errorf("card events since the restart: present %v, want [false]", present)
			}
		})
	}
}
