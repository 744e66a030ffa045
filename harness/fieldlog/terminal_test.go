package fieldlog

import (
	"strings"
	"testing"
)

// TestTerminalProgramQuits: the lines a terminal program prints as it
// quits are its notes at the end of a capture, the modem's anywhere else;
// the blanks a window copy pads its rows with are no part of any line.
func TestTerminalProgramQuits(t *testing.T) {
	for _, tc := range []struct {
		name, capture string
		want          []string // role and text of each entry
	}{
		{"picocom", "AT\r\nOK\r\n\r\nTerminating...\r\nThanks for using picocom\r\n",
			[]string{"command AT", "echo AT", "final OK", "note Terminating...", "note Thanks for using picocom"}},
		{"picocom, quit without a reset", "AT\r\nOK\r\nTerminating...\r\nSkipping tty reset...\r\nThanks for using picocom\r\n",
			[]string{"command AT", "echo AT", "final OK", "note Terminating...", "note Skipping tty reset...", "note Thanks for using picocom"}},
		{"screen", "AT\r\nOK\r\n[screen is terminating]\r\n",
			[]string{"command AT", "echo AT", "final OK", "note [screen is terminating]"}},
		// A copy of the window: each row padded with blanks to its width.
		{"window copy", "AT+CSIM=10,\"0070000001\"      \r\n+CSIM: 4,\"9000\"   \r\nOK      \r\n",
			[]string{"command AT+CSIM=10,\"0070000001\"", "echo AT+CSIM=10,\"0070000001\"", "info +CSIM: 4,\"9000\"", "final OK"}},
		{"not at the end", "AT\r\nOK\r\nTerminating...\r\n+CPIN: NOT READY\r\n",
			[]string{"command AT", "echo AT", "final OK", "urc Terminating...", "urc +CPIN: NOT READY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.capture, Terminal, func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }, tc.want)
		})
	}
}

// TestTerminalDumpAcrossURCs: a library's dump of a command and the
// modem's echo pair across URCs once the capture has shown a dump; AT
// typed by hand while the modem boots is a command each time. (And
// CONNECT ends a data call's command alone, as in every reader.)
func TestTerminalDumpAcrossURCs(t *testing.T) {
	for _, tc := range []struct {
		name, capture string
		want          []string
	}{
		{"dumped", "AT+CPIN?\r\nAT+CPIN?\r\n+CPIN: READY\r\nOK\r\nAT+CNMP=2\r\nPB DONE\r\nAT+CNMP=2\r\nOK\r\n",
			[]string{"command AT+CPIN?", "echo AT+CPIN?", "info +CPIN: READY", "final OK", "command AT+CNMP=2", "urc PB DONE", "echo AT+CNMP=2", "final OK"}},
		{"CONNECT to another command, the echo off", "ATE0\r\r\nOK\r\nAT+QHTTPURL=20,80\r\nCONNECT\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "command AT+QHTTPURL=20,80", "info CONNECT", "final OK"}},
		// The OK to the +++ that no capture shows (data mode echoes
		// nothing): no result one too many.
		{"a data call left with +++", "ATD*99#\r\nCONNECT 150000000\r\nOK\r\nAT\r\nOK\r\n",
			[]string{"command ATD*99#", "echo ATD*99#", "final CONNECT 150000000", "note OK", "command AT", "echo AT", "final OK"}},
		{"typed while booting", "AT\r\nRDY\r\n+CPIN: READY\r\nAT\r\nOK\r\n",
			[]string{"command AT", "echo AT", "urc RDY", "urc +CPIN: READY", "command AT", "echo AT", "final OK"}},
		// TinyGSM's DBG() lines are the library's own, not the modem's:
		// no answer to the AT before them.
		{"TinyGSM's debug line", "AT\r\nAT\r\n*ATREADY: 1\r\n[10922] ### Unhandled: *ATREADY: 1\r\nAT\r\nAT\r\nOK\r\n",
			[]string{"command AT", "echo AT", "urc *ATREADY: 1", "note [10922] ### Unhandled: *ATREADY: 1", "command AT", "echo AT", "final OK"}},
		// A trace closed ("/…/") at the line's end cut nothing; an
		// Unhandled line is the modem's text when the screen does not
		// show that line already (outside tester sw94).
		{"TinyGSM's closed trace at a line's end", "ATE0\r\nOK\r\nAT+CGREG?\r\n+CGREG: 0,5[1152] < 1 > /+CGREG: 0,5/\r\n\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "command AT+CGREG?", "info +CGREG: 0,5", "note [1152] < 1 > /+CGREG: 0,5/", "final OK"}},
		{"TinyGSM's closed trace mid-line", "ATE0\r\nOK\r\nAT+CSQ\r\n+CSQ: 1[1300] < 1 > /+CSQ: 1/5,99\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "command AT+CSQ", "info +CSQ: 15,99", "note [1300] < 1 > /+CSQ: 1/", "final OK"}},
		{"TinyGSM's Unhandled alone", "ATE0\r\nOK\r\n[3500] ### Unhandled: +CGREG: 5\r\nAT\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "note [3500] ### Unhandled: +CGREG: 5", "urc +CGREG: 5", "command AT", "final OK"}},
		// NULs of a serial line's glitch are nothing, as on a terminal.
		{"NULs of a glitch", "AT\r\nAT\r\n\x00\x00OK\r\n", []string{"command AT", "echo AT", "final OK"}},
		// TinyGSM's waitResponse trace, printed as it matches: a note,
		// and where it cut the modem's line, the line's rest is on the
		// next (outside tester sw93, TinyGSM issue 296).
		{"TinyGSM's waitResponse trace", "ATE0\r\nOK\r\n[324] < 1 > /OK/\r\nAT+CGREG?\r\n\r\n+CGREG:[16926] < 1 > /+CGREG:\r\n 0,0\r\n\r\nOK\r\n[16933] < 1 > /OK/\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "note [324] < 1 > /OK/", "command AT+CGREG?", "info +CGREG: 0,0", "note [16926] < 1 > /+CGREG:", "final OK", "note [16933] < 1 > /OK/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.capture, Terminal, func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }, tc.want)
		})
	}
}

// TestTerminalBootURCs: before the first command, what a modem sends as
// it boots — the built-in personalities' boot and REFRESH URCs, known
// notifications, SIM800's — is the modem's; the program's banner stays
// notes.
func TestTerminalBootURCs(t *testing.T) {
	show := func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }
	for _, tc := range []struct {
		name, capture string
		want          []string
	}{
		{"SIMCom A7600", "RDY\r\n\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\nAT\r\nOK\r\n",
			[]string{"urc RDY", "urc +CPIN: READY", "urc SMS DONE", "urc PB DONE", "command AT", "echo AT", "final OK"}},
		{"SIMCom, *ATREADY", "*ATREADY: 1\r\nAT\r\nOK\r\n", []string{"urc *ATREADY: 1", "command AT", "echo AT", "final OK"}},
		{"Quectel EG25", "Welcome to minicom 2.8\r\nRDY\r\n+CFUN: 1\r\n+QUSIM: 1\r\n+QIND: SMS DONE\r\nAT\r\nOK\r\n",
			[]string{"note Welcome to minicom 2.8", "urc RDY", "urc +CFUN: 1", "urc +QUSIM: 1", "urc +QIND: SMS DONE", "command AT", "echo AT", "final OK"}},
		{"SIM800", "Starting...\r\nRDY\r\nCall Ready\r\nSMS Ready\r\nAT\r\nOK\r\n",
			[]string{"note Starting...", "urc RDY", "urc Call Ready", "urc SMS Ready", "command AT", "echo AT", "final OK"}},
		{"Telit's SIM Toolkit", "#STN: 37\r\nAT\r\nOK\r\n", []string{"urc #STN: 37", "command AT", "echo AT", "final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkEntries(t, tc.capture, Terminal, show, tc.want) })
	}
}

// TestTerminalRestartEcho: a modem that restarts (AT+CFUN=1,1 answered)
// or boots (RDY after a power cut) comes up with the profile AT&W stored:
// echo on after an ATE0 the log did not store, so a library's dump and
// the echo after it are one command; off after ATE0 and AT&W.
func TestTerminalRestartEcho(t *testing.T) {
	show := func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }
	for _, tc := range []struct {
		name, capture string
		want          []string
	}{
		{"AT+CFUN=1,1, a dump then the echo", "ATE0\r\nATE0\r\n\r\nOK\r\nAT+CFUN=1,1\r\n\r\nOK\r\n\r\nRDY\r\nAT+CPIN?\r\nAT+CPIN?\r\n\r\n+CPIN: READY\r\n\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "command AT+CFUN=1,1", "final OK", "urc RDY", "command AT+CPIN?", "echo AT+CPIN?", "info +CPIN: READY", "final OK"}},
		{"AT+CFUN=1,1, no RDY", "ATE0\r\nOK\r\nAT+CFUN=1,1\r\nOK\r\nAT+CSQ\r\n+CSQ: 20,99\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "command AT+CFUN=1,1", "final OK", "command AT+CSQ", "echo AT+CSQ", "info +CSQ: 20,99", "final OK"}},
		{"a power cut: RDY", "ATE0\r\nOK\r\nRDY\r\nAT+CSQ\r\n+CSQ: 20,99\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "urc RDY", "command AT+CSQ", "echo AT+CSQ", "info +CSQ: 20,99", "final OK"}},
		{"SIMCom's power-on URC", "ATE0\r\nOK\r\n*ATREADY: 1\r\nAT+CSQ\r\n+CSQ: 20,99\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "urc *ATREADY: 1", "command AT+CSQ", "echo AT+CSQ", "info +CSQ: 20,99", "final OK"}},
		{"echo off stored", "ATE0\r\nOK\r\nAT&W\r\nOK\r\nAT+CFUN=1,1\r\nOK\r\nRDY\r\nAT+CSQ\r\n+CSQ: 20,99\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "command AT&W", "final OK", "command AT+CFUN=1,1", "final OK", "urc RDY", "command AT+CSQ", "info +CSQ: 20,99", "final OK"}},
		{"a restart refused", "ATE0\r\nOK\r\nAT+CFUN=1,1\r\nERROR\r\nAT+CSQ\r\n+CSQ: 20,99\r\nOK\r\n",
			[]string{"command ATE0", "echo ATE0", "final OK", "command AT+CFUN=1,1", "final ERROR", "command AT+CSQ", "info +CSQ: 20,99", "final OK"}},
		// TinyGSM on a BG96 (its issue 157): the library dumps an AT
		// every 300 ms while the modem restarts; none is echoed or
		// answered until RDY, so repeated ATs are tries, not echoes.
		{"a library's tries while the modem restarts", "AT+CFUN=1,1\r\nAT+CFUN=1,1\r\n\r\nOK\r\nAT\r\n+QIURC: \"pdpdeact\",1\r\nAT\r\nAT\r\nAT\r\n\r\nRDY\r\nAT\r\nAT\r\n\r\nOK\r\n",
			[]string{"command AT+CFUN=1,1", "echo AT+CFUN=1,1", "final OK", "command AT", "urc +QIURC: \"pdpdeact\",1", "command AT", "command AT", "command AT", "urc RDY", "command AT", "echo AT", "final OK"}},
		// Its POWERED DOWN, with TinyGSM's DBG() run on after it before
		// the line ended: the modem's URC, then the library's note; the
		// modem goes on restarting (the next AT is a try).
		{"a power-down URC with a library's print run on", "AT+CFUN=1,1\r\nAT+CFUN=1,1\r\n\r\nOK\r\n\r\nPOWERED DOWN[6036] ### TinyGSM Version: 0.7.9\r\nAT\r\nAT\r\n\r\nRDY\r\nAT\r\nAT\r\n\r\nOK\r\n",
			[]string{"command AT+CFUN=1,1", "echo AT+CFUN=1,1", "final OK", "urc POWERED DOWN", "note [6036] ### TinyGSM Version: 0.7.9", "command AT", "command AT", "urc RDY", "command AT", "echo AT", "final OK"}},
		{"a print run on after an unhandled line", "AT\r\nAT\r\n\r\nOK\r\n+QIURC: \"pdpdeact\",1[7000] ### Unhandled: +QIURC: \"pdpdeact\",1\r\n",
			[]string{"command AT", "echo AT", "final OK", "urc +QIURC: \"pdpdeact\",1", "note [7000] ### Unhandled: +QIURC: \"pdpdeact\",1"}},
		{"a library's dump after a restart with no boot URC: echoed, answered", "AT+CFUN=1,1\r\nAT+CFUN=1,1\r\n\r\nOK\r\nAT+CSQ\r\nAT+CSQ\r\n+CSQ: 20,99\r\nOK\r\n",
			[]string{"command AT+CFUN=1,1", "echo AT+CFUN=1,1", "final OK", "command AT+CSQ", "echo AT+CSQ", "info +CSQ: 20,99", "final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkEntries(t, tc.capture, Terminal, show, tc.want) })
	}
}

// TestTrailingCommand: a library's dump of a command that ran on after
// the sketch's text on the same line is the command, the text a note;
// text that only looks like it is left whole.
func TestTrailingCommand(t *testing.T) {
	for _, tc := range []struct {
		line, note, cmd string // cmd "": not split
	}{
		{"Waiting for network...AT+CEREG?", "Waiting for network...", "AT+CEREG?"},
		{"Initializing modem...AT", "Initializing modem...", "AT"},
		{`Connecting to APN:AT+CGDCONT=1,"IP","my apn"`, "Connecting to APN:", `AT+CGDCONT=1,"IP","my apn"`},
		{"Modem: ATI  SIM808 R14.18", "", ""}, // a blank before the AT, blanks after
		{"OKAT+CPIN?", "", ""},                // a final result run into an echo: normalise's
		{"STATUS", "", ""},
		{`Sending "AT" to Modem`, "", ""},
		{"...at+cpin?", "", ""},     // libraries send upper case
		{`PIN:AT+CPIN="12`, "", ""}, // no command line: its string is not closed
		{"AT+CPIN?", "", ""},        // a command line already
		// A note quoting a command: in typographic quotes, as a forum
		// turns "…" into them, or in backticks, it stays a note.
		{"// before I decided to send “AT+QSIMDET=1,0”.", "", ""},
		{"// then I sent `AT+CFUN=1,1`.", "", ""},
		{"«AT+CPIN?»", "", ""},
		{"「AT+CSQ」", "", ""},
		{"发送：AT+CPIN?", "发送：", "AT+CPIN?"}, // a note in Chinese, then the command
		// A library's dump has no blanks: "AT" then blanks, even where
		// V.250 ignores them, is a message (SIMCom's "*ATREADY: 1").
		{"Checking...AT+CSQ; +CPIN?", "", ""},
		{"*ATREADY: 1", "", ""},
	} {
		note, cmd, ok := trailingCommand(tc.line)
		if ok != (tc.cmd != "") || note != tc.note || cmd != tc.cmd {
			t.Errorf("%q: %q, %q, %v; want %q, %q", tc.line, note, cmd, ok, tc.note, tc.cmd)
		}
	}
	show := func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }
	checkEntries(t, "AT+CEREG=1\r\nOK\r\nWaiting for network...AT+CEREG?\r\n+CEREG: 1,4\r\nOK\r\n", Terminal, show,
		[]string{"command AT+CEREG=1", "echo AT+CEREG=1", "final OK", "note Waiting for network...", "command AT+CEREG?", "echo AT+CEREG?", "info +CEREG: 1,4", "final OK"})
	// The dump on the sketch's line, the modem's echo on the next.
	checkEntries(t, "ATI\r\nATI\r\nSIM808 R14.18\r\nOK\r\nWaiting for network...AT+CREG?\r\nAT+CREG?\r\n+CREG: 0,2\r\nOK\r\n", Terminal, show,
		[]string{"command ATI", "echo ATI", "info SIM808 R14.18", "final OK", "note Waiting for network...", "command AT+CREG?", "echo AT+CREG?", "info +CREG: 0,2", "final OK"})
}

// TestTerminalURCsAlone: a serial monitor left open while the SIM comes
// and goes holds the modem's URCs alone, perhaps after the sketch's
// banner: a terminal capture of URCs (replay refuses it as nothing to
// replay), not a log of no known format. Text after the URCs, or no URC
// at all, is no such capture.
func TestTerminalURCsAlone(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      []string // nil: no known format
	}{
		{"URCs", "+CPIN: SIM REMOVED\r\n\r\n+CPIN: READY\r\n", []string{"urc +CPIN: SIM REMOVED", "urc +CPIN: READY"}},
		{"after a banner", "You can now send AT commands\r\n****\r\n\r\nRDY\r\n+CPIN: SIM CRASH\r\nSMS DONE\r\n",
			[]string{"note You can now send AT commands", "note ****", "urc RDY", "urc +CPIN: SIM CRASH", "urc SMS DONE"}},
		{"text after the URCs", "+CPIN: READY\r\nhello\r\n", nil},
		{"no URC", "hello\r\nworld\r\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Detect("u.log", []byte(tc.log))
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), "no known log format") {
					t.Errorf("detected %q, %v; want no known log format", f, err)
				}
				return
			}
			if err != nil || f != Terminal {
				t.Fatalf("detected %q, %v; want terminal", f, err)
			}
			checkEntries(t, tc.log, "", func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }, tc.want)
		})
	}
}

// TestBareCommandLine: the one check of a whole command line, for a
// terminal run's typed commands and a library's run-on dump (r85 #7).
func TestBareCommandLine(t *testing.T) {
	for _, tc := range []struct {
		s          string
		ok, blanks bool
	}{
		{"AT+CPIN?", true, false},
		{"at+csq;+cpin?", true, false},
		{`AT+CGDCONT=1,"IP","my apn"`, true, false}, // a blank in a string is none
		{"AT+CSQ; +CPIN?", true, true},
		{`AT+CCHO= "A0000005591010FFFFFFFF8900000100"`, true, true},
		{"AT +CPIN?", true, true},
		{"AT reply state: 1", false, true},
		{"AT command sent", false, true},
		{"ATREADY: 1", true, true}, // V.250 parses it: the caller weighs the blank
		{"A/", false, false},
		{"OK", false, false},
		{`AT+CPIN="12`, false, false}, // its string is not closed
	} {
		if ok, blanks := bareCommandLine(tc.s); ok != tc.ok || blanks != tc.blanks {
			t.Errorf("bareCommandLine(%q) = %v, %v; want %v, %v", tc.s, ok, blanks, tc.ok, tc.blanks)
		}
	}
}

// TestTerminalUbxlibPrints: what u-blox's ubxlib prints of itself among
// its AT client's traffic — its modules' "U_CELL_NET: …" lines and the
// registration status it read ("-1: Deny") — is the library's, a note,
// as TinyGSM's DBG() lines are (outside tester t193, ubxlib issue 188:
// both read as the modem's URCs). A modem's own line of the same shape
// (a URC, information text) stays the modem's.
func TestTerminalUbxlibPrints(t *testing.T) {
	const creg = "AT+CREG?\r\n\r\n+CREG: 2,3\r\n\r\nOK\r\n"
	for _, tc := range []struct {
		name, capture string
		want          []string
	}{
		{"a module's line before a command", "AT\r\n\r\nOK\r\nU_CELL_NET: registering on 22812...\r\nAT+COPS=1,2,\"22812\"\r\n\r\n+CME ERROR: not found\r\n",
			[]string{"command AT", "echo AT", "final OK", "note U_CELL_NET: registering on 22812...", "command AT+COPS=1,2,\"22812\"", "echo AT+COPS=1,2,\"22812\"", "final +CME ERROR: not found"}},
		{"the AT client's line, before the first command", "U_AT_CLIENT_0-0: ready.\r\n" + creg,
			[]string{"note U_AT_CLIENT_0-0: ready.", "command AT+CREG?", "echo AT+CREG?", "info +CREG: 2,3", "final OK"}},
		{"the status it read", creg + "-1: Deny\r\n" + creg + "7: RegH\r\n",
			[]string{"command AT+CREG?", "echo AT+CREG?", "info +CREG: 2,3", "final OK", "note -1: Deny",
				"command AT+CREG?", "echo AT+CREG?", "info +CREG: 2,3", "final OK", "note 7: RegH"}},
		{"an unknown status", creg + "-1: Unk 12\r\n",
			[]string{"command AT+CREG?", "echo AT+CREG?", "info +CREG: 2,3", "final OK", "note -1: Unk 12"}},
		{"a modem's line of another shape", creg + "-1: Denied\r\n",
			[]string{"command AT+CREG?", "echo AT+CREG?", "info +CREG: 2,3", "final OK", "urc -1: Denied"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.capture, Terminal, func(e Entry) string { return strings.ToLower(e.Role.String()) + " " + e.Text }, tc.want)
		})
	}
}
