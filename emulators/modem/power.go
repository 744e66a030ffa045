package modem

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/stk"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// boot powers the card, starts the toolkit terminal, reads the card's
// identities and schedules the attach. It runs inside loop work.
func (m *Modem) boot() { m.bootThen(nil) }

func (m *Modem) bootThen(afterRead func()) { m.bootCard(false, false, afterRead) }

// bootCard is boot with afterRead run once the card is read (or found
// absent) and before the attach starts: the URCs that say the card is
// ready (+QUSIM: 1, +CPIN: READY) come before the scan that needs its
// IMSI (+CEREG: 2 under searching_urc), as a field EG25 shows them.
//
// warm initialises a card that reset itself (eUICC Profile State Change):
// no electrical reset, no ATR, the rest as after one. afterAnswer leaves
// afterRead and the attach until the command that powered the card has
// answered (+CFUN=1 or 4 after +CFUN=0): the card is read at once — a host's
// +CPIN? right after finds it ready —, its URCs and the scan follow the
// OK.
func (m *Modem) bootCard(warm, afterAnswer bool, afterRead func()) {
	if afterRead == nil {
		afterRead = func() {}
	}
	m.st.cardGen++
	m.st.cardBackDue = nil
	if afterAnswer {
		// Due once the command has its OK, or sooner if anything
		// reports the registration first (flushCardBack): the card's
		// URCs never follow the scan they precede (outside testers
		// sw124, sw125).
		say, gen := afterRead, m.st.cardGen
		afterRead = func() {
			if !m.st.cardOn {
				return
			}
			m.st.cardBackDue = say
			m.loop.Post(func() {
				if m.st.off || m.st.restarting || m.st.cardGen != gen || m.st.cardBackDue == nil {
					return // a reset since, or said already: the attach ran with it
				}
				m.flushCardBack()
				m.scheduleAttach()
			})
		}
	}
	m.st.channels = map[int]bool{}
	if !warm {
		atr := m.resetCard()
		m.st.cardOn = len(atr) > 0
	}
	m.forgetUSIM()
	m.st.forbidden = map[string]bool{}
	m.st.usimInvalid = nil // a USIM read again is valid again
	if !m.st.cardOn {
		m.forgetMELists() // the UICC removed (TS 23.122 §3.1)
		m.emit(KindCard, eventlog.F{"present": false})
		m.owedDetach()
		afterRead()
		return
	}
	if s := m.getSTK(); s != nil {
		if err := s.Start(); err != nil {
			m.emit(KindSTKError, eventlog.F{"error": err.Error()})
		}
	}
	iccid, filler, err := m.readICCID()
	if err != nil {
		m.emit(KindCardError, eventlog.F{"error": err.Error()})
	}
	m.st.iccid, m.st.iccidFiller = iccid, filler
	// The user verification comes before the USIM's files (TS 31.102
	// §5.1.1): while PIN1 is required EF IMSI does not read, so there is
	// no subscriber to attach until the host enters the PIN.
	pin, err := m.pinState()
	if err != nil {
		m.emit(KindCardError, eventlog.F{"error": err.Error()})
		pin = pinReady
	}
	m.st.pin = pin
	f := eventlog.F{"present": true, "iccid": iccid, "imsi": ""}
	if pin == pinReady {
		imsi, err := m.readIMSI()
		if err != nil {
			m.emit(KindCardError, eventlog.F{"error": err.Error()})
		}
		m.st.imsi = imsi
		f["imsi"] = imsi
		m.loadUSIM()
	} else {
		f["pin"] = pin
	}
	m.emit(KindCard, f)
	afterRead()
	if !afterAnswer {
		m.scheduleAttach()
	}
}

// flushCardBack says the card-back URCs still due (bootCard's
// afterAnswer) before anything reports the registration.
func (m *Modem) flushCardBack() {
	if say := m.st.cardBackDue; say != nil {
		m.st.cardBackDue = nil
		say()
	}
}

// T3410 is the attach timer (emm.T3410): how long the modem waits for an
// answer to its ATTACH REQUEST.
const T3410 = emm.T3410

func (m *Modem) scheduleAttach() {
	m.cancelAttach()
	if m.st.fun != 1 || m.st.copsOff {
		return
	}
	// The scan starts now; the attach's outcome comes AttachDelay later.
	m.scanning()
	m.afterScan(m.attach)
}

// afterScan runs attach (a new selection, or the run's next attempt) once
// the attach's scan has taken its time (AttachDelay), as the pending
// attach cancelAttach stops.
func (m *Modem) afterScan(attach func()) {
	m.st.attachT = m.afterFunc(m.o.AttachDelay, func() {
		m.st.attachT = nil
		attach()
	})
}

// scanning is the start of an attach from not registered: a modem that
// reports its scan (searching_urc) shows searching before the outcome,
// whether the attach is its own or the host's (+COPS=0, +CGATT=1); one
// that shows a switch's detach as the scan (refresh_stat 2) does after a
// REFRESH.
func (m *Modem) scanning() {
	owed := m.st.refreshScan
	show := m.o.Personality.SearchingURC || owed
	if show && m.st.cardOn && m.st.imsi != "" && m.st.fun == 1 && !m.st.reg.Registered() {
		m.st.refreshScan = false
		m.setReg(Registration{Stat: 2})
		return
	}
	m.owedDetach()
}

// owedDetach says the detach a refresh_stat 2 module left unsaid when no
// scan follows to show it (a new profile whose PIN1 keeps its IMSI
// unread, a card gone): the URCs must not keep the old registration
// (outside tester sw122).
func (m *Modem) owedDetach() {
	if m.st.refreshScan {
		m.st.refreshScan = false
		m.regURCs(m.st.quietFrom, m.st.reg)
	}
}

// afterFunc runs f after d unless the life of the modem's protocol stack
// it was armed in has ended meanwhile (epoch: a power cut, a restart, the
// boot after either) or the modem was closed: the stack's timers die
// with it (TS 24.301's timers are ME state), whether or not the code
// that ended it remembered to stop each one.
func (m *Modem) afterFunc(d time.Duration, f func()) clock.Timer {
	epoch := m.st.epoch
	return m.loop.Clock().AfterFunc(d, func() {
		// Closed, the modem's timers stay on the loop's clock (a rig's
		// other actors run on): none acts.
		if m.st.off || m.st.epoch != epoch || m.isClosed() {
			return
		}
		f()
	})
}

// cancelAttach stops a scheduled attach and an attach waiting for the
// network's answer.
func (m *Modem) cancelAttach() {
	stopTimer(&m.st.attachT)
	stopTimer(&m.st.t3410)
}

// stopTimer stops the timer *t if one is set and clears it.
func stopTimer(t *clock.Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

// T3411 is how long a UE waits, after an abnormal failure below the
// attach attempt counter's limit, before it restarts the attach on the
// same PLMN (emm.T3411).
const T3411 = emm.T3411

// attachRun is the attach attempt counter (TS 24.301 §5.5.1.1) and the
// selection it counts in. A new selection starts one afresh (attach):
// switch-on, a move (new cells, a new tracking area), T3402's expiry, the
// host's +COPS and +CGATT; selecting another PLMN resets the counter; the
// T3411 restarts and the PLMN selection after the fifth expiry keep it.
type attachRun struct {
	plmn  string // the PLMN the counter counts on; "" none yet
	count int    // T3410 expiries on plmn
	// search: the run is the periodic search's (TS 23.122 §4.4.3.3.1),
	// whose order the selection keeps after a PLMN's attempts ran out.
	search bool
	failed []string // the PLMNs done with (emm.Selection.Failed)
	// rplmn is the RPLMN when the run began: PLMN selection going on past
	// a failed PLMN keeps the order made then (TS 23.122 §4.4.3.1.1, a
	// registration failure moves to the next PLMN in the list; the
	// search's, §4.4.3.3.1, ends on the VPLMN), though the failure may
	// have deleted the RPLMN since (forgetLocation) for the next selection.
	rplmn string
}

// on is an attempt on plmn: selecting another PLMN resets the counter
// (§5.5.1.1); a restart on the same one keeps it.
func (run *attachRun) on(plmn string) {
	if plmn != run.plmn {
		run.plmn, run.count = plmn, 0
	}
}

// giveUp is the selection done with the PLMN the counter ran on: it goes
// on past it (emm.Selection.Failed), no counter running.
func (run *attachRun) giveUp() {
	run.failed = append(run.failed, run.plmn)
	run.plmn, run.count = "", 0
}

// attach registers through the network, a new selection: the attach
// attempt counter starts afresh. Without a readable IMSI there is no
// subscriber to attach, so the modem stays unregistered.
func (m *Modem) attach() {
	m.st.run = attachRun{search: m.st.searching, rplmn: m.st.rplmn}
	m.attempt()
}

// attempt is one attach procedure of the run under way (attachRun): the
// selection's, a T3411 restart's on the PLMN whose counter runs, or the
// PLMN selection that goes on once its attempts ran out.
func (m *Modem) attempt() {
	if m.st.off || !m.st.cardOn || m.st.imsi == "" || m.st.fun != 1 || m.st.copsOff {
		m.setReg(Registration{})
		m.selectionEnded()
		return
	}
	if m.st.usimInvalid != nil {
		// No attach on a USIM a network declared invalid: the denial
		// stands until the card is read again.
		m.setReg(*m.st.usimInvalid)
		m.selectionEnded()
		return
	}
	r := m.selectAndAttach()
	if r.Interrupted {
		return
	}
	if !r.Timeout {
		if r.Stat == 2 && r.CellID == 0 && m.o.Personality.NoServiceStat0 {
			r.Stat = 0 // no cell found: not searching, for this module
		}
		m.setReg(r)
		switch {
		case invalidates(r):
			// Kept without its selection's rejects, acted on now: a UE
			// acts on a reject once (TS 24.301 §5.5.1.2.5), and showing
			// the denial again at each later attach must not store a
			// tracking area again (restarting the lists' period after it
			// ran out) nor write a #11 to EF FPLMN again. The denial's
			// own cause (#3, #6, #7, #8) forbids nothing.
			inv := r
			inv.Refused = nil
			m.st.usimInvalid = &inv
		case counted(r):
			// An abnormal reject (§5.5.1.2.6 d) counts as T3410's expiry
			// does. The denial shows (27.007 <stat> 3 with the cause, as
			// modems show a #19) until the outcome of what follows.
			if sel := m.st.selecting; sel != nil {
				sel.timedOut = false
			}
			run := &m.st.run
			run.on(r.PLMN)
			m.emit(KindAttachRejected, eventlog.F{"plmn": r.PLMN, "cause": r.Cause, "attempt": run.count + 1})
			if emm.EndsAttempts(r.Cause) || m.o.Personality.AbnormalRejectMovesOn {
				// A protocol error sets the counter to 5 (and any
				// abnormal cause does for abnormal_reject_moves_on):
				// attemptFailed's increment brings it there, PLMN
				// selection at once.
				run.count = emm.MaxAttachAttempts - 1
			}
			shown := r
			shown.Refused = nil // acted on above (setReg): once
			m.attemptFailed(r.PLMN, shown)
			return
		case !r.Registered():
			m.retryAttach()
		}
		m.selectionEnded()
		return
	}
	if sel := m.st.selecting; sel != nil {
		sel.timedOut = true
	}
	run := &m.st.run
	restart := r.PLMN == run.plmn && run.count > 0
	run.on(r.PLMN)
	// The network does not answer: EMM-REGISTERED-INITIATED shows as
	// searching until T3410 expires, then ATTEMPTING-TO-ATTACH as not
	// registered, and a T3411 restart says nothing until its outcome, as a
	// field EG25 shows it (fixtures/field/reattach-slower-than-wait:
	// +CEREG: 2, +CEREG: 0 15 s later, no URC at the restart 10 s after).
	// The networks that refused before the unanswered one count as the
	// others' rejects do (storeForbidden): the UE acted on each as it came.
	shown := Registration{Stat: 2, Refused: r.Refused}
	if restart {
		shown.Stat = m.st.reg.Stat
	}
	m.setReg(shown)
	plmn := r.PLMN
	m.st.t3410 = m.afterFunc(T3410, func() {
		m.st.t3410 = nil
		m.t3410Expired(plmn)
	})
}

// t3410Expired is TS 24.301 §5.5.1.2.6 c: the attach procedure is
// aborted and the attach attempt counter incremented (attemptFailed);
// until the outcome the modem shows not registered.
func (m *Modem) t3410Expired(plmn string) {
	m.emit(KindAttachTimeout, eventlog.F{"plmn": plmn, "timer": "T3410", "attempt": m.st.run.count + 1})
	m.attemptFailed(plmn, Registration{})
}

// attemptFailed is TS 24.301 §5.5.1.2.6 for an attach attempt on plmn
// that failed abnormally — T3410's expiry (c) or an ATTACH REJECT with a
// cause §5.5.1.2.5 does not treat (d, emm.Abnormal): the attach attempt
// counter is incremented; below 5, T3411 starts and the attach restarts
// on plmn at its expiry; at 5, the UE deletes its location
// (forgetLocation: EU2, the RPLMN gone), T3402 starts and the UE performs
// PLMN selection (TS 23.122): automatic selection goes on with the next
// PLMN in its order (mode 4's manual attempt has failed: automatic too,
// 27.007 §7.3); with none left, or in manual mode (+COPS=1: no other
// PLMN, §4.4.3.1.2), shown until T3402's expiry — and a pending +COPS=1
// answers then (+CME ERROR: 31 or the reject's): that is when the
// registration attempt on the host's network ends. shown is what the
// modem shows meanwhile: not registered after T3410, the denial after a
// reject.
func (m *Modem) attemptFailed(plmn string, shown Registration) {
	run := &m.st.run
	run.count++
	if emm.RetriesAttach(run.count) {
		m.setReg(shown)
		next := run.count + 1
		m.st.attachT = m.afterFunc(T3411, func() {
			m.st.attachT = nil
			m.emit(KindAttachRetry, eventlog.F{"plmn": plmn, "timer": "T3411", "attempt": next})
			if m.o.Personality.RestartSearching {
				// restart_searching: the restart shows as trying to
				// attach (27.007 <stat> 2), its outcome the attach's
				// time later, as a selection's scan.
				m.setReg(Registration{Stat: 2})
				m.afterScan(m.attempt)
				return
			}
			m.attempt()
		})
		return
	}
	// The counter at 5: the GUTI and the last visited registered TAI
	// deleted, EU2 NOT UPDATED (§5.5.1.2.6): no RPLMN for the next
	// selection; the one that goes on keeps its order (attachRun.rplmn).
	m.forgetLocation(plmn, emm.AttemptsRanOut)
	run.giveUp()
	if m.st.copsMode == 4 {
		// +COPS=4's fallback: automatic selection begins now, past the
		// host's network, in the order of the RPLMN as it is now (none:
		// just deleted), as after a reject (selectAndAttach).
		m.st.copsMode, m.st.copsPLMN = 0, ""
		run.rplmn = m.st.rplmn
	}
	if m.st.copsMode == 0 && m.remaining() {
		m.attempt()
		return
	}
	m.setReg(shown)
	m.retryAttach()
	m.selectionEnded()
}

// remaining reports whether automatic selection has a network left to
// try in the run under way (emm.Selection.Remaining).
func (m *Modem) remaining() bool {
	visible, home := m.visibleTAIs()
	return m.selection().Remaining(visible, home)
}

// T3402 is how long a UE waits before it tries to attach again after the
// attempts failed (emm.T3402).
const T3402 = emm.T3402

// retryAttach schedules the next attempt after a denial, no service or
// the attach attempts run out on every network (T3402), so a network
// that comes back (or stops rejecting) is found again without a host
// command. Its expiry starts a new selection, the counter afresh.
func (m *Modem) retryAttach() {
	m.st.attachT = m.afterFunc(T3402, func() {
		m.st.attachT = nil
		m.attach()
	})
}

// Reselect re-runs network selection and attach now, for a world whose
// cells changed under the device (moving, a cell going down). Call it from
// inside loop work. Without power, or restarting — the MT's stack down
// until its boot, whose own attach finds the world as it is then, a
// card it kept powered included —, it does nothing. (The epoch stops
// the old life's work; this is new work arriving in the window, which
// the epoch cannot tell from the next life's.)
func (m *Modem) Reselect() {
	if m.st.off || m.st.restarting {
		return
	}
	m.cancelAttach()
	m.attach()
}

// SignalChanged takes the serving cell's signal from the network again,
// after the world changed an RSRP, so that +CSQ, +CESQ and the toolkit's
// location information follow it; it does not re-attach. Call it from
// inside loop work.
func (m *Modem) SignalChanged() {
	r := &m.st.reg
	if m.st.off || !r.Registered() {
		return
	}
	for _, c := range m.o.Network.Cells() {
		if c.PLMN == r.PLMN && c.TAC == r.TAC && c.CellID == r.CellID {
			r.RSRP = c.RSRP
			m.signalURC()
			return
		}
	}
}

// PowerOff cuts the power of the modem and the card, as a pulled battery
// does: the network registration ends without any URC, the toolkit stops,
// the card is deactivated, and every piece of work already queued for the
// modem (a posted REFRESH, the attach timer, T3410, a restart) becomes a
// no-op. Until PowerOn the modem ignores the host. It logs power {on:
// false}; a second PowerOff does nothing. Call it from inside loop work.
func (m *Modem) PowerOff() {
	if m.st.off {
		return
	}
	m.st.off = true
	m.st.epoch++
	m.forgetLines()
	// A command waiting for its answer gets none, nor the lines after it.
	m.st.pending, m.st.selecting = nil, nil
	m.cancelAttach()
	m.stopSearch()
	stopTimer(&m.st.restartT)
	m.st.restarting = false
	if m.st.reg.Stat != 0 {
		m.o.Network.Detach()
	}
	m.st.reg = Registration{} // silently: there is no one left to send a URC
	if s := m.getSTK(); s != nil {
		s.Stop()
	}
	m.o.Card.PowerOff()
	m.st.cardOn = false
	m.forgetUSIM() // read again at power-on
	m.st.channels = map[int]bool{}
	m.forgetMELists() // switched off: the ME's lists go (TS 23.122 §3.1)
	m.emit(KindPower, eventlog.F{"on": false})
	m.dropHeldRefresh() // after the cause, in the log too
}

// PowerOn restores the power after PowerOff and boots as a fresh modem:
// settings back to their defaults (+CEREG URCs off, echo on, the +CGDCONT
// contexts), RDY, card reset, toolkit start, and the attach AttachDelay
// later. It logs power {on: true}; while powered it does nothing. Call it
// from inside loop work.
func (m *Modem) PowerOn() {
	if !m.st.off {
		return
	}
	m.st.off = false
	m.st.epoch++
	m.resetSettings()
	m.st.pdp.reset()
	m.st.fun, m.st.funShown = 1, 0
	m.st.copsOff, m.st.copsMode, m.st.copsPLMN = false, 0, ""
	m.st.rtc = rtc{}
	m.emit(KindPower, eventlog.F{"on": true})
	m.bootWithURCs(false)
}

// Powered reports whether the modem has power (false between PowerOff and
// PowerOn). Call it from inside loop work.
func (m *Modem) Powered() bool { return !m.st.off }

// detach leaves the network and reports "not registered".
func (m *Modem) detach() { m.detachShown(true) }

// detachShown is detach, with its URCs kept in when shown is false.
func (m *Modem) detachShown(shown bool) {
	m.cancelAttach()
	if m.st.reg.Stat != 0 {
		m.o.Network.Detach()
	}
	m.updateReg(Registration{}, shown)
	m.selectionEnded() // the card gone: the attempt ends, not registered
}

// dropHeldRefresh drops a REFRESH refresh_delay holds, which the card's
// reset now does the work of, and says so in the event log (outside
// testers sw121, sw123: a power cut dropped it unsaid and left it to be
// reported at the next reset).
func (m *Modem) dropHeldRefresh() {
	m.st.refreshScan = false
	m.st.cardGen++ // a card-back due now is a reset's past
	m.st.cardBackDue = nil
	if m.st.refreshT != nil {
		m.emit(KindRefreshLost, eventlog.F{"qualifier": int(m.st.refreshQ)})
		m.st.refreshT.Stop()
		m.st.refreshT = nil
	}
}

// powerDown detaches, stops the toolkit and powers the card off; a
// restart does it without a word (report false): the stack is going down.
func (m *Modem) powerDown(report bool) { m.stackDown(report, false) }

// stackDown is powerDown, the card left powered, its channels open, when
// keepCard (a restart of card_kept_restarts: the MT resets, the SIM not):
// the MT's sessions end all the same.
func (m *Modem) stackDown(report, keepCard bool) {
	m.dropHeldRefresh()
	if report {
		m.detach()
	} else {
		m.cancelAttach()
		if m.st.reg.Stat != 0 {
			m.o.Network.Detach()
		}
		m.st.reg = Registration{}
	}
	m.stopSearch() // the MT's timers go with its stack, a silent detach's too
	if keepCard {
		if s := m.getSTK(); s != nil && m.st.cardOn {
			s.Stop()
		}
	} else {
		m.cardOff()
	}
	m.st.channels = map[int]bool{}
}

// cardOff stops the toolkit and takes the card's power, if it had any.
func (m *Modem) cardOff() {
	if !m.st.cardOn {
		return
	}
	if s := m.getSTK(); s != nil {
		s.Stop()
	}
	m.o.Card.PowerOff()
	m.st.cardOn = false
}

// Refresh implements stkterm.Host: the toolkit asks for a REFRESH
// (TS 102 223 §6.4.7). It is called from inside proactive-command handling,
// so the work is posted: detach, reset the card, restart the terminal,
// re-attach.
func (m *Modem) Refresh(qualifier byte) {
	epoch := m.st.epoch
	run := func() {
		if m.st.off || m.st.epoch != epoch || m.st.restarting {
			// The power was cut, or the modem restarted, before the
			// REFRESH ran (the epoch): the card's reset at the boot
			// does its work. One asked for while the stack is down
			// (restarting: the terminal stopped, none should be) finds
			// no MT to read the card nor attach.
			return
		}
		if m.o.Personality.RefreshIgnored {
			// The card waits for a reset that does not come; the old
			// ICCID, IMSI and registration stay until +CFUN=1,1 (a quirk).
			m.emit(KindRefresh, eventlog.F{"qualifier": int(qualifier), "ignored": true})
			return
		}
		m.emit(KindRefresh, eventlog.F{"qualifier": int(qualifier)})
		// The session with the old subscriber ends first: its
		// registration (and the location it stores in the old profile).
		if m.o.Personality.RefreshSearching && m.st.fun == 1 && !m.st.copsOff {
			// refresh_stat 2: the module says nothing of the detach; its
			// next URC is the new subscriber's scan, once the card is
			// read again. With the radio off or the host's +COPS=2
			// there is no scan to show.
			m.st.quietFrom = m.st.reg // what the URCs last said, changed or not
			m.detachShown(false)
			m.st.refreshScan = true
		} else {
			m.detach()
		}
		// eUICC Profile State Change: then the terminal answers the
		// REFRESH (the card switches and resets itself before it
		// answers), and initialises it again without an ATR (outside
		// tester sw121: the answer went before the detach).
		warm := false
		if s := m.getSTK(); s != nil {
			if qualifier == stk.RefreshEUICCProfileChange {
				warm = s.AnswerRefresh() && m.st.cardOn
			}
			s.Stop()
		}
		// A card the modem keeps powered at +CFUN=0 (cfun0_keeps_card)
		// is initialised again too: it has switched (sw121).
		if m.st.fun != 0 || m.st.cardOn {
			m.bootCard(warm, false, func() {
				if m.st.cardOn {
					for _, u := range m.refreshURCs() {
						m.urc(u)
					}
				}
			})
		}
	}
	// refresh_delay: the host's commands meanwhile reach a card still
	// in its session (a +CCHC right after the enable answers OK).
	if d := m.o.Personality.RefreshDelay; d > 0 {
		stopTimer(&m.st.refreshT) // one reset does for both
		m.st.refreshQ = qualifier
		m.st.refreshT = m.afterFunc(d, func() {
			m.st.refreshT = nil
			run()
		})
		return
	}
	m.loop.Post(run)
}

func cmdCFUN(m *Modem, c at.Command) error {
	p := &m.o.Personality
	switch c.Form {
	case at.Read:
		fun := m.st.fun
		if m.st.funShown != 0 {
			fun = m.st.funShown
		}
		m.info(fmt.Sprintf("+CFUN: %d", fun))
		return nil
	case at.Test:
		m.info(p.CFUNTest())
		return nil
	case at.Set:
	default:
		return errUnknown
	}
	maxArgs := 2
	if p.NoCFUNReset {
		maxArgs = 1 // <fun> alone: AT+CFUN=1,1 is bad parameters
	}
	if len(c.Args) > maxArgs {
		return errParams
	}
	v, err := intArgs(c, 1, 1, 0)
	if err != nil {
		return err
	}
	fun, rst := v[0], v[1]
	if len(c.Args) == 1 && p.Restarts(c) {
		m.restartKeeping(p.KeepsCard(c)) // a vendor's reset <fun> (u-blox's 16, Fibocom's 15)
		return nil
	}
	mode, vendor := p.CFUNModes[fun]
	if !vendor && fun != 0 && fun != 1 && fun != 4 || rst > 1 || rst == 1 && !p.ResetsTo(fun) {
		return errParams
	}
	if rst == 1 {
		// TS 27.007 §8.2: reset the MT, then set <fun> — 0 or 4 come
		// up without the attach (cfun_reset_funs: where the modem
		// takes it).
		m.restartTo(false, fun)
		return nil
	}
	// The command first, then what it causes (outside tester sw124: the
	// card read and a dropped REFRESH were logged before it).
	m.emit(KindCFUN, eventlog.F{"fun": fun})
	from := m.st.fun
	to, shown := fun, 0
	if vendor {
		to, shown = cfunState(from, mode), mode.Read
		if mode.Radio == "" && mode.Card == "" && mode.Read == 0 {
			shown = m.st.funShown // nothing the modem models (an nRF91's GNSS)
		}
	}
	m.st.fun, m.st.funShown = to, shown
	keeps := p.CFUN0KeepsCard && !(vendor && mode.Card == "off")
	switch {
	case to == from:
	case to == 0 && !keeps:
		m.powerDown(true)
	case from == 0 && !m.st.cardOn && !keeps: // 0 → 1 or 4: the card powered again, and said so
		m.cardBack(true)
	case to == 0 || to == 4: // the radio off, the card on
		m.detach()
	default: // 4 → 1
		m.scheduleAttach()
	}
	return nil
}

// cfunState is the state (27.007's <fun> 0, 1 or 4) a manufacturer's
// mode leads to from state from: the radio on powers the card (1), the
// card off takes the radio off (0), and what the mode leaves alone stays.
func cfunState(from int, mode personality.CFUNMode) int {
	radio, card := from == 1, from != 0
	switch mode.Card {
	case "on":
		card = true
	case "off":
		card, radio = false, false
	}
	switch mode.Radio {
	case "on":
		radio, card = true, true
	case "off":
		radio = false
	}
	switch {
	case radio:
		return 1
	case card:
		return 4
	}
	return 0
}

// restart is +CFUN=1,1: the OK goes out first, then the modem is silent for
// RestartDelay and comes back with RDY, as vendors do, its settings and
// +CGDCONT contexts back to their defaults.
func (m *Modem) restart() { m.restartKeeping(false) }

// restartKeeping is restart, the card kept powered through it when
// keepCard (card_kept_restarts): the MT boots again and initialises it
// without a reset, as after an eUICC's own (no ATR), its channels as
// they were.
func (m *Modem) restartKeeping(keepCard bool) { m.restartTo(keepCard, 1) }

// restartTo is restartKeeping, the MT coming up at <fun> fun (+CFUN=0,1
// or 4,1): at 4 the card is read and the radio stays off, at 0 the card
// stays unpowered too (unless cfun0_keeps_card), as +CFUN=0 leaves it;
// either way no attach until a +CFUN=1.
func (m *Modem) restartTo(keepCard bool, fun int) {
	f := eventlog.F{}
	if fun != 1 {
		f["fun"] = fun
	}
	warm := keepCard && m.st.cardOn
	if warm {
		f["card_kept"] = true
	}
	m.emit(KindRestart, f)
	m.st.epoch++ // the stack's life ends: its timers and posted work with it
	m.stackDown(false, warm)
	m.forgetMELists() // the MT switched off and on, its memory with it
	m.st.restarting = true
	m.sayPowerDown(nil)
	m.forgetLines()
	m.st.restartT = m.afterFunc(m.o.RestartDelay, func() {
		m.st.restarting = false
		m.st.restartT = nil
		// A new life, as at PowerOn: what the window between queued (the
		// power-down URCs, a second restart's boot) is not its.
		m.st.epoch++
		m.resetSettings()
		m.st.pdp.reset()
		m.st.fun, m.st.funShown = fun, 0
		// A reboot comes up in automatic selection, as a power cycle
		// does: +COPS=1/2 / +CGATT=0 last until then.
		m.st.copsOff, m.st.copsMode, m.st.copsPLMN = false, 0, ""
		if fun == 0 && !m.o.Personality.CFUN0KeepsCard {
			m.bootCardless()
			return
		}
		m.bootWithURCs(warm && m.st.cardOn) // a kept card lost since: the holder read as at a power-on
	})
}

// cmdVendorRestart is a vendor's own restart command (at.VendorRestarts:
// Sierra's !RESET, Telit's #REBOOT, SIMCom's +CRESET, Huawei's ^RESET,
// Quectel NB-IoT's +QRST=1), executed: as +CFUN=1,1, the OK goes out and
// the modem restarts. Only those its personality lists (vendor_restarts):
// another vendor's, and any other form, answer as a command it lacks.
func cmdVendorRestart(m *Modem, c at.Command) error {
	if !m.o.Personality.Restarts(c) {
		return errUnknown
	}
	m.restart()
	return nil
}

// cmdVendorPowerDown is a vendor's power-down command (at.VendorPowerDowns:
// Quectel's +QPOWD, u-blox's +CPWROFF, SIMCom's +CPOWD), executed: the
// OK goes out, then the personality's power-down URCs, and the modem is
// off until its power comes back (PowerOn), as a module after a
// power-down stays off until its power key or supply. Only those its
// personality lists (power_downs); another is a command it lacks. The
// event log shows the power going off ({on: false}) after the URCs.
func cmdVendorPowerDown(m *Modem, c at.Command) error {
	if !m.o.Personality.PowersDown(c) {
		return errUnknown
	}
	m.sayPowerDown(m.PowerOff)
	return nil
}

// sayPowerDown sends the personality's power-down URCs once the command
// taking the modem down has its final result (UG96 Hardware Design
// §3.7.2.1: "OK", then "POWERED DOWN"), then runs then (if not nil): in
// the same epoch — a power cut or a boot since (a restart's) leaves the
// modem nothing of that shutdown to say.
func (m *Modem) sayPowerDown(then func()) {
	urcs, epoch := m.o.Personality.PowerDownURCs, m.st.epoch
	if len(urcs) == 0 && then == nil {
		return
	}
	m.loop.Post(func() {
		if m.st.off || m.st.epoch != epoch {
			return
		}
		for _, u := range urcs {
			m.urc(u)
		}
		if then != nil {
			then()
		}
	})
}

// bootWithURCs boots after power on or a restart and sends the
// personality's boot URCs in their order: those before the first
// card-state one (+CPIN:, +QUSIM:) before the card is read, the rest after
// it (an EG25's +QIND: SMS DONE follows its +QUSIM: 1), the card-state
// ones only with a card. Under boot_urc_delays each comes that long after
// the boot; the card is read at once all the same (what a host asks
// meanwhile finds it ready, as the emulated modem has no busy SIM state).
//
// warm boots with the card kept powered (restartKeeping): initialised
// without a reset.
func (m *Modem) bootWithURCs(warm bool) {
	m.st.boots++
	urcs := m.o.Personality.BootURCs
	first := slices.IndexFunc(urcs, personality.CardStateURC)
	if first < 0 {
		first = len(urcs)
	}
	i := 0
	for ; i < first && m.bootURCDelay(i) == 0; i++ {
		m.urc(urcs[i])
	}
	m.bootCard(warm, false, func() { m.bootURCsFrom(i, 0) })
}

// bootCardless boots at +CFUN=0 (a +CFUN=0,1): the card is not powered,
// so nothing is read of it and the card-state boot URCs stay unsaid; a
// +CFUN=1 or 4 then reads it as after +CFUN=0 (cardBack).
func (m *Modem) bootCardless() {
	m.st.boots++
	m.forgetUSIM()
	m.st.channels = map[int]bool{}
	m.bootURCsFrom(0, 0)
}

// bootURCDelay is how long after the boot boot URC i comes.
func (m *Modem) bootURCDelay(i int) time.Duration {
	if d := m.o.Personality.BootURCDelays; i < len(d) {
		return d[i]
	}
	return 0
}

// bootURCsFrom sends the boot URCs from i on that are due at elapsed
// (the time since the boot), and schedules the rest, one timer at a time
// so that their order holds. A restart or a power cut meanwhile ends the
// boot they belong to (afterFunc's epoch).
func (m *Modem) bootURCsFrom(i int, elapsed time.Duration) {
	urcs := m.o.Personality.BootURCs
	for ; i < len(urcs); i++ {
		if d := m.bootURCDelay(i); d > elapsed {
			m.afterFunc(d-elapsed, func() { m.bootURCsFrom(i, d) })
			return
		}
		if u := urcs[i]; !personality.CardStateURC(u) || m.st.cardOn {
			m.urc(m.pinURC(u))
		}
	}
}

// SetCardPresent takes the card out of the modem's reach, or gives it
// back, as a contact failure or a SIM-detect line the card never asserts
// does: taken out, the modem says so if its dialect does (CardGoneURCs),
// the toolkit stops and the card loses its power, then the modem detaches
// (the host sees it; the card, out of reach, is told nothing), and the
// card's commands answer +CME ERROR: 10 (SIM not inserted) with no
// subscriber to attach; given back, the modem reads it as at boot (the
// toolkit starts, ICCID and IMSI, CardBackURCs — by default the
// card-state ones of its boot URCs —, the attach). A modem off or at +CFUN=0 reads the holder when it boots.
// Call it from inside loop work, or before Start.
func (m *Modem) SetCardPresent(present bool) {
	if m.st.absent == !present {
		return
	}
	m.st.absent = !present
	if !present {
		if m.st.restarting {
			// A card the restart kept powered loses its power; the MT,
			// its stack down, says nothing: its boot finds the holder
			// empty and says so then.
			m.cardOff()
			return
		}
		if m.st.cardOn {
			// What the modem says as it finds the card gone, first: the
			// detach follows from it.
			for _, u := range m.o.Personality.CardGoneURCs {
				m.urc(u)
			}
			// Out of reach before the detach, which then tells it
			// nothing: no location status event, no EF written.
			m.cardOff()
			m.detach()
			m.powerDown(false)
			m.forgetMELists() // the UICC removed (TS 23.122 §3.1)
			m.forgetUSIM()
			m.emit(KindCard, eventlog.F{"present": false})
		}
		return
	}
	if m.st.off || m.st.fun == 0 && !m.o.Personality.CFUN0KeepsCard || m.st.restarting {
		return
	}
	m.cardBack(false)
}

// cardBack reads a card that comes back to the modem — put back, or
// powered again at +CFUN=1 after +CFUN=0 took its power — as at boot, and
// says so as the dialect does (CardBackURCs; by default the card-state
// ones of its boot URCs: an EG25's +CPIN: READY and +QUSIM: 1).
//
// The URCs come once the card is read and before the scan that needs its
// IMSI, as at boot (outside tester sw122: +CEREG: 2 came first); with
// afterAnswer, after the OK of the command that powered the card again
// (+CFUN=1 or 4 after +CFUN=0: a module reads its card after it answers;
// outside testers sw118, sw122).
func (m *Modem) cardBack(afterAnswer bool) {
	m.bootCard(false, afterAnswer, func() {
		if !m.st.cardOn {
			return // none in the holder: nothing to say
		}
		for _, u := range m.o.Personality.CardBack() {
			m.urc(m.pinURC(u))
		}
	})
}

func cmdCIMI(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Exec {
		return errUnknown
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	if err := m.pinRequired(); err != nil {
		return err
	}
	if m.st.imsi == "" {
		return at.CMESIMFailure
	}
	m.info(m.st.imsi)
	return nil
}

func cmdCCID(m *Modem, c at.Command) error {
	if c.Form == at.Test {
		return nil
	}
	if c.Form != at.Exec && c.Form != at.Read {
		return errUnknown
	}
	if err := m.cardReady(); err != nil {
		return err
	}
	if m.st.iccid == "" {
		return at.CMESIMFailure
	}
	iccid := m.st.iccid
	if m.o.Personality.ICCIDFiller == personality.FillerKeep {
		iccid += strings.Repeat("F", m.st.iccidFiller) // as EF ICCID holds it
	}
	m.info(m.o.Personality.ICCIDPrefix + iccid)
	return nil
}

func (m *Modem) cardReady() error {
	if !m.st.cardOn {
		return at.CMESIMNotInserted
	}
	return nil
}

// forgetLines drops the command line being typed and the previous one A/
// repeats (V.250 §5.2.4): both are in the MT's memory, which a power cut
// or a restart clears, so A/ after one is an empty line (OK) rather than,
// say, the +CFUN=1,1 that restarted it.
func (m *Modem) forgetLines() {
	m.st.typing = at.Splitter{}
	m.st.lastLine, m.st.lastRefused = "", false
}
