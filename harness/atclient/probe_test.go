package atclient

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/answerpty"
	"github.com/esimhil/esimhil/internal/answertcp"
)

// After a command and its resync's AT both go unanswered, a modem that was
// only busy (it answers in order: the scan, then the AT, then what came
// meanwhile) and one that dropped what it got while stalled must both be
// followed in step: no command takes another's answer. Until the modem
// answers a probe (ATS3?) no command goes out; the owed answers that come
// before it are filed under their commands; a probe answered late is not
// taken for a command's. On a real pty, which buffers what the host
// writes while the modem is busy.
func TestSilentModemInStep(t *testing.T) {
	t.Parallel()
	const (
		cops = "AT+COPS=?"
		scan = `+COPS: (2,"Orange F","Orange","20801",7),(1,"SFR","SFR","20810",7),,(0-4),(0-2)`
	)
	answers := map[string]string{
		"AT":      "\r\nOK\r\n",
		"ATS3?":   "\r\n013\r\n\r\nOK\r\n",
		"AT+CIMI": "\r\n208011234567890\r\n\r\nOK\r\n",
		"AT+CCID": "\r\n+CCID: 89330100000000000012\r\n\r\nOK\r\n",
		"AT+CSQ":  "\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
		cops:      "\r\n" + scan + "\r\n\r\nOK\r\n",
	}
	tests := []struct {
		name string
		// drops: lines the stalled modem drops after the slow one (the
		// busy one drops none and answers them in order once released).
		drops int
		// between: the busy modem's answers come between commands, not
		// while the probe before AT+CCID waits.
		between bool
		// s3 is the modem's answer to ATS3? ("" the standard 013 OK).
		s3        string
		wantCOPS  []string // its late answer, nil: none
		wantSent  string
		wantNotes []string
	}{
		{
			name: "busy, answering in order as the next probe waits", wantCOPS: []string{scan},
			wantSent:  cops + "|AT|ATS3?|ATS3?|AT+CCID|AT+CSQ",
			wantNotes: []string{"# late answer to " + cops + " after", "# late answer to AT after", "# late answer to ATS3? (a probe that timed out)"},
		},
		{
			name: "busy, answering in order between commands", between: true, wantCOPS: []string{scan},
			wantSent:  cops + "|AT|ATS3?|AT+CCID|AT+CSQ",
			wantNotes: []string{"# late answer to " + cops + " after", "# late answer to AT after", "# late answer to ATS3? (a probe that timed out); the modem is in step again"},
		},
		{
			name: "dropping what it got while stalled", drops: 2,
			wantSent: cops + "|AT|ATS3?|ATS3?|AT+CCID|AT+CSQ",
		},
		{
			name: "busy, refusing ATS3?, answering as the next probe waits", s3: "\r\nERROR\r\n", wantCOPS: []string{scan},
			wantSent:  cops + "|AT|ATS3?|ATS3?|AT+CCID|AT+CSQ",
			wantNotes: []string{"# late answer to " + cops + " after", "# late answer to AT after", "the modem does not read S3"},
		},
		{
			name: "busy, refusing ATS3?, answering between commands", between: true, s3: "\r\nERROR\r\n", wantCOPS: []string{scan},
			wantSent:  cops + "|AT|ATS3?|AT+CCID|AT+CSQ",
			wantNotes: []string{"# late answer to " + cops + " after", "# late answer to AT after", "# late answer to ATS3? (a probe that timed out): ERROR, the modem does not read S3; the modem is in step again"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each case waits out timeouts on its own pty
			release := make(chan struct{})
			var mu sync.Mutex
			var got []string
			stalled, dropped := false, 0
			path := answerpty.Open(t, func(l string) string {
				mu.Lock()
				got = append(got, l)
				mu.Unlock()
				switch {
				case l == cops && tc.drops == 0:
					<-release // busy: what comes meanwhile waits in the tty
				case l == cops:
					stalled = true
					return ""
				case stalled && dropped < tc.drops:
					dropped++
					return ""
				case l == "ATS3?" && tc.s3 != "":
					return tc.s3
				}
				return answers[l]
			})
			t.Cleanup(func() {
				select {
				case <-release:
				default:
					close(release)
				}
			})
			trace := lockedWriter{w: &strings.Builder{}}
			// A second a command: the probe must be answered within it
			// on a loaded machine.
			c, err := Open(path, WithTimeout(time.Second), WithLateGrace(50*time.Millisecond), WithTrace(&trace))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			if _, err := c.Command(cops); !errors.Is(err, ErrTimeout) {
				t.Fatalf("%s: %v, want a timeout", cops, err)
			}
			// The resync's AT goes unanswered too; the probe before
			// AT+CIMI as well: AT+CIMI is not sent.
			if _, err := c.Command("AT+CIMI"); !errors.Is(err, ErrNotSent) || !errors.Is(err, ErrTimeout) {
				t.Fatalf("AT+CIMI: %v, want not sent (a timeout); trace:\n%s", err, trace.String())
			}
			type result struct {
				rsp *Response
				err error
			}
			ccid := make(chan result, 1)
			run := func() {
				rsp, err := c.Command("AT+CCID")
				ccid <- result{rsp, err}
			}
			switch {
			case tc.drops > 0:
				run()
			case tc.between:
				// The scan ends: its answer, the AT's and the probe's come
				// with no command in flight.
				close(release)
				waitFor(t, func() bool { return strings.Contains(trace.String(), "in step again") })
				run()
			default:
				go run()
				// The scan ends once the probe before AT+CCID is out.
				waitFor(t, func() bool { return strings.Count(trace.String(), "> ATS3?") == 2 })
				close(release)
			}
			var r result
			select {
			case r = <-ccid:
			case <-time.After(30 * time.Second):
				t.Fatalf("AT+CCID never returned; trace:\n%s", trace.String())
			}
			if r.err != nil || strings.Join(r.rsp.Lines, "|") != "+CCID: 89330100000000000012" {
				t.Fatalf("AT+CCID got %+v, %v; want its own answer; trace:\n%s", r.rsp, r.err, trace.String())
			}
			if rsp, err := c.Command("AT+CSQ"); err != nil || strings.Join(rsp.Lines, "|") != "+CSQ: 20,99" {
				t.Fatalf("AT+CSQ got %+v, %v; want its own answer; trace:\n%s", rsp, err, trace.String())
			}
			mu.Lock()
			sent := strings.Join(got, "|")
			mu.Unlock()
			if sent != tc.wantSent {
				t.Errorf("the modem got %q, want %q", sent, tc.wantSent)
			}
			to := c.Timeouts()
			if len(to) != 2 || to[0].Command != cops || to[1].Command != "AT+CIMI" || !to[1].NotSent {
				t.Fatalf("Timeouts() = %+v, want %s timed out and AT+CIMI not sent", to, cops)
			}
			if lines := to[0].Lines; tc.wantCOPS == nil && to[0].Late != 0 || tc.wantCOPS != nil && (to[0].Late == 0 || strings.Join(lines, "|") != strings.Join(tc.wantCOPS, "|")) {
				t.Errorf("%s's late answer %+v, want %q", cops, to[0], tc.wantCOPS)
			}
			log := trace.String()
			for _, want := range []string{"# the modem has answered nothing in step since " + cops + " timed out: ATS3? before AT+CIMI", "# not sent: AT+CIMI"} {
				if !strings.Contains(log, want) {
					t.Errorf("trace lacks %q:\n%s", want, log)
				}
			}
			for _, want := range tc.wantNotes {
				if !strings.Contains(log, want) {
					t.Errorf("trace lacks %q:\n%s", want, log)
				}
			}
			if urcs := c.URCs(); len(urcs) != 0 {
				t.Errorf("URCs %q: every line was an answer", urcs)
			}
		})
	}
}

func TestIsProbeAnswer(t *testing.T) {
	tests := []struct {
		lines []string
		final string
		want  bool
	}{
		{[]string{"013"}, "OK", true},
		{[]string{"13"}, "OK", true},
		{[]string{"ATS3?", "013"}, "OK", true}, // its echo, the modem's echo on
		{nil, "OK", false},                     // a lone OK: anyone's
		{[]string{"013", "013"}, "OK", false},
		{[]string{"013"}, "ERROR", false},
		{[]string{"208011234567890"}, "OK", false},
		{[]string{"AT+CIMI", "013"}, "OK", false},
	}
	for _, tc := range tests {
		if got := isProbeAnswer(tc.lines, tc.final); got != tc.want {
			t.Errorf("isProbeAnswer(%q, %q) = %v, want %v", tc.lines, tc.final, got, tc.want)
		}
	}
}

// A modem told ATV0 in the middle of a session gives its result codes as
// digits from that line's own result on (V.250 §6.2.6), until ATV1 or a
// reset: the client reads them as such — no timeouts, no resync, no "no
// answer" where the modem answered (outside tester sw61, F5). ATQ1 aside,
// a digit is a result code only while the modem is known to be in V0;
// +CME ERROR, text in V0 too, leaves it there, and RING ("2") is a URC
// (outside tester sw62, N7, N6).
func TestNumericResultsMidSession(t *testing.T) {
	var mu sync.Mutex
	verbose := true
	path := answerpty.Open(t, func(l string) string {
		mu.Lock()
		defer mu.Unlock()
		result := func(words, digit string) string {
			if verbose {
				return "\r\n" + words + "\r\n"
			}
			return digit + "\r"
		}
		text := func(s string) string {
			if verbose {
				return "\r\n" + s + "\r\n"
			}
			return s + "\r\n"
		}
		switch strings.ToUpper(l) {
		case "ATV0":
			verbose = false
			return result("OK", "0")
		case "ATV1", "ATZ":
			verbose = true
			return result("OK", "0")
		case "AT+CGMM":
			return text("FM100") + result("OK", "0")
		case "AT+CPIN?":
			return text("+CPIN: READY") + result("OK", "0")
		case "AT+NOPE":
			return result("ERROR", "4")
		case "AT+CSIM=1":
			// An extended result code: text in V0 too, ended by a CR
			// alone (V.250 §5.7.2).
			if verbose {
				return "\r\n+CME ERROR: 50\r\n"
			}
			return "+CME ERROR: 50\r"
		case "AT+CIMI":
			// A call comes as it answers: RING, "2" in V0, is unsolicited.
			return result("RING", "2") + text("208011234567890") + result("OK", "0")
		}
		return result("OK", "0")
	})
	trace := lockedWriter{w: &strings.Builder{}}
	c, err := Open(path, WithTimeout(2*time.Second), WithTrace(&trace))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	steps := []struct {
		cmd, lines, final string
		err               error
	}{
		{cmd: "ATV0", final: "OK"},
		{cmd: "AT+CGMM", lines: "FM100", final: "OK"},
		{cmd: "AT+CPIN?", lines: "+CPIN: READY", final: "OK"},
		{cmd: "AT+NOPE", final: "ERROR", err: ErrError},
		{cmd: "AT+CSIM=1", final: "+CME ERROR: 50", err: &CMEError{}},
		{cmd: "AT+CPIN?", lines: "+CPIN: READY", final: "OK"}, // still in V0 after it
		{cmd: "AT+CIMI", lines: "208011234567890", final: "OK"},
		{cmd: "ATV1", final: "OK"},
		{cmd: "AT+CGMM", lines: "FM100", final: "OK"},
		{cmd: "ATV0", final: "OK"},
		{cmd: "ATZ", final: "OK"}, // back to V1: its own result in words
		{cmd: "AT+CPIN?", lines: "+CPIN: READY", final: "OK"},
	}
	for i, st := range steps {
		rsp, err := c.Command(st.cmd)
		var cme *CMEError
		if _, want := st.err.(*CMEError); want && errors.As(err, &cme) {
			err = st.err
		}
		if !errors.Is(err, st.err) || rsp == nil || rsp.Final != st.final || strings.Join(rsp.Lines, "|") != st.lines {
			t.Fatalf("step %d, %s: %+v, %v; want %q %q %v; trace:\n%s", i+1, st.cmd, rsp, err, st.lines, st.final, st.err, trace.String())
		}
	}
	if urcs := c.URCs(); len(urcs) != 1 || urcs[0] != "RING" {
		t.Errorf("URCs %q, want the RING", urcs)
	}
	if to := c.Timeouts(); len(to) != 0 {
		t.Errorf("timeouts %+v; trace:\n%s", to, trace.String())
	}
	if strings.Contains(trace.String(), "no answer") {
		t.Errorf("trace:\n%s", trace.String())
	}
}

// A probe's answer split across the moment the next line goes out —
// its "013" read before, its OK after — is still the probe's: the lines
// a silent modem's answer had begun go with the final that ends it, so
// the command sent meanwhile does not take that OK for its own.
func TestProbeAnswerSplitAroundTheNextCommand(t *testing.T) {
	master, path := answerpty.Master(t)
	lines := make(chan string, 16)
	go func() {
		var b []byte
		buf := make([]byte, 256)
		for {
			n, err := master.Read(buf)
			if err != nil {
				close(lines)
				return
			}
			for _, c := range buf[:n] {
				if c == '\r' {
					lines <- string(b)
					b = b[:0]
					continue
				}
				b = append(b, c)
			}
		}
	}()
	next := func(want string) {
		t.Helper()
		select {
		case l := <-lines:
			if l != want {
				t.Fatalf("the modem got %q, want %q", l, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("the modem never got %q", want)
		}
	}
	write := func(s string) {
		t.Helper()
		if _, err := master.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	trace := lockedWriter{w: &strings.Builder{}}
	c, err := Open(path, WithTimeout(300*time.Millisecond), WithLateGrace(10*time.Millisecond), WithTrace(&trace))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// The modem is busy: the scan, the resync's AT and a probe go
	// unanswered; the next command is not sent.
	if _, err := c.Command("AT+COPS=?"); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	if _, err := c.Command("AT+CIMI"); !errors.Is(err, ErrNotSent) {
		t.Fatalf("%v\n%s", err, trace.String())
	}
	next("AT+COPS=?")
	next("AT")
	next("ATS3?")
	done := make(chan error, 1)
	go func() {
		rsp, err := c.Command("AT+CIMI")
		if err == nil && strings.Join(rsp.Lines, "|") != "208011234567890" {
			err = errors.New("AT+CIMI got " + strings.Join(rsp.Lines, "|"))
		}
		done <- err
	}()
	next("ATS3?")
	// All it owed, in order, the second probe's answer cut after its
	// value: AT+CIMI goes out as that is read.
	write("\r\n+COPS: (2,\"Orange F\",\"Orange\",\"20801\",7)\r\n\r\nOK\r\n\r\nOK\r\n\r\n013\r\n\r\nOK\r\n\r\n013\r\n")
	next("AT+CIMI")
	write("\r\nOK\r\n\r\n208011234567890\r\n\r\nOK\r\n")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%v; trace:\n%s", err, trace.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("AT+CIMI never returned; trace:\n%s", trace.String())
	}
}

// A modem whose probe answers cannot be told from the answers it owed —
// one that dropped what it got while stalled and refuses ATS3? (no S3,
// against V.250), or one that answers its owed lines but never ATS3? —
// would keep every command back for the rest of the session: once it has
// answered what it owed, the client gives up probing after three more
// probes time out, and sends commands again (outside testers sw62 N1,
// sw63 S1b).
func TestProbingEndsWhenTheModemAnswersButNotTheProbe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// busy: the scan's answer comes after this; 0: it never does
		// and the resync's AT is dropped.
		busy time.Duration
		s3   string // the answer to ATS3? ("": none)
	}{
		{name: "dropping, refusing ATS3?", s3: "\r\nERROR\r\n"},
		{name: "busy in order, ignoring ATS3?", busy: 2500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each case waits out timeouts on its own pty
			stalled, dropped := false, 0
			path := answerpty.Open(t, func(l string) string {
				switch {
				case l == "AT+COPS=?" && tc.busy > 0:
					time.Sleep(tc.busy) // what comes meanwhile waits
					return "\r\n+COPS: (2,\"Orange F\",\"Orange\",\"20801\",7)\r\n\r\nOK\r\n"
				case l == "AT+COPS=?":
					stalled = true
					return ""
				case stalled && dropped < 1: // the resync's AT
					dropped++
					return ""
				case l == "ATS3?":
					return tc.s3
				case l == "AT+CCID":
					return "\r\n+CCID: 89330100000000000012\r\n\r\nOK\r\n"
				}
				return "\r\nOK\r\n"
			})
			trace := lockedWriter{w: &strings.Builder{}}
			c, err := Open(path, WithTimeout(time.Second), WithLateGrace(10*time.Millisecond), WithTrace(&trace))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			if _, err := c.Command("AT+COPS=?"); !errors.Is(err, ErrTimeout) {
				t.Fatal(err)
			}
			for i := range maxAnsweringProbes {
				if _, err := c.Command("AT+CIMI"); !errors.Is(err, ErrNotSent) {
					t.Fatalf("AT+CIMI #%d: %v, want not sent; trace:\n%s", i+1, err, trace.String())
				}
			}
			rsp, err := c.Command("AT+CCID")
			if err != nil || strings.Join(rsp.Lines, "|") != "+CCID: 89330100000000000012" {
				t.Fatalf("AT+CCID: %+v %v; trace:\n%s", rsp, err, trace.String())
			}
			if !strings.Contains(trace.String(), "commands go out without a probe from now on") {
				t.Errorf("trace:\n%s", trace.String())
			}
		})
	}
}

// A port that drops while a probe waits (ser2net restarted) and comes
// back with what the modem still owed: those answers are filed in order
// under the commands that timed out, the probe's after them, not the
// first of them under the cut probe (outside tester sw62, N17).
func TestDropDuringProbe(t *testing.T) {
	const imsi = "\r\n208011234567890\r\n\r\nOK\r\n"
	link := answertcp.Serve(t, func(n int, in string) (string, bool) {
		switch {
		case n == 1 && strings.Contains(in, "ATS3?"):
			return "", true // ser2net restarted under the probe
		case n == 1:
			return "", false // busy: AT+COPS=? and the resync's AT unanswered
		case in == "":
			// The tty kept what the modem said meanwhile: the scan's
			// denial, the AT's OK, the probe's answer.
			return "\r\n+CME ERROR: 111\r\n\r\nOK\r\n\r\n013\r\n\r\nOK\r\n", false
		case strings.Contains(in, "ATS3?"):
			return "\r\n013\r\n\r\nOK\r\n", false
		case strings.Contains(in, "AT+CIMI"):
			return imsi, false
		}
		return "\r\nOK\r\n", false
	})
	p, err := transport.Open(context.Background(), link, transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tw := &lockedWriter{w: &strings.Builder{}}
	c := New(p, WithTimeout(500*time.Millisecond), WithLateGrace(10*time.Millisecond), WithReconnect(10*time.Second), WithTrace(tw))
	t.Cleanup(func() { c.Close() })
	if _, err := c.Command("AT+COPS=1,2,\"20810\""); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	if _, err := c.Command("AT+CIMI"); !errors.Is(err, ErrNotSent) || !errors.Is(err, ErrPortDown) {
		t.Fatalf("AT+CIMI as the port dropped under its probe: %v\n%s", err, tw.String())
	}
	rsp, err := c.CommandWithin("AT+CIMI", 10*time.Second)
	if err != nil || strings.Join(rsp.Lines, "|") != "208011234567890" {
		t.Fatalf("AT+CIMI on the port back: %+v %v\n%s", rsp, err, tw.String())
	}
	to := c.Timeouts()
	if len(to) == 0 || to[0].Final != "+CME ERROR: 111" {
		t.Errorf("Timeouts %+v: the scan's denial is its late answer\n%s", to, tw.String())
	}
	if got := tw.String(); strings.Contains(got, "late answer to ATS3? after") || !strings.Contains(got, "# late answer to AT after") {
		t.Errorf("trace:\n%s", got)
	}
}

// slowBack is a port whose reopen takes a second: ser2net restarted.
type slowBack struct{ transport.Port }

func (p slowBack) Reopen(ctx context.Context) error {
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return ctx.Err()
	}
	return p.Port.Reopen(ctx)
}

// A command sent while the port is on its way back waits for it as long
// as the reconnect window allows, not only its own time: a ser2net back
// in a second does not fail the steps sent meanwhile as "did not come
// back" (outside tester sw62, N21).
func TestCommandWaitsForThePortBack(t *testing.T) {
	link := answertcp.Serve(t, func(n int, in string) (string, bool) {
		switch {
		case n == 1 && strings.Contains(in, "AT+CSQ"):
			return "", true
		case strings.Contains(in, "AT+CIMI"):
			return "\r\n208011234567890\r\n\r\nOK\r\n", false
		case in == "":
			return "", false
		}
		return "\r\nOK\r\n", false
	})
	p, err := transport.Open(context.Background(), link, transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tw := &lockedWriter{w: &strings.Builder{}}
	c := New(slowBack{p}, WithTimeout(300*time.Millisecond), WithLateGrace(10*time.Millisecond), WithReconnect(10*time.Second), WithTrace(tw))
	t.Cleanup(func() { c.Close() })
	if _, err := c.Command("AT+CSQ"); !errors.Is(err, ErrPortDown) {
		t.Fatalf("AT+CSQ: %v", err)
	}
	rsp, err := c.Command("AT+CIMI")
	if err != nil || strings.Join(rsp.Lines, "|") != "208011234567890" {
		t.Fatalf("AT+CIMI as the port comes back: %+v %v\n%s", rsp, err, tw.String())
	}
}

// A port that drops after a command timed out, while the next one waits
// for its late answer, and comes back a second later: the resync's AT
// waits for it (the reconnect window), the late answer coming on the
// port back is filed under the command that timed out, and the next
// command gets its own answer — not the owed one, nor "did not come
// back" (outside tester sw63, S17c, S21).
func TestDropBeforeTheResync(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for n := 1; ; n++ {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func(n int, conn net.Conn) {
				defer conn.Close()
				r := bufio.NewReader(conn)
				if n > 1 {
					// The tty kept the scan's denial: ser2net passes it on.
					conn.Write([]byte("\r\n+CME ERROR: 111\r\n"))
				}
				for {
					line, err := r.ReadString('\r')
					if err != nil {
						return
					}
					switch line = strings.TrimSpace(line); {
					case n == 1 && line == "AT+COPS=1,2,\"20810\"":
						time.Sleep(700 * time.Millisecond) // then ser2net restarts
						return
					case line == "AT+CIMI":
						conn.Write([]byte("\r\n208011234567890\r\n\r\nOK\r\n"))
					default:
						conn.Write([]byte("\r\nOK\r\n"))
					}
				}
			}(n, conn)
		}
	}()
	p, err := transport.Open(context.Background(), "tcp://"+l.Addr().String(), transport.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tw := &lockedWriter{w: &strings.Builder{}}
	c := New(slowBack{p}, WithTimeout(500*time.Millisecond), WithReconnect(10*time.Second), WithTrace(tw))
	t.Cleanup(func() { c.Close() })
	if _, err := c.Command(`AT+COPS=1,2,"20810"`); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	rsp, err := c.Command("AT+CIMI")
	if err != nil || strings.Join(rsp.Lines, "|") != "208011234567890" {
		t.Fatalf("AT+CIMI: %+v %v\n%s", rsp, err, tw.String())
	}
	if to := c.Timeouts(); len(to) != 1 || to[0].Final != "+CME ERROR: 111" {
		t.Errorf("Timeouts %+v: want the scan's denial its late answer\n%s", to, tw.String())
	}
	if got := tw.String(); strings.Contains(got, "did not come back") {
		t.Errorf("trace:\n%s", got)
	}
}

// A modem an aborted session left in V0 answers a bare AT with "0": no
// information text can be, so it is the modem's OK in digits, and the
// client reads results as digits from there — no timeout, no resync, no
// probe holding the next commands (ATV1 among them) back for half a
// minute, the modem called silent (outside tester sw66).
func TestBareATFindsV0(t *testing.T) {
	path := answerpty.Open(t, func(l string) string {
		switch strings.ToUpper(l) {
		case "AT+CGMM":
			return "FM100\r\n0\r"
		case "ATV1":
			return "\r\nOK\r\n"
		}
		return "0\r"
	})
	trace := lockedWriter{w: &strings.Builder{}}
	c, err := Open(path, WithTimeout(2*time.Second), WithTrace(&trace))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for _, st := range []struct{ cmd, lines string }{{"AT", ""}, {"AT+CGMM", "FM100"}, {"ATV1", ""}} {
		rsp, err := c.Command(st.cmd)
		if err != nil || rsp.Final != "OK" || strings.Join(rsp.Lines, "|") != st.lines {
			t.Fatalf("%s: %+v, %v; trace:\n%s", st.cmd, rsp, err, trace.String())
		}
	}
	if got := trace.String(); !strings.Contains(got, "# AT answered 0: the modem gives numeric result codes (ATV0)") || strings.Contains(got, "ATS3?") {
		t.Errorf("trace:\n%s", got)
	}
}
