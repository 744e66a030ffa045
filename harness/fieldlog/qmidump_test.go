package fieldlog

import (
	"strings"
	"testing"
)

// TestQMIDumpsAreNoTranscript: libqmi's and libmbim's message dumps
// ("<<<<<< RAW:", ">>>>>>   data   = 01:13:…"), which qmicli -v and
// ModemManager's debug log of a QMI or MBIM modem write, are no ">"/"<"
// transcript: before, such a log read as one, its dumps the host's
// commands and the modem's URCs, and was refused as cut before the final
// result of ">>>>   data   = …". Alone they are refused as what they
// are; among an AT port's traffic they are notes.
func TestQMIDumpsAreNoTranscript(t *testing.T) {
	const dumps = "[/dev/cdc-wdm0] sent message...\n<<<<<< RAW:\n<<<<<<   length = 13\n<<<<<<   data   = 01:0C:00:00:02:02:00:10:00:2B:00:00:00\n" +
		"[/dev/cdc-wdm0] received message...\n>>>>>> RAW:\n>>>>>>   length = 20\n>>>>>>   data   = 01:13:00:80:02:02:02:10:00:2B:00:07\n"
	const refused = "q.log:1: QMI or MBIM messages (libqmi's or libmbim's dumps"
	for _, tc := range []struct{ name, log, want string }{
		{"qmicli -v", dumps, refused},
		{"ModemManager's, no AT port", "<debug> [1574489734.692440] Retrieving PIN status to check for enabled PIN\n" + dumps, refused},
		{"ModemManager's, and an AT port's", "<dbg> [1772445601.100000] [ttyUSB2/at] --> 'AT+CPIN?<CR>'\n<dbg> [1772445601.110000] [ttyUSB2/at] <-- '<CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>'\n" + dumps,
			"command AT+CPIN?|info +CPIN: READY|final OK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect("q.log", []byte(tc.log))
			if strings.HasPrefix(tc.want, "q.log:") {
				if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
					t.Fatalf("Detect = %q, %v; want the error %s…", f, err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tr, err := Read("q.log", []byte(tc.log), f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				if e.Role != Note {
					got = append(got, strings.ToLower(e.Role.String())+" "+e.Text)
				}
			}
			if strings.Join(got, "|") != tc.want {
				t.Errorf("entries %q, want %q", got, tc.want)
			}
		})
	}
}
