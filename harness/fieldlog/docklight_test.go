package fieldlog

import (
	"strings"
	"testing"
	"time"
)

// TestTerminalProgramsDetected: the logs of the terminal programs people
// capture a modem with on Windows and Linux are told apart by content.
func TestTerminalProgramsDetected(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      Format
	}{
		{"Docklight ASCII", "Docklight Log File (ASCII) - Started 01/12/2026 10:15:01.002\r\n01/12/2026 10:15:03.123 [TX] - AT+CGMI<CR>\r\n", Docklight},
		{"Docklight HEX, no header", "01/12/2026 10:15:03.123 [TX] - 41 54 0D\r\n01/12/2026 10:15:03.131 [RX] - 0D 0A 4F 4B 0D 0A\r\n", Docklight},
		{"Docklight monitoring, US date", "12/1/2026 10:15:03.123 AM [COM8] - AT<CR>\r\n", Docklight},
		{"PuTTY", "=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2026.12.01 10:15:03 =~=~=~=~=~=~=~=~=~=~=~=\r\nAT+CSQ\r\r\n+CSQ: 24,99\r\n\r\nOK\r\n", Terminal},
		{"Tera Term, stamped", "[Tue Dec 01 10:15:03.123 2026] AT+CSQ\r\n[Tue Dec 01 10:15:03.130 2026] +CSQ: 24,99\r\n[Tue Dec 01 10:15:03.131 2026] OK\r\n", Terminal},
		{"Tera Term, no stamps", "AT+CSQ\r\n+CSQ: 24,99\r\n\r\nOK\r\n", Terminal},
		// CoolTerm and RealTerm capture the bytes received, nothing of
		// their own: what the modem echoed and answered.
		{"CoolTerm capture", "ATI\r\r\nQuectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G\r\n\r\nOK\r\n", Terminal},
		{"minicom, CR only", "AT\r\r\nOK\r\n", Terminal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f, err := Detect("test.log", []byte(tc.log)); err != nil || f != tc.want {
				t.Errorf("Detect = %q, %v; want %q", f, err, tc.want)
			}
		})
	}
}

// TestDocklight: the channels, the locale's date and a run of data that
// goes on over lines without a stamp.
func TestDocklight(t *testing.T) {
	show := func(e Entry) string {
		s := e.Role.String() + " " + e.Text
		if !e.Time.IsZero() {
			s = e.Time.Format("2006-01-02T15:04:05.000 ") + s
		}
		return s
	}
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"day first, told by the day", "13/12/2026 10:15:03.123 [TX] - AT<CR>\r\n13/12/2026 10:15:03.131 [RX] - AT<CR><CR><LF>OK<CR><LF>\r\n",
			[]string{"2026-12-13T10:15:03.123 command AT", "2026-12-13T10:15:03.131 echo AT", "2026-12-13T10:15:03.131 final OK"}},
		{"month first, told by the day; 12-hour clock", "12/13/2026 10:15:03.123 PM [TX] - AT<CR>\r\n12/13/2026 10:15:03.131 PM [RX] - AT<CR><CR><LF>OK<CR><LF>\r\n",
			[]string{"2026-12-13T22:15:03.123 command AT", "2026-12-13T22:15:03.131 echo AT", "2026-12-13T22:15:03.131 final OK"}},
		{"ambiguous: day first", "01/12/2026 10:15:03.123 [TX] - AT<CR>\r\n01/12/2026 10:15:03.131 [RX] - <CR><LF>OK<CR><LF>\r\n",
			[]string{"2026-12-01T10:15:03.123 command AT", "2026-12-01T10:15:03.131 final OK"}},
		{"year first", "2026-12-01 10:15:03.123 [TX] - AT<CR>\r\n2026-12-01 10:15:03.131 [RX] - <CR><LF>OK<CR><LF>\r\n",
			[]string{"2026-12-01T10:15:03.123 command AT", "2026-12-01T10:15:03.131 final OK"}},
		// Monitoring mode: the port whose data are commands is the host's.
		{"monitoring: ports by name", "01/12/2026 10:15:03.123 [COM9] - AT+CPIN?<CR>\r\n01/12/2026 10:15:03.131 [COM8] - AT+CPIN?<CR><CR><LF>+CPIN: READY<CR><LF><CR><LF>OK<CR><LF>\r\n",
			[]string{"2026-12-01T10:15:03.123 command AT+CPIN?", "2026-12-01T10:15:03.131 echo AT+CPIN?", "2026-12-01T10:15:03.131 info +CPIN: READY", "2026-12-01T10:15:03.131 final OK"}},
		{"a run wrapped over lines", "01/12/2026 10:15:03.123 [TX] - AT+CSQ<CR>\r\n01/12/2026 10:15:03.131 [RX] - <CR><LF>+CSQ: 2\r\n4,99<CR><LF><CR><LF>OK<CR><LF>\r\n",
			[]string{"2026-12-01T10:15:03.123 command AT+CSQ", "2026-12-01T10:15:03.131 info +CSQ: 24,99", "2026-12-01T10:15:03.131 final OK"}},
		{"a '<' of the data", "01/12/2026 10:15:03.123 [TX] - AT+CMGS=\"<x>\"<CR>\r\n01/12/2026 10:15:03.131 [RX] - <CR><LF>ERROR<CR><LF>\r\n",
			[]string{"2026-12-01T10:15:03.123 command AT+CMGS=\"<x>\"", "2026-12-01T10:15:03.131 final ERROR"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.log, Docklight, show, tc.want)
		})
	}
}

// TestDocklightSameAsHex: one session logged from both displays reads the
// same.
func TestDocklightSameAsHex(t *testing.T) {
	a, err := ReadFile("testdata/docklight-ascii.log", "")
	if err != nil {
		t.Fatal(err)
	}
	h, err := ReadFile("testdata/docklight-hex.log", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Entries) != len(h.Entries) {
		t.Fatalf("%d entries from ASCII, %d from HEX", len(a.Entries), len(h.Entries))
	}
	for i := range a.Entries {
		x, y := a.Entries[i], h.Entries[i]
		if x.Role != y.Role || x.Dir != y.Dir || !x.Time.Equal(y.Time) || x.Line != y.Line ||
			(x.Role != Note && x.Text != y.Text) {
			t.Errorf("entry %d: ASCII %v %q, HEX %v %q", i, x.Role, x.Text, y.Role, y.Text)
		}
	}
	if want := time.Date(2026, 12, 1, 10, 15, 3, 123e6, time.UTC); !a.Entries[1].Time.Equal(want) {
		t.Errorf("first command at %v, want %v", a.Entries[1].Time, want)
	}
	if !strings.HasPrefix(a.Entries[0].Text, "Docklight Log File (ASCII)") {
		t.Errorf("first entry %q, want the header as a note", a.Entries[0].Text)
	}
}
