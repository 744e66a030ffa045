// Package cscs holds the TE character sets of +CSCS (TS 27.007 §5.5) that
// the modem and the host share: how a string parameter's text (an
// operator's name in +COPS, §7.3) goes on the AT interface under each,
// and back. The emulated modem encodes with it and reads the host's
// strings with it; the harness reads a modem's (or a field log's) answers
// with it, so the two sides cannot disagree on a table.
//
//   - "IRA" is ITU-T T.50 (ASCII): seven bits a character. A character it
//     has no code for cannot be sent as itself; 27.007 leaves the
//     conversion to the manufacturer, and the modem writes '?' in its
//     place (as ModemManager's transliteration does the other way), one
//     byte that reads the same in IRA and GSM and keeps the name's length.
//   - "GSM" is the GSM 7 bit default alphabet of TS 23.038 §6.2.1, one
//     byte a septet with bit 8 zero (27.007 §5.5: "the highest bit shall
//     be set to zero"; no SMS packing), so '@' is 0x00, 'é' 0x05, 'ü'
//     0x7E, 'Δ' 0x10, '$' 0x02 and '_' 0x11 (27.007 warns that the set
//     "causes easily software flow control (XON/XOFF) problems": 0x11 and
//     0x13 are DC1 and DC3 on the wire). The extension table's characters
//     (€ [ ] { } \ ^ ~ | and form feed) go as ESC 0x1B and their code;
//     a character neither table holds is '?' (0x3F), as under IRA.
//     A code an ASCII terminal mishandles (00, 08, 22, 5C) may go as a
//     V.250 string constant's "\hh" escape (§5.4.2.2, as
//     Siemens/Cinterion manuals show): that layer is the at package's
//     (at.EscapeString), over these codes, not this one's.
//   - "UCS2" is the hex of the text's UTF-16 units, four digits each
//     (27.007 §5.5's "004100620063"), a character beyond the BMP as its
//     surrogate pair, as ModemManager reads it back.
package cscs

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The character sets 27.007 §5.5 names that this package codes.
const (
	IRA  = "IRA"
	GSM  = "GSM"
	UCS2 = "UCS2"
)

// Sets are the character sets Encode and Decode take, in the order a
// +CSCS=? lists them.
var Sets = []string{IRA, GSM, UCS2}

// ErrUnknownSet is a character set this package does not code (27.007
// lets manufacturers add their own: "8859-1", "PCCP437", "HEX").
var ErrUnknownSet = errors.New("a character set not coded here")

// substitute stands for a character the set cannot hold: '?' is 0x3F in
// both IRA and GSM.
const substitute = '?'

// Known says cs names a set this package codes (case does not matter:
// +CSCS="gsm" is "GSM").
func Known(cs string) bool { return slices.Contains(Sets, strings.ToUpper(cs)) }

// Encode is text as a string parameter in character set cs; a character
// cs cannot hold is '?'. An unknown cs leaves text as it is.
func Encode(cs, text string) string {
	switch strings.ToUpper(cs) {
	case IRA:
		return encodeIRA(text)
	case GSM:
		return string(EncodeGSM(text))
	case UCS2:
		return EncodeUCS2(text)
	}
	return text
}

// Decode is s, a string parameter in character set cs, as text:
// Encode's inverse. What is no string in cs is an error.
func Decode(cs, s string) (string, error) {
	switch strings.ToUpper(cs) {
	case IRA:
		return decodeIRA(s)
	case GSM:
		return DecodeGSM([]byte(s))
	case UCS2:
		return DecodeUCS2(s)
	}
	return "", fmt.Errorf("+CSCS %q: %w", cs, ErrUnknownSet)
}

func encodeIRA(text string) string {
	b := make([]byte, 0, len(text))
	for _, r := range text {
		if r < 0x20 || r > 0x7E {
			r = substitute
		}
		b = append(b, byte(r))
	}
	return string(b)
}

// decodeIRA refuses a byte with bit 8 set: T.50 has seven bits, and
// 27.007 §5.5 has the eighth zero on an 8-bit interface.
func decodeIRA(s string) (string, error) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return "", fmt.Errorf("%q is no IRA string: byte 0x%02X at %d is outside T.50's seven bits", s, s[i], i)
		}
	}
	return s, nil
}

// EncodeUCS2 is text as the hex of its UTF-16 units, four upper-case
// digits each.
func EncodeUCS2(text string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(text)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	return b.String()
}

// DecodeUCS2 is EncodeUCS2's inverse: four hex digits a UTF-16 unit;
// anything else (an odd length, a digit that is no hex, a surrogate
// without its pair) is no UCS2 string.
func DecodeUCS2(s string) (string, error) {
	if len(s)%4 != 0 {
		return "", fmt.Errorf("%q is no UCS2 string: %d hex digits, not four a character", s, len(s))
	}
	units := make([]uint16, 0, len(s)/4)
	for i := 0; i < len(s); i += 4 {
		u, err := strconv.ParseUint(s[i:i+4], 16, 16)
		if err != nil {
			return "", fmt.Errorf("%q is no UCS2 string: %q is not hex", s, s[i:i+4])
		}
		units = append(units, uint16(u))
	}
	text := string(utf16.Decode(units))
	if !slices.Equal(utf16.Encode([]rune(text)), units) {
		// Decode made U+FFFD of a lone surrogate.
		return "", fmt.Errorf("%q is no UCS2 string: a surrogate without its pair", s)
	}
	return text, nil
}
