package harness

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The stages after a run's simulation are said once the run as a whole has
// taken a progress period — at once past it, or as it runs out while the
// stage still goes on — not only when the simulation alone took that long
// (outside tester t135 F7: a 0.5 s simulation then 2.6 s of pages said
// nothing); a signal has the stage in hand said at once, as stopped.
// Steps: "stage WHAT AT" (a stage begins AT into the run), "fire N" (the
// Nth timer armed goes off, stopped or not), "signal", "done".
func TestStagesSaidOnceTheRunIsLong(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []string
		want  []string
	}{
		{"a long simulation: at once", []string{"stage close 3s", "stage pages 4s", "done"}, []string{"close", "pages"}},
		{"a short run: nothing", []string{"stage close 100ms", "stage pages 200ms", "done", "fire 1", "fire 2"}, nil},
		{"a long close: as the period runs out", []string{"stage close 500ms", "fire 1", "stage pages 2500ms", "done"}, []string{"close", "pages"}},
		{"long pages only", []string{"stage close 500ms", "stage pages 600ms", "fire 1", "fire 2", "done"}, []string{"pages"}},
		{"a signal while closing", []string{"stage close 100ms", "signal", "stage pages 200ms", "fire 1", "done"},
			[]string{stopWords("close"), stopWords("pages")}},
		{"a signal between runs says nothing", []string{"done", "signal"}, nil},
		{"said once", []string{"stage close 500ms", "fire 1", "signal", "done"}, []string{"close"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var said []string
			var now time.Duration
			var timers []struct {
				d    time.Duration
				f    func()
				live bool
			}
			s := &stager{say: func(w string) { said = append(said, w) }, every: 2 * time.Second,
				elapsed: func() time.Duration { return now }}
			s.after = func(d time.Duration, f func()) func() bool {
				if want := s.every - now; d != want {
					t.Errorf("timer armed for %v, want %v (the period's rest)", d, want)
				}
				timers = append(timers, struct {
					d    time.Duration
					f    func()
					live bool
				}{d, f, true})
				i := len(timers) - 1
				return func() bool { was := timers[i].live; timers[i].live = false; return was }
			}
			for _, step := range tc.steps {
				f := strings.Fields(step)
				switch f[0] {
				case "stage":
					d, err := time.ParseDuration(f[2])
					if err != nil {
						t.Fatal(err)
					}
					now = d
					s.stage(f[1])
				case "fire": // a timer's func runs even when stopped too late
					n, err := strconv.Atoi(f[1])
					if err != nil {
						t.Fatal(err)
					}
					if n <= len(timers) {
						timers[n-1].f()
					}
				case "signal":
					s.interrupted()
				case "done":
					s.done()
				}
			}
			if !slices.Equal(said, tc.want) {
				t.Errorf("said %q, want %q", said, tc.want)
			}
		})
	}
}
