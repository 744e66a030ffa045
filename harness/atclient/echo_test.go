package atclient

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// syncBuf is a trace the test reads while the client writes it.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A modem that reboots silently but keeps its port (a UART behind
// ser2net; Telit and Sierra send no boot URC) comes back echoing: once
// ATE0 took and a command came back without its echo, an echo again is
// counted as a boot, noted, and the set-up goes out again. A modem that
// echoes in spite of ATE0, or was told ATE1, is no reboot; a boot URC and
// the echo after it are one boot.
func TestEchoBackOnIsABoot(t *testing.T) {
	t.Parallel()
	const ok, echoed = "\r\nOK\r\n", "\r\r\nOK\r\n"
	for _, tc := range []struct {
		name    string
		answers map[string]string
		cmds    []string
		boots   []string
		note    string
	}{
		{"echo back after ATE0: a reset", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "AT+CEREG?": "\r\n+CEREG: 2,1\r\n" + ok,
			"AT+CCHC=1": "AT+CCHC=1\r\r\nERROR\r\n"},
			[]string{"ATE0", "AT+CMEE=2", "AT+CCHC=1"}, []string{"its echo back on after ATE0"},
			"the modem echoed AT+CCHC=1 after ATE0 had turned its echo off"},
		{"a bare ERROR with it is noted", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "AT+CCHC=1": "AT+CCHC=1\r\r\nERROR\r\n"},
			[]string{"ATE0", "AT+CMEE=2", "AT+CCHC=1"}, []string{"its echo back on after ATE0"},
			"a bare ERROR: +CMEE is back to 0 as well"},
		{"echo in spite of ATE0: no sign", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CMEE=2": "AT+CMEE=2" + echoed, "AT+CSQ": "AT+CSQ\r\r\n+CSQ: 20,99\r\n" + ok},
			[]string{"ATE0", "AT+CMEE=2", "AT+CSQ"}, nil, ""},
		{"ATE1 asked for it", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "ATE1": ok, "AT+CSQ": "AT+CSQ\r\r\n+CSQ: 20,99\r\n" + ok},
			[]string{"ATE0", "AT+CMEE=2", "ATE1", "AT+CSQ"}, nil, ""},
		{"ATZ restores the stored profile", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "ATZ": ok, "AT+CSQ": "AT+CSQ\r\r\n+CSQ: 20,99\r\n" + ok},
			[]string{"ATE0", "AT+CMEE=2", "ATZ", "AT+CSQ"}, nil, ""},
		{"AT+CFUN=1,1 asked for the restart", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "AT+CFUN=1,1": ok, "AT": "AT" + echoed},
			[]string{"ATE0", "AT+CMEE=2", "AT+CFUN=1,1", "AT"}, nil, ""},
		{"a vendor's reset unanswered", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "AT": "AT" + echoed},
			[]string{"ATE0", "AT+CMEE=2", "AT+CRESET", "AT"}, nil, ""},
		{"AT+CFUN? restarts nothing", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CMEE=2": ok, "AT+CFUN?": "\r\n+CFUN: 1\r\n" + ok, "AT": "AT" + echoed},
			[]string{"ATE0", "AT+CMEE=2", "AT+CFUN?", "AT"}, []string{"its echo back on after ATE0"}, "the modem echoed AT after ATE0"},
		{"no echo before ATE0 is confirmed", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CSQ": "AT+CSQ\r\r\n+CSQ: 20,99\r\n" + ok},
			[]string{"ATE0", "AT+CSQ"}, nil, ""},
		{"a boot URC and the echo after it are one boot", map[string]string{
			"ATE0": "ATE0" + echoed, "AT+CMEE=2": "\r\nRDY\r\n" + ok, "AT+CSQ": "AT+CSQ\r\r\n+CSQ: 20,99\r\n" + ok},
			[]string{"ATE0", "AT+CMEE=2", "AT+CSQ"}, []string{"RDY"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var trace syncBuf
			setUps := make(chan struct{}, 8)
			setUp := func(do func(string) (*Response, error)) error {
				setUps <- struct{}{}
				_, err := do("ATE0")
				return err
			}
			c, s := newScript(t, tc.answers, WithTrace(&trace), WithTimeout(time.Second), WithSetUp(setUp, "RDY"))
			for _, cmd := range tc.cmds {
				c.Command(cmd)
			}
			if got := c.BootSigns(); !slices.Equal(got, tc.boots) || c.Boots() != len(tc.boots) {
				t.Errorf("boots %q (%d), want %q", got, c.Boots(), tc.boots)
			}
			if tc.note != "" && !strings.Contains(trace.String(), tc.note) {
				t.Errorf("trace lacks %q:\n%s", tc.note, trace.String())
			}
			if len(tc.boots) == 0 {
				return
			}
			// The set-up goes out again at once (ATE0), as after a port
			// that came back.
			select {
			case <-setUps:
			case <-time.After(3 * time.Second):
				t.Fatalf("no set-up after the boot; sent %s", s.lines())
			}
			deadline := time.Now().Add(3 * time.Second)
			for strings.Count(s.lines(), "ATE0") < 2 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := strings.Count(s.lines(), "ATE0"); n != 2 {
				t.Errorf("ATE0 sent %d times, want 2: %s", n, s.lines())
			}
		})
	}
}

// A modem (or a line-doubling adapter) that echoes each command twice:
// the second copy is noted, never taken as an answer line.
func TestEchoedTwice(t *testing.T) {
	var trace syncBuf
	c, _ := newScript(t, map[string]string{"AT+CGMM": "AT+CGMM\r\rAT+CGMM\r\r\nEM7511\r\n\r\nOK\r\n"}, WithTrace(&trace), WithTimeout(time.Second))
	rsp, err := c.Command("AT+CGMM")
	if err != nil || len(rsp.Lines) != 1 || rsp.Lines[0] != "EM7511" {
		t.Fatalf("AT+CGMM: %v %v\n%s", rsp, err, trace.String())
	}
	if !strings.Contains(trace.String(), "the modem echoed AT+CGMM twice") {
		t.Errorf("trace:\n%s", trace.String())
	}
}

// Lines read behind a command's final result, before the next command is
// written (a line sent behind OK in one write, or a modem sending its
// information after OK), are no answer of the next command: they go where
// a line with no command pending goes, and the trace shows them before
// the next command.
func TestLinesBehindAFinalResult(t *testing.T) {
	var trace syncBuf
	c, _ := newScript(t, map[string]string{
		"AT+CGMI": "\r\nOK\r\nMODEM READY\r\n",
		"AT+CGMM": "\r\nEM7511\r\n\r\nOK\r\n",
	}, WithTrace(&trace), WithTimeout(time.Second))
	if _, err := c.Command("AT+CGMI"); err != nil {
		t.Fatal(err)
	}
	rsp, err := c.Command("AT+CGMM")
	if err != nil || len(rsp.Lines) != 1 || rsp.Lines[0] != "EM7511" {
		t.Fatalf("AT+CGMM: %v %v\n%s", rsp, err, trace.String())
	}
	tr := trace.String()
	if !slices.Contains(c.URCs(), "MODEM READY") || strings.Index(tr, "< MODEM READY") > strings.Index(tr, "> AT+CGMM") {
		t.Errorf("URCs %q, trace:\n%s", c.URCs(), tr)
	}
}

// A URC the modem sent while it was still taking in, and echoing, the
// command line splits the echo in two lines around it (u-blox and Telit
// send URCs while a line is typed): neither piece is answer text, the
// URC stays a URC, and a noise byte of power-up before the first piece
// does not stop it being the echo (outside tester t199: "AT" as
// AT+CCHC=1's answer, "+CCHC=1" as a URC).
func TestEchoSplitByAURC(t *testing.T) {
	for _, tc := range []struct {
		name, cmd, answer string
		lines, urcs       []string
	}{
		{"after AT", "AT+CCHC=1", "AT\r\n+QIND: SMS DONE\r\n+CCHC=1\r\r\nOK\r\n", nil, []string{"+QIND: SMS DONE"}},
		{"inside the name", "AT+CIMI", "AT+CI\r\n+CPIN: READY\r\nMI\r\r\n208010000000012\r\n\r\nOK\r\n", []string{"208010000000012"}, []string{"+CPIN: READY"}},
		{"twice", "AT+CIMI", "AT+\r\nRING\r\nC\r\n^RSSI:18\r\nIMI\r\r\n208010000000012\r\n\r\nOK\r\n", []string{"208010000000012"}, []string{"RING", "^RSSI:18"}},
		{"noise before it", "AT+CGMM", "\x00\xffAT+CG\r\nRDY\r\nMM\r\r\nEG25\r\n\r\nOK\r\n", []string{"EG25"}, []string{"RDY"}},
		{"an answer that is no piece stays", "AT+CGMM", "AT+CGMM\r\r\nAT\r\n\r\nOK\r\n", []string{"AT"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var trace syncBuf
			c, _ := newScript(t, map[string]string{tc.cmd: tc.answer}, WithTrace(&trace), WithTimeout(time.Second), WithURCs("RDY"))
			rsp, err := c.Command(tc.cmd)
			if err != nil || !slices.Equal(rsp.Lines, tc.lines) {
				t.Fatalf("%s: %v %v, want lines %q\n%s", tc.cmd, rsp, err, tc.lines, trace.String())
			}
			if got := c.URCs(); !slices.Equal(got, tc.urcs) {
				t.Errorf("URCs %q, want %q\n%s", got, tc.urcs, trace.String())
			}
		})
	}
}

// TestResetsEcho: the commands after which the client forgets the echo
// are V.250's profile loads and the codec's restarts and power-downs
// (at.GoesDown), the one list: a u-blox's AT+CFUN=16 and a Quectel's
// AT+QPOWD among them, which the client's own list of names lacked.
func TestResetsEcho(t *testing.T) {
	for line, want := range map[string]bool{
		"ATZ": true, "AT&F": true, "AT+CFUN=1,1": true, "AT+CFUN=16": true, "AT!RESET": true, "AT#REBOOT": true,
		"AT+CRESET": true, "AT^RESET": true, "AT+QRST=1,0": true, "AT+CPWROFF": true, "AT+QPOWD=1": true, "AT+CPOWD=1": true,
		"AT+CFUN?": false, "AT+CRESET=?": false, "AT+CSQ": false, "ATE0": false,
	} {
		cmds, err := at.Parse(line)
		if err != nil || len(cmds) != 1 {
			t.Fatalf("Parse(%q): %v, %v", line, cmds, err)
		}
		if got := resets(cmds[0]); got != want {
			t.Errorf("resets(%q) = %v, want %v", line, got, want)
		}
	}
}
