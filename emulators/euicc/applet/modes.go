package applet

// stepFunc is one mode's handling of an event (after the common part in
// Step: the in-flight table, the periodic clock, the bearer). It returns ""
// when the event was taken, else why the mode has no use for it (logged as
// `ignored`, nothing changed).
type stepFunc func(a *Applet, ev Event) (ignored string)

// steps holds one step function per mode (etcd raft's stepLeader /
// stepFollower shape). docs/applet-modes.md is the table of what each does
// with each event; TestModeTable regenerates and checks it.
var steps map[Mode]stepFunc

func init() {
	steps = map[Mode]stepFunc{
		ModeIdle:                stepIdle,
		ModeAwaitingList:        stepAwaitingList,
		ModeAttemptEnabling:     stepEnabling,
		ModeAttemptDownloading:  stepDownloading,
		ModeAttemptAwaitAttach:  stepAwaitAttach,
		ModeFallbackEnabling:    stepEnabling,
		ModeFallbackAwaitAttach: stepAwaitAttach,
	}
}

// elsewhere answers an event a mode has no handling of its own for: the
// common part of Step already took what was in it for everyone (the check
// timer counted and restarted, the bearer noted).
func elsewhere(ev Event) string {
	switch e := ev.(type) {
	case TimerExpired:
		if e.ID == CheckTimer {
			return ""
		}
		return "no attach is awaited"
	case LocationStatus:
		return ""
	case LocalInfo:
		return "no location read in flight"
	case ProfileEnabled:
		return "no enable in flight"
	}
	return "no request of this mode is in flight"
}

// stepIdle: between cycles. The periodic check reads the location and
// decides (idle.go): come home, rescue, ask for a list, or nothing.
func stepIdle(a *Applet, ev Event) string {
	switch e := ev.(type) {
	case TimerExpired:
		if e.ID == CheckTimer {
			a.emit(ReadLocation{})
			return ""
		}
	case LocalInfo:
		a.idleCheck(e)
		return ""
	}
	return elsewhere(ev)
}

// stepAwaitingList: the list request is in flight; its answer (or a reset)
// ends the mode. A periodic check meanwhile reads nothing: the answer
// comes first.
func stepAwaitingList(a *Applet, ev Event) string {
	if e, ok := ev.(HTTPResult); ok {
		a.listAnswer(e)
		return ""
	}
	return elsewhere(ev)
}

// stepEnabling: an EnableProfile is out; the runtime answers it before
// anything else the applet asked for.
func stepEnabling(a *Applet, ev Event) string {
	switch e := ev.(type) {
	case ProfileEnabled:
		if e.ICCID != a.st.Cycle.Target {
			return "no enable of " + e.ICCID + " in flight"
		}
		a.profileEnabled(e)
		return ""
	case TimerExpired:
		if e.ID == CheckTimer && a.heldForPlace() {
			a.emit(ReadLocation{}) // where did the device wake up?
			return ""
		}
		return elsewhere(ev)
	}
	return "an enable is in progress"
}

// stepDownloading: one download step's request is out (download.go). A
// periodic check meanwhile reads nothing: the next one after the download
// judges.
func stepDownloading(a *Applet, ev Event) string {
	switch e := ev.(type) {
	case HTTPResult:
		a.downloadHTTP(e)
		return ""
	case ES10Result:
		a.downloadES10(e)
		return ""
	}
	return elsewhere(ev)
}

// stepAwaitAttach: the target profile is enabled; the terminal's reports
// (events and periodic looks) judge its attach, the attach timer bounds
// the wait (fallback.go).
func stepAwaitAttach(a *Applet, ev Event) string {
	switch e := ev.(type) {
	case LocationStatus:
		if e.Service == LimitedService && e.PLMN == "" && a.st.Cycle.Booted && a.st.Cycle.Area != "" {
			// The event names no network in limited service (TS 102 223
			// §7.5.4); PROVIDE LOCAL INFORMATION names the one the device
			// camps on (§6.4.15), so the judge knows whether the refusal
			// came from the list's country or the next one.
			a.emit(ReadLocation{})
			return ""
		}
		a.judge(e.Service, e.PLMN)
		return ""
	case LocalInfo:
		a.judge(e.Service, e.PLMN)
		return ""
	case TimerExpired:
		if e.ID == CheckTimer {
			a.emit(ReadLocation{}) // a periodic look can confirm the attach too
		} else {
			a.attachTimedOut()
		}
		return ""
	}
	return elsewhere(ev)
}
