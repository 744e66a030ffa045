package atclient

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/answerpty"
)

// A modem that sends each final result twice, the second OK in a write
// of its own a moment later: with WithQuiet the next command waits for
// the port to fall quiet, so the second OK comes with nothing pending —
// noted, counted (Strays) and taken for no command's — and every command
// gets its own answer, not the one before's (outside tester sw128 F6: one
// extra OK shifted every later answer by one, and a recording saved
// "identity: OK").
func TestDoubledFinalResultShiftsNothing(t *testing.T) {
	t.Parallel()
	answers := map[string]string{"ATI": "FakeModem X1", "AT+CGMI": "FakeCo", "AT+CGMM": "X1", "AT+CPIN?": "+CPIN: READY"}
	// The modem's second OK comes a moment after the first, in a write
	// of its own.
	path := answerpty.OpenWrites(t, func(line string) []string {
		return []string{"\r\n" + answers[line] + "\r\n\r\nOK\r\n", "\r\nOK\r\n"}
	}, 5*time.Millisecond)
	trace := &syncBuf{}
	c, err := Open(path, WithTimeout(2*time.Second), WithQuiet(250*time.Millisecond), WithTrace(trace))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cmds := []string{"ATI", "AT+CGMI", "AT+CGMM", "AT+CPIN?"}
	for _, cmd := range cmds {
		rsp, err := c.Command(cmd)
		if err != nil || !slices.Equal(rsp.Lines, []string{answers[cmd]}) {
			t.Fatalf("%s: %v, %v; want [%s]\n%s", cmd, rsp, err, answers[cmd], trace)
		}
	}
	// The last command's second OK may come after it returned.
	if n := c.Strays(); n < len(cmds)-1 {
		t.Errorf("%d strays counted, want %d or more", n, len(cmds)-1)
	}
	if !strings.Contains(trace.String(), "OK with no command pending: a final result the modem sent twice or unasked, taken for no command's") {
		t.Errorf("the trace does not note the stray OK:\n%s", trace)
	}
}
