package pollfile

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/creack/pty"
)

// A pty master from creack/pty is in blocking mode (a read would sleep in
// the kernel past any deadline); under the poller a read past its deadline
// ends with os.ErrDeadlineExceeded.
func TestOfTakesReadDeadlines(t *testing.T) {
	m, s, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer s.Close()
	p, err := Of(m)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "/dev/ptmx" {
		t.Errorf("name %q", p.Name())
	}
	if err := p.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := p.Read(make([]byte, 8)); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read past the deadline: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("read still blocked 5 s past its deadline: the file is not under the poller")
	}
	p.Close()
}
