package apdu

import "fmt"

// insNames are the instructions of ETSI TS 102 221 §10.1.2 (UICC and CAT),
// ISO/IEC 7816-4 and GlobalPlatform's STORE DATA, by INS byte.
var insNames = map[byte]string{
	0xA4: "SELECT",
	0xF2: "STATUS",
	0xB0: "READ BINARY",
	0xD6: "UPDATE BINARY",
	0xB2: "READ RECORD",
	0xDC: "UPDATE RECORD",
	0xA2: "SEARCH RECORD",
	0x32: "INCREASE",
	0xCB: "RETRIEVE DATA",
	0xDB: "SET DATA",
	0x20: "VERIFY PIN",
	0x24: "CHANGE PIN",
	0x26: "DISABLE PIN",
	0x28: "ENABLE PIN",
	0x2C: "UNBLOCK PIN",
	0x04: "DEACTIVATE FILE",
	0x44: "ACTIVATE FILE",
	0x88: "AUTHENTICATE",
	0x89: "AUTHENTICATE",
	0x84: "GET CHALLENGE",
	0xAA: "TERMINAL CAPABILITY",
	0x10: "TERMINAL PROFILE",
	0xC2: "ENVELOPE",
	0x12: "FETCH",
	0x14: "TERMINAL RESPONSE",
	0x70: "MANAGE CHANNEL",
	0x73: "MANAGE SECURE CHANNEL",
	0x75: "TRANSACT DATA",
	0x76: "SUSPEND UICC",
	0xC0: "GET RESPONSE",
	0xCA: "GET DATA",
	0xE2: "STORE DATA",
}

// InsManageChannel is MANAGE CHANNEL (ETSI TS 102 221 §11.1.17).
const InsManageChannel = 0x70

// InsName names an instruction byte ("STORE DATA"), or gives it in hex
// ("INS 5A") when no standard the rig follows defines it.
func InsName(ins byte) string {
	if n, ok := insNames[ins]; ok {
		return n
	}
	return fmt.Sprintf("INS %02X", ins)
}

// Closes reports the logical channel a MANAGE CHANNEL close (ISO/IEC
// 7816-4 §11.1.2, ETSI TS 102 221 §11.1.17: P1 80) closes: P2's, or the
// class byte's own when P2 is 00.
func (c Command) Closes() (int, bool) {
	if c.INS != InsManageChannel || c.P1 != 0x80 {
		return 0, false
	}
	if c.P2 == 0 {
		return c.Channel(), true
	}
	return int(c.P2), true
}
