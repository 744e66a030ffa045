package httpserve

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/esimhil/esimhil/internal/stall"
)

// flows follows, per connection, how many bytes the server has read and
// whether it is waiting for more: enough for the rig to tell when a server
// has done all it can with what a client wrote (Endpoint.Consumed).
//
// The emulated rig needs that at a power cut. The cut runs in the
// simulated loop right after the card wrote a request; the server handles
// the request on its own goroutine, and its events would fall before or
// after the cut's as the goroutines go. Waiting until the server has
// consumed the request puts them before it in every run.
type flows struct {
	mu      sync.Mutex
	cond    *sync.Cond
	waiters int
	conns   map[string]*flowConn // by the client's address
	// gone remembers the last goneMax closed connections' client
	// addresses: a wait for one of them is over, not "not accepted yet".
	gone     map[string]struct{}
	goneFIFO []string
}

// goneMax bounds the closed connections flows remembers.
const goneMax = 4096

func newFlows() *flows {
	f := &flows{conns: map[string]*flowConn{}, gone: map[string]struct{}{}}
	f.cond = sync.NewCond(&f.mu)
	return f
}

// flowConn is one accepted connection, counted below every other wrapper
// (tap, TLS), so read counts raw bytes off the socket.
type flowConn struct {
	net.Conn
	f       *flows
	key     string
	read    int64 // bytes returned by Read so far
	reading bool  // a Read is waiting in the kernel
	active  bool  // net/http is reading or serving a request (StateActive)
}

// NetConn is the counted connection (the socket), for a server that
// aborts it (SO_LINGER 0).
func (c *flowConn) NetConn() net.Conn { return c.Conn }

func (c *flowConn) Read(p []byte) (int, error) {
	c.f.mu.Lock()
	c.reading = true
	c.f.signal()
	c.f.mu.Unlock()
	n, err := c.Conn.Read(p)
	c.f.mu.Lock()
	c.reading = false
	c.read += int64(n)
	c.f.signal()
	c.f.mu.Unlock()
	return n, err
}

// signal wakes waiters, if any. Callers hold mu.
func (f *flows) signal() {
	if f.waiters > 0 {
		f.cond.Broadcast()
	}
}

// listener wraps ln so that every accepted connection is counted.
func (f *flows) listener(ln net.Listener) net.Listener { return flowListener{ln, f} }

type flowListener struct {
	net.Listener
	f *flows
}

func (l flowListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	fc := &flowConn{Conn: c, f: l.f, key: c.RemoteAddr().String()}
	l.f.mu.Lock()
	l.f.conns[fc.key] = fc
	delete(l.f.gone, fc.key) // a port reused by a new connection
	l.f.signal()
	l.f.mu.Unlock()
	return fc, nil
}

// state follows net/http's view of a connection (http.Server.ConnState):
// StateActive from the first byte of a request to the end of its answer.
// c may be any wrapper of the counted connection; its client address
// finds it.
func (f *flows) state(c net.Conn, st http.ConnState) {
	key := c.RemoteAddr().String()
	f.mu.Lock()
	defer f.mu.Unlock()
	fc := f.conns[key]
	if fc == nil {
		return
	}
	switch st {
	case http.StateActive:
		fc.active = true
	case http.StateIdle:
		fc.active = false
	case http.StateClosed, http.StateHijacked:
		delete(f.conns, key)
		f.gone[key] = struct{}{}
		f.goneFIFO = append(f.goneFIFO, key)
		if len(f.goneFIFO) > goneMax {
			delete(f.gone, f.goneFIFO[0])
			f.goneFIFO = f.goneFIFO[1:]
		}
	}
	f.signal()
}

// consumed waits until the connection from client has been read to at
// least n bytes and the server waits for more with no request in hand, or
// the connection is closed; a connection not accepted yet is waited for
// when n > 0. It reports false if limit passes first, of the process's
// running time: a server that could not run is not stuck.
func (f *flows) consumed(client string, n int64, limit time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waiters++
	defer func() { f.waiters-- }()
	return stall.Begin(stalls(), limit).Await(f.cond, func() bool {
		fc := f.conns[client]
		_, gone := f.gone[client]
		return fc == nil && (gone || n == 0) || fc != nil && fc.read >= n && fc.reading && !fc.active
	})
}
