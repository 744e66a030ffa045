package applet

import "fmt"

// CheckTimer is the id of the periodic roaming-check timer (claim 1).
const CheckTimer = 1

// Platform API paths (DESIGN.md §4: the platform API is ours to design).
const (
	PathPreferredList = "/v1/preferred-list"
	PathNotifications = "/v1/notifications"
)

// Applet is the autoswitch state machine. It is not safe for concurrent use;
// the card runtime feeds it one event at a time.
type Applet struct {
	cfg Config
	st  State
	out []Effect
}

// New returns an applet resuming from st (the zero State for a fresh card).
func New(cfg Config, st State) *Applet {
	return &Applet{cfg: cfg, st: st.clone()}
}

// State returns a copy of the applet's current state.
func (a *Applet) State() State { return a.st.clone() }

// Step feeds one event and returns the effects to carry out, in order. The
// same state and the same event always give the same effects.
func (a *Applet) Step(ev Event) []Effect {
	a.out = nil
	switch e := ev.(type) {
	case Boot:
		a.boot(e)
	case TimerExpired:
		a.timer(e)
	case LocalInfo:
		a.localInfo(e)
	case LocationStatus:
		a.st.Online = e.Service == NormalService
		if a.st.Online && a.st.FlushDue {
			a.flush()
		}
		a.locationStatus(e)
	case HTTPResult:
		a.httpResult(e)
		a.reconcile()
	case ProfileEnabled:
		a.profileEnabled(e)
		a.reconcile()
	case ES10Result:
		a.es10Result(e)
		a.reconcile()
	default:
		a.log("ignored", "event", fmt.Sprintf("%T", ev), "reason", "unknown event")
	}
	out := a.out
	a.out = nil
	return out
}

func (a *Applet) emit(e Effect) { a.out = append(a.out, e) }

// log emits a Log effect from key, value pairs.
func (a *Applet) log(kind string, kv ...any) {
	f := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i].(string)] = kv[i+1]
	}
	a.emit(Log{Kind: kind, Fields: f})
}

func (a *Applet) persist() { a.emit(Persist{State: a.st.clone()}) }

func (a *Applet) nextReq() int {
	a.st.LastReqID++
	return a.st.LastReqID
}

// boot handles a card reset: requests in flight before it will never be
// answered, and a switch awaiting its attach check stays awaited.
func (a *Applet) boot(e Boot) {
	prev := a.st.Profiles
	a.st.Profiles = append([]Profile(nil), e.Profiles...)
	a.markOriginal()
	a.st.ListReq, a.st.NotifyReq, a.st.Enabling = 0, 0, ""
	if dl := a.st.DL; dl != nil {
		if p, ok := newProfileOf(dl.Operator, prev, a.st.Profiles); ok {
			// The install reached NVM before the reset: the download
			// succeeded, and the platform is still owed its notification.
			a.log("download_result", "operator", dl.Operator, "ok", true, "reason", "installed before the card reset")
			a.st.Owed = append(a.st.Owed, OwedNote{Operator: dl.Operator, ICCID: p.ICCID, Seq: dl.Seq})
		} else {
			// The ISD-R's session ended with the reset.
			a.log("download_result", "operator", dl.Operator, "ok", false, "reason", "card reset during step "+dl.Step)
		}
		a.st.DL = nil
	}
	a.st.Retry = nil
	for i := range a.st.Owed {
		a.st.Owed[i].Req = 0
	}
	if w := a.st.Await; w != nil {
		if p, ok := a.enabled(); !ok || p.ICCID != w.ICCID {
			// The awaited profile is no longer enabled (e.g. a power loss
			// before the enable reached NVM): nothing is left to check.
			a.log("attach_check_dropped", "iccid", w.ICCID, "reason", "profile not enabled after boot")
			if w.Attached {
				// It did attach before: its report is still owed.
				a.st.Owed = append(a.st.Owed, OwedNote{Kind: "attach-success", Operator: w.Operator, ICCID: w.ICCID, PLMN: w.PLMN, Report: w.Report})
			}
			a.st.Await = nil
			a.persist()
		}
	}
	if !a.bootCycle() {
		a.emit(StartTimer{ID: CheckTimer, D: a.cfg.CheckInterval})
	}
	// Notifications not acknowledged before the reset are sent again
	// (SGP.22 §3.5: pending until acknowledged) once there is a bearer.
	a.st.Online = false
	a.resendOwed()
	a.startRetry()
}

// flush sends what the card still owes: download-success notifications to
// the platform and the ISD-R's pending notifications to their SM-DP+.
func (a *Applet) flush() {
	a.st.FlushDue = false
	a.resendOwed()
	if a.st.Retry == nil {
		a.startRetry()
	}
}

// markOriginal fixes which profile is the original one: the first Boot
// learns it (from the runtime's flag, else the enabled profile) and later
// Boots keep it whatever flags the runtime sends.
func (a *Applet) markOriginal() {
	if a.st.Original == "" {
		for _, p := range a.st.Profiles {
			if p.Original {
				a.st.Original = p.ICCID
			}
		}
	}
	if a.st.Original == "" {
		if p, ok := a.enabled(); ok {
			a.st.Original = p.ICCID
		}
	}
	for i := range a.st.Profiles {
		a.st.Profiles[i].Original = a.st.Profiles[i].ICCID == a.st.Original
	}
}

// timer runs the periodic check (claim 1) and resends an owed notification.
func (a *Applet) timer(e TimerExpired) {
	if e.ID == AttachTimer {
		a.attachWaitExpired()
		return
	}
	if e.ID != CheckTimer {
		a.log("ignored", "event", "timer_expired", "reason", fmt.Sprintf("unknown timer %d", e.ID))
		return
	}
	if w := a.st.Await; w != nil && w.Attached && a.st.NotifyReq == 0 {
		a.sendAttachSuccess()
	}
	if a.st.FlushDue && a.st.Online {
		a.flush()
	}
	a.retryFallbackEnable()
	a.emit(ReadLocation{})
	a.emit(StartTimer{ID: CheckTimer, D: a.cfg.CheckInterval})
}

// enabled returns the enabled profile.
func (a *Applet) enabled() (Profile, bool) {
	for _, p := range a.st.Profiles {
		if p.Enabled {
			return p, true
		}
	}
	return Profile{}, false
}

// profileByPLMN returns the first profile whose home network is plmn.
func (a *Applet) profileByPLMN(plmn string) (Profile, bool) {
	for _, p := range a.st.Profiles {
		if p.HomePLMN == plmn {
			return p, true
		}
	}
	return Profile{}, false
}

func (a *Applet) profileByICCID(iccid string) (Profile, bool) {
	for _, p := range a.st.Profiles {
		if p.ICCID == iccid {
			return p, true
		}
	}
	return Profile{}, false
}

// newProfileOf finds a profile of operator in now that was not in before.
func newProfileOf(operator string, before, now []Profile) (Profile, bool) {
	known := map[string]bool{}
	for _, p := range before {
		known[p.ICCID] = true
	}
	for _, p := range now {
		if p.Operator == operator && !known[p.ICCID] {
			return p, true
		}
	}
	return Profile{}, false
}
