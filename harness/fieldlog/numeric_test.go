package fieldlog

import (
	"fmt"
	"strings"
	"testing"
)

// TestNumericResults: the modem's result-code form is tracked over a
// transcript (ATV0 in a compound line, ATV, ATZ and AT&W's profile, AT&F, ATV1), and a bare
// result digit is a command's final result only while it is numeric (or
// before the log shows either form), unless a final result follows it.
// Each case is a plain transcript; want is the role of each modem line,
// "final [OK]" for a numeric final.
func TestNumericResults(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  []string
		want []string
	}{
		{"ATV0 alone", []string{"> ATV0", "< 0", "> AT+CSQ", "< +CSQ: 24,99", "< 0"},
			[]string{"final [OK]", "info", "final [OK]"}},
		{"ATE0V0", []string{"> ATE0V0", "< ATE0V0", "< 0", "> AT+CPIN?", "< 4"},
			[]string{"echo", "final [OK]", "final [ERROR]"}},
		{"AT&FE0V0", []string{"> AT", "< OK", "> AT&FE0V0", "< 0", "> AT+CSQ", "< 0"},
			[]string{"final", "final [OK]", "final [OK]"}},
		{"ATV0+CMEE=1", []string{"> AT", "< OK", "> ATV0+CMEE=1", "< 0", "> AT+CIMI", "< +CME ERROR: 10", "> AT", "< 0"},
			[]string{"final", "final [OK]", "final", "final [OK]"}},
		{"ATV with no digit is ATV0", []string{"> AT", "< OK", "> ATV", "< 0", "> AT", "< 0"},
			[]string{"final", "final [OK]", "final [OK]"}},
		{"ATV0 answered in words", []string{"> AT", "< OK", "> ATV0", "< OK", "> AT", "< 0"},
			[]string{"final", "final", "final [OK]"}},
		{"ATV0 refused stays verbose", []string{"> AT", "< OK", "> ATV0S99=1", "< ERROR", "> ATS3?", "< 0", "< OK"},
			[]string{"final", "final", "info", "final"}},
		{"ATV1 back", []string{"> ATV0", "< 0", "> ATV1", "< OK", "> ATS0?", "< 0", "< OK"},
			[]string{"final [OK]", "final", "info", "final"}},
		{"ATZ restores words", []string{"> ATE0V0", "< 0", "> ATZ", "< OK", "> ATS0?", "< 0", "< OK"},
			[]string{"final [OK]", "final", "info", "final"}},
		// ATZ loads what AT&W stored: numeric stays numeric.
		{"ATZ loads a stored ATV0", []string{"> ATV0&W", "< 0", "> ATV1", "< OK", "> ATZ", "< 0", "> ATS0?", "< 000", "< 0"},
			[]string{"final [OK]", "final", "final [OK]", "info", "final [OK]"}},
		{"AT&F after a stored ATV0 is words", []string{"> ATV0&W", "< 0", "> AT&F", "< OK", "> ATS0?", "< 0", "< OK"},
			[]string{"final [OK]", "final", "info", "final"}},
		{"AT&F restores words", []string{"> ATV0", "< 0", "> AT&F", "< OK", "> ATS0?", "< 0", "< OK"},
			[]string{"final [OK]", "final", "info", "final"}},
		// Digit-only information text stays so.
		{"IMEI and an S-register", []string{"> ATV0", "< 0", "> AT+CGSN", "< 861234567890123", "< 0", "> ATS0?", "< 000", "< 0"},
			[]string{"final [OK]", "info", "final [OK]", "info", "final [OK]"}},
		// A bare channel number a final result follows is information.
		{"bare +CCHO channel", []string{"> ATV0", "< 0", `> AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "< 3", "< 0"},
			[]string{"final [OK]", "info", "final [OK]"}},
		{"bare +CCHO channel before words", []string{`> AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "< 3", "< OK"},
			[]string{"info", "final"}},
		{"1 is CONNECT, no final", []string{"> ATV0", "< 0", "> AT+CCHC=1", "< 1", "< 0"},
			[]string{"final [OK]", "info", "final [OK]"}},
		// To a data call, CONNECT (1) is the final result: data mode
		// follows, up to NO CARRIER (3).
		{"1 is CONNECT to ATD", []string{"> ATV0", "< 0", "> ATD*99#", "< 1", "< 0", "< 3", "> AT", "< 0"},
			[]string{"final [OK]", "final [CONNECT]", "final [NO CARRIER]", "final [OK]"}},
		// The log begins after the device's ATV0: its form shows in the
		// first final result.
		{"ATV0 before the log", []string{"> AT+CSQ", "< +CSQ: 24,99", "< 0", "> AT+CGLA=1,10,\"80E2910003BF3E00\"", "< 4"},
			[]string{"info", "final [OK]", "final [ERROR]"}},
		// No command pending: 2 is RING, another result digit a final
		// result nobody asked for, which a transcript refuses (its
		// command would be missing from the replay).
		{"RING and a stray 0", []string{"> ATV0", "< 0", "< 2", "< 0", "> AT", "< 0"},
			[]string{"v.log:4: 0 with no command before it: ATV0 (line 1) had its final result at line 2 already"}},
		{"RING", []string{"> ATV0", "< 0", "< 2", "> AT", "< 0"},
			[]string{"final [OK]", "urc [RING]", "final [OK]"}},
		{"2 while a command waits", []string{"> ATV0", "< 0", `> AT+CCHO="A0000005591010FFFFFFFF8900000100"`, "< 2", "< 0"},
			[]string{"final [OK]", "info", "final [OK]"}},
		{"9 is no result code", []string{"> ATV0", "< 0", "> AT+CSQ", "< 9", "< 0"},
			[]string{"final [OK]", "info", "final [OK]"}},
		{"digits in a verbose log", []string{"> AT", "< OK", "< 2", "> ATS0?", "< 0", "< OK"},
			[]string{"final", "urc", "info", "final"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read("v.log", []byte(strings.Join(tc.log, "\n")+"\n"), Plain)
			if want := tc.want[0]; strings.HasPrefix(want, "v.log:") {
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("error %v, want %q…", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := modemRoles(tr); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("modem lines %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNumericResultsBadInput: a log whose last command's answer ends in a
// bare digit that cannot be its final result says why.
func TestNumericResultsBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		format     Format
		want       string
	}{
		{"a digit no V.250 code", "> ATV0\n< 0\n> AT+CSQ\n< 9\n", Plain,
			"v.log:3: the log ends before the final result of AT+CSQ: truncated? (its last line, 9, is a bare digit but no V.250 result code); the log stops in line 4: if it was cut there (log rotation, a paste), cut it after line 2, before that command, to replay what comes before it"},
		{"numeric in a verbose log", "> AT\n< OK\n> AT+CSQ\n< +CSQ: 24,99\n< 0\n", Plain,
			"v.log:3: the log ends before the final result of AT+CSQ: truncated? (its last line, 0, is OK in numeric form, but the modem answers in words since line 2: an ATV0 the log does not show?); the log stops in line 5: if it was cut there (log rotation, a paste), cut it after line 2, before that command, to replay what comes before it"},
		{"terminal: a numeric result with the echo off", "AT\r\nOK\r\nATE0V0\r\nATE0V0\r\n0\r\n0\r\n", Terminal,
			"v.log:6: 0 (OK) with no command before it: the echo is off since line 3, so the capture shows none of the commands typed after it; capture with the echo on (ATE1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("v.log", []byte(tc.data), tc.format)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v\nwant      %s", err, tc.want)
			}
		})
	}
}

// TestNumericTerminalDetected: a terminal session that answers in digits
// from its first command on (ATE0V0 typed first) reads as one.
func TestNumericTerminalDetected(t *testing.T) {
	log := "ATE0V0\r\nATE0V0\r\n0\r\nAT+CSQ\r\n+CSQ: 24,99\r\n0\r\n"
	if f, err := Detect("v.log", []byte(log)); err != nil || f != Terminal {
		t.Errorf("Detect = %q, %v; want %q", f, err, Terminal)
	}
}

// modemRoles is the role of each modem line of tr, a numeric result's
// words after it ("final [OK]") and "stored" after a digit read as the
// profile stored before the log began (Entry.StoredV0).
func modemRoles(tr *Transcript) []string {
	var got []string
	for _, e := range tr.Entries {
		if e.Dir != Modem {
			continue
		}
		s := e.Role.String()
		if e.Result != "" {
			s += " [" + e.Result + "]"
		}
		if e.StoredV0 {
			s += " stored"
		}
		got = append(got, s)
	}
	return got
}
