package applet

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/esimhil/esimhil/emulators/eventlog"
)

// Applet is the autoswitch state machine. It is not safe for concurrent use;
// the card runtime feeds it one event at a time.
type Applet struct {
	cfg Config
	st  State
	out []Effect
	// saved is the durable part of the state last persisted (the
	// Persist effect's copy, never the live state): Step persists what
	// changed before any effect that leaves the card, and at its end.
	// What counts as a change is a change of its JSON (durableChanged).
	saved      State
	savedPlain bool // plainDurable(&saved)
	// modeOp is the operator the last mode event named ("" none, or
	// not since this applet was made): a download that moves on to the
	// next operator stays in its mode, and says so with another event.
	modeOp string
}

// New returns an applet resuming from st (the zero State for a fresh card;
// a persisted one goes through DecodeState first). The runtime's next event
// is a Boot.
func New(cfg Config, st State) *Applet {
	a := &Applet{cfg: cfg, st: st.clone()}
	if a.st.Mode == "" {
		a.st.Mode = ModeIdle
	}
	a.st.Version = StateVersion
	a.saved = durableCopy(a.st)
	a.savedPlain = plainDurable(&a.saved)
	return a
}

// State returns a copy of the applet's current state.
func (a *Applet) State() State { return a.st.clone() }

// Mode returns the current mode.
func (a *Applet) Mode() Mode { return a.st.Mode }

// Step feeds one event and returns the effects to carry out, in order. The
// same state and the same event always give the same effects.
func (a *Applet) Step(ev Event) []Effect {
	a.out = nil
	switch e := ev.(type) {
	case Boot:
		a.boot(e)
	case TimerExpired:
		a.timer(e)
	case LocationStatus:
		a.location(e.Service, e.PLMN, e)
	case LocalInfo:
		a.location(e.Service, e.PLMN, e)
	case HTTPResult:
		a.answer(e.ReqID, answerHTTP, e)
	case HTTPSent:
		a.requestSent(e.ReqID)
	case ES10Result:
		a.answer(e.ReqID, answerES10, e)
	case ProfileEnabled:
		a.modeStep(e)
	case ProfilesDeleted:
		a.profilesDeleted(e)
	default:
		a.ignore(ev, fmt.Sprintf("unknown event %T", ev))
	}
	a.persistIfChanged()
	out := a.out
	a.out = nil
	return out
}

// modeStep hands ev to the current mode's step function; an event the mode
// has no use for is logged as ignored and changes nothing.
func (a *Applet) modeStep(ev Event) {
	if reason := steps[a.st.Mode](a, ev); reason != "" {
		a.ignore(ev, reason)
	}
}

func (a *Applet) ignore(ev Event, reason string) {
	a.log(KindIgnored, "input", eventName(ev), "mode", string(a.st.Mode), "reason", reason)
}

// timer runs the periodic check's common part (the back-off clock, the
// outbox) and hands the expiry to the mode.
func (a *Applet) timer(e TimerExpired) {
	switch e.ID {
	case CheckTimer:
		a.st.Checks++
		if a.st.OutboxRetry {
			a.st.OutboxRetry = false
			a.flush()
		}
		if a.st.RetryDue && a.st.Online && a.st.Retry == nil && a.st.Mode != ModeAttemptDownloading {
			a.st.RetryDue = false
			a.startRetry()
		}
		a.modeStep(e)
		a.emit(StartTimer{ID: CheckTimer, D: a.cfg.checkInterval()})
		return
	case AttachTimer:
		if !a.st.AttachArmed || !a.st.Mode.awaiting() {
			a.ignore(e, "the attach timer is not running")
			return
		}
		a.st.AttachArmed = false
	default:
		a.ignore(e, fmt.Sprintf("unknown timer %d", e.ID))
		return
	}
	a.modeStep(e)
}

// location takes the terminal's service state (a location status event or
// a periodic look): it tells the background duties whether there is a
// bearer, then the mode judges it. During an enable it says nothing about
// the profile to come and is ignored whole.
func (a *Applet) location(svc Service, plmn string, ev Event) {
	_, look := ev.(LocalInfo)
	held := a.st.Mode.enabling() && !a.enableOut() // enableOrHold: no enable out yet
	switch m := a.st.Mode; {
	case a.enableOut():
		a.ignore(ev, "an enable is in progress: the REFRESH that follows resets the registration")
		return
	case look && (m == ModeAwaitingList || m == ModeAttemptDownloading):
		a.ignore(ev, "no location read in flight")
		return
	}
	was := a.st.Online
	a.st.Online = svc == NormalService
	a.st.Serving = ""
	if a.st.Online {
		a.st.Serving = plmn
		a.strandedService(plmn)
	}
	if e, ok := ev.(LocalInfo); ok {
		// A location status event measures nothing (TS 102 223 §7.5.4):
		// the cells last measured stand until the next look.
		a.st.Measured = a.st.Measured[:0]
		for _, c := range e.Cells {
			a.st.Measured = append(a.st.Measured, c.PLMN)
		}
	}
	if a.st.Online && !was {
		// A bearer again: what waited for one goes out.
		a.flush()
		if a.st.RetryDue {
			a.st.RetryDue = false
			a.startRetry()
		}
	}
	if held {
		// Followed for the held enable, no more: its note's answer lets
		// it go (enableAfterNote), or, held for its place after a reset,
		// the first network named (placeKnown).
		if svc == LimitedService && plmn == "" && !look && a.heldForPlace() {
			// The event names no network in limited service (TS 102
			// 223 §7.5.4); PROVIDE LOCAL INFORMATION names the one the
			// device camps on (§6.4.15).
			a.emit(ReadLocation{})
			return
		}
		a.placeKnown(plmn)
		return
	}
	a.modeStep(ev)
}

// answer routes an HTTP or ES10 answer through the in-flight table.
func (a *Applet) answer(id int, kind string, ev Event) {
	i := slices.IndexFunc(a.st.InFlight, func(r Request) bool { return r.ID == id })
	if id == 0 || i < 0 {
		a.ignore(ev, fmt.Sprintf("no request %d in flight", id))
		return
	}
	r := a.st.InFlight[i]
	if r.Answer != kind {
		a.ignore(ev, fmt.Sprintf("request %d awaits an %s answer", id, r.Answer))
		return
	}
	a.st.InFlight = slices.Delete(a.st.InFlight, i, i+1)
	switch r.Owner {
	case ownerOutbox:
		a.outboxAnswer(ev.(HTTPResult))
	case ownerRetry:
		a.retryAnswer(ev)
	default:
		a.modeStep(ev)
	}
}

// send registers a request in the table and returns its id.
func (a *Applet) send(owner, kind string) int {
	a.st.LastReq++
	a.st.InFlight = append(a.st.InFlight, Request{ID: a.st.LastReq, Answer: kind, Owner: owner})
	return a.st.LastReq
}

// owns reports whether owner has a request in flight.
func (a *Applet) owns(owner string) bool {
	return slices.ContainsFunc(a.st.InFlight, func(r Request) bool { return r.Owner == owner })
}

// drop forgets owner's requests: their answers, if they come, are ignored.
func (a *Applet) drop(owner string) {
	a.st.InFlight = slices.DeleteFunc(a.st.InFlight, func(r Request) bool { return r.Owner == owner })
}

// post persists the next request counter and posts body to the platform
// for owner; it returns the request id.
func (a *Applet) post(owner, path string, body []byte) int {
	id := a.send(owner, answerHTTP)
	a.st.PlatformSeq++
	a.emit(HTTPPost{ReqID: id, Path: path, Body: body, Seq: a.st.PlatformSeq})
	return id
}

// become enters mode m: the requests of the mode left are no longer in
// flight, and the change is logged.
func (a *Applet) become(m Mode) {
	op := ""
	switch c := a.st.Cycle; {
	case m == ModeAttemptDownloading:
		op = c.Current
	case m.enabling() || m.awaiting():
		p, _ := a.profileByICCID(c.Target)
		op = p.Operator
	}
	if a.st.Mode == m {
		if a.modeOp != "" && op != a.modeOp {
			// The same mode for another operator (the next download):
			// the log and the timeline follow it.
			a.modeOp = op
			a.log(KindMode, "mode", string(m), "operator", op)
		}
		return
	}
	switch a.st.Mode {
	case ModeAwaitingList:
		a.drop(ownerList)
	case ModeAttemptDownloading:
		a.drop(ownerDownload)
	}
	a.st.Mode = m
	kv := []any{"mode", string(m)}
	if m == ModeAttemptDownloading || m.enabling() || m.awaiting() {
		kv = append(kv, "operator", op)
	}
	a.modeOp = op
	a.log(KindMode, kv...)
}

// emit queues an effect. Before an effect that leaves the card or changes
// its NVM, the state is persisted if it changed: a reset then resumes from
// what the effect was issued in.
func (a *Applet) emit(e Effect) {
	switch e.(type) {
	case HTTPPost, ES9Call, EnableProfile, Refresh:
		a.persistIfChanged()
	}
	a.out = append(a.out, e)
}

// log emits a Log effect from key, value pairs.
func (a *Applet) log(kind eventlog.Kind, kv ...any) {
	f := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		f[kv[i].(string)] = kv[i+1]
	}
	a.out = append(a.out, Log{Kind: kind, Fields: f})
}

// persistIfChanged persists the state when it changed. The bearer alone
// does not make a write (NVM wears, and the bearer is gone after a reset
// anyway); the periodic-check counter does only while a back-off waits
// for it (State.durable).
func (a *Applet) persistIfChanged() {
	d := a.st.durable()
	changed, plain := durableChanged(&d, &a.saved, a.savedPlain)
	if !changed {
		return
	}
	st := a.st.clone()
	a.saved, a.savedPlain = durableOf(st, &a.st), plain // shares st: a Persist's state is not changed
	a.out = append(a.out, Persist{State: st})
}

// durable is s without the fields whose change alone is not worth a write.
// The check count is the back-off's clock: the table keeps each entry's
// end as a count (BackoffEntry.Until), so a count a reset took back would
// add the checks since the last write to every pause, up to doubling it
// (outside tester t137 F1: checks at home, forgotten by a power cut).
// It is durable up to the last entry's end: a write a check while an
// operator sits out (at most Backoff.Max checks after its last failure,
// a few bytes each), one at the check that ends it, and none while no
// back-off is outstanding. Ends kept as "checks remaining" would cost
// the same writes, each entry rewritten at every check.
func (s State) durable() State {
	s.Checks = min(s.Checks, s.backoffEnd())
	s.Online, s.Serving, s.Measured, s.NoService = false, "", nil, 0
	return s
}

// backoffEnd is the last check a back-off entry, or the platform's
// (platform.go), waits for (0 for none).
func (s *State) backoffEnd() uint64 {
	end := s.PlatformUntil
	for _, b := range s.Backoff {
		end = max(end, b.Until)
	}
	return end
}

func (a *Applet) startAttachTimer() {
	a.st.AttachArmed = true
	a.emit(StartTimer{ID: AttachTimer, D: a.cfg.attachWait()})
}

func (a *Applet) stopAttachTimer() {
	if a.st.AttachArmed {
		a.st.AttachArmed = false
		a.emit(StopTimer{ID: AttachTimer})
	}
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
		if p.ICCID == iccid && iccid != "" {
			return p, true
		}
	}
	return Profile{}, false
}

// setEnabled records that iccid is now the enabled profile.
func (a *Applet) setEnabled(iccid string) {
	for i := range a.st.Profiles {
		a.st.Profiles[i].Enabled = a.st.Profiles[i].ICCID == iccid
	}
	a.unstrandUnlessEnabled()
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

// mcc returns the country part of a PLMN ("" for none).
func mcc(plmn string) string {
	if len(plmn) < 3 {
		return ""
	}
	return plmn[:3]
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain strings, numbers and slices only: cannot happen
	}
	return b
}
