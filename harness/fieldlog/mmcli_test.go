package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// TestMMCLIShapes: sessions of mmcli --command as people paste them (the
// prompts, sudo, quoting of OpenWrt's, Mobian's and the ModemManager
// issue trackers' reports; mmcli 1.20's own lines, taken against the
// emulated modem): each invocation is the command sent, its response the
// modem's lines and OK, its error the final result the modem gave, or a
// timeout, or nothing sent; every shape detected without a format named.
func TestMMCLIShapes(t *testing.T) {
	show := func(e Entry) string {
		s := fmt.Sprintf("%d %s %s", e.Line, e.Role, e.Text)
		if e.GaveUpOn > 0 {
			s += fmt.Sprintf(" (gave up on %d)", e.GaveUpOn)
		}
		return s
	}
	const unknown = "error: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.Unknown: Unknown error'\n"
	// The bus daemon's answer when ModemManager's reply did not come in
	// the call's time (dbus-daemon's wording).
	const noReply = "error: command failed: 'GDBus.Error:org.freedesktop.DBus.Error.NoReply: Did not receive a reply. Possible causes include: the remote application did not send a reply, the message bus security policy blocked the reply, the reply timeout expired, or the network connection was broken.'"
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"prompt and single quotes",
			"$ mmcli -m 0 --command='AT+CSIM=10,\"80F2000C00\"'\nresponse: '+CSIM: 4,\"9000\"'\n",
			[]string{`1 command AT+CSIM=10,"80F2000C00"`, `2 info +CSIM: 4,"9000"`, "2 final OK"}},
		{"root's prompt, double quotes with escapes",
			`root@OpenWrt:~# mmcli -m 4 --command="AT+CCHO=\"A0000005591010FFFFFFFF8900000100\""` + "\nresponse: '+CCHO: 1'\n",
			[]string{`1 command AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "2 info +CCHO: 1", "2 final OK"}},
		{"sudo, -m any, --timeout, the command as the next word",
			"~/$ sudo -E mmcli -m any --timeout=60 --command 'AT+COPS?'\nresponse: '+COPS: 0,2,\"26201\",7'\n",
			[]string{"1 command AT+COPS?", `2 info +COPS: 0,2,"26201",7`, "2 final OK"}},
		{"unquoted: the shell takes the quotes out, as the modem then got it",
			"pi@raspberrypi:~ $ sudo mmcli --modem=0 --command=AT+CGLA=1,10,\"80CA005A00\"\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectParameters: Incorrect parameters'\n",
			[]string{"1 command AT+CGLA=1,10,80CA005A00", "2 final +CME ERROR: 50"}},
		{"no prompt, a path, an empty response",
			"/usr/bin/mmcli -m0 --command=AT+CCHC=1\nresponse: ''\n",
			[]string{"1 command AT+CCHC=1", "2 final OK"}},
		// OpenWrt issue 26 of luci-app-modemdata: ATI's lines, and a
		// response ending in a line feed, its quote alone on a line.
		{"responses over several lines",
			"root@OpenWrt:~# mmcli -m 4 --command=\"ATI\"\nresponse: 'Manufacturer: Fibocom Wireless Inc.\nModel: FM350-GL\nRevision: 81600.0000.00.29.22.40\n\nIMEI: 861234567890123'\n" +
				"root@OpenWrt:~# mmcli -m 4 --command=\"AT+CGMI;+CGMM\"\nresponse: 'Fibocom Wireless Inc.\r\n\r\nFM350-GL\n'\n",
			[]string{"1 command ATI", "2 info Manufacturer: Fibocom Wireless Inc.", "3 info Model: FM350-GL", "4 info Revision: 81600.0000.00.29.22.40", "6 info IMEI: 861234567890123", "6 final OK",
				"7 command AT+CGMI;+CGMM", "8 info Fibocom Wireless Inc.", "10 info FM350-GL", "11 final OK"}},
		{"mmcli -v's lines are notes",
			"$ mmcli -v -m 0 --command=AT+CSQ\n[07 Dec 2026, 03:58:06] [Debug] ModemManager process found at ':1.0'\n\n[07 Dec 2026, 03:58:06] [Debug] Synchronously sending command to modem (29 seconds timeout)...\nresponse: '+CSQ: 30,99'\n",
			[]string{"1 command AT+CSQ", "2 note [07 Dec 2026, 03:58:06] [Debug] ModemManager process found at ':1.0'", "4 note [07 Dec 2026, 03:58:06] [Debug] Synchronously sending command to modem (29 seconds timeout)...", "5 info +CSQ: 30,99", "5 final OK"}},
		{"ModemManager's error for a bare ERROR",
			"$ mmcli -m 0 --command=AT+QCFG\n" + unknown,
			[]string{"1 command AT+QCFG", "2 final ERROR"}},
		{"the modem's errors by their 27.007 and 27.005 numbers, and V.250's words",
			"$ mmcli -m 0 --command='AT+CPIN=\"1234\"'\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.NotAllowed: Operation not allowed'\n" +
				"$ mmcli -m 0 --command='AT+CGLA=3,10,\"80CA005A00\"'\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.InvalidIndex: Invalid index'\n" +
				"$ mmcli -m 0 --command='AT+CSIM=10,\"80F2000C00\"'\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.SimBusy: SIM busy'\n" +
				"$ mmcli -m 0 --command='AT+CGATT=1'\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.GprsRoamingNotAllowed: Roaming not allowed in this location area'\n" +
				"$ mmcli -m 0 --command='AT+CMGR=9'\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Message.InvalidIndex: Invalid index'\n" +
				"$ mmcli -m 0 --command='ATD*99#'\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Connection.NoCarrier: No carrier'\n" +
				"$ mmcli -m 0 --command='AT+CGACT=1,1'\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.SomeLaterName: Some later error'\n",
			[]string{"1 command AT+CPIN=\"1234\"", "2 final +CME ERROR: 3", "3 command AT+CGLA=3,10,\"80CA005A00\"", "4 final +CME ERROR: 21",
				"5 command AT+CSIM=10,\"80F2000C00\"", "6 final +CME ERROR: 14", "7 command AT+CGATT=1", "8 final +CME ERROR: 113",
				"9 command AT+CMGR=9", "10 final +CMS ERROR: 321", "11 command ATD*99#", "12 final NO CARRIER",
				"13 command AT+CGACT=1,1", "14 final +CME ERROR: Some later error"}},
		{"a timeout is no answer: ModemManager's, and mmcli's own",
			"$ mmcli -m 0 --timeout=5 --command=AT+CSQ\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Serial.ResponseTimeout: Serial command timed out'\n" +
				"$ mmcli -m 0 --command=AT+COPS=?\nerror: command failed: 'Timeout was reached'\n" +
				"$ mmcli -m 0 --command=AT+CSQ\nresponse: '+CSQ: 30,99'\n",
			[]string{"1 command AT+CSQ", "2 note error: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Serial.ResponseTimeout: Serial command timed out' (gave up on 1)",
				"3 command AT+COPS=?", "4 note error: command failed: 'Timeout was reached' (gave up on 3)",
				"5 command AT+CSQ", "6 info +CSQ: 30,99", "6 final OK"}},
		{"refusals before the modem: notes, no command",
			"$ mmcli -m 5 --command=AT+CSQ\nerror: couldn't find modem\n" +
				"$ mmcli -m any --command=AT+CSQ\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Core.Unauthorized: Cannot send AT command to modem: operation only allowed in debug mode'\n" +
				"$ mmcli -m 0 --timeout=1 --command=AT+CSQ\nerror: timeout is too short (0)\n" +
				"$ mmcli -L\n    /org/freedesktop/ModemManager1/Modem/0 [esimhil] esimhil modem emulator\n" +
				"$ mmcli -m 0 --command=AT+CSQ\nresponse: '+CSQ: 30,99'\n",
			[]string{"1 note $ mmcli -m 5 --command=AT+CSQ", "2 note error: couldn't find modem",
				"3 note $ mmcli -m any --command=AT+CSQ", "4 note error: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Core.Unauthorized: Cannot send AT command to modem: operation only allowed in debug mode'",
				"5 note $ mmcli -m 0 --timeout=1 --command=AT+CSQ", "6 note error: timeout is too short (0)",
				"7 note $ mmcli -L", "8 note     /org/freedesktop/ModemManager1/Modem/0 [esimhil] esimhil modem emulator",
				"9 command AT+CSQ", "10 info +CSQ: 30,99", "10 final OK"}},
		// Mobian's report (pinephone_modem_sdk issue 164): a command line
		// made by the shell, refused before it reached the modem, then
		// polkit's refusal, its message quoted within mmcli's quotes.
		{"a refused command made by the shell",
			"~/$ sudo mmcli -m any --command=$(echo AT+CCLK=\\\"`date -u +%y/%m/%d`\\\")\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Core.Unauthorized: Cannot send AT command to modem: operation only allowed in debug mode'\n" +
				"~/$ mmcli -m any --command=AT+CSQ\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Core.Unauthorized: PolicyKit authorization failed: not authorized for 'org.freedesktop.ModemManager1.Device.Control''\n" +
				"~/$ sudo mmcli -m any --command=AT+CSQ\nresponse: '+CSQ: 18,99'\n",
			[]string{"1 note ~/$ sudo mmcli -m any --command=$(echo AT+CCLK=\\\"`date -u +%y/%m/%d`\\\")",
				"2 note error: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Core.Unauthorized: Cannot send AT command to modem: operation only allowed in debug mode'",
				"3 note ~/$ mmcli -m any --command=AT+CSQ",
				"4 note error: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Core.Unauthorized: PolicyKit authorization failed: not authorized for 'org.freedesktop.ModemManager1.Device.Control''",
				"5 command AT+CSQ", "6 info +CSQ: 18,99", "6 final OK"}},
		{"CR LF line ends",
			"$ mmcli -m 0 --command=AT+CSQ\r\nresponse: '+CSQ: 30,99'\r\n",
			[]string{"1 command AT+CSQ", "2 info +CSQ: 30,99", "2 final OK"}},
		{"the bus's reply timeout is no answer either",
			"$ mmcli -m 0 --command=AT+COPS=?\n" + noReply + "\n$ mmcli -m 0 --command=AT+CSQ\nresponse: '+CSQ: 30,99'\n",
			[]string{"1 command AT+COPS=?", "2 note " + noReply + " (gave up on 1)", "3 command AT+CSQ", "4 info +CSQ: 30,99", "4 final OK"}},
		{"a response's lines without the blanks that end them",
			"$ mmcli -m 0 --command=ATI\nresponse: 'Quectel  \nEC25 \t\nRevision: EC25EFAR06A06M4G'\n",
			[]string{"1 command ATI", "2 info Quectel", "3 info EC25", "4 info Revision: EC25EFAR06A06M4G", "4 final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkDetected(t, MMCLI, tc.log, show, tc.want, "")
			tr, err := Read("test.log", []byte(tc.log), "")
			if err != nil {
				t.Fatal(err)
			}
			if tr.Clock != NoTime || tr.ShowsEcho {
				t.Errorf("clock %s, echo %v; want none, no echo", tr.Clock, tr.ShowsEcho)
			}
		})
	}
}

// TestMMCLIBad: what a session cannot say is an error naming the line and
// what was wanted.
func TestMMCLIBad(t *testing.T) {
	for _, tc := range []struct{ name, log, want string }{
		{"a shell expansion",
			"~/$ sudo mmcli -m any --command=$(echo AT+CCLK=\\\"`date -u +%y/%m/%d`\\\")\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectParameters: Incorrect parameters'\n",
			"test.log:1: a shell expansion ($…, `…`) in --command: the command line the shell made of it is not in the log"},
		{"a quote not closed",
			"$ mmcli -m 0 --command='AT+CSQ\nresponse: '+CSQ: 30,99'\n",
			"test.log:1: a single quote not closed"},
		{"a response cut inside",
			"$ mmcli -m 0 --command=ATI\nresponse: 'Manufacturer: Fibocom\nModel: FM350-GL\n",
			"test.log:2: a response whose closing quote (') never comes: the log is cut inside it"},
		{"something else after the invocation",
			"$ mmcli -m 0 --command=AT+CSQ\nresponse: '+CSQ: 30,99'\n$ mmcli -m 0 --command=AT+CPIN?\n+CPIN: READY\n",
			"test.log:4: after an mmcli --command line, want \"response: '…'\" or \"error: …\", got \"+CPIN: READY\""},
		{"an error of no known form",
			"$ mmcli -m 0 --command=AT+CSQ\nerror: command failed: 'GDBus.Error:bad'\n",
			"test.log:2: an mmcli error line of no known form"},
		{"the log ends on an invocation, as any log cut after a command",
			"$ mmcli -m 0 --command=AT+CSQ\nresponse: '+CSQ: 30,99'\n$ mmcli -v -m 0 --command='AT+COPS=?'\n[07 Dec 2026, 03:58:06] [Debug] Synchronously sending command to modem (29 seconds timeout)...\n",
			"test.log:3: the log ends before the final result of AT+COPS=?: truncated?"},
		{"two modems",
			"$ mmcli -m 0 --command=AT+CSQ\nresponse: '+CSQ: 30,99'\n$ mmcli -m 1 --command=AT+CSQ\nresponse: '+CSQ: 12,99'\n",
			"test.log:3: a command to modem 1 after ones to modem 0 (line 1): a log is one modem's"},
		{"two modems, by --modem= and --modem",
			"$ mmcli --modem=0 --command=AT+CSQ\nresponse: '+CSQ: 30,99'\n$ mmcli --modem 1 --command=AT+CSQ\nresponse: '+CSQ: 12,99'\n",
			"test.log:3: a command to modem 1 after ones to modem 0 (line 1): a log is one modem's"},
		{"refused, each of them",
			"$ mmcli -m any --command=AT+CSQ\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Core.Unauthorized: Cannot send AT command to modem: operation only allowed in debug mode'\n",
			"test.log:2: mmcli's --command lines, but each was refused before it reached the modem"},
		{"refused, each of them: the first named",
			"$ mmcli -m 5 --command=AT+CSQ\nerror: couldn't find modem\n$ mmcli -m 0 --timeout=1 --command=AT+CSQ\nerror: timeout is too short (0)\n",
			"test.log:2: mmcli's --command lines, but each was refused before it reached the modem, as this one: error: couldn't find modem:"},
		{"a shell expansion in the word after --command",
			"$ mmcli -m 0 --command \"AT+CPIN=$PIN\"\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectPassword: Incorrect password'\n",
			"test.log:1: a shell expansion ($…, `…`) in --command"},
		{"a shell expansion whose command timed out",
			"$ mmcli -m 0 --command=\"AT+CSIM=10,\\\"$APDU\\\"\"\nerror: command failed: 'GDBus.Error:org.freedesktop.ModemManager1.Error.Serial.ResponseTimeout: Serial command timed out'\n",
			"test.log:1: a shell expansion ($…, `…`) in --command"},
		{"refused, then the log ends on an invocation",
			"$ mmcli -m 5 --command=AT+CSQ\nerror: couldn't find modem\n$ mmcli -m 0 --command=AT+COPS?\n",
			"test.log:3: the log ends before the final result of AT+COPS?"},
		{"the log cut inside its last line, an invocation",
			"$ mmcli -m 0 --command=AT+CSQ\nresponse: '+CSQ: 30,99'\n$ mmcli -m 0 --command=AT+COPS?",
			"the log is cut off (its last line, 3, has no line ending)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("test.log", []byte(tc.log), "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			_, err = Read("test.log", []byte(tc.log), MMCLI)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("as mmcli: error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestShellWords: the arguments as a POSIX shell splits them.
func TestShellWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		exp  []bool
	}{
		{` -m 0 --command='AT+CSIM=10,"80F2000C00"'`, []string{"-m", "0", `--command=AT+CSIM=10,"80F2000C00"`}, []bool{false, false, false}},
		{` --command="AT+CPIN=\"1234\""`, []string{`--command=AT+CPIN="1234"`}, []bool{false}},
		{` --command=AT+CPIN=\"1234\"`, []string{`--command=AT+CPIN="1234"`}, []bool{false}},
		{` --command=AT+CPIN="1234"`, []string{`--command=AT+CPIN=1234`}, []bool{false}},
		{` --command="AT+CUSD=1,\"$CODE\""`, []string{`--command=AT+CUSD=1,"$CODE"`}, []bool{true}},
		{` --command='AT$QCPWD'`, []string{`--command=AT$QCPWD`}, []bool{false}}, // single quotes: no expansion
		{` --command= `, []string{"--command="}, []bool{false}},
		{` ''`, []string{""}, []bool{false}},
	} {
		w, exp, err := shellWords(tc.in)
		if err != "" || fmt.Sprint(w) != fmt.Sprint(tc.want) || fmt.Sprint(exp) != fmt.Sprint(tc.exp) {
			t.Errorf("shellWords(%q) = %q %v %q; want %q %v", tc.in, w, exp, err, tc.want, tc.exp)
		}
	}
}

// TestMMCLIDoesNotSteal: a line that names mmcli --command in another
// format's log (a ModemManager journal with the command that started it
// at its top, a terminal session's note) leaves that log its format.
func TestMMCLIDoesNotSteal(t *testing.T) {
	for _, tc := range []struct {
		name, log string
		want      Format
	}{
		{"a ModemManager debug log after the invocation",
			"$ sudo mmcli -m 0 --command=AT+CSQ\n" +
				"ModemManager[901]: <debug> [1664875764.965245] [modem0/ttyUSB2/at] --> 'AT+CSQ<CR>'\n" +
				"ModemManager[901]: <debug> [1664875764.975034] [modem0/ttyUSB2/at] <-- '<CR><LF>+CSQ: 20,99<CR><LF><CR><LF>OK<CR><LF>'\n",
			MM},
		{"a plain transcript",
			"# ran mmcli -m 0 --command=AT+CSQ first\n> AT+CSQ\n< +CSQ: 20,99\n< OK\n",
			Plain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f, err := Detect("test.log", []byte(tc.log)); err != nil || f != tc.want {
				t.Errorf("Detect = %q, %v; want %s", f, err, tc.want)
			}
		})
	}
}
