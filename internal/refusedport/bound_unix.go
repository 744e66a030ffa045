//go:build unix

package refusedport

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// bound binds a TCP socket to a free loopback port, and does not listen.
func bound() (port int, release func(), err error) {
	fd, err := socket()
	if err != nil {
		return 0, nil, fmt.Errorf("socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		unix.Close(fd)
		return 0, nil, fmt.Errorf("bind: %w", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return 0, nil, fmt.Errorf("getsockname: %w", err)
	}
	return sa.(*unix.SockaddrInet4).Port, func() { unix.Close(fd) }, nil
}
