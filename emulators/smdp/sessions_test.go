package smdp

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/esimhil/esimhil/internal/proto/es9"
)

// The server holds at most MaxSessions ES9+ sessions, the oldest going
// first, and forgets expired ones as it goes without a sweep of them all
// (outside tester t71 F4: 60,000 abandoned sessions, each call walking
// them under the lock).
func TestSessionBound(t *testing.T) {
	for _, tc := range []struct {
		name string
		max  int           // Config.MaxSessions (0: the default)
		open int           // sessions opened before the last
		wait time.Duration // simulated time before the last
		// held: sessions held after the last opened; gone: how many of
		// the first are forgotten (their authenticateClient 8.10.1/3.9).
		held, gone int
	}{
		{"under the bound", 4, 2, 0, 3, 0},
		{"at the bound the oldest goes", 3, 5, 0, 3, 3},
		{"expired ones go first", 3, 2, 11 * time.Minute, 1, 2},
		{"the default bound", 0, 10005, 0, 10000, 10006 - 10000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, func(c *Config) { c.MaxSessions = tc.max })
			var cards []*card
			open := func() {
				c := e.card(testEID, "")
				code, m, err := c.initiate()
				mustOK(t, "initiateAuthentication", code, m, err)
				if err := c.authenticateServer(m); err != nil {
					t.Fatal(err)
				}
				cards = append(cards, c)
			}
			// The first few over HTTPS, to call them back; the bulk
			// straight, as many as a flood would leave.
			for range min(tc.open, 5) {
				open()
			}
			e.srv.mu.Lock()
			for range tc.open - min(tc.open, 5) {
				if _, err := e.srv.newTransaction(make([]byte, 16)); err != nil {
					t.Fatal(err)
				}
			}
			e.srv.mu.Unlock()
			e.clock.Add(tc.wait)
			open()
			e.srv.mu.Lock()
			held := len(e.srv.tx)
			e.srv.mu.Unlock()
			if held != tc.held {
				t.Errorf("%d sessions held, want %d", held, tc.held)
			}
			for i, c := range cards[:min(len(cards)-1, 5)] {
				code, m, err := c.authenticateClient(c.authServerResponse(nil))
				switch {
				case i < tc.gone:
					// Dropped, or gone by its TTL: unknown.
					mustFail(t, fmt.Sprintf("session %d, gone", i), code, m, err, http.StatusOK, es9.SubjectTransactionID, es9.ReasonUnknown)
				default:
					// Still held: refused for want of an order, not as unknown.
					mustFail(t, fmt.Sprintf("session %d, held", i), code, m, err, http.StatusOK, es9.SubjectMatchingID, es9.ReasonRefused)
				}
			}
			last := cards[len(cards)-1]
			code, m, err := last.authenticateClient(last.authServerResponse(nil))
			mustFail(t, "the newest session", code, m, err, http.StatusOK, es9.SubjectMatchingID, es9.ReasonRefused)
		})
	}
}

// BenchmarkNewSession opens sessions with open ones already held: its
// cost does not grow with them (it was a walk over every one, 2 ms a call
// at 60,000: outside tester t71 F4).
func BenchmarkNewSession(b *testing.B) {
	for _, open := range []int{0, 10000, 60000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) {
			p := thePKI(b)
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			srv, err := New(Config{Operator: testOp, Host: testHost, CI: p.CI.X509, Certs: p.SMDP[testOp],
				Now: func() time.Time { return now }, MaxSessions: max(open, 1)})
			if err != nil {
				b.Fatal(err)
			}
			ch := make([]byte, 16)
			srv.mu.Lock()
			defer srv.mu.Unlock()
			for range open {
				if _, err := srv.newTransaction(ch); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := srv.newTransaction(ch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// An install result that comes after its session is gone (its TTL ended,
// or it was the oldest of too many) settles its order as one within the
// session does: installed when it succeeded, in error when it failed — a
// failed one left "downloaded" stayed outstanding for good.
func TestInstallResultAfterTheSession(t *testing.T) {
	for _, tc := range []struct {
		ok   bool
		want string
	}{{true, "installed"}, {false, "error"}} {
		t.Run(tc.want, func(t *testing.T) {
			e := newEnvWith(t, func(c *Config) { c.MaxSessions = 1 })
			c, mid := e.packageSent(t)
			// A second session pushes the card's out.
			other := e.card(testEID, "")
			code, m, err := other.initiate()
			mustOK(t, "initiateAuthentication", code, m, err)
			e.srv.mu.Lock()
			_, held := e.srv.tx[c.tx]
			e.srv.mu.Unlock()
			if held {
				t.Fatal("the card's session is still held")
			}
			if code, _, err := c.notify(c.installResult(1, tc.ok)); err != nil || code != http.StatusNoContent {
				t.Fatalf("install result: %d %v", code, err)
			}
			e.srv.mu.Lock()
			state, outstanding := e.srv.orders[mid].state, e.srv.outstanding
			e.srv.mu.Unlock()
			if state != tc.want || outstanding != 0 {
				t.Errorf("order %s, %d outstanding; want %s, 0", state, outstanding, tc.want)
			}
		})
	}
}
