package main

import (
	"bytes"
	"os"
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
