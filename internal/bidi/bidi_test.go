package bidi

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestShow(t *testing.T) {
	for _, tc := range []struct{ in, html, jsonText string }{
		{"plain, é and 中文", "plain, é and 中文", "plain, é and 中文"},
		{"sfr\u202e], want [orange-fr]", `sfr\u202e], want [orange-fr]`, `sfr\u202e], want [orange-fr]`},
		{"\u2066a\u2069\u200f\u061c", `\u2066a\u2069\u200f\u061c`, `\u2066a\u2069\u200f\u061c`},
		{"… → …\u202e·", `… → …\u202e·`, `… → …\u202e·`},
		{"שלום", "שלום", "שלום"},             // right-to-left letters are text, not controls
		{"\xe2\x80", "\xe2\x80", "\xe2\x80"}, // a cut rune is left to the writer
		// C0 controls a page shows as nothing: a host's ESC before its
		// command, a BEL, a NUL; TAB, LF and CR are white space and stay.
		{"\x1bAT+CMGF=0", `\u001bAT+CMGF=0`, `\u001bAT+CMGF=0`},
		{"a\x00b\x07c\x08d\x0ce\x1f", `a\u0000b\u0007c\u0008d\u000ce\u001f`, `a\u0000b\u0007c\u0008d\u000ce\u001f`},
		{"line\tone\r\nline two\n", "line\tone\r\nline two\n", "line\tone\r\nline two\n"},
		{"\x1b\u202e", `\u001b\u202e`, `\u001b\u202e`},
		{`text \u001b and \\`, `text \u001b and \\`, `text \u001b and \\`}, // an escape's text is text
		{"\x7f", "\x7f", "\x7f"}, // DEL is no C0 control
	} {
		if got := string(Show([]byte(tc.in), false)); got != tc.html {
			t.Errorf("Show(%q) = %q, want %q", tc.in, got, tc.html)
		}
		if !utf8.ValidString(tc.in) {
			continue
		}
		// Inside a JSON string it decodes to the visible escape.
		js, err := json.Marshal(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		enc := Show(js, true)
		var s string
		if err := json.Unmarshal(enc, &s); err != nil {
			t.Errorf("%s: %v", enc, err)
		} else if s != tc.jsonText {
			t.Errorf("JSON %s decodes to %q, want %q", enc, s, tc.jsonText)
		}
	}
}

// In JSON, a control is an escape, whichever case its hex digits are in;
// an escaped backslash before "u001b" is text, one before a control's
// escape is text beside it.
func TestShowJSONEscapes(t *testing.T) {
	for _, tc := range []struct{ json, text string }{
		{`"\u001B\u001b"`, `\u001b\u001b`},
		{`"\\u001b"`, `\u001b`},
		{`"\\\u001b"`, `\\u001b`},
		{`"\b\f\n\t\r\u000a\u0020"`, "\\u0008\\u000c\n\t\r\n "},
		{`"\u00`, `"\u00`}, // cut: left to the reader
	} {
		got := Show([]byte(tc.json), true)
		var s string
		if err := json.Unmarshal(got, &s); err != nil {
			if string(got) != tc.text {
				t.Errorf("%s: %s, want it as it was", tc.json, got)
			}
			continue
		}
		if s != tc.text {
			t.Errorf("%s shown as %s decodes to %q, want %q", tc.json, got, s, tc.text)
		}
	}
}

// BenchmarkShow: a page of 10 MB with an arrow every 40 bytes or so and
// no control (the common case), the cost every page pays: the timeline's
// data (JSON) and index.html's rows (HTML text).
func BenchmarkShow(b *testing.B) {
	for _, bc := range []struct {
		name   string
		row    string
		inJSON bool
	}{
		{"json", `{"t":1.5,"f":2,"o":3,"k":"http","l":"card → platform · POST"},`, true},
		{"html", `<tr class="pass"><td><a href="specs/a/timeline.html">roams → sfr</a></td><td>1.5s</td></tr>` + "\n", false},
	} {
		var data []byte
		for len(data) < 10<<20 {
			data = append(data, bc.row...)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				Show(data, bc.inJSON)
			}
		})
	}
}

// A terminal line shows every format character as its escape (outside
// tester sw127 F14: a U+202E in an operator id reversed the rest of the
// FAIL line); other text, and a meter's ESC sequences, pass.
func TestTerm(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"final: got sfr", "final: got sfr"},
		{"op \u202egro on 20810", `op \u202egro on 20810`},
		{"\u2066a\u2069 \u200eb\u200f \u061c", `\u2066a\u2069 \u200eb\u200f \u061c`},
		{"orange\u200bfr \ufeff", `orange\u200bfr \ufeff`},
		{"tag \U000E0041", `tag \U000e0041`},
		{"é → … 日本\n", "é → … 日本\n"},
		// What a terminal obeys: ESC sequences, CR, backspace, TAB, DEL,
		// C1 (NEL, CSI), the line and paragraph separators (outside tester
		// sw130 N8); the line feed ending the line stays.
		{"sfr\x1b[31mRED\x1b[0m\rX\n", `sfr\u001b[31mRED\u001b[0m\u000dX` + "\n"},
		{"a\bb\tc\x7fd\x00e", `a\u0008b\u0009c\u007fd\u0000e`},
		{"X\u2028Y\u2029Z\u0085W\u009b2J", `X\u2028Y\u2029Z\u0085W\u009b2J`},
	} {
		if got := Term(tc.in); got != tc.want {
			t.Errorf("Term(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
