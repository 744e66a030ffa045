package fieldlog

import (
	"strings"
	"testing"
)

// TestShellSessionEscapes: a log taken of a shell session — script(1)'s
// typescript, PuTTY's "All session output" — holds the escape sequences
// the shell wrote around the program's output, none of which shows as
// text: the window title its prompt sets (an operating system command,
// ESC ] … BEL or ESC ] … ESC \, ECMA-48 §8.3.89) and bracketed paste
// switched on before each prompt and off as a command starts (bash 5.1
// on: ESC [?2004h, then ESC [?2004l and a CR). Before, each was refused
// as binary data at its line.
func TestShellSessionEscapes(t *testing.T) {
	const lpacOut = "AT_DEBUG_TX(0.000100000): AT+CPIN?\r\nAT_DEBUG_RX(0.010000000): +CPIN: READY\r\nAT_DEBUG_RX(0.010100000): OK\r\n"
	want := "command AT+CPIN?|info +CPIN: READY|final OK"
	for _, tc := range []struct{ name, log string }{
		{"script(1), a title ended by BEL", "Script started on 2026-03-02 10:00:01+01:00 [TERM=\"xterm\" TTY=\"/dev/pts/0\" COLUMNS=\"80\" LINES=\"24\"]\r\n" +
			"\x1b]0;root@gw: ~\x07root@gw:~# ./lpac chip info\r\n" + lpacOut +
			"\x1b]0;root@gw: ~\x07root@gw:~# exit\r\n\r\nScript done on 2026-03-02 10:00:05+01:00 [COMMAND_EXIT_CODE=\"0\"]\n"},
		{"a title ended by ST", "\x1b]2;gw\x1b\\$ ./lpac chip info\n" + lpacOut},
		{"bracketed paste around the command", "\x1b[?2004hroot@gw:~# ./lpac chip info\r\n\x1b[?2004l\r" + lpacOut + "\x1b[?2004hroot@gw:~# \r\n"},
		{"a terminal session in a typescript", "\x1b[?2004h$ picocom -q /dev/ttyUSB2\r\n\x1b[?2004l\rAT+CPIN?\r\n+CPIN: READY\r\n\r\nOK\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect("s.log", []byte(tc.log))
			if err != nil {
				t.Fatal(err)
			}
			tr, err := Read("s.log", []byte(tc.log), f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				if e.Role != Note && e.Role != Echo {
					got = append(got, strings.ToLower(e.Role.String())+" "+e.Text)
				}
			}
			if strings.Join(got, "|") != want {
				t.Errorf("entries %q, want %q", got, want)
			}
		})
	}
}
