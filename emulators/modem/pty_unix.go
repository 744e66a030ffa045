//go:build unix

package modem

import (
	"fmt"
	"os"
	"syscall"
)

func (w *directWrite) control(fd uintptr) { w.n, w.err = syscall.Write(int(fd), w.b) }

// fileID is the device and inode of the file behind f's descriptor (and the
// descriptor), read with fstat on the descriptor itself.
func fileID(f *os.File) ([2]uint64, int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return [2]uint64{}, -1, err
	}
	var st syscall.Stat_t
	fd, serr := -1, error(nil)
	if err := rc.Control(func(d uintptr) { fd, serr = int(d), syscall.Fstat(int(d), &st) }); err != nil {
		return [2]uint64{}, fd, err
	}
	if serr != nil {
		return [2]uint64{}, fd, fmt.Errorf("fstat: %w", serr)
	}
	return [2]uint64{uint64(st.Dev), uint64(st.Ino)}, fd, nil
}

// errNoPTY is nil: a Unix has ptys (pty_other.go).
var errNoPTY error
