package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// TestGsmmodem: python-gsmmodem's debug logs as pasted into its issue
// trackers (each row names its source, trimmed): detected without a
// format named, each write the host's command, each response list the
// modem's lines for it (the echo's CR taken off), notifications URCs,
// the TimeoutException of a traceback the library giving up on the
// command pending; before the reader, every row was refused as "no
// known log format".
func TestGsmmodem(t *testing.T) {
	show := func(e Entry) string {
		s := fmt.Sprintf("%d %s %s", e.Line, e.Role, e.Text)
		if e.GaveUpOn > 0 {
			s += fmt.Sprintf(" (gave up on %d)", e.GaveUpOn)
		}
		if e.Late != "" {
			s += " (" + e.Late + ")"
		}
		return s
	}
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		// babca/python-gsmmodem issue 58 (a Quectel M95), trimmed.
		{"levelname: message, echo off, several lines answered",
			"Initializing modem...\nINFO: Connecting to modem on port /dev/ttyUSB0 at 19200bps\nDEBUG: write: ATZ\nDEBUG: response: ['OK']\n" +
				"DEBUG: write: AT+CLAC\nDEBUG: response: ['+CME ERROR: 100']\n" +
				"DEBUG: write: AT+CSCS=?\nDEBUG: response: ['+CSCS: (\"GSM\",\"HEX\",\"IRA\",\"PCCP437\",\"UCS2\",\"8859-1\")', 'OK']\n" +
				"DEBUG: write: AT+CGMI\nDEBUG: response: ['Quectel_Ltd', 'Quectel_M95', 'Revision: MTK 0828', 'OK']\n",
			[]string{"1 note Initializing modem...", "2 note INFO: Connecting to modem on port /dev/ttyUSB0 at 19200bps",
				"3 command ATZ", "4 final OK", "5 command AT+CLAC", "6 final +CME ERROR: 100",
				"7 command AT+CSCS=?", `8 info +CSCS: ("GSM","HEX","IRA","PCCP437","UCS2","8859-1")`, "8 final OK",
				"9 command AT+CGMI", "10 info Quectel_Ltd", "10 info Quectel_M95", "10 info Revision: MTK 0828", "10 final OK"}},
		// faucamp/python-gsmmodem issue 11: the echo in the list with
		// its CR, a PIN entered, the library's other lines notes.
		{"echo on, SIM PIN",
			"DEBUG: write: AT+CPIN?\nDEBUG: response: ['AT+CPIN?\\r', '+CPIN: SIM PIN', 'OK']\nDEBUG: write: AT+CPIN=\"1111\"\nDEBUG: response: ['AT+CPIN=\"1111\"\\r', 'OK']\n" +
				"DEBUG: write: AT+CSCA?\nDEBUG: response: ['+CME ERROR: 14']\nDEBUG: 515 error detected; self._writeWait adjusted to 0s\n",
			[]string{"1 command AT+CPIN?", "2 echo AT+CPIN?", "2 info +CPIN: SIM PIN", "2 final OK",
				`3 command AT+CPIN="1111"`, `4 echo AT+CPIN="1111"`, "4 final OK",
				"5 command AT+CSCA?", "6 final +CME ERROR: 14", "7 note DEBUG: 515 error detected; self._writeWait adjusted to 0s"}},
		// faucamp/python-gsmmodem issue 97: registration URCs the
		// library took into a response, a notification after it.
		{"URCs in a response, a notification",
			"DEBUG: write: AT+CUSD=1,\"8574\",15\nDEBUG: response: ['+CREG: 1, 5C9, 39E5', 'OK']\nDEBUG: notification: ['+CUSD: 5']\n",
			[]string{`1 command AT+CUSD=1,"8574",15`, "2 urc +CREG: 1, 5C9, 39E5", "2 final OK", "3 urc +CUSD: 5"}},
		// faucamp/python-gsmmodem issue 97 again, as pasted: the modem
		// ended the USSD with a final result after the command's OK,
		// which the library logs as a notification ("Unhandled
		// unsolicited"): read, marked late and not compared (o300 F1).
		{"a late final result in a notification",
			"DEBUG: write: AT+CUSD=1,\"8574\",15\nDEBUG: response: ['+CREG: 1, 5C9, 39E5', '+CGREG: 1, 5C9, 39E5', 'OK']\n" +
				"DEBUG: notification: ['+CME ERROR: 258']\nDEBUG: Unhandled unsolicited modem notification: ['+CME ERROR: 258']\n" +
				"DEBUG: notification: ['+CUSD: 5']\nException in thread Thread-6:\n",
			[]string{`1 command AT+CUSD=1,"8574",15`, "2 urc +CREG: 1, 5C9, 39E5", "2 urc +CGREG: 1, 5C9, 39E5", "2 final OK",
				"3 final +CME ERROR: 258 (python-gsmmodem's notification: a final result no command awaits (sent late by the modem): not compared)",
				"4 note DEBUG: Unhandled unsolicited modem notification: ['+CME ERROR: 258']", "5 urc +CUSD: 5", "6 note Exception in thread Thread-6:"}},
		// faucamp/python-gsmmodem issue 77: AT+CPIN? never answered,
		// the script's traceback ending in the library's timeout.
		{"a traceback's TimeoutException gives up on the command",
			"DEBUG: write: AT+CMEE=1\nDEBUG: response: ['OK']\nDEBUG: write: AT+CPIN?\nTraceback (most recent call last):\n" +
				"  File \"C:\\Python27\\lib\\site-packages\\gsmmodem\\serial_comms.py\", line 135, in write\n    raise TimeoutException()\ngsmmodem.exceptions.TimeoutException\n",
			[]string{"1 command AT+CMEE=1", "2 final OK", "3 command AT+CPIN?", "4 note Traceback (most recent call last):",
				`5 note   File "C:\Python27\lib\site-packages\gsmmodem\serial_comms.py", line 135, in write`, "6 note     raise TimeoutException()",
				"7 note gsmmodem.exceptions.TimeoutException (gave up on 3)"}},
		// basicConfig's default format, and an asctime with " - ".
		{"logging's other formats",
			"DEBUG:gsmmodem.serial_comms.SerialComms:write: AT+CSQ\nDEBUG:gsmmodem.serial_comms.SerialComms:response: ['+CSQ: 17,99', 'OK']\n" +
				"2026-03-02 10:00:01,105 - gsmmodem.modem.GsmModem - DEBUG - write: AT+COPS?\n2026-03-02 10:00:01,180 - gsmmodem.modem.GsmModem - DEBUG - response: [u'+COPS: 0,0,\"Orange F\"', u'OK']\n",
			[]string{"1 command AT+CSQ", "2 info +CSQ: 17,99", "2 final OK", "3 command AT+COPS?", `4 info +COPS: 0,0,"Orange F"`, "4 final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDetected(t, Gsmmodem, tc.log, show, tc.want, "") })
	}
}

// TestGsmmodemLateRendered: the transcript shows the late final result's
// note beside it, and a final result in a notification before any
// command stays the answer the log begins inside, not a late one.
func TestGsmmodemLateRendered(t *testing.T) {
	for _, tc := range []struct{ name, log, want, not string }{
		{"after its command's OK",
			"DEBUG: write: AT+CUSD=1,\"8574\",15\nDEBUG: response: ['OK']\nDEBUG: notification: ['+CME ERROR: 258']\n",
			"test.log:3  <  final    +CME ERROR: 258  (python-gsmmodem's notification: a final result no command awaits (sent late by the modem): not compared)\n", ""},
		{"before any command",
			"DEBUG: notification: ['+CME ERROR: 258']\nDEBUG: write: AT\nDEBUG: response: ['OK']\n",
			"(the answer the log begins inside: skipped)", "sent late"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("test.log", []byte(tc.log), Gsmmodem)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := tr.Render(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tc.want) || tc.not != "" && strings.Contains(b.String(), tc.not) {
				t.Errorf("rendered:\n%s\nwant %q, not %q", b.String(), tc.want, tc.not)
			}
		})
	}
}

// TestGsmmodemBad: a response list the paste cut is an error naming its
// line, never a list read short.
func TestGsmmodemBad(t *testing.T) {
	for _, tc := range []struct{ name, log, want string }{
		{"cut inside an item", "DEBUG: write: AT+CGMI\nDEBUG: response: ['Quectel_Ltd', 'Quec\n", "test.log:2: python-gsmmodem's response list: an item whose quote is not closed: cut"},
		{"cut before the ]", "DEBUG: write: AT+CGMI\nDEBUG: response: ['Quectel_Ltd', 'OK'\n", "test.log:2: python-gsmmodem's response list: cut before its closing ]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("test.log", []byte(tc.log), Gsmmodem)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v; want %q…", err, tc.want)
			}
		})
	}
}
