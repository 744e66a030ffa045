package modem

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// atHome is the boot's registration in TestRestartEndsTheStacksTimers: on
// the HPLMN at once, so that the new life arms none of the timers the
// old one had (no T3410, no T3402, no search on a VPLMN).
var atHome = Registration{Stat: 1, PLMN: "20801", TAC: 0x3a9b, CellID: 0xc33d, AcT: 7, RSRP: -85}

// afterMark is what the modem did from event index ev and at.log offset
// al on, each line at its time since t0: the events, then the AT traffic.
func afterMark(r *rig, t0 time.Time, ev, al int) []string {
	var out []string
	for _, e := range r.log.Events()[ev:] {
		out = append(out, fmt.Sprintf("%v %s %v", e.T.Sub(t0), e.Kind, e.Fields))
	}
	for _, l := range strings.Split(strings.TrimSpace(r.atlog.String()[al:]), "\n") {
		stamp, rest, ok := strings.Cut(l, " ")
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if !ok || err != nil {
			out = append(out, "at.log "+l)
			continue
		}
		out = append(out, fmt.Sprintf("at.log %v %s", at.Sub(t0), strings.TrimSpace(rest)))
	}
	return out
}

// TestRestartEndsTheStacksTimers: a restart ends the life of the MT's
// protocol stack, and its timers with it (TS 24.301's timers are ME
// state): each timer armed before a restart — of either kind, the card
// reset or kept powered —, the clock then run past it, does nothing.
// The oracle is a twin modem restarted with nothing armed: from the
// restart on, the event log and the AT traffic (at their times since the
// restart) must be the twin's. The boot's attach registers on the HPLMN
// at once, so that the new life arms none of these timers itself.
func TestRestartEndsTheStacksTimers(t *testing.T) {
	withYAML := func(y string) func(t *testing.T) personality.Personality {
		return func(t *testing.T) personality.Personality {
			if y == "" {
				return personality.Generic()
			}
			p, err := personality.Generic().Override("epoch.yaml", []byte(y))
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	reselect := func(reg Registration) func(t *testing.T, r *rig) {
		return func(t *testing.T, r *rig) {
			r.net.reg = reg
			r.loop.Do(r.m.Reselect)
		}
	}
	silent := Registration{Stat: 2, PLMN: "20801", Timeout: true}
	homeRefused := atHome
	homeRefused.Refused = []emm.Reject{{PLMN: "20801", TAC: 0x3a9c, Cause: 15}}
	cases := []struct {
		name  string
		pers  func(t *testing.T) personality.Personality
		files map[uint16][]byte
		arm   func(t *testing.T, r *rig)
		armed func(m *Modem) bool // the timer under test is set
		// said is what the restart itself says of the armed work, beyond
		// the twin's: a held REFRESH is dropped, and logged so.
		said []string
	}{
		{"the attach delay (+CFUN=4, +CFUN=1)", withYAML(""), nil,
			func(t *testing.T, r *rig) { r.cmd(t, "AT+CFUN=4"); r.cmd(t, "AT+CFUN=1") },
			func(m *Modem) bool { return m.st.attachT != nil }, nil},
		{"T3410", withYAML(""), nil, reselect(silent),
			func(m *Modem) bool { return m.st.t3410 != nil }, nil},
		{"T3411", withYAML(""), nil,
			func(t *testing.T, r *rig) { reselect(silent)(t, r); r.advance(t, 15*time.Second) },
			func(m *Modem) bool { return m.st.attachT != nil && m.st.run.count == 1 }, nil},
		{"T3402", withYAML(""), nil, reselect(deniedOnSFR(17)),
			func(m *Modem) bool { return m.st.attachT != nil }, nil},
		{"the search for a higher priority PLMN", withYAML(""), hpplmn(0x01), reselect(onSFR),
			func(m *Modem) bool { return m.st.searchT != nil }, nil},
		{"the tracking-area lists' erase", withYAML(""), nil, reselect(homeRefused),
			func(m *Modem) bool { return m.st.taT != nil }, nil},
		{"refresh_delay", withYAML("refresh_delay: 5s\n"), nil,
			func(t *testing.T, r *rig) { r.loop.Do(func() { r.m.Refresh(stk.RefreshUICCReset) }) },
			func(m *Modem) bool { return m.st.refreshT != nil }, []string{"0s refresh_dropped map[qualifier:4]"}},
		{"a boot URC's delay", withYAML("boot_urcs: [RDY, \"+CPIN: READY\", \"SMS DONE\"]\nboot_urc_delays: [0s, 0s, 5s]\n"), nil,
			func(t *testing.T, r *rig) { r.loop.Do(func() { r.m.PowerOff(); r.m.PowerOn() }) },
			func(m *Modem) bool { return true }, nil},
		// The restart's own timer: a second restart in its window boots
		// once, when its own ends.
		{"a restart's boot", withYAML(""), nil, nil,
			func(m *Modem) bool { return m.st.restartT != nil }, nil},
	}
	restarts := []struct {
		name string
		do   func(m *Modem)
	}{
		{"+CFUN=1,1", func(m *Modem) { m.restart() }},
		{"card kept", func(m *Modem) { m.restartKeeping(true) }},
	}
	run := func(t *testing.T, p personality.Personality, files map[uint16][]byte, arm func(*testing.T, *rig), armed func(*Modem) bool, restart func(*Modem)) []string {
		r := newRigWith(t, p)
		r.card.mu.Lock()
		r.card.sized = true
		r.card.files[0x6FAD] = mustHex("00000002")
		for fid, b := range files {
			r.card.files[fid] = slices.Clone(b)
		}
		r.card.mu.Unlock()
		r.net.reg = atHome
		r.powerCycle(t)
		r.advance(t, 30*time.Second)
		if arm != nil {
			arm(t, r)
		}
		if armed != nil {
			r.loop.Do(func() {
				if !armed(r.m) {
					t.Fatal("the timer under test is not armed")
				}
			})
		}
		r.net.reg = atHome
		var t0 time.Time
		var ev, al int
		r.loop.Do(func() {
			t0, ev, al = r.loop.Now(), len(r.log.Events()), len(r.atlog.String())
			restart(r.m)
		})
		r.advance(t, 13*time.Hour) // past T3402, T and the lists' period
		r.cmd(t, "AT")             // the URCs so far read
		return afterMark(r, t0, ev, al)
	}
	for _, tc := range cases {
		for _, rs := range restarts {
			t.Run(tc.name+"/"+rs.name, func(t *testing.T) {
				p := tc.pers(t)
				arm := tc.arm
				if arm == nil { // the restart's boot: a first restart arms it
					arm = func(t *testing.T, r *rig) { r.loop.Do(func() { rs.do(r.m) }) }
				}
				got := run(t, p, tc.files, arm, tc.armed, rs.do)
				for _, l := range tc.said {
					i := slices.Index(got, l)
					if i < 0 {
						t.Fatalf("the restart did not say %q:\n%s", l, strings.Join(got, "\n"))
					}
					got = slices.Delete(got, i, i+1)
				}
				want := run(t, p, tc.files, nil, nil, rs.do)
				if !slices.Equal(got, want) {
					t.Errorf("after the restart:\n%s\nwant (nothing armed):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			})
		}
	}
}

// TestUnlockThenRestart: the +CPIN: READY a module sends once the command
// that unlocked the card has answered belongs to that stack's life: a
// restart later on the same line (AT+CPIN="1234";+CFUN=1,1) ends it
// first, and the boot then finds the card locked again (+CPIN: SIM PIN):
// no READY from an MT with no stack, nor one contradicting the boot's.
func TestUnlockThenRestart(t *testing.T) {
	r, _ := pinRig(t, true, "quectel-eg25")
	r.advance(t, time.Minute)
	r.cmd(t, "AT")
	n := len(r.atlog.String())
	r.cmd(t, `AT+CPIN="1234";+CFUN=1,1`)
	r.advance(t, time.Minute)
	r.cmd(t, "AT")
	got := r.atlog.String()[n:]
	if strings.Contains(got, "+CPIN: READY") || !strings.Contains(got, "+CPIN: SIM PIN") {
		t.Errorf("after the unlock and the restart:\n%s\nwant no +CPIN: READY, the boot's +CPIN: SIM PIN", got)
	}
}

// TestRestartEndsItsLine: the commands after +CFUN=1,1 on its line are
// lost with the stack it ends (a rebooting modem runs nothing): the line
// answers OK, the restart's, with no information text of the rest.
func TestRestartEndsItsLine(t *testing.T) {
	r := newRig(t)
	if got := r.cmd(t, "AT+CFUN=1,1;+CGMI;+CGSN"); len(got) != 0 {
		t.Errorf("AT+CFUN=1,1;+CGMI;+CGSN answered %q before its OK, want nothing: the modem restarts", got)
	}
	r.advance(t, time.Minute)
	r.cmd(t, "AT")
}
