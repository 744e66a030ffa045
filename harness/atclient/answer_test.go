package atclient

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// Unprefixed URCs inside a command's answer (27.007 §4.1 allows them at
// any time): V.250's RING, the known boot URCs and those the client is
// told of are taken out of the answer; an unknown unprefixed line stays
// (a basic command's answer has no prefix to tell it by), and a prefixed
// line is its command's answer while that is pending.
func TestUnprefixedURCsInAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cmd    string
		answer string
		opts   []Option
		lines  []string
		urcs   []string
		boots  int
	}{
		{"RING before the IMSI", "AT+CIMI", "\r\nRING\r\n\r\n208010000000012\r\n\r\nOK\r\n", nil,
			[]string{"208010000000012"}, []string{"RING"}, 0},
		{"RING after a prefixed answer", "AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nRING\r\n\r\nOK\r\n", nil,
			[]string{"+CPIN: READY"}, []string{"RING"}, 0},
		{"Cinterion boot URC", "AT+CGMM", "\r\n^SYSSTART\r\n\r\nEG25FAKE\r\n\r\nOK\r\n", nil,
			[]string{"EG25FAKE"}, []string{"^SYSSTART"}, 0},
		{"a boot line counts as a boot", "AT+CGMM", "\r\n^SYSSTART\r\n\r\nEG25FAKE\r\n\r\nOK\r\n",
			[]Option{WithSetUp(func(func(string) (*Response, error)) error { return nil }, "RDY", "^SYSSTART")},
			[]string{"EG25FAKE"}, []string{"^SYSSTART"}, 1},
		{"SIMCom's boot URC", "AT+CGMI", "\r\n*ATREADY: 1\r\n\r\nSIMCOM INCORPORATED\r\n\r\nOK\r\n", nil,
			[]string{"SIMCOM INCORPORATED"}, []string{"*ATREADY: 1"}, 0},
		{"an unknown unprefixed line stays", "AT+CGMM", "\r\nMODEM READY\r\n\r\nEG25\r\n\r\nOK\r\n", nil,
			[]string{"MODEM READY", "EG25"}, nil, 0},
		{"the personality's own", "AT+CGMM", "\r\nMODEM READY\r\n\r\nEG25\r\n\r\nOK\r\n", []Option{WithURCs("MODEM READY")},
			[]string{"EG25"}, []string{"MODEM READY"}, 0},
		{"a manufacturer's URC inside ATI", "ATI", "\r\nHuawei\r\n^RSSI:18\r\nME909s-120\r\n\r\nOK\r\n", nil,
			[]string{"Huawei", "ME909s-120"}, []string{"^RSSI:18"}, 0},
		{"a manufacturer's URC between the IMSI and OK", "AT+CIMI", "\r\n208010000000012\r\n\r\n#QSS: 1\r\n\r\nOK\r\n", nil,
			[]string{"208010000000012"}, []string{"#QSS: 1"}, 0},
		{"a manufacturer's command keeps its answer", "AT^ICCID?", "\r\n^RSSI:18\r\n^ICCID: 89860000000000000001\r\n\r\nOK\r\n", nil,
			[]string{"^ICCID: 89860000000000000001"}, []string{"^RSSI:18"}, 0},
		{"a command line that does not parse keeps them", "AT*CNTI?", "\r\n*CNTI: 0,LTE\r\n\r\nOK\r\n", nil,
			[]string{"*CNTI: 0,LTE"}, nil, 0},
		{"a prefixed line is not taken by WithURCs", "AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n", []Option{WithURCs("+CPIN: READY")},
			[]string{"+CPIN: READY"}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newScript(t, map[string]string{tc.cmd: tc.answer}, tc.opts...)
			rsp, err := c.Command(tc.cmd)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rsp.Lines, tc.lines) {
				t.Errorf("lines %q, want %q", rsp.Lines, tc.lines)
			}
			if got := c.URCs(); !slices.Equal(got, tc.urcs) {
				t.Errorf("URCs %q, want %q", got, tc.urcs)
			}
			if got := c.Boots(); got != tc.boots {
				t.Errorf("boots %d, want %d", got, tc.boots)
			}
		})
	}
}

// One names the extra line of an answer that should have one, as a
// possible URC, instead of a bare count.
func TestOne(t *testing.T) {
	for _, tc := range []struct {
		cmd   string
		lines []string
		want  string
		err   string
	}{
		{"AT+CIMI", []string{"208010000000012"}, "208010000000012", ""},
		{"AT+CPIN?", []string{"+CPIN: READY", "MODEM READY"}, "",
			`an extra line "MODEM READY" in the answer to AT+CPIN? (an unsolicited result code the personality does not know?); its own line: "+CPIN: READY"`},
		{"AT+CEREG?", []string{"^MODE: 5", "+CEREG: 2,1", "^RSSI: 20"}, "",
			`extra lines "^MODE: 5", "^RSSI: 20" in the answer to AT+CEREG?`},
		{"AT+CIMI", []string{"MODEM READY", "208010000000012"}, "",
			`an extra line in the answer to AT+CIMI, which has 2 lines where one was expected: "MODEM READY", "208010000000012" (one of them an unsolicited result code the personality does not know?)`},
		{"AT+COPS?", []string{"+COPS: 0", "+COPS: 1"}, "", `which has 2 lines where one was expected`},
		{"AT+CSQ", nil, "", `no answer line to AT+CSQ, only its final result "OK"`},
	} {
		got, err := (&Response{Lines: tc.lines, Final: "OK"}).One(tc.cmd)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%s %q: %q, %v; want %q", tc.cmd, tc.lines, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s %q: %v, want %q", tc.cmd, tc.lines, err, tc.err)
		case tc.err != "" && strings.HasPrefix(tc.err, "an extra") && !errors.Is(err, ErrExtraLine):
			t.Errorf("%s: %v is no ErrExtraLine", tc.cmd, err)
		}
	}
}

// Unsolicited tells URCs from a command's answer as route does, for the
// readers of a transcript (lab diff).
func TestUnsolicited(t *testing.T) {
	for _, tc := range []struct {
		cmd, line string
		urcs      []string
		want      bool
	}{
		{"AT+CGMM", "EG25", nil, false},
		{"AT+CGMM", "+QIND: PB DONE", nil, true},
		{"AT+CGMM", "RDY", nil, true},
		{"AT+CGMM", "OK", nil, false},
		{"AT+CIMI", "MODEM READY", nil, false},
		{"AT+CIMI", "MODEM READY", []string{"MODEM READY"}, true},
		{"AT+CEREG?", `+CEREG: 2,5,"3A9B","0000C33D",7`, nil, false},
		{"AT+CEREG?", `+CEREG: 5,"3A9B","0000C33D",7`, nil, true},
		{"AT+CICCID", "+ICCID: 89860000000000000019", nil, false},
		{"ATI", "^RSSI:18", nil, true},
		{"AT^ICCID?", "^ICCID: 89860000000000000001", nil, false},
		{"", "+CSQ: 20,99", nil, true},
	} {
		if got := Unsolicited(tc.cmd, tc.line, tc.urcs...); got != tc.want {
			t.Errorf("Unsolicited(%q, %q, %q) = %v, want %v", tc.cmd, tc.line, tc.urcs, got, tc.want)
		}
	}
}
