package httpserve

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// Consumed is over only when the server has handled what the client wrote
// and waits for more: not while a handler runs, not while a request's body
// is incomplete; at once for a client that wrote nothing or a connection
// the server closed.
func TestConsumed(t *testing.T) {
	release := make(chan struct{})
	var handled atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := ReadBody(w, r, 1<<10); err != nil {
			return
		}
		if r.URL.Path == "/hold" {
			<-release
		}
		handled.Add(1)
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, "ok")
	})
	e, err := Listen("127.0.0.1:0", h, Limits{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	const short = 100 * time.Millisecond
	dial := func(t *testing.T) (net.Conn, netip.AddrPort) {
		t.Helper()
		c, err := net.Dial("tcp", e.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, c.LocalAddr().(*net.TCPAddr).AddrPort()
	}
	send := func(t *testing.T, c net.Conn, req string) int64 {
		t.Helper()
		n, err := io.WriteString(c, req)
		if err != nil {
			t.Fatal(err)
		}
		return int64(n)
	}
	get := func(path string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", path)
	}

	t.Run("nothing written", func(t *testing.T) {
		_, me := dial(t)
		if !e.Consumed(me, 0, short) {
			t.Fatal("not consumed with nothing written")
		}
	})
	t.Run("handled and answered", func(t *testing.T) {
		c, me := dial(t)
		before := handled.Load()
		n := send(t, c, get("/"))
		if !e.Consumed(me, n, 5*time.Second) {
			t.Fatal("a plain request not consumed")
		}
		if handled.Load() != before+1 {
			t.Fatal("consumed before the handler ran")
		}
		// Keep-alive: a second request on the same connection counts on.
		n += send(t, c, get("/"))
		if !e.Consumed(me, n, 5*time.Second) || handled.Load() != before+2 {
			t.Fatal("the second request not consumed after it was handled")
		}
	})
	t.Run("handler still running", func(t *testing.T) {
		c, me := dial(t)
		n := send(t, c, get("/hold"))
		if e.Consumed(me, n, short) {
			t.Fatal("consumed while the handler runs")
		}
		close(release)
		if !e.Consumed(me, n, 5*time.Second) {
			t.Fatal("not consumed once the handler returned")
		}
	})
	t.Run("body incomplete", func(t *testing.T) {
		c, me := dial(t)
		n := send(t, c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhalf")
		if e.Consumed(me, n, short) {
			t.Fatal("consumed with the body half sent")
		}
	})
	t.Run("closed by the server", func(t *testing.T) {
		c, me := dial(t)
		n := send(t, c, get("/close"))
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
		if !e.Consumed(me, n, 5*time.Second) {
			t.Fatal("not consumed after the server closed")
		}
	})
	t.Run("a stranger", func(t *testing.T) {
		// Bytes from a client the server never saw: not consumed.
		if e.Consumed(netip.MustParseAddrPort("127.0.0.1:1"), 10, short) {
			t.Fatal("consumed from a client never accepted")
		}
	})
}
