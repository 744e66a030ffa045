package field

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/scenario"
	atcodec "github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/es10"
	"github.com/esimhil/esimhil/internal/textcut"
)

// operator is one operator of the reconstructed world.
type operator struct {
	ID, PLMN, Country string
	// Name is the long name; NameSrc, when set, the log line it comes
	// from (the manifest gave none).
	Name, NameSrc string
	origin        string
	node          *yaml.Node // the manifest's item, nil when derived
}

// profile is one profile of the reconstructed card.
type profile struct {
	ICCID, Operator, IMSI string
	Enabled               bool
	origin                string
}

// cell is a derived cell.
type cell struct {
	Area, Operator string
	RSRP           int
	TAC, CI        string
	origin         string
	measured       bool // RSRP is a read's, not defaultRSRP assumed
	selected       bool // the network the host chose by hand (+COPS=1), where it met a denial
	// refusedTA: a #12, #13 or #15 refused the device in this cell's
	// tracking area (TS 24.301 §5.5.1.2.5), a reject of the area, not of
	// the network: the operator's cells of other TAs the logs show are
	// cells of their own, where the device may register.
	refusedTA bool
	// denial is the first such reject in it, and next the registration
	// after it in another cell: the field modem tried this one first.
	denial, next *Reg
}

// taDenial says r is a reject of its tracking area the logs place: EMM
// cause #12, #13 or #15 (TS 24.301 §5.3.2: the ME lists of forbidden
// tracking areas) with the cell's <tac> (HasCells: one given, not a
// reserved one).
func taDenial(r Reg) bool {
	return r.Stat == 3 && r.HasCells && emm.ForbidsTA(r.Cause) != emm.NoTAList
}

// stop is a derived itinerary stop (fixture time).
type stop struct {
	At     time.Duration
	Area   string
	origin string
	// late: a first stop after the logs' start, the device out of
	// coverage until then (emitted at its time, not at 0s).
	late bool
}

// world reconstructs the scenario from the manifest's facts and the logs'.
func (p *Plan) world() error {
	m := p.Fixture.Manifest
	fs := p.Facts
	ops, err := p.operators()
	if err != nil {
		return err
	}
	byPLMN := func(plmn string) *operator {
		for i := range ops {
			if ops[i].PLMN == plmn {
				return &ops[i]
			}
		}
		return nil
	}
	known := make([]string, len(ops))
	for i, o := range ops {
		known[i] = o.PLMN
	}
	profiles, err := p.profiles(ops, known)
	if err != nil {
		return err
	}
	eid, err := p.eid()
	if err != nil {
		return err
	}
	act := p.firstCardAction()
	check := m.Device.CheckInterval
	if check == 0 {
		check = p.checkInterval(act)
	}
	// The subscriber's home network over time: the enabled profile's at
	// the start, then each IMSI the host read.
	var enabled profile
	for _, pr := range profiles {
		if pr.Enabled {
			enabled = pr
		}
	}
	p.Start = p.alignChecks(check, p.leastStart(enabled.Operator), act)
	opByID := func(id string) *operator {
		for i := range ops {
			if ops[i].ID == id {
				return &ops[i]
			}
		}
		return nil
	}
	// The card changes its profile at a REFRESH (or a restart, a
	// power-on, its coming back after the modem lost it: a reset some
	// modems report as the card's state): the IMSI the host reads next
	// tells whose it is.
	changes := slices.Concat(fs.Refreshes, fs.Restarts, fs.Boots, fs.cardReturns())
	// subscriberOf is whose profile the card had at o: the IMSI read after
	// the last change at or before it. Obs order, not times alone: a log
	// without times has them all 0, and its lines' order is what tells a
	// registration after a switch from one before it (outside tester
	// sw115: roaming after a switch read as the old home network's).
	subscriberOf := func(t Obs) string {
		var last *Obs // the last change at or before t
		for i, c := range changes {
			if !c.After(t) && (last == nil || c.After(*last)) {
				last = &changes[i]
			}
		}
		id := enabled.Operator
		for _, idn := range fs.Identities {
			if idn.IMSI == "" {
				continue
			}
			o := byPLMN(homePLMN(idn.IMSI, known))
			if o == nil {
				continue
			}
			switch {
			case !idn.After(t) && (last == nil || idn.After(*last)):
				id = o.ID
			case idn.After(t) && last != nil && idn.After(*last):
				// The first IMSI read after the change, though after t.
				var next *Obs
				for i, c := range changes {
					if c.After(*last) && (next == nil || next.After(c)) {
						next = &changes[i]
					}
				}
				if next == nil || next.After(idn.Obs) {
					return o.ID
				}
				return id
			}
			if idn.After(t) {
				break
			}
		}
		return id
	}
	subscriberAt := func(t time.Duration) string { return subscriberOf(Obs{At: t}) }

	if err := p.operatorNames(ops, opByID, byPLMN, subscriberAt, enabled.Operator); err != nil {
		return err
	}

	// The registrations that place the device: the registration lines',
	// and those only a +COPS? answer shows (Facts.Operated).
	placing := slices.Concat(fs.Regs, p.operatedRegs(ops, byPLMN, subscriberOf))
	slices.SortStableFunc(placing, func(a, b Reg) int { return int(a.At - b.At) })

	// Areas: the manifest's itinerary, else one per country the device
	// registered in.
	var stops []stop
	if m.Itinerary == nil {
		var unnamed *Reg // the first registration on a network the logs do not name
		var lastIn Reg   // the last registration in the current stop's country
		var crossing *unplaced
		for i, r := range placing {
			if r.Stat != 1 && r.Stat != 5 {
				continue
			}
			plmn := r.PLMN
			if sel := fs.SelectedAt(r.Obs); plmn == "" && sel != nil && sel.Mode == 1 && sel.Final == "OK" {
				// A manual selection answered OK names the network
				// registered on (27.007 §7.3; t185 F5).
				if o := p.selectionOperator(ops, sel); o != nil {
					plmn = o.PLMN
				}
			}
			if plmn == "" && r.Stat == 1 {
				plmn = opByID(subscriberOf(r.Obs)).PLMN
			}
			o := byPLMN(plmn)
			if o == nil {
				if unnamed == nil {
					unnamed = &placing[i]
				}
				continue
			}
			if len(stops) == 0 || stops[len(stops)-1].Area != o.Country {
				at := max(r.At-p.AttachDelay-time.Second, 0)
				if len(stops) == 0 {
					at = 0
				} else if at <= lastIn.At && crossing == nil {
					// The crossing would come before the registration the
					// device still had in the country it left: the world
					// would put that registration's cell abroad.
					crossing = &unplaced{r.Src, lastIn.Src, fmt.Sprintf("a registration in %s (%s stat %d) after one in %s", o.Country, r.Name, r.Shown, stops[len(stops)-1].Area), "itinerary"}
				}
				stops = append(stops, stop{at, o.Country, r.Src.String(), false})
			}
			lastIn = r
		}
		if u := p.firstUnplaced(crossing); u != nil {
			return p.unplaceable(*u)
		}
		if unnamed != nil && len(stops) > 0 {
			// The device registered elsewhere first: the world has it
			// there, and this registration's network is nobody's.
			how := map[int]string{1: "home", 5: "roaming"}[unnamed.Stat]
			p.askFor("the registration at %s (%s, %s stat %d) is on a network the logs do not name (no numeric +COPS? answer beside it): the replay cannot show it; to replay it, give the manifest the visited operator (network.operators), its cell (network.cells, in its country%s) and an itinerary that takes the device there by then",
				unnamed.Src, how, unnamed.Name, unnamed.Shown, cellOf(unnamed))
		}
		// The first state the logs show unregistered, when none shows
		// the device registered at all.
		var never *Reg
		for i, r := range fs.Regs {
			if fs.SelectedAt(r.Obs) != nil {
				// The search and the outcome of the host's manual
				// selection: the device had its network before it.
				continue
			}
			if r.Stat == 0 || r.Stat == 2 || r.Stat == 3 || r.Stat == 4 {
				never = &fs.Regs[i]
				break
			}
		}
		if never != nil && never.Stat == 2 {
			// A search that ends denied or not registered is that
			// attach's: the outcome says what the fault is (outside
			// tester sw105: a search, then cause #15, read as out of
			// coverage throughout whatever the manifest's faults).
			for i := range fs.Regs {
				r := &fs.Regs[i]
				if r.At < never.At || fs.SelectedAt(r.Obs) != nil || r.Stat == 2 {
					continue
				}
				if (r.Stat == 0 || r.Stat == 3) && !fs.detachedBefore(r.Obs) {
					// (Not registered after the host's own detach,
					// +COPS=2 or +CFUN=4, is that detach's.)
					never = r
				}
				break
			}
		}
		if len(stops) == 0 {
			home := opByID(enabled.Operator)
			stops = []stop{{0, home.Country, "assumed", false}}
			if s, o := p.deniedSelection(ops); o != nil && o.Country != home.Country && unnamed == nil {
				// Where the network the host chose is: a manual
				// selection is of a network the modem sees.
				stops[0].origin = s.Src.String()
				stops[0].Area = o.Country
				p.assume("the logs show no registration, and the host selected %s (%s, %s) at %s: the device is in %s from the start",
					o.ID, o.PLMN, o.Country, s.Src, o.Country)
				never = nil
			}
			unread := ""
			if len(fs.UnreadStats) > 0 {
				unread = " the reconstruction can read"
			}
			switch d := p.deniedLater(home.ID); {
			case unnamed == nil && d != nil:
				// A denial URC is the reject as it happens: the device
				// reaches the network then, and its attach meets it.
				stops[0].At, stops[0].late = d.At, true
				p.assume("the logs never show the device registered, and show it denied first at %s (a URC, so it came then): it is out of coverage (searching) from its power-on until then, in %s, where its attach meets the reject",
					d.Src, home.Country)
			case unnamed == nil && never != nil && never.Stat != 2 && p.faultGives(never.Stat, home.ID, false):
				// A denial or a network that never answered: the
				// emulated modem shows it only by meeting the faults, in
				// coverage.
				p.assume("the logs never show the device registered (%s: %s stat %d), which the emulated modem shows only by meeting an attach fault (the manifest's, or the one the logs show): the device is in %s from the start, where its attach meets it",
					never.Src, never.Name, never.Shown, home.Country)
				// Its URCs, and the search's before them, are that
				// power-on attach's, before the logs: the replay cannot
				// show them where a log without times has them.
				var shown []string
				for _, r := range fs.Regs {
					if r.URC && r.At <= never.At && (r.Stat == 2 || r.Src == never.Src) && fs.SelectedAt(r.Obs) == nil {
						p.Unshown = append(p.Unshown, r.Src)
						shown = append(shown, r.Src.String())
					}
				}
				if len(shown) > 0 {
					p.assume("the URCs of that attach (%s) come at the power-on, before the logs begin: not compared", strings.Join(shown, ", "))
				}
			case unnamed == nil && never != nil:
				// Out of coverage throughout: the area is reached an hour
				// after the logs end.
				stops[0].At, stops[0].late = p.Fixture.End()+time.Hour, true
				p.unreached = true
				how, shows := "", "searching, +CEREG: 2"
				switch {
				case never.Stat == 0 && p.Dialect.NoServiceStat0:
					shows = "not registered, +CEREG: 0, as no_service_stat: 0 has it"
				case never.Stat == 0:
					// attach: no_service leaves it searching (stat 2).
					how = "; a stat 0 (not registered, not searching) the emulated modem shows out of coverage only under device.quirks no_service_stat: 0 (give it if this modem shows a device that finds no network so), or once T3410 has run out on an attach no network answers (give the manifest's faults one for " + home.ID + ", attach: timeout, and the device is placed in coverage from the start)"
				case never.Stat == 3:
					how = "; a stat 3 (denied) the emulated modem shows only by meeting a reject: give the manifest's faults one for " + home.ID + " (attach_reject: <cause>) and the device is placed in coverage from the start"
				case never.Stat == 4:
					how = "; a stat 4 (unknown: 27.007 gives out of E-UTRAN coverage as an example) the emulated modem never shows: out of coverage it shows 2"
				}
				shown := fmt.Sprintf("%s stat %d", never.Name, never.Shown)
				if never.Name == "+COPS" && never.Stat != 3 {
					shown = "+COPS? names no operator: not registered"
				}
				said := fmt.Sprintf("the logs never show the device registered (%s: %s): it is out of coverage throughout the replay (%s), in %s an hour after the logs end%s",
					never.Src, shown, shows, home.Country, how)
				if how == "" || never.Stat == 3 {
					// (A denial with no cause has its own to-do.)
					p.assume("%s", said)
				} else {
					// The replay's registration lines differ from the
					// first: a to-do, and the limit each divergence
					// there names (outside tester t193: an xmm7360's
					// +CGREG: 2,0 failed the replay with only -v saying
					// why).
					p.limitLines(p.regLinesShowing(never.Shown), "%s", said)
				}
				p.searchBeforeLogs()
				if never.Shown != 4 {
					p.unknownStats()
				}
			case unnamed != nil:
				how := map[int]string{1: "home", 5: "roaming"}[unnamed.Stat]
				p.askFor("the registration of %s (%s) is on a network the logs do not name (no numeric +COPS? answer beside it): the device stays in %s, the country of its enabled profile's operator %s, and the replay cannot show that registration; name the network in the manifest (network.operators, and network.cells with its tac and cell_id) to replay it",
					unnamed.Src, how, home.Country, home.ID)
			case stops[0].Area != home.Country:
				// Placed where the host's selection is (said above).
			default:
				p.assume("the logs show no registration%s: the device stays in %s, the country of its enabled profile's operator %s", unread, home.Country, home.ID)
			}
		} else if len(stops) > 1 {
			p.assume("the device crossed into each new country %v before its first registration there", p.AttachDelay+time.Second)
		}
		if !p.registersLater(stops) {
			p.unpromptedSearch()
		}
		p.bothNoServiceStats()
		p.unknownStatsElsewhere()
	}
	areaAt := func(t time.Duration) string {
		if m.Itinerary != nil {
			area := ""
			for _, it := range m.Itinerary.Content {
				at, _ := mapValue(it, "at")
				a, _ := mapValue(it, "area")
				if at == nil || a == nil {
					continue
				}
				if d, err := time.ParseDuration(at.Value); err == nil && d <= t {
					area = a.Value
				}
			}
			return area
		}
		area := ""
		for _, s := range stops {
			if s.At <= t {
				area = s.Area
			}
		}
		return area
	}

	// Cells the device registered on, with the signal read nearest.
	var cells []cell
	var roaming [][2]string
	for _, r := range placing {
		denied := r.Stat == 3 && r.Cause != 0 && r.HasCells // its subscriber's own network rejects it (faults)
		sel := fs.SelectedAt(r.Obs)
		selOp := p.selectionOperator(ops, sel)
		if sel != nil && r.Stat == 3 {
			// The network the host chose denied it (faults): it has a
			// cell here, or the modem would have said no service at once.
			denied = selOp != nil
		}
		if r.Stat != 1 && r.Stat != 5 && !denied {
			continue
		}
		sub := subscriberOf(r.Obs)
		plmn := r.PLMN
		switch {
		case plmn == "" && selOp != nil && (r.Stat == 3 || sel.Final == "OK"):
			// Registered or denied where the host chose. A selection the
			// network refused registered nowhere: a later registration
			// is no roaming on it (t185 F5: SFR rejected cmcc with #11,
			// and the draft had cmcc roam there).
			plmn = selOp.PLMN
		case plmn == "" && (r.Stat == 1 || denied):
			plmn = opByID(sub).PLMN
		}
		o := byPLMN(plmn)
		if o == nil {
			continue
		}
		if r.Stat == 5 && sub != o.ID && !slices.Contains(roaming, [2]string{sub, o.ID}) {
			roaming = append(roaming, [2]string{sub, o.ID})
		}
		area := areaAt(r.At)
		if area == "" {
			continue
		}
		if k := slices.IndexFunc(cells, func(c cell) bool {
			// A reject of a tracking area keeps its cell apart from the
			// operator's cells of other TAs: the device registered there
			// after it (outside the TA the #12/#13/#15 forbids).
			apart := c.TAC != "" && r.HasCells && c.TAC != r.TAC && (c.refusedTA || taDenial(r))
			return c.Area == area && c.Operator == o.ID && !apart
		}); k >= 0 {
			if taDenial(r) && !cells[k].refusedTA {
				cells[k].refusedTA, cells[k].denial = true, &r
			}
			// The cell is known; a signal read while registered on it
			// again is its signal when none was read the first time.
			if !cells[k].measured {
				if rsrp, ok := p.signalOn(r); ok {
					cells[k].RSRP, cells[k].measured = rsrp, true
				}
			}
			if cells[k].TAC == "" && r.HasCells {
				// First known from a line without a location (a +COPS?
				// answer's, +CEREG's n=1 form): its location is this one.
				cells[k].TAC, cells[k].CI = r.TAC, r.CI
			}
			continue
		}
		rsrp, measured := p.signalOn(r)
		c := cell{Area: area, Operator: o.ID, RSRP: rsrp, origin: r.Src.String(), measured: measured}
		if r.HasCells {
			c.TAC, c.CI = r.TAC, r.CI
		}
		if taDenial(r) {
			c.refusedTA, c.denial = true, &r
		}
		if r.Stat == 3 && sel != nil && o.ID != sub {
			c.selected = true
			where := "(the logs do not show its location)"
			if r.HasCells {
				where = fmt.Sprintf("(tac %s, cell %s, as %s shows)", r.TAC, r.CI, r.Src)
			}
			p.assume("a cell of %s in %s %s: the host selected it (%s) and the device was denied there", o.ID, area, where, sel.Src)
		}
		cells = append(cells, c)
	}
	p.refusedFirst(cells, opByID, subscriberOf)
	// A device searching for its network (stat 2) found a cell of it to
	// try: the card would not have switched to a network it could not see.
	// (Only a network of the country the device is in: a device abroad
	// searching for its home network finds none.)
	for _, r := range fs.Regs {
		if r.Stat != 2 || !r.URC || fs.SelectedAt(r.Obs) != nil {
			continue // (after a manual selection: the network the host chose)
		}
		o, area := opByID(subscriberOf(r.Obs)), areaAt(r.At)
		if o == nil || area == "" || m.Itinerary == nil && o.Country != area || slices.ContainsFunc(cells, func(c cell) bool { return c.Area == area && c.Operator == o.ID }) {
			continue
		}
		if slices.ContainsFunc(fs.Regs, func(n Reg) bool {
			return n.Stat == 5 && n.At < r.At && subscriberOf(n.Obs) == o.ID && areaAt(n.At) == area
		}) {
			// The same subscriber roamed here before (national
			// roaming): its own network has no cell here, or the modem
			// would have taken it (outside tester sw101).
			continue
		}
		if j := slices.IndexFunc(fs.Regs, func(n Reg) bool { return n.After(r.Obs) && n.Stat != 2 }); j >= 0 {
			if n := fs.Regs[j]; n.Stat == 5 && subscriberOf(n.Obs) == o.ID && areaAt(n.At) == area {
				// The search ended roaming: its own network was not
				// there to find (outside tester sw122: a switch to a
				// roaming profile, shown as a scan, got a home cell
				// abroad).
				continue
			}
		}
		cells = append(cells, cell{Area: area, Operator: o.ID, RSRP: defaultRSRP, origin: r.Src.String()})
		p.assume("a cell of %s in %s: the device searched for its network there (%s)", o.ID, area, r.Src)
	}
	// The cells of networks the host chose that denied the device do not
	// say where it was registered before.
	own := 0
	for _, c := range cells {
		if !c.selected {
			own++
		}
	}
	if home := opByID(enabled.Operator); own < len(cells) && home.Country != areaAt(0) {
		// Abroad at a network the host chose: no cell of home there.
		own = len(cells)
	}
	if own == 0 && m.Network == nil || !hasManifestCells(m) && own == 0 {
		home := opByID(enabled.Operator)
		c := cell{Area: areaAt(0), Operator: home.ID, RSRP: defaultRSRP, origin: "assumed"}
		switch rsrp, src, ok := p.signalBefore(); {
		case len(stops) > 0 && stops[0].late && stops[0].At > p.Fixture.End():
			// Out of coverage through the logs: the area's cell, which
			// an area must have, is reached only after them.
			c.Area = stops[0].Area
			p.assume("a cell of %s in %s at %d dBm, which the device reaches only after the logs", home.ID, c.Area, defaultRSRP)
		case ok:
			c.RSRP = rsrp
			p.assume("a cell of %s in %s at %d dBm, the signal %s reads: the device attached somewhere, the logs do not say where, and a modem measures the cell it camps on", home.ID, c.Area, rsrp, src)
		default:
			p.assume("a cell of %s in %s at %d dBm: the device attached somewhere and the logs do not say where", home.ID, c.Area, defaultRSRP)
		}
		if src, cmd, what, ok := p.noNetworkResult(); ok {
			// The modem said so, and the assumed cell would answer
			// otherwise: the user knows whether there was coverage.
			fault := "if the device had no coverage there, give the manifest faults: - {coverage: lost, from: <when it went>, until: <when it came back>}"
			msg := "and the logs show no registration: the replay's assumed cell would let it register; "
			switch {
			case strings.EqualFold(strings.ReplaceAll(cmd, " ", ""), "AT+COPS=0"):
				// 27.007 §7.3 leaves it to the modem whether +COPS=0
				// waits for the registration; the emulated one answers OK
				// at once and registers after.
				msg += "the emulated modem answers an automatic AT+COPS=0 with OK at once, the registration following, so the replay cannot show this answer; " + fault + " for the registration to fail as well"
			case !noServiceAnswerable(cmd):
				// No fault makes the emulated modem answer it so: the
				// coverage to-do would change nothing there (outside
				// tester t193: an A7670E's AT+COPS? answered +CME
				// ERROR: no network service, replayed +COPS: 0 with or
				// without coverage).
				msg = "where the emulated modem answers with its state, never +CME ERROR 30 or 31, whatever the coverage (it gives those only to a manual AT+COPS=1 or 4, an AT+CGATT=1 or an AT+CGACT=1 that does not register; a +COPS? read is +COPS: 0 when not registered, TS 27.007 §7.3): the replay's answer differs there, so a failure that is this line does not reproduce; cut the logs before it, or keep the fixture as one that shows the limit"
			default:
				msg += fault
			}
			p.askFor("the modem answered %s to %s at %s, %s", what, cmd, src, msg)
		}
		cells = append(cells, c)
	}
	if slices.ContainsFunc(cells, func(c cell) bool { return !c.measured && c.origin != "assumed" }) {
		p.assume("%d dBm for the cells whose signal the logs do not show", defaultRSRP)
	}

	var e emitter
	e.line("", "# Reconstructed by `esimhil replay` from %s: not to be edited (edit the manifest).", strings.TrimSuffix(p.Fixture.Dir, "/"))
	e.line("", "# Run time = log time + %v (the logs begin %v into the run).", durString(p.Start), durString(p.Start))
	e.line("", "name: %s", m.Name)
	e.line("", "seed: %d", p.seed())
	e.line("", "network:")
	e.line("", "  operators:")
	pinOp, pinCode := p.pin1(ops, subscriberAt, enabled.Operator)
	for _, o := range ops {
		pin := ""
		if o.ID == pinOp {
			pin = fmt.Sprintf(`, pin1: {code: "%s", enabled: true}`, pinCode)
		}
		switch {
		case o.node != nil && (o.NameSrc != "" || pin != ""):
			n := deepCopy(o.node)
			if o.NameSrc != "" {
				n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "name"}, &yaml.Node{Kind: yaml.ScalarNode, Value: o.Name})
			}
			text := flow(n)
			if pin != "" {
				text = strings.TrimSuffix(text, "}") + pin + "}"
			}
			e.line(m.pos(o.node), "    - %s", text) // the assumptions say where the name and PIN come from
		case o.node != nil:
			e.line(m.pos(o.node), "    - %s", flow(o.node))
		case o.NameSrc != "":
			e.line(o.origin+"; its name "+o.NameSrc, `    - {id: %s, plmn: "%s", country: %s, name: %s%s}`, o.ID, o.PLMN, o.Country, strconv.Quote(o.Name), pin)
		default:
			e.line(o.origin, `    - {id: %s, plmn: "%s", country: %s%s}`, o.ID, o.PLMN, o.Country, pin)
		}
	}
	if rn, ok := mapValue(m.Network, "roaming"); ok || len(roaming) > 0 {
		e.line("", "  roaming:")
		if ok {
			for _, it := range rn.Content {
				e.line(m.pos(it), "    - %s", flow(it))
			}
		}
		for _, r := range roaming {
			if ok && slices.ContainsFunc(rn.Content, func(n *yaml.Node) bool { return flow(n) == fmt.Sprintf("{home: %s, visited: %s}", r[0], r[1]) }) {
				continue
			}
			e.line("derived from the roaming registrations", "    - {home: %s, visited: %s}", r[0], r[1])
		}
	}
	e.line("", "  cells:")
	cn, hasCells := mapValue(m.Network, "cells")
	var emitted []scenario.Cell // the cells as the scenario will hold them, for cellTACs
	addCell := func(area, op string, tac uint16) {
		emitted = append(emitted, scenario.Cell{Area: area, Operator: op, TAC: tac})
	}
	var given []*yaml.Node // the manifest's cells, with the location the logs add
	if hasCells {
		for _, it := range cn.Content {
			it = p.withLocation(it, cells)
			given = append(given, it)
			var area, op string
			if a, ok := mapValue(it, "area"); ok {
				area = a.Value
			}
			if o, ok := mapValue(it, "operator"); ok {
				op = o.Value
			}
			tac := uint16(0) // the world's default for the area
			if t, ok := mapValue(it, "tac"); ok {
				tac, _ = manifestTAC(t.Value)
			}
			addCell(area, op, tac)
			e.line(m.pos(it), "    - %s", flow(it))
		}
	}
	for i, c := range cells {
		if slices.ContainsFunc(given, func(n *yaml.Node) bool {
			a, _ := mapValue(n, "area")
			o, _ := mapValue(n, "operator")
			if a == nil || o == nil || a.Value != c.Area || o.Value != c.Operator {
				return false
			}
			// The manifest's cell stands for the operator's there, but
			// for another tracking area the logs keep apart (refusedTA:
			// a second cell of the operator there) that it is not in.
			t, ok := mapValue(n, "tac")
			apart := ok && c.TAC != "" && !sameTAC(t.Value, c.TAC) &&
				slices.ContainsFunc(cells[:i], func(d cell) bool { return d.Area == c.Area && d.Operator == c.Operator })
			return !apart
		}) {
			continue
		}
		extra := ""
		tac := uint16(0)
		if c.TAC != "" {
			extra = fmt.Sprintf(", tac: 0x%s, cell_id: 0x%s", c.TAC, c.CI)
			if n, ok := logTAC(c.TAC); ok && n <= 0xFFFF {
				tac = uint16(n)
			}
		}
		addCell(c.Area, c.Operator, tac)
		e.line(c.origin, "    - {area: %s, operator: %s, rsrp: %d%s}", c.Area, c.Operator, c.RSRP, extra)
	}
	p.cellTACs = map[opTAC]bool{}
	for i, tac := range scenario.CellTACs(emitted) {
		p.cellTACs[opTAC{emitted[i].Operator, tac}] = true
	}
	e.line("", "device:")
	e.line(p.eidOrigin(), `  eid: "%s"`, eid)
	e.line(m.pos(m.Node("device.personality")), "  personality: %s", m.Device.Personality)
	e.line(p.checkOrigin(), "  check_interval: %s", durString(check))
	if w := m.Device.AttachWait; w > 0 {
		e.line(m.pos(m.Node("device.attach_wait")), "  attach_wait: %s", durString(w))
	} else if w, src := p.attachWaitShown(subscriberAt, enabled.Operator); w > 0 {
		e.line(src, "  attach_wait: %s", durString(w))
		p.assume("the card's attach wait is %v: it fell back %s after switching with no registration between (%s)", w, durString(w), src)
	} else {
		p.assume("the card's attach wait is its default (3m): the manifest does not give device.attach_wait")
	}
	if b := m.Device.Backoff; b != nil {
		e.line(m.pos(b), "  backoff: %s", flow(b))
	}
	if n := m.Device.FreeNVM; n > 0 {
		e.line(m.pos(m.Node("device.free_nvm")), "  free_nvm: %d", n)
	}
	e.line("", "  profiles:")
	for _, pr := range profiles {
		p.standInFor(pr.ICCID, pr.origin)
	}
	for _, pr := range profiles {
		extra := ""
		if pr.IMSI != "" {
			extra = fmt.Sprintf(`, imsi: "%s"`, pr.IMSI)
		}
		if pr.Enabled {
			extra += ", enabled: true"
		}
		e.line(pr.origin, `    - {iccid: "%s", operator: %s%s}`, p.emulatedICCID(pr.ICCID), pr.Operator, extra)
	}
	held := map[string]bool{}
	for _, pr := range profiles {
		held[p.emulatedICCID(pr.ICCID)] = true
	}
	p.notifications(&e, held)
	// A switch shows as a REFRESH, or as the card leaving and coming
	// back (a modem that reports the reset as the card's state).
	resets := slices.SortedFunc(slices.Values(slices.Concat(fs.Refreshes, fs.cardReturns())), func(a, b Obs) int { return cmp.Compare(a.At, b.At) })
	if len(fs.SlotSwitches) > 0 {
		// Another slot is another card: the emulated device holds one
		// (outside tester sw107: read as the card's own switch).
		s := fs.SlotSwitches[0]
		var after []sign
		for _, idn := range fs.Identities {
			if idn.After(s) {
				after = append(after, sign{idn.Src, " (the other card's identity)"})
			}
		}
		if len(after) > 0 {
			// The card leaving and the registration lost on the way
			// are the switch's too, where the replay first differs.
			first := fs.Identities[slices.IndexFunc(fs.Identities, func(idn Identity) bool { return idn.After(s) })].Obs
			for _, r := range fs.Regs {
				if r.After(s) && !r.After(first) {
					after = append(after, sign{src: r.Src})
				}
			}
			for _, c := range fs.Card {
				if c.URC && c.After(s) && !c.After(first) {
					after = append(after, sign{src: c.Src})
				}
			}
		}
		signs := signsText(after)
		p.limitOf(s.Src, true, "%s: the host put the modem on another SIM slot%s: the emulated device holds one card, so the replay goes on with it and what follows differs; cut the log before line %d to replay what comes before it",
			s.Src, signs, s.Src.Line)
	}
	var pref map[string][]string
	if m.Platform == nil {
		pref = p.switchedTo(resets, subscriberAt, opByID, areaAt, enabled.Operator)
		p.unreproducedSwitches(pref, subscriberAt, opByID, areaAt, enabled.Operator)
	}
	if m.Platform != nil {
		e.line("", "platform:")
		for i := 0; i+1 < len(m.Platform.Content); i += 2 {
			e.line(m.pos(m.Platform.Content[i]), "  %s: %s", m.Platform.Content[i].Value, flow(m.Platform.Content[i+1]))
		}
	} else if len(pref) > 0 {
		var parts []string
		for _, area := range slices.Sorted(maps.Keys(pref)) {
			parts = append(parts, fmt.Sprintf("%s: [%s]", area, strings.Join(pref[area], ", ")))
		}
		e.line("derived from the card's switches", "platform:")
		e.line("derived from the card's switches", "  preferred: {%s}", strings.Join(parts, ", "))
	} else if len(fs.Requests) > 0 {
		p.assume("the platform's preferred lists are empty: the manifest gives no platform section")
	}
	e.line("", "itinerary:")
	if m.Itinerary != nil {
		if m.Itinerary.Kind != yaml.SequenceNode {
			return m.errAt(m.Itinerary, "itinerary", "want a list of {at, area}")
		}
		for i, it := range m.Itinerary.Content {
			item := shifted(it, p.Start, "at")
			if at, ok := mapValue(it, "at"); i == 0 && ok {
				if d, err := time.ParseDuration(at.Value); at.Value == "0" || err == nil && d == 0 {
					// Where the device is when the logs begin: there
					// from the power-on, its boot attach there.
					item = deepCopy(it)
				} else if err == nil && d > 0 {
					// On the logs' clock like every stop: before it the
					// device is in no area, as a scenario's later first
					// stop leaves it.
					p.assume("the manifest's first stop (%s) is %v after the logs begin: the device is out of coverage (searching) from the power-on until then", m.pos(it), d)
				}
			}
			e.line(m.pos(it), "  - %s", flow(item))
		}
	} else {
		for i, s := range stops {
			at := s.At + p.Start
			if i == 0 && !s.late {
				at = 0
			}
			e.line(s.origin, "  - {at: %s, area: %s}", durString(at), s.Area)
		}
	}
	if m.Signal != nil {
		e.line("", "signal:")
		for _, it := range m.Signal.Content {
			e.line(m.pos(it), "  - %s", flow(shifted(it, p.Start, "at")))
		}
	} else if changes := p.signalChanges(cells, areaAt, byPLMN, opByID, subscriberAt); len(changes) > 0 {
		e.line("", "signal:")
		for _, c := range changes {
			e.line(c.origin, "  - {at: %s, area: %s, operator: %s, rsrp: %d}", durString(p.Start+c.at), c.area, c.op, c.rsrp)
		}
		p.assume("the serving cell's signal changes %d time(s) as the logs' later reads show it (%s first): a change a little before each read that differs (signal)", len(changes), changes[0].origin)
	}
	if err := p.faults(&e, ops, subscriberAt); err != nil {
		return err
	}
	if m.Check != nil {
		e.line("", "expect:")
		for i := 0; i+1 < len(m.Check.Content); i += 2 {
			v := m.Check.Content[i+1]
			if m.Check.Content[i].Value == "within" {
				v = shifted(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "within"}, v}}, p.Start, "within").Content[1]
			}
			e.line(m.pos(m.Check.Content[i]), "  %s: %s", m.Check.Content[i].Value, flow(v))
		}
	}
	return p.parse(&e)
}

// withLocation adds to a manifest cell without tac and cell_id the ones
// the logs show for the same area and operator, so that the modem reports
// the field's cell in its +CEREG.
func (p *Plan) withLocation(it *yaml.Node, derived []cell) *yaml.Node {
	_, hasTAC := mapValue(it, "tac")
	_, hasCI := mapValue(it, "cell_id")
	a, _ := mapValue(it, "area")
	o, _ := mapValue(it, "operator")
	if hasTAC || hasCI || a == nil || o == nil {
		return it
	}
	for _, c := range derived {
		if c.Area == a.Value && c.Operator == o.Value && c.TAC != "" {
			out := deepCopy(it)
			out.Content = append(out.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: "tac"}, &yaml.Node{Kind: yaml.ScalarNode, Value: "0x" + c.TAC},
				&yaml.Node{Kind: yaml.ScalarNode, Value: "cell_id"}, &yaml.Node{Kind: yaml.ScalarNode, Value: "0x" + c.CI})
			p.assume("the %s cell of %s in %s is the one %s shows (tac %s, cell id %s)", o.Value, o.Value, a.Value, c.origin, c.TAC, c.CI)
			return out
		}
	}
	return it
}

// refusedFirst makes the world try the cell of a tracking area a #12,
// #13 or #15 refused before the cell the device registered on next, as
// the field modem did: automatic selection tries the strongest first
// (the home PLMN's before all), then by PLMN and cell id, so a cell the
// logs give no signal for that would come after is given 1 dB more than
// the other. Else the replay registers at once where the field device
// registered only after the reject, and never shows it.
func (p *Plan) refusedFirst(cells []cell, opByID func(string) *operator, subscriberOf func(Obs) string) {
	plmnOf := func(c cell) string {
		if o := opByID(c.Operator); o != nil {
			return o.PLMN
		}
		return ""
	}
	ci := func(c cell) uint64 {
		n, _ := strconv.ParseUint(c.CI, 16, 32)
		return n
	}
	for i := range cells {
		x := &cells[i]
		if x.denial == nil {
			continue
		}
		d := x.denial
		j := slices.IndexFunc(p.Facts.Regs, func(n Reg) bool { return n.After(d.Obs) && (n.Stat == 1 || n.Stat == 5) })
		if j < 0 || !p.Facts.Regs[j].HasCells {
			continue
		}
		n := p.Facts.Regs[j]
		k := slices.IndexFunc(cells, func(c cell) bool { return c.Area == x.Area && c.TAC == n.TAC && c.CI == n.CI })
		if k < 0 || k == i {
			continue
		}
		z := cells[k]
		home := ""
		if o := opByID(subscriberOf(d.Obs)); o != nil {
			home = o.PLMN
		}
		xp, zp := plmnOf(*x), plmnOf(z)
		switch {
		case zp == home && xp != home:
			continue // the home network's cell comes first whatever its signal: the world's rule
		case xp == home && zp != home,
			x.RSRP > z.RSRP,
			x.RSRP == z.RSRP && (xp < zp || xp == zp && ci(*x) < ci(z)):
			// tried first already
		case x.measured:
			p.assume("the cell of %s in tracking area %s, which refused the device with EMM cause #%d at %s, reads weaker than %s's of tracking area %s the device registered on next (%s): the replay tries that one first and registers there without the reject",
				x.Operator, x.TAC, d.Cause, d.Src, z.Operator, z.TAC, n.Src)
			continue
		case z.RSRP >= maxRSRP:
			// No cell reads above it: a draft with one 1 dB stronger
			// would not load.
			p.assume("the cell of %s in tracking area %s, which refused the device with EMM cause #%d at %s, cannot read above %s's of tracking area %s the device registered on next (%s), at %d dBm, the strongest a cell reads: the replay tries that one first and registers there without the reject",
				x.Operator, x.TAC, d.Cause, d.Src, z.Operator, z.TAC, n.Src, z.RSRP)
			continue
		default:
			x.RSRP = z.RSRP + 1
			p.assume("the cell of %s in tracking area %s at %d dBm, 1 dB above %s's of tracking area %s: the device tried it first (the reject with EMM cause #%d at %s) and registered on the other after (%s), and automatic selection tries the strongest first",
				x.Operator, x.TAC, x.RSRP, z.Operator, z.TAC, d.Cause, d.Src, n.Src)
		}
		if !d.URC || slices.ContainsFunc(p.Facts.Regs[:j], func(m Reg) bool { return m.After(d.Obs) && m.Stat != 2 }) {
			continue
		}
		// Nothing but a search between: the field modem went on from the
		// reject to the other cell in one selection, as the world's does
		// (emm.After) — but the emulated modem reports a selection's
		// outcome alone, not each reject on the way.
		p.Unshown = append(p.Unshown, d.Src)
		p.assume("the reject at %s (EMM cause #%d in tracking area %s) and the registration at %s are one selection in the replay, which walks from the refused tracking area on at once: the emulated modem reports the selection's outcome, not the reject on the way, so that URC is not compared (the world's event log has the reject)",
			d.Src, d.Cause, x.TAC, n.Src)
	}
}

// afterAbnormal says, for the assumption of the reject regs[i] by op,
// what the emulated modem does after it when its cause is abnormal (TS
// 24.301 §5.5.1.2.6 d, emm.Abnormal): restart on op at T3411 below the
// fifth attempt (Facts.AttemptOf), selection going on at the fifth — or
// at once for #95, #96, #97, #99 and #111, and under
// abnormal_reject_moves_on —, T3402 when no network is left. A denial
// URC the logs repeat unchanged at a restart is one the emulated modem
// shows once (27.007 has a URC at a change): not compared. "" for
// another cause.
func (p *Plan) afterAbnormal(i int, op string) string {
	regs := p.Facts.Regs
	r := regs[i]
	if !emm.Abnormal(r.Cause) {
		return ""
	}
	const moves = ": no restart, its location deleted (EU2), T3402 (12 min) started, and selection goes on with the next network at once — with none left, denied until T3402 runs out"
	if prev := i - 1; !r.URC && prev >= 0 && regs[prev].Stat == 3 && regs[prev].Cause == r.Cause {
		return fmt.Sprintf("; a read of the denial shown since %s, an abnormal cause (TS 24.301 §5.5.1.2.6 d): the network refused the modem's T3411 restarts since as well", regs[prev].Src)
	}
	switch {
	case emm.EndsAttempts(r.Cause):
		return fmt.Sprintf("; #%d sets the attach attempt counter to 5 (TS 24.301 §5.5.1.2.6 d)%s", r.Cause, moves)
	case p.Dialect.AbnormalRejectMovesOn:
		return "; an abnormal cause (TS 24.301 §5.5.1.2.6 d), which this modem takes as setting the attach attempt counter to 5 (abnormal_reject_moves_on)" + moves
	}
	n := p.Facts.AttemptOf(i)
	var b strings.Builder
	switch {
	case n < emm.MaxAttachAttempts:
		shown := "with no URC until its outcome"
		if p.Dialect.RestartSearching {
			shown = "shown as searching (restart_searching), its outcome the attach's time later"
		}
		fmt.Fprintf(&b, "; an abnormal cause (TS 24.301 §5.5.1.2.6 d), attempt %d of %d on %s: the modem restarts the attach there at T3411's expiry (10 s), %s", n, emm.MaxAttachAttempts, op, shown)
		if j := p.Facts.regAfter(i); j >= 0 && p.Facts.attemptBefore(j) == i {
			fmt.Fprintf(&b, ", and the network rejects it again (%s)", regs[j].Src)
		} else if m, left := p.restartsRefused(i); m == left {
			fmt.Fprintf(&b, ", and the network refuses all %d restarts left, as the logs show no other state until after them (the same denial again, no URC): at the fifth attempt the counter is at 5, the location deleted (EU2), T3402 (12 min) started, and selection goes on with the next network — with none left, denied until T3402 runs out", left)
		} else if m > 0 {
			fmt.Fprintf(&b, ", and the network refuses the next %d restart(s) too, as the logs show (the same denial again, no URC), then takes the one after", m)
		}
	case n == emm.MaxAttachAttempts:
		fmt.Fprintf(&b, "; an abnormal cause (TS 24.301 §5.5.1.2.6 d), the fifth attempt on %s: the attach attempt counter at 5%s", op, moves)
	default:
		fmt.Fprintf(&b, "; an abnormal cause (TS 24.301 §5.5.1.2.6 d), the %dth reject T3411 apart, beyond the counter's %d attempts: the emulated modem went on with selection after the fifth (T3402), and tries %s again only after it", n, emm.MaxAttachAttempts, op)
	}
	if prev := i - 1; n > 1 && r.URC && regs[prev].URC && regs[prev].Stat == 3 && regs[prev].Cause == r.Cause && regs[prev].TAC == r.TAC && regs[prev].CI == r.CI {
		p.Unshown = append(p.Unshown, r.Src)
		fmt.Fprintf(&b, "; the emulated modem shows the denial once, not again at the restart's identical reject (27.007: a URC at a change), so %s is not compared (the event log has its attach_rejected)", r.Src)
	}
	return b.String()
}

// restartsRefused is, for the abnormal reject regs[i] when the
// emulated modem restarts after it (not under abnormal_reject_moves_on,
// not a cause that sets the counter to 5) and it is the last of its run,
// how many of the T3411 restarts left (left: 5 less its attempt) the logs
// show refused (Facts.RestartsRefused), 0 for none or not known.
func (p *Plan) restartsRefused(i int) (refused, left int) {
	fs := p.Facts
	n := fs.AttemptOf(i)
	if n == 0 || p.Dialect.AbnormalRejectMovesOn {
		return 0, 0
	}
	if j := fs.regAfter(i); j >= 0 && fs.attemptBefore(j) == i {
		return 0, 0 // the next reject of the run says the next restart's
	}
	left = emm.MaxAttachAttempts - n
	return max(0, min(fs.RestartsRefused(i), left)), left
}

// earlyAfterAbnormal is the to-do, and the limit at its line, for a
// registration that follows the abnormal reject regs[i] by op sooner than
// its T3411 restart could (Facts.earlyAfterReject) where the logs do not
// show the modem went on to another network (abnormal_reject_moves_on's
// evidence) nor the fifth attempt: the replay restarts on op at T3411.
func (p *Plan) earlyAfterAbnormal(i int, op string) {
	fs := p.Facts
	j := fs.earlyAfterReject(i)
	if j < 0 || fs.AttemptOf(i) >= emm.MaxAttachAttempts {
		return
	}
	if _, other := fs.movedOnAt(i); other && p.Dialect.AbnormalRejectMovesOn {
		return // the modem goes on to that network, as the logs show
	}
	r, n := fs.Regs[i], fs.Regs[j]
	where := ""
	if n.HasCells {
		where = fmt.Sprintf(" with tac %s and cell_id %s", n.TAC, n.CI)
	}
	p.askFor("the registration at %s (%s stat %d) came %v after the abnormal reject at %s (EMM cause #%d), sooner than the attach's restart on %s at T3411 (TS 24.301 §5.5.1.2.6 d: 10 s) could have registered, and the logs do not show it on another network (no numeric +COPS? answer names it): the replay restarts on %s at T3411, so its registration differs there; if the modem went on to another network at once, name that network (a numeric +COPS? answer in the logs, or the manifest's network.operators and network.cells%s) and give device.quirks abnormal_reject_moves_on: true",
		n.Src, n.Name, n.Shown, n.At-r.At, r.Src, r.Cause, op, op, where)
	p.Limits = append(p.Limits, Limit{Src: Src{filepath.Base(n.Src.File), n.Src.Line}, Text: p.ToDo[len(p.ToDo)-1]})
}

// sameTAC says a manifest cell's tac is the log's hex one.
func sameTAC(given, hex string) bool {
	a, ok := manifestTAC(given)
	b, ok2 := logTAC(hex)
	return ok && ok2 && uint32(a) == b
}

// manifestTAC reads a manifest cell's tac as YAML gives it, 0x-prefixed
// hex or decimal.
func manifestTAC(text string) (uint16, bool) {
	n, err := strconv.ParseUint(text, 0, 16)
	return uint16(n), err == nil
}

// logTAC reads a +CxREG <tac>: hex, 16 bits in E-UTRAN, 24 in NR.
func logTAC(hex string) (uint32, bool) {
	n, err := strconv.ParseUint(hex, 16, 32)
	return uint32(n), err == nil
}

// opTAC is a tracking area an operator has a cell in.
type opTAC struct {
	op  string
	tac uint16
}

func hasManifestCells(m *Manifest) bool {
	n, ok := mapValue(m.Network, "cells")
	return ok && len(n.Content) > 0
}

// parse loads the emitted scenario with the scenario loader.
func (p *Plan) parse(e *emitter) error {
	name := p.Fixture.Manifest.Name + ".scenario.yaml"
	s, err := scenario.Parse(name, []byte(e.b.String()))
	if err != nil {
		return scenarioErr(e, p.Fixture.Manifest.File, err)
	}
	p.ScenarioYAML, p.Scenario = []byte(e.b.String()), s
	return nil
}

func (p *Plan) seed() int64 {
	if p.Fixture.Manifest.Seed > 0 {
		return p.Fixture.Manifest.Seed
	}
	return 1
}

// operators are the manifest's, then one per network the logs name that
// the manifest does not.
func (p *Plan) operators() ([]operator, error) {
	m := p.Fixture.Manifest
	var ops []operator
	if n, ok := mapValue(m.Network, "operators"); ok {
		if n.Kind != yaml.SequenceNode {
			return nil, m.errAt(n, "network.operators", "want a list of operators")
		}
		for _, it := range n.Content {
			id, _ := mapValue(it, "id")
			plmn, _ := mapValue(it, "plmn")
			country, _ := mapValue(it, "country")
			name, _ := mapValue(it, "name")
			o := operator{node: it}
			if name != nil {
				o.Name = name.Value
			}
			if id != nil {
				o.ID = id.Value
			}
			if plmn != nil {
				o.PLMN = plmn.Value
			}
			if country != nil {
				o.Country = country.Value
			}
			ops = append(ops, o)
		}
	}
	add := func(plmn string, src Src, why string) error {
		if plmn == "" || slices.ContainsFunc(ops, func(o operator) bool { return o.PLMN == plmn }) {
			return nil
		}
		cc, ok := ident.CountryOfMCC(plmn[:min(3, len(plmn))])
		if !ok {
			return &Error{File: src.File, Line: src.Line, Msg: fmt.Sprintf("%s %s: the country of MCC %s is not known; add its operator to the manifest's network.operators", why, plmn, plmn[:min(3, len(plmn))])}
		}
		// The platform's log names the operator as the platform knows it
		// (a notification carries operator and PLMN): the replay's
		// requests then read the same.
		for _, r := range p.Facts.Requests {
			if r.PLMN == plmn && r.Operator != "" && !slices.ContainsFunc(ops, func(o operator) bool { return o.ID == r.Operator }) {
				ops = append(ops, operator{ID: r.Operator, PLMN: plmn, Country: cc, origin: r.Src.String()})
				p.assume("operator %s (%s) for PLMN %s, which %s shows (%s), named as the platform's log names it (%s)", r.Operator, cc, plmn, src.File, why, r.Src)
				return nil
			}
		}
		ops = append(ops, operator{ID: "op" + plmn, PLMN: plmn, Country: cc, origin: src.String()})
		p.assume("operator op%s (%s) for PLMN %s, which %s shows (%s)", plmn, cc, plmn, src.File, why)
		return nil
	}
	fs := p.Facts
	for _, r := range fs.Regs {
		if err := add(r.PLMN, r.Src, "the network"); err != nil {
			return nil, err
		}
	}
	for _, pr := range fs.Profiles {
		if err := add(pr.OwnerPLMN, pr.Src, "a profile's owner"); err != nil {
			return nil, err
		}
	}
	known := func() []string {
		var k []string
		for _, o := range ops {
			k = append(k, o.PLMN)
		}
		return k
	}
	for _, idn := range fs.Identities {
		if idn.IMSI != "" {
			if err := add(homePLMN(idn.IMSI, known()), idn.Src, "an IMSI's home network"); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range fs.Requests {
		if r.Unread != "" {
			// What the platform's log did not keep is no evidence
			// (outside tester t166 F7).
			p.askFor("%s: %s %s's body is no whole record: %s; the draft takes nothing from what it lost, and the replay compares that request by the members it kept, and says so: if you have the whole body, put it in the log", r.Src, r.Method, r.Path, r.Unread)
		}
		if err := add(r.ServingPLMN, r.Src, "the serving network"); err != nil {
			return nil, err
		}
	}
	for _, s := range fs.Selections {
		// A network the host chose by number is one the modem saw: its
		// country is its MCC's (one of none known is left to the to-do
		// of its reject).
		if _, ok := ident.CountryOfMCC(s.Oper[:min(3, len(s.Oper))]); s.Mode != 0 && s.Format == 2 && ok {
			if err := add(s.Oper, s.Src, "the network the host selected"); err != nil {
				return nil, err
			}
		}
	}
	return ops, nil
}

// operatorNames gives each operator the long name a +COPS? answer shows
// for it, so that the emulated modem names it the same: the operator of
// the network the device is on at the answer (the one it registers on
// next before any registration line; its profile's in logs with none).
// A manifest's name the logs show otherwise is an error naming both.
func (p *Plan) operatorNames(ops []operator, opByID, byPLMN func(string) *operator, subscriberAt func(time.Duration) string, home string) error {
	m := p.Fixture.Manifest
	regs := p.Facts.Regs
	servingAt := func(o Obs) *operator {
		if len(regs) == 0 {
			return opByID(home)
		}
		// The registration the answer names; none when the only ones
		// come later (outside tester t166 F3: a later one abroad gave
		// the home network's name to the visited one).
		r := p.Facts.regNamed(o)
		if r == nil {
			return nil
		}
		switch {
		case r.PLMN != "" && (r.Stat == 1 || r.Stat == 5):
			return byPLMN(r.PLMN)
		case r.Stat == 1:
			return opByID(subscriberAt(r.At))
		}
		return nil
	}
	for _, n := range p.Facts.Names {
		if n.Format == 1 {
			p.shortName(ops, n, servingAt)
			continue
		}
		if n.Format != 0 || slices.ContainsFunc(ops, func(o operator) bool { return o.Name == n.Name }) {
			continue
		}
		o := servingAt(n.Obs)
		switch {
		case o == nil:
			p.assume("no operator is named %q as %s's +COPS? names it: the logs do not show which network the device was on; give the operator's name in network.operators", n.Name, n.Src)
		case o.Name == "":
			o.Name, o.NameSrc = n.Name, n.Src.String()
			p.assume("operator %s is named %q: %s's +COPS? names the network the device is on so", o.ID, n.Name, n.Src)
		case o.NameSrc == "":
			i := slices.IndexFunc(ops, func(q operator) bool { return q.ID == o.ID })
			name, _ := mapValue(o.node, "name")
			return m.errAt(name, fmt.Sprintf("network.operators[%d].name", i), "%q, but %s's +COPS? names the network the device is on (%s) %q", o.Name, n.Src, o.ID, n.Name)
		}
	}
	return nil
}

// shortName says what a +COPS? answer's short alphanumeric name (27.007
// §7.3 <format> 1) gives: the emulated modem's short name of an operator
// is its id in capitals (harness config), so one that is an operator's
// id places the device there as the replay answers it; one that is only
// its name, or that names the network the registration in force shows,
// places it there but the replay's answer differs; one that neither
// resolves places nothing (outside tester t178 N6: skipped without a
// word, and the device placed abroad from the start).
func (p *Plan) shortName(ops []operator, n OperName, servingAt func(Obs) *operator) {
	if slices.ContainsFunc(ops, func(o operator) bool { return strings.ToUpper(o.ID) == n.Name }) {
		return
	}
	o := servingAt(n.Obs)
	if k := slices.IndexFunc(ops, func(o operator) bool { return o.Name != "" && strings.EqualFold(o.Name, n.Name) }); k >= 0 {
		o = &ops[k]
	}
	if o != nil {
		p.askFor("%s's +COPS? names the network the device is on %q, in the short alphanumeric format (27.007 §7.3 <format> 1): operator %s, whose short name the emulated modem gives as its id in capitals (%q), so the replay's +COPS? answer differs there; give that operator the id %q if the replay is to answer it",
			n.Src, n.Name, o.ID, strings.ToUpper(o.ID), strings.ToLower(n.Name))
		return
	}
	p.askFor("no operator is named %q, which %s's +COPS? gives in the short alphanumeric format (27.007 §7.3 <format> 1): the logs do not show which network that is, so the device is not placed by it and the replay's +COPS? answers differ there; give network.operators that operator, with %q as its name or %q as its id (the emulated modem's short name of an operator is its id in capitals)",
		n.Name, n.Src, n.Name, strings.ToLower(n.Name))
}

// eid is the card's EID: the manifest's, the logs', or a test one.
func (p *Plan) eid() (string, error) {
	eid, whose, err := p.cardEID()
	if err != nil {
		return "", err
	}
	if eid != "" {
		return p.testEID(eid, whose, defaultEID), nil
	}
	p.assume("EID %s: neither the manifest nor the logs give one%s", defaultEID, p.Facts.lost(es10.FunctionName(es10.TagGetEuiccData)))
	return defaultEID, nil
}

// defaultEID is the test EUM's EID a card is given where the fixture
// gives none it may issue.
const defaultEID = "89049032000001000000000000000171"

// cardEID is the EID the manifest gives, else the one the logs show
// ("" for neither), and whose it is; an error where the two differ.
func (p *Plan) cardEID() (eid, whose string, err error) {
	m, fs := p.Fixture.Manifest, p.Facts
	switch {
	case m.Device.EID != "" && fs.EID != "" && m.Device.EID != fs.EID:
		return "", "", m.errAt(m.Node("device.eid"), "device.eid", "%s, but %s answers GetEID with %s", m.Device.EID, fs.EIDSrc, fs.EID)
	case m.Device.EID != "":
		return m.Device.EID, "the manifest's", nil
	case fs.EID != "":
		return fs.EID, "the one " + fs.EIDSrc.String() + " shows", nil
	}
	return "", "", nil
}

// testEID is eid where the test EUM may issue it; else standIn, with
// EIDs masked: a world loads only an EID the test EUM issues.
func (p *Plan) testEID(eid, whose, standIn string) string {
	if validEID(eid) {
		return eid
	}
	p.assume("the card's EID is %s, not %s (%s): the test EUM issues 89049032…; EIDs are masked", standIn, eid, whose)
	p.addMask("eid")
	return standIn
}

func (p *Plan) addMask(name string) {
	if slices.ContainsFunc(p.Masks, func(m Mask) bool { return m.Name == name }) {
		return
	}
	ms, _ := (&Manifest{}).maskNamed(name)
	p.Masks = append(p.Masks, ms)
}

func (p *Plan) eidOrigin() string {
	if n := p.Fixture.Manifest.Node("device.eid"); n != nil {
		return p.Fixture.Manifest.pos(n)
	}
	if p.Facts.EID != "" {
		return p.Facts.EIDSrc.String()
	}
	return "assumed"
}

// checkInterval is the card's period as the platform's log shows it (the
// shortest gap between two list requests), else as the card's first
// action shows it after the card was powered again (which restarts the
// card's clock: outside tester sw124, reviewer sw125), else the default.
func (p *Plan) checkInterval(act *cardAction) time.Duration {
	var best time.Duration
	var src Src
	var last *Request
	for i, r := range p.Facts.Requests {
		if r.Path != "/v1/preferred-list" {
			continue
		}
		if last != nil {
			if d := r.At - last.At; d >= time.Minute && (best == 0 || d < best) {
				best, src = d.Round(time.Second), r.Src
			}
		}
		last = &p.Facts.Requests[i]
	}
	if best > 0 {
		p.assume("the card checks every %v: the shortest gap between two list requests (%s)", best, src)
		return best
	}
	if act != nil {
		if c, src, ok := p.lastCardPowerUp(act.At); ok && act.At-c >= time.Minute {
			d := (act.At - c).Round(time.Second)
			p.assume("the card checks every %v: its check (%s) came that long after the card was powered again (%s), which restarts the card's clock", d, act.What, src)
			return d
		}
	}
	p.assume("the card checks every %v: the manifest gives no device.check_interval and the logs cannot show it", defaultCheck)
	return defaultCheck
}

func (p *Plan) checkOrigin() string {
	if n := p.Fixture.Manifest.Node("device.check_interval"); n != nil {
		return p.Fixture.Manifest.pos(n)
	}
	return "assumed"
}

// regLinesShowing are the logs' registration lines, in any domain
// (+CEREG, +CREG, +CGREG: TS 27.007 §10.1.22, §7.2, §10.1.20), read or
// unasked, that show stat: every line the facts read (factReg), its
// location in a form of its own too.
func (p *Plan) regLinesShowing(stat int) []Src {
	var out []Src
	for _, t := range p.Fixture.Logs {
		for _, e := range t.Entries {
			if e.Role != fieldlog.Info && e.Role != fieldlog.URC {
				continue
			}
			if r, ok := factReg(e.Text, e.Role == fieldlog.Info); ok && r.Stat == strconv.Itoa(stat) {
				out = append(out, Src{t.File, e.Line})
			}
		}
	}
	return out
}

// bothNoServiceStats says where the logs show a device without a cell
// both ways, searching (2) and not registered (0, no_service_stat 0): one
// switch of the emulated modem gives one of them, so its answer differs
// at the other. A search that a registration ends within an attach's time
// is a scan, which the modem shows as 2 either way.
func (p *Plan) bothNoServiceStats() {
	if !p.Dialect.NoServiceStat0 {
		return
	}
	regs := p.Facts.Regs
	for i, r := range regs {
		if r.Stat != 2 {
			continue
		}
		if j := slices.IndexFunc(regs[i+1:], func(n Reg) bool { return n.Stat != 2 }); j >= 0 {
			if n := regs[i+1+j]; (n.Stat == 1 || n.Stat == 5) && p.Dialect.SearchingURC && n.At-r.At <= maxAttachDelay {
				continue
			}
		}
		// A to-do, not only an assumption: the draft knows the first
		// replay fails there (outside tester t166 F9).
		p.limitOf(r.Src, false, "the logs show a device without a cell as searching (%s, stat 2) and as not registered (no_service_stat 0): the emulated modem gives one of them, 0, so its answer differs at %s, whatever the manifest says; cut the logs before it, or keep the fixture as one that shows the limit", r.Src, r.Src)
		return
	}
}

// deniedLater is the first denial the logs show, when it is a URC after
// they begin with no denial read before it and an attach fault gives it
// (the reject cause the logs show, or the manifest's): the moment the
// device met the network's reject. nil otherwise.
func (p *Plan) deniedLater(op string) *Reg {
	for i, r := range p.Facts.Regs {
		switch {
		case r.Stat == 1 || r.Stat == 5:
			return nil
		case r.Stat != 3 || p.Facts.SelectedAt(r.Obs) != nil:
			// A denial by the network the host chose is no sign of
			// where the device was before it chose.
			continue
		case !r.URC || r.At <= 0 || !p.faultGives(3, op, false):
			return nil
		}
		return &p.Facts.Regs[i]
	}
	return nil
}

// selectionOperator is the operator of the network a manual selection
// names: by number, or by the name (long) or id (the short name the
// emulated modem gives) of one. nil when none is known.
func (p *Plan) selectionOperator(ops []operator, s *Selection) *operator {
	if s == nil || s.Oper == "" {
		return nil
	}
	for i, o := range ops {
		switch {
		case s.Format == 2 && o.PLMN == s.Oper,
			s.Format != 2 && (strings.EqualFold(o.Name, s.Oper) || strings.EqualFold(o.ID, s.Oper)):
			return &ops[i]
		}
	}
	return nil
}

// deniedSelection is the first denial the logs show under a manual
// selection, and the chosen network's operator (nil when unknown).
func (p *Plan) deniedSelection(ops []operator) (*Selection, *operator) {
	for _, r := range p.Facts.Regs {
		if s := p.Facts.SelectedAt(r.Obs); s != nil && r.Stat == 3 {
			return s, p.selectionOperator(ops, s)
		}
	}
	return nil, nil
}

// registersLater makes the device's first registration the one the logs
// show after they begin, when they show it came then: a URC (a modem
// reports a registration as it changes) with no registered state read
// before it, or one after the logs read the device searching or not
// registered. The device is then out of coverage (searching) from its
// power-on until the first stop, at the registration;
// otherwise it would be registered from its boot, before the logs, and
// the replay could show neither the search nor the URC. A log that opens
// at the power-on, or whose first registration is the host's attach
// (detachedAtStart) or follows a restart, boot or REFRESH, or a denial
// first, or after a signal read (the device had a cell then), is left as
// it is.
func (p *Plan) registersLater(stops []stop) (placed bool) {
	fs := p.Facts
	first := slices.IndexFunc(fs.Regs, func(r Reg) bool { return r.Stat == 1 || r.Stat == 5 })
	if len(stops) == 0 || stops[0].late || first < 0 || p.PowerOn || p.detached {
		return false
	}
	r := fs.Regs[first]
	if stops[0].origin != r.Src.String() {
		return false // the first stop is not this registration's (a network the logs do not name)
	}
	for _, starts := range [][]Obs{fs.Restarts, fs.Boots, fs.Rebooted, fs.Refreshes} {
		if slices.ContainsFunc(starts, func(o Obs) bool { return o.At <= r.At }) {
			return false // the attach of a restart, boot or REFRESH the replay makes too
		}
	}
	if i := slices.IndexFunc(fs.Signal, func(sg SignalFact) bool { return sg.At < r.At }); i >= 0 {
		// A signal read before it: the device had a cell, which the
		// emulated modem measures only once registered on it.
		if r.URC && !fs.detachedBefore(r.Obs) {
			p.assume("the first registration the logs show (%s) is a URC, after a signal read (%s): the emulated modem measures a cell only once registered on it, so the replay registers at its boot, before the logs, and cannot show that URC: not compared", r.Src, fs.Signal[i].Src)
			p.Unshown = append(p.Unshown, r.Src)
		}
		return false
	}
	before := fs.Regs[:first]
	searched := slices.ContainsFunc(before, func(n Reg) bool { return n.Stat == 0 || n.Stat == 2 })
	if r.At <= 0 || slices.ContainsFunc(before, func(n Reg) bool { return n.Stat != 0 && n.Stat != 2 }) || !r.URC && !searched {
		return false
	}
	// A device that enters coverage while searching attaches at once
	// (the modem's Reselect): the stop is the registration's instant.
	at := r.At
	stops[0].At, stops[0].late = at, true
	why := "a URC, so it came then"
	if searched {
		why = "after the logs show it unregistered"
	}
	p.assume("the device registered first at %s (%s): it is out of coverage (searching) from its power-on until then, %s on the logs' clock", r.Src, why, fieldlogOffset(at))
	if i := slices.IndexFunc(before, func(n Reg) bool { return n.URC && n.Stat == 2 }); i >= 0 && !fs.detachedBefore(before[i].Obs) {
		p.assume("the search URC at %s the replay cannot show: the device searches from its power-on, before the logs, and the emulated modem shows a search only as it starts an attach: not compared", before[i].Src)
		p.Unshown = append(p.Unshown, before[i].Src)
	}
	return true
}

// alignChecks picks when the logs begin on the run's clock, so that the
// card's periodic check falls when the field card's first visible action
// did (a list request in the platform's log, a REFRESH, a new IMSI): the
// emulated card checks at every check interval from its boot.
func (p *Plan) alignChecks(check, least time.Duration, first *cardAction) time.Duration {
	if on := p.Facts.PowerOn; p.PowerOn {
		// The card's checks count from its boot, which the logs show.
		p.PowerOnAt = warmUp
		p.assume("the card checks every %v from the power-on the logs begin with", check)
		if on.At > 0 {
			// The host polled the module before it booted: the logs
			// begin before the power-on.
			p.PowerOnAt = warmUp + on.At
			return warmUp
		}
		if p.Fixture.Logs[p.Fixture.LogIndex(on.Src.File)].Entries[0].Time.IsZero() {
			p.assumeNoTimes(on.Src.File)
			return p.PowerOnAt + warmUp
		}
		return p.PowerOnAt
	}
	if first == nil {
		p.assume("the logs begin %v after the device powered on (boot and first attach); nothing shows when the card checks", least)
		return least
	}
	act, what := first.At, first.What
	if c, src, ok := p.lastCardPowerUp(act); ok {
		// +CFUN powered the card again before its action: the emulated
		// card's checks count from there, whenever the logs begin.
		if gap := act - c; (gap+time.Second/2)%check > time.Second {
			p.assume("the card's checks count from the card powered again at %s: every %v from there, not at %s (%s): the replay differs there", src, check, what, fieldlogOffset(act))
		} else {
			p.assume("the card's checks count from the card powered again at %s: one falls at %s (%s)", src, what, fieldlogOffset(act))
		}
		return least
	}
	k := (act + least + check - 1) / check
	start := k*check - act
	p.assume("the logs begin %v after power-on, so that the card's periodic check falls at %s (%s): when the field card checked is not in the logs", durString(start), what, fieldlogOffset(act))
	return start
}

func fieldlogOffset(d time.Duration) string { return "+" + durString(d) }

// lastCardPowerUp is the last time before t the card was powered again
// in the logs — +CFUN=1 or 4 after a +CFUN=0 that took its power, or the
// card put back —, which restarts the emulated card's clock.
func (p *Plan) lastCardPowerUp(t time.Duration) (time.Duration, Src, bool) {
	at, src, ok := time.Duration(0), Src{}, false
	for _, o := range slices.Concat(p.Facts.radioBacks, p.Facts.cardReturns()) {
		if o.At < t && (!ok || o.At > at) {
			at, src, ok = o.At, o.Src, true
		}
	}
	return at, src, ok
}

// cardAction is the first thing in the logs only the card's check
// explains: when, and what it is.
type cardAction struct {
	At   time.Duration
	What string
}

// firstCardAction is the first thing in the logs only the card's check
// explains (nil: none).
func (p *Plan) firstCardAction() *cardAction {
	best, what := time.Duration(-1), ""
	for _, r := range p.Facts.Requests {
		if r.Path == "/v1/preferred-list" {
			best, what = r.At, "the list request of "+r.Src.String()
			break
		}
	}
	for _, r := range p.Facts.Refreshes {
		if p.hostSwitched(r.At) {
			continue // the host's enable asked for it: the replay sends that
		}
		if best < 0 || r.At < best {
			best, what = r.At, "the REFRESH of "+r.Src.String()
		}
		break
	}
	var first string
	for _, idn := range p.Facts.Identities {
		if idn.IMSI == "" {
			continue
		}
		if first == "" {
			first = idn.IMSI
			continue
		}
		if idn.IMSI != first {
			if p.hostSwitched(idn.At) || p.Facts.slotSwitchedBefore(idn.Obs) {
				break // the host's switch (an enable, another slot): no check of the card's
			}
			if best < 0 || idn.At < best {
				// The switch happened before the host saw the new IMSI.
				best, what = max(idn.At-5*time.Second, 0), "5 s before the new IMSI of "+idn.Src.String()
			}
			break
		}
	}
	if best < 0 {
		return nil
	}
	return &cardAction{best, what}
}

// hostSwitched reports a switch at t the host's own enable or disable
// asked for (an ES10 EnableProfile or DisableProfile the card answered
// with a REFRESH pending, 91xx, within a minute before t): the replay
// sends that command, so neither the card's periodic check nor a
// platform list explains the switch.
func (p *Plan) hostSwitched(t time.Duration) bool {
	return slices.ContainsFunc(p.Facts.refreshAsked, func(a Obs) bool { return a.At <= t && t-a.At <= time.Minute })
}

// signalOn is the RSRP read while the device was on r's cell: the first
// reading from r until the registration changes. A reading before the
// logs' first registration line counts for that line's cell when it is a
// registration: nothing shows the device elsewhere before it, and a modem
// measures the cell it camps on, which is the one it registers on. The
// default, read false, when no reading fits.
func (p *Plan) signalOn(r Reg) (rsrp int, read bool) {
	regs := p.Facts.Regs
	from := r.At
	if len(regs) > 0 && regs[0].Src == r.Src {
		from = -1 << 62
	}
	end := time.Duration(-1)
	for _, n := range regs {
		if n.At > r.At && (n.Stat != r.Stat || n.HasCells && (n.TAC != r.TAC || n.CI != r.CI)) {
			end = n.At
			break
		}
	}
	for _, s := range p.Facts.Signal {
		if s.At >= from && (end < 0 || s.At < end) {
			if s.At < r.At {
				p.assume("the signal %s reads, before the first registration line, is taken for the cell %s registers on: a modem measures the cell it camps on", s.Src, r.Src)
			}
			return clampRSRP(s.RSRP), true
		}
	}
	return defaultRSRP, false
}

// signalBefore is the first RSRP read before any registration line (all
// of the logs' when they show none), for the one cell the device is
// assumed on: ok false when none is.
func (p *Plan) signalBefore() (int, Src, bool) {
	for _, s := range p.Facts.Signal {
		if len(p.Facts.Regs) == 0 || s.At < p.Facts.Regs[0].At {
			return clampRSRP(s.RSRP), s.Src, true
		}
	}
	return 0, Src{}, false
}

// maxRSRP is the strongest a cell reads (dBm): the top of the RSRP
// reporting range, TS 36.133 §9.1.4, as the scenario loader has it.
const maxRSRP = -44

// clampRSRP keeps a reading within what a cell may have (dBm).
func clampRSRP(rsrp int) int { return max(min(rsrp, maxRSRP), -140) }

// signalChange is a derived change of a cell's signal (fixture time).
type signalChange struct {
	at       time.Duration
	area, op string
	rsrp     int
	origin   string
}

// signalChanges are the serving cell's signal as the logs read it after
// the read its cell was given (cells): each read that differs from the
// cell's value then is a change halfway back to the read before it (a
// second at most), so the replay's read gives what the log's did; a
// field modem's signal wanders a step or two between reads.
func (p *Plan) signalChanges(cells []cell, areaAt func(time.Duration) string, byPLMN, opByID func(string) *operator, subscriberAt func(time.Duration) string) []signalChange {
	fs := p.Facts
	now := map[int]int{} // cell index → RSRP in force
	for k, c := range cells {
		now[k] = c.RSRP
	}
	var out []signalChange
	prev := time.Duration(-1 << 62)
	for _, sg := range fs.Signal {
		var reg *Reg
		for i := range fs.Regs {
			if fs.Regs[i].At > sg.At {
				break
			}
			reg = &fs.Regs[i]
		}
		at := began(sg.At, false, prev)
		prev = sg.At
		if reg == nil || reg.Stat != 1 && reg.Stat != 5 {
			continue
		}
		plmn := reg.PLMN
		if plmn == "" && reg.Stat == 1 {
			if sub := opByID(subscriberAt(reg.At)); sub != nil {
				plmn = sub.PLMN
			}
		}
		o := byPLMN(plmn)
		area := areaAt(sg.At)
		if o == nil || area == "" {
			continue
		}
		k := slices.IndexFunc(cells, func(c cell) bool { return c.Area == area && c.Operator == o.ID })
		if k < 0 {
			continue
		}
		if rsrp := clampRSRP(sg.RSRP); rsrp != now[k] {
			if at <= reg.At {
				continue // the read of the registration itself: its cell's own
			}
			now[k] = rsrp
			out = append(out, signalChange{at, area, o.ID, rsrp, sg.Src.String()})
		}
	}
	return out
}

// cardWindow is a stretch the logs show the modem without its card: from
// before the first sight of its absence (gone) to before the card is
// seen again (back; nil: to the end of the logs).
type cardWindow struct {
	from, until time.Duration
	seen        bool // the card was seen before: from is when it went
	gone        CardFact
	back        *CardFact
}

// cardWindows are the stretches the logs show the card absent. One
// begins at the start of the logs unless the card was seen before; else
// a second before the absence shows (or half way from the sight before,
// if that is nearer), at once for a URC that says the card went. It ends
// as the card is seen again: at once for a URC, a second (or half the
// way) before the command that reads it.
func (p *Plan) cardWindows() []cardWindow {
	var out []cardWindow
	var last *CardFact // the previous sight
	var open *cardWindow
	edge := func(c CardFact, from time.Duration) time.Duration { return began(c.At, c.URC, from) }
	for i, c := range p.Facts.Card {
		switch {
		case !c.Present && open == nil:
			// A removal URC says the card was there until it: seen. So
			// does a registration (stat 1 or 5: no network registers a
			// device without its card) before the absence, where the
			// logs read no card state first (outside tester sw67: a
			// log's own "+CEREG: 2,1" contradicted a card absent from
			// the power-on).
			w := cardWindow{gone: c, seen: last != nil || c.Went}
			before := time.Duration(0)
			if last != nil {
				before = last.At
			}
			for _, r := range p.Facts.Regs {
				if (r.Stat == 1 || r.Stat == 5) && c.Obs.After(r.Obs) && r.At >= before {
					w.seen, before = true, r.At
				}
			}
			if w.seen {
				w.from = edge(c, before)
			}
			out = append(out, w)
			open = &out[len(out)-1]
		case c.Present && open != nil:
			open.until, open.back = edge(c, last.At), &p.Facts.Card[i]
			open = nil
		}
		last = &p.Facts.Card[i]
	}
	return out
}

// searchURC says text is a registration URC of any domain that shows
// the device searching (<stat> 2), in any form the facts read (factReg;
// +C5GREG's, which they leave, too): "+CREG: 2", a u-blox SARA-R4's
// "+CEREG: 2,,,,,,,," (n=4, no cell), a location quoted or in a form of
// its own.
func searchURC(text string) bool {
	r, ok := parseReg(text, false)
	return ok && r.Stat == "2" && r.Loc != locBad
}

// searchBeforeLogs leaves out of the comparison the searching URCs a log
// shows before anything starts an attach, when the device is out of
// coverage throughout (ubxlib issue 202's SARA-R422 opens with "+CREG: 2"
// and "+CEREG: 2,,,,,,,,"). The field modem's search began then, from a
// state the logs do not show; the emulated modem's began at its power-on,
// before the logs and before the replay sets the URCs on, and it sends
// no registration URC again until a command, a restart or a boot starts
// an attach (a search URC after one stays compared). A log that opens
// with the power-on is the replay's boot, its search too: left as it is.
func (p *Plan) searchBeforeLogs() {
	fs := p.Facts
	if p.PowerOn || p.detached || fs.Host.Fun == 0 || fs.Host.Fun == 4 {
		return
	}
	starts := slices.Concat(fs.Restarts, fs.Boots, fs.Rebooted, fs.Refreshes)
	for li, t := range p.Fixture.Logs {
		for k, e := range t.Entries {
			if e.Role == fieldlog.Command && attachStart.MatchString(e.Text) {
				starts = append(starts, Obs{p.Fixture.EntryTime(li, k), Src{t.File, e.Line}})
			}
		}
	}
	var left []string
	for li, t := range p.Fixture.Logs {
		for k, e := range t.Entries {
			o := Obs{p.Fixture.EntryTime(li, k), Src{t.File, e.Line}}
			if e.Role != fieldlog.URC || !searchURC(e.Text) || !p.URCShown(o.Src) ||
				slices.ContainsFunc(starts, func(st Obs) bool { return o.After(st) }) {
				continue
			}
			p.Unshown = append(p.Unshown, o.Src)
			left = append(left, fmt.Sprintf("%s (%s)", e.Text, o.Src))
		}
	}
	if len(left) > 0 {
		p.assume("the searching URCs %s, before anything in the logs starts an attach, the replay cannot show: the field modem's search began then, from a state the logs do not show, and the emulated modem, out of coverage from its power-on %v before the logs, has searched since, and sends no registration URC until a command (+CFUN=1, +COPS=0, +CGATT=1), a restart or a boot starts an attach: not compared",
			strings.Join(left, ", "), p.Start)
	}
}

// unknownStats names the registration lines that show stat 4 (unknown)
// when the device is out of coverage throughout and the first state the
// logs show is another (ubxlib issue 202's SARA-R422 answers +CGREG: 2,4
// between +CEREG: 4,2 reads): the emulated modem never shows 4, so each
// is a limit, as the first state's stat 4 is.
func (p *Plan) unknownStats() {
	lines := p.regLinesShowing(4)
	if len(lines) == 0 {
		return
	}
	p.limitLines(lines, "%s: a stat 4 (unknown: 27.007 gives out of E-UTRAN coverage as an example) the emulated modem never shows: out of coverage throughout the replay, it shows 2 there and at each line of stat 4 (%d in the logs), whatever the manifest says; cut the logs before it, or keep the fixture as one that shows the limit", lines[0], len(lines))
}

// unknownStatsElsewhere names the registration lines that show stat 4
// (unknown) which no other limit covers: logs where the device does
// register, before or after them (Zephyr issue 98478's BG770: +CEREG: 4
// and +CREG: 4 URCs, then 5). The emulated modem never shows 4, so its
// line differs there, and the verdict says why rather than only "+CEREG:
// 4" against nothing.
func (p *Plan) unknownStatsElsewhere() {
	var lines []Src
	for _, src := range p.regLinesShowing(4) {
		if _, known := p.LimitAt(src); !known {
			lines = append(lines, src)
		}
	}
	if len(lines) == 0 {
		return
	}
	p.limitLines(lines, "%s: a stat 4 (unknown: 27.007 gives out of E-UTRAN coverage as an example) the emulated modem never shows: its registration line differs there and at each line of stat 4 (%d in the logs); cut the logs before it, or keep the fixture as one that shows the limit", lines[0], len(lines))
}

// attachStart is a command after which the emulated modem starts an
// attach, showing its scan under searching_urc: +CFUN (the radio back on,
// a restart) and the host's own attach.
var attachStart = regexp.MustCompile(`(?i)^AT\+(?:CFUN|COPS|CGATT|CGACT)=`)

// unpromptedSearch says when the logs open with the device searching and
// then registering with nothing before that starts an attach in the
// emulated modem: the reconstruction has the device in coverage from the
// power-on, registered before the logs, and the replay sends neither URC.
// (Out of coverage until then would not do: the emulated modem is
// already searching from its boot attach, and a cell coming into reach
// gives the registration alone.)
func (p *Plan) unpromptedSearch() {
	fs := p.Facts
	if p.detached || len(fs.Regs) < 2 || !fs.Regs[0].URC || fs.Regs[0].Stat != 2 || fs.Host.Fun == 0 || fs.Host.Fun == 4 {
		return
	}
	r := fs.Regs[0]
	reg := slices.IndexFunc(fs.Regs, func(n Reg) bool { return n.Stat == 1 || n.Stat == 5 })
	if reg < 0 || slices.ContainsFunc(fs.Regs[:reg], func(n Reg) bool { return n.Stat != 2 }) {
		return
	}
	before := func(o Obs) bool { return !o.After(r.Obs) }
	if slices.ContainsFunc(slices.Concat(fs.Restarts, fs.Boots, fs.Rebooted), before) || fs.PowerOn != nil && before(*fs.PowerOn) {
		return
	}
	for li, t := range p.Fixture.Logs {
		for k, e := range t.Entries {
			if e.Role == fieldlog.Command && attachStart.MatchString(e.Text) && before(Obs{p.Fixture.EntryTime(li, k), Src{t.File, e.Line}}) {
				return
			}
		}
	}
	p.assume("the logs show the device searching (%s) and then registered (%s) with no command before that starts an attach: the replay has it registered at the power-on, before the logs, and sends neither URC; the emulated modem shows a search only as it starts an attach (power-on, +CFUN=1, a restart, the host's +COPS=0 or +CGATT=1), and a cell coming into reach gives it the registration alone",
		r.Src, fs.Regs[reg].Src)
}

// faultGives reports an attach fault on op that gives registration stat
// (0: attach: timeout, T3410 running out; 3: attach_reject) — the
// manifest's, or, when it gives none, one the logs show; atBoot: a
// manifest's that acts at the power-on's attach (no from: its window
// starts with the run; a from is the logs' time).
func (p *Plan) faultGives(stat int, op string, atBoot bool) bool {
	m := p.Fixture.Manifest
	if m.Faults == nil {
		return !atBoot && p.derivesAttachFault(stat)
	}
	return slices.ContainsFunc(m.Faults.Content, func(it *yaml.Node) bool {
		o, _ := mapValue(it, "operator")
		a, _ := mapValue(it, "attach")
		_, reject := mapValue(it, "attach_reject")
		_, from := mapValue(it, "from")
		return o != nil && o.Value == op && !(atBoot && from) &&
			(stat == 0 && a != nil && a.Value == "timeout" || stat == 3 && reject)
	})
}

// leastStart is how late into the run the logs may begin: after the boot
// and the first attach (warmUp), and, when the first registration state
// they show is not registered (stat 0) and a manifest's attach: timeout
// meets the power-on's attach, after T3410 runs out on it, so that the
// emulated modem shows that state too.
func (p *Plan) leastStart(op string) time.Duration {
	regs := p.Facts.Regs
	if len(regs) > 0 && (regs[0].Stat == 1 || regs[0].Stat == 5) && p.AttachDelay > 0 {
		// Registered when the logs first look: the power-on's attach,
		// which takes what the logs' own attaches took, is over by then
		// (outside tester sw67: a 12.75 s attach learned from the logs
		// registered the device after the log's first read of it).
		return warmUp + p.AttachDelay
	}
	if len(regs) == 0 || regs[0].Stat != 0 || !p.faultGives(0, op, true) {
		return warmUp
	}
	if p.PowerOn {
		p.assume("%s shows the device not registered (%s stat %d), but the logs begin at the power-on, before the emulated attach's T3410 (%v) can run out on the manifest's attach: timeout: the replay shows it searching (stat 2) there",
			regs[0].Src, regs[0].Name, regs[0].Shown, emm.T3410)
		return warmUp
	}
	p.assume("the logs begin once T3410 (%v) has run out on the power-on's attach (the manifest's attach: timeout on %s): %s shows the device not registered (%s stat %d) first",
		emm.T3410, op, regs[0].Src, regs[0].Name, regs[0].Shown)
	return warmUp + emm.T3410
}

// attachRun is how long after its first attempt the emulated modem gives
// up on a network that never answers: T3410 five times, T3411 between
// (TS 24.301 §5.5.1.2.6 c, the attach attempt counter).
const attachRun = emm.MaxAttachAttempts*emm.T3410 + (emm.MaxAttachAttempts-1)*emm.T3411

// restartsUntil is the end of the window of a derived attach: timeout
// whose attempt began at attach and which Regs[i] (searching) and n (not
// registered) show unanswered: the emulated modem restarts the attach at
// each T3411's expiry, and those restarts go unanswered as well — until
// its last attempt, or until the logs' next registration state after n
// (the restart the network answered, another attach), less the attach
// time and a second, as the window of a timeout derived there begins —
// windows of one fault must not overlap —, the earlier; the first
// attempt's always.
func (p *Plan) restartsUntil(i int, n Reg, attach time.Duration) time.Duration {
	until := attach + attachRun - emm.T3410 + time.Second
	for _, x := range p.Facts.Regs[i+1:] {
		if x.At > n.At && x.Stat != 0 {
			until = min(until, x.At-p.AttachDelay-time.Second)
			break
		}
	}
	return max(until, attach+time.Second)
}

// derivesAttachFault reports an attach fault the logs show (faults
// derives it) that gives registration stat: a denial with its cause (3),
// or a search that ended not registered when T3410 ran out (0).
func (p *Plan) derivesAttachFault(stat int) bool {
	for i, r := range p.Facts.Regs {
		if stat == 3 && r.Stat == 3 && r.Cause != 0 && (r.HasCells || r.PLMN != "") {
			return true // one placed on no network is a to-do (faults)
		}
		if stat == 0 && r.Stat == 2 && r.URC {
			if _, _, ok := p.timedOut(i); ok {
				return true
			}
		}
	}
	return false
}

// LostRegistrations are the lines where the logs show the registration
// lost with nothing the replay does by itself to explain it (a dead zone,
// coverageLosses), in order.
func (p *Plan) LostRegistrations() []Src {
	var out []Src
	for _, l := range p.coverageLosses() {
		if l.denied == nil { // else the denial is what went wrong
			out = append(out, l.lost.Src)
		}
	}
	return out
}

// selfBoots are the boots the logs show that no restart command asked for
// and that do not open them: a power cut or a crash, each a failure of its
// own, which the replay makes with a power_cut: at.
func (p *Plan) selfBoots() []Obs {
	var out []Obs
	for _, b := range p.Facts.Boots {
		if po := p.Facts.PowerOn; po == nil || po.Src != b.Src {
			out = append(out, b)
		}
	}
	return out
}

// coverageLoss is a registration the logs show lost without a cause the
// replay makes by itself, and the registration that ends it (nil: none);
// from and until are the dead zone's edges on the logs' clock: a URC's
// own time, or, for a state read, halfway back to the state before it (a
// second at most), as a card's absence is placed.
type coverageLoss struct {
	lost        Reg
	back        *Reg
	from, until time.Duration
	// denied is the denial the search ends in: the dead zone ends
	// as its attach begins, in its reject's window.
	denied *Reg
}

// coverageLosses finds where a registered device went unregistered for
// no reason the replay gives it by itself (Facts.unexplainedLoss; nor the
// card out of reach, nor an attach that timed out), so that the world
// takes its cells away then (coverage: lost) until the next registration.
func (p *Plan) coverageLosses() []coverageLoss {
	fs := p.Facts
	var out []coverageLoss
	windows := p.cardWindows()
	for i, r := range fs.Regs {
		if !fs.unexplainedLoss(i) {
			continue
		}
		if slices.ContainsFunc(windows, func(w cardWindow) bool { return r.At >= w.from && (w.back == nil || r.At <= w.until) }) {
			continue
		}
		if _, _, ok := p.timedOut(i); ok {
			continue
		}
		edge := func(n, before Reg) time.Duration { return began(n.At, n.URC, before.At) }
		l := coverageLoss{lost: r, from: edge(r, fs.Regs[i-1])}
		for j := i + 1; j < len(fs.Regs); j++ {
			if n := fs.Regs[j]; n.Stat == 1 || n.Stat == 5 {
				l.back, l.until = &fs.Regs[j], edge(n, fs.Regs[j-1])
				break
			} else if n.Stat == 3 {
				break // a denial ends the search: its reject is the fault
			}
		}
		if d := fs.deniedAfter(i); d != nil && d.Cause != 0 && l.back == nil {
			// The network dropped the device and refused it again
			// (outside tester sw101): the search lasts until the
			// attach the reject answers, inside its window (faults).
			l.denied, l.until = d, max(l.from, d.At-p.AttachDelay-500*time.Millisecond)
		}
		out = append(out, l)
	}
	return out
}

// hostDetach is a command that ends the registration, which the emulated
// modem does when the replay sends it: +COPS=2, +CFUN=0 or 4, +CGATT=0.
var hostDetach = regexp.MustCompile(`(?i)^AT\+(?:COPS=2|CFUN=[04]|CGATT=0)(?:,|$)`)

// timedOut reports the searching URC Regs[i] ending not registered when
// T3410 (15 s) ran out: the not registered, and when the attach began —
// at the search's start, or, for a modem that shows its scan before the
// attach (searching_urc), T3410 before the end (the scan took the attach
// time, which the logs may not show).
func (p *Plan) timedOut(i int) (Reg, time.Duration, bool) {
	regs := p.Facts.Regs
	r := regs[i]
	scan := time.Duration(0)
	if p.Dialect.SearchingURC {
		scan = p.AttachDelay
		if scan == 0 {
			scan = maxAttachDelay
		}
	}
	for _, n := range regs[i+1:] {
		if n.Stat == 2 {
			continue
		}
		d := n.At - r.At
		if n.Stat != 0 || d < 14*time.Second || d > 16*time.Second+scan {
			break
		}
		if scan == 0 {
			return n, r.At, true
		}
		return n, max(n.At-15*time.Second, r.At), true
	}
	return Reg{}, 0, false
}

// cellOf says the cell a registration line names, for the manifest's
// network.cells ("" when it names none).
// UnnamedRoaming is, for a draft that something else stops before its
// world is built, the to-do the world would print for the first roaming
// registration on a network the logs do not name (no numeric +COPS?
// answer beside it, none for its cell elsewhere): "" when there is none,
// or the manifest's own itinerary places the device.
func UnnamedRoaming(f *Fixture) string {
	if f == nil || f.Manifest.Itinerary != nil || f.Manifest.Scenario != "" {
		return ""
	}
	fs := Extract(f, nil, nil)
	for i := range fs.Regs {
		r := &fs.Regs[i]
		if r.Stat != 5 || r.PLMN != "" {
			continue
		}
		return fmt.Sprintf("%s: the registration (roaming, %s stat %d) is on a network the logs do not name (no numeric +COPS? answer beside it): the replay cannot show it; to replay it, give the manifest the visited operator (network.operators), its cell (network.cells, in its country%s) and an itinerary that takes the device there by then",
			r.Src, r.Name, r.Shown, cellOf(r))
	}
	return ""
}

func cellOf(r *Reg) string {
	if !r.HasCells {
		return ""
	}
	return fmt.Sprintf(", tac: 0x%s, cell_id: 0x%s", r.TAC, r.CI)
}

// LogsCannot is an error at a log line that no manifest field mends: what
// the logs cannot give (times to place a change by), so the logs must be
// other ones or cut.
type LogsCannot struct{ Err *Error }

func (e LogsCannot) Error() string { return e.Err.Error() }
func (e LogsCannot) Unwrap() error { return e.Err }

// unplaced is a change of the world the logs show at src that their
// times cannot place after the one at before: in a log without times
// every line is at one instant (the replay plays its commands together),
// and in a log stamped coarsely two lines may share theirs. field is the
// manifest's field that would state it instead.
type unplaced struct {
	src, before Src
	what, field string
}

// firstUnplaced is the earliest change the logs' times cannot place:
// crossing (a new country's registration, nil when none) or a derived
// window's end — a registration back after a dead zone, a card back after
// its absence — that would come no later than its start. Nil when the
// manifest gives its own faults, which the derived windows yield to.
func (p *Plan) firstUnplaced(crossing *unplaced) *unplaced {
	var all []unplaced
	if crossing != nil {
		all = append(all, *crossing)
	}
	if p.Fixture.Manifest.Faults == nil {
		for _, l := range p.coverageLosses() {
			if l.back != nil && (l.until <= l.from || l.back.At <= l.lost.At) {
				all = append(all, unplaced{l.lost.Src, l.back.Src, fmt.Sprintf("a registration lost (%s stat %d) before the one back", l.lost.Name, l.lost.Shown), "faults"})
			}
		}
		for _, w := range p.cardWindows() {
			if w.back != nil && (w.seen && w.until <= w.from || w.back.At <= w.gone.At) {
				all = append(all, unplaced{w.gone.Src, w.back.Src, "the card gone before it is back", "faults"})
			}
		}
	}
	if u, ok := p.unplacedSwitch(); ok {
		all = append(all, u)
	}
	if len(all) == 0 {
		return nil
	}
	first := slices.MinFunc(all, func(a, b unplaced) int {
		if c := p.Fixture.LogIndex(a.src.File) - p.Fixture.LogIndex(b.src.File); c != 0 {
			return c
		}
		return a.src.Line - b.src.Line
	})
	return &first
}

// unplacedSwitch is the card's own switch (a new IMSI that no REFRESH
// the logs show, nor the host's enable, explains) in a log without
// times: the card's periodic check would have to be placed between two
// of its lines, which play at one instant (outside tester sw67: a check
// made up "5 s before" it, and the replay failed there unasked).
func (p *Plan) unplacedSwitch() (unplaced, bool) {
	var prev *Identity
	for i, idn := range p.Facts.Identities {
		if idn.IMSI == "" {
			continue
		}
		if prev == nil {
			prev = &p.Facts.Identities[i]
			continue
		}
		if idn.IMSI == prev.IMSI {
			continue
		}
		li := p.Fixture.LogIndex(idn.Src.File)
		if li < 0 || p.Fixture.Logs[li].Clock != fieldlog.NoTime || p.hostSwitched(idn.At) || p.Facts.slotSwitchedBefore(idn.Obs) ||
			slices.ContainsFunc(p.Facts.Refreshes, func(r Obs) bool { return !r.After(idn.Obs) && r.After(prev.Obs) }) {
			return unplaced{}, false
		}
		return unplaced{idn.Src, prev.Src, "a new IMSI, the card's own switch to another profile with no REFRESH or enable the logs show", "faults"}, true
	}
	return unplaced{}, false
}

// unplaceable words u as an error at its line, saying what to do.
func (p *Plan) unplaceable(u unplaced) error {
	if li := p.Fixture.LogIndex(u.src.File); li >= 0 && p.Fixture.Logs[li].Clock == fieldlog.NoTime {
		return LogsCannot{Err: &Error{File: u.src.File, Line: u.src.Line, Msg: fmt.Sprintf("%s (%s) in a log without times: the replay plays such a log's commands at one instant, so it cannot place the change between them; "+
			"replay a capture with times (minicom's timestamps, Ctrl-A N), or cut the log before line %d to replay what comes before it", u.what, u.before, u.src.Line)}}
	}
	return &Error{File: u.src.File, Line: u.src.Line, Msg: fmt.Sprintf("%s (%s): the logs' times do not separate the two, so the replay cannot place the change between them; give the manifest's %s with the times you know (on the logs' clock)", u.what, u.before, u.field)}
}

// maxAttachDelay bounds the attach times the logs are read with: the
// attachDelay it measures, and the scan before an attach of a modem that
// shows it.
const maxAttachDelay = 30 * time.Second

// selectionReject places a denial that followed the host's manual
// selection (+COPS=1) on the network it chose, not on the subscriber's
// own: EMM causes #11-#15 come from the visited network (TS 24.301
// §5.5.1.2.5). The fault's window opens at the command, whose attempt
// the emulated modem makes within an attach's time of it, and closes
// after the denial. A network no operator stands for, a denial without
// a cause, or a log without times the draft asks about.
func (p *Plan) selectionReject(reject func(origin string, w rejectWindow), ops []operator, sub string, sel *Selection, r Reg) {
	o := p.selectionOperator(ops, sel)
	cause := r.Cause
	causeText := fmt.Sprintf("%d", cause)
	if cause == 0 {
		causeText = "<EMM cause, 15 when the log does not say>"
	}
	// The window on the run's clock, as the draft's faults are; the
	// advice's on the logs' clock, as the manifest's faults are (shifted).
	from, until := p.Start+sel.ran.At, p.Start+max(r.At, sel.ran.At+max(maxAttachTime, p.AttachDelay))+time.Second
	fault := func(op string) string {
		return fmt.Sprintf("{attach_reject: %s, operator: %s, subscriber: %s, from: %s, until: %s}", causeText, op, sub, durString(from-p.Start), durString(until-p.Start))
	}
	switch {
	case o == nil:
		what := fmt.Sprintf("PLMN %s", sel.Oper)
		if sel.Format != 2 {
			what = fmt.Sprintf("%q", sel.Oper)
		}
		p.askFor("the registration denied at %s follows the host's manual selection of %s (%s), a network the manifest does not name: give network.operators an operator for it (id, plmn, country, name), and the manifest faults: - %s",
			r.Src, what, sel.Src, fault("<its id>"))
	case o.ID == sub:
		// The host chose the subscriber's own network: a denial as any.
		if cause == 0 {
			p.askFor("the registration denied at %s (the host's manual selection of %s, %s) has no reject cause in the log: if %s turned its own subscriber away, give the manifest faults: - %s",
				r.Src, o.ID, sel.Src, o.ID, fault(o.ID))
			return
		}
		tac := p.rejectTAC(o.ID, r)
		reject(r.Src.String(), rejectWindow{o.ID, sub, tac, cause, from, until})
		p.assume("%s's network rejected its subscriber with EMM cause #%d at %s, after the host selected it (%s)%s", o.ID, cause, r.Src, sel.Src, p.inTA(tac, r))
	case cause == 0:
		p.askFor("the registration denied at %s follows the host's manual selection of %s (%s) and has no reject cause in the log: the world's roaming agreements decide it; if %s turned %s's subscriber away, give the manifest faults: - %s",
			r.Src, o.ID, sel.Src, o.ID, sub, fault(o.ID))
	default:
		tac := p.rejectTAC(o.ID, r)
		reject(r.Src.String(), rejectWindow{o.ID, sub, tac, cause, from, until})
		p.assume("%s, the network the host selected at %s, rejected %s's subscriber with EMM cause #%d at %s (the visited network's cause, TS 24.301), from the command on%s",
			o.ID, sel.Src, sub, cause, r.Src, p.inTA(tac, r))
	}
}

// rejectWindow is an attach_reject fault a manual selection's denial
// gives; tac, when set, is its ", tac: 0x…" (rejectTAC).
type rejectWindow struct {
	op, sub, tac string
	cause        int
	from, until  time.Duration
}

func (w rejectWindow) String() string {
	return fmt.Sprintf("{attach_reject: %d, operator: %s, subscriber: %s%s, from: %s, until: %s}", w.cause, w.op, w.sub, w.tac, durString(w.from), durString(w.until))
}

// rejectTAC is the ", tac: 0x…" of the fault of denial r on op: a #12,
// #13 or #15 refuses the tracking area the log shows it in, not the
// network (TS 24.301 §5.5.1.2.5), where the scenario has a cell of op;
// "" for the other causes, a denial without its <tac>, or a TA where op
// has no cell (a fault the loader would refuse).
func (p *Plan) rejectTAC(op string, r Reg) string {
	if !taDenial(r) {
		return ""
	}
	tac, ok := logTAC(r.TAC)
	if !ok || tac > 0xFFFF || !p.cellTACs[opTAC{op, uint16(tac)}] {
		return ""
	}
	return ", tac: 0x" + r.TAC
}

// inTA says, for an assumption, that a fault is its tracking area's.
func (p *Plan) inTA(tac string, r Reg) string {
	if tac == "" {
		return ""
	}
	return fmt.Sprintf(", in tracking area %s only (a reject of the area, TS 24.301 §5.5.1.2.5: the device may register in another)", r.TAC)
}

// maxAttachTime is the longest the emulated modem's attach takes (the
// rig's seeded AttachDelay, 1.5-3 s): a manual selection's attempt comes
// that soon after the command.
const maxAttachTime = 3 * time.Second

// faults are the manifest's; without any, the ones the logs show: an
// attach no network answered (T3410: searching, then not registered 15 s
// later), an attach rejected with a cause, the platform failing requests.
func (p *Plan) faults(e *emitter, ops []operator, subscriberAt func(time.Duration) string) error {
	m := p.Fixture.Manifest
	if m.Faults != nil {
		if m.Faults.Kind != yaml.SequenceNode {
			return m.errAt(m.Faults, "faults", "want a list of faults")
		}
		replaced := p.derivedFaults(ops, subscriberAt)
		if len(m.Faults.Content) == 0 {
			e.line(m.pos(m.Faults), "faults: []") // none, and none derived from the logs
		} else {
			e.line("", "faults:")
			for _, it := range m.Faults.Content {
				e.line(m.pos(it), "  - %s", flow(shifted(it, p.Start, "from", "until")))
			}
		}
		p.DroppedFaults = replaced
		if len(replaced) > 0 {
			// Said, as the advice to give faults does not undo what the
			// logs showed (outside tester sw79: a card's absence that
			// reproduced the failure went with the coverage fault added).
			p.assume("the manifest's faults (%s) replace every fault the logs show, and the replay leaves out these the logs gave: %s; give them in faults: too to keep them",
				m.pos(m.Faults), strings.Join(replaced, "; "))
		}
		return nil
	}
	if m.Itinerary != nil {
		// The itinerary's check (world) did not run: the derived
		// windows' still must.
		if u := p.firstUnplaced(nil); u != nil {
			return p.unplaceable(*u)
		}
	}
	var lines []string
	var origins []string
	add := func(origin, format string, args ...any) {
		lines = append(lines, fmt.Sprintf(format, args...))
		origins = append(origins, origin)
	}
	// A selection the network refuses again, before the window of its
	// last refusal closed, extends that window: each attempt the logs
	// show refused is refused in the replay (t185 F5: the second of two
	// #11 rejects was accepted), and the world takes no overlapping
	// windows of one fault.
	var windows []rejectWindow
	var windowLine []int
	reject := func(origin string, w rejectWindow) {
		for k, v := range windows {
			if v.op == w.op && v.sub == w.sub && v.tac == w.tac && v.cause == w.cause && w.from <= v.until {
				v.until = max(v.until, w.until)
				windows[k], lines[windowLine[k]] = v, v.String()
				return
			}
		}
		windows, windowLine = append(windows, w), append(windowLine, len(lines))
		add(origin, "%s", w)
	}
	regs := p.Facts.Regs
	asked13 := false // the visited network of a cause #13, asked for once
	for i, r := range regs {
		sel := p.Facts.SelectedAt(r.Obs)
		switch {
		case sel != nil && r.Stat == 3 && i > 0 && regs[i-1].Stat == 3 && regs[i-1].Cause == r.Cause && p.Facts.SelectedAt(regs[i-1].Obs) == sel:
			// The same denial read again: its fault is placed already.
		case sel != nil && r.Stat == 3:
			p.selectionReject(reject, ops, subscriberAt(r.At), sel, r)
		case r.Stat == 2 && r.URC:
			if n, attach, ok := p.timedOut(i); ok {
				op := subscriberAt(r.At)
				until := p.restartsUntil(i, n, attach)
				add(n.Src.String(), "{attach: timeout, operator: %s, from: %s, until: %s}", op,
					durString(p.Start+attach-p.AttachDelay-time.Second), durString(p.Start+until))
				p.assume("the attach on %s went unanswered (searching at %s, not registered 15 s later at %s: T3410), and so do the emulated modem's T3411 restarts on it until %s, where the logs show nothing else",
					op, r.Src, n.Src, durString(until))
			}
		case r.Stat == 3 && r.Cause == 0 && i > 0 && regs[i-1].Stat == 3:
			// The same denial read again: asked for at its first line.
		case r.Stat == 3 && r.Cause == 0:
			// The times asked for are the manifest's: the logs' clock.
			op := subscriberAt(r.At)
			p.askFor("the registration denied at %s is left to the world's roaming agreements (no reject cause in the log): where they would take %s's subscriber (its own network, a partner's) the replay registers instead; if the network turned it away, give the manifest faults: - {attach_reject: <EMM cause, 15 when the log does not say>, operator: <the network>, subscriber: %s, from: %s, until: %s}",
				r.Src, op, op, durString(max(0, r.At-p.AttachDelay-time.Second)), durString(r.At+time.Second))
		case r.Stat == 3 && p.unreached:
			why := "the device is out of coverage through the logs"
			if p.Fixture.Logs[p.Fixture.LogIndex(r.Src.File)].Clock == fieldlog.NoTime {
				why = "the log has no times to place the reject by, so the device is out of coverage through it"
			}
			p.askFor("%s's network rejected its subscriber with EMM cause #%d at %s, which the replay cannot show: %s; give the manifest an attach_reject fault for %s and the device is denied from its power-on",
				subscriberAt(r.At), r.Cause, r.Src, why, subscriberAt(r.At))
		case r.Stat == 3 && !r.HasCells && r.PLMN == "":
			// A cause the logs give beside the denial (+CEER), on a
			// network they do not name nor place: no cell of it to
			// put the fault on.
			sub := subscriberAt(r.At)
			// The window opens at the last change before the denial (a
			// REFRESH, the card back, a restart): the replay's attach
			// after it comes as soon as it is done, not when the field
			// modem's search ended (outside tester sw103).
			from := max(0, r.At-p.AttachDelay-time.Second)
			last := time.Duration(-1) // the last change before it, after the registration before it
			for _, c := range slices.Concat(p.Facts.Refreshes, p.Facts.cardReturns(), p.Facts.Restarts) {
				if c.At < r.At && c.At > last && (i == 0 || c.At > regs[i-1].At || regs[i-1].Stat != 1 && regs[i-1].Stat != 5) {
					last = c.At
				}
			}
			if last >= 0 && last < from {
				from = last
			}
			p.askFor("the registration denied at %s with EMM cause #%d is on a network the logs neither name nor place (no cell, no +COPS? beside it): the replay cannot show it; give the manifest that network (network.operators, network.cells where the device is), and give the manifest faults: - {attach_reject: %d, operator: <the network>, subscriber: %s, from: %s, until: %s}",
				r.Src, r.Cause, r.Cause, sub, durString(from), durString(r.At+time.Second))
		case r.Stat == 3:
			sub := subscriberAt(r.At)
			op := sub
			if k := slices.IndexFunc(ops, func(o operator) bool { return r.PLMN != "" && o.PLMN == r.PLMN }); k >= 0 {
				// The network the modem names denied it, the one its
				// cell is of (outside tester sw101: a national roaming
				// network's #11 put on the home network).
				op = ops[k].ID
			}
			from := p.Start + r.At - p.AttachDelay - time.Second
			untimed := p.Fixture.Logs[p.Fixture.LogIndex(r.Src.File)].Clock == fieldlog.NoTime
			if (!r.URC || untimed) && !slices.ContainsFunc(regs[:i], func(n Reg) bool { return n.Stat == 1 || n.Stat == 5 || n.Stat == 3 }) {
				// A read of the state the logs begin in, or a first
				// denial in a log without times before any registration:
				// the attach was denied before them, at the power-on's
				// (outside tester sw107: a window a second wide, 10 s
				// after it).
				from = 0
			}
			if k := p.Facts.attemptBefore(i); k >= 0 && regs[k].Cause == r.Cause {
				// A T3411 restart's reject: the window of the run's
				// reject before it goes on to this one, whenever the
				// replay's restart comes (its attach takes no time, the
				// field modem's did).
				from = p.Start + regs[k].At
			}
			until := p.Start + r.At + time.Second
			if m, left := p.restartsRefused(i); m > 0 {
				// The restarts the logs show refused (no URC of their
				// own) are refused in the replay: the window goes on
				// past the last of them, to halfway to the next one.
				until = p.Start + r.At + time.Duration(m)*emm.T3411 + time.Second
				if m < left {
					until += emm.T3411/2 - time.Second
				}
			}
			tac := p.rejectTAC(op, r)
			reject(r.Src.String(), rejectWindow{op: op, sub: sub, tac: tac, cause: r.Cause, from: from, until: until})
			p.assume("%s's network rejected %s's subscriber with EMM cause #%d at %s%s%s", op, sub, r.Cause, r.Src, p.inTA(tac, r), p.afterAbnormal(i, op))
			p.earlyAfterAbnormal(i, op)
			if r.Cause == 13 && r.PLMN == "" && !asked13 {
				asked13 = true
				// Roaming not allowed in this tracking area (TS 24.301
				// annex A) is a visited network's word, one the logs do
				// not name (outside tester sw67: placed on the home
				// network, at home).
				p.askFor("EMM cause #13 at %s (roaming not allowed in this tracking area) comes from a network the device visits, which the logs do not name: the replay has %s's own network say it; give the manifest that network (network.operators, with its country, and cells) and the fault's operator, if the ticket says where the device was", r.Src, op)
			}
		}
	}
	for _, b := range p.selfBoots() {
		// A boot no restart command asked for: the power went, or the
		// module crashed. The replay cuts the power just after the
		// modem's last line before the boot and gives it back as the
		// boot shows: when in between the power went, the log cannot say.
		li := p.Fixture.LogIndex(b.Src.File)
		// The command it left unanswered, if the boot came with one in
		// flight (a watchdog): named, so that a divergence there says why
		// (outside tester sw113).
		inFlight := ""
		// ahead are the lines the host typed ahead of a command that
		// ran (the queued mark) that the boot left unanswered, with
		// that command, run, unanswered too: the modem held them when
		// the power went, and lost them with it (README: at.log).
		var ahead typedAhead
		if li >= 0 {
			t := p.Fixture.Logs[li]
			last := -1 // the last command before the boot
			for k, e := range t.Entries {
				if e.Line >= b.Src.Line {
					break
				}
				if e.Role == fieldlog.Command {
					last = k
				}
			}
			ahead = typedAheadOf(t, last)
			if last >= 0 && !hasFinal(t, last) && ahead.run < 0 {
				inFlight = fmt.Sprintf(", with %s:%d unanswered", filepath.Base(t.File), t.Entries[last].Line)
				for _, a := range t.Answer(last) {
					inFlight += fmt.Sprintf(" (%s:%d)", filepath.Base(t.File), a.Line)
				}
			}
		}
		if li < 0 || p.Fixture.Logs[li].Clock == fieldlog.NoTime {
			p.limitOf(b.Src, true, "the modem booted by itself at %s%s (no restart command before it: its power was cut, or it crashed), which the replay cannot make: the log has no times, so no cut falls between the lines before and after the boot; cut the log before the boot, or give it times", b.Src, inFlight)
			continue
		}
		if inFlight != "" {
			// The emulated modem answers a command the instant it takes
			// it: no cut after the field modem's last line falls before
			// that answer.
			p.askFor("the modem booted by itself at %s%s: the emulated modem answers a command the instant it takes it, so the replay's power cut comes after its answer, and the replay shows one the field modem never gave", b.Src, inFlight)
		}
		cut, last := time.Duration(0), "the logs' start"
		t := p.Fixture.Logs[li]
		for k, e := range t.Entries {
			if e.Line >= b.Src.Line {
				break
			}
			if e.Dir == fieldlog.Modem && e.Role != fieldlog.Note {
				cut, last = p.Fixture.EntryTime(li, k)+time.Millisecond, fmt.Sprintf("%s:%d", filepath.Base(t.File), e.Line)
			}
		}
		when := fmt.Sprintf("just after the modem's last line before it (%s)", last)
		if ahead.run >= 0 {
			// The lines typed ahead reached a modem that was running
			// one: a cut after the last of them finds them still
			// queued (the emulated modem's own rule), as the field
			// modem had them. Cut before, they would go to a modem
			// already off, which no field log shows.
			if at := p.Fixture.EntryTime(li, ahead.lines[len(ahead.lines)-1]) + time.Millisecond; at > cut {
				cut = at
				when = fmt.Sprintf("just after the last line typed ahead reached it (%s:%d)", filepath.Base(t.File), t.Entries[ahead.lines[len(ahead.lines)-1]].Line)
			}
			var lines []string
			for _, k := range ahead.lines {
				lines = append(lines, fmt.Sprintf("%s:%d", filepath.Base(t.File), t.Entries[k].Line))
			}
			p.assume("the modem booted by itself at %s with %s (%s:%d) running and the lines typed ahead behind it (%s) unanswered: they were queued when the power went, and are lost with it, unanswered, in the replay as in the field (the emulated modem drops a queued line at a power cut)",
				b.Src, textcut.Cut(t.Entries[ahead.run].Text, 40), filepath.Base(t.File), t.Entries[ahead.run].Line, strings.Join(lines, ", "))
		}
		if b.At-cut > scenario.MaxPowerOff {
			cut = b.At - scenario.MaxPowerOff
			when = fmt.Sprintf("%v before it, the longest a power cut lasts (the modem was silent from %s on)", scenario.MaxPowerOff, last)
		}
		cut = max(cut, time.Millisecond-p.Start)
		off := b.At - cut
		if off <= 0 {
			off, cut = time.Millisecond, b.At-time.Millisecond
		}
		add(b.Src.String(), "{power_cut: at, from: %s, off: %s}", durString(p.Start+cut), durString(off))
		p.assume("the modem booted by itself at %s (no restart command before it: its power was cut, or it crashed): the replay cuts the power %s and gives it back as the boot shows, %v later (power_cut: at)", b.Src, when, off)
	}
	for _, l := range p.coverageLosses() {
		line, until := fmt.Sprintf("{coverage: lost, from: %s}", durString(p.Start+l.from)), "to the end"
		if l.back != nil || l.denied != nil {
			line = fmt.Sprintf("{coverage: lost, from: %s, until: %s}", durString(p.Start+l.from), durString(p.Start+l.until))
			if l.back != nil {
				until = "until " + l.back.Src.String()
			} else {
				until = "until the attach the network rejects at " + l.denied.Src.String()
			}
		}
		add(l.lost.Src.String(), "%s", line)
		shows := ""
		if l.lost.Stat == 4 {
			// 27.007's unknown, e.g. out of E-UTRAN coverage.
			shows = "; the emulated modem shows a lost cell as stat 2 (0 under no_service_stat 0), never 4, so its URC differs there"
		}
		p.assume("the device lost its registration at %s (%s stat %d) with no reject, restart, REFRESH or host command before it: a dead zone %s (coverage: lost)%s", l.lost.Src, l.lost.Name, l.lost.Shown, until, shows)
	}
	for _, w := range p.cardWindows() {
		// Not seen before its absence: out of reach since the power-on.
		from, since := time.Duration(0), "from the power-on"
		if w.seen {
			from, since = p.Start+w.from, "from "+w.gone.Src.String()
		}
		line, until := fmt.Sprintf("{card: absent, from: %s}", durString(from)), "to the end"
		if w.back != nil {
			line = fmt.Sprintf("{card: absent, from: %s, until: %s}", durString(from), durString(p.Start+w.until))
			until = "until " + w.back.Src.String()
		}
		add(w.gone.Src.String(), "%s", line)
		why := "SIM not inserted"
		if w.gone.Went {
			why = "SIM removed"
		}
		p.assume("the modem found no card %s %s (%s at %s): the replay keeps the card out of its reach (card: absent)", since, until, why, w.gone.Src)
	}
	// The platform failing: from the first failed request to the next
	// one that did not fail so (platformFailure).
	var down *Request
	reqs := p.Facts.Requests
	for i, r := range reqs {
		if down != nil && platformFailure(r) != platformFailure(*down) {
			add(down.Src.String(), "{platform: %s, from: %s, until: %s}", platformFailure(*down), durString(p.Start+down.At-time.Second), durString(p.Start+r.At-time.Second))
			down = nil
		}
		if down == nil && platformFailure(r) != "" {
			down = &reqs[i]
		}
	}
	if down != nil {
		add(down.Src.String(), "{platform: %s, from: %s}", platformFailure(*down), durString(p.Start+down.At-time.Second))
	}
	for _, h := range p.hangs() {
		// Exact times, not rounded to the millisecond as elsewhere: the
		// window falls between two lines microseconds apart as often as
		// seconds.
		w := fmt.Sprintf("{at_port: hang, from: %s", p.Start+h.from)
		if h.until > 0 {
			w += fmt.Sprintf(", until: %s", p.Start+h.until)
		}
		add(h.src.String(), "%s}", w)
		ends := "to the end of the logs"
		if h.until > 0 {
			ends = "until " + h.next.String() + ", the next command it answered"
		}
		p.assume("the field modem's AT port stopped answering at %s (the host gave up waiting: %s): the emulated one hangs %s, its radio, toolkit and card going on", h.src, h.gaveUp, ends)
	}
	if slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "{platform: unreachable") }) {
		p.UnansweredRefused = true
		p.assume("the platform's unanswered requests (%s and on) are modelled as the platform refusing connections: the card had no answer either way; they are left out of the requests compared", firstFailed(reqs, "unreachable"))
	}
	if slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "{platform: status") }) {
		p.assume("the platform's 5xx answers (%s and on) are replayed as such (platform: status, with the recorded code): an answer, which fails the card's request and, unlike none, does not back its list requests off (README, \"The platform unreachable\")", firstFailed(reqs, "status"))
	}
	if len(lines) == 0 {
		return nil
	}
	e.line("", "faults:")
	for i, l := range lines {
		e.line(origins[i], "  - %s", l)
	}
	return nil
}

// derivedFaults are the faults the logs alone would give (each with the
// line that shows it), for a manifest whose own replace them; what
// deriving them assumes is not the plan's.
func (p *Plan) derivedFaults(ops []operator, subscriberAt func(time.Duration) string) []string {
	m := p.Fixture.Manifest
	given, nAssumed, nToDo, refused := m.Faults, len(p.Assumptions), len(p.ToDo), p.UnansweredRefused
	m.Faults = nil
	var scratch emitter
	err := p.faults(&scratch, ops, subscriberAt)
	m.Faults = given
	p.Assumptions, p.ToDo, p.UnansweredRefused = p.Assumptions[:nAssumed], p.ToDo[:nToDo], refused
	if err != nil {
		return nil
	}
	// The manifest's own, on the run's clock, to leave out those it has.
	var stated []map[string]string
	for _, it := range m.Faults.Content {
		stated = append(stated, faultFields(flow(shifted(it, p.Start, "from", "until"))))
	}
	var out []string
	for _, l := range strings.Split(scratch.b.String(), "\n") {
		f, ok := strings.CutPrefix(l, "  - ")
		if !ok {
			continue
		}
		f, origin, _ := strings.Cut(f, "  # ")
		if slices.ContainsFunc(stated, func(g map[string]string) bool { return maps.Equal(g, faultFields(f)) }) {
			continue
		}
		// In the manifest's times, which count from the logs' start, so
		// that it can be copied there as it is (outside tester sw81: a
		// fault from the power-on printed as from 0s).
		text := f
		if node, err := flowNode(f); err == nil {
			text = flow(shifted(node, -p.Start, "from", "until"))
		}
		if origin != "" {
			text += " (" + origin + ")"
		}
		out = append(out, text)
	}
	return out
}

// flowNode parses one fault's flow mapping.
func flowNode(f string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(f), &doc); err != nil || len(doc.Content) != 1 {
		return nil, fmt.Errorf("fault %q: %v", f, err)
	}
	return doc.Content[0], nil
}

// faultFields are a fault's fields, its times normalised, to tell two
// ways of writing one fault apart from two faults.
func faultFields(f string) map[string]string {
	n, err := flowNode(f)
	if err != nil || n.Kind != yaml.MappingNode {
		return map[string]string{"": f}
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := n.Content[i+1].Value
		if d, err := time.ParseDuration(v); err == nil {
			v = durString(d)
		}
		out[n.Content[i].Value] = v
	}
	return out
}

// hang is a stretch of a log in which the field modem answered nothing
// its host sent, from the first command the host gave up waiting for.
type hang struct {
	from, until time.Duration // fixture time; until 0: to the end
	src, gaveUp Src           // the first unanswered command, the note giving up on it
	next        Src           // the command answered after it
}

// hangs finds where the field modem's AT port stopped answering: a command
// whose host gave up waiting (fieldlog.Entry.GaveUpOn: gammu's retries
// and ERR_TIMEOUT, ModemManager's timeouts, the harness's "# no answer:"),
// and the commands after it on that port up to the next one answered. The
// window starts and ends halfway between those commands and the lines
// before them (a second at most), so that it holds the unanswered commands
// and nothing else; a first command with the time of the line before it
// starts it a nanosecond later (hangTie). Logs without times cannot place
// one.
func (p *Plan) hangs() []hang {
	f := p.Fixture
	var out []hang
	for li, t := range f.Logs {
		cur := -1 // the log's last hang in out
		for k, e := range t.Entries {
			if e.GaveUpOn == 0 {
				continue
			}
			c := commandAtLine(t, k, e.GaveUpOn)
			if c < 0 {
				continue
			}
			if t.Clock == fieldlog.NoTime {
				p.assume("%s shows the field modem answering no more (%s:%d) but has no times: the replay cannot place the hang and its modem answers", t.File, t.File, e.Line)
				break
			}
			if cur >= 0 && out[cur].until == 0 {
				continue // inside a hang to the end
			}
			at := f.EntryTime(li, c)
			if po := p.Facts.PowerOn; po != nil && po.Src.File == t.File && t.Entries[c].Line < po.Src.Line ||
				slices.ContainsFunc(p.Facts.Unready, func(q entryAt) bool { return q.log == li && q.entry == c }) {
				// Given up on before the boot the log opens with, or
				// among the commands it opens with that the modem did
				// not answer: not up yet, not hung (outside tester
				// sw103: a Zephyr script's ATE0 timing out before the
				// BG95's RDY).
				continue
			}
			h := hang{from: at - halfGap(at, f, li, c), src: Src{t.File, t.Entries[c].Line}, gaveUp: Src{t.File, e.Line}}
			tie := h.from == at
			if tie {
				// The line before has the same time (a log stamped to
				// the second): this command, and those after it at that
				// time, are played a nanosecond later, and the hang
				// starts then, so that it takes them and not the ones
				// before.
				h.from += time.Nanosecond
			}
			for j := c + 1; j < len(t.Entries); j++ {
				n := t.Entries[j]
				if n.Role == fieldlog.Command && n.Port == t.Entries[c].Port && answered(t, j) {
					next := f.EntryTime(li, j)
					h.until, h.next = next-halfGap(next, f, li, j), Src{t.File, n.Line}
					break
				}
			}
			if cur >= 0 && h.from < out[cur].until {
				continue // a command given up on inside the last hang
			}
			if tie {
				p.hangTies = append(p.hangTies, hangTie{log: li, entry: c, at: at})
			}
			out = append(out, h)
			cur = len(out) - 1
		}
	}
	return out
}

// hangTie is a hang's first command sharing its time with commands
// before it in its log (hangs): it is played, and the hang starts, a
// nanosecond after that time.
type hangTie struct {
	log, entry int
	at         time.Duration // fixture time
}

// inHangTie reports whether command k of log li, at fixture time at, is
// played a nanosecond late: it is a hang's first command that shares its
// time with commands before it, or comes after it at that time.
func (p *Plan) inHangTie(li, k int, at time.Duration) bool {
	return slices.ContainsFunc(p.hangTies, func(h hangTie) bool { return h.log == li && k >= h.entry && at == h.at })
}

// commandAtLine is the index of the command on line at or before k.
func commandAtLine(t *fieldlog.Transcript, k, line int) int {
	for j := k; j >= 0; j-- {
		if t.Entries[j].Role == fieldlog.Command && t.Entries[j].Line == line {
			return j
		}
	}
	return -1
}

// operatedRegs are the registrations only a +COPS? answer shows
// (Facts.Operated), as registration lines: on the network it names — by
// its PLMN, or by a name an operator has (otherwise not placed, and
// operatorNames says so) — home when the subscriber in force is that operator's,
// roaming otherwise.
func (p *Plan) operatedRegs(ops []operator, byPLMN func(string) *operator, subscriberOf func(Obs) string) []Reg {
	var out []Reg
	for _, c := range p.Facts.Operated {
		o := byPLMN(c.PLMN)
		if c.PLMN == "" {
			// By its name, or a short one (format 1) by its id in
			// capitals, the emulated modem's short name, or its name in
			// any case (shortName says what the replay answers then).
			if k := slices.IndexFunc(ops, func(o operator) bool {
				return o.Name != "" && o.Name == c.Name ||
					c.Format == 1 && (strings.ToUpper(o.ID) == c.Name || o.Name != "" && strings.EqualFold(o.Name, c.Name))
			}); k >= 0 {
				o = &ops[k]
			}
		}
		if o == nil {
			continue // a name no operator has: operatorNames says so
		}
		stat := 1
		if subscriberOf(c.Obs) != o.ID {
			stat = 5
		}
		out = append(out, Reg{Obs: c.Obs, Stat: stat, Shown: stat, Name: "+COPS", PLMN: o.PLMN})
	}
	return out
}

// imsiAfterSwitch is the first IMSI the logs read after an EnableProfile
// of iccid answered ok and the REFRESH, restart or power-on that followed
// it — the switched-to profile's (SGP.22 §5.7.16: the card resets the
// session onto it) — and where; "" when none is read before the next
// such change or enable, or when that IMSI is another profile's of out
// (the REFRESH left undone: refreshIgnored).
func imsiAfterSwitch(fs *Facts, changes []Obs, iccid string, out []profile) (string, Src) {
	for _, en := range fs.Enables {
		if !en.OK || en.ICCID != iccid {
			continue
		}
		var reset *Obs // the first change after the enable
		for i, c := range changes {
			if c.After(en.Obs) && (reset == nil || reset.After(c)) {
				reset = &changes[i]
			}
		}
		if reset == nil {
			continue
		}
		for _, idn := range fs.Identities {
			if !idn.After(*reset) {
				continue
			}
			if slices.ContainsFunc(changes, func(c Obs) bool { return c.After(*reset) && !c.After(idn.Obs) }) ||
				slices.ContainsFunc(fs.Enables, func(e EnableFact) bool { return e.After(en.Obs) && !e.After(idn.Obs) }) {
				break
			}
			if idn.IMSI == "" {
				continue
			}
			if slices.ContainsFunc(out, func(pr profile) bool { return pr.ICCID != iccid && pr.IMSI == idn.IMSI }) {
				break
			}
			return idn.IMSI, idn.Src
		}
	}
	return "", Src{}
}

// answered reports whether command k got its final result.
func answered(t *fieldlog.Transcript, k int) bool {
	return slices.ContainsFunc(t.Answer(k), func(a fieldlog.Entry) bool { return a.Role == fieldlog.Final })
}

// began is when a state a line shows at `at` began: a URC's own time (a
// modem reports a change as it happens), a read's halfway back to the
// observation before it at `before`, a second at most (the change came
// somewhere between them, and the replay's read must see it).
func began(at time.Duration, urc bool, before time.Duration) time.Duration {
	if urc {
		return at
	}
	return at - min(time.Second, (at-before)/2)
}

// halfGap is half the time between entry k of log li, at fixture time at,
// and the entry before it, a second at most.
func halfGap(at time.Duration, f *Fixture, li, k int) time.Duration {
	if k == 0 {
		return time.Second
	}
	return min(time.Second, (at-f.EntryTime(li, k-1))/2)
}

// firstFailed is where the first request replayed as a platform fault of
// that kind is.
func firstFailed(reqs []Request, kind string) string {
	for _, r := range reqs {
		if strings.HasPrefix(platformFailure(r), kind) {
			return r.Src.String()
		}
	}
	return ""
}

// platformFailure is the platform fault that stands for a recorded
// request's failure, as a fault entry's body after "platform: ":
// "unreachable" for one with no answer (status 0), "status, code: <n>"
// for a 5xx — an answer, which the card tells from none (its list
// requests back off only after none), with its own code, so the replayed
// platform logs and sends what the field one did —, "" for a request
// served. Requests failed with different codes make different windows.
func platformFailure(r Request) string {
	switch {
	case r.Status == 0:
		return "unreachable"
	case r.Status >= scenario.MinPlatformStatus && r.Status <= scenario.MaxPlatformStatus:
		return fmt.Sprintf("status, code: %d", r.Status)
	}
	return ""
}

// knownOperators says which operators a profile may name: the manifest's
// and those made for the networks the logs show.
func knownOperators(ops []operator) string {
	if len(ops) == 0 {
		return "the manifest's network.operators defines none and the logs show no network; add it there with its plmn and country"
	}
	names := make([]string, len(ops))
	for i, o := range ops {
		names[i] = fmt.Sprintf("%s (%s)", o.ID, o.PLMN)
	}
	return "the operators are " + strings.Join(names, ", ") + " (the manifest's network.operators, then one per network the logs show); add it to network.operators with its plmn and country, or name one of those"
}

// profiles are the manifest's and those the logs show, with operators,
// IMSIs and the one enabled when the logs begin.
func (p *Plan) profiles(ops []operator, known []string) ([]profile, error) {
	m := p.Fixture.Manifest
	fs := p.Facts
	opOfPLMN := func(plmn string) string {
		for _, o := range ops {
			if o.PLMN == plmn {
				return o.ID
			}
		}
		return ""
	}
	var out []profile
	for i, pr := range m.Device.Profiles {
		if !slices.ContainsFunc(ops, func(o operator) bool { return o.ID == pr.Operator }) {
			n := pr.node
			if v, ok := mapValue(pr.node, "operator"); ok {
				n = v
			}
			return nil, m.errAt(n, fmt.Sprintf("device.profiles[%d].operator", i), "unknown operator %q: %s", pr.Operator, knownOperators(ops))
		}
		out = append(out, profile{ICCID: pr.ICCID, Operator: pr.Operator, IMSI: pr.IMSI, Enabled: pr.Enabled, origin: m.pos(pr.node)})
	}
	find := func(iccid string) *profile {
		for i := range out {
			if out[i].ICCID == iccid {
				return &out[i]
			}
		}
		return nil
	}
	// A listed profile without profileOwner (an LPA that asks with a tag
	// list gets none) waits, its operator "", for an IMSI the logs read
	// beside its ICCID or after a switch to it (outside tester t166 F4:
	// the list made the draft refuse what the same log without it read).
	listedAt := map[string]Src{} // where such a profile is listed
	for _, pf := range fs.Profiles {
		if find(pf.ICCID) != nil {
			continue
		}
		out = append(out, profile{ICCID: pf.ICCID, Operator: opOfPLMN(pf.OwnerPLMN), origin: pf.Src.String()})
		listedAt[pf.ICCID] = pf.Src
	}
	// Pair each ICCID answer with the IMSI read beside it (no REFRESH,
	// restart or power-on between).
	ids := fs.Identities
	changes := append(append([]Obs(nil), fs.Refreshes...), fs.Restarts...)
	for _, b := range fs.Boots {
		// The power-on the logs open with is where they begin, not a
		// switch: what is read after it is the start's (outside tester
		// sw99: a BG95's boot made its first profile the one switched to).
		if fs.PowerOn == nil || b.Src != fs.PowerOn.Src {
			changes = append(changes, b)
		}
	}
	between := func(a, b Obs) bool {
		if b.After(a) {
			a, b = b, a
		}
		for _, c := range changes {
			if c.After(b) && !c.After(a) {
				return true
			}
		}
		return false
	}
	for i, idn := range ids {
		if idn.ICCID == "" {
			continue
		}
		pr := find(idn.ICCID)
		// An IMSI of another operator's network is another profile's,
		// read after a switch whose reset no URC shows (outside tester
		// sw84: ICCID read, enable, only the new IMSI read).
		theirs := func(imsi string) bool {
			op := opOfPLMN(homePLMN(imsi, known))
			return pr == nil || op == "" || pr.Operator == "" || op == pr.Operator
		}
		imsi := ""
		for j := range ids {
			if ids[j].IMSI != "" && !between(idn.Obs, ids[j].Obs) && theirs(ids[j].IMSI) && (imsi == "" || absDur(ids[j].At-idn.At) < 2*time.Minute) {
				imsi = ids[j].IMSI
				if j > i {
					break
				}
			}
		}
		if pr == nil {
			op := ""
			if imsi != "" {
				op = opOfPLMN(homePLMN(imsi, known))
			}
			if op == "" {
				return nil, &Error{File: idn.Src.File, Line: idn.Src.Line, Msg: fmt.Sprintf("profile %s: no IMSI read beside it tells its operator; list it in the manifest's device.profiles", idn.ICCID)}
			}
			out = append(out, profile{ICCID: idn.ICCID, Operator: op, origin: idn.Src.String()})
			pr = &out[len(out)-1]
		}
		if pr.Operator == "" && imsi != "" {
			pr.Operator = opOfPLMN(homePLMN(imsi, known))
		}
		switch {
		case imsi == "" || pr.IMSI == imsi:
		case pr.IMSI == "":
			pr.IMSI = imsi
		case strings.HasPrefix(pr.origin, "manifest"):
			return nil, &Error{File: idn.Src.File, Line: idn.Src.Line, Msg: fmt.Sprintf("profile %s reads IMSI %s beside it, but the manifest gives %s (%s)", idn.ICCID, imsi, pr.IMSI, strings.TrimPrefix(pr.origin, "manifest "))}
		}
	}
	for i := range out {
		pr := &out[i]
		if pr.Operator != "" {
			continue
		}
		if imsi, src := imsiAfterSwitch(fs, changes, pr.ICCID, out); imsi != "" {
			if op := opOfPLMN(homePLMN(imsi, known)); op != "" {
				pr.Operator, pr.IMSI = op, cmp.Or(pr.IMSI, imsi)
				p.assume("profile %s, listed without its owner, is %s's: IMSI %s, read at %s after the switch to it", pr.ICCID, op, imsi, src)
				continue
			}
		}
		src := listedAt[pr.ICCID]
		return nil, &Error{File: src.File, Line: src.Line, Msg: fmt.Sprintf("profile %s has no owner PLMN and no IMSI read beside it or after a switch to it tells its operator: list it with its operator in the manifest's device.profiles", pr.ICCID)}
	}
	if len(out) == 0 {
		// The logs name the subscribers by IMSI alone (a host that never
		// reads the ICCID: gammu, most SMS gateways): a profile each,
		// its ICCID made up from the IMSI.
		for _, idn := range ids {
			if idn.IMSI == "" || slices.ContainsFunc(out, func(pr profile) bool { return pr.IMSI == idn.IMSI }) {
				continue
			}
			op := opOfPLMN(homePLMN(idn.IMSI, known))
			iccid, err := ident.MakeICCID("89" + strings.Repeat("0", 17-len(idn.IMSI)) + idn.IMSI)
			if op == "" || err != nil {
				continue
			}
			out = append(out, profile{ICCID: iccid, Operator: op, IMSI: idn.IMSI, origin: idn.Src.String()})
			p.assume("the logs read no ICCID: profile %s (a made-up ICCID) stands for the subscriber of IMSI %s, %s's, which %s reads", iccid, idn.IMSI, op, idn.Src)
		}
	}
	if len(out) == 0 {
		if r := fs.Redacted; r != nil {
			return nil, m.errAt(m.Node("device"), "device.profiles", "no profile: the logs' identities are redacted (%s) and the manifest lists none: list the profile, with the IMSI and ICCID the card had if you know them, and mask the hidden digits (volatile: {name, pattern}, e.g. '23210[0-9x]{10}')", r)
		}
		if ws := p.cardWindows(); len(ws) == 1 && ws[0].back == nil && !ws[0].seen {
			return nil, m.errAt(m.Node("device"), "device.profiles", "no profile: the logs never show the card (SIM not inserted at %s) and the manifest lists none; the replay keeps the card out of the modem's reach throughout (card: absent), but the emulated device still holds one: list the profile the card would have, any operator of the network will do", ws[0].gone.Src)
		}
		return nil, m.errAt(m.Node("device"), "device.profiles", "no profile: the logs show no ICCID, IMSI or profile list and the manifest lists none%s", p.Facts.lost(es10.FunctionName(es10.TagProfileInfoList)))
	}
	for _, en := range fs.Enables {
		// The emulated card holds only the profiles listed: it would
		// answer iccidOrAidNotFound where the field card enabled one.
		if en.OK && en.ICCID != "" && find(en.ICCID) == nil {
			p.askFor("the field card enabled profile %s at %s, which neither the logs' profile list nor the manifest gives the card: the emulated card answers iccidOrAidNotFound there; list it with its operator (and its IMSI, if you know it) in the manifest's device.profiles",
				en.ICCID, en.Src)
		}
	}
	// Which profile is enabled when the logs begin.
	logEnabled, src := "", Src{}
	for _, pf := range fs.Profiles {
		if pf.Enabled {
			logEnabled, src = pf.ICCID, pf.Src
			break
		}
	}
	var firstChange *Obs
	for i, c := range changes {
		if firstChange == nil || firstChange.After(c) {
			firstChange = &changes[i]
		}
	}
	for _, idn := range ids {
		if firstChange != nil && idn.After(*firstChange) {
			break // read after a REFRESH, a restart or a power-on: not the start's
		}
		if idn.ICCID != "" && (logEnabled == "" || src.File == idn.Src.File && idn.Src.Line < src.Line) {
			logEnabled, src = idn.ICCID, idn.Src
			break
		}
	}
	manifestEnabled := -1
	for i, pr := range out {
		if pr.Enabled {
			manifestEnabled = i
		}
	}
	switch {
	case manifestEnabled >= 0 && logEnabled != "" && out[manifestEnabled].ICCID != logEnabled:
		return nil, m.errAt(m.Device.Profiles[manifestEnabled].node, fmt.Sprintf("device.profiles[%d].enabled", manifestEnabled),
			"%s is enabled here, but %s shows %s enabled when the logs begin", out[manifestEnabled].ICCID, src, logEnabled)
	case manifestEnabled < 0 && logEnabled != "":
		find(logEnabled).Enabled = true
	case manifestEnabled < 0 && len(out) > 1 && firstChange != nil && readFirstAfter(ids, out[0].ICCID, *firstChange):
		// The first profile read came after a switch: it is the one
		// switched to, so the device began on another.
		out[1].Enabled = true
		p.assume("profile %s is enabled when the logs begin: %s is read only after the card's first switch, so it is the one switched to", out[1].ICCID, out[0].ICCID)
	case manifestEnabled < 0:
		out[0].Enabled = true
		p.assume("profile %s is enabled when the logs begin: neither the manifest nor the logs say which", out[0].ICCID)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Enabled && !out[j].Enabled })
	return out, nil
}

// notifications writes the card's pending notifications at power-on: the
// manifest's device.notifications when it gives them (an empty list too:
// the card held none), else what the logs' first ListNotification answer
// lists, less those the logs show the card making before it (Facts.
// Notifications). A notification made during the logs is the card's own
// doing in the replay, not something it starts with.
//
// What a field card's answer lists that no scenario can hold — a seq given
// twice, an enable of a profile the logs never show, an address that is
// no host name — is left out, and the draft asks for the manifest's list:
// the replay would answer that ListNotification otherwise.
func (p *Plan) notifications(e *emitter, held map[string]bool) {
	m := p.Fixture.Manifest
	type note struct {
		seq                   int
		event, iccid, address string
		origin                string
	}
	var ns []note
	if m.Device.notificationsGiven {
		for _, n := range m.Device.Notifications {
			ns = append(ns, note{n.Seq, n.Event, n.ICCID, n.Address, m.pos(n.node)})
		}
	} else {
		for _, n := range p.Facts.Notifications {
			ns = append(ns, note{n.Seq, n.Event.String(), n.ICCID, n.Address, n.Src.String()})
		}
		for _, n := range p.Facts.Made {
			p.assume("the card made notification %d (%s of %s) during the logs, before %s lists it: it does not start with it", n.Seq, n.Event, n.ICCID, n.Src)
		}
	}
	if len(ns) == 0 {
		return
	}
	for _, n := range ns {
		p.standInFor(n.iccid, n.origin)
	}
	if !m.Device.notificationsGiven {
		// The manifest's own list is checked with the scenario it makes.
		for {
			sn := make([]scenario.Notification, len(ns))
			for i, n := range ns {
				sn[i] = scenario.Notification{Seq: n.seq, Event: n.event, ICCID: p.emulatedICCID(n.iccid), Address: n.address}
			}
			pr := scenario.CheckNotifications(sn, held)
			if pr == nil {
				break
			}
			i := pr.Index
			if i < 0 {
				i = 0 // too many: the card keeps the newest (seq order is the answer's)
			}
			p.askFor("%s lists notification %d (%s of %s) that no card can start with (%s): left out, so the replay's answer differs there; give device.notifications in the manifest (the list as the emulated card should hold it, or [] for none) to decide",
				ns[i].origin, ns[i].seq, ns[i].event, ns[i].iccid, pr.Msg)
			ns = slices.Delete(ns, i, i+1)
		}
		if len(ns) == 0 {
			return
		}
	}
	e.line("", "  notifications:")
	for _, n := range ns {
		e.line(n.origin, `    - {seq: %d, event: %s, iccid: "%s", address: %s}`, n.seq, n.event, p.emulatedICCID(n.iccid), yamlScalar(n.address))
	}
}

// readFirstAfter says whether the first ICCID the logs read is iccid, read
// after the change.
func readFirstAfter(ids []Identity, iccid string, change Obs) bool {
	for _, idn := range ids {
		if idn.ICCID != "" {
			return idn.ICCID == iccid && idn.After(change)
		}
	}
	return false
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// switchedTo derives the platform's preferred lists from the card's
// switches when the manifest gives none: a REFRESH after which the host
// reads another operator's subscriber, of the country the device is in
// and not the profile it began on (a fallback goes back to that one),
// means the platform listed that operator there.
func (p *Plan) switchedTo(refreshes []Obs, subscriberAt func(time.Duration) string, opByID func(string) *operator,
	areaAt func(time.Duration) string, original string) map[string][]string {
	pref := map[string][]string{}
	for _, r := range refreshes {
		if p.hostSwitched(r.At) {
			continue // the host's enable switched, not the card's list
		}
		before, after := subscriberAt(r.At-time.Nanosecond), subscriberAt(r.At)
		o := opByID(after)
		area := areaAt(r.At)
		if after == before || after == original || o == nil || o.Country != area || slices.Contains(pref[area], after) {
			continue
		}
		pref[area] = append(pref[area], after)
		p.assume("the platform lists %s first in %s: the card switched to it at %s (the manifest gives no platform section)", after, area, r.Src)
	}
	return pref
}

// unreproducedSwitches names each switch of the card's own the logs show
// — another operator's subscriber read, no enable of the host's before it
// — that the replay's card has no reason to make: it switches only when
// its periodic check finds the device roaming, to an operator the
// platform lists for the country the device is in (claims 1–3), and pref
// (the lists derived from the switches) or the device's whereabouts give
// it none. A fallback to the original profile is the method's own. The
// lines between the two reads (the card's leaving, the registration
// lost) are named, so that a divergence at one says why (outside tester
// sw101: a card's switch at home replayed as no switch, with no word).
func (p *Plan) unreproducedSwitches(pref map[string][]string, subscriberAt func(time.Duration) string, opByID func(string) *operator,
	areaAt func(time.Duration) string, original string) {
	fs := p.Facts
	prev, prevSrc, prevAt := original, Src{}, time.Duration(-1)
	for _, idn := range fs.Identities {
		if idn.IMSI == "" {
			continue
		}
		cur := subscriberAt(idn.At)
		if cur == prev || p.hostSwitched(idn.At) || cur == original || fs.slotSwitchedBefore(idn.Obs) {
			prev, prevSrc, prevAt = cur, idn.Src, idn.At
			continue
		}
		area := areaAt(idn.At)
		from, to := opByID(prev), opByID(cur)
		var why string
		switch {
		case from == nil || to == nil || area == "":
		case from.Country == area:
			why = fmt.Sprintf("the device is in %s, %s's own country, then: not roaming", area, prev)
		case to.Country != area:
			why = fmt.Sprintf("%s is an operator of %s, and the device is in %s then", cur, to.Country, area)
		case !slices.Contains(pref[area], cur):
			why = fmt.Sprintf("no platform list for %s names %s", area, cur)
		}
		if why != "" {
			var between []sign
			for _, r := range fs.Regs {
				if r.At > prevAt && r.At < idn.At && r.Stat != 1 && r.Stat != 5 {
					between = append(between, sign{src: r.Src})
				}
			}
			for _, c := range fs.Card {
				if c.At > prevAt && c.At < idn.At && (c.URC || !c.Present) {
					between = append(between, sign{src: c.Src})
				}
			}
			for _, o := range fs.Identities {
				if o.ICCID != "" && o.At > prevAt && o.At <= idn.At {
					between = append(between, sign{o.Src, " (its ICCID)"})
				}
			}
			shown := signsText(between)
			readBefore := ""
			if prevSrc.File != "" {
				readBefore = ", " + prevSrc.String() + " read " + prev + "'s"
			}
			p.limitOf(idn.Src, true, "%s: the card's own switch to %s's profile%s%s: the emulated card switches only when its periodic check finds the device roaming, to an operator the platform lists for the country it is in, and %s, so the replay's card keeps %s's profile and what follows differs; if the device was abroad, give the manifest's itinerary the country and network.cells its network there, and platform: {preferred: {<country>: [%s]}}",
				idn.Src, cur, readBefore, shown, why, prev, cur)
		}
		prev, prevSrc, prevAt = cur, idn.Src, idn.At
	}
}

// sign is a line that shows a change, and what it is ("" for itself).
type sign struct {
	src   Src
	label string
}

// signsText names signs in the logs' order, eight at most: " (its
// signs: a.log:7, a.log:9 (its ICCID))", "" for none.
func signsText(ss []sign) string {
	if len(ss) == 0 {
		return ""
	}
	slices.SortFunc(ss, func(a, b sign) int {
		return cmp.Or(strings.Compare(a.src.File, b.src.File), cmp.Compare(a.src.Line, b.src.Line))
	})
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.src.String() + s.label
	}
	return " (its signs: " + strings.Join(clipList(out, 8), ", ") + ")"
}

// attachWaitShown is the card's attach wait as the logs show it: the time
// from a switch away from the original profile (a REFRESH) to the
// fallback to it (the next REFRESH), with an attach tried and no
// registration between, to the second; 0 when the logs show no such
// fallback.
func (p *Plan) attachWaitShown(subscriberAt func(time.Duration) string, original string) (time.Duration, string) {
	rs := p.Facts.Refreshes
	for i := 0; i+1 < len(rs); i++ {
		a, b := rs[i], rs[i+1]
		if subscriberAt(a.At) == original || subscriberAt(b.At) != original {
			continue
		}
		if slices.ContainsFunc(p.Facts.Regs, func(r Reg) bool { return r.At > a.At && r.At < b.At && (r.Stat == 1 || r.Stat == 5) }) {
			continue
		}
		// The attach must have been tried: searching, denied or not
		// registered on the way.
		if !slices.ContainsFunc(p.Facts.Regs, func(r Reg) bool { return r.At > a.At && r.At < b.At && r.Stat != 1 && r.Stat != 5 }) {
			continue
		}
		if w := (b.At - a.At).Round(time.Second); w >= scenario.MinAttachWait {
			return w, fmt.Sprintf("%s to %s", a.Src, b.Src)
		}
	}
	return 0, ""
}

// pin1 is the operator whose profile the logs show wanting its PIN1
// (Facts.PIN), and the code to give it: the one a host entered, else one
// the logs do not show refused. "" when the logs show no PIN, or the
// manifest gives that operator its own pin1.
func (p *Plan) pin1(ops []operator, subscriberAt func(time.Duration) string, enabled string) (op, code string) {
	pf := p.Facts.PIN
	if pf == nil || pf.Wanted == nil && pf.Code == "" {
		return "", ""
	}
	at, src := time.Duration(0), pf.CodeSrc
	if pf.Wanted != nil {
		at, src = pf.Wanted.At, pf.Wanted.Src
	}
	for _, o := range ops {
		if o.node != nil {
			if _, ok := mapValue(o.node, "pin1"); ok {
				return "", "" // the manifest speaks of PINs
			}
		}
	}
	// After a switch, whose profile wants its PIN the logs do not say: a
	// card locked by its PIN gives the host no IMSI to tell it by.
	for _, r := range slices.Concat(p.Facts.Refreshes, p.Facts.refreshAsked) {
		if !r.After(Obs{at, src}) {
			p.askFor("the card wants its PIN1 at %s, after the switch of %s: the logs do not show whose profile that is; give its operator pin1 in the manifest", src, r.Src)
			return "", ""
		}
	}
	if op = subscriberAt(at); op == "" {
		op = enabled
	}
	if code = pf.Code; code != "" && pf.Wanted == nil {
		// The card took the code: a card that wants none answers
		// +CPIN=<pin> with an error (27.007 §8.3).
		p.assume("%s's profile has PIN1 enabled, code %s: the card takes it at %s, which a card wanting no PIN would refuse", op, code, pf.CodeSrc)
		return op, code
	}
	if code != "" {
		p.assume("%s's profile has PIN1 enabled, code %s: %s shows the card wanting its PIN, and %s enters it", op, code, src, pf.CodeSrc)
		return op, code
	}
	for _, c := range []string{"0000", "1234", "9999", "5678"} {
		if !slices.Contains(pf.Refused, c) {
			code = c
			break
		}
	}
	p.assume("%s's profile has PIN1 enabled: %s shows the card wanting its PIN; the logs enter no code it takes, so the card's is %s", op, src, code)
	return op, code
}

// noServiceAnswerable says whether the emulated modem may answer the
// command line cmd +CME ERROR 30 or 31 (TS 27.007 §9.2.1): a manual
// selection, +COPS=1 or 4, that finds or hears no network, and an
// +CGATT=1 or +CGACT=1 whose attach does not register (§10.1.9, §10.1.10:
// "if the requested state cannot be achieved"). It answers any other
// command with its state: a +COPS? read is +COPS: 0 unregistered (§7.3).
func noServiceAnswerable(cmd string) bool {
	cmds, err := atcodec.Parse(cmd)
	if err != nil {
		return false
	}
	for _, c := range cmds {
		if c.Form != atcodec.Set || len(c.Args) == 0 {
			continue
		}
		switch a := strings.TrimSpace(c.Args[0].Raw); c.Name {
		case "+COPS":
			if a == "1" || a == "4" {
				return true
			}
		case "+CGATT", "+CGACT":
			if a == "1" {
				return true
			}
		}
	}
	return false
}

// noNetworkResult finds the first final result, and its command, by which
// the modem said it had no network (TS 27.007 §9.2.1: +CME ERROR 30 no network service, 31
// network timeout; as the number or the words).
func (p *Plan) noNetworkResult() (src Src, cmd, result string, ok bool) {
	for _, t := range p.Fixture.Logs {
		for _, e := range t.Entries {
			if e.Role != fieldlog.Final || e.Cmd < 0 || e.Cmd >= len(t.Entries) {
				continue
			}
			v := e.Verbose()
			if code, ok := atcodec.Classify(v).CME(); !ok || code != atcodec.CMENoNetworkService && code != atcodec.CMENetworkTimeout {
				continue
			}
			cmdObs := Obs{p.Fixture.EntryTime(p.Fixture.LogIndex(t.File), e.Cmd), Src{t.File, t.Entries[e.Cmd].Line}}
			if p.selectionDenied(cmdObs) {
				continue // a manual selection's denial: the reject answers it
			}
			return Src{filepath.Base(t.File), e.Line}, t.Entries[e.Cmd].Text, v, true
		}
	}
	return Src{}, "", "", false
}

// selectionDenied reports a manual selection command at o whose attempt
// the logs show denied: its +CME ERROR is the denial's.
func (p *Plan) selectionDenied(o Obs) bool {
	for _, sel := range p.Facts.Selections {
		if sel.Obs != o {
			continue
		}
		return slices.ContainsFunc(p.Facts.Regs, func(r Reg) bool {
			return r.Stat == 3 && p.Facts.SelectedAt(r.Obs) != nil && *p.Facts.SelectedAt(r.Obs) == sel && r.At <= sel.FinalAt
		})
	}
	return false
}

// typedAhead is a command that ran and the lines the host typed ahead
// of it (fieldlog.Entry.Queued), all left without a final result: run
// is -1 when the log shows no such run.
type typedAhead struct {
	run   int   // the command that ran
	lines []int // the lines typed ahead, in order
}

// typedAheadOf finds, from command last of t back, the lines typed ahead
// (queued) without an answer and the command they waited on, itself
// unanswered; run -1 when last is no such line.
func typedAheadOf(t *fieldlog.Transcript, last int) typedAhead {
	none := typedAhead{run: -1}
	if last < 0 || !t.Entries[last].Queued {
		return none
	}
	var lines []int
	for k := last; k >= 0; k-- {
		e := t.Entries[k]
		if e.Role != fieldlog.Command {
			continue
		}
		if hasFinal(t, k) {
			return none // answered: what followed ran after it
		}
		if !e.Queued {
			slices.Reverse(lines)
			return typedAhead{run: k, lines: lines}
		}
		lines = append(lines, k)
	}
	return none
}
