package atclient

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestIsURCRegistration: a registration URC is told from the read answer
// of the same command, which has <n> first: by whether the second field
// is the quoted location or <stat>, and without a location by the field
// count. A denied
// registration's URC with its cause (<n> 3 or 5) was taken for the read
// answer while AT+CEREG? waited, and its lines ran together.
func TestIsURCRegistration(t *testing.T) {
	names := map[string]bool{"+CEREG": true, "+CGREG": true, "+CREG": true} // the command waiting
	for _, tc := range []struct {
		line string
		urc  bool
	}{
		{"+CEREG: 5", true},
		{`+CEREG: 5,"3a9b","0000c33d",7`, true},
		{`+CEREG: 3,"3a9b","0000c33d",7,0,15`, true},
		{`+CEREG: 1,"3a9b","0000c33d",7,,,"00100001","00000110"`, true}, // n=4: PSM timers
		{"+CEREG: 2,5", false},
		{`+CEREG: 2,5,"3a9b","0000c33d",7`, false},
		{`+CEREG: 3,3,"3a9b","0000c33d",7,0,15`, false},
		{`+CEREG: 4,1,"3a9b","0000c33d",7,,,"00100001","00000110"`, false},
		{`+CREG: 3,"3a9b","0000c33d",7,0,15`, true},
		{`+CREG: 3,3,"3a9b","0000c33d",7,0,15`, false},
		{`+CGREG: 3,"3a9b","0000c33d",7,,0,15`, true},
		{`+CGREG: 3,3,"3a9b","0000c33d",7,,0,15`, false},
		{`+CGREG: 2,1,"3a9b","0000c33d",7`, false},
		// A modem of 27.007 before Release 7: no <AcT>. Its read answer
		// has the four fields of another's URC with it.
		{`+CREG: 2,1,"0B5A","00C3F21E"`, false},
		{`+CREG: 1,"0B5A","00C3F21E"`, true},
		{`+CEREG: 3,"3a9b","0000c33d",,0,15`, true},
		{`+CEREG: 3,3,"3a9b","0000c33d",,0,15`, false},
	} {
		if got := isURC(tc.line, names); got != tc.urc {
			t.Errorf("isURC(%q) = %v, want %v", tc.line, got, tc.urc)
		}
	}
}

// A manufacturer's result code ("^RSSI:18", "#QSS: 1") inside an answer
// is a URC unless the pending command is that name's (its own answer):
// Huawei's periodic ^RSSI and ^SIMST came between the lines of ATI and
// AT+CIMI, and were taken as the identity and as a second IMSI line.
func TestVendorURC(t *testing.T) {
	for _, tc := range []struct {
		line  string
		names map[string]bool
		urc   bool
	}{
		{"^RSSI:18", map[string]bool{"I": true}, true},
		{"^SIMST: 1", map[string]bool{"+CIMI": true}, true},
		{"#QSS: 1", map[string]bool{"+CGLA": true}, true},
		{"%CESQ: 54,2,16,3", nil, true},
		{"^ICCID: 89860000000000000001", map[string]bool{"^ICCID": true}, false}, // AT^ICCID?'s own
		{"#CCID: 89860000000000000001", map[string]bool{"#CCID": true}, false},
		{"!GSTATUS: ", map[string]bool{"!GSTATUS": true}, false},
		{"Revision: EG25GGBR07A08M2G", map[string]bool{"I": true}, false}, // no prefix: text
		{"#1 fan: on", map[string]bool{"I": true}, false},                 // not a name
		{"^SYSSTART", nil, false},                                         // no colon: the boot lines take it
		{"+CPIN: READY", map[string]bool{"+CPIN": true}, false},           // standard: isURC's
		// The name as at.InfoName reads it: a blank before the colon
		// (as InfoName allows), SIMCom's '*' as a vendor's.
		{"^RSSI :18", map[string]bool{"+CIMI": true}, true},
		{"^RSSI :18", map[string]bool{"^RSSI": true}, false},
		{"*PSUTTZ: 2026,12,6,13,40,0,\"+4\",0", map[string]bool{"+CSQ": true}, true},
		{"*CNTI: 0,LTE", map[string]bool{"*CNTI": true}, false},
		{"^: 1", nil, false}, // a prefix alone is no name
		{"", nil, false},
	} {
		if got := vendorURC(tc.line, tc.names); got != tc.urc {
			t.Errorf("vendorURC(%q, %v) = %v, want %v", tc.line, tc.names, got, tc.urc)
		}
	}
}

// at.log marks the lines the client took for URCs (at.URCMark), inside
// an answer or between commands; the echo, the answer's lines and its
// final result stay as they came.
func TestTraceMarksURCs(t *testing.T) {
	u := at.URCMark
	for _, tc := range []struct {
		name, cmd, answer string
		want              []string
	}{
		{"inside an answer", "AT+CGMM", "AT+CGMM\r\r\n+QIND: PB DONE\r\n\r\nEG25\r\n\r\nRDY\r\n\r\nOK\r\n",
			[]string{"> AT+CGMM", "< AT+CGMM", "< +QIND: PB DONE" + u, "< EG25", "< RDY" + u, "< OK"}},
		{"a registration URC beside the read answer", "AT+CEREG?", "\r\n+CEREG: 2,1,\"3A9B\",\"0000C33D\",7\r\n\r\n+CEREG: 5,\"3A9B\",\"0000C33D\",7\r\n\r\nOK\r\n",
			[]string{"> AT+CEREG?", "< +CEREG: 2,1,\"3A9B\",\"0000C33D\",7", "< +CEREG: 5,\"3A9B\",\"0000C33D\",7" + u, "< OK"}},
		{"an unknown unprefixed line is the answer's", "AT+CIMI", "\r\nMODEM READY\r\n\r\n208010000000012\r\n\r\nOK\r\n",
			[]string{"> AT+CIMI", "< MODEM READY", "< 208010000000012", "< OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var trace syncBuf
			c, _ := newScript(t, map[string]string{tc.cmd: tc.answer}, WithTrace(&trace), WithTimeout(time.Second))
			if _, err := c.Command(tc.cmd); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSpace(trace.String()), "\n")
			if !slices.Equal(got, tc.want) {
				t.Errorf("trace\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
