// Package jsonappend appends JSON strings and numbers byte for byte as
// encoding/json writes them, without reflection, for the writers whose
// output is held to json.Marshal: the event log's lines and the timeline
// page's data, where json.Marshal by reflection was a tenth of a
// download scenario's CPU.
package jsonappend

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// Float appends f as encoding/json writes a float64; NaN and the
// infinities, which JSON has no number for, are an error.
func Float(b []byte, f float64) ([]byte, error) {
	if a := math.Abs(f); a == 0 || a >= 1e-6 && a < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64), nil
	}
	// Exponent form, NaN and infinities: rare enough to ask the library.
	j, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// safe holds the ASCII bytes String copies as they are.
var safe = func() (safe [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()

// String appends s quoted as encoding/json quotes it with HTML escaping:
// <, > and & as \u003c, \u003e, \u0026 (JSON in a page's script element
// cannot close it), U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
// FuzzString holds it to json.Marshal.
func String(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
