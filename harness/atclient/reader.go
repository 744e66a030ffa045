package atclient

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/esimhil/esimhil/harness/fieldlog"
	"github.com/esimhil/esimhil/harness/transport"
	"github.com/esimhil/esimhil/internal/codec/at"
)

// The reader of the port is held by one goroutine at a time, which reads
// lines and routes them (to the command waiting, or to the URC list).
//
// A command waiting for its answer reads it itself when the port has read
// deadlines (a tty under the runtime poller, a TCP connection): handing
// each line from a reader goroutine to the command's goroutine wakes a
// second goroutine, which on a 2-CPU machine wakes the idle CPU — that cost
// 4× an AT round trip on a pty (~45 µs of ~57 µs). readLoop holds the
// reader only when no command has used it for readerLinger, so commands in
// a row never involve it; when a command comes while readLoop is blocked
// reading, a read deadline in the past makes it hand the reader over.

// readerLinger is how long the reader stays free after a command before
// readLoop takes it back to collect URCs (which wait in the kernel's
// buffer meanwhile: a URC arriving then is routed up to this much later).
const readerLinger = time.Millisecond

// Who holds the reader.
const (
	heldByNobody = iota
	heldByLoop
	heldByCommand
)

type reader struct {
	lr       *at.LineReader                                // used only by the holder
	deadline interface{ SetReadDeadline(time.Time) error } // nil: the port has none
	toCmd    chan struct{}                                 // readLoop hands the reader over (cap 1)
	kick     chan struct{}                                 // wakes readLoop early (cap 1)
	clock    monoClock                                     // lastByte's and freedAt's
	lastByte *atomic.Int64                                 // when bytes last came, on clock (activity)
	raw      *rawBytes                                     // what came since a line went out (activity)

	// under Client.mu
	holder  int
	freedAt int64 // when a command last gave the reader back, on clock (long before it, at first)
	wants   bool  // a command waits for readLoop to hand the reader over
	handed  bool  // readLoop has handed it over (sent on toCmd)
	readErr error // a read error a command left for readLoop to handle
}

// monoClock reads the monotonic clock alone, as nanoseconds since its
// epoch: one clock read where time.Now makes two (wall and monotonic).
// On a virtual machine clock_gettime is slow, and a command's clock
// reads cost about as much as the rest of its work in the client.
type monoClock struct{ epoch time.Time }

func newMonoClock() monoClock { return monoClock{epoch: time.Now()} }

func (m monoClock) now() int64 { return int64(time.Since(m.epoch)) } // Since reads only the monotonic clock

// at is n as a time (monotonic: it compares with time.Now's).
func (m monoClock) at(n int64) time.Time { return m.epoch.Add(time.Duration(n)) }

// activity is a port's reads, noting when bytes last came (on clock), so
// that a command whose answer is still arriving is not taken for
// unanswered.
type activity struct {
	io.Reader
	clock monoClock
	last  *atomic.Int64
	raw   *rawBytes
}

func (a activity) Read(b []byte) (int, error) {
	n, err := a.Reader.Read(b)
	if n > 0 {
		a.last.Store(a.clock.now())
		a.raw.add(b[:n])
	}
	return n, err
}

// rawBytes are the bytes read since a command line went out (the first
// maxRawNote of them kept) and the lines they formed: a modem at another
// baud rate or parity sends bytes that form none, which is no silence.
type rawBytes struct {
	mu    sync.Mutex
	n     int
	head  []byte
	lines int
	junk  int // bytes that are no text (textByte)
}

// textByte says whether b can be part of a modem's text: printable ASCII,
// CR, LF or tab.
func textByte(b byte) bool { return b >= 0x20 && b <= 0x7e || b == '\r' || b == '\n' || b == '\t' }

// maxRawNote bounds the bytes a note on them shows.
const maxRawNote = 64

func (r *rawBytes) add(b []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n += len(b)
	for _, c := range b {
		if !textByte(c) {
			r.junk++
		}
	}
	if k := min(len(b), maxRawNote-len(r.head)); k > 0 {
		r.head = append(r.head, b[:k]...)
	}
}

func (r *rawBytes) line() {
	r.mu.Lock()
	r.lines++
	r.mu.Unlock()
}

// mark starts counting again, as a command line goes out.
func (r *rawBytes) mark() {
	r.mu.Lock()
	r.n, r.head, r.lines, r.junk = 0, r.head[:0], 0, 0 // head's array kept for the next
	r.mu.Unlock()
}

// unframed are the bytes read since the mark when a command can take
// no answer from them: none formed a line, or some are not text (a
// modem at another speed or parity, or one whose echo came in step and
// garbage after it: outside tester t72, F8).
type unframed struct {
	n     int    // bytes since the mark; 0: an answer may be among them
	lines int    // lines they formed
	hex   string // the first of them in hex, for the trace
	first string // the first firstBytes of them escaped, for an error
	// text: all printable ASCII, CR, LF, tab — an answer whose line has
	// not ended, still arriving on a slow link, rather than noise.
	text bool
}

// firstBytes bounds what an error shows of the bytes.
const firstBytes = 16

func (r *rawBytes) unframed() unframed {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return unframed{}
	}
	u := unframed{n: r.n, lines: r.lines, text: r.junk == 0, hex: fmt.Sprintf("% x", r.head)}
	if r.lines > 0 && u.text {
		return unframed{} // lines of text: the answer's, its final result not come
	}
	if r.n > len(r.head) {
		u.hex += " …"
	}
	u.first = fieldlog.Escape(string(r.head[:min(len(r.head), firstBytes)]))
	if r.n > firstBytes {
		u.first += "…"
	}
	return u
}

func newReader(p transport.Port) reader {
	r := reader{toCmd: make(chan struct{}, 1), kick: make(chan struct{}, 1), clock: newMonoClock(), lastByte: new(atomic.Int64), raw: new(rawBytes)}
	r.freedAt = -int64(readerLinger) // readLoop takes the reader at once
	r.lr = at.NewLineReader(activity{p, r.clock, r.lastByte, r.raw})
	if d, ok := p.(interface{ SetReadDeadline(time.Time) error }); ok {
		r.deadline = d
	}
	return r
}

// How a command's wait ended.
const (
	answered = iota
	timedOut
	clientDone
)

// readLoop collects URCs while no command reads, and handles what fails the
// port: its own read errors and those a command leaves it.
func (c *Client) readLoop() {
	defer close(c.readDone)
	var err error
	for {
		if err != nil {
			if c.readFailed(err) {
				return
			}
			err = nil // the port is back; readLoop still holds the reader
		} else {
			var ok bool
			if err, ok = c.claim(); !ok {
				return
			}
			if err != nil {
				continue // a command's read error, now readLoop's to handle
			}
		}
		err = c.readAsLoop()
	}
}

// claim waits until the reader has been free for readerLinger (or a
// command's read error is left for readLoop) and takes it, without the
// read deadline the last command left on the port (release leaves it:
// the next command sets its own). false: the client is closed.
func (c *Client) claim() (error, bool) {
	for {
		c.mu.Lock()
		wait := readerLinger
		switch {
		case c.readErr != nil && c.holder == heldByNobody:
			err := c.readErr
			c.readErr, c.holder = nil, heldByLoop
			c.clearDeadline()
			c.mu.Unlock()
			return err, true
		case c.holder == heldByNobody:
			if wait -= time.Duration(c.clock.now() - c.freedAt); wait <= 0 {
				c.holder = heldByLoop
				c.clearDeadline()
				c.mu.Unlock()
				return nil, true
			}
		}
		c.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-c.kick:
		case <-c.ctx.Done():
			t.Stop()
			return nil, false
		}
		t.Stop()
	}
}

// readAsLoop reads and routes lines until a command takes the reader (nil)
// or the port fails.
func (c *Client) readAsLoop() error {
	for {
		switch err := c.readLine(); {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			if c.handOver() {
				return nil
			}
			// The deadline of a command that got its answer meanwhile.
		default:
			return err
		}
	}
}

// handOver gives the reader to the command that asked for it, if one
// still does.
func (c *Client) handOver() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.wants {
		return false
	}
	c.holder, c.handed = heldByCommand, true
	c.toCmd <- struct{}{} // cap 1, one hand-over per command
	return true
}

// readLine reads the next line, traces it and routes it (an overlong one
// is traced as dropped), and returns the read's error.
func (c *Client) readLine() error {
	line, err := c.lr.Next()
	if err == nil || errors.Is(err, at.ErrResponseTooLong) {
		c.raw.line()
	}
	switch {
	case err == nil && c.lr.Cut():
		c.cutLine(line)
	case err == nil:
		logged := "" // written by route, marked if a URC
		switch {
		case !fieldlog.Noisy(line):
			logged = line
		case c.gsm.Load() && gsmQuoted(line):
			logged = fieldlog.Escape(line) // GSM codes in quotes, not noise
		default:
			var ok bool
			if line, ok = c.denoise(line); !ok {
				return nil
			}
		}
		note, urc := c.route(line, logged)
		if note != "" {
			c.queueTrace("#", note)
		}
		c.flushTrace() // the line, then its waiters
		if urc {
			c.wakeURC()
		}
		c.deliver()
	case errors.Is(err, at.ErrResponseTooLong):
		c.tracef("<", OverlongLine)
		c.mu.Lock()
		if c.pending != nil {
			c.pending.overlong++ // its answer is not whole: say so
		}
		c.mu.Unlock()
	default:
		return err
	}
	return nil
}

// cutLine traces a line the port's end cut short (the end of the stream,
// or a read error, came before its CR or LF) as cut, and keeps it from the
// pending command: not a whole line of its answer, which the drop cut.
func (c *Client) cutLine(line string) {
	c.tracef("<", fieldlog.Escape(line))
	c.tracef("#", "line cut by the port drop")
	c.mu.Lock()
	if c.pending != nil {
		c.pending.cut = line
	}
	c.mu.Unlock()
}

// readFailed handles a read error for readLoop, which holds the reader:
// true when the client is over (closed, or failed for good), false when
// the port came back and a new line reader is in place.
func (c *Client) readFailed(err error) bool {
	if c.ctx.Err() != nil {
		return true // closed
	}
	if line := c.lr.Unfinished(); line != "" {
		c.cutLine(line)
	}
	if c.reconnect <= 0 {
		c.fail(fmt.Errorf("%w: read %s: %w", ErrClosed, c.port.Name(), err))
		return true
	}
	if rerr := c.reopen(err); rerr != nil {
		// Still ErrPortDown (PortErr): the port dropped and stayed away,
		// which a lab spec names as such, not as a client closed.
		c.fail(fmt.Errorf("%w: %w: %w", ErrClosed, ErrPortDown, rerr))
		return true
	}
	c.lr = at.NewLineReader(activity{c.port, c.clock, c.lastByte, c.raw})
	return false
}

// await waits for p's final result, reading it itself when it can take
// the reader.
func (c *Client) await(p *pending, lim *limit) (string, int) {
	if c.deadline == nil {
		return c.awaitRouted(p, lim)
	}
	c.mu.Lock()
	switch {
	case c.readErr != nil:
		// The port failed under the last command: readLoop handles
		// that first (fails the client, or reopens the port).
		c.mu.Unlock()
		c.kickLoop()
		return c.awaitRouted(p, lim)
	case c.holder == heldByNobody:
		c.holder = heldByCommand
		c.mu.Unlock()
		return c.readOwn(p, lim)
	case c.holder == heldByLoop:
		c.wants = true
		c.mu.Unlock()
	default:
		c.mu.Unlock()
		return c.awaitRouted(p, lim)
	}
	if err := c.deadline.SetReadDeadline(time.Unix(1, 0)); err != nil {
		c.withdraw()
		return c.awaitRouted(p, lim)
	}
	select {
	case final := <-p.final:
		c.withdraw()
		return final, answered
	case <-c.toCmd:
		c.mu.Lock()
		c.wants, c.handed = false, false
		c.mu.Unlock()
		return c.readOwn(p, lim)
	case <-lim.C():
		c.withdraw()
		return "", timedOut
	case <-c.done:
		c.withdraw()
		return "", clientDone
	}
}

// awaitRouted waits for the holder of the reader to route p's final result.
func (c *Client) awaitRouted(p *pending, lim *limit) (string, int) {
	select {
	case final := <-p.final:
		return final, answered
	case <-lim.C():
		return "", timedOut
	case <-c.done:
		return "", clientDone
	}
}

// withdraw takes back a request for the reader; if readLoop handed it over
// meanwhile, the reader is given back free.
func (c *Client) withdraw() {
	_ = c.deadline.SetReadDeadline(time.Time{})
	c.mu.Lock()
	handed := c.handed
	c.wants, c.handed = false, false
	c.mu.Unlock()
	if handed {
		<-c.toCmd // sent before handed was set
		c.release(nil)
	}
}

// readOwn reads and routes lines, holding the reader, until p has its
// final result or the command's deadline passes, then frees the reader. A
// read error other than the deadline is left to readLoop, and the command
// waits for what readLoop makes of it (a failed command or client).
func (c *Client) readOwn(p *pending, lim *limit) (string, int) {
	if err := c.deadline.SetReadDeadline(lim.deadline); err != nil {
		c.release(nil)
		c.kickLoop() // read for the command, without lingering
		return c.awaitRouted(p, lim)
	}
	for {
		// First: readLoop may have routed the answer before it handed
		// the reader over.
		select {
		case final := <-p.final:
			c.release(nil)
			return final, answered
		default:
		}
		switch err := c.readLine(); {
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded):
			c.release(nil)
			return "", timedOut
		default:
			c.release(err)
			return c.awaitRouted(p, lim)
		}
	}
}

// deliver hands a routed final result to its command once the lines
// already read behind it are routed: they came before the command
// returned, so before the next one was written, and are no answer of it
// (a line sent behind OK, a modem's information lines after it: outside
// tester sw57 N1), whichever holder of the reader routed the final — a
// command reading for itself or readLoop. Only what is buffered: it
// never waits.
func (c *Client) deliver() {
	c.mu.Lock()
	p, line := c.routed, c.routedLine
	c.routed = nil
	c.mu.Unlock()
	if p == nil {
		return
	}
	for c.lr.LineBuffered() {
		if c.readLine() != nil {
			break
		}
	}
	p.final <- line
}

// release frees the reader a command held, leaving err (a failed read) to
// readLoop. The command's read deadline stays on the port: the next
// command replaces it with its own, and readLoop clears it when it takes
// the reader (claim), which saves a timer change on every command.
func (c *Client) release(err error) {
	c.mu.Lock()
	c.holder, c.freedAt, c.readErr = heldByNobody, c.clock.now(), err
	c.mu.Unlock()
	if err != nil {
		c.kickLoop()
	}
}

// clearDeadline takes a command's read deadline off the port, for
// readLoop, which reads without one. claim calls it with c.mu held, as it
// takes the reader: a command that finds readLoop holding it (await) can
// then only set its hand-over deadline after this, never have it wiped.
func (c *Client) clearDeadline() {
	if c.deadline != nil {
		_ = c.deadline.SetReadDeadline(time.Time{})
	}
}

func (c *Client) kickLoop() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// OverlongLine is what the trace holds in place of a line over
// at.MaxResponseLine: the client's text, never the modem's (lab record
// must not take it for an identity, a replay must not send it).
const OverlongLine = fieldlog.OverlongLine

// gsmQuoted says whether a line's control bytes all sit inside its
// quoted strings, each a 7-bit byte: under +CSCS="GSM" those are TS
// 23.038 codes of an operator's name ("+COPS: 0,0,\"T\x05l\x05com\",7"),
// not noise. Outside the quotes the line must be clean 7-bit text, as
// every byte of a modem under GSM is.
func gsmQuoted(line string) bool {
	in := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"':
			in = !in
		case in && c >= 0x80, !in && (c < 0x20 && c != '\t' || c >= 0x7f):
			return false
		}
	}
	return !in
}
