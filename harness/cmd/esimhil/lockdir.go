package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	// The holder's pid, for the commands that read dir to name it
	// (runHolding); a lock whose pid could not be written still locks.
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() { f.Close() }, nil
}

// runHolding reports whether a live process holds dir's run lock, and the
// pid it wrote there (0 when none is readable). It takes the lock shared
// for an instant to find out: a run starting in that instant is refused as
// if another run held dir, which is as true as it needs to be.
func runHolding(dir string) (pid int, held bool) {
	f, err := os.Open(filepath.Join(dir, runLock))
	if err != nil {
		return 0, false // never run into, or unreadable: nothing to go by
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); !errors.Is(err, syscall.EWOULDBLOCK) {
		return 0, false // closing f lets go of a lock taken
	}
	b, _ := io.ReadAll(io.LimitReader(f, 32))
	pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, true
}

// stillRunning says which of dirs a live esimhil run is writing, for a
// command that would otherwise read its record and pages half-written
// and take the run for one that ended in the middle (outside tester sw76
// M3); nil when none is.
func stillRunning(dirs ...string) error {
	for _, d := range dirs {
		pid, held := runHolding(d)
		if !held {
			continue
		}
		who := "pid unknown"
		if pid > 0 {
			who = "pid " + strconv.Itoa(pid)
		}
		return fmt.Errorf("esimhil run (%s) is still writing %s: its record and pages are not final until it ends (it holds %s); run this again once it has",
			who, d, filepath.Join(d, runLock))
	}
	return nil
}
