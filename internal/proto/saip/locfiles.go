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

// EPSLOCI is EF EPSLOCI (TS 31.102 §4.2.91): GUTI, last visited TAI, EPS
// update status.
func EPSLOCI(home [3]byte) []byte {
	return append(bytes.Repeat([]byte{0xFF}, 12), append(home[:], 0xFF, 0xFE, 0x01)...)
}

// FPLMN is EF FPLMN (TS 31.102 §4.2.16): four empty entries.
func FPLMN() []byte { return bytes.Repeat([]byte{0xFF}, 12) }
