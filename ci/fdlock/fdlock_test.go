//go:build unix

package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// The lock is the open file's: a second open of the same file is refused
// while the first stays open, even in this process, and takes it once
// the first is closed (the shell's run ended).
func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	open := func() *os.File {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	first, second := open(), open()
	if err := lock(int(first.Fd())); err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if err := lock(int(second.Fd())); !errors.Is(err, errHeld) {
		t.Fatalf("second lock while the first is open: %v, want held", err)
	}
	first.Close()
	if err := lock(int(second.Fd())); err != nil {
		t.Fatalf("second lock after the first closed: %v", err)
	}
	if err := lock(1 << 20); err == nil || errors.Is(err, errHeld) {
		t.Fatalf("lock of a descriptor not open: %v, want a system error", err)
	}
}
