// Package clock holds the time source every emulator uses: a Clock interface,
// a discrete-event virtual clock for emulated runs, and a Loop that serializes
// simulated work and advances virtual time only when the rig is quiescent
// (DESIGN.md §5). In lab runs the same interface is backed by the wall clock.
package clock

import (
	"container/heap"
	"sync"
	"time"
)

// Clock is what emulators read time from and schedule work on.
type Clock interface {
	Now() time.Time
	// AfterFunc runs f once d has elapsed on this clock. On a Virtual clock, f
	// runs inside Loop.Advance with the loop held.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc.
type Timer interface {
	// Stop cancels the timer; it reports whether the timer was still pending.
	Stop() bool
}

// Epoch is the simulated start of every emulated run, so that event logs of
// the same scenario and seed are byte-identical.
var Epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Virtual is a discrete-event clock: time moves only when its Loop advances
// it, and due timers fire in (deadline, creation order).
type Virtual struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers timerHeap
}

// NewVirtual returns a virtual clock reading start.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start}
}

// Now returns the simulated time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// AfterFunc schedules f at Now()+d. A negative d counts as zero.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	if d < 0 {
		d = 0
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seq++
	t := &vtimer{v: v, when: v.now.Add(d), seq: v.seq, f: f, index: -1}
	heap.Push(&v.timers, t)
	return t
}

// Pending reports how many timers are scheduled.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.timers)
}

// NextAt reports when the earliest pending timer is due.
func (v *Virtual) NextAt() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.timers) == 0 {
		return time.Time{}, false
	}
	return v.timers[0].when, true
}

// popDue removes and returns the earliest timer due at or before limit and
// moves the clock to its deadline.
func (v *Virtual) popDue(limit time.Time) (func(), bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.timers) == 0 || v.timers[0].when.After(limit) {
		return nil, false
	}
	t := heap.Pop(&v.timers).(*vtimer)
	if t.when.After(v.now) {
		v.now = t.when
	}
	return t.f, true
}

func (v *Virtual) setNow(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if t.After(v.now) {
		v.now = t
	}
}

type vtimer struct {
	v     *Virtual
	when  time.Time
	seq   uint64
	f     func()
	index int
}

func (t *vtimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.v.timers, t.index)
	return true
}

type timerHeap []*vtimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *timerHeap) Push(x any) {
	t := x.(*vtimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}

// Wall is the wall clock, for lab runs.
type Wall struct{}

// Now returns time.Now().
func (Wall) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (Wall) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
