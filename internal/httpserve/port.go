package httpserve

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// A server made unreachable by a fault (the platform or an SM-DP+ down for
// a while) must refuse connections on its port and later listen on the same
// port again, because the cards keep its address. Closing the listener
// alone frees the port: another rig in the same process (exploration runs
// several side by side) can be given it by the kernel, and a card then
// reaches a stranger's server instead of a refusal. So the port is held by
// a bound socket that does not listen — connections to it are refused, as
// to a closed port — until the server listens again.

// Listen listens on addr ("127.0.0.1:0") so that Hold can keep its port
// while the server is down.
func Listen(addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: shareablePort}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	return ln, nil
}

// Held is a port kept by Hold; Release gives it back.
type Held struct{ release func() error }

// Hold binds a socket that does not listen to ap, the port of a listener
// made by Listen that is still open: once that listener closes, connections
// to ap are refused, and no other socket is given the port. Call it before
// closing the listener, and Release after listening on ap again.
func Hold(ap netip.AddrPort) (*Held, error) {
	release, err := holdPort(ap)
	if err != nil {
		return nil, fmt.Errorf("hold port %s: %w", ap, err)
	}
	return &Held{release: release}, nil
}

// Release frees the port (a nil Held does nothing).
func (h *Held) Release() error {
	if h == nil || h.release == nil {
		return nil
	}
	err := h.release()
	h.release = nil
	return err
}
