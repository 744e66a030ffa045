package clock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/esimhil/esimhil/internal/stall"
)

// ErrStalled is returned when external I/O stays in flight longer than the
// loop's Stall limit: a peer that never answers must not hang a run.
var ErrStalled = errors.New("rig not quiescent")

// Loop serializes all simulated work of one rig: timer callbacks, AT commands,
// and completions of real I/O. Virtual time advances only when nothing is in
// flight, so the same inputs give the same order of events whatever the speed
// of the machine.
//
// Work enters three ways:
//   - Do runs a function now (an AT command arriving on the pty);
//   - timers on the Virtual clock run inside Advance;
//   - Hold marks real I/O in flight (a TCP exchange); its release posts the
//     completion, which runs before time moves on.
type Loop struct {
	clk *Virtual

	work sync.Mutex // held while any simulated work runs

	mu       sync.Mutex
	cond     *sync.Cond
	posted   []func()
	inflight int
	released uint64 // Holds released so far (Released)
	expired  uint64 // of them, those whose wait ran out (Expire)

	// Stall bounds, in wall time the process ran, how long Advance waits
	// for in-flight I/O.
	Stall time.Duration
	// Stalls tells how long the process could not run (nil: the
	// process's stall.Default meter; a test injects its stalls). The
	// wall-time bounds of the I/O the loop holds (a BIP link's) read it
	// too.
	Stalls stall.Reader
	// Together fires every timer due at one instant before the loop
	// settles, so that the exchanges they start are in flight together
	// (a fleet's devices checking at the same second load a platform at
	// once). Without it each timer's work and I/O settle before the next
	// timer of the instant fires: one order, the same every run, which a
	// single rig's byte-identical event log relies on.
	Together bool
}

// NewLoop returns a loop driving clk.
func NewLoop(clk *Virtual) *Loop {
	l := &Loop{clk: clk, Stall: 10 * time.Second}
	l.cond = sync.NewCond(&l.mu)
	return l
}

// Clock returns the loop's virtual clock.
func (l *Loop) Clock() *Virtual { return l.clk }

// Now is shorthand for Clock().Now().
func (l *Loop) Now() time.Time { return l.clk.Now() }

// Do runs f serialized with every other piece of simulated work. It must not
// be called from inside simulated work (it would deadlock); use Post there.
func (l *Loop) Do(f func()) {
	l.work.Lock()
	defer l.work.Unlock()
	f()
}

// Post queues f to run, serialized, before virtual time next advances. It may
// be called from any goroutine, including from inside simulated work.
func (l *Loop) Post(f func()) {
	l.mu.Lock()
	l.posted = append(l.posted, f)
	l.mu.Unlock()
	l.cond.Broadcast()
}

// Hold marks one piece of real I/O in flight. The returned release must be
// called exactly once; it queues done (which may be nil) and ends the hold in
// one step, so the loop never sees a gap in which it could advance time.
func (l *Loop) Hold() (release func(done func())) {
	l.mu.Lock()
	l.inflight++
	l.mu.Unlock()
	var once sync.Once
	return func(done func()) {
		once.Do(func() {
			l.mu.Lock()
			if done != nil {
				l.posted = append(l.posted, done)
			}
			l.inflight--
			l.released++
			l.mu.Unlock()
			l.cond.Broadcast()
		})
	}
}

// InFlight is how many pieces of real I/O are held (Hold) right now.
func (l *Loop) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inflight
}

// Idle waits until no real I/O is held (InFlight is 0) or the deadline
// passes, and reports whether the holds ended: a caller that must see a
// hold end (a test of a reader's exit) waits on the releases rather than
// polling InFlight.
func (l *Loop) Idle(deadline time.Time) bool {
	wake := time.AfterFunc(time.Until(deadline), func() {
		l.mu.Lock() // not between the waiter's check and its Wait
		l.mu.Unlock()
		l.cond.Broadcast()
	})
	defer wake.Stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.inflight > 0 {
		if !time.Now().Before(deadline) {
			return false
		}
		l.cond.Wait()
	}
	return true
}

// Released is how many pieces of real I/O have ended (their Hold's
// release called) since the loop began: while simulated time waits on
// them, what still moves.
func (l *Loop) Released() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.released
}

// Expire counts a piece of real I/O whose wait ran out (a peer silent
// past its limit) before its hold is released: simulated time that moves
// after it was let go, not answered, so a run's progress line can tell a
// server that stopped answering from one that answers. Call it before the
// release.
func (l *Loop) Expire() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expired++
}

// Expired is how many Holds Expire counted since the loop began.
func (l *Loop) Expired() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expired
}

// Settle runs posted work until nothing is posted or in flight, without
// advancing time.
func (l *Loop) Settle() error {
	for {
		f, err := l.nextPosted()
		if err != nil || f == nil {
			return err
		}
		l.Do(f)
	}
}

// nextPosted waits for posted work while I/O is in flight; nil, nil means the
// loop is quiescent.
func (l *Loop) nextPosted() (func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// The bound is of the process's running time: a stopped or starved
	// process is no peer that stopped answering (t179 F1).
	if !stall.Begin(l.Stalls, l.Stall).Await(l.cond, func() bool { return len(l.posted) > 0 || l.inflight == 0 }) {
		return nil, fmt.Errorf("%w: %d I/O exchanges in flight for %v", ErrStalled, l.inflight, l.Stall)
	}
	if len(l.posted) == 0 {
		return nil, nil
	}
	f := l.posted[0]
	l.posted[0] = nil
	l.posted = l.posted[1:]
	return f, nil
}

// Advance runs all work due within d of simulated time and leaves the clock
// at Now()+d.
func (l *Loop) Advance(d time.Duration) error {
	_, err := l.RunUntil(l.clk.Now().Add(d), nil)
	return err
}

// RunUntil runs work in time order until the clock reaches deadline or done
// (checked after each step, outside the work lock) reports true. It reports
// whether done became true. On success without done the clock reads deadline.
func (l *Loop) RunUntil(deadline time.Time, done func() bool) (bool, error) {
	return l.run(deadline, deadline, done)
}

// RunBefore is RunUntil that leaves the timers due at deadline itself
// unfired: the clock reads deadline, but no work of that instant has
// begun. A run that ends at a horizon reads the device's end state so,
// rather than halfway through what the horizon's instant started.
func (l *Loop) RunBefore(deadline time.Time, done func() bool) (bool, error) {
	return l.run(deadline, deadline.Add(-time.Nanosecond), done)
}

// run runs the timers due no later than last, then sets the clock to
// deadline (last ≤ deadline).
func (l *Loop) run(deadline, last time.Time, done func() bool) (bool, error) {
	for {
		if err := l.Settle(); err != nil {
			return false, err
		}
		if done != nil && done() {
			return true, nil
		}
		l.work.Lock()
		f, ok := l.clk.popDue(last)
		if ok {
			f()
		}
		if ok && l.Together {
			// The rest of this instant's timers, before settling.
			now := l.clk.Now()
			for g, more := l.clk.popDue(now); more; g, more = l.clk.popDue(now) {
				g()
			}
		}
		l.work.Unlock()
		if !ok {
			l.clk.setNow(deadline)
			return false, l.Settle()
		}
	}
}

// FollowWall advances virtual time with the wall clock, multiplied by speed,
// until ctx ends: for `esimhil emulate`, where a person drives the rig and
// nobody else advances time. Errors (a stalled peer) are reported to onErr and
// the loop keeps going.
func (l *Loop) FollowWall(ctx context.Context, speed float64, tick time.Duration, onErr func(error)) {
	if speed <= 0 {
		speed = 1
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d := time.Duration(float64(now.Sub(last)) * speed)
			last = now
			if err := l.Advance(d); err != nil && onErr != nil {
				onErr(err)
			}
		}
	}
}
