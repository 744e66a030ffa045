package clock

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// stopMeter reports no stall until the loop's bound first runs out, then,
// if stopped, that the process could not run for all of it so far, and
// calls then (the peer's answer, read once the process runs again).
type stopMeter struct {
	mu      sync.Mutex
	calls   int
	start   time.Time
	stopped bool
	then    func()
	d       time.Duration
}

func (s *stopMeter) Stalled() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	switch {
	case s.calls == 1:
		s.start = time.Now()
	case s.calls > 1 && time.Since(s.start) >= 20*time.Millisecond && s.then != nil:
		if s.stopped {
			s.d = time.Since(s.start)
		}
		s.then()
		s.then = nil
	}
	return s.d
}

// The quiescence bound is of the process's running time: a stop through
// it is not a peer that stopped answering (t179 F1).
func TestStallNotAPeerStall(t *testing.T) {
	tests := []struct {
		name    string
		stopped bool
		answer  bool // the exchange ends once the bound first ran out
		want    error
	}{
		{name: "stopped, then answered", stopped: true, answer: true},
		{name: "stopped, never answered", stopped: true, want: ErrStalled},
		{name: "not stopped, never answered", want: ErrStalled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLoop(NewVirtual(Epoch))
			l.Stall = 20 * time.Millisecond
			release := l.Hold()
			defer release(nil)
			m := &stopMeter{stopped: tc.stopped, then: func() {}}
			if tc.answer {
				m.then = func() { go release(nil) }
			}
			l.Stalls = m
			if err := l.Advance(time.Second); !errors.Is(err, tc.want) {
				t.Fatalf("Advance: %v, want %v", err, tc.want)
			}
		})
	}
}
