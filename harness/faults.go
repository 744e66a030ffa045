package harness

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/harness/scenario"
)

// Every fault hits exactly what its entry names. The emulators ask the
// plan at each point where a fault can bend them (their Config.Inject
// hooks) and the plan answers from the entry's operator, attempt and
// window at that moment, so a fault never touches another operator or
// another time. Each answer that injects is logged as a `fault` event:
//
//	fault {fault: <kind>, name?: <download fault|power-cut event>, target: <operator|platform|device>,
//	       at: card|platform|smdp|world|harness, entry: <index in faults>, attempt?, on?}
//
// Faults that cannot be asked about at the moment they act — an SM-DP+ or
// the platform refusing connections — are switched at the window's edges
// (and, for SM-DP+ attempts, when the card starts that download), and the
// switch is the logged injection (with `on`).
type faultPlan struct {
	r      *Rig
	faults []scenario.Fault
	// hostOp maps an SM-DP+ host name to its operator.
	hostOp map[string]string

	mu sync.Mutex
	// attempts counts, per operator, the downloads the card asked the
	// platform for (its download_requested events): a download fault with
	// an attempt applies from the n-th request to the next.
	attempts map[string]int
	// unreachable is the SM-DP+ reachability the plan last set, by
	// operator, as the entry that switched it off (absent: reachable); the
	// event that switches it on again names that entry too.
	unreachable  map[string]int
	platformDown int // -1: reachable
	atHung       int // the at_port: hang entry in force, -1: none
	cardOut      int // the card: absent entry in force, -1: none
	// lostCover is, by operator ("" for a dead zone, every network), the
	// coverage: lost entry in force; absent: none.
	lostCover map[string]int
}

func newFaultPlan(r *Rig) *faultPlan {
	p := &faultPlan{r: r, faults: r.Scenario.Faults, hostOp: map[string]string{},
		attempts: map[string]int{}, unreachable: map[string]int{}, platformDown: -1, atHung: -1, cardOut: -1, lostCover: map[string]int{}}
	for _, o := range r.Scenario.Network.Operators {
		if o.SMDP != "" {
			p.hostOp[o.SMDP] = o.ID
		}
	}
	return p
}

func (p *faultPlan) elapsed() time.Duration { return p.r.Loop.Now().Sub(p.r.start) }

// has reports whether the plan holds a download fault of that name.
func (p *faultPlan) has(name string) bool {
	for _, f := range p.faults {
		if f.Kind == scenario.Download && f.Name == name {
			return true
		}
	}
	return false
}

// attempt is the card's current download attempt on operator (0: none yet).
func (p *faultPlan) attempt(operator string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.attempts[operator]
}

// download answers whether the download fault name is in force for
// operator now; at names the injection point for the log.
func (p *faultPlan) download(name, operator, at string) bool {
	if operator == "" {
		return false
	}
	n, t := p.attempt(operator), p.elapsed()
	for i, f := range p.faults {
		if f.Kind != scenario.Download || f.Name != name || f.Operator != operator || !f.Active(t) {
			continue
		}
		if f.Attempt != 0 && f.Attempt != n {
			continue
		}
		fields := eventlog.F{"fault": string(f.Kind), "name": name, "target": operator, "at": at, "entry": i}
		if f.Attempt != 0 {
			fields["attempt"] = n
		}
		p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, fields)
		return true
	}
	return false
}

// platform answers the platform's questions: eligibility_refused is a
// download fault of the operator asked for, no_ack and garbled platform
// faults (no_ack limited to notifications about operator when the entry
// names one; garbled is asked about every card request, operator "").
func (p *faultPlan) platform(name, operator string) bool {
	var kind scenario.FaultKind
	switch name {
	case platform.FaultEligibilityRefused:
		return p.download(name, operator, "platform")
	case platform.FaultNoAck:
		kind = scenario.PlatformNoAck
	case platform.FaultGarbled:
		kind = scenario.PlatformGarbled
	default:
		return false
	}
	i, f := p.inForce(func(f scenario.Fault) bool { return f.Kind == kind && (f.Operator == "" || f.Operator == operator) })
	if i < 0 {
		return false
	}
	target := "platform"
	if f.Operator != "" {
		target = f.Operator
	}
	p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"fault": string(f.Kind), "target": target, "at": "platform", "entry": i})
	return true
}

// status is the status a platform: status entry in force now answers a
// card request on path with, logged as its injection (with the code and
// path), or 0: the platform asks it about each card request it accepts.
func (p *faultPlan) status(path string) int {
	i, f := p.inForce(func(f scenario.Fault) bool {
		return f.Kind == scenario.PlatformStatus && (f.Path == "" || f.Path == path)
	})
	if i < 0 {
		return 0
	}
	p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"fault": string(f.Kind), "target": "platform", "at": "platform", "entry": i, "code": f.Code, "path": path})
	return f.Code
}

// slow is the delay of the platform: slow entry in force now, logged as
// its injection (with the delay), or 0: the platform asks it for each
// answer it is about to send.
func (p *faultPlan) slow() time.Duration {
	i, f := p.inForce(func(f scenario.Fault) bool { return f.Kind == scenario.PlatformSlow })
	if i < 0 {
		return 0
	}
	p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"fault": string(f.Kind), "target": "platform", "at": "platform", "entry": i, "delay": f.Delay.String()})
	return f.Delay
}

// smdpSlow is the delay of the first smdp: slow entry in force now for
// operator's SM-DP+ and function, logged as its injection (with the
// delay and the function), or 0: the SM-DP+ asks it for each ES9+
// answer it is about to send.
func (p *faultPlan) smdpSlow(operator string) func(function string) time.Duration {
	return func(function string) time.Duration {
		i, f := p.inForce(func(f scenario.Fault) bool {
			return f.Kind == scenario.SMDPSlow && f.Operator == operator && (f.Function == "" || f.Function == function)
		})
		if i < 0 {
			return 0
		}
		p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"fault": string(f.Kind), "target": operator, "at": "smdp", "entry": i, "delay": f.Delay.String(), "function": function})
		return f.Delay
	}
}

// holdOnCard is the platform's and the SM-DP+'s Config.Wait: it holds an
// answer for d of simulated time. The card's data channel holds the loop
// while it is open, so it lets go of it meanwhile (stkterm's Suspend) and
// takes it again as d ends, the answer then arriving at that instant.
// Called on the server's goroutine with the loop held by that channel,
// after slow (or smdpSlow) was asked, and logged, at the answer's
// instant. An answer nobody waits for any more calls dropped, if not
// nil, as simulated work at the instant it would have gone (the card
// gave up or left before: its goodbye's instant is shared by the card's
// own events, which the server's goroutine would race).
func (p *faultPlan) holdOnCard(d time.Duration, client string, stop <-chan struct{}, dropped func()) bool {
	local, perr := netip.ParseAddrPort(client)
	done := make(chan bool, 1)
	var (
		mu          sync.Mutex
		fired, gone bool // the hold ended; the server gave up first (stop)
	)
	end := func(ok bool) {
		mu.Lock()
		fired = true
		ok = ok && !gone
		mu.Unlock()
		if !ok && dropped != nil {
			dropped()
		}
		done <- ok
	}
	p.r.Loop.Post(func() {
		resume := func() bool { return true } // no card of ours: nothing to hold
		if p.r.Terminal != nil {
			res, ok := p.r.Terminal.Suspend(local)
			if perr != nil || !ok {
				// The card's channel is gone already (a power cut left it
				// as the request arrived): nobody waits for the answer.
				mu.Lock()
				fired = true
				mu.Unlock()
				done <- false
				if dropped != nil {
					p.r.Loop.Clock().AfterFunc(d, dropped)
				}
				return
			}
			resume = res
		}
		// The answer goes only to a card still waiting for it: one that
		// gave up or lost power meanwhile closed or left its channel, and
		// its bytes would reach the wire or not as real TCP goes.
		p.r.Loop.Clock().AfterFunc(d, func() { end(resume()) })
	})
	select {
	case ok := <-done:
		return ok
	case <-stop:
		mu.Lock()
		if fired {
			mu.Unlock()
			return <-done
		}
		gone = true
		mu.Unlock()
		return false
	}
}

// card answers the card's questions about the SM-DP+ at address.
func (p *faultPlan) card(name, address string) bool {
	host := address
	if h, _, err := net.SplitHostPort(address); err == nil {
		host = h
	}
	return p.download(name, p.hostOp[strings.ToLower(host)], "card") // RFC 4343: no case
}

// observe follows the log: each download the card asks for starts an
// attempt on that operator, which may switch its SM-DP+'s reachability.
func (p *faultPlan) observe(e eventlog.Event) {
	if e.Actor != eventlog.EUICC || e.Kind != "download_requested" {
		return
	}
	op := e.Str("operator")
	p.mu.Lock()
	p.attempts[op]++
	p.mu.Unlock()
	p.syncSMDP(op)
}

// syncSMDP makes operator's SM-DP+ refuse connections exactly while one of
// its smdp_unreachable entries is in force (window and attempt).
func (p *faultPlan) syncSMDP(op string) {
	srv, ok := p.r.SMDP[op]
	if !ok {
		return
	}
	n, t := p.attempt(op), p.elapsed()
	entry := -1
	for i, f := range p.faults {
		if f.Kind == scenario.Download && f.Name == scenario.SMDPUnreachable && f.Operator == op && f.Active(t) && (f.Attempt == 0 || f.Attempt == n) {
			entry = i
			break
		}
	}
	down := entry >= 0
	p.mu.Lock()
	was, wasDown := p.unreachable[op]
	if down {
		if !wasDown {
			p.unreachable[op] = entry
		}
	} else {
		delete(p.unreachable, op)
	}
	p.mu.Unlock()
	if wasDown == down {
		return
	}
	fields := eventlog.F{"fault": string(scenario.Download), "name": scenario.SMDPUnreachable, "target": op, "at": "smdp", "on": down, "entry": entry}
	if down {
		if f := p.faults[entry]; f.Attempt != 0 {
			fields["attempt"] = n
		}
	} else {
		fields["entry"] = was
	}
	p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, fields)
	if err := srv.SetReachable(!down); err != nil {
		p.r.Log.Emit(eventlog.Harness, eventlog.KindError, eventlog.F{"reason": err.Error()})
	}
}

// schedule puts the edges of the switched faults on the virtual clock:
// platform reachability and SM-DP+ reachability windows.
func (p *faultPlan) schedule() {
	clk := p.r.Loop.Clock()
	at := func(d time.Duration, f func()) {
		if d <= 0 {
			f()
			return
		}
		clk.AfterFunc(d, f)
	}
	for _, f := range p.faults {
		f := f
		switch {
		case f.Kind == scenario.PlatformUnreachable:
			at(f.From, p.syncPlatform)
			if f.Until > 0 {
				at(f.Until, p.syncPlatform)
			}
		case f.Kind == scenario.ATPortHang:
			at(f.From, p.syncATPort)
			if f.Until > 0 {
				at(f.Until, p.syncATPort)
			}
		case f.Kind == scenario.CardAbsent:
			at(f.From, p.syncCard)
			if f.Until > 0 {
				at(f.Until, p.syncCard)
			}
		case f.Kind == scenario.CoverageLost:
			// From the start, before the modem runs: its boot's attach
			// finds no cell by itself.
			at(f.From, func() { p.syncCoverage(f.Operator, f.From > 0) })
			if f.Until > 0 {
				at(f.Until, func() { p.syncCoverage(f.Operator, true) })
			}
		case f.Kind == scenario.Download && f.Name == scenario.SMDPUnreachable:
			at(f.From, func() { p.syncSMDP(f.Operator) })
			if f.Until > 0 {
				at(f.Until, func() { p.syncSMDP(f.Operator) })
			}
		}
	}
}

// edge moves *state, the entry of kind last in force (-1: none), to the
// one in force now. changed is false when nothing switched; else on says
// whether the fault starts and entry is the entry that starts or ends it.
func (p *faultPlan) edge(kind scenario.FaultKind, state *int) (on bool, entry int, changed bool) {
	return p.edgeOf(func(f scenario.Fault) bool { return f.Kind == kind }, state)
}

// inForce is the first entry match picks that is in force now, and its
// index; -1 for none (the plan's entries are asked in their order, the
// first one wins).
func (p *faultPlan) inForce(match func(scenario.Fault) bool) (int, scenario.Fault) {
	t := p.elapsed()
	for i, f := range p.faults {
		if match(f) && f.Active(t) {
			return i, f
		}
	}
	return -1, scenario.Fault{}
}

// edgeOf is edge over the entries match picks.
func (p *faultPlan) edgeOf(match func(scenario.Fault) bool, state *int) (on bool, entry int, changed bool) {
	now, _ := p.inForce(match)
	p.mu.Lock()
	defer p.mu.Unlock()
	was := *state
	if (was >= 0) == (now >= 0) {
		// Overlapping entries: the fault goes on under the one in force
		// now, and the edge that ends it names that one.
		*state = now
		return false, 0, false
	}
	*state = now
	if now >= 0 {
		return true, now, true
	}
	return false, was, true
}

// syncATPort hangs the modem's AT port exactly while one of the at_port
// entries is in force, and logs each change as a fault event of the
// entry that starts or ends it. It runs inside loop work (a timer).
func (p *faultPlan) syncATPort() {
	on, entry, changed := p.edge(scenario.ATPortHang, &p.atHung)
	if !changed {
		return
	}
	p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"fault": string(scenario.ATPortHang), "target": "device", "at": "modem", "on": on, "entry": entry})
	p.r.Modem.SetATHung(on)
}

// syncCard keeps the card out of the modem's reach exactly while one of
// the card: absent entries is in force. It runs inside loop work (a
// timer), or before the modem starts for a window from the start.
func (p *faultPlan) syncCard() {
	out, entry, changed := p.edge(scenario.CardAbsent, &p.cardOut)
	if !changed {
		return
	}
	p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"fault": string(scenario.CardAbsent), "target": "device", "at": "card", "on": out, "entry": entry})
	p.r.Modem.SetCardPresent(!out)
}

// syncCoverage keeps the device in a dead zone (op "") or op's network
// down exactly while one of the coverage: lost entries for it is in
// force; the modem looks at the cells again at each edge (reselect) — it
// loses its cell as the fault begins and, searching, finds one as it ends
// (or, in an outage, another network's at once). It runs inside loop work
// (a timer), or before the modem starts for a window from the start.
func (p *faultPlan) syncCoverage(op string, reselect bool) {
	p.mu.Lock()
	state, ok := p.lostCover[op]
	p.mu.Unlock()
	if !ok {
		state = -1
	}
	lost, entry, changed := p.edgeOf(func(f scenario.Fault) bool { return f.Kind == scenario.CoverageLost && f.Operator == op }, &state)
	p.mu.Lock()
	p.lostCover[op] = state
	p.mu.Unlock()
	if !changed {
		return
	}
	if op == "" {
		p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"fault": string(scenario.CoverageLost), "target": "device", "at": "world", "on": lost, "entry": entry})
		p.r.World.SetCoverage(!lost)
		if reselect {
			p.r.Modem.Reselect()
		}
		return
	}
	p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, eventlog.F{"fault": string(scenario.CoverageLost), "target": op, "at": "world", "on": lost, "entry": entry})
	dropped, err := p.r.World.SetOutage(op, lost)
	if err != nil {
		p.r.Log.Emit(eventlog.Harness, eventlog.KindError, eventlog.F{"reason": err.Error()})
	}
	// A device on another network notices neither edge; one the outage
	// dropped searches at once, and one without service finds the
	// network as it comes back.
	if reselect && (dropped || !lost && !p.r.Modem.Registration().Registered()) {
		p.r.Modem.Reselect()
	}
}

// syncPlatform makes the platform refuse connections exactly while one of
// the platform_unreachable entries is in force.
func (p *faultPlan) syncPlatform() {
	down, entry, changed := p.edge(scenario.PlatformUnreachable, &p.platformDown)
	if !changed {
		return
	}
	fields := eventlog.F{"fault": string(scenario.PlatformUnreachable), "target": "platform", "at": "platform", "on": down, "entry": entry}
	p.r.Log.Emit(eventlog.Harness, eventlog.KindFault, fields)
	if err := p.r.Platform.SetReachable(!down); err != nil {
		p.r.Log.Emit(eventlog.Harness, eventlog.KindError, eventlog.F{"reason": err.Error()})
	}
}
