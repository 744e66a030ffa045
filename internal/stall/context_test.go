package stall

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/stall/stalltest"
)

// A Wait's Context ends when the time the process ran reaches the bound,
// reading context.DeadlineExceeded as a context.WithTimeout would (its
// children and its cause too), and not earlier when a stop ate the wall
// time; its parent's end and its cancel end it with their error.
func TestContext(t *testing.T) {
	const bound = 60 * time.Millisecond
	tests := []struct {
		name      string
		stopped   time.Duration // 20 ms into the wait
		endParent bool          // the parent is cancelled at once
		cancel    bool          // cancel is called at once
		want      error
		notBefore time.Duration // the earliest it may end (wall time)
	}{
		{"runs out", 0, false, false, context.DeadlineExceeded, bound},
		{"runs out later by a stop", 300 * time.Millisecond, false, false, context.DeadlineExceeded, bound + 300*time.Millisecond},
		{"parent ends", 300 * time.Millisecond, true, false, context.Canceled, 0},
		{"cancelled", 300 * time.Millisecond, false, true, context.Canceled, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent, endParent := context.WithCancel(context.Background())
			defer endParent()
			start := time.Now()
			ctx, cancel := Begin(stalltest.StopIn(20*time.Millisecond, tc.stopped), bound).Context(parent)
			defer cancel()
			child, endChild := context.WithCancel(ctx) // net/http derives its own
			defer endChild()
			if ctx.Err() != nil {
				t.Fatalf("ended at once: %v", ctx.Err())
			}
			if tc.endParent {
				endParent()
			}
			if tc.cancel {
				cancel()
			}
			<-child.Done()
			took := time.Since(start)
			if took < tc.notBefore {
				t.Errorf("ended after %v, want %v at least", took, tc.notBefore)
			}
			if !errors.Is(ctx.Err(), tc.want) || !errors.Is(child.Err(), tc.want) || !errors.Is(context.Cause(child), tc.want) {
				t.Errorf("Err %v, child's %v (cause %v), want %v", ctx.Err(), child.Err(), context.Cause(child), tc.want)
			}
			if _, ok := ctx.Deadline(); ok {
				t.Errorf("a deadline in wall time, which a stall would cut short")
			}
		})
	}
}
