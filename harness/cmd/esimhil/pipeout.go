package main

import (
	"errors"
	"io"
	"os"
	"sync/atomic"
	"syscall"
)

// pipeOut is standard output that notices its reader has gone (EPIPE: a
// pipe to head closed): it calls onGone once and drops what is written
// after, so the command stops as a signal would stop it, and says nothing
// more there.
type pipeOut struct {
	w      io.Writer
	onGone func()
	closed atomic.Bool
}

// fdPipeOut is a pipeOut over a file: the progress meter asks its
// descriptor whether it is a terminal.
type fdPipeOut struct {
	*pipeOut
	f *os.File
}

func (o fdPipeOut) Fd() uintptr { return o.f.Fd() }

// pipeWriter is what newPipeOut returns: a writer that says whether its
// reader has gone.
type pipeWriter interface {
	io.Writer
	gone() bool
}

func newPipeOut(w io.Writer, onGone func()) pipeWriter {
	p := &pipeOut{w: w, onGone: onGone}
	if f, ok := w.(*os.File); ok {
		return fdPipeOut{p, f}
	}
	return p
}

func (p *pipeOut) Write(b []byte) (int, error) {
	if p.closed.Load() {
		return len(b), nil
	}
	n, err := p.w.Write(b)
	if errors.Is(err, syscall.EPIPE) {
		if p.closed.CompareAndSwap(false, true) {
			p.onGone()
		}
		return len(b), nil
	}
	return n, err
}

func (p *pipeOut) gone() bool { return p.closed.Load() }
