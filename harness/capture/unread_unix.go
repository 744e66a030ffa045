//go:build unix

package capture

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// readQueued reads, without waiting, what the socket fd's receive queue
// held at the moment of the call (drainUnread says why no more).
func readQueued(fd uintptr) ([]byte, error) {
	queued, e := unix.IoctlGetInt(int(fd), inq)
	if e != nil || queued <= 0 {
		if e != nil && !errors.Is(e, syscall.ECONNRESET) {
			return nil, fmt.Errorf("%s: %w", inqName, e)
		}
		return nil, nil
	}
	out := make([]byte, queued)
	got := 0
	var rerr error
	for got < queued {
		n, _, e := syscall.Recvfrom(int(fd), out[got:], syscall.MSG_DONTWAIT)
		if n > 0 {
			got += n
			continue
		}
		if e == syscall.EINTR {
			continue
		}
		if e != nil && e != syscall.EAGAIN && !errors.Is(e, syscall.ECONNRESET) {
			rerr = e
		}
		break // the queue ended early (a reset), or an error
	}
	return out[:got], rerr
}
