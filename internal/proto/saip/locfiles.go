package saip

import "bytes"

// The USIM's location and forbidden-network files as a new profile holds
// them: no identity, the home network's area deleted (LAC/TAC FFFE), the
// update status "not updated". The package Build writes carries them, and
// the card's file system answers them so before any update.

// LOCI is EF LOCI (TS 31.102 §4.2.17): TMSI, LAI, RFU, update status.
func LOCI(home [3]byte) []byte {
	return append(append([]byte{0xFF, 0xFF, 0xFF, 0xFF}, home[:]...), 0xFF, 0xFE, 0x00, 0x01)
}

// PSLOCI is EF PSLOCI (TS 31.102 §4.2.23): P-TMSI, its signature, RAI,
// update status.
func PSLOCI(home [3]byte) []byte {
	return append(append(bytes.Repeat([]byte{0xFF}, 7), home[:]...), 0xFF, 0xFE, 0xFF, 0x01)
}

// EPSLOCI is EF EPSLOCI (TS 31.102 §4.2.91) of a new profile: no GUTI,
// the home network's TAI deleted, not updated.
func EPSLOCI(home [3]byte) []byte { return EPSLOCIOf(nil, home, TACDeleted, EPSNotUpdated) }

// EPS update status of EF EPSLOCI (TS 31.102 §4.2.91; TS 24.301 §5.1.3.2.2
// names them EU1, EU2, EU3).
const (
	EPSUpdated           byte = 0
	EPSNotUpdated        byte = 1
	EPSRoamingNotAllowed byte = 2
)

// TACDeleted is the tracking area code of a deleted TAI (TS 24.301
// §5.5.1.2.5: the UE deletes the last visited registered TAI; EF EPSLOCI
// keeps its PLMN with TAC FFFE, as EF LOCI does with LAC FFFE).
const TACDeleted uint16 = 0xFFFE

// EPSLOCIOf is EF EPSLOCI as a terminal writes it after an attach, a
// tracking area update or a reject: guti is the EPS mobile identity's
// value (GUTI, 12 bytes; nil: none, all FF), then the last visited
// registered TAI (PLMN and TAC) and the update status.
func EPSLOCIOf(guti []byte, plmn [3]byte, tac uint16, status byte) []byte {
	b := make([]byte, 0, 18)
	if len(guti) == 12 {
		b = append(b, guti...)
	} else {
		b = append(b, bytes.Repeat([]byte{0xFF}, 12)...)
	}
	b = append(b, plmn[:]...)
	return append(b, byte(tac>>8), byte(tac), status)
}

// GUTI is a GUTI as the value of an EPS mobile identity IE (TS 24.301
// §9.9.3.12, without its IEI): length 11, identity type 6 (GUTI) under
// the filler nibble F, the PLMN, MME group ID, MME code and M-TMSI.
func GUTI(plmn [3]byte, mmegi uint16, mmec byte, mtmsi uint32) []byte {
	b := append([]byte{0x0B, 0xF6}, plmn[:]...)
	b = append(b, byte(mmegi>>8), byte(mmegi), mmec)
	return append(b, byte(mtmsi>>24), byte(mtmsi>>16), byte(mtmsi>>8), byte(mtmsi))
}

// FPLMN is EF FPLMN (TS 31.102 §4.2.16): four empty entries.
func FPLMN() []byte { return bytes.Repeat([]byte{0xFF}, 12) }
