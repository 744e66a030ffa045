package httpserve

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// Hold on a server's own clock (no Wait): the answer goes once the
// hold's time has passed; a client that leaves first gets none, and
// dropped is called then, as the answer would have gone — not as the
// client left — and only then. While held, the client counts as parked.
func TestHoldOnItsClock(t *testing.T) {
	tests := []struct {
		name        string
		d           time.Duration
		leave       bool // the client goes before the hold ends
		sent, drops bool
	}{
		{name: "no delay", d: 0, sent: true},
		{name: "held and sent", d: time.Second, sent: true},
		{name: "client leaves", d: time.Second, leave: true, drops: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fire := make(chan func(), 1)
			h := &Hold{After: func(_ time.Duration, f func()) { fire <- f }}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := httptest.NewRequest("POST", "/", nil).WithContext(ctx)
			dropped := make(chan struct{}, 1)
			got := make(chan bool, 1)
			go func() { got <- h.Hold(tt.d, r, func() { dropped <- struct{}{} }) }()
			var f func()
			if tt.d > 0 {
				f = <-fire
				if !h.Parked(r.RemoteAddr) {
					t.Error("a held client is not parked")
				}
			}
			if tt.leave {
				cancel()
				if sent := <-got; sent {
					t.Error("sent to a client that left")
				}
				select {
				case <-dropped:
					t.Fatal("dropped before the hold's time")
				default:
				}
			}
			if f != nil {
				f()
			}
			if !tt.leave {
				if sent := <-got; sent != tt.sent {
					t.Errorf("sent %v, want %v", sent, tt.sent)
				}
			}
			select {
			case <-dropped:
				if !tt.drops {
					t.Error("dropped an answer that went")
				}
			default:
				if tt.drops {
					t.Error("not dropped")
				}
			}
			if h.Parked(r.RemoteAddr) {
				t.Error("still parked")
			}
		})
	}
}
