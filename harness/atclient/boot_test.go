package atclient

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// A boot URC (RDY) in a live session — the port up, no reset asked — is
// taken for a restart only once the modem shows it lost its settings: its
// echo back on after ATE0, or what the set-up set read back as the
// default (+CEREG <n> 0). A lone one (a firmware's second RDY, noise)
// with the settings kept is a URC, noted; a reset the host asked for and
// a boot nothing can check count at once, as before.
func TestLoneBootURC(t *testing.T) {
	t.Parallel()
	const ok, echoed = "\r\nOK\r\n", "\r\r\nOK\r\n"
	rdy := "\r\nRDY\r\n\r\n+CSQ: 20,99\r\n" + ok
	cereg := func() BootCheck {
		return BootCheck{Line: "AT+CEREG?", Read: func(r *Response) (bool, bool, string) {
			for _, l := range r.Lines {
				if n, ok := strings.CutPrefix(l, "+CEREG: "); ok {
					return strings.HasPrefix(n, "2,"), true, "+CEREG: " + n
				}
			}
			return false, false, ""
		}}
	}
	for _, tc := range []struct {
		name    string
		answers map[string]string
		cmds    []string
		check   func() BootCheck
		boots   []string
		note    string // in the trace
		sent    string // the lines the modem got
	}{
		{"echo still off: a lone RDY", map[string]string{"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "AT+CSQ": rdy, "AT": ok},
			[]string{"ATE0", "AT+CMEE=2", "AT+CSQ"}, nil, nil,
			"RDY was no restart: AT came back without its echo (ATE0 still holds); kept as a URC", "ATE0|AT+CMEE=2|AT+CSQ|AT"},
		{"echo back on: a restart", map[string]string{"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "AT+CSQ": rdy, "AT": "AT" + echoed},
			[]string{"ATE0", "AT+CMEE=2", "AT+CSQ"}, nil, []string{"RDY, then its echo back on after ATE0"},
			"the modem echoed AT after ATE0", "ATE0|AT+CMEE=2|AT+CSQ|AT|ATE0"},
		{"settings read back kept", map[string]string{"ATE0": "ATE0" + echoed, "AT+CSQ": rdy, "AT+CEREG?": "\r\n+CEREG: 2,1\r\n" + ok},
			[]string{"ATE0", "AT+CSQ"}, cereg, nil,
			"RDY was no restart: +CEREG: 2,1; AT+CEREG? came back without its echo (ATE0 still holds); kept as a URC", "ATE0|AT+CSQ|AT+CEREG?"},
		{"settings read back lost", map[string]string{"ATE0": "ATE0" + echoed, "AT+CSQ": rdy, "AT+CEREG?": "\r\n+CEREG: 0,1\r\n" + ok},
			[]string{"ATE0", "AT+CSQ"}, cereg, []string{"RDY, +CEREG: 0,1"}, "", "ATE0|AT+CSQ|AT+CEREG?|ATE0"},
		{"the check refused, the echo still off", map[string]string{"ATE0": "ATE0" + echoed, "AT+CSQ": rdy, "AT+CEREG?": "\r\nERROR\r\n"},
			[]string{"ATE0", "AT+CSQ"}, cereg, nil, "RDY was no restart: AT+CEREG? came back without its echo", "ATE0|AT+CSQ|AT+CEREG?"},
		{"the check unanswered: a restart, as before", map[string]string{"ATE0": "ATE0" + echoed, "AT+CSQ": rdy},
			[]string{"ATE0", "AT+CSQ"}, cereg, []string{"RDY"}, "RDY taken for a restart: AT+CEREG? got no answer", ""},
		{"the host asked for the restart", map[string]string{"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "AT+CFUN=1,1": ok + "\r\nRDY\r\n"},
			[]string{"ATE0", "AT+CMEE=2", "AT+CFUN=1,1"}, nil, []string{"RDY"}, "", "ATE0|AT+CMEE=2|AT+CFUN=1,1|ATE0"},
		{"a reset asked longer ago than a restart takes", map[string]string{"ATE0": "ATE0" + echoed, "AT+CFUN=4": ok, "AT+CSQ": rdy, "AT+CEREG?": "\r\n+CEREG: 2,1\r\n" + ok},
			[]string{"ATE0", "AT+CFUN=4", "", "AT+CSQ"}, cereg, nil,
			"RDY was no restart: +CEREG: 2,1; kept as a URC", "ATE0|AT+CFUN=4|AT+CSQ|AT+CEREG?"},
		// The window is of running time: a stop as long is not counted.
		{"a reset asked, then the process stopped as long as a restart takes", map[string]string{"ATE0": "ATE0" + echoed, "AT+CFUN=4": ok, "AT+CSQ": rdy, "AT+CEREG?": "\r\n+CEREG: 2,1\r\n" + ok},
			[]string{"ATE0", "AT+CFUN=4", "stop", "AT+CSQ"}, cereg, []string{"RDY"}, "", "ATE0|AT+CFUN=4|AT+CSQ|ATE0"},
		{"nothing can check it", map[string]string{"AT+CSQ": rdy},
			[]string{"AT+CSQ"}, nil, []string{"RDY"}, "", "AT+CSQ|ATE0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var trace syncBuf
			setUp := func(do func(string) (*Response, error)) error { _, err := do("ATE0"); return err }
			// The wall clock moved on past the restart window, and the
			// time the process could not run meanwhile: no sleep.
			var ahead atomic.Int64
			stopped := &stalltest.Later{D: 1100 * time.Millisecond}
			moveOn := func(c *Client) { c.wallNow = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) } }
			opts := []Option{WithTrace(&trace), WithTimeout(time.Second), WithSetUp(setUp, "RDY"), WithStalls(stopped), moveOn}
			if tc.check != nil {
				opts = append(opts, WithBootCheck(tc.check))
			}
			c, s := newScript(t, tc.answers, opts...)
			for _, cmd := range tc.cmds {
				switch cmd {
				case "": // past the restart window (the client's timeout)
					ahead.Add(int64(1100 * time.Millisecond))
					continue
				case "stop": // as long, the process stopped
					ahead.Add(int64(1100 * time.Millisecond))
					stopped.StopIn(0)
					continue
				}
				c.Command(cmd)
			}
			if got := c.BootSigns(); !slices.Equal(got, tc.boots) {
				t.Errorf("boots %q, want %q\n%s", got, tc.boots, trace.String())
			}
			if !slices.Contains(c.URCs(), "RDY") {
				t.Errorf("URCs %q: RDY is a URC either way", c.URCs())
			}
			if tc.note != "" && !strings.Contains(trace.String(), tc.note) {
				t.Errorf("trace lacks %q:\n%s", tc.note, trace.String())
			}
			// A restart's set-up goes out by itself (kickSetUp).
			if tc.sent == "" {
				return // a silent modem: the resync's lines
			}
			deadline := time.Now().Add(3 * time.Second)
			for s.lines() != tc.sent && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := s.lines(); got != tc.sent {
				t.Errorf("the modem got %s, want %s\n%s", got, tc.sent, trace.String())
			}
		})
	}
}

// The verdict on a boot URC's check, and when one is sent at all.
func TestBootVerdict(t *testing.T) {
	for _, tc := range []struct {
		echoStillOff, answered, kept, known bool
		want                                int
	}{
		{false, true, false, true, restarted},
		{true, true, false, true, restarted}, // the read outweighs the echo
		{false, true, true, true, lone},
		{true, true, false, false, lone},
		{false, true, false, false, unsure},
		{true, false, false, false, unsure}, // no answer: the echo tells nothing
	} {
		if got := bootVerdict(tc.echoStillOff, tc.answered, tc.kept, tc.known); got != tc.want {
			t.Errorf("bootVerdict(%v, %v, %v, %v) = %d, want %d", tc.echoStillOff, tc.answered, tc.kept, tc.known, got, tc.want)
		}
	}
	for _, tc := range []struct {
		portBack, asked, echoOff, check, want bool
	}{
		{false, false, true, false, true},
		{false, false, false, true, true},
		{false, false, false, false, false}, // nothing can tell
		{true, false, true, true, false},    // the port came back: that restart's
		{false, true, true, true, false},    // the host asked for it
	} {
		if got := needsBootCheck(tc.portBack, tc.asked, tc.echoOff, tc.check); got != tc.want {
			t.Errorf("needsBootCheck(%v, %v, %v, %v) = %v, want %v", tc.portBack, tc.asked, tc.echoOff, tc.check, got, tc.want)
		}
	}
}
