package fieldlog

import (
	"strings"
	"testing"
)

// Who is the host in a jpnevulator dump, and what is a port.
func TestJpnevulatorSources(t *testing.T) {
	const (
		hostAT  = "2026-12-01 11:00:00.000001: /dev/pts/1\n41 54 0D\n"                              // AT\r
		modemOK = "2026-12-01 11:00:00.000002: modem\n41 54 0D 0D 0A 4F 4B 0D 0A\t AT...OK..\n"     // echo, OK
		modem2  = "2026-12-01 11:00:00.000003: /dev/ttyUSB5\n0D 0A 2B 43 53 51 3A 20 31 30 0D 0A\n" // +CSQ: 10 (a URC here)
	)
	for _, tc := range []struct {
		name, dump string
		want       []string // role, port, text
	}{
		{"host on the pty, modem aliased", hostAT + modemOK, []string{"command  AT", "echo  AT", "final  OK"}},
		{"only the modem's wire: its echo stands for the command", modemOK, []string{"command  AT", "echo  AT", "final  OK"}},
		{"two modems' wires, no host's: a port each", modemOK + modem2,
			[]string{"command modem AT", "echo modem AT", "final modem OK", "urc /dev/ttyUSB5 +CSQ: 10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.dump, Jpnevulator, func(e Entry) string {
				return strings.ToLower(e.Role.String()) + " " + e.Port + " " + e.Text
			}, tc.want)
		})
	}
}
