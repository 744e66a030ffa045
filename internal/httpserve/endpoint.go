package httpserve

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/esimhil/esimhil/internal/dissectorports"
)

// Endpoint is a server's listening side for its whole life: one TCP port,
// served by one http.Server per reachable period (an http.Server cannot
// serve again after Close) and refused in between — the platform or an
// SM-DP+ made unreachable by a fault.
//
// While down the port stays the endpoint's: closing the listener alone
// would free it, the kernel could give it to another rig's server in the
// same process (exploration runs several side by side), and a card that
// keeps the address would reach a stranger instead of a refusal. A bound
// socket that does not listen holds it (Linux; the listener has
// SO_REUSEPORT so the two can share the port): connections are refused as
// by a closed port, and no other listener can bind it.
type Endpoint struct {
	handler  http.Handler
	limits   Limits
	wrap     func(net.Listener) net.Listener // the TCP listener (a capture tap)
	wrapConn func(net.Listener) net.Listener // the capped listener (TLS)
	flows    *flows                          // every reachable period's connections

	mu     sync.Mutex
	addr   netip.AddrPort
	srv    *Server      // nil while unreachable
	held   func() error // releases the port held while unreachable
	closed bool
}

// Listen listens on addr ("127.0.0.1:0") and serves h with limits (Serve);
// wrap, if not nil, wraps the TCP listener of every reachable period,
// wrapConn the connection-capped one (TLS goes there).
func Listen(addr string, h http.Handler, limits Limits, wrap, wrapConn func(net.Listener) net.Listener) (*Endpoint, error) {
	if err := portFree(addr); err != nil {
		return nil, err
	}
	e := &Endpoint{handler: h, limits: limits, wrap: wrap, wrapConn: wrapConn, flows: newFlows()}
	if err := e.listen(addr); err != nil {
		return nil, err
	}
	return e, nil
}

// portFree refuses a port someone listens on already. The endpoint's own
// listener sets SO_REUSEPORT (for holding the port while unreachable), and
// with it a second server of this process or of another one run by the
// same user would share the port and get half the connections; a plain
// bind first (no SO_REUSEPORT) fails on a port in use, as a server's
// should. Port 0 is always free.
func portFree(addr string) error {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "0" {
		return nil // Listen reports a bad address
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	return ln.Close()
}

// listen starts a reachable period on addr. Callers hold mu (or own e).
func (e *Endpoint) listen(addr string) error {
	// No TCP keep-alive on accepted connections: the idle limits end a
	// silent client sooner, and it saves four setsockopt calls a
	// connection.
	lc := net.ListenConfig{Control: shareablePort, KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	// A port the kernel picked that Wireshark dissects as another protocol
	// would hide this server's traffic from tshark's HTTP and TLS: take
	// another, holding the refused ones until then so none comes back.
	var refused []net.Listener
	for try := 0; dissectorports.Taken(uint16(ln.Addr().(*net.TCPAddr).Port)) && try < 16; try++ {
		next, err := lc.Listen(context.Background(), "tcp", addr)
		if err != nil {
			break
		}
		refused = append(refused, ln)
		ln = next
	}
	for _, r := range refused {
		r.Close()
	}
	e.addr = ln.Addr().(*net.TCPAddr).AddrPort()
	ln = e.flows.listener(ln)
	if e.wrap != nil {
		ln = e.wrap(ln)
	}
	e.srv = serveFollowed(ln, e.handler, e.limits, e.wrapConn, e.flows)
	return nil
}

// Consumed waits until the server has read at least n bytes from the
// connection whose client end is client, has answered every request in
// them and waits for more — or has closed the connection; one not
// accepted yet is waited for when n > 0. It reports false when limit
// (wall time) passes first: a partial request, or a server stuck in a
// handler.
func (e *Endpoint) Consumed(client netip.AddrPort, n int64, limit time.Duration) bool {
	client = netip.AddrPortFrom(client.Addr().Unmap(), client.Port()) // as RemoteAddr prints it
	return e.flows.consumed(client.String(), n, limit)
}

// Addr is where the endpoint listens, reachable or not.
func (e *Endpoint) Addr() netip.AddrPort {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.addr
}

// SetReachable(false) closes the listener and every open connection, so
// connections are refused; SetReachable(true) listens on the same port
// again. Either is a no-op when already so; after Close both fail.
func (e *Endpoint) SetReachable(up bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.closed:
		return errors.New("closed")
	case up == (e.srv != nil):
		return nil
	case !up:
		release, err := holdPort(e.addr)
		if err != nil {
			return fmt.Errorf("hold port %s: %w", e.addr, err)
		}
		e.held = release
		err = e.srv.Close()
		e.srv = nil
		return err
	}
	if err := e.listen(e.addr.String()); err != nil {
		return err
	}
	return e.release()
}

// release gives back the port held while unreachable. Callers hold mu.
func (e *Endpoint) release() error {
	if e.held == nil {
		return nil
	}
	err := e.held()
	e.held = nil
	if err != nil {
		return fmt.Errorf("release port %s: %w", e.addr, err)
	}
	return nil
}

// Close stops serving for good (Server.Close) and gives the port back.
func (e *Endpoint) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	var err error
	if e.srv != nil {
		err = e.srv.Close()
		e.srv = nil
	}
	return errors.Join(err, e.release())
}
