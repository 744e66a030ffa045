// Package refusedport gives tests an address on the loopback where a
// connection is refused, and stays refused for the whole test.
//
// Listening on port 0 and closing the listener frees a port that the next
// server the test starts may well be given: a test of "a closed port" then
// reaches that server (it happened: an SM-DP+ answered where the fleet's
// probe expected a refusal). A socket bound and not listening holds the
// port instead: connecting to it is refused, and no other socket is handed
// it while the test runs.
package refusedport

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// Addr returns "127.0.0.1:port" of a port bound and never listened on,
// released when the test ends.
func Addr(t testing.TB) string {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("refusedport: socket: %v", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		unix.Close(fd)
		t.Fatalf("refusedport: bind: %v", err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		t.Fatalf("refusedport: getsockname: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port)
}
