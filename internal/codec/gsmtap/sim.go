package gsmtap

import (
	"errors"
	"fmt"

	"github.com/esimhil/esimhil/internal/codec/apdu"
)

// APDU is one exchange as a sniffer on the card's contacts records it and
// a SIMtrace2 sends it (sub-type SubAPDU): the T=0 TPDU of ISO/IEC 7816-3
// §10.3 — the five header bytes CLA INS P1 P2 P3, the command data (P3
// bytes, for instructions that send data to the card), the response data
// and SW1 SW2. Wireshark's gsm_sim dissector reads this layout.
type APDU struct {
	CLA, INS, P1, P2, P3 byte
	Data                 []byte // command data, to the card
	Response             []byte // response data, from the card
	SW                   uint16
}

// Errors of ParseAPDU, for callers that count what they skip.
var (
	ErrShortAPDU  = errors.New("gsmtap SIM: APDU shorter than its header")
	ErrNoResponse = errors.New("gsmtap SIM: APDU without a response (no status word)")
	ErrBadAPDU    = errors.New("gsmtap SIM: not an APDU")
)

// outgoing reports the instructions whose P3 is Le: the data flows from
// the card (ISO/IEC 7816-4 §11 and ETSI TS 102 221 §10.1.2, case 2
// commands). All others send P3 bytes to the card (cases 1, 3 and 4; on
// T=0 the answer to a case 4 command comes with its status or through GET
// RESPONSE).
func outgoing(ins, p1 byte) bool {
	switch ins {
	case 0xB0, 0xB1, // READ BINARY
		0xB2, 0xB3, // READ RECORD
		0xC0, // GET RESPONSE
		0x12, // FETCH
		0xF2, // STATUS
		0x84, // GET CHALLENGE
		0xCA: // GET DATA
		return true
	case apdu.InsManageChannel: // open asks for the channel number (Le 1)
		return p1 == 0x00
	}
	return false
}

// FromExchange is the sniffer's view of a command APDU as the terminal sent
// it and the card's answer (response data and SW1 SW2): P3 is Lc, or Le
// when the command sends no data (00 for case 1); a case 4 command's Le is
// not sent on T=0. A command that is not a valid short APDU is kept as it
// was sent, and an answer without a status word as it came.
func FromExchange(cmd, rsp []byte) []byte { return AppendExchange(nil, cmd, rsp) }

// AppendExchange appends FromExchange(cmd, rsp) to dst.
func AppendExchange(dst, cmd, rsp []byte) []byte {
	c, err := apdu.Parse(cmd)
	if err != nil {
		return append(append(dst, cmd...), rsp...)
	}
	p3 := byte(len(c.Data))
	if len(c.Data) == 0 && c.HasLe {
		p3 = byte(c.Le) // 256 is 00
	}
	dst = append(dst, c.CLA, c.INS, c.P1, c.P2, p3)
	dst = append(dst, c.Data...)
	return append(dst, rsp...)
}

// Bytes encodes a as the TPDU FromExchange builds.
func (a APDU) Bytes() []byte {
	b := make([]byte, 0, 7+len(a.Data)+len(a.Response))
	b = append(b, a.CLA, a.INS, a.P1, a.P2, a.P3)
	b = append(b, a.Data...)
	b = append(b, a.Response...)
	return append(b, byte(a.SW>>8), byte(a.SW))
}

// ParseAPDU splits a SubAPDU payload. Data and Response alias b. A
// command the card refused after its header has no Data (NoData); one it
// refused after part of its data has that part (PartData). It fails
// with ErrNoResponse for an exchange the sniffer saw no status word of
// (the card did not answer, or the trace was cut), ErrShortAPDU when even
// the header is incomplete, and ErrBadAPDU for bytes no T=0 exchange can
// produce (a PPS, an INS or SW1 outside what ISO/IEC 7816-3 allows).
func ParseAPDU(b []byte) (APDU, error) {
	if len(b) < 5 {
		return APDU{}, fmt.Errorf("%w: %d bytes", ErrShortAPDU, len(b))
	}
	a := APDU{CLA: b[0], INS: b[1], P1: b[2], P2: b[3], P3: b[4]}
	switch {
	case a.CLA == 0xFF:
		return a, fmt.Errorf("%w: CLA FF is a PPS request", ErrBadAPDU)
	case a.INS&0xF0 == 0x60 || a.INS&0xF0 == 0x90:
		return a, fmt.Errorf("%w: INS %02X is a status byte value, invalid on T=0", ErrBadAPDU, a.INS)
	}
	rest := b[5:]
	if outgoing(a.INS, a.P1) {
		if len(rest) < 2 {
			return a, fmt.Errorf("%w: %s with %d bytes after the header", ErrNoResponse, apdu.InsName(a.INS), len(rest))
		}
		a.Response = rest[: len(rest)-2 : len(rest)-2]
	} else {
		n := int(a.P3)
		switch {
		case n > 0 && len(rest) == 2 && statusByte(rest[0]):
			// SW1 SW2 straight after the header: the card sent them in
			// place of a procedure byte (ISO/IEC 7816-3 §10.3.3), refusing
			// the command before any data crossed, and the sniffer (the
			// SIMtrace2 firmware, which drops procedure bytes) sent header
			// and status word. With P3 2 the two bytes could also be the
			// data of a command the card never answered (a reset cut the
			// exchange); they are read as a status word when they are one,
			// as Wireshark's gsm_sim reads them: a card refusing a header
			// is everyday T=0 traffic, a reset between a command's data
			// and its answer is rare, and only two data bytes that look
			// like a status word (an EF id 6Fxx) are misread.
		case n > 0 && len(rest) > 2 && len(rest)-2 < n && statusByte(rest[len(rest)-2]) && apdu.Failed(uint16(rest[len(rest)-2])<<8|uint16(rest[len(rest)-1])):
			// SW1 SW2 after part of the data: the card took some bytes
			// (procedure bytes INS or ~INS, which the SIMtrace2 firmware
			// drops) and then sent a status word in place of the next
			// procedure byte (ISO/IEC 7816-3 §10.3.3), refusing the
			// command (PartData). Read so only when the two bytes are a
			// status word that ends a command in failure: a TPDU the
			// sniffer ended in its data (flagged "incomplete" over USB,
			// a flag simtrace2-sniff does not put in GSMTAP) whose last
			// two bytes look like one is misread so, and no byte tells
			// the two apart.
			k := len(rest) - 2
			a.Data = rest[:k:k]
		case len(rest) == n || len(rest) < 2:
			return a, fmt.Errorf("%w: %s with %d data bytes and no status word", ErrNoResponse, apdu.InsName(a.INS), len(rest))
		case len(rest) < n+2:
			return a, fmt.Errorf("%w: %s with P3 %d but %d bytes after the header", ErrShortAPDU, apdu.InsName(a.INS), n, len(rest))
		default:
			a.Data = rest[:n:n]
			a.Response = rest[n : len(rest)-2 : len(rest)-2]
		}
	}
	sw1, sw2 := b[len(b)-2], b[len(b)-1]
	if !statusByte(sw1) {
		return a, fmt.Errorf("%w: SW1 %02X is not a status byte", ErrBadAPDU, sw1)
	}
	a.SW = uint16(sw1)<<8 | uint16(sw2)
	return a, nil
}

// statusByte reports a valid SW1 on T=0: '6X' but '60' (the NULL
// procedure byte), or '9X' (ISO/IEC 7816-3 §10.3.3).
func statusByte(sw1 byte) bool {
	return (sw1&0xF0 == 0x60 || sw1&0xF0 == 0x90) && sw1 != 0x60
}

// NoData reports a command that announces P3 bytes of data for the card
// but got its status word right after the header (ParseAPDU): the card
// refused it before the data crossed.
func (a APDU) NoData() bool {
	return a.P3 != 0 && len(a.Data) == 0 && !outgoing(a.INS, a.P1)
}

// PartData reports a command that announces P3 bytes of data for the
// card but got a failing status word after fewer (ParseAPDU): the card
// refused it after part of its data crossed — or the sniffer cut it
// there, which the bytes do not tell.
func (a APDU) PartData() bool {
	return len(a.Data) > 0 && len(a.Data) < int(a.P3) && !outgoing(a.INS, a.P1)
}

// Channel is the logical channel of the exchange (CLA, ETSI TS 102 221
// §10.1.1).
func (a APDU) Channel() int { return apdu.ChannelOf(a.CLA) }
