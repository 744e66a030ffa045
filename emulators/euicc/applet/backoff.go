package applet

import "slices"

// Back-off (DESIGN.md §1): an operator that failed in an area (attach,
// download, or as a fallback; not a download the platform never had,
// Download.Unsent) is left out of that area's cycles for a
// growing number of periodic checks, 1, 2, 4 … capped (Config.Backoff):
// after a failure it sits out the next n checks.
// Every attempt costs a REFRESH, which drops the device's data session,
// and every download order costs the operator; a list whose operators all
// fail must not cost that at every period. The table is persisted, so
// resets and power cuts do not clear it; the clock is State.Checks,
// persisted too while an entry waits for it (State.durable). Checks are
// counted while the card runs: time powered off is not.
// Where an operator failed is the MCC the cycle began on and the country
// of its list, when it had one (samePlace).

// backoffAt is the index of op's back-off entry for MCC area under a list
// for country, -1 when there is none; live ones only when live is set.
func (a *Applet) backoffAt(op, area, country string, live bool) int {
	return slices.IndexFunc(a.st.Backoff, func(b BackoffEntry) bool {
		return b.Operator == op && samePlace(b.Area, b.Country, area, country) && (!live || a.st.Checks < b.Until)
	})
}

// backedOff reports whether op is backed off in area (under a list for
// country), and until which check.
func (a *Applet) backedOff(op, area, country string) (uint64, bool) {
	if i := a.backoffAt(op, area, country, true); i >= 0 {
		return a.st.Backoff[i].Until, true
	}
	return 0, false
}

// visibleExempt says whether a cycle may try op in area (under a list for
// country, "" for none) in spite of its pause: its network (plmn) is
// among those visible when the cycle began, and no cycle has done so
// since it last attached. A back-off earned where that network had no
// cell must not keep the device off it where it is visible (outside
// testers sw80, t84 N2) — a list's operator too (outside tester t215 W3:
// Vodafone UK, backed off at sea on a maritime 901 network under the UK
// list, was passed over for an hour at Southampton, the device roaming on
// Vodafone UK's own network with another operator's profile). Once only,
// so a network that keeps refusing its own subscriber costs no REFRESH a
// round. mark records the try.
func (a *Applet) visibleExempt(op, area, country, plmn string, visible []string, mark bool) bool {
	if !slices.Contains(visible, plmn) {
		return false
	}
	i := a.backoffAt(op, area, country, true)
	if i < 0 || a.st.Backoff[i].Rescued {
		return false
	}
	if mark {
		a.st.Backoff[i].Rescued = true
	}
	return true
}

// failedInSight spends the exemption of cycle c's attempt, just backed
// off, when that back-off was not earned out of its network's sight: the
// attempt failed with its own network visible, so trying it again at the
// next check would only cost a REFRESH pair; or it failed with no switch
// (a download, a refused enable), which the network's cells had no part
// in, and another download order would cost the operator again (DESIGN
// §1, back-off).
func (a *Applet) failedInSight(c *Cycle, switched bool) {
	if switched {
		i := slices.IndexFunc(c.Ops, func(o ListOperator) bool { return o.ID == c.Current })
		if i < 0 || !slices.Contains(c.Visible, c.Ops[i].PLMN) {
			return
		}
	}
	a.spendExemption(c.Current, c.Area, c.Country)
}

// backoffSeen is backoffFailed for a profile that failed outside an
// attempt (a fallback, an attempt a neighbour's network took, the enabled
// profile refused at a check): its exemption is spent when its network
// (plmn) was in sight (visible), as for an attempt (failedInSight).
func (a *Applet) backoffSeen(visible []string, op, plmn, area, country string) {
	a.backoffFailed(op, area, country)
	if slices.Contains(visible, plmn) {
		a.spendExemption(op, area, country)
	}
}

// spendExemption marks op's live back-off in area (under a list for
// country) as having had its one try in sight (visibleExempt).
func (a *Applet) spendExemption(op, area, country string) {
	if j := a.backoffAt(op, area, country, true); j >= 0 {
		a.st.Backoff[j].Rescued = true
	}
}

// backoffFailed records a failure of op in area, under a list for country
// ("" for none), and logs the pause.
func (a *Applet) backoffFailed(op, area, country string) {
	if op == "" {
		return
	}
	i := a.backoffAt(op, area, country, false)
	if i < 0 {
		if len(a.st.Backoff) >= maxBackoff {
			a.st.Backoff = a.st.Backoff[1:]
		}
		a.st.Backoff = append(a.st.Backoff, BackoffEntry{Operator: op, Area: area, Country: country})
		i = len(a.st.Backoff) - 1
	}
	b := &a.st.Backoff[i]
	if b.Country == "" {
		b.Country = country // an entry from a rescue: now known under a list too
	}
	b.Failures++
	periods := a.cfg.backoff().periods(b.Failures)
	// Left out of the next `periods` checks: allowed again at the one after.
	b.Until = a.st.Checks + uint64(periods) + 1
	kv := []any{"operator", op, "area", area}
	if b.Country != "" {
		kv = append(kv, "country", b.Country)
	}
	a.log(KindBackoff, append(kv, "failures", b.Failures, "periods", periods, "until_check", b.Until)...)
}

// backoffCleared forgets op's failures in area (under a list for
// country): it attached.
func (a *Applet) backoffCleared(op, area, country string) {
	a.st.Backoff = slices.DeleteFunc(a.st.Backoff, func(b BackoffEntry) bool {
		return b.Operator == op && samePlace(b.Area, b.Country, area, country)
	})
}

// periods is the pause after the n-th failure in a row: First·2^(n-1),
// at most Max.
func (b Backoff) periods(n int) int {
	p := b.First
	for i := 1; i < n && p < b.Max; i++ {
		p *= 2
	}
	return min(p, b.Max)
}
