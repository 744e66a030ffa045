package modem

import (
	"fmt"
	"slices"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/codec/fcp"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// The USIM's files automatic network selection reads besides EF FPLMN
// and EF EPSLOCI (whose last registered TAI names the RPLMN), as
// readWhole takes paths: EF PLMNwAcT (user controlled PLMN selector, TS
// 31.102 §4.2.5), EF OPLMNwAcT (operator controlled, §4.2.53) and EF
// HPPLMN (the higher priority PLMN search period, §4.2.6).
var (
	efPLMNwAcT  = []uint16{0x3F00, 0x7FFF, 0x6F60}
	efOPLMNwAcT = []uint16{0x3F00, 0x7FFF, 0x6F61}
	efHPPLMN    = []uint16{0x3F00, 0x7FFF, 0x6F31}
	efUST       = []uint16{0x3F00, 0x7FFF, 0x6F38}
	efEHPLMN    = []uint16{0x3F00, 0x7FFF, 0x6FD9}
)

// DefaultHPPLMN is the period of the search for a higher priority PLMN
// when the USIM does not give one (TS 23.122 §4.4.3.3.1: 60 minutes), as
// the default EF HPPLMN codes it.
var DefaultHPPLMN = saip.HPPLMNPeriod(saip.HPPLMNDefault)

// forgetUSIM drops what the modem read of the card — ICCID, IMSI, PIN
// state and what network selection reads with the IMSI —, to be read
// again with the card: at its reset, its removal and power off.
func (m *Modem) forgetUSIM() {
	m.st.iccid, m.st.iccidFiller, m.st.imsi, m.st.pin, m.st.tries = "", 0, "", "", nil
	m.forgetSelection()
}

// forgetSelection drops the RPLMN, the PLMN selector lists and T as read
// from the USIM (loadSelection).
func (m *Modem) forgetSelection() {
	m.st.rplmn, m.st.userPLMNs, m.st.operatorPLMNs, m.st.ehplmns = "", nil, nil, nil
	m.st.epsloci = nil
	m.st.hpplmn = DefaultHPPLMN
}

// loadUSIM reads what network selection needs of the USIM once EF IMSI
// is read, as a terminal does at the USIM's initialisation (TS 31.102
// §5.1.1.2): EF FPLMN, the PLMN selector lists and the RPLMN.
func (m *Modem) loadUSIM() {
	m.loadForbidden()
	m.loadSelection()
}

// loadSelection reads the PLMN selector lists and EF EPSLOCI: a card
// without a list (or refusing it) has an empty one, as for EF FPLMN; the
// RPLMN is EF EPSLOCI's last registered TAI's PLMN while its EPS update
// status is "updated" (TS 24.301 §5.1.3.2.2: EU1), none otherwise — a new
// profile's holds the deleted TAI.
func (m *Modem) loadSelection() {
	m.forgetSelection()
	if m.st.imsi == "" {
		return
	}
	if b, err := m.readFile(efHPPLMN, 1); err == nil && len(b) == 1 {
		m.st.hpplmn = saip.HPPLMNPeriod(b[0])
	}
	if b, err := m.readWhole(efPLMNwAcT, "EF PLMNwAcT", 1, maxWhole); err == nil {
		m.st.userPLMNs = eutranPLMNs(b)
	}
	if b, err := m.readWhole(efOPLMNwAcT, "EF OPLMNwAcT", 1, maxWhole); err == nil {
		m.st.operatorPLMNs = eutranPLMNs(b)
	}
	if b, err := m.readWhole(efEPSLOCI, "EF EPSLOCI", 1, maxWhole); err == nil {
		m.st.rplmn, m.st.epsloci = registeredPLMN(b), b
	}
	// EF EHPLMN only where EF UST announces it (TS 31.102 §4.2.84:
	// service n°71); none, selection's home is the IMSI's HPLMN.
	if ust, err := m.readWhole(efUST, "EF UST", 1, maxWhole); err == nil && saip.HasService(ust, saip.ServiceEHPLMN) {
		if b, err := m.readWhole(efEHPLMN, "EF EHPLMN", 3, maxWhole); err == nil {
			m.st.ehplmns = plmnsOf(b)
		}
	}
}

// plmnsOf are the PLMNs of a list of 3-byte PLMN codes (EF EHPLMN, TS
// 31.102 §4.2.84; EF FPLMN, §4.2.16), in order, each once; unused
// entries (FFFFFF) and undecodable ones are skipped.
func plmnsOf(b []byte) []string {
	var out []string
	for i := 0; i+3 <= len(b); i += 3 {
		p, err := bcd.ParsePLMN(b[i : i+3])
		if err != nil || slices.Contains(out, p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// eutranPLMNs are the PLMNs of a PLMN selector with access technology
// list (TS 31.102 §4.2.5: 3 bytes of PLMN, 2 of access technology, in
// priority order) whose entry names E-UTRAN in WB-S1 mode, the world's
// cells (wbS1), each once at its first place; unused entries (FFFFFF)
// and undecodable ones are skipped.
func eutranPLMNs(b []byte) []string {
	var out []string
	for i := 0; i+5 <= len(b); i += 5 {
		if !wbS1(b[i+3]) {
			continue
		}
		p, err := bcd.ParsePLMN(b[i : i+3])
		if err != nil || slices.Contains(out, p) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// wbS1 reports whether an entry's first access technology byte selects
// E-UTRAN in WB-S1 mode (TS 31.102 §4.2.5, table 4.2.5.1: b7 E-UTRAN,
// b6 WB-S1, b5 NB-S1): b7 alone or with both is either mode, b7 with b6
// WB-S1 only; b7 with b5 alone is NB-S1 only, b7 clear none.
func wbS1(act byte) bool {
	return act&0x40 != 0 && act&0x30 != 0x10
}

// registeredPLMN is the RPLMN EF EPSLOCI names (TS 31.102 §4.2.91: GUTI
// in bytes 1-12, last visited registered TAI in 13-17, EPS update status
// in 18): the TAI's PLMN when the status is "updated" and the TAI is not
// deleted; "" otherwise.
func registeredPLMN(b []byte) string {
	if len(b) < 18 || b[17]&0x07 != saip.EPSUpdated {
		return ""
	}
	if tac := uint16(b[15])<<8 | uint16(b[16]); tac == saip.TACDeleted {
		return ""
	}
	p, err := bcd.ParsePLMN(b[12:15])
	if err != nil {
		return ""
	}
	return p
}

// trackRPLMN keeps the RPLMN as the registrations go, as EF EPSLOCI does
// (storeLocation): a registration makes its PLMN the RPLMN; a selection
// that ends unregistered after a reject deleting the last registered TAI
// (emm.RejectLocation: the final denial or any network that refused
// before) leaves none (deleteLocation), as the attach attempt counter's
// fifth failure does (attemptFailed). Call it from inside loop work,
// after the registration changed.
func (m *Modem) trackRPLMN(r Registration) {
	if r.Registered() {
		m.st.rplmn = r.PLMN
		return
	}
	m.deleteLocation(r)
}

// followVPLMN keeps the timer of the periodic search for a higher
// priority PLMN (TS 23.122 §4.4.3.3.1) running while r is a registration
// on a VPLMN (<stat> 5) in automatic mode, T from EF HPPLMN; anything
// else stops it. Call it from inside loop work, after the registration
// changed.
func (m *Modem) followVPLMN(r Registration) {
	if r.Stat != 5 || m.st.copsMode != 0 || m.st.copsOff || m.st.hpplmn <= 0 {
		m.stopSearch()
		return
	}
	if m.st.searchT == nil {
		m.st.searchT = m.afterFunc(m.st.hpplmn, m.searchHigher)
	}
}

// stopSearch stops the timer of the search for a higher priority PLMN:
// off the VPLMN, and with the MT's stack going down (power off, a
// restart), so that the next registration on a VPLMN starts it afresh.
func (m *Modem) stopSearch() { stopTimer(&m.st.searchT) }

// searchHigher is the periodic search on a VPLMN (TS 23.122 §4.4.3.3.1):
// with a PLMN of higher priority in sight in the serving one's country
// (emm.Selection.HigherPriority) the modem runs automatic selection
// again in the search's order (emm.Selection.Search): the PLMNs of higher
// priority, then the VPLMN it is on — registered on one of those, it
// leaves the VPLMN; refused by all, it stays (registers again) there.
// Otherwise it looks again T later. An attach in progress, its retry
// timer or T3410 running, is left alone; a closed modem searches no more.
func (m *Modem) searchHigher() {
	m.st.searchT = nil
	r := m.st.reg
	if m.st.attachT != nil || m.st.t3410 != nil || m.st.selecting != nil {
		m.followVPLMN(r)
		return
	}
	sel := m.selection()
	visible, home := m.visibleTAIs()
	if r.Stat != 5 || m.st.copsMode != 0 || m.st.copsOff || !sel.HigherPriority(r.PLMN, home, visible) {
		m.followVPLMN(r)
		return
	}
	m.emit(KindPLMNSearch, eventlog.F{"plmn": r.PLMN})
	m.st.searching = true
	m.attach()
	m.st.searching = false
	m.followVPLMN(m.st.reg)
}

// visibleTAIs are the tracking areas of the cells in sight, and the
// HPLMN among them ("" when none is).
func (m *Modem) visibleTAIs() ([]emm.TAI, string) {
	var visible []emm.TAI
	home := ""
	for _, c := range m.o.Network.Cells() {
		visible = append(visible, emm.TAI{PLMN: c.PLMN, TAC: c.TAC})
		if home == "" && isHPLMN(m.st.imsi, c.PLMN, m.mncLength()) {
			home = c.PLMN
		}
	}
	return visible, home
}

// selection is what the modem's automatic network selection goes by:
// the forbidden lists, the RPLMN and the USIM's PLMN selector lists (TS
// 23.122 §4.4.3.1). Every automatic selection the modem makes is a
// switch-on (power-on, restart, +CFUN=1, a card read again), a recovery
// from lack of coverage (a retry, the world's cells coming back), a
// move between cells (a UE stays in its RPLMN, TS 36.304 §5.2.4) or the
// host's +COPS=0: each starts from the RPLMN.
func (m *Modem) selection() emm.Selection {
	rplmn := m.st.rplmn
	if len(m.st.run.failed) > 0 {
		rplmn = m.st.run.rplmn // going on past a PLMN, in the run's order
	}
	return emm.Selection{
		Forbidden: m.forbiddenLists(),
		RPLMN:     rplmn,
		Search:    m.st.run.search,
		Failed:    slices.Clone(m.st.run.failed),
		User:      slices.Clone(m.st.userPLMNs),
		Operator:  slices.Clone(m.st.operatorPLMNs),
		EHPLMNs:   slices.Clone(m.st.ehplmns),
	}
}

// maxWhole bounds what readWhole reads of a file: a PLMN selector list
// of 6,553 entries, far beyond any card's (TS 31.102 gives them no limit;
// cards hold tens).
const maxWhole = 0x7FFF

// readWhole reads a transparent EF whole, its size from the FCP (lo to
// hi bytes, else an error and no READ BINARY), in READ BINARYs of at
// most 255 bytes (TS 102 221 §11.1.3).
func (m *Modem) readWhole(path []uint16, name string, lo, hi int) ([]byte, error) {
	raw, err := m.selectFCP(path)
	if err != nil {
		return nil, err
	}
	t, err := fcp.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if t.Size < lo || t.Size > hi {
		return nil, fmt.Errorf("%s: size %d", name, t.Size)
	}
	fid := path[len(path)-1]
	var out []byte
	for len(out) < t.Size {
		n := min(t.Size-len(out), 0xFF)
		off := len(out)
		rsp, err := m.exchange([]byte{0x00, 0xB0, byte(off >> 8), byte(off), byte(n)})
		if err != nil {
			return nil, err
		}
		if !done(rsp) || len(rsp)-2 != n {
			return nil, fmt.Errorf("READ BINARY %04X at %d: %d bytes, SW %04X", fid, off, len(rsp)-2, sw(rsp))
		}
		out = append(out, rsp[:n]...)
	}
	return out, nil
}
