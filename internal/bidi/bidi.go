// Package bidi shows the Unicode bidirectional formatting characters in
// text that pages display as their escapes instead of obeying them. A
// scenario, a log or a hostile peer may put one in a name: a
// RIGHT-TO-LEFT OVERRIDE (U+202E) reverses everything after it up to the
// end of its paragraph — "want [orange-fr]" reads "[rf-egnaro] tnaw" —,
// which no escaping for HTML prevents. Evidence must read as it was: the
// C0 controls a page would show as nothing (a NUL, a BEL, the ESC before
// a host's AT command) are shown as their escapes too.
package bidi

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// control reports whether r is one of UAX #9's explicit formatting
// characters or marks: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI,
// FSI, PDI.
func control(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F':
		return true
	case r >= '\u202A' && r <= '\u202E':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// maybeControl reports whether b, at a lead byte, may start one: the
// second byte decides for all but ALM (U+061C is D8 9C; the others are E2
// 80 8E-8F, E2 80 AA-AE and E2 81 A6-A9), so the page's many "→" and
// "…" are passed over without decoding them.
func maybeControl(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	if b[0] == 0xD8 {
		return b[1] == 0x9C
	}
	return b[1] == 0x80 || b[1] == 0x81
}

// Show returns b with each formatting character written as the text
// `\u202e` (its escape as Go's %q gives it, as the timeline's rows show
// event values): for HTML text, or, with inJSON, inside JSON strings,
// where the backslash itself is escaped so that the string decodes to
// the six visible characters. So is each C0 control but TAB, LF and CR
// (white space on a page, which the pages' multi-line details hold):
// `\u001b` for an ESC, raw in HTML text and a JSON escape in JSON. b is
// returned as is when it has none. One pass finds both: in JSON it
// searches (IndexByte) for the formatting characters' lead bytes (D8 for
// ALM, E2 for the others) and for backslashes, so a page's other text
// ("…", "→") costs byte searches; in HTML text, where the controls are
// raw bytes, it looks each byte up in a table.
func Show(b []byte, inJSON bool) []byte {
	var out []byte
	last := 0
	nextB, nextE, nextD := -1, -1, -1 // in JSON: the next \, E2 and D8 at or after i, len(b) when none
	for i := 0; i < len(b); {
		if inJSON {
			if nextB < i {
				nextB = next(b, i, '\\')
			}
			if nextE < i {
				nextE = next(b, i, 0xE2)
			}
			if nextD < i {
				nextD = next(b, i, 0xD8)
			}
			i = min(nextB, nextE, nextD)
		} else {
			for i < len(b) && !htmlLook[b[i]] {
				i++
			}
		}
		if i >= len(b) {
			break
		}
		r, n, shown := lookAt(b[i:])
		if !shown {
			i += n
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+16)
		}
		out = append(out, b[last:i]...)
		if inJSON {
			out = append(out, '\\')
		}
		out = fmt.Appendf(out, `\u%04x`, r)
		i += n
		last = i
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// shownControl reports a C0 control Show writes as its escape.
func shownControl(c byte) bool { return c < 0x20 && c != '\t' && c != '\n' && c != '\r' }

// htmlLook marks the bytes of HTML text Show looks at: the C0 controls it
// shows and the formatting characters' lead bytes.
var htmlLook = func() (t [256]bool) {
	for c := range byte(0x20) {
		t[c] = shownControl(c)
	}
	t[0xD8], t[0xE2] = true, true
	return t
}()

// lookAt reads what starts b, at a byte Show looks at: with shown, the
// character to write as its escape and how many bytes it takes; without,
// how many bytes to pass. A backslash is JSON's (HTML text's are not
// looked at): there the C0 controls are escapes — `\u001b`, or `\b` and
// `\f` as encoding/json writes those two —, and inside a string every
// backslash starts an escape, outside one there is none, so an escaped
// backslash followed by "u001b" (text a log held) is left as it is. A
// byte below 0x20 is HTML text's raw control (JSON's are never raw).
func lookAt(b []byte) (r rune, n int, shown bool) {
	switch c := b[0]; {
	case c == '\\':
		if len(b) < 2 {
			return 0, 1, false
		}
		if c, n := jsonControl(b); n > 0 {
			return rune(c), n, true
		}
		if b[1] == '\\' {
			return 0, 2, false // an escaped backslash: the second starts no escape
		}
		return 0, 1, false
	case c < 0x20:
		return rune(c), 1, true
	case !maybeControl(b):
		return 0, 1, false
	}
	r, n = utf8.DecodeRune(b)
	return r, n, control(r)
}

// jsonControl reads the JSON escape at the start of b: the C0 control
// Show writes as its escape, and the escape's length, 0 for any other.
func jsonControl(b []byte) (c byte, n int) {
	switch b[1] {
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'u':
		// \u0000 to \u001f: encoders write hex digits in either case.
		if len(b) < 6 || b[2] != '0' || b[3] != '0' || b[4] != '0' && b[4] != '1' {
			return 0, 0
		}
		lo := strings.IndexByte("0123456789abcdef", b[5]|0x20)
		if lo < 0 || b[5] < '0' {
			return 0, 0
		}
		if c = (b[4]-'0')<<4 | byte(lo); shownControl(c) {
			return c, 6
		}
	}
	return 0, 0
}

// next is the index of the first c in b at or after i, len(b) if none.
func next(b []byte, i int, c byte) int {
	if j := bytes.IndexByte(b[i:], c); j >= 0 {
		return i + j
	}
	return len(b)
}

// Term returns s with each character that would act on a terminal
// rather than show written as its escape, `\u202e`, for a line printed on
// a terminal: format characters (Unicode category Cf: the bidi controls —
// a RIGHT-TO-LEFT OVERRIDE in an operator id would show the rest of the
// verdict's line reversed —, zero-width joiners and spaces that hide
// what makes two ids differ, a BOM, tag characters), every C0 and C1
// control but the line feed (an ESC sequence recolours or clears the
// screen, a CR or backspace overwrites the start of the FAIL line, C1's
// NEL breaks it; a TAB too: a one-line verdict needs none), DEL, and the
// line and paragraph separators U+2028 and U+2029. A line feed stays:
// the callers print whole lines, and one only starts another.
func Term(s string) string {
	i := strings.IndexFunc(s, termEscaped)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case !termEscaped(r):
			b.WriteRune(r)
		case r > 0xFFFF:
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// termEscaped reports a character Term writes as its escape.
func termEscaped(r rune) bool {
	return r != '\n' && (isFormat(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029')
}

func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }
