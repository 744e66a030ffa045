package world

import (
	"slices"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// Registration states in 27.007 +CREG/+CEREG <stat> terms.
const (
	StatNotRegistered = 0
	StatHome          = 1
	StatSearching     = 2
	StatDenied        = 3
	StatRoaming       = 5
)

// CausePLMNNotAllowed is the EMM cause (TS 24.301 §9.9.3.9) the world
// rejects a subscriber with where no agreement lets it roam.
const CausePLMNNotAllowed = emm.PLMNNotAllowed

// Attachment is the outcome of an attach.
type Attachment struct {
	OK   bool
	Stat int // 27.007 <stat>: 1 home, 5 roaming, 3 denied, 2 searching (no cell, or an unanswered attach)
	// Registration is home, roaming, denied, none (no cell answered),
	// timeout (the network never answered the ATTACH REQUEST) or limited
	// (every visible network forbidden: none tried, camped on Cell).
	Registration string
	PLMN         string // serving PLMN, or the last one tried when denied or timed out
	Operator     string // the subscriber's operator id ("" for an unknown IMSI)
	Network      string // serving operator id, or the last one tried when denied or timed out
	Cell         Cell   // serving cell; when denied, the last cell that refused; when limited, the one camped on (zero when none answered)
	Cause        int    // EMM cause of the last reject, 0 when OK
	// Timeout reports an ATTACH REQUEST left unanswered: the terminal runs
	// T3410 and reports no service when it expires.
	Timeout bool
	// Interrupted reports an attach the device lost its power in
	// (SetInterrupt): its outcome is no longer the device's to act on.
	Interrupted bool
	// Refused are the networks that refused the subscriber in this
	// selection, in order, the last one too when denied: a UE acts on
	// each reject as it comes (TS 24.301 §5.5.1.2.5: a #11 forbids its
	// PLMN), not only on the selection's outcome.
	Refused []emm.Reject
}

// Attach registers the subscriber imsi in the current area, in automatic
// network selection mode (TS 23.122 §4.4.3.1), trying the visible PLMNs in
// sel's order (emm.Selection.Rank): the registered PLMN first (the modem
// gives one at switch-on and on recovery from lack of coverage, and a UE
// moving between cells stays in it), then the home PLMN, the USIM's user
// controlled and operator controlled PLMN selector lists in their
// priority order, then the others by signal (§4.4.3.1.1 iv and v: the
// strongest first stands for "random order" among the high-quality
// ones), leaving out those forbidden: the USIM's forbidden PLMN list (EF
// FPLMN, §3.1: automatic mode does not select them; the HPLMN is never
// forbidden) and the ME's forbidden PLMNs for GPRS service (after a #14,
// the HPLMN too: no EPS service there); the cells of the ME's forbidden
// tracking areas (#12, #13, #15) are not suitable either (TS 36.304 §4.3).
// Each PLMN is tried in one tracking area, its strongest cell's, unless a
// reject sends selection to another of its areas (plan). Each tried
// network accepts its own subscribers (home) and its roaming partners'
// (roaming), and rejects everyone else with EMM cause #11 PLMN not
// allowed (national roaming restrictions come only from injected #13s).
// Injected faults reject with their own cause (one that makes the USIM
// invalid, #3, #6, #7 or #8, ends the selection: no other network is
// tried; #12 and #15 send it to another tracking area of the PLMN, #13 to
// the other PLMNs first; an abnormal one, emm.Abnormal, such as #17,
// stops the selection on its PLMN as a timeout does: the modem's attach
// attempt counter restarts there or goes on), hide a network for one
// attempt (no service: selection moves on) or leave the attach
// unanswered (timeout: selection stops, the modem's T3410 runs). With no
// cell answering the device is left searching (<stat> 2): automatic mode
// keeps scanning. With cells in sight but every one forbidden, nothing
// is tried: the device camps on the strongest in limited service (§3.5; state A4, wait
// for PLMNs to appear, §4.3.1.1), searching (<stat> 2) with that cell.
//
// sel.Only and sel.Failed carry the modem's attach attempt counter (TS
// 24.301 §5.5.1.2.6): an attach restarted at T3411's expiry tries Only's
// cells alone; the PLMNs whose attempts ran out (Failed) are neither
// tried nor camped on, PLMN selection going on with the next in order.
func (w *World) Attach(imsi string, sel emm.Selection) Attachment {
	return w.attach(imsi, sel.Only, sel)
}

// AttachTo is Attach with the network chosen by the device (27.007 +COPS=1,
// manual selection): only plmn's cells are tried, forbidden or not, in a
// forbidden tracking area too (§3.1: the user may select a forbidden
// PLMN); none visible is no service.
func (w *World) AttachTo(imsi, plmn string) Attachment {
	return w.attach(imsi, plmn, emm.Selection{})
}

// selectable is the order automatic selection tries cells in: visible
// (strongest first) ordered by their PLMN's rank in sel (the RPLMN, the
// HPLMN, the selector lists, then the others), each rank's cells keeping
// their signal order, without the cells of a PLMN automatic selection
// skips or of a forbidden tracking area (not suitable, TS 36.304 §4.3).
func selectable(visible []Cell, home string, sel emm.Selection) []Cell {
	order := slices.DeleteFunc(slices.Clone(visible), func(c Cell) bool {
		return sel.Leaves(c.TAI(), home)
	})
	slices.SortStableFunc(order, func(a, b Cell) int {
		return sel.Rank(a.PLMN, home) - sel.Rank(b.PLMN, home)
	})
	return order
}

// plmnCells are the cells a selection may still try in one PLMN: the
// strongest of each of its tracking areas not tried yet, in order.
type plmnCells struct {
	plmn  string
	cells []Cell
}

// plan is automatic selection's walk over the suitable cells, a pure
// function of the cells and the rejects: the PLMNs in priority order,
// one attempt in each tracking area at most, and what a reject's cause
// says next (emm.After) — another area of the same PLMN first after a
// #12 or #15, the other PLMNs first after a #13 (its other areas come
// after them), the next PLMN after any other cause.
type plan []plmnCells

// newPlan groups order (selectable's) by PLMN, in the order their first
// cells come, keeping each tracking area's first (strongest) cell.
func newPlan(order []Cell) plan {
	var p plan
	seen := map[emm.TAI]bool{}
	for _, c := range order {
		if seen[c.TAI()] {
			continue
		}
		seen[c.TAI()] = true
		i := slices.IndexFunc(p, func(g plmnCells) bool { return g.plmn == c.PLMN })
		if i < 0 {
			i = len(p)
			p = append(p, plmnCells{plmn: c.PLMN})
		}
		p[i].cells = append(p[i].cells, c)
	}
	return p
}

// next is the cell to try now.
func (p plan) next() (Cell, bool) {
	if len(p) == 0 {
		return Cell{}, false
	}
	return p[0].cells[0], true
}

// after is the plan once next's cell answered: a reject with cause, or,
// with cause 0, silence (no service: none of the network's cells
// answers).
func (p plan) after(cause int) plan {
	g := p[0]
	rest := plmnCells{plmn: g.plmn, cells: g.cells[1:]}
	p = p[1:]
	if len(rest.cells) == 0 || cause == 0 {
		return p
	}
	switch emm.After(cause) {
	case emm.OtherTA:
		return append(plan{rest}, p...)
	case emm.PLMNSelection:
		return append(slices.Clone(p), rest)
	}
	return p
}

func (w *World) attach(imsi, only string, sel emm.Selection) Attachment {
	home, _ := w.HomePLMN(imsi)
	o, _ := w.OperatorByPLMN(home)
	sub := o.ID

	visible := slices.DeleteFunc(w.Cells(), func(c Cell) bool {
		return only != "" && c.PLMN != only || slices.Contains(sel.Failed, c.PLMN)
	})
	order := selectable(visible, home, sel)
	if len(order) == 0 && len(visible) > 0 {
		return w.limited(sub, visible[0])
	}
	res := Attachment{Stat: StatSearching, Registration: "none", Operator: sub}
	answered := false
	var refused []emm.Reject
	for p := newPlan(order); ; {
		c, ok := p.next()
		if !ok {
			break
		}
		r := w.try(sub, c)
		if r.Interrupted || w.interrupted() {
			// The power went with this attempt: no other network is
			// tried, and nothing more is said of it.
			r.Interrupted = true
			res, answered = r, true
			break
		}
		if r.Registration == "none" {
			p = p.after(0)
			continue // its cells stayed silent: a denial seen before stands
		}
		if r.Stat == StatDenied {
			refused = append(refused, emm.Reject{PLMN: r.PLMN, TAC: c.TAC, Cause: r.Cause})
		}
		res, answered = r, true
		if next := emm.After(res.Cause); res.OK || res.Timeout || next == emm.Stop || next == emm.AttemptCounter {
			break // an abnormal reject, as silence, is the modem's counter's
		}
		p = p.after(res.Cause)
	}
	if !answered {
		w.log.Emit(eventlog.World, KindNoService, eventlog.F{"operator": sub, "area": w.Area()})
	}
	res.Refused = refused
	w.mu.Lock()
	if res.OK {
		a := res
		w.attached = &a
	} else {
		w.attached = nil
	}
	w.mu.Unlock()
	return res
}

// limited is an automatic selection that found only forbidden networks:
// no attempt, the device camped on c, the strongest cell, in limited
// service (TS 23.122 §3.5), searching for an allowed PLMN to appear.
func (w *World) limited(sub string, c Cell) Attachment {
	w.log.Emit(eventlog.World, KindLimitedService, eventlog.F{"operator": sub, "area": w.Area(), "plmn": c.PLMN})
	w.mu.Lock()
	w.attached = nil
	w.mu.Unlock()
	return Attachment{Stat: StatSearching, Registration: "limited", Operator: sub, Network: c.Operator, PLMN: c.PLMN, Cell: c}
}

// try attempts registration of subscribers of operator sub on cell c.
func (w *World) try(sub string, c Cell) Attachment {
	net := c.Operator
	w.log.Emit(eventlog.World, KindAttachAttempt, eventlog.F{"operator": sub, "plmn": c.PLMN, "tac": int(c.TAC)})
	w.mu.Lock()
	if w.attempts == nil {
		w.attempts = map[string]int{}
	}
	w.attempts[net]++
	n := w.attempts[net]
	w.mu.Unlock()
	if w.interrupted() {
		// The power went as the attempt started: the network's answer
		// never comes.
		return Attachment{Stat: StatSearching, Registration: "none", Operator: sub, Network: net, PLMN: c.PLMN, Interrupted: true}
	}

	res := Attachment{Operator: sub, Network: net, PLMN: c.PLMN}
	f, faulty := w.activeFault(net, sub, c.TAC, n)
	if faulty {
		fields := eventlog.F{"fault": "attach_" + f.Kind.String(), "target": net, "at": "world", "entry": f.Entry, "attempt": n, "subscriber": sub}
		if f.Kind == Reject {
			fields["cause"] = f.Cause
		}
		if f.TAC != 0 {
			fields["tac"] = int(f.TAC)
		}
		w.log.Emit(eventlog.World, eventlog.KindFault, fields)
	}
	switch {
	case faulty && f.Kind == NoService:
		res.Stat, res.Registration, res.PLMN, res.Network = StatSearching, "none", "", ""
	case faulty && f.Kind == Timeout:
		res.Stat, res.Registration, res.Timeout = StatSearching, "timeout", true
	case faulty:
		res.Cause = f.Cause
	case sub != "" && sub == net:
		res.OK, res.Stat, res.Registration = true, StatHome, "home"
	case slices.Contains(w.roaming, Agreement{Home: sub, Visited: net}):
		res.OK, res.Stat, res.Registration = true, StatRoaming, "roaming"
	default:
		res.Cause = CausePLMNNotAllowed
	}
	switch {
	case res.OK:
		res.Cell = c
	case res.Registration == "":
		// The UE camped on the cell to ask: +CEREG shows where it was
		// refused (TS 27.007 §10.1.22 reports <tac>,<ci> with stat 3).
		res.Stat, res.Registration, res.Cell = StatDenied, "denied", c
	}
	w.log.Emit(eventlog.World, KindAttachResult, eventlog.F{
		"operator": sub, "plmn": c.PLMN, "ok": res.OK, "cause": res.Cause, "registration": res.Registration,
	})
	return res
}

// SetInterrupt gives the world a check of whether the device's power is
// being cut (a power cut triggered by one of the world's own events): an
// attach then stops where it is — before the network answers when the
// cut came with the attempt, before the next network when it came with
// an answer — and returns Interrupted, as a UE that lost its power
// mid-attach says nothing more. Set it before the device starts.
func (w *World) SetInterrupt(cut func() bool) { w.interrupt = cut }

func (w *World) interrupted() bool { return w.interrupt != nil && w.interrupt() }

// activeFault returns the first fault that applies to attempt n on network
// net, in tracking area tac, now.
func (w *World) activeFault(net, sub string, tac uint16, n int) (Fault, bool) {
	now := w.clk.Now()
	for _, f := range w.faults {
		if f.Operator != net || (f.Attempt != 0 && f.Attempt != n) || (f.Subscriber != "" && f.Subscriber != sub) || (f.TAC != 0 && f.TAC != tac) {
			continue
		}
		if (!f.From.IsZero() && now.Before(f.From)) || (!f.Until.IsZero() && !now.Before(f.Until)) {
			continue
		}
		return f, true
	}
	return Fault{}, false
}

// Detach ends the current registration, if any.
func (w *World) Detach() {
	w.mu.Lock()
	a := w.attached
	w.attached = nil
	w.mu.Unlock()
	if a != nil {
		w.log.Emit(eventlog.World, KindDetach, eventlog.F{"operator": a.Operator, "plmn": a.PLMN})
	}
}

// Attached returns the current registration, if any.
func (w *World) Attached() (Attachment, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.attached == nil {
		return Attachment{}, false
	}
	return *w.attached, true
}
