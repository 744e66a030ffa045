package harness

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/esimhil/esimhil/emulators/euicc"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/harness/scenario"
)

// scheduleSignal puts the signal plan on the clock. Timers of one instant
// fire in creation order, so the rig calls it before it schedules the
// itinerary: a stop at the instant of a change selects a network with the
// new signal, as "at `at` the cells get rsrp" says.
func (r *Rig) scheduleSignal() error {
	clk := r.Loop.Clock()
	for _, sc := range r.Scenario.Signal {
		sc := sc
		apply := func() {
			if err := r.World.SetRSRP(sc.Area, sc.Operator, sc.RSRP); err != nil {
				r.Log.Emit(eventlog.Harness, eventlog.KindError, eventlog.F{"reason": err.Error()})
				return
			}
			r.Modem.SignalChanged()
		}
		if sc.At <= 0 {
			if err := r.World.SetRSRP(sc.Area, sc.Operator, sc.RSRP); err != nil {
				return err
			}
			continue
		}
		clk.AfterFunc(sc.At, apply)
	}
	return nil
}

// schedulePowerCuts arms the power cuts.
func (r *Rig) schedulePowerCuts() {
	clk := r.Loop.Clock()
	r.World.SetInterrupt(r.cut.cutting)
	r.Card.SetInterrupt(r.cut.cutting)
	r.Card.SetCutDue(r.cut.due)
	for i, pc := range r.Scenario.Faults {
		if pc.Kind != scenario.PowerCut {
			continue
		}
		i, pc := i, pc
		// cut runs inside loop work: the power goes, and comes back Off
		// later on the virtual clock.
		cut := func(f eventlog.F) {
			r.awaitPeer()
			f["fault"], f["name"], f["target"], f["at"], f["entry"], f["off"] = string(pc.Kind), pc.Event, "device", "modem", i, pc.Off.String()
			r.Log.Emit(eventlog.Harness, eventlog.KindFault, f)
			r.Modem.PowerOff()
			// A cut while the power is off already (one at the instant
			// another's power comes back, one an event set off
			// meanwhile) keeps it off for its own off too: the power
			// comes back when the last cut has run out, not at the
			// first's end with the later cut lost.
			r.cutsOff++
			clk.AfterFunc(pc.Off, func() {
				if r.cutsOff--; r.cutsOff == 0 {
					r.Modem.PowerOn()
				}
			})
		}
		if pc.Event == scenario.PowerCutAt {
			// At a time: from loop work already (a timer), the card
			// between two pieces of work as a pulled plug finds it.
			clk.AfterFunc(pc.From, func() { cut(eventlog.F{}) })
			continue
		}
		// Events come from the loop and from the servers' goroutines.
		var seen atomic.Int64
		r.Log.Subscribe(func(e eventlog.Event) {
			if string(e.Kind) != pc.Event || (pc.Actor != "" && e.Actor != pc.Actor) {
				return
			}
			if seen.Add(1) != int64(pc.Nth) {
				return
			}
			// Events are emitted in the middle of an APDU or a callback:
			// the cut happens once that piece of work is over, and the
			// power comes back Off later on the virtual clock. The
			// world's attach is such a piece of work for each network it
			// tries: it stops at the event's attempt, and the modem does
			// nothing with it (the world's events come from loop work,
			// so where the attach stops is the same in every run). So
			// does the card's load of a package its applet downloaded
			// (the segments go in one after the other, in one piece of
			// work): it stops after the event's segment.
			// The card's applet's events: the cut comes after the step
			// that logged the event, before anything the card had queued
			// before it (a download waiting behind a note's exchange).
			if e.Actor == eventlog.World || e.Kind == euicc.KindBPPSegmentStored {
				r.cut.raise(cutNow)
			} else if e.Actor == eventlog.EUICC {
				r.cut.raise(cutAfterStep)
			}
			r.Loop.Post(func() {
				cut(eventlog.F{"nth": pc.Nth})
				r.cut.clear()
			})
		})
	}
}

// cutState is how near a power cut an event set off is: none, due once
// the card's current step is over, or under way. A cut under way is due
// too; two faults that fire before the first cut runs leave the nearer.
type cutState struct{ v atomic.Int32 }

const (
	cutNone int32 = iota
	// cutAfterStep: set off by an event the card's applet logged; the
	// card finishes that step but starts nothing an earlier step queued
	// (Card.SetCutDue).
	cutAfterStep
	// cutNow: set off by a world event or the card's
	// bpp_segment_stored; the world's attach, or the card's own work,
	// stops there (World.SetInterrupt, Card.SetInterrupt).
	cutNow
)

// raise makes the state at least to.
func (c *cutState) raise(to int32) {
	for {
		cur := c.v.Load()
		if cur >= to || c.v.CompareAndSwap(cur, to) {
			return
		}
	}
}

// clear ends the state once the cut is done.
func (c *cutState) clear() { c.v.Store(cutNone) }

// cutting says a cut is under way (Card.SetInterrupt, World.SetInterrupt).
func (c *cutState) cutting() bool { return c.v.Load() == cutNow }

// due says a cut comes once the card's current step is over
// (Card.SetCutDue); one under way is due as well.
func (c *cutState) due() bool { return c.v.Load() >= cutAfterStep }

// peerWait bounds, in wall time, how long a power cut waits for a server
// to handle what the card sent it (awaitPeer).
const peerWait = 5 * time.Second

// awaitPeer, at a power cut, waits until the server at the other end of
// the card's open data channel has handled everything the card wrote to
// it. What was sent is on its way and the server handles it at the cut's
// instant in any case (stkterm's abandonChannel); waiting puts the
// server's events of that instant before the cut's, in every run, instead
// of wherever its goroutine happens to be. A server that is not the rig's
// is not waited for; one that has not handled the request within peerWait
// (a partial request, a handler stuck) is logged as an error, since the
// order of that instant may then vary.
func (r *Rig) awaitPeer() {
	if r.Terminal == nil {
		return
	}
	f, ok := r.Terminal.OpenFlow()
	if !ok {
		return
	}
	var consumed func(netip.AddrPort, int64, time.Duration) bool
	name := ""
	if r.Platform != nil && r.Platform.Addr() == f.Remote {
		consumed, name = r.Platform.Consumed, "the platform"
	}
	for op, s := range r.SMDP {
		if s.Addr() == f.Remote {
			consumed, name = s.Consumed, "the SM-DP+ of "+op
		}
	}
	if consumed != nil && !consumed(f.Local, f.Sent, peerWait) {
		r.Log.Emit(eventlog.Harness, eventlog.KindError, eventlog.F{"reason": fmt.Sprintf(
			"power cut: %s had not handled the card's %d bytes within %v; the order of this instant's events may vary", name, f.Sent, peerWait)})
	}
}

// AwaitPower runs the rig until the modem is powered again when a power cut
// is in progress (one may start right at a run's horizon), plus the time
// the modem takes to boot and attach, so that AT queries find a modem that
// answers. A cut that strikes again during that minute (another fault of
// the plan) is waited out too. `esimhil run` does not use it: a run ends
// at its horizon, power or not (RunScenario); the exploration does, to read
// the card's profile list at the end of every case.
func (r *Rig) AwaitPower() error {
	for range len(r.Scenario.Faults) + 1 {
		if r.powered() {
			return nil
		}
		if _, err := r.Loop.RunUntil(r.Loop.Now().Add(scenario.MaxPowerOff), r.powered); err != nil {
			return err
		}
		if !r.powered() {
			return fmt.Errorf("modem still powered off after %v", scenario.MaxPowerOff)
		}
		if err := r.Advance(time.Minute); err != nil { // boot, card reset, attach
			return err
		}
	}
	if !r.powered() {
		return fmt.Errorf("modem powered off again after each of %d power-ons", len(r.Scenario.Faults)+1)
	}
	return nil
}

// Release lifts, after the run's end, what keeps a host from the card
// when a fault window is still open there: a hung AT port answers again
// at once, and an absent card is put back and read by the modem as at
// boot, which Release runs the rig until (at most a minute). Nothing else
// runs: a minute more of the run would let the card check and switch,
// which the read that follows — not the run's, the exploration's read of
// the card's profile list, whose card the absence left as it was — would
// show and the run's events not. `esimhil run` does not use it: its end
// state is `hung` or `absent` (RunToEnd).
func (r *Rig) Release() error {
	var out bool
	r.Loop.Do(func() {
		r.Modem.SetATHung(false)
		out = !r.Modem.CardOn()
		r.Modem.SetCardPresent(true)
	})
	if !out {
		return nil
	}
	// A modem that reads no card then (off, or its card's power taken
	// by +CFUN=0) leaves the read that follows to say so.
	_, err := r.AdvanceUntil(r.Now()+time.Minute, r.cardOn)
	return err
}

// cardOn reports whether the modem has a card it reads now, which a
// powered modem need not (its card out, +CFUN=0 took the card's power, or
// its reset not read yet): not the fact powered is.
func (r *Rig) cardOn() bool {
	var on bool
	r.Loop.Do(func() { on = r.Modem.CardOn() })
	return on
}

// powered reports whether the modem has power now.
func (r *Rig) powered() bool {
	var on bool
	r.Loop.Do(func() { on = r.Modem.Powered() })
	return on
}

// atHung reports whether the modem's AT port is hung now (at_port: hang).
func (r *Rig) atHung() bool {
	var hung bool
	r.Loop.Do(func() { hung = r.Modem.Hung() })
	return hung
}
