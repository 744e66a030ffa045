package fieldlog

import (
	"strings"
	"testing"
)

// TestMMCutLastLine: a ModemManager log whose last line ends inside the
// prefix a serial line has before its arrow is refused as cut off: the
// line may have been a read or a write. A last line that says what it is
// reads as a note.
func TestMMCutLastLine(t *testing.T) {
	const journal = "Nov 21 06:31:43 rtr-11 ModemManager[702]: <debug> [1795242703.200010] [ttyUSB2/at] --> 'AT!ICCID?<CR>'\n" +
		"Nov 21 06:31:43 rtr-11 ModemManager[702]: <debug> [1795242703.214000] [ttyUSB2/at] <-- '<CR><LF>!ICCID: 89331000001234567890<CR><LF><CR><LF>OK<CR><LF>'\n"
	const bare = "<dbg> [1772445601.105911] [ttyUSB2/at] --> 'AT+CSQ<CR>'\n<dbg> [1772445601.109011] [ttyUSB2/at] <-- '<CR><LF>+CSQ: 23,99<CR><LF><CR><LF>OK<CR><LF>'\n"
	const cut = "mm.log:3: the log is cut off inside its last line's prefix, before it says whether the line is a serial read or write: "
	for _, tc := range []struct {
		name, log string
		want      string // the error, "" when the log reads
	}{
		{"in the date", journal + "Nov 21", cut + `"Nov 21"`},
		{"in the date, a line ending after it", journal + "Nov 21\n", cut + `"Nov 21"`},
		{"in the time, another day", journal + "Nov 22 00:0", cut + `"Nov 22 00:0"`},
		{"in the host", journal + "Nov 21 06:31:44 rtr-", cut + `"Nov 21 06:31:44 rtr-"`},
		{"in the tag", journal + "Nov 21 06:31:44 rtr-11 ModemManager[70", cut + `"Nov 21 06:31:44 rtr-11 ModemManager[70"`},
		{"in the level", journal + "Nov 21 06:31:44 rtr-11 ModemManager[702]: <deb", cut + `"Nov 21 06:31:44 rtr-11 ModemManager[702]: <deb"`},
		{"in MM's stamp", journal + "Nov 21 06:31:44 rtr-11 ModemManager[702]: <debug> [17952427", cut + `"Nov 21 06:31:44 rtr-11 ModemManager[702]: <debug> [17952427"`},
		{"after the port", journal + "Nov 21 06:31:44 rtr-11 ModemManager[702]: <debug> [1795242704.1] [ttyUSB3/at] ", cut},
		{"without a prefix, in MM's stamp", bare + "<dbg> [177244", cut + `"<dbg> [177244"`},
		{"another daemon's line", journal + "Nov 21 06:31:44 rtr-11 kernel: usb 1-1: USB disconnect, device number 3\n", ""},
		{"MM's info line", journal + "Nov 21 06:31:44 rtr-11 ModemManager[702]: <info>  [modem0] state changed (enabled -> disabling)\n", ""},
		{"MM's debug line of the port", journal + "Nov 21 06:31:44 rtr-11 ModemManager[702]: <debug> [1795242704.1] [ttyUSB2/at] device open count is 1 (close)\n", ""},
		{"a line cut in its message", journal + "Nov 21 06:31:44 rtr-11 ModemManager[702]: <info>  [modem0] state cha", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("mm.log", []byte(tc.log), MM)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v\nwant %q", err, tc.want)
			}
		})
	}
}
