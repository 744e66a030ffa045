package fieldlog

import (
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
		notes         int
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
