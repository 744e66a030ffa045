package at

import (
	"strings"

	"github.com/esimhil/esimhil/internal/codec/uphex"
)

// ITU-T V.250 §5.4.2.2 string constants: between the double quotes any
// byte may be written as '\' and two hex digits ("\0D" is CR), and the
// two that would otherwise end the string or start an escape must be:
// '"' as \22 and '\' as \5C. The modem writes a quoted name so (an
// operator called `Tele "2"` is "Tele \222\22"), and reads a host's so
// (under +CSCS="GSM", '@' is "\00" and 'é' "\05": codes a command line
// cannot carry as bytes); the host reads the modem's the same way.

// EscapeString is s as the inside of a V.250 string constant: each '"'
// and '\' as \22 and \5C, every other byte as it is (the TE character
// set's codes, +CSCS, are the caller's: cscs).
func EscapeString(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	return escape(s, false)
}

// EscapeCommandString is s as the inside of a string constant a host
// types on a command line: as EscapeString, and each byte a command
// line does not carry as itself (below 0x20, 0x7F and up: V.250 §5.4.2.2
// has a string constant's characters from 20h to 7Eh) as '\' and its two
// hex digits too, so GSM's '@' (0x00) is \00 and 'é' (0x05) \05.
func EscapeCommandString(s string) string { return escape(s, true) }

// escape writes '"', '\' and, with line, every byte outside 20h–7Eh as
// '\' and two hex digits.
func escape(s string, line bool) string {
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || line && (c < 0x20 || c >= 0x7F) {
			b.WriteByte('\\')
			b.WriteByte(uphex.Digits[c>>4])
			b.WriteByte(uphex.Digits[c&0xF])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// UnescapeString is EscapeString's and EscapeCommandString's inverse: each '\' and two hex digits
// (either case) is that byte. ok is false when a '\' is not followed by
// two hex digits, which no string constant holds; that '\' is then kept
// as it stands in out, for a reader that takes what a modem sends.
func UnescapeString(s string) (out string, ok bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	ok = true
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			if i+2 < len(s) {
				hi, lo := unhex(s[i+1]), unhex(s[i+2])
				if hi >= 0 && lo >= 0 {
					b = append(b, byte(hi<<4|lo))
					i += 2
					continue
				}
			}
			ok = false
		}
		b = append(b, s[i])
	}
	return string(b), ok
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
