// Package lagwrite buffers a log file's writes and flushes them in batches,
// but never more than a set wall-clock lag after they were written: a
// write per line costs a system call each (as much as a pty round trip
// for at.log), while a buffer flushed only at the end leaves nothing on
// disk when the process is killed.
package lagwrite

import (
	"bufio"
	"errors"
	"io"
	"sync"
	"time"
)

// Writer is a buffered writer whose data reaches the underlying writer at
// most Lag after it was written (or sooner, when the buffer fills). Safe
// for concurrent use.
type Writer struct {
	lag time.Duration

	mu     sync.Mutex
	w      *bufio.Writer
	timer  *time.Timer // pending flush, nil when none
	closed bool
}

// New buffers up to size bytes for w and flushes them at most lag after
// they were written.
func New(w io.Writer, size int, lag time.Duration) *Writer {
	return &Writer{lag: lag, w: bufio.NewWriterSize(w, size)}
}

// Write buffers p and arms the timed flush.
func (l *Writer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, errors.New("lagwrite: write after Close")
	}
	n, err := l.w.Write(p)
	if l.timer == nil && l.w.Buffered() > 0 {
		l.timer = time.AfterFunc(l.lag, l.timedFlush)
	}
	return n, err
}

func (l *Writer) timedFlush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.timer = nil
	if l.closed {
		return
	}
	// An error sticks in the bufio.Writer: the next Write and Close
	// return it.
	_ = l.w.Flush()
}

// Flush writes what is buffered now; the writer stays open.
func (l *Writer) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Flush()
}

// Close flushes what is left and stops the timer; it does not close the
// underlying writer. It returns the first error of any flush (bufio keeps
// it).
func (l *Writer) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	return l.w.Flush()
}
