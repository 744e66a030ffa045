package cscs

import "fmt"

// esc is the GSM 7 bit default alphabet's escape to its extension table
// (TS 23.038 §6.2.1.1).
const esc = 0x1B

// gsmBasic is the GSM 7 bit default alphabet (TS 23.038 §6.2.1), by code;
// 0x1B is the escape, never a character of its own.
var gsmBasic = [128]rune{
	'@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
	'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', esc, 'Æ', 'æ', 'ß', 'É',
	' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
	'¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
	'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
	'¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
}

// gsmExt is the default alphabet extension table (TS 23.038 §6.2.1.1):
// the code after an escape and its character.
var gsmExt = map[byte]rune{
	0x0A: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2F: '\\',
	0x3C: '[', 0x3D: '~', 0x3E: ']', 0x40: '|', 0x65: '€',
}

// toGSM is the code of each character: one byte from the default
// alphabet, or the escape and one from its extension table.
var toGSM = func() map[rune][]byte {
	m := make(map[rune][]byte, len(gsmBasic)+len(gsmExt))
	for c, r := range gsmBasic {
		if c != esc {
			m[r] = []byte{byte(c)}
		}
	}
	for c, r := range gsmExt {
		m[r] = []byte{esc, c}
	}
	return m
}()

// EncodeGSM is text in the GSM 7 bit default alphabet, a byte a septet.
// A character neither table holds is '?', and so are the line controls
// (LF, CR, form feed): a string parameter cannot carry a line's end.
func EncodeGSM(text string) []byte {
	b := make([]byte, 0, len(text))
	for _, r := range text {
		code, ok := toGSM[r]
		if !ok || r == '\n' || r == '\r' || r == '\f' {
			code = []byte{substitute}
		}
		b = append(b, code...)
	}
	return b
}

// DecodeGSM is EncodeGSM's inverse. A byte with bit 8 set is none of
// the alphabet's (27.007 §5.5 has it zero), and an escape with nothing
// after it ends the string in the middle of a character: both errors.
// An escape to a code the extension table does not define reads as that
// code's character in the default alphabet, as TS 23.038 §6.2.1.1 has a
// receiver display it (the escape to a second extension table, 1B 1B, as
// a space).
func DecodeGSM(b []byte) (string, error) {
	r := make([]rune, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 0x80 {
			return "", fmt.Errorf("%q is no GSM string: byte 0x%02X at %d is outside the 7 bit alphabet", b, c, i)
		}
		if c != esc {
			r = append(r, gsmBasic[c])
			continue
		}
		if i+1 == len(b) {
			return "", fmt.Errorf("%q is no GSM string: it ends in an escape (0x1B) with no character after it", b)
		}
		i++
		next := b[i]
		switch ext, ok := gsmExt[next]; {
		case ok:
			r = append(r, ext)
		case next == esc:
			r = append(r, ' ')
		case next >= 0x80:
			return "", fmt.Errorf("%q is no GSM string: byte 0x%02X at %d is outside the 7 bit alphabet", b, next, i)
		default:
			r = append(r, gsmBasic[next])
		}
	}
	return string(r), nil
}
