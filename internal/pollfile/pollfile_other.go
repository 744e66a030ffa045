//go:build !unix

package pollfile

import (
	"fmt"
	"os"
	"runtime"
)

// Of refuses: it serves Unix descriptors (a pty master), which this
// platform has none of. f is closed, as Of closes it on Unix.
func Of(f *os.File) (*os.File, error) {
	f.Close()
	return nil, fmt.Errorf("%s: a Unix descriptor under the poller: not on %s", f.Name(), runtime.GOOS)
}
