package fieldlog

import (
	"slices"
	"testing"
)

// TestOpenAnswer: a log that begins inside an answer (journalctl --since
// cut its command off) has that answer as notes, its lines said, instead
// of a URC and a final result nobody asked for; a log that begins with a
// command or with URCs (a boot) keeps its lines as they are.
func TestOpenAnswer(t *testing.T) {
	mm := func(line string) string {
		return "Mar 02 23:59:59 gw ModemManager[812]: <dbg> [1772495999.300000] [modem0/ttyUSB2/at] " + line + "\n"
	}
	for _, tc := range []struct {
		name, log string
		format    Format
		open      [2]int
		roles     []Role
	}{
		{"mm, the answer's last line", mm(`<-- '<CR><LF>Quectel<CR><LF><CR><LF>OK<CR><LF>'`) + mm(`--> 'AT+CPIN?<CR>'`) + mm(`<-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'`),
			MM, [2]int{1, 1}, []Role{Note, Note, Command, Info, Final}},
		{"plain, over lines", "< EG25\n< Revision: EG25GGBR07A08M2G\n< OK\n> AT\n< OK\n",
			Plain, [2]int{1, 3}, []Role{Note, Note, Note, Command, Final}},
		{"plain, a command first", "> AT\n< OK\n< OK\n",
			Plain, [2]int{}, []Role{Command, Final, Final}},
		{"terminal, a boot first", "RDY\r\n+CPIN: READY\r\nAT\r\r\nOK\r\n",
			Terminal, [2]int{}, []Role{URC, URC, Command, Echo, Final}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("x.log", []byte(tc.log), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			var roles []Role
			for _, e := range tr.Entries {
				roles = append(roles, e.Role)
			}
			if tr.OpenAnswer != tc.open || !slices.Equal(roles, tc.roles) {
				t.Errorf("open answer %v, roles %v; want %v, %v", tr.OpenAnswer, roles, tc.open, tc.roles)
			}
		})
	}
}
