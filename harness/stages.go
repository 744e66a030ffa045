package harness

import (
	"context"
	"sync"
	"time"
)

// stager says what RunScenario does after the simulation (Options.Stage)
// once the run as a whole has taken a progress period: at once for a
// stage that starts past it, and as the period runs out for one still
// going then — a run whose simulation was short can spend seconds
// closing (many pages to write), which deserves a word as much (outside
// tester t135 F7). A signal that comes while it closes has the stage in
// hand said at once, as stopped, and every one after it.
type stager struct {
	say     func(string)
	every   time.Duration
	elapsed func() time.Duration                           // since the run began
	after   func(time.Duration, func()) (stop func() bool) // time.AfterFunc
	mu      sync.Mutex
	what    string      // the stage in hand, "" between stages
	said    bool        // what has been said
	stopped bool        // a signal came: the stages say so
	stop    func() bool // the timer that would say what
	gen     int         // bumped by every stage: a late timer finds it moved on
}

// newStager is a stager on the wall clock from the run's start; a ctx that
// ends while the stages go on (a signal) has them say so at once.
func newStager(ctx context.Context, say func(string), every time.Duration, start time.Time) (*stager, func()) {
	s := &stager{say: say, every: every, elapsed: func() time.Duration { return time.Since(start) },
		after: func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }}
	unwatch := func() bool { return false }
	if ctx != nil {
		unwatch = context.AfterFunc(ctx, s.interrupted)
	}
	return s, func() { unwatch(); s.done() }
}

// stopWords is how a stage is said once a signal came: whoever stopped the
// run waits for it, and is told how not to.
func stopWords(what string) string {
	return "stopped; " + what + " (a second signal kills the process at once)"
}

func (s *stager) stage(what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelTimer()
	s.gen++
	s.what, s.said = what, false
	switch left := s.every - s.elapsed(); {
	case s.stopped:
		s.sayLocked()
	case left <= 0:
		s.sayLocked()
	default:
		gen := s.gen
		s.stop = s.after(left, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.gen == gen && !s.said {
				s.sayLocked()
			}
		})
	}
}

// interrupted is the signal: the stage in hand is said now, as stopped.
func (s *stager) interrupted() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	if s.what != "" && !s.said {
		s.cancelTimer()
		s.sayLocked()
	}
}

// done ends the stages: nothing is said after it.
func (s *stager) done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelTimer()
	s.gen++
	s.what = ""
}

func (s *stager) sayLocked() {
	s.said = true
	if s.stopped {
		s.say(stopWords(s.what))
		return
	}
	s.say(s.what)
}

func (s *stager) cancelTimer() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}
