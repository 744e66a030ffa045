package fieldlog

import (
	"slices"
	"strings"
	"testing"
)

// TestVendorURCs: the SIM Toolkit and other notifications each vendor's
// modem sends may arrive inside another command's answer; they are URCs
// there, and a command's own answer of the same name is not.
func TestVendorURCs(t *testing.T) {
	for _, tc := range []struct {
		line, cmd string
		want      bool
	}{
		{`+QSTK: "FETCH"`, "AT+CCID", true},                      // Quectel
		{`+STKPCI: 0,"D01A810301250082028182"`, "AT+CCID", true}, // Sierra Wireless
		{"+STIN: 25", "AT+CCID", true},                           // SIMCom
		{`+UCATPROI: "D009810301250082028182"`, "AT+CCID", true}, // u-blox, raw mode
		{"+STKPRO: 37,0", "AT+CCID", true},                       // u-blox dedicated mode, Telit, Fibocom (Intel)
		{"+STKCNF: 37,0,0,0", "AT+CCID", true},
		{"+STKEND", "AT+CCID", true},
		{"^SSTN: 37", "AT+CCID", true}, // Cinterion
		{"#STN: 37", "AT+CCID", true},  // Telit
		{"+CSCON: 1", "AT+CGLA=1,10,\"81F2000000\"", true},
		{"+CUSD: 0,\"Balance 5 EUR\",15", "AT+CSQ", true},
		{"^RSSI: 18", "AT+CSQ", true}, // Huawei
		{"+CFUN: 1", "AT+CPIN?", true},
		// Card, network and time reports of Telit, nRF91 (%XSIM, %CESQ,
		// %XTIME, +CNEC_ESM), Huawei's STK, Fibocom's XMM and 27.007's IMS
		// (+CIREPI) (outside tester sw115).
		{"#QSS: 0", "AT+CSQ", true},
		{"%XSIM: 1", "AT+CEREG?", true},
		{"%CESQ: 54,2,16,2", "AT+CSQ", true},
		{`%XTIME: "0A","42104201432","01"`, "AT+COPS?", true},
		{"+CNEC_ESM: 15,1", "AT+CEREG?", true},
		{"^STIN: 1,0,0", "AT+CEREG?", true},
		{"+XSIM: 7", "AT+CIMI", true},
		{"+CIREPI: 1", "AT+CSQ", true},
		// A command's own answer.
		{"#QSS: 0,1", "AT#QSS?", false},
		{"%XSIM: 1", "AT%XSIM?", false},
		{"+XSIM: 1,7", "AT+XSIM?", false},
		{"%XTIME: 1", "AT%XTIME?", false},
		{"+STKPRO: 37,0", "AT+STKPRO?", false},
		{"+CUSD: 0,\"Balance 5 EUR\",15", "AT+CUSD=1,\"*100#\",15", false},
		{"+CCID: 89330100005021044451", "AT+CCID", false},
		{"+CFUN: 1", "AT+CFUN?", false},
	} {
		if got := unsolicited(tc.line, tc.cmd); got != tc.want {
			t.Errorf("%q during %s: unsolicited %v, want %v", tc.line, tc.cmd, got, tc.want)
		}
	}
}

// TestVendorURCsInAnswers: a vendor's notification inside another
// command's answer is a URC through a reader too, the command keeping its
// own information line (the tester's FN980 and SIM8262 logs, cut short).
func TestVendorURCsInAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []Role
	}{
		{"#QSS during +CSQ", "> AT+CSQ\n< #QSS: 0\n< +CSQ: 17,99\n< OK\n", []Role{Command, URC, Info, Final}},
		{"#QSS read", "> AT#QSS?\n< #QSS: 0,1\n< OK\n", []Role{Command, Info, Final}},
		{"^STIN during +CEREG?", "> AT+CEREG?\n< +CUSATP: \"D009810301010482028182\"\n< ^STIN: 1,0,0\n< +CEREG: 0,1\n< OK\n",
			[]Role{Command, URC, URC, Info, Final}},
		{"%XSIM read", "> AT%XSIM?\n< %XSIM: 1\n< OK\n", []Role{Command, Info, Final}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRoles(t, "vendor.log", tc.log, tc.want) })
	}
}

// TestLineBeforeTheEcho: a line the modem sent before the command's echo
// (a vendor's notification of no known name, as a Motorola's +MBAN: at
// gammu's AT+CBC) is no answer to the command: a URC; a line after the
// echo is its answer, and a log without echo keeps taking the first line
// as the answer.
func TestLineBeforeTheEcho(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []Role
	}{
		{"before the echo", "> AT+CBC\n< +MBAN: Copyright 2000-2002 Motorola, Inc.\n< AT+CBC\n< +CBC: 0,60\n< OK\n",
			[]Role{Command, URC, Echo, Info, Final}},
		{"after the echo", "> AT+CBC\n< AT+CBC\n< +MBAN: Copyright\n< OK\n", []Role{Command, Echo, Info, Final}},
		{"no echo", "> AT+CBC\n< +CBC: 0,60\n< OK\n> AT+CSQ\n< +CSQ: 20,99\n< OK\n", []Role{Command, Info, Final, Command, Info, Final}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("echo.log", []byte(tc.log), Plain)
			if err != nil {
				t.Fatal(err)
			}
			var got []Role
			for _, e := range tr.Entries {
				got = append(got, e.Role)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("roles %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("roles %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// TestRegistrationURCDuringRead: while AT+CEREG? (or +CREG?, +CGREG?,
// +C5GREG?) is pending, a line of its name is the read answer only in the
// answer's shape, <n>,<stat>; the URC's shape (<stat> alone, or a quoted
// or empty location second) is a notification that arrived meanwhile.
func TestRegistrationURCDuringRead(t *testing.T) {
	for _, tc := range []struct {
		line, cmd string
		want      bool
	}{
		{"+CEREG: 2", "AT+CEREG?", true},
		{"+CEREG: 1,2", "AT+CEREG?", false},
		{`+CEREG: 5,"1000","00010002",7`, "AT+CEREG?", true},
		{`+CEREG: 2,5,"1000","00010002",7`, "AT+CEREG?", false},
		{"+CEREG: 2,,,,,,,,", "AT+CEREG?", true}, // u-blox's URC, empty location fields
		{"+CEREG: (0-5)", "AT+CEREG=?", false},
		{"+CEREG: 1", "AT+CEREG=1", true},
		{"+CREG: 5", "AT+CREG?", true},
		{"+CREG: 2,1, 550014, 676", "AT+CREG?", false}, // the read answer, decimal location
		{"+CREG: 1, 550014, 676", "AT+CREG?", true},    // no <stat> is that big
		{"+CGREG: 1", "AT+CGREG?", true},
		{"+CGREG: 0,1", "AT+CGREG?", false},
		{"+C5GREG: 1", "AT+C5GREG?", true},
		{"+C5GREG: 2,1", "AT+C5GREG?", false},
		// Other commands' own answers stay answers, whatever their shape.
		{"+CPIN: READY", "AT+CPIN?", false},
		// A bare AT answers nothing but OK.
		{"Ready", "AT", true},
		{"Ready", "ATI", false},
	} {
		if got := unsolicited(tc.line, tc.cmd); got != tc.want {
			t.Errorf("%q during %s: unsolicited %v, want %v", tc.line, tc.cmd, got, tc.want)
		}
	}
	// The same through a reader: the URC keeps its place in the answer.
	checkEntries(t, "> AT+CEREG=1\n< OK\n> AT+CEREG?\n< +CEREG: 2\n< +CEREG: 1,2\n< OK\n", Plain,
		func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text },
		[]string{"command AT+CEREG=1", "final OK", "command AT+CEREG?", "urc +CEREG: 2", "info +CEREG: 1,2", "final OK"})
}

// TestCallURCsWhileCommandPending: RING and the network's call and message
// notifications answer no command, so they are URCs wherever they arrive;
// NO CARRIER, BUSY and NO ANSWER are a dial's or an answer's final result
// (V.250 §5.7.1), and the network's news only during any other command
// whose own final result still follows.
func TestCallURCsWhileCommandPending(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []Role
	}{
		{"RING during +CSQ", "> AT+CSQ\n< RING\n< +CSQ: 17,99\n< OK\n", []Role{Command, URC, Info, Final}},
		{"+CRING during +CSQ", "> AT+CSQ\n< +CRING: VOICE\n< +CSQ: 17,99\n< OK\n", []Role{Command, URC, Info, Final}},
		{"+CLIP during +CPIN?", "> AT+CPIN?\n< RING\n< +CLIP: \"+33612345678\",145\n< +CPIN: READY\n< OK\n",
			[]Role{Command, URC, URC, Info, Final}},
		{"+CMTI during +CCID", "> AT+CCID\n< +CMTI: \"SM\",3\n< +CCID: 89330100005021044451\n< OK\n", []Role{Command, URC, Info, Final}},
		{"+CDS during +CSQ", "> AT+CSQ\n< +CDS: 25\n< +CSQ: 17,99\n< OK\n", []Role{Command, URC, Info, Final}},
		{"+CBM during +CSQ", "> AT+CSQ\n< +CBM: 88\n< +CSQ: 17,99\n< OK\n", []Role{Command, URC, Info, Final}},
		{"+CCWA during +CSQ", "> AT+CSQ\n< +CCWA: \"+33612345678\",145,1\n< +CSQ: 17,99\n< OK\n", []Role{Command, URC, Info, Final}},
		{"+CLIP read answer", "> AT+CLIP?\n< +CLIP: 1,1\n< OK\n", []Role{Command, Info, Final}},
		{"NO CARRIER during +CSQ", "> AT+CSQ\n< NO CARRIER\n< +CSQ: 17,99\n< OK\n", []Role{Command, URC, Info, Final}},
		{"BUSY during +COPS?", "> AT+COPS?\n< BUSY\n< +COPS: 0,2,\"20815\",7\n< OK\n", []Role{Command, URC, Info, Final}},
		{"NO CARRIER answers ATD", "> ATD+33612345678;\n< NO CARRIER\n> AT\n< OK\n", []Role{Command, Final, Command, Final}},
		{"BUSY answers ATD", "> ATD+33612345678;\n< BUSY\n> AT\n< OK\n", []Role{Command, Final, Command, Final}},
		{"NO ANSWER answers ATA", "> ATA\n< NO ANSWER\n", []Role{Command, Final}},
		// Nothing follows: the command's own final result, as a vendor's
		// socket command may end with it.
		{"NO CARRIER ends a command", "> AT+QIOPEN=1,0,\"TCP\",\"10.0.0.1\",80\n< NO CARRIER\n> AT\n< OK\n",
			[]Role{Command, Final, Command, Final}},
		{"numeric NO CARRIER during +CSQ", "> ATV0\n< 0\n> AT+CSQ\n< 3\n< +CSQ: 17,99\n< 0\n",
			[]Role{Command, Final, Command, URC, Info, Final}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkRoles(t, "call.log", tc.log, tc.want) })
	}
}

// checkRoles reads log as a plain transcript and holds its entries'
// roles to want.
func checkRoles(t *testing.T, file, log string, want []Role) {
	t.Helper()
	tr, err := Read(file, []byte(log), Plain)
	if err != nil {
		t.Fatal(err)
	}
	var got []Role
	for _, e := range tr.Entries {
		got = append(got, e.Role)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("roles %v, want %v", got, want)
	}
}
