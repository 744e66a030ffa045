package modem

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/es10"
)

const (
	orangeICCID = "89330123456789012342"
	sfrICCID    = "89331000000000000029"
)

// toolkitRig is a modem of personality p on the virtual eUICC with the
// real toolkit terminal, the card reached through the modem's contacts and
// a sniffer on them (the APDU lane); echo off, registered.
func toolkitRig(t *testing.T, p personality.Personality) (*rig, *sniffer) {
	t.Helper()
	// The applet's periodic check and attach wait as a harness sets them
	// (zero would be a timer of 0 s, started again as it fires).
	card, err := euicc.New(euicc.Config{EID: "89049032000001000000000000000171", CheckInterval: time.Hour, AttachWait: 2 * time.Minute, Profiles: []euicc.ProfileSpec{
		{ICCID: orangeICCID, Operator: "orange-fr", IMSI: "208011234567890", Enabled: true},
		{ICCID: sfrICCID, Operator: "sfr", IMSI: "208101234567890"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(card.PowerOff) // after the modem's close (start's cleanup)
	loop := clock.NewLoop(clock.NewVirtual(clock.Epoch))
	sn := &sniffer{}
	r := &rig{loop: loop, log: eventlog.New(loop.Now), net: &fakeNet{reg: roaming()}, atlog: &syncBuf{}, sn: sn}
	r.term = func(m *Modem) STK { return stkterm.New(m.Contacts(), m, loop, r.log) }
	r.start(t, card, p)
	r.cmd(t, "ATE0")
	r.advance(t, 30*time.Second)
	return r, sn
}

// locationEvents are the location status ENVELOPEs (TS 102 223 §7.5.4)
// the sniffer saw from its event from on, each as "<PLMN> <SW>".
func locationEvents(t *testing.T, sn *sniffer, from int) []string {
	t.Helper()
	var out []string
	for _, e := range sn.list()[from:] {
		f := strings.Fields(e)
		if len(f) != 2 {
			continue // an ATR, or an exchange not announced
		}
		cmd, err := hex.DecodeString(f[0])
		if err != nil || len(cmd) < 6 || cmd[1] != stk.InsEnvelope {
			continue
		}
		env, err := stk.ParseEnvelope(cmd[5:])
		if err != nil || env.Event != stk.EventLocationStatus {
			continue
		}
		plmn := "-"
		if env.Location != nil {
			plmn = env.Location.PLMN
		}
		out = append(out, plmn+" "+f[1][len(f[1])-4:])
	}
	return out
}

// move puts the device under another network's cell and has the modem
// select again, as the world does when it moves.
func (r *rig) move(t *testing.T, plmn string) {
	t.Helper()
	r.loop.Do(func() {
		r.net.reg = Registration{Stat: 5, PLMN: plmn, TAC: 0x1234, CellID: 0x5678, AcT: 7, RSRP: -90}
		r.m.Reselect()
	})
	r.advance(t, 30*time.Second)
}

// fetched lists the proactive commands the terminal fetched on the lane
// from its event from on, each as its TS 102 223 name and, for TIMER
// MANAGEMENT, its qualifier ("TIMER MANAGEMENT 02": get current value).
func fetched(sn *sniffer, from int) []string {
	var out []string
	for _, e := range sn.list()[from:] {
		f := strings.Fields(e)
		if len(f) != 2 || !strings.HasPrefix(f[0], "8012") {
			continue
		}
		rsp, err := hex.DecodeString(f[1])
		if err != nil || len(rsp) < 2 {
			continue
		}
		cmd, err := stk.ParseCommand(rsp[:len(rsp)-2])
		if err != nil {
			continue
		}
		name := stk.CommandName(cmd.Details.Type)
		if cmd.Details.Type == stk.CmdTimerManagement {
			name += fmt.Sprintf(" %02X", cmd.Details.Qualifier)
		}
		out = append(out, name)
	}
	return out
}

// hears reports whether the card took a location status event for plmn
// among got: answered 9000, or 91xx with a command of its own, not 9300.
func hears(got []string, plmn string) bool {
	return slices.ContainsFunc(got, func(e string) bool {
		return strings.HasPrefix(e, plmn+" 90") || strings.HasPrefix(e, plmn+" 91")
	})
}

// TestCardKeptRestartRearmsToolkit: after a restart that keeps the card
// powered (card_kept_restarts, u-blox's +CFUN=15) the terminal downloads
// its profile again, and the card, not reset, sends it SET UP EVENT LIST
// again: a move afterwards reaches the card as a location status
// ENVELOPE, as before the restart. Until 2026-12-07 the card ignored the
// second TERMINAL PROFILE, and the restarted terminal, its event list
// forgotten, sent the card no location event again until its next reset.
func TestCardKeptRestartRearmsToolkit(t *testing.T) {
	r, sn := toolkitRig(t, laraRestarts(t, ""))
	from := len(sn.list())
	r.move(t, "20810")
	if got := locationEvents(t, sn, from); !hears(got, "20810") {
		t.Fatalf("before the restart: location events %q, want 20810's taken", got)
	}

	r.cmd(t, "AT+CFUN=15")
	r.advance(t, time.Minute)
	if _, err := r.c.WaitURC("+CPIN: READY", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	restart := sn.list()[from:]
	if slices.ContainsFunc(restart, func(e string) bool { return strings.HasPrefix(e, "ATR ") }) {
		t.Fatalf("the card was reset (an ATR) by a restart that keeps it")
	}
	// The restarted terminal runs none of the card's timers: asked, it
	// says so, and the card starts its check again.
	if got := fetched(sn, from); !slices.Contains(got, "TIMER MANAGEMENT 02") || !slices.Contains(got, "TIMER MANAGEMENT 00") {
		t.Fatalf("after +CFUN=15 the terminal fetched %q, want the check timer asked for, then started", got)
	}
	from = len(sn.list())
	r.move(t, "20820")
	if got := locationEvents(t, sn, from); !hears(got, "20820") {
		t.Fatalf("after +CFUN=15: location events %q, want 20820's taken", got)
	}
}

// TestCardKeptRestartWithRefreshFetched: a REFRESH the terminal fetched
// just before a restart that keeps the card (the modem's refresh_delay
// holding it, the restart dropping it) leaves the card waiting for an
// answer no terminal will give. The card drops it at the new TERMINAL
// PROFILE and asks it again: the new terminal carries it out (the
// profile switch the host asked for completes), and the card is not left
// busy — the location status event of a move afterwards is taken, not
// refused 93 00. Until 2026-12-07 the card stayed busy until its next
// reset, the enabled profile switched in its NVM and the old one served.
func TestCardKeptRestartWithRefreshFetched(t *testing.T) {
	r, sn := toolkitRig(t, laraRestarts(t, "refresh_delay: 5s\n"))
	if got := r.cmd(t, `AT+CCHO="`+isdrAID+`"`); len(got) != 1 || got[0] != "+CCHO: 1" {
		t.Fatalf("+CCHO: %q", got)
	}
	enable := es10.SwitchRequest{Tag: es10.TagEnableProfile, Profile: es10.ProfileID{ICCID: sfrICCID}, Refresh: true}.Encode()
	cmd := append([]byte{0x81, 0xE2, 0x91, 0x00, byte(len(enable))}, enable...)
	got := r.cmd(t, fmt.Sprintf(`AT+CGLA=1,%d,"%X"`, 2*len(cmd), cmd))
	if len(got) != 1 || !strings.Contains(got[0], `"BF3103800100`) {
		t.Fatalf("EnableProfile: %q, want ok", got)
	}
	r.advance(t, time.Second) // the terminal fetched the REFRESH; the modem holds it 5 s
	r.cmd(t, "AT+CFUN=15")
	r.advance(t, 2*time.Minute)
	r.loop.Do(func() {
		if evs := r.log.Kind(KindRefreshLost); len(evs) != 1 {
			t.Errorf("refresh_dropped events %v, want the held REFRESH dropped by the restart", evs)
		}
		if evs := r.log.Kind(KindRefresh); len(evs) != 1 || evs[0].Get("qualifier") != int(stk.RefreshEUICCProfileChange) {
			t.Errorf("refresh events %v, want the REFRESH asked again carried out", evs)
		}
		cards := r.log.Kind(KindCard)
		if len(cards) == 0 || cards[len(cards)-1].Get("iccid") != sfrICCID {
			t.Errorf("card events %v, want the switched profile read last", cards)
		}
	})
	from := len(sn.list())
	r.move(t, "20820")
	if got := locationEvents(t, sn, from); !hears(got, "20820") {
		t.Fatalf("location events %q, want 20820's taken, not refused busy", got)
	}
}

// TestHostTerminalProfile: a TERMINAL PROFILE a host sends through +CSIM
// is, to the card, which cannot tell who sent it, a terminal whose
// toolkit restarted: the card answers 91xx with SET UP EVENT LIST, which
// the modem's own terminal fetches and carries out, and the location
// events of a move afterwards still reach the card.
func TestHostTerminalProfile(t *testing.T) {
	r, sn := toolkitRig(t, laraRestarts(t, ""))
	from := len(sn.list())
	tp := append([]byte{0x80, stk.InsTerminalProfile, 0, 0, byte(len(stkterm.Profile(true)))}, stkterm.Profile(true)...)
	got := r.cmd(t, fmt.Sprintf(`AT+CSIM=%d,"%X"`, 2*len(tp), tp))
	if len(got) != 1 || !strings.Contains(got[0], `"91`) {
		t.Fatalf("TERMINAL PROFILE through +CSIM: %q, want 91xx", got)
	}
	r.advance(t, time.Second)
	// The modem's terminal, whose toolkit ran on, still runs the card's
	// check timer: asked (get current value), it answers, and the card
	// leaves it running rather than push the check back.
	if got, want := fetched(sn, from), []string{"SET UP EVENT LIST", "TIMER MANAGEMENT 02"}; !slices.Equal(got, want) {
		t.Fatalf("after the host's TERMINAL PROFILE the terminal fetched %q, want %q", got, want)
	}
	from = len(sn.list())
	r.move(t, "20820")
	if got := locationEvents(t, sn, from); !hears(got, "20820") {
		t.Fatalf("location events %q, want 20820's taken", got)
	}
}
