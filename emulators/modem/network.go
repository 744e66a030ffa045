package modem

import (
	"fmt"
	"slices"
	"strings"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/emulators/modem/stkterm"
	"github.com/esimhil/esimhil/internal/codec/at"
	"github.com/esimhil/esimhil/internal/personality"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// regCmds are the registration commands in the order their URCs go out.
var regCmds = []string{"+CREG", "+CGREG", "+CEREG"}

// setReg records a registration; on a change it sends the enabled URCs,
// logs the event and tells the toolkit terminal.
func (m *Modem) setReg(r Registration) { m.updateReg(r, true) }

// updateReg is setReg; with shown false the URCs are kept in and the
// registration they left unsaid noted (quietFrom: a refresh_stat 2
// module's silent detach).
func (m *Modem) updateReg(r Registration, shown bool) {
	m.flushCardBack() // the card's URCs first: the registration needs it
	if shown {
		defer m.signalURC() // after the registration's own URCs
	}
	old := m.st.reg
	m.st.reg = r
	if old.Registered() != r.Registered() {
		m.pdpAttached(r.Registered())
	}
	// Each reject of the selection counts, even one whose outcome leaves
	// the registration as it was (refused by SFR, roaming on Orange again).
	m.storeForbidden(r)
	m.trackRPLMN(r)
	m.followVPLMN(r)
	if old.Stat == r.Stat && old.PLMN == r.PLMN && old.TAC == r.TAC && old.CellID == r.CellID && old.AcT == r.AcT {
		return
	}
	if shown {
		m.regURCs(old, r)
	} else {
		m.st.quietFrom = old
	}
	m.storeLocation(old, r)
	f := eventlog.F{"stat": r.Stat, "plmn": r.PLMN}
	// The cell, where the modem is camped on one (as +CEREG shows it under
	// n=2): a change of cell alone is a registration change too (27.007
	// §10.1.22), which the log must show to be held against at.log's URCs
	// and the card's location status events.
	if r.showsCell() {
		f["tac"], f["cell"] = int(r.TAC), int(r.CellID)
	}
	if r.Cause != 0 {
		f["cause"] = r.Cause
	}
	m.emit(KindRegistration, f)
	if s := m.getSTK(); s != nil && m.st.cardOn {
		s.LocationChanged()
	}
}

// regURCs reports a registration change from old to r as the URCs the
// host asked for show it. Only what a URC shows changing is reported
// (27.007 §10.1.22: a change of the status, or of the cell under n=2): a
// search still searching after the attach found no cell says nothing
// (outside tester sw103: "+CEREG: 2" twice).
func (m *Modem) regURCs(old, r Registration) {
	for _, name := range regCmds {
		if n := m.st.regN[name]; n != 0 {
			if now := m.regFields(r, name, n, false); now != m.regFields(old, name, n, false) {
				m.urc(name + ": " + now)
			}
		}
	}
}

// regFields renders r as "<stat>[,<lac/tac>,<ci>,<AcT>[,<cause_type>,<reject_cause>]]",
// with "<n>," in front for the read form (TS 27.007 §7.2, §10.1.20,
// §10.1.22). Location is shown for n≥2 when the modem is camped on a cell,
// the reject cause for n=3 and 5 when the registration was denied. +CGREG
// has a <rac> after <AcT> (§10.1.20), which an E-UTRAN cell has none of:
// it stays empty, and is written only when a cause follows it, so the
// cause is not read as the routing area.
func (m *Modem) regFields(r Registration, name string, n int, read bool) string {
	var b strings.Builder
	if read {
		fmt.Fprintf(&b, "%d,", n)
	}
	fmt.Fprintf(&b, "%d", r.Stat)
	// Camped in limited service, searching with only forbidden networks
	// in sight, the cell shows as well, as an nRF91 shows it after a #11
	// ("+CEREG: 2,"09C5","020C7B16",7,0,11").
	if n >= 2 && r.showsCell() {
		format := ",\"%04x\",\"%08x\""
		if m.o.Personality.LocationHex == personality.HexUpper {
			format = ",\"%04X\",\"%08X\""
		}
		fmt.Fprintf(&b, format, r.TAC, r.CellID)
		cause := (n == 3 || n == 5) && r.Stat == 3 && r.Cause != 0
		switch {
		case !m.o.Personality.RegNoAcT:
			fmt.Fprintf(&b, ",%d", r.AcT)
		case cause:
			b.WriteByte(',') // the cause keeps its place after an empty <AcT>
		}
		// n=3 and 5 add why the registration was denied: <cause_type>
		// 0, an EMM cause (TS 24.301 annex A). n=4 and 5 would add PSM
		// timers, which this modem does not negotiate: nothing to show.
		if cause {
			if name == "+CGREG" {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, ",0,%d", r.Cause)
		}
	}
	return b.String()
}

// maxRegN is the highest <n> of each registration command: +CREG 0-3
// (§7.2), +CGREG 0-4 (§10.1.20), +CEREG 0-5 (§10.1.22).
var maxRegN = map[string]int{"+CREG": 3, "+CGREG": 4, "+CEREG": 5}

func cmdReg(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Read:
		m.info(c.Name + ": " + m.regFields(m.st.reg, c.Name, m.st.regN[c.Name], true))
	case at.Test:
		m.info(fmt.Sprintf("%s: (0-%d)", c.Name, maxRegN[c.Name]))
	case at.Set:
		v, err := intArgs(c, 0, 0)
		if err != nil || v[0] > maxRegN[c.Name] {
			return errParams
		}
		m.st.regN[c.Name] = v[0]
	default:
		return errUnknown
	}
	return nil
}

// cmdCOPS is +COPS (TS 27.007 §7.3): the read form names the operator in
// the format last set with +COPS=3,<format> (or given with another mode);
// the modes are 0 (automatic), 1 (manual: only the host's network), 2
// (deregister), 3 (set format only) and 4 (manual, then automatic).
func cmdCOPS(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Read:
		// The mode the host set: 2 after its +COPS=2, not after a
		// +CGATT=0, which detaches without changing it (t169 F3).
		r := m.st.reg
		mode := m.st.copsMode
		if r.Registered() {
			m.info(fmt.Sprintf("+COPS: %d,%d,\"%s\",%d", mode, m.st.copsFormat, m.operName(r.PLMN), r.AcT))
		} else {
			m.info(fmt.Sprintf("+COPS: %d", mode))
		}
	case at.Test:
		m.info("+COPS: " + m.operatorList() + ",,(0-4),(0-2)")
	case at.Set:
		if len(c.Args) > 4 {
			return errParams
		}
		mode, err := c.Args[0].Int()
		if err != nil {
			return fmt.Errorf("+COPS mode: %w: %w", err, at.CMEIncorrectParameters)
		}
		format := -1
		if len(c.Args) > 1 && !c.Args[1].Empty {
			if format, err = c.Args[1].Int(); err != nil || format < 0 || format > 2 {
				return fmt.Errorf("+COPS format: %w", at.CMEIncorrectParameters)
			}
		}
		switch mode {
		case 0:
			// No network selection while PIN1 keeps the IMSI unread:
			// modules answer SIM PIN (PUK) required, not OK.
			if err := m.pinRequired(); err != nil {
				return fmt.Errorf("+COPS=0: %w", err)
			}
			m.attachNow()
		case 1, 4:
			if len(c.Args) < 3 || format < 0 {
				return fmt.Errorf("+COPS=%d wants <format>,\"<oper>\": %w", mode, at.CMEIncorrectParameters)
			}
			if err := m.pinRequired(); err != nil {
				return fmt.Errorf("+COPS=%d: %w", mode, err)
			}
			act := 7
			if len(c.Args) == 4 && !c.Args[3].Empty {
				if act, err = c.Args[3].Int(); err != nil || act != 7 && act != 9 {
					return fmt.Errorf("+COPS <AcT> %q: E-UTRAN (7) or NB-S1 (9): %w", c.Args[3].Raw, at.CMEIncorrectParameters)
				}
			}
			return m.manualSelection(mode, format, c.Args[2], act)
		case 2:
			m.st.copsMode, m.st.copsPLMN = 2, ""
			m.deregister()
		case 3:
			// Set <format> only: no <oper>, no network action.
			if format < 0 || len(c.Args) > 2 {
				return fmt.Errorf("+COPS=3 wants <format> alone: %w", at.CMEIncorrectParameters)
			}
		default:
			// Outside the (0-4) the test form names: an incorrect
			// parameter, as every other out-of-range value (outside
			// tester sw65).
			return fmt.Errorf("+COPS mode %d: %w", mode, at.CMEIncorrectParameters)
		}
		if format >= 0 {
			m.st.copsFormat = format
		}
	default:
		return errUnknown
	}
	return nil
}

// manualFellBack is +COPS=4 whose manual selection cannot even start —
// no network by that name, none in the access technology asked for —:
// automatic selection follows at once (27.007 §7.3).
func (m *Modem) manualFellBack(format int) error {
	if err := m.attachBlocked(); err != nil {
		return err
	}
	m.st.copsFormat = format
	m.attachNow()
	return nil
}

// selectAndAttach attaches as the selection mode says: on the host's
// network in manual mode (1), falling back to automatic selection when
// that fails in mode 4 (27.007 §7.3: the mode then is automatic).
//
// The manual attempt is a selection of its own, ended when it fails: its
// rejects are acted on then, once (TS 24.301 §5.5.1.2.5 whatever the
// selection mode) — EF FPLMN, the ME's lists, a #42's block, the
// location and the RPLMN deleted — so that the automatic selection after
// it skips what they forbade and ranks without the RPLMN they deleted,
// and its own outcome carries only its own rejects. A reject that makes
// the USIM invalid (#3, #6, #7, #8) leaves no automatic selection to
// fall back to: no network may be tried until the card is read again;
// the denial is the outcome (attempt keeps it, selectionEnded answers
// its error).
func (m *Modem) selectAndAttach() Registration {
	if m.st.copsMode == 0 || m.st.copsPLMN == "" {
		return m.automatic()
	}
	r := m.o.Network.AttachTo(m.st.imsi, m.st.copsPLMN)
	if m.st.copsMode != 4 || r.Registered() || r.Timeout || r.Interrupted || counted(r) {
		return r
	}
	m.st.copsMode, m.st.copsPLMN = 0, ""
	if invalidates(r) {
		return r
	}
	m.storeForbidden(r)
	m.deleteLocation(r)
	// A new selection in automatic mode, its order from now on.
	m.st.run.plmn, m.st.run.count, m.st.run.rplmn = "", 0, m.st.rplmn
	return m.o.Network.Attach(m.st.imsi, m.selection())
}

// counted reports an abnormal reject (emm.Abnormal): the attach attempt
// counter decides what follows (TS 24.301 §5.5.1.2.6 d), not selection.
func counted(r Registration) bool {
	return r.Stat == 3 && emm.After(r.Cause) == emm.AttemptCounter
}

// invalidates reports a denial that makes the USIM invalid (#3, #6, #7,
// #8, emm.InvalidatesUSIM): no network is tried until the card is read
// again.
func invalidates(r Registration) bool {
	return r.Stat == 3 && emm.InvalidatesUSIM(r.Cause)
}

// automatic is automatic selection's attach in the run under way: the
// selection in order, or, while the attach attempt counter runs on a
// PLMN (a T3411 restart), that PLMN alone (TS 24.301 §5.5.1.2.6). A
// restart the PLMN answers otherwise than silence or an acceptance — a
// reject, no cell — is done with it as a selection is: PLMN selection
// goes on with the next in order, the reject acted on as well; an
// abnormal reject there counts as silence does (counted).
func (m *Modem) automatic() Registration {
	run := &m.st.run
	if run.plmn == "" {
		return m.o.Network.Attach(m.st.imsi, m.selection())
	}
	sel := m.selection()
	sel.Only = run.plmn
	r := m.o.Network.Attach(m.st.imsi, sel)
	if r.Registered() || r.Timeout || r.Interrupted || r.Stat == 3 && emm.After(r.Cause) == emm.Stop || counted(r) {
		return r
	}
	run.giveUp()
	if !m.remaining() {
		return r
	}
	next := m.o.Network.Attach(m.st.imsi, m.selection())
	next.Refused = append(slices.Clone(r.Refused), next.Refused...)
	return next
}

// manualSelection is +COPS=1 and 4: the host's network, by number or by
// the name a visible one goes by, then an attach on it now. Mode 1
// answers why it failed: no cell of it (30), no answer (31), a denial (32).
//
// act is the access technology asked for: the emulated world's cells are
// E-UTRAN in WB-S1 mode (7), so one in NB-S1 mode (9) finds none — mode
// 1 fails with no network service, mode 4 falls back to automatic
// selection (27.007 §7.3; outside tester sw118: 9 answered OK and stayed
// on 7).
func (m *Modem) manualSelection(mode, format int, oper at.Arg, act int) error {
	if !oper.Quoted || oper.Raw == "" {
		return fmt.Errorf("+COPS=%d wants <format>,\"<oper>\": %w", mode, at.CMEIncorrectParameters)
	}
	plmn := ""
	switch format {
	case 2:
		if n := len(oper.Raw); (n == 5 || n == 6) && strings.Trim(oper.Raw, "0123456789") == "" {
			plmn = oper.Raw
		} else {
			return fmt.Errorf("+COPS numeric <oper> %q: %w", oper.Raw, at.CMEIncorrectParameters)
		}
		visible := false
		for _, c := range m.o.Network.Cells() {
			visible = visible || c.PLMN == plmn
		}
		if !visible && mode == 1 {
			// As by name: no cell of it is no network service (30), not a
			// network that does not answer (31); mode 4 falls back to
			// automatic selection instead.
			return fmt.Errorf("+COPS: no visible network %s: %w", plmn, at.CMENoNetworkService)
		}
		if !visible {
			// Mode 4 with nothing to try: automatic at once, as by name
			// (outside tester sw124: by number it left its cell first).
			return m.manualFellBack(format)
		}
	case 0, 1:
		// The name in the TE character set, as +COPS? and +COPS=? give
		// it (27.007 §5.5): one that does not decode is an incorrect
		// parameter, not a network missing.
		name, err := m.fromTE(oper.Raw)
		if err != nil {
			return fmt.Errorf("+COPS <oper> under +CSCS=%q: %v: %w", m.st.charset, err, at.CMEIncorrectParameters)
		}
		for _, c := range m.o.Network.Cells() {
			long, short := m.o.Network.OperatorName(c.PLMN)
			if format == 0 && long == name || format == 1 && short == name {
				plmn = c.PLMN
				break
			}
		}
		if plmn == "" && mode == 4 {
			// By name as by number (outside tester sw122).
			return m.manualFellBack(format)
		}
		if plmn == "" {
			return fmt.Errorf("+COPS: no visible network named %q: %w", name, at.CMENoNetworkService)
		}
	default:
		return fmt.Errorf("+COPS=%d wants <format>,\"<oper>\": %w", mode, at.CMEIncorrectParameters)
	}
	if act == 9 && mode == 1 {
		return fmt.Errorf("+COPS: no cell of %s in NB-S1 mode (<AcT> 9): %w", plmn, at.CMENoNetworkService)
	}
	if act == 9 {
		return m.manualFellBack(format)
	}
	if err := m.attachBlocked(); err != nil {
		return err
	}
	m.st.copsOff, m.st.copsMode, m.st.copsPLMN = false, mode, plmn
	m.st.copsFormat = format
	if r := m.st.reg; r.Registered() && r.PLMN == plmn {
		// Registered there already: nothing to select, and no
		// registration change to stop the search for a higher
		// priority PLMN, which manual mode has none of (TS 23.122
		// §4.4.3.3.1 a).
		m.followVPLMN(r)
		return nil
	}
	// 27.007 §7.3: the final result comes once the registration attempt
	// ends (OK registered, +CME ERROR why not), after the scan AttachDelay
	// takes; its +CEREG URCs go out before it, as modules send them.
	m.cancelAttach()
	if m.st.reg.Registered() {
		// The modem leaves the network it was on to try the host's:
		// searching (27.007 <stat> 2) until the outcome, whatever the
		// modem shows of its own scans.
		m.o.Network.Detach()
		m.setReg(Registration{Stat: 2})
	} else {
		m.scanning()
	}
	m.st.selecting = &selection{mode: mode, plmn: plmn}
	m.afterScan(m.attach)
	return errPending
}

// selection is a manual network selection (+COPS=1 or 4) waiting for its
// attempt's outcome to answer.
type selection struct {
	mode int
	plmn string
	// timedOut: the network did not answer the ATTACH REQUEST; the
	// answer comes when T3410 runs out.
	timedOut bool
}

// selectionEnded answers a pending manual selection, now that its attempt
// has ended in the registration m.st.reg (the attach's outcome, or a
// detach that ended it): OK registered, and in mode 1 why not — 31 for a
// network that never answered, the 27.007 §9.2.2.1 error of the reject
// cause for a denial (or the personality's cops_reject_error), 30 for no
// service. Mode 4 fell back to automatic selection, which answers OK —
// unless the USIM is invalid (#3, #6, #7, #8: the manual attempt's
// denial, or the automatic one's), when no selection can register and
// the denial's error answers as in mode 1.
func (m *Modem) selectionEnded() {
	sel := m.st.selecting
	if sel == nil {
		return
	}
	m.st.selecting = nil
	r := m.st.reg
	var err error
	switch {
	case r.Registered() || sel.mode == 4 && !invalidates(r):
	case sel.timedOut:
		err = fmt.Errorf("+COPS=1 %s: no answer: %w", sel.plmn, at.CMENetworkTimeout)
	case r.Stat == 3:
		code := at.CMENetworkNotAllowed
		if c, ok := at.EMMCause(r.Cause); ok {
			code = c
		}
		if c := m.o.Personality.COPSRejectError; c != 0 {
			code = at.CMEError(c)
		}
		err = fmt.Errorf("+COPS=%d %s: denied (EMM cause #%d): %w", sel.mode, sel.plmn, r.Cause, code)
	default:
		err = fmt.Errorf("+COPS=1 %s: %w", sel.plmn, at.CMENoNetworkService)
	}
	m.finishLine(err)
}

// attachNow is +COPS=0 (and +COPS=4's fall back): automatic selection,
// leaving the deregistered state, and, unless already registered so,
// network selection and attach at once (an attempt waiting for
// AttachDelay or T3410 starts again). The outcome is known before the
// command answers; a network that does not answer leaves it searching,
// as the boot attach does.
func (m *Modem) attachNow() {
	if m.st.copsOff || m.st.copsMode != 0 || !m.st.reg.Registered() {
		m.st.copsOff, m.st.copsMode, m.st.copsPLMN = false, 0, ""
		m.cancelAttach()
		m.scanning()
		m.attach()
	}
}

// psAttach is +CGATT=1 and the attach of +CGACT=1: the packet domain's
// attach (27.007 §10.1.9), in the selection mode the host set with +COPS
// (§7.3), which it leaves alone — manual selection attaches on the
// host's network, mode 4 falls back as it does. Only the host's +COPS=2
// deregistration ends, for automatic selection, as +COPS=0 would (there
// is no network to attach on in mode 2). Unless already registered, the
// attach runs at once, as attachNow's.
func (m *Modem) psAttach() {
	if m.st.copsMode == 2 {
		m.st.copsMode = 0
	}
	m.st.copsOff = false
	if m.st.reg.Registered() {
		return
	}
	m.cancelAttach()
	m.scanning()
	m.attach()
}

// deregister is +COPS=2 (which sets mode 2) and +CGATT=0 (which leaves
// the mode as the host set it: §10.1.9 detaches the packet domain, and
// only +COPS changes the selection mode, §7.3): detach and stay detached
// (no retry, no attach after +CFUN=4→1) until +COPS=0|1|4, +CGATT=1,
// +CGACT=1, a restart or a power cycle.
func (m *Modem) deregister() {
	m.st.copsOff = true
	m.detach()
}

// operName is a PLMN in the +COPS <format> in use.
func (m *Modem) operName(plmn string) string {
	long, short := m.o.Network.OperatorName(plmn)
	switch {
	case m.st.copsFormat == 0 && long != "":
		return m.teText(long)
	case m.st.copsFormat == 1 && short != "":
		return m.teText(short)
	}
	return plmn // numeric: digits in every character set
}

// operatorList renders the +COPS=? list: one entry per visible PLMN,
// <stat> 2 current, 3 forbidden, 1 available.
func (m *Modem) operatorList() string {
	seen := map[string]bool{}
	var parts []string
	for _, cell := range m.o.Network.Cells() {
		if seen[cell.PLMN] {
			continue
		}
		seen[cell.PLMN] = true
		stat := 1
		switch {
		case m.st.reg.Registered() && cell.PLMN == m.st.reg.PLMN:
			stat = 2
		case m.st.forbidden[cell.PLMN]:
			stat = 3
		}
		long, short := m.o.Network.OperatorName(cell.PLMN)
		parts = append(parts, fmt.Sprintf("(%d,\"%s\",\"%s\",\"%s\",7)", stat, m.teText(long), m.teText(short), cell.PLMN))
	}
	return strings.Join(parts, ",")
}

// csqFromRSRP maps RSRP to the +CSQ <rssi> index (TS 27.007 §8.5). LTE
// modems derive RSSI over the whole carrier; we assume a 10 MHz carrier
// (600 subcarriers, +27.8 dB over one subcarrier's RSRP), so
// rssi dBm ≈ RSRP + 28 and the index is (rssi + 113) / 2, clamped to 0..31.
func csqFromRSRP(rsrp int) int {
	return clamp((rsrp+28+113)/2, 0, 31)
}

// rsrpIndex is the +CESQ <rsrp> index (TS 27.007 §8.69): 0 is below
// -140 dBm, 97 is -44 dBm and above.
func rsrpIndex(rsrp int) int { return clamp(rsrp+141, 0, 97) }

// nominalRSRQIndex is -10 dB as a +CESQ <rsrq> index ((rsrq+20)*2): the
// world models RSRP only.
const nominalRSRQIndex = 20

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// measured is the RSRP the modem measures, and whether it measures one:
// the serving cell's; denied, the cell it stays camped on in limited
// service (TS 23.122 §3.5); with no subscriber to register — no card,
// one that does not answer, or one whose IMSI the modem cannot read
// while PIN1 is required or blocked — the strongest cell in reach, on
// which a UE without a valid SIM camps in limited service (§3.1, §3.5:
// any acceptable cell, for emergency calls) — a host checks coverage
// before it looks at the card (t169 F4, t185 F8). None with the radio
// off, while searching, or detached by the host's +COPS=2 or +CGATT=0
// (27.007 does not say the UE stays camped then).
func (m *Modem) measured() (int, bool) {
	if r := m.st.reg; r.Registered() || r.camped() {
		return r.RSRP, true
	}
	if m.st.fun != 1 || (m.st.cardOn && m.st.imsi != "") || m.st.copsOff {
		return 0, false
	}
	best, ok := 0, false
	for _, c := range m.o.Network.Cells() {
		if !ok || c.RSRP > best {
			best, ok = c.RSRP, true
		}
	}
	return best, ok
}

func cmdCSQ(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Test:
		m.info("+CSQ: (0-31,99),(99)")
	case at.Exec:
		if rsrp, ok := m.measured(); ok {
			m.info(fmt.Sprintf("+CSQ: %d,99", csqFromRSRP(rsrp)))
		} else {
			m.info("+CSQ: 99,99")
		}
	default:
		return errUnknown
	}
	return nil
}

func cmdCESQ(m *Modem, c at.Command) error {
	switch c.Form {
	case at.Test:
		m.info("+CESQ: (99),(99),(255),(255),(0-34,255),(0-97,255)")
	case at.Exec:
		if rsrp, ok := m.measured(); ok {
			m.info(fmt.Sprintf("+CESQ: 99,99,255,255,%d,%d", nominalRSRQIndex, rsrpIndex(rsrp)))
		} else {
			m.info("+CESQ: 99,99,255,255,255,255")
		}
	default:
		return errUnknown
	}
	return nil
}

// Nordic's %CESQ threshold defaults (nRF91 AT reference, %CESQ): an
// index is how many of them the measured value's index reaches. RSRP's
// are the reference's; of RSRQ's only the first (7) is, the rest are
// modelled, evenly spaced as RSRP's are.
var (
	cesqRSRPThresholds = [4]int{20, 40, 60, 80}
	cesqRSRQThresholds = [4]int{7, 14, 21, 28}
)

// thresholdIndex is how many of ts value reaches (0-4).
func thresholdIndex(value int, ts [4]int) int {
	n := 0
	for _, t := range ts {
		if value >= t {
			n++
		}
	}
	return n
}

// cesqNow is the %CESQ notification's fields for what the modem
// measures now, and its two threshold indices; 255 for all when it
// measures nothing. RSRP's index is +CESQ's (TS 27.007 §8.69), RSRQ the
// nominal one the world implies.
func (m *Modem) cesqNow() (string, [2]int) {
	rsrp, ok := m.measured()
	if !ok {
		return "255,255,255,255", [2]int{255, 255}
	}
	p, q := rsrpIndex(rsrp), nominalRSRQIndex
	idx := [2]int{thresholdIndex(p, cesqRSRPThresholds), thresholdIndex(q, cesqRSRQThresholds)}
	return fmt.Sprintf("%d,%d,%d,%d", p, idx[0], q, idx[1]), idx
}

// cmdNordicCESQ is an nRF91's %CESQ=<n>: 1 subscribes the signal-quality
// notifications (signalURC), 0 unsubscribes. The reference has the set
// form only.
func cmdNordicCESQ(m *Modem, c at.Command) error {
	if c.Form != at.Set {
		return errUnknown
	}
	v, err := intArgs(c, 1, 1)
	if err != nil || v[0] > 1 {
		return errParams
	}
	m.st.cesq = v[0] == 1
	_, m.st.cesqShown = m.cesqNow() // notified from the next change on
	return nil
}

// signalURC sends a subscribed %CESQ notification when what the modem
// measures crossed a threshold, or came or went, since the last: after
// a registration change and the world's signal change.
func (m *Modem) signalURC() {
	if !m.st.cesq {
		return
	}
	fields, idx := m.cesqNow()
	if idx == m.st.cesqShown {
		return
	}
	m.st.cesqShown = idx
	m.urc("%CESQ: " + fields)
}

// Location implements stkterm.Host. Call it from inside loop work.
func (m *Modem) Location() stkterm.Location {
	r := m.st.reg
	loc := stkterm.Location{Service: stkterm.NoService}
	if m.st.fun == 1 {
		loc.Visible = m.o.Network.Cells()
	}
	switch {
	case r.Registered():
		loc.Service = stkterm.NormalService
	case r.Stat == 3 && r.PLMN != "", r.camped():
		// Camped but denied, or on a forbidden network's cell with no
		// other in sight (TS 23.122 §3.5).
		loc.Service = stkterm.LimitedService
		// Searching (2) on no cell, even with a PLMN being tried, is no
		// service.
	}
	if loc.Service != stkterm.NoService {
		loc.Serving = stkterm.Cell{PLMN: r.PLMN, TAC: r.TAC, CellID: r.CellID, RSRP: r.RSRP}
	}
	return loc
}

// DataReady implements stkterm.Host: a bearer exists when registered.
func (m *Modem) DataReady() bool { return m.st.reg.Registered() }

// Registration returns the current registration. Call it from inside loop
// work.
func (m *Modem) Registration() Registration { return m.st.reg }
