package explore

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/emulators/platform"
	"github.com/esimhil/esimhil/emulators/world"
	"github.com/esimhil/esimhil/harness/scenario"
	"github.com/esimhil/esimhil/harness/simtrace"
	atcodec "github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/codec/stk"
)

// The invariants of this file hold the actors around the card — the
// world, the modem, the platform — to their specs and to the scenario.
// The card's invariants take those actors as oracles: a wrong world or
// modem turns a run into another run with a passing verdict (tester t153:
// none of 34 bugs planted in them failed an explored case).

// checkAttachByAgreement: each world attach_result is what the scenario's
// world gives (fixtures/scenarios/README.md, network: "Home subscribers
// register home, partners' subscribers roaming, others are denied"; an
// agreement {home, visited} lets the visited network take the home
// operator's subscribers, one way): home only on the subscriber's own
// network, roaming only on a network whose operator has an agreement with
// the subscriber's as its home, any other attempt denied with EMM cause #11
// (TS 24.301 §9.9.3.9) — unless an attach fault fired on that very attempt
// (the world's fault event just before it), whose kind and cause it then
// shows. The subscriber is the operator whose PLMN starts the IMSI the
// modem last read. Tester t153 F3 (N17): a world that read agreements as
// symmetric attached a roaming-forbidden PLMN and every case passed.
func checkAttachByAgreement(s *scenario.Scenario, o Outcome) []string {
	var v []string
	netOf := map[string]string{} // PLMN → operator
	for _, op := range s.Network.Operators {
		netOf[op.PLMN] = op.ID
	}
	subscriber := "" // the operator of the IMSI the modem last read
	var fault *eventlog.Event
	for i, e := range o.Events {
		switch {
		case is(e, eventlog.Modem, "card"):
			subscriber = ""
			if imsi := e.Str("imsi"); imsi != "" {
				subscriber = operatorOfIMSI(s, imsi)
			}
		case is(e, eventlog.World, world.KindAttachAttempt):
			fault = nil
		case e.Actor == eventlog.World && e.Kind == eventlog.KindFault:
			fault = &o.Events[i]
		case is(e, eventlog.World, world.KindAttachResult):
			sub, plmn := e.Str("operator"), e.Str("plmn")
			got := attachView{boolField(e, "ok"), e.Str("registration"), intField(e, "cause")}
			want, why := expectedAttach(s, sub, netOf[plmn], fault)
			if got != want {
				v = append(v, fmt.Sprintf("%s: %s's subscriber on %s (%s): %s, want %s (%s)", at(e), sub, plmn, orNone(netOf[plmn]), got, want, why))
			}
			if subscriber != "" && sub != subscriber {
				v = append(v, fmt.Sprintf("%s: the world attached %s's subscriber, but the modem read an IMSI of %s", at(e), sub, subscriber))
			}
			fault = nil
		}
	}
	return v
}

// attachView is what an attach_result says.
type attachView struct {
	ok    bool
	reg   string
	cause int
}

func (a attachView) String() string {
	if a.ok {
		return a.reg
	}
	if a.reg == "denied" {
		return fmt.Sprintf("denied with cause #%d", a.cause)
	}
	return a.reg
}

// expectedAttach is the attach_result the scenario gives subscriber sub
// on network net's operator, with the world fault fired on the attempt,
// if any, and why.
func expectedAttach(s *scenario.Scenario, sub, net string, fault *eventlog.Event) (attachView, string) {
	if fault != nil {
		switch f := fault.Str("fault"); f {
		case "attach_reject":
			return attachView{false, "denied", intField(*fault, "cause")}, "the attach_reject fault fired on it"
		case "attach_no_service":
			return attachView{false, "none", 0}, "the attach: no_service fault fired on it"
		case "attach_timeout":
			return attachView{false, "timeout", 0}, "the attach: timeout fault fired on it"
		}
	}
	switch {
	case sub != "" && sub == net:
		return attachView{true, "home", 0}, "its own network"
	case sub != "" && slices.Contains(s.Network.Roaming, scenario.Agreement{Home: sub, Visited: net}):
		return attachView{true, "roaming", 0}, fmt.Sprintf("agreement {home: %s, visited: %s}", sub, net)
	}
	return attachView{false, "denied", world.CausePLMNNotAllowed}, fmt.Sprintf("no agreement {home: %s, visited: %s}", orNone(sub), orNone(net))
}

// operatorOfIMSI is the scenario's operator whose PLMN starts imsi, ""
// for none.
func operatorOfIMSI(s *scenario.Scenario, imsi string) string {
	for _, op := range s.Network.Operators {
		if strings.HasPrefix(imsi, op.PLMN) {
			return op.ID
		}
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// regView is a registration as a +CREG/+CGREG/+CEREG URC shows it under
// <n> (27.007 §7.2, §10.1.20, §10.1.22): the <stat>, and from n=2 the
// cell the modem is camped on (<tac>/<lac>, <ci>), if any.
type regView struct {
	stat    int
	cell    bool
	tac, ci int
}

func (r regView) String() string {
	if !r.cell {
		return fmt.Sprint(r.stat)
	}
	return fmt.Sprintf("%d,\"%04x\",\"%08x\"", r.stat, r.tac, r.ci)
}

// viewOf is the modem's registration event e as a URC under n shows it.
func viewOf(e eventlog.Event, n int) regView {
	v := regView{stat: intField(e, "stat")}
	if n >= 2 && e.Get("tac") != nil {
		v.cell, v.tac, v.ci = true, intField(e, "tac"), intField(e, "cell")
	}
	return v
}

// parseATLog reads at.log's lines as the timeline and the field-log
// reader do (atcodec.ParseLogLine), skipping a line that does not read:
// a check of the modem's lines goes on with the rest.
func parseATLog(lines []string) []atcodec.LogLine {
	out := make([]atcodec.LogLine, 0, len(lines))
	for _, l := range lines {
		if al, err := atcodec.ParseLogLine(l); err == nil {
			out = append(out, al)
		}
	}
	return out
}

// regURC parses a registration URC ("+CEREG: 5,\"1000\",\"00010002\",7"):
// the command, and what it shows. A read answer ("+CEREG: 2,5,…": <n>
// first, then an unquoted <stat>) or a test answer is none.
func regURC(text string) (string, regView, bool) {
	name, args, ok := strings.Cut(text, ": ")
	if !ok || name != "+CREG" && name != "+CGREG" && name != "+CEREG" {
		return "", regView{}, false
	}
	f := strings.Split(args, ",")
	if len(f) > 1 && !strings.HasPrefix(f[1], `"`) {
		return "", regView{}, false // a read answer
	}
	stat, err := strconv.Atoi(f[0])
	if err != nil {
		return "", regView{}, false
	}
	v := regView{stat: stat}
	if len(f) >= 3 {
		tac, e1 := strconv.ParseUint(strings.Trim(f[1], `"`), 16, 32)
		ci, e2 := strconv.ParseUint(strings.Trim(f[2], `"`), 16, 32)
		if e1 != nil || e2 != nil {
			return "", regView{}, false
		}
		v.cell, v.tac, v.ci = true, int(tac), int(ci)
	}
	return name, v, true
}

// regSets reads the <n> a host line sets ("AT+CEREG=2;+CREG=1"), by
// command, parsed as the modem parses it (atcodec.Parse; a line logged as
// queued without its mark): an empty <n> is 0 (27.007: the default).
func regSets(text string) map[string]int {
	line, _ := atcodec.CutQueued(text)
	cmds, err := atcodec.Parse(line)
	if err != nil {
		return nil
	}
	var out map[string]int
	for _, c := range cmds {
		if c.Form != atcodec.Set || len(c.Args) != 1 || !slices.Contains(regCmdNames, c.Name) {
			continue
		}
		n := 0
		if !c.Args[0].Empty {
			if n, err = c.Args[0].Int(); err != nil {
				continue
			}
		}
		if out == nil {
			out = map[string]int{}
		}
		out[c.Name] = n
	}
	return out
}

// checkRegistrationURCs: every modem registration event that changes what
// a registration URC shows under the <n> the host set yields that URC in
// at.log at the same simulated time (27.007 §7.2, §10.1.20, §10.1.22: the
// MT reports a change of <stat>, and from n=2 of the cell it is camped
// on). A host set <n> with `AT+CREG=n` (and +CGREG, +CEREG) since the
// modem last booted (power, restart: <n> is 0 again); a hung AT port
// (at_port: hang) says nothing. Tester t153 F4 (N50): a modem that
// reported only <stat> changes left the host's log on the old cell.
func checkRegistrationURCs(s *scenario.Scenario, o Outcome) []string {
	if o.ATLog == nil {
		return nil
	}
	var v []string
	lines := parseATLog(o.ATLog)
	urcs := map[int64][]int{} // time → indexes of its URC lines, not yet matched
	for i, l := range lines {
		if _, _, ok := regURC(l.Text); ok && l.Dir == atcodec.LogModem {
			urcs[l.T.UnixNano()] = append(urcs[l.T.UnixNano()], i)
		}
	}
	n := map[string]int{}
	var prev *eventlog.Event // the registration before, since the modem booted
	hung := false
	li := 0
	for i, e := range o.Events {
		// The host's lines before this instant (at one instant the modem's
		// events come first: a boot resets <n>, and the host sets it then).
		for ; li < len(lines) && lines[li].T.Before(e.T); li++ {
			if lines[li].Dir == atcodec.LogHost {
				maps.Copy(n, regSets(lines[li].Text))
			}
		}
		switch {
		case is(e, eventlog.Modem, modem.KindPower), is(e, eventlog.Modem, modem.KindRestart):
			clear(n)
			prev = nil
		case e.Kind == eventlog.KindFault && e.Str("fault") == string(scenario.ATPortHang):
			hung = boolField(e, "on")
		case is(e, eventlog.Modem, modem.KindRegistration):
			for _, name := range regCmdNames {
				if n[name] == 0 || hung {
					continue
				}
				want, was := viewOf(e, n[name]), regView{} // a modem boots not registered (0)
				if prev != nil {
					was = viewOf(*prev, n[name])
				}
				if was == want {
					continue
				}
				k := e.T.UnixNano()
				at := slices.IndexFunc(urcs[k], func(j int) bool {
					got, view, _ := regURC(lines[j].Text)
					return got == name && view == want
				})
				if at < 0 {
					v = append(v, fmt.Sprintf("%s: stat %d on %q%s, but at.log has no %s: %s at that time (%s=%d)",
						atEvent(e), want.stat, e.Str("plmn"), cellOf(e), name, want, name, n[name]))
					continue
				}
				urcs[k] = slices.Delete(urcs[k], at, at+1)
			}
			prev = &o.Events[i]
		}
	}
	return v
}

// regCmdNames are the registration commands whose URCs report a change.
var regCmdNames = []string{"+CREG", "+CGREG", "+CEREG"}

func atEvent(e eventlog.Event) string {
	return fmt.Sprintf("%s %s/%s", e.T.UTC().Format("15:04:05.000000000"), e.Actor, e.Kind)
}

func cellOf(e eventlog.Event) string {
	if e.Get("tac") == nil {
		return ""
	}
	return fmt.Sprintf(" cell %04x/%08x", intField(e, "tac"), intField(e, "cell"))
}

// locKey is a location status as the toolkit terminal tracks it (TS 102
// 223 §7.5.4): the service, and the cell it is on, if any (limited
// service is camped on a cell too: a new one is a new location status,
// whose event says only "limited service").
type locKey struct {
	service byte
	plmn    string
	tac, ci int
}

func (k locKey) String() string {
	switch k.service {
	case stk.LocNormal:
		return fmt.Sprintf("normal service on %s %04x/%08x", k.plmn, k.tac, k.ci)
	case stk.LocLimited:
		return "limited service"
	}
	return "no service"
}

// locOf is the location status a modem registration event gives the
// card: normal service when registered (home or roaming), limited when
// denied on a cell or searching camped on one (every network in sight
// forbidden, TS 23.122 §3.5), else none.
func locOf(e eventlog.Event) locKey {
	k := locKey{service: stk.LocNone}
	switch st := intField(e, "stat"); {
	case (st == 1 || st == 5) && e.Get("tac") != nil:
		k.service = stk.LocNormal
	case (st == 3 || st == 2) && e.Get("tac") != nil:
		k.service = stk.LocLimited
	default:
		return k
	}
	k.plmn, k.tac, k.ci = e.Str("plmn"), intField(e, "tac"), intField(e, "cell")
	return k
}

// shows says whether a location status event's envelope shows k: its
// status, and with normal service the location (§7.5.4 sends the
// location information with normal service only).
func (k locKey) shows(env stk.Envelope) bool {
	if env.LocationStatus == nil || *env.LocationStatus != k.service {
		return false
	}
	if k.service != stk.LocNormal {
		return true
	}
	l := env.Location
	return l != nil && l.PLMN == k.plmn && int(l.TAC) == k.tac && int(l.CellID) == k.ci
}

// cardItem is an exchange of the card's APDU lane placed among the
// events: before the event of index pos.
type cardItem struct {
	pos  int
	atr  bool
	apdu *simtrace.APDU
}

// cardItems are the lane's ATRs and APDUs in the order of the run's
// events, by their marks (an exchange at the count its command began
// at); a frame without a mark is left out.
func cardItems(o Outcome) []cardItem {
	out := make([]cardItem, 0, len(o.Card.ATRs)+len(o.Card.APDUs)) // about 900 a case: sized once
	for _, a := range o.Card.ATRs {
		if m, ok := o.CardMarks[a.Frame]; ok && m.OK {
			out = append(out, cardItem{pos: m.Events, atr: true})
		}
	}
	for i := range o.Card.APDUs {
		a := &o.Card.APDUs[i]
		m, ok := o.CardMarks[a.Frame]
		if !ok || !m.OK {
			continue
		}
		pos := m.Events
		if m.CommandOK {
			pos = m.Command
		}
		out = append(out, cardItem{pos: pos, apdu: a})
	}
	slices.SortStableFunc(out, func(a, b cardItem) int { return a.pos - b.pos })
	return out
}

// checkLocationStatusToCard: once the card subscribed to the location
// status event (SET UP EVENT LIST with event 03 answered OK, TS 102 223
// §6.4.16), each change of location status the modem's registration
// events show — of the service, the network or the cell — reaches the
// card as an ENVELOPE (EVENT DOWNLOAD, location status, §7.5.4) in the
// capture's APDU lane, in order, with that status (and, with normal
// service, that PLMN, TAC and cell). A reset of the card (its ATR, the
// modem's power or restart) or its loss (card {present: false}) ends the
// subscription and forgives what was on its way. Tester t153's N02 note: a terminal that swallowed the event
// when only the cell or PLMN changed — the event the card's roaming
// detection rests on — passed every explored case.
func checkLocationStatusToCard(s *scenario.Scenario, o Outcome) []string {
	if o.Card == nil {
		return nil
	}
	var v []string
	items := cardItems(o)
	subscribed := false
	var setUp []byte    // the events of the SET UP EVENT LIST fetched last
	var last *locKey    // the location status last owed to the card
	var owed []locKey   // owed, not yet seen, in order
	var owedBy []string // the registration event each is owed for
	reset := func() { subscribed, last, owed, owedBy = false, nil, nil, nil }
	take := func(it cardItem) {
		a := it.apdu
		switch {
		case it.atr:
			reset()
		case a.IsProactive(stk.CmdSetUpEventList):
			setUp = a.Proactive.Events
		case a.TR != nil && a.TR.Details.Type == stk.CmdSetUpEventList:
			if a.TR.Result.OK() {
				subscribed, last = slices.Contains(setUp, stk.EventLocationStatus), nil
			}
		case a.Envelope != nil && a.Envelope.Tag == stk.TagEventDownload && a.Envelope.Event == stk.EventLocationStatus:
			if len(owed) == 0 {
				return // not judged: what no registration change owes
			}
			// The event stands for the first owed status it shows, and
			// those before it were skipped; showing none, it stands
			// (wrongly) for the first.
			missed, took := 1, 1
			if j := slices.IndexFunc(owed, func(k locKey) bool { return k.shows(*a.Envelope) }); j >= 0 {
				missed, took = j, j+1
			}
			for x := range missed {
				v = append(v, fmt.Sprintf("%s: the card was owed a location status event for %s (TS 102 223 §7.5.4), but the next one it got, at %s, says %s",
					owedBy[x], owed[x], a.Time.UTC().Format("15:04:05.000"), describeLocation(*a.Envelope)))
			}
			owed, owedBy = owed[took:], owedBy[took:]
		}
	}
	next := 0
	for i, e := range o.Events {
		for ; next < len(items) && items[next].pos <= i; next++ {
			take(items[next])
		}
		switch {
		case is(e, eventlog.Modem, modem.KindPower), is(e, eventlog.Modem, modem.KindRestart),
			is(e, eventlog.Modem, modem.KindRefresh) && !boolField(e, "ignored"), cardRemoved(e):
			// The card resets (a REFRESH in eUICC Profile State Change
			// mode with no ATR): the terminal starts anew. Or it is out
			// of reach: the detach its loss caused, logged just before,
			// had no card to go to.
			reset()
		case is(e, eventlog.Modem, modem.KindRegistration) && subscribed:
			k := locOf(e)
			if last != nil && *last == k {
				continue
			}
			last = &k
			owed, owedBy = append(owed, k), append(owedBy, atEvent(e))
		}
	}
	for ; next < len(items); next++ {
		take(items[next])
	}
	for i, k := range owed {
		v = append(v, fmt.Sprintf("%s: the card, subscribed to location status, was owed an event for %s and got none", owedBy[i], k))
	}
	return v
}

func describeLocation(env stk.Envelope) string {
	if env.LocationStatus == nil {
		return "no status"
	}
	k := locKey{service: *env.LocationStatus}
	if l := env.Location; l != nil {
		k.plmn, k.tac, k.ci = l.PLMN, int(l.TAC), int(l.CellID)
	}
	return k.String()
}

// signalOf reads a preferred_list_served event's signal report: PLMN →
// RSRP in the order reported (a live log holds []eventlog.F, one read back
// from JSON []any of maps).
func signalOf(e eventlog.Event) (plmns []string, rsrp map[string]int) {
	rsrp = map[string]int{}
	add := func(p string, r int) {
		plmns = append(plmns, p)
		rsrp[p] = r
	}
	switch l := e.Get("signal").(type) {
	case []eventlog.F:
		for _, f := range l {
			r, _ := f["rsrp"].(int)
			p, _ := f["plmn"].(string)
			add(p, r)
		}
	case []any:
		for _, x := range l {
			if m, ok := x.(map[string]any); ok {
				r, _ := m["rsrp"].(float64)
				p, _ := m["plmn"].(string)
				add(p, int(r))
			}
		}
	}
	return plmns, rsrp
}

// radio is the world as the scenario and the log say it is at a point
// of the run: the device's area, each cell's RSRP, what is out of
// coverage.
type radio struct {
	s         *scenario.Scenario
	area      string
	rsrp      map[[2]string]int // (area, operator) → RSRP after signal changes
	deadZone  bool
	outage    map[string]bool // operator → its network down
	serving   string          // the PLMN the modem is registered on, "" for none
	operators map[string]string
}

func newRadio(s *scenario.Scenario) *radio {
	r := &radio{s: s, rsrp: map[[2]string]int{}, outage: map[string]bool{}, operators: map[string]string{}}
	for _, op := range s.Network.Operators {
		r.operators[op.ID] = op.PLMN
	}
	return r
}

// take follows one event.
func (r *radio) take(e eventlog.Event) {
	switch {
	case is(e, eventlog.World, world.KindAreaChanged):
		r.area = e.Str("area")
	case is(e, eventlog.World, world.KindSignalChanged):
		r.rsrp[[2]string{e.Str("area"), e.Str("operator")}] = intField(e, "rsrp")
	case e.Kind == eventlog.KindFault && e.Str("fault") == string(scenario.CoverageLost):
		if t := e.Str("target"); t == "device" {
			r.deadZone = boolField(e, "on")
		} else {
			r.outage[t] = boolField(e, "on")
		}
	case is(e, eventlog.Modem, modem.KindRegistration):
		r.serving = ""
		if st := intField(e, "stat"); st == 1 || st == 5 {
			r.serving = e.Str("plmn")
		}
	}
}

// visible are the cells the device sees now: PLMN and RSRP of each.
func (r *radio) visible() (plmns []string, rsrps [][]int, cells int) {
	if r.deadZone {
		return nil, nil, 0
	}
	by := map[string][]int{}
	for _, c := range r.s.Network.Cells {
		if c.Area != r.area || r.outage[c.Operator] {
			continue
		}
		rsrp := c.RSRP
		if x, ok := r.rsrp[[2]string{c.Area, c.Operator}]; ok {
			rsrp = x
		}
		p := r.operators[c.Operator]
		if _, ok := by[p]; !ok {
			plmns = append(plmns, p)
		}
		by[p] = append(by[p], rsrp)
		cells++
	}
	for _, p := range plmns {
		rsrps = append(rsrps, by[p])
	}
	return plmns, rsrps, cells
}

// nmrCells is how many cells a PROVIDE LOCAL INFORMATION (NMR) reports
// at most: the serving cell and eight others (TS 31.111 §6.4.15; TS
// 36.331 MeasResults' maxCellReport).
const nmrCells = 9

// checkSignalReport: each preferred-list request's signal report, as the
// platform logged it, names the networks whose cells the device sees in
// its area at that time — the serving cell and up to eight others, so all
// of them where there are at most nine cells — each with an RSRP the
// world gives one of its cells there (its strongest, but for the serving
// network's, the cell it is on). The world at that time is the scenario
// followed through the log's area, signal and coverage changes, up to the
// card's roaming_detected (where it measured). Tester t153 F5 (N40): a
// terminal that reported two neighbours dropped networks from the report,
// changed the card's signal-ordered list, and every case passed.
func checkSignalReport(s *scenario.Scenario, o Outcome) []string {
	var v []string
	r := newRadio(s)
	var measured *radio // the world when the card last measured
	for _, e := range o.Events {
		r.take(e)
		switch {
		case is(e, eventlog.EUICC, "roaming_detected"):
			m := *r
			measured = &m
		case is(e, eventlog.Platform, platform.KindPreferredListServed) && e.Get("signal") != nil && measured != nil:
			got, rsrp := signalOf(e)
			plmns, rsrps, cells := measured.visible()
			for _, p := range got {
				i := slices.Index(plmns, p)
				switch {
				case i < 0:
					v = append(v, fmt.Sprintf("%s: the card reported %s (%d dBm), which has no cell in %s", at(e), p, rsrp[p], measured.area))
				case p == measured.serving && !slices.Contains(rsrps[i], rsrp[p]):
					v = append(v, fmt.Sprintf("%s: the card reported its serving network %s at %d dBm, the world's cells of it in %s are at %v", at(e), p, rsrp[p], measured.area, rsrps[i]))
				case p != measured.serving && rsrp[p] != slices.Max(rsrps[i]):
					v = append(v, fmt.Sprintf("%s: the card reported %s at %d dBm, the world has it at %d dBm in %s", at(e), p, rsrp[p], slices.Max(rsrps[i]), measured.area))
				}
			}
			if cells <= nmrCells {
				for _, p := range plmns {
					if !slices.Contains(got, p) {
						v = append(v, fmt.Sprintf("%s: the card's signal report %v leaves out %s, whose cell it sees in %s (%d cells there: NMR reports up to %d)",
							at(e), got, p, measured.area, cells, nmrCells))
					}
				}
			}
		}
	}
	return v
}
