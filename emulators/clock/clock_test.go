package clock

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestVirtualFiresInDeadlineThenCreationOrder(t *testing.T) {
	v := NewVirtual(Epoch)
	l := NewLoop(v)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, name+"@"+v.Now().Sub(Epoch).String()) }
	}
	v.AfterFunc(3*time.Second, at("c"))
	v.AfterFunc(time.Second, at("a"))
	v.AfterFunc(time.Second, at("b")) // same deadline: creation order
	stopped := v.AfterFunc(2*time.Second, at("never"))
	if !stopped.Stop() {
		t.Fatal("Stop on a pending timer reported false")
	}
	if stopped.Stop() {
		t.Fatal("second Stop reported true")
	}
	if err := l.Advance(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	want := []string{"a@1s", "b@1s", "c@3s"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	if d := v.Now().Sub(Epoch); d != 5*time.Second {
		t.Fatalf("clock at %v after Advance(5s)", d)
	}
}

func TestTimersScheduledByTimersRunInTheSameAdvance(t *testing.T) {
	v := NewVirtual(Epoch)
	l := NewLoop(v)
	n := 0
	var tick func()
	tick = func() {
		n++
		v.AfterFunc(time.Minute, tick)
	}
	v.AfterFunc(time.Minute, tick)
	if err := l.Advance(time.Hour); err != nil {
		t.Fatal(err)
	}
	if n != 60 {
		t.Fatalf("periodic timer fired %d times in an hour, want 60", n)
	}
}

func TestAdvanceWaitsForHeldIOBeforeMovingTime(t *testing.T) {
	v := NewVirtual(Epoch)
	l := NewLoop(v)
	var order []string
	release := l.Hold()
	v.AfterFunc(time.Second, func() { order = append(order, "timer") })
	go release(func() { order = append(order, "io@"+v.Now().Sub(Epoch).String()) })
	if err := l.Advance(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	want := []string{"io@0s", "timer"}
	if !reflect.DeepEqual(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
}

func TestAdvanceReportsAStalledPeer(t *testing.T) {
	l := NewLoop(NewVirtual(Epoch))
	l.Stall = 20 * time.Millisecond
	release := l.Hold()
	defer release(nil)
	if err := l.Advance(time.Second); !errors.Is(err, ErrStalled) {
		t.Fatalf("Advance with a hung exchange: %v, want ErrStalled", err)
	}
}

func TestRunUntilStopsWhenDone(t *testing.T) {
	v := NewVirtual(Epoch)
	l := NewLoop(v)
	hits := 0
	for i := 1; i <= 10; i++ {
		v.AfterFunc(time.Duration(i)*time.Second, func() { hits++ })
	}
	ok, err := l.RunUntil(Epoch.Add(time.Hour), func() bool { return hits == 3 })
	if err != nil || !ok {
		t.Fatalf("RunUntil = %v, %v", ok, err)
	}
	if d := v.Now().Sub(Epoch); d != 3*time.Second {
		t.Fatalf("stopped at %v, want 3s", d)
	}
}

func TestPostedWorkRunsBeforeTime(t *testing.T) {
	v := NewVirtual(Epoch)
	l := NewLoop(v)
	var at time.Duration = -1
	v.AfterFunc(time.Second, func() {
		l.Post(func() { at = v.Now().Sub(Epoch) })
	})
	v.AfterFunc(2*time.Second, func() {})
	if err := l.Advance(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	if at != time.Second {
		t.Fatalf("posted work ran at %v, want 1s", at)
	}
}

// Together fires every timer due at one instant before settling, so the
// I/O each starts is in flight at once; without it, one timer's I/O ends
// before the next timer fires.
func TestTogetherPutsAnInstantsIOInFlightAtOnce(t *testing.T) {
	for _, together := range []bool{false, true} {
		l := NewLoop(NewVirtual(Epoch))
		l.Together = together
		var inflight, most int
		for range 3 {
			l.Clock().AfterFunc(time.Second, func() {
				inflight++
				most = max(most, inflight)
				release := l.Hold()
				go release(func() { inflight-- }) // the peer answers

			})
		}
		if err := l.Advance(2 * time.Second); err != nil {
			t.Fatal(err)
		}
		want := 1
		if together {
			want = 3
		}
		if most != want || inflight != 0 {
			t.Errorf("together %v: %d in flight at most (%d left), want %d", together, most, inflight, want)
		}
	}
}

// Released counts the real I/O that has ended, once a Hold, however often
// its release is called.
func TestReleasedCounts(t *testing.T) {
	l := NewLoop(NewVirtual(Epoch))
	a, b := l.Hold(), l.Hold()
	if l.Released() != 0 || l.InFlight() != 2 {
		t.Fatalf("released %d, in flight %d", l.Released(), l.InFlight())
	}
	a(nil)
	a(nil)
	if l.Released() != 1 || l.InFlight() != 1 {
		t.Fatalf("released %d, in flight %d", l.Released(), l.InFlight())
	}
	b(nil)
	if l.Released() != 2 || l.InFlight() != 0 {
		t.Fatalf("released %d, in flight %d", l.Released(), l.InFlight())
	}
}

// RunBefore stops short of the deadline's own instant: what is due then
// stays for whoever runs the clock on, while the clock reads the deadline.
func TestRunBeforeLeavesTheDeadlinesTimers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before bool
		want   []int
	}{
		{"RunUntil", false, []int{1, 2, 3}},
		{"RunBefore", true, []int{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := NewVirtual(Epoch)
			l := NewLoop(v)
			var fired []int
			for i := 1; i <= 4; i++ {
				v.AfterFunc(time.Duration(i)*time.Minute, func() { fired = append(fired, i) })
			}
			run := l.RunUntil
			if tc.before {
				run = l.RunBefore
			}
			if _, err := run(Epoch.Add(3*time.Minute), nil); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(fired, tc.want) || v.Now() != Epoch.Add(3*time.Minute) {
				t.Fatalf("fired %v, clock at %v; want %v at 3m", fired, v.Now().Sub(Epoch), tc.want)
			}
			// Running on fires the instant left behind, once.
			if _, err := l.RunUntil(Epoch.Add(3*time.Minute), nil); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(fired, []int{1, 2, 3}) {
				t.Fatalf("then fired %v, want [1 2 3]", fired)
			}
		})
	}
}
