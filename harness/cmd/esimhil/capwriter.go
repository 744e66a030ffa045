package main

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/esimhil/esimhil/emulators/eventlog"
)

// DefaultServeEventsBytes bounds serve's events.jsonl: a serve left under
// storms for days would otherwise fill the disk (reviewer r85).
const DefaultServeEventsBytes = 1 << 30

// capWriter passes an event stream's lines to w until the next would take
// it past max bytes; then it writes one last event saying so
// (eventlog.LimitKind with limit_bytes), calls cut once, and drops every
// later line as written. Lines are whole events (the log's stream writes
// one a call), so the file ends on a whole line.
type capWriter struct {
	w   io.Writer
	max int64
	cut func()

	mu   sync.Mutex
	n    int64
	full bool
}

// lastLineRoom is kept free for the line that says the file is full.
const lastLineRoom = 256

func (c *capWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.full {
		return len(p), nil
	}
	if c.n+int64(len(p)) > c.max-lastLineRoom {
		c.full = true
		last, err := eventlog.Event{T: time.Now().UTC(), Actor: eventlog.Harness, Kind: eventlog.LimitKind,
			Fields: eventlog.F{"limit_bytes": c.max, "reason": fmt.Sprintf("events.jsonl reached its bound of %d bytes: later events are not written", c.max)}}.MarshalJSON()
		if err == nil {
			_, err = c.w.Write(append(last, '\n'))
		}
		if c.cut != nil {
			c.cut()
		}
		return len(p), err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
