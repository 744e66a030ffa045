package stall

import (
	"sync"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/leakcheck"
	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// The gaps between ticks beyond Threshold count, less one Period.
func TestTick(t *testing.T) {
	ms := func(n int64) int64 { return n * int64(time.Millisecond) }
	tests := []struct {
		name  string
		ticks []int64 // ns since epoch
		want  time.Duration
	}{
		{"regular ticks", []int64{ms(50), ms(100), ms(150)}, 0},
		{"jitter under the threshold", []int64{ms(50), ms(220), ms(270)}, 0},
		{"stopped 5 s", []int64{ms(50), ms(5050), ms(5100)}, 5000*time.Millisecond - Period},
		{"two stalls", []int64{ms(50), ms(1050), ms(1100), ms(3100)}, (1000*time.Millisecond - Period) + (2000*time.Millisecond - Period)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &Meter{epoch: time.Now()}
			for _, n := range tc.ticks {
				m.tick(n)
			}
			if got := time.Duration(m.stalled.Load()); got != tc.want {
				t.Errorf("stalled %v, want %v", got, tc.want)
			}
		})
	}
}

// A stall still in progress (the meter's goroutine has not run since the
// process resumed) counts at once, and Stalled never goes back.
func TestStalledInProgress(t *testing.T) {
	m := &Meter{epoch: time.Now().Add(-time.Hour)}
	m.last.Store(int64(time.Hour - 10*time.Second)) // last tick 10 s ago
	got := m.Stalled()
	if got < 10*time.Second-Period {
		t.Fatalf("stalled %v during a 10 s gap, want at least %v", got, 10*time.Second-Period)
	}
	m.tick(int64(time.Hour - 9*time.Second)) // a tick seen as late: smaller gap recorded
	if again := m.Stalled(); again < got {
		t.Errorf("stalled went back from %v to %v", got, again)
	}
}

type fixed struct{ d time.Duration }

func (f *fixed) Stalled() time.Duration { return f.d }

// A wait's time left is its bound less the time since it began that was
// not a stall, never more than the bound.
func TestWaitLeft(t *testing.T) {
	tests := []struct {
		name           string
		elapsed, stall time.Duration
		want           time.Duration
	}{
		{"no stall, in time", 2 * time.Second, 0, 3 * time.Second},
		{"no stall, ran out", 6 * time.Second, 0, -time.Second},
		{"stopped for most of it", 6 * time.Second, 5500 * time.Millisecond, 4500 * time.Millisecond},
		{"stopped longer than the wait", 11 * time.Second, 11 * time.Second, 5 * time.Second},
		{"a stall begun before the wait", time.Second, 3 * time.Second, 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fixed{}
			from := time.Now()
			w := BeginAt(f, from, 5*time.Second)
			f.d = tc.stall
			now := from.Add(tc.elapsed)
			if got := w.Left(now); got != tc.want {
				t.Errorf("left %v, want %v", got, tc.want)
			}
			// A deadline is where what is left ends: past already when
			// the peer had its time, later than the bound's wall end
			// by the stall.
			if got := w.Deadline(now); !got.Equal(now.Add(tc.want)) {
				t.Errorf("deadline %v after the start, want %v", got.Sub(from), tc.elapsed+tc.want)
			}
		})
	}
}

// Await waits on a condition until it holds or the wait runs out in the
// time the process ran: a stop meanwhile gives the condition's maker
// the time it could not use.
func TestAwait(t *testing.T) {
	const bound = 100 * time.Millisecond
	tests := []struct {
		name    string
		after   time.Duration // the condition made true (-1: never)
		stopped time.Duration // 20 ms into the wait
		want    bool
	}{
		{"true at once", 0, 0, true},
		{"true within the bound", 30 * time.Millisecond, 0, true},
		{"never true", -1, 0, false},
		{"true past the bound", 250 * time.Millisecond, 0, false},
		{"true past the bound, stopped 1 s meanwhile", 250 * time.Millisecond, time.Second, true},
		{"never true, stopped 200 ms meanwhile", -1, 200 * time.Millisecond, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			c := sync.NewCond(&mu)
			ok := tc.after == 0
			if tc.after > 0 {
				mk := time.AfterFunc(tc.after, func() {
					mu.Lock()
					ok = true
					mu.Unlock()
					c.Broadcast()
				})
				defer mk.Stop()
			}
			w := Begin(stalltest.StopIn(20*time.Millisecond, tc.stopped), bound)
			mu.Lock()
			got := w.Await(c, func() bool { return ok })
			mu.Unlock()
			if got != tc.want {
				t.Errorf("Await %v, want %v", got, tc.want)
			}
		})
	}
}

// The zero Wait bounds nothing: it has run out.
func TestZeroWait(t *testing.T) {
	var w Wait
	if left := w.Left(time.Now()); left > 0 || w.Stalled() != 0 {
		t.Errorf("zero Wait: left %v, stalled %v", left, w.Stalled())
	}
}

// A Timer's wait runs out only when the time the process ran reaches its
// bound: a stop meanwhile sets it again, for as long as the stop was.
func TestTimer(t *testing.T) {
	const bound = 50 * time.Millisecond
	for _, stopped := range []time.Duration{0, 200 * time.Millisecond} {
		start := time.Now()
		tm := Begin(stalltest.StopIn(20*time.Millisecond, stopped), bound).NewTimer()
		fired := 0
		for now := range tm.C {
			fired++
			if tm.Out(now) {
				break
			}
		}
		tm.Stop()
		if took := time.Since(start); took < bound+stopped || stopped == 0 && fired != 1 {
			t.Errorf("stopped %v: out after %v and %d firings, want %v and one firing when not stopped", stopped, took, fired, bound+stopped)
		}
	}
}
