// Package stall measures the time the process could not run: stopped
// (SIGSTOP, Ctrl-Z, a paused VM) or starved by a loaded machine. A wait
// that bounds a peer in wall time (an AT command's timeout, a rig's
// quiescence bound) does not count that time against the peer: the peer
// may have answered at once, and nobody was there to read it.
//
// A ticker goroutine notes the gaps between its ticks; a gap far beyond
// the period is a stall. The goroutine is the only wake-up: readers pay
// an atomic load and a clock read.
package stall

import (
	"sync"
	"sync/atomic"
	"time"
)

// Period is how often the meter's goroutine ticks.
const Period = 50 * time.Millisecond

// Threshold is the gap between ticks past which the time beyond one
// Period counts as a stall: shorter ones are the scheduler's ordinary
// jitter, and bounds of seconds do not need them.
const Threshold = 4 * Period

// Reader is what a wait needs of a meter (an interface, so that a test
// can inject a stall instead of stopping the process).
type Reader interface {
	// Stalled is the total stall time so far, including a stall still
	// in progress (the process just resumed and the meter's goroutine
	// has not run yet): it never decreases.
	Stalled() time.Duration
}

// Meter is a Reader fed by a ticker goroutine.
type Meter struct {
	epoch   time.Time    // monotonic origin of last
	last    atomic.Int64 // ns since epoch of the last tick
	stalled atomic.Int64 // ns of the gaps recorded so far
	hw      atomic.Int64 // highest value Stalled returned (never decreases)
}

var (
	def     *Meter
	defOnce sync.Once
)

// Default is the process's meter, started on first use; it runs for the
// life of the process.
func Default() *Meter {
	defOnce.Do(func() {
		def = &Meter{epoch: time.Now()}
		go def.run()
	})
	return def
}

func (m *Meter) run() {
	t := time.NewTicker(Period)
	for range t.C {
		m.tick(m.now())
	}
}

func (m *Meter) now() int64 { return int64(time.Since(m.epoch)) } // monotonic

// tick records the gap since the last tick, at now (ns since epoch).
func (m *Meter) tick(now int64) {
	if gap := now - m.last.Load(); gap > int64(Threshold) {
		m.stalled.Add(gap - int64(Period))
	}
	m.last.Store(now)
}

// Stalled implements Reader.
func (m *Meter) Stalled() time.Duration {
	s := m.stalled.Load()
	if gap := m.now() - m.last.Load(); gap > int64(Threshold) {
		s += gap - int64(Period)
	}
	// The in-progress gap is read against a tick that may land between
	// the two loads: keep the reading monotonic.
	for {
		hw := m.hw.Load()
		if s <= hw {
			return time.Duration(hw)
		}
		if m.hw.CompareAndSwap(hw, s) {
			return time.Duration(s)
		}
	}
}

// Wait is a bound on a peer, begun at From, of D of the process's
// running time.
type Wait struct {
	r    Reader
	from time.Time
	s0   time.Duration
	d    time.Duration
}

// Begin starts a Wait of d on r (nil: the Default meter) now.
func Begin(r Reader, d time.Duration) Wait {
	if r == nil {
		r = Default()
	}
	return Wait{r: r, from: time.Now(), s0: r.Stalled(), d: d}
}

// BeginAt is Begin with the wait's start given (the line went out then).
func BeginAt(r Reader, from time.Time, d time.Duration) Wait {
	w := Begin(r, d)
	w.from = from
	return w
}

// Left is the running time the wait still has at now: D less the wall
// time since From that was not a stall. At or below zero the peer had
// its full time.
func (w Wait) Left(now time.Time) time.Duration {
	if w.r == nil {
		return -1 // the zero Wait: no bound begun, nothing to wait for
	}
	// A stall begun before the wait counts only from its start.
	since := max(now.Sub(w.from), 0)
	return w.d - (since - min(w.r.Stalled()-w.s0, since))
}

// Deadline is the wall-clock time at which the wait runs out if the
// process runs from now on: a net.Conn's deadline, set again for what
// Left still has when it passes (a stall moved the real end on).
func (w Wait) Deadline(now time.Time) time.Time { return now.Add(w.Left(now)) }

// Await waits on c, whose L the caller holds, until done reports true
// (checked under L, at once and at each wake-up) or the wait runs out,
// and reports done's last answer. Whoever makes done true must
// Broadcast on c.
func (w Wait) Await(c *sync.Cond, done func() bool) bool {
	var wake *time.Timer
	defer func() {
		if wake != nil {
			wake.Stop()
		}
	}()
	for !done() {
		left := w.Left(time.Now())
		if left <= 0 {
			return false
		}
		if wake == nil {
			wake = time.AfterFunc(left, func() {
				c.L.Lock() // not between the waiter's check and its Wait
				c.L.Unlock()
				c.Broadcast()
			})
		} else {
			wake.Reset(left)
		}
		c.Wait()
	}
	return true
}

// Timer is a time.Timer that fires when a Wait's running time may be
// out: told when it fired (Out), it reports whether the wait has run
// out, and when a stall moved the end on sets itself again for what is
// left.
type Timer struct {
	*time.Timer
	w Wait
}

// NewTimer starts a Timer for what w has left now.
func (w Wait) NewTimer() Timer { return Timer{time.NewTimer(w.Left(time.Now())), w} }

// Out reports, for C's value now, whether the wait has run out; if not
// (the process could not run meanwhile) the timer is set for what is
// left, to fire again.
func (t Timer) Out(now time.Time) bool {
	if left := t.w.Left(now); left > 0 {
		t.Reset(left)
		return false
	}
	return true
}

// Stalled is how much of the wait so far the process could not run.
func (w Wait) Stalled() time.Duration {
	if w.r == nil {
		return 0
	}
	return w.r.Stalled() - w.s0
}
