package capture

import "io"

// aheadSize is how much of the capture is gathered before it goes to the
// file: a run's capture is hundreds of KiB, written one small frame after
// another.
const aheadSize = 64 << 10

// aheadWriter gathers the capture's blocks and writes each full buffer to
// the file on a goroutine of its own, while the next one fills. The blocks
// are written when the card's contacts or the modem make them — on the
// modem's loop, between a command and its answer — and a 64 KiB write
// there cost every command ~0.6 µs (GetEID's benchmark). One write is in
// flight at most, so the file gets the blocks in order and the writer
// holds two buffers; a write that fails is returned by the next Write and
// by Flush, and nothing after it is written. Not safe for concurrent use:
// the Session's mu guards it.
type aheadWriter struct {
	w     io.Writer
	buf   []byte
	spare []byte
	// inFlight is the write on its way, nil when none: it gives back its
	// buffer and its error.
	inFlight chan aheadDone
	err      error
}

type aheadDone struct {
	buf []byte
	err error
}

func newAheadWriter(w io.Writer) *aheadWriter {
	return &aheadWriter{w: w, buf: make([]byte, 0, aheadSize)}
}

// Write gathers p; a full buffer goes to the file behind the caller's back.
func (a *aheadWriter) Write(p []byte) (int, error) {
	if a.err != nil {
		return 0, a.err
	}
	if len(a.buf) > 0 && len(a.buf)+len(p) > cap(a.buf) {
		a.handOff()
		if a.err != nil {
			return 0, a.err
		}
	}
	a.buf = append(a.buf, p...)
	return len(p), nil
}

// handOff starts writing the buffer, once the write before it is done.
func (a *aheadWriter) handOff() {
	a.wait()
	if a.err != nil {
		return
	}
	b := a.buf
	a.buf, a.spare = a.spare, nil
	if a.buf == nil {
		a.buf = make([]byte, 0, aheadSize)
	}
	done := make(chan aheadDone, 1)
	a.inFlight = done
	go func() {
		_, err := a.w.Write(b)
		done <- aheadDone{b[:0], err}
	}()
}

// wait ends the write in flight, if any.
func (a *aheadWriter) wait() {
	if a.inFlight == nil {
		return
	}
	d := <-a.inFlight
	a.inFlight, a.spare = nil, d.buf
	if d.err != nil && a.err == nil {
		a.err = d.err
	}
}

// Flush writes what is gathered and returns when all of it is in the
// file (or the first error): no goroutine is left behind.
func (a *aheadWriter) Flush() error {
	a.wait()
	if a.err == nil && len(a.buf) > 0 {
		_, a.err = a.w.Write(a.buf)
		a.buf = a.buf[:0]
	}
	return a.err
}
