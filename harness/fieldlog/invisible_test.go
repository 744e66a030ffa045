package fieldlog

import (
	"slices"
	"strings"
	"testing"
)

// TestInvisibleCharacters: a log pasted from a web page carries characters
// a screen does not show — zero-width spaces and joiners, word joiners, a
// byte order mark inside the text, no-break spaces. They are taken out (a
// no-break space is a space, and none is kept at a line's end), so the
// lines read as they look, and the transcript says how many there were and
// where the first is (outside tester sw115: AT+C\u200bOPS? was an unknown
// command and +CEREG: 0,1\u200b no registration).
func TestInvisibleCharacters(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []string
		note      string // "" none
	}{
		{"zero-width space in a command", "> AT+C\u200bOPS?\n< +COPS: 0,2,\"26202\",7\n< OK\n",
			[]string{"command AT+COPS?", `info +COPS: 0,2,"26202",7`, "final OK"}, "1 invisible character taken out, the first at line 1, column 7"},
		{"zero-width space after a registration", "> AT+CEREG?\n< +CEREG: 0,1\u200b\n< OK\n",
			[]string{"command AT+CEREG?", "info +CEREG: 0,1", "final OK"}, "1 invisible character taken out, the first at line 2, column 14"},
		{"joiners, word joiner, BOM", "> AT\u200c+CSQ\n< +CSQ: \u200d20,99\u2060\n< \ufeffOK\n",
			[]string{"command AT+CSQ", "info +CSQ: 20,99", "final OK"}, "4 invisible characters taken out, the first at line 1, column 5"},
		{"no-break spaces", "> AT+CSQ\n< +CSQ:\u00a020,99\n< OK\u00a0\n",
			[]string{"command AT+CSQ", "info +CSQ: 20,99", "final OK"}, "2 invisible characters taken out, the first at line 2, column 8"},
		{"no-break space at a line's end", "> AT+COPS?\n< +COPS: 0,2,\"26202\",7\u00a0\n< OK\n",
			[]string{"command AT+COPS?", `info +COPS: 0,2,"26202",7`, "final OK"}, "line 2, column 23"},
		{"CR LF, the last line without one", "> AT+CSQ\r\n< +CSQ: 20,99\u00a0\r\n< OK\u00a0 ",
			[]string{"command AT+CSQ", "info +CSQ: 20,99", "final OK"}, "2 invisible characters taken out, the first at line 2, column 14"},
		{"none", "> AT+CSQ\n< +CSQ: 20,99\n< OK\n", []string{"command AT+CSQ", "info +CSQ: 20,99", "final OK"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("paste.log", []byte(tc.log), "")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				got = append(got, e.Role.String()+" "+e.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("entries %q, want %q", got, tc.want)
			}
			if tc.note == "" && tr.Invisible != "" || !strings.Contains(tr.Invisible, tc.note) {
				t.Errorf("note %q, want one saying %q", tr.Invisible, tc.note)
			}
		})
	}
}
