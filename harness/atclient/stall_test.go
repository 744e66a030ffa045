package atclient

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// stalls is a stall meter for tests: it reports no stall until the
// command's wait first runs out, then, if stopped, that the process could
// not run for all of the wait so far, and calls then (the modem's answer,
// there all along, is read once the process runs again).
type stalls struct {
	mu      sync.Mutex
	calls   int
	start   time.Time
	stopped bool
	then    func()
	d       time.Duration
}

func (s *stalls) Stalled() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	switch s.calls {
	case 1: // the command's start
		s.start = time.Now()
	case 2: // its wait ran out
		if s.stopped {
			s.d = time.Since(s.start)
		}
		if s.then != nil {
			s.then()
		}
	}
	return s.d
}

// Time the process could not run does not count against the modem: a
// command whose wait a stop ate is given the rest of its time (t179 F1);
// without a stall the timeout is as before.
func TestStallNotCounted(t *testing.T) { onBothPorts(t, testStallNotCounted) }

func testStallNotCounted(t *testing.T, kind string) {
	const timeout = 500 * time.Millisecond
	tests := []struct {
		name    string
		stopped bool // through the first wait
		answer  bool // the modem answers once the wait first ran out
		wantErr bool
	}{
		{name: "stopped through the wait, answered", stopped: true, answer: true},
		{name: "stopped through the wait, no answer", stopped: true, wantErr: true},
		{name: "no stall, no answer", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			meter := &stalls{stopped: tc.stopped}
			c, s := newScriptOn(t, kind, map[string]string{"AT+CEREG?": "\r\n+CEREG: 0,5\r\n\r\nOK\r\n"}, WithStalls(meter))
			release := s.gate("AT+CEREG?")
			t.Cleanup(release)
			if tc.answer {
				meter.then = release
			}
			rsp, err := c.CommandWithin("AT+CEREG?", timeout)
			switch {
			case tc.wantErr && !errors.Is(err, ErrTimeout):
				t.Fatalf("%v, want a timeout", err)
			case !tc.wantErr && err != nil:
				t.Fatalf("%v, want the answer", err)
			case !tc.wantErr && (len(rsp.Lines) != 1 || rsp.Lines[0] != "+CEREG: 0,5"):
				t.Fatalf("lines %q, want +CEREG: 0,5", rsp.Lines)
			}
		})
	}
}

// A wait for a URC is of the client's running time too: one whose wait a
// stop ate is given the rest of its time (t192).
func TestWaitURCStallNotCounted(t *testing.T) { onBothPorts(t, testWaitURCStallNotCounted) }

func testWaitURCStallNotCounted(t *testing.T, kind string) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name    string
		stopped bool // through the first wait
		urc     bool // the modem sends the URC once the wait first ran out
		wantErr bool
	}{
		{name: "stopped through the wait, URC", stopped: true, urc: true},
		{name: "stopped through the wait, no URC", stopped: true, wantErr: true},
		{name: "no stall, no URC", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			meter := &stalls{stopped: tc.stopped}
			c, s := newScriptOn(t, kind, nil, WithStalls(meter))
			if tc.urc {
				meter.then = func() { go io.WriteString(s.conn, "\r\n+CEREG: 5\r\n") }
			}
			u, err := c.WaitURC("+CEREG", timeout)
			switch {
			case tc.wantErr && !errors.Is(err, ErrTimeout):
				t.Fatalf("%q, %v, want a timeout", u, err)
			case !tc.wantErr && (err != nil || u != "+CEREG: 5"):
				t.Fatalf("%q, %v, want +CEREG: 5", u, err)
			}
		})
	}
}

// The reconnect window is of the client's running time too: a modem that
// came back after the window in wall time, but within it once a stop of
// the process is taken off, is the port back; one that did not is gone,
// the window's end read as a deadline (t192's leftover).
func TestReconnectWindowCountsRunningTime(t *testing.T) {
	const window = 100 * time.Millisecond
	tests := []struct {
		name     string
		stopped  time.Duration // 50 ms into the window
		wantBack bool
	}{
		{"back after the window", 0, false},
		{"back after the window, stopped 600 ms meanwhile", 600 * time.Millisecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newPTYModem(t, t.TempDir())
			p, err := transport.Open(context.Background(), m.link, transport.Config{})
			if err != nil {
				t.Fatal(err)
			}
			m.unplug() // the modem resets: the window begins
			c := New(p, WithTimeout(time.Second), WithReconnect(window), WithStalls(stalltest.StopIn(50*time.Millisecond, tc.stopped)))
			defer c.Close()
			time.Sleep(300 * time.Millisecond)
			m.plugIn() // back 300 ms later
			time.Sleep(500 * time.Millisecond)
			_, err = c.Command("AT")
			switch {
			case tc.wantBack && err != nil:
				t.Fatalf("%v, want the port back", err)
			case !tc.wantBack && (!errors.Is(err, ErrClosed) || !strings.Contains(err.Error(), "did not come back") || !strings.Contains(err.Error(), context.DeadlineExceeded.Error())):
				t.Fatalf("%v, want the port gone, the window run out", err)
			}
		})
	}
}
