// Package stalltest is a stall meter for tests to inject (a
// stall.Reader), so that a wait's bound is tested without stopping the
// process.
package stalltest

import "time"

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
