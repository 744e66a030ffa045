//go:build unix

// Package pollfile puts a file the runtime poller does not serve (a pty
// master from creack/pty, whose ioctls went through Fd and left it in
// blocking mode) under the poller: reads then park the goroutine instead
// of a thread, Close interrupts a pending Read, and read deadlines work.
package pollfile

import (
	"fmt"
	"os"
	"syscall"
)

// Of returns f re-opened on a non-blocking duplicate of its descriptor,
// which os.NewFile registers with the poller, and closes f. The name is
// kept.
func Of(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", f.Name(), err)
	}
	dup, dupErr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) { dup, dupErr = syscall.Dup(int(fd)) }); err != nil {
		dupErr = err
	}
	f.Close()
	if dupErr != nil {
		return nil, fmt.Errorf("%s: dup: %w", f.Name(), dupErr)
	}
	syscall.CloseOnExec(dup)
	if err := syscall.SetNonblock(dup, true); err != nil {
		syscall.Close(dup)
		return nil, fmt.Errorf("%s: non-blocking: %w", f.Name(), err)
	}
	return os.NewFile(uintptr(dup), f.Name()), nil
}
