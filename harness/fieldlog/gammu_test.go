package fieldlog

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// TestGammuRowLayouts: a dump line reads the same in both layouts gammu
// has written — the text column at the 64th column with the 16th byte's
// own character left out (gammu 1.13), or at the 65th with it (1.3x and
// later) — and with the padding a log tool trimmed; a character that is
// not its byte's, or a missing separator, is no dump line.
func TestGammuRowLayouts(t *testing.T) {
	want := []byte("AT+CMEE=1\r\r\nOK\r\n")
	for _, tc := range []struct {
		name, row string
		n         int
		ok        bool
	}{
		{"old layout", "41A|54T|2B+|43C|4DM|45E|45E|3D=|311|0D |0D |0A |4FO|4BK|0D |0A AT+CMEE=1...OK..", 16, true},
		{"new layout", "41A|54T|2B+|43C|4DM|45E|45E|3D=|311|0D |0D |0A |4FO|4BK|0D |0A  AT+CMEE=1...OK..", 16, true},
		{"a short last row", "41A|54T|2B+|43C|4DM|45E|45E|3D=|311|0D                         AT+CMEE=1.", 10, true},
		{"trimmed after its last byte", "41A|54T|2B+|43C|4DM|45E|45E|3D=|311|0D", 10, true},
		{"a character not its byte's", "41B|54T|2B+|43C|4DM|45E|45E|3D=|311|0D", 10, false},
		{"a separator missing", "41A 54T|2B+|43C|4DM|45E|45E|3D=|311|0D", 10, false},
		{"not hex", "4GA|54T|2B+|43C|4DM|45E|45E|3D=|311|0D", 10, false},
		{"too short", "41A|54T", 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := gammuRow(tc.row, tc.n)
			if ok != tc.ok || ok && !bytes.Equal(got, want[:tc.n]) {
				t.Errorf("gammuRow = %q, %v; want %q, %v", got, ok, want[:tc.n], tc.ok)
			}
		})
	}
}

// TestControlLineEnd: a line of control characters alone (gammu's ESC CR
// to leave an SMS prompt) is no command line (V.250 §5.2.1): a log that
// ends on it is read to its end, as one that goes on after it is. A log
// cut before another command's final result names that command with its
// control characters shown, never as an empty name.
func TestControlLineEnd(t *testing.T) {
	const (
		at = "SENDING frame type 0x00/length 0x03/3\n" +
			"41A|54T|0D                                                      AT.\n" +
			"RECEIVED frame type 0x00/length 0x09/9\n" +
			"41A|54T|0D |0D |0A |4FO|4BK|0D |0A                              AT...OK..\n"
		escape = "Escaping SMS mode\n" +
			"SENDING frame type 0x00/length 0x02/2\n" +
			"1B |0D                                                          ..\n"
	)
	for _, tc := range []struct {
		name, log string
		format    Format
		err       string // "" reads
	}{
		{"gammu's ESC ends the log", at + escape, Gammu, ""},
		{"gammu's ESC mid-log", at + escape + at, Gammu, ""},
		{"a PDU sent with Ctrl-Z, unanswered", "<dbg> [ttyUSB2/at] --> 'AT+CMGS=2<CR>'\n<dbg> [ttyUSB2/at] <-- '<CR><LF>> '\n" +
			"<dbg> [ttyUSB2/at] --> '0011\\26'\n", MM, `x.log:3: the log ends before the final result of 0011<^Z>: truncated?; the log stops in line 3: if it was cut there (log rotation, a paste), cut it after line 2, before that command, to replay what comes before it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("x.log", []byte(tc.log), tc.format)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range tr.Entries {
				if e.Role == Command && ControlOnly(e.Text) && len(tr.Answer(i)) > 0 {
					t.Errorf("line %d: the ESC has an answer", e.Line)
				}
			}
		})
	}
}

// TestGammuCutAfterParsing: gammu logs the lines it parsed out of an
// answer before the RECEIVED frame they come from; a log cut between the
// two reads its last answer from them (outside tester t79 F6: a Huawei
// log ending `2 "OK"`, `AT reply state: 1` was refused as one that ends
// before the final result). With the frame there, they repeat it.
func TestGammuCutAfterParsing(t *testing.T) {
	const (
		sent = "SENDING frame type 0x00/length 0x0D/13\n" +
			"41A|54T|5E^|50P|4FO|52R|54T|53S|45E|4CL|3D=|311|0D              AT^PORTSEL=1.\n"
		parsed   = "1 \"AT^PORTSEL=1\"\n2 \"OK\"\nChecking line: OK\nAT reply state: 1\n"
		received = "RECEIVED frame type 0x00/length 0x13/19\n" +
			"41A|54T|5E^|50P|4FO|52R|54T|53S|45E|4CL|3D=|311|0D |0D |0A |4FO  AT^PORTSEL=1...O\n" +
			"4BK|0D |0A                                                      K..\n"
	)
	show := func(e Entry) string { return fmt.Sprintf("%d %s %s", e.Line, strings.ToLower(e.Role.String()), e.Text) }
	for _, tc := range []struct {
		name, log string
		want      []string
	}{
		{"cut after the parsed lines", sent + parsed,
			[]string{"2 command AT^PORTSEL=1", "3 echo AT^PORTSEL=1", "4 final OK", "5 note Checking line: OK", "6 note AT reply state: 1"}},
		{"the frame after them", sent + parsed + received,
			[]string{"2 command AT^PORTSEL=1", "5 note Checking line: OK", "6 note AT reply state: 1", "8 echo AT^PORTSEL=1", "8 final OK"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEntries(t, tc.log, Gammu, show, tc.want)
		})
	}
	// Cut before gammu parsed a final result, the log is one that ends
	// before it.
	_, err := Read("x.log", []byte(sent+"1 \"AT^PORTSEL=1\"\n"), Gammu)
	if want := "x.log:2: the log ends before the final result of AT^PORTSEL=1"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err %v, want %q…", err, want)
	}
}
