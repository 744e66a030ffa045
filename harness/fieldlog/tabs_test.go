package fieldlog

import "testing"

// TestTabSeparators: a tab between a transcript's stamp, direction marker
// and text is a blank as a space is (outside tester sw115: "12:00:01.100
// <TAB>><TAB>AT+CSQ" read as the command "\tAT+CSQ", left unanswered).
func TestTabSeparators(t *testing.T) {
	want := []string{"command AT+CSQ", "info +CSQ: 20,99", "final OK"}
	show := func(e Entry) string { return e.Role.String() + " " + e.Text }
	for _, tc := range []struct{ name, log string }{
		{"stamped", "12:00:01.100\t>\tAT+CSQ\n12:00:01.120\t<\t+CSQ: 20,99\n12:00:01.121\t<\tOK\n"},
		{"no stamps", ">\tAT+CSQ\n<\t+CSQ: 20,99\n<\tOK\n"},
		{"bracketed stamps", "[12:00:01.100]\t>\tAT+CSQ\n[12:00:01.120]\t<\t+CSQ: 20,99\n[12:00:01.121]\t<\tOK\n"},
		{"arrows", "-->\tAT+CSQ\n<--\t+CSQ: 20,99\n<--\tOK\n"},
		{"TX/RX", "TX:\tAT+CSQ\nRX:\t+CSQ: 20,99\nRX:\tOK\n"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkEntries(t, tc.log, "", show, want) })
	}
	// Only one blank goes: the text's own are the modem's.
	checkEntries(t, ">\tAT+CSQ\n<\t\t+CSQ: 20,99\n<\tOK\n", "", show, []string{"command AT+CSQ", "info \t+CSQ: 20,99", "final OK"})
}
