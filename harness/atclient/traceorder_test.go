package atclient

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowTrace is a trace on a slow disk: every write yields a few times,
// and the first that holds hold waits for release.
type slowTrace struct {
	syncBuf
	hold    string
	blocked chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *slowTrace) Write(p []byte) (int, error) {
	if s.hold != "" && strings.Contains(string(p), s.hold) {
		s.once.Do(func() {
			close(s.blocked)
			<-s.release
		})
	}
	for range 3 {
		runtime.Gosched()
	}
	return s.syncBuf.Write(p)
}

// A slow trace (a lab's at.log on a busy disk) does not hold the
// client's lock: while the write of a URC's line waits, the client still
// answers what needs its lock (URCs).
func TestSlowTraceHoldsNoLock(t *testing.T) {
	tr := &slowTrace{hold: "+CEREG: 5", blocked: make(chan struct{}), release: make(chan struct{})}
	defer close(tr.release)
	c, s := newScript(t, nil, WithTrace(tr))
	go io.WriteString(s.conn, "\r\n+CEREG: 5\r\n")
	select {
	case <-tr.blocked:
	case <-time.After(5 * time.Second):
		t.Fatal("the URC's line was never written")
	}
	got := make(chan []string)
	go func() { got <- c.URCs() }()
	select {
	case u := <-got:
		if len(u) != 1 || u[0] != "+CEREG: 5" {
			t.Errorf("URCs %q, want the +CEREG: 5", u)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("URCs blocked while the trace wrote: the lock is held over the write")
	}
}

// The trace keeps the order the client saw its lines in, on a slow disk,
// with URCs arriving while commands run: each command's line comes
// before its answer and the answer before the next command, and a URC
// before the command a waiter sent once it had it.
func TestTraceOrderUnderURCs(t *testing.T) { onBothPorts(t, testTraceOrderUnderURCs) }

func testTraceOrderUnderURCs(t *testing.T, kind string) {
	const n = 40
	answers := map[string]string{}
	for k := range n {
		answers[fmt.Sprintf("AT+X%d", k)] = "\r\nOK\r\n"
	}
	tr := &slowTrace{}
	// The reader's stamps take their time (the waiter of a URC runs on
	// meanwhile): a line's place in the trace must be taken before.
	var slowed atomic.Int32
	slowNow := func() time.Time {
		buf := make([]byte, 8<<10)
		if strings.Contains(string(buf[:runtime.Stack(buf, false)]), ").route(") {
			slowed.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
		return time.Time{}
	}
	defer func() {
		// Found by name: a renamed route would leave the reader fast and
		// the test passing without testing anything.
		if slowed.Load() == 0 {
			t.Error("the stamps were never slowed: no route on the stack (renamed?)")
		}
	}()
	c, s := newScriptOn(t, kind, answers, WithTrace(tr), WithTimestamps(slowNow))
	go func() {
		for k := range n {
			if _, err := io.WriteString(s.conn, fmt.Sprintf("\r\n+CEREG: %d\r\n", k)); err != nil {
				return
			}
		}
	}()
	for k := range n {
		if _, err := c.WaitURC(fmt.Sprintf("+CEREG: %d", k), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Command(fmt.Sprintf("AT+X%d", k)); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSuffix(tr.String(), "\n"), "\n")
	for i, l := range lines {
		_, lines[i], _ = strings.Cut(l, " ") // the stamp off
	}
	at := func(prefix string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return i
			}
		}
		t.Fatalf("no %q in the trace:\n%s", prefix, tr.String())
		return -1
	}
	for k := range n {
		urc, cmd := at(fmt.Sprintf("< +CEREG: %d ", k)), at(fmt.Sprintf("> AT+X%d", k))
		if urc > cmd {
			t.Errorf("+CEREG: %d at line %d, after AT+X%d (line %d) that waited for it", k, urc+1, k, cmd+1)
		}
	}
	open := ""
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "> "):
			if open != "" {
				t.Errorf("line %d: %s before %s's final result", i+1, l, open)
			}
			open = l
		case l == "< OK":
			if open == "" {
				t.Errorf("line %d: an OK with no command before it", i+1)
			}
			open = ""
		}
	}
	if t.Failed() {
		t.Logf("trace:\n%s", tr.String())
	}
}
