package euicc

import (
	"errors"
	"io"
	"net"
	"time"
)

// errAborted is what a coroutine's reads return once the runtime gave up on
// the exchange (failure, reset, power off).
var errAborted = errors.New("bip: exchange aborted")

// coroutine runs a client protocol (TLS, HTTP) written against net.Conn on
// top of a BIP channel that only the runtime can drive, one proactive
// command at a time.
//
// The protocol code runs on its own goroutine, but never at the same time as
// the runtime: resume hands it the bytes received so far and waits until it
// needs more (it blocks in Read on an empty buffer) or returns. What it
// wrote meanwhile is handed back for SEND DATA. This strict hand-off makes
// the exchange a deterministic function of the bytes received, whatever the
// TCP segmenting, and needs no lock: the two channels order every access.
type coroutine struct {
	conn *coConn
	wake chan struct{} // runtime → protocol: run
	park chan struct{} // protocol → runtime: blocked on Read, or finished
	done bool
	err  error // the protocol's result once done
}

// coConn is the protocol side's net.Conn. Its fields are touched only by
// whichever side currently runs.
type coConn struct {
	co      *coroutine
	in      []byte
	eof     bool
	aborted bool
	out     []byte
	closed  bool
}

// newCoroutine prepares run; it starts at the first resume.
func newCoroutine(run func(net.Conn) error) *coroutine {
	co := &coroutine{wake: make(chan struct{}), park: make(chan struct{})}
	co.conn = &coConn{co: co}
	go func() {
		<-co.wake
		err := run(co.conn)
		if err == nil && co.conn.aborted {
			err = errAborted
		}
		co.err = err
		co.done = true
		co.park <- struct{}{}
	}()
	return co
}

// resume gives the protocol the received bytes (eof: the peer closed or the
// link dropped) and runs it until it blocks or returns; it returns what the
// protocol wrote. After done it returns nothing.
func (co *coroutine) resume(data []byte, eof bool) []byte {
	if co.done {
		return nil
	}
	co.conn.in = append(co.conn.in, data...)
	co.conn.eof = co.conn.eof || eof
	co.wake <- struct{}{}
	<-co.park
	out := co.conn.out
	co.conn.out = nil
	return out
}

// abort makes every further read fail and runs the protocol to its end, so
// its goroutine never outlives the exchange.
func (co *coroutine) abort() {
	for !co.done {
		co.conn.aborted = true
		co.resume(nil, true)
	}
}

// Read returns buffered bytes, or parks until the runtime brings more.
func (c *coConn) Read(p []byte) (int, error) {
	for {
		switch {
		case c.aborted:
			return 0, errAborted
		case len(c.in) > 0:
			n := copy(p, c.in)
			c.in = c.in[n:]
			return n, nil
		case c.eof:
			return 0, io.EOF
		case c.closed:
			return 0, net.ErrClosed
		}
		c.co.park <- struct{}{}
		<-c.co.wake
	}
}

// Write buffers p for the runtime's next SEND DATA.
func (c *coConn) Write(p []byte) (int, error) {
	if c.closed || c.aborted {
		return 0, net.ErrClosed
	}
	c.out = append(c.out, p...)
	return len(p), nil
}

// Close marks the conn closed; the runtime closes the BIP channel.
func (c *coConn) Close() error { c.closed = true; return nil }

// bipAddr names the BIP channel as a net.Addr.
type bipAddr struct{}

func (bipAddr) Network() string { return "bip" }
func (bipAddr) String() string  { return "bip-channel" }

func (c *coConn) LocalAddr() net.Addr  { return bipAddr{} }
func (c *coConn) RemoteAddr() net.Addr { return bipAddr{} }

// Deadlines do not apply: the runtime's reply guard (toolkit timer BIPTimer,
// on the virtual clock) bounds the exchange.
func (c *coConn) SetDeadline(time.Time) error      { return nil }
func (c *coConn) SetReadDeadline(time.Time) error  { return nil }
func (c *coConn) SetWriteDeadline(time.Time) error { return nil }
