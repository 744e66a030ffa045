// Package transport opens a modem's AT port, wherever it is: the emulator's
// pty or a local serial device (termios: raw, exclusive, baud and flow), a
// serial port that ser2net exports as raw TCP (tcp://host:port), or one it
// exports with the telnet COM-PORT option (rfc2217://host:port). The AT
// client and everything above it see one small interface, Port, and never
// care which it is.
package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esimhil/esimhil/internal/stall"
)

// Port is an open AT port.
type Port interface {
	io.ReadWriteCloser
	// Name says which port, for messages: "/dev/ttyUSB2",
	// "tcp://lab1:3001", "rfc2217://lab1:3002".
	Name() string
	// Reopen drops the connection and opens the same port again, trying
	// until it is back or ctx ends: a USB modem re-enumerating after a
	// reset, ser2net accepting again after a dropped connection. A Read
	// or Write in progress fails; the next ones use the new connection.
	Reopen(ctx context.Context) error
}

// ErrClosed is returned by a Port after Close.
var ErrClosed = errors.New("transport: port closed")

// ErrDown is returned by Read and Write while a Port is being reopened.
var ErrDown = errors.New("transport: port down, reopening")

// Flow is a serial line's flow control.
type Flow string

const (
	FlowNone     Flow = "none"
	FlowHardware Flow = "rtscts"
	FlowSoftware Flow = "xonxoff"
)

// Config holds the line settings. Over USB the modem ignores baud and
// flow (CDC-ACM, or a vendor driver that emulates them), but a UART and a
// ser2net on a real serial line do not.
type Config struct {
	Baud     int  // default 115200
	DataBits int  // 5..8, default 8
	Parity   byte // 'N' (default), 'E', 'O'
	StopBits int  // 1 (default) or 2
	Flow     Flow // default none
	// Shared leaves a local device open to others (no TIOCEXCL): the
	// emulator's pty, which people and tools open beside the rig.
	Shared bool
	// DialTimeout bounds one connection attempt and the RFC 2217
	// handshake (default 5 s).
	DialTimeout time.Duration
	// OnModemState, if set, receives the RFC 2217 server's modem-state
	// notifications (telnet.ModemCD, ModemDSR, ... bits): the first, and
	// then each that changes the state or carries a delta bit, not the
	// same state notified again.
	OnModemState func(state byte)
}

func (c Config) withDefaults() (Config, error) {
	if c.Baud == 0 {
		c.Baud = 115200
	}
	if c.DataBits == 0 {
		c.DataBits = 8
	}
	if c.Parity == 0 {
		c.Parity = 'N'
	}
	if c.StopBits == 0 {
		c.StopBits = 1
	}
	if c.Flow == "" {
		c.Flow = FlowNone
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 5 * time.Second
	}
	switch {
	case bauds[c.Baud] == 0:
		// Over RFC 2217 too: the server sets it on a real UART.
		return c, fmt.Errorf("baud %d: not a rate a UART is set to (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600, 1000000 … 4000000)", c.Baud)
	case c.DataBits < 5 || c.DataBits > 8:
		return c, fmt.Errorf("data bits %d: want 5..8", c.DataBits)
	case !strings.ContainsRune("NEO", rune(c.Parity)):
		return c, fmt.Errorf("parity %q: want N, E or O", c.Parity)
	case c.StopBits != 1 && c.StopBits != 2:
		return c, fmt.Errorf("stop bits %d: want 1 or 2", c.StopBits)
	case c.Flow != FlowNone && c.Flow != FlowHardware && c.Flow != FlowSoftware:
		return c, fmt.Errorf("flow %q: want none, rtscts or xonxoff", c.Flow)
	}
	return c, nil
}

// Open opens a port by address: a device path (/dev/ttyUSB2,
// /dev/serial/by-id/...), tcp://host:port or rfc2217://host:port.
func Open(ctx context.Context, addr string, cfg Config) (Port, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", addr, err)
	}
	var dial func(context.Context) (io.ReadWriteCloser, error)
	switch {
	case strings.HasPrefix(addr, "tcp://"):
		host := strings.TrimPrefix(addr, "tcp://")
		dial = func(ctx context.Context) (io.ReadWriteCloser, error) {
			c, err := dialTCP(ctx, addr, host, cfg)
			if err != nil {
				return nil, err
			}
			return checkRefusal(c, addr)
		}
	case strings.HasPrefix(addr, "rfc2217://"):
		host := strings.TrimPrefix(addr, "rfc2217://")
		dial = func(ctx context.Context) (io.ReadWriteCloser, error) { return dialRFC2217(ctx, host, cfg) }
	case strings.Contains(addr, "://"):
		return nil, fmt.Errorf("%s: unknown scheme: want a device path, tcp://host:port or rfc2217://host:port", addr)
	default:
		dial = func(context.Context) (io.ReadWriteCloser, error) { return openSerial(addr, cfg) }
	}
	c, err := openInUse(ctx, dial)
	if err != nil {
		return nil, err
	}
	return newPort(addr, dial, c), nil
}

// SettingsAt says where to set the speed and line settings of the UART
// behind the port at addr, for an error that blames them (bytes that are
// no text): the host sets a tty's (--baud; 8N1 here), and an RFC 2217
// port's through the serial server; raw TCP carries none, so only the
// serial server's own configuration does.
func SettingsAt(addr string) string {
	switch {
	case strings.HasPrefix(addr, "tcp://"):
		return "raw TCP carries no line settings: set the modem's speed and parity in the serial server's configuration (ser2net's)"
	case strings.HasPrefix(addr, "rfc2217://"):
		return "set --baud (BAUD for make lab) to the modem's speed: the serial server applies it over RFC 2217, 8N1"
	}
	return "set --baud (BAUD for make lab) to the modem's speed: the port is opened 8N1"
}

// InUseFor bounds how long Open retries ser2net's "Port's device already
// in use": ser2net refuses a connection while the device is still open
// for the connection before it (through this port or another of its
// ports on the device), and closing it takes it a moment after that
// client left (back-to-back runs: lab discover --probe, then lab record).
var InUseFor = 2 * time.Second

// errDeviceInUse is the start of ser2net's refusal for a device another
// connection holds.
const errDeviceInUse = "Port's device already in use"

// openInUse dials, and dials again while ser2net says the device is in
// use, backing off from 50 ms to 400 ms, for up to InUseFor, telling
// OnRetry's f each time. Every other failure is final: a device absent
// stays absent for longer than this (Reopen waits for that one).
func openInUse(ctx context.Context, dial func(context.Context) (io.ReadWriteCloser, error)) (io.ReadWriteCloser, error) {
	onRetry, _ := ctx.Value(onRetryKey{}).(func(error))
	start := time.Now()
	// Of the time the process ran: the other client may have let the
	// device go while it was stopped.
	within := stall.BeginAt(nil, start, InUseFor)
	wait := 50 * time.Millisecond
	for tries := 1; ; tries++ {
		c, err := dial(ctx)
		var r *RefusedError
		if err == nil || !errors.As(err, &r) || !strings.HasPrefix(r.Text, errDeviceInUse) {
			return c, err
		}
		left := within.Left(time.Now())
		if left <= 0 || ctx.Err() != nil {
			return nil, fmt.Errorf("%w (another client holds the device, through this port or another of ser2net's on it; still in use after %d tries over %v)",
				err, tries, time.Since(start).Round(10*time.Millisecond))
		}
		if onRetry != nil {
			onRetry(err)
		}
		if perr := pause(ctx, min(wait, left)); perr != nil {
			return nil, fmt.Errorf("%w (%w)", err, perr)
		}
		wait = min(2*wait, 400*time.Millisecond)
	}
}

// Refusals counts the ser2net refusals an Open or Reopen under its
// context (WatchRefusals) retried.
type Refusals struct {
	n     int
	texts map[string]bool
}

// WatchRefusals returns a context under which Open and Reopen count each
// ser2net refusal they retry, calling first for the first of each text
// (a note for the log, once). The count is read once they returned.
func WatchRefusals(ctx context.Context, first func(*RefusedError)) (context.Context, *Refusals) {
	r := &Refusals{texts: map[string]bool{}}
	return OnRetry(ctx, func(err error) {
		var e *RefusedError
		if !errors.As(err, &e) {
			return
		}
		r.n++
		if !r.texts[e.Text] {
			r.texts[e.Text] = true
			first(e)
		}
	}), r
}

// Count is how many refusals were retried.
func (r *Refusals) Count() int { return r.n }

// String says so for a note: "ser2net refused 3 times", "" for none.
func (r *Refusals) String() string {
	switch r.n {
	case 0:
		return ""
	case 1:
		return "ser2net refused 1 time"
	}
	return fmt.Sprintf("ser2net refused %d times", r.n)
}

// pause waits d, or until ctx ends (its error): the back-off between two
// attempts at a port.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Stream makes a Port of a stream that cannot be reopened (a pipe in
// tests, a connection somebody else dialled).
func Stream(name string, rwc io.ReadWriteCloser) Port {
	return newPort(name, nil, rwc)
}

// port holds the current connection and dials a new one on Reopen.
type port struct {
	name string
	dial func(context.Context) (io.ReadWriteCloser, error)

	mu       sync.Mutex
	cur      io.ReadWriteCloser
	closed   bool
	deadline time.Time // the last read deadline set, for a connection Reopen makes

	// live mirrors cur and closed (publishLocked), so that Read and
	// Write, on every transfer, find the connection without taking mu.
	live atomic.Pointer[liveConn]
}

// liveConn is what conn returns: the connection, or why there is none.
type liveConn struct {
	c   io.ReadWriteCloser
	err error
}

func newPort(name string, dial func(context.Context) (io.ReadWriteCloser, error), cur io.ReadWriteCloser) *port {
	p := &port{name: name, dial: dial, cur: cur}
	p.publishLocked()
	return p
}

// publishLocked makes conn see cur and closed as they are now; call it
// with mu held after changing either.
func (p *port) publishLocked() {
	switch {
	case p.closed:
		p.live.Store(&liveConn{err: ErrClosed})
	case p.cur == nil:
		p.live.Store(&liveConn{err: ErrDown})
	default:
		p.live.Store(&liveConn{c: p.cur})
	}
}

func (p *port) Name() string { return p.name }

func (p *port) conn() (io.ReadWriteCloser, error) {
	l := p.live.Load()
	return l.c, l.err
}

func (p *port) Read(b []byte) (int, error) {
	c, err := p.conn()
	if err != nil {
		return 0, err
	}
	return c.Read(b)
}

func (p *port) Write(b []byte) (int, error) {
	c, err := p.conn()
	if err != nil {
		return 0, err
	}
	return c.Write(b)
}

// SetReadDeadline sets the current connection's read deadline when it has
// them (a tty under the runtime poller, a TCP connection); other streams
// return os.ErrNoDeadline.
func (p *port) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	p.deadline = t
	c, err := p.conn()
	p.mu.Unlock()
	if err != nil {
		return err
	}
	return setDeadline(c, t)
}

func setDeadline(c io.ReadWriteCloser, t time.Time) error {
	d, ok := c.(interface{ SetReadDeadline(time.Time) error })
	if !ok {
		return os.ErrNoDeadline
	}
	return d.SetReadDeadline(t)
}

func (p *port) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.publishLocked()
	if p.cur == nil {
		return nil
	}
	return p.cur.Close()
}

type onRetryKey struct{}

// OnRetry returns a context under which Reopen, and Open while ser2net
// says the device is in use (InUseFor), tell f why each attempt failed
// before they try again (a ser2net refusal wraps ErrRefused).
func OnRetry(ctx context.Context, f func(err error)) context.Context {
	return context.WithValue(ctx, onRetryKey{}, f)
}

// Reopen backs off from 50 ms to 1 s between attempts.
func (p *port) Reopen(ctx context.Context) error {
	onRetry, _ := ctx.Value(onRetryKey{}).(func(error))
	if p.dial == nil {
		return fmt.Errorf("%s: cannot be reopened", p.name)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	old := p.cur
	p.cur = nil
	p.publishLocked()
	p.mu.Unlock()
	if old != nil {
		old.Close()
	}
	wait := 50 * time.Millisecond
	for {
		c, err := p.dial(ctx)
		if err == nil {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.closed {
				c.Close()
				return ErrClosed
			}
			// A reader that set a deadline on the connection that dropped
			// may read this one next: it must time out the same, not block
			// for good on a modem that says nothing.
			if !p.deadline.IsZero() {
				_ = setDeadline(c, p.deadline)
			}
			p.cur = c
			p.publishLocked()
			return nil
		}
		if onRetry != nil && ctx.Err() == nil {
			onRetry(err)
		}
		if perr := pause(ctx, wait); perr != nil {
			return fmt.Errorf("%s did not come back: %w (%w)", p.name, err, perr)
		}
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			return ErrClosed
		}
		wait = min(2*wait, time.Second)
	}
}
