package stkterm

import (
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// minPollInterval is the shortest polling interval the terminal grants.
const minPollInterval = time.Second

// statusPoll is the STATUS command of proactive polling (TS 102 221
// §11.1.2: P1 00, P2 0C, no data returned).
var statusPoll = []byte{0x80, 0xF2, 0x00, 0x0C, 0x00}

// pollState is proactive polling at one interval; a stale callback finds
// another (or none) in Terminal.polls.
type pollState struct {
	every time.Duration
	timer clock.Timer
}

// pollInterval runs POLL INTERVAL (TS 102 223 §6.4.6): from now on the
// terminal sends STATUS every interval asked for (at least
// minPollInterval) on the virtual clock, and answers with the interval it
// uses. This terminal polls only while a card asked it to (until POLLING
// OFF or a reset), so runs whose card never asks see no STATUS at all.
func (t *Terminal) pollInterval(c stk.Command) stk.TerminalResponse {
	if !t.profile.Has(stk.FacPollInterval) {
		return stk.Respond(c, result(stk.ResultBeyondCapabilities))
	}
	d := c.Duration
	if d.D() < minPollInterval {
		d = stk.Duration{Unit: stk.UnitSeconds, Interval: byte(minPollInterval / time.Second)}
	}
	t.stopPolling()
	t.polls = &pollState{every: d.D()}
	t.schedulePoll(t.polls)
	r := stk.Respond(c, result(stk.ResultOK))
	r.Duration = &d
	return r
}

// pollingOff runs POLLING OFF (TS 102 223 §6.4.14).
func (t *Terminal) pollingOff(c stk.Command) stk.TerminalResponse {
	if !t.profile.Has(stk.FacPollingOff) {
		return stk.Respond(c, result(stk.ResultBeyondCapabilities))
	}
	t.stopPolling()
	return stk.Respond(c, result(stk.ResultOK))
}

func (t *Terminal) stopPolling() {
	if t.polls != nil {
		t.polls.timer.Stop()
		t.polls = nil
	}
}

func (t *Terminal) schedulePoll(ps *pollState) {
	ps.timer = t.loop.Clock().AfterFunc(ps.every, func() {
		if t.polls != ps {
			return
		}
		t.poll()
		if t.polls == ps { // the session the poll started may have ended it
			t.schedulePoll(ps)
		}
	})
}

// poll sends one STATUS and runs the proactive session the card answers
// 91xx for. A poll that falls in a session is skipped: the card is busy
// with the terminal already.
func (t *Terminal) poll() {
	if !t.running || t.inSession || t.fetchPosted {
		return
	}
	resp := t.exchange(statusPoll)
	if sw1, sw2, ok := sw(resp); ok && sw1 == 0x91 {
		t.session(sw2)
	}
}
