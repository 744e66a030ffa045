package euicc

import (
	"fmt"
	"slices"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc/applet"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// runtime hosts the applet between two resets. It turns effects into
// proactive commands (one at a time) and outcomes into events, strictly in
// order: effects run first-in first-out, and the effects of an event that
// answers an effect (LocalInfo, HTTPResult, ProfileEnabled, Boot) join the
// end of the queue. Envelopes from the terminal (timer expiration, location
// status) are stepped as they arrive; their effects queue the same way.
// A step's log lines and NVM writes are the exception: they are carried out
// as the step is taken (step), not behind an exchange queued before it.
//
// Every method runs with the card's mutex held.
type runtime struct {
	c       *Card
	m       method
	started bool   // TERMINAL PROFILE received
	profile []byte // TERMINAL PROFILE data
	queue   []queued
	cur     op // operation in progress, nil if none
	// steps counts the applet's steps; cutFrom is the step that logged
	// the event a power cut is due after (Card.SetCutDue), 0 if none.
	steps, cutFrom uint64
	num            byte
	// pending is the encoded proactive command waiting for FETCH (fetched
	// false) or for its TERMINAL RESPONSE (fetched true).
	pending    []byte
	pendingCmd stk.Command
	fetched    bool
	stopped    bool
	// tls is the TLS session cache, in RAM: lost with the runtime at a
	// reset or power off.
	tls tlsSessions
	// noTimers: the terminal has no toolkit timers — its profile
	// announces POLL INTERVAL but no timers (TS 102 223 §5.2), or it
	// refused a TIMER MANAGEMENT start —, so the card's run on its
	// STATUS polls (clk, polltimers.go).
	noTimers bool
	clk      pollClock
	// armed holds the applet's timers started in the terminal (TIMER
	// MANAGEMENT, not counted in polls) and not known to have ended,
	// each with its duration: a terminal whose toolkit restarts forgets
	// them, and the card starts them again (rearm).
	armed [BIPTimer]time.Duration
	// probe marks the timers rearm starts again that the old terminal
	// ran: the new one is asked first whether it still runs them
	// (timerOp), when its profile has TIMER MANAGEMENT's get current
	// value.
	probe [BIPTimer]bool
	// switched: the terminal answered an eUICC Profile State Change
	// REFRESH; the card resets itself before answering (Card.toolkit).
	switched bool
	// resetOwed: a REFRESH was issued in this runtime, so the card waits
	// for the reset it asks for; the reset ends the runtime, so while
	// the runtime lives it has not come, whatever the terminal answered
	// (a refusal, 20 while busy; or nothing yet). rearm asks again.
	resetOwed bool
}

// op is an effect being carried out through proactive commands.
type op interface {
	// start returns the first proactive command.
	start() stk.Command
	// response handles the terminal response to the last command: it
	// returns the next command, or done with the event to step (may be nil).
	response(tr stk.TerminalResponse) (next *stk.Command, done bool, ev applet.Event)
	// envelope handles an event download while the operation waits for the
	// terminal (BIP data available, channel status).
	envelope(env stk.Envelope) (next *stk.Command, done bool, ev applet.Event)
}

func newRuntime(c *Card) *runtime { return &runtime{c: c} }

// stop discards the runtime at reset or power off; an exchange in progress
// is abandoned (its protocol goroutine ends).
func (r *runtime) stop() {
	r.stopped = true
	if a, ok := r.cur.(interface{ abort() }); ok {
		a.abort()
	}
}

// pendingLen is the length of a proactive command waiting for FETCH, else 0.
func (r *runtime) pendingLen() int {
	if r == nil || r.pending == nil || r.fetched {
		return 0
	}
	return len(r.pending)
}

// busy reports a proactive session in progress (ES10c catBusy).
func (r *runtime) busy() bool { return r.cur != nil || r.pending != nil }

// sessionOpen reports whether a proactive command awaits FETCH or its
// TERMINAL RESPONSE; envelopes are then refused with 9300.
func (r *runtime) sessionOpen() bool { return r.pending != nil }

// terminalProfile starts the runtime on the first TERMINAL PROFILE after a
// reset: SET UP EVENT LIST, then Boot. A later one re-arms the terminal
// side (rearm). Either way the new profile's facilities are those in
// force: whether the card's timers run on TIMER MANAGEMENT or on polls.
func (r *runtime) terminalProfile(tp []byte) {
	r.profile = append([]byte(nil), tp...)
	p := stk.TerminalProfile(tp)
	r.noTimers = !p.Has(stk.FacTimerStartStop) && p.Has(stk.FacPollInterval)
	if r.started {
		r.rearm()
		return
	}
	r.started = true
	r.m = r.c.newMethod(r.c.appletConfig(), r.c.appletState)
	r.begin(&eventListOp{boot: applet.Boot{Profiles: r.c.appletProfiles()}})
	if r.c.refreshDue {
		// An ES10c switch with refreshFlag came before the toolkit
		// (askRefresh could not issue it): its REFRESH goes first.
		r.queue = append(r.queue, queued{applet.Refresh{}, r.steps})
	}
}

// rearm takes a TERMINAL PROFILE the card hears while its toolkit runs:
// the terminal's own toolkit restarted without resetting the card (a
// modem's +CFUN=1,1 that keeps the UICC powered). The profile download is
// the first command of a terminal's toolkit (TS 102 221 §11.2.1, TS 102
// 223 §5), and the card can learn of the restart from nothing else. A
// restarted terminal keeps none of its toolkit state: the event list
// (TS 102 223 §6.4.16 keeps it until the terminal's power off or reset),
// its timers (§6.4.21), its polling interval (§6.4.6), its channels
// (§6.4.27). So the card, without a reset of its own and without a
// second Boot of the applet (whose state machine knows of no reset):
//   - ends the proactive session the old terminal left open: a command
//     awaiting FETCH or its TERMINAL RESPONSE is dropped (the new
//     terminal never saw it, and no answer to it will come: only that
//     answer ends a proactive session, TS 102 223 §6.3). What it was for
//     is asked again when it can be (abandon);
//   - sends SET UP EVENT LIST again: without it no location status event
//     (TS 31.111 §7.5) reaches the card any more;
//   - starts the applet's timers again on the new terminal, or on its
//     polls when its profile has no timers: with what was left of those
//     counted in polls, with their whole duration for those the old
//     terminal ran (the card cannot read what elapsed of them there).
//
// The applet's queued effects run after that, in their order.
func (r *runtime) rearm() {
	// Logged first: what the card then does (a BIP exchange failed, a
	// REFRESH asked again) has its cause before it in the log.
	f := eventlog.F{}
	if r.pending != nil {
		f["dropped"] = stk.CommandName(r.pendingCmd.Details.Type)
	}
	var timers []queued
	getValue := stk.TerminalProfile(r.profile).Has(stk.FacTimerGetValue)
	for id := 1; id < BIPTimer; id++ {
		d := r.armed[id]
		r.probe[id] = d > 0 && getValue
		if r.clk.running[id] {
			d = r.clk.left[id]
		}
		r.armed[id], r.clk.running[id] = 0, false
		if d > 0 {
			timers = append(timers, queued{applet.StartTimer{ID: id, D: d}, r.steps})
		}
	}
	f["timers"] = len(timers)
	r.c.cfg.Log.Emit(eventlog.EUICC, KindToolkitRestarted, f)
	boot, redo, ch := r.abandon()
	var front []queued
	if r.resetOwed {
		// The switch the REFRESH was for is still half done: the new
		// terminal is asked for the reset (in the mode its profile
		// allows), whether the old one refused it, or dropped it
		// unanswered with its toolkit.
		r.resetOwed = false
		front = append(front, queued{applet.Refresh{}, r.steps})
	}
	if redo != nil {
		front = append(front, queued{redo, r.steps})
	}
	front = append(front, timers...)
	r.clk.running[BIPTimer] = false
	r.clk.mode, r.clk.every = pollNotAsked, 0 // the new terminal polls at its own pace, if asked
	r.queue = append(front, r.queue...)
	r.begin(&eventListOp{boot: boot, close: ch})
}

// abandon ends the operation the old terminal carried (rearm) and returns
// the Boot still owed if it was the first SET UP EVENT LIST, and the
// effect to carry out again on the new terminal: a location read is asked
// again (the applet still waits for it); a REFRESH needs nothing here,
// being owed until the card's reset (resetOwed); a timer's command needs
// nothing, the timers being started again from armed and the poll clock;
// a BIP exchange cannot be carried on (its channel was, as far as the
// card can tell, the old terminal's), so it ends as failed, the applet
// told as for any failed exchange, and ch is the channel it had open,
// closed after the new event list.
func (r *runtime) abandon() (boot applet.Event, redo applet.Effect, ch byte) {
	o := r.cur
	r.cur, r.pending, r.pendingCmd, r.fetched = nil, nil, stk.Command{}, false
	switch o := o.(type) {
	case *eventListOp:
		return o.boot, nil, o.close
	case *locationOp:
		return nil, applet.ReadLocation{}, 0
	case *bipOp:
		ev, ch := o.abandon()
		r.step(ev)
		return nil, nil, ch
	case nil, *timerOp, *pollOp, *refreshOp:
		// Nothing to ask again, as above.
	default:
		// An operation added since, not taught here: dropped, and the
		// log says so rather than the applet waiting without a word.
		r.errorf(KindSTKError, "the terminal's toolkit restarted during %T: dropped, nothing asked again", o)
	}
	return nil, nil, 0
}

// queued is an effect waiting its turn, with the step that made it.
type queued struct {
	e    applet.Effect
	step uint64
}

// step feeds ev to the applet. Its log lines and NVM writes are carried
// out at once, in their order: they are the step's own record, made at its
// instant (the NVM first where the applet put it first), and need nothing
// from the terminal, so an exchange queued before them (a location event
// stepped while a note was out) must not hold them back and stamp them
// late. The other effects queue (run). A step taken while the power is
// already being cut carries out nothing: it dies with the runtime.
func (r *runtime) step(ev applet.Event) {
	if ev == nil || r.m == nil {
		return
	}
	r.steps++
	n := r.steps
	gone := r.stopped || r.c.interrupted()
	due := r.c.cutIsDue()
	for _, e := range r.m.Step(ev) {
		switch e := e.(type) {
		case applet.Persist:
			if !gone {
				r.c.appletState = e.State
				r.c.persistLocked()
			}
		case applet.Log:
			if !gone {
				r.c.cfg.Log.Emit(eventlog.EUICC, e.Kind, eventlog.F(e.Fields))
			}
		default:
			r.queue = append(r.queue, queued{e, n})
		}
	}
	if !gone && !due && r.cutFrom == 0 && r.c.cutIsDue() {
		// This step logged the event a cut is due after: the cut lands
		// after the step, not after what an earlier step queued (run).
		r.cutFrom = n
	}
}

// run carries out queued effects until one needs the terminal, or the
// power is being cut (SetInterrupt). When a cut is due after an event a
// step logged (SetCutDue), that step's effects, and those of the steps
// they lead to in this piece of work, still run: an effect an earlier step
// queued does not start (a download queued behind a note does not leave
// after the note's acknowledgement, which the cut follows).
func (r *runtime) run() {
	if r.cutFrom != 0 && !r.c.cutIsDue() {
		r.cutFrom = 0 // no cut came after all: nothing is held back
	}
	for r.cur == nil && len(r.queue) > 0 && !r.stopped && !r.c.interrupted() {
		if r.cutFrom != 0 && r.queue[0].step < r.cutFrom {
			return
		}
		e := r.queue[0].e
		r.queue = r.queue[1:]
		// An enable and an ES10 function, the only effects that change the
		// card's own NVM (its profiles, notifications, addresses), write
		// it once the applet has stepped their result. That step writes
		// it with the applet's state, in one write, when it persists (the
		// applet's did for every such change in the package's and the
		// harness's tests); otherwise the write here does, still before
		// anything queued runs: nothing leaves the card, and no power cut
		// comes, between the two (a cut falls between pieces of work).
		// The other effects change no NVM: a write after each of them
		// only encoded the image again to find it the same.
		switch e := e.(type) {
		case applet.EnableProfile:
			res := r.c.enableProfile(r.c.findICCID(e.ICCID))
			r.step(applet.ProfileEnabled{ICCID: e.ICCID, Result: res})
			r.c.persistLocked()
		case applet.StartTimer:
			if e.ID < 1 || e.ID >= BIPTimer {
				r.errorf(KindSTKError, "applet timer %d outside 1..%d", e.ID, BIPTimer-1)
				continue
			}
			probe := r.probe[e.ID]
			r.probe[e.ID] = false
			if !r.noTimers {
				r.armed[e.ID] = e.D
				r.begin(&timerOp{r: r, id: e.ID, d: e.D, probe: probe})
				break
			}
			r.armed[e.ID] = 0
			r.startPollTimer(e.ID, e.D)
			if r.clk.mode == pollNotAsked {
				if cmd, ok := r.pollInterval(); ok {
					r.begin(&pollOp{r: r, cmd: cmd})
				}
			}
		case applet.StopTimer:
			if e.ID < 1 || e.ID >= BIPTimer {
				r.errorf(KindSTKError, "applet timer %d outside 1..%d", e.ID, BIPTimer-1)
				continue
			}
			r.armed[e.ID], r.probe[e.ID] = 0, false
			if r.noTimers {
				r.stopPollTimer(e.ID)
				break
			}
			r.begin(&timerOp{r: r, id: e.ID, stop: true})
		case applet.ReadLocation:
			r.begin(&locationOp{})
		case applet.HTTPPost:
			if !r.c.cfg.PlatformAddr.IsValid() {
				r.errorf(KindBIPError, "request %d %s: no platform address configured", e.ReqID, e.Path)
				r.step(applet.HTTPResult{ReqID: e.ReqID, Err: "no platform address configured", Unsent: true})
				continue
			}
			o, err := r.platformOp(e)
			if err != nil {
				r.errorf(KindBIPError, "request %d %s: %v", e.ReqID, e.Path, err)
				r.step(applet.HTTPResult{ReqID: e.ReqID, Err: err.Error(), Unsent: true})
				continue
			}
			r.begin(o)
		case applet.Refresh:
			r.refresh()
		case applet.ES10:
			// The card's own IPA: the same ISD-R code path as STORE DATA.
			resp, sw := r.c.es10(e.Req)
			r.step(applet.ES10Result{ReqID: e.ReqID, Resp: resp, SW: sw})
			r.c.persistLocked()
		case applet.ES9Call:
			o, err := r.es9Op(e)
			if err != nil {
				r.errorf(KindBIPError, "%s %s: %v", e.Function, e.Address, err)
				r.step(applet.HTTPResult{ReqID: e.ReqID, Err: err.Error(), Unsent: true})
				continue
			}
			r.begin(o)
		default:
			r.errorf(KindSTKError, "unknown effect %T", e)
		}
	}
}

// begin makes o the current operation and issues its first command.
func (r *runtime) begin(o op) {
	r.cur = o
	r.issue(o.start())
}

// issue encodes cmd as the pending proactive command.
func (r *runtime) issue(cmd stk.Command) {
	r.num++
	if r.num == 0 || r.num == 0xFF { // 00 and FF are not valid command numbers
		r.num = 1
	}
	cmd.Details.Number = r.num
	b, err := cmd.Encode()
	if err != nil {
		r.errorf(KindSTKError, "encode proactive command %02X: %v", cmd.Details.Type, err)
		r.finish(nil)
		return
	}
	r.pending, r.pendingCmd, r.fetched = b, cmd, false
}

// advance applies an operation's answer: the next command, or completion.
func (r *runtime) advance(next *stk.Command, done bool, ev applet.Event) {
	switch {
	case next != nil:
		r.issue(*next)
	case done:
		r.finish(ev)
	}
}

func (r *runtime) finish(ev applet.Event) {
	r.cur = nil
	r.step(ev)
	r.run()
}

// cardRefresh issues the REFRESH for an ES10c switch with refreshFlag
// (SGP.22 §3.2.1); the caller has checked the runtime is idle.
func (r *runtime) cardRefresh() {
	if !r.started || r.busy() {
		return
	}
	r.refresh()
}

// refresh issues REFRESH for a profile switch; the reset it asks for is
// owed from then on (resetOwed).
func (r *runtime) refresh() {
	r.resetOwed = true
	r.begin(&refreshOp{q: r.refreshMode()})
}

// refreshMode is the REFRESH qualifier after a profile switch: "eUICC
// Profile State Change" when the terminal profile announces it (SGP.22
// §3.2.1 and §3.2.2, TS 102 223 §6.4.7), else UICC reset, which every
// terminal with REFRESH supports.
func (r *runtime) refreshMode() byte {
	if stk.TerminalProfile(r.profile).Has(stk.FacRefreshEUICCProfile) {
		return stk.RefreshEUICCProfileChange
	}
	return stk.RefreshUICCReset
}

// errorf logs one of the runtime's error events.
func (r *runtime) errorf(kind eventlog.Kind, format string, a ...any) {
	r.c.cfg.Log.Emit(eventlog.EUICC, kind, eventlog.F{"reason": fmt.Sprintf(format, a...)})
}

// resultErrorf logs an error event for a toolkit command the terminal
// answered with res (TS 102 223 §8.12): the reason in words for people,
// res as the "result" field, written by the codec ("20/04") for readers
// to parse back with stk.ParseResult rather than out of the words.
func (r *runtime) resultErrorf(kind eventlog.Kind, res stk.Result, format string, a ...any) {
	r.c.cfg.Log.Emit(eventlog.EUICC, kind, eventlog.F{"reason": fmt.Sprintf(format, a...), "result": res.String()})
}

// appletConfig is the hosted applet's configuration, from the card's.
func (c *Card) appletConfig() applet.Config {
	return applet.Config{EID: c.cfg.EID, CheckInterval: c.cfg.CheckInterval, AttachWait: c.cfg.AttachWait, Backoff: c.cfg.Backoff, DeviceInfo: c.cfg.DeviceInfo}
}

// appletProfiles is the profile list as the applet sees it.
func (c *Card) appletProfiles() []applet.Profile {
	out := make([]applet.Profile, 0, len(c.profiles))
	for _, p := range c.profiles {
		out = append(out, applet.Profile{ICCID: p.ICCID, Operator: p.Operator, HomePLMN: p.HomePLMN(), EHPLMNs: slices.Clone(p.EHPLMNs), Enabled: p.Enabled, Original: p.Original})
	}
	return out
}

// profilesDeleted tells the running applet that profiles left the card at
// another LPA's request (ES10c DeleteProfile, eUICCMemoryReset): the card
// executed the delete, so the room it frees counts now, not at the next
// reset. An applet that has not booted since the last reset learns the
// list at its Boot. The step makes log lines and NVM writes only, which
// step carries out; nothing waits for the terminal.
func (c *Card) profilesDeleted() {
	if c.rt == nil || !c.rt.started {
		return
	}
	c.rt.step(applet.ProfilesDeleted{Profiles: c.appletProfiles()})
}
