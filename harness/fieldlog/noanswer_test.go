package fieldlog

import (
	"strings"
	"testing"
)

// TestNoAnswerNote: an at.log whose last command the modem never answered
// reads when its writer says so (NoAnswerNote) and is refused as cut off
// when it does not, or when the note names another command.
func TestNoAnswerNote(t *testing.T) {
	const head = "2026-01-01T00:00:00Z > AT+CPIN?\n2026-01-01T00:00:00Z < +CPIN: READY\n2026-01-01T00:00:00Z < OK\n" +
		"2026-01-01T00:00:01Z > AT+CSQ\n"
	for _, tc := range []struct {
		name, tail string
		err        string // "" reads
	}{
		{"the note", "2026-01-01T00:00:05Z # no answer: AT+CSQ\n", ""},
		{"a URC, then the note", "2026-01-01T00:00:02Z < RDY\n2026-01-01T00:00:05Z # no answer: AT+CSQ\n", ""},
		{"no note", "", "at.log:4: the log ends before the final result of AT+CSQ: truncated?"},
		{"another command's note", "2026-01-01T00:00:05Z # no answer: AT+CPIN?\n", "at.log:4: the log ends before the final result of AT+CSQ: truncated?"},
		{"a note that only begins so", "2026-01-01T00:00:05Z # no answer: AT+CSQ twice\n", "at.log:4: the log ends before the final result of AT+CSQ: truncated?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("at.log", []byte(head+tc.tail), ATLog)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n := len(tr.Answer(3)); n != 0 {
				t.Errorf("AT+CSQ has %d answer lines, want none", n)
			}
			if last := tr.Entries[len(tr.Entries)-1]; last.Role != Note || last.Text != NoAnswerNote("AT+CSQ") || last.GaveUpOn != 4 {
				t.Errorf("last entry %v %q (gave up on %d), want the note giving up on line 4", last.Role, last.Text, last.GaveUpOn)
			}
		})
	}
}

// TestWriterTimeouts: a log whose writer says it gave up waiting for an
// answer (gammu's retries and ERR_TIMEOUT, ModemManager's "Serial command
// timed out" and its count of a port's timeouts) leaves that command
// unanswered and reads to its end; without such a note, or with one that
// could be any of several pending commands, a last command without its
// answer is still a log cut off.
func TestWriterTimeouts(t *testing.T) {
	const (
		gammuHead = "SENDING frame type 0x00/length 0x07/7\n" +
			"41A|54T|2B+|43C|53S|51Q|0D                                     AT+CSQ.         \n"
		mmHead = "<dbg> [1772524801.100211] [modem0/ttyUSB2/at] --> 'AT+CSQ<CR>'\n"
		mmTwo  = "<dbg> [1772524801.100211] [modem0/ttyUSB2/at] --> 'AT+CSQ<CR>'\n" +
			"<dbg> [1772524801.200211] [modem0/ttyUSB3/at] --> 'AT+CEREG?<CR>'\n"
	)
	for _, tc := range []struct {
		name, log string
		format    Format
		gaveUp    int    // the line of the command a note gave up on
		err       string // "" reads
	}{
		{"gammu retries", gammuHead + "[Retrying 1 type 0x00]\n" + gammuHead + "Leaving GSM_GetSignalQuality\n" +
			"GSM_GetSignalQuality failed with error TIMEOUT[14]: No response in specified timeout. Probably phone not connected.\n", Gammu, 5, ""},
		{"gammu-smsd's own words", gammuHead + "Error getting signal: No response in specified timeout. Probably phone not connected. (TIMEOUT[14])\n", Gammu, 2, ""},
		{"gammu without a timeout", gammuHead + "Leaving GSM_GetSignalQuality\n", Gammu, 0, "the log ends before the final result of AT+CSQ: truncated?"},
		{"gammu's retry of another type", gammuHead + "[Retrying 1 type 0x02]\n", Gammu, 0, "truncated?"},
		{"chat's alarm", "chat[1]: send (AT+CSQ^M)\nchat[1]: expect (OK)\nchat[1]: ^M\nchat[1]: alarm\nchat[1]: Failed\n", Chat, 1, ""},
		{"chat's alarm after the answer, then its next branch", "chat[1]: send (AT+CSQ^M)\nchat[1]: expect (OK)\nchat[1]: AT+CSQ^M^M\nchat[1]: ERROR^M\nchat[1]: alarm\n" +
			"chat[1]: send (AT^M)\nchat[1]: expect (OK)\nchat[1]: alarm\nchat[1]: Failed\n", Chat, 6, ""},
		{"chat without an alarm", "chat[1]: send (AT+CSQ^M)\nchat[1]: expect (OK)\n", Chat, 0, "truncated?"},
		{"oFono never gives up", "ofonod[1]: Aux: > AT+CSQ\\r\nofonod[1]: drivers/atmodem/network-registration.c:csq_cb() x\n", Ofono, 0, "truncated?"},
		{"MM's error", mmHead + "<dbg> [1772524804.2] [modem0] couldn't load signal quality: 'Serial command timed out'\n", MM, 1, ""},
		{"MM's count names the port", mmTwo + "<wrn> [1772524804.2] [modem0] port ttyUSB3 timed out 2 consecutive times\n" +
			"<dbg> [1772524804.3] [modem0/ttyUSB2/at] <-- '<CR><LF>+CSQ: 20,99<CR><LF><CR><LF>OK<CR><LF>'\n", MM, 2, ""},
		{"MM's error with two commands pending", mmTwo + "<dbg> [1772524804.2] [modem0] couldn't load signal quality: 'Serial command timed out'\n", MM, 0, "truncated?"},
		{"MM's count of another port", mmHead + "<wrn> [1772524804.2] [modem0] port ttyUSB3 timed out 2 consecutive times\n", MM, 0, "truncated?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("x.log", []byte(tc.log), tc.format)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gaveUp []int
			for _, e := range tr.Entries {
				if e.GaveUpOn > 0 {
					gaveUp = append(gaveUp, e.GaveUpOn)
				}
			}
			if len(gaveUp) == 0 || gaveUp[len(gaveUp)-1] != tc.gaveUp {
				t.Errorf("notes gave up on lines %v, want the last on %d", gaveUp, tc.gaveUp)
			}
		})
	}
}

// TestATLogOfNotesAlone: the harness's at.log of a replay that played
// nothing holds notes alone; it is read as such (the at.log reader refuses
// any line it cannot read), while a log of another format read as at.log
// is still refused.
func TestATLogOfNotesAlone(t *testing.T) {
	tr, err := Read("host.log", []byte("2026-01-01T00:00:10Z # not played: AT+QBOGUS (d1.log:1): +QBOGUS is not emulated\n"), ATLog)
	if err != nil {
		t.Fatalf("notes alone: %v", err)
	}
	if len(tr.Entries) != 1 || tr.Entries[0].Role != Note {
		t.Errorf("entries %+v, want one note", tr.Entries)
	}
	if _, err := Read("host.log", []byte("> AT\n< OK\n"), ATLog); err == nil {
		t.Error("a plain transcript read as at.log: no error")
	}
}
