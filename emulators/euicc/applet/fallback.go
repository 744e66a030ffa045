package applet

import (
	"fmt"
	"slices"

	"github.com/esimhil/esimhil/internal/ident"
)

// judge decides the attach of the awaited profile from a report of the
// terminal (claim 3). An attempt on a preferred operator succeeds on normal
// service as its operator (attachedAs: its own network, or national
// roaming on a network of its country; a rescue attempt: on any network);
// a fallback succeeds on normal service anywhere (it may roam: it is the
// channel to the platform). Limited service (registration denied) fails
// at once; no service waits for the attach timer. An attempt a network of
// another country than the list's served or refused fails too, but its
// back-off waits for the fallback (Cycle.Abroad).
// Reports before the Boot on the new profile are about the old one.
func (a *Applet) judge(svc Service, plmn string) {
	c := a.st.Cycle
	target, _ := a.profileByICCID(c.Target)
	pending := func() {
		a.log(KindAttachPending, "iccid", c.Target, "service", svc.String(), "plmn", plmn)
	}
	if !c.Booted {
		pending()
		return
	}
	fallback := a.st.Mode.fallback()
	switch {
	case svc == NormalService && (fallback || c.Trigger == TriggerRescue || attachedAs(target, plmn)):
		a.stopAttachTimer()
		if fallback {
			a.fallbackAttached(plmn)
			return
		}
		a.succeed(c.Current, target.ICCID, plmn)
	case svc == NoService:
		pending()
	case svc == LimitedService && plmn == "":
		a.attachFailedNow("registration denied (limited service)")
	case c.Area != "" && mcc(plmn) != "" && !inArea(mcc(plmn), c.Area, c.Country):
		// Served or refused by a network of another country: the device
		// crossed a border before the profile attached, or it is in a
		// border area where the profile's network does not reach and a
		// neighbour's does. The attempt failed either way (claim 3: back
		// to the original); which it was, the fallback shows — attached
		// in the list's country, the device is still there and the
		// attempt is backed off there (fallbackAttached); attached across
		// the border, the cycle ends, nothing backed off (DESIGN.md §1:
		// "not retried in the same area").
		reason := "normal service on another network " + plmn
		if svc == LimitedService {
			reason = fmt.Sprintf("registration denied (limited service, camped on %s)", plmn)
		}
		if fallback {
			a.fallbackFailedAs(reason, false)
			return
		}
		c.Abroad = append(c.Abroad, Abroad{ICCID: target.ICCID, Operator: c.Current, Bearer: svc == NormalService})
		a.failAttemptAs(reason, true, false)
	case svc == LimitedService:
		a.attachFailedNow(fmt.Sprintf("registration denied (limited service, camped on %s)", plmn))
	default:
		a.attachFailedNow("normal service on another network " + plmn)
	}
}

// attachedAs says whether normal service on network plmn is profile p's
// attach as its operator's subscription (claims 3 and 7: did the preferred
// operator's subscription attach): on the operator's own network, or on a
// network of the country of its home PLMN — national roaming, on domestic
// terms, by the rule TS 23.122 Annex B counts a country by (the same MCC,
// or MCCs E.212 gives one country: the United States' 310 and 311). The
// card keeps that state as preferred_already_enabled (the list's first is
// the enabled profile, on a partner of its country), so reaching it is a
// success too; failing it fell back to international roaming, often on
// the very same network (outside tester o296, D1). A network of another
// country is no attach as the operator: the border (judge's Abroad). The
// late attach (strandedService) counts by the same rule. A code no
// country owns — the test networks' 001, E.212's international 901, one
// the table does not know — has no domestic terms: two networks on it are
// two operators' (a global IoT operator's subscriber on a maritime
// network roams internationally), so there only the operator's own
// network is its attach.
func attachedAs(p Profile, plmn string) bool {
	if p.AtHome(plmn) {
		return true
	}
	return ident.OneCountry(mcc(plmn), mcc(p.HomePLMN))
}

func (a *Applet) attachFailedNow(reason string) {
	if a.st.Mode.fallback() {
		a.fallbackFailed(reason)
		return
	}
	a.failAttempt(reason, true)
}

// attachTimedOut: the attach timer ran out without normal service.
func (a *Applet) attachTimedOut() {
	a.attachFailedNow("no normal service within " + a.cfg.attachWait().String())
}

// fallbackCandidates are the profiles a failed attempt may fall back to,
// in order: the cycle's original (it carried the device here), the home
// profile, then the card's others; none that failed in this cycle, none
// the list has yet to attempt (the walk gets to them), and none but the
// original while backed off in this area.
func (a *Applet) fallbackCandidates() []Profile {
	c := a.st.Cycle
	var out []Profile
	add := func(p Profile, ok bool) {
		if !ok || slices.Contains(c.Failed, p.ICCID) || slices.ContainsFunc(out, func(q Profile) bool { return q.ICCID == p.ICCID }) {
			return
		}
		if p.ICCID != c.Original {
			if _, off := a.backedOff(p.Operator, c.Area, c.Country); off {
				return
			}
			if slices.ContainsFunc(c.Ops[c.Next:], func(o ListOperator) bool { return serves(p, o) && !slices.Contains(c.Tried, o.ID) }) {
				return
			}
		}
		out = append(out, p)
	}
	add(a.profileByICCID(c.Original))
	add(a.profileByICCID(a.st.Home))
	for _, p := range a.st.Profiles {
		add(p, true)
	}
	// Last, an attempt that had normal service across a border: it failed
	// here, but it is a bearer, and the device may have crossed.
	for _, ab := range c.Abroad {
		if p, ok := a.profileByICCID(ab.ICCID); ok && ab.Bearer && !ab.Tried && !slices.ContainsFunc(out, func(q Profile) bool { return q.ICCID == p.ICCID }) {
			out = append(out, p)
		}
	}
	return out
}

// fallbackNext falls back to the next candidate (claim 3: the original
// operator is the fallback channel; when it cannot attach either the card
// tries its other profiles rather than wait). With none left the list goes
// on without a bearer: preinstalled operators need none, downloads are
// passed over.
func (a *Applet) fallbackNext(from string) {
	cands := a.fallbackCandidates()
	if len(cands) == 0 {
		var failed []string
		for _, id := range a.st.Cycle.Failed {
			p, _ := a.profileByICCID(id)
			failed = append(failed, p.Operator)
		}
		a.log(KindFallbackExhausted, "operators", failed)
		a.next()
		return
	}
	to := cands[0]
	a.log(KindFallback, "from_operator", from, "to_operator", to.Operator)
	if i := slices.IndexFunc(a.st.Cycle.Abroad, func(ab Abroad) bool { return ab.ICCID == to.ICCID }); i >= 0 {
		a.st.Cycle.Abroad[i].Tried = true
	}
	a.enableFallback(to.ICCID)
}

// enableFallback enables candidate iccid, or, when it already is the
// enabled profile, awaits its attach right away — judged at once when it
// has service: the failed attempt a network across the border serves,
// the last candidate (fallbackCandidates), is attached already.
func (a *Applet) enableFallback(iccid string) {
	c := a.st.Cycle
	c.Target, c.EnableAfterNote = iccid, false
	if cur, ok := a.enabled(); ok && cur.ICCID == iccid {
		c.Booted = true
		a.become(ModeFallbackAwaitAttach)
		a.startAttachTimer()
		if a.st.Online {
			a.judge(NormalService, a.st.Serving)
		}
		return
	}
	c.Booted = false
	a.become(ModeFallbackEnabling)
	a.enableOrHold()
}

// fallbackFailed: the candidate did not attach either; the next one.
func (a *Applet) fallbackFailed(reason string) { a.fallbackFailedAs(reason, true) }

// fallbackFailedAs is fallbackFailed; backoff false spares the operator
// the back-off (it did not fail in the cycle's area).
func (a *Applet) fallbackFailedAs(reason string, backoff bool) {
	c := a.st.Cycle
	p, _ := a.profileByICCID(c.Target)
	a.log(KindFallbackFailed, "operator", p.Operator, "reason", reason)
	a.stopAttachTimer()
	if backoff {
		a.backoffSeen(c.Visible, p.Operator, p.HomePLMN, c.Area, c.Country)
	}
	if cur, ok := a.enabled(); ok && cur.ICCID == p.ICCID {
		a.strand(p, c.Area, c.Country, backoff, false, false)
	}
	c.Failed = append(c.Failed, c.Target)
	a.fallbackNext(p.Operator)
}

// fallbackAttached: the fallback profile is attached, so the card has a
// bearer: what it owes the platform goes out (the outbox, on the bearer's
// return) and the list goes on with the next operator. A device that has
// meanwhile crossed into another country ends the cycle: the rest of the
// list is for the old one. One still in the list's country shows that
// the attempts a neighbour's network served or refused failed here: they
// are backed off here, or a border area would switch at every check.
func (a *Applet) fallbackAttached(plmn string) {
	c := a.st.Cycle
	p, _ := a.profileByICCID(c.Target)
	a.log(KindFallbackAttached, "operator", p.Operator, "plmn", plmn)
	if c.Area != "" && mcc(plmn) != "" && !inArea(mcc(plmn), c.Area, c.Country) {
		if slices.ContainsFunc(c.Abroad, func(ab Abroad) bool { return ab.ICCID == p.ICCID }) {
			// The last fallback, an attempt with service across the
			// border: its attach-failure went out, so its attach on its
			// own network later owes attach-success.
			a.strand(p, c.Area, c.Country, false, true, false)
		}
		a.crossed(p, mcc(plmn))
		return
	}
	for _, ab := range c.Abroad {
		if ab.ICCID != p.ICCID {
			a.backoffSeen(c.Visible, ab.Operator, a.abroadPLMN(ab), c.Area, c.Country)
		}
	}
	c.Abroad = nil
	a.next()
}
