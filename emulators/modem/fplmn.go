package modem

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/esimhil/esimhil/internal/codec/fcp"
)

// efFPLMN is EF FPLMN (TS 31.102 §4.2.16) as readFile and selectFCP take
// paths: MF, ADF USIM, 6F7B.
var efFPLMN = []uint16{0x3F00, 0x7FFF, 0x6F7B}

// causePLMNNotAllowed is EMM cause #11 (TS 24.301 §9.9.3.9).
const causePLMNNotAllowed = 11

// storeForbidden keeps the card's EF FPLMN as a terminal does: a reject
// with cause #11 adds the PLMN to the forbidden list, which lives on the
// USIM (TS 24.301 §5.5.1.2.5, TS 23.122 §3.1); a later registration on a
// PLMN the modem had forbidden takes it out again (§3.1, after a manual
// selection: the world registering the modem there is that selection).
// Call it from inside loop work, after the registration changed.
func (m *Modem) storeForbidden(old, r Registration) {
	plmn, ok := m.cardPLMN(r)
	if !ok {
		return
	}
	switch {
	case m.forbids(r) && (old.Stat != 3 || old.PLMN != r.PLMN || old.Cause != r.Cause):
		_ = m.editFPLMN(func(list []byte) []byte { return forbid(list, plmn) })
	case r.Registered() && !old.Registered() && m.st.fplmnWritten[r.PLMN]:
		_ = m.editFPLMN(func(list []byte) []byte { return allow(list, plmn) })
	default:
		return
	}
	if r.Registered() {
		delete(m.st.fplmnWritten, r.PLMN)
	} else {
		m.st.fplmnWritten[r.PLMN] = true
	}
}

// efAD is EF AD (TS 31.102 §4.2.18): the low nibble of its fourth byte
// is the length of the MNC in the IMSI.
var efAD = []uint16{0x3F00, 0x7FFF, 0x6FAD}

// forbids reports a registration that makes its network forbidden: a
// reject with cause #11 (TS 24.301 §5.5.1.2.5) from a network other than
// the subscriber's HPLMN, which is never stored on the forbidden list
// (TS 23.122 §3.1). Other causes forbid a tracking area, or nothing
// (#17 network failure), never the PLMN.
func (m *Modem) forbids(r Registration) bool {
	return r.Stat == 3 && r.Cause == causePLMNNotAllowed && r.PLMN != "" && !isHPLMN(m.st.imsi, r.PLMN, m.mncLength())
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
	return imsi[:3+mnc] == plmn
}

// editFPLMN reads EF FPLMN whole (its size from the FCP), applies edit
// and writes the file back when edit changed it. A card without the file
// or refusing the write keeps what it had, as with EPSLOCI.
func (m *Modem) editFPLMN(edit func([]byte) []byte) error {
	raw, err := m.selectFCP(efFPLMN)
	if err != nil {
		return err
	}
	t, err := fcp.Parse(raw)
	if err != nil {
		return fmt.Errorf("EF FPLMN: %w", err)
	}
	if t.Size < 3 || t.Size > 0xFF {
		return fmt.Errorf("EF FPLMN: size %d", t.Size)
	}
	rsp, err := m.exchange([]byte{0x00, 0xB0, 0x00, 0x00, byte(t.Size)})
	if err != nil {
		return err
	}
	if !done(rsp) || len(rsp)-2 != t.Size {
		return fmt.Errorf("READ BINARY 6F7B: %d bytes, SW %04X", len(rsp)-2, sw(rsp))
	}
	list := rsp[:t.Size]
	next := edit(bytes.Clone(list))
	if bytes.Equal(next, list) {
		return nil
	}
	rsp, err = m.exchange(append([]byte{0x00, 0xD6, 0x00, 0x00, byte(len(next))}, next...))
	if err != nil {
		return err
	}
	if !done(rsp) {
		return fmt.Errorf("UPDATE BINARY 6F7B: SW %04X", sw(rsp))
	}
	return nil
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
