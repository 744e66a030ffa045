//go:build !unix

package modem

import (
	"fmt"
	"os"
	"runtime"
)

// errNoPTY: the modem's pseudo-terminal is a Unix pty. The emulator
// wired in memory (no pty) runs here as anywhere.
var errNoPTY = fmt.Errorf("modem: the emulator's pseudo-terminal needs a Unix pty (Linux, macOS, FreeBSD), not on %s", runtime.GOOS)

func (w *directWrite) control(uintptr) { w.n, w.err = 0, errNoPTY }

func fileID(*os.File) ([2]uint64, int, error) { return [2]uint64{}, -1, errNoPTY }

func openPeer(uintptr, string) (int, error) { return -1, errNoPTY }
