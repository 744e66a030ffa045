package fieldlog

import (
	"strings"
	"testing"
	"time"
)

// TestATParser: an AT parser's trace (X-CUBE-CELLULAR's) reads its
// stamps, the bytes after a SEND header as the host's, the indented or
// named-control lines and those after a RECEIVE header as the modem's,
// and the firmware's module lines as notes; a line without the stamp is
// refused naming it.
func TestATParser(t *testing.T) {
	show := func(e Entry) string {
		return strings.ToLower(e.Role.String()) + " " + e.Text + " " + e.Time.Format("15:04:05.000")
	}
	const s = "[2026-03-02_10:00:05:002]"
	for _, tc := range []struct {
		name, log string
		want      []string
		err       string
	}{
		{"send header, reads indented, a module's note",
			s + "    ATParser:*** SEND (size=9) ***\n\n" + s + "AT+CPIN?<CR>\n\n[2026-03-02_10:00:05:040]    <CR><LF>\n\n" +
				"[2026-03-02_10:00:05:040]    +CPIN: READY<CR><LF>\n\n[2026-03-02_10:00:05:041]CST:SIM is ready\n\n" +
				"[2026-03-02_10:00:05:041]    <CR><LF>\n[2026-03-02_10:00:05:041]    OK<CR><LF>\n",
			[]string{"note ATParser:*** SEND (size=9) *** 10:00:05.002", "command AT+CPIN? 10:00:05.002", "info +CPIN: READY 10:00:05.040",
				"note CST:SIM is ready 10:00:05.041", "final OK 10:00:05.041"}, ""},
		{"a RECEIVE header, a line read in two pieces, an error",
			s + "ATParser:*** SEND (size=12) ***\n" + s + "AT+CGDCONT?<CR>\n" +
				s + "ATParser:*** RECEIVE (size=22) ***\n" + s + "<CR><LF>+CME ERROR: \n" + s + "    10<CR><LF>\n",
			[]string{"note ATParser:*** SEND (size=12) *** 10:00:05.002", "command AT+CGDCONT? 10:00:05.002",
				"note ATParser:*** RECEIVE (size=22) *** 10:00:05.002", "final +CME ERROR: 10 10:00:05.002"}, ""},
		{"milliseconds without their zeros",
			"[2026-03-02_10:00:05:7]*** SEND (size=3) ***\n[2026-03-02_10:00:05:7]AT<CR>\n[2026-03-02_10:00:05:45]    OK<CR><LF>\n",
			[]string{"note *** SEND (size=3) *** 10:00:05.007", "command AT 10:00:05.007", "final OK 10:00:05.045"}, ""},
		{"a line without the stamp", s + "*** SEND (size=3) ***\n" + s + "AT<CR>\nOK\n", nil, "test.log:3: an AT parser trace line without its stamp"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDetected(t, ATParser, tc.log, show, tc.want, tc.err) })
	}
	if _, ok := atpTime([]string{"2026", "13", "01", "00", "00", "00", "000"}); ok {
		t.Error("month 13 read as a time")
	}
	if got, _ := atpTime([]string{"2026", "03", "02", "10", "00", "05", "302"}); !got.Equal(time.Date(2026, 3, 2, 10, 0, 5, 302e6, time.UTC)) {
		t.Errorf("atpTime = %v", got)
	}
}
