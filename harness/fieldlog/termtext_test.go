package fieldlog

import (
	"strings"
	"testing"
)

// A NUL outside a quoted string is dropped as a terminal's padding, and
// the transcript says so, where the first was (outside tester t229:
// AT+CGMM\0nul read AT+CGMMnul, nothing said); one inside a quoted
// string is the GSM alphabet's '@' and stays, unsaid.
func TestDroppedNULsSaid(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		cmd       string // the first entry's text
		note      string // "" none
	}{
		{"a NUL in a command", "> AT+CGMM\x00nul\n< EG25\n< OK\n", "AT+CGMMnul", "1 NUL byte taken out, the first at line 1, column 10"},
		{"two, on the second line", "> AT\n< O\x00K\x00\n", "AT", "2 NUL bytes taken out, the first at line 2, column 4"},
		{"a GSM '@' in a quoted name only", "> AT+COPS?\n< +COPS: 0,0,\"a\x00b\",7\n< OK\n", "AT+COPS?", ""},
		// The quoted one stays, and the stray after it is the one placed.
		{"a quoted '@', then padding", "> AT+COPS?\n< +COPS: 0,0,\"a\x00b\",7\x00\n< OK\n", "AT+COPS?", "1 NUL byte taken out, the first at line 2, column 21"},
		{"beside invisible characters", "> AT+C\u200bOPS?\n< OK\x00\n", "AT+COPS?", "1 invisible character taken out, the first at line 1, column 7: zero-width spaces, joiners and non-joiners, word joiners and byte order marks (U+200B, U+200C, U+200D, U+2060, U+FEFF) dropped, no-break spaces (U+00A0) read as spaces and dropped at a line's end; 1 NUL byte taken out, the first at line 2, column 5"},
		{"none", "> AT+CSQ\n< OK\n", "AT+CSQ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("nul.log", []byte(tc.log), Plain)
			if err != nil {
				t.Fatal(err)
			}
			if got := tr.Entries[0].Text; got != tc.cmd {
				t.Errorf("first entry %q, want %q", got, tc.cmd)
			}
			if tc.note == "" && tr.Invisible != "" || !strings.Contains(tr.Invisible, tc.note) {
				t.Errorf("note %q, want one saying %q", tr.Invisible, tc.note)
			}
		})
	}
}

// esimhil log shows what would act on a terminal rather than show —
// a RIGHT-TO-LEFT OVERRIDE, the line and paragraph separators, a C1
// control — as its escape, as esimhil run's verdict lines do: raw, U+202E
// showed the rest of the line reversed and U+2028 broke it.
func TestRenderShowsBidiAndSeparators(t *testing.T) {
	for _, tc := range []struct{ name, answer, want string }{
		{"right-to-left override", "\u202eEG25", `info     \u202eEG25  (to line 1)`},
		{"line and paragraph separators", "Quec\u2028tel\u2029x", `info     Quec\u2028tel\u2029x  (to line 1)`},
		{"a C1 next line", "Quec\u0085tel", `info     Quec\u0085tel  (to line 1)`},
		{"a control byte: Escape's form, as before", "Quec\x01tel", `info     Quec\x01tel  (to line 1)`},
		{"plain text", "Quectel \u00e9", "info     Quectel \u00e9  (to line 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("bidi.log", []byte("> AT+CGMI\n< \"x\"\n< OK\n"), Plain)
			if err != nil {
				t.Fatal(err)
			}
			tr.Entries[1].Text = tc.answer // past the reader, which refuses a C0 control
			var b strings.Builder
			if err := tr.Render(&b); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(b.String(), "\n")
			if len(lines) != 4 || !strings.HasSuffix(lines[1], tc.want) {
				t.Errorf("rendered %q, want line 2 ending %q", b.String(), tc.want)
			}
		})
	}
}
