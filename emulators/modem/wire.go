package modem

import (
	"errors"
)

// Wire is an in-memory link to the host in place of the pty: what the
// modem sends goes to Send, which must not block; what the host sends
// reaches the modem through Modem.Input. The same interpreter, URCs and
// dialect run over it; only the kernel's tty is missing, so a fleet of
// thousands of modems needs no pty, no file descriptor and no goroutine
// per modem.
type Wire interface {
	Send(b []byte)
}

// errWired is returned by Start when a Wire and a Link are both asked for.
var errWired = errors.New("modem: Options.Wire and Options.Link exclude each other")

// startWire is Start's I/O for a Wire: output goes straight to it.
func (m *Modem) startWire() error {
	if m.o.Link != "" {
		return errWired
	}
	w := m.o.Wire
	m.out.setDirect(func(b []byte) (int, error) { w.Send(b); return len(b), nil })
	m.mu.Lock()
	m.path = "mem:" + m.o.IMEI
	m.mu.Unlock()
	return nil
}

// Input takes bytes the host sent over the Wire, echoes them and runs each
// complete command line, as the pty reader does. It runs the lines before it
// returns, so a host that writes a command finds the answer already sent.
// Call it from outside simulated work (not from a timer callback).
func (m *Modem) Input(b []byte) {
	if m.isClosed() {
		return
	}
	m.loop.Do(func() { m.takeBytes(b) })
}

// isClosed reports whether Close ran: the modem's timers stay on the
// loop's clock after it, and afterFunc asks this before one acts.
func (m *Modem) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}
