package applet

import (
	"fmt"
	"slices"
)

// startCycle logs the new cycle and makes its first attempt. The checks
// without service counted so far were the profile's the cycle leaves or
// tries again: a rescue after it needs two more, on the profile it ends on.
// A list the walk would pass over whole (every operator backed off, no
// room, no bearer), or whose first operator it would try is the profile
// already serving, starts no cycle: nothing is switched, so there is no
// outcome to report, and every cycle ends with one (DESIGN, "Decisions";
// outside tester sw82: a full card's cycles ended "none", unreported, for
// hours). The next check asks again.
func (a *Applet) startCycle(c *Cycle) {
	ids := make([]string, len(c.Ops))
	for i, o := range c.Ops {
		ids[i] = o.ID
	}
	var reasons []string
	for _, op := range c.Ops {
		why, serving, _, _ := a.pass(c, op, false)
		switch {
		case why != "":
			reasons = append(reasons, op.ID+": "+why)
			continue
		case serving:
			a.log(KindPreferredAlreadyEnabled, "operator", op.ID)
			a.st.Cycle = nil
			a.become(ModeIdle)
			return
		}
		reasons = nil
		break
	}
	if len(reasons) > 0 {
		a.log(KindListPassedOver, "trigger", c.Trigger, "operators", ids, "reasons", reasons)
		a.st.Cycle = nil
		a.become(ModeIdle)
		return
	}
	a.st.Cycle = c
	a.st.NoService = 0
	orig, _ := a.profileByICCID(c.Original)
	kv := []any{"trigger", c.Trigger, "operators", ids, "original", orig.Operator, "area", c.Area}
	if c.Country != "" {
		kv = append(kv, "country", c.Country)
	}
	a.log(KindCycleStarted, kv...)
	a.next()
}

// pass is the walk's judgment of op in cycle c: why it is passed over
// ("" when it is not), and whether it is the profile serving the device
// (the walk ends there: the list led to where the device is), with its
// profile if the card holds one. mark records the use of its exemption
// from the back-off (visibleExempt).
func (a *Applet) pass(c *Cycle, op ListOperator, mark bool) (why string, serving bool, p Profile, have bool) {
	if slices.Contains(c.Tried, op.ID) {
		return "repeated in list", false, p, false
	}
	p, have = a.profileByPLMN(op.PLMN)
	if cur, ok := a.enabled(); ok && serves(cur, op) {
		p, have = cur, true
	}
	if until, off := a.backedOff(op.ID, c.Area, c.Country); off && !(have && slices.Contains(c.Failed, p.ICCID)) &&
		!a.visibleExempt(op.ID, c.Area, c.Country, op.PLMN, c.Visible, mark) {
		return fmt.Sprintf("backed off until check %d", until), false, p, have
	}
	switch {
	case have && p.Enabled && a.st.Online && !slices.Contains(c.Failed, p.ICCID):
		return "", true, p, have
	case have && slices.Contains(c.Failed, p.ICCID):
		return "did not attach in this cycle", false, p, have
	case have && p.Enabled:
		return "enabled, without service", false, p, have
	case !have && len(a.st.Profiles) >= maxProfiles:
		return fullCard(len(a.st.Profiles)), false, p, have
	case !have && !a.st.Online:
		return "no bearer for a download", false, p, have
	case !have:
		return a.noRoomFor(op.ID), false, p, have
	}
	return "", false, p, have
}

// next walks the cycle's list to the next operator worth an attempt
// (claim 3: in order, each once): preinstalled → enable (claim 1),
// otherwise download (claim 2). An operator is passed over (pass) when
// the list names it again, when it is backed off in this area, when its
// profile already failed in this cycle, when it needs a download and the
// card's profile slots are all taken, no profile has a bearer, or its
// last install did not fit. Reaching the
// profile that serves ends the cycle: the list led to where the device
// is. At the end of the list the cycle is exhausted.
func (a *Applet) next() {
	c := a.st.Cycle
	for c.Next < len(c.Ops) {
		op := c.Ops[c.Next]
		c.Next++
		why, serving, p, have := a.pass(c, op, true)
		switch {
		case why != "":
			a.log(KindAttemptSkipped, "operator", op.ID, "reason", why)
			continue
		case serving:
			a.log(KindPreferredAlreadyEnabled, "operator", op.ID)
			a.succeed(op.ID, p.ICCID, a.st.Serving)
			return
		}
		c.Tried = append(c.Tried, op.ID)
		c.Attempts++
		c.Current = op.ID
		if !have {
			a.log(KindAttempt, "operator", op.ID, "via", "download")
			a.log(KindProfileNotPreinstalled, "operator", op.ID)
			a.startDownload(op)
			return
		}
		a.log(KindAttempt, "operator", op.ID, "via", "preinstalled")
		a.enableAttempt(p.ICCID)
		return
	}
	ids := make([]string, len(c.Ops))
	for i, o := range c.Ops {
		ids[i] = o.ID
	}
	a.log(KindListExhausted, "operators", ids)
	a.endCycle(OutcomeListExhausted, "")
}

// enableAttempt switches to the attempt's preinstalled (or just
// downloaded) profile.
func (a *Applet) enableAttempt(iccid string) {
	c := a.st.Cycle
	c.Target, c.Booted = iccid, false
	a.become(ModeAttemptEnabling)
	a.enableOrHold()
}

// profileEnabled records a switch (attempt or fallback) and restarts the
// terminal (claim 1: notify the terminal to restart and re-attach); a
// refused enable fails the attempt or the fallback at once.
func (a *Applet) profileEnabled(e ProfileEnabled) {
	fallback := a.st.Mode.fallback()
	if e.Result != 0 {
		a.log(KindProfileEnableFailed, "iccid", e.ICCID, "result", e.Result)
		if fallback {
			a.fallbackFailed(fmt.Sprintf("enable refused (result %d)", e.Result))
			a.flush()
			return
		}
		a.failAttempt(fmt.Sprintf("enable refused (result %d)", e.Result), false)
		a.flush() // what the enable held back, unless another is out
		return
	}
	a.setEnabled(e.ICCID)
	next := a.logEnabled(e.ICCID)
	a.st.Cycle.Booted = false
	a.st.Online, a.st.Serving = false, ""
	a.become(next)
	a.emit(Refresh{}) // persisted first (emit): the reset must not lose the mode
}

// logEnabled records that the cycle's switch to iccid took effect, as an
// attempt or a fallback by the mode, and returns the mode that awaits its
// attach.
func (a *Applet) logEnabled(iccid string) Mode {
	p, _ := a.profileByICCID(iccid)
	role := "attempt"
	if a.st.Mode.fallback() {
		role = "fallback"
	}
	a.log(KindProfileEnabled, "iccid", p.ICCID, "operator", p.Operator, "original", p.ICCID == a.st.Home, "role", role)
	return a.st.Mode.awaitAttach()
}

// succeed ends the cycle on an operator that attached (claims 3 and 7),
// serving on plmn. The report names the operator's own network (the
// platform API's plmn is the operator's), the log the serving one.
func (a *Applet) succeed(op, iccid, plmn string) {
	a.backoffCleared(op, a.st.Cycle.Area, a.st.Cycle.Country)
	p, _ := a.profileByICCID(iccid)
	n := Note{Kind: NoteAttachSuccess, Operator: op, ICCID: iccid, PLMN: p.HomePLMN}
	a.endCycleWith(OutcomeAttachSuccess, "", n, plmn)
}

// endCycle ends the cycle with an outcome that needs no operator.
func (a *Applet) endCycle(outcome, reason string) {
	var n Note
	if outcome == OutcomeListExhausted {
		n = Note{Kind: NoteListExhausted, PLMN: a.st.Cycle.Serving}
	}
	a.endCycleWith(outcome, reason, n, n.PLMN)
}

// endCycleWith logs the outcome, owes the platform its report (once: the
// outbox delivers at least once, the report number makes repeats
// recognisable) and goes back to Idle.
func (a *Applet) endCycleWith(outcome, reason string, n Note, serving string) {
	c := a.st.Cycle
	if reason != ReasonLeftArea {
		a.st.LeftArea = nil // only the very next cycle can go back the way it came
	}
	kv := []any{"outcome", outcome, "attempts", c.Attempts}
	if n.Kind != "" {
		report := a.owe(n)
		kv = append(kv, "report", report)
		if n.Operator != "" {
			kv = append(kv, "operator", n.Operator, "plmn", serving)
		}
	}
	if reason != "" {
		kv = append(kv, "reason", reason)
	}
	a.stopAttachTimer()
	a.log(KindCycleEnded, kv...)
	a.st.Cycle = nil
	a.become(ModeIdle)
	a.flush()
}

// failAttempt is the failure of the attempt in progress. switched says the
// card left the profile it attempted from (an attach that failed): then it
// falls back (claim 3). Otherwise (download failed, enable refused) it is
// still on a profile that was attached, and goes on with the list at once,
// or once that profile has a bearer again.
func (a *Applet) failAttempt(reason string, switched bool) {
	a.failAttemptAs(reason, switched, true)
}

// failAttemptAs is failAttempt; backoff false spares the operator the
// back-off (it never had its chance in the area).
func (a *Applet) failAttemptAs(reason string, switched, backoff bool) {
	c := a.st.Cycle
	if reason != "" {
		a.log(KindAttachFailed, "operator", c.Current, "reason", reason)
	}
	if backoff {
		a.backoffFailed(c.Current, c.Area, c.Country)
		a.failedInSight(c, switched)
	}
	a.stopAttachTimer()
	if !switched {
		a.resumeOnServing()
		return
	}
	target, _ := a.profileByICCID(c.Target)
	c.Failed = append(c.Failed, c.Target)
	if cur, ok := a.enabled(); ok && cur.ICCID == target.ICCID {
		a.strand(target, c.Area, c.Country, backoff, true, c.Trigger == TriggerRescue)
	}
	a.enqueue(Note{Kind: NoteAttachFailure, Operator: c.Current, ICCID: target.ICCID, PLMN: target.HomePLMN})
	a.afterFailedAttempt()
}

// afterFailedAttempt goes on from an attempt judged failed (its failure
// noted, its report queued): the fallback, or for a rescue the next
// candidate.
func (a *Applet) afterFailedAttempt() {
	c := a.st.Cycle
	if c.Trigger == TriggerRescue {
		// No profile is known to work: the next candidate is the fallback.
		a.next()
		return
	}
	a.fallbackNext(c.Current)
}

// resumeOnServing goes on with the list from the enabled profile, which
// did not change: at once when it has a bearer, else once it attaches
// (bounded by the attach timer, as a fallback).
func (a *Applet) resumeOnServing() {
	c := a.st.Cycle
	if a.st.Online {
		a.next()
		return
	}
	cur, ok := a.enabled()
	if !ok || slices.Contains(c.Failed, cur.ICCID) {
		a.fallbackNext(c.Current)
		return
	}
	a.log(KindFallback, "from_operator", c.Current, "to_operator", cur.Operator)
	a.enableFallback(cur.ICCID)
}
