//go:build !linux

package httpserve

import (
	"net/netip"
	"syscall"
)

// Elsewhere the port is not held: a server down for a while listens on its
// port again if it is still free (the emulators' home is Linux).
func shareablePort(_, _ string, _ syscall.RawConn) error { return nil }

func holdPort(netip.AddrPort) (func() error, error) { return func() error { return nil }, nil }
