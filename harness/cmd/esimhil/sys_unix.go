//go:build unix

package main

import (
	"errors"
	"os"
	"syscall"
)

// raiseSelf sends the process signal n, whose default action it now takes.
func raiseSelf(n syscall.Signal) { _ = syscall.Kill(os.Getpid(), n) }

// tryLock takes f's flock, exclusive or shared, without waiting, or
// returns errLockHeld when another process holds it (released however
// that process ends).
func tryLock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLockHeld
	}
	return err
}
