package main

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// raiseSelf exits as a shell reports a process signal n killed: Windows
// delivers no signal to itself.
func raiseSelf(n syscall.Signal) { os.Exit(128 + int(n)) }

// lockOffset is the byte locked, far past the pid the file holds:
// Windows' locks are mandatory, and one on the pid would keep the
// commands that name the holder from reading it.
const lockOffset = 1 << 30

// tryLock takes a lock on f (LockFileEx), exclusive or shared, without
// waiting, or returns errLockHeld when another process holds it
// (released when that process's handle closes, however it ends).
func tryLock(f *os.File, exclusive bool) error {
	flags := uint32(windows.LOCKFILE_FAIL_IMMEDIATELY)
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	ol := &windows.Overlapped{Offset: lockOffset}
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errLockHeld
	}
	return err
}
