// Package stalltest is a stall meter for tests to inject (a
// stall.Reader), so that a wait's bound is tested without stopping the
// process.
package stalltest

import (
	"sync/atomic"
	"time"
)

// StoppedAt is a stall.Reader for a process stopped for D at the wall
// time At, seen at once (the wait is what is tested, not the meter).
type StoppedAt struct {
	At time.Time
	D  time.Duration
}

// StopIn is a process stopped for d, in from now.
func StopIn(in, d time.Duration) StoppedAt { return StoppedAt{At: time.Now().Add(in), D: d} }

// Stalled implements stall.Reader.
func (s StoppedAt) Stalled() time.Duration {
	if time.Now().Before(s.At) {
		return 0
	}
	return s.D
}

// Later is a stall.Reader for a process stopped for D from a time the
// test sets once the waits that read it have begun (StopIn; until then
// it ran throughout), seen at once.
type Later struct {
	D  time.Duration
	at atomic.Int64 // unix ns; 0: not set
}

// StopIn stops the process for D, in from now.
func (s *Later) StopIn(in time.Duration) { s.at.Store(time.Now().Add(in).UnixNano()) }

// Stalled implements stall.Reader.
func (s *Later) Stalled() time.Duration {
	if at := s.at.Load(); at == 0 || time.Now().UnixNano() < at {
		return 0
	}
	return s.D
}
