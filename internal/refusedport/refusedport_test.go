package refusedport

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

// The port refuses connections and cannot be listened on while held.
func TestAddr(t *testing.T) {
	addr := Addr(t)
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", addr, err)
	}
	if ln, err := net.Listen("tcp", addr); err == nil {
		ln.Close()
		t.Fatalf("%s could be listened on while held", addr)
	}
}
