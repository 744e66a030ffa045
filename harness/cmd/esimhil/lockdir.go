package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// runLock is the file in an output directory that the run writing it
// holds locked (flock: released however the process ends).
const runLock = ".esimhil-run.lock"

// lockDir creates dir and takes its lock, or says another run has it.
func lockDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, runLock), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--out: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("--out %s: another esimhil run is writing there (it holds %s): wait for it, or give this one its own --out", dir, runLock)
		}
		return nil, fmt.Errorf("--out %s: lock: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
