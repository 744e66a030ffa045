package applet

import "slices"

// boot handles a card reset (a REFRESH the applet asked for, a power cut,
// a modem restart): requests in flight will never be answered, the
// terminal's timers are gone and the bearer with them. The periodic check
// starts again, the mode resumes from what it persisted, and the card's
// pending SGP.22 notifications are listed for resending.
func (a *Applet) boot(e Boot) {
	prev := a.st.Profiles
	a.st.Profiles = append([]Profile(nil), e.Profiles...)
	a.markHome()
	a.unstrandUnlessEnabled()
	a.st.InFlight = nil
	a.st.Retry, a.st.RetryDue = nil, false
	a.st.Online, a.st.Serving, a.st.Measured = false, "", nil
	a.st.AttachArmed = false
	a.emit(StartTimer{ID: CheckTimer, D: a.cfg.checkInterval()})
	a.resume(prev)
	a.startRetry()
}

// markHome fixes the home profile: the first Boot learns it (from the
// runtime's flag, else the enabled profile) and later Boots keep it
// whatever flags the runtime sends.
func (a *Applet) markHome() {
	if _, ok := a.profileByICCID(a.st.Home); !ok {
		a.st.Home = ""
		for _, p := range a.st.Profiles {
			if p.Original && a.st.Home == "" {
				a.st.Home = p.ICCID
			}
		}
	}
	if a.st.Home == "" {
		if p, ok := a.enabled(); ok {
			a.st.Home = p.ICCID
		}
	}
	for i := range a.st.Profiles {
		a.st.Profiles[i].Original = a.st.Profiles[i].ICCID == a.st.Home
	}
}

// resume continues the mode after a Boot. Only the Boot on an attempt's
// or fallback's new profile is expected (the REFRESH the applet asked
// for); any other means a reset in the middle of a cycle, logged as
// cycle_resumed.
func (a *Applet) resume(prev []Profile) {
	c := a.st.Cycle
	m := a.st.Mode
	if m == ModeIdle {
		return
	}
	if c == nil {
		// Only DecodeState makes states, and it refuses this one; be safe.
		a.become(ModeIdle)
		return
	}
	cur, _ := a.enabled()
	expected := m.awaiting() && !c.Booted && cur.ICCID == c.Target
	if !expected {
		a.log(KindCycleResumed, "mode", string(m), "operator", c.Current)
	}
	if _, ok := a.profileByICCID(c.Original); !ok {
		c.Original = "" // deleted meanwhile: no longer a fallback
	}
	if _, ok := a.profileByICCID(c.Target); !ok && (m.enabling() || m.awaiting()) {
		// The profile the cycle was on is gone from the card: nothing to
		// resume on.
		a.endCycle(OutcomeListExhausted, "profile "+c.Target+" is no longer on the card")
		return
	}
	switch m {
	case ModeAwaitingList:
		// The request died with the reset; the next periodic check asks
		// again. No operator was attempted: nothing to report.
		a.st.Cycle = nil
		a.become(ModeIdle)
	case ModeAttemptDownloading:
		a.resumeDownload(prev)
	default: // enabling or awaiting an attach, as an attempt or a fallback
		switch {
		case m.awaiting() && !m.fallback() && cur.ICCID == c.Target && slices.Contains(c.Failed, c.Target):
			// The attempt was judged failed before the reset: its
			// attach-failure is in the outbox (and may have gone out over
			// the bearer it had abroad), the fallback had not begun. Go on
			// from the judgment, not judge it again: one failure, one
			// report, one back-off step (outside tester sw50).
			a.afterFailedAttempt()
		case cur.ICCID != c.Target && m.fallback():
			a.enableFallback(c.Target) // the enable never reached NVM: again
		case cur.ICCID != c.Target:
			// The enable never reached NVM: again, once the device knows
			// where it woke up.
			c.Booted = false
			a.become(ModeAttemptEnabling)
			a.holdForPlace()
		default:
			next := m.awaitAttach()
			if m.enabling() {
				// The enable reached NVM but the reset came before its
				// result reached the applet: the switch happened, and the
				// log says so as it would have (no REFRESH: this boot is
				// already on the new profile).
				next = a.logEnabled(c.Target)
			}
			c.Booted = true
			a.become(next)
			a.startAttachTimer()
		}
	}
}
