package harness

import (
	"io"
	"sync"

	"github.com/esimhil/esimhil/emulators/modem"
	"github.com/esimhil/esimhil/harness/transport"
)

// memLinkMax bounds what a modem's in-memory link holds for a host that
// does not read: like a tty's buffer, past it the oldest bytes go.
const memLinkMax = 16 << 10

// memLink is the in-memory transport between a modem and its host: the
// modem's side is a modem.Wire, the host's a transport.Port. It owns no
// goroutine and no file descriptor: a host's write runs the command line
// in the modem before it returns, and the modem's output waits in a
// bounded buffer for the host to read. While no host has the port open
// the modem's output is dropped, as a modem's is when nobody opened its
// tty.
type memLink struct {
	name string
	m    *modem.Modem

	mu      sync.Mutex
	cond    *sync.Cond
	buf     []byte
	open    bool
	dropped int64
}

func newMemLink(name string) *memLink {
	l := &memLink{name: name}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// Send is the modem's side (modem.Wire): it never blocks.
func (l *memLink) Send(b []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.open {
		l.dropped += int64(len(b))
		return
	}
	l.buf = append(l.buf, b...)
	if over := len(l.buf) - memLinkMax; over > 0 {
		l.dropped += int64(over)
		l.buf = append(l.buf[:0], l.buf[over:]...)
	}
	l.cond.Broadcast()
}

// Open gives the host the port; one host at a time.
func (l *memLink) Open() transport.Port {
	l.mu.Lock()
	l.open, l.buf = true, nil
	l.mu.Unlock()
	return transport.Stream(l.name, &memHost{l: l})
}

// memHost is the host's end of a memLink.
type memHost struct {
	l      *memLink
	closed bool // under l.mu
}

func (h *memHost) Read(p []byte) (int, error) {
	l := h.l
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.buf) == 0 && !h.closed {
		l.cond.Wait()
	}
	if h.closed {
		return 0, io.EOF
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}

func (h *memHost) Write(p []byte) (int, error) {
	h.l.mu.Lock()
	closed := h.closed
	h.l.mu.Unlock()
	if closed {
		return 0, io.ErrClosedPipe
	}
	h.l.m.Input(p)
	return len(p), nil
}

func (h *memHost) Close() error {
	l := h.l
	l.mu.Lock()
	defer l.mu.Unlock()
	h.closed, l.open, l.buf = true, false, nil
	l.cond.Broadcast()
	return nil
}
