package fieldlog

import (
	"strings"
	"testing"
)

// TestLuatFirmwareChannel: LuatTools shows the firmware's own AT channel
// untagged among the ril's lines (an Air720UG's AT+CGSN, its IMEI and OK
// between two of the ril's AT+CSQ, LuatOS issue 1 of Luat_4G_RDA_8910):
// one capture, whose untagged lines are notes, as the README says of
// another port's output. A terminal session after the trace, with no ril
// line after it, is still a second log.
func TestLuatFirmwareChannel(t *testing.T) {
	show := func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }
	trace := "[2020-06-24 23:19:17.184] [I]-[ril.sendat] AT+CSQ\n" +
		"[2020-06-24 23:19:17.192] AT+CGSN\n" +
		"[2020-06-24 23:19:17.202] 866714043053668\n" +
		"[2020-06-24 23:19:17.213] OK\n" +
		"[2020-06-24 23:19:17.222] [I]-[ril.proatc] +CSQ: 31,0\n" +
		"[2020-06-24 23:19:17.236] [I]-[ril.proatc] OK\n"
	checkEntries(t, trace, "", show, []string{"command AT+CSQ", "note AT+CGSN", "note 866714043053668", "note OK", "info +CSQ: 31,0", "final OK"})

	for _, tc := range []struct{ name, log, want string }{
		{"a session pasted after the trace",
			trace + "AT+CPIN?\n+CPIN: READY\nOK\n",
			"bad.log:7: a line of terminal's, in a log read as luat (its lines from line 1): a file of two logs is not read as one"},
		{"a stamped session pasted after the trace",
			trace + "[2020-06-24 23:20:00.000] AT+CPIN?\n[2020-06-24 23:20:00.010] +CPIN: READY\n[2020-06-24 23:20:00.011] OK\n",
			"bad.log:7: a line of terminal's, in a log read as luat (its lines from line 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("bad.log", []byte(tc.log), "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
