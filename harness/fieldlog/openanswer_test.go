package fieldlog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestOpenAnswer: a log that begins inside an answer (journalctl --since
// cut its command off) has that answer as notes, its lines said, instead
// of a URC and a final result nobody asked for; a log that begins with a
// command or with URCs (a boot) keeps its lines as they are. Only the
// answer's own lines are marked, and nothing past the log's first
// command: in a log of two ports, a final result nobody asked for after
// the other port's first command is a stray one, not the start's.
func TestOpenAnswer(t *testing.T) {
	mm := func(port, line string) string {
		return "Mar 02 23:59:59 gw ModemManager[812]: <dbg> [1772495999.300000] [modem0/" + port + "/at] " + line + "\n"
	}
	const note = "Mar 02 23:59:59 gw ModemManager[812]: <inf> [1772495999.300000] [modem0] signal quality updated (57)\n"
	for _, tc := range []struct {
		name, log string
		format    Format
		open      []int // the lines skipped, each rendered with the label
		roles     []Role
	}{
		{"mm, the answer's last line", mm("ttyUSB2", `<-- '<CR><LF>Quectel<CR><LF><CR><LF>OK<CR><LF>'`) + mm("ttyUSB2", `--> 'AT+CPIN?<CR>'`) + mm("ttyUSB2", `<-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'`),
			MM, []int{1}, []Role{Note, Note, Command, Info, Final}},
		{"plain, over lines", "< EG25\n< Revision: EG25GGBR07A08M2G\n< OK\n> AT\n< OK\n",
			Plain, []int{1, 2, 3}, []Role{Note, Note, Note, Command, Final}},
		{"plain, a command first", "> AT\n< OK\n< +CREG: 1\n",
			Plain, nil, []Role{Command, Final, URC}},
		{"terminal, over lines", "+COPS: 0,0,\"Orange F\",7\r\n\r\nOK\r\nAT+CIMI\r\n208150000000001\r\n\r\nOK\r\n",
			Terminal, []int{1, 3}, []Role{Note, Note, Command, Echo, Info, Final}},
		// The banner is the program's, no part of the answer.
		{"terminal, after a banner", "Welcome to minicom 2.8\r\n+CPIN: READY\r\nOK\r\nAT\r\r\nOK\r\n",
			Terminal, []int{2, 3}, []Role{Note, Note, Note, Command, Echo, Final}},
		{"terminal, a boot first", "RDY\r\n+CPIN: READY\r\nAT\r\r\nOK\r\n",
			Terminal, nil, []Role{URC, URC, Command, Echo, Final}},
		// ModemManager's own line inside the answer is no part of it.
		{"mm, a note inside the answer", mm("ttyUSB2", `<-- '<CR><LF>Quectel<CR><LF>'`) + note + mm("ttyUSB2", `<-- '<CR><LF>OK<CR><LF>'`) + mm("ttyUSB2", `--> 'AT<CR>'`) + mm("ttyUSB2", `<-- '<CR><LF>OK<CR><LF>'`),
			MM, []int{1, 3}, []Role{Note, Note, Note, Command, Final}},
		{"two ports, the answer on one, then a command on the other",
			mm("ttyUSB3", `<-- '<CR><LF>+CSQ: 20,99<CR><LF>'`) + note + mm("ttyUSB3", `<-- '<CR><LF>OK<CR><LF>'`) +
				mm("ttyUSB2", `--> 'AT+CPIN?<CR>'`) + mm("ttyUSB2", `<-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'`),
			MM, []int{1, 3}, []Role{Note, Note, Note, Command, Info, Final}},
		{"two ports, a stray final after the other port's first command",
			mm("ttyUSB3", `<-- '<CR><LF>+CREG: 1<CR><LF>'`) + mm("ttyUSB2", `--> 'AT+CPIN?<CR>'`) +
				mm("ttyUSB2", `<-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'`) + note +
				mm("ttyUSB3", `<-- '<CR><LF>+CEREG: 1<CR><LF>'`) + mm("ttyUSB3", `<-- '<CR><LF>NO CARRIER<CR><LF>'`),
			MM, nil, []Role{URC, Command, Info, Final, Note, URC, Final}},
		// The echo of a command the log does not show opens the answer,
		// its final result or not in the log.
		{"mm, an echo with no command", mm("ttyUSB2", `<-- 'AT+CPIN?<CR><CR><LF>+CPIN: READY<CR><LF>'`) + mm("ttyUSB2", `--> 'AT<CR>'`) + mm("ttyUSB2", `<-- '<CR><LF>OK<CR><LF>'`),
			MM, []int{1}, []Role{Note, Note, Command, Final}},
		{"two ports, an answer on each",
			mm("ttyUSB3", `<-- '<CR><LF>OK<CR><LF>'`) + mm("ttyUSB2", `<-- '<CR><LF>+CSQ: 20,99<CR><LF><CR><LF>OK<CR><LF>'`) +
				mm("ttyUSB2", `--> 'AT<CR>'`) + mm("ttyUSB2", `<-- '<CR><LF>OK<CR><LF>'`),
			MM, []int{1, 2}, []Role{Note, Note, Note, Command, Final}},
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
			if got := tr.OpenAnswerLines(); !slices.Equal(got, tc.open) || !slices.Equal(roles, tc.roles) {
				t.Errorf("open answer %v, roles %v; want %v, %v", got, roles, tc.open, tc.roles)
			}
			var b strings.Builder
			if err := tr.Render(&b); err != nil {
				t.Fatal(err)
			}
			var labelled []int
			for i, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				if strings.Contains(l, "(the answer the log begins inside: skipped)") {
					labelled = append(labelled, tr.Entries[i].Line)
				}
			}
			if labelled = slices.Compact(labelled); !slices.Equal(labelled, tc.open) {
				t.Errorf("labelled lines %v, want %v:\n%s", labelled, tc.open, b.String())
			}
		})
	}
}

// ModemManager logs every command it writes to a port: past a port's
// first command, a final result no command awaits is refused, naming its
// line — but the NO CARRIER that ends a data call after CONNECT is the
// modem's to send unasked (V.250 §6.4), and a port's final result before
// its first command ends an answer the log began inside.
func TestMMOneFinalEach(t *testing.T) {
	mm := func(port, line string) string {
		return "Mar 02 23:59:59 gw ModemManager[812]: <dbg> [1772495999.300000] [modem0/" + port + "/at] " + line + "\n"
	}
	for _, tc := range []struct {
		name, log, want string // want: the error, "" for none
	}{
		{"an answer twice", mm("ttyUSB2", `--> 'AT<CR>'`) + mm("ttyUSB2", `<-- '<CR><LF>OK<CR><LF>'`) + mm("ttyUSB2", `<-- '<CR><LF>OK<CR><LF>'`),
			"x.log:3: OK with no command before it: AT (line 1) had its final result at line 2 already"},
		{"a data call ended", mm("ttyUSB3", `--> 'ATD*99#<CR>'`) + mm("ttyUSB3", `<-- '<CR><LF>CONNECT 150000000<CR><LF>'`) + mm("ttyUSB3", `<-- '<CR><LF>NO CARRIER<CR><LF>'`), ""},
		{"two ports", mm("ttyUSB2", `--> 'AT<CR>'`) + mm("ttyUSB3", `<-- '<CR><LF>OK<CR><LF>'`) + mm("ttyUSB2", `<-- '<CR><LF>OK<CR><LF>'`), ""},
	} {
		_, err := Read("x.log", []byte(tc.log), MM)
		if got := fmt.Sprint(err); tc.want == "" && err != nil || tc.want != "" && !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
