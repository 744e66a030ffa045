package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// A plain transcript pasted into a ticket may open with a few lines of
// the sender's (outside tester sw67: "Hi support, here is the log…" was
// refused): they are notes. A line of the AT conversation there lost its
// marker and is still refused, as more lines than a banner takes are.
func TestPlainBanner(t *testing.T) {
	const transcript = "> AT+CPIN?\n< +CPIN: READY\n< OK\n"
	for _, tc := range []struct {
		name, log, err string
		notes          int
	}{
		{"a greeting", "Hi support, here is the log from unit #4471 (EG25-G):\n\n" + transcript, "", 1},
		{"five lines", strings.Repeat("a line of the ticket\n", 5) + transcript, "", 5},
		{"six lines", strings.Repeat("a line of the ticket\n", 6) + transcript, "bad.log:6: a line before any direction marker", 0},
		{"a command without its marker", "hello\nAT+CSQ\n" + transcript, `bad.log:2: a line before any direction marker (">", "<", "-->", "<--", "TX:", "[RX]"): "AT+CSQ"`, 0},
		{"a URC without its marker", "+CEREG: 1\n" + transcript, "bad.log:1: a line before any direction marker", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("bad.log", []byte(tc.log), Plain)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			notes, cmds := 0, 0
			for _, e := range tr.Entries {
				switch e.Role {
				case Note:
					notes++
				case Command:
					cmds++
				}
			}
			if notes != tc.notes || cmds != 1 {
				t.Errorf("%d notes and %d commands, want %d and 1: %+v", notes, cmds, tc.notes, tr.Entries)
			}
		})
	}
}

// Lines of the kernel's log pasted among a transcript's (dmesg: the port
// gone as the USB device left) are notes of the host's, not the modem's
// text, which they continued before (outside tester sw67: read as URCs).
// The kernel's lines come in dmesg's form, dmesg -T's, the journal's and
// syslog's (outside tester sw73: all but the first read as URCs).
func TestPlainKernelLines(t *testing.T) {
	for _, tc := range []struct{ name, a, b string }{
		{"dmesg", "[ 4711.123456] usb 1-1.2: USB disconnect, device number 5", "[ 4711.124001] option1 ttyUSB2: GSM modem (1-port) converter now disconnected from ttyUSB2"},
		{"dmesg -T", "[Mon Nov 30 14:02:15 2026] usb 1-1.2: USB disconnect, device number 5", "[Mon Nov 30 14:02:15 2026] option1 ttyUSB2: GSM modem (1-port) converter now disconnected"},
		{"journal", "2026-11-30 14:02:15.000 kernel: usb 1-1.2: USB disconnect, device number 5", "2026-11-30 14:02:15.001 kernel: option1 ttyUSB2: GSM modem (1-port) converter now disconnected"},
		{"syslog", "Nov 30 14:02:15 gw kernel: [ 4711.123456] usb 1-1.2: USB disconnect, device number 5", "Nov 30 14:02:15 gw kernel: [ 4711.124001] option1 ttyUSB2: converter now disconnected"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := "2026-11-30 14:02:10.200 > AT+CEREG?\n2026-11-30 14:02:10.207 < +CEREG: 0,1\n2026-11-30 14:02:10.208 < OK\n" +
				tc.a + "\n" + tc.b + "\n" +
				"2026-11-30 14:02:20.200 > AT+CEREG?\n2026-11-30 14:02:20.209 < +CEREG: 0,1\n2026-11-30 14:02:20.210 < OK\n"
			tr, err := Read("k.log", []byte(log), Plain)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries {
				if e.Line == 4 || e.Line == 5 {
					got = append(got, e.Role.String())
				}
			}
			if strings.Join(got, " ") != "note note" {
				t.Errorf("the kernel's lines read as %v, want notes", got)
			}
		})
	}
}

// A terminal capture whose user quit the program waiting for an answer
// (picocom's closing lines after a command with no final result) is a
// hang the writer gave up on, not a log cut short (outside tester sw67:
// "truncated?", and the advice to cut out the failure itself). Without
// the closing lines it is still read as cut.
func TestTerminalQuitWaiting(t *testing.T) {
	const session = "AT+CPIN?\r\n+CPIN: READY\r\n\r\nOK\r\nAT+CSQ\r\n\r\n"
	tr, err := Read("pico.log", []byte(session+"Terminating...\r\nThanks for using picocom\r\n"), Terminal)
	if err != nil {
		t.Fatal(err)
	}
	var gaveUp []int
	for _, e := range tr.Entries {
		if e.GaveUpOn > 0 {
			gaveUp = append(gaveUp, e.Line, e.GaveUpOn)
		}
	}
	if fmt.Sprint(gaveUp) != "[7 5]" {
		t.Errorf("gave up %v, want [7 5]: Terminating... (line 7) on AT+CSQ (line 5)", gaveUp)
	}
	if _, err := Read("pico.log", []byte(session), Terminal); err == nil || !strings.Contains(err.Error(), "truncated?") {
		t.Errorf("no closing lines: %v, want truncated?", err)
	}
}
