package atclient

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/transport"
)

// script is a fake modem on a pipe: for each command line it writes the
// scripted answer; "!urc <text>" lines in a script are sent unprompted.
type script struct {
	conn    net.Conn
	answers map[string]string
	mu      sync.Mutex
	got     []string
	// gates hold the answer to a line until the channel is closed; the
	// modem reads no further line meanwhile, as a busy modem does.
	gates map[string]chan struct{}
}

// gate makes the script hold its answer to line until release is called.
func (s *script) gate(line string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	if s.gates == nil {
		s.gates = map[string]chan struct{}{}
	}
	s.gates[line] = ch
	s.mu.Unlock()
	return sync.OnceFunc(func() { close(ch) })
}

func newScript(t *testing.T, answers map[string]string, opts ...Option) (*Client, *script) {
	t.Helper()
	return newScriptOn(t, withDeadlines, answers, opts...)
}

// The client reads a command's answer itself on a port with read
// deadlines, and leaves it to its reader goroutine on one without.
const (
	withDeadlines    = "read deadlines"
	withoutDeadlines = "no read deadlines"
)

// noDeadlines hides a connection's SetReadDeadline.
type noDeadlines struct{ io.ReadWriteCloser }

func newScriptOn(t *testing.T, kind string, answers map[string]string, opts ...Option) (*Client, *script) {
	t.Helper()
	a, b := net.Pipe()
	s := &script{conn: b, answers: answers}
	go s.run()
	var rwc io.ReadWriteCloser = a
	if kind == withoutDeadlines {
		rwc = noDeadlines{a}
	}
	c := New(transport.Stream("pipe", rwc), opts...)
	t.Cleanup(func() { c.Close(); b.Close() })
	return c, s
}

// onBothPorts runs test on a port with read deadlines and on one without.
func onBothPorts(t *testing.T, test func(t *testing.T, kind string)) {
	for _, kind := range []string{withDeadlines, withoutDeadlines} {
		t.Run(kind, func(t *testing.T) { test(t, kind) })
	}
}

func (s *script) run() {
	r := bufio.NewReader(s.conn)
	for {
		line, err := r.ReadString('\r')
		if err != nil {
			return
		}
		line = strings.TrimSuffix(line, "\r")
		s.mu.Lock()
		s.got = append(s.got, line)
		gate := s.gates[line]
		s.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if ans, ok := s.answers[line]; ok {
			if _, err := io.WriteString(s.conn, ans); err != nil {
				return
			}
		}
	}
}

// lines is what the script received, joined with "|".
func (s *script) lines() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.got, "|")
}

func (s *script) send(t *testing.T, text string) {
	t.Helper()
	if _, err := io.WriteString(s.conn, text); err != nil {
		t.Fatal(err)
	}
}

func TestCommand(t *testing.T) { onBothPorts(t, testCommand) }

func testCommand(t *testing.T, kind string) {
	c, _ := newScriptOn(t, kind, map[string]string{
		"AT":                 "AT\r\r\nOK\r\n",
		"AT+CEREG?":          "AT+CEREG?\r\r\n+CEREG: 2,5,\"3a9b\",\"0000c33d\",7\r\n\r\nOK\r\n",
		"AT+CIMI":            "\r\n208011234567890\r\n\r\nOK\r\n",
		"AT+CCHO=\"A0\"":     "\r\n+CUSATP: D00B\r\n\r\n+CCHO: 1\r\n\r\nOK\r\n",
		"AT+CEREG=2;+CEREG?": "\r\n+CEREG: 5\r\n\r\n+CEREG: 2,0\r\n\r\nOK\r\n",
		"AT+NOPE":            "\r\nERROR\r\n",
		"AT+QCCID":           "\r\nCOMMAND NOT SUPPORT\r\n",
		"AT+CPIN?":           "\r\n+CME ERROR: 10\r\n",
		"AT+CSIM=1":          "\r\n+CME ERROR: incorrect parameters\r\n",
		"AT+COPS?":           "\r\nRDY\r\n\r\n+COPS: 0\r\n\r\nOK\r\n",
		"AT+CMGD=1":          "\r\n+CMS ERROR: 321\r\n",
		"AT+CMGL=4":          "\r\n+CMS ERROR: SIM busy\r\n",
	})
	tests := []struct {
		cmd   string
		lines string
		final string
		err   error
		text  string // the error's text, when it matters
		code  int
	}{
		{cmd: "AT", final: "OK"},
		{cmd: "AT+CEREG?", lines: `+CEREG: 2,5,"3a9b","0000c33d",7`, final: "OK"},
		{cmd: "AT+CIMI", lines: "208011234567890", final: "OK"},
		{cmd: `AT+CCHO="A0"`, lines: "+CCHO: 1", final: "OK"},
		{cmd: "AT+CEREG=2;+CEREG?", lines: "+CEREG: 2,0", final: "OK"},
		{cmd: "AT+COPS?", lines: "+COPS: 0", final: "OK"},
		{cmd: "AT+NOPE", final: "ERROR", err: ErrError, text: "at: ERROR"},                              // not "at: ERROR: ERROR"
		{cmd: "AT+QCCID", final: "COMMAND NOT SUPPORT", err: ErrError, text: "at: COMMAND NOT SUPPORT"}, // a Huawei's unknown command
		{cmd: "AT+CPIN?", final: "+CME ERROR: 10", code: 10},
		{cmd: "AT+CSIM=1", final: "+CME ERROR: incorrect parameters", code: 50},
		// +CMS ERROR ends an SMS command in failure (TS 27.005 §3.2.5):
		// an error as ERROR is, with the code in its text.
		{cmd: "AT+CMGD=1", final: "+CMS ERROR: 321", err: ErrError, text: "at: +CMS ERROR: 321"},
		{cmd: "AT+CMGL=4", final: "+CMS ERROR: SIM busy", err: ErrError, text: "at: +CMS ERROR: SIM busy"},
	}
	for _, tc := range tests {
		rsp, err := c.Command(tc.cmd)
		switch {
		case tc.code != 0:
			var cme *CMEError
			if !errors.As(err, &cme) || cme.Code != tc.code {
				t.Errorf("%s: err %v, want CME %d", tc.cmd, err, tc.code)
			}
		case !errors.Is(err, tc.err):
			t.Errorf("%s: err %v, want %v", tc.cmd, err, tc.err)
		case tc.text != "" && err.Error() != tc.text:
			t.Errorf("%s: error reads %q, want %q", tc.cmd, err, tc.text)
		}
		if rsp == nil || rsp.Final != tc.final || strings.Join(rsp.Lines, "|") != tc.lines {
			t.Errorf("%s: got %+v, want lines %q final %q", tc.cmd, rsp, tc.lines, tc.final)
		}
	}
	if got := strings.Join(c.URCs(), "|"); got != "+CUSATP: D00B|+CEREG: 5|RDY" {
		t.Errorf("URCs %q", got)
	}
}

func TestURCs(t *testing.T) { onBothPorts(t, testURCs) }

func testURCs(t *testing.T, kind string) {
	var trace strings.Builder
	var tmu sync.Mutex
	c, s := newScriptOn(t, kind, map[string]string{"AT": "\r\nOK\r\n"}, WithTrace(writerFunc(func(p []byte) (int, error) {
		tmu.Lock()
		defer tmu.Unlock()
		return trace.Write(p)
	})))
	s.send(t, "\r\n+CEREG: 2\r\n\r\n+CEREG: 5,\"3a9b\",\"0000c33d\",7\r\n\r\nOK\r\n")
	u, err := c.WaitURC("+CEREG: 5", time.Second)
	if err != nil || u != `+CEREG: 5,"3a9b","0000c33d",7` {
		t.Fatalf("WaitURC: %q, %v", u, err)
	}
	if got := c.URCs(); len(got) != 1 || got[0] != "+CEREG: 2" {
		t.Errorf("left %q (a stray OK is not a URC)", got)
	}
	c.ClearURCs()
	if _, err := c.WaitURC("+CEREG", 50*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Errorf("after clear: %v", err)
	}
	type res struct {
		u   string
		err error
	}
	ch := make(chan res)
	go func() {
		u, err := c.WaitURC("+CUSATP", time.Second)
		ch <- res{u, err}
	}()
	s.send(t, "\r\n+CUSATP: D009\r\n")
	if r := <-ch; r.err != nil || r.u != "+CUSATP: D009" {
		t.Errorf("late URC %q, %v", r.u, r.err)
	}
	// TakeURC, for a caller that lets time pass itself: no wait, the
	// oldest match taken, the others left; after Close, the client's error.
	s.send(t, "\r\nRDY\r\n\r\n+QIND: PB DONE\r\n")
	if _, err := c.WaitURC("+QIND", time.Second); err != nil {
		t.Fatal(err)
	}
	if u, ok, err := c.TakeURC(func(u string) bool { return u == "RDY" }); !ok || err != nil || u != "RDY" {
		t.Errorf("TakeURC: %q %v %v", u, ok, err)
	}
	if u, ok, err := c.TakeURC(func(u string) bool { return u == "RDY" }); ok || err != nil {
		t.Errorf("TakeURC again: %q %v %v", u, ok, err)
	}
	if _, err := c.Command("AT"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		c.Close()
		if _, ok, err := c.TakeURC(func(string) bool { return true }); ok || !errors.Is(err, ErrClosed) {
			t.Errorf("TakeURC after Close: %v %v", ok, err)
		}
	}()
	tmu.Lock()
	defer tmu.Unlock()
	if !strings.Contains(trace.String(), "> AT\n") || !strings.Contains(trace.String(), "< OK\n") {
		t.Errorf("trace:\n%s", trace.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestTimeoutAndClose(t *testing.T) { onBothPorts(t, testTimeoutAndClose) }

func testTimeoutAndClose(t *testing.T, kind string) {
	c, s := newScriptOn(t, kind, map[string]string{"AT+SLOW": "", "AT": "\r\nOK\r\n"}, WithTimeout(50*time.Millisecond))
	_, err := c.Command("AT+SLOW")
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "AT+SLOW") {
		t.Fatalf("got %v", err)
	}
	// The late final answer is dropped, not taken for a URC or the next answer.
	s.send(t, "\r\nOK\r\n\r\n+MARK: 1\r\n")
	if _, err := c.WaitURC("+MARK", time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Command("AT"); err != nil {
		t.Fatal(err)
	}
	if len(c.URCs()) != 0 {
		t.Errorf("URCs %q", c.URCs())
	}
	c.Close()
	if _, err := c.Command("AT"); !errors.Is(err, ErrClosed) {
		t.Errorf("after close: %v", err)
	}
}

// A command's own timeout (a poll of a restarting modem) ends it sooner
// than the client's, and says which; the client's stays for the next.
func TestCommandWithin(t *testing.T) { onBothPorts(t, testCommandWithin) }

func testCommandWithin(t *testing.T, kind string) {
	c, s := newScriptOn(t, kind, map[string]string{"AT+SLOW": "", "AT": "\r\nOK\r\n"}, WithTimeout(time.Minute))
	start := time.Now()
	_, err := c.CommandWithin("AT+SLOW", 50*time.Millisecond)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "after 50ms") {
		t.Fatalf("got %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %v: the client's timeout, not the command's", took)
	}
	if rsp, err := c.CommandWithin("AT", time.Second); err != nil || rsp.Final != "OK" {
		t.Fatalf("AT: %v %v", rsp, err)
	}
	// The first AT is the client's resync after giving up on AT+SLOW.
	if got := s.lines(); got != "AT+SLOW|AT|AT" {
		t.Errorf("the modem got %q", got)
	}
}

// Close returns once the reader goroutine has: none outlives the client.
func TestCloseJoinsTheReader(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	c := New(transport.Stream("pipe", a))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.readDone:
	default:
		t.Fatal("reader still running after Close")
	}
}

// A command answered under another name (SIMCom's AT+CICCID → +ICCID:) gets
// that line as its answer, from the built-in table or from the caller;
// a line of that name while nothing is pending stays a URC.
func TestAnswerUnderAnotherName(t *testing.T) {
	c, s := newScript(t, map[string]string{
		"AT+CICCID": "\r\n+ICCID: 89860000000000000019\r\n\r\nOK\r\n",
		"AT+XCCID":  "\r\n+VCCID: 89860000000000000027\r\n\r\n+CEREG: 5\r\n\r\nOK\r\n",
		"AT":        "\r\nOK\r\n",
	})
	for _, tc := range []struct {
		cmd, answer, lines string
	}{
		{"AT+CICCID", "", "+ICCID: 89860000000000000019"},
		{"AT+XCCID", "+VCCID: ", "+VCCID: 89860000000000000027"},
		{"AT+XCCID", "", ""}, // a generic client: an unknown name is unsolicited
	} {
		var answers []string
		if tc.answer != "" {
			answers = append(answers, tc.answer)
		}
		rsp, err := c.CommandAnswer(tc.cmd, answers...)
		if err != nil || strings.Join(rsp.Lines, "|") != tc.lines {
			t.Errorf("%s (answers %q): %+v, %v; want lines %q", tc.cmd, answers, rsp, err, tc.lines)
		}
	}
	if got := strings.Join(c.URCs(), "|"); got != "+CEREG: 5|+VCCID: 89860000000000000027|+CEREG: 5" {
		t.Errorf("URCs %q", got)
	}
	c.ClearURCs()
	s.send(t, "\r\n+ICCID: 89860000000000000035\r\n")
	if u, err := c.WaitURC("+ICCID", time.Second); err != nil || u != "+ICCID: 89860000000000000035" {
		t.Errorf("unsolicited +ICCID: %q, %v", u, err)
	}
	if _, err := c.Command("AT"); err != nil {
		t.Fatal(err)
	}
}

// The reader changes hands between the reader goroutine (while the client
// is idle) and the commands: a line begun before a command and ended in its
// answer is whole, URCs inside answers go to the URC list, and commands in
// a row, or after a pause long enough for the reader goroutine to take the
// reader back, get their own answers.
func TestReaderChangesHands(t *testing.T) { onBothPorts(t, testReaderChangesHands) }

func testReaderChangesHands(t *testing.T, kind string) {
	c, s := newScriptOn(t, kind, map[string]string{
		"AT+X": "\r\nOK\r\n",
		"AT+Y": "\r\n+Y: 1\r\n\r\nOK\r\n",
		"AT+U": "\r\n+CUSATP: D0\r\n\r\n+U: 2\r\n\r\nOK\r\n",
	})
	// Sent while idle and read by the reader goroutine (a pipe write
	// returns once read); its CR comes with the next command's answer.
	s.send(t, "\r\n+CEREG: 1")
	rsp, err := c.Command("AT+X")
	if err != nil || len(rsp.Lines) != 0 {
		t.Fatalf("AT+X: %+v %v", rsp, err)
	}
	if u := c.URCs(); len(u) != 1 || u[0] != "+CEREG: 1" {
		t.Fatalf("URCs %q, want the line begun before the command", u)
	}
	urcs := 1
	for i := range 60 {
		if i%20 == 10 {
			readerBack(t, c)
		}
		cmd, want := "AT+Y", "+Y: 1"
		if i%7 == 3 {
			cmd, want = "AT+U", "+U: 2"
			urcs++
		}
		rsp, err := c.Command(cmd)
		if err != nil || len(rsp.Lines) != 1 || rsp.Lines[0] != want || rsp.Final != "OK" {
			t.Fatalf("%d %s: %+v %v", i, cmd, rsp, err)
		}
	}
	if n := len(c.URCs()); n != urcs {
		t.Fatalf("%d URCs, want %d", n, urcs)
	}
	// A URC while idle still reaches a waiter.
	s.send(t, "\r\n+CEREG: 5\r\n")
	if u, err := c.WaitURC("+CEREG: 5", time.Second); err != nil {
		t.Fatalf("WaitURC: %q %v", u, err)
	}
}

// readerBack waits until the reader goroutine holds the reader again (it
// takes it back once the port has been idle for readerLinger).
func readerBack(t *testing.T, c *Client) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(readerLinger / 4) {
		c.mu.Lock()
		back := c.holder == heldByLoop
		c.mu.Unlock()
		if back {
			return
		}
		if time.Now().After(end) {
			t.Fatal("the reader goroutine did not take the reader back within 5 s")
		}
	}
}
