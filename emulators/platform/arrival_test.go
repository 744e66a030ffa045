package platform

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/emulators/clock"
	"github.com/esimhil/esimhil/internal/httpserve"
	"github.com/esimhil/esimhil/internal/proto/platformapi"
)

// setClock is a clock the test sets: the log's stamps tell arrival from
// answer by it.
type setClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *setClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *setClock) set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *setClock) AfterFunc(time.Duration, func()) clock.Timer { panic("not used") }

// The log numbers and stamps a request as it arrives, not as it is
// answered: one whose body comes slowly keeps its place before a request
// that arrived after it and answered first, with the time it arrived.
// Until its answer is decided, pages stop before it (next names it), so
// that a reader paging on from next misses nothing and no entry it was
// shown changes; a page that starts past it is not held back (outside
// tester t71, F2: such a request was logged after the later one, 30 s
// late).
func TestLogInArrivalOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		finish func(c net.Conn) // ends the slow request
		status int              // its answer
	}{
		{"body finished later", func(c net.Conn) { io.WriteString(c, `":1}`) }, http.StatusBadRequest},
		{"body cut by the client", func(c net.Conn) { c.(*net.TCPConn).CloseWrite() }, http.StatusBadRequest},
		{"body past the read timeout", func(net.Conn) {}, http.StatusRequestTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &setClock{now: t0}
			s, _ := newTestServer(t, func(c *Config) {
				c.Clock = clk
				c.Limits = httpserve.Limits{Read: 500 * time.Millisecond}
			})
			if err := s.Start("127.0.0.1:0", nil); err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			slow, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			// 8 bytes of 12.
			fmt.Fprintf(slow, "POST %s HTTP/1.1\r\nHost: p\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 12\r\n\r\n{\"marker", platformapi.PathNotifications)
			waitFor(t, func() bool { n, _ := s.ReceivedCount(); return n == 1 })

			clk.set(t0.Add(time.Minute))
			if raw, err := post(t, s.Addr().String(), platformapi.PathNotifications, `{}`); err != nil || raw == "" {
				t.Fatalf("the later request: %q, %v", raw, err)
			}
			page := func(q string) platformapi.InspectPage {
				t.Helper()
				w := httptest.NewRecorder()
				s.Handler().ServeHTTP(w, httptest.NewRequest("GET", platformapi.PathInspect+q, nil))
				p, err := platformapi.DecodeInspectPage(w.Body.Bytes())
				if err != nil {
					t.Fatalf("GET %s: %v %s", q, err, w.Body)
				}
				return p
			}
			if p := page(""); *p.Total != 2 || len(p.Entries) != 0 || p.Next == nil || *p.Next != 0 {
				t.Fatalf("while the first is unanswered: total %d, %d entries, next %v; want 2, none, 0", *p.Total, len(p.Entries), p.Next)
			}
			if p := page("?offset=1"); len(p.Entries) != 1 || p.Entries[0].Index != 1 || p.Entries[0].Status != http.StatusBadRequest || p.Next != nil {
				t.Fatalf("from the later one: %+v", p)
			}
			if got := s.Received(); len(got) != 0 {
				t.Fatalf("Received shows %d entries before the first is answered", len(got))
			}

			clk.set(t0.Add(2 * time.Minute))
			tc.finish(slow)
			io.Copy(io.Discard, slow) // its answer, up to the close
			p := page("")
			if len(p.Entries) != 2 || p.Next != nil {
				t.Fatalf("once answered: %+v", p)
			}
			first, later := p.Entries[0], p.Entries[1]
			if first.Index != 0 || !first.Time.Equal(t0) || first.Status != tc.status {
				t.Errorf("first entry: index %d, t %s, status %d; want 0, %s (its arrival), %d", first.Index, first.Time, first.Status, t0, tc.status)
			}
			if later.Index != 1 || !later.Time.Equal(t0.Add(time.Minute)) {
				t.Errorf("later entry: index %d, t %s", later.Index, later.Time)
			}
		})
	}
}

// waitFor polls cond until it holds (the server's goroutine got there),
// failing after a generous bound.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatal("not reached in 10 s")
		}
		<-tick.C
	}
}

// A request whose handler fails (a panic net/http recovers: the client
// gets no answer) is logged with status 0 and a reason, not left pending
// to hold back every entry after it.
func TestFailedHandlerSettlesItsEntry(t *testing.T) {
	s, _ := newTestServer(t, func(c *Config) {
		c.Inject = func(fault, _ string) bool {
			if fault == FaultGarbled {
				panic("injector broken")
			}
			return false
		}
	})
	if err := s.Start("127.0.0.1:0", nil); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if raw, _ := post(t, s.Addr().String(), platformapi.PathPreferredList, listBody("20801", "")); raw != "" {
		t.Fatalf("answered %q, want none", raw)
	}
	post(t, s.Addr().String(), "/v2/x", "")
	got := s.Received()
	if len(got) != 2 || got[0].Status != 0 || got[0].Error == "" || got[1].Status != http.StatusNotFound {
		t.Fatalf("log %+v; want the failed request (status 0, a reason) and the 404 after it", got)
	}
}
