package fieldlog

import (
	"strings"
	"testing"
)

// TestQuoteWarning: a command typed with typographic quotes (T-SIM7600X
// issue 77's AT+CPIN=”1234”,”1234”, pasted from a chat) is read as it
// is, and said beside its line: V.250's string constants take " alone.
func TestQuoteWarning(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`AT+CPIN="1234"`, ""},
		{`AT+CPIN=”1234”`, `the modem saw U+201D, not "`},
		{`AT+COPS=1,2,“20801”`, `the modem saw U+201C and U+201D, not "`},
		{`AT+CGDCONT=1,‘IP’,’apn’`, `the modem saw U+2018 and U+2019, not "`},
		{`AT+CSCS=«IRA»`, `the modem saw U+00AB and U+00BB, not "`},
		{`AT+CMGS='1234'`, ""},                         // ASCII: no paste's doing
		{`AT+CPBW=1,"+33123456789",145,"O’Brien"`, ""}, // inside a string constant: its text
		{`AT+CPBW=1,"+33123456789",145,”O’Brien”`, `the modem saw U+201D and U+2019, not "`},
		{"AT+CPIN?", ""},
	} {
		got := QuoteWarning(tc.text)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("QuoteWarning(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	tr, err := Read("typed.log", []byte("AT+CPIN=”1234”\r\n\r\nERROR\r\n"), Terminal)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Entries[0].Text != "AT+CPIN=”1234”" || tr.Entries[1].Text != "AT+CPIN=”1234”" {
		t.Errorf("not read as it is: %q, %q", tr.Entries[0].Text, tr.Entries[1].Text)
	}
	var b strings.Builder
	if err := tr.Render(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[0], "command  AT+CPIN=”1234”  (typographic quotes: the modem saw U+201D") || strings.Contains(lines[1], "typographic") {
		t.Errorf("render: the command, not its echo, gets the warning:\n%s", b.String())
	}
}
