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
			if last := tr.Entries[len(tr.Entries)-1]; last.Role != Note || last.Text != NoAnswerNote("AT+CSQ") {
				t.Errorf("last entry %v %q, want the note", last.Role, last.Text)
			}
		})
	}
}
