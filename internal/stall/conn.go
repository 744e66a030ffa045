package stall

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"
)

// Conn is a net.Conn whose deadlines bound the peer in the process's
// running time: a read or write that fails on its deadline while the
// wait it stands for still has time (the process was stopped or starved
// meanwhile, and the peer's bytes may be in the kernel's buffer, unread)
// is tried again with the deadline set for what is left. A deadline in
// the past (net/http's way to abort a read) stays past.
type Conn struct {
	net.Conn
	r      Reader
	mu     sync.Mutex // orders a retry's deadline with SetReadDeadline's
	rd, wr Wait
}

// NewConn wraps c; r is the meter (nil: Default).
func NewConn(c net.Conn, r Reader) *Conn { return &Conn{Conn: c, r: r} }

// NetConn is the connection beneath.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// waitFor is the deadline t, set at now, as a wait; the zero Wait (it
// bounds nothing and has run out) for the zero time.
func (c *Conn) waitFor(now, t time.Time) Wait {
	if t.IsZero() {
		return Wait{}
	}
	return BeginAt(c.r, now, t.Sub(now))
}

// CloseWrite half-closes the connection beneath (TCP's FIN: the peer
// reads its end and may still answer), or fails, naming it, when it
// cannot be half-closed.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("stall: a %T cannot be half-closed: %w", c.Conn, errors.ErrUnsupported)
}

// SetReadDeadline notes t as a wait of running time and sets it.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rd = c.waitFor(time.Now(), t)
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline notes t as a wait of running time and sets it.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wr = c.waitFor(time.Now(), t)
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline is SetReadDeadline and SetWriteDeadline.
func (c *Conn) SetDeadline(t time.Time) error {
	return errors.Join(c.SetReadDeadline(t), c.SetWriteDeadline(t))
}

// Read reads, past a deadline a stall moved on.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for n == 0 && c.rearm(err, &c.rd, c.Conn.SetReadDeadline) {
		n, err = c.Conn.Read(p)
	}
	return n, err
}

// Write writes all of p, past a deadline a stall moved on.
func (c *Conn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	for n < len(p) && c.rearm(err, &c.wr, c.Conn.SetWriteDeadline) {
		var m int
		m, err = c.Conn.Write(p[n:])
		n += m
	}
	return n, err
}

// rearm, after an operation failed with err, reports whether it failed
// on its deadline while the wait *w still has running time, and if so
// sets the deadline again (set) for what is left.
func (c *Conn) rearm(err error, w *Wait, set func(time.Time) error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if w.Left(now) <= 0 {
		return false
	}
	return set(w.Deadline(now)) == nil
}
