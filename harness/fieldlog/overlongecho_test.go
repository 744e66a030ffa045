package fieldlog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// TestOverlongEcho: in a lab's at.log (the AT client's, echo on) the
// client's placeholder where the echo of a command line as long as its
// bound on a modem's line (at.MaxResponseLine) comes is that echo,
// dropped for its length, not a line of the answer; after a shorter
// command, whose echo the client keeps, it is an answer's line.
func TestOverlongEcho(t *testing.T) {
	long := "AT+CSIM=" + strings.Repeat("0", at.MaxResponseLine)
	const stamp = "2026-01-01T00:00:10Z "
	for _, tc := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"the echo of a long line", []string{"> " + long, "< " + OverlongLine, "< ERROR"}, "[command echo final]"},
		{"its echo, then a long answer line", []string{"> " + long, "< " + OverlongLine, "< " + OverlongLine, "< OK"}, "[command echo info final]"},
		{"a short line's answer line (control)", []string{"> AT+CSQ", "< AT+CSQ", "< " + OverlongLine, "< OK"}, "[command echo info final]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			for _, l := range append([]string{"> AT", "< AT", "< OK"}, tc.lines...) {
				b.WriteString(stamp + l + "\n")
			}
			tr, err := Read("at.log", []byte(b.String()), ATLog)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range tr.Entries[3:] {
				got = append(got, e.Role.String())
				if e.Role != Command && e.Cmd != 3 {
					t.Errorf("line %d (%s) belongs to entry %d, want 3", e.Line, e.Role, e.Cmd)
				}
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("roles %v, want %s", got, tc.want)
			}
		})
	}
}
