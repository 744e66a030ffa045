package clock

import (
	"testing"
	"time"
)

// Idle returns when the last hold ends, and false at its deadline while
// one is still held.
func TestIdle(t *testing.T) {
	l := NewLoop(NewVirtual(Epoch))
	if !l.Idle(time.Now()) {
		t.Fatal("a loop with nothing held is not idle")
	}
	release := l.Hold()
	if l.Idle(time.Now().Add(20 * time.Millisecond)) {
		t.Fatal("idle with a hold on")
	}
	go release(nil)
	if !l.Idle(time.Now().Add(5 * time.Second)) {
		t.Fatal("not idle 5 s after the hold's release")
	}
}
