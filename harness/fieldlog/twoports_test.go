package fieldlog

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTranscriptPortsAndOwnAnswers: a logging library's transcript whose
// logger names name ttys is read a port per tty, as the mm, ofono and
// logcat readers read theirs; a card access command's answer (+CCHO,
// +CGLA, +CSIM, +CRSM: never unsolicited) is no URC and no other
// command's answer; and a plain transcript refuses a final result no
// command awaits, naming its line, as the lpac, mm and terminal readers
// do (outside tester t166 F2: two ports read as one made the answers
// URCs, the OKs finals to nothing, and the session was dropped).
func TestTranscriptPortsAndOwnAnswers(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	two := read("py-two-ports.log")
	// The same lines through one logger: nothing tells the ports apart.
	oneLogger := regexp.MustCompile(`modem\.ttyUSB\d`).ReplaceAllString(two, "modem")
	// Two ports' lines without their names, the +CGLA answer coming
	// while the other port's AT+CSQ awaits its own.
	early := "> AT+CGLA=1,22,\"81E2910006BF3E035C015A\"\n> AT+CSQ\n< +CGLA: 46,\"BF3E125A10890490321234512345123456789012359000\"\n< OK\n< +CSQ: 17,99\n< OK\n"
	for _, tc := range []struct {
		name, file, log string
		err             string   // the refusal's start, "" for none
		roles           []string // line: role (to line), port
	}{
		{"a final result no command awaits", "plain-extra-ok.log", read("plain-extra-ok.log"),
			"plain-extra-ok.log:4: OK with no command before it: AT+CSQ (line 1) had its final result at line 3 already", nil},
		{"a logger per tty", "py-two-ports.log", two, "", []string{
			"2: command ttyUSB2", "3: command ttyUSB3", "5: final (3) ttyUSB3", "6: info (2) ttyUSB2", "7: final (2) ttyUSB2",
			"12: info (8) ttyUSB2", "13: final (8) ttyUSB2"}},
		{"one logger: +CCHO with no command awaiting it", "one.log", oneLogger,
			"one.log:6: +CCHO: 1 while no command awaits its result: only the answer of AT+CCHO, which TS 27.007 never sends unsolicited", nil},
		{"one logger: +CGLA during another command", "early.log", early,
			`early.log:3: +CGLA: 46,"BF3E125A10890490321234512345123456789012359000" during AT+CSQ (line 2): only the answer of AT+CGLA`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Read(tc.file, []byte(tc.log), Plain)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q…", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, e := range tr.Entries {
				s := itoa(e.Line) + ": " + e.Role.String()
				if e.Cmd >= 0 && e.Role != Command {
					s += " (" + itoa(tr.Entries[e.Cmd].Line) + ")"
				}
				got[s+" "+e.Port] = true
			}
			for _, w := range tc.roles {
				if !got[w] {
					t.Errorf("no %q in %v", w, got)
				}
			}
		})
	}
}
