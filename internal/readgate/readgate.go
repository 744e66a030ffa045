// Package readgate tells a test when a server has read every byte its
// client wrote and waits in a read for more: a handler in the middle of a
// request body, whatever layers (TLS) lie between. For tests that cut such
// a request (the server stopping) at a known point, without sleeping.
package readgate

import (
	"net"
	"sync"
)

// Gate counts the bytes one client writes and its server reads.
type Gate struct {
	mu      sync.Mutex
	cond    *sync.Cond
	written int64
	read    int64
	reading bool // a server Read waits in the kernel
}

// New returns a gate.
func New() *Gate {
	g := &Gate{}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// Wrap wraps the server's TCP listener (a server's Start wrap): what its
// connections read is counted.
func (g *Gate) Wrap(l net.Listener) net.Listener { return listener{l, g} }

// Client wraps the client's connection: what it writes is counted.
func (g *Gate) Client(c net.Conn) net.Conn { return clientConn{c, g} }

// Wait returns once the server has read every byte the client wrote and
// waits in a read for more.
func (g *Gate) Wait() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.read < g.written || !g.reading {
		g.cond.Wait()
	}
}

type listener struct {
	net.Listener
	g *Gate
}

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return serverConn{c, l.g}, nil
}

type serverConn struct {
	net.Conn
	g *Gate
}

func (c serverConn) Read(p []byte) (int, error) {
	g := c.g
	g.mu.Lock()
	g.reading = true
	g.cond.Broadcast()
	g.mu.Unlock()
	n, err := c.Conn.Read(p)
	g.mu.Lock()
	g.reading = false
	g.read += int64(n)
	g.cond.Broadcast()
	g.mu.Unlock()
	return n, err
}

type clientConn struct {
	net.Conn
	g *Gate
}

func (c clientConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.g.mu.Lock()
	c.g.written += int64(n)
	c.g.mu.Unlock()
	return n, err
}
