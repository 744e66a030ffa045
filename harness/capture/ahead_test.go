package capture

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
)

// recordingWriter keeps what it is given and fails from its failAt-th
// write on (0: never), as a full disk would.
type recordingWriter struct {
	mu     sync.Mutex
	got    bytes.Buffer
	writes int
	failAt int
}

var errDiskFull = errors.New("no space left on device")

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	if w.failAt > 0 && w.writes >= w.failAt {
		return 0, errDiskFull
	}
	return w.got.Write(p)
}

func TestAheadWriterKeepsTheOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name    string
		sizes   func() int
		total   int
		minSent int // writes the file must have seen: buffers went ahead
	}{
		{"frames", func() int { return 40 + rng.IntN(300) }, 1 << 20, 15},
		{"blocks over the buffer", func() int { return aheadSize/2 + rng.IntN(2*aheadSize) }, 4 << 20, 20},
		{"one byte at a time", func() int { return 1 }, 3*aheadSize + 7, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &recordingWriter{}
			a := newAheadWriter(w)
			var want bytes.Buffer
			for i := 0; want.Len() < tc.total; i++ {
				p := bytes.Repeat([]byte{byte(i)}, tc.sizes())
				want.Write(p)
				if n, err := a.Write(p); n != len(p) || err != nil {
					t.Fatalf("write %d: %d, %v", i, n, err)
				}
			}
			if err := a.Flush(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(w.got.Bytes(), want.Bytes()) {
				t.Fatalf("the file holds %d bytes not in the order written (%d written)", w.got.Len(), want.Len())
			}
			if w.writes < tc.minSent {
				t.Errorf("%d writes to the file, want at least %d: the buffers did not go ahead", w.writes, tc.minSent)
			}
			if a.inFlight != nil {
				t.Error("a write still in flight after Flush")
			}
		})
	}
}

// A failed write is said by the next Write and by Flush, and nothing
// after it reaches the file: a capture with a hole in it would read as
// complete.
func TestAheadWriterStopsAtAFailedWrite(t *testing.T) {
	w := &recordingWriter{failAt: 2}
	a := newAheadWriter(w)
	frame := bytes.Repeat([]byte{0xAB}, 1000)
	var err error
	writes := 0
	for ; writes < 1000 && err == nil; writes++ {
		_, err = a.Write(frame)
	}
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("after %d writes: %v, want the disk's error", writes, err)
	}
	if writes > 3*aheadSize/len(frame)+1 {
		t.Errorf("the error came %d writes in, more than the two buffers in play", writes)
	}
	if _, err := a.Write(frame); !errors.Is(err, errDiskFull) {
		t.Errorf("a write after the failure: %v, want the disk's error again", err)
	}
	if err := a.Flush(); !errors.Is(err, errDiskFull) {
		t.Errorf("flush: %v, want the disk's error", err)
	}
	if w.got.Len() != aheadSize/len(frame)*len(frame) {
		t.Errorf("the file holds %d bytes, want only the first buffer's %d", w.got.Len(), aheadSize/len(frame)*len(frame))
	}
}
