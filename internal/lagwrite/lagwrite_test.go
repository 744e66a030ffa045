package lagwrite

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// file is an underlying writer that counts its writes.
type file struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	fail   error
	failed chan struct{} // closed at the first failed write
}

func (f *file) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		if f.failed != nil {
			close(f.failed)
			f.failed = nil
		}
		return 0, f.fail
	}
	f.writes++
	return f.b.Write(p)
}

func (f *file) state() (string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.b.String(), f.writes
}

// Lines written in a burst reach the file together, within the lag, with
// no Flush or Close: what a killed process leaves on disk.
func TestFlushesWithinTheLag(t *testing.T) {
	f := &file{}
	w := New(f, 64<<10, 200*time.Millisecond) // long enough that the burst below is one batch even under load
	defer w.Close()
	for range 100 {
		w.Write([]byte("> AT\r\n"))
	}
	if s, _ := f.state(); s != "" {
		t.Fatalf("written at once: %q", s)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, n := f.state()
		if len(s) == 600 {
			if n != 1 {
				t.Errorf("%d writes for one burst, want 1", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s the file holds %d of 600 bytes", len(s))
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A later line arms the timer again.
	w.Write([]byte("< OK\r\n"))
	for s, _ := f.state(); len(s) != 606; s, _ = f.state() {
		if time.Now().After(deadline) {
			t.Fatalf("the second burst never came: %q", s[600:])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Close flushes at once, stops the timer, and reports an earlier timed
// flush's error; writes after Close fail.
func TestClose(t *testing.T) {
	f := &file{}
	w := New(f, 16, time.Hour)
	w.Write([]byte("abc"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if s, _ := f.state(); s != "abc" {
		t.Fatalf("file %q", s)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("write after Close accepted")
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	failed := make(chan struct{})
	bad := &file{fail: errors.New("disk full"), failed: failed}
	w = New(bad, 16, time.Millisecond)
	w.Write([]byte("abc"))
	<-failed // the timed flush failed
	if err := w.Close(); err == nil || err.Error() != "disk full" {
		t.Errorf("Close: %v, want the flush error", err)
	}
}
