package httpserve

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// stopNone has the package's waits read a meter (no stall yet) and
// returns it: its StopIn then stops the process d.
func stopNone(t *testing.T, d time.Duration) *stalltest.Later {
	s := &stalltest.Later{D: d}
	setStalls(s)
	t.Cleanup(func() { setStalls(nil) })
	return s
}

// A connection's deadlines count only the time the process ran: headers
// that end past the header timeout in wall time, but within it once a
// stop of the process is taken off, are answered, not met with a closed
// connection (t192: net/http's deadlines were wall time).
func TestDeadlinesCountRunningTime(t *testing.T) {
	short := Limits{ReadHeader: 200 * time.Millisecond, Read: time.Second, Idle: time.Second}
	tests := []struct {
		name    string
		stopped time.Duration // 50 ms into the request
		want    string        // the answer's start; "" none
	}{
		{"headers ended past the header timeout", 0, ""},
		{"headers ended past the header timeout, stopped 1 s meanwhile", time.Second, "HTTP/1.1 200 OK"},
	}
	for _, overTLS := range []bool{false, true} {
		for _, tc := range tests {
			name := tc.name
			if overTLS {
				name += ", TLS"
			}
			t.Run(name, func(t *testing.T) {
				stop := stopNone(t, tc.stopped) // before the server's first deadline
				var addr string
				if overTLS {
					addr = serveTLS(t, short, ok)
				} else {
					addr, _ = serve(t, short, ok)
				}
				c := dialAs(t, addr, overTLS)
				fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n")
				stop.StopIn(50 * time.Millisecond)
				time.Sleep(400 * time.Millisecond) // the client's own pace, past ReadHeader
				fmt.Fprint(c, "\r\n")
				got := closedWithin(t, c, 5*time.Second)
				switch {
				case tc.want == "" && got != "":
					t.Fatalf("answered %q, want the connection closed with no answer", got)
				case tc.want != "" && !strings.HasPrefix(got, tc.want):
					t.Fatalf("answered %q, want %q…", got, tc.want)
				}
			})
		}
	}
}

// Consumed's limit counts only the time the process ran: a handler that
// ends past it in wall time, but within it once a stop is taken off, is
// waited for (a power cut's wait for the server, t192).
func TestConsumedCountsRunningTime(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(300 * time.Millisecond) // the handler's own pace
		io.WriteString(w, "ok")
	})
	tests := []struct {
		name    string
		stopped time.Duration
		want    bool
	}{
		{"handler past the limit", 0, false},
		{"handler past the limit, stopped 1 s meanwhile", time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stop := stopNone(t, tc.stopped) // before the server's first deadline
			e, err := Listen("127.0.0.1:0", h, Limits{}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			c, err := net.Dial("tcp", e.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			stop.StopIn(50 * time.Millisecond)
			n, _ := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			if got := e.Consumed(c.LocalAddr().(*net.TCPAddr).AddrPort(), int64(n), 100*time.Millisecond); got != tc.want {
				t.Fatalf("consumed %v, want %v", got, tc.want)
			}
		})
	}
}

// Close's wait for a handler still running counts only the time the
// process ran: one that ends past it in wall time, but within it once a
// stop is taken off, is served (and logged) before Close returns (t179
// F1).
func TestCloseCountsRunningTime(t *testing.T) {
	was := connWait
	connWait = 100 * time.Millisecond
	t.Cleanup(func() { connWait = was })
	tests := []struct {
		name    string
		stopped time.Duration // 50 ms into Close
		want    bool          // the handler ended before Close returned
	}{
		{"handler past the wait", 0, false},
		{"handler past the wait, stopped 1 s meanwhile", time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stop := stopNone(t, tc.stopped)
			var ended atomic.Bool
			started := make(chan struct{})
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				close(started)
				time.Sleep(300 * time.Millisecond) // the handler's own pace
				ended.Store(true)
			})
			e, err := Listen("127.0.0.1:0", h, Limits{}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			c, err := net.Dial("tcp", e.Addr().String())
			if err != nil {
				e.Close()
				t.Fatal(err)
			}
			defer c.Close()
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			<-started
			stop.StopIn(50 * time.Millisecond)
			e.Close()
			if got := ended.Load(); got != tc.want {
				t.Fatalf("handler ended before Close returned: %v, want %v", got, tc.want)
			}
			for !ended.Load() { // not left running past the test
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
