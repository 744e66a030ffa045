package stkterm

import (
	"slices"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// statusCard is the fake card that also notes when each STATUS came.
type statusCard struct {
	*fakeCard
	at []time.Duration // since clock.Epoch
}

func (c *statusCard) Transmit(b []byte) []byte {
	if len(b) >= 2 && b[1] == 0xF2 {
		c.at = append(c.at, c.now().Sub(clock.Epoch))
	}
	return c.fakeCard.Transmit(b)
}

func newPollRig(t *testing.T) (*rig, *statusCard) {
	t.Helper()
	r := newRig(t)
	sc := &statusCard{fakeCard: r.card}
	r.term = New(sc, r.host, r.loop, nil)
	return r, sc
}

// POLL INTERVAL (TS 102 223 §6.4.6): the terminal answers with the
// interval it uses and sends STATUS at it on the virtual clock; a poll the
// card answers 91xx starts a proactive session; POLLING OFF (§6.4.14)
// ends the polls.
func TestPollInterval(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ask   stk.Duration
		every time.Duration
	}{
		{"5 s", stk.Duration{Unit: stk.UnitSeconds, Interval: 5}, 5 * time.Second},
		{"half a second: the 1 s minimum", stk.Duration{Unit: stk.UnitTenths, Interval: 5}, time.Second},
		{"1 min", stk.Duration{Unit: stk.UnitMinutes, Interval: 1}, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, sc := newPollRig(t)
			r.card.push(stk.NewPollInterval(1, tc.ask))
			r.start(t)
			tr := r.card.lastTR()
			if !tr.Result.OK() || tr.Duration == nil || tr.Duration.D() != tc.every {
				t.Fatalf("TR %+v, want OK with %s", tr, tc.every)
			}
			r.advance(t, 2*tc.every+tc.every/2)
			if want := []time.Duration{tc.every, 2 * tc.every}; !slices.Equal(sc.at, want) {
				t.Fatalf("STATUS at %v, want %v", sc.at, want)
			}
			// The card has a command for the next poll: POLLING OFF.
			r.card.push(stk.NewPollingOff(2))
			r.advance(t, tc.every)
			if tr := r.card.lastTR(); tr.Details.Type != stk.CmdPollingOff || !tr.Result.OK() {
				t.Fatalf("TR %+v, want POLLING OFF done", tr)
			}
			r.advance(t, 10*tc.every)
			if len(sc.at) != 3 {
				t.Fatalf("STATUS at %v: polls went on after POLLING OFF", sc.at)
			}
		})
	}
}

// A reset (Stop) ends polling, and a new POLL INTERVAL replaces the old
// interval rather than adding a second poller.
func TestPollingStopsAndReplaces(t *testing.T) {
	r, sc := newPollRig(t)
	r.card.push(stk.NewPollInterval(1, stk.Duration{Unit: stk.UnitSeconds, Interval: 5}),
		stk.NewPollInterval(2, stk.Duration{Unit: stk.UnitSeconds, Interval: 7}))
	r.start(t)
	r.advance(t, 15*time.Second)
	if want := []time.Duration{7 * time.Second, 14 * time.Second}; !slices.Equal(sc.at, want) {
		t.Fatalf("STATUS at %v, want %v", sc.at, want)
	}
	r.loop.Do(r.term.Stop)
	r.advance(t, time.Minute)
	if len(sc.at) != 2 {
		t.Fatalf("STATUS at %v after Stop", sc.at)
	}
}

// A terminal whose profile leaves out the timers refuses TIMER MANAGEMENT
// with 30 (beyond the terminal's capabilities), while it still polls: its
// profile says so, so the card can tell before asking.
func TestWithoutTimers(t *testing.T) {
	r, sc := newPollRig(t)
	r.term.SetProfile(WithoutTimers(Profile(true)))
	r.card.push(stk.NewTimerStart(1, 8, 30*time.Second), stk.NewPollInterval(2, stk.Duration{Unit: stk.UnitSeconds, Interval: 5}))
	r.start(t)
	p := stk.TerminalProfile(r.card.profile)
	if p.Has(stk.FacTimerStartStop) || p.Has(stk.FacTimerGetValue) || p.Has(stk.FacTimerExpiration) ||
		!p.Has(stk.FacPollInterval) || !p.Has(stk.FacPollingOff) || !p.Has(stk.FacOpenChannel) {
		t.Fatalf("profile % X", r.card.profile)
	}
	if len(r.card.trs) != 2 || r.card.trs[0].Result.General != stk.ResultBeyondCapabilities || !r.card.trs[1].Result.OK() {
		t.Fatalf("TRs %+v, want TIMER MANAGEMENT refused and POLL INTERVAL done", r.card.trs)
	}
	r.advance(t, time.Minute)
	if len(r.card.envs) != 0 {
		t.Fatalf("timer expiration from a terminal without timers: %+v", r.card.envs)
	}
	if len(sc.at) != 12 {
		t.Fatalf("%d polls in a minute at 5 s", len(sc.at))
	}
	// A terminal without POLL INTERVAL in its profile refuses it too.
	r2, _ := newPollRig(t)
	r2.term.SetProfile(Profile(true).Without(stk.FacPollInterval, stk.FacPollingOff))
	r2.card.push(stk.NewPollInterval(1, stk.Duration{Unit: stk.UnitSeconds, Interval: 5}), stk.NewPollingOff(2))
	r2.start(t)
	for _, tr := range r2.card.trs {
		if tr.Result.General != stk.ResultBeyondCapabilities {
			t.Fatalf("TR %+v, want 30", tr)
		}
	}
}

// The profile a modem downloads says it has no display and no keypad
// (TS 102 223 §5.2 byte 14 b6, b7): a module is headless, and a profile
// without them claims a display of 0 characters and keys (outside tester
// sw74), with or without the eUICC profile-state-change REFRESH.
func TestProfileIsHeadless(t *testing.T) {
	for _, psc := range []bool{false, true} {
		p := Profile(psc)
		if !p.Has(stk.FacNoDisplay) || !p.Has(stk.FacNoKeypad) || len(p) < 14 || p[13]&0x1F != 0 {
			t.Errorf("profile %X (state change %v): byte 14 must say no display, no keypad", []byte(p), psc)
		}
		if p.Has(stk.FacRefreshEUICCProfile) != psc {
			t.Errorf("profile %X: eUICC profile state change %v, want %v", []byte(p), !psc, psc)
		}
	}
}
