package applet

import (
	"fmt"
	"time"

	wire "github.com/esimhil/esimhil/internal/proto/platformapi"
)

// AttachTimer is the id of the attach-wait timer (claim 3): started at every
// Boot that follows a switch, it bounds how long the card waits for the
// terminal to report normal service before it judges the attach failed.
const AttachTimer = 2

// DefaultAttachWait is Config.AttachWait when it is zero: long enough for a
// modem to try several cells and run out T3410 (15 s, TS 24.301 §10.2) a
// few times, short against a roaming-check period.
const DefaultAttachWait = 3 * time.Minute

// Cycle phases (claim 3, DESIGN.md §1 step 6).
const (
	// phaseAttempt: switching to the list's operator Current (enable or
	// download) or awaiting its attach (State.Await).
	phaseAttempt = "attempt"
	// phaseFallback: the original profile is being enabled or awaits its
	// attach; the list goes on only once it is attached.
	phaseFallback = "fallback"
	// phaseReport: a report (Cycle.Report) is being posted to the platform.
	phaseReport = "report"
)

// Cycle is one walk through a stored preferred list (claim 3): the
// operators are tried strictly in list order, each at most once, and after
// every failed attach the card falls back to the original profile and
// waits for it to attach before the next try. A cycle ends when an
// operator attaches or the list is exhausted; no new list is asked for
// while one is in progress.
type Cycle struct {
	ListID string `json:"list_id"`
	// Next is the index in State.List.Operators of the next operator to try.
	Next int `json:"next"`
	// Current is the operator of the attempt in progress, "" between attempts.
	Current string `json:"current,omitempty"`
	Phase   string `json:"phase"`
	// Tried are the operators tried in this cycle, in order.
	Tried []string `json:"tried,omitempty"`
	// Waiting says the attach-wait timer runs for the original profile
	// (phase fallback, after the Boot on it).
	Waiting bool `json:"waiting,omitempty"`
	// Pending says the original did not attach within the wait: the card
	// keeps waiting on it (it is the fallback channel).
	Pending bool `json:"pending,omitempty"`
	// Report is owed to the platform once the original is attached.
	Report *Report `json:"report,omitempty"`
	// Req is the id of the report's post in flight, 0 if none.
	Req int `json:"req,omitempty"`
}

// Report is an attach-failure or list-exhausted report to the platform.
type Report struct {
	Kind     string `json:"kind"`
	ICCID    string `json:"iccid,omitempty"`
	Operator string `json:"operator,omitempty"`
	PLMN     string `json:"plmn,omitempty"`
}

// Report kinds (POST /v1/notifications).
const (
	KindAttachFailure = "attach-failure"
	KindListExhausted = "list-exhausted"
)

func (c Config) attachWait() time.Duration {
	if c.AttachWait <= 0 {
		return DefaultAttachWait
	}
	return c.AttachWait
}

// startAttachWait starts the attach wait at a Boot. The periodic check is
// deferred to its end (one TIMER MANAGEMENT per Boot, as before claim 3;
// the check's phase is kept, see resumeCheck).
func (a *Applet) startAttachWait() {
	a.st.CheckDeferred = true
	a.persist()
	a.emit(StartTimer{ID: AttachTimer, D: a.cfg.attachWait()})
}

// resumeCheck restarts the periodic check deferred at the Boot so that it
// fires CheckInterval after the Boot, or now when the wait was longer.
func (a *Applet) resumeCheck() {
	if !a.st.CheckDeferred {
		return
	}
	a.st.CheckDeferred = false
	if d := a.cfg.CheckInterval - a.cfg.attachWait(); d > 0 {
		a.emit(StartTimer{ID: CheckTimer, D: d})
		return
	}
	a.timer(TimerExpired{ID: CheckTimer})
}

// startCycle begins a cycle on the list just stored; its first operator is
// tried at once.
func (a *Applet) startCycle(l *PreferredList) {
	a.st.Cycle = &Cycle{ListID: l.ListID, Phase: phaseAttempt}
	a.tryNext()
}

// tryNext takes the next operator of the stored list: preinstalled → enable
// (claim 1), otherwise download (claim 2). With none left the list is
// exhausted.
func (a *Applet) tryNext() {
	c := a.st.Cycle
	c.Current, c.Phase, c.Waiting, c.Pending = "", phaseAttempt, false, false
	var ops []ListOperator
	if a.st.List != nil {
		ops = a.st.List.Operators
	}
	for c.Next < len(ops) {
		op := ops[c.Next]
		c.Next++
		if contains(c.Tried, op.ID) {
			// A list naming an operator twice: once per list is the rule.
			a.log("attempt_skipped", "operator", op.ID, "reason", "repeated in list")
			continue
		}
		c.Tried = append(c.Tried, op.ID)
		c.Current = op.ID
		if cur, ok := a.enabled(); ok && (cur.Operator == op.ID || cur.HomePLMN == op.PLMN) {
			// Already on it (and attached, as the fallback confirmed).
			a.log("preferred_already_enabled", "operator", op.ID)
			a.st.Cycle = nil
			a.persist()
			return
		}
		target, ok := a.profileByPLMN(op.PLMN)
		if !ok {
			a.persist()
			a.log("profile_not_preinstalled", "operator", op.ID)
			a.startDownload(op) // claim 2
			return
		}
		a.st.Enabling = target.ICCID
		a.persist()
		a.emit(EnableProfile{ICCID: target.ICCID})
		return
	}
	a.exhausted(ops)
}

// exhausted ends the cycle on the original (claim 3 leaves this open;
// DESIGN.md §1: stay, report, retry next period).
func (a *Applet) exhausted(ops []ListOperator) {
	c := a.st.Cycle
	ids := make([]string, len(ops))
	for i, o := range ops {
		ids[i] = o.ID
	}
	a.log("list_exhausted", "operators", ids)
	c.Current = ""
	c.Report = &Report{Kind: KindListExhausted, PLMN: a.st.Serving}
	a.sendReport()
}

// sendReport posts the cycle's owed report.
func (a *Applet) sendReport() {
	c := a.st.Cycle
	r := c.Report
	c.Phase = phaseReport
	c.Req = a.post(PathNotifications, mustJSON(wire.Notification{
		EID: a.cfg.EID, Kind: r.Kind, ICCID: r.ICCID, Operator: r.Operator, PLMN: r.PLMN}))
}

// reportResult goes on once the platform answered the report. Reports are
// best effort: a failed one is logged and not resent, so a platform outage
// never stalls the fallback.
func (a *Applet) reportResult(e HTTPResult) {
	c := a.st.Cycle
	c.Req = 0
	kind := c.Report.Kind
	if reason := httpFailure(e); reason != "" {
		a.log("notification_failed", "kind", kind, "to", "platform", "reason", reason)
	} else {
		a.log("notification_sent", "kind", kind, "to", "platform")
	}
	c.Report = nil
	if kind == KindListExhausted {
		a.st.Cycle = nil
		a.persist()
		return
	}
	a.tryNext()
}

// attachFailed is claim 3's failure branch: log, fall back to the
// original profile, and owe the platform an attach-failure report.
func (a *Applet) attachFailed(reason string) {
	w := a.st.Await
	a.st.Await = nil
	a.log("attach_failed", "operator", w.Operator, "reason", reason)
	c := a.st.Cycle
	if c == nil {
		// A switch awaited without a cycle (state from before claim 3):
		// fall back all the same, then end as if the list were done.
		n := 0
		if a.st.List != nil {
			n = len(a.st.List.Operators)
		}
		c = &Cycle{Next: n}
		a.st.Cycle = c
	}
	c.Current, c.Phase, c.Waiting, c.Pending = "", phaseFallback, false, false
	c.Report = &Report{Kind: KindAttachFailure, ICCID: w.ICCID, Operator: w.Operator, PLMN: w.PLMN}
	orig, ok := a.profileByICCID(a.st.Original)
	if !ok {
		a.log("fallback_failed", "operator", w.Operator, "reason", "no original profile on the card")
		a.st.Cycle = nil
		a.persist()
		return
	}
	a.log("fallback", "from_operator", w.Operator, "to_operator", orig.Operator)
	a.fallbackTo(orig)
}

// fallbackTo enables the original profile (REFRESH follows in
// profileEnabled), or, when it already is, waits for its attach.
func (a *Applet) fallbackTo(orig Profile) {
	c := a.st.Cycle
	if cur, ok := a.enabled(); ok && cur.ICCID == orig.ICCID {
		c.Waiting = true
		a.startAttachWait()
		return
	}
	a.st.Enabling = orig.ICCID
	a.persist()
	a.emit(EnableProfile{ICCID: orig.ICCID})
}

// fallbackAttached: the original is attached (normal service on any
// network: it roams). The owed report goes out, then the next operator.
func (a *Applet) fallbackAttached(plmn string) {
	c := a.st.Cycle
	orig, _ := a.profileByICCID(a.st.Original)
	a.log("fallback_attached", "operator", orig.Operator, "plmn", plmn)
	c.Waiting, c.Pending = false, false
	if c.Report != nil {
		a.sendReport()
		return
	}
	// Resumed after a power loss: an attempt cut short is finished when
	// its profile made it onto the card, else it counts as failed.
	if cur := c.Current; cur != "" {
		if op, ok := a.listOperator(cur); ok {
			if p, ok := a.profileByPLMN(op.PLMN); ok && p.ICCID != a.st.Original {
				c.Phase = phaseAttempt
				a.st.Enabling = p.ICCID
				a.persist()
				a.emit(EnableProfile{ICCID: p.ICCID})
				return
			}
		}
	}
	a.tryNext()
}

// attachWaitExpired handles the attach-wait timer.
func (a *Applet) attachWaitExpired() {
	a.judgeWait()
	a.resumeCheck()
}

func (a *Applet) judgeWait() {
	c := a.st.Cycle
	switch {
	case a.st.Await != nil && !a.st.Await.Attached && a.st.Await.Booted:
		a.attachFailed("no normal service within " + a.cfg.attachWait().String())
	case c != nil && c.Phase == phaseFallback && c.Waiting:
		// The original is the fallback channel: never leave it without a
		// list; keep waiting (location status or the periodic check).
		orig, _ := a.profileByICCID(a.st.Original)
		a.log("fallback_pending", "operator", orig.Operator)
		c.Pending = true
		a.persist()
	}
	// Otherwise the wait ended already (attach confirmed): nothing to do.
}

// bootCycle resumes after a Boot: a switch awaiting its attach restarts
// the wait; anything else falls back to the original and, once it is
// attached, goes on from the persisted step. It reports whether the
// attach wait started (the periodic check then waits for it).
func (a *Applet) bootCycle() bool {
	a.st.CheckDeferred = false
	if w := a.st.Await; w != nil && !w.Attached {
		w.Booted = true
		a.startAttachWait()
		return true
	}
	c := a.st.Cycle
	if c == nil {
		return false
	}
	switch c.Phase {
	case phaseAttempt:
		a.log("cycle_resumed", "operator", c.Current, "phase", c.Phase)
	case phaseReport:
		// The post was lost with the reset; it is sent again once attached.
		a.log("cycle_resumed", "operator", c.Current, "phase", c.Phase)
		c.Req = 0
	}
	c.Phase, c.Waiting = phaseFallback, false
	orig, ok := a.profileByICCID(a.st.Original)
	if !ok {
		a.log("fallback_failed", "operator", c.Current, "reason", "no original profile on the card")
		a.st.Cycle = nil
		a.persist()
		return false
	}
	a.fallbackTo(orig)
	return a.st.CheckDeferred
}

// reconcile moves the cycle on when an attempt ended without a switch
// (download failed, enable refused): the card is still on the original,
// attached, so the next operator is tried at once.
func (a *Applet) reconcile() {
	c := a.st.Cycle
	if c == nil || c.Phase != phaseAttempt || c.Current == "" {
		return
	}
	if a.st.DL != nil || a.st.Enabling != "" || a.st.Await != nil {
		return
	}
	a.tryNext()
}

// cycleLocation feeds a normal-service report (event or periodic check)
// to the fallback phase; it reports whether the cycle took it.
func (a *Applet) cycleLocation(e LocationStatus) bool {
	c := a.st.Cycle
	if c == nil || c.Phase != phaseFallback || !c.Waiting || e.Service != NormalService {
		return false
	}
	a.fallbackAttached(e.PLMN)
	return true
}

// retryFallbackEnable re-issues the original's enable when it failed
// (periodic check): the card must not stay on a profile that did not attach.
func (a *Applet) retryFallbackEnable() {
	c := a.st.Cycle
	if c == nil || c.Phase != phaseFallback || a.st.Enabling != "" || c.Waiting {
		return
	}
	if orig, ok := a.profileByICCID(a.st.Original); ok {
		a.fallbackTo(orig)
	}
}

func (a *Applet) listOperator(id string) (ListOperator, bool) {
	if a.st.List != nil {
		for _, o := range a.st.List.Operators {
			if o.ID == id {
				return o, true
			}
		}
	}
	return ListOperator{}, false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// judgeAttach decides the attach on the awaited preferred profile from a
// location report (claim 3): normal service on its home network is
// success; limited service (registration denied) or normal service on
// another network is failure; no service waits for the timer.
func (a *Applet) judgeAttach(e LocationStatus) {
	w := a.st.Await
	switch {
	case e.Service == NormalService && e.PLMN == w.PLMN:
		w.Attached = true
		a.st.Cycle = nil // claim 3: an operator of the list attached
		a.persist()
		a.sendAttachSuccess()
	case !w.Booted:
		// Before the Boot on the new profile the report is about the old one.
		a.log("attach_pending", "iccid", w.ICCID, "service", e.Service.String(), "plmn", e.PLMN)
	case e.Service == LimitedService && e.PLMN == "":
		a.attachFailed("registration denied (limited service)")
	case e.Service == LimitedService:
		a.attachFailed(fmt.Sprintf("registration denied (limited service on %s)", e.PLMN))
	case e.Service == NormalService:
		a.attachFailed("normal service on another network " + e.PLMN)
	default:
		a.log("attach_pending", "iccid", w.ICCID, "service", e.Service.String(), "plmn", e.PLMN)
	}
}
