package apdu

import "fmt"

// Status words (ISO/IEC 7816-4 §5.6, ETSI TS 102 221 §10.2).
const (
	SWOK                          uint16 = 0x9000
	SWWarningEOF                  uint16 = 0x6282 // end of file reached before Le bytes
	SWWrongLength                 uint16 = 0x6700
	SWChannelNotSupported         uint16 = 0x6881
	SWSecureMessagingNotSupported uint16 = 0x6882
	SWIncompatibleFile            uint16 = 0x6981 // command incompatible with file structure
	SWSecurityNotSatisfied        uint16 = 0x6982 // access condition not met (ADM)
	SWConditionsNotSatisfied      uint16 = 0x6985
	SWCommandNotAllowed           uint16 = 0x6986 // no current EF
	SWIncorrectData               uint16 = 0x6A80
	SWFunctionNotSupported        uint16 = 0x6A81
	SWFileNotFound                uint16 = 0x6A82
	SWRecordNotFound              uint16 = 0x6A83
	SWNotEnoughMemory             uint16 = 0x6A84
	SWIncorrectP1P2               uint16 = 0x6A86
	SWReferencedDataNotFound      uint16 = 0x6A88
	SWWrongP1P2                   uint16 = 0x6B00 // offset beyond the EF
	SWINSNotSupported             uint16 = 0x6D00
	SWCLANotSupported             uint16 = 0x6E00
	SWUnknown                     uint16 = 0x6F00
	SWToolkitBusy                 uint16 = 0x9300
	SWBytesAvailablePrefix        uint16 = 0x6100 // 61xx: xx bytes wait for GET RESPONSE
	SWWrongLePrefix               uint16 = 0x6C00 // 6Cxx: retry with Le = xx
	SWProactivePendingPrefix      uint16 = 0x9100 // 91xx: proactive command of xx bytes pending
)

// BytesAvailable returns 61xx for n bytes left (n ≥ 256 codes as 00).
func BytesAvailable(n int) uint16 { return SWBytesAvailablePrefix | uint16(byte(n)) }

// ProactivePending returns 91xx for a pending proactive command of n bytes.
func ProactivePending(n int) uint16 { return SWProactivePendingPrefix | uint16(byte(n)) }

// WrongLe returns 6Cxx telling the terminal to repeat with Le = n.
func WrongLe(n int) uint16 { return SWWrongLePrefix | uint16(byte(n)) }

// MoreData reports a 61xx (ISO/IEC 7816-4 §5.6, ETSI TS 102 221
// §7.3.1.1.4): the answer goes on, the card has le bytes of it waiting
// (00: 256 or more) for GET RESPONSE with Le = le on the channel — or
// the GSM class's 9Fxx, the same step for a command of class A0 (TS
// 51.011 §9.4.1: "length xx of the response data"), which a UICC answers
// to the modems that still read the card in that class at boot (outside
// tester t72: a SIMtrace's A0 SELECT answered 9F22, then its GET
// RESPONSE, was drawn as a GET RESPONSE with nothing before it).
func MoreData(sw uint16) (le byte, ok bool) {
	return byte(sw), sw&0xFF00 == SWBytesAvailablePrefix || sw&0xFF00 == 0x9F00
}

// RepeatWithLe reports a 6Cxx (ISO/IEC 7816-4 §5.6, ETSI TS 102 221
// §7.3.1.1.4): the command's Le was wrong and the card answered nothing;
// it has le bytes (00: 256) for the same command again with Le = le.
func RepeatWithLe(sw uint16) (le byte, ok bool) {
	return byte(sw), sw&0xFF00 == SWWrongLePrefix
}

// Response is a response APDU: data then SW1 SW2.
type Response struct {
	Data []byte
	SW   uint16
}

// Bytes encodes r.
func (r Response) Bytes() []byte {
	b := make([]byte, 0, len(r.Data)+2)
	b = append(b, r.Data...)
	return append(b, byte(r.SW>>8), byte(r.SW))
}

// SW1 returns the first status byte.
func (r Response) SW1() byte { return byte(r.SW >> 8) }

// SW2 returns the second status byte.
func (r Response) SW2() byte { return byte(r.SW) }

// OK reports 9000, or 91xx (normal ending with a proactive command pending).
func (r Response) OK() bool { return r.SW == SWOK || r.SW1() == 0x91 }

// NormalProcessing reports a status word of normal processing (ISO/IEC
// 7816-4 §5.6: 9000; ETSI TS 102 221 §10.2.1: 91xx, 92xx, 61xx, 9Fxx) —
// the command went through, possibly with more to fetch; anything else
// is a warning or an error the card returned.
func NormalProcessing(sw uint16) bool {
	switch byte(sw >> 8) {
	case 0x90, 0x91, 0x92, 0x61, 0x9F:
		return true
	}
	return false
}

// Failed reports a status word that ends a command in failure: neither
// normal processing (NormalProcessing) nor 6Cxx. A 6Cxx is T=0's
// procedure step, not the command's outcome (ISO/IEC 7816-4 §5.6: SW1 6C,
// a checking error the terminal answers; ETSI TS 102 221 §7.3.1.1.4):
// the terminal sends the command again with Le = xx, and that repeat's
// answer says how the command went. Every reader of a trace marks a
// failure by it, so a 6Cxx is a step on all of them.
func Failed(sw uint16) bool {
	if _, again := RepeatWithLe(sw); again {
		return false
	}
	return !NormalProcessing(sw)
}

// ParseResponse decodes a response APDU; Data aliases b.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("apdu: response of %d bytes lacks SW1 SW2", len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n:n], SW: uint16(b[n])<<8 | uint16(b[n+1])}, nil
}

// Status returns a data-less response.
func Status(sw uint16) []byte { return []byte{byte(sw >> 8), byte(sw)} }
