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
	return &capConn{Conn: c, release: func() { <-l.sem }}, nil
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
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return fmt.Sprintf("%v: out of file descriptors", e.err)
	}
	return fmt.Sprintf("%v: out of file descriptors (this process may hold %d; raise ulimit -n)", e.err, lim.Cur)
}

func (e outOfFiles) Unwrap() error { return e.err }
