// Package aheadwrite gathers a file's writes in a buffer and writes each
// full buffer on a goroutine of its own while the next one fills.
//
// The harness's evidence files (the capture, at.log) are written on the
// modem's loop, between a command and its answer: a 64 KiB write there
// cost every command of a loop of GetEIDs ~0.6 µs. With the write going
// ahead, the loop only copies.
package aheadwrite

import "io"

// Writer is a buffered writer whose full buffers are written to the
// underlying writer behind the caller's back. One write is in flight at
// most, so the underlying writer gets the bytes in order and the Writer
// holds two buffers (more only for a single Write larger than its size);
// a write that fails is returned by the next Write, HandOff and Flush,
// and nothing after it is written. Not safe for concurrent use: callers
// hold their own lock.
type Writer struct {
	w     io.Writer
	size  int
	buf   []byte
	spare []byte
	// inFlight is the write on its way, nil when none: it gives back its
	// buffer and its error.
	inFlight chan done
	err      error
}

type done struct {
	buf []byte
	err error
}

// New gathers up to size bytes at a time for w.
func New(w io.Writer, size int) *Writer {
	return &Writer{w: w, size: size, buf: make([]byte, 0, size)}
}

// Write gathers p; a full buffer goes to w while the next one fills.
func (a *Writer) Write(p []byte) (int, error) {
	if a.err != nil {
		return 0, a.err
	}
	if len(a.buf) > 0 && len(a.buf)+len(p) > cap(a.buf) {
		if a.HandOff(); a.err != nil {
			return 0, a.err
		}
	}
	a.buf = append(a.buf, p...)
	return len(p), nil
}

// Buffered is how many bytes are gathered and not handed off yet.
func (a *Writer) Buffered() int { return len(a.buf) }

// HandOff starts writing what is gathered, once the write before it is
// done, and returns without waiting for it.
func (a *Writer) HandOff() {
	a.wait()
	if a.err != nil || len(a.buf) == 0 {
		return
	}
	b := a.buf
	a.buf, a.spare = a.spare, nil
	if a.buf == nil {
		a.buf = make([]byte, 0, a.size)
	}
	ch := make(chan done, 1)
	a.inFlight = ch
	go func() {
		_, err := a.w.Write(b)
		ch <- done{b[:0], err}
	}()
}

// wait ends the write in flight, if any.
func (a *Writer) wait() {
	if a.inFlight == nil {
		return
	}
	d := <-a.inFlight
	a.inFlight, a.spare = nil, d.buf
	if d.err != nil && a.err == nil {
		a.err = d.err
	}
}

// Flush writes what is gathered and returns when all of it is written
// (or with the first error): no goroutine is left behind.
func (a *Writer) Flush() error {
	a.wait()
	if a.err == nil && len(a.buf) > 0 {
		_, a.err = a.w.Write(a.buf)
		a.buf = a.buf[:0]
	}
	return a.err
}
