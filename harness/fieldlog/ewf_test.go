package fieldlog

import (
	"strings"
	"testing"
)

// TestEWF: the EWF adapter trace's buffers are cut into lines as a
// sniffer's bytes are — a command written in pieces, an echo and its
// result in one read, C's escapes —, the application's prints are notes,
// and a trace line cut off is refused naming it.
func TestEWF(t *testing.T) {
	show := func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }
	for _, tc := range []struct {
		name, log string
		want      []string
		err       string
	}{
		{"echo and result in one read, the banner notes",
			"modem powered on\n[SEND][   3][AT\\r]\n[RECV][   9][AT\\r\\r\\nOK\\r\\n]\n[SEND][   5][ATE0\\r]\n[RECV][  11][ATE0\\r\\r\\nOK\\r\\n]\n",
			[]string{"note modem powered on", "command AT", "echo AT", "final OK", "command ATE0", "echo ATE0", "final OK"}, ""},
		{"a command written in three pieces, quotes escaped",
			"[SEND][  11][AT+COPS=0,]\n[SEND][   1][2]\n[SEND][   1][\\r]\n[RECV][   6][\\r\\nOK\\r\\n]\n" +
				"[SEND][  15][AT+CGDCONT=1,\\\"IP\\\"\\r]\n[RECV][  14][\\r\\n+CME ERROR: 3\\r\\n]\n",
			[]string{"command AT+COPS=0,2", "final OK", `command AT+CGDCONT=1,"IP"`, "final +CME ERROR: 3"}, ""},
		{"a hex escape and a read split inside a line",
			"[SEND][   9][AT+CPIN?\\x0d]\n[RECV][   8][\\r\\n+CPIN:]\n[RECV][  14][ READY\\r\\n\\r\\nOK\\r\\n]\n",
			[]string{"command AT+CPIN?", "info +CPIN: READY", "final OK"}, ""},
		{"a trace line cut off", "[SEND][   3][AT\\r]\n[RECV][   9][AT\\r\\r\\nOK\n", nil, "test.log:2: an EWF trace line cut off"},
		{"a stray backslash", "[SEND][   3][AT\\q]\n", nil, "test.log:1: an EWF trace line whose bytes are no C string"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDetected(t, EWF, tc.log, show, tc.want, tc.err) })
	}
}
