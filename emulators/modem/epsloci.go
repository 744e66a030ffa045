package modem

import (
	"fmt"
	"hash/fnv"

	"github.com/esimhil/esimhil/internal/codec/bcd"
	"github.com/esimhil/esimhil/internal/proto/saip"
)

// efEPSLOCI is EF EPSLOCI's path from the MF (TS 31.102 §4.2.91): ADF
// USIM, 6FE3. SELECT by path from the MF leaves the MF's own 3F00 out
// (TS 102 221 §8.4.2).
var efEPSLOCI = []uint16{0x7FFF, 0x6FE3}

// storeLocation keeps the card's EF EPSLOCI as a terminal does (TS 24.301
// §5.5.1.2.4, §5.5.1.2.5, §5.5.3.2.4): an attach or a tracking area update
// accepted stores the GUTI, the TAI and "updated"; a reject whose cause
// sets the update status EU3 deletes the GUTI and the TAI and stores
// "roaming not allowed". A card that refuses the update (no USIM, PIN1
// not verified) keeps what it had. Call it from inside loop work, after
// the registration changed.
func (m *Modem) storeLocation(old, r Registration) {
	plmn, ok := m.cardPLMN(r)
	if !ok {
		return
	}
	var data []byte
	switch {
	case r.Registered() && (!old.Registered() || old.PLMN != r.PLMN || old.TAC != r.TAC):
		if !old.Registered() || old.PLMN != r.PLMN || m.st.guti == nil {
			m.st.guti = m.newGUTI(plmn) // the network's, at attach
		}
		data = saip.EPSLOCIOf(m.st.guti, plmn, r.TAC, saip.EPSUpdated)
	case r.Stat == 3 && setsEU3(r.Cause) && (old.Stat != 3 || old.PLMN != r.PLMN):
		m.st.guti = nil
		data = saip.EPSLOCIOf(nil, plmn, saip.TACDeleted, saip.EPSRoamingNotAllowed)
	default:
		return
	}
	_ = m.updateFile(efEPSLOCI, data)
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

// setsEU3 reports an EMM reject cause after which the UE deletes its GUTI
// and last visited TAI and sets EU3 ROAMING NOT ALLOWED (TS 24.301
// §5.5.1.2.5): illegal UE or ME, EPS services not allowed, PLMN not
// allowed, tracking area not allowed, roaming not allowed in it, EPS
// services not allowed in this PLMN, no suitable cells in it.
func setsEU3(cause int) bool {
	switch cause {
	case 3, 6, 7, 8, 11, 12, 13, 14, 15:
		return true
	}
	return false
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
