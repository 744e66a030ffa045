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
		// An answer of several lines without a name stays on its command
		// until a line only the next can have given (outside tester t83:
		// ATI's later lines, and +CMGL's PDU, went to +CIMI).
		{"ATI's lines, then the IMSI", "> ATI;+CIMI\n< Quectel\n< EG25\n< Revision: EG25GGBR07A08M2G\n< 232100000000001\n< OK\n",
			[]string{"info ATI", "info ATI", "info ATI", "info AT+CIMI (1)", "final ATI;+CIMI"}},
		{"the IMEI, then the IMSI", "> AT+CGSN;+CIMI\n< 866758040000001\n< 232100000000001\n< OK\n",
			[]string{"info AT+CGSN", "info AT+CIMI (1)", "final AT+CGSN;+CIMI"}},
		{"a redacted IMSI after ATI", "> ATI;+CIMI\n< Quectel\n< EG25\n< 23210xxxxxxxxxx\n< OK\n",
			[]string{"info ATI", "info ATI", "info AT+CIMI (1)", "final ATI;+CIMI"}},
		{"+CMGL's PDU, then the IMSI", "> AT+CMGL=4;+CIMI\n< +CMGL: 1,1,,24\n< 07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07\n< 232100000000001\n< OK\n",
			[]string{"info AT+CMGL=4", "info AT+CMGL=4", "info AT+CIMI (1)", "final AT+CMGL=4;+CIMI"}},
		{"+CMGL's PDUs, then the IMSI", "> AT+CMGL=4;+CIMI\n< +CMGL: 1,1,,24\n< 0791\n< +CMGL: 2,1,,24\n< 0792\n< 232100000000001\n< OK\n",
			[]string{"info AT+CMGL=4", "info AT+CMGL=4", "info AT+CMGL=4", "info AT+CMGL=4", "info AT+CIMI (1)", "final AT+CMGL=4;+CIMI"}},
		{"a text message's words, then the IMSI", "> AT+CMGL=\"ALL\";+CIMI\n< +CMGL: 1,\"REC READ\",\"+4915112345\",,\"26/12/06,10:00:00+04\"\n< 262011234567890\n< Hello\n< 232100000000001\n< OK\n",
			[]string{"info AT+CMGL=\"ALL\"", "info AT+CMGL=\"ALL\"", "info AT+CMGL=\"ALL\"", "info AT+CIMI (1) or 0", "final AT+CMGL=\"ALL\";+CIMI"}},
		// Where either may have given a line, the log cannot tell.
		{"ATI's lines, then +CGMM's", "> ATI;+CGMM\n< Quectel\n< EG25\n< EG25\n< OK\n",
			[]string{"info ATI", "info ATI or 1", "info ATI or 1", "final ATI;+CGMM"}},
		{"+CSQ, then a line without a name", "> AT+CSQ;+CGMM\n< +CSQ: 20,99\n< EG25\n< OK\n",
			[]string{"info AT+CSQ", "info AT+CGMM (1)", "final AT+CSQ;+CGMM"}},
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
				if e.Unsure {
					s += fmt.Sprintf(" or %d", e.Or) // the other it may answer
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
