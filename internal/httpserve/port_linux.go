package httpserve

import (
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// shareablePort sets SO_REUSEPORT, which lets holdPort bind the port beside
// the listener (same user only). The kernel never hands a port bound so to
// a socket asking for any free port, whether it binds or connects.
func shareablePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); err != nil {
		return err
	}
	return serr
}

// holdPort binds a socket that does not listen to ap, the port of a
// listener made with shareablePort that is still open, and returns what
// closes it.
func holdPort(ap netip.AddrPort) (func() error, error) {
	family, sa := unix.AF_INET, unix.Sockaddr(nil)
	if ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()); ap.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	// SO_REUSEPORT only: with SO_REUSEADDR too, any listener asking for
	// the port by number could bind it beside a socket that does not listen.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return func() error { return unix.Close(fd) }, nil
}
