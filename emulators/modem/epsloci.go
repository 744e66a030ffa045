package modem

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/proto/emm"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// efEPSLOCI is EF EPSLOCI's path from the MF (TS 31.102 §4.2.91): ADF
// USIM, 6FE3. SELECT by path from the MF leaves the MF's own 3F00 out
// (TS 102 221 §8.4.2).
var efEPSLOCI = []uint16{0x7FFF, 0x6FE3}

// storeLocation keeps the card's EF EPSLOCI as a terminal does (TS 24.301
// §5.5.1.2.4, §5.5.3.2.4): an attach or a tracking area update accepted
// stores the GUTI, the TAI and "updated". The failures that delete the
// location are deleteLocation's and forgetLocation's. A card that refuses
// the update (no USIM, PIN1 not verified) keeps what it had. Call it from
// inside loop work, after the registration changed.
func (m *Modem) storeLocation(old, r Registration) {
	plmn, ok := m.cardPLMN(r)
	if !ok || !r.Registered() || old.Registered() && old.PLMN == r.PLMN && old.TAC == r.TAC {
		return
	}
	if !old.Registered() || old.PLMN != r.PLMN || m.st.guti == nil {
		m.st.guti = m.newGUTI(plmn) // the network's, at attach
	}
	m.writeEPSLOCI(saip.EPSLOCIOf(m.st.guti, plmn, r.TAC, saip.EPSUpdated))
}

// deleteLocation acts on the rejects of a selection that ended without
// a registration (TS 24.301 §5.5.1.2.5): each network that refused, the
// final denial too, the last whose cause deletes the location
// (emm.RejectLocation: EU3) leaving it deleted. A selection that ended
// registered stores its registration instead (storeLocation).
func (m *Modem) deleteLocation(r Registration) {
	for _, x := range slices.Backward(rejects(r)) {
		if l, ok := emm.RejectLocation(x.Cause); ok {
			m.forgetLocation(x.PLMN, l)
			return
		}
	}
}

// forgetLocation sets the EPS update status l says after an attach on
// plmn failed and, as it says, deletes the GUTI and the last visited
// registered TAI — the RPLMN with it (TS 23.122 §4.4.3.1: the UE has
// none until its next registration). EF EPSLOCI then holds no GUTI
// (all FF), plmn's TAI with the deleted TAC FFFE and the status; a
// content the card already holds is not written again.
func (m *Modem) forgetLocation(plmn string, l emm.Location) {
	if l.Delete {
		m.st.guti, m.st.rplmn = nil, ""
	}
	p, ok := m.cardPLMN(Registration{PLMN: plmn})
	if !ok {
		return
	}
	m.writeEPSLOCI(saip.EPSLOCIOf(nil, p, saip.TACDeleted, byte(l.Status)))
}

// writeEPSLOCI writes EF EPSLOCI unless the card holds data already
// (epsloci), and notes what it holds after a write it took.
func (m *Modem) writeEPSLOCI(data []byte) {
	if bytes.Equal(data, m.st.epsloci) {
		return
	}
	if m.updateFile(efEPSLOCI, data) == nil {
		m.st.epsloci = data
	}
}

// cardPLMN is the network of a registration as the USIM's files store
// it (BCD), when there is a card to store it on.
func (m *Modem) cardPLMN(r Registration) ([3]byte, bool) {
	if !m.st.cardOn || r.PLMN == "" {
		return [3]byte{}, false
	}
	plmn, err := bcd.PLMN(r.PLMN)
	return plmn, err == nil
}

// newGUTI is the GUTI the network assigns at an attach: the serving
// PLMN's, its MME group and code and an M-TMSI drawn from the subscriber,
// the network and how many GUTIs the modem has had, so that a run's
// GUTIs do not depend on anything but its own history (and take nothing
// from the seeded random source the rest of the run draws on).
func (m *Modem) newGUTI(plmn [3]byte) []byte {
	m.st.gutis++
	h := fnv.New64a()
	h.Write([]byte(m.st.imsi))
	h.Write(plmn[:])
	h.Write([]byte{byte(m.st.gutis >> 24), byte(m.st.gutis >> 16), byte(m.st.gutis >> 8), byte(m.st.gutis)})
	v := h.Sum64()
	mmegi := uint16(0x8000 | (v>>48)&0x7FFF) // group IDs with the top bit set are not pool-reserved (TS 23.003 §2.8.2.1.2)
	return saip.GUTI(plmn, mmegi, byte(v>>40), uint32(v))
}

// updateFile selects a transparent EF of the USIM on the basic channel
// and writes data from its start with UPDATE BINARY (TS 102 221 §11.1.4).
// It selects as a baseband does, in one SELECT by path from the MF
// through the current application (7FFF, §8.4.2) with no FCP asked for.
func (m *Modem) updateFile(path []uint16, data []byte) error {
	sel := []byte{0x00, 0xA4, 0x08, 0x0C, byte(2 * len(path))}
	for _, id := range path {
		sel = append(sel, byte(id>>8), byte(id))
	}
	rsp, err := m.exchange(sel)
	if err != nil {
		return err
	}
	if !done(rsp) {
		return fmt.Errorf("SELECT by path %X: SW %04X", sel[5:], sw(rsp))
	}
	rsp, err = m.exchange(append([]byte{0x00, 0xD6, 0x00, 0x00, byte(len(data))}, data...))
	if err != nil {
		return err
	}
	if !done(rsp) {
		return fmt.Errorf("UPDATE BINARY %04X: SW %04X", path[len(path)-1], sw(rsp))
	}
	return nil
}
