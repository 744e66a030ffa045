package applet

import "fmt"

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

// stepIdle: between cycles. The periodic check reads the location and
// decides (idle.go): come home, rescue, ask for a list, or nothing.
func stepIdle(a *Applet, ev Event) string {
	switch e := ev.(type) {
	case TimerExpired:
		if e.ID == CheckTimer {
			a.emit(ReadLocation{})
			return ""
		}
		return "no attach is awaited"
	case LocalInfo:
		a.idleCheck(e)
		return ""
	case LocationStatus:
		return "" // the bearer is tracked; the next periodic check judges
	case ProfileEnabled:
		return "no enable in flight"
	}
	return "no request of this mode is in flight"
}

// stepAwaitingList: the list request is in flight; its answer (or a reset)
// ends the mode.
func stepAwaitingList(a *Applet, ev Event) string {
	switch e := ev.(type) {
	case HTTPResult:
		a.listAnswer(e)
		return ""
	case TimerExpired:
		if e.ID == CheckTimer {
			return "" // the list's answer comes first
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
		if e.ID == CheckTimer {
			return ""
		}
		return "no attach is awaited"
	}
	return "an enable is in progress"
}

// stepDownloading: one download step's request is out (download.go).
func stepDownloading(a *Applet, ev Event) string {
	switch e := ev.(type) {
	case HTTPResult:
		a.downloadHTTP(e)
		return ""
	case ES10Result:
		a.downloadES10(e)
		return ""
	case TimerExpired:
		if e.ID == CheckTimer {
			return "" // busy: the next check after the download judges
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

// stepAwaitAttach: the target profile is enabled; the terminal's reports
// (events and periodic looks) judge its attach, the attach timer bounds
// the wait (fallback.go).
func stepAwaitAttach(a *Applet, ev Event) string {
	switch e := ev.(type) {
	case LocationStatus:
		a.judge(e.Service, e.PLMN)
		return ""
	case LocalInfo:
		a.judge(e.Service, e.PLMN)
		return ""
	case TimerExpired:
		switch {
		case e.ID == CheckTimer:
			a.emit(ReadLocation{}) // a periodic look can confirm the attach too
		default:
			a.attachTimedOut()
		}
		return ""
	case ProfileEnabled:
		return "no enable in flight"
	}
	return fmt.Sprintf("no request of mode %s is in flight", a.st.Mode)
}
