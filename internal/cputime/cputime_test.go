package cputime

import (
	"testing"
	"time"
)

// Work on the CPU shows in Process; time spent asleep does not. The spin
// runs until the clock shows it (a loaded machine may give it little of
// each wall second), and fails only if it never does.
func TestProcess(t *testing.T) {
	start := Process()
	if start <= 0 {
		t.Fatalf("Process() = %v at start: a Go process has run already", start)
	}
	for giveUp := time.Now().Add(20 * time.Second); Process()-start < 20*time.Millisecond; {
		if time.Now().After(giveUp) {
			t.Fatalf("20 s of spinning counted %v of CPU", Process()-start)
		}
	}
	before := Process()
	time.Sleep(50 * time.Millisecond)
	if idle := Process() - before; idle > 40*time.Millisecond {
		t.Errorf("50 ms asleep counted %v of CPU", idle)
	}
}
