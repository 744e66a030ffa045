//go:build unix && !linux

package refusedport

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// socket opens the TCP socket and marks it close-on-exec under the fork
// lock, as the standard library does where SOCK_CLOEXEC is missing
// (macOS): a child started meanwhile does not inherit it.
func socket() (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	return fd, err
}
