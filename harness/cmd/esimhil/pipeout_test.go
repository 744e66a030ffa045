package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
)

// brokenAfter is a pipe whose reader goes away after n writes.
type brokenAfter struct {
	n   int
	buf bytes.Buffer
}

func (b *brokenAfter) Write(p []byte) (int, error) {
	if b.n == 0 {
		return 0, syscall.EPIPE
	}
	b.n--
	return b.buf.Write(p)
}

// The first write that finds the reader gone stops the command once;
// nothing is written after, and no write fails (the meter and the verdict
// lines go on as if written). Another error is the writer's to say.
func TestPipeOutStopsOnceWhenTheReaderHasGone(t *testing.T) {
	w := &brokenAfter{n: 1}
	gone := 0
	out := newPipeOut(w, func() { gone++ })
	for _, line := range []string{"PASS  a\n", "FAIL  b\n", "run 2/2\n"} {
		if n, err := out.Write([]byte(line)); n != len(line) || err != nil {
			t.Errorf("write %q: %d, %v", line, n, err)
		}
	}
	if gone != 1 || !out.gone() || w.buf.String() != "PASS  a\n" {
		t.Errorf("gone %d (%v), written %q; want 1 and only the first line", gone, out.gone(), w.buf.String())
	}
	// Standard output keeps its descriptor: the meter asks whether it is
	// a terminal (a live line) through it.
	if _, ok := newPipeOut(os.Stdout, nil).(interface{ Fd() uintptr }); !ok {
		t.Errorf("standard output wrapped hides its descriptor")
	}
}

// failing is a file that takes nothing: /dev/full's ENOSPC.
type failing struct{}

func (failing) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}
}

// TestLostOutput (outside tester t216): esimhil run >/dev/full exited 0
// with every verdict line lost and nothing said. A write that fails for
// another reason than a reader gone is said on standard error, naming
// the file and the cause, and fails a command that would have exited 0;
// a standard error that could not be written fails it too.
func TestLostOutput(t *testing.T) {
	for _, c := range []struct {
		name       string
		out, errw  io.Writer
		code, want int
		says       string
	}{
		{name: "both written", out: io.Discard, errw: io.Discard, code: 0, want: 0},
		{name: "run failed, both written", out: io.Discard, errw: io.Discard, code: 1, want: 1},
		{name: "stdout full", out: failing{}, errw: io.Discard, code: 0, want: 1, says: "esimhil: standard output: write /dev/stdout: no space left on device: part of the output was lost\n"},
		{name: "stdout full, run interrupted", out: failing{}, errw: io.Discard, code: 130, want: 130, says: "no space left on device"},
		{name: "stdout reader gone", out: &brokenAfter{}, errw: io.Discard, code: 0, want: 141},
		{name: "stderr full", out: io.Discard, errw: failing{}, code: 0, want: 1},
		{name: "stderr reader gone", out: io.Discard, errw: &brokenAfter{}, code: 0, want: 1},
		{name: "stderr full, run failed", out: io.Discard, errw: failing{}, code: 2, want: 2},
	} {
		stdout, stderr := newPipeOut(c.out, func() {}), newPipeOut(c.errw, func() {})
		fmt.Fprintln(stdout, "PASS  a")
		fmt.Fprintln(stderr, "...   a: writing the timeline")
		var said bytes.Buffer
		if got := lostOutput(c.code, stdout, stderr, &said); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
		if !strings.Contains(said.String(), c.says) || (c.says == "") != (said.Len() == 0) {
			t.Errorf("%s: said %q, want %q", c.name, said.String(), c.says)
		}
	}
}
