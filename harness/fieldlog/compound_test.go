package fieldlog

import (
	"fmt"
	"slices"
	"testing"
)

// TestCompoundLine: the information lines of a command line that holds
// several commands (V.250 §5.2.1) answer them in order, each the one
// whose name it carries, and are no URCs (outside tester t79: sms_tool's
// AT+CSQ;+CPIN?;… had its +CPIN: and +CREG: read as URCs).
func TestCompoundLine(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		// want is, per modem line after the command, its role, the
		// command it answers and, past the first, its place on the line.
		want []string
	}{
		{"read after exec", "> AT+CSQ;+CPIN?\n< +CSQ: 11,99\n< +CPIN: READY\n< OK\n",
			[]string{"info AT+CSQ", "info AT+CPIN? (1)", "final AT+CSQ;+CPIN?"}},
		{"a registration read", "> AT+COPS?;+CEREG?\n< +COPS: 0,2,\"46000\",7\n< +CEREG: 0,1\n< OK\n",
			[]string{"info AT+COPS?", "info AT+CEREG? (1)", "final AT+COPS?;+CEREG?"}},
		{"the notification's shape stays a URC", "> AT+CSQ;+CEREG?\n< +CSQ: 11,99\n< +CEREG: 5\n< +CEREG: 0,5\n< OK\n",
			[]string{"info AT+CSQ", "urc", "info AT+CEREG? (1)", "final AT+CSQ;+CEREG?"}},
		{"a URC no command of the line names", "> AT+CSQ;+COPS?\n< +CSQ: 11,99\n< +CPIN: READY\n< +COPS: 0\n< OK\n",
			[]string{"info AT+CSQ", "urc", "info AT+COPS? (1)", "final AT+CSQ;+COPS?"}},
		{"sms_tool's line", "> AT+CSQ;+CPIN?;+COPS=3,0;+COPS?;+COPS=3,2;+COPS?;+CREG=2;+CREG?\n< +CSQ: 5,6\n< +CPIN: READY\n" +
			"< +COPS: 0,0,\"BITE_LV\",7\n< +COPS: 0,2,\"24705\",7\n< +CREG: 2,6,\"00D5\",\"0020EB35\",7\n< OK\n",
			[]string{"info AT+CSQ", "info AT+CPIN? (1)", "info AT+COPS? (3)", "info AT+COPS? (5)", "info AT+CREG? (7)",
				"final AT+CSQ;+CPIN?;+COPS=3,0;+COPS?;+COPS=3,2;+COPS?;+CREG=2;+CREG?"}},
		{"a line without a name", "> AT+CSQ;+CIMI\n< +CSQ: 5,6\n< 232100000000001\n< OK\n",
			[]string{"info AT+CSQ", "info AT+CIMI (1)", "final AT+CSQ;+CIMI"}},
		{"an error ends the line", "> AT+CSQ;+CPIN?;+COPS?\n< +CSQ: 5,6\n< +CME ERROR: 10\n",
			[]string{"info AT+CSQ", "final AT+CSQ;+CPIN?;+COPS?"}},
		{"one command keeps its line", "> AT+CPIN?\n< +CPIN: READY\n< OK\n",
			[]string{"info AT+CPIN?", "final AT+CPIN?"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("compound.log", []byte(tc.log), Plain)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				if e.Dir != Modem {
					continue
				}
				s := e.Role.String()
				if e.Cmd >= 0 {
					s += " " + tr.CommandOf(e)
				}
				if e.Sub > 0 {
					s += fmt.Sprintf(" (%d)", e.Sub) // which of the line's commands
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
