package stalltest

import (
	"testing"
	"time"
)

// TestLater: no stall until StopIn, nor before the stop it sets begins;
// all of D from then.
func TestLater(t *testing.T) {
	s := &Later{D: time.Second}
	if got := s.Stalled(); got != 0 {
		t.Errorf("before StopIn: %v, want 0", got)
	}
	s.StopIn(time.Hour)
	if got := s.Stalled(); got != 0 {
		t.Errorf("before the stop: %v, want 0", got)
	}
	s.StopIn(0)
	if got := s.Stalled(); got != time.Second {
		t.Errorf("after the stop: %v, want 1s", got)
	}
}
