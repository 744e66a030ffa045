package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// TestMbed: Mbed OS's cellular trace (ATHandler's "AT TX"/"AT RX" lines
// behind mbed-trace's tag) was refused as no known format. Its buffers
// are cut into lines as a sniffer's are — a command and its CR written
// apart, a read that ends inside a line —, its time is the application's
// milliseconds or a serial tool's wall clock, the framework's and the
// application's other lines are notes, and a trace line cut off is
// refused naming it. The logs are trimmed from GitHub issues of
// ARMmbed/mbed-os, as their reporters pasted them.
func TestMbed(t *testing.T) {
	show := func(e Entry) string {
		s := fmt.Sprintf("%d %s %s", e.Line, strings.ToLower(e.Role.String()), e.Text)
		if !e.Time.IsZero() {
			s += " @" + e.Time.Sub(RelativeEpoch).String()
		}
		return s
	}
	showAbs := func(e Entry) string {
		return fmt.Sprintf("%d %s %s %s", e.Line, strings.ToLower(e.Role.String()), e.Text, e.Time.Format("15:04:05.000000"))
	}
	for _, tc := range []struct {
		name, log string
		show      func(Entry) string
		want      []string
		err       string
	}{
		{"the application's milliseconds, the PIN wanted (mbed-os issue 14448)",
			"[00030546ms][INFO][CELL]: AT TX ( 7): AT+CGMR\n" +
				"[00030610ms][INFO][CELL]: AT TX ( 1): <cr>\n" +
				"[00030670ms][INFO][CELL]: AT RX (20): <cr><ln>M0B.800004<cr><ln><cr><ln>OK<cr><ln>\n" +
				"[00030773ms][INFO][CELL]: Modem revision: M0B.800004\n" +
				"\n\n" +
				"[00031202ms][DBG ][CELL]: AT flush\n" +
				"[00031254ms][INFO][CELL]: AT TX ( 8): AT+CPIN?\n" +
				"[00031319ms][INFO][CELL]: AT TX ( 1): <cr>\n" +
				"[00031380ms][INFO][CELL]: AT RX (24): <cr><ln>+CPIN: SIM PIN<cr><ln><cr><ln>OK<cr><ln>\n" +
				"[00031486ms][INFO][CELL]: SIM PIN required\n",
			show,
			[]string{"1 command AT+CGMR @30.546s", "3 info M0B.800004 @30.67s", "3 final OK @30.67s", "4 note Modem revision: M0B.800004 @30.773s",
				"7 note AT flush @31.202s", "8 command AT+CPIN? @31.254s", "10 info +CPIN: SIM PIN @31.38s", "10 final OK @31.38s", "11 note SIM PIN required @31.486s"}, ""},
		{"a serial tool's wall clock, a read that ends inside OK (mbed-os issue 13000)",
			"[2020-06-04 09:16:15.879388] [DBG ][CELL]: Automatic network registration\n" +
				"[2020-06-04 09:16:15.883368] [INFO][CELL]: AT TX ( 8): AT+COPS?\n" +
				"[2020-06-04 09:16:15.886386] [INFO][CELL]: AT TX ( 1): <cr>\n" +
				"[2020-06-04 09:16:15.893363] [INFO][CELL]: AT RX (17): <cr><ln>+COPS: 0<cr><ln><cr><ln>O\n" +
				"[2020-06-04 09:16:15.896358] [INFO][CELL]: AT RX ( 3): K<cr><ln>\n" +
				"[2020-06-04 09:16:15.911315] Unknown cellular status\n",
			showAbs,
			[]string{"1 note Automatic network registration 09:16:15.879388", "2 command AT+COPS? 09:16:15.883368", "4 info +COPS: 0 09:16:15.893363",
				"4 final OK 09:16:15.893363", "6 note Unknown cellular status 09:16:15.911315"}, ""},
		{"no stamps, the application's own prints between (mbed-os issue 14510)",
			"Connection status: 2, cellular status: 2\n" +
				"[INFO][CELL]: AT TX ( 9): AT+CEREG?\n" +
				"[INFO][CELL]: AT TX ( 1): <cr>\n" +
				"[INFO][CELL]: AT RX (14): <cr><ln>+CEREG: 2,0<cr>\n" +
				"[INFO][CELL]: AT RX ( 7): <ln><cr><ln>OK<cr><ln>\n" +
				"[DBG ][CELL]: +CEREG: NotRegistered, LAC -1, cell -1, RAT unknown\n",
			show,
			[]string{"1 note Connection status: 2, cellular status: 2", "2 command AT+CEREG?", "4 info +CEREG: 2,0", "5 final OK", "6 note +CEREG: NotRegistered, LAC -1, cell -1, RAT unknown"}, ""},
		{"bytes in hex: an SMS's Ctrl-Z, a byte past 0x7F through a signed char; an overflow's dump a note (synthetic)",
			"[INFO][CELL]: AT TX (10): AT+CMGS=23\n[INFO][CELL]: AT TX ( 1): <cr>\n[INFO][CELL]: AT RX ( 4): <cr><ln>> \n" +
				"[INFO][CELL]: AT TX ( 5): 0011<1A>\n[INFO][CELL]: AT RX (18): <cr><ln>+CMGS: 4<cr><ln><cr><ln>OK<cr><ln>\n" +
				"[ERR ][CELL]: AT overflow\n[INFO][CELL]: AT ERR ( 3): OK<cr>\n" +
				"[INFO][CELL]: AT TX ( 9): AT+COPS?\n[INFO][CELL]: AT TX ( 1): <cr>\n[INFO][CELL]: AT RX (20): <cr><ln>+COPS: 0,0,\"<FFFFFFE4>\"<cr><ln>OK<cr><ln>\n",
			show,
			[]string{"1 command AT+CMGS=23", "3 info > ", "4 command 0011\x1a", "5 info +CMGS: 4", "5 final OK", "6 note AT overflow", "7 note AT ERR ( 3): OK<cr>",
				"8 command AT+COPS?", "10 info +COPS: 0,0,\"\xe4\"", "10 final OK"}, ""},
		{"a trace line cut off", "[INFO][CELL]: AT TX ( 8): AT+CPIN?\n[INFO][CELL]: AT TX ( 1): <cr>\n[INFO][CELL]: AT RX (2\n", nil, nil,
			"test.log:3: an Mbed OS AT trace line cut off or malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDetected(t, Mbed, tc.log, tc.show, tc.want, tc.err) })
	}
}

// TestMbedNoATTrace: an Mbed OS cellular trace with ATHandler's AT trace
// off (mbed-os-example-cellular issue 75, a Dragonfly's, trimmed: the
// framework's own lines and the raw URCs among them) says so, instead of
// "no known log format".
func TestMbedNoATTrace(t *testing.T) {
	const log = "[00107259ms][DBG ][CELL]: urc_creg\n[00107259ms][WARN][CELL]: not registered\n" +
		"[00107259ms][DBG ][CELL]: stat: 0, lac: -1, cellID: -1, act: -1\n" +
		"[00107269ms][DBG ][CELL]: process_oob exit\n[00112255ms][DBG ][CELL]: process_oob readable=1, pos=0, len=0\n\n+CREG: 2\n" +
		"[00112258ms][DBG ][CELL]: urc_creg\n[00112258ms][DBG ][CELL]: stat: 2, lac: -1, cellID: -1, act: -1\n"
	_, err := Read("trace.log", []byte(log), "")
	const want = "trace.log:1: Mbed OS trace lines (mbed-trace's \"[DBG ][CELL]: \"), but none of ATHandler's AT traffic"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "MBED_CONF_CELLULAR_DEBUG_AT=true") {
		t.Errorf("err = %v; want %q… naming MBED_CONF_CELLULAR_DEBUG_AT=true", err, want)
	}
}
