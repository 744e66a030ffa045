package refusedport

import (
	"fmt"
	_ "net" // its init starts Winsock (WSAStartup)
	"syscall"
)

// bound binds a TCP socket to a free loopback port, and does not listen.
// Windows answers a connection to it with a reset too, after its own
// retries (about two seconds).
func bound() (port int, release func(), err error) {
	h, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, syscall.IPPROTO_TCP)
	if err != nil {
		return 0, nil, fmt.Errorf("socket: %w", err)
	}
	if err := syscall.Bind(h, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Closesocket(h)
		return 0, nil, fmt.Errorf("bind: %w", err)
	}
	sa, err := syscall.Getsockname(h)
	if err != nil {
		syscall.Closesocket(h)
		return 0, nil, fmt.Errorf("getsockname: %w", err)
	}
	return sa.(*syscall.SockaddrInet4).Port, func() { syscall.Closesocket(h) }, nil
}
