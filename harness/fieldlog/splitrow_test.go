package fieldlog

import (
	"strings"
	"testing"
)

// TestSplitLineRows: one AT line the log split over rows (two reads of
// ModemManager's, a dump's rows in gammu's, a paste's wrap of a +CGLA
// line) is shown joined, with the rows it took, not as if it were all on
// its first (t207).
func TestSplitLineRows(t *testing.T) {
	for _, tc := range []struct {
		name, format, log string
		want              string // a line of the rendering
	}{
		{"ModemManager's two reads", "mm",
			"Mar 14 09:44:44 gw ModemManager[731]: <dbg> [1773481484.930249] [ttyUSB2/at] --> 'AT+CEREG?<CR>'\n" +
				"Mar 14 09:44:44 gw ModemManager[731]: <dbg> [1773481484.940249] [ttyUSB2/at] <-- '<CR><LF>+CEREG: 2,5,\"3A9B\"'\n" +
				"Mar 14 09:44:44 gw ModemManager[731]: <dbg> [1773481484.950249] [ttyUSB2/at] <-- ',\"0000C33E\",7<CR><LF><CR><LF>OK<CR><LF>'\n",
			`s.log:2  +10ms  <  info     +CEREG: 2,5,"3A9B","0000C33E",7  (ttyUSB2)  (lines 2-3)  (to line 1)`},
		{"gammu's rows", "gammu",
			"SENDING frame type 0x00/length 0x0D/13\n" +
				"41A|54T|2B+|43C|46F|55U|4EN|3D=|399|399|2C,|399|0D              AT+CFUN=99,9.\n" +
				"RECEIVED frame type 0x00/length 0x16/22\n" +
				"41A|54T|2B+|43C|46F|55U|4EN|3D=|399|399|2C,|399|0D |0D |0A |45  AT+CFUN=99,9...E\n" +
				"52R|52R|4FO|52R|0D |0A                                          RROR..\n",
			"s.log:4  <  final    ERROR  (lines 4-5)  (to line 2)"},
		{"a paste's wrap", "plain",
			"> AT+CGLA=1,22,\"80E2910006BF3E03\n5C015A\"\n< +CGLA: 4,\"9000\"\n< OK\n",
			`s.log:1  >  command  AT+CGLA=1,22,"80E2910006BF3E035C015A"  (lines 1-2)  [STORE DATA GetEID block 0 (last)]`},
		{"one row, one line", "plain", "> AT+CSQ\n< +CSQ: 20,99\n< OK\n",
			"s.log:2  <  info     +CSQ: 20,99  (to line 1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("s.log", []byte(tc.log), Format(tc.format))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := tr.Render(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tc.want+"\n") {
				t.Errorf("rendered\n%s\nwant the line\n%s", b.String(), tc.want)
			}
		})
	}
}
