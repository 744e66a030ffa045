// Package atclient is the host side of an AT interface: it sends command
// lines to a modem (the emulator's pty in CI, /dev/ttyUSBn or a ser2net tty
// in the lab), collects each command's response up to its final result
// code, and keeps unsolicited result codes in arrival order.
package atclient

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/esimhil/esimhil/internal/codec/at"
)

// ErrError is a plain ERROR final result (also NO CARRIER, +CMS ERROR, ...:
// the Response's Final says which).
var ErrError = errors.New("at: ERROR")

// ErrTimeout is wrapped by the error of a command that got no final result.
var ErrTimeout = errors.New("at: timeout")

// ErrClosed is returned once the client is closed or its reader failed.
var ErrClosed = errors.New("at: client closed")

// CMEError is a +CME ERROR final result. Code is -1 when the modem sent a
// text that is not in the TS 27.007 §9.2 table.
type CMEError struct {
	Code int
	Text string
}

func (e *CMEError) Error() string { return fmt.Sprintf("+CME ERROR: %d (%s)", e.Code, e.Text) }

// Response is what a command line got back: information lines (echo and
// URCs removed) and the final result line.
type Response struct {
	Lines []string
	Final string
}

// Option configures a Client.
type Option func(*Client)

// WithTimeout sets the wall-clock time a command may wait for its final
// result (default 5 s).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithTrace writes every line both ways: "> AT+CEREG?" and "< +CEREG: ...".
func WithTrace(w io.Writer) Option { return func(c *Client) { c.trace = w } }

// Client talks to one modem. Commands are sent one at a time.
type Client struct {
	w       io.Writer
	closer  io.Closer
	timeout time.Duration
	trace   io.Writer

	cmdMu sync.Mutex // one command line in flight

	mu      sync.Mutex
	pending *pending
	urcs    []string
	urcSig  chan struct{} // closed and replaced when a URC arrives
	err     error         // reader's terminal error
	done    chan struct{}
	traceMu sync.Mutex
	// readerDone is closed when the reader goroutine has returned.
	readerDone chan struct{}
}

type pending struct {
	line   string          // the command line as sent, for echo detection
	names  map[string]bool // command names of the line: "+CEREG", "+CSIM"
	echoOK bool            // the echo may still come
	lines  []string
	final  chan string
}

// Open opens a tty, puts it in raw mode and starts the client on it.
func Open(path string, opts ...Option) (*Client, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("atclient: open %s: %w", path, err)
	}
	// Through SyscallConn the file stays non-blocking, so Close interrupts
	// the reader.
	rc, err := f.SyscallConn()
	if err == nil {
		var rawErr error
		if err = rc.Control(func(fd uintptr) { _, rawErr = term.MakeRaw(int(fd)) }); err == nil {
			err = rawErr
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("atclient: raw mode %s: %w", path, err)
	}
	c := New(f, opts...)
	c.closer = f
	return c, nil
}

// New starts a client on any byte stream (a pipe in tests, a TCP
// connection to ser2net). Close closes rw when it is an io.Closer.
func New(rw io.ReadWriter, opts ...Option) *Client {
	c := &Client{w: rw, timeout: 5 * time.Second, urcSig: make(chan struct{}), done: make(chan struct{}), readerDone: make(chan struct{})}
	if cl, ok := rw.(io.Closer); ok {
		c.closer = cl
	}
	for _, o := range opts {
		o(c)
	}
	go c.readLoop(at.NewLineReader(rw))
	return c
}

// Close stops the client and closes the underlying stream. When the stream
// is an io.Closer (a tty, a TCP connection, a pipe) it also waits for the
// reader goroutine to return, so none outlives the client.
func (c *Client) Close() error {
	var err error
	if c.closer != nil {
		err = c.closer.Close()
	}
	c.fail(ErrClosed)
	if c.closer != nil {
		select {
		case <-c.readerDone:
		case <-time.After(readerStop):
			err = errors.Join(err, fmt.Errorf("reader still blocked %v after closing the stream", readerStop))
		}
	}
	if err != nil {
		return fmt.Errorf("atclient close: %w", err)
	}
	return nil
}

// readerStop bounds how long Close waits for the reader: a stream whose
// Close does not interrupt a blocked Read would otherwise hang it.
const readerStop = 5 * time.Second

func (c *Client) tracef(dir, line string) {
	if c.trace == nil {
		return
	}
	c.traceMu.Lock()
	defer c.traceMu.Unlock()
	fmt.Fprintf(c.trace, "%s %s\n", dir, line)
}

// Command sends one command line (with its "AT") and waits for the final
// result. On ERROR it returns ErrError, on +CME ERROR a *CMEError, on
// silence an error wrapping ErrTimeout that names the command; the Response
// is returned in every case that got a final line.
func (c *Client) Command(cmd string) (*Response, error) {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	p := &pending{line: strings.TrimSpace(cmd), names: map[string]bool{}, echoOK: true, final: make(chan string, 1)}
	if cmds, err := at.Parse(cmd); err == nil {
		for _, x := range cmds {
			p.names[x.Name] = true
		}
	}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	c.pending = p
	c.mu.Unlock()
	c.tracef(">", cmd)
	if _, err := io.WriteString(c.w, cmd+"\r"); err != nil {
		c.clearPending(p)
		return nil, fmt.Errorf("%s: write: %w", cmd, err)
	}
	t := time.NewTimer(c.timeout)
	defer t.Stop()
	select {
	case final := <-p.final:
		c.mu.Lock()
		rsp := &Response{Lines: p.lines, Final: final}
		c.mu.Unlock()
		return rsp, finalErr(final)
	case <-t.C:
		c.clearPending(p)
		return nil, fmt.Errorf("%s: %w after %v", cmd, ErrTimeout, c.timeout)
	case <-c.done:
		c.clearPending(p)
		c.mu.Lock()
		err := c.err
		c.mu.Unlock()
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
}

func (c *Client) clearPending(p *pending) {
	c.mu.Lock()
	if c.pending == p {
		c.pending = nil
	}
	c.mu.Unlock()
}

func finalErr(final string) error {
	r := at.Classify(final)
	switch r.Kind {
	case at.FinalOK:
		return nil
	case at.FinalCME:
		return &CMEError{Code: r.Code, Text: r.Text}
	}
	return fmt.Errorf("%w: %s", ErrError, final)
}
