package httpserve

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/esimhil/esimhil/internal/growstack"
	"github.com/esimhil/esimhil/internal/rlimit"
	"github.com/esimhil/esimhil/internal/stall"
)

// capListener accepts at most n connections at a time, as x/net's
// netutil.LimitListener does; its connections also hand over the one they
// wrap (NetConn), so a handler that hijacks one can reach the socket
// beneath every wrapper and abort it with an RST (SO_LINGER 0: the
// SM-DP+'s connection_reset fault). netutil's hides it, and the fault's
// close ended in a FIN.
type capListener struct {
	net.Listener
	sem  chan struct{}
	done chan struct{}
	once sync.Once
}

func newCapListener(ln net.Listener, n int) *capListener {
	return &capListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *capListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			return nil, outOfFiles{err}
		}
		return nil, err
	}
	// Its deadlines (net/http's timeouts, ReadBody's) bound the client
	// in the time the process ran: a stopped or starved server is no
	// client too slow (t192).
	return &capConn{Conn: stall.NewConn(c, stalls()), release: func() { <-l.sem }}, nil
}

// Close also ends an Accept waiting for a free slot.
func (l *capListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.done) })
	return err
}

type capConn struct {
	net.Conn
	once    sync.Once
	release func()
	grown   atomic.Bool // SetReadDeadline grew the serving goroutine's stack
	// serving: net/http holds a request of this connection, from the end
	// of its headers to the end of its answer (http.StateActive).
	serving atomic.Bool
	// mute: a read timed out with no request in hand — the header
	// timeout, while a request line or headers were still arriving.
	// Nothing is written after it (Write).
	mute atomic.Bool
}

// meter holds the stall.Reader the package's waits read: a test's
// injected stalls (setStalls), else none and stall.Default.
var meter atomic.Value // of stalled

type stalled struct{ stall.Reader }

// stalls is the meter the package's waits read (nil: the process's).
func stalls() stall.Reader {
	m, _ := meter.Load().(stalled)
	return m.Reader
}

// setStalls injects a test's stalls (nil: the process's meter again).
func setStalls(r stall.Reader) { meter.Store(stalled{r}) }

// errMuted is what Write returns once the connection is mute.
var errMuted = errors.New("httpserve: the request's headers did not arrive in time: no answer")

// Read notes a read that timed out with no request in hand: the header
// timeout (ReadHeader), or the idle one. net/http closes the connection
// after it, silently unless it has bytes of a request line by then: its
// bufio reader hands the part as a whole line, which does not parse, and
// net/http writes "400 Bad Request" in plain text (outside tester t71,
// F5). A client whose request is merely slow is not told it is bad: the
// connection is closed with no answer, as the limit documents. A
// timeout while a request is in hand (its body, a read net/http aborts
// after the answer) is the handler's to answer (408).
func (c *capConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	var ne net.Error
	if err != nil && !c.serving.Load() && errors.As(err, &ne) && ne.Timeout() {
		c.mute.Store(true)
	}
	return n, err
}

// Write refuses to write on a mute connection (Read): net/http's answer
// to a request whose headers timed out is dropped, and it closes the
// connection.
func (c *capConn) Write(p []byte) (int, error) {
	if c.mute.Load() {
		return 0, errMuted
	}
	return c.Conn.Write(p)
}

// capOf finds the capConn beneath c (a TLS connection's NetConn), nil if
// none is.
func capOf(c net.Conn) *capConn {
	for {
		switch v := c.(type) {
		case *capConn:
			return v
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil
		}
	}
}

// SetReadDeadline is the first call net/http's serve makes on a connection
// (with the read and header timeouts every Server has), on the
// connection's new goroutine and a few frames deep, before the TLS
// handshake or the first request: the first call grows that goroutine's
// stack there (growstack), rather than by doubling deep in a handshake or
// a handler's signature check.
func (c *capConn) SetReadDeadline(t time.Time) error {
	// Atomic: net/http may also set a deadline from another goroutine
	// (aborting a background read).
	if c.grown.CompareAndSwap(false, true) {
		growstack.Grow()
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *capConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// NetConn is the connection beneath the cap.
func (c *capConn) NetConn() net.Conn { return c.Conn }

// outOfFiles ends serving when the process (EMFILE) or the system
// (ENFILE) has no descriptor left for a connection. net/http would retry
// such an accept once a second for ever, with its log discarded, while the
// connections in the backlog waited as long — and an emulated run's clock
// with them, since it does not move while an exchange is in flight. Being
// no net.Error, it stops Serve, which closes the listener: the waiting
// clients are refused at once, and Close returns this error.
type outOfFiles struct{ err error }

func (e outOfFiles) Error() string {
	limit, ok := rlimit.Files()
	if !ok {
		return fmt.Sprintf("%v: out of file descriptors", e.err)
	}
	return fmt.Sprintf("%v: out of file descriptors (this process may hold %d; raise ulimit -n)", e.err, limit)
}

func (e outOfFiles) Unwrap() error { return e.err }
