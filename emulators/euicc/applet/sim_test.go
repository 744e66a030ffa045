package applet

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/internal/proto/es10"
)

// The simulator below stands in for the card runtime, the terminal and the
// radio world around the applet, as package euicc and the rig do: effects
// run first-in first-out, an effect that needs an answer steps it at once,
// REFRESH drops what is still queued and boots the applet again, timers
// fire only when nothing else is pending. A power cut is taken just before
// an effect that waits for the terminal (the only moments the real runtime
// lets go of the card), and the applet restarts from its last Persist.

// outcome is what the network does with one attach attempt.
type outcome byte

const (
	attachOK       outcome = iota // normal service on the profile's home network
	attachReject                  // registration denied: limited service
	attachTimeout                 // no answer: no service until the attach wait expires
	attachOther                   // normal service on a network of the area but not of the operator's country (an international 901): not its attach
	attachNone                    // no cell at all (the original's loss of coverage)
	attachAbroad                  // normal service on a network of another country (a border area)
	attachNational                // normal service on another network of the operator's country (national roaming): its attach
)

// visited is the network the original profile roams on.
const visited = "20888"

// simOp is one operator of the simulated area.
type simOp struct {
	ID, PLMN, ICCID string
	Preinstalled    bool
	DownloadOK      bool      // the platform and SM-DP+ deliver the profile
	Outcomes        []outcome // per attach attempt; the last one repeats
}

type simReport struct {
	Kind, Operator string
	Report         uint64
}

type sim struct {
	a      *Applet
	nvm    State
	card   []Profile
	ops    []simOp
	orig   []outcome // the original's attach outcomes, per attach
	tries  map[string]int
	queue  []Effect
	netEvs []Event
	timers map[int]bool
	reg    LocalInfo
	// origRecovers: the original's coverage comes back at the next period.
	origRecovers bool

	waits    int   // effects that waited for the terminal so far
	cuts     []int // cut power before the wait with these numbers
	periods  int
	steps    int
	logs     []Log
	reports  []simReport
	failures []string

	// invariant trackers
	list     []ListOperator
	lastIdx  int
	attempts int
	needOrig bool
	cycle    *simCycle
	outcomes []uint64 // report numbers of the cycles' outcomes
}

func newSim(ops []simOp, orig []outcome) *sim {
	s := &sim{ops: ops, orig: orig, tries: map[string]int{}, timers: map[int]bool{}, lastIdx: -1}
	s.card = []Profile{{ICCID: "89860000000000000019", Operator: "cmcc", HomePLMN: "46000", Enabled: true, Original: true}}
	for _, o := range ops {
		if o.Preinstalled {
			s.card = append(s.card, Profile{ICCID: o.ICCID, Operator: o.ID, HomePLMN: o.PLMN})
		}
	}
	s.a = New(testCfg, State{})
	return s
}

func (s *sim) fail(format string, a ...any) {
	s.failures = append(s.failures, fmt.Sprintf(format, a...))
}

func (s *sim) step(ev Event) {
	effs := s.a.Step(ev)
	s.steps++
	n := 0
	for _, e := range effs {
		if _, ok := e.(EnableProfile); ok {
			n++
		}
	}
	if n > 1 {
		s.fail("%d EnableProfile effects for one event", n)
	}
	if c := countEnabled(s.a.State()); c > 1 {
		s.fail("applet sees %d enabled profiles", c)
	}
	s.queue = append(s.queue, effs...)
}

func (s *sim) enabled() Profile {
	for _, p := range s.card {
		if p.Enabled {
			return p
		}
	}
	return Profile{}
}

// boot resets the card: the terminal's timers stop, queued work is lost,
// the applet restarts from NVM, and the network answers the new attach.
func (s *sim) boot(powerCut bool) {
	s.queue, s.netEvs, s.timers = nil, nil, map[int]bool{}
	s.reg = LocalInfo{Service: NoService}
	if powerCut {
		// NVM keeps the state as JSON: the restart must not depend on
		// anything a round trip loses.
		raw, err := json.Marshal(s.nvm)
		var st State
		if err == nil {
			err = json.Unmarshal(raw, &st)
		}
		if err != nil {
			s.fail("state JSON: %v", err)
		}
		s.a = New(testCfg, st)
	}
	s.step(Boot{Profiles: append([]Profile(nil), s.card...)})
	p := s.enabled()
	var oc outcome
	if p.Original {
		oc = pick(s.orig, s.tries["cmcc"])
		s.tries["cmcc"]++
	} else {
		for _, o := range s.ops {
			if o.ICCID == p.ICCID {
				oc = pick(o.Outcomes, s.tries[o.ID])
				s.tries[o.ID]++
			}
		}
	}
	home := p.HomePLMN
	if p.Original {
		home = visited
	}
	switch oc {
	case attachOK:
		s.reg = LocalInfo{Service: NormalService, PLMN: home, Cells: []Measurement{{PLMN: home, RSRP: -90}}}
	case attachReject:
		s.reg = LocalInfo{Service: LimitedService, PLMN: home}
	case attachOther:
		s.reg = LocalInfo{Service: NormalService, PLMN: "90188"}
	case attachNational:
		s.reg = LocalInfo{Service: NormalService, PLMN: "20899"}
	case attachAbroad:
		s.reg = LocalInfo{Service: NormalService, PLMN: "26299"}
	}
	s.netEvs = append(s.netEvs, LocationStatus{Service: s.reg.Service, PLMN: s.reg.PLMN})
}

func pick(ocs []outcome, n int) outcome {
	if len(ocs) == 0 {
		return attachOK
	}
	if n >= len(ocs) {
		n = len(ocs) - 1
	}
	return ocs[n]
}

// waits reports whether e makes the runtime wait for the terminal.
func waits(e Effect) bool {
	switch e.(type) {
	case StartTimer, StopTimer, ReadLocation, HTTPPost, Refresh, ES9Call:
		return true
	}
	return false
}

// run plays until maxPeriods periodic checks have run.
func (s *sim) run(maxPeriods int) {
	s.boot(false)
	s.play(maxPeriods)
}

// play goes on, with no Boot, until maxPeriods periodic checks in all
// have run.
func (s *sim) play(maxPeriods int) {
	for s.periods < maxPeriods && s.steps < 10000 {
		if len(s.queue) > 0 {
			e := s.queue[0]
			s.queue = s.queue[1:]
			if waits(e) {
				s.waits++
				if len(s.cuts) > 0 && s.cuts[0] == s.waits {
					s.cuts = s.cuts[1:]
					s.boot(true)
					continue
				}
			}
			s.effect(e)
			continue
		}
		switch {
		case len(s.netEvs) > 0:
			ev := s.netEvs[0]
			s.netEvs = s.netEvs[1:]
			s.step(ev)
		case s.timers[AttachTimer]:
			s.timers[AttachTimer] = false
			s.step(TimerExpired{ID: AttachTimer})
		case s.timers[CheckTimer]:
			s.timers[CheckTimer] = false
			s.periods++
			if s.origRecovers && s.reg.Service == NoService && s.enabled().Original {
				s.reg = LocalInfo{Service: NormalService, PLMN: visited}
				s.netEvs = append(s.netEvs, LocationStatus{Service: NormalService, PLMN: visited})
			}
			s.step(TimerExpired{ID: CheckTimer})
		default:
			s.fail("deadlock: nothing pending")
			return
		}
	}
	if s.steps >= 10000 {
		s.fail("no end after %d steps", s.steps)
	}
	// Every attempted cycle's one outcome reached the platform, once,
	// unless the card still holds it.
	if len(s.a.st.Outbox) == 0 {
		for _, r := range s.outcomes {
			n := 0
			for _, x := range s.reports {
				if x.Report == r {
					n++
				}
			}
			if n != 1 {
				s.fail("outcome report %d received %d times", r, n)
			}
		}
	}
}

func (s *sim) effect(e Effect) {
	switch e := e.(type) {
	case Persist:
		s.nvm = e.State
	case Log:
		s.logs = append(s.logs, e)
		s.checkLog(e)
	case StartTimer:
		s.timers[e.ID] = true
	case ReadLocation:
		s.step(s.reg)
	case ES10:
		// Only the pending-notification retry reaches here: none pending.
		s.step(ES10Result{ReqID: e.ReqID, Resp: es10.EncodeListNotificationResponse(nil), SW: 0x9000})
	case StopTimer:
		s.timers[e.ID] = false
	case EnableProfile:
		res := 1
		for i := range s.card {
			if s.card[i].ICCID == e.ICCID {
				res = 0
				if s.card[i].Enabled {
					res = 2
				}
			}
		}
		if res == 0 {
			for i := range s.card {
				s.card[i].Enabled = s.card[i].ICCID == e.ICCID
			}
		}
		s.step(ProfileEnabled{ICCID: e.ICCID, Result: res})
	case Refresh:
		s.boot(false)
	case HTTPPost:
		s.post(e)
	case ES9Call:
		s.step(HTTPResult{ReqID: e.ReqID, Err: "no SM-DP+ in the simulator"})
	default:
		s.fail("unexpected effect %T", e)
	}
}

func (s *sim) post(e HTTPPost) {
	switch e.Path {
	case PathPreferredList:
		l := PreferredList{ListID: fmt.Sprintf("l%d", e.ReqID), Country: "FR", OrderBy: "tariff"}
		for _, o := range s.ops {
			l.Operators = append(l.Operators, ListOperator{ID: o.ID, PLMN: o.PLMN})
		}
		b, _ := json.Marshal(l)
		s.step(HTTPResult{ReqID: e.ReqID, Status: 200, Body: b})
	case PathDownload:
		var req struct{ Operator string }
		_ = json.Unmarshal(e.Body, &req)
		for _, o := range s.ops {
			if o.ID != req.Operator || !o.DownloadOK {
				continue
			}
			// The SGP.22 exchange (download_test.go) is stood in: the
			// profile lands on the card and the applet is put at its
			// last step, the card's answer to NotificationSent.
			p := Profile{ICCID: o.ICCID, Operator: o.ID, HomePLMN: o.PLMN}
			s.card = append(s.card, p)
			dl := s.a.st.Cycle.Download
			dl.Step, dl.Profile, dl.Seq = dlNotifSent, &p, 1
			for i := range s.a.st.InFlight {
				if s.a.st.InFlight[i].ID == e.ReqID {
					s.a.st.InFlight[i].Answer = answerES10
				}
			}
			s.step(ES10Result{ReqID: e.ReqID, SW: 0x9000, Resp: es10.EncodeNotificationSentResponse(0)})
			return
		}
		// Refused (claim 4 eligibility): the download fails.
		s.step(HTTPResult{ReqID: e.ReqID, Status: 403, Body: []byte(`{"error":"eligibility: refused"}`)})
	case PathNotifications:
		var n struct {
			Kind, Operator string
			Report         uint64
		}
		_ = json.Unmarshal(e.Body, &n)
		for _, r := range s.reports {
			if r.Report == n.Report && n.Report != 0 {
				// A resend after a lost answer: taken once (the
				// platform's dedupe), acknowledged again.
				s.step(HTTPResult{ReqID: e.ReqID, Status: 200, Body: []byte(`{"ack":true}`)})
				return
			}
		}
		s.reports = append(s.reports, simReport{n.Kind, n.Operator, n.Report})
		s.step(HTTPResult{ReqID: e.ReqID, Status: 200, Body: []byte(`{"ack":true}`)})
	default:
		s.fail("post to %s", e.Path)
	}
}

func (s *sim) opIndex(id string) int {
	for i, o := range s.list {
		if o.ID == id {
			return i
		}
	}
	return -1
}

// attempt checks one attempt on operator id against claim 3: strictly in
// list order (so none repeated), at most len(list), and only once a
// fallback is attached after a failed attach (or none could be).
func (s *sim) attempt(id string) {
	i := s.opIndex(id)
	switch {
	case s.cycle == nil:
		s.fail("attempt on %s outside a cycle", id)
	case s.cycle.trigger != TriggerList:
		// Home and rescue cycles walk the card's own profiles.
	case i < 0:
		s.fail("attempt on %s, not in the list %v", id, s.list)
	case i <= s.lastIdx:
		s.fail("attempt on %s (index %d) after index %d: out of list order or repeated", id, i, s.lastIdx)
	case s.needOrig:
		s.fail("attempt on %s before a fallback attached again", id)
	}
	s.lastIdx = i
	s.attempts++
	if s.cycle != nil {
		s.cycle.attempts++
	}
	if s.cycle != nil && s.cycle.trigger == TriggerList && s.attempts > len(s.list) {
		s.fail("%d attempts for a list of %d", s.attempts, len(s.list))
	}
}

// simCycle follows one cycle for the one-outcome invariant.
type simCycle struct {
	trigger  string
	attempts int
}

func (s *sim) checkLog(l Log) {
	str := func(k string) string { v, _ := l.Fields[k].(string); return v }
	switch l.Kind {
	case KindPreferredListReceived:
		s.list = nil
		for _, id := range l.Fields["operators"].([]string) {
			for _, o := range s.ops {
				if o.ID == id {
					s.list = append(s.list, ListOperator{ID: o.ID, PLMN: o.PLMN})
				}
			}
		}
		s.lastIdx, s.attempts = -1, 0
		if s.needOrig {
			s.fail("a new list while no fallback was back")
		}
	case KindCycleStarted:
		if s.cycle != nil {
			s.fail("cycle started while one is open")
		}
		s.cycle = &simCycle{trigger: str("trigger")}
		s.lastIdx, s.attempts = -1, 0
	case KindCycleEnded:
		c := s.cycle
		s.cycle = nil
		s.needOrig = false
		switch {
		case c == nil:
			s.fail("cycle_ended without a cycle")
		case str("outcome") != OutcomeAttachSuccess && str("outcome") != OutcomeListExhausted:
			s.fail("cycle with %d attempts ended %q", c.attempts, str("outcome"))
		}
		if r, ok := l.Fields["report"].(uint64); ok {
			s.outcomes = append(s.outcomes, r)
		}
	case KindAttempt:
		s.attempt(str("operator"))
	case KindAttachFailed:
		s.needOrig = !strings.HasPrefix(str("reason"), "enable refused") && !strings.HasPrefix(str("reason"), "card reset before")
	case KindFallbackAttached:
		if p := s.enabled(); s.reg.Service != NormalService {
			s.fail("fallback_attached while %s enabled, service %s", p.Operator, s.reg.Service)
		}
		s.needOrig = false
	case KindFallbackExhausted:
		s.needOrig = false
	case KindCycleResumed:
		// A reset mid-cycle: the order of the walk goes on from NVM.
	}
}

// kinds renders the logged kinds (with operator where there is one).
func (s *sim) kinds() string {
	var b strings.Builder
	for _, l := range s.logs {
		switch l.Kind {
		case KindCheck, KindAttachPending, KindIgnored, KindMode, KindBackoff, KindAttempt, KindCycleStarted:
			continue
		}
		b.WriteString(string(l.Kind))
		// A note is named by its kind: the operator it carries is the
		// attempt's, named by the events before it.
		if op, ok := l.Fields["operator"]; ok && l.Kind != KindNotificationSent && l.Kind != KindNotificationFailed {
			fmt.Fprintf(&b, "(%v)", op)
		}
		if op, ok := l.Fields["from_operator"]; ok {
			fmt.Fprintf(&b, "(%v>%v)", op, l.Fields["to_operator"])
		}
		if k, ok := l.Fields["kind"]; ok {
			fmt.Fprintf(&b, "(%v)", k)
		}
		if k, ok := l.Fields["outcome"]; ok {
			fmt.Fprintf(&b, "(%v)", k)
		}
		b.WriteString(" ")
	}
	return strings.TrimSpace(b.String())
}

func (s *sim) count(kind, op string) (n int) {
	for _, r := range s.reports {
		if r.Kind == kind && (op == "" || r.Operator == op) {
			n++
		}
	}
	return n
}
