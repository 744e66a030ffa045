package modem

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/ident"
	"github.com/esimhil/esimhil/internal/proto/emm"
)

// efFPLMN is EF FPLMN (TS 31.102 §4.2.16) as readFile and selectFCP take
// paths: MF, ADF USIM, 6F7B.
var efFPLMN = []uint16{0x3F00, 0x7FFF, 0x6F7B}

// storeForbidden keeps the card's EF FPLMN as a terminal does: a reject
// with cause #11 adds the PLMN to the forbidden list, which lives on the
// USIM (TS 24.301 §5.5.1.2.5, TS 23.122 §3.1); a registration on a PLMN
// of the list — only a manual selection tries one — takes it out again
// (§3.1). m.st.forbidden follows the file; a card that cannot store the
// entry leaves it in the modem's memory alone, until the card is read
// again. A #14 goes on the ME's list of forbidden PLMNs for GPRS service
// instead, a #12, #13 or #15 on its lists of forbidden tracking areas
// (forbidInME). Call it from inside loop work, after the registration
// changed.
func (m *Modem) storeForbidden(r Registration) {
	if !m.st.cardOn {
		return
	}
	var add, drop [][3]byte
	refused := rejects(r)
	m.forbidInME(r, refused)
	for _, x := range refused {
		if p, err := bcd.PLMN(x.PLMN); err == nil && m.forbids(x) && !m.st.forbidden[x.PLMN] {
			m.st.forbidden[x.PLMN] = true
			add = append(add, p)
		}
	}
	if p, err := bcd.PLMN(r.PLMN); err == nil && r.Registered() && m.st.forbidden[r.PLMN] {
		delete(m.st.forbidden, r.PLMN)
		drop = append(drop, p)
	}
	if len(add) == 0 && len(drop) == 0 {
		return
	}
	edit := func(list []byte) []byte {
		for _, p := range add {
			list = forbid(list, p)
		}
		for _, p := range drop {
			list = allow(list, p)
		}
		return list
	}
	if list, err := m.editFPLMN(edit); err == nil {
		m.st.forbidden = forbiddenSet(list) // a full list lost its oldest
	}
}

// rejects are the rejects of r's selection in order, its final denial
// too: the world lists it among the refusals already, a denial not
// listed there is added.
func rejects(r Registration) []emm.Reject {
	out := r.Refused
	if last := (emm.Reject{PLMN: r.PLMN, TAC: r.TAC, Cause: r.Cause}); r.Stat == 3 && (len(out) == 0 || out[len(out)-1] != last) {
		out = append(slices.Clone(out), last)
	}
	return out
}

// loadForbidden reads the enabled profile's EF FPLMN as a terminal does
// at the USIM's initialisation (TS 31.102 §5.1.1.2), after EF IMSI: its
// PLMNs are those automatic selection skips. A card without the file
// forbids none.
func (m *Modem) loadForbidden() {
	m.st.forbidden = map[string]bool{}
	if m.st.imsi == "" {
		return
	}
	m.st.me.usim(m.st.imsi)
	m.armTAErase()
	if list, err := m.readFPLMN(); err == nil {
		m.st.forbidden = forbiddenSet(list)
	}
}

// forbiddenSet is the PLMNs of a forbidden list's used entries.
func forbiddenSet(list []byte) map[string]bool {
	set := map[string]bool{}
	for _, p := range plmnsOf(list) {
		set[p] = true
	}
	return set
}

// forbiddenLists are the lists automatic selection skips the PLMNs and
// tracking areas of: the USIM's EF FPLMN and the ME's lists.
func (m *Modem) forbiddenLists() emm.Forbidden {
	m.expireTAs()
	return m.st.me.forbidden(emm.Forbidden{PLMNs: slices.Sorted(maps.Keys(m.st.forbidden))}, m.loop.Clock().Now())
}

// forbidInME keeps the ME's forbidden lists (meLists): each network of
// the selection that rejected with #14 goes on the list of forbidden
// PLMNs for GPRS service, the HPLMN too — TS 23.122 §3.1 keeps only the
// forbidden PLMN list of #11 free of it —, each tracking area that
// rejected with #12, #13 or #15 on its list of forbidden tracking areas
// (TS 24.301 §5.5.1.2.5), each network that rejected with #42 blocked
// for 2 × T, T the USIM's (blockPLMN); a registration takes its PLMN
// and tracking area off them, which for a forbidden one only a manual
// selection makes (§3.1, TS 24.301 §5.3.2).
func (m *Modem) forbidInME(r Registration, refused []emm.Reject) {
	m.expireTAs()
	now := m.loop.Clock().Now()
	for _, x := range refused {
		m.st.me.store(m.st.imsi, x, now)
		if emm.BlocksPLMN(x.Cause) {
			m.blockPLMN(x.PLMN, now)
		}
	}
	if r.Registered() {
		m.st.me.registered(emm.TAI{PLMN: r.PLMN, TAC: r.TAC})
	}
	m.armTAErase()
}

// blockPLMN acts on a #42 from plmn at now (TS 24.301 §5.5.1.2.5): the
// PLMN no candidate for automatic selection for 2 × T
// (emm.BlockPeriod, T from EF HPPLMN), logged (plmn_blocked). The
// location's deletion (EU2) is deleteLocation's, with the other
// rejects'.
func (m *Modem) blockPLMN(plmn string, now time.Time) {
	if m.st.imsi == "" || plmn == "" {
		return
	}
	until := now.Add(emm.BlockPeriod(m.st.hpplmn))
	m.st.me.block(m.st.imsi, plmn, now, until)
	m.emit(KindPLMNBlocked, eventlog.F{"plmn": plmn, "cause": emm.SevereNetworkFailure, "until": until.UTC().Format(time.RFC3339Nano)})
}

// forgetMELists deletes the ME's forbidden lists, as TS 23.122 §3.1 and
// TS 24.301 §5.3.2 have it when the MS is switched off or the UICC
// holding the USIM is removed.
func (m *Modem) forgetMELists() {
	m.st.me.forget()
	m.armTAErase()
}

// efAD is EF AD (TS 31.102 §4.2.18): the low nibble of its fourth byte
// is the length of the MNC in the IMSI.
var efAD = []uint16{0x3F00, 0x7FFF, 0x6FAD}

// forbids reports a reject that makes its network forbidden: cause #11 (TS 24.301 §5.5.1.2.5) from a network other than
// the subscriber's HPLMN, which is never stored on the forbidden list
// (TS 23.122 §3.1). Other causes forbid a tracking area, or nothing
// (#17 network failure), never the PLMN.
func (m *Modem) forbids(x emm.Reject) bool {
	return emm.ForbidsPLMN(x.Cause) && x.PLMN != "" && !isHPLMN(m.st.imsi, x.PLMN, m.mncLength())
}

// mncLength is the MNC length EF AD gives for the card's IMSI (2 or 3),
// read once per IMSI; 0 when the card does not say.
func (m *Modem) mncLength() int {
	if m.st.mncOf != m.st.imsi {
		m.st.mncOf, m.st.mnc = m.st.imsi, 0
		if b, err := m.readFile(efAD, 4); err == nil && len(b) == 4 {
			m.st.mnc = mncLen(b[3])
		}
	}
	return m.st.mnc
}

// mncLen reads EF AD's fourth byte: 2 or 3, else 0 (unknown).
func mncLen(b byte) int {
	if n := int(b & 0x0F); n == 2 || n == 3 {
		return n
	}
	return 0
}

// isHPLMN reports whether plmn is the home network of the subscriber
// imsi: its MCC and the mnc digits after it (TS 23.003 §2.2); with the
// length unknown, whether the IMSI begins with it.
func isHPLMN(imsi, plmn string, mnc int) bool {
	if mnc == 0 || len(imsi) < 3+mnc {
		return imsi != "" && strings.HasPrefix(imsi, plmn)
	}
	return ident.HomePLMN(imsi, mnc) == plmn
}

// readFPLMN reads EF FPLMN whole: at most 255 bytes, as editFPLMN
// writes it back in one UPDATE BINARY.
func (m *Modem) readFPLMN() ([]byte, error) {
	return m.readWhole(efFPLMN, "EF FPLMN", 3, 0xFF)
}

// editFPLMN reads EF FPLMN whole, applies edit and writes the file back
// when edit changed it; it returns the list the card holds. A card
// without the file or refusing the write keeps what it had, as with
// EPSLOCI.
func (m *Modem) editFPLMN(edit func([]byte) []byte) ([]byte, error) {
	list, err := m.readFPLMN()
	if err != nil {
		return nil, err
	}
	next := edit(bytes.Clone(list))
	if bytes.Equal(next, list) {
		return list, nil
	}
	rsp, err := m.exchange(append([]byte{0x00, 0xD6, 0x00, 0x00, byte(len(next))}, next...))
	if err != nil {
		return nil, err
	}
	if !done(rsp) {
		return nil, fmt.Errorf("UPDATE BINARY 6F7B: SW %04X", sw(rsp))
	}
	return next, nil
}

// unusedPLMN is an empty entry of a PLMN list file.
var unusedPLMN = [3]byte{0xFF, 0xFF, 0xFF}

// forbid adds plmn to a forbidden list of 3-byte entries: nothing if it
// is there, else in the first empty entry; a full list loses its oldest,
// the first, and the rest move up (TS 23.122 §3.1: "the oldest entry
// shall be deleted").
func forbid(list []byte, plmn [3]byte) []byte {
	n := len(list) / 3
	for i := range n {
		if [3]byte(list[3*i:]) == plmn {
			return list
		}
	}
	for i := range n {
		if [3]byte(list[3*i:]) == unusedPLMN {
			copy(list[3*i:], plmn[:])
			return list
		}
	}
	copy(list, list[3:3*n])
	copy(list[3*(n-1):], plmn[:])
	return list
}

// allow takes plmn out of a forbidden list, the entries after it moving
// up so that the empty ones stay at the end.
func allow(list []byte, plmn [3]byte) []byte {
	n := len(list) / 3
	for i := range n {
		if [3]byte(list[3*i:]) == plmn {
			copy(list[3*i:], list[3*(i+1):3*n])
			copy(list[3*(n-1):], unusedPLMN[:])
			return list
		}
	}
	return list
}
