package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"syscall"
)

// pipeOut is standard output that notices its reader has gone (EPIPE: a
// pipe to head closed): it calls onGone once and drops what is written
// after, so the command stops as a signal would stop it, and says nothing
// more there. Any other failed write (a full disk, /dev/full, EIO) is
// kept: the callers print and go on, and the command's exit status must
// still say that part of its output went nowhere (lostOutput).
type pipeOut struct {
	w      io.Writer
	onGone func()
	closed atomic.Bool
	err    atomic.Pointer[error]
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
	failed() error
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
	if err != nil {
		p.err.CompareAndSwap(nil, &err)
	}
	return n, err
}

func (p *pipeOut) gone() bool { return p.closed.Load() }

// failed is the first write that failed other than for a reader gone.
func (p *pipeOut) failed() error {
	if e := p.err.Load(); e != nil {
		return *e
	}
	return nil
}

// lostOutput is the exit status of a command that ended with code, given
// what became of its standard output and standard error: output whose
// reader went away is 141 (SIGPIPE's), as before; one that could not be
// written (a full disk, /dev/full) is said on standard error, naming the
// file and the cause, and the status is 1 unless the command failed
// already — GNU tools do the same ("write error: No space left on
// device") — since verdict lines went nowhere; a standard error that
// could not be written is 1 too, as whatever was said there (a result not
// saved, evidence cut short) was lost, and there is nowhere to say so.
func lostOutput(code int, stdout, stderr pipeWriter, say io.Writer) int {
	if err := stdout.failed(); err != nil {
		fmt.Fprintf(say, "esimhil: standard output: %v: part of the output was lost\n", err)
		if code == 0 {
			code = 1
		}
	}
	if stdout.gone() && code == 0 {
		code = 128 + int(syscall.SIGPIPE) // a command that takes no context ran on
	}
	if (stderr.gone() || stderr.failed() != nil) && code == 0 {
		code = 1
	}
	return code
}
