// Package apdu encodes and decodes ISO/IEC 7816-4 command and response APDUs
// in their short form (§5.1 cases 1 to 4), and names the status words the
// rig's card and modem exchange.
package apdu

import (
	"errors"
	"fmt"
)

// Error is a decoding failure together with the status word a card answers
// for it.
type Error struct {
	SW  uint16
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("apdu: %s (SW %04X)", e.Msg, e.SW) }

// ErrExtended is returned for extended-length APDUs (7816-4 §5.1: Lc or Le
// introduced by a 00 byte), which this card does not support.
var ErrExtended = &Error{SW: SWWrongLength, Msg: "extended length not supported"}

// SWOf returns the status word to answer for err: the one carried by an
// *Error, else 6F00.
func SWOf(err error) uint16 {
	var e *Error
	if errors.As(err, &e) {
		return e.SW
	}
	return SWUnknown
}

// Command is a command APDU. Le is the expected response length (1 to 256;
// a coded 00 means 256) and counts only when HasLe is set.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Le               int
	HasLe            bool
}

// Parse decodes a short command APDU. The returned Data aliases b.
func Parse(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, &Error{SW: SWWrongLength, Msg: fmt.Sprintf("%d bytes, header needs 4", len(b))}
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
		return c, nil
	case len(body) == 1: // case 2: Le only
		c.Le, c.HasLe = LeOf(body[0]), true
		return c, nil
	case body[0] == 0:
		return Command{}, ErrExtended
	}
	lc := int(body[0])
	switch len(body) {
	case 1 + lc: // case 3
		c.Data = body[1 : 1+lc : 1+lc]
	case 2 + lc: // case 4
		c.Data = body[1 : 1+lc : 1+lc]
		c.Le, c.HasLe = LeOf(body[1+lc]), true
	default:
		// Said in the data's terms: "7 body bytes" against Lc 7 read as
		// a match (outside tester t66 saw it).
		return Command{}, &Error{SW: SWWrongLength, Msg: fmt.Sprintf("Lc %d with %d byte(s) after it: want %d, or %d with an Le", lc, len(body)-1, lc, lc+1)}
	}
	return c, nil
}

// LeOf is the length an Le byte asks for, short form: 00 is 256 (ISO/IEC
// 7816-4 §5.1); a 61xx's or 6Cxx's xx counts the same way.
func LeOf(b byte) int {
	if b == 0 {
		return 256
	}
	return int(b)
}

// Bytes encodes c in short form. It assumes Validate passes (at most 255
// data bytes, Le 1..256); call Validate first for values from outside.
func (c Command) Bytes() []byte {
	b := []byte{c.CLA, c.INS, c.P1, c.P2}
	if len(c.Data) > 0 {
		b = append(b, byte(len(c.Data)))
		b = append(b, c.Data...)
	}
	if c.HasLe {
		b = append(b, byte(c.Le)) // 256 encodes as 00
	}
	return b
}

// Validate reports whether c fits a short APDU.
func (c Command) Validate() error {
	if len(c.Data) > 255 {
		return &Error{SW: SWWrongLength, Msg: fmt.Sprintf("%d data bytes exceed short Lc", len(c.Data))}
	}
	if c.HasLe && (c.Le < 1 || c.Le > 256) {
		return &Error{SW: SWWrongLength, Msg: fmt.Sprintf("Le %d outside 1..256", c.Le)}
	}
	return nil
}

// Channel returns the logical channel coded in CLA (ChannelOf).
func (c Command) Channel() int { return ChannelOf(c.CLA) }

// ChannelOf returns the logical channel coded in a class byte (ISO/IEC
// 7816-4 §5.4.1, ETSI TS 102 221 §10.1.1): in the first interindustry
// form (b7 = 0: '0X', '1X', and the proprietary '8X', '9X', 'AX' that keep
// its structure) channels 0-3 sit in b2-b1; in the further form (b7 = 1:
// '4X'-'7X', 'CX'-'FX') channels 4-19 sit in b4-b1 as the number minus 4.
func ChannelOf(cla byte) int {
	if cla&0x40 != 0 {
		return 4 + int(cla&0x0F)
	}
	return int(cla & 0x03)
}

// Class byte bits (ISO/IEC 7816-4 §5.4.1).
const (
	claProprietary = 0x80 // b8: proprietary class (ETSI: '8X', 'CX', 'EX')
	claFurther     = 0x40 // b7: further interindustry form
	claChaining    = 0x10 // b5: command chaining, in both forms
	claSMFirst     = 0x0C // b4-b3: secure messaging, first form
	claSMNoAuth    = 0x08 // b4-b3 = 10: SM without header authentication
	claSMFurther   = 0x20 // b6: SM (without header authentication), further form
)

// WithChannel returns cla recoded for logical channel ch (0-19): the
// proprietary bit b8 and the chaining bit b5 are kept in either form (so
// '80' becomes '81' or 'C1', and '90' becomes '91' or 'D1'), the channel
// bits are replaced, and secure messaging moves between b4-b3 of the first
// form and b6 of the further one. The further form has no way to say
// "proprietary SM" or "SM with header authentication": those become plain
// SM (b6 set) rather than vanishing, so a card without SM refuses the
// command (6882) instead of taking it unprotected. A channel outside 0-19
// gives 'FF', a class no card accepts (ISO/IEC 7816-3 reserves it for PPS).
func WithChannel(cla byte, ch int) byte {
	if ch < 0 || ch > 19 {
		return 0xFF
	}
	keep := cla & (claProprietary | claChaining)
	sm := false
	if cla&claFurther != 0 {
		sm = cla&claSMFurther != 0
	} else {
		sm = cla&claSMFirst != 0
	}
	if ch < 4 {
		switch {
		case cla&claFurther == 0:
			keep |= cla & claSMFirst
		case sm:
			keep |= claSMNoAuth
		}
		return keep | byte(ch)
	}
	if sm {
		keep |= claSMFurther
	}
	return keep | claFurther | byte(ch-4)
}
