package cputime

import (
	"testing"
	"time"
)

// Work on the CPU shows in Process; time spent asleep does not. The spin
// runs until the clock shows 50 ms of it (a loaded machine may give it
// little of each wall second), and fails only if it never does. A sleep
// twice as long must then count under half what the spin did: a Process
// that read a wall clock would count all of it. The whole process's CPU
// is counted, so a runtime chore (a GC, the scavenger) may land in one
// sleep: the least of three is held to the bound.
func TestProcess(t *testing.T) {
	const spin, nap = 50 * time.Millisecond, 100 * time.Millisecond
	start := Process()
	if start <= 0 {
		t.Fatalf("Process() = %v at start: a Go process has run already", start)
	}
	for giveUp := time.Now().Add(20 * time.Second); Process()-start < spin; {
		if time.Now().After(giveUp) {
			t.Fatalf("20 s of spinning counted %v of CPU", Process()-start)
		}
	}
	busy := Process() - start
	idle := time.Duration(1<<63 - 1)
	for range 3 {
		before := Process()
		time.Sleep(nap)
		idle = min(idle, Process()-before)
	}
	if idle >= busy/2 {
		t.Errorf("%v asleep counted %v of CPU (the least of three), a spin %v", nap, idle, busy)
	}
}
