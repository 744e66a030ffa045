package euicc

import (
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// Toolkit timers without TIMER MANAGEMENT. A terminal may have no timers
// (its TERMINAL PROFILE leaves TIMER MANAGEMENT out, or it answers the
// command with an error such as 30, beyond its capabilities), yet no wait
// of the card may go unbounded: the applet's periodic check and attach
// wait, and the BIP reply guard. The card then asks the terminal for
// proactive polling (POLL INTERVAL, TS 102 223 §6.4.6): the terminal sends
// STATUS at the interval it grants (TS 102 221 §11.1.2), and the card runs
// its timers on those polls, as toolkit applets without a timer count the
// status event (TS 102 241's EVENT_STATUS_COMMAND). A timer expires at the
// first poll at or after its duration, so it is late by less than one
// interval. Polling stays on until the card's next reset, as terminals
// poll in idle anyway; a terminal that refuses POLL INTERVAL too leaves
// the card no clock: its exchanges end at once (bipOp), and its periodic
// check is logged as impossible.

// BIPPollInterval is the polling interval the card asks for when the
// terminal has no timers.
const BIPPollInterval = 5 * time.Second

type pollMode int

const (
	pollNotAsked pollMode = iota
	pollAsking            // POLL INTERVAL in progress
	pollOn
	pollRefused // the terminal cannot poll for the card either
)

// pollClock holds the card's timers, 1..BIPTimer, counted in polls.
type pollClock struct {
	mode  pollMode
	every time.Duration // the interval granted
	// left is the time each running timer still has; running says which.
	left    [BIPTimer + 1]time.Duration
	running [BIPTimer + 1]bool
}

func (r *runtime) startPollTimer(id int, d time.Duration) {
	r.clk.left[id], r.clk.running[id] = d, true
}

func (r *runtime) stopPollTimer(id int) { r.clk.running[id] = false }

// pollInterval is the POLL INTERVAL command the card asks with, or false
// when the terminal profile does not announce it (then the card has no
// clock).
func (r *runtime) pollInterval() (stk.Command, bool) {
	if !stk.TerminalProfile(r.profile).Has(stk.FacPollInterval) {
		r.clk.mode = pollRefused
		r.errorf(KindSTKError, "no toolkit timers: the terminal has neither TIMER MANAGEMENT nor POLL INTERVAL")
		return stk.Command{}, false
	}
	r.clk.mode = pollAsking
	return stk.NewPollInterval(0, stk.Duration{Unit: stk.UnitSeconds, Interval: byte(BIPPollInterval / time.Second)}), true
}

// pollAnswer takes the terminal's answer to POLL INTERVAL and reports
// whether polling is on. A refusal was logged with the terminal response.
func (r *runtime) pollAnswer(tr stk.TerminalResponse) bool {
	switch {
	case !tr.Result.OK():
		r.clk.mode = pollRefused
	case tr.Duration == nil || tr.Duration.D() <= 0:
		r.clk.mode = pollRefused
		r.errorf(KindSTKError, "POLL INTERVAL: result %s without the interval the terminal polls at", tr.Result)
	default:
		r.clk.mode, r.clk.every = pollOn, tr.Duration.D()
	}
	return r.clk.mode == pollOn
}

// statusPoll is the terminal's STATUS outside a proactive session: with
// polling on, one interval has passed for every running timer. Expired
// timers go out in timer order: the reply guard to the exchange that
// armed it, the others to the applet as TimerExpired.
func (r *runtime) statusPoll() {
	if r == nil || !r.started || r.sessionOpen() || r.clk.mode != pollOn {
		return
	}
	var expired []int
	for id := 1; id <= BIPTimer; id++ {
		if !r.clk.running[id] {
			continue
		}
		if r.clk.left[id] -= r.clk.every; r.clk.left[id] <= 0 {
			r.clk.running[id] = false
			expired = append(expired, id)
		}
	}
	for _, id := range expired {
		if id == BIPTimer {
			if o, ok := r.cur.(*bipOp); ok {
				r.advance(o.guardExpired())
			}
			continue
		}
		r.step(applet.TimerExpired{ID: id})
	}
	r.run()
}

// pollOp asks the terminal for polling, for applet timers started before
// polling was on.
type pollOp struct {
	r   *runtime
	cmd stk.Command
}

func (o *pollOp) start() stk.Command { return o.cmd }

func (o *pollOp) response(tr stk.TerminalResponse) (*stk.Command, bool, applet.Event) {
	o.r.pollAnswer(tr)
	return nil, true, nil
}

func (o *pollOp) envelope(stk.Envelope) (*stk.Command, bool, applet.Event) {
	return nil, false, nil
}
