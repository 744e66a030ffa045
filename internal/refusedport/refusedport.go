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
)

// Addr returns "127.0.0.1:port" of a port bound and never listened on,
// released when the test ends.
func Addr(t testing.TB) string {
	t.Helper()
	port, release, err := bound()
	if err != nil {
		t.Fatalf("refusedport: %v", err)
	}
	t.Cleanup(release)
	return fmt.Sprintf("127.0.0.1:%d", port)
}
