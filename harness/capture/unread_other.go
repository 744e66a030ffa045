//go:build !unix

package capture

import (
	"fmt"
	"runtime"
)

// readQueued cannot read a socket's queue here: the close of a server's
// connection then fails the tap, which cannot vouch that the client sent
// nothing the server left unread.
func readQueued(uintptr) ([]byte, error) {
	return nil, fmt.Errorf("reading a socket's unread bytes (SIOCINQ) is Unix-only, not on %s", runtime.GOOS)
}
